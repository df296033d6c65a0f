// SPDX-License-Identifier: GPL-2.0-only
/* Paths built from names stay inside their root; user-named files are read safely. */
#include <errno.h>
#include <fcntl.h>

#include "util/path.h"
#include "util/util.h"

bool path_is_relative_plain(const char *rel)
{
	const char *p = rel;

	if (!rel || !*rel || *rel == '/')
		return false;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
		if (*p == '/' && !*++p)
			return false;	/* a trailing slash is an empty last component */
	}
	return true;
}

int path_join_under(const char *root, const char *rel, char **out)
{
	size_t n;

	if (!root || !*root || !path_is_relative_plain(rel))
		return -EINVAL;
	n = strlen(root);
	while (n > 1 && root[n - 1] == '/')	/* "/tmp//" + "a" is "/tmp/a" */
		n--;
	*out = xasprintf("%.*s%s%s", (int)n, root, n == 1 && root[0] == '/' ? "" : "/", rel);
	return 0;
}

bool path_is_inside(const char *root, const char *path)
{
	size_t n;

	if (!root || !*root || !path)
		return false;
	n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	if (n == 1 && root[0] == '/')
		n = 0;		/* root "/": path is "/" + rel */
	return !strncmp(path, root, n) && path[n] == '/' && path_is_relative_plain(path + n + 1);
}

int rm_rf_inside(const char *root, const char *path)
{
	if (!path_is_inside(root, path))
		return -EPERM;
	return rm_rf(path);
}

const char *file_type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "a regular file";
	case S_IFDIR: return "a directory";
	case S_IFIFO: return "a FIFO";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	case S_IFSOCK: return "a socket";
	case S_IFLNK: return "a symbolic link";
	}
	return "not a regular file";
}

int read_regular_file(const char *path, size_t max, char **out, size_t *len, struct stat *st)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat before, sb;
	size_t n = 0;

	if (!st)
		st = &sb;
	/* a FIFO or a device is refused before it is opened: opening one can block or act */
	if (stat(path, &before) < 0)
		return -errno;
	*st = before;
	if (!S_ISREG(before.st_mode))
		return -EINVAL;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0)
		return -errno;
	if (!S_ISREG(st->st_mode))	/* replaced between stat and open */
		return -EINVAL;
	if ((uint64_t)st->st_size > max)
		return -EFBIG;
	/* the size is a hint: the file may grow while it is read, so read at most max + 1 */
	buf = xmalloc((size_t)st->st_size + 2);
	for (size_t cap = (size_t)st->st_size + 1;;) {
		ssize_t r;

		if (n == cap) {
			cap = MIN(cap * 2 + 4096, max + 1);
			buf = xrealloc(buf, cap + 1);
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			break;
		n += r;
		if (n > max)
			return -EFBIG;
	}
	buf[n] = '\0';
	*out = TAKE_PTR(buf);
	if (len)
		*len = n;
	return 0;
}
