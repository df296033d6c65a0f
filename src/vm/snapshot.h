/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Boot once, test many: a template VM booted to the agent's RDY (it waits
 * for its plan on the channel) is saved as QEMU's migration stream plus its
 * RAM as files, content-keyed under the kernel cache's .snapshots. A test
 * restores it: its RAM is a fresh memfd filled from the snapshot's non-zero
 * pages (the monitor reads it as before), QEMU loads the device state with
 * x-ignore-shared, and the agent gets its files and plan over the channel.
 */
#ifndef KTSTR_VM_SNAPSHOT_H
#define KTSTR_VM_SNAPSHOT_H

#include "vm/vm.h"

struct vm_snapshot {
	char *dir;			/* <root>/<key> */
	char *state;			/* dir/state: the migration stream (device state) */
	unsigned nram;			/* one RAM file per NUMA node: dir/ram<i> */
	uint64_t ram_bytes[SPEC_MAX_NUMA_NODES];
	uint32_t ram_crc[SPEC_MAX_NUMA_NODES];	/* crc32 of the non-zero pages with their offsets */
	uint64_t ram_data[SPEC_MAX_NUMA_NODES];	/* bytes of non-zero pages */
	char key[65];
};

/* Where snapshots live: <kernel cache root>/.snapshots (removed by ktstr-kernel clean). */
int vm_snapshot__root(char **out);

/*
 * The key of a VM: sha256 over QEMU's version, the kernel's and initrd's
 * sha256 (their content, remembered per process by file identity) and the
 * QEMU command line without their paths and what differs per run (the
 * console path, the RAM fds' numbers, tsc_early_khz): topology, NUMA,
 * memory, the kernel command line, the accelerator.
 */
int vm_snapshot__key(const struct vm_config *cfg, char key[65], char **err);

/*
 * The verified snapshot for key under root: -ENOENT when there is none, or
 * another error with *why when it does not match its records.
 */
int vm_snapshot__open(const char *root, const char *key, struct vm_snapshot **out, char **why);

/*
 * Boot cfg as a template (its initrd must hold no run.json) and save it as
 * the snapshot for key; while one process builds it, others wait on its
 * lock and then open it. *built says whether this call booted the template.
 */
int vm_snapshot__get(const struct vm_config *cfg, const char *root, const char *key,
		     uint64_t boot_timeout_ns, int cancel_fd, struct vm_snapshot **out,
		     bool *built, char **why);

/*
 * Fill a restored VM's RAM (one fd per node, sized as the snapshot's) with
 * the snapshot's non-zero pages, checking them against the recorded crc.
 */
int vm_snapshot__fill(const struct vm_snapshot *s, const int *fds, unsigned n, char **why);

/*
 * QEMU arguments that restore s (NULL-terminated, free with qemu__argv_free):
 * QEMU waits for vm_snapshot__incoming on its QMP socket *qmp (caller frees).
 */
char **vm_snapshot__restore_args(const struct vm_snapshot *s, char **qmp);
/* Once QEMU runs: turn x-ignore-shared on and load s's device state; the guest then runs. */
int vm_snapshot__incoming(const struct vm_snapshot *s, const char *qmp, char **why);

/* Remove a snapshot found damaged (under its key's lock); the next test builds it again. */
int vm_snapshot__remove(const char *root, const struct vm_snapshot *s);

void vm_snapshot__free(struct vm_snapshot *s);

#endif
