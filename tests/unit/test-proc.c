// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for util/proc: wait statuses in words, start times, owned run dirs and their sweep. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tap.h"
#include "util/proc.h"

/* The wait status of a child that does WHAT: exit(code) or raise(sig). */
static int child_status(int code, int sig)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		if (sig) {
			signal(sig, SIG_DFL);
			raise(sig);
		}
		_exit(code);
	}
	if (sig == SIGSTOP) {
		waitpid(pid, &st, WUNTRACED);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return st;
	}
	waitpid(pid, &st, 0);
	return st;
}

static void count_removed(void *ctx, const char *path, const char *owner)
{
	(void)path;
	(void)owner;
	++*(unsigned *)ctx;
}

/* A run dir made by a child process that then dies (however): what the sweep sees. */
static char *dead_run_dir(const char *parent)
{
	int p[2];
	char buf[4096] = "";
	ssize_t n;
	pid_t pid;

	if (pipe(p))
		return NULL;
	pid = fork();
	if (pid == 0) {
		char *path;
		int fd;

		close(p[0]);
		if (run_dir__create(parent, "ktstr-run", &path, &fd))
			_exit(1);
		(void)!write(p[1], path, strlen(path));
		close(p[1]);
		raise(SIGKILL);	/* no cleanup: as a SIGKILLed ktstr-run */
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	waitpid(pid, NULL, 0);
	return n > 0 ? xstrndup(buf, n) : NULL;
}

int main(void)
{
	char buf[128], tmpl[] = "/tmp/ktstr-test-proc.XXXXXX";
	_cleanup_free_ char *live = NULL, *dead = NULL, *noowner = NULL, *other = NULL;
	_cleanup_free_ char *owner_path = NULL, *owner_text = NULL;
	unsigned removed = 0;
	int lock_fd = -1;
	struct stat st;
	char *parent;

	tap_plan(15);
	tap_is_str(wait_status__describe(child_status(1, 0), buf, sizeof(buf)), "exit code 1",
		   "exit(1) is 'exit code 1', not 'status 256'");
	tap_is_str(wait_status__describe(child_status(0, 0), buf, sizeof(buf)), "exit code 0",
		   "exit(0)");
	tap_is_str(wait_status__describe(child_status(0, SIGKILL), buf, sizeof(buf)),
		   "killed by signal 9 (SIGKILL)", "SIGKILL is named");
	tap_is_str(wait_status__describe(child_status(0, SIGSTOP), buf, sizeof(buf)),
		   "stopped by signal 19 (SIGSTOP)", "a stopped child");
	tap_is_str(wait_status__describe(0xffff, buf, sizeof(buf)), "continued",
		   "a continued child");

	tap_ok(proc__start_time(getpid()) > 0, "our own start time is read");
	tap_ok(proc__start_time(getpid()) == proc__start_time(getpid()), "and is stable");
	tap_ok(proc__start_time(0x7ffffff0) == 0, "a pid that does not exist has none");

	parent = mkdtemp(tmpl);
	if (!parent)
		return 99;
	tap_ok(!run_dir__create(parent, "ktstr-run", &live, &lock_fd) && lock_fd >= 0,
	       "a run dir is created, its owner file locked");
	owner_path = xasprintf("%s/owner", live);
	read_file(owner_path, &owner_text, NULL);
	{
		char want[64];

		snprintf(want, sizeof(want), "%d %llu\n", (int)getpid(),
			 (unsigned long long)proc__start_time(getpid()));
		tap_is_str(owner_text, want, "the owner file holds our pid and start time");
	}
	dead = dead_run_dir(parent);
	noowner = xasprintf("%s/ktstr-run.abcdef", parent);
	mkdir(noowner, 0700);
	other = xasprintf("%s/other.abcdef", parent);
	mkdir(other, 0700);
	tap_ok(dead && !stat(dead, &st), "a SIGKILLed owner leaves its run dir behind");
	tap_is_int(run_dir__sweep(parent, "ktstr-run", count_removed, &removed), 1,
		   "the sweep removes one dir");
	tap_ok(removed == 1 && dead && stat(dead, &st) < 0 && errno == ENOENT,
	       "it is the dead run's");
	tap_ok(!stat(live, &st) && !stat(noowner, &st) && !stat(other, &st),
	       "a live run's dir, one without owner and one with another name stay");
	close(lock_fd);
	tap_is_int(run_dir__sweep(parent, "ktstr-run", NULL, NULL), 1,
		   "once its owner closes the lock, the dir is swept");
	rm_rf(parent);
	return tap_done();
}
