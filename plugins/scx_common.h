/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the built-in sched_ext plugins (compiled into each
 * plugin; plugins stay self-contained and depend only on libc and libbpf):
 * host logging, the kernel's sched_ext sysfs state, exit kinds, the
 * libbpf load/attach/poll cycle for a struct_ops scheduler with the
 * verifier log trimmed, and the sched_ext_dump tracepoint.
 */
#ifndef KTSTR_SCX_COMMON_H
#define KTSTR_SCX_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ktstr/plugin.h>
#include "include/scx_ktstr_shared.h"

struct bpf_object;
struct bpf_object_skeleton;
struct bpf_map;
struct bpf_link;

#define SCXP_SYSFS "/sys/kernel/sched_ext"
#define SCXP_ATTACH_TIMEOUT_MS 3000	/* ktstr's attach check, for a host that gives none */
#define SCXP_VERIFIER_TAIL 40		/* verifier log lines kept before the error */

#define __scxp_printf(a, b) __attribute__((format(printf, a, b)))

/* Log through the host's callback; with no host (a standalone binary) to stderr. */
void scxp_log(const struct ktstr_sched_ctx *ctx, enum ktstr_log_level level, const char *fmt, ...)
	__scxp_printf(3, 4);
void scxp_event(const struct ktstr_sched_ctx *ctx, const char *label, const char *detail);
int scxp_artifact(const struct ktstr_sched_ctx *ctx, const char *name, const void *data, size_t len);

/* A waitpid() status in the host's words (describe_wait_status); "wait status 0x.." without it. */
const char *scxp_wait_status(const struct ktstr_sched_ctx *ctx, int status, char *buf, size_t len);
/* ctx->attach_timeout_ms: the spec's or the accelerator's default; SCXP_ATTACH_TIMEOUT_MS without it. */
uint32_t scxp_attach_timeout_ms(const struct ktstr_sched_ctx *ctx);

/* Flags as the spec gives them: "llc", "slice-ms=5". */
bool scxp_flag_on(const char *const *flags, const char *name);
/* The value of "name=value", or NULL. */
const char *scxp_flag_value(const char *const *flags, const char *name);
/* Parse a flag's unsigned value; def when absent; -EINVAL when malformed. */
int scxp_flag_u64(const char *const *flags, const char *name, uint64_t def, uint64_t *out);
/* Check that the flags named in numeric (NULL-terminated, "name=") carry unsigned numbers. */
int scxp_validate_numeric(const char *const *numeric, const char *const *flags, char *err, size_t errlen);

/* /sys/kernel/sched_ext/state ("enabled", "disabled", ...) and root/ops; -errno. */
int scxp_state(char *buf, size_t len);
int scxp_root_ops(char *buf, size_t len);
/*
 * Wait until state is "enabled" and root/ops is set (and equal to ops_name
 * when given). alive(arg) is asked between polls; false stops the wait.
 */
int scxp_wait_enabled(const char *ops_name, unsigned timeout_ms, bool (*alive)(void *arg), void *arg);

/* "SCX_EXIT_ERROR_STALL" for 1026; kinds the kernel names in its log. */
const char *scxp_exit_kind_name(int kind);
int scxp_exit_kind_from_reason(const char *reason);
/* Fill health from an exit kind: ERROR kinds are EJECTED, others EXITED. */
void scxp_health_set(struct ktstr_health *h, int kind, const char *reason, const char *msg);

/*
 * Feed one /dev/kmsg record ("6,123,456,-;sched_ext: ..."): the kernel's
 * 'BPF scheduler "x" disabled (REASON)' line sets reason and clears msg;
 * the next "sched_ext: x: MESSAGE" line sets msg.
 */
void scxp_kmsg_record(const char *rec, char *reason, size_t rlen, char *msg, size_t mlen);

/* The sched_ext_dump tracepoint: enable it (mounting tracefs if needed), read its lines. */
int scxp_dump_trace_enable(void);
/* The dump lines collected so far (malloc'd, NUL-terminated), or NULL. */
char *scxp_dump_trace_read(size_t *len);

/* Fill cpu_llc[] with each CPU's LLC index (0..nr-1, dense) from sysfs. */
int scxp_cpu_llcs(uint32_t *cpu_llc, unsigned max_cpus, uint32_t *nr_llcs);

/* A loaded and attached struct_ops scheduler. */
struct scxp_bpf {
	struct bpf_link *link;
	const volatile struct ktstr_uei *uei;	/* the BPF program's exit record (.bss) */
	const char *ops_name;		/* as root/ops will show it */
	void *elf;			/* patched copy of the object, alive until load */
	bool dumped;
};

/*
 * Copy a skeleton's embedded object and set the struct_ops map's
 * timeout_ms (ops.timeout_ms: the watchdog) in the copy; timeout_ms 0
 * keeps the object's own. *out is malloc'd: hand it to the skeleton before
 * open and free it after load (scxp_bpf_load_attach does).
 */
int scxp_patch_timeout(const void *elf, size_t sz, uint32_t timeout_ms, void **out);
/*
 * Open a skeleton (after X__create_skeleton()) from its embedded object
 * with ops.timeout_ms set from ctx; run->ops_name names it in messages.
 */
int scxp_skel_open(struct ktstr_sched_ctx *ctx, struct scxp_bpf *run, struct bpf_object_skeleton *skel,
		   const void *elf, size_t elf_sz);
/* ctx->watchdog_timeout_ns as ops.timeout_ms (0: keep the scheduler's). */
uint32_t scxp_timeout_ms(const struct ktstr_sched_ctx *ctx);

/*
 * Load a skeleton's object (programs named *init made sleepable; global
 * data mmapped so run->uei and counters are live), attach ops_map and wait
 * until the kernel shows it enabled. On a verifier rejection the log is
 * trimmed to its last lines and handed to the host as artifact
 * "verifier.log". Returns 0 or -errno with a logged reason.
 */
int scxp_bpf_load_attach(struct ktstr_sched_ctx *ctx, struct scxp_bpf *run,
			 struct bpf_object_skeleton *skel, struct bpf_map *ops_map);
/* Health from the exit record and sysfs; saves the debug dump once on ejection. */
int scxp_bpf_poll(struct ktstr_sched_ctx *ctx, struct scxp_bpf *run, struct ktstr_health *h);
void scxp_bpf_detach(struct scxp_bpf *run);

/*
 * The attach/poll/detach glue of a built-in BPF plugin. A plugin names
 * its skeleton once with SCXP_SKEL_OPS(x, "ops name", validate): x.skel.h's
 * x__* functions behind typed thunks. It keeps struct scxp_plugin as the
 * first member of its state in ctx->priv.
 */
struct scxp_skel_ops {
	const char *name;		/* the skeleton's (and plugin's) name, for messages */
	const char *ops_name;		/* as root/ops will show it */
	size_t size;			/* sizeof(struct x) */
	int (*create)(void *skel);	/* x__create_skeleton */
	void (*destroy)(void *skel);	/* x__destroy: frees skel */
	const void *(*elf_bytes)(size_t *sz);
	/* The plugin's own flag and argument check (its .validate). */
	int (*validate)(const char *const *flags, const char *const *args, char *err, size_t errlen);
};

#define SCXP_SKEL_OPS(x, opsname, vfn)							\
	static int x##_skel_create(void *s) { return x##__create_skeleton(s); }			\
	static void x##_skel_destroy(void *s) { x##__destroy(s); }				\
	static const void *x##_skel_elf(size_t *sz) { return x##__elf_bytes(sz); }		\
	static const struct scxp_skel_ops x##_skel_ops = {					\
		.name = #x, .ops_name = opsname, .size = sizeof(struct x), .create = x##_skel_create,	\
		.destroy = x##_skel_destroy, .elf_bytes = x##_skel_elf, .validate = vfn,		\
	}

struct scxp_plugin {
	struct scxp_bpf run;
	const struct scxp_skel_ops *ops;
	void *skel;			/* struct x; its first member is the bpf_object_skeleton */
};

/*
 * Start an attach: allocate the plugin's state (state_sz bytes, struct
 * scxp_plugin first) into ctx->priv, check flags and arguments with
 * ops->validate (logging the reason), create the skeleton and open it with
 * the spec's watchdog timeout. The plugin then fills .rodata and calls
 * scxp_plugin_load_attach(). Returns 0 or -errno; on failure ctx->priv
 * still holds what was built, for scxp_plugin_detach().
 */
int scxp_plugin_open(struct ktstr_sched_ctx *ctx, const struct scxp_skel_ops *ops, size_t state_sz);
/* Load and attach with uei (the BPF side's exit record) watched by the poll. */
int scxp_plugin_load_attach(struct ktstr_sched_ctx *ctx, const volatile struct ktstr_uei *uei,
			    struct bpf_map *ops_map);
/* The plugin's .poll: health from the exit record and sysfs; -EINVAL before a load. */
int scxp_plugin_poll(struct ktstr_sched_ctx *ctx, struct ktstr_health *h);
/* The plugin's .detach: safe after a failed or partial attach. */
void scxp_plugin_detach(struct ktstr_sched_ctx *ctx);

/* The last `tail` lines of a libbpf log before and including the error. */
char *scxp_trim_verifier_log(const char *log, unsigned tail);
/* libbpf refused a kfunc that this kernel's BTF cannot serve (an implicit 'aux'
 * argument without its *_impl): the reason in buf, true; else false. */
struct btf;
bool scxp_explain_implicit_args(const struct btf *vmlinux, const char *log, char *buf, size_t len);

#endif
