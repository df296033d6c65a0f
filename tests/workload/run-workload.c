// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runs every work type for a short while without a VM and without cgroups
 * (cgroup_root NULL) and checks that the telemetry is plausible: spin is
 * on-CPU, Bursty sleeps, paired types see wake latencies, grouped types
 * reject bad worker counts, pinned workers stay on their CPUs.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/time.h>

#include "tap.h"
#include "workload/workload.h"
#include "workload/internal.h"

#define RUN_NS (300 * NSEC_PER_MSEC)

static struct topo topo;
static unsigned nevents_seen;

static void on_event(void *ctx, const struct timeline_event *ev)
{
	nevents_seen++;
}

static const struct workload_hooks hooks = { .event = on_event };

static unsigned ticks;

static int stop_after_3(void *ctx)
{
	return ++ticks >= 3;
}

/*
 * What a broken scheduler daemon does (faulty's escape-cpuset): widen
 * every worker's affinity behind the harness's back, on every tick.
 */
static int widen_children(void *ctx)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
	_cleanup_free_ char *buf = NULL;
	char *save = NULL;
	cpu_set_t all;

	CPU_ZERO(&all);
	for (unsigned c = 0; c < topo.ncpus; c++)
		CPU_SET(c, &all);
	if (read_file(path, &buf, NULL))
		return 0;
	for (char *tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		sched_setaffinity((pid_t)strtol(tok, NULL, 10), sizeof(all), &all);
	return 0;
}

static void stop_alarm(int sig)
{
	worker_stop = 1;
}

/*
 * Run member gindex of a work group alone in this process for ms, with
 * shared words as given: its partners never act (a messenger that never
 * broadcasts, a lock that is never released). Returns its work units.
 */
static uint64_t run_alone(enum work_type type, const int64_t *params, unsigned gindex, unsigned gsize,
			  struct group_shm *shm, unsigned ms, uint64_t *iters)
{
	struct spec_work w = { .type = &worktype_table[type] };
	struct worker_slot *slot = xcalloc(1, sizeof(*slot));
	struct worker_ctx ctx = {
		.work = &w, .gindex = gindex, .gsize = gsize, .slot = slot, .gshm = shm,
		.rfd = -1, .wfd = -1, .last_cpu = -1, .rng = 88172645463325252ULL,
		.scenario_start_ns = now_ns(), .ncpus = topo.ncpus,
	};
	struct sigaction sa = { .sa_handler = stop_alarm }, old;	/* no SA_RESTART */
	struct itimerval it = { .it_value = { 0, ms * 1000 } };
	uint64_t units;

	memcpy(w.params, params, sizeof(int64_t) * WORK_MAX_PARAMS);
	ctx.last_cp_ns = now_ns();
	worker_stop = 0;
	sigaction(SIGALRM, &sa, &old);
	setitimer(ITIMER_REAL, &it, NULL);
	work_impl_table[type].run(&ctx);
	sigaction(SIGALRM, &old, NULL);
	worker_stop = 0;
	units = slot->work_units;
	*iters = slot->iterations;
	free(slot);
	return units;
}

static size_t count_events(const struct telemetry *tm, enum event_kind k, const char *label)
{
	size_t n = 0;

	for (size_t i = 0; i < tm->nevents; i++)
		n += tm->events[i].kind == k && str_eq(tm->events[i].label, label);
	return n;
}

/* A test with one cgroup holding one work item of type d and n workers. */
static void make_test(struct spec_test *t, struct spec_cgroup *cg, struct spec_work *w,
		      enum work_type type, unsigned n)
{
	const struct worktype_desc *d = &worktype_table[type];

	memset(t, 0, sizeof(*t));
	memset(cg, 0, sizeof(*cg));
	memset(w, 0, sizeof(*w));
	w->type = d;
	for (unsigned i = 0; i < d->nparams; i++)
		w->params[i] = d->params[i].def;
	w->workers.value = n;
	w->workers_set = true;
	cg->name = (char *)"cg_0";
	cg->works = w;
	cg->nworks = 1;
	t->name = (char *)"unit";
	t->duration_ns = RUN_NS;
	t->workers_per_cgroup = 2;
	t->cgroups = cg;
	t->ncgroups = 1;
}

static uint64_t sum_units(const struct telemetry *tm)
{
	uint64_t s = 0;

	for (size_t i = 0; i < tm->nworkers; i++)
		s += tm->workers[i].work_units;
	return s;
}

static size_t sum_wake(const struct telemetry *tm)
{
	size_t s = 0;

	for (size_t i = 0; i < tm->nworkers; i++)
		s += tm->workers[i].nwake;
	return s;
}

static int run(struct spec_test *t, struct telemetry *tm)
{
	int ret = workload__run(t, &topo, NULL, &hooks, tm);

	if (ret)
		printf("# workload__run: %d (%s)\n", ret, tm->error ? tm->error : "");
	return ret;
}

int main(void)
{
	struct spec_topology st = { .numa_nodes = 1, .llcs = 1, .cores = 2, .threads = 1 };
	struct work_phase phases[] = { { PHASE_SPIN, 20 * NSEC_PER_MSEC }, { PHASE_SLEEP, 20 * NSEC_PER_MSEC },
				       { PHASE_YIELD, 5 * NSEC_PER_MSEC }, { PHASE_IO, 5 * NSEC_PER_MSEC } };
	struct spec_test t;
	struct spec_cgroup cg;
	struct spec_work w;
	struct telemetry tm;
	int ret;

	topo__from_spec(&st, &topo);
	tap_plan(WORK__COUNT + 25);

	/* Every work type makes progress and every worker reports. */
	for (unsigned ty = 0; ty < WORK__COUNT; ty++) {
		const struct worktype_desc *d = &worktype_table[ty];
		unsigned n = worktype_group_size(d, (int64_t[]){ d->params[0].def, 0, 0, 0 });
		bool all = true;

		make_test(&t, &cg, &w, ty, n == 1 ? 2 : n);
		if (ty == WORK_FAN_OUT_COMPUTE) {
			w.params[0] = 2;	/* keep the group small on a 2-CPU host */
			w.params[1] = 64;
			w.workers.value = 3;
		}
		if (ty == WORK_FUTEX_FAN_OUT) {
			w.params[0] = 2;
			w.workers.value = 3;
		}
		if (ty == WORK_SEQUENCE) {
			w.phases = phases;
			w.nphases = ARRAY_SIZE(phases);
		}
		ret = run(&t, &tm);
		for (size_t i = 0; i < tm.nworkers; i++)
			all &= tm.workers[i].completed && tm.workers[i].iterations > 0 &&
			       (tm.workers[i].work_units > 0);
		if (!tap_ok(!ret && tm.nworkers == (size_t)w.workers.value && all,
			    "%s: %zu workers all completed with progress (units %llu)", d->name,
			    tm.nworkers, (unsigned long long)sum_units(&tm))) {
			for (size_t i = 0; i < tm.nworkers; i++)
				printf("#  worker %zu: units %llu iters %llu completed %d status %d\n", i,
				       (unsigned long long)tm.workers[i].work_units,
				       (unsigned long long)tm.workers[i].iterations,
				       tm.workers[i].completed, tm.workers[i].exit_status);
		}
		telemetry__free(&tm);
	}

	/* CpuSpin alone on a CPU: near 100% on-CPU. */
	make_test(&t, &cg, &w, WORK_CPU_SPIN, 1);
	w.affinity = AFFINITY_SINGLE_CPU;
	ret = run(&t, &tm);
	if (!ret && tm.nworkers == 1) {
		struct worker_report *r = &tm.workers[0];
		double on = r->wall_time_ns ? (double)r->cpu_time_ns / r->wall_time_ns : 0;

		double busy = r->wall_time_ns ? (double)(r->schedstat_cpu_time_ns + r->schedstat_run_delay_ns) /
						r->wall_time_ns : 0;

		/* The host is shared: a spinner may wait runnable, but it never sleeps. */
		tap_ok(on > 0, "CpuSpin ran on-CPU %.1f%% of %.0f ms wall", on * 100, r->wall_time_ns / 1e6);
		tap_ok(busy > 0.9 && busy < 1.1, "CpuSpin on-CPU + runnable-waiting = %.1f%% of wall",
		       busy * 100);
		tap_ok(r->max_gap_ns > 0 && r->max_gap_cpu >= 0, "CpuSpin max gap %.3f ms on cpu %d",
		       r->max_gap_ns / 1e6, r->max_gap_cpu);
		tap_ok(r->schedstat_cpu_time_ns > 0, "schedstat delta cpu time %.0f ms",
		       r->schedstat_cpu_time_ns / 1e6);
	} else {
		tap_ok(0, "CpuSpin on-CPU");
		tap_ok(0, "CpuSpin busy");
		tap_ok(0, "CpuSpin max gap");
		tap_ok(0, "schedstat delta");
	}
	telemetry__free(&tm);

	/* Bursty 20 ms burst / 40 ms sleep: mostly off-CPU, sleeps give latency samples. */
	make_test(&t, &cg, &w, WORK_BURSTY, 1);
	w.params[0] = 20;
	w.params[1] = 40;
	t.duration_ns = 3 * RUN_NS;	/* ~15 cycles, so a loaded host still shows several */
	ret = run(&t, &tm);
	if (!ret && tm.nworkers == 1) {
		struct worker_report *r = &tm.workers[0];
		double off = r->wall_time_ns ? (double)r->off_cpu_ns / r->wall_time_ns : 0;

		tap_ok(off > 0.3, "Bursty off-CPU %.1f%%", off * 100);
		tap_ok(r->nwake >= 3 && r->nwake == r->wake_sample_total,
		       "Bursty %zu sleep wake samples", r->nwake);
		tap_ok(r->max_gap_ns >= 35 * NSEC_PER_MSEC, "Bursty gap spans a sleep (%.1f ms)",
		       r->max_gap_ns / 1e6);
	} else {
		tap_ok(0, "Bursty off-CPU");
		tap_ok(0, "Bursty wake samples");
		tap_ok(0, "Bursty gap");
	}
	telemetry__free(&tm);

	/* Paired types record wake latency samples. */
	make_test(&t, &cg, &w, WORK_PIPE_IO, 2);
	ret = run(&t, &tm);
	tap_ok(!ret && tm.nworkers == 2 && tm.workers[0].nwake >= 3 && tm.workers[1].nwake >= 3,
	       "PipeIo pair: %zu wake samples", sum_wake(&tm));
	telemetry__free(&tm);
	make_test(&t, &cg, &w, WORK_FUTEX_PING_PONG, 2);
	ret = run(&t, &tm);
	tap_ok(!ret && tm.nworkers == 2 && tm.workers[0].nwake >= 3 && tm.workers[1].nwake >= 3,
	       "FutexPingPong pair: %zu wake samples", sum_wake(&tm));
	telemetry__free(&tm);

	/* Grouped types reject worker counts that are not a multiple of the group. */
	make_test(&t, &cg, &w, WORK_PIPE_IO, 3);
	ret = run(&t, &tm);
	tap_ok(ret == -EINVAL && tm.error && strstr(tm.error, "multiple of its group size 2"),
	       "PipeIo with 3 workers rejected: %s", tm.error ? tm.error : "(no error)");
	telemetry__free(&tm);
	make_test(&t, &cg, &w, WORK_MUTEX_CONTENTION, 6);
	ret = run(&t, &tm);
	tap_ok(ret == -EINVAL && tm.nworkers == 0, "MutexContention(4) with 6 workers rejected");
	telemetry__free(&tm);
	make_test(&t, &cg, &w, WORK_FUTEX_FAN_OUT, 4);
	ret = run(&t, &tm);
	tap_ok(ret == -EINVAL, "FutexFanOut(4) with 4 workers rejected (needs 5)");
	telemetry__free(&tm);

	/* An exact-affinity worker never reports a CPU outside its set. */
	make_test(&t, &cg, &w, WORK_AFFINITY_CHURN, 2);
	w.affinity = AFFINITY_EXACT;
	cpumask_zero(&w.affinity_cpus);
	cpumask_set(&w.affinity_cpus, 1);
	ret = run(&t, &tm);
	{
		bool inside = !ret && tm.nworkers == 2;
		char buf[64];

		for (size_t i = 0; inside && i < tm.nworkers; i++)
			inside = cpumask_subset(&tm.workers[i].cpus_used, &w.affinity_cpus) &&
				 !cpumask_empty(&tm.workers[i].cpus_used);
		tap_ok(inside, "exact affinity {1}: CPUs used %s",
		       tm.nworkers ? cpumask_format(&tm.workers[0].cpus_used, buf, sizeof(buf)) : "-");
	}
	telemetry__free(&tm);

	/* Fan-out marks its messenger; receivers record wakes. */
	make_test(&t, &cg, &w, WORK_FUTEX_FAN_OUT, 3);
	w.params[0] = 2;
	ret = run(&t, &tm);
	tap_ok(!ret && tm.nworkers == 3 && tm.workers[0].is_messenger && !tm.workers[1].is_messenger &&
	       tm.workers[1].nwake > 0 && tm.workers[0].nwake == 0,
	       "FutexFanOut: messenger flagged, receivers have %zu wake samples", sum_wake(&tm));
	telemetry__free(&tm);

	/* Events: scenario start/end arrive through the hook as they happen. */
	nevents_seen = 0;
	make_test(&t, &cg, &w, WORK_CPU_SPIN, 1);
	ret = run(&t, &tm);
	tap_ok(!ret && nevents_seen == tm.nevents && tm.nevents >= 3 &&
	       tm.events[0].kind == EVT_SCENARIO_START &&
	       tm.events[tm.nevents - 1].kind == EVT_SCENARIO_END,
	       "%zu events, first scenario_start, last scenario_end", tm.nevents);
	telemetry__free(&tm);

	/* Steps: a loop hold repeats its ops; a failed op ends the scenario with an error. */
	{
		struct spec_op ops[1] = { { .kind = OP_SET_AFFINITY, .cgroup = (char *)"cg_0" } };
		struct spec_op bad[1] = { { .kind = OP_SET_CPUSET, .cgroup = (char *)"cg_0",
					    .cpuset = { .kind = CPUSET_DISJOINT, .index = 0, .of = 3 } } };
		struct spec_step steps[2] = {
			{ .name = (char *)"loop", .ops = ops, .nops = 1,
			  .hold = { .kind = HOLD_LOOP, .interval_ns = 50 * NSEC_PER_MSEC,
				    .loop_ns = 300 * NSEC_PER_MSEC } },
			{ .name = (char *)"bad", .ops = bad, .nops = 1,
			  .hold = { .kind = HOLD_FIXED, .ns = 100 * NSEC_PER_MSEC } },
		};
		size_t n;

		make_test(&t, &cg, &w, WORK_CPU_SPIN, 2);
		ops[0].work.affinity = AFFINITY_SINGLE_CPU;
		t.steps = steps;
		t.nsteps = 1;
		ret = run(&t, &tm);
		n = count_events(&tm, EVT_OP, "set_affinity");
		tap_ok(!ret && n >= 4 && n <= 7, "loop hold 300ms/50ms applied its op %zu times", n);
		telemetry__free(&tm);

		steps[0].hold = (struct spec_hold){ .kind = HOLD_FIXED, .ns = 50 * NSEC_PER_MSEC };
		t.nsteps = 2;
		t.duration_ns = 10 * NSEC_PER_SEC;
		ret = run(&t, &tm);
		tap_ok(ret == -EINVAL && tm.error &&
		       strstr(tm.error, "not enough usable CPUs (2) for 3 partitions") &&
		       tm.duration_ns < 5 * NSEC_PER_SEC && tm.nworkers == 2,
		       "failed op ends the scenario: %s", tm.error ? tm.error : "(no error)");
		tap_ok(count_events(&tm, EVT_STEP_START, "bad") == 1 &&
		       count_events(&tm, EVT_SCENARIO_END, "unit") == 1 &&
		       tm.events[tm.nevents - 1].kind == EVT_SCENARIO_END,
		       "the timeline still closes with scenario_end");
		telemetry__free(&tm);
	}

	/* The agent's tick stops the scenario early; the workers still report. */
	{
		struct workload_hooks h = { .event = on_event, .tick = stop_after_3 };

		make_test(&t, &cg, &w, WORK_CPU_SPIN, 1);
		t.duration_ns = 10 * NSEC_PER_SEC;
		ticks = 0;
		ret = workload__run(&t, &topo, NULL, &h, &tm);
		tap_ok(!ret && tm.duration_ns < 2 * NSEC_PER_SEC && tm.nworkers == 1 &&
		       tm.workers[0].work_units > 0 && count_events(&tm, EVT_NOTE, "abort") == 1,
		       "tick stops a 10s scenario after %.2fs", tm.duration_ns / 1e9);
		telemetry__free(&tm);
	}

	/* A worker whose affinity cannot be applied is reported, and runs anyway. */
	make_test(&t, &cg, &w, WORK_CPU_SPIN, 1);
	w.affinity = AFFINITY_EXACT;
	cpumask_zero(&w.affinity_cpus);
	cpumask_set(&w.affinity_cpus, KTSTR_MAX_CPUS - 1);
	ret = run(&t, &tm);
	{
		const struct timeline_event *e = NULL;

		for (size_t i = 0; i < tm.nevents; i++)
			if (str_eq(tm.events[i].label, "worker") && tm.events[i].error)
				e = &tm.events[i];
		tap_ok(!ret && e && strstr(e->detail, "sched_setaffinity: Invalid argument") &&
		       tm.nworkers == 1 && tm.workers[0].work_units > 0,
		       "affinity failure noted, worker ran anyway: %s", e ? e->detail : "(no note)");
	}
	telemetry__free(&tm);

	/*
	 * Isolation is judged against what the harness granted: a worker whose
	 * affinity is widened behind its back still reports its cgroup's
	 * cpuset {0} (reading its own cpuset or affinity at the end said 0-1).
	 */
	{
		struct workload_hooks h = { .event = on_event, .tick = widen_children };
		char buf[64], buf2[64];

		make_test(&t, &cg, &w, WORK_CPU_SPIN, 1);
		cg.cpuset.kind = CPUSET_EXACT;
		cpumask_zero(&cg.cpuset.cpus);
		cpumask_set(&cg.cpuset.cpus, 0);
		ret = workload__run(&t, &topo, NULL, &h, &tm);
		tap_ok(!ret && tm.nworkers == 1 && cpumask_equal(&tm.workers[0].allowed, &cg.cpuset.cpus),
		       "escaped worker: granted %s (CPUs used %s)",
		       tm.nworkers ? cpumask_format(&tm.workers[0].allowed, buf, sizeof(buf)) : "-",
		       tm.nworkers ? cpumask_format(&tm.workers[0].cpus_used, buf2, sizeof(buf2)) : "-");
		telemetry__free(&tm);
	}

	/* A cpuset op mid-run: the grant is the union of the cpusets given over time. */
	{
		struct spec_op set1[1] = { { .kind = OP_SET_CPUSET, .cgroup = (char *)"cg_0",
					     .cpuset = { .kind = CPUSET_EXACT } } };
		struct spec_step steps[1] = {
			{ .name = (char *)"move", .ops = set1, .nops = 1,
			  .hold = { .kind = HOLD_FIXED, .ns = 150 * NSEC_PER_MSEC } },
		};
		struct cpumask want;
		char buf[64];

		make_test(&t, &cg, &w, WORK_CPU_SPIN, 1);
		cg.cpuset.kind = CPUSET_EXACT;
		cpumask_zero(&cg.cpuset.cpus);
		cpumask_set(&cg.cpuset.cpus, 0);
		cpumask_set(&set1[0].cpuset.cpus, 1);
		t.steps = steps;
		t.nsteps = 1;
		ret = run(&t, &tm);
		cpumask_parse("0-1", &want);
		tap_ok(!ret && tm.nworkers == 1 && cpumask_equal(&tm.workers[0].allowed, &want),
		       "cpuset {0} then set_cpuset {1}: granted %s",
		       tm.nworkers ? cpumask_format(&tm.workers[0].allowed, buf, sizeof(buf)) : "-");
		telemetry__free(&tm);
	}

	/*
	 * Zero work means the scheduler never ran a worker, not that a partner
	 * was slow (as ktstr counts it): a contender that never gets the lock
	 * and a receiver whose messenger never broadcasts still report the CPU
	 * they were given. (Both reported 0 before, and a slow VM run flaked.)
	 */
	{
		int64_t mp[WORK_MAX_PARAMS] = { 4, 256, 1024 };
		int64_t fp[WORK_MAX_PARAMS] = { 2, 1024 };
		struct group_shm shm;
		uint64_t units, iters;

		memset(&shm, 0, sizeof(shm));
		shm.futex[2] = 2;	/* held (and contended) by a partner that never lets go */
		units = run_alone(WORK_MUTEX_CONTENTION, mp, 1, 4, &shm, 200, &iters);
		tap_ok(units >= 1024 && iters == 0,
		       "MutexContention: a contender locked out for 200ms reports %llu units outside the lock",
		       (unsigned long long)units);
		memset(&shm, 0, sizeof(shm));
		units = run_alone(WORK_FUTEX_FAN_OUT, fp, 1, 3, &shm, 200, &iters);
		tap_ok(units >= 1024 && iters == 0,
		       "FutexFanOut: a receiver never woken for 200ms reports %llu units of its own spin",
		       (unsigned long long)units);
	}

	/* Sequence without phases is refused. */
	make_test(&t, &cg, &w, WORK_SEQUENCE, 1);
	ret = run(&t, &tm);
	tap_ok(ret == -EINVAL && tm.error && strstr(tm.error, "at least one phase"),
	       "Sequence without phases rejected");
	telemetry__free(&tm);
	return tap_done();
}
