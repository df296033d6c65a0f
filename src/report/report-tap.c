// SPDX-License-Identifier: GPL-2.0-only
/*
 * TAP version 14 on stdout: the plan up front, one ok/not ok per test in
 * completion order, "# SKIP reason" for skips, and a YAML diagnostic block
 * with the status, reason and key figures for everything that did not pass.
 */
#include <inttypes.h>

#include "check/check.h"
#include "report/internal.h"

/* A YAML double-quoted scalar: escapes quotes, backslashes and control bytes. */
static void yaml_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void yaml_kv(FILE *f, const char *indent, const char *key, const char *val)
{
	if (!val)
		return;
	fprintf(f, "%s%s: ", indent, key);
	yaml_str(f, val);
	fputc('\n', f);
}

/* The TAP description may not contain '#' (it would start a directive). */
static void tap_desc(FILE *f, const char *name)
{
	for (; *name; name++)
		fputc(*name == '#' || *name == '\n' ? '_' : *name, f);
}

static void yaml_run(FILE *f, const struct run_result *rr)
{
	fprintf(f, "    - status: %s\n", test_status_name(rr->status));
	yaml_kv(f, "      ", "phase", rr->phase);
	if (rr->ndetails) {
		fputs("      details:\n", f);
		for (size_t d = 0; d < rr->ndetails; d++) {
			fputs("        - ", f);
			yaml_str(f, rr->details[d].message);
			fputc('\n', f);
		}
	}
	if (rr->monitor.state) {
		const struct run_monitor *m = &rr->monitor;

		fputs("      monitor:\n", f);
		yaml_kv(f, "        ", "summary", m->summary);
		yaml_kv(f, "        ", "state", m->state);
		fprintf(f, "        samples: %u\n        window_samples: %u\n", m->samples, m->window);
		if (m->window)
			fprintf(f, "        max_imbalance_ratio: %.2f\n        max_local_dsq_depth: %u\n"
				"        longest_stall_samples: %u\n", m->max_imbalance, m->max_dsq,
				m->longest_stall);
		if (m->fallback_rate >= 0)
			fprintf(f, "        fallback_rate: %.1f\n        keep_last_rate: %.1f\n",
				m->fallback_rate, m->keep_last_rate);
	}
	if (!rr->ncgroups)
		return;
	fputs("      cgroups:\n", f);
	for (size_t i = 0; i < rr->ncgroups; i++) {
		const struct cgroup_stats *s = &rr->cgroups[i];

		fputs("        - name: ", f);
		yaml_str(f, s->name);
		fprintf(f, "\n          workers: %u\n          cpus: %u\n          spread_pct: %.1f\n"
			"          max_gap_ms: %" PRIu64 "\n          migrations: %" PRIu64 "\n"
			"          iterations: %" PRIu64 "\n", s->workers, s->cpus, s->spread,
			s->max_gap_ms, s->total_migrations, s->total_iterations);
		if (s->wake_samples)
			fprintf(f, "          p99_wake_latency_us: %.1f\n", s->p99_wake_latency_us);
	}
}

static int tap_begin(struct report *r)
{
	printf("TAP version 14\n1..%zu\n", r->ntests);
	fflush(stdout);
	return 0;
}

static int tap_test(struct report *r, const struct test_result *t)
{
	const char *reason = report_reason(t);
	_cleanup_free_ char *ne = report_unevaluated(t);
	FILE *f = stdout;

	/* FLAKY passed: TAP 14 has only SKIP and TODO directives, so the YAML block says it */
	fputs(t->status == TEST_PASS || t->status == TEST_SKIP || t->status == TEST_FLAKY ?
	      "ok" : "not ok", f);
	fprintf(f, " %u - ", ++r->tap_n);
	tap_desc(f, t->name);
	if (t->status == TEST_SKIP) {
		fputs(" # SKIP", f);
		if (reason) {
			fputc(' ', f);
			tap_desc(f, reason);
		}
	}
	fputc('\n', f);
	if (t->status != TEST_PASS && t->status != TEST_SKIP) {
		fputs("  ---\n", f);
		fprintf(f, "  status: %s\n", test_status_name(t->status));
		yaml_kv(f, "  ", "reason", reason);
		fprintf(f, "  elapsed_s: %.2f\n", report_secs(t->elapsed_ns));
		yaml_kv(f, "  ", "scheduler", t->scheduler);
		yaml_kv(f, "  ", "topology", t->topology);
		yaml_kv(f, "  ", "kernel", t->kernel);
		yaml_kv(f, "  ", "accel", t->accel);
		if (t->thresholds.relaxed)
			fputs("  thresholds: \"relaxed for TCG\"\n", f);
		yaml_kv(f, "  ", "artifacts", t->results_dir);
		if (ne)
			fprintf(f, "  not_evaluated: \"%s (no monitor data)\"\n", ne);
		if (t->nruns) {
			fputs("  runs:\n", f);
			for (size_t i = 0; i < t->nruns; i++)
				yaml_run(f, &t->runs[i]);
		}
		if (t->nattempts) {
			fputs("  attempts:\n", f);
			for (size_t i = 0; i < t->nattempts; i++) {
				fprintf(f, "    - status: %s\n", test_status_name(t->attempts[i].status));
				yaml_kv(f, "      ", "reason", t->attempts[i].reason);
				yaml_kv(f, "      ", "artifacts", t->attempts[i].dir);
			}
		}
		fputs("  ...\n", f);
	}
	fflush(f);
	return 0;
}

static int tap_end(struct report *r)
{
	if (r->relaxed)
		printf("# thresholds relaxed for TCG (ktstr's debug-build values)\n");
	return report_stream_end(r, stdout);
}

static bool tap_enabled(const struct report_opts *o)
{
	return o->tap;
}

const struct report_format report_tap_format = {
	.name = "tap",
	.writes = "TAP 14 on stdout (--tap)",
	.enabled = tap_enabled,
	.begin = tap_begin,
	.test = tap_test,
	.end = tap_end,
};
