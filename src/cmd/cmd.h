/* SPDX-License-Identifier: GPL-2.0-only */
/* The ktstr-run command: options shared by its modes (run, lint, dry-run, list). */
#ifndef KTSTR_CMD_H
#define KTSTR_CMD_H

#include <time.h>

#include "util/util.h"
#include "spec/spec.h"

struct shard_sel;

struct shard_sel;

enum accel_choice { ACCEL_AUTO, ACCEL_KVM, ACCEL_TCG };

/* --retries at most: a test that fails ten times in a row is not flaky */
#define RUN_MAX_RETRIES 10

struct run_opts {
	char **specs;
	size_t nspecs;
	const char *filter;		/* -E: pcre2 over expanded test names */
	const char *kernel;		/* --kernel (one), or NULL */
	char **kernels;			/* every --kernel and KTSTR_KERNEL_LIST entry: the kernel dimension */
	size_t nkernels;
	double budget_s;		/* --budget: 0 = every test */
	const char *timings;		/* --timings: measured times of an earlier run */
	bool no_host_fit;		/* --no-host-fit: run tests the host cannot carry */
	unsigned retries;		/* --retries: reruns of a FAIL/ERROR/TIMEOUT (then FLAKY) */
	enum accel_choice accel;	/* --accel */
	unsigned jobs;			/* -j; 0 = auto */
	const char *results_dir;	/* --results-dir, default ./ktstr-results */
	const char *runs_dir;		/* --runs-dir: where runs are kept; NULL = default, "none" = off */
	bool tap;			/* --tap */
	const char *junit;		/* --junit FILE */
	const char *html;		/* --html FILE */
	bool quiet, verbose;
	bool keep_going;
	bool strict_thresholds;		/* --release-thresholds: no TCG relaxation */
	/* --snapshot / --no-snapshot / KTSTR_SNAPSHOT (vm/snapshot.h) */
	enum snap_choice { SNAP_AUTO, SNAP_ALWAYS, SNAP_NEVER } snapshot;
	/* Ad-hoc VM runs without a spec (tests, benchmarks, debugging). */
	const char *topology;		/* --topology LABEL ("1n2l2c1t") */
	char **exec_argv;		/* --exec: run this command in the guest */
	bool topo_only;			/* --topo-only: boot, check topology, power off */
	bool verifier;			/* --verifier: attach, print the BPF programs, no workload */
	uint64_t timeout_ns;		/* --timeout: run-phase timeout override; 0 = spec's */
	uint64_t boot_timeout_ns;	/* --boot-timeout; 0 = default */
	/* --shell SPEC: one test's VM with its scheduler and a shell on this terminal */
	bool shell;
	char **includes;		/* --include PATH..., NULL-terminated; may be NULL */
	bool dmesg;			/* --dmesg: the kernel log on the terminal too */
	/* --shard K/N|auto (and --shards N): this machine's part of the list */
	const struct shard_sel *shard;
	/* How specs become tests: overrides, --gauntlet, --profiles, --tag (ktstr-run(1), OVERRIDES). */
	struct spec_options spec;
};

/*
 * spec_options.plugin_flags for the command layer: a plugin's boolean
 * flags read by plugin__inspect() (no plugin code runs). ctx is a struct
 * cmd_plugins that keeps the inspected plugins until cmd_plugins__free().
 */
struct cmd_plugins {
	struct plugin **v;
	size_t n;
};
int cmd__plugin_flags(void *ctx, const char *plugin, struct spec_flag_decl **out, size_t *n,
		      char **err);
void cmd_plugins__free(struct cmd_plugins *c);

/*
 * The run's tests after the kernel dimension and --budget (cmd/select.c):
 * one entry per test and kernel, in list order. Prints the budget line.
 */
struct cmd_sel {
	const struct spec_file *sf;
	const struct spec_test *t;
	char *name;		/* t->name, + "/kernel-LABEL" with more than one kernel */
	const char *kernel;	/* the selector (borrowed), or NULL: the test's or the default */
	char *kernel_label;	/* NULL with one kernel */
	double est_s;		/* measured (--timings) or the cost model's */
	bool measured;
};
int cmd__select(const struct run_opts *o, const struct spec_list *l, struct cmd_sel **out,
		size_t *n);
void cmd_sel__free(struct cmd_sel *v, size_t n);
char *cmd__kernel_label(const char *sel);
/* run-context.c: the identity of a run and of its tests, for result.json */
struct kernel_image;
struct plugin;
struct run_context;
struct test_result;
char *run_context__time(time_t t, bool compact);
void run_context__collect(struct run_context *c, time_t started, bool kvm);
/* The test's kernel release and key (k), its plugin's path and sha256 and its packed files' (p); either may be NULL. */
void run_context__test(struct test_result *res, const struct kernel_image *k,
		       const struct plugin *p, const struct spec_test *t);

/* --shell's terminal (cmd/term.c): raw mode, and back on every way out. */
int term__raw(int fd);
void term__restore(void);

/* Each returns the process exit status. */
int cmd_lint(const struct run_opts *o);
int cmd_dry_run(const struct run_opts *o);
int cmd_list(const struct run_opts *o);
int cmd_run(const struct run_opts *o);
/* Load and expand all specs, keep tests matching o->filter; lint reporting included. */

/*
 * A command of subcommands (ktstr-report, ktstr-stats): -h/--help, --version,
 * then the row named by argv[1] runs with argv shifted; an unknown one is a
 * usage error listing the known. Returns the exit status.
 */
struct cmd_sub {
	const char *name;
	int (*run)(int argc, char **argv);
};
int cmd__subcommand(const char *prog, const struct cmd_sub *subs, size_t n,
		    void (*usage)(FILE *f), int argc, char **argv);

#endif
