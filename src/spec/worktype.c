// SPDX-License-Identifier: GPL-2.0-only
/* Work type descriptors: names, parameters and defaults as ktstr defines them. */
#include "spec/worktype.h"

#define P(n, d, lo, hi, h) { n, d, lo, hi, h }

const struct worktype_desc worktype_table[WORK__COUNT] = {
	[WORK_CPU_SPIN] = { WORK_CPU_SPIN, "CpuSpin", "cpu_spin", WORK_GROUP_NONE, false, 0, {},
		"tight spin loop; the default work type" },
	[WORK_YIELD_HEAVY] = { WORK_YIELD_HEAVY, "YieldHeavy", "yield_heavy", WORK_GROUP_NONE, false, 0, {},
		"sched_yield() every iteration" },
	[WORK_MIXED] = { WORK_MIXED, "Mixed", "mixed", WORK_GROUP_NONE, false, 0, {},
		"1024 spins then a yield" },
	[WORK_IO_SYNC] = { WORK_IO_SYNC, "IoSync", "io_sync", WORK_GROUP_NONE, true, 0, {},
		"write 64 KiB to a tmpfs file, then sleep 100us" },
	[WORK_BURSTY] = { WORK_BURSTY, "Bursty", "bursty", WORK_GROUP_NONE, true, WP_BURSTY__COUNT, {
		[WP_BURSTY_BURST_MS] = P("burst_ms", 50, 1, 60000, "length of a CPU burst in ms"),
		[WP_BURSTY_SLEEP_MS] = P("sleep_ms", 100, 0, 60000, "sleep between bursts in ms") },
		"CPU burst, then sleep" },
	[WORK_PIPE_IO] = { WORK_PIPE_IO, "PipeIo", "pipe_io", WORK_GROUP_PAIR, true, WP_PIPE_IO__COUNT, {
		[WP_PIPE_IO_BURST_ITERS] = P("burst_iters", 1024, 1, 1 << 30, "spin iterations between exchanges") },
		"burst then a 1-byte pipe exchange with the partner worker" },
	[WORK_FUTEX_PING_PONG] = { WORK_FUTEX_PING_PONG, "FutexPingPong", "futex_ping_pong", WORK_GROUP_PAIR, true, WP_FUTEX_PING_PONG__COUNT, {
		[WP_FUTEX_PING_PONG_SPIN_ITERS] = P("spin_iters", 1024, 1, 1 << 30, "spin iterations between wakes") },
		"paired futex wait/wake" },
	[WORK_CACHE_PRESSURE] = { WORK_CACHE_PRESSURE, "CachePressure", "cache_pressure", WORK_GROUP_NONE, false, WP_CACHE__COUNT, {
		[WP_CACHE_SIZE_KB] = P("size_kb", 32, 1, 1 << 20, "per-worker buffer size in KiB"),
		[WP_CACHE_STRIDE] = P("stride", 64, 1, 1 << 20, "bytes between touches") },
		"strided read-modify-write over a per-worker buffer" },
	[WORK_CACHE_YIELD] = { WORK_CACHE_YIELD, "CacheYield", "cache_yield", WORK_GROUP_NONE, true, WP_CACHE__COUNT, {
		[WP_CACHE_SIZE_KB] = P("size_kb", 32, 1, 1 << 20, "per-worker buffer size in KiB"),
		[WP_CACHE_STRIDE] = P("stride", 64, 1, 1 << 20, "bytes between touches") },
		"cache pressure then sched_yield()" },
	[WORK_CACHE_PIPE] = { WORK_CACHE_PIPE, "CachePipe", "cache_pipe", WORK_GROUP_PAIR, true, WP_CACHE_PIPE__COUNT, {
		[WP_CACHE_PIPE_SIZE_KB] = P("size_kb", 32, 1, 1 << 20, "per-worker buffer size in KiB"),
		[WP_CACHE_PIPE_BURST_ITERS] = P("burst_iters", 1024, 1, 1 << 30, "cache iterations between exchanges") },
		"cache burst then a pipe exchange with the partner" },
	[WORK_FUTEX_FAN_OUT] = { WORK_FUTEX_FAN_OUT, "FutexFanOut", "futex_fan_out", WORK_GROUP_FAN_OUT, true, WP_FUTEX_FAN_OUT__COUNT, {
		[WP_FUTEX_FAN_OUT_FAN_OUT] = P("fan_out", 4, 1, 256, "receivers per messenger"),
		[WP_FUTEX_FAN_OUT_SPIN_ITERS] = P("spin_iters", 1024, 1, 1 << 30, "spin per round, messenger and receivers alike") },
		"one messenger wakes fan_out receivers with FUTEX_WAKE",
		.group_param = WP_FUTEX_FAN_OUT_FAN_OUT },
	[WORK_FAN_OUT_COMPUTE] = { WORK_FAN_OUT_COMPUTE, "FanOutCompute", "fan_out_compute", WORK_GROUP_FAN_OUT, true, WP_FAN_OUT_COMPUTE__COUNT, {
		[WP_FAN_OUT_COMPUTE_FAN_OUT] = P("fan_out", 4, 1, 256, "workers per messenger"),
		[WP_FAN_OUT_COMPUTE_CACHE_FOOTPRINT_KB] = P("cache_footprint_kb", 256, 1, 1 << 20, "matrix footprint in KiB"),
		[WP_FAN_OUT_COMPUTE_OPERATIONS] = P("operations", 5, 1, 1 << 20, "matrix multiplies per wake"),
		[WP_FAN_OUT_COMPUTE_SLEEP_USEC] = P("sleep_usec", 100, 0, 1 << 30, "sleep after a wake, in us") },
		"messenger wakes workers that each do matrix multiplies",
		.group_param = WP_FAN_OUT_COMPUTE_FAN_OUT },
	[WORK_SEQUENCE] = { WORK_SEQUENCE, "Sequence", "sequence", WORK_GROUP_NONE, true, 0, {},
		"loop over phases: spin, sleep, yield, io (each with a duration)" },
	[WORK_FORK_EXIT] = { WORK_FORK_EXIT, "ForkExit", "fork_exit", WORK_GROUP_NONE, true, 0, {},
		"fork, child exits, waitpid" },
	[WORK_NICE_SWEEP] = { WORK_NICE_SWEEP, "NiceSweep", "nice_sweep", WORK_GROUP_NONE, true, 0, {},
		"spin burst, cycle nice -20..19, yield" },
	[WORK_AFFINITY_CHURN] = { WORK_AFFINITY_CHURN, "AffinityChurn", "affinity_churn", WORK_GROUP_NONE, true, WP_AFFINITY_CHURN__COUNT, {
		[WP_AFFINITY_CHURN_SPIN_ITERS] = P("spin_iters", 1024, 1, 1 << 30, "spin iterations between affinity changes") },
		"spin, pin self to a random allowed CPU, yield" },
	[WORK_POLICY_CHURN] = { WORK_POLICY_CHURN, "PolicyChurn", "policy_churn", WORK_GROUP_NONE, true, WP_POLICY_CHURN__COUNT, {
		[WP_POLICY_CHURN_SPIN_ITERS] = P("spin_iters", 1024, 1, 1 << 30, "spin iterations between policy changes") },
		"spin, cycle OTHER/BATCH/IDLE(/FIFO/RR), yield" },
	[WORK_PAGE_FAULT_CHURN] = { WORK_PAGE_FAULT_CHURN, "PageFaultChurn", "page_fault_churn", WORK_GROUP_NONE, false, WP_PAGE_FAULT_CHURN__COUNT, {
		[WP_PAGE_FAULT_CHURN_REGION_KB] = P("region_kb", 4096, 4, 1 << 22, "mapped region in KiB"),
		[WP_PAGE_FAULT_CHURN_TOUCHES_PER_CYCLE] = P("touches_per_cycle", 256, 1, 1 << 20, "pages faulted per cycle"),
		[WP_PAGE_FAULT_CHURN_SPIN_ITERS] = P("spin_iters", 64, 0, 1 << 30, "spin after each cycle's MADV_DONTNEED") },
		"fault random pages of a region, MADV_DONTNEED, repeat" },
	[WORK_MUTEX_CONTENTION] = { WORK_MUTEX_CONTENTION, "MutexContention", "mutex_contention", WORK_GROUP_PARAM0, true, WP_MUTEX_CONTENTION__COUNT, {
		[WP_MUTEX_CONTENTION_CONTENDERS] = P("contenders", 4, 2, 256, "workers sharing one lock"),
		[WP_MUTEX_CONTENTION_HOLD_ITERS] = P("hold_iters", 256, 0, 1 << 30, "spin while holding the lock"),
		[WP_MUTEX_CONTENTION_WORK_ITERS] = P("work_iters", 1024, 0, 1 << 30, "spin outside the lock") },
		"futex-backed lock shared by contenders",
		.group_param = WP_MUTEX_CONTENTION_CONTENDERS },
};

const struct worktype_desc *worktype_lookup(const char *name)
{
	for (unsigned i = 0; i < WORK__COUNT; i++)
		if (str_eq_loose(worktype_table[i].name, name))
			return &worktype_table[i];
	return NULL;
}

const char *worktype_suggest(const char *name)
{
	const char *best = NULL;
	unsigned best_d = 4;

	for (unsigned i = 0; i < WORK__COUNT; i++) {
		unsigned d = MIN(str_distance(worktype_table[i].name, name),
				 str_distance(worktype_table[i].snake, name));

		if (d < best_d) {
			best_d = d;
			best = worktype_table[i].name;
		}
	}
	return best;
}

unsigned worktype_group_size(const struct worktype_desc *d, const int64_t *params)
{
	switch (d->group) {
	case WORK_GROUP_PAIR:
		return 2;
	case WORK_GROUP_FAN_OUT:
		return params[d->group_param] + 1;
	case WORK_GROUP_PARAM0:
		return params[d->group_param];
	default:
		return 1;
	}
}
