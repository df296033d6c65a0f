/* SPDX-License-Identifier: GPL-2.0-only */
/* The ktstr-run command: options shared by its modes (run, lint, dry-run, list). */
#ifndef KTSTR_CMD_H
#define KTSTR_CMD_H

#include "util/util.h"
#include "spec/spec.h"

struct shard_sel;

struct shard_sel;

enum accel_choice { ACCEL_AUTO, ACCEL_KVM, ACCEL_TCG };

struct run_opts {
	char **specs;
	size_t nspecs;
	const char *filter;		/* -E: pcre2 over expanded test names */
	const char *kernel;		/* --kernel */
	enum accel_choice accel;	/* --accel */
	unsigned jobs;			/* -j; 0 = auto */
	const char *results_dir;	/* --results-dir, default ./ktstr-results */
	bool tap;			/* --tap */
	const char *junit;		/* --junit FILE */
	const char *html;		/* --html FILE */
	bool quiet, verbose;
	bool keep_going;
	bool strict_thresholds;		/* --release-thresholds: no TCG relaxation */
	/* Ad-hoc VM runs without a spec (tests, benchmarks, debugging). */
	const char *topology;		/* --topology LABEL ("1n2l2c1t") */
	char **exec_argv;		/* --exec: run this command in the guest */
	bool topo_only;			/* --topo-only: boot, check topology, power off */
	uint64_t timeout_ns;		/* --timeout: run-phase timeout override; 0 = spec's */
	uint64_t boot_timeout_ns;	/* --boot-timeout; 0 = default */
	/* --shard K/N|auto (and --shards N), --timings FILE: this machine's part of the list */
	const struct shard_sel *shard;
	const char *timings;
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

/* Each returns the process exit status. */
int cmd_lint(const struct run_opts *o);
int cmd_dry_run(const struct run_opts *o);
int cmd_list(const struct run_opts *o);
int cmd_run(const struct run_opts *o);
/* Load and expand all specs, keep tests matching o->filter; lint reporting included. */

#endif
