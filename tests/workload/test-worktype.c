// SPDX-License-Identifier: GPL-2.0-only
/*
 * The work-type table against the parameter names work.c reads: each
 * WP_<TYPE>_<PARAM> constant indexes the parameter called <param>, every
 * type's parameters fill 0..nparams-1 without a hole, and a group is sized
 * by the parameter its row names.
 */
#include <ctype.h>

#include "tap.h"
#include "spec/worktype.h"

struct named { enum work_type type; unsigned idx; const char *constant; size_t prefix; };

#define N(type, prefix, c) { type, c, #c, sizeof(#prefix) }

/* Every constant work.c reads, with the prefix before its parameter's name. */
static const struct named named[] = {
	N(WORK_BURSTY, WP_BURSTY, WP_BURSTY_BURST_MS),
	N(WORK_BURSTY, WP_BURSTY, WP_BURSTY_SLEEP_MS),
	N(WORK_PIPE_IO, WP_PIPE_IO, WP_PIPE_IO_BURST_ITERS),
	N(WORK_FUTEX_PING_PONG, WP_FUTEX_PING_PONG, WP_FUTEX_PING_PONG_SPIN_ITERS),
	N(WORK_CACHE_PRESSURE, WP_CACHE, WP_CACHE_SIZE_KB),
	N(WORK_CACHE_PRESSURE, WP_CACHE, WP_CACHE_STRIDE),
	N(WORK_CACHE_YIELD, WP_CACHE, WP_CACHE_SIZE_KB),
	N(WORK_CACHE_YIELD, WP_CACHE, WP_CACHE_STRIDE),
	N(WORK_CACHE_PIPE, WP_CACHE_PIPE, WP_CACHE_PIPE_SIZE_KB),
	N(WORK_CACHE_PIPE, WP_CACHE_PIPE, WP_CACHE_PIPE_BURST_ITERS),
	N(WORK_FUTEX_FAN_OUT, WP_FUTEX_FAN_OUT, WP_FUTEX_FAN_OUT_FAN_OUT),
	N(WORK_FUTEX_FAN_OUT, WP_FUTEX_FAN_OUT, WP_FUTEX_FAN_OUT_SPIN_ITERS),
	N(WORK_FAN_OUT_COMPUTE, WP_FAN_OUT_COMPUTE, WP_FAN_OUT_COMPUTE_FAN_OUT),
	N(WORK_FAN_OUT_COMPUTE, WP_FAN_OUT_COMPUTE, WP_FAN_OUT_COMPUTE_CACHE_FOOTPRINT_KB),
	N(WORK_FAN_OUT_COMPUTE, WP_FAN_OUT_COMPUTE, WP_FAN_OUT_COMPUTE_OPERATIONS),
	N(WORK_FAN_OUT_COMPUTE, WP_FAN_OUT_COMPUTE, WP_FAN_OUT_COMPUTE_SLEEP_USEC),
	N(WORK_AFFINITY_CHURN, WP_AFFINITY_CHURN, WP_AFFINITY_CHURN_SPIN_ITERS),
	N(WORK_POLICY_CHURN, WP_POLICY_CHURN, WP_POLICY_CHURN_SPIN_ITERS),
	N(WORK_PAGE_FAULT_CHURN, WP_PAGE_FAULT_CHURN, WP_PAGE_FAULT_CHURN_REGION_KB),
	N(WORK_PAGE_FAULT_CHURN, WP_PAGE_FAULT_CHURN, WP_PAGE_FAULT_CHURN_TOUCHES_PER_CYCLE),
	N(WORK_PAGE_FAULT_CHURN, WP_PAGE_FAULT_CHURN, WP_PAGE_FAULT_CHURN_SPIN_ITERS),
	N(WORK_MUTEX_CONTENTION, WP_MUTEX_CONTENTION, WP_MUTEX_CONTENTION_CONTENDERS),
	N(WORK_MUTEX_CONTENTION, WP_MUTEX_CONTENTION, WP_MUTEX_CONTENTION_HOLD_ITERS),
	N(WORK_MUTEX_CONTENTION, WP_MUTEX_CONTENTION, WP_MUTEX_CONTENTION_WORK_ITERS),
};

int main(void)
{
	tap_plan(ARRAY_SIZE(named) + WORK__COUNT + 3);
	/* WP_BURSTY_SLEEP_MS names "sleep_ms": the constant, lower-cased after its prefix */
	for (size_t i = 0; i < ARRAY_SIZE(named); i++) {
		const struct named *n = &named[i];
		const struct worktype_desc *d = &worktype_table[n->type];
		char want[64];
		size_t k = 0;

		for (const char *p = n->constant + n->prefix; *p && k < sizeof(want) - 1; p++)
			want[k++] = (char)tolower((unsigned char)*p);
		want[k] = '\0';
		tap_ok(n->idx < d->nparams && d->params[n->idx].name &&
		       str_eq(d->params[n->idx].name, want),
		       "%s: %s is parameter '%s'", d->name, n->constant, want);
	}
	for (unsigned t = 0; t < WORK__COUNT; t++) {
		const struct worktype_desc *d = &worktype_table[t];
		bool ok = d->type == t && d->nparams <= WORK_MAX_PARAMS;

		for (unsigned i = 0; ok && i < WORK_MAX_PARAMS; i++)
			ok = i < d->nparams ? d->params[i].name != NULL &&
					      d->params[i].min <= d->params[i].def &&
					      d->params[i].def <= d->params[i].max :
					      d->params[i].name == NULL;
		if (d->group == WORK_GROUP_FAN_OUT || d->group == WORK_GROUP_PARAM0)
			ok = ok && d->group_param < d->nparams;
		tap_ok(ok, "%s: parameters 0..%u named, defaults in range, no more", d->name,
		       d->nparams);
	}
	tap_ok(worktype_group_size(&worktype_table[WORK_FUTEX_FAN_OUT],
				   (int64_t[]){ [WP_FUTEX_FAN_OUT_FAN_OUT] = 3, [WP_FUTEX_FAN_OUT_SPIN_ITERS] = 9 }) == 4,
	       "FutexFanOut: a group is 1 messenger + fan_out");
	tap_ok(worktype_group_size(&worktype_table[WORK_MUTEX_CONTENTION],
				   (int64_t[]){ [WP_MUTEX_CONTENTION_CONTENDERS] = 5, 7, 8 }) == 5,
	       "MutexContention: a group is contenders");
	tap_ok(str_eq(worktype_table[WORK_FAN_OUT_COMPUTE].params[worktype_table[WORK_FAN_OUT_COMPUTE].group_param].name,
		      "fan_out"), "FanOutCompute: sized by fan_out");
	return tap_done();
}
