// SPDX-License-Identifier: GPL-2.0-only
/*
 * scx_ktstr_bin: a built-in BPF scheduler as a standalone program, like the
 * kernel's tools/sched_ext binaries: attach, run until SIGINT/SIGTERM or
 * until the kernel ejects it, print the exit reason. ktstr's tests use it
 * as the "external scheduler binary" the exec plugin runs. Linked with
 * scx_ktstr.c it is scx_ktstr_bin, with faulty.c faulty_bin.
 *
 * scx_ktstr_bin [--fifo] [--llc] [--slice-ms N] [--flag FLAG]... [--timeout-ms N]
 *               [--config FILE] [--cgroup-parent PATH]
 * --timeout-ms defaults to $KTSTR_WATCHDOG_TIMEOUT_MS (set by the exec plugin).
 * It first prints its argv, the first line of --config's FILE and whether
 * --cgroup-parent's cgroup exists, so tests can see what exec handed it.
 * Exit: 0 stopped by a signal, 1 ejected or exited, 2 attach failed, 64 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scx_common.h"

extern const struct ktstr_plugin ktstr_plugin;

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fifo", no_argument, NULL, 'f' },
		{ "llc", no_argument, NULL, 'l' },
		{ "slice-ms", required_argument, NULL, 's' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "flag", required_argument, NULL, 'F' },
		{ "config", required_argument, NULL, 'c' },
		{ "cgroup-parent", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	const char *flags[16] = { NULL };
	char slice[48];
	int nflags = 0, opt, ret;
	const char *env = getenv("KTSTR_WATCHDOG_TIMEOUT_MS");
	unsigned long long timeout_ms = env ? strtoull(env, NULL, 10) : 0;
	struct ktstr_sched_ctx ctx = { .sz = sizeof(ctx) };
	struct ktstr_health h = { .sz = sizeof(h) };
	struct sigaction sa = { .sa_handler = on_signal };

	printf("argv:");
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (nflags >= (int)(sizeof(flags) / sizeof(flags[0])) - 1) {
			fprintf(stderr, "%s: too many flags\n", argv[0]);
			return 64;
		}
		switch (opt) {
		case 'F':
			flags[nflags++] = optarg;
			break;
		case 'f':
			flags[nflags++] = "fifo";
			break;
		case 'l':
			flags[nflags++] = "llc";
			break;
		case 's':
			snprintf(slice, sizeof(slice), "slice-ms=%s", optarg);
			flags[nflags++] = slice;
			break;
		case 't':
			timeout_ms = strtoull(optarg, NULL, 10);
			break;
		case 'c': {
			char line[256] = "";
			FILE *f = fopen(optarg, "re");

			if (!f || !fgets(line, sizeof(line), f))
				printf("config %s: %s\n", optarg, f ? "empty" : strerror(errno));
			else
				printf("config %s: %s%s", optarg, line, strchr(line, '\n') ? "" : "\n");
			if (f)
				fclose(f);
			break;
		}
		case 'g': {
			char path[512];

			snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cgroup.procs", optarg);
			printf("cgroup %s: %s\n", optarg, access(path, F_OK) ? "missing" : "present");
			break;
		}
		default:
			fprintf(stderr, "usage: %s [--fifo] [--llc] [--slice-ms N] [--flag FLAG]... "
				"[--timeout-ms N] [--config FILE] [--cgroup-parent PATH]\n", argv[0]);
			return 64;
		}
	}
	ctx.flags = flags;
	ctx.watchdog_timeout_ns = timeout_ms * 1000000ULL;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ret = ktstr_plugin.attach(&ctx);
	if (ret) {
		fprintf(stderr, "%s: attach failed: %s\n", ktstr_plugin.name, strerror(-ret));
		ktstr_plugin.detach(&ctx);
		return 2;
	}
	printf("%s: attached (watchdog %llu ms)\n", ktstr_plugin.name, timeout_ms);
	fflush(stdout);
	while (!stop) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		if (!ktstr_plugin.poll(&ctx, &h) && h.state != KTSTR_SCHED_RUNNING)
			break;
	}
	if (h.state != KTSTR_SCHED_RUNNING) {
		printf("%s: %s: %s\n", ktstr_plugin.name, h.exit_kind, h.reason);
		ret = 1;
	} else {
		printf("%s: stopped by signal\n", ktstr_plugin.name);
	}
	ktstr_plugin.detach(&ctx);
	return ret;
}
