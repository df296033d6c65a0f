/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The verdict of one test: status, the failing details, figures per cgroup,
 * artifacts. Built once by the runner and the checks, rendered by each
 * report format (text, TAP, JUnit, JSON) without recomputation.
 */
#ifndef KTSTR_RESULT_H
#define KTSTR_RESULT_H

#include "util/util.h"
#include "spec/thresholds.h"
#include "proto/telemetry.h"
#include "spec/spec.h"

struct spec_test;

enum test_status {
	TEST_PASS,
	TEST_SKIP,	/* with reason: kernel lacks sched_ext, topology too large, ... */
	TEST_FAIL,	/* the scheduler misbehaved */
	TEST_ERROR,	/* the harness, VM or kernel failed */
	TEST_TIMEOUT,	/* with the phase that timed out */
	TEST_FLAKY,	/* a test-level status only: failed, then passed on a retry */
};

/* A retried test's earlier attempt: what it ended as and where its artifacts went. */
struct test_attempt {
	enum test_status status;	/* FAIL, ERROR or TIMEOUT (the retried ones) */
	char *reason;			/* its one-line reason, or NULL */
	char *dir;			/* its artifacts ("<test dir>/attempt-1"), or NULL */
	uint64_t elapsed_ns;
};

/* ktstr's DetailKind. */
enum detail_kind {
	DETAIL_STARVED,
	DETAIL_STUCK,
	DETAIL_UNFAIR,
	DETAIL_ISOLATION,
	DETAIL_BENCHMARK,
	DETAIL_MIGRATION,
	DETAIL_PAGE_LOCALITY,
	DETAIL_CROSS_NODE_MIGRATION,
	DETAIL_SLOW_TIER,
	DETAIL_MONITOR,
	DETAIL_SCHEDULER_DIED,
	DETAIL_CONSOLE,
	DETAIL_SKIP,
	DETAIL_OTHER,
};

struct result_detail {
	enum detail_kind kind;
	char *check;		/* check name from check_table ("max_gap_ms") */
	char *cgroup;		/* or NULL */
	char *message;		/* "stuck 3500ms on cpu1 at +1200ms" */
};

/* ktstr's CgroupStats. */
struct cgroup_stats {
	char *name;
	unsigned workers;
	unsigned cpus;
	double avg_off_cpu_pct, min_off_cpu_pct, max_off_cpu_pct;
	double spread;
	uint64_t max_gap_ms;
	int max_gap_cpu;
	uint64_t total_migrations;
	double migration_ratio;
	double p99_wake_latency_us;
	double median_wake_latency_us;
	double wake_latency_cv;
	uint64_t total_iterations;
	uint64_t total_work_units;
	double mean_run_delay_us;
	double worst_run_delay_us;
	double page_locality;	/* < 0 when not measured */
	/* Added after the first API: */
	uint64_t wake_samples;		/* samples behind the wake-latency figures */
	uint64_t max_gap_at_ms;		/* when the worst gap happened */
	double cross_node_migration_ratio;	/* < 0 when not measured */
	double slow_tier_ratio;		/* < 0 when not measured */
	uint64_t numa_pages, numa_pages_local, numa_pages_migrated, numa_pages_slow;
};

/*
 * The host monitor's samples (src/monitor fills them): a run's record keeps
 * a copy, which the reports render.
 */
struct monitor_cpu {
	uint32_t nr_running;
	uint32_t scx_nr_running;
	uint32_t local_dsq;
	uint32_t scx_flags;
	uint64_t clock;			/* rq->clock, ns */
	int64_t fallback, keep_last;	/* cumulative event counters */
};

struct monitor_sample {
	uint64_t at_ns;			/* since the first sample */
	uint64_t vm_cpu_ns;		/* QEMU's CPU time so far (0: unknown) */
	bool valid;			/* read completely and plausible */
	bool have_events;
	struct monitor_cpu *cpu;	/* ncpus entries */
};

struct monitor_series {
	unsigned ncpus;
	struct monitor_sample *v;
	size_t n;
	size_t win_start, win_end;	/* [start, end): samples while the workload ran */
	uint64_t preempt_ns;		/* ktstr: (1e9 / HZ) * 10 of QEMU CPU time per interval */
	uint64_t read_errors;
	uint64_t sample_cost_ns;	/* host CPU time spent sampling (thread CPU clock) */
	/* where the guest kernel was found (KASLR moves all three) */
	uint64_t text_va, text_pa, page_offset;
	bool la57;
	/* why there are no event counters / no local DSQ depth, or NULL (borrowed, not copied) */
	const char *events_why;
	const char *dsq_why;
};

/* Frees the samples (not the borrowed strings); s may be NULL. */
void monitor_series__free(struct monitor_series *s);
/* A deep copy of s into out, without the borrowed strings. */
void monitor_series__copy(const struct monitor_series *s, struct monitor_series *out);

/* What the host-side monitor saw in one run (src/monitor); state NULL: no monitor. */
struct run_monitor {
	char *state;		/* "on" (judged), "not judged (...)", "not evaluated (...)" */
	char *summary;		/* "monitor OK", "monitor FAILED: 2 violation(s)", or why not */
	/* the samples (a copy; n == 0 without monitor data) and what the record says of them */
	struct monitor_series series;
	bool have_series;	/* the monitor sampled (series may still hold no sample) */
	char *events_why;	/* why there are no event counters, or NULL */
	bool evaluated;		/* the peaks below were judged */
	unsigned samples;	/* taken */
	unsigned window;	/* while the workload ran (judged) */
	double max_imbalance;
	unsigned max_dsq;
	int max_dsq_cpu;
	unsigned longest_stall;	/* samples */
	int longest_stall_cpu;
	double fallback_rate, keep_last_rate;	/* /s over the window; < 0 when not measured */
	double max_fallback_rate, max_keep_last_rate;	/* worst interval; < 0 when not measured */
	double sample_cost_us;	/* host CPU per sample */
	/* when only part could be judged: the fallback/keep-last and DSQ states, else NULL */
	char *events_state;
	char *dsq_state;
	unsigned idle_waiting_run;	/* longest run of samples with CPUs idle while tasks waited */
	char *wc_state;		/* work_conservation not judged for this spec: why, else NULL */
	char *watchdog_override;	/* the sched_ext watchdog override's outcome, NULL when not asked */
};

/* One figure of a cgroup under the scheduler against EEVDF's in the same boot. */
struct baseline_ratio {
	char *cgroup;
	const char *metric;	/* static: "work_rate", "cpu_share", "iteration_rate", "p99_wake_latency_us" */
	double eevdf, sched;	/* the figure in each half */
	double ratio;		/* sched / eevdf; < 0 when EEVDF's is 0 (no ratio) */
};

/* 'baseline: eevdf': the EEVDF half of the run (same boot, before the scheduler). */
struct run_baseline {
	bool present;
	struct telemetry tel;
	struct cgroup_stats *cgroups;
	size_t ncgroups;
	struct baseline_ratio *ratios;
	size_t nratios;
};

/* One metric of a payload's output: its flattened key, value and declared polarity. */
struct payload_metric {
	char *name;			/* "jobs.0.read.iops" */
	double value;
	enum metric_polarity polarity;	/* the spec's, else POLARITY_UNKNOWN */
};

/* One of the spec's checks on a payload metric and how it went (src/check/payload.c). */
struct payload_check {
	char *metric;			/* "metrics.0.bogo-ops" */
	char *check;			/* "min 1", "max 5", "range [1, 5]", "exists" */
	bool found;			/* the metric was in the output: value is its value */
	double value;
	const char *verdict;		/* static: "ok", "failed", "not found", "not judged (exit)" */
};

/* One reaped run of a payload as the host read it (src/check/payload.c). */
struct run_payload {
	char *name;
	char *cgroup;			/* "" when none */
	int status;			/* wait status */
	enum payload_output output;
	char *stream;			/* "stdout" or "stderr": where the metrics came from, or NULL */
	char *why;			/* why its output gave no metrics, or NULL */
	struct payload_metric *metrics;
	size_t nmetrics;
	bool exit_checked;		/* the spec gave an exit_code: exit_expected, exit_ok */
	int exit_expected;
	bool exit_ok;
	struct payload_check *checks;	/* the spec's metric checks, in spec order */
	size_t nchecks;
};
void run_payload__free(struct run_payload *p);

struct run_result {		/* one repeat */
	enum test_status status;
	struct result_detail *details;
	size_t ndetails;
	struct cgroup_stats *cgroups;
	size_t ncgroups;
	struct telemetry telemetry;
	uint64_t boot_ns, run_ns, total_ns;
	char *phase;		/* for TIMEOUT/ERROR: "boot", "run", "teardown" */
	struct run_monitor monitor;
	uint64_t channel_dropped;	/* bytes of the results channel in no good frame */
	unsigned channel_bad_frames;
	struct run_baseline baseline;	/* present only for 'baseline: eevdf' */
	/* the scheduler's struct_ops programs as the guest kernel reported them after attach */
	struct msg_bpf_prog *progs;	/* proto/msg.h */
	size_t nprogs;
	struct run_payload *payloads;	/* each reaped payload run, in telemetry order */
	size_t npayloads;
};

struct msg_bpf_prog;	/* proto/msg.h */

/* The instructions the verifier processes per program at most (BPF_COMPLEXITY_LIMIT_INSNS). */
#define VERIFIER_INSN_LIMIT 1000000u
/* As ktstr: a program at or above this share of the limit is worth a warning (never a failure). */
#define VERIFIER_WARN_PCT 75.0
/* verified_insns as a percentage of VERIFIER_INSN_LIMIT. */
double result_verifier__pct(uint32_t verified_insns);
/*
 * ktstr's warning for a program near the limit, "NAME: 80.1% of 1M limit
 * (801000 verified insns)", or NULL below VERIFIER_WARN_PCT. Caller frees.
 */
char *result_verifier__warning(const struct msg_bpf_prog *p);

/*
 * What a comparison needs to know of one ktstr-run invocation, gathered
 * once by the command layer (src/cmd/context.c) and borrowed by each test.
 */
struct run_context {
	char *run_id;			/* "20261207T152610Z", the --runs-dir directory's name */
	char *started_at;		/* ISO 8601 UTC */
	char *version;			/* PACKAGE_VERSION */
	char *commit;			/* `git describe` at configure time, or NULL */
	char *cpu_model;		/* /proc/cpuinfo "model name", or NULL */
	unsigned cpus;			/* online host CPUs */
	char *accel;			/* "kvm" or "tcg" */
};
void run_context__free(struct run_context *c);

/* A file a test's scheduler brought into the guest (an exec'd binary, a config). */
struct result_file {
	char *name;			/* in the guest */
	char *path;			/* on the host */
	char *sha256;			/* 64 hex, or NULL when it could not be read */
};

/* Auto-repro's rerun of a failed test (src/cmd/run.c), as result.json's auto_repro. */
struct test_repro {
	char *trigger;			/* why it reran: the scheduler's ejection */
	char *rerun;			/* the rerun's "FAIL: reason", or "not run" */
	char *error;			/* why there is no trace, or NULL */
	char **probed;			/* functions the guest probed, NULL-terminated (NULL: none) */
	char **refused;			/* "function: why" the guest refused, NULL-terminated */
	size_t ntasks, nevents;		/* kept in the window before the failure */
	char *dir;			/* the rerun's directory */
	char *text_path, *json_path;	/* auto-repro.txt / .json, NULL when not written */
	char *tasks_json;		/* auto-repro.json's "tasks" (compact), for the HTML page; NULL */
};
void test_repro__free(struct test_repro *r);

struct test_result {
	char *name;
	char *spec_path;
	const struct spec_test *spec;	/* borrowed, for result.json; NULL for ad-hoc runs */
	enum test_status status;	/* worst of the runs */
	char *reason;			/* one line: skip reason, first failure, error */
	struct run_result *runs;
	size_t nruns;
	struct thresholds thresholds;	/* merged, with layers */
	char *kernel;			/* chosen kernel and why */
	char *accel;			/* "tcg (no vmx/svm in /proc/cpuinfo)" */
	char *topology;			/* "1n2l2c1t" */
	char *scheduler;		/* plugin name + flags */
	char *results_dir;		/* artifacts: console.log, agent.log, qemu.cmdline, result.json */
	char *console_tail;		/* last lines of the console, for reports */
	char *auto_repro;		/* the '--- auto-repro ---' section's body, or NULL */
	struct test_repro *repro;	/* what auto_repro says of the rerun, or NULL (owned) */
	uint64_t elapsed_ns;
	/* identity, for comparisons (result.json's "context") */
	const struct run_context *context;	/* borrowed; NULL outside ktstr-run */
	char *started_at;		/* ISO 8601 UTC, when the test began */
	char *kernel_release;		/* "6.12.9", or NULL */
	char *kernel_key;		/* cache key, or NULL when not from the cache */
	char *plugin_path;		/* the scheduler plugin's .so */
	char *plugin_sha256;
	struct result_file *sched_files;
	size_t nsched_files;
	/* --retries: the attempts before the last (whose runs are runs[] above) */
	struct test_attempt *attempts;
	size_t nattempts;
};

const char *test_status_name(enum test_status s);	/* "PASS", ... */
const char *detail_kind_name(enum detail_kind k);
/* Worse status wins: PASS < SKIP < FAIL < TIMEOUT < ERROR. */
enum test_status test_status_worst(enum test_status a, enum test_status b);
void run_result__add_detail(struct run_result *r, enum detail_kind kind, const char *check,
			    const char *cgroup, const char *fmt, ...) __printf(5, 6);
void run_result__free(struct run_result *r);
/*
 * --retries: whether a test that ended as s is run again, given the attempts
 * made so far (1 after the first) and the retries allowed. Only a test that
 * ended FAIL, ERROR or TIMEOUT is retried; a PASS or SKIP is final.
 */
bool test_status__retry(enum test_status s, unsigned attempts, unsigned retries);
/*
 * Keep t's verdict so far as an earlier attempt (its status, reason and
 * artifacts dir, which the struct takes) and clear it, with its runs, for
 * the next attempt.
 */
void test_result__push_attempt(struct test_result *t, char *dir, uint64_t elapsed_ns);
/*
 * After the last attempt: a PASS that follows failed attempts is FLAKY, with
 * a reason naming the first failure; any other status stands.
 */
void test_result__settle(struct test_result *t);
/* Both free what the struct owns (not the struct itself) and accept NULL. */
void test_result__free(struct test_result *t);

/*
 * Exit status for automake: 0 pass/skip mix (FLAKY counts as passed, as in
 * cargo-nextest), 1 any FAIL, 77 all skipped, 99 ERROR/TIMEOUT. */
int test_results__exit_code(const struct test_result *const *v, size_t n);

#endif
