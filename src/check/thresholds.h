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
 * X(id, name, type, release_default, debug_default, has_default, unit, help)
 * "release" defaults are ktstr's release-build values; "debug" ones are its
 * relaxed debug-build values, which ktstr uses under TCG where timing is
 * slower and noisier.
 */
#define THRESHOLD_LIST(X) \
	X(NOT_STARVED, "not_starved", THR_BOOL, 1, 1, true, "", \
	  "every worker must do some work; also enables the spread and gap checks") \
	X(ISOLATION, "isolation", THR_BOOL, 0, 0, true, "", \
	  "workers must stay on the CPUs of their cgroup's cpuset") \
	X(MAX_GAP_MS, "max_gap_ms", THR_U64, 2000, 3000, true, "ms", \
	  "longest time a worker may go without progress") \
	X(MAX_SPREAD_PCT, "max_spread_pct", THR_F64, 15, 35, true, "%", \
	  "max - min off-CPU percentage among a cgroup's workers") \
	X(MAX_THROUGHPUT_CV, "max_throughput_cv", THR_F64, 0, 0, false, "", \
	  "coefficient of variation of work per CPU-second across workers") \
	X(MIN_WORK_RATE, "min_work_rate", THR_F64, 0, 0, false, "units/cpu-s", \
	  "minimum work units per CPU-second for every worker") \
	X(MAX_P99_WAKE_LATENCY_NS, "max_p99_wake_latency_ns", THR_U64, 0, 0, false, "ns", \
	  "p99 wake-to-run latency per cgroup") \
	X(MAX_WAKE_LATENCY_CV, "max_wake_latency_cv", THR_F64, 0, 0, false, "", \
	  "coefficient of variation of wake latencies per cgroup") \
	X(MIN_ITERATION_RATE, "min_iteration_rate", THR_F64, 0, 0, false, "iter/s", \
	  "minimum outer iterations per wall-clock second per worker") \
	X(MAX_MIGRATION_RATIO, "max_migration_ratio", THR_F64, 0, 0, false, "", \
	  "migrations / iterations per cgroup") \
	X(MAX_IMBALANCE_RATIO, "max_imbalance_ratio", THR_F64, 4.0, 4.0, true, "x", \
	  "monitor: max(nr_running) / max(1, min(nr_running)) across CPUs") \
	X(MAX_LOCAL_DSQ_DEPTH, "max_local_dsq_depth", THR_U64, 50, 50, true, "tasks", \
	  "monitor: per-CPU local DSQ depth") \
	X(FAIL_ON_STALL, "fail_on_stall", THR_BOOL, 1, 1, true, "", \
	  "monitor: fail when a CPU's rq clock stops while tasks are runnable") \
	X(SUSTAINED_SAMPLES, "sustained_samples", THR_U64, 5, 5, true, "samples", \
	  "monitor: consecutive violating samples before a monitor check fails") \
	X(MAX_FALLBACK_RATE, "max_fallback_rate", THR_F64, 200.0, 200.0, true, "/s", \
	  "monitor: select_cpu_fallback events per second") \
	X(MAX_KEEP_LAST_RATE, "max_keep_last_rate", THR_F64, 100.0, 100.0, true, "/s", \
	  "monitor: dispatch_keep_last events per second") \
	X(MIN_PAGE_LOCALITY, "min_page_locality", THR_F64, 0, 0, false, "", \
	  "fraction of a worker's pages on its memory policy's nodes (0..1)") \
	X(MAX_CROSS_NODE_MIGRATION_RATIO, "max_cross_node_migration_ratio", THR_F64, 0, 0, false, "", \
	  "NUMA pages migrated / total pages (0..1)") \
	X(MAX_SLOW_TIER_RATIO, "max_slow_tier_ratio", THR_F64, 0, 0, false, "", \
	  "fraction of pages on memory-only nodes (0..1)")

enum thr_id {
#define X(id, ...) THR_##id,
	THRESHOLD_LIST(X)
#undef X
	THR__COUNT
};

enum thr_layer { THR_LAYER_NONE, THR_LAYER_DEFAULT, THR_LAYER_PLUGIN, THR_LAYER_SPEC, THR_LAYER_CLI };

struct threshold_desc {
	enum thr_id id;
	const char *name;
	enum thr_type type;
	double release_default;
	double debug_default;
	bool has_default;
	const char *unit;
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
/* Fill the default layer; relaxed picks the debug values (used under TCG). */
void thresholds__defaults(struct thresholds *t, bool relaxed);
/* Overlay every set or off value of src onto dst, tagging it with layer. */
void thresholds__merge(struct thresholds *dst, const struct thresholds *src, enum thr_layer layer);
/*
 * Monitor thresholds are judged on host-side monitor samples (imbalance,
 * DSQ depth, stalls, fallback/keep-last rates) by src/monitor; plans say
 * "not evaluated (no monitor data)" because no run has happened yet.
 */
bool threshold_is_monitor(enum thr_id id);
/*
 * How a merged threshold stands for a run, for plans and reports: "on",
 * "off", "off (needs not_starved)" for the spread and gap checks, or
 * "not evaluated (no monitor data)" -- never "passed" for an unjudged check.
 */
const char *thresholds__evaluation(const struct thresholds *t, enum thr_id id);
/* Is the check on, and what is its value? Bools: value != 0. */
bool thresholds__active(const struct thresholds *t, enum thr_id id, double *value);

#endif
