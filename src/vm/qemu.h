/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mapping a test VM onto QEMU: accelerator choice, machine type, the spec
 * topology as sockets/cores/threads and NUMA nodes, the kernel command line
 * and the results channel device.
 */
#ifndef KTSTR_QEMU_H
#define KTSTR_QEMU_H

#include "util/util.h"
#include "spec/spec.h"

enum vm_accel { VM_ACCEL_AUTO, VM_ACCEL_KVM, VM_ACCEL_TCG };
enum vm_machine { VM_MACHINE_AUTO, VM_MACHINE_Q35, VM_MACHINE_MICROVM };

/* Everything needed to start one VM. Borrowed pointers; the caller owns them. */
struct vm_config {
	const char *qemu;		/* NULL: $KTSTR_QEMU, $QEMU, qemu-system-x86_64 */
	const char *kernel;
	const char *initrd;
	struct spec_topology topo;
	uint64_t memory_mb;		/* total; split over nodes unless node_memory_mb set */
	bool kvm;
	enum vm_machine machine;	/* AUTO: qemu__pick_machine() */
	const char *const *kargs;	/* extra kernel arguments, NULL-terminated */
	const char *console_log;	/* kernel console (ttyS0) goes to this file */
	unsigned tsc_khz;		/* TCG: host TSC rate for tsc_early_khz=, 0 = none */
	/*
	 * RAM backends the host can read (the monitor): one fd per NUMA node,
	 * sized as qemu__node_memory(). QEMU inherits them (vm.c) and maps
	 * them shared as memory-backend-file /proc/self/fd/N. NULL: plain RAM.
	 */
	const int *mem_fds;
	unsigned nmem_fds;
	/*
	 * > 0: a connected socket QEMU inherits at this number, wired to a
	 * virtconsole (the guest's /dev/hvc0) for an interactive shell. q35 only.
	 */
	int shell_fd;
	/* Appended as they are (snapshots: -qmp, -incoming, -global migration...). */
	const char *const *extra_args;
};

/*
 * Decide KVM or TCG. Auto picks KVM only when /dev/kvm opens read-write and
 * /proc/cpuinfo shows vmx or svm. *reason is one line ("tcg: no vmx/svm...").
 * Returns true for KVM. proc_root is "" normally (tests pass a fake tree).
 */
bool qemu__pick_accel(enum vm_accel want, const char *proc_root, char **reason);
/* Measure the host's TSC rate (20 ms against CLOCK_MONOTONIC); 0 when unknown. */
unsigned qemu__host_tsc_khz(void);
/* The machine type: c->machine, or q35 (see qemu.c for the measurements). */
enum vm_machine qemu__pick_machine(const struct vm_config *c);
const char *qemu__machine_name(enum vm_machine m);
/* Guest device of the results channel for a machine. */
const char *qemu__channel_device(enum vm_machine m);
/* The kernel command line (ktstr defaults + c->kargs). */
char *qemu__kernel_cmdline(const struct vm_config *c);
/* argv for QEMU, NULL-terminated, malloc'd strings. The results channel is QEMU's stdout. */
int qemu__argv(const struct vm_config *c, char ***argv, char **err);
void qemu__argv_free(char **argv);
/* Shell-quoted one-line form (saved as qemu.cmdline). */
char *qemu__argv_string(char *const *argv);
/* Does this vmlinux carry a PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY)? */
bool qemu__has_pvh_note(const char *vmlinux);
/*
 * The uncompressed vmlinux of a bzImage, extracted once into cache_dir (with
 * a size and sha256 record beside it, checked on every hit: a damaged one is
 * extracted again, with a warning), when it can boot through PVH (faster
 * under TCG). -ENOEXEC when it cannot.
 */
/* Where the PVH vmlinux files are kept: "vmlinux" beside initramfs__cache_dir(). */
char *qemu__pvh_cache_dir(void);

int qemu__pvh_kernel(const char *image, const char *cache_dir, char **out);
/* Memory per NUMA node in MiB (node_mb[SPEC_MAX_NUMA_NODES]); returns the node count. */
unsigned qemu__node_memory(const struct vm_config *c, uint64_t *node_mb);
/* The fd number QEMU sees the i-th of c->mem_fds as (above every fd it is given). */
int qemu__mem_fd_target(const struct vm_config *c, unsigned i);
/* The QEMU binary to run. */
const char *qemu__binary(const struct vm_config *c);

#endif
