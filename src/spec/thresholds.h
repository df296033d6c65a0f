/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The thresholds that decide pass or fail (ktstr's Assert fields), their
 * defaults, and the layered merge: built-in defaults, then the scheduler
 * plugin, then the spec. A later layer may set a value or switch a check off.
 */
#ifndef KTSTR_THRESHOLDS_H
#define KTSTR_THRESHOLDS_H

#include "util/util.h"

enum thr_type { THR_BOOL, THR_U64, THR_F64 };

/*
 * Every fact about a threshold, one row each:
 * X(id, name, type, unit, max, release_default, debug_default, has_default,
 *   monitor, gate, help)
 * - max: the largest value a spec or plugin may give (the least is 0);
 *   fractions are 0..1, percentages 0..100, bools 0..1.
 * - release/debug defaults: ktstr's release-build values and its relaxed
 *   debug-build values, which ktstr uses under TCG where timing is slower
 *   and noisier; has_default false leaves the check off unless a layer sets it.
 * - monitor: judged by src/monitor on the host's samples of guest memory,
 *   not by a check_table[] row in src/check/check.c.
 * - gate: another threshold that must be on for this check to run (ktstr
 *   runs the spread and gap checks only with not_starved), or NONE.
 * The man page ktstr-spec(5) lists every name (tests/spec/man-keys.sh).
 */
#define THR_NOLIMIT 1e15
#define THRESHOLD_LIST(X) \
	X(NOT_STARVED, "not_starved", THR_BOOL, "", 1, 1, 1, true, false, NONE, \
	  "every worker must do some work; also enables the spread and gap checks") \
	X(ISOLATION, "isolation", THR_BOOL, "", 1, 0, 0, true, false, NONE, \
	  "workers must stay on the CPUs of their cgroup's cpuset") \
	X(MAX_GAP_MS, "max_gap_ms", THR_U64, "ms", THR_NOLIMIT, 2000, 3000, true, false, NOT_STARVED, \
	  "longest time a worker may go without progress") \
	X(MAX_SPREAD_PCT, "max_spread_pct", THR_F64, "%", 100, 15, 35, true, false, NOT_STARVED, \
	  "max - min off-CPU percentage among a cgroup's workers") \
	X(MAX_THROUGHPUT_CV, "max_throughput_cv", THR_F64, "", THR_NOLIMIT, 0, 0, false, false, NONE, \
	  "coefficient of variation of work per CPU-second across workers") \
	X(MIN_WORK_RATE, "min_work_rate", THR_F64, "units/cpu-s", THR_NOLIMIT, 0, 0, false, false, NONE, \
	  "minimum work units per CPU-second for every worker") \
	X(MAX_P99_WAKE_LATENCY_NS, "max_p99_wake_latency_ns", THR_U64, "ns", THR_NOLIMIT, 0, 0, false, \
	  false, NONE, "p99 wake-to-run latency per cgroup") \
	X(MAX_WAKE_LATENCY_CV, "max_wake_latency_cv", THR_F64, "", THR_NOLIMIT, 0, 0, false, false, NONE, \
	  "coefficient of variation of wake latencies per cgroup") \
	X(MIN_ITERATION_RATE, "min_iteration_rate", THR_F64, "iter/s", THR_NOLIMIT, 0, 0, false, false, \
	  NONE, "minimum outer iterations per wall-clock second per worker") \
	X(MAX_MIGRATION_RATIO, "max_migration_ratio", THR_F64, "", THR_NOLIMIT, 0, 0, false, false, NONE, \
	  "migrations / iterations per cgroup") \
	X(MAX_IMBALANCE_RATIO, "max_imbalance_ratio", THR_F64, "x", THR_NOLIMIT, 4.0, 4.0, true, true, \
	  NONE, "monitor: max(nr_running) / max(1, min(nr_running)) across CPUs") \
	X(MAX_LOCAL_DSQ_DEPTH, "max_local_dsq_depth", THR_U64, "tasks", THR_NOLIMIT, 50, 50, true, true, \
	  NONE, "monitor: per-CPU local DSQ depth") \
	X(FAIL_ON_STALL, "fail_on_stall", THR_BOOL, "", 1, 1, 1, true, true, NONE, \
	  "monitor: fail when a CPU's rq clock stops while tasks are runnable") \
	X(SUSTAINED_SAMPLES, "sustained_samples", THR_U64, "samples", THR_NOLIMIT, 5, 5, true, true, NONE, \
	  "monitor: consecutive violating samples before a monitor check fails") \
	X(WORK_CONSERVATION, "work_conservation", THR_BOOL, "", 1, 1, 1, true, true, NONE, \
	  "monitor: fail when CPUs sit idle while another CPU has tasks waiting") \
	X(MAX_FALLBACK_RATE, "max_fallback_rate", THR_F64, "/s", THR_NOLIMIT, 200.0, 200.0, true, true, \
	  NONE, "monitor: select_cpu_fallback events per second") \
	X(MAX_KEEP_LAST_RATE, "max_keep_last_rate", THR_F64, "/s", THR_NOLIMIT, 100.0, 100.0, true, true, \
	  NONE, "monitor: dispatch_keep_last events per second on a CPU while tasks wait on its run queue") \
	X(MIN_PAGE_LOCALITY, "min_page_locality", THR_F64, "", 1, 0, 0, false, false, NONE, \
	  "fraction of a worker's pages on its memory policy's nodes (0..1)") \
	X(MAX_CROSS_NODE_MIGRATION_RATIO, "max_cross_node_migration_ratio", THR_F64, "", 1, 0, 0, false, \
	  false, NONE, "NUMA pages migrated / total pages (0..1)") \
	X(MAX_SLOW_TIER_RATIO, "max_slow_tier_ratio", THR_F64, "", 1, 0, 0, false, false, NONE, \
	  "fraction of pages on memory-only nodes (0..1)") \
	X(MIN_WORK_RATE_RATIO, "min_work_rate_ratio", THR_F64, "x", THR_NOLIMIT, 0, 0, false, false, \
	  NONE, "baseline: a cgroup's work units per second over EEVDF's in the same boot") \
	X(MIN_CPU_SHARE_RATIO, "min_cpu_share_ratio", THR_F64, "x", THR_NOLIMIT, 0, 0, false, false, \
	  NONE, "baseline: a cgroup's CPU time per second (CPUs' worth) over EEVDF's in the same boot") \
	X(MIN_ITERATION_RATE_RATIO, "min_iteration_rate_ratio", THR_F64, "x", THR_NOLIMIT, 0, 0, false, \
	  false, NONE, "baseline: a cgroup's iterations per second over EEVDF's in the same boot") \
	X(MAX_P99_WAKE_LATENCY_RATIO, "max_p99_wake_latency_ratio", THR_F64, "x", THR_NOLIMIT, 0, 0, \
	  false, false, NONE, "baseline: a cgroup's p99 wake latency over EEVDF's in the same boot")

enum thr_id {
#define X(id, ...) THR_##id,
	THRESHOLD_LIST(X)
#undef X
	THR__COUNT,
	THR_NONE = THR__COUNT	/* no gate */
};

enum thr_layer { THR_LAYER_NONE, THR_LAYER_DEFAULT, THR_LAYER_PLUGIN, THR_LAYER_SPEC, THR_LAYER_CLI };

struct threshold_desc {
	enum thr_id id;
	const char *name;
	enum thr_type type;
	const char *unit;
	double max;		/* values run from 0 to max */
	double release_default;
	double debug_default;
	bool has_default;
	bool monitor;		/* judged by src/monitor, not by check_table[] */
	enum thr_id gate;	/* must be on too, or THR_NONE */
	const char *help;
};

enum thr_state { THR_UNSET, THR_SET, THR_OFF };

struct threshold_val {
	enum thr_state state;
	double value;		/* bools are 0/1 */
	enum thr_layer layer;	/* who set it last */
};

struct thresholds {
	struct threshold_val v[THR__COUNT];
	bool relaxed;		/* debug (TCG) defaults were used */
};

extern const struct threshold_desc threshold_table[THR__COUNT];

const struct threshold_desc *threshold_lookup(const char *name);
const char *thr_layer_name(enum thr_layer layer);
/*
 * The one reader of a threshold value, for specs and plugins alike: "off",
 * or a value of d's type from 0 to d->max. Sets v's state and value (not
 * its layer). On error v is untouched, *why (malloc'd) says what is wrong
 * and what would be right, and -EINVAL is returned.
 */
int threshold__parse(const struct threshold_desc *d, const char *s, struct threshold_val *v,
		     char **why);
/* Fill the default layer; relaxed picks the debug values (used under TCG). */
void thresholds__defaults(struct thresholds *t, bool relaxed);
/* Overlay every set or off value of src onto dst, tagging it with layer. */
void thresholds__merge(struct thresholds *dst, const struct thresholds *src, enum thr_layer layer);
/*
 * How a merged threshold stands before a run, for plans and reports: "on",
 * "off", "off (needs GATE)" when its gate is off, or "not evaluated (no
 * monitor data)" for a monitor threshold -- never "passed" for an unjudged
 * check.
 */
const char *thresholds__evaluation(const struct thresholds *t, enum thr_id id);
/* Is the check on, and what is its value? Bools: value != 0. */
bool thresholds__active(const struct thresholds *t, enum thr_id id, double *value);
/*
 * Every merged threshold, one line each: name, value with unit, the layer
 * that set it and, when it is neither plainly on nor off, how it will be
 * judged. Monitor thresholds say whether the monitor will judge them
 * (recorded only under EEVDF). The plan (--dry-run) prints this block.
 */
void thresholds__describe(const struct thresholds *t, bool eevdf, FILE *f);

#endif
