/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers shared inside src/kernel/: child processes, hashing, copying, JSON metadata. */
#ifndef KTSTR_KERNEL_INTERNAL_H
#define KTSTR_KERNEL_INTERNAL_H

#include <sys/stat.h>

#include "kernel/kernel.h"

/*
 * Run argv (argv[0] looked up in PATH) in @cwd (NULL: here) with stdout and
 * stderr on a pipe; each output line goes to p->line. *tail (if given) gets
 * the last lines, for error messages. Returns the exit status (>= 0), or
 * -errno when it could not run.
 */
int kernel_run(const char *const argv[], const char *cwd, const struct kernel_progress *p, char **tail);

/* Report a phase message through p->line, printf-style. */
void kernel_say(const struct kernel_progress *p, const char *fmt, ...) __printf(2, 3);

/* crc32 (zlib) of a file as 8 hex chars; "00000000" for NULL. */
int kernel_crc32_file(const char *path, char out[9]);
/*
 * sha256 of @path (@st its stat), remembered by identity (path, inode, size,
 * mtime) for the life of the process: ktstr-run asks once per test.
 */
int kernel_sha256_memo(const char *path, const struct stat *st, char sum[65]);
/*
 * Parse an entry's metadata.json (@buf, @len) into @e (key, dir and image
 * already set); a problem sets e->corrupt ("metadata unreadable: ...",
 * "metadata incomplete") instead of failing.
 */
void kernel_cache__parse_meta(const char *buf, size_t len, struct kernel_cache_entry *e);
/* Copy a file (0644) with fsync. */
int kernel_copy_file(const char *src, const char *dst);
/* "/x/y/z" -> "z" pointer inside @path. */
const char *kernel_basename(const char *path);

/*
 * The Debian mirror URI and keyring (Signed-By, may be NULL) of the apt
 * configuration under @etc ("/etc/apt"): *.sources (deb822), sources.list,
 * sources.list.d/ *.list; "deb" entries only, security archives skipped, a
 * ".../debian" archive preferred. Read only. 0 or -ENOENT.
 */
int kernel_apt_mirror(const char *etc, char **uri, char **signed_by);

#endif
