/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reports: results are produced once and rendered by separate renderers
 * (terminal text with live progress, TAP 14, JUnit XML, per-test JSON).
 */
#ifndef KTSTR_REPORT_H
#define KTSTR_REPORT_H

#include "result/result.h"

struct spec_test;

struct report;

struct report_opts {
	bool tap;		/* TAP 14 on stdout (the text summary goes to stderr) */
	const char *junit;	/* JUnit XML file, or NULL */
	const char *html;	/* self-contained HTML report, or NULL */
	bool color;
	bool quiet;
	const char *results_dir;
	bool no_records;	/* no result.json (a merge: the shards' records stay as they are) */
	const char *run_dir;	/* this run's kept directory under --runs-dir, or NULL */
	const struct run_context *context;	/* for run.json; may be NULL */
	/* Told of each report file or stream that could not be written (err: -errno); may be NULL. */
	void (*write_failed)(void *ctx, const char *path, int err);
	void *ctx;
};

struct report *report__new(const struct report_opts *o);
void report__begin(struct report *r, size_t ntests);
/* Live progress: which test, which phase ("boot", "run", "collect"), elapsed/expected. */
void report__progress(struct report *r, const char *test, const char *phase,
		      uint64_t elapsed_ns, uint64_t expected_ns);
/* A finished test, to every format: its line, TAP entry, result.json (in t->results_dir). */
void report__test_done(struct report *r, const struct test_result *t);
/* A test a signal cut short: only its record (result.json) is written, no verdict shown. */
void report__test_cut(struct report *r, const struct test_result *t);
/* Final table, TAP trailer, JUnit file. 0, or the first failed write's -errno. */
int report__end(struct report *r);
void report__free(struct report *r);

/*
 * HTML pages (report-html.c): one self-contained file with Chart.js inlined.
 * The library is read at write time from $KTSTR_CHARTJS or Debian's
 * libjs-chart.js; report_html__check says (in *why, malloc'd) when it is not
 * there, so a command can refuse --html before it starts. report_html__write
 * writes the page for data, a JSON document whose "kind" is "run" (ktstr-run)
 * or "compare" (ktstr-stats), atomically; 0 or -errno.
 */
const char *report_html__chartjs_path(void);
int report_html__check(char **why);
int report_html__write(const char *path, const char *title, const char *json);

/*
 * Kept runs (runs.c). runs__root: where runs are kept: opt (--runs-dir),
 * else $KTSTR_RUNS_DIR, else $XDG_DATA_HOME/ktstr/runs, else
 * ~/.local/share/ktstr/runs; "none" keeps nothing (*out NULL). runs__create
 * makes <root>/<id> (or <id>-2, ...) and never reuses one. runs__resolve: a
 * directory path or a run id under root, malloc'd, or NULL. list and show
 * print for ktstr-stats (0, or -errno and *why).
 */
int runs__root(const char *opt, char **out);
int runs__create(const char *root, const char *id, char **dir);
char *runs__resolve(const char *root, const char *run);
int runs__list(const char *root, FILE *f, char **why);
int runs__show(const char *dir, FILE *f, char **why);
/* --retries: a test's attempts before the last, as result.json's "attempts" has them. */
struct json_t;
struct json_t *report__attempts_json(const struct test_result *t);

/*
 * One run's BPF programs as ktstr prints its verifier statistics: a table
 * (program, verified insns, % of the 1M limit, xlated and JITed bytes), the
 * total, and a WARNING block naming each program at or above 75% of the
 * limit. Each line indented by two spaces; malloc'd, NULL without programs.
 */
char *report__verifier_text(const struct run_result *rr);

/* Per-test JSON result file (versioned, documented in doc/results-format.md); spec may be NULL. */
int report__write_json(const struct test_result *t, const struct spec_test *spec, const char *path);
/* One run's monitor record as result.json's runs[].monitor object (compact JSON), malloc'd. */
char *report__monitor_json(const struct run_monitor *m);

#endif
