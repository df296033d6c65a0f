/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One run's verdict from what its VM session returned (vm/session.h): how
 * the VM ended, what the guest sent, the checks and the monitor; and a
 * test's one-line reason from its runs. Nothing here prints or boots.
 */
#ifndef KTSTR_CHECK_VERDICT_H
#define KTSTR_CHECK_VERDICT_H

#include "check/check.h"
#include "vm/session.h"

enum verdict_mode {
	VERDICT_SPEC,		/* a spec test: telemetry, checks, monitor, scheduler health */
	VERDICT_EXEC,		/* --exec: the command's exit code */
	VERDICT_TOPO,		/* --topo-only: the topology alone */
	VERDICT_VERIFIER,	/* --verifier: the scheduler attached (its programs in rr->progs) */
};

struct check_verdict_in {
	enum verdict_mode mode;
	const struct spec_test *t;	/* VERDICT_SPEC */
	const struct thresholds *th;	/* VERDICT_SPEC: the merged thresholds */
	bool sched_ext;			/* the scheduler schedules: monitor violations fail */
};

/*
 * Judge one run into rr: status, phase and details, boot and run times and
 * the channel's losses. Takes sr->chan.tel into rr->telemetry and the
 * scheduler's programs (sr->chan.progs) into rr->progs, whatever the verdict.
 */
void check__verdict(const struct check_verdict_in *in, struct vm_session_run *sr,
		    struct run_result *rr);

/*
 * How telling a detail is for the reason line, 0 most: the kernel's
 * ejection of the scheduler (it explains what follows), the harness's own
 * ERROR or TIMEOUT, an rq clock stall, a gap, starvation, isolation, then
 * the rest. A task stuck for seconds says more than the spread it causes.
 */
int check__detail_severity(const struct result_detail *d);

/*
 * res->reason, unless set: the first failing run's most severe detail (the
 * first of equals), "repeat i of n: " in front when the test repeats.
 */
void check__first_reason(struct test_result *res, unsigned repeats);

/* The last lines of a failed run's console (caller frees), for the report. */
char *check__console_tail(const char *console, size_t len);

#endif
