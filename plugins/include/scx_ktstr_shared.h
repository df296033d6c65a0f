/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Types shared by ktstr's BPF schedulers and their user-space glue: the
 * local view of struct sched_ext_ops (only the members ktstr sets; libbpf
 * matches them to the kernel's by name) and the exit record ops.exit()
 * fills. Compiles both with clang -target bpf and the host compiler.
 */
#ifndef SCX_KTSTR_SHARED_H
#define SCX_KTSTR_SHARED_H

#include <linux/types.h>
#ifndef __bpf__
#include <stdbool.h>
#endif

/* The kernel's short names, used by the BPF code and so by its skeletons. */
typedef __u8 u8;
typedef __u32 u32;
typedef __s32 s32;
typedef __u64 u64;
typedef __s64 s64;

struct task_struct;
struct scx_exit_info;

struct sched_ext_ops {
	__s32 (*select_cpu)(struct task_struct *p, __s32 prev_cpu, __u64 wake_flags);
	void (*enqueue)(struct task_struct *p, __u64 enq_flags);
	void (*dispatch)(__s32 cpu, struct task_struct *prev);
	void (*running)(struct task_struct *p);
	void (*stopping)(struct task_struct *p, bool runnable);
	void (*enable)(struct task_struct *p);
	__s32 (*init)(void);
	void (*exit)(struct scx_exit_info *ei);
	__u64 flags;
	__u32 timeout_ms;
	__u32 exit_dump_len;
	char name[128];
};

#define KTSTR_EXIT_DUMP_LEN	32768

/*
 * What ops.exit() copies out of the kernel's struct scx_exit_info (like
 * scx's user_exit_info): kind is written last, so a reader that sees
 * kind != 0 sees the rest.
 */
struct ktstr_uei {
	__s32 kind;
	__s64 exit_code;
	char reason[128];
	char msg[1024];
	char dump[KTSTR_EXIT_DUMP_LEN];
};

#endif
