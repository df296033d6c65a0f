// SPDX-License-Identifier: GPL-2.0-only
/*
 * Feeds the report renderers nine synthetic results (PASS, FAIL with stats,
 * a timeline and an auto-repro rerun, SKIP, ERROR, TIMEOUT, two repeats of
 * which one fails, a monitor failure with its samples, a payload failing
 * and passing its metric checks; names with XML/TAP specials and an invalid
 * UTF-8 byte) and writes: TAP on stdout, the text report on stderr,
 * DIR/junit.xml and DIR/<n>.json. tests/check/report-validate.sh checks them
 * with automake's tap-driver.sh and python3's XML and JSON parsers.
 */
#include "check/check.h"
#include "check/repro.h"
#include "monitor/monitor.h"
#include "proto/msg.h"
#include "report/report.h"

static const char console[] = "[    0.0] Linux version 7.3.4\r\n[    1.0] Run /init as init process\r\n";
/* The tail reports show: the console's lines without the serial line's CRs. */
static const char console_tail[] = "[    0.0] Linux version 7.3.4\n[    1.0] Run /init as init process\n";

static struct test_result *result(const char *name, enum test_status st, const char *reason)
{
	struct test_result *t = xcalloc(1, sizeof(*t));

	t->name = xstrdup(name);
	t->spec_path = xstrdup("specs/steady.yaml");
	t->status = st;
	t->reason = reason ? xstrdup(reason) : NULL;
	t->topology = xstrdup("1n1l2c1t");
	t->scheduler = xstrdup("eevdf");
	t->kernel = xstrdup("7.3.4 (KTSTR_TEST_KERNEL)");
	t->accel = xstrdup("tcg (no vmx/svm in /proc/cpuinfo)");
	t->elapsed_ns = 2345 * NSEC_PER_MSEC;
	thresholds__defaults(&t->thresholds, true);
	return t;
}

/* stress-ng --yaml's metrics, abridged: what a payload 'stress' printed. */
static const char stress_yaml[] = "---\nmetrics:\n    - stressor: cpu\n      bogo-ops: 41.2\n"
				  "      bogo-ops-per-second-real-time: 20.6\n      wall-clock-time: 2.0\n"
				  "      user-time: 1.9\n...\n";

/* A run judged by the real checks; gap_ms 3500 makes one worker stuck (FAIL); payload: its stdout. */
static void judged_run_payload(struct test_result *t, const struct spec_test *spec, uint64_t gap_ms,
			       const char *payload)
{
	struct run_result *rr = array_push(&t->runs, &t->nruns, sizeof(*rr));
	struct telemetry *tel = &rr->telemetry;
	struct timeline_event *e;

	for (int i = 0; i < 2; i++) {
		struct worker_report *w = array_push(&tel->workers, &tel->nworkers, sizeof(*w));

		w->pid = 100 + i;
		w->cgroup = xstrdup("cg_0");
		w->work_units = 50000;
		w->iterations = 700;
		w->cpu_time_ns = NSEC_PER_SEC;
		w->wall_time_ns = 2 * NSEC_PER_SEC;
		w->off_cpu_ns = NSEC_PER_SEC;
		w->max_gap_ns = (i ? gap_ms : 20) * NSEC_PER_MSEC;
		w->max_gap_cpu = 1;
		w->max_gap_at_ns = 1200 * NSEC_PER_MSEC;
		w->completed = true;
		cpumask_set(&w->cpus_used, i);
	}
	tel->duration_ns = 2 * NSEC_PER_SEC;
	e = array_push(&tel->events, &tel->nevents, sizeof(*e));
	e->kind = EVT_SCENARIO_START;
	e->step = -1;
	e = array_push(&tel->events, &tel->nevents, sizeof(*e));
	e->kind = EVT_OP;
	e->at_ns = 500 * NSEC_PER_MSEC;
	e->step = 0;
	e->label = xstrdup("set_cpuset");
	e->detail = xstrdup("cg_0 cpuset 0-1 -> 1");
	if (payload) {
		struct payload_report *p = array_push(&tel->payloads, &tel->npayloads, sizeof(*p));

		*p = (struct payload_report){ .name = xstrdup("stress"), .cgroup = xstrdup(""),
					      .out = xstrdup(payload), .err = xstrdup("") };
	}
	check__evaluate(spec, &t->thresholds, tel, console, sizeof(console) - 1, rr);
	t->status = test_status_worst(t->status, rr->status);
	free(t->console_tail);
	t->console_tail = xstrdup(console_tail);
}

static void judged_run(struct test_result *t, const struct spec_test *spec, uint64_t gap_ms)
{
	judged_run_payload(t, spec, gap_ms, NULL);
}

/* An auto-repro record as src/cmd/run.c makes it, from the stitched fixture trace. */
static void add_repro(struct test_result *t, const char *trace_path)
{
	struct test_repro *rp = xcalloc(1, sizeof(*rp));
	_cleanup_free_ char *trace = NULL, *text = NULL;
	json_t *js = NULL;
	size_t len = 0, n;

	if (read_file(trace_path, &trace, &len)) {
		fprintf(stderr, "report-emit: cannot read %s\n", trace_path);
		exit(1);
	}
	n = repro__stitch(trace, len, REPRO_WINDOW_NS, 1, &text, &js);
	repro__record(rp, js, n);
	json_decref(js);
	rp->trigger = xstrdup("disabled: SCX_EXIT_ERROR_STALL");
	rp->rerun = xstrdup("FAIL: runnable task stall");
	rp->dir = xstrdup("results/fail_1n1l2c1t/auto-repro");
	rp->text_path = xstrdup("results/fail_1n1l2c1t/auto-repro.txt");
	rp->json_path = xstrdup("results/fail_1n1l2c1t/auto-repro.json");
	t->repro = rp;
	t->auto_repro = xasprintf("trigger: %s\n%s", rp->trigger, text);
}

/* A run the host monitor judged: cpu0 holds 9 tasks for samples 2..7 while cpu1 holds 1. */
static void monitor_run(struct test_result *t)
{
	struct run_result *rr = array_push(&t->runs, &t->nruns, sizeof(*rr));
	struct monitor_cpu cpu[10][2];
	struct monitor_sample smp[10];
	struct monitor_series s = { .ncpus = 2, .v = smp, .n = 10, .win_start = 1, .win_end = 10,
				    .preempt_ns = 40 * NSEC_PER_MSEC, .text_va = 0xffffffff81000000ULL,
				    .text_pa = 0x1000000, .page_offset = 0xff11000000000000ULL,
				    .la57 = true };

	memset(cpu, 0, sizeof(cpu));
	for (unsigned i = 0; i < 10; i++) {
		smp[i] = (struct monitor_sample){ .at_ns = i * MONITOR_INTERVAL_NS, .valid = true,
						  .have_events = true, .cpu = cpu[i] };
		for (unsigned c = 0; c < 2; c++) {
			cpu[i][c].nr_running = c == 0 && i >= 2 && i <= 7 ? 9 : 1;
			cpu[i][c].clock = 1000000000ULL + i * MONITOR_INTERVAL_NS + c;
			cpu[i][c].local_dsq = c == 0 && i >= 2 && i <= 7 ? 8 : 0;
		}
	}
	rr->status = TEST_PASS;
	monitor__judge_series(&s, NULL, &t->thresholds, true, rr);
	t->status = test_status_worst(t->status, rr->status);
}

/* A struct_ops program of the scheduler with the verifier's count (synthetic figures). */
static void add_prog(struct run_result *rr, const char *name, uint32_t insns)
{
	struct msg_bpf_prog *p = array_push(&rr->progs, &rr->nprogs, sizeof(*p));

	*p = (struct msg_bpf_prog){ .name = xstrdup(name), .id = 40 + (uint32_t)rr->nprogs,
				    .verified_insns = insns, .xlated_len = 8 * 74,
				    .jited_len = 300 };
}

int main(int argc, char **argv)
{
	struct spec_test spec = { .name = (char *)"fail/1n1l2c1t", .duration_ns = 2 * NSEC_PER_SEC,
				  .repeats = 1,
				  .topology = { .numa_nodes = 1, .llcs = 1, .cores = 2, .threads = 1 } };
	struct spec_metric checks[] = {
		{ .name = (char *)"metrics.0.bogo-ops", .polarity = POLARITY_HIGHER_BETTER,
		  .has_min = true, .min = 1 },
		{ .name = (char *)"metrics.0.bogo-ops-per-second-real-time", .has_max = true, .max = 10 },
		{ .name = (char *)"metrics.0.wall-clock-time", .polarity = POLARITY_LOWER_BETTER },
		{ .name = (char *)"metrics.0.missing", .exists = true },
	};
	struct spec_payload pl = { .name = (char *)"stress", .output = PAYLOAD_OUT_YAML,
				   .has_exit_code = true, .metrics = checks, .nmetrics = ARRAY_SIZE(checks) };
	struct spec_test pspec;
	struct test_result *v[9];
	struct report_opts o = { .tap = true };
	struct report *r;
	struct run_result *rr;
	_cleanup_free_ char *junit = NULL;
	int ret = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: report-emit DIR REPRO-TRACE\n");
		return 2;
	}
	pspec = spec;
	pspec.payloads = &pl;
	pspec.npayloads = 1;
	junit = xasprintf("%s/junit.xml", argv[1]);
	o.junit = junit;
	v[0] = result("pass/1n1l2c1t", TEST_PASS, NULL);
	/* a PASS whose programs are near the verifier's limit: warned of, still a PASS */
	rr = array_push(&v[0]->runs, &v[0]->nruns, sizeof(*rr));
	add_prog(rr, "ktstr_enqueue", 74);
	add_prog(rr, "ktstr_below", 749999);	/* 74.9999%: under 75% */
	add_prog(rr, "ktstr_at", 750000);		/* exactly 75%: warned */
	v[1] = result("fail/1n1l2c1t", TEST_FAIL, NULL);
	free(v[1]->scheduler);
	v[1]->scheduler = xstrdup("scx_ktstr");
	judged_run(v[1], &spec, 3500);
	add_repro(v[1], argv[2]);
	v[2] = result("skip/<needs sched_ext> & \"more\"", TEST_SKIP,
		      "kernel lacks CONFIG_SCHED_CLASS_EXT # not built");
	v[3] = result("error/boot", TEST_ERROR, "QEMU exited (status 1) without a DONE from the guest during boot");
	v[3]->console_tail = xstrdup("bad byte \xff and a control \x01 char < & >\n");
	v[4] = result("timeout/run", TEST_TIMEOUT, "run timeout: no DONE from the guest in time");
	rr = array_push(&v[4]->runs, &v[4]->nruns, sizeof(*rr));
	rr->status = TEST_TIMEOUT;
	rr->phase = xstrdup("run");
	run_result__add_detail(rr, DETAIL_OTHER, "harness", NULL, "run timeout: no DONE from the guest in time");

	v[5] = result("repeat/1n1l2c1t", TEST_PASS, NULL);	/* repeats: 2, the second fails */
	judged_run(v[5], &spec, 20);
	judged_run(v[5], &spec, 3500);
	v[6] = result("monitor/1n1l2c1t", TEST_PASS, NULL);
	free(v[6]->scheduler);
	v[6]->scheduler = xstrdup("scx_ktstr");
	monitor_run(v[6]);
	add_prog(&v[6]->runs[0], "ktstr_dispatch", 801000);
	/* a payload whose rate is over its max, one metric missing: FAIL */
	v[7] = result("payload/1n1l2c1t", TEST_PASS, NULL);
	judged_run_payload(v[7], &pspec, 20, stress_yaml);
	/* the same payload within its checks (no missing metric, max 100): PASS */
	v[8] = result("payload-pass/1n1l2c1t", TEST_PASS, NULL);
	checks[1].max = 100;
	checks[3].exists = false;
	judged_run_payload(v[8], &pspec, 20, stress_yaml);
	checks[1].max = 10;
	checks[3].exists = true;

	r = report__new(&o);
	report__begin(r, ARRAY_SIZE(v));
	report__progress(r, "pass/1n1l2c1t", "boot", NSEC_PER_SEC, 2 * NSEC_PER_SEC);
	report__progress(r, "pass/1n1l2c1t", "boot", NSEC_PER_SEC + 1, 2 * NSEC_PER_SEC);
	report__progress(r, "pass/1n1l2c1t", "run", 3 * NSEC_PER_SEC, 2 * NSEC_PER_SEC);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		_cleanup_free_ char *path = xasprintf("%s/%zu.json", argv[1], i);

		report__test_done(r, v[i]);
		if (report__write_json(v[i], i == 1 || i == 5 ? &spec : i >= 7 ? &pspec : NULL, path))
			ret = 1;
	}
	if (report__end(r))
		ret = 1;
	report__free(r);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		test_result__free(v[i]);
		free(v[i]);
	}
	return ret;
}
