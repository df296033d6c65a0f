// SPDX-License-Identifier: GPL-2.0-only
/*
 * write_file_atomic, the one way results and reports reach the disk: never
 * over a device, FIFO or directory, every error returned, no temp file left.
 */
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
#include "report/report.h"
#include <sys/wait.h>

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

struct failed {
	char path[256];
	int err, n;
};

static void note_failed(void *ctx, const char *path, int err)
{
	struct failed *f = ctx;

	if (!f->n++) {
		snprintf(f->path, sizeof(f->path), "%s", path);
		f->err = err;
	}
}

/*
 * A report of one test through every format; returns report__end's result.
 * mute: stdout to /dev/null meanwhile (the text report off our TAP stream).
 */
static int one_report(struct report_opts *o, struct failed *f, const char *results_dir, bool mute)
{
	struct test_result t = { .name = (char *)"t", .status = TEST_PASS,
				 .results_dir = (char *)results_dir };
	struct report *r;
	int ret, out = -1;

	o->write_failed = note_failed;
	o->ctx = f;
	fflush(stdout);
	if (mute) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		out = dup(1);
		dup2(null, 1);
		close(null);
	}
	r = report__new(o);
	report__begin(r, 1);
	report__test_done(r, &t);
	ret = report__end(r);
	report__free(r);
	if (out >= 0) {
		dup2(out, 1);
		close(out);
	}
	return ret;
}

/* The text report onto a full stdout, in a child: its report__end result as the exit code. */
static int report_to_full_stdout(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		struct report_opts o = { .quiet = true };
		struct failed f = { 0 };
		int ret;

		if (!freopen("/dev/full", "w", stdout))
			_exit(100);
		ret = one_report(&o, &f, NULL, false);
		_exit(ret == -ENOSPC && f.n == 1 && !strcmp(f.path, "stdout") ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
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
	tap_plan(23);

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
	/* the report formats say which file they could not write */
	{
		_cleanup_free_ char *missing = xasprintf("%s/gone", d);
		_cleanup_free_ char *want = xasprintf("%s/result.json", missing);
		struct report_opts o = { .quiet = true, .junit = fifo };
		struct failed fl = { 0 };

		ret = one_report(&o, &fl, missing, true);
		tap_ok(ret == -ENOENT && fl.n == 2 && !strcmp(fl.path, want),
		       "result.json into a missing directory: -ENOENT, its path named (got %d, %s)",
		       ret, fl.path);
		tap_ok(fl.err == -ENOENT, "the first failure's errno is passed on");
		fl = (struct failed){ 0 };
		o.junit = "/dev/null";
		ret = one_report(&o, &fl, NULL, true);
		tap_ok(ret == -EINVAL && fl.n == 1 && !strcmp(fl.path, "/dev/null"),
		       "--junit /dev/null: refused and named (got %d, %s)", ret, fl.path);
	}
	tap_is_int(report_to_full_stdout(), 0, "the text report onto a full stdout: -ENOSPC, 'stdout' named");

	unlink(f);
	unlink(fifo);
	rmdir(sub);
	rmdir(d);
	return tap_done();
}
