// SPDX-License-Identifier: GPL-2.0-only
/* Process lifetime helpers: wait statuses in words, start times, owned run directories. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "util/path.h"
#include "util/proc.h"

#define OWNER_FILE "owner"

static const char *sig_name(int sig)
{
	const char *abbrev = sigabbrev_np(sig);

	return abbrev ? abbrev : "?";
}

const char *wait_status__describe(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit code %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (SIG%s)%s", WTERMSIG(status),
			 sig_name(WTERMSIG(status)), WCOREDUMP(status) ? ", core dumped" : "");
	else if (WIFSTOPPED(status))
		snprintf(buf, len, "stopped by signal %d (SIG%s)", WSTOPSIG(status),
			 sig_name(WSTOPSIG(status)));
	else if (WIFCONTINUED(status))
		snprintf(buf, len, "continued");
	else
		snprintf(buf, len, "unknown wait status 0x%x", (unsigned)status);
	return buf;
}

uint64_t proc__start_time(pid_t pid)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/stat", (int)pid);
	_cleanup_free_ char *s = NULL;
	unsigned long long start;
	char *p;

	if (read_file(path, &s, NULL))
		return 0;
	/* the command name may hold spaces and ')': the fields start after the last ')' */
	p = strrchr(s, ')');
	if (!p)
		return 0;
	/* field 3 (state) is first after ") "; starttime is field 22 */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
		   "%*d %*d %llu", &start) != 1)
		return 0;
	return start;
}

int run_dir__create(const char *parent, const char *prefix, char **path, int *lock_fd)
{
	_cleanup_free_ char *name = xasprintf("%s.XXXXXX", prefix);
	_cleanup_free_ char *dir = NULL, *tmp = NULL, *owner = NULL, *text = NULL;
	_cleanup_close_ int fd = -1;
	int ret;

	*path = NULL;
	*lock_fd = -1;
	ret = path_join_under(parent, name, &dir);
	if (ret)
		return ret;
	if (!mkdtemp(dir))
		return -errno;
	tmp = xasprintf("%s/" OWNER_FILE ".new", dir);
	owner = xasprintf("%s/" OWNER_FILE, dir);
	text = xasprintf("%d %" PRIu64 "\n", (int)getpid(), proc__start_time(getpid()));
	errno = 0;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text) || rename(tmp, owner) < 0) {
		ret = errno ? -errno : -EIO;
		rm_rf_inside(parent, dir);
		return ret;
	}
	*path = TAKE_PTR(dir);
	*lock_fd = TAKE_FD(fd);
	return 0;
}

/* NAME looks like PREFIX.XXXXXX, as mkdtemp makes it. */
static bool is_run_dir_name(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(name, prefix, n) && name[n] == '.' && strlen(name + n + 1) == 6;
}

/* Remove PARENT/NAME if it is a directory of ours whose owner lock is free. */
static bool sweep_one(int dfd, const char *parent, const char *name,
		      void (*on_removed)(void *, const char *, const char *), void *ctx)
{
	_cleanup_free_ char *owner = xasprintf("%s/" OWNER_FILE, name), *path = NULL;
	_cleanup_close_ int fd = -1;
	char text[64] = "";
	struct stat st;
	ssize_t n;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid())
		return false;
	fd = openat(dfd, owner, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	/* a live run holds the lock until it has removed its directory */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return false;
	n = read(fd, text, sizeof(text) - 1);
	text[n > 0 ? n : 0] = '\0';
	str_trim(text);
	if (path_join_under(parent, name, &path) || rm_rf_inside(parent, path) < 0)
		return false;
	if (on_removed)
		on_removed(ctx, path, text);
	return true;
}

unsigned run_dir__sweep(const char *parent, const char *prefix,
			void (*on_removed)(void *ctx, const char *path, const char *owner),
			void *ctx)
{
	DIR *d = opendir(parent);
	struct dirent *de;
	unsigned removed = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (is_run_dir_name(de->d_name, prefix) &&
		    sweep_one(dirfd(d), parent, de->d_name, on_removed, ctx))
			removed++;
	closedir(d);
	return removed;
}
