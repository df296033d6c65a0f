// SPDX-License-Identifier: GPL-2.0-only
/*
 * write_file_atomic, the one way results and reports reach the disk: never
 * over a device, FIFO or directory, every error returned, no temp file left.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "tap.h"
#include "util/util.h"

/* Entries of dir other than . and ..; the first is copied to first. */
static int entries(const char *dir, char *first, size_t sz)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!n++ && first)
			snprintf(first, sz, "%s", de->d_name);
	}
	closedir(d);
	return n;
}

static bool has_content(const char *path, const char *want)
{
	_cleanup_free_ char *got = NULL;

	return !read_file(path, &got, NULL) && !strcmp(got, want);
}

/* A full file system: a 16 KiB tmpfs in a private mount namespace (gone when we exit). */
static int full_fs(const char *dir)
{
	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	if (mount("tmpfs", dir, "tmpfs", 0, "size=16k") < 0)
		return -errno;
	return 0;
}

int main(void)
{
	char tmpl[] = "/tmp/ktstr-write.XXXXXX", name[256] = "";
	char *d = mkdtemp(tmpl);
	_cleanup_free_ char *f = NULL, *link = NULL, *fifo = NULL, *sub = NULL, *big = NULL;
	struct stat st;
	struct rlimit rl;
	int ret;

	if (!d)
		return 99;
	f = xasprintf("%s/r.json", d);
	link = xasprintf("%s/link.json", d);
	fifo = xasprintf("%s/fifo", d);
	sub = xasprintf("%s/sub", d);
	tap_plan(19);

	tap_is_int(write_file_atomic(f, "one\n", 4), 0, "a new file is written");
	tap_ok(has_content(f, "one\n") && !stat(f, &st) && (st.st_mode & 07777) == 0644,
	       "with its content and mode 0644");
	tap_ok(entries(d, name, sizeof(name)) == 1 && !strcmp(name, "r.json"),
	       "no temp file left beside it (found %s)", name);
	chmod(f, 0600);
	tap_is_int(write_file_atomic(f, "two\n", 4), 0, "a regular file is replaced");
	tap_ok(has_content(f, "two\n") && !stat(f, &st) && (st.st_mode & 07777) == 0600,
	       "its mode is kept");

	tap_is_int(write_file_atomic("/dev/null", "x", 1), -EINVAL, "/dev/null is refused");
	tap_ok(!stat("/dev/null", &st) && S_ISCHR(st.st_mode), "/dev/null is still a device");
	tap_ok(!mkfifo(fifo, 0600), "mkfifo");
	alarm(10);	/* a FIFO opened for writing would block: fail loudly instead of hanging */
	tap_is_int(write_file_atomic(fifo, "x", 1), -EINVAL, "a FIFO is refused without blocking");
	alarm(0);
	tap_ok(!lstat(fifo, &st) && S_ISFIFO(st.st_mode), "the FIFO is still a FIFO");
	tap_ok(!mkdir(sub, 0700) && write_file_atomic(sub, "x", 1) == -EISDIR,
	       "a directory is refused (-EISDIR)");

	tap_ok(!symlink("r.json", link) && write_file_atomic(link, "three\n", 6) == 0,
	       "a symlink to a regular file is followed");
	tap_ok(!lstat(link, &st) && S_ISLNK(st.st_mode) && has_content(f, "three\n"),
	       "the target is replaced and the link kept");
	unlink(link);
	tap_ok(!symlink("/dev/null", link) && write_file_atomic(link, "x", 1) == -EINVAL,
	       "a symlink to /dev/null is refused");
	unlink(link);
	tap_ok(!symlink("nowhere", link) && write_file_atomic(link, "x", 1) == -ENOENT,
	       "a dangling symlink is refused (-ENOENT)");
	unlink(link);
	{
		_cleanup_free_ char *p = xasprintf("%s/no/such/dir/x.xml", d);

		tap_is_int(write_file_atomic(p, "x", 1), -ENOENT, "a missing directory is -ENOENT");
	}

	/* a failed write (file size limit: EFBIG) leaves neither a temp file nor a change */
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &rl);
	{
		struct rlimit small = { 1024, rl.rlim_max };

		big = xcalloc(1, 64 << 10);
		memset(big, 'x', (64 << 10) - 1);
		setrlimit(RLIMIT_FSIZE, &small);
		ret = write_file_atomic(f, big, 64 << 10);
		setrlimit(RLIMIT_FSIZE, &rl);
	}
	tap_ok(ret == -EFBIG && has_content(f, "three\n") && entries(d, NULL, 0) == 3,
	       "a failed write returns its errno (%d), keeps the old file, removes the temp file",
	       ret);

	/* ENOSPC on a full tmpfs */
	ret = full_fs(sub);
	if (ret) {
		printf("# cannot mount a tmpfs: %s\n", strerror(-ret));
		tap_skip("ENOSPC: mounting a 16 KiB tmpfs is not permitted here");
		tap_skip("ENOSPC: no temp file left");
	} else {
		_cleanup_free_ char *p = xasprintf("%s/result.json", sub);

		tap_is_int(write_file_atomic(p, big, 64 << 10), -ENOSPC, "a full file system is -ENOSPC");
		tap_is_int(entries(sub, NULL, 0), 0, "and leaves no temp file");
		umount(sub);
	}
	unlink(f);
	unlink(fifo);
	rmdir(sub);
	rmdir(d);
	return tap_done();
}
