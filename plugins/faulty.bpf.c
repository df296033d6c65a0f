// SPDX-License-Identifier: GPL-2.0-only
/*
 * faulty: a deliberately broken sched_ext scheduler. ktstr's own tests use
 * it to prove that every check can fail and that ejections are reported
 * with the kernel's reason.
 *
 * Base policy: a global FIFO (one shared DSQ, idle CPUs served directly in
 * select_cpu), which is correct. Each fault is switched on through .rodata
 * by a plugin flag. The faults hit "targets": user tasks other than PID 1
 * and the process that attached the scheduler (the guest agent), so the
 * harness keeps running and reports what happened to the workers.
 *
 *   stall_permille	targets whose pid hashes below this (out of 1000)
 *			are queued on a DSQ nobody consumes; the kernel's
 *			watchdog ejects the scheduler ("runnable task stall").
 *   error_after	after this many enqueues, scx_bpf_error() aborts the
 *			scheduler with a message naming the count.
 *   concentrate	every target that may run on CPU 0 is queued on CPU
 *			0's local DSQ with a 1 s slice: the other CPUs idle
 *			and workers starve (unfairness, gaps, starvation).
 *   delay_ns		targets wait on their own DSQ, from which a CPU takes
 *			a task at most once per delay_ns (kicking itself
 *			meanwhile): long gaps without tripping the watchdog
 *			as long as delay_ns is below it.
 *   fail_verify	ops.enqueue dereferences a hash map lookup without a
 *			NULL check; the verifier rejects the program at load.
 *   spin_ns		when a target's slice ends on CPU 0 and it stays
 *			queued, ops.dispatch busy-waits spin_ns (bpf_loop +
 *			bpf_ktime_get_ns) with the rq lock held and IRQs off,
 *			then not again for spin_ns: CPU 0's rq clock stands
 *			still meanwhile (the monitor's rq_clock stall check).
 *   slice_ns		every task's slice (flag slice-us); with no
 *			SCX_OPS_ENQ_LAST a lone task's every expiry is a
 *			dispatch_keep_last event (the keep_last rate check).
 *   bad_select		ops.select_cpu returns a CPU the target may not run
 *			on; the kernel falls back to an allowed one and counts
 *			select_cpu_fallback (the fallback rate check).
 *
 * The escape-cpuset fault has no BPF part: it is the userspace daemon in
 * faulty.c moving workers out of their cgroups.
 */
#include "scx_ktstr_common.bpf.h"

char _license[] SEC("license") = "GPL";

#define SHARED_DSQ	0
#define LIMBO_DSQ	1	/* never consumed */
#define DELAY_DSQ	2	/* consumed at most once per delay_ns per CPU */
#define CONCENTRATE_SLICE_NS	(1000ULL * 1000 * 1000)

const volatile u32 stall_permille;
const volatile u64 error_after;
const volatile bool concentrate;
const volatile u64 delay_ns;
const volatile bool fail_verify;
const volatile u64 spin_ns;
const volatile bool bad_select;
const volatile u64 slice_ns = SCX_SLICE_DFL;
const volatile s32 exempt_tgid;	/* the process that attaches us (the guest agent) */

struct ktstr_uei uei;
u64 nr_enqueued, nr_stalled, nr_dispatched, nr_delayed, nr_spins, nr_bad_selects;
static u64 spin_end;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} last_dispatch SEC(".maps");

/* A hash map: its lookups can return NULL (array lookups with a constant key cannot, since 6.x). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} verify_trap SEC(".maps");

static bool targeted(struct task_struct *p)
{
	return !(p->flags & PF_KTHREAD) && p->tgid != exempt_tgid && p->tgid != 1;
}

static bool stalled(struct task_struct *p)
{
	u32 h;

	if (!stall_permille || !targeted(p))
		return false;
	h = ((u32)p->pid * 2654435761u) % 1000;
	return h < stall_permille;
}

static bool concentrated(struct task_struct *p)
{
	return concentrate && targeted(p) && bpf_cpumask_test_cpu(0, p->cpus_ptr);
}

static bool delayed(struct task_struct *p)
{
	return delay_ns && targeted(p);
}

/* A CPU p may not run on, or -1 (the first 64 CPUs are enough for ktstr's VMs). */
static s32 forbidden_cpu(struct task_struct *p)
{
	u32 n = scx_bpf_nr_cpu_ids();

	for (u32 c = 0; c < 64 && c < n; c++)
		if (!bpf_cpumask_test_cpu(c, p->cpus_ptr))
			return c;
	return -1;
}

s32 BPF_STRUCT_OPS(faulty_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu;

	if (bad_select && targeted(p)) {
		cpu = forbidden_cpu(p);
		if (cpu >= 0) {
			__sync_fetch_and_add(&nr_bad_selects, 1);
			return cpu;
		}
	}

	if (concentrated(p))
		return 0;
	if (stalled(p))
		return prev_cpu;
	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	if (is_idle && !delayed(p))
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, 0);
	return cpu;
}

void BPF_STRUCT_OPS(faulty_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 n = __sync_fetch_and_add(&nr_enqueued, 1) + 1;

	if (fail_verify) {
		u32 key = 0;
		u64 *v = bpf_map_lookup_elem(&verify_trap, &key);

		*v = n;		/* no NULL check: the verifier refuses this */
	}
	if (error_after && n == error_after)
		scx_bpf_error("faulty: error-after: %llu events reached", n);
	if (stalled(p)) {
		__sync_fetch_and_add(&nr_stalled, 1);
		scx_bpf_dsq_insert(p, LIMBO_DSQ, slice_ns, enq_flags);
		return;
	}
	if (concentrated(p)) {
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | 0, CONCENTRATE_SLICE_NS, enq_flags);
		return;
	}
	if (delayed(p)) {
		scx_bpf_dsq_insert(p, DELAY_DSQ, slice_ns, enq_flags);
		return;
	}
	scx_bpf_dsq_insert(p, SHARED_DSQ, slice_ns, enq_flags);
}

static long spin_until(u64 i, void *ctx)
{
	return bpf_ktime_get_ns() >= *(u64 *)ctx;
}

/* Busy-wait spin_ns in ops.dispatch (rq lock held, IRQs off). */
static void spin(void)
{
	u64 deadline = bpf_ktime_get_ns() + spin_ns;

	/* bpf_loop caps its iterations (1 << 23): a few rounds cover slow TCG clocks too */
	for (int i = 0; i < 8 && bpf_ktime_get_ns() < deadline; i++)
		bpf_loop(1 << 23, spin_until, &deadline, 0);
	spin_end = bpf_ktime_get_ns();
	__sync_fetch_and_add(&nr_spins, 1);
}

void BPF_STRUCT_OPS(faulty_dispatch, s32 cpu, struct task_struct *prev)
{
	u32 key = 0;
	u64 *last, now;

	/* prev still queued: CPU 0 has a runnable task all through the spin */
	if (spin_ns && cpu == 0 && prev && targeted(prev) && (prev->scx.flags & SCX_TASK_QUEUED) &&
	    bpf_ktime_get_ns() - spin_end >= spin_ns)
		spin();

	if (scx_bpf_dsq_move_to_local(SHARED_DSQ)) {
		__sync_fetch_and_add(&nr_dispatched, 1);
		return;
	}
	if (!delay_ns || scx_bpf_dsq_nr_queued(DELAY_DSQ) <= 0)
		return;
	last = bpf_map_lookup_elem(&last_dispatch, &key);
	if (!last)
		return;
	now = bpf_ktime_get_ns();
	if (now - *last < delay_ns) {
		/* Nothing else to run: come back soon instead of idling. */
		__sync_fetch_and_add(&nr_delayed, 1);
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
		return;
	}
	if (scx_bpf_dsq_move_to_local(DELAY_DSQ)) {
		*last = now;
		__sync_fetch_and_add(&nr_dispatched, 1);
	}
}

s32 BPF_STRUCT_OPS(faulty_init)
{
	s32 ret = scx_bpf_create_dsq(SHARED_DSQ, -1);

	if (!ret)
		ret = scx_bpf_create_dsq(LIMBO_DSQ, -1);
	return ret ? ret : scx_bpf_create_dsq(DELAY_DSQ, -1);
}

void BPF_STRUCT_OPS(faulty_exit, struct scx_exit_info *ei)
{
	KTSTR_UEI_RECORD(uei, ei);
}

SEC(".struct_ops")
struct sched_ext_ops faulty_ops = {
	.select_cpu	= (void *)faulty_select_cpu,
	.enqueue	= (void *)faulty_enqueue,
	.dispatch	= (void *)faulty_dispatch,
	.init		= (void *)faulty_init,
	.exit		= (void *)faulty_exit,
	.timeout_ms	= 20000,
	.exit_dump_len	= KTSTR_EXIT_DUMP_LEN,
	.name		= "faulty",
};
