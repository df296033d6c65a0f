// SPDX-License-Identifier: GPL-2.0-only
/*
 * JUnit XML (--junit FILE): one testsuite, one testcase per test; FAIL is a
 * <failure>, ERROR and TIMEOUT an <error>, SKIP <skipped>; the ktstr failure
 * block goes in the element body and the console tail in <system-out>.
 */
#include <errno.h>
#include <inttypes.h>
#include <sys/wait.h>
#include <time.h>

#include "proto/msg.h"
#include "report/internal.h"
#include "util/proc.h"

/*
 * Escape text for XML 1.0 content and attribute values: the five entities,
 * newlines and tabs as character references inside attributes, control
 * characters XML cannot carry dropped to '?', invalid UTF-8 replaced by '?'.
 */
void report_xml_escape(FILE *f, const char *str, bool attr)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	while (*s) {
		size_t n;

		switch (*s) {
		case '&': fputs("&amp;", f); s++; continue;
		case '<': fputs("&lt;", f); s++; continue;
		case '>': fputs("&gt;", f); s++; continue;
		case '"': fputs(attr ? "&quot;" : "\"", f); s++; continue;
		case '\'': fputs(attr ? "&apos;" : "'", f); s++; continue;
		case '\n': fputs(attr ? "&#10;" : "\n", f); s++; continue;
		case '\t': fputs(attr ? "&#9;" : "\t", f); s++; continue;
		case '\r':	/* serial CRLF: keep it only where a parser would not normalise it */
			if (attr)
				fputs("&#13;", f);
			s++;
			continue;
		default: break;
		}
		if (*s < 0x20 || *s == 0x7f) {
			fputc('?', f);
			s++;
			continue;
		}
		n = report_utf8_len(s);
		if (!n) {
			fputc('?', f);
			s++;
			continue;
		}
		fwrite(s, 1, n, f);
		s += n;
	}
}

/* The spec file's base name without extension: JUnit's classname. */
static char *classname(const struct test_result *t)
{
	const char *p = t->spec_path ? t->spec_path : "ktstr";
	const char *base = strrchr(p, '/');
	char *dot, *c = xasprintf("ktstr.%s", base ? base + 1 : p);

	dot = strrchr(c, '.');
	if (dot && dot > c + 6)
		*dot = '\0';
	return c;
}

/* A property whose name is "payload.NAME.KEY", with " (run N)" under repeats. */
static void payload_property(FILE *f, const struct test_result *t, size_t run,
			     const struct run_payload *p, const char *key)
{
	fputs("        <property name=\"payload.", f);
	report_xml_escape(f, p->name, true);
	fputc('.', f);
	report_xml_escape(f, key, true);
	if (t->nruns > 1)
		fprintf(f, " (run %zu)", run + 1);
	fputs("\" value=\"", f);
}

/*
 * Each payload's exit ("payload.NAME.exit": the code, or how it was
 * killed) and the metrics its spec checks or gives a polarity
 * ("payload.NAME.METRIC": the value), as properties; any: the properties
 * element is open. Returns whether it is.
 */
static bool testcase_payloads(FILE *f, const struct test_result *t, bool any)
{
	for (size_t i = 0; i < t->nruns; i++)
		for (size_t k = 0; k < t->runs[i].npayloads; k++) {
			const struct run_payload *p = &t->runs[i].payloads[k];
			char how[64];

			if (!any)
				fputs("      <properties>\n", f);
			any = true;
			if (WIFEXITED(p->status))
				snprintf(how, sizeof(how), "%d", WEXITSTATUS(p->status));
			else
				wait_status__describe(p->status, how, sizeof(how));
			payload_property(f, t, i, p, "exit");
			report_xml_escape(f, how, true);
			fputs("\"/>\n", f);
			for (size_t m = 0; m < p->nmetrics; m++) {
				const struct payload_metric *pm = &p->metrics[m];
				bool checked = false;

				for (size_t c = 0; c < p->nchecks && !checked; c++)
					checked = str_eq(p->checks[c].metric, pm->name);
				if (!checked && pm->polarity == POLARITY_UNKNOWN)
					continue;
				payload_property(f, t, i, p, pm->name);
				fprintf(f, "%g\"/>\n", pm->value);
			}
		}
	return any;
}

/*
 * Auto-repro's rerun as properties: "auto_repro.rerun" (its outcome),
 * ".tasks" and ".events" (kept before the failure), ".artifact" (the
 * auto-repro.json with every event); the section's text is in the failure.
 */
static bool testcase_repro(FILE *f, const struct test_result *t, bool any)
{
	const struct test_repro *rp = t->repro;
	char n[2][24];
	const char *kv[][2] = { { "rerun", rp ? rp->rerun : NULL }, { "tasks", n[0] },
				{ "events", n[1] }, { "artifact", rp ? rp->json_path ?: rp->text_path : NULL } };

	if (!rp)
		return any;
	if (!any)
		fputs("      <properties>\n", f);
	snprintf(n[0], sizeof(n[0]), "%zu", rp->ntasks);
	snprintf(n[1], sizeof(n[1]), "%zu", rp->nevents);
	for (size_t i = 0; i < ARRAY_SIZE(kv); i++) {
		if (!kv[i][1])
			continue;
		fprintf(f, "        <property name=\"auto_repro.%s\" value=\"", kv[i][0]);
		report_xml_escape(f, kv[i][1], true);
		fputs("\"/>\n", f);
	}
	return true;
}

/*
 * The monitor's verdict and peaks per run and the verifier's figures, as
 * testcase properties (as pytest's record_property).
 */
static void testcase_monitor(FILE *f, const struct test_result *t)
{
	bool any = false;

	for (size_t i = 0; i < t->nruns; i++) {
		_cleanup_free_ char *text = report_monitor_text(&t->runs[i]);
		char *save = NULL;
		const char *sep = "";

		if (!text)
			continue;
		if (!any)
			fputs("      <properties>\n", f);
		any = true;
		if (t->nruns > 1)
			fprintf(f, "        <property name=\"monitor (run %zu)\" value=\"", i + 1);
		else
			fputs("        <property name=\"monitor\" value=\"", f);
		/* one line: the text's lines joined with "; " */
		for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			fputs(sep, f);
			report_xml_escape(f, l, true);
			sep = "; ";
		}
		fputs("\"/>\n", f);
	}
	/* the verifier's count per program (the first run's: each run loads the same) */
	for (size_t i = 0; i < t->nruns; i++) {
		if (!t->runs[i].nprogs)
			continue;
		if (!any)
			fputs("      <properties>\n", f);
		any = true;
		for (size_t p = 0; p < t->runs[i].nprogs; p++) {
			fputs("        <property name=\"verified_insns.", f);
			report_xml_escape(f, t->runs[i].progs[p].name ?: "", true);
			fprintf(f, "\" value=\"%" PRIu32 "\"/>\n", t->runs[i].progs[p].verified_insns);
		}
		break;
	}
	any = testcase_payloads(f, t, any);
	any = testcase_repro(f, t, any);
	if (any)
		fputs("      </properties>\n", f);
}

static void testcase(FILE *f, const struct test_result *t)
{
	_cleanup_free_ char *cls = classname(t);
	const char *reason = report_reason(t);

	fputs("    <testcase name=\"", f);
	report_xml_escape(f, t->name, true);
	fputs("\" classname=\"", f);
	report_xml_escape(f, cls, true);
	fprintf(f, "\" time=\"%.3f\">\n", report_secs(t->elapsed_ns));
	testcase_monitor(f, t);
	/*
	 * Maven Surefire's rerun format: a FLAKY test is a passed testcase with a
	 * <flakyFailure> or <flakyError> per failed attempt (Jenkins and GitLab read it).
	 */
	for (size_t i = 0; t->status == TEST_FLAKY && i < t->nattempts; i++) {
		const struct test_attempt *a = &t->attempts[i];
		const char *el = a->status == TEST_FAIL ? "flakyFailure" : "flakyError";

		fprintf(f, "      <%s type=\"%s\" message=\"", el, test_status_name(a->status));
		report_xml_escape(f, a->reason ?: test_status_name(a->status), true);
		fputs("\">", f);
		if (a->dir) {
			fputs("<system-out>artifacts: ", f);
			report_xml_escape(f, a->dir, false);
			fputs("</system-out>", f);
		}
		fprintf(f, "</%s>\n", el);
	}
	if (t->status == TEST_SKIP) {
		fputs("      <skipped message=\"", f);
		report_xml_escape(f, reason, true);
		fputs("\"/>\n", f);
	} else if (t->status != TEST_PASS && t->status != TEST_FLAKY) {
		_cleanup_free_ char *block = report_text__failure(t);
		const char *el = t->status == TEST_FAIL ? "failure" : "error";

		fprintf(f, "      <%s type=\"%s\" message=\"", el, test_status_name(t->status));
		report_xml_escape(f, reason ? reason : test_status_name(t->status), true);
		fputs("\">", f);
		report_xml_escape(f, block, false);
		fprintf(f, "</%s>\n", el);
	}
	if (t->console_tail && *t->console_tail) {
		fputs("      <system-out>", f);
		report_xml_escape(f, t->console_tail, false);
		fputs("</system-out>\n", f);
	}
	fputs("    </testcase>\n", f);
}

/* The whole file at the end: its counts come first. */
static int junit_end(struct report *r)
{
	const char *path = r->o.junit;
	unsigned fails = 0, errors = 0, skips = 0;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	double total = 0;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;
	int ret;

	for (size_t i = 0; i < r->nresults; i++) {
		enum test_status s = r->results[i]->status;

		fails += s == TEST_FAIL;
		errors += s == TEST_ERROR || s == TEST_TIMEOUT;
		skips += s == TEST_SKIP;
		total += report_secs(r->results[i]->elapsed_ns);
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	f = open_memstream(&buf, &len);
	if (!f)
		return report_failed(r, path, -ENOMEM);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f, "<testsuites name=\"ktstr\" tests=\"%zu\" failures=\"%u\" errors=\"%u\" skipped=\"%u\" time=\"%.3f\">\n",
		r->nresults, fails, errors, skips, total);
	fprintf(f, "  <testsuite name=\"ktstr\" tests=\"%zu\" failures=\"%u\" errors=\"%u\" skipped=\"%u\" time=\"%.3f\" timestamp=\"%s\">\n",
		r->nresults, fails, errors, skips, total, stamp);
	if (r->relaxed || r->unevaluated) {
		fputs("    <properties>\n", f);
		if (r->relaxed)
			fputs("      <property name=\"thresholds\" value=\"relaxed for TCG\"/>\n", f);
		if (r->unevaluated) {
			fputs("      <property name=\"not evaluated (no monitor data)\" value=\"", f);
			report_xml_escape(f, r->unevaluated, true);
			fputs("\"/>\n", f);
		}
		fputs("    </properties>\n", f);
	}
	for (size_t i = 0; i < r->nresults; i++)
		testcase(f, r->results[i]);
	fputs("  </testsuite>\n</testsuites>\n", f);
	if (fclose(f))
		return report_failed(r, path, -ENOMEM);
	ret = write_file_atomic(path, buf, len);
	return ret ? report_failed(r, path, ret) : 0;
}

static bool junit_enabled(const struct report_opts *o)
{
	return o->junit;
}

const struct report_format report_junit_format = {
	.name = "junit",
	.writes = "JUnit XML to the --junit file",
	.enabled = junit_enabled,
	.end = junit_end,
};
