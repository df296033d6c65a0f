// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the checks: synthetic telemetry through check__evaluate(),
 * one passing and one failing case per check with the exact message, the
 * layered threshold merge, the stats block and the automake exit codes.
 */
#include <math.h>
#include "tap.h"
#include "check/check.h"

static const char clean_console[] = "[    0.000000] Linux version 7.3.4\n[    1.0] Run /init as init process\n";

static struct telemetry tel;
static struct thresholds th;
static struct spec_test spec;
static struct run_result res;

/* A healthy worker: steady progress, 50% off-CPU, short gaps, one CPU. */
static struct worker_report *add_worker(const char *cg, int pid)
{
	struct worker_report *w = array_push(&tel.workers, &tel.nworkers, sizeof(*w));

	w->pid = pid;
	w->cgroup = xstrdup(cg);
	w->work_units = 100000;
	w->iterations = 1000;
	w->cpu_time_ns = 1 * NSEC_PER_SEC;
	w->wall_time_ns = 2 * NSEC_PER_SEC;
	w->off_cpu_ns = 1 * NSEC_PER_SEC;
	w->max_gap_ns = 10 * NSEC_PER_MSEC;
	w->max_gap_cpu = 0;
	w->max_gap_at_ns = 100 * NSEC_PER_MSEC;
	w->completed = true;
	cpumask_set(&w->cpus_used, 0);
	return w;
}

static void reset(void)
{
	run_result__free(&res);
	telemetry__free(&tel);
	memset(&spec, 0, sizeof(spec));
	spec.topology = (struct spec_topology){ .numa_nodes = 1, .llcs = 1, .cores = 2, .threads = 1 };
	thresholds__defaults(&th, false);
}

static void set_thr(enum thr_id id, double v)
{
	th.v[id].state = THR_SET;
	th.v[id].value = v;
	th.v[id].layer = THR_LAYER_SPEC;
}

static void evaluate(void)
{
	run_result__free(&res);
	check__evaluate(&spec, &th, &tel, clean_console, sizeof(clean_console) - 1, &res);
}

static void show_details(void)
{
	printf("  ---\n  status: %s\n  details:\n", test_status_name(res.status));
	for (size_t i = 0; i < res.ndetails; i++)
		printf("    - '%s'\n", res.details[i].message);
	printf("  ...\n");
}

/* The run failed with exactly this message among its details. */
static void expect_fail(const char *msg, const char *name)
{
	bool found = false;

	for (size_t i = 0; i < res.ndetails; i++)
		found |= str_eq(res.details[i].message, msg);
	if (!tap_ok(res.status == TEST_FAIL && found, "%s fails: %s", name, msg))
		show_details();
}

static void expect_pass(const char *name)
{
	if (!tap_ok(res.status == TEST_PASS && res.ndetails == 0, "%s passes", name))
		show_details();
}

static void two_workers(void)
{
	add_worker("cg_0", 1);
	add_worker("cg_0", 2);
}

static void fill_wake(struct worker_report *w, size_t n, uint64_t (*f)(size_t))
{
	w->wake_ns = xcalloc(n, sizeof(uint64_t));
	w->nwake = n;
	w->wake_sample_total = n;
	for (size_t i = 0; i < n; i++)
		w->wake_ns[i] = f(i);
}

static uint64_t ramp(size_t i) { return (i + 1) * 1000; }
static uint64_t flat(size_t i) { return 2000; }
static uint64_t two_level(size_t i) { return i % 2 ? 3000 : 1000; }

static void test_starved(void)
{
	reset();
	two_workers();
	evaluate();
	expect_pass("healthy baseline with default thresholds");
	reset();
	two_workers();
	tel.workers[1].pid = 42;
	tel.workers[1].work_units = 0;
	evaluate();
	expect_fail("tid 42 starved (0 work units)", "not_starved");
	tap_is_int(res.details[0].kind, DETAIL_STARVED, "starved detail kind");
	reset();
	two_workers();
	tel.workers[1].work_units = 0;
	th.v[THR_NOT_STARVED].state = THR_OFF;
	evaluate();
	expect_pass("not_starved switched off by a later layer");
}

static void test_spread(void)
{
	reset();
	two_workers();
	tel.workers[0].off_cpu_ns = 200 * NSEC_PER_MSEC;	/* 10% */
	tel.workers[1].off_cpu_ns = 400 * NSEC_PER_MSEC;	/* 20% */
	evaluate();
	expect_pass("spread 10% within 15%");
	tel.workers[1].off_cpu_ns = 800 * NSEC_PER_MSEC;	/* 40% */
	evaluate();
	expect_fail("unfair cgroup: spread=30.0% (10.0-40.0%) 2 workers on 1 cpus", "max_spread_pct");
	thresholds__defaults(&th, true);			/* TCG: 35% */
	evaluate();
	expect_pass("spread 30% within the relaxed 35%");
}

static void test_gap(void)
{
	reset();
	two_workers();
	tel.workers[1].max_gap_ns = 1500 * NSEC_PER_MSEC;
	evaluate();
	expect_pass("gap 1500ms within 2000ms");
	tel.workers[1].max_gap_ns = 3500 * NSEC_PER_MSEC;
	tel.workers[1].max_gap_cpu = 1;
	tel.workers[1].max_gap_at_ns = 1200 * NSEC_PER_MSEC;
	evaluate();
	expect_fail("stuck 3500ms on cpu1 at +1200ms", "max_gap_ms");
	tap_is_int(res.cgroups[0].max_gap_ms, 3500, "cgroup stats carry the worst gap");
}

static void test_isolation(void)
{
	reset();
	set_thr(THR_ISOLATION, 1);
	add_worker("cg_0", 7);
	cpumask_parse("0-1", &tel.workers[0].allowed);
	cpumask_parse("0-1", &tel.workers[0].cpus_used);
	evaluate();
	expect_pass("isolation: stayed inside the cpuset");
	cpumask_parse("0-3", &tel.workers[0].cpus_used);
	evaluate();
	expect_fail("tid 7 ran on unexpected CPUs [2-3]", "isolation");
	/* The guest grants a cgroup without a cpuset every CPU. */
	cpumask_parse("0-3", &tel.workers[0].allowed);
	evaluate();
	expect_pass("isolation: a cgroup granted every CPU cannot fail");
	/* A cpuset changed mid-run: the guest reports the union it granted. */
	cpumask_parse("0-1,3", &tel.workers[0].allowed);
	evaluate();
	expect_fail("tid 7 ran on unexpected CPUs [2]", "isolation");
	cpumask_zero(&tel.workers[0].allowed);
	evaluate();
	expect_pass("isolation is not judged without a reported grant");
}

static void test_throughput(void)
{
	reset();
	two_workers();
	set_thr(THR_MAX_THROUGHPUT_CV, 0.2);
	set_thr(THR_MIN_WORK_RATE, 500);
	evaluate();
	expect_pass("equal throughput, rate above the floor");
	tel.workers[0].work_units = 1000;
	tel.workers[1].work_units = 3000;
	set_thr(THR_MIN_WORK_RATE, 0);
	evaluate();
	expect_fail("throughput CV 0.707 exceeds limit 0.200 (2 workers)", "max_throughput_cv");
	th.v[THR_MAX_THROUGHPUT_CV].state = THR_OFF;
	set_thr(THR_MIN_WORK_RATE, 1500);
	tel.workers[0].pid = 5;
	evaluate();
	expect_fail("worker 5 throughput 1000.0 units/cpu-s below floor 1500.0", "min_work_rate");
}

static void test_wake(void)
{
	reset();
	fill_wake(add_worker("cg_0", 1), 100, ramp);
	set_thr(THR_MAX_P99_WAKE_LATENCY_NS, 100000);
	evaluate();
	expect_pass("p99 99000ns within 100000ns");
	set_thr(THR_MAX_P99_WAKE_LATENCY_NS, 50000);
	evaluate();
	expect_fail("p99 wake latency 99000ns exceeds limit 50000ns (100 samples)", "max_p99_wake_latency_ns");

	reset();
	fill_wake(add_worker("cg_0", 1), 100, flat);
	set_thr(THR_MAX_WAKE_LATENCY_CV, 0.3);
	evaluate();
	expect_pass("flat wake latencies");
	telemetry__free(&tel);
	fill_wake(add_worker("cg_0", 1), 100, two_level);
	evaluate();
	expect_fail("wake latency CV 0.503 exceeds limit 0.300 (100 samples)", "max_wake_latency_cv");
}

static void test_iteration_rate(void)
{
	reset();
	add_worker("cg_0", 5);
	set_thr(THR_MIN_ITERATION_RATE, 100);
	evaluate();
	expect_pass("500 iterations/s above 100/s");
	tel.workers[0].iterations = 100;
	evaluate();
	expect_fail("worker 5 iteration rate 50.0/s below floor 100.0/s", "min_iteration_rate");
}

static void test_migration(void)
{
	reset();
	two_workers();
	set_thr(THR_MAX_MIGRATION_RATIO, 0.1);
	tel.workers[0].migration_count = tel.workers[1].migration_count = 10;
	evaluate();
	expect_pass("migration ratio 0.01");
	tel.workers[0].iterations = tel.workers[1].iterations = 100;
	tel.workers[0].migration_count = tel.workers[1].migration_count = 50;
	evaluate();
	expect_fail("migration ratio 0.500 exceeds limit 0.100 (100 migrations / 200 iterations)",
		    "max_migration_ratio");
}

static void test_numa(void)
{
	struct worker_report *w;

	reset();
	spec.topology = (struct spec_topology){ .numa_nodes = 2, .llcs = 2, .cores = 1, .threads = 1 };
	w = add_worker("cg_0", 1);
	w->numa_pages[0] = 90;
	w->numa_pages[1] = 10;
	set_thr(THR_MIN_PAGE_LOCALITY, 0.8);
	set_thr(THR_MAX_CROSS_NODE_MIGRATION_RATIO, 0.1);
	evaluate();
	expect_pass("90% local pages, no migration");
	w->numa_pages[0] = 30;
	w->numa_pages[1] = 70;
	evaluate();
	expect_fail("page locality 0.300 below threshold 0.800 (30/100 pages local)", "min_page_locality");
	th.v[THR_MIN_PAGE_LOCALITY].state = THR_OFF;
	w->numa_pages_migrated = 40;
	evaluate();
	expect_fail("cross-node migration ratio 0.400 exceeds limit 0.100 (40/100 pages migrated)",
		    "max_cross_node_migration_ratio");

	/* Two nodes, one LLC: node 1 has memory but no CPUs. */
	reset();
	spec.topology = (struct spec_topology){ .numa_nodes = 2, .llcs = 1, .cores = 2, .threads = 1 };
	w = add_worker("cg_0", 1);
	w->numa_pages[0] = 90;
	w->numa_pages[1] = 10;
	set_thr(THR_MAX_SLOW_TIER_RATIO, 0.2);
	evaluate();
	expect_pass("10% of pages on the memory-only node");
	w->numa_pages[0] = w->numa_pages[1] = 50;
	evaluate();
	expect_fail("slow-tier page ratio 0.500 exceeds limit 0.200 (50/100 pages on memory-only nodes)",
		    "max_slow_tier_ratio");
}

static void test_scheduler_death(void)
{
	struct timeline_event *e;

	reset();
	two_workers();
	e = array_push(&tel.events, &tel.nevents, sizeof(*e));
	e->kind = EVT_NOTE;
	e->at_ns = 1500 * NSEC_PER_MSEC;
	e->label = xstrdup("scheduler_died");
	evaluate();
	expect_fail("scheduler process died during workload (1.5s into test)", "scheduler death event");
	telemetry__free(&tel);
	two_workers();
	run_result__free(&res);
	run_result__add_detail(&res, DETAIL_SCHEDULER_DIED, "scheduler", NULL,
			       "scheduler process died during workload (0.4s into test)");
	check__evaluate(&spec, &th, &tel, clean_console, sizeof(clean_console) - 1, &res);
	expect_fail("scheduler process died during workload (0.4s into test)", "runner's death detail kept");
	reset();
	two_workers();
	tel.error = xstrdup("cpuset.cpus: Permission denied");
	evaluate();
	tap_is_int(res.status, TEST_ERROR, "a workload error is an ERROR, not a FAIL");
	reset();
	two_workers();
	run_result__free(&res);
	check__evaluate(&spec, &th, &tel, NULL, 0, &res);
	expect_fail("console log missing or empty: kernel errors cannot be ruled out", "missing console");
}

static void test_stats(void)
{
	_cleanup_free_ char *text = NULL;

	reset();
	two_workers();
	add_worker("cg_1", 3);
	tel.workers[0].migration_count = 3;
	tel.workers[1].off_cpu_ns = 1200 * NSEC_PER_MSEC;
	tel.workers[1].max_gap_ns = 890 * NSEC_PER_MSEC;
	cpumask_set(&tel.workers[2].cpus_used, 1);
	evaluate();
	res.telemetry = tel;	/* the runner hands its telemetry to the result */
	text = run_result__stats_text(&res);
	memset(&res.telemetry, 0, sizeof(res.telemetry));
	tap_is_str(text,
		   "3 workers, 2 cpus, 3 migrations, worst_spread=10.0%, worst_gap=890ms\n"
		   "  cg_0: workers=2 cpus=1 spread=10.0% gap=890ms migrations=3 iter=2000\n"
		   "  cg_1: workers=1 cpus=2 spread=0.0% gap=10ms migrations=0 iter=1000\n",
		   "--- stats --- block in ktstr's format");
}

static void test_thresholds(void)
{
	struct thresholds plugin = { 0 }, specl = { 0 };
	_cleanup_free_ char *desc = NULL;
	double v;

	thresholds__defaults(&th, false);
	plugin.v[THR_MAX_GAP_MS] = (struct threshold_val){ THR_SET, 5000, 0 };
	plugin.v[THR_MAX_SPREAD_PCT] = (struct threshold_val){ THR_SET, 25, 0 };
	specl.v[THR_MAX_SPREAD_PCT] = (struct threshold_val){ THR_OFF, 0, 0 };
	specl.v[THR_ISOLATION] = (struct threshold_val){ THR_SET, 1, 0 };
	thresholds__merge(&th, &plugin, THR_LAYER_PLUGIN);
	thresholds__merge(&th, &specl, THR_LAYER_SPEC);
	tap_ok(thresholds__active(&th, THR_MAX_GAP_MS, &v) && v == 5000 &&
	       th.v[THR_MAX_GAP_MS].layer == THR_LAYER_PLUGIN, "scheduler layer overrides max_gap_ms");
	tap_ok(!thresholds__active(&th, THR_MAX_SPREAD_PCT, NULL) &&
	       th.v[THR_MAX_SPREAD_PCT].layer == THR_LAYER_SPEC, "spec layer switches spread off");
	tap_ok(thresholds__active(&th, THR_ISOLATION, NULL), "spec layer switches isolation on");
	tap_ok(th.v[THR_NOT_STARVED].layer == THR_LAYER_DEFAULT, "untouched values keep the default layer");
	tap_is_str(thresholds__evaluation(&th, THR_MAX_IMBALANCE_RATIO), "not evaluated (no monitor data)",
		   "monitor thresholds are never reported as passed");
	tap_is_str(thresholds__evaluation(&th, THR_MAX_SPREAD_PCT), "off", "off state");
	{
		unsigned rows[THR__COUNT] = { 0 };
		bool same = true;

		for (size_t i = 0; i < check_table_len; i++)
			rows[check_table[i].thr] += check_table[i].run != NULL;
		for (unsigned i = 0; i < THR__COUNT; i++)
			same &= rows[i] == !threshold_table[i].monitor;
		tap_ok(same, "check_table has one row per threshold that is not a monitor threshold");
	}
	tap_is_str(thresholds__evaluation(&th, THR_MAX_GAP_MS), "on", "on state");
	th.v[THR_NOT_STARVED].state = THR_OFF;
	tap_is_str(thresholds__evaluation(&th, THR_MAX_GAP_MS), "off (needs not_starved)",
		   "gap check is gated by not_starved");
	thresholds__defaults(&th, true);
	{
		size_t len;
		FILE *f = open_memstream(&desc, &len);

		thresholds__describe(&th, false, f);
		fclose(f);
	}
	tap_ok(str_startswith(desc, "  thresholds (relaxed TCG defaults):") &&
	       strstr(desc, "max_gap_ms                       3000ms") != NULL,
	       "plan says TCG relaxation and shows the relaxed gap");
}

static void test_exit_codes(void)
{
	struct test_result a = { .status = TEST_PASS }, b = { .status = TEST_SKIP },
			   c = { .status = TEST_FAIL }, d = { .status = TEST_ERROR },
			   e = { .status = TEST_TIMEOUT };
	const struct test_result *v[3];

	v[0] = &a; v[1] = &b;
	tap_is_int(test_results__exit_code(v, 2), 0, "pass + skip exits 0");
	v[0] = &b; v[1] = &b;
	tap_is_int(test_results__exit_code(v, 2), 77, "all skipped exits 77");
	v[0] = &a; v[1] = &c;
	tap_is_int(test_results__exit_code(v, 2), 1, "a FAIL exits 1");
	v[0] = &c; v[1] = &d;
	tap_is_int(test_results__exit_code(v, 2), 99, "ERROR outranks FAIL");
	v[0] = &b; v[1] = &e; v[2] = &c;
	tap_is_int(test_results__exit_code(v, 3), 99, "TIMEOUT exits 99");
	tap_is_int(test_status_worst(TEST_FAIL, TEST_TIMEOUT), TEST_TIMEOUT, "worst of FAIL, TIMEOUT");
	tap_is_int(test_status_worst(TEST_SKIP, TEST_PASS), TEST_SKIP, "worst of SKIP, PASS");
	tap_is_str(test_status_name(TEST_TIMEOUT), "TIMEOUT", "status names");
}

/*
 * 'baseline: eevdf': the scheduler's half against EEVDF's of the same boot.
 * Two workers each ran 1 s of CPU in 2 s under EEVDF; under the scheduler
 * one did a quarter of the work in a quarter of the CPU time.
 */
static void test_baseline(void)
{
	struct telemetry base = { .duration_ns = 2 * NSEC_PER_SEC };
	const struct baseline_ratio *share = NULL, *rate = NULL;
	_cleanup_free_ char *stats = NULL;

	reset();
	two_workers();
	tel.duration_ns = 2 * NSEC_PER_SEC;
	base.workers = tel.workers;	/* the EEVDF half: the same two healthy workers */
	base.nworkers = tel.nworkers;
	tel.workers = NULL;
	tel.nworkers = 0;
	add_worker("cg_0", 3);
	add_worker("cg_0", 4)->cpu_time_ns = 0;
	tel.workers[1].work_units = 0;
	tel.workers[0].cpu_time_ns /= 2;
	tel.workers[0].work_units /= 2;
	run_result__free(&res);
	check__baseline(&spec, &base, &res);
	tap_ok(res.baseline.present && !base.workers && res.baseline.ncgroups == 1,
	       "check__baseline takes the EEVDF half's telemetry and its cgroup figures");
	set_thr(THR_MIN_WORK_RATE_RATIO, 0.9);
	set_thr(THR_MIN_CPU_SHARE_RATIO, 0.5);
	check__evaluate(&spec, &th, &tel, clean_console, sizeof(clean_console) - 1, &res);
	for (size_t i = 0; i < res.baseline.nratios; i++) {
		if (str_eq(res.baseline.ratios[i].metric, "cpu_share"))
			share = &res.baseline.ratios[i];
		if (str_eq(res.baseline.ratios[i].metric, "work_rate"))
			rate = &res.baseline.ratios[i];
	}
	tap_ok(share && rate && fabs(share->ratio - 0.25) < 1e-9 && fabs(rate->ratio - 0.25) < 1e-9 &&
	       fabs(share->eevdf - 1.0) < 1e-9, "ratios: CPU share and work rate 0.25x of EEVDF's");
	expect_fail("work rate 0.25x of EEVDF's in the same boot (25000.0/s against 100000.0/s) "
		    "below floor 0.90x", "min_work_rate_ratio");
	expect_fail("CPU share 0.25x of EEVDF's in the same boot (0.25 CPUs against 1.00 CPUs) "
		    "below floor 0.50x", "min_cpu_share_ratio");
	stats = run_result__stats_text(&res);
	tap_ok(strstr(stats, "cg_0 vs EEVDF (same boot): work_rate=0.25x cpu_share=0.25x") != NULL,
	       "the stats block shows the ratios");
	set_thr(THR_MIN_WORK_RATE_RATIO, 0.2);
	set_thr(THR_MIN_CPU_SHARE_RATIO, 0.2);
	evaluate();
	tap_ok(res.baseline.nratios == 0, "without a baseline there are no ratios");
	reset();
}

/* --retries: what is retried, how often, and what a retry that passes makes of the test. */
static void test_retries(void)
{
	struct test_result f = { .status = TEST_FLAKY }, s = { .status = TEST_SKIP },
			   t = { .status = TEST_FAIL };
	const struct test_result *v[2] = { &f, &s };
	struct run_result *rr;

	tap_is_str(test_status_name(TEST_FLAKY), "FLAKY", "FLAKY has a name");
	tap_is_int(test_results__exit_code(v, 2), 0, "FLAKY + SKIP exits 0 (FLAKY counts as passed)");
	v[0] = &f; v[1] = &f;
	tap_is_int(test_results__exit_code(v, 2), 0, "all FLAKY exits 0, not 77");
	tap_ok(!test_status__retry(TEST_PASS, 1, 3) && !test_status__retry(TEST_SKIP, 1, 3),
	       "PASS and SKIP are final");
	tap_ok(test_status__retry(TEST_FAIL, 1, 1) && test_status__retry(TEST_ERROR, 1, 1) &&
	       test_status__retry(TEST_TIMEOUT, 1, 1), "FAIL, ERROR and TIMEOUT are retried");
	tap_ok(!test_status__retry(TEST_FAIL, 2, 1) && !test_status__retry(TEST_FAIL, 1, 0),
	       "--retries 1 allows two attempts; --retries 0 one");

	/* attempt 1 fails, attempt 2 passes: FLAKY with the first failure named */
	t.reason = xstrdup("stuck 3500ms on cpu1");
	rr = array_push(&t.runs, &t.nruns, sizeof(*rr));
	rr->status = TEST_FAIL;
	test_result__push_attempt(&t, xstrdup("/r/x/attempt-1"), 5);
	tap_ok(t.nattempts == 1 && t.attempts[0].status == TEST_FAIL && t.nruns == 0 &&
	       !t.reason && t.status == TEST_PASS && str_eq(t.attempts[0].dir, "/r/x/attempt-1"),
	       "an attempt keeps its status, reason and dir; the test starts afresh");
	test_result__settle(&t);
	tap_is_int(t.status, TEST_FLAKY, "a pass after a failed attempt is FLAKY");
	tap_is_str(t.reason, "passed on attempt 2; attempt 1: FAIL: stuck 3500ms on cpu1",
		   "FLAKY's reason names the attempt that passed and the first failure");
	/* attempt 2 fails again: the last attempt's verdict stands */
	t.status = TEST_TIMEOUT;
	free(t.reason);
	t.reason = xstrdup("run timed out");
	test_result__settle(&t);
	tap_ok(t.status == TEST_TIMEOUT && str_eq(t.reason, "run timed out"),
	       "a test that never passes keeps its last verdict");
	test_result__free(&t);
	s.status = TEST_PASS;
	test_result__settle(&s);
	tap_is_int(s.status, TEST_PASS, "a first-time pass stays PASS");
}

int main(void)
{
	tap_plan(71);
	test_baseline();
	test_starved();
	test_spread();
	test_gap();
	test_isolation();
	test_throughput();
	test_wake();
	test_iteration_rate();
	test_migration();
	test_numa();
	test_scheduler_death();
	test_stats();
	test_thresholds();
	test_exit_codes();
	test_retries();
	reset();
	return tap_done();
}
