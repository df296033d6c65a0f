// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for check__verdict() and check__first_reason(): synthetic VM
 * session results (how QEMU ended, what the channel carried) turned into a
 * run's status, phase and exact messages, without booting anything.
 */
#include "tap.h"
#include "check/verdict.h"

static const char clean_console[] = "[    0.000000] Linux version 7.3.4\n[    1.0] Run /init as init process\n";

static struct spec_test spec;
static struct thresholds th;
static struct vm_session_run sr;
static struct run_result rr;
static const struct check_verdict_in spec_in = { .mode = VERDICT_SPEC, .t = &spec, .th = &th };

/* A healthy worker, as tests/check/test-check.c makes them. */
static void add_worker(struct telemetry *tel, const char *cg, int pid, uint64_t units)
{
	struct worker_report *w = array_push(&tel->workers, &tel->nworkers, sizeof(*w));

	w->pid = pid;
	w->cgroup = xstrdup(cg);
	w->work_units = units;
	w->iterations = 1000;
	w->cpu_time_ns = 1 * NSEC_PER_SEC;
	w->wall_time_ns = 2 * NSEC_PER_SEC;
	w->off_cpu_ns = 1 * NSEC_PER_SEC;
	w->max_gap_ns = 10 * NSEC_PER_MSEC;
	w->max_gap_at_ns = 100 * NSEC_PER_MSEC;
	w->completed = true;
	cpumask_set(&w->cpus_used, 0);
}

/* A boot that went all the way: HELO, TOPO, RSLT from two healthy workers, DONE, QEMU exit. */
static void reset_done(void)
{
	vm_session_run__free(&sr);
	run_result__free(&rr);
	memset(&spec, 0, sizeof(spec));
	spec.topology = (struct spec_topology){ .numa_nodes = 1, .llcs = 1, .cores = 2, .threads = 1 };
	thresholds__defaults(&th, false);
	sr.vm.outcome = VM_DONE;
	sr.vm.phase = "teardown";
	sr.vm.got_hello = sr.vm.got_done = true;
	sr.vm.boot_ns = 3 * NSEC_PER_SEC;
	sr.vm.run_ns = 2 * NSEC_PER_SEC;
	sr.vm.console = xstrdup(clean_console);
	sr.vm.console_len = strlen(clean_console);
	sr.chan.topo = sr.chan.have_done = sr.chan.have_result = true;
	add_worker(&sr.chan.tel, "cg_0", 1, 100000);
	add_worker(&sr.chan.tel, "cg_0", 2, 100000);
	sr.mon_why = "no monitor in a unit test";
	sr.boot_attempts = 1;
}

static bool has_detail(enum detail_kind kind, const char *msg)
{
	for (size_t i = 0; i < rr.ndetails; i++)
		if (rr.details[i].kind == kind && str_eq(rr.details[i].message, msg))
			return true;
	return false;
}

static void show(void)
{
	printf("  ---\n  status: %s\n  phase: %s\n  details:\n", test_status_name(rr.status),
	       rr.phase ?: "-");
	for (size_t i = 0; i < rr.ndetails; i++)
		printf("    - '%s'\n", rr.details[i].message);
	printf("  ...\n");
}

/* Exactly one detail, this status, phase and message. */
static void expect_one(enum test_status st, const char *phase, const char *msg, const char *name)
{
	if (!tap_ok(rr.status == st && str_eq(rr.phase, phase) && rr.ndetails == 1 &&
		    str_eq(rr.details[0].message, msg), "%s", name))
		show();
}

static void test_pass(void)
{
	reset_done();
	check__verdict(&spec_in, &sr, &rr);
	if (!tap_ok(rr.status == TEST_PASS && rr.ndetails == 0, "a complete run with healthy workers passes"))
		show();
	tap_ok(rr.telemetry.nworkers == 2 && sr.chan.tel.nworkers == 0,
	       "the verdict takes the telemetry from the channel");
	tap_ok(rr.boot_ns == 3 * NSEC_PER_SEC && rr.run_ns == 2 * NSEC_PER_SEC,
	       "boot and run times come from the VM");
}

static void test_qemu_exited(void)
{
	reset_done();
	sr.vm.outcome = VM_EXITED;
	sr.vm.phase = "run";
	sr.vm.wait_status = 9;		/* killed by SIGKILL */
	sr.chan.have_done = false;
	sr.qemu_err = xstrdup("qemu-system-x86_64: cannot set up guest memory");
	check__verdict(&spec_in, &sr, &rr);
	expect_one(TEST_ERROR, "run",
		   "QEMU exited (killed by signal 9 (SIGKILL)) without a DONE from the guest during run: "
		   "qemu-system-x86_64: cannot set up guest memory",
		   "QEMU exited without DONE: an ERROR saying how, in which phase, and QEMU's complaint");

	reset_done();
	sr.vm.outcome = VM_EXITED;
	sr.vm.phase = "run";
	sr.vm.wait_status = 0;
	sr.vm.dropped_bytes = 10;
	sr.vm.bad_frames = 2;
	sr.chan.have_done = false;
	check__verdict(&spec_in, &sr, &rr);
	expect_one(TEST_ERROR, "run",
		   "QEMU exited (exit code 0) without a DONE from the guest during run; "
		   "channel: 10 bytes dropped (2 bad frames)",
		   "the channel's losses are said once, in the same message");

	reset_done();
	free(sr.vm.console);
	sr.vm.console = xstrdup("[ 1.0] Kernel panic - not syncing: Attempted to kill init!\n[ 1.1] ---[ end ]---\n");
	sr.vm.console_len = strlen(sr.vm.console);
	sr.vm.outcome = VM_EXITED;
	sr.vm.phase = "run";
	sr.chan.have_done = false;
	check__verdict(&spec_in, &sr, &rr);
	expect_one(TEST_ERROR, "run", "Kernel panic - not syncing: Attempted to kill init!",
		   "a panic on the console is the reason, not QEMU's exit");
}

static void test_topology_mismatch(void)
{
	reset_done();
	sr.vm.outcome = VM_STOPPED;
	sr.vm.phase = "boot";
	sr.topo_diff = xstrdup("guest has 1 CPUs, the spec wants 2");
	check__verdict(&spec_in, &sr, &rr);
	expect_one(TEST_ERROR, "boot", "guest has 1 CPUs, the spec wants 2",
		   "a topology mismatch stops the boot: an ERROR with the difference");

	reset_done();
	sr.chan.topo = false;
	check__verdict(&spec_in, &sr, &rr);
	expect_one(TEST_ERROR, "boot", "the guest never reported its topology",
		   "no TOPO frame at all is an ERROR too");
}

static void test_sched_died(void)
{
	struct test_result res = { 0 };

	reset_done();
	sr.chan.tel.workers[1].pid = 42;
	sr.chan.tel.workers[1].work_units = 0;	/* starved after the ejection */
	sr.chan.have_sched = true;
	sr.chan.sched = (struct msg_sched){ .state = xstrdup("exited"), .name = xstrdup("scx_x"),
					    .exit_kind = xstrdup("error"),
					    .reason = xstrdup("runnable task stall") };
	check__verdict(&spec_in, &sr, &rr);
	if (!tap_ok(rr.status == TEST_FAIL &&
		    has_detail(DETAIL_SCHEDULER_DIED, "scheduler exited: error: runnable task stall"),
		    "a SCHD that is not running: FAIL with the state, kind and reason"))
		show();
	tap_ok(rr.ndetails >= 2 && rr.details[0].kind != DETAIL_SCHEDULER_DIED,
	       "the starvation check reported first");
	res.runs = xcalloc(1, sizeof(*res.runs));
	res.runs[0] = rr;
	res.nruns = 1;
	check__first_reason(&res, 1);
	tap_is_str(res.reason, "scheduler exited: error: runnable task stall",
		   "the reason is the scheduler's death, which explains the starvation");
	free(res.reason);
	res.reason = NULL;
	check__first_reason(&res, 3);
	tap_is_str(res.reason, "repeat 1 of 3: scheduler exited: error: runnable task stall",
		   "a repeated test says which repeat");
	free(res.reason);
	free(res.runs);

	reset_done();
	sr.chan.have_sched = true;
	sr.chan.sched = (struct msg_sched){ .state = xstrdup("running"), .name = xstrdup("scx_x") };
	check__verdict(&spec_in, &sr, &rr);
	tap_ok(rr.status == TEST_PASS && rr.ndetails == 0, "a running scheduler is no failure");
}

/* The scheduler's programs: taken into the run whatever its verdict; --verifier's own verdict. */
static void test_verifier(void)
{
	static const struct check_verdict_in ver_in = { .mode = VERDICT_VERIFIER, .sched_ext = true };
	const struct msg_bpf_prog prog = { .name = (char *)"ktstr_enqueue", .id = 7,
					   .verified_insns = 74, .xlated_len = 456, .jited_len = 268 };

	reset_done();
	sr.chan.have_sched = true;
	sr.chan.sched = (struct msg_sched){ .state = xstrdup("exited"), .name = xstrdup("") };
	sr.chan.progs = msg_bpf_progs__dup(&prog, 1);
	sr.chan.nprogs = 1;
	check__verdict(&spec_in, &sr, &rr);
	tap_ok(rr.status == TEST_FAIL && rr.nprogs == 1 && str_eq(rr.progs[0].name, "ktstr_enqueue") &&
	       rr.progs[0].verified_insns == 74 && !sr.chan.progs && !sr.chan.nprogs,
	       "the programs move into the run, a failed one too");

	reset_done();
	sr.chan.have_result = false;	/* --verifier: no workload, no RSLT */
	sr.chan.have_sched = true;
	sr.chan.sched = (struct msg_sched){ .state = xstrdup("running"), .name = xstrdup("scx_x") };
	sr.chan.progs = msg_bpf_progs__dup(&prog, 1);
	sr.chan.nprogs = 1;
	check__verdict(&ver_in, &sr, &rr);
	if (!tap_ok(rr.status == TEST_PASS && rr.ndetails == 0 && rr.nprogs == 1,
		    "--verifier: an attached scheduler passes without telemetry"))
		show();
	{
		struct test_result res = { .runs = &rr, .nruns = 1 };
		bool unevaluated = false;

		thresholds__defaults(&res.thresholds, true);
		for (unsigned i = 0; i < THR__COUNT; i++)
			unevaluated |= str_startswith(check__test_threshold_state(&res, i), "not evaluated");
		tap_ok(!unevaluated && str_eq(check__test_threshold_state(&res, THR_MAX_IMBALANCE_RATIO),
					      "not judged (--verifier: no workload ran)"),
		       "--verifier: the monitor thresholds are not judged (no workload), not 'not evaluated'");
	}

	reset_done();
	sr.chan.have_result = false;
	check__verdict(&ver_in, &sr, &rr);
	expect_one(TEST_ERROR, "run", "the guest never said the scheduler runs",
		   "--verifier: no SCHD running is an ERROR, not a pass without figures");

	reset_done();
	sr.chan.have_result = false;
	sr.chan.done.error = xstrdup("scheduler faulty failed to attach: BPF load failed");
	check__verdict(&ver_in, &sr, &rr);
	expect_one(TEST_ERROR, "run", "guest: scheduler faulty failed to attach: BPF load failed",
		   "--verifier: a scheduler that fails to load is an ERROR with the reason");
}

/* The reason of a one-run test whose run is rr. */
static char *reason_of(struct run_result *r)
{
	struct test_result res = { .runs = r, .nruns = 1 };

	check__first_reason(&res, 1);
	return res.reason;
}

/*
 * The reason names the most telling finding: details arrive from least to
 * most severe, and each new one becomes the reason.
 */
static void test_reason_order(void)
{
	static const struct { enum detail_kind kind; const char *check, *msg; } steps[] = {
		{ DETAIL_UNFAIR, "max_spread_pct", "unfair cgroup: spread=40.0%" },
		{ DETAIL_MONITOR, "max_imbalance_ratio", "imbalance ratio 9.0 exceeded threshold 4.0" },
		{ DETAIL_ISOLATION, "isolation", "tid 7 ran on cpu3 outside its cpuset" },
		{ DETAIL_STARVED, "not_starved", "tid 8 starved (0 work units)" },
		{ DETAIL_STUCK, "max_gap_ms", "stuck 4006ms on cpu1 at +1200ms" },
		{ DETAIL_MONITOR, "fail_on_stall", "rq_clock stall on cpu1 for 9 consecutive samples" },
		{ DETAIL_SCHEDULER_DIED, "scheduler", "scheduler exited: error: runnable task stall" },
	};
	struct run_result r = { .status = TEST_FAIL };

	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		char *reason, name[96];

		run_result__add_detail(&r, steps[i].kind, steps[i].check, NULL, "%s", steps[i].msg);
		reason = reason_of(&r);
		snprintf(name, sizeof(name), "reason after %zu finding(s), the last %s", i + 1,
			 steps[i].check);
		/* the imbalance is as severe as the spread before it: the first stays */
		tap_is_str(reason, steps[i == 1 ? 0 : i].msg, name);
		free(reason);
	}
	run_result__free(&r);
}

/* A worker stuck 4 s also makes its cgroup unfair: the reason names the gap, not the spread. */
static void test_reason_gap_over_spread(void)
{
	char *reason;

	reset_done();
	sr.chan.tel.workers[1].max_gap_ns = 4006 * NSEC_PER_MSEC;
	sr.chan.tel.workers[1].max_gap_cpu = 1;
	sr.chan.tel.workers[1].off_cpu_ns = 1900 * NSEC_PER_MSEC;
	check__verdict(&spec_in, &sr, &rr);
	if (!tap_ok(rr.status == TEST_FAIL && rr.ndetails == 2 && rr.details[0].kind == DETAIL_STUCK,
		    "gap and spread both fail; the gap is listed first"))
		show();
	reason = reason_of(&rr);
	tap_is_str(reason, "stuck 4006ms on cpu1 at +100ms", "the reason is the gap");
	free(reason);
}

static void test_other_outcomes(void)
{
	static const struct check_verdict_in exec_in = { .mode = VERDICT_EXEC };

	reset_done();
	sr.prep_err = xstrdup("payload p (/x): No such file or directory");
	check__verdict(&spec_in, &sr, &rr);
	expect_one(TEST_ERROR, "prepare", "initramfs: payload p (/x): No such file or directory",
		   "an initramfs that could not be built: ERROR in prepare");

	reset_done();
	sr.vm.outcome = VM_TIMEOUT;
	sr.vm.phase = "boot";
	sr.chan.have_done = false;
	check__verdict(&spec_in, &sr, &rr);
	expect_one(TEST_TIMEOUT, "boot", "boot timeout: the guest agent never reported (no HELO)",
		   "no HELO in time: a TIMEOUT in the boot phase");

	reset_done();
	sr.vm.outcome = VM_TIMEOUT;	/* after a complete DONE: judged, then the hang */
	check__verdict(&spec_in, &sr, &rr);
	expect_one(TEST_TIMEOUT, "teardown", "QEMU did not exit after DONE",
		   "QEMU hanging after DONE: a TIMEOUT in teardown");

	reset_done();
	sr.chan.done.exit_code = 3;
	check__verdict(&exec_in, &sr, &rr);
	if (!tap_ok(rr.status == TEST_FAIL && rr.ndetails == 1 &&
		    str_eq(rr.details[0].message, "command exited with 3"),
		    "--exec: a command's nonzero exit is a FAIL naming the code"))
		show();

	reset_done();
	sr.chan.have_result = false;
	check__verdict(&spec_in, &sr, &rr);
	expect_one(TEST_ERROR, "run", "no telemetry (RSLT) from the guest",
		   "no RSLT: an ERROR, never a pass on no data");
}

int main(void)
{
	tap_plan(32);
	test_pass();
	test_qemu_exited();
	test_topology_mismatch();
	test_sched_died();
	test_verifier();
	test_other_outcomes();
	test_reason_order();
	test_reason_gap_over_spread();
	vm_session_run__free(&sr);
	run_result__free(&rr);
	return tap_done();
}
