/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A/B comparison of two ktstr-run results directories (ktstr-stats compare):
 * tests paired by name and dimensions (preset, profile, kernel), their
 * result.json metrics averaged over repeats and
 * judged under ktstr's dual gate (a change counts only past both an
 * absolute and a relative threshold), with each metric's polarity. The
 * model is built once (compare__run) and rendered as text, JSON, JUnit or
 * HTML.
 */
#ifndef KTSTR_COMPARE_H
#define KTSTR_COMPARE_H

#include <stdio.h>

#include "util/util.h"

enum compare_better { BETTER_LOWER, BETTER_HIGHER };

/*
 * Where a metric is read: per cgroup, the monitor's peaks, the in-VM
 * baseline's ratios, or a payload metric of this polarity (runs[].payloads[]).
 */
enum compare_source { SRC_CGROUP, SRC_MONITOR, SRC_BASELINE, SRC_PAYLOAD };

/* One registered metric: where it comes from, which way is better, its gate. */
struct compare_metric_desc {
	const char *name;	/* result.json key ("p99_wake_latency_us"), or a derived one */
	enum compare_source source;	/* SRC_BASELINE: runs[].baseline.ratios[].metric + "_ratio" */
	enum compare_better better;
	double abs, rel;	/* the dual gate's defaults: ktstr's METRICS registry */
	const char *unit;
	const char *what;
};

extern const struct compare_metric_desc compare_metrics[];
extern const size_t compare_nmetrics;

/* Per-metric gates: the defaults, overridden by --policy. */
struct compare_policy {
	double *abs, *rel;	/* compare_nmetrics entries each */
};

void compare_policy__defaults(struct compare_policy *p);
/*
 * Read a policy file: ktstr's ComparisonPolicy JSON, {"default_percent": N,
 * "per_metric_percent": {"metric": N}}, plus "per_metric_abs": {"metric": X}.
 * Unknown keys or metrics and negative values are errors (*why names the
 * file, key and what would be right); -EINVAL or -errno.
 */
int compare_policy__load(struct compare_policy *p, const char *path, char **why);
void compare_policy__free(struct compare_policy *p);

enum compare_verdict { VERDICT_SAME, VERDICT_REGRESSION, VERDICT_IMPROVEMENT, VERDICT_MISSING };

const char *compare_verdict_name(enum compare_verdict v);	/* "same", "regression", ... */

struct compare_stat {
	double mean, sd;	/* sd 0 with fewer than 2 values */
	double min, max;
	unsigned n;		/* runs that had the metric; 0: none */
};

struct compare_row {
	char *metric;		/* "cg_pp.p99_wake_latency_us", "monitor.max_imbalance_ratio", "status" */
	const struct compare_metric_desc *d;	/* NULL for "status" */
	struct compare_stat a, b;
	double delta, rel;	/* b - a, delta / |a| (NaN when a is 0) */
	double gate_abs, gate_rel;
	enum compare_verdict verdict;
	char *why;		/* the gate's reading, in words */
};

struct compare_side {
	char *status;		/* worst status over the result files, or NULL: absent */
	unsigned runs;		/* runs with figures (PASS or FAIL) */
	unsigned files;		/* result.json files merged */
};

struct compare_test {
	char *name;
	char *preset, *profile, *kernel;	/* result.json's context.dimensions; NULL: none */
	struct compare_side a, b;
	struct compare_row *rows;
	size_t nrows;
	unsigned regressions, improvements;
};

/*
 * One fact of the runs' context (result.json's "context": kernel, scheduler
 * identity, host, ktstr build, start): the distinct values each side's
 * tests had, sorted and joined with ", " ("-" when none said). differs:
 * A and B do not say the same, so a difference in the figures may come
 * from it rather than from the scheduler; start times always differ and
 * are shown, not flagged.
 */
struct compare_context {
	char *field;		/* "kernel.release", "scheduler.plugin_sha256", "thresholds.min_work_rate_ratio" */
	char *a, *b;
	bool differs;
};

struct compare {
	char *a, *b;		/* the directories */
	struct compare_context *context;	/* in a fixed order of fields */
	size_t ncontext;
	unsigned context_differs;	/* fields whose values differ (start times not counted) */
	struct compare_test *tests;	/* sorted by name */
	size_t ntests;
	unsigned paired, only_a, only_b, regressions, improvements;
};

/*
 * Read every result.json under a and b (recursively), pair tests by name
 * and dimensions (a test whose name or preset, profile or kernel has no
 * partner is only in A or only in B), collect the context of each side
 * and judge each metric. 0, or -errno with *why (malloc'd) naming the file
 * and what is wrong. out is freed by compare__free even on error.
 */
int compare__run(const char *a, const char *b, const struct compare_policy *p,
		 struct compare *out, char **why);
void compare__free(struct compare *c);

/* Renderers (compare-render.c). */
void compare__text(const struct compare *c, FILE *f);
char *compare__json(const struct compare *c);	/* malloc'd; also the HTML page's data */
int compare__write_junit(const struct compare *c, const char *path);
int compare__write_html(const struct compare *c, const char *path);

#endif
