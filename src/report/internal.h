/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared state and helpers of the report renderers (text, TAP, JUnit, JSON). */
#ifndef KTSTR_REPORT_INTERNAL_H
#define KTSTR_REPORT_INTERNAL_H

#include <jansson.h>

#include "report/report.h"

struct progress_seen {
	char *test;
	const char *phase;	/* last phase printed (static strings from the runner) */
};

struct report {
	struct report_opts o;
	size_t ntests;
	const struct test_result **results;	/* borrowed until report__end */
	size_t nresults;
	FILE *text;		/* the human report: stdout, or stderr with --tap */
	bool tty;		/* progress updated in place */
	bool line_dirty;	/* a progress line is on screen */
	struct progress_seen *seen;
	size_t nseen;
	unsigned tap_n;
	bool relaxed;		/* some test ran with TCG-relaxed thresholds */
	char *unevaluated;	/* the first test's unevaluated thresholds, for the summary */
	int error;		/* the first write that failed, or 0 */
	char **html_tests;	/* each finished test's part of the HTML report's data (JSON) */
	size_t nhtml;
};

/*
 * One report format: a name, what it writes, whether this run wants it, and
 * three operations the front calls (any may be NULL): begin once before the
 * first test, test as each test finishes (in completion order), end once
 * after the last. Each returns 0 or -errno and names a failed write with
 * report_failed. A new format is one file defining its row, and the row
 * added to formats[] in report.c.
 */
struct report_format {
	const char *name;
	const char *writes;	/* the file or stream it writes, in words */
	bool (*enabled)(const struct report_opts *o);	/* NULL: always */
	int (*begin)(struct report *r);
	int (*test)(struct report *r, const struct test_result *t);
	int (*end)(struct report *r);
	/* also given a test a signal cut short (a record, not a verdict on screen) */
	bool cut;
};

extern const struct report_format report_text_format, report_tap_format, report_junit_format,
	report_json_format, report_html_format, report_runs_format;

/* A write that failed: kept as the report's error and passed to opts.write_failed. */
int report_failed(struct report *r, const char *path, int err);
/* A stream's sticky error after a flush, as report_failed (name: "stdout", "stderr"). */
int report_stream_end(struct report *r, FILE *f);

/* report.c */
/* Length of a well-formed UTF-8 sequence at s that XML 1.0 allows, or 0. */
size_t report_utf8_len(const unsigned char *s);
/* A copy with every byte that is not part of valid UTF-8 replaced by '?'. */
char *report_utf8_clean(const char *s);
double report_secs(uint64_t ns);
/* The one-line reason: the runner's, else the first detail of a failing run. */
const char *report_reason(const struct test_result *t);
/* Active thresholds nothing judged ("max_imbalance_ratio, ..."), malloc'd; NULL when none. */
char *report_unevaluated(const struct test_result *t);
/* The "--- monitor ---" body of one run (summary, samples, peaks), malloc'd; NULL without one. */
char *report_monitor_text(const struct run_result *rr);
/* "[sched=X] [topo=Y]" (no sched bracket for EEVDF), for headers. */
char *report_labels(const struct test_result *t);

/* report-junit.c: text for XML 1.0 content (attr false) or an attribute value (attr true) */
void report_xml_escape(FILE *f, const char *str, bool attr);

/* runs.c: the value at a dotted path of objects ("context.kernel.release"), or NULL */
json_t *report_json_at(json_t *o, const char *path);

/* report-json.c: result.json's pieces, for the renderers that embed them */
json_t *report_json_cgroup(const struct cgroup_stats *s);
/* result.json's context without the test's part (run.json uses it as well); null for NULL */
json_t *report_json_run_context(const struct run_context *c);
/* result.json's context: the run's, the kernel, the scheduler's identity, the dimensions */
json_t *report_json_test_context(const struct test_result *t, const struct spec_test *spec);
/* runs[].baseline: EEVDF's half of the boot, its per-cgroup figures and the ratios */
json_t *report_json_baseline(const struct run_baseline *b);
/* runs[].monitor: state, peaks, per-CPU summary, the series over the window */
json_t *report_json_monitor(const struct run_monitor *m);
/* runs[].bpf_progs: the scheduler's struct_ops programs and the verifier's figures */
json_t *report_json_progs(const struct run_result *rr);
/* A run's payloads as result.json's runs[].payloads (with each check's verdict). */
json_t *report_json_payloads(const struct run_result *rr);
/* result.json's auto_repro: the rerun's outcome, probes, counts, artifacts; null without one. */
json_t *report_json_repro(const struct test_repro *r);

/* report-text.c */
void report_text__progress(struct report *r, const char *test, const char *phase,
			   uint64_t elapsed_ns, uint64_t expected_ns);
/* ktstr's failure block: header, details, --- stats ---, --- timeline ---, console tail. */
char *report_text__failure(const struct test_result *t);
/*
 * A run's payloads, a line each: "payload stress: exit 0; metrics.0.bogo-ops
 * = 41.2 (min 1: ok)", the checked metrics first, then those with a
 * polarity, then a few others. Each line starts with indent; malloc'd, NULL
 * without payloads.
 */
char *report_text__payloads(const struct run_result *rr, const char *indent);

#endif
