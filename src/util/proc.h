/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Process lifetime helpers: how a child ended, in words; when a process
 * started; and run directories that belong to a live process, so that the
 * leftovers of a run that was killed can be told apart and swept.
 */
#ifndef KTSTR_PROC_H
#define KTSTR_PROC_H

#include <sys/types.h>

#include "util/util.h"

/*
 * A waitpid() status in words, into buf: "exit code 1", "killed by signal 9
 * (SIGKILL)", "stopped by signal 19 (SIGSTOP)". Returns buf. Every message
 * that shows a wait status uses this, never the raw number.
 */
const char *wait_status__describe(int status, char *buf, size_t len);

/* PID's start time in clock ticks after boot (field 22 of /proc/PID/stat), 0 if unknown. */
uint64_t proc__start_time(pid_t pid);

/*
 * A fresh directory PARENT/PREFIX.XXXXXX (mode 0700) holding an "owner"
 * file with our pid and start time, locked with flock(LOCK_EX) for as long
 * as *lock_fd stays open (close it after removing the directory; the kernel
 * drops the lock when the process dies, however it dies). The owner file is
 * locked before it gets its name, so a sweep never sees it unlocked while
 * we live. Returns 0 or -errno; *path is the new directory.
 */
int run_dir__create(const char *parent, const char *prefix, char **path, int *lock_fd);

/*
 * Remove the PARENT/PREFIX.* directories of this user whose owner lock can
 * be taken, i.e. whose run is gone. A directory without an owner file is
 * left alone (its run may be starting). on_removed, if not NULL, gets each
 * removed path and its owner file's text ("PID STARTTIME"). Returns the
 * number removed.
 */
unsigned run_dir__sweep(const char *parent, const char *prefix,
			void (*on_removed)(void *ctx, const char *path, const char *owner),
			void *ctx);

#endif
