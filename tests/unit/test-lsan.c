// SPDX-License-Identifier: GPL-2.0-only
/*
 * Under --enable-asan, make check runs with LeakSanitizer on: a child that
 * drops a block must fail at exit. Skipped in a build without ASan.
 */
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "tap.h"

#if defined(__SANITIZE_ADDRESS__)
static void *volatile sink;

static __attribute__((noinline)) void lose_a_block(void)
{
	sink = malloc(4096);
	sink = NULL;
}
#endif

int main(void)
{
	tap_plan(1);
#if defined(__SANITIZE_ADDRESS__)
	{
		int st = 0;
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

			if (null >= 0)
				dup2(null, 2);	/* the report is expected: keep the log clean */
			lose_a_block();
			exit(0);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid)
			return 99;
		tap_ok(WIFEXITED(st) && WEXITSTATUS(st) != 0,
		       "LeakSanitizer fails a process that leaks (child exit %d; ASAN_OPTIONS=%s)",
		       WIFEXITED(st) ? WEXITSTATUS(st) : -1, getenv("ASAN_OPTIONS") ?: "");
	}
#else
	tap_skip("built without --enable-asan");
#endif
	return tap_done();
}
