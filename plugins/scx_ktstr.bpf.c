// SPDX-License-Identifier: GPL-2.0-only
/*
 * scx_ktstr: a minimal sched_ext scheduler written for ktstr's own tests.
 *
 * Policy. Every task that wakes up on an idle CPU goes straight to that
 * CPU's local DSQ. Everything else is queued on a shared DSQ, ordered by
 * weighted virtual time (the default) or in plain FIFO order (flag `fifo`).
 * A task's vtime advances by the time it ran scaled by 100/weight, and a
 * sleeper's vtime is clamped to at most one slice behind the current
 * vtime, so it cannot bank unbounded credit. With flag `llc` there is one
 * shared DSQ per last-level cache instead of one global queue: a task is
 * queued on the DSQ of its CPU's LLC, a CPU first serves its own LLC and
 * only then steals from the others, so no task can starve. Flag
 * `slice-ms=N` sets the time slice (default 20 ms, the kernel's
 * SCX_SLICE_DFL).
 *
 * SCX_OPS_ENQ_LAST: when a task's slice ends and the CPU found nothing else
 * to run, the kernel hands the task back to ops.enqueue() with SCX_ENQ_LAST
 * and the scheduler keeps it on that CPU by choice. Without the flag the
 * kernel keeps it silently and counts a dispatch_keep_last event every
 * slice (~50/s per busy CPU), the event ktstr's max_keep_last_rate reads as
 * a scheduler that provides nothing to dispatch.
 *
 * ops.exit() copies the kernel's exit kind, reason, message and debug dump
 * into `uei` for the user-space glue, which reports why the kernel ejected
 * the scheduler.
 */
#include "scx_ktstr_common.bpf.h"

char _license[] SEC("license") = "GPL";

#define MAX_CPUS	512
#define SHARED_DSQ	0	/* LLC DSQs are SHARED_DSQ + 1 + llc */

const volatile u64 slice_ns = SCX_SLICE_DFL;
const volatile bool fifo;
const volatile bool llc_dsqs;
const volatile u32 nr_llcs = 1;
const volatile u32 cpu_llc[MAX_CPUS];	/* filled by the glue from sysfs */

static u64 vtime_now;
struct ktstr_uei uei;

/* Counters for stats(), read from .bss by the glue. */
u64 nr_direct, nr_enqueued, nr_dispatched, nr_stolen;

static u64 dsq_of_cpu(s32 cpu)
{
	u32 idx;

	if (!llc_dsqs || cpu < 0 || cpu >= MAX_CPUS)
		return SHARED_DSQ;
	/*
	 * clang may test one copy of cpu and index with another; masking the
	 * index itself keeps the verifier sure of the bound (MAX_CPUS is a
	 * power of two).
	 */
	idx = (u32)cpu & (MAX_CPUS - 1);
	barrier_var(idx);
	idx &= MAX_CPUS - 1;
	return SHARED_DSQ + 1 + cpu_llc[idx];
}

s32 BPF_STRUCT_OPS(ktstr_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu;

	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	if (is_idle) {
		__sync_fetch_and_add(&nr_direct, 1);
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, 0);
	}
	return cpu;
}

void BPF_STRUCT_OPS(ktstr_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 dsq = dsq_of_cpu(scx_bpf_task_cpu(p));
	u64 vtime = p->scx.dsq_vtime;

	__sync_fetch_and_add(&nr_enqueued, 1);
	if (enq_flags & SCX_ENQ_LAST) {
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, enq_flags);
		return;
	}
	if (fifo) {
		scx_bpf_dsq_insert(p, dsq, slice_ns, enq_flags);
		return;
	}
	if (vtime_before(vtime, vtime_now - slice_ns))
		vtime = vtime_now - slice_ns;
	scx_bpf_dsq_insert_vtime(p, dsq, slice_ns, vtime, enq_flags);
}

void BPF_STRUCT_OPS(ktstr_dispatch, s32 cpu, struct task_struct *prev)
{
	u64 own = dsq_of_cpu(cpu);

	if (scx_bpf_dsq_move_to_local(own)) {
		__sync_fetch_and_add(&nr_dispatched, 1);
		return;
	}
	if (!llc_dsqs)
		return;
	for (u32 i = 0; i < nr_llcs && i < MAX_CPUS; i++) {
		u64 dsq = SHARED_DSQ + 1 + i;

		if (dsq != own && scx_bpf_dsq_move_to_local(dsq)) {
			__sync_fetch_and_add(&nr_stolen, 1);
			return;
		}
	}
}

void BPF_STRUCT_OPS(ktstr_running, struct task_struct *p)
{
	if (!fifo && vtime_before(vtime_now, p->scx.dsq_vtime))
		vtime_now = p->scx.dsq_vtime;
}

void BPF_STRUCT_OPS(ktstr_stopping, struct task_struct *p, bool runnable)
{
	u32 weight = p->scx.weight ? p->scx.weight : 100;

	if (!fifo)
		p->scx.dsq_vtime += (slice_ns - p->scx.slice) * 100 / weight;
}

void BPF_STRUCT_OPS(ktstr_enable, struct task_struct *p)
{
	p->scx.dsq_vtime = vtime_now;
}

s32 BPF_STRUCT_OPS(ktstr_init)
{
	s32 ret = scx_bpf_create_dsq(SHARED_DSQ, -1);

	if (ret)
		return ret;
	if (!llc_dsqs)
		return 0;
	for (u32 i = 0; i < nr_llcs && i < MAX_CPUS; i++) {
		ret = scx_bpf_create_dsq(SHARED_DSQ + 1 + i, -1);
		if (ret)
			return ret;
	}
	return 0;
}

void BPF_STRUCT_OPS(ktstr_exit, struct scx_exit_info *ei)
{
	KTSTR_UEI_RECORD(uei, ei);
}

SEC(".struct_ops")
struct sched_ext_ops ktstr_ops = {
	.select_cpu	= (void *)ktstr_select_cpu,
	.enqueue	= (void *)ktstr_enqueue,
	.dispatch	= (void *)ktstr_dispatch,
	.running	= (void *)ktstr_running,
	.stopping	= (void *)ktstr_stopping,
	.enable		= (void *)ktstr_enable,
	.init		= (void *)ktstr_init,
	.exit		= (void *)ktstr_exit,
	.flags		= SCX_OPS_ENQ_LAST,
	.timeout_ms	= 20000,
	.exit_dump_len	= KTSTR_EXIT_DUMP_LEN,
	.name		= "ktstr",
};
