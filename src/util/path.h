/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Paths and files named by user input: every path built from a name stays
 * inside its root, every removal stays inside the directory it cleans, and a
 * file read whole is a regular file of bounded size opened without blocking.
 */
#ifndef KTSTR_UTIL_PATH_H
#define KTSTR_UTIL_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/*
 * Is rel a relative path of plain components: not empty, not absolute, no
 * empty, "." or ".." component? Then root/rel is a descendant of root
 * whatever root is (symbolic links inside root aside).
 */
bool path_is_relative_plain(const char *rel);
/*
 * root + "/" + rel into *out (caller frees), or -EINVAL (nothing allocated)
 * when rel is not relative_plain or root is empty: the result is strictly
 * inside root, by construction.
 */
int path_join_under(const char *root, const char *rel, char **out);
/* Is path root + "/" + a relative_plain path (root's trailing slashes ignored)? */
bool path_is_inside(const char *root, const char *path);
/* rm -rf of path, refused with -EPERM unless path_is_inside(root, path). */
int rm_rf_inside(const char *root, const char *path);

/*
 * Read a user-named file whole (NUL-terminated): only a regular file of at
 * most max bytes. It is stat()ed before it is opened (a FIFO or a device is
 * never opened), opened O_NONBLOCK|O_NOCTTY|O_CLOEXEC and fstat()ed again.
 * Returns 0; -errno of stat, open or read; -EINVAL when it is not a regular
 * file (*st says what it is); -EFBIG when it holds more than max bytes.
 * st may be NULL.
 */
int read_regular_file(const char *path, size_t max, char **out, size_t *len, struct stat *st);
/* "a directory", "a FIFO", "a character device", ... for messages. */
const char *file_type_name(mode_t mode);

#endif
