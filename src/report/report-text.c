// SPDX-License-Identifier: GPL-2.0-only
/*
 * The terminal report: a live progress line (in place on a TTY, one plain
 * line per phase otherwise), one line per finished test, ktstr-shaped
 * failure blocks, and a final table.
 */
#include <inttypes.h>
#include <string.h>
#include <sys/wait.h>

#include "check/check.h"
#include "proto/msg.h"
#include "report/internal.h"
#include "spec/spec.h"
#include "util/proc.h"

#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_MAGENTA "\033[35m"
#define C_BOLD "\033[1m"
#define C_OFF "\033[0m"

static const char *status_color(const struct report *r, enum test_status s)
{
	if (!r->o.color)
		return "";
	switch (s) {
	case TEST_PASS: return C_GREEN;
	case TEST_SKIP: return C_YELLOW;
	case TEST_FLAKY: return C_MAGENTA;
	default: return C_RED;
	}
}

static void clear_line(struct report *r)
{
	if (r->tty && r->line_dirty) {
		fputs("\r\033[K", r->text);
		r->line_dirty = false;
	}
}

/* Has this phase of this test been printed already (non-TTY output)? */
static bool phase_seen(struct report *r, const char *test, const char *phase)
{
	struct progress_seen *s = NULL;

	for (size_t i = 0; i < r->nseen; i++)
		if (str_eq(r->seen[i].test, test))
			s = &r->seen[i];
	if (!s) {
		s = array_push(&r->seen, &r->nseen, sizeof(*s));
		s->test = xstrdup(test);
	}
	if (s->phase && str_eq(s->phase, phase))
		return true;
	s->phase = phase;
	return false;
}

void report_text__progress(struct report *r, const char *test, const char *phase,
			   uint64_t elapsed_ns, uint64_t expected_ns)
{
	char exp[32] = "";

	if (!phase)
		phase = "?";
	if (expected_ns)
		snprintf(exp, sizeof(exp), "/%.1fs", report_secs(expected_ns));
	if (r->tty) {
		fprintf(r->text, "\r\033[K[%zu/%zu] %s: %s %.1fs%s", r->nresults + 1, r->ntests,
			test, phase, report_secs(elapsed_ns), exp);
		r->line_dirty = true;
	} else if (!phase_seen(r, test, phase)) {
		fprintf(r->text, "[%zu/%zu] %s: %s (%.1fs%s)\n", r->nresults + 1, r->ntests,
			test, phase, report_secs(elapsed_ns), exp);
	}
	fflush(r->text);
}

static void print_timeline(FILE *f, const struct telemetry *tel)
{
	for (size_t i = 0; i < tel->nevents; i++) {
		const struct timeline_event *e = &tel->events[i];

		fprintf(f, "  +%.3fs %s", report_secs(e->at_ns), event_kind_name(e->kind));
		if (e->step >= 0 && (e->kind == EVT_STEP_START || e->kind == EVT_STEP_END))
			fprintf(f, "[%d]", e->step);
		if (e->label)
			fprintf(f, " %s", e->label);
		if (e->detail)
			fprintf(f, ": %s", e->detail);
		if (e->error)
			fprintf(f, " (failed: %s)", strerror(-e->error));
		fputc('\n', f);
	}
}

static const char *header_verb(enum test_status s)
{
	switch (s) {
	case TEST_TIMEOUT: return "timed out";
	case TEST_ERROR: return "errored";
	case TEST_SKIP: return "skipped";
	default: return "failed";
	}
}

char *report__verifier_text(const struct run_result *rr)
{
	char *buf = NULL;
	size_t len = 0, w = 7;
	uint64_t total = 0;
	bool warned = false;
	FILE *f;

	if (!rr->nprogs)
		return NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		abort();
	for (size_t i = 0; i < rr->nprogs; i++)
		w = MAX(w, strlen(rr->progs[i].name ?: ""));
	fprintf(f, "  %-*s %12s %8s %10s %10s\n", (int)w, "program", "verified", "limit%",
		"xlated", "jited");
	for (size_t i = 0; i < rr->nprogs; i++) {
		const struct msg_bpf_prog *p = &rr->progs[i];
		double pct = result_verifier__pct(p->verified_insns);

		fprintf(f, "  %-*s %12" PRIu32 " %7.1f%% %10" PRIu32 " %10" PRIu32 "%s\n", (int)w,
			p->name ?: "", p->verified_insns, pct, p->xlated_len, p->jited_len,
			pct >= VERIFIER_WARN_PCT ? " !" : "");
		total += p->verified_insns;
	}
	fprintf(f, "  total verified insns: %" PRIu64 "\n", total);
	for (size_t i = 0; i < rr->nprogs; i++) {
		_cleanup_free_ char *warn = result_verifier__warning(&rr->progs[i]);

		if (!warn)
			continue;
		if (!warned)
			fputs("  WARNING: programs near verifier complexity limit:\n", f);
		warned = true;
		fprintf(f, "    %s\n", warn);
	}
	fclose(f);
	return buf;
}

/* Metrics a payload line names besides the checked ones (the rest: result.json). */
#define TEXT_PAYLOAD_METRICS 8

/* A failure block's "--- TITLE ---" line, with " (run N)" when the test ran more than once. */
static void section_head(FILE *f, const struct test_result *t, size_t i, const char *title)
{
	fprintf(f, "\n--- %s ---", title);
	if (t->nruns > 1)
		fprintf(f, " (run %zu)", i + 1);
	fputc('\n', f);
}

/* Whether checks[0..upto) of p already name metric. */
static bool check_seen(const struct run_payload *p, size_t upto, const char *metric)
{
	for (size_t i = 0; i < upto; i++)
		if (str_eq(p->checks[i].metric, metric))
			return true;
	return false;
}

char *report_text__payloads(const struct run_result *rr, const char *indent)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!rr->npayloads)
		return NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		abort();
	for (size_t i = 0; i < rr->npayloads; i++) {
		const struct run_payload *p = &rr->payloads[i];
		size_t shown = 0;
		char how[64];

		if (WIFEXITED(p->status))
			snprintf(how, sizeof(how), "exit %d", WEXITSTATUS(p->status));
		else
			wait_status__describe(p->status, how, sizeof(how));
		fprintf(f, "%spayload %s: %s", indent, p->name, how);
		if (p->exit_checked)
			fprintf(f, " (expected %d: %s)", p->exit_expected, p->exit_ok ? "ok" : "failed");
		/* each checked metric once, with all its checks */
		for (size_t c = 0; c < p->nchecks; c++) {
			const struct payload_check *k = &p->checks[c];
			const char *sep = " (";

			if (check_seen(p, c, k->metric))
				continue;
			fprintf(f, "; %s", k->metric);
			if (k->found)
				fprintf(f, " = %g", k->value);
			for (size_t d = c; d < p->nchecks; d++) {
				if (!str_eq(p->checks[d].metric, k->metric))
					continue;
				fprintf(f, "%s%s: %s", sep, p->checks[d].check, p->checks[d].verdict);
				sep = ", ";
			}
			fputc(')', f);
		}
		/* then the metrics a comparison judges, then a few others */
		for (size_t m = 0; m < p->nmetrics; m++) {
			const struct payload_metric *pm = &p->metrics[m];

			if (pm->polarity != POLARITY_UNKNOWN && !check_seen(p, p->nchecks, pm->name))
				fprintf(f, "; %s = %g (%s)", pm->name, pm->value,
					metric_polarity_name(pm->polarity));
		}
		for (size_t m = 0; m < p->nmetrics; m++) {
			const struct payload_metric *pm = &p->metrics[m];

			if (pm->polarity != POLARITY_UNKNOWN || check_seen(p, p->nchecks, pm->name))
				continue;
			if (shown++ < TEXT_PAYLOAD_METRICS)
				fprintf(f, "; %s = %g", pm->name, pm->value);
		}
		if (shown > TEXT_PAYLOAD_METRICS)
			fprintf(f, "; +%zu more metrics in result.json", shown - TEXT_PAYLOAD_METRICS);
		if (!p->nmetrics && p->why)
			fprintf(f, "; no metrics: %s", p->why);
		fputc('\n', f);
	}
	fclose(f);
	return buf;
}

char *report_text__failure(const struct test_result *t)
{
	_cleanup_free_ char *labels = report_labels(t);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	fprintf(f, "ktstr '%s' %s %s", t->name, labels, header_verb(t->status));
	/* TIMEOUT and ERROR name the phase they happened in. */
	for (size_t i = 0; i < t->nruns; i++)
		if (t->runs[i].status == t->status && t->runs[i].phase &&
		    (t->status == TEST_TIMEOUT || t->status == TEST_ERROR)) {
			fprintf(f, " during %s", t->runs[i].phase);
			break;
		}
	fputs(":\n", f);
	for (size_t i = 0; i < t->nruns; i++) {
		const struct run_result *rr = &t->runs[i];

		if (t->nruns > 1)
			fprintf(f, "  run %zu/%zu: %s%s%s\n", i + 1, t->nruns, test_status_name(rr->status),
				rr->phase ? " during " : "", rr->phase ? rr->phase : "");
		for (size_t d = 0; d < rr->ndetails; d++)
			fprintf(f, "%s  %s\n", t->nruns > 1 ? "  " : "", rr->details[d].message);
	}
	if (!t->nruns && report_reason(t))
		fprintf(f, "  %s\n", report_reason(t));
	if (t->thresholds.relaxed)
		fputs("  (thresholds relaxed for TCG: ktstr's debug-build values; --release-thresholds for strict)\n", f);
	for (size_t i = 0; i < t->nruns; i++) {
		const struct run_result *rr = &t->runs[i];
		_cleanup_free_ char *stats = NULL;

		if (!rr->ncgroups)
			continue;
		stats = run_result__stats_text(rr);
		section_head(f, t, i, "stats");
		fputs(stats, f);
	}
	for (size_t i = 0; i < t->nruns; i++) {
		if (!t->runs[i].telemetry.nevents)
			continue;
		section_head(f, t, i, "timeline");
		print_timeline(f, &t->runs[i].telemetry);
	}
	for (size_t i = 0; i < t->nruns; i++) {
		_cleanup_free_ char *ver = report__verifier_text(&t->runs[i]);

		if (!ver)
			continue;
		section_head(f, t, i, "verifier");
		fputs(ver, f);
	}
	for (size_t i = 0; i < t->nruns; i++) {
		_cleanup_free_ char *pl = report_text__payloads(&t->runs[i], "  ");

		if (!pl)
			continue;
		section_head(f, t, i, "payloads");
		fputs(pl, f);
	}
	/* ktstr's order: stats, timeline, monitor, then the console */
	for (size_t i = 0; i < t->nruns; i++) {
		_cleanup_free_ char *mon = report_monitor_text(&t->runs[i]);

		if (!mon)
			continue;
		section_head(f, t, i, "monitor");
		fputs(mon, f);
	}
	if (t->auto_repro) {
		fputs("\n--- auto-repro ---\n", f);
		fputs(t->auto_repro, f);
	}
	if (t->console_tail && *t->console_tail) {
		fputs("\n--- console (tail) ---\n", f);
		for (const char *c = t->console_tail; *c; c++)
			if (*c != '\r')	/* serial consoles write CRLF */
				fputc(*c, f);
		if (!str_endswith(t->console_tail, "\n"))
			fputc('\n', f);
	}
	if (t->results_dir)
		fprintf(f, "\nartifacts: %s\n", t->results_dir);
	fclose(f);
	return buf;
}

static int text_test(struct report *r, const struct test_result *t)
{
	const char *reason = report_reason(t);

	clear_line(r);
	if (r->o.quiet && t->status == TEST_PASS)
		return 0;
	fprintf(r->text, "%s%7s%s [%8.2fs] %s", status_color(r, t->status), test_status_name(t->status),
		r->o.color ? C_OFF : "", report_secs(t->elapsed_ns), t->name);
	if (t->nruns > 1)
		fprintf(r->text, " (%zu runs)", t->nruns);
	if ((t->status == TEST_SKIP || t->status == TEST_FLAKY) && reason)
		fprintf(r->text, ": %s", reason);
	fputc('\n', r->text);
	/* every retried attempt, with where its artifacts are: flakiness in plain sight */
	for (size_t i = 0; i < t->nattempts; i++) {
		const struct test_attempt *a = &t->attempts[i];

		fprintf(r->text, "  attempt %zu: %s%s%s%s%s\n", i + 1, test_status_name(a->status),
			a->reason ? ": " : "", a->reason ?: "", a->dir ? " -> " : "", a->dir ?: "");
	}
	/* a results channel that lost bytes is worth a line even when the test passed */
	for (size_t i = 0; t->status == TEST_PASS && i < t->nruns; i++)
		if (t->runs[i].channel_dropped)
			fprintf(r->text, "  warning: channel: %" PRIu64 " bytes dropped (%u bad frames)\n",
				t->runs[i].channel_dropped, t->runs[i].channel_bad_frames);
	/* a program near the verifier's limit: a warning whatever the verdict, as ktstr */
	for (size_t i = 0; i < t->nruns; i++) {
		if (!t->runs[i].nprogs)
			continue;
		for (size_t p = 0; p < t->runs[i].nprogs; p++) {
			_cleanup_free_ char *warn = result_verifier__warning(&t->runs[i].progs[p]);

			if (warn)
				fprintf(r->text, "  warning: verifier: %s\n", warn);
		}
		break;	/* each run loads the same programs: the first run's say it */
	}
	/* a passing test's payloads: what they measured, under its line (a failure's block has them) */
	for (size_t i = 0; t->status == TEST_PASS && i < t->nruns; i++) {
		_cleanup_free_ char *pre = t->nruns > 1 ? xasprintf("  run %zu: ", i + 1) : xstrdup("  ");
		_cleanup_free_ char *pl = report_text__payloads(&t->runs[i], pre);

		if (pl)
			fputs(pl, r->text);
	}
	if (t->status != TEST_PASS && t->status != TEST_SKIP) {
		_cleanup_free_ char *block = report_text__failure(t);

		fputs(block, r->text);
		fputc('\n', r->text);
	}
	fflush(r->text);
	return 0;
}

static int text_end(struct report *r)
{
	unsigned count[TEST_FLAKY + 1] = { 0 };
	char flaky[32] = "";
	size_t wname = 4;

	clear_line(r);
	for (size_t i = 0; i < r->nresults; i++) {
		count[r->results[i]->status]++;
		wname = MAX(wname, strlen(r->results[i]->name));
	}
	wname = MIN(wname, (size_t)60);
	if (!r->o.quiet && r->nresults) {
		fprintf(r->text, "\n%s%-7s %9s  %-*s  %s%s\n", r->o.color ? C_BOLD : "", "STATUS", "TIME",
			(int)wname, "TEST", "REASON", r->o.color ? C_OFF : "");
		for (size_t i = 0; i < r->nresults; i++) {
			const struct test_result *t = r->results[i];
			const char *reason = report_reason(t);

			fprintf(r->text, "%s%-7s%s %8.2fs  %-*s  %s\n", status_color(r, t->status),
				test_status_name(t->status), r->o.color ? C_OFF : "",
				report_secs(t->elapsed_ns), (int)wname, t->name,
				t->status == TEST_PASS || !reason ? "" : reason);
		}
	}
	/* as cargo-nextest: a FLAKY test passed, and the count says how many were */
	if (count[TEST_FLAKY])
		snprintf(flaky, sizeof(flaky), " (%u flaky)", count[TEST_FLAKY]);
	fprintf(r->text, "\n%zu test%s: %u passed%s, %u failed, %u skipped, %u errors, %u timed out%s\n",
		r->nresults, r->nresults == 1 ? "" : "s", count[TEST_PASS] + count[TEST_FLAKY], flaky,
		count[TEST_FAIL],
		count[TEST_SKIP], count[TEST_ERROR], count[TEST_TIMEOUT],
		r->relaxed ? " (thresholds relaxed for TCG)" : "");
	if (r->unevaluated)
		fprintf(r->text, "not evaluated (no monitor data): %s\n", r->unevaluated);
	if (r->nresults < r->ntests)
		fprintf(r->text, "%zu of %zu tests did not finish\n", r->ntests - r->nresults, r->ntests);
	return report_stream_end(r, r->text);
}

const struct report_format report_text_format = {
	.name = "text",
	.writes = "the terminal report: stdout (stderr with --tap)",
	.test = text_test,
	.end = text_end,
};
