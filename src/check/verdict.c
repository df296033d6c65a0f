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

/*
 * Why the monitor cannot judge work conservation for t, or NULL: a worker
 * confined to some CPUs (a cpuset, an affinity, an op that sets either)
 * may wait on a busy CPU while another idles, and the samples (run queue
 * lengths) cannot tell that from a scheduler leaving the CPU idle.
 */
static const char *confines_cpus(const struct spec_test *t)
{
	const char *why = "not evaluated (the spec confines workers to CPUs: cpusets or affinity)";

	if (!t)
		return NULL;
	for (size_t i = 0; i < t->ncgroups; i++) {
		if (t->cgroups[i].cpuset.kind != CPUSET_NONE)
			return why;
		for (size_t w = 0; w < t->cgroups[i].nworks; w++)
			if (t->cgroups[i].works[w].affinity != AFFINITY_INHERIT)
				return why;
	}
	for (size_t s = 0; s < t->nsteps; s++) {
		const struct spec_step *st = &t->steps[s];

		for (size_t i = 0; i < st->ncgroups; i++) {
			if (st->cgroups[i].cpuset.kind != CPUSET_NONE)
				return why;
			for (size_t w = 0; w < st->cgroups[i].nworks; w++)
				if (st->cgroups[i].works[w].affinity != AFFINITY_INHERIT)
					return why;
		}
		for (size_t o = 0; o < st->nops; o++)
			if (st->ops[o].kind == OP_SET_CPUSET || st->ops[o].kind == OP_SWAP_CPUSETS ||
			    st->ops[o].kind == OP_SET_AFFINITY ||
			    (st->ops[o].kind == OP_SPAWN && st->ops[o].work.affinity != AFFINITY_INHERIT))
				return why;
	}
	return NULL;
}

/* The monitor's verdict; work conservation off (and saying why) for a spec that confines CPUs. */
static void judge_monitor(const struct check_verdict_in *in, struct vm_session_run *sr,
			  struct run_result *rr)
{
	struct thresholds th = *in->th;
	const char *confined = confines_cpus(in->t);

	if (confined && th.v[THR_WORK_CONSERVATION].state == THR_SET)
		th.v[THR_WORK_CONSERVATION].state = THR_OFF;
	else
		confined = NULL;
	monitor__judge(sr->mon, sr->mon_why, &th, in->sched_ext, rr);
	if (confined && rr->monitor.state && str_eq(rr->monitor.state, "on"))
		rr->monitor.wc_state = xstrdup(confined);
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
