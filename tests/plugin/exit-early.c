// SPDX-License-Identifier: GPL-2.0-only
/*
 * A "scheduler binary" that never attaches, for the exec plugin's tests
 * (tests/plugin/exec-early.sh): it prints 30 numbered lines and a last
 * complaint, then exits with the code given ("3"), kills itself with
 * SIGKILL ("kill") or sleeps until killed ("sleep").
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "1";

	for (int i = 1; i <= 30; i++)
		printf("exit-early: line %d\n", i);
	printf("exit-early: cannot find the scheduler's config (%s)\n", how);
	fflush(stdout);
	if (!strcmp(how, "kill"))
		kill(getpid(), SIGKILL);
	if (!strcmp(how, "sleep"))
		for (;;)
			pause();
	return (int)strtol(how, NULL, 10);
}
