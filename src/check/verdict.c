// SPDX-License-Identifier: GPL-2.0-only
/*
 * A run's verdict: how the VM ended comes first (it did not start, was
 * interrupted, stopped on a topology mismatch, timed out, exited without
 * DONE), then what the guest said (its error, frames that did not decode,
 * its topology), then the checks, the monitor and the scheduler's health.
 * The reason of a test is its first failing run's root cause.
 */
#include <inttypes.h>
#include <stdarg.h>

#include "check/verdict.h"
#include "util/proc.h"

#define CONSOLE_TAIL_LINES 20

/* Last n lines of the console. */
static char *tail_lines(const char *s, size_t len, unsigned n)
{
	const char *p = s + len;

	while (p > s && n) {
		p--;
		if (*p == '\n' && p != s + len - 1)
			n--;
	}
	if (*p == '\n')
		p++;
	return xstrdup(p);
}

char *check__console_tail(const char *console, size_t len)
{
	return tail_lines(console, len, CONSOLE_TAIL_LINES);
}

/* The console line that says the kernel panicked, if any. */
static char *find_panic(const char *console)
{
	const char *p;

	if (!console)
		return NULL;
	p = strstr(console, "Kernel panic");
	if (!p)
		return NULL;
	return xstrndup(p, strcspn(p, "\r\n"));
}

static void set_error(struct run_result *rr, enum test_status st, const char *phase,
		      const char *fmt, ...) __printf(4, 5);

static void set_error(struct run_result *rr, enum test_status st, const char *phase,
		      const char *fmt, ...)
{
	va_list ap;
	char buf[4096];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rr->status = st;
	free(rr->phase);
	rr->phase = phase ? xstrdup(phase) : NULL;
	run_result__add_detail(rr, DETAIL_OTHER, "harness", NULL, "%s", buf);
}

/* The last SCHD frame said the scheduler is gone: that is the scheduler's failure. */
static void sched_died(const struct run_channel *c, struct run_result *rr)
{
	const char *state = c->sched.state;

	if (c->have_sched && !str_eq(state, "running")) {
		const char *kind = c->sched.exit_kind;
		const char *why = c->sched.reason;

		rr->status = test_status_worst(rr->status, TEST_FAIL);
		run_result__add_detail(rr, DETAIL_SCHEDULER_DIED, "scheduler", NULL,
				       "scheduler %s%s%s%s%s", state, kind && *kind ? ": " : "",
				       kind ?: "", why && *why ? ": " : "", why ?: "");
	}
}

/* Does a detail already name the channel's losses? */
static bool said_drops(const struct run_result *rr, const char *drops)
{
	for (size_t i = 0; i < rr->ndetails; i++)
		if (rr->details[i].message && strstr(rr->details[i].message, drops))
			return true;
	return false;
}

/* A cgroup's CPUs over the test: the union of every cpuset it is given. */
struct wc_cgroup {
	const char *name;
	struct cpumask cpus;
	bool set;		/* some cpuset (or a clear: all CPUs) was given */
};

static struct wc_cgroup *wc_cgroup(struct wc_cgroup **v, size_t *n, const char *name)
{
	struct wc_cgroup *g;

	for (size_t i = 0; i < *n; i++)
		if (str_eq((*v)[i].name, name))
			return &(*v)[i];
	g = array_push(v, n, sizeof(*g));
	g->name = name;
	return g;
}

/* A cpuset given to cgroup name (CPUSET_NONE: nothing given); false when it does not resolve. */
static bool wc_give(struct wc_cgroup **v, size_t *n, const char *name, const struct spec_cpuset *cs,
		    const struct spec_layout *l)
{
	struct wc_cgroup *g = wc_cgroup(v, n, name);
	struct cpumask m;

	if (cs->kind == CPUSET_NONE)
		return true;
	if (spec_cpuset__resolve(cs, l, &m, NULL))
		return false;
	cpumask_or(&g->cpus, &g->cpus, &m);
	g->set = true;
	return true;
}

/* One set of CPUs for a work of cgroup g (with its affinity), unless an equal one is there. */
static void wc_add_set(struct monitor_cpu_set **sets, size_t *n, const struct wc_cgroup *g,
		       const struct spec_work *w)
{
	struct cpumask m = g->cpus;
	struct monitor_cpu_set *s;

	if (w && w->affinity == AFFINITY_EXACT)
		cpumask_and(&m, &m, &w->affinity_cpus);
	if (cpumask_empty(&m))
		return;
	for (size_t i = 0; i < *n; i++)
		if (cpumask_equal(&(*sets)[i].cpus, &m))
			return;
	s = array_push(sets, n, sizeof(*s));
	s->cpus = m;
	snprintf(s->who, sizeof(s->who), "cgroup %s%s", g->name,
		 w && w->affinity == AFFINITY_EXACT ? "'s pinned workers" : "");
}

/*
 * Where the monitor judges work conservation for t. A worker confined to
 * some CPUs (a cpuset, an affinity) may wait on a busy CPU while a CPU it
 * may not use idles, and the samples (run queue lengths) cannot tell that
 * from a scheduler leaving the CPU idle; so the question is asked within
 * the CPUs each part of the workload may use: per cgroup the union of its
 * cpusets over the steps (a nested cgroup without one has its parent's;
 * none or a clear: all CPUs), narrowed per work by an exact affinity.
 * Returns 0 with *n 0 when nothing confines (all CPUs are one set), 0 with
 * *sets (malloc'd) and *n, or -1 with *why when the host cannot know the
 * CPUs: an affinity the guest picks (random subset, LLC-aligned, single
 * CPU, cross-cgroup), or a cpuset that does not resolve on the topology.
 */
static int wc_sets(const struct spec_test *t, struct monitor_cpu_set **sets, size_t *n,
		   const char **why)
{
	static const char guest_picks[] = "not evaluated (a worker affinity the guest picks: "
					  "random, LLC-aligned, single-CPU or cross-cgroup)";
	struct wc_cgroup *g = NULL;
	size_t ng = 0;
	struct spec_layout l;
	bool confined = false, ok = true;

	*sets = NULL;
	*n = 0;
	if (!t)
		return 0;
	spec_topology__layout(&t->topology, &l);
	/* every cgroup and what it is given, and whether anything confines at all */
	for (size_t s = 0; s <= t->nsteps; s++) {
		const struct spec_cgroup *cgs = s ? t->steps[s - 1].cgroups : t->cgroups;
		size_t ncg = s ? t->steps[s - 1].ncgroups : t->ncgroups;

		for (size_t i = 0; i < ncg; i++) {
			ok = ok && wc_give(&g, &ng, cgs[i].name, &cgs[i].cpuset, &l);
			confined = confined || cgs[i].cpuset.kind != CPUSET_NONE;
			for (size_t w = 0; w < cgs[i].nworks; w++) {
				if (cgs[i].works[w].affinity == AFFINITY_EXACT)
					confined = true;
				else if (cgs[i].works[w].affinity != AFFINITY_INHERIT)
					*why = guest_picks;
			}
		}
		for (size_t o = 0; s && o < t->steps[s - 1].nops; o++) {
			const struct spec_op *op = &t->steps[s - 1].ops[o];

			if (op->kind == OP_SET_CPUSET) {
				ok = ok && wc_give(&g, &ng, op->cgroup, &op->cpuset, &l);
				confined = true;
			} else if (op->kind == OP_CLEAR_CPUSET) {
				struct wc_cgroup *c = wc_cgroup(&g, &ng, op->cgroup);

				for (unsigned cpu = 0; cpu < l.cpus; cpu++)
					cpumask_set(&c->cpus, cpu);
				c->set = true;
			} else if (op->kind == OP_SWAP_CPUSETS) {
				confined = true;
			} else if (op->kind == OP_SET_AFFINITY || op->kind == OP_SPAWN) {
				if (op->work.affinity == AFFINITY_EXACT)
					confined = true;
				else if (op->work.affinity != AFFINITY_INHERIT)
					*why = guest_picks;
				(void)wc_cgroup(&g, &ng, op->cgroup);
			}
		}
	}
	if (!ok || !l.valid)
		*why = "not evaluated (a cpuset of the spec does not resolve on its topology)";
	if (*why || !confined) {
		free(g);
		return *why ? -1 : 0;
	}
	/* a swap gives each cgroup the other's CPUs too */
	for (size_t s = 0; s < t->nsteps; s++)
		for (size_t o = 0; o < t->steps[s].nops; o++) {
			const struct spec_op *op = &t->steps[s].ops[o];
			struct wc_cgroup *a, *b;
			struct cpumask m;

			if (op->kind != OP_SWAP_CPUSETS)
				continue;
			a = wc_cgroup(&g, &ng, op->cgroup);
			b = wc_cgroup(&g, &ng, op->cgroup2);
			m = a->cpus;
			cpumask_or(&a->cpus, &a->cpus, &b->cpus);
			cpumask_or(&b->cpus, &b->cpus, &m);
			a->set = a->set || b->set;
			b->set = a->set;
		}
	/* no cpuset of its own: the nearest ancestor's, else every CPU */
	for (size_t i = 0; i < ng; i++) {
		char path[256];
		char *slash;
		bool found = false;

		if (g[i].set)
			continue;
		snprintf(path, sizeof(path), "%s", g[i].name);
		while (!found && (slash = strrchr(path, '/'))) {
			*slash = 0;
			for (size_t j = 0; j < ng && !found; j++)
				if (g[j].set && str_eq(g[j].name, path)) {
					g[i].cpus = g[j].cpus;
					found = true;
				}
		}
		for (unsigned cpu = 0; !found && cpu < l.cpus; cpu++)
			cpumask_set(&g[i].cpus, cpu);
	}
	/* one set per cgroup, and per work with an exact affinity */
	for (size_t i = 0; i < ng; i++) {
		bool plain = false;

		for (size_t s = 0; s <= t->nsteps; s++) {
			const struct spec_cgroup *cgs = s ? t->steps[s - 1].cgroups : t->cgroups;
			size_t ncg = s ? t->steps[s - 1].ncgroups : t->ncgroups;

			for (size_t c = 0; c < ncg; c++) {
				if (!str_eq(cgs[c].name, g[i].name))
					continue;
				for (size_t w = 0; w < cgs[c].nworks; w++) {
					if (cgs[c].works[w].affinity == AFFINITY_EXACT)
						wc_add_set(sets, n, &g[i], &cgs[c].works[w]);
					else
						plain = true;
				}
			}
			for (size_t o = 0; s && o < t->steps[s - 1].nops; o++) {
				const struct spec_op *op = &t->steps[s - 1].ops[o];

				/* tasks moved in: the mover's own works, under this cgroup's CPUs */
				if (op->kind == OP_MOVE_ALL_TASKS && str_eq(op->cgroup2, g[i].name))
					plain = true;
				if ((op->kind == OP_SET_AFFINITY || op->kind == OP_SPAWN) &&
				    str_eq(op->cgroup, g[i].name)) {
					if (op->work.affinity == AFFINITY_EXACT)
						wc_add_set(sets, n, &g[i], &op->work);
					else
						plain = true;
				}
			}
		}
		if (plain)
			wc_add_set(sets, n, &g[i], NULL);
	}
	free(g);
	return 0;
}

/*
 * The monitor's verdict; work conservation judged within the CPUs the
 * workload may use, or off (and saying why) when the host cannot know them.
 */
static void judge_monitor(const struct check_verdict_in *in, struct vm_session_run *sr,
			  struct run_result *rr)
{
	struct thresholds th = *in->th;
	_cleanup_free_ struct monitor_cpu_set *sets = NULL;
	const char *why = NULL;
	size_t nsets = 0;

	if (wc_sets(in->t, &sets, &nsets, &why) && th.v[THR_WORK_CONSERVATION].state == THR_SET)
		th.v[THR_WORK_CONSERVATION].state = THR_OFF;
	else
		why = NULL;
	monitor__judge_in(sr->mon, sr->mon_why, &th, in->sched_ext, sets, nsets, rr);
	if (why && rr->monitor.state && str_eq(rr->monitor.state, "on"))
		rr->monitor.wc_state = xstrdup(why);
}

/* Turn what the VM sent into one run's verdict. */
static void judge(const struct check_verdict_in *in, struct vm_session_run *sr,
		  struct run_result *rr)
{
	const struct vm_result *vr = &sr->vm;
	const char *console = vr->console, *qemu_err = sr->qemu_err;
	size_t console_len = vr->console_len;
	_cleanup_free_ char *panic = find_panic(console);
	struct run_channel *c = &sr->chan;
	const char *derr = c->done.error;
	_cleanup_free_ char *drops = vr->dropped_bytes ?
		xasprintf("channel: %" PRIu64 " bytes dropped (%u bad frames)", vr->dropped_bytes,
			  vr->bad_frames) : NULL;

	rr->boot_ns = vr->boot_ns;
	rr->run_ns = vr->run_ns;
	rr->channel_dropped = vr->dropped_bytes;
	rr->channel_bad_frames = vr->bad_frames;
	switch (vr->outcome) {
	case VM_SPAWN_FAILED:
		set_error(rr, TEST_ERROR, "boot", "%s", vr->error ?: "QEMU did not start");
		goto out;
	case VM_CANCELLED:
		set_error(rr, TEST_ERROR, vr->phase, "interrupted during %s", vr->phase);
		goto out;
	case VM_STOPPED:
		set_error(rr, TEST_ERROR, "boot", "%s", sr->topo_diff ?: "stopped");
		goto out;
	case VM_TIMEOUT:
		if (str_eq(vr->phase, "teardown") && c->have_done && !derr)
			break;	/* results are complete; the hang is reported below */
		set_error(rr, TEST_TIMEOUT, vr->phase, "%s timeout: %s", vr->phase,
			  str_eq(vr->phase, "boot") ? "the guest agent never reported (no HELO)" :
			  str_eq(vr->phase, "run") ? "no DONE from the guest in time" :
			  "QEMU did not exit after DONE");
		goto out;
	case VM_EXITED:
		if (panic)
			set_error(rr, TEST_ERROR, vr->phase, "%s", panic);
		else {
			char how[64];

			set_error(rr, TEST_ERROR, vr->phase,
				  "QEMU exited (%s) without a DONE from the guest during %s%s%s%s%s",
				  wait_status__describe(vr->wait_status, how, sizeof(how)),
				  vr->phase, qemu_err ? ": " : "", qemu_err ?: "",
				  drops ? "; " : "", drops ?: "");
		}
		goto out;
	case VM_DONE:
		break;
	}
	if (derr) {
		set_error(rr, TEST_ERROR, "run", "guest: %s", derr);
		/* the guest's own account, e.g. a plugin's trimmed verifier log */
		if (c->guest_error_log)
			run_result__add_detail(rr, DETAIL_OTHER, "guest", NULL, "%s", c->guest_error_log);
		goto out;
	}
	/* a message that did not decode: the results are not whole */
	if (c->decode_err) {
		set_error(rr, TEST_ERROR, "collect", "%s%s", c->decode_err,
			  c->decode_errors > 1 ? " (and more frames)" : "");
		goto out;
	}
	if (!c->topo && in->mode != VERDICT_EXEC) {
		set_error(rr, TEST_ERROR, "boot", "the guest never reported its topology");
		goto out;
	}
	if (in->mode == VERDICT_TOPO) {
		rr->status = TEST_PASS;
	} else if (in->mode == VERDICT_VERIFIER) {
		/* a scheduler that failed to load ended in DONE's error above */
		if (in->sched_ext && !(c->have_sched && str_eq(c->sched.state, "running")))
			set_error(rr, TEST_ERROR, "run", "the guest never said the scheduler runs");
		else
			rr->status = TEST_PASS;
	} else if (in->mode == VERDICT_EXEC) {
		int code = c->done.exit_code;

		rr->status = code ? TEST_FAIL : TEST_PASS;
		if (code)
			run_result__add_detail(rr, DETAIL_OTHER, "exit_code", NULL,
					       "command exited with %d", code);
	} else {
		if (c->result_err) {
			set_error(rr, TEST_ERROR, "collect", "telemetry: %s", c->result_err);
			goto out;
		}
		if (!c->have_result) {
			/* lost on the way (a torn or corrupt frame) or never sent */
			set_error(rr, TEST_ERROR, "run", "no telemetry (RSLT) from the guest%s%s",
				  drops ? "; " : "", drops ?: "");
			goto out;
		}
		if (in->t && in->t->baseline && !c->have_baseline) {
			set_error(rr, TEST_ERROR, "run", "no baseline telemetry (BASE) from the guest "
				  "for 'baseline: %s'%s%s", in->t->baseline, drops ? "; " : "",
				  drops ?: "");
			goto out;
		}
		rr->telemetry = c->tel;	/* taken */
		memset(&c->tel, 0, sizeof(c->tel));
		if (c->have_baseline)
			check__baseline(in->t, &c->baseline, rr);
		check__evaluate(in->t, in->th, &rr->telemetry, console, console_len, rr);
		judge_monitor(in, sr, rr);
		sched_died(c, rr);
	}
	if (vr->outcome == VM_TIMEOUT) {
		set_error(rr, TEST_TIMEOUT, "teardown", "QEMU did not exit after DONE");
	}
out:
	/* --verifier runs no workload: the monitor has nothing to judge, and says so rather than "not evaluated" */
	if (in->mode == VERDICT_VERIFIER && !rr->monitor.state) {
		rr->monitor.state = xstrdup("not judged (--verifier: no workload ran)");
		rr->monitor.summary = xstrdup("monitor not judged (--verifier: no workload ran)");
	}
	/* what the verifier did stands whatever became of the run */
	rr->progs = TAKE_PTR(c->progs);
	rr->nprogs = c->nprogs;
	c->nprogs = 0;
	/* the verdict stands on whole results, but what was lost is said */
	if (drops && !said_drops(rr, drops))
		run_result__add_detail(rr, DETAIL_OTHER, "channel", NULL, "%s", drops);
}

int check__detail_severity(const struct result_detail *d)
{
	switch (d->kind) {
	case DETAIL_SCHEDULER_DIED:
		return 0;	/* the kernel ejected it: everything after is a consequence */
	case DETAIL_MONITOR:
		/* an rq clock that stood still; the other monitor checks come last */
		return str_eq(d->check, threshold_table[THR_FAIL_ON_STALL].name) ? 2 : 6;
	case DETAIL_STUCK:
		return 3;
	case DETAIL_STARVED:
		return 4;
	case DETAIL_ISOLATION:
		return 5;
	default:
		/* the harness's ERROR or TIMEOUT is what the status says */
		return str_eq(d->check, "harness") ? 1 : 6;
	}
}

void check__first_reason(struct test_result *res, unsigned repeats)
{
	for (size_t i = 0; i < res->nruns && !res->reason; i++) {
		const struct run_result *rr = &res->runs[i];
		const char *msg;
		int best;

		if (rr->status == TEST_PASS || !rr->ndetails)
			continue;
		msg = rr->details[0].message;
		best = check__detail_severity(&rr->details[0]);
		for (size_t d = 1; d < rr->ndetails; d++) {
			int sev = check__detail_severity(&rr->details[d]);

			if (sev < best) {	/* the first of the most severe */
				best = sev;
				msg = rr->details[d].message;
			}
		}
		if (repeats > 1)
			res->reason = xasprintf("repeat %zu of %u: %s", i + 1, repeats, msg);
		else
			res->reason = xstrdup(msg);
	}
}


void check__verdict(const struct check_verdict_in *in, struct vm_session_run *sr,
		    struct run_result *rr)
{
	if (sr->prep_err)
		set_error(rr, TEST_ERROR, "prepare", "initramfs: %s", sr->prep_err);
	else if (sr->interrupted)
		set_error(rr, TEST_ERROR, "prepare", "interrupted before boot");
	else
		judge(in, sr, rr);
}
