// SPDX-License-Identifier: GPL-2.0-only
/*
 * 'baseline: eevdf': the guest ran the workload under EEVDF first and then
 * under the scheduler, in one boot, so kernel, machine and host load are
 * as alike as two halves of one run can be. Each cgroup's figures become
 * ratios (scheduler / EEVDF), judged by the *_ratio thresholds: a
 * scheduler that leaves CPUs idle shows a work rate far below EEVDF's even
 * when it is fair to every task it runs.
 */
#include "check/check.h"

/* One ratio: the figure, the threshold that judges it, and which way is better. */
struct ratio_desc {
	const char *metric;
	const char *words;	/* for messages */
	const char *unit;
	enum thr_id thr;
	bool higher_better;	/* a floor (min_*) rather than a limit (max_*) */
	int prec;		/* decimals in messages */
	/* the figure of one cgroup in a run, or < 0 when not measured */
	double (*get)(const struct telemetry *tel, const struct cgroup_stats *s);
};

static double secs(const struct telemetry *tel)
{
	return (double)tel->duration_ns / 1e9;
}

static double get_work_rate(const struct telemetry *tel, const struct cgroup_stats *s)
{
	return secs(tel) > 0 ? (double)s->total_work_units / secs(tel) : -1;
}

static double get_iteration_rate(const struct telemetry *tel, const struct cgroup_stats *s)
{
	return secs(tel) > 0 ? (double)s->total_iterations / secs(tel) : -1;
}

/*
 * CPUs' worth of time the cgroup's workers ran: their CPU time over the
 * scenario's wall time. The guest's own clocks count it, so unlike the work
 * rate it does not move with how much host CPU a TCG guest gets: what it
 * shows is CPUs the scheduler left idle (or gave to others).
 */
static double get_cpu_share(const struct telemetry *tel, const struct cgroup_stats *s)
{
	uint64_t cpu = 0;

	for (size_t i = 0; i < tel->nworkers; i++)
		if (str_eq(tel->workers[i].cgroup ?: "", s->name ?: ""))
			cpu += tel->workers[i].cpu_time_ns;
	return tel->duration_ns ? (double)cpu / (double)tel->duration_ns : -1;
}

static double get_p99_wake(const struct telemetry *tel, const struct cgroup_stats *s)
{
	(void)tel;
	return s->wake_samples ? s->p99_wake_latency_us : -1;
}

static const struct ratio_desc ratio_table[] = {
	{ "work_rate", "work rate", "/s", THR_MIN_WORK_RATE_RATIO, true, 1, get_work_rate },
	{ "cpu_share", "CPU share", " CPUs", THR_MIN_CPU_SHARE_RATIO, true, 2, get_cpu_share },
	{ "iteration_rate", "iteration rate", "/s", THR_MIN_ITERATION_RATE_RATIO, true, 1,
	  get_iteration_rate },
	{ "p99_wake_latency_us", "p99 wake latency", "us", THR_MAX_P99_WAKE_LATENCY_RATIO, false, 1,
	  get_p99_wake },
};

static const struct cgroup_stats *find_cgroup(const struct run_baseline *b, const char *name)
{
	for (size_t i = 0; i < b->ncgroups; i++)
		if (str_eq(b->cgroups[i].name, name))
			return &b->cgroups[i];
	return NULL;
}

void check__baseline(const struct spec_test *t, struct telemetry *base, struct run_result *r)
{
	struct run_baseline *b = &r->baseline;
	struct run_result tmp = { 0 };

	b->present = true;
	b->tel = *base;		/* taken */
	memset(base, 0, sizeof(*base));
	check__cgroup_stats(t, &b->tel, &tmp);
	b->cgroups = TAKE_PTR(tmp.cgroups);
	b->ncgroups = tmp.ncgroups;
	tmp.ncgroups = 0;
	run_result__free(&tmp);
}

void check_baseline__ratios(const struct telemetry *tel, struct run_result *r)
{
	struct run_baseline *b = &r->baseline;

	for (size_t i = 0; i < b->nratios; i++)	/* judged twice: keep the last */
		free(b->ratios[i].cgroup);
	free(b->ratios);
	b->ratios = NULL;
	b->nratios = 0;
	for (size_t i = 0; b->present && i < r->ncgroups; i++) {
		const struct cgroup_stats *s = &r->cgroups[i], *e = find_cgroup(b, s->name);

		for (size_t m = 0; e && m < ARRAY_SIZE(ratio_table); m++) {
			const struct ratio_desc *d = &ratio_table[m];
			double ev = d->get(&b->tel, e), sv = d->get(tel, s);
			struct baseline_ratio *x;

			if (ev < 0 || sv < 0)
				continue;
			x = array_push(&b->ratios, &b->nratios, sizeof(*x));
			x->cgroup = xstrdup(s->name);
			x->metric = d->metric;
			x->eevdf = ev;
			x->sched = sv;
			x->ratio = ev > 0 ? sv / ev : -1;
		}
	}
}

void check_baseline__judge(struct run_result *r, enum thr_id thr, double limit)
{
	const struct ratio_desc *d = NULL;

	for (size_t m = 0; m < ARRAY_SIZE(ratio_table); m++)
		if (ratio_table[m].thr == thr)
			d = &ratio_table[m];
	for (size_t i = 0; d && i < r->baseline.nratios; i++) {
		const struct baseline_ratio *x = &r->baseline.ratios[i];

		if (!str_eq(x->metric, d->metric) || x->ratio < 0)
			continue;
		if (d->higher_better ? x->ratio < limit : x->ratio > limit)
			run_result__add_detail(r, DETAIL_BENCHMARK, threshold_table[thr].name, x->cgroup,
				"%s %.2fx of EEVDF's in the same boot (%.*f%s against %.*f%s) %s %.2fx",
				d->words, x->ratio, d->prec, x->sched, d->unit, d->prec, x->eevdf, d->unit,
				d->higher_better ? "below floor" : "exceeds limit", limit);
	}
}

bool check_baseline__ratio(size_t i, const char **metric, enum thr_id *thr, bool *floor)
{
	if (i >= ARRAY_SIZE(ratio_table))
		return false;
	*metric = ratio_table[i].metric;
	*thr = ratio_table[i].thr;
	*floor = ratio_table[i].higher_better;
	return true;
}
