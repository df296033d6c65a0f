/* SPDX-License-Identifier: GPL-2.0-only */
/* Small helpers every subsystem uses: cleanup attributes, allocation, strings, time. */
#ifndef KTSTR_UTIL_H
#define KTSTR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __unused __attribute__((unused))

#define NSEC_PER_SEC 1000000000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_USEC 1000ULL

static inline void freep(void *p) { free(*(void **)p); }
static inline void closep(int *fd) { if (*fd >= 0) close(*fd); }
static inline void fclosep(FILE **f) { if (*f) fclose(*f); }
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Hand ownership out of a _cleanup_ variable. */
#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -1; _fd; })

/* Allocation that aborts on failure: ktstr cannot run out of memory usefully. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __printf(1, 2);

/*
 * Grow *arr (of *n elements of sz) by one zeroed element, return a pointer to
 * it. Room for array_capacity(*n) elements is kept (powers of two from 4), so
 * an array must be grown only by array_push, starting from NULL and 0 (or
 * after a shrink of *n); one allocated another way (xcalloc of exactly n)
 * must not be pushed to. Free it with free().
 */
void *array_push(void *arr_p, size_t *n, size_t sz);
/* The elements array_push keeps room for when the array holds n: 0, 4, 8, 16, ... */
size_t array_capacity(size_t n);

bool str_eq(const char *a, const char *b);
bool str_startswith(const char *s, const char *prefix);
bool str_endswith(const char *s, const char *suffix);
/* Case-insensitive compare that also ignores '_' and '-' (CpuSpin == cpu_spin). */
bool str_eq_loose(const char *a, const char *b);
/* Damerau-free Levenshtein distance, for "did you mean". */
unsigned str_distance(const char *a, const char *b);
char *str_trim(char *s);

/* Monotonic and wall clocks in nanoseconds. */
uint64_t now_ns(void);
uint64_t wall_ns(void);

/* Read a whole file (NUL-terminated); returns 0 or -errno. */
int read_file(const char *path, char **out, size_t *len);
int write_file(const char *path, const void *buf, size_t len);
/* All of buf to fd, across short writes and EINTR; 0 or -errno. */
int write_fd(int fd, const void *buf, size_t len);
/* n bytes as 2n lowercase hex digits and a NUL into out (2n + 1 bytes). */
void hex_encode(const void *p, size_t n, char *out);
/*
 * Replace path with buf atomically: a unique temp file ".NAME.XXXXXX" beside
 * it (O_EXCL|O_CLOEXEC, mode 0644 or the replaced file's), fsync'd, renamed
 * over path, then the directory fsync'd. Only a regular file or a missing one
 * is replaced: a device, FIFO or socket is refused with -EINVAL and a
 * directory with -EISDIR, without opening it (so a FIFO never blocks). A
 * symlink is followed: its target is replaced if it is a regular file (the
 * link stays); a dangling one is refused (-ENOENT). Returns 0 or -errno (write_error_str() says it
 * in words); on failure the temp file is removed and path is untouched.
 */
int write_file_atomic(const char *path, const void *buf, size_t len);
/* The same with the new file's mode given (mode < 0: as above). */
int write_file_atomic_mode(const char *path, const void *buf, size_t len, int mode);
/* strerror for write_file_atomic's result (-EINVAL: "not a regular file ..."). */
const char *write_error_str(int err);
/* mkdir -p. */
int mkdir_p(const char *path, unsigned mode);
/* rm -rf, refusing "/" and empty paths. */
int rm_rf(const char *path);

#endif
