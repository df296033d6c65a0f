/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One test VM as a process: spawn QEMU in its own process group (killed by
 * the kernel if ktstr-run dies first), read the results channel, enforce the
 * boot / run / teardown deadlines, and always reap it. Nothing here prints;
 * what happened is returned in struct vm_result.
 */
#ifndef KTSTR_VM_H
#define KTSTR_VM_H

#include "proto/proto.h"
#include "vm/qemu.h"

enum vm_outcome {
	VM_DONE,		/* DONE frame received and QEMU exited */
	VM_EXITED,		/* QEMU exited without a DONE frame (crash, panic, killed) */
	VM_TIMEOUT,		/* a deadline passed; vm_result.phase says which */
	VM_STOPPED,		/* the message callback asked to stop (e.g. topology mismatch) */
	VM_CANCELLED,		/* the cancel fd became readable (ktstr-run got a signal) */
	VM_SPAWN_FAILED,
};

struct vm_run_opts {
	const struct vm_config *cfg;
	const char *dir;		/* artifacts: qemu.cmdline, qemu.log, agent.log */
	/* cfg->console_log and qemu.log are written by the host from pipes (vm_result.console) */
	uint64_t boot_timeout_ns;	/* spawn -> HELO */
	uint64_t run_timeout_ns;	/* HELO -> DONE */
	uint64_t teardown_timeout_ns;	/* DONE -> QEMU exit */
	int cancel_fd;			/* readable = stop now; -1 = none */
	/* Bytes for the guest (frames for a restored agent), written as QEMU takes them. */
	const void *send;
	size_t send_len;
	/*
	 * Each frame as it arrives, and those read after QEMU exited; nonzero
	 * stops the VM (VM_STOPPED). Decode it with proto_dispatch.
	 */
	int (*on_msg)(void *ctx, const struct proto_msg *m);
	/*
	 * shell: a terminal for a guest shell, a virtio console (/dev/hvc0)
	 * relayed to and from these fds while QEMU runs. echo_console: the
	 * kernel console to term_out as well (--dmesg).
	 */
	bool shell;
	int term_in, term_out;
	bool echo_console;
	/* Once QEMU runs, with its pid (may be NULL). */
	void (*on_spawn)(void *ctx, pid_t pid);
	/* About every 250 ms with the current phase ("boot", "run", "teardown"). */
	void (*on_tick)(void *ctx, const char *phase, uint64_t elapsed_ns);
	void *ctx;
};

struct vm_result {
	enum vm_outcome outcome;
	const char *phase;		/* VM_TIMEOUT and friends: "boot", "run", "teardown" */
	int wait_status;		/* QEMU's, from waitpid() */
	bool got_hello, got_done;	/* the frames that end the boot and the run */
	unsigned frames;		/* good frames read */
	unsigned bad_frames;		/* bad headers, torn and corrupt frames */
	uint64_t dropped_bytes;		/* bytes of the channel in no good frame */
	size_t sent;			/* of vm_run_opts.send, bytes QEMU took */
	uint64_t boot_ns, run_ns, teardown_ns;
	char *error;			/* VM_SPAWN_FAILED: why */
	char *console;			/* the kernel console as QEMU wrote it (NUL-terminated) */
	size_t console_len;
	/* Artifacts (console.log, qemu.log, agent.log, qemu.cmdline) that did not reach the disk. */
	struct vm_write_error {
		char *path;
		int err;		/* -errno */
	} *write_errors;
	size_t nwrite_errors;
};

int vm__run(const struct vm_run_opts *o, struct vm_result *r);
void vm_result__free(struct vm_result *r);
const char *vm_outcome_name(enum vm_outcome o);

#endif
