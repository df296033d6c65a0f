// SPDX-License-Identifier: GPL-2.0-only
/*
 * faulty plugin: attaches the deliberately broken faulty.bpf.c scheduler
 * with the faults the spec's flags switch on, so ktstr's tests can show
 * that each check fails and each ejection is reported with its reason.
 * One fault lives here in userspace rather than in BPF: escape-cpuset, a
 * scheduler daemon that manages cgroups and affinity (as scx_layered and
 * scx_rustland do) and wrongly moves the workers out of theirs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "include/scx_ktstr_shared.h"
#include "faulty.skel.h"
#include "scx_common.h"

static const char *const only_alone[] = { "stall", "error-after=", "concentrate", "delay-dispatch-ms=",
					  "escape-cpuset", NULL };

#define CGROUP2_ROOT "/sys/fs/cgroup"
#define ESCAPE_MAX_DEPTH 8

static const struct ktstr_flag flags[] = {
	{ "stall", "stall=FRACTION (0..1, default 0.5) of user tasks, chosen by pid, are never "
		   "dispatched: the kernel's watchdog ejects the scheduler (runnable task stall)",
	  NULL, NULL },
	{ "stall=", "as 'stall', with the fraction given", NULL, NULL },
	{ "error-after=", "call scx_bpf_error() after N enqueue events", NULL, NULL },
	{ "concentrate", "queue every worker that may run there on CPU 0 with a 1 s slice: the other "
			 "CPUs idle, workers starve", NULL, NULL },
	{ "delay-dispatch-ms=", "a CPU takes a waiting worker at most once per N ms (keep N below "
				"the watchdog timeout)", NULL, NULL },
	{ "escape-cpuset", "the userspace side, polled every ~100 ms, moves every worker out of its "
			   "cgroup into the root cgroup and widens its affinity to all CPUs, as a broken "
			   "scheduler daemon would: workers run outside their cpuset", NULL, NULL },
	{ "fail-verify", "include a program the BPF verifier rejects: attach fails with its log",
	  NULL, only_alone },
	{ "dispatch-spin-ms=", "when a worker's slice ends on CPU 0, ops.dispatch busy-waits N ms "
			       "with the rq lock held (then not again for N ms): CPU 0's rq clock "
			       "stalls", NULL, NULL },
	{ "slice-us=", "every task's time slice in microseconds (default 20000); a lone task's "
		       "every expiry counts as dispatch_keep_last", NULL, NULL },
	{ "bad-select", "ops.select_cpu returns a CPU the worker may not run on: the kernel "
			"falls back and counts select_cpu_fallback", NULL, NULL },
	{ "own-timeout-ms=", "ops.timeout_ms is N ms whatever the spec's watchdog_timeout, as a "
			     "scheduler that reads none of ktstr's settings: only the host's "
			     "watchdog override can shorten it", NULL, NULL },
	/* ktstr's scenario flags, accepted so that the catalog's scenarios that require them
	 * (performance: borrow, llc) can run under a fault; they change nothing. */
	{ "borrow", "no effect: accepted so that scenarios requiring ktstr's 'borrow' run under "
		    "the faults", NULL, NULL },
	{ "llc", "no effect: accepted so that scenarios requiring ktstr's 'llc' run under the faults",
	  NULL, NULL },
	{ NULL },
};

/* No overrides: the faulty scheduler is judged by ktstr's default thresholds, which it must fail. */
static const struct ktstr_threshold thresholds[] = { { NULL, NULL } };

static const char *const numeric[] = { "error-after=", "delay-dispatch-ms=", "dispatch-spin-ms=",
				       "slice-us=", "own-timeout-ms=", NULL };

struct state {
	struct scxp_plugin pl;	/* first: the shared attach/poll/detach glue */
	bool escape;
	uint64_t nr_escaped;	/* processes moved out of their cgroup */
};

/* "stall", "stall=0.25", "stall=25%" as per mille. */
static int stall_permille(const char *const *fl, uint32_t *out)
{
	const char *v = scxp_flag_value(fl, "stall");
	char *end;
	double f;

	*out = 0;
	if (!scxp_flag_on(fl, "stall"))
		return 0;
	if (!v) {
		*out = 500;
		return 0;
	}
	errno = 0;
	f = strtod(v, &end);
	if (*end == '%') {
		f /= 100;
		end++;
	}
	if (errno || end == v || *end || f < 0 || f > 1)
		return -EINVAL;
	*out = (uint32_t)(f * 1000 + 0.5);
	return 0;
}

static int faulty_validate(const char *const *fl, const char *const *args, char *err, size_t errlen)
{
	uint32_t pm;
	int ret = scxp_validate_numeric(numeric, fl, err, errlen);

	if (ret)
		return ret;
	if (stall_permille(fl, &pm)) {
		snprintf(err, errlen, "flag stall: want a fraction from 0 to 1 (or a percentage), got '%s'",
			 scxp_flag_value(fl, "stall"));
		return -EINVAL;
	}
	if (args && args[0]) {
		snprintf(err, errlen, "faulty takes no arguments (got '%s'); use its flags", args[0]);
		return -EINVAL;
	}
	return 0;
}

SCXP_SKEL_OPS(faulty, "faulty", faulty_validate);

static int faulty_attach(struct ktstr_sched_ctx *ctx)
{
	struct state *st;
	struct faulty *skel;
	struct faulty__rodata *ro;
	uint64_t error_after, delay_ms, spin_ms, slice_us;
	uint32_t pm;
	uint64_t own_ms = 0;
	int ret;

	/* the scheduler's own timeout: the spec's watchdog_timeout does not reach it */
	if (!scxp_flag_u64(ctx->flags, "own-timeout-ms", 0, &own_ms) && own_ms)
		ctx->watchdog_timeout_ns = own_ms * 1000000ULL;
	ret = scxp_plugin_open(ctx, &faulty_skel_ops, sizeof(*st));

	if (ret)
		return ret;
	st = ctx->priv;
	skel = st->pl.skel;
	ro = skel->rodata;
	stall_permille(ctx->flags, &pm);
	scxp_flag_u64(ctx->flags, "error-after", 0, &error_after);
	scxp_flag_u64(ctx->flags, "delay-dispatch-ms", 0, &delay_ms);
	ro->stall_permille = pm;
	ro->exempt_tgid = getpid();
	ro->error_after = error_after;
	ro->concentrate = scxp_flag_on(ctx->flags, "concentrate");
	ro->delay_ns = delay_ms * 1000000ULL;
	ro->fail_verify = scxp_flag_on(ctx->flags, "fail-verify");
	st->escape = scxp_flag_on(ctx->flags, "escape-cpuset");
	scxp_flag_u64(ctx->flags, "dispatch-spin-ms", 0, &spin_ms);
	scxp_flag_u64(ctx->flags, "slice-us", 20000, &slice_us);
	ro->spin_ns = spin_ms * 1000000ULL;
	ro->slice_ns = (slice_us ? slice_us : 1) * 1000ULL;
	ro->bad_select = scxp_flag_on(ctx->flags, "bad-select");
	scxp_log(ctx, KTSTR_LOG_DEBUG, "faulty: stall %u/1000, error-after %" PRIu64
		 ", concentrate %d, delay %" PRIu64 " ms, fail-verify %d, escape-cpuset %d", pm,
		 error_after, ro->concentrate, delay_ms, ro->fail_verify, st->escape);
	return scxp_plugin_load_attach(ctx, &skel->bss->uei, skel->maps.faulty_ops);
}

/* ---- escape-cpuset: the userspace half of a broken scheduler daemon ---- */

/* Widen every thread of pid to CPUs 0..ncpus-1. */
static void widen_affinity(pid_t pid, unsigned ncpus)
{
	char path[64];
	struct dirent *de;
	cpu_set_t all;
	DIR *d;

	CPU_ZERO(&all);
	for (unsigned c = 0; c < ncpus && c < CPU_SETSIZE; c++)
		CPU_SET(c, &all);
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			sched_setaffinity((pid_t)strtol(de->d_name, NULL, 10), sizeof(all), &all);
	closedir(d);
}

/*
 * Move the user processes of every cgroup below the one at dirfd (and,
 * below the root, of that one too) into the root cgroup and widen their
 * affinity. The attaching process and PID 1 are spared, as the BPF faults
 * spare them.
 */
static void escape_dir(struct ktstr_sched_ctx *ctx, struct state *st, int dirfd, const char *name,
		       int root_procs, unsigned depth)
{
	int fd = depth ? openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC) : -1;
	FILE *f = fd >= 0 ? fdopen(fd, "re") : NULL;
	struct dirent *de;
	long pid;
	DIR *d;

	if (fd >= 0 && !f)
		close(fd);
	while (f && fscanf(f, "%ld", &pid) == 1) {
		char buf[24], detail[320];
		int n;

		if (pid <= 1 || pid == getpid())
			continue;
		n = snprintf(buf, sizeof(buf), "%ld", pid);
		if (write(root_procs, buf, (size_t)n) != n)
			continue;	/* gone, or a kernel thread */
		widen_affinity((pid_t)pid, ctx->ncpus);
		if (st->nr_escaped++)
			continue;
		snprintf(detail, sizeof(detail), "pid %ld moved from %s to the root cgroup, "
			 "affinity widened to all CPUs", pid, name);
		scxp_event(ctx, "faulty: cpuset escape", detail);
	}
	if (f)
		fclose(f);
	if (depth >= ESCAPE_MAX_DEPTH)
		return;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		char sub[512];
		int subfd;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		subfd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (subfd < 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", name, de->d_name);
		escape_dir(ctx, st, subfd, sub, root_procs, depth + 1);
		close(subfd);
	}
	closedir(d);
}

/* One sweep over every cgroup below the root. */
static void escape_sweep(struct ktstr_sched_ctx *ctx, struct state *st)
{
	int root = open(CGROUP2_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int procs = open(CGROUP2_ROOT "/cgroup.procs", O_WRONLY | O_CLOEXEC);

	if (root >= 0 && procs >= 0)
		escape_dir(ctx, st, root, "", procs, 0);
	if (root >= 0)
		close(root);
	if (procs >= 0)
		close(procs);
}

static int faulty_poll(struct ktstr_sched_ctx *ctx, struct ktstr_health *h)
{
	struct state *st = ctx->priv;

	if (st && st->escape && st->pl.run.uei)
		escape_sweep(ctx, st);
	return scxp_plugin_poll(ctx, h);
}

static int faulty_stats(struct ktstr_sched_ctx *ctx, char *buf, size_t len)
{
	struct state *st = ctx->priv;
	const struct faulty__bss *b;
	int n;

	if (!st || !st->pl.run.uei)
		return -EINVAL;
	b = ((struct faulty *)st->pl.skel)->bss;
	n = snprintf(buf, len,
		     "{\"nr_enqueued\":%" PRIu64 ",\"nr_stalled\":%" PRIu64 ",\"nr_dispatched\":%" PRIu64
		     ",\"nr_delayed\":%" PRIu64 ",\"nr_escaped\":%" PRIu64 ",\"nr_spins\":%" PRIu64
		     ",\"nr_bad_selects\":%" PRIu64 "}",
		     (uint64_t)b->nr_enqueued, (uint64_t)b->nr_stalled, (uint64_t)b->nr_dispatched,
		     (uint64_t)b->nr_delayed, st->nr_escaped, (uint64_t)b->nr_spins,
		     (uint64_t)b->nr_bad_selects);
	return n >= 0 && (size_t)n < len ? 0 : -ENOSPC;
}

KTSTR_PLUGIN_EXPORT const struct ktstr_plugin ktstr_plugin = {
	.abi_version = KTSTR_PLUGIN_ABI_VERSION,
	.sz = sizeof(struct ktstr_plugin),
	.name = "faulty",
	.description = "deliberately faulty sched_ext scheduler: stalls, BPF errors, "
		       "concentration, dispatch delay, cpuset escape, verifier rejection, "
		       "dispatch spin, short slices, bad CPU selection",
	.needs_sched_ext = true,
	.flags = flags,
	.thresholds = thresholds,
	.validate = faulty_validate,
	.attach = faulty_attach,
	.poll = faulty_poll,
	.stats = faulty_stats,
	.detach = scxp_plugin_detach,
};
