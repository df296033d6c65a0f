// SPDX-License-Identifier: GPL-2.0-only
/* Small helpers every subsystem uses. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>

#include "util/util.h"

static void oom(void)
{
	fputs("ktstr: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	return s ? xstrndup(s, strlen(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		oom();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		oom();
	va_end(ap);
	return p;
}

size_t array_capacity(size_t n)
{
	size_t cap = 4;

	if (!n)
		return 0;
	while (cap < n) {
		if (cap > SIZE_MAX / 2)
			oom();
		cap *= 2;
	}
	return cap;
}

/*
 * The capacity is not stored but derived from *n (array_capacity), so the
 * array can stay a bare pointer and count: it doubles when *n reaches a
 * power of two, amortised O(1) instead of a realloc (and often a copy) per
 * element. The price is the contract in util.h: only array_push grows it.
 */
void *array_push(void *arr_p, size_t *n, size_t sz)
{
	char **arr = arr_p;
	size_t cap = array_capacity(*n + 1), bytes;

	if (array_capacity(*n) < cap || !*arr) {
		if (__builtin_mul_overflow(cap, sz, &bytes))
			oom();
		*arr = xrealloc(*arr, bytes);
	}
	memset(*arr + *n * sz, 0, sz);
	return *arr + (*n)++ * sz;
}

bool str_eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

bool str_startswith(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

bool str_endswith(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !strcmp(s + ls - lx, suffix);
}

bool str_eq_loose(const char *a, const char *b)
{
	for (;;) {
		while (*a == '_' || *a == '-')
			a++;
		while (*b == '_' || *b == '-')
			b++;
		if (!*a || !*b)
			return !*a && !*b;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
		a++, b++;
	}
}

unsigned str_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned *row = xcalloc(lb + 1, sizeof(*row));
	unsigned d;

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		unsigned prev = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned cur = row[j];
			unsigned cost = tolower((unsigned char)a[i - 1]) !=
					tolower((unsigned char)b[j - 1]);

			row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), prev + cost);
			prev = cur;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

char *str_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

int write_fd(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t r = write(fd, p, len);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += r;
		len -= r;
	}
	return 0;
}

int read_file(const char *path, char **out, size_t *len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *buf;

	if (fd < 0)
		return -errno;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			free(buf);
			return r;
		}
		if (!r)
			break;
		n += r;
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

void hex_encode(const void *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

int write_file(const char *path, const void *buf, size_t len)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	return write_fd(fd, buf, len);
}

int mkdir_p(const char *path, unsigned mode)
{
	_cleanup_free_ char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int rm_rf(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int ret = 0;

	if (!path || !*path || str_eq(path, "/"))
		return -EINVAL;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 ? -errno : 0;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;

		if (str_eq(de->d_name, ".") || str_eq(de->d_name, ".."))
			continue;
		sub = xasprintf("%s/%s", path, de->d_name);
		if (rm_rf(sub) < 0 && !ret)
			ret = -errno;
	}
	closedir(d);
	if (rmdir(path) < 0 && !ret)
		ret = -errno;
	return ret;
}

/* The file write_file_atomic replaces: path, or what its symlinks lead to. */
static int atomic_target(const char *path, char **target, struct stat *st, bool *exists)
{
	char *real;

	*exists = false;
	if (lstat(path, st) < 0) {
		if (errno != ENOENT)
			return -errno;
		*target = xstrdup(path);
		return 0;
	}
	if (S_ISLNK(st->st_mode)) {
		/* realpath fails on a dangling link: that is refused (-ENOENT) */
		if (stat(path, st) < 0)
			return -errno;
		real = realpath(path, NULL);
		if (!real)
			return -errno;
		*target = real;
	} else {
		*target = xstrdup(path);
	}
	*exists = true;
	if (S_ISDIR(st->st_mode))
		return -EISDIR;
	if (!S_ISREG(st->st_mode))
		return -EINVAL;
	return 0;
}

/* fsync a directory so that a rename in it survives a crash. */
static int fsync_dir(const char *dir)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	/* some file systems cannot sync a directory: nothing more to do there */
	if (fsync(fd) < 0 && errno != EINVAL && errno != ENOTSUP)
		return -errno;
	return 0;
}

int write_file_atomic(const char *path, const void *buf, size_t len)
{
	return write_file_atomic_mode(path, buf, len, -1);
}

int write_file_atomic_mode(const char *path, const void *buf, size_t len, int mode)
{
	_cleanup_free_ char *target = NULL, *tmp = NULL, *dir = NULL;
	const char *base;
	struct stat st;
	bool exists;
	int fd, ret;

	if (!path || !*path)
		return -EINVAL;
	ret = atomic_target(path, &target, &st, &exists);
	if (ret)
		return ret;
	base = strrchr(target, '/');
	dir = base ? xstrndup(target, base == target ? 1 : (size_t)(base - target)) : xstrdup(".");
	base = base ? base + 1 : target;
	if (!*base)
		return -EISDIR;
	tmp = xasprintf("%s/.%s.XXXXXX", dir, base);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = fchmod(fd, mode >= 0 ? (mode_t)mode : exists ? st.st_mode & 07777 : 0644) < 0 ? -errno : 0;
	if (!ret)
		ret = write_fd(fd, buf, len);
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, target) < 0)
		ret = -errno;
	if (ret) {
		unlink(tmp);
		return ret;
	}
	return fsync_dir(dir);
}

const char *write_error_str(int err)
{
	if (err == -EINVAL)
		return "not a regular file (a device, FIFO or socket is never replaced)";
	return strerror(-err);
}
