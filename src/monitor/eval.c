// SPDX-License-Identifier: GPL-2.0-only
/* Judging monitor samples against the monitor thresholds, in ktstr's words; the JSON record. */
#include <inttypes.h>
#include <stdarg.h>

#include "spec/thresholds.h"
#include "monitor/monitor.h"

/* ktstr's SustainedViolationTracker: the longest run of consecutive violations. */
struct sustained {
	unsigned run, worst_run;
	double worst_value;
	size_t worst_at;
};

static void sustained_record(struct sustained *t, bool violated, double value, size_t at)
{
	if (!violated) {
		t->run = 0;
		return;
	}
	if (++t->run > t->worst_run) {
		t->worst_run = t->run;
		t->worst_value = value;
		t->worst_at = at;
	}
}

double monitor__imbalance(const struct monitor_sample *s, unsigned ncpus)
{
	uint32_t lo = UINT32_MAX, hi = 0;

	if (!ncpus)
		return 1.0;
	for (unsigned c = 0; c < ncpus; c++) {
		lo = MIN(lo, s->cpu[c].nr_running);
		hi = MAX(hi, s->cpu[c].nr_running);
	}
	return (double)hi / (double)MAX(lo, 1u);
}

static void add_detail(struct monitor_verdict *v, enum thr_id check, const char *fmt, ...)
	__printf(3, 4);

/* A violation of one monitor threshold, reported under the threshold's name. */
static void add_detail(struct monitor_verdict *v, enum thr_id check, const char *fmt, ...)
{
	char *msg;
	size_t n = v->ndetails;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	*(char **)array_push(&v->details, &n, sizeof(char *)) = msg;
	n = v->ndetails;
	*(char **)array_push(&v->detail_check, &n, sizeof(char *)) = xstrdup(threshold_table[check].name);
	v->ndetails = n;
}

/*
 * ktstr's is_cpu_stuck(): the clock stood still, the CPU was not idle in
 * both samples (NOHZ stops an idle CPU's clock), and the guest was running.
 * ktstr asks the vCPU thread's CPU time; under TCG one host thread runs
 * every vCPU, so "running" is read off the guest itself: QEMU got at least
 * the preemption threshold of CPU time in the interval, and some other
 * CPU's clock moved. A host that starves the VM, or TCG pausing the whole
 * guest (both seen on a loaded 2-core host: every clock frozen for ~1 s),
 * is not a scheduler stall. The price: a one-CPU VM, or a hang of every
 * CPU at once, is not reported here (the gap and starvation checks and the
 * kernel's watchdogs see those).
 * Such an interval cannot be judged: it neither counts towards a stall nor
 * ends one, since the clock stood still through it too (under make -j2 a
 * starved interval in the middle of a 1.5 s stall split it into runs
 * shorter than sustained_samples and the stall went unreported).
 */
enum stuck { STUCK_NO, STUCK_YES, STUCK_UNKNOWN };

static enum stuck cpu_stuck(const struct monitor_series *s, const struct monitor_sample *prev,
			    const struct monitor_sample *cur, unsigned c)
{
	const struct monitor_cpu *a = &prev->cpu[c], *b = &cur->cpu[c];
	bool others_moved = false;

	if (!b->clock || b->clock != a->clock)
		return STUCK_NO;
	if (!a->nr_running && !b->nr_running)
		return STUCK_NO;
	if (prev->vm_cpu_ns && cur->vm_cpu_ns && cur->vm_cpu_ns - prev->vm_cpu_ns < s->preempt_ns)
		return STUCK_UNKNOWN;
	for (unsigned o = 0; o < s->ncpus && !others_moved; o++)
		others_moved = o != c && cur->cpu[o].clock != prev->cpu[o].clock;
	return others_moved ? STUCK_YES : STUCK_UNKNOWN;
}

/*
 * The counters of every CPU summed modulo 2^64: they come from guest memory
 * and may be anything, and a signed sum of them could overflow.
 */
uint64_t monitor_sample__events(const struct monitor_sample *s, unsigned ncpus, bool keep_last)
{
	uint64_t sum = 0;

	for (unsigned c = 0; c < ncpus; c++)
		sum += (uint64_t)(keep_last ? s->cpu[c].keep_last : s->cpu[c].fallback);
	return sum;
}

/* Events between two samples per second: the modular difference is exact for real counters. */
static double event_rate(const struct monitor_sample *a, const struct monitor_sample *b,
			 unsigned ncpus, bool keep_last, double dt)
{
	return (double)(int64_t)(monitor_sample__events(b, ncpus, keep_last) -
				 monitor_sample__events(a, ncpus, keep_last)) / dt;
}

/*
 * The worst CPU's dispatch_keep_last events per second between a and b,
 * counting a CPU only while a task waited on its run queue: more than one
 * sched_ext task on it at both ends of the interval. The kernel counts
 * keep_last whenever ops.dispatch() found nothing and the previous task
 * still wants the CPU; with a lone task that is every slice expiry of a
 * healthy scheduler without SCX_OPS_ENQ_LAST (about 50/s per busy CPU with
 * 20 ms slices). Only when another task waits does keeping the last one
 * mean the scheduler did not dispatch what it holds.
 */
static double keep_last_waiting(const struct monitor_sample *a, const struct monitor_sample *b,
				unsigned ncpus, double dt, int *cpu)
{
	double worst = 0;

	*cpu = -1;
	for (unsigned c = 0; c < ncpus; c++) {
		double r;

		if (a->cpu[c].scx_nr_running < 2 || b->cpu[c].scx_nr_running < 2)
			continue;
		r = (double)(b->cpu[c].keep_last - a->cpu[c].keep_last) / dt;
		if (*cpu < 0 || r > worst) {
			worst = r;
			*cpu = (int)c;
		}
	}
	return worst;
}

/*
 * Work conservation in one sample: CPUs with nothing runnable while other
 * CPUs have tasks waiting (runnable beyond the one running). Returns the
 * idle CPUs when both are there, else 0; *waiting gets the waiting tasks.
 * A task pinned away from the idle CPUs would look the same, so with a
 * spec that confines workers the question is asked within each set of
 * CPUs a part of the workload may use (l->wc_sets): the worst set's idle
 * CPUs, *of its CPUs and *set its index (-1: all CPUs).
 */
static unsigned idle_while_waiting(const struct monitor_sample *x, unsigned ncpus,
				   const struct monitor_limits *l, unsigned *waiting, unsigned *of,
				   int *set)
{
	size_t nsets = l->wc_nsets ? l->wc_nsets : 1;
	unsigned best = 0;

	*waiting = 0;
	*of = ncpus;
	*set = -1;
	for (size_t k = 0; k < nsets; k++) {
		const struct cpumask *m = l->wc_nsets ? &l->wc_sets[k].cpus : NULL;
		unsigned idle = 0, wait = 0, cpus = 0;

		for (unsigned c = 0; c < ncpus; c++) {
			if (m && !cpumask_test(m, c))
				continue;
			cpus++;
			if (!x->cpu[c].nr_running)
				idle++;
			else
				wait += x->cpu[c].nr_running - 1;
		}
		if (wait && idle > best) {
			best = idle;
			*waiting = wait;
			*of = cpus;
			*set = m ? (int)k : -1;
		}
	}
	return best;
}

void monitor__evaluate(const struct monitor_series *s, const struct monitor_limits *l,
		       struct monitor_verdict *v)
{
	struct sustained imb = { 0 }, dsq = { 0 }, fb = { 0 }, kl = { 0 }, wc = { 0 };
	struct sustained stall[MONITOR_MAX_CPUS] = { { 0 } };
	const struct monitor_sample *prev = NULL, *first_ev = NULL, *last_ev = NULL, *prev_ev = NULL;
	unsigned nvalid = 0, ncpus = MIN(s->ncpus, (unsigned)MONITOR_MAX_CPUS);
	int worst_dsq_cpu = 0, kl_cpu = -1;
	bool clocks_differ = false;
	uint64_t clock0 = 0;

	memset(v, 0, sizeof(*v));
	v->fallback_rate = v->keep_last_rate = -1;
	v->max_fallback_rate = v->max_keep_last_rate = -1;
	v->max_dsq_cpu = v->max_stall_cpu = -1;
	for (size_t i = s->win_start; i < s->win_end && i < s->n; i++) {
		const struct monitor_sample *cur = &s->v[i];
		double ratio;
		uint32_t depth = 0;
		int depth_cpu = -1;

		if (!cur->valid)
			continue;	/* ktstr skips implausible samples */
		for (unsigned c = 0; c < ncpus; c++) {
			if (!nvalid && !c)
				clock0 = cur->cpu[c].clock;
			else if (cur->cpu[c].clock != clock0)
				clocks_differ = true;
		}
		nvalid++;
		ratio = monitor__imbalance(cur, ncpus);
		v->max_imbalance = MAX(v->max_imbalance, ratio);
		sustained_record(&imb, l->imbalance_on && ratio > l->max_imbalance, ratio, i);
		{
			unsigned waiting, of;
			int set;
			unsigned idle = idle_while_waiting(cur, ncpus, l, &waiting, &of, &set);

			sustained_record(&wc, idle > 0, idle, i);
		}
		for (unsigned c = 0; c < ncpus; c++) {
			if (v->max_dsq_cpu < 0 || cur->cpu[c].local_dsq > v->max_dsq) {
				v->max_dsq = cur->cpu[c].local_dsq;
				v->max_dsq_cpu = (int)c;
			}
			if (cur->cpu[c].local_dsq > l->max_dsq && cur->cpu[c].local_dsq > depth) {
				depth = cur->cpu[c].local_dsq;
				depth_cpu = (int)c;
			}
		}
		sustained_record(&dsq, l->dsq_on && depth_cpu >= 0, depth, i);
		if (depth_cpu >= 0 && dsq.worst_at == i && dsq.run == dsq.worst_run)
			worst_dsq_cpu = depth_cpu;
		if (prev) {
			for (unsigned c = 0; c < ncpus; c++) {
				enum stuck st = cpu_stuck(s, prev, cur, c);

				if (st != STUCK_UNKNOWN)
					sustained_record(&stall[c], st == STUCK_YES,
							 (double)cur->cpu[c].clock, i);
			}
		}
		if (cur->have_events) {
			if (prev_ev && cur->at_ns > prev_ev->at_ns) {
				double dt = (double)(cur->at_ns - prev_ev->at_ns) / 1e9;
				double rf = event_rate(prev_ev, cur, ncpus, false, dt);
				int kcpu;
				double rk = keep_last_waiting(prev_ev, cur, ncpus, dt, &kcpu);

				v->max_fallback_rate = MAX(v->max_fallback_rate, rf);
				v->max_keep_last_rate = MAX(v->max_keep_last_rate, rk);
				sustained_record(&fb, l->fallback_on && rf > l->max_fallback, rf, i);
				sustained_record(&kl, l->keep_last_on && rk > l->max_keep_last, rk, i);
				if (kl.worst_at == i && kl.run == kl.worst_run)
					kl_cpu = kcpu;
			}
			if (!first_ev)
				first_ev = cur;
			last_ev = prev_ev = cur;
		} else {
			/* ktstr: an interval without counters is not a violation */
			sustained_record(&fb, false, 0, i);
			sustained_record(&kl, false, 0, i);
			prev_ev = NULL;
		}
		prev = cur;
	}
	if (!nvalid) {
		v->summary = xstrdup(s->win_end > s->win_start ?
				     "no plausible monitor samples during the workload" :
				     "no monitor samples during the workload");
		return;
	}
	if (!clocks_differ && nvalid * ncpus > 1) {
		v->summary = xstrdup("monitor data not yet initialized");
		return;
	}
	v->evaluated = true;
	for (unsigned c = 0; c < ncpus; c++) {
		if (stall[c].worst_run > v->max_stall_run) {
			v->max_stall_run = stall[c].worst_run;
			v->max_stall_cpu = (int)c;
		}
	}
	if (first_ev && last_ev && last_ev->at_ns > first_ev->at_ns) {
		double dt = (double)(last_ev->at_ns - first_ev->at_ns) / 1e9;

		v->fallback_rate = event_rate(first_ev, last_ev, ncpus, false, dt);
		v->keep_last_rate = event_rate(first_ev, last_ev, ncpus, true, dt);
	}
	if (imb.worst_run >= l->sustained)
		add_detail(v, THR_MAX_IMBALANCE_RATIO,
			   "imbalance ratio %.1f exceeded threshold %.1f for %u consecutive samples (ending at sample %zu)",
			   imb.worst_value, l->max_imbalance, imb.worst_run, imb.worst_at);
	v->max_idle_waiting_run = wc.worst_run;
	if (l->wc_on && wc.worst_run >= l->sustained) {
		unsigned waiting, of;
		int set;
		unsigned idle = idle_while_waiting(&s->v[wc.worst_at], ncpus, l, &waiting, &of, &set);
		char cpus[128], within[224] = "";

		if (set >= 0)
			snprintf(within, sizeof(within), " of the CPUs %s may use (%s)",
				 l->wc_sets[set].who,
				 cpumask_format(&l->wc_sets[set].cpus, cpus, sizeof(cpus)));
		add_detail(v, THR_WORK_CONSERVATION,
			   "work conservation: %u of %u CPUs idle while %u task(s) waited on other CPUs%s "
			   "for %u consecutive samples (ending at sample %zu)",
			   idle, of, waiting, within, wc.worst_run, wc.worst_at);
	}
	if (dsq.worst_run >= l->sustained)
		add_detail(v, THR_MAX_LOCAL_DSQ_DEPTH,
			   "local DSQ depth %u on cpu%d exceeded threshold %" PRIu64 " for %u consecutive samples (ending at sample %zu)",
			   (unsigned)dsq.worst_value, worst_dsq_cpu, l->max_dsq, dsq.worst_run,
			   dsq.worst_at);
	for (unsigned c = 0; l->stall_on && c < ncpus; c++)
		if (stall[c].worst_run >= l->sustained)
			add_detail(v, THR_FAIL_ON_STALL,
				   "rq_clock stall on cpu%u for %u consecutive samples (ending at sample %zu, clock=%" PRIu64 ")",
				   c, stall[c].worst_run, stall[c].worst_at,
				   s->v[stall[c].worst_at].cpu[c].clock);
	if (fb.worst_run >= l->sustained)
		add_detail(v, THR_MAX_FALLBACK_RATE,
			   "fallback rate %.1f/s exceeded threshold %.1f/s for %u consecutive intervals (ending at sample %zu)",
			   fb.worst_value, l->max_fallback, fb.worst_run, fb.worst_at);
	if (kl.worst_run >= l->sustained)
		add_detail(v, THR_MAX_KEEP_LAST_RATE,
			   "keep_last rate %.1f/s on cpu%d while tasks waited exceeded threshold %.1f/s for %u consecutive intervals (ending at sample %zu)",
			   kl.worst_value, kl_cpu, l->max_keep_last, kl.worst_run, kl.worst_at);
	v->summary = v->ndetails ? xasprintf("monitor FAILED: %zu violation(s)", v->ndetails) :
		     xstrdup("monitor OK");
}

void monitor_verdict__free(struct monitor_verdict *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->ndetails; i++) {
		free(v->details[i]);
		free(v->detail_check[i]);
	}
	free(v->details);
	free(v->detail_check);
	free(v->summary);
	memset(v, 0, sizeof(*v));
}
