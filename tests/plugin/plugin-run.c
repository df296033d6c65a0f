// SPDX-License-Identifier: GPL-2.0-only
/*
 * plugin-run: drive one scheduler plugin through its guest lifecycle
 * (attach, poll every 100 ms under a CPU-burning load, stats, detach) the
 * way the guest agent does, and print what happened as key: value lines.
 * The example test loads the out-of-tree plugin with it; by hand it runs a
 * plugin inside a small VM without the rest of ktstr.
 *
 * plugin-run [-f FLAG]... [-a ARG]... [-w WATCHDOG_MS] [-d SECONDS] [-l LOAD] [-A DIR] PLUGIN
 * Exit: 0 scheduler ran to the end, 1 it exited or was ejected, 2 attach failed, 3 usage/open.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "plugin/loader.h"
#include "util/log.h"

static const char *artifact_dir;

static void run_log(void *hctx, enum ktstr_log_level level, const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	if (level == KTSTR_LOG_DEBUG && !getenv("KTSTR_PLUGIN_DEBUG"))
		return;
	printf("log.%s: ", (unsigned)level < 4 ? names[level] : "?");
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

static int run_artifact(void *hctx, const char *name, const void *data, size_t len)
{
	printf("artifact: %s %zu bytes\n", name, len);
	if (artifact_dir) {
		_cleanup_free_ char *p = xasprintf("%s/%s", artifact_dir, name);

		return write_file(p, data, len);
	}
	return 0;
}

static void run_event(void *hctx, const char *label, const char *detail)
{
	printf("event: %s%s%s\n", label, detail ? ": " : "", detail ? detail : "");
	fflush(stdout);
}

static const char *state_name(enum ktstr_sched_state s)
{
	switch (s) {
	case KTSTR_SCHED_RUNNING: return "RUNNING";
	case KTSTR_SCHED_EXITED: return "EXITED";
	case KTSTR_SCHED_EJECTED: return "EJECTED";
	}
	return "?";
}

/* Children that burn CPU until killed: enough runnable tasks to keep every CPU's queue busy. */
static void spawn_load(pid_t *pids, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			volatile unsigned long x = 0;

			for (;;)
				x++;
		}
	}
}

static void stop_load(pid_t *pids, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	for (unsigned i = 0; i < n; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
}

static void usage(void)
{
	fputs("usage: plugin-run [-f FLAG]... [-a ARG]... [-w WATCHDOG_MS] [-d SECONDS] [-l LOAD] "
	      "[-A ARTIFACT_DIR] [-F FILES_DIR] PLUGIN\n", stderr);
	exit(3);
}

int main(int argc, char **argv)
{
	const char **flags = NULL, **args = NULL;
	size_t nflags = 0, nargs = 0;
	uint64_t watchdog_ms = 0, dur_s = 2, load = 4;
	const char *files_dir = "/ktstr/files";
	struct ktstr_host host = {
		.sz = sizeof(host), .log = run_log, .artifact = run_artifact, .event = run_event,
	};
	struct ktstr_sched_ctx ctx = { .sz = sizeof(ctx), .host = &host };
	struct ktstr_health h = { .sz = sizeof(h) };
	struct plugin *p;
	char *err = NULL;
	pid_t *pids;
	int opt, ret, rc = 0;

	while ((opt = getopt(argc, argv, "f:a:w:d:l:A:F:")) != -1) {
		switch (opt) {
		case 'f':
			*(const char **)array_push(&flags, &nflags, sizeof(*flags)) = optarg;
			break;
		case 'a':
			*(const char **)array_push(&args, &nargs, sizeof(*args)) = optarg;
			break;
		case 'w':
			watchdog_ms = strtoull(optarg, NULL, 10);
			break;
		case 'd':
			dur_s = strtoull(optarg, NULL, 10);
			break;
		case 'l':
			load = strtoull(optarg, NULL, 10);
			break;
		case 'A':
			artifact_dir = optarg;
			break;
		case 'F':
			files_dir = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	/* NULL-terminate the lists. */
	array_push(&flags, &nflags, sizeof(*flags));
	array_push(&args, &nargs, sizeof(*args));
	setvbuf(stdout, NULL, _IOLBF, 0);

	ret = plugin__open(argv[optind], &p, &err);
	if (ret) {
		printf("open: error: %s\n", err);
		return 3;
	}
	printf("open: %s (%s)\n", p->ops->name, p->path);
	ret = plugin__check_flags(p, flags, &err);
	if (ret) {
		printf("flags: error: %s\n", err);
		return 3;
	}
	ctx.flags = flags;
	ctx.args = args;
	ctx.files_dir = files_dir;
	ctx.ncpus = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	ctx.watchdog_timeout_ns = watchdog_ms * NSEC_PER_MSEC;

	ret = p->ops->attach(&ctx);
	if (ret) {
		printf("attach: error: %s\n", strerror(-ret));
		p->ops->detach(&ctx);
		plugin__close(p);
		return 2;
	}
	printf("attach: ok\n");
	{
		char state[64] = "", ops[160] = "";
		FILE *f = fopen("/sys/kernel/sched_ext/state", "re");

		if (f) {
			if (fgets(state, sizeof(state), f))
				state[strcspn(state, "\n")] = '\0';
			fclose(f);
		}
		f = fopen("/sys/kernel/sched_ext/root/ops", "re");
		if (f) {
			if (fgets(ops, sizeof(ops), f))
				ops[strcspn(ops, "\n")] = '\0';
			fclose(f);
		}
		printf("sysfs: state=%s ops=%s\n", state, ops);
	}

	pids = xcalloc(load ? load : 1, sizeof(*pids));
	spawn_load(pids, (unsigned)load);
	for (uint64_t end = now_ns() + dur_s * NSEC_PER_SEC; now_ns() < end;) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		memset(&h, 0, sizeof(h));
		h.sz = sizeof(h);
		if (p->ops->poll(&ctx, &h))
			continue;
		if (h.state != KTSTR_SCHED_RUNNING)
			break;
	}
	stop_load(pids, (unsigned)load);
	free(pids);

	printf("health: %s\n", state_name(h.state));
	if (h.state != KTSTR_SCHED_RUNNING) {
		printf("exit_kind: %s\n", h.exit_kind);
		printf("reason: %s\n", h.reason);
		rc = 1;
	}
	if (p->ops->stats) {
		char buf[4096];

		if (!p->ops->stats(&ctx, buf, sizeof(buf)))
			printf("stats: %s\n", buf);
	}
	p->ops->detach(&ctx);
	printf("detach: ok\n");
	plugin__close(p);
	return rc;
}
