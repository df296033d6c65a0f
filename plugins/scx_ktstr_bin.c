// SPDX-License-Identifier: GPL-2.0-only
/*
 * scx_ktstr_bin: the scx_ktstr scheduler as a standalone program, like the
 * kernel's tools/sched_ext binaries: attach, run until SIGINT/SIGTERM or
 * until the kernel ejects it, print the exit reason. ktstr's tests use it
 * as the "external scheduler binary" the exec plugin runs.
 *
 * scx_ktstr_bin [--fifo] [--llc] [--slice-ms N] [--timeout-ms N]
 * --timeout-ms defaults to $KTSTR_WATCHDOG_TIMEOUT_MS (set by the exec plugin).
 * Exit: 0 stopped by a signal, 1 ejected or exited, 2 attach failed, 64 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
		{ NULL, 0, NULL, 0 },
	};
	const char *flags[4] = { NULL };
	char slice[48];
	int nflags = 0, opt, ret;
	const char *env = getenv("KTSTR_WATCHDOG_TIMEOUT_MS");
	unsigned long long timeout_ms = env ? strtoull(env, NULL, 10) : 0;
	struct ktstr_sched_ctx ctx = { .sz = sizeof(ctx) };
	struct ktstr_health h = { .sz = sizeof(h) };
	struct sigaction sa = { .sa_handler = on_signal };

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
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
		default:
			fprintf(stderr, "usage: %s [--fifo] [--llc] [--slice-ms N] [--timeout-ms N]\n", argv[0]);
			return 64;
		}
	}
	ctx.flags = flags;
	ctx.watchdog_timeout_ns = timeout_ms * 1000000ULL;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ret = ktstr_plugin.attach(&ctx);
	if (ret) {
		fprintf(stderr, "scx_ktstr_bin: attach failed: %s\n", strerror(-ret));
		ktstr_plugin.detach(&ctx);
		return 2;
	}
	printf("scx_ktstr_bin: attached (watchdog %llu ms)\n", timeout_ms);
	fflush(stdout);
	while (!stop) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		if (!ktstr_plugin.poll(&ctx, &h) && h.state != KTSTR_SCHED_RUNNING)
			break;
	}
	if (h.state != KTSTR_SCHED_RUNNING) {
		printf("scx_ktstr_bin: %s: %s\n", h.exit_kind, h.reason);
		ret = 1;
	} else {
		printf("scx_ktstr_bin: stopped by signal\n");
	}
	ktstr_plugin.detach(&ctx);
	return ret;
}
