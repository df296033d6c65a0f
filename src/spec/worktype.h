/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Work type descriptors shared by the spec validator (host) and the
 * workers (guest): names, parameters with ktstr's defaults, grouping.
 */
#ifndef KTSTR_WORKTYPE_H
#define KTSTR_WORKTYPE_H

#include "util/util.h"

#define WORK_MAX_PARAMS 4

enum work_type {
	WORK_CPU_SPIN,
	WORK_YIELD_HEAVY,
	WORK_MIXED,
	WORK_IO_SYNC,
	WORK_BURSTY,
	WORK_PIPE_IO,
	WORK_FUTEX_PING_PONG,
	WORK_CACHE_PRESSURE,
	WORK_CACHE_YIELD,
	WORK_CACHE_PIPE,
	WORK_FUTEX_FAN_OUT,
	WORK_FAN_OUT_COMPUTE,
	WORK_SEQUENCE,
	WORK_FORK_EXIT,
	WORK_NICE_SWEEP,
	WORK_AFFINITY_CHURN,
	WORK_POLICY_CHURN,
	WORK_PAGE_FAULT_CHURN,
	WORK_MUTEX_CONTENTION,
	WORK__COUNT
};

/* How a work type groups its workers. */
enum work_group {
	WORK_GROUP_NONE,	/* independent workers */
	WORK_GROUP_PAIR,	/* pairs 0/1, 2/3, ... */
	WORK_GROUP_FAN_OUT,	/* 1 messenger + group_param receivers */
	WORK_GROUP_PARAM0,	/* groups of group_param (contenders) */
};

/*
 * Each work type's parameters by name: their index in worktype_desc.params
 * (and so in work_spec.params, which the validator fills by name from the
 * table). The table places each parameter at its named index and takes
 * nparams from the __COUNT, so moving a row or a line of the table cannot
 * silently give a parameter another's meaning; work.c reads only these.
 */
enum { WP_BURSTY_BURST_MS, WP_BURSTY_SLEEP_MS, WP_BURSTY__COUNT };
enum { WP_PIPE_IO_BURST_ITERS, WP_PIPE_IO__COUNT };
enum { WP_FUTEX_PING_PONG_SPIN_ITERS, WP_FUTEX_PING_PONG__COUNT };
/* CachePressure and CacheYield */
enum { WP_CACHE_SIZE_KB, WP_CACHE_STRIDE, WP_CACHE__COUNT };
enum { WP_CACHE_PIPE_SIZE_KB, WP_CACHE_PIPE_BURST_ITERS, WP_CACHE_PIPE__COUNT };
enum { WP_FUTEX_FAN_OUT_FAN_OUT, WP_FUTEX_FAN_OUT_SPIN_ITERS, WP_FUTEX_FAN_OUT__COUNT };
enum {
	WP_FAN_OUT_COMPUTE_FAN_OUT, WP_FAN_OUT_COMPUTE_CACHE_FOOTPRINT_KB,
	WP_FAN_OUT_COMPUTE_OPERATIONS, WP_FAN_OUT_COMPUTE_SLEEP_USEC, WP_FAN_OUT_COMPUTE__COUNT
};
enum { WP_AFFINITY_CHURN_SPIN_ITERS, WP_AFFINITY_CHURN__COUNT };
enum { WP_POLICY_CHURN_SPIN_ITERS, WP_POLICY_CHURN__COUNT };
enum {
	WP_PAGE_FAULT_CHURN_REGION_KB, WP_PAGE_FAULT_CHURN_TOUCHES_PER_CYCLE,
	WP_PAGE_FAULT_CHURN_SPIN_ITERS, WP_PAGE_FAULT_CHURN__COUNT
};
enum {
	WP_MUTEX_CONTENTION_CONTENDERS, WP_MUTEX_CONTENTION_HOLD_ITERS,
	WP_MUTEX_CONTENTION_WORK_ITERS, WP_MUTEX_CONTENTION__COUNT
};

struct work_param_desc {
	const char *name;
	int64_t def;
	int64_t min;
	int64_t max;
	const char *help;
};

struct worktype_desc {
	enum work_type type;
	const char *name;	/* ktstr's PascalCase name */
	const char *snake;	/* cpu_spin */
	enum work_group group;
	bool wake_latency;	/* records wake-to-run latency samples */
	unsigned nparams;
	struct work_param_desc params[WORK_MAX_PARAMS];
	const char *help;
	unsigned group_param;	/* FAN_OUT, PARAM0: the parameter that sizes a group */
};

extern const struct worktype_desc worktype_table[WORK__COUNT];

/* Accepts "CpuSpin", "cpu_spin", "cpu-spin", any case. */
const struct worktype_desc *worktype_lookup(const char *name);
/* Closest name for a did-you-mean, or NULL. */
const char *worktype_suggest(const char *name);
/* Workers per group for these params (1 when ungrouped). */
unsigned worktype_group_size(const struct worktype_desc *d, const int64_t *params);

/* Sequence phases (ktstr's Phase). */
enum phase_kind { PHASE_SPIN, PHASE_SLEEP, PHASE_YIELD, PHASE_IO };
struct work_phase {
	enum phase_kind kind;
	uint64_t ns;
};

#endif
