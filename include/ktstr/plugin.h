/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ktstr scheduler plugin ABI.
 *
 * A plugin is a shared object exporting one symbol, KTSTR_PLUGIN_SYMBOL, of
 * type `const struct ktstr_plugin`. ktstr dlopen()s it on the host (to read
 * its name, flags, kernel needs and threshold overrides) and in the guest
 * (to attach, watch and detach the scheduler). The struct is versioned and
 * size-prefixed: ktstr refuses a plugin whose abi_version differs from
 * KTSTR_PLUGIN_ABI_VERSION or whose sz is smaller than the fields it needs.
 * New fields are only ever appended.
 *
 * Plugins never print: they log through the host callbacks in
 * struct ktstr_host. Build with -fvisibility=hidden and mark the one
 * symbol with KTSTR_PLUGIN_EXPORT. attach, poll and detach run the
 * scheduler in the guest; validate, guest_files and stats may be NULL.
 * Build with `pkg-config --cflags ktstr-plugin`; see ktstr-plugin(7).
 */
#ifndef KTSTR_PLUGIN_H
#define KTSTR_PLUGIN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KTSTR_PLUGIN_ABI_VERSION 1
#define KTSTR_PLUGIN_SYMBOL "ktstr_plugin"
#define KTSTR_PLUGIN_EXPORT __attribute__((visibility("default")))

enum ktstr_log_level {
	KTSTR_LOG_ERROR,
	KTSTR_LOG_WARN,
	KTSTR_LOG_INFO,
	KTSTR_LOG_DEBUG,
};

/* A named scheduler flag a spec can turn on. */
struct ktstr_flag {
	const char *name;		/* "llc", "slice-ms=" (trailing '=' takes a value) */
	const char *help;
	const char *const *requires;	/* NULL-terminated flag names, or NULL */
	const char *const *excludes;	/* NULL-terminated flag names, or NULL */
};

/* The scheduler layer of the threshold merge: name from ktstr-spec(5), value or "off". */
struct ktstr_threshold {
	const char *name;
	const char *value;
};

/* Services ktstr gives a plugin. */
struct ktstr_host {
	size_t sz;
	void (*log)(void *host_ctx, enum ktstr_log_level level, const char *fmt, va_list ap);
	/* Save a file into the test's results directory (e.g. a debug dump). */
	int (*artifact)(void *host_ctx, const char *name, const void *data, size_t len);
	/* Report a timeline note ("scheduler attached"). */
	void (*event)(void *host_ctx, const char *label, const char *detail);
	void *host_ctx;
	/*
	 * Appended (check sz): a waitpid() status in ktstr's words ("exit code
	 * 3", "killed by signal 9 (SIGKILL)") into buf; returns buf. A plugin
	 * that runs a scheduler process names its end with this, so that every
	 * report says it the same way.
	 */
	const char *(*describe_wait_status)(void *host_ctx, int status, char *buf, size_t len);
};

/* What a plugin is asked to run. Valid from attach until detach returns. */
struct ktstr_sched_ctx {
	size_t sz;
	const struct ktstr_host *host;
	const char *const *flags;	/* enabled flag names ("slice-ms=5" keeps its value) */
	const char *const *args;	/* extra scheduler arguments from the spec */
	const char *files_dir;		/* guest dir holding the plugin's guest files */
	unsigned ncpus;
	uint64_t watchdog_timeout_ns;	/* 0 = scheduler's own */
	void *priv;			/* the plugin's own state */
	/*
	 * Appended (check sz): how long attach may wait for the kernel to
	 * enable the scheduler, from the spec's attach_timeout_ms or its
	 * default for the accelerator (longer under TCG).
	 */
	uint64_t attach_timeout_ms;
};

enum ktstr_sched_state {
	KTSTR_SCHED_RUNNING,	/* attached and healthy */
	KTSTR_SCHED_EXITED,	/* the scheduler went away (process exit, unregistered) */
	KTSTR_SCHED_EJECTED,	/* the kernel disabled it (stall, BPF error) */
};

struct ktstr_health {
	size_t sz;
	enum ktstr_sched_state state;
	char exit_kind[64];	/* "SCX_EXIT_ERROR_STALL", "exit code 1", ... */
	char reason[512];	/* the kernel's / process's reason text */
};

/* Called by guest_files() once per file the guest needs. */
typedef int (*ktstr_add_file_fn)(void *ctx, const char *host_path, const char *guest_name);

struct ktstr_plugin {
	uint32_t abi_version;		/* KTSTR_PLUGIN_ABI_VERSION */
	uint32_t sz;			/* sizeof(struct ktstr_plugin) */
	const char *name;
	const char *description;
	bool needs_sched_ext;		/* skip tests when the kernel lacks CONFIG_SCHED_CLASS_EXT */
	const struct ktstr_flag *flags;	/* terminated by a {NULL} entry; may be NULL */
	const char *const *kargs;	/* extra kernel command line, NULL-terminated */
	const char *const *sysctls;	/* "kernel.foo=1", NULL-terminated */
	const struct ktstr_threshold *thresholds;	/* {NULL} terminated */

	/* Host: check flags/args before any VM boots; write a reason into err. */
	int (*validate)(const char *const *flags, const char *const *args, char *err, size_t errlen);
	/* Host: name extra files to pack into the guest (binaries, configs). */
	int (*guest_files)(const char *const *flags, const char *const *args,
			   ktstr_add_file_fn add, void *add_ctx);

	/* Guest: start the scheduler; 0 once it runs, -errno with a logged reason. */
	int (*attach)(struct ktstr_sched_ctx *ctx);
	/* Guest: called every ~100 ms while the workload runs. */
	int (*poll)(struct ktstr_sched_ctx *ctx, struct ktstr_health *health);
	/* Guest: JSON object of scheduler-specific counters, written into buf. */
	int (*stats)(struct ktstr_sched_ctx *ctx, char *buf, size_t len);
	/* Guest: stop the scheduler; must be safe after a failed attach. */
	void (*detach)(struct ktstr_sched_ctx *ctx);
};

#ifdef __cplusplus
}
#endif
#endif
