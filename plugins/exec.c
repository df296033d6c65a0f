// SPDX-License-Identifier: GPL-2.0-only
/*
 * exec plugin: runs an external sched_ext scheduler binary (any scx
 * scheduler a user built) with the spec's arguments, waits until the kernel
 * shows it attached, watches the process and the kernel's sched_ext state,
 * and hands its output and the kernel's debug dump to the host.
 *
 * The spec's scheduler args are: the binary (a path, or a name looked up
 * in $KTSTR_SCHEDULER_PATH, then $PATH), then its own arguments. The host
 * packs the binary with its shared libraries (guest_files); in the guest
 * it runs from files_dir. When it ends before the kernel enables it, the
 * attach error names its exit status and its last output line, and its
 * whole output is the artifact scheduler.out.
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "scx_common.h"

extern char **environ;

#define OUTPUT_MAX (1 << 20)	/* bytes of scheduler output kept as an artifact */
#define TAIL_LINES 20		/* lines of it quoted in an attach error */
#define TAIL_BYTES 1500		/* within the agent's log line */

static const struct ktstr_flag flags[] = {
	{ "ops=", "the name root/ops must show once attached (default: any)", NULL, NULL },
	{ "attach-timeout-ms=", "how long to wait for the kernel to enable it (default: the spec's "
	  "attach_timeout_ms)", NULL, NULL },
	{ NULL },
};

static const char *const numeric[] = { "attach-timeout-ms=", NULL };

struct state {
	pid_t pid;
	int status;		/* valid once exited, unless status_unknown */
	bool exited, status_unknown;
	int kmsg;		/* /dev/kmsg, positioned at attach time */
	char out_path[128];
	char kreason[128];	/* from the kernel log: "runnable task stall" */
	char kmsg_text[512];	/* the message line after it */
	bool ejected_seen, saved;
};

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* Flags and the first argument's presence: what attach can check in the guest too. */
static int check_args(const char *const *fl, const char *const *args, char *err, size_t errlen)
{
	int ret = scxp_validate_numeric(numeric, fl, err, errlen);

	if (ret)
		return ret;
	if (!args || !args[0] || !args[0][0]) {
		snprintf(err, errlen, "exec needs the scheduler binary as its first argument");
		return -EINVAL;
	}
	return 0;
}

/*
 * The host path of the binary: args[0] itself when it has a '/', else the
 * first executable of that name in $KTSTR_SCHEDULER_PATH, then $PATH (as
 * a shell finds a command). 0 or -ENOENT/-errno.
 */
static int find_binary(const char *name, char *out, size_t len)
{
	const char *lists[] = { getenv("KTSTR_SCHEDULER_PATH"), getenv("PATH") };

	if (strchr(name, '/')) {
		snprintf(out, len, "%s", name);
		return access(name, X_OK) ? -errno : 0;
	}
	for (size_t l = 0; l < 2; l++) {
		const char *d = lists[l];

		while (d && *d) {
			size_t n = strcspn(d, ":");

			if (n && d[0] == '/' && (size_t)snprintf(out, len, "%.*s/%s", (int)n, d, name) < len &&
			    !access(out, X_OK))
				return 0;
			d += n + (d[n] == ':');
		}
	}
	return -ENOENT;
}

static int exec_validate(const char *const *fl, const char *const *args, char *err, size_t errlen)
{
	char path[4096];
	int ret = check_args(fl, args, err, errlen);

	if (ret)
		return ret;
	ret = find_binary(args[0], path, sizeof(path));
	if (ret == -ENOENT && !strchr(args[0], '/'))
		snprintf(err, errlen, "scheduler binary '%s' is not in $KTSTR_SCHEDULER_PATH or $PATH: "
			 "give its path, or add its directory to KTSTR_SCHEDULER_PATH", args[0]);
	else if (ret)
		snprintf(err, errlen, "scheduler binary %s: %s", args[0], strerror(-ret));
	return ret;
}

static int exec_guest_files(const char *const *fl, const char *const *args, ktstr_add_file_fn add, void *add_ctx)
{
	char path[4096];
	int ret;

	(void)fl;
	if (!args || !args[0])
		return -EINVAL;
	ret = find_binary(args[0], path, sizeof(path));
	return ret ? ret : add(add_ctx, path, base_name(args[0]));
}

static bool child_alive(void *arg)
{
	struct state *st = arg;

	if (st->exited)
		return false;
	pid_t r = waitpid(st->pid, &st->status, WNOHANG);

	if (r == st->pid || (r < 0 && errno == ECHILD)) {
		/* ECHILD: someone else reaped it; the status is unknown. */
		st->status_unknown = r < 0;
		st->exited = true;
		return false;
	}
	return true;
}

static char *read_output(const struct state *st, size_t *len)
{
	int fd = open(st->out_path, O_RDONLY | O_CLOEXEC);
	char *buf;
	ssize_t n;
	off_t size;

	*len = 0;
	if (fd < 0)
		return NULL;
	size = lseek(fd, 0, SEEK_END);
	/* Keep the end: that is where a scheduler says why it exits. */
	if (size > OUTPUT_MAX)
		lseek(fd, size - OUTPUT_MAX, SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	buf = malloc(OUTPUT_MAX + 1);
	if (!buf) {
		close(fd);
		return NULL;
	}
	n = read(fd, buf, OUTPUT_MAX);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* How the process ended, in the host's words. */
static void describe_exit(const struct ktstr_sched_ctx *ctx, const struct state *st, char *kind, size_t klen)
{
	if (st->status_unknown)
		snprintf(kind, klen, "an unknown status: reaped elsewhere");
	else
		scxp_wait_status(ctx, st->status, kind, klen);
}

/*
 * The end of the output: its last TAIL_LINES lines within TAIL_BYTES (a
 * pointer into out), and its last non-blank line (copied into last).
 */
static const char *output_tail(const char *out, size_t len, char *last, size_t llen)
{
	const char *p = out + len, *tail;
	unsigned lines = 0;

	last[0] = '\0';
	while (p > out && (p[-1] == '\n' || p[-1] == ' ' || p[-1] == '\r'))
		p--;
	{
		const char *b = p;

		while (b > out && b[-1] != '\n')
			b--;
		snprintf(last, llen, "%.*s", (int)(p - b), b);
	}
	tail = p;
	while (tail > out && (size_t)(p - tail) < TAIL_BYTES) {
		if (tail[-1] == '\n' && ++lines >= TAIL_LINES)
			break;
		tail--;
	}
	return tail;
}

/* Read new kernel log records; remember the sched_ext "disabled (reason)" line and its message. */
static void scan_kmsg(struct state *st)
{
	char rec[2048];
	ssize_t n;

	if (st->kmsg < 0)
		return;
	while ((n = read(st->kmsg, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;	/* EPIPE: records were overwritten; go on with the next */
		rec[n] = '\0';
		scxp_kmsg_record(rec, st->kreason, sizeof(st->kreason), st->kmsg_text, sizeof(st->kmsg_text));
	}
}

static int exec_attach(struct ktstr_sched_ctx *ctx)
{
	struct state *st = calloc(1, sizeof(*st));
	posix_spawn_file_actions_t fa;
	const char *const *args = ctx->args;
	const char *ops = scxp_flag_value(ctx->flags, "ops");
	char path[512], env_timeout[64], err[160];
	char **argv, **envp;
	uint64_t timeout_ms;
	size_t nargs = 0, nenv = 0;
	int ret;

	if (!st)
		return -ENOMEM;
	ctx->priv = st;
	st->pid = -1;
	st->kmsg = -1;
	ret = check_args(ctx->flags, args, err, sizeof(err));
	if (ret) {
		scxp_log(ctx, KTSTR_LOG_ERROR, "exec: %s", err);
		return ret;
	}
	scxp_flag_u64(ctx->flags, "attach-timeout-ms", scxp_attach_timeout_ms(ctx), &timeout_ms);

	/* The packed copy in files_dir, else the path as given (already in the guest). */
	snprintf(path, sizeof(path), "%s/%s", ctx->files_dir ? ctx->files_dir : "", base_name(args[0]));
	if (!ctx->files_dir || access(path, X_OK))
		snprintf(path, sizeof(path), "%s", args[0]);
	snprintf(st->out_path, sizeof(st->out_path), "/tmp/ktstr-sched-%d.out", (int)getpid());

	while (args[nargs])
		nargs++;
	argv = calloc(nargs + 1, sizeof(*argv));
	while (environ && environ[nenv])
		nenv++;
	envp = calloc(nenv + 2, sizeof(*envp));
	if (!argv || !envp) {
		free(argv);
		free(envp);
		return -ENOMEM;
	}
	argv[0] = path;
	for (size_t i = 1; i < nargs; i++)
		argv[i] = (char *)args[i];
	memcpy(envp, environ, nenv * sizeof(*envp));
	/* Schedulers may honour the spec's watchdog; scx_ktstr_bin does. */
	snprintf(env_timeout, sizeof(env_timeout), "KTSTR_WATCHDOG_TIMEOUT_MS=%u", scxp_timeout_ms(ctx));
	envp[nenv] = env_timeout;

	if (scxp_dump_trace_enable())
		scxp_log(ctx, KTSTR_LOG_DEBUG, "exec: sched_ext_dump tracepoint unavailable");
	st->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (st->kmsg >= 0)
		lseek(st->kmsg, 0, SEEK_END);

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, st->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	ret = -posix_spawn(&st->pid, path, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	free(argv);
	free(envp);
	if (ret) {
		st->pid = -1;
		scxp_log(ctx, KTSTR_LOG_ERROR, "exec: cannot run %s: %s", path, strerror(-ret));
		return ret;
	}
	scxp_event(ctx, "scheduler started", path);

	ret = scxp_wait_enabled(ops, (unsigned)timeout_ms, child_alive, st);
	if (ret) {
		size_t len;
		char *out = read_output(st, &len);
		char kind[96], last[200];
		const char *tail = output_tail(out ? out : "", out ? len : 0, last, sizeof(last));

		/* the first line is the attach error; the rest the output's end (all: scheduler.out) */
		if (st->exited) {
			describe_exit(ctx, st, kind, sizeof(kind));
			scxp_log(ctx, KTSTR_LOG_ERROR, "%s ended before the kernel enabled it: %s%s%s\n"
				 "its output ends:\n%s", base_name(path), kind, last[0] ? "; its last line: " : "",
				 last, *tail ? tail : "(no output)");
		} else {
			scxp_log(ctx, KTSTR_LOG_ERROR, "%s did not attach within %" PRIu64 " ms (still running)%s%s\n"
				 "its output ends:\n%s", base_name(path), timeout_ms,
				 last[0] ? "; its last line: " : "", last, *tail ? tail : "(no output)");
		}
		if (out)
			scxp_artifact(ctx, "scheduler.out", out, len);
		free(out);
		st->saved = true;
		return ret == -ETIMEDOUT ? -ETIMEDOUT : -ECHILD;
	}
	{
		char state[64] = "", rops[160] = "", detail[800];

		scxp_state(state, sizeof(state));
		scxp_root_ops(rops, sizeof(rops));
		snprintf(detail, sizeof(detail), "%s (state %s, root/ops %s)", base_name(path), state, rops);
		scxp_event(ctx, "scheduler attached", detail);
	}
	return 0;
}

static void save_dump(struct ktstr_sched_ctx *ctx)
{
	size_t len;
	char *dump = scxp_dump_trace_read(&len);

	if (dump && len)
		scxp_artifact(ctx, "sched_ext_dump.txt", dump, len);
	free(dump);
}

static int exec_poll(struct ktstr_sched_ctx *ctx, struct ktstr_health *h)
{
	struct state *st = ctx->priv;
	char state[64] = "";

	if (!st || st->pid < 0)
		return -EINVAL;
	h->exit_kind[0] = h->reason[0] = '\0';
	child_alive(st);
	scan_kmsg(st);
	if (!st->kreason[0] && !st->exited && !scxp_state(state, sizeof(state)) &&
	    strcmp(state, "enabled") && strcmp(state, "enabling")) {
		/* Disabling: the kernel's log line and the process's exit follow within moments. */
		for (int i = 0; i < 40 && !st->kreason[0] && !st->exited; i++) {
			struct timespec ts = { 0, 50 * 1000 * 1000 };

			nanosleep(&ts, NULL);
			child_alive(st);
			scan_kmsg(st);
		}
	}
	if (st->kreason[0]) {
		int kind = scxp_exit_kind_from_reason(st->kreason);

		/* Give the next record (the message) a moment to appear. */
		if (!st->kmsg_text[0]) {
			struct timespec ts = { 0, 50 * 1000 * 1000 };

			nanosleep(&ts, NULL);
			scan_kmsg(st);
		}
		scxp_health_set(h, kind, st->kreason, st->kmsg_text);
		if (h->state == KTSTR_SCHED_EJECTED && !st->ejected_seen) {
			st->ejected_seen = true;
			save_dump(ctx);
			scxp_event(ctx, "scheduler ejected", h->reason);
		}
		return 0;
	}
	if (st->exited) {
		h->state = KTSTR_SCHED_EXITED;
		describe_exit(ctx, st, h->exit_kind, sizeof(h->exit_kind));
		snprintf(h->reason, sizeof(h->reason), "the scheduler process exited (%s)", h->exit_kind);
		return 0;
	}
	if (!scxp_state(state, sizeof(state)) && strcmp(state, "enabled") && strcmp(state, "enabling")) {
		h->state = KTSTR_SCHED_EXITED;
		snprintf(h->exit_kind, sizeof(h->exit_kind), "state %s", state);
		snprintf(h->reason, sizeof(h->reason), "sched_ext state is '%s' while the process runs", state);
		return 0;
	}
	h->state = KTSTR_SCHED_RUNNING;
	return 0;
}

static int exec_stats(struct ktstr_sched_ctx *ctx, char *buf, size_t len)
{
	struct state *st = ctx->priv;
	int n;

	if (!st)
		return -EINVAL;
	n = snprintf(buf, len, "{\"pid\":%d,\"exited\":%s}", (int)st->pid, st->exited ? "true" : "false");
	return n >= 0 && (size_t)n < len ? 0 : -ENOSPC;
}

static void exec_detach(struct ktstr_sched_ctx *ctx)
{
	struct state *st = ctx->priv;

	if (!st)
		return;
	if (st->pid > 0 && !st->exited) {
		/* SIGINT first: scx schedulers unregister cleanly on it. */
		kill(st->pid, SIGINT);
		for (int i = 0; i < 40 && child_alive(st); i++) {
			struct timespec ts = { 0, 50 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
		if (!st->exited) {
			kill(st->pid, SIGKILL);
			waitpid(st->pid, &st->status, 0);
			st->exited = true;
		}
	}
	if (st->pid > 0 && !st->saved) {
		size_t len;
		char *out = read_output(st, &len);

		if (out)
			scxp_artifact(ctx, "scheduler.out", out, len);
		free(out);
	}
	if (st->out_path[0])
		unlink(st->out_path);
	if (st->kmsg >= 0)
		close(st->kmsg);
	free(st);
	ctx->priv = NULL;
}

KTSTR_PLUGIN_EXPORT const struct ktstr_plugin ktstr_plugin = {
	.abi_version = KTSTR_PLUGIN_ABI_VERSION,
	.sz = sizeof(struct ktstr_plugin),
	.name = "exec",
	.description = "run an external sched_ext scheduler binary: args are its host path, then its arguments",
	.needs_sched_ext = true,
	.flags = flags,
	.validate = exec_validate,
	.guest_files = exec_guest_files,
	.attach = exec_attach,
	.poll = exec_poll,
	.stats = exec_stats,
	.detach = exec_detach,
};
