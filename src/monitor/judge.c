// SPDX-License-Identifier: GPL-2.0-only
/* One run's monitor verdict: thresholds in, DETAIL_MONITOR details and the run's monitor record out. */
#include "result/result.h"
#include "monitor/monitor.h"

static void limits_from(const struct thresholds *th, struct monitor_limits *l)
{
	double v;

	memset(l, 0, sizeof(*l));
	l->imbalance_on = thresholds__active(th, THR_MAX_IMBALANCE_RATIO, &l->max_imbalance);
	l->dsq_on = thresholds__active(th, THR_MAX_LOCAL_DSQ_DEPTH, &v);
	l->max_dsq = l->dsq_on ? (uint64_t)v : 0;
	l->stall_on = thresholds__active(th, THR_FAIL_ON_STALL, NULL);
	l->sustained = thresholds__active(th, THR_SUSTAINED_SAMPLES, &v) && v >= 1 ? (unsigned)v : 1;
	l->fallback_on = thresholds__active(th, THR_MAX_FALLBACK_RATE, &l->max_fallback);
	l->keep_last_on = thresholds__active(th, THR_MAX_KEEP_LAST_RATE, &l->max_keep_last);
	l->wc_on = thresholds__active(th, THR_WORK_CONSERVATION, NULL);
}

void monitor__judge(struct monitor *m, const char *absent_why, const struct thresholds *th,
		    bool active, struct run_result *rr)
{
	monitor__judge_in(m, absent_why, th, active, NULL, 0, rr);
}

void monitor__judge_in(struct monitor *m, const char *absent_why, const struct thresholds *th,
		       bool active, const struct monitor_cpu_set *sets, size_t nsets,
		       struct run_result *rr)
{
	const struct monitor_series *s = NULL;
	const char *why = absent_why;

	if (m) {
		monitor__stop(m);
		s = monitor__series(m, &why);
		if (monitor__watchdog(m))
			rr->monitor.watchdog_override = xstrdup(monitor__watchdog(m));
	}
	monitor__judge_series_in(s, why, th, active, sets, nsets, rr);
}

void monitor__judge_series(const struct monitor_series *s, const char *why,
			   const struct thresholds *th, bool active, struct run_result *rr)
{
	monitor__judge_series_in(s, why, th, active, NULL, 0, rr);
}

void monitor__judge_series_in(const struct monitor_series *s, const char *why,
			      const struct thresholds *th, bool active,
			      const struct monitor_cpu_set *sets, size_t nsets, struct run_result *rr)
{
	struct run_monitor *rm = &rr->monitor;
	struct monitor_limits l;
	struct monitor_verdict v = { 0 };

	if (!s) {
		rm->state = xasprintf("not evaluated (no monitor data: %s)", why ?: "no monitor");
		rm->summary = xasprintf("no monitor data: %s", why ?: "no monitor");
		return;
	}
	limits_from(th, &l);
	l.wc_sets = sets;
	l.wc_nsets = nsets;
	monitor__evaluate(s, &l, &v);
	monitor__record(s, &v, rm);
	if (!v.evaluated) {
		rm->state = xasprintf("not evaluated (%s)", v.summary);
		rm->summary = xstrdup(v.summary);
	} else if (!active) {
		rm->state = xstrdup("not judged (EEVDF: no sched_ext scheduler; samples recorded)");
		rm->summary = xasprintf("monitor not judged (EEVDF); samples say: %s", v.summary);
	} else {
		rm->state = xstrdup("on");
		/* parts the samples could not show are not judged, and say why */
		if (v.fallback_rate < 0)
			rm->events_state = xasprintf("not evaluated (no event counters: %s)",
						     s->events_why ? s->events_why :
						     "scx_root was NULL in every sample");
		if (s->dsq_why)
			rm->dsq_state = xasprintf("not evaluated (%s)", s->dsq_why);
		rm->summary = xstrdup(v.summary);
		for (size_t i = 0; i < v.ndetails; i++)
			run_result__add_detail(rr, DETAIL_MONITOR, v.detail_check[i], NULL, "%s",
					       v.details[i]);
		if (v.ndetails)
			rr->status = test_status_worst(rr->status, TEST_FAIL);
	}
	monitor_verdict__free(&v);
}

void monitor__record(const struct monitor_series *s, const struct monitor_verdict *v,
		     struct run_monitor *rm)
{
	monitor_series__copy(s, &rm->series);
	rm->have_series = true;
	rm->events_why = xstrdup(s->events_why);
	rm->samples = (unsigned)s->n;
	rm->window = (unsigned)(s->win_end - s->win_start);
	rm->sample_cost_us = s->n ? (double)s->sample_cost_ns / (double)s->n / 1e3 : 0;
	rm->evaluated = v->evaluated;
	rm->max_imbalance = v->max_imbalance;
	rm->max_dsq = v->max_dsq;
	rm->max_dsq_cpu = v->max_dsq_cpu;
	rm->longest_stall = v->max_stall_run;
	rm->longest_stall_cpu = v->max_stall_cpu;
	rm->fallback_rate = v->fallback_rate;
	rm->keep_last_rate = v->keep_last_rate;
	rm->max_fallback_rate = v->max_fallback_rate;
	rm->max_keep_last_rate = v->max_keep_last_rate;
	rm->idle_waiting_run = v->max_idle_waiting_run;
}
