/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Turning telemetry into verdicts: one row per check in check_table[],
 * failure messages in ktstr's manner, per-cgroup statistics, and the
 * kernel console gate.
 */
#ifndef KTSTR_CHECK_H
#define KTSTR_CHECK_H

#include "spec/spec.h"
#include "result/result.h"

/*
 * Judge one run: fills r->details, r->cgroups and sets r->status to PASS or
 * FAIL. Console gate: console may be NULL (missing log), which fails.
 *
 * Details the runner added before the call (DETAIL_SCHEDULER_DIED when the
 * plugin reported the scheduler gone, DETAIL_OTHER for a harness note) are
 * kept and make the run FAIL. A telemetry event EVT_NOTE labelled
 * "scheduler_died" (detail: the reason) does the same. When tel->error is set
 * (the workload itself could not run) the status is ERROR instead.
 * tel may be NULL: only the console is judged and the run is an ERROR.
 */
int check__evaluate(const struct spec_test *t, const struct thresholds *th,
		    const struct telemetry *tel, const char *console, size_t console_len,
		    struct run_result *r);

/* Only the per-cgroup statistics of tel into r->cgroups (no check, no detail). */
void check__cgroup_stats(const struct spec_test *t, const struct telemetry *tel,
			 struct run_result *r);

/*
 * 'baseline: eevdf': base is the telemetry of the same workload under EEVDF
 * earlier in the same boot. Takes it into r->baseline with its per-cgroup
 * statistics; call before check__evaluate, which then computes each
 * cgroup's ratios (scheduler / EEVDF) and judges the *_ratio thresholds.
 */
void check__baseline(const struct spec_test *t, struct telemetry *base, struct run_result *r);
/* baseline.c, for check.c: the ratios of r's cgroups (measured in tel), and one *_ratio threshold's judgement. */
void check_baseline__ratios(const struct telemetry *tel, struct run_result *r);
void check_baseline__judge(struct run_result *r, enum thr_id thr, double limit);
/*
 * The i-th ratio a baseline reports (for the renderers): its metric as
 * runs[].baseline.ratios[] names it ("work_rate"), the threshold that
 * judges it and whether that is a floor. false past the last.
 */
bool check_baseline__ratio(size_t i, const char **metric, enum thr_id *thr, bool *floor);

struct check_ctx;

/* One row of check_table[]: a check, the threshold that drives it (name, gate), its detail kind. */
struct check_desc {
	enum thr_id thr;
	enum detail_kind kind;
	/* Judge every cgroup (or worker) against limit. */
	void (*run)(struct check_ctx *c, double limit);
};

extern const struct check_desc check_table[];
extern const size_t check_table_len;

/*
 * How a merged threshold stands for a finished test: thresholds__evaluation(),
 * except that a monitor threshold is "on" when the monitor judged a run, else
 * the monitor's own "not judged (...)" / "not evaluated (...)" state of the
 * last run that had one. For the text and JSON reports, so no report calls an
 * unevaluated check passed.
 */
const char *check__test_threshold_state(const struct test_result *t, enum thr_id id);

/*
 * The console gate alone: built-in deny patterns (oopses, BUG/WARNING, KASAN,
 * lockdep, hung tasks, RCU stalls, sched_ext errors) minus lines the spec's
 * allow list exempts, then the spec's forbid and expect patterns. Adds
 * DETAIL_CONSOLE details quoting the matching line; returns how many it
 * added, or -EINVAL when a spec pattern does not compile (also a detail).
 * Patterns match one line at a time (CRLF stripped), so ^ and $ anchor to a
 * line. console == NULL or len == 0 fails: a missing log proves nothing.
 */
int check__console(const struct spec_console *c, const char *console, size_t len,
		   struct run_result *r);

/*
 * Payload metrics (payload.c): text read as mode (json: the first JSON
 * document; yaml; lines: "key: value" or "key=value") into flattened
 * numeric metrics "a.b.0.c" (*out malloc'd, n entries, polarity unknown).
 * 0, or -EINVAL with *why (malloc'd) when the text holds no such document.
 */
int payload_metrics__extract(enum payload_output mode, const char *text,
			     struct payload_metric **out, size_t *n, char **why);
/*
 * Each reaped payload run of tel into r->payloads with its metrics, and the
 * spec's checks on it as "payload" details: exit_code first (ktstr), then
 * min, max, range and exists, each naming the metric. A payload with
 * checks that never ran fails as well. check__evaluate calls it.
 */
void check__payloads(const struct spec_test *t, const struct telemetry *tel, struct run_result *r);

/* ktstr's "--- stats ---" body for one run (malloc'd, without the header line). */
char *run_result__stats_text(const struct run_result *r);

#endif
