/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few sched_ext kernel types, constants and kfuncs ktstr's BPF
 * schedulers use, as a CO-RE header: the build host's kernel need not have
 * sched_ext. Types carry preserve_access_index, so field offsets are fixed
 * up by libbpf against the running kernel's BTF; libbpf matches struct_ops
 * members by name, so the local struct sched_ext_ops lists only the members
 * ktstr's schedulers set (all present since Linux 6.12).
 */
#ifndef SCX_KTSTR_COMMON_BPF_H
#define SCX_KTSTR_COMMON_BPF_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "scx_ktstr_shared.h"

#define __pai __attribute__((preserve_access_index))

struct sched_ext_entity {
	u64 dsq_vtime;
	u64 slice;
	u32 weight;
	u32 flags;		/* SCX_TASK_* */
} __pai;

#define SCX_TASK_QUEUED		(1U << 0)	/* on the scx run queue */

struct cpumask {
	unsigned long bits[1];
} __pai;

struct task_struct {
	int pid;
	int tgid;
	unsigned int flags;
	const struct cpumask *cpus_ptr;
	struct sched_ext_entity scx;
} __pai;

#define PF_KTHREAD		0x00200000

struct scx_init_task_args {
	bool fork;
} __pai;

enum scx_exit_kind {
	SCX_EXIT_NONE,
	SCX_EXIT_DONE,
};

struct scx_exit_info {
	enum scx_exit_kind kind;
	s64 exit_code;
	const char *reason;
	char *msg;
	char *dump;
} __pai;


/* Built-in DSQ ids and flags (include/linux/sched/ext.h, stable ABI values). */
#define SCX_DSQ_FLAG_BUILTIN	(1ULL << 63)
#define SCX_DSQ_FLAG_LOCAL_ON	(1ULL << 62)
#define SCX_DSQ_GLOBAL		(SCX_DSQ_FLAG_BUILTIN | 1)
#define SCX_DSQ_LOCAL		(SCX_DSQ_FLAG_BUILTIN | 2)
#define SCX_DSQ_LOCAL_ON	(SCX_DSQ_FLAG_BUILTIN | SCX_DSQ_FLAG_LOCAL_ON)
#define SCX_SLICE_DFL		(20ULL * 1000 * 1000)
#define SCX_ENQ_WAKEUP		(1ULL << 0)
#define SCX_ENQ_LAST		(1ULL << 41)
#define SCX_KICK_IDLE		(1ULL << 0)
#define SCX_OPS_ENQ_LAST	(1ULL << 1)
#define SCX_OPS_ENQ_EXITING	(1ULL << 2)

/* kfuncs: signatures as in the 7.x kernel (libbpf checks compatibility). */
s32 scx_bpf_create_dsq(u64 dsq_id, s32 node) __ksym;
void scx_bpf_dsq_insert(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym;
void scx_bpf_dsq_insert_vtime(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime,
			      u64 enq_flags) __ksym;
bool scx_bpf_dsq_move_to_local(u64 dsq_id) __ksym;
s32 scx_bpf_dsq_nr_queued(u64 dsq_id) __ksym;
s32 scx_bpf_select_cpu_dfl(struct task_struct *p, s32 prev_cpu, u64 wake_flags, bool *is_idle) __ksym;
s32 scx_bpf_task_cpu(const struct task_struct *p) __ksym;
void scx_bpf_kick_cpu(s32 cpu, u64 flags) __ksym;
u32 scx_bpf_nr_cpu_ids(void) __ksym;
bool bpf_cpumask_test_cpu(u32 cpu, const struct cpumask *cpumask) __ksym;
void scx_bpf_error_bstr(char *fmt, unsigned long long *data, u32 data__sz) __ksym;

/* scx_bpf_error("fmt", args...): abort the scheduler with a message (as in scx's common.bpf.h). */
#define scx_bpf_error(fmt, args...)						\
({										\
	static char ___fmt[] = fmt;						\
	unsigned long long ___param[___bpf_narg(args)];				\
										\
	_Pragma("GCC diagnostic push")						\
	_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")			\
	___bpf_fill(___param, args);						\
	_Pragma("GCC diagnostic pop")						\
	scx_bpf_error_bstr(___fmt, ___param, sizeof(___param));			\
})

#define BPF_STRUCT_OPS(name, args...) SEC("struct_ops/" #name) BPF_PROG(name, ##args)

#ifndef barrier_var
#define barrier_var(var) asm volatile("" : "+r"(var))
#endif

static inline bool vtime_before(u64 a, u64 b)
{
	return (s64)(a - b) < 0;
}


/* Fill a struct ktstr_uei from ops.exit()'s argument; kind last. */
#define KTSTR_UEI_RECORD(uei, ei)						\
({										\
	bpf_probe_read_kernel_str((uei).reason, sizeof((uei).reason),		\
				  BPF_CORE_READ(ei, reason));			\
	bpf_probe_read_kernel_str((uei).msg, sizeof((uei).msg),			\
				  BPF_CORE_READ(ei, msg));			\
	bpf_probe_read_kernel_str((uei).dump, sizeof((uei).dump),		\
				  BPF_CORE_READ(ei, dump));			\
	(uei).exit_code = BPF_CORE_READ(ei, exit_code);				\
	asm volatile("" ::: "memory");						\
	(uei).kind = BPF_CORE_READ(ei, kind);					\
})

#endif
