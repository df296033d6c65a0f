// SPDX-License-Identifier: GPL-2.0-only
/* The report front: keeps the results and fans each one out to the enabled renderers. */
#include <errno.h>

#include "check/check.h"
#include "report/internal.h"

/* Length of a well-formed UTF-8 sequence at s that XML 1.0 allows, or 0. */
size_t report_utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		cp = s[0] & 0x1f;
		n = 2;
	} else if ((s[0] & 0xf0) == 0xe0) {
		cp = s[0] & 0x0f;
		n = 3;
	} else if ((s[0] & 0xf8) == 0xf0) {
		cp = s[0] & 0x07;
		n = 4;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond Unicode, and XML's excluded U+FFFE/U+FFFF */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

char *report_utf8_clean(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	char *out = xmalloc(strlen(str) + 1), *o = out;

	while (*s) {
		size_t n = report_utf8_len(s);

		if (!n) {
			*o++ = '?';
			s++;
			continue;
		}
		memcpy(o, s, n);
		o += n;
		s += n;
	}
	*o = '\0';
	return out;
}

double report_secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

const char *report_reason(const struct test_result *t)
{
	if (t->reason && *t->reason)
		return t->reason;
	for (size_t i = 0; i < t->nruns; i++) {
		const struct run_result *rr = &t->runs[i];

		if (rr->status != TEST_PASS && rr->ndetails)
			return rr->details[0].message;
	}
	return NULL;
}

char *report_unevaluated(const struct test_result *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool any = false;

	if (!f)
		abort();
	for (unsigned i = 0; i < THR__COUNT; i++) {
		if (!str_startswith(check__test_threshold_state(t, i), "not evaluated"))
			continue;
		fprintf(f, "%s%s", any ? ", " : "", threshold_table[i].name);
		any = true;
	}
	fclose(f);
	if (!any) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *report_monitor_text(const struct run_result *rr)
{
	const struct run_monitor *m = &rr->monitor;
	char stall[32] = "", fb[32] = "n/a", kl[32] = "n/a";

	if (!m->state)
		return NULL;
	if (!m->samples)
		return xasprintf("%s\n", m->summary);
	if (m->longest_stall)
		snprintf(stall, sizeof(stall), " on cpu%d", m->longest_stall_cpu);
	if (m->fallback_rate >= 0)
		snprintf(fb, sizeof(fb), "%.1f/s", m->fallback_rate);
	if (m->keep_last_rate >= 0)
		snprintf(kl, sizeof(kl), "%.1f/s", m->keep_last_rate);
	return xasprintf("%s: %u samples while the workload ran (%u taken, every 100 ms)\n"
			 "peaks: imbalance %.1f, local DSQ %u on cpu%d, longest rq_clock stall %u "
			 "samples%s, fallback %s, keep_last %s\n",
			 m->summary, m->window, m->samples, m->max_imbalance, m->max_dsq,
			 MAX(m->max_dsq_cpu, 0), m->longest_stall, stall, fb, kl);
}

char *report_labels(const struct test_result *t)
{
	bool eevdf = !t->scheduler || !*t->scheduler || str_startswith(t->scheduler, "eevdf");

	const char *topo = t->topology ? t->topology : "?";

	if (eevdf)
		return xasprintf("[topo=%s]", topo);
	return xasprintf("[sched=%s] [topo=%s]", t->scheduler, topo);
}

/* Every report format, in the order each is given a test. */
static const struct report_format *const formats[] = {
	&report_text_format,
	&report_tap_format,
	&report_junit_format,
	&report_json_format,
	&report_html_format,
	&report_runs_format,
};

/* enabled NULL: always written */
static bool wanted(const struct report *r, const struct report_format *f)
{
	return !f->enabled || f->enabled(&r->o);
}

int report_failed(struct report *r, const char *path, int err)
{
	if (!r->error)
		r->error = err;
	if (r->o.write_failed)
		r->o.write_failed(r->o.ctx, path, err);
	return err;
}

int report_stream_end(struct report *r, FILE *f)
{
	if (!fflush(f) && !ferror(f))
		return 0;
	return report_failed(r, f == stdout ? "stdout" : f == stderr ? "stderr" : "report stream",
			     -(errno ?: EIO));
}

struct report *report__new(const struct report_opts *o)
{
	struct report *r = xcalloc(1, sizeof(*r));

	r->o = *o;
	r->text = o->tap ? stderr : stdout;
	r->tty = isatty(fileno(r->text));
	r->o.color = o->color && r->tty;	/* no escapes in a redirected report */
	return r;
}

void report__begin(struct report *r, size_t ntests)
{
	r->ntests = ntests;
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
		if (formats[i]->begin && wanted(r, formats[i]))
			formats[i]->begin(r);
}

void report__progress(struct report *r, const char *test, const char *phase,
		      uint64_t elapsed_ns, uint64_t expected_ns)
{
	if (!r->o.quiet)
		report_text__progress(r, test, phase, elapsed_ns, expected_ns);
}

static void each_test(struct report *r, const struct test_result *t, bool cut)
{
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
		if (formats[i]->test && (!cut || formats[i]->cut) && wanted(r, formats[i]))
			formats[i]->test(r, t);
}

void report__test_done(struct report *r, const struct test_result *t)
{
	*(const struct test_result **)array_push(&r->results, &r->nresults, sizeof(t)) = t;
	r->relaxed |= t->thresholds.relaxed;
	if (!r->unevaluated && t->status != TEST_SKIP && t->nruns)
		r->unevaluated = report_unevaluated(t);
	each_test(r, t, false);
}

void report__test_cut(struct report *r, const struct test_result *t)
{
	each_test(r, t, true);
}

int report__end(struct report *r)
{
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
		if (formats[i]->end && wanted(r, formats[i]))
			formats[i]->end(r);
	return r->error;
}

void report__free(struct report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nseen; i++)
		free(r->seen[i].test);
	free(r->seen);
	for (size_t i = 0; i < r->nhtml; i++)
		free(r->html_tests[i]);
	free(r->html_tests);
	free(r->results);
	free(r->unevaluated);
	free(r);
}
