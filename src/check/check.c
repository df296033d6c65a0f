// SPDX-License-Identifier: GPL-2.0-only
/* The checks: telemetry and console in, details and per-cgroup statistics out. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>

#include "check/check.h"
#include "spec/topo.h"

/* One cgroup's workers as the checks see them. */
struct cg_view {
	const char *name;
	size_t *w;			/* indices into tel->workers */
	size_t n;
	struct cgroup_stats *st;	/* r->cgroups[i] */
	struct wake_stats wake;		/* over the pooled samples of all workers */
};

struct check_ctx {
	const struct spec_test *t;
	const struct thresholds *th;
	const struct telemetry *tel;
	struct run_result *r;
	const struct check_desc *cur;
	struct cg_view *cgs;
	size_t ncgs;
	struct topo topo;
};

static const struct worker_report *cg_worker(const struct check_ctx *c,
					     const struct cg_view *g, size_t i)
{
	return &c->tel->workers[g->w[i]];
}

static void fail(struct check_ctx *c, const char *cgroup, const char *fmt, ...) __printf(3, 4);

/* Record a failing detail for the check being run. */
static void fail(struct check_ctx *c, const char *cgroup, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	run_result__add_detail(c->r, c->cur->kind, threshold_table[c->cur->thr].name, cgroup, "%s", msg);
}

/* Coefficient of variation (sample stddev / mean, as wake_stats); 0 for < 2 values or a zero mean. */
static double coeff_var(const double *v, size_t n)
{
	double sum = 0, mean, var = 0;

	if (n < 2)
		return 0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	mean = sum / (double)n;
	if (mean == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		var += (v[i] - mean) * (v[i] - mean);
	return sqrt(var / (double)(n - 1)) / mean;
}

static double off_cpu_pct(const struct worker_report *w)
{
	return w->wall_time_ns ? 100.0 * (double)w->off_cpu_ns / (double)w->wall_time_ns : 0;
}

/* Work units per CPU-second; -1 when the worker had no CPU time. */
static double work_rate(const struct worker_report *w)
{
	return w->cpu_time_ns ? (double)w->work_units * 1e9 / (double)w->cpu_time_ns : -1;
}

/* ---- the spec's view of a cgroup: cpuset and memory policy ---- */

static void work_nodes(const struct spec_work *w, struct cpumask *nodes, bool *any)
{
	switch (w->mem_policy) {
	case MPOL_KIND_BIND:
	case MPOL_KIND_PREFERRED:
	case MPOL_KIND_INTERLEAVE:
	case MPOL_KIND_PREFERRED_MANY:
	case MPOL_KIND_WEIGHTED_INTERLEAVE:
		cpumask_or(nodes, nodes, &w->mem_nodes);
		*any = true;
		break;
	default:
		break;
	}
}

static void cgroup_def_nodes(const struct spec_cgroup *cg, const char *name,
			     struct cpumask *nodes, bool *any)
{
	if (!str_eq(cg->name, name))
		return;
	for (size_t i = 0; i < cg->nworks; i++)
		work_nodes(&cg->works[i], nodes, any);
}

/* The NUMA nodes a cgroup's memory policies name; false when none does. */
static bool spec_policy_nodes(const struct spec_test *t, const char *name, struct cpumask *nodes)
{
	bool any = false;

	cpumask_zero(nodes);
	if (!t)
		return false;
	for (size_t i = 0; i < t->ncgroups; i++)
		cgroup_def_nodes(&t->cgroups[i], name, nodes, &any);
	for (size_t s = 0; s < t->nsteps; s++) {
		const struct spec_step *st = &t->steps[s];

		for (size_t i = 0; i < st->ncgroups; i++)
			cgroup_def_nodes(&st->cgroups[i], name, nodes, &any);
		for (size_t i = 0; i < st->nops; i++)
			if (st->ops[i].kind == OP_SPAWN && str_eq(st->ops[i].cgroup, name))
				work_nodes(&st->ops[i].work, nodes, &any);
	}
	return any;
}

static int cpu_node(const struct topo *tp, int cpu)
{
	return cpu >= 0 && (unsigned)cpu < tp->ncpus ? tp->cpus[cpu].node : 0;
}

/* ---- per-cgroup statistics (ktstr's CgroupStats) ---- */

static void numa_stats(struct check_ctx *c, struct cg_view *g)
{
	struct cgroup_stats *st = g->st;
	struct cpumask local;
	unsigned nnodes = c->topo.nnodes;	/* memory-only nodes included */

	if (!spec_policy_nodes(c->t, g->name, &local)) {
		/* Default/local policy: the nodes of the CPUs the workers ran on. */
		for (size_t i = 0; i < g->n; i++) {
			int cpu;

			for_each_cpu(cpu, &cg_worker(c, g, i)->cpus_used)
				cpumask_set(&local, cpu_node(&c->topo, cpu));
		}
	}
	for (size_t i = 0; i < g->n; i++) {
		const struct worker_report *w = cg_worker(c, g, i);

		for (unsigned n = 0; n < TELEMETRY_MAX_NUMA_NODES; n++) {
			st->numa_pages += w->numa_pages[n];
			if (cpumask_test(&local, n))
				st->numa_pages_local += w->numa_pages[n];
			/* A node without CPUs is a memory-only (slow) tier. */
			if (n < nnodes && n < TOPO_MAX_NODES && cpumask_empty(&c->topo.node_cpus[n]))
				st->numa_pages_slow += w->numa_pages[n];
		}
		st->numa_pages_migrated += w->numa_pages_migrated;
	}
	st->page_locality = -1;
	st->cross_node_migration_ratio = -1;
	st->slow_tier_ratio = -1;
	if (st->numa_pages) {
		st->page_locality = (double)st->numa_pages_local / (double)st->numa_pages;
		st->cross_node_migration_ratio =
			(double)st->numa_pages_migrated / (double)st->numa_pages;
		st->slow_tier_ratio = (double)st->numa_pages_slow / (double)st->numa_pages;
	}
}

/* Pool the cgroup's wake samples; ktstr judges latency per cgroup, not per worker. */
static void wake_stats(struct check_ctx *c, struct cg_view *g)
{
	struct cgroup_stats *st = g->st;
	_cleanup_free_ uint64_t *pool = NULL;
	size_t n = 0;

	for (size_t i = 0; i < g->n; i++)
		n += cg_worker(c, g, i)->nwake;
	pool = xmalloc((n ? n : 1) * sizeof(*pool));
	n = 0;
	for (size_t i = 0; i < g->n; i++) {
		const struct worker_report *w = cg_worker(c, g, i);

		if (w->nwake)
			memcpy(pool + n, w->wake_ns, w->nwake * sizeof(*pool));
		n += w->nwake;
	}
	wake_stats__compute(pool, n, &g->wake);
	st->wake_samples = n;
	st->p99_wake_latency_us = (double)g->wake.p99 / 1e3;
	st->median_wake_latency_us = (double)g->wake.p50 / 1e3;
	st->wake_latency_cv = g->wake.cv;
}

static void cgroup_stats(struct check_ctx *c, struct cg_view *g)
{
	struct cgroup_stats *st = g->st;
	struct cpumask cpus;
	double delay_sum = 0;
	unsigned ndelay = 0;
	bool first = true;

	cpumask_zero(&cpus);
	st->name = xstrdup(g->name);
	st->workers = g->n;
	st->max_gap_cpu = -1;
	for (size_t i = 0; i < g->n; i++) {
		const struct worker_report *w = cg_worker(c, g, i);
		double off = off_cpu_pct(w);

		cpumask_or(&cpus, &cpus, &w->cpus_used);
		if (w->wall_time_ns) {
			st->avg_off_cpu_pct += off;
			if (first || off < st->min_off_cpu_pct)
				st->min_off_cpu_pct = off;
			if (first || off > st->max_off_cpu_pct)
				st->max_off_cpu_pct = off;
			first = false;
		}
		if (w->max_gap_ns / NSEC_PER_MSEC >= st->max_gap_ms && w->max_gap_ns) {
			st->max_gap_ms = w->max_gap_ns / NSEC_PER_MSEC;
			st->max_gap_cpu = w->max_gap_cpu;
			st->max_gap_at_ms = w->max_gap_at_ns / NSEC_PER_MSEC;
		}
		st->total_migrations += w->migration_count;
		st->total_iterations += w->iterations;
		st->total_work_units += w->work_units;
		if (w->schedstat_run_count) {
			double d = (double)w->schedstat_run_delay_ns / (double)w->schedstat_run_count / 1e3;

			delay_sum += d;
			ndelay++;
			st->worst_run_delay_us = MAX(st->worst_run_delay_us, d);
		}
	}
	if (!first) {
		unsigned nwall = 0;

		for (size_t i = 0; i < g->n; i++)
			nwall += cg_worker(c, g, i)->wall_time_ns != 0;
		st->avg_off_cpu_pct /= nwall;
	}
	st->spread = st->max_off_cpu_pct - st->min_off_cpu_pct;
	st->cpus = cpumask_weight(&cpus);
	st->migration_ratio = st->total_iterations ?
		(double)st->total_migrations / (double)st->total_iterations : 0;
	st->mean_run_delay_us = ndelay ? delay_sum / ndelay : 0;
	wake_stats(c, g);
	numa_stats(c, g);
}

/* Group workers by cgroup in order of first appearance. */
static void build_views(struct check_ctx *c)
{
	const struct telemetry *tel = c->tel;

	for (size_t i = 0; i < tel->nworkers; i++) {
		const char *name = tel->workers[i].cgroup ? tel->workers[i].cgroup : "";
		struct cg_view *g = NULL;

		for (size_t j = 0; j < c->ncgs; j++)
			if (str_eq(c->cgs[j].name, name))
				g = &c->cgs[j];
		if (!g) {
			g = array_push(&c->cgs, &c->ncgs, sizeof(*g));
			g->name = name;
		}
		*(size_t *)array_push(&g->w, &g->n, sizeof(size_t)) = i;
	}
	for (size_t j = 0; j < c->r->ncgroups; j++)	/* judged twice: keep the last */
		free(c->r->cgroups[j].name);
	free(c->r->cgroups);
	c->r->cgroups = xcalloc(c->ncgs ? c->ncgs : 1, sizeof(*c->r->cgroups));
	c->r->ncgroups = c->ncgs;
	for (size_t j = 0; j < c->ncgs; j++) {
		c->cgs[j].st = &c->r->cgroups[j];
		cgroup_stats(c, &c->cgs[j]);
	}
}

/* ---- the checks, one function per check_table[] row ---- */

static void check_starved(struct check_ctx *c, double on)
{
	for (size_t i = 0; i < c->tel->nworkers; i++) {
		const struct worker_report *w = &c->tel->workers[i];

		if (w->work_units == 0)
			fail(c, w->cgroup, "tid %d starved (0 work units)", w->pid);
	}
}

static void check_spread(struct check_ctx *c, double limit)
{
	for (size_t j = 0; j < c->ncgs; j++) {
		const struct cgroup_stats *st = c->cgs[j].st;

		if (st->workers < 2 || st->spread <= limit)
			continue;
		fail(c, c->cgs[j].name, "unfair cgroup: spread=%.1f%% (%.1f-%.1f%%) %u workers on %u cpus",
		     st->spread, st->min_off_cpu_pct, st->max_off_cpu_pct, st->workers, st->cpus);
	}
}

static void check_gap(struct check_ctx *c, double limit)
{
	for (size_t j = 0; j < c->ncgs; j++) {
		const struct cg_view *g = &c->cgs[j];

		for (size_t i = 0; i < g->n; i++) {
			const struct worker_report *w = cg_worker(c, g, i);
			uint64_t ms = (uint64_t)(w->max_gap_ns / NSEC_PER_MSEC);

			if ((double)ms <= limit)
				continue;
			fail(c, g->name, "stuck %" PRIu64 "ms on cpu%d at +%" PRIu64 "ms",
			     ms, w->max_gap_cpu, (uint64_t)(w->max_gap_at_ns / NSEC_PER_MSEC));
		}
	}
}

/*
 * Every worker against the CPUs the harness's cpusets granted its cgroup
 * over the run (the guest follows every cpuset op and move, and reports
 * the union), never against the cgroup the task ended up in: a broken
 * scheduler daemon that moved it out must not widen its own yardstick.
 * The union alone misses a worker that ran, while its cgroup was narrowed,
 * on a CPU granted only before or after (a cpuset applied, swapped or
 * resized mid-run), so the guest also reports the CPUs each worker used
 * outside the grant of the time (cpus_outside, by epoch between changes).
 * A cgroup without a cpuset is granted every CPU and cannot fail; an
 * empty grant (nothing reported) is not judged.
 */
static void check_isolation(struct check_ctx *c, double on)
{
	for (size_t j = 0; j < c->ncgs; j++) {
		const struct cg_view *g = &c->cgs[j];

		for (size_t i = 0; i < g->n; i++) {
			const struct worker_report *w = cg_worker(c, g, i);
			struct cpumask bad;
			char buf[256];

			if (cpumask_empty(&w->allowed))
				continue;
			cpumask_andnot(&bad, &w->cpus_used, &w->allowed);
			cpumask_or(&bad, &bad, &w->cpus_outside);
			if (cpumask_empty(&bad))
				continue;
			fail(c, g->name, "tid %d ran on unexpected CPUs [%s]", w->pid,
			     cpumask_format(&bad, buf, sizeof(buf)));
		}
	}
}

static void check_throughput_cv(struct check_ctx *c, double limit)
{
	for (size_t j = 0; j < c->ncgs; j++) {
		const struct cg_view *g = &c->cgs[j];
		_cleanup_free_ double *rates = xcalloc(g->n, sizeof(double));
		size_t n = 0;
		double cv;

		for (size_t i = 0; i < g->n; i++) {
			double rate = work_rate(cg_worker(c, g, i));

			if (rate >= 0)
				rates[n++] = rate;
		}
		if (n < 2)
			continue;
		cv = coeff_var(rates, n);
		if (cv > limit)
			fail(c, g->name, "throughput CV %.3f exceeds limit %.3f (%zu workers)", cv, limit, n);
	}
}

static void check_work_rate(struct check_ctx *c, double limit)
{
	for (size_t i = 0; i < c->tel->nworkers; i++) {
		const struct worker_report *w = &c->tel->workers[i];
		double rate = work_rate(w);

		if (rate < 0)
			rate = 0;
		if (rate < limit)
			fail(c, w->cgroup, "worker %d throughput %.1f units/cpu-s below floor %.1f",
					       w->pid, rate, limit);
	}
}

static void check_p99_wake(struct check_ctx *c, double limit)
{
	for (size_t j = 0; j < c->ncgs; j++) {
		const struct cg_view *g = &c->cgs[j];

		if (g->wake.n && (double)g->wake.p99 > limit)
			fail(c, g->name, "p99 wake latency %" PRIu64 "ns exceeds limit %" PRIu64 "ns (%zu samples)",
			     g->wake.p99, (uint64_t)limit, g->wake.n);
	}
}

static void check_wake_cv(struct check_ctx *c, double limit)
{
	for (size_t j = 0; j < c->ncgs; j++) {
		const struct cg_view *g = &c->cgs[j];

		if (g->wake.n > 1 && g->wake.cv > limit)
			fail(c, g->name, "wake latency CV %.3f exceeds limit %.3f (%zu samples)",
			     g->wake.cv, limit, g->wake.n);
	}
}

static void check_iteration_rate(struct check_ctx *c, double limit)
{
	for (size_t i = 0; i < c->tel->nworkers; i++) {
		const struct worker_report *w = &c->tel->workers[i];
		double rate = w->wall_time_ns ? (double)w->iterations * 1e9 / (double)w->wall_time_ns : 0;

		if (rate < limit)
			fail(c, w->cgroup, "worker %d iteration rate %.1f/s below floor %.1f/s",
					       w->pid, rate, limit);
	}
}

static void check_migration(struct check_ctx *c, double limit)
{
	for (size_t j = 0; j < c->ncgs; j++) {
		const struct cgroup_stats *st = c->cgs[j].st;

		if (st->total_iterations && st->migration_ratio > limit)
			fail(c, c->cgs[j].name, "migration ratio %.3f exceeds limit %.3f (%" PRIu64
			     " migrations / %" PRIu64 " iterations)", st->migration_ratio, limit,
			     st->total_migrations, st->total_iterations);
	}
}

static void check_page_locality(struct check_ctx *c, double limit)
{
	for (size_t j = 0; j < c->ncgs; j++) {
		const struct cgroup_stats *st = c->cgs[j].st;

		if (st->page_locality >= 0 && st->page_locality < limit)
			fail(c, c->cgs[j].name, "page locality %.3f below threshold %.3f (%" PRIu64 "/%" PRIu64
			     " pages local)", st->page_locality, limit, st->numa_pages_local, st->numa_pages);
	}
}

static void check_cross_node(struct check_ctx *c, double limit)
{
	for (size_t j = 0; j < c->ncgs; j++) {
		const struct cgroup_stats *st = c->cgs[j].st;

		if (st->cross_node_migration_ratio > limit)
			fail(c, c->cgs[j].name, "cross-node migration ratio %.3f exceeds limit %.3f (%" PRIu64
			     "/%" PRIu64 " pages migrated)", st->cross_node_migration_ratio, limit,
			     st->numa_pages_migrated, st->numa_pages);
	}
}

static void check_slow_tier(struct check_ctx *c, double limit)
{
	for (size_t j = 0; j < c->ncgs; j++) {
		const struct cgroup_stats *st = c->cgs[j].st;

		if (st->slow_tier_ratio > limit)
			fail(c, c->cgs[j].name, "slow-tier page ratio %.3f exceeds limit %.3f (%" PRIu64 "/%" PRIu64
			     " pages on memory-only nodes)", st->slow_tier_ratio, limit,
			     st->numa_pages_slow, st->numa_pages);
	}
}

/* The *_ratio thresholds: each cgroup against EEVDF's half of the same boot (baseline.c). */
static void check_ratio(struct check_ctx *c, double limit)
{
	check_baseline__judge(c->r, c->cur->thr, limit);
}

/*
 * The checks in the order they run, which is the order of their details:
 * by severity (gap, starvation, isolation, then the rest), the order in
 * which check__detail_severity() picks a test's reason. A row names its
 * threshold; the threshold's name, gate and defaults are its row in
 * THRESHOLD_LIST. Monitor thresholds have no row here: src/monitor judges them.
 */
const struct check_desc check_table[] = {
	{ THR_MAX_GAP_MS, DETAIL_STUCK, check_gap },
	{ THR_NOT_STARVED, DETAIL_STARVED, check_starved },
	{ THR_ISOLATION, DETAIL_ISOLATION, check_isolation },
	{ THR_MAX_SPREAD_PCT, DETAIL_UNFAIR, check_spread },
	{ THR_MAX_THROUGHPUT_CV, DETAIL_BENCHMARK, check_throughput_cv },
	{ THR_MIN_WORK_RATE, DETAIL_BENCHMARK, check_work_rate },
	{ THR_MAX_P99_WAKE_LATENCY_NS, DETAIL_BENCHMARK, check_p99_wake },
	{ THR_MAX_WAKE_LATENCY_CV, DETAIL_BENCHMARK, check_wake_cv },
	{ THR_MIN_ITERATION_RATE, DETAIL_BENCHMARK, check_iteration_rate },
	{ THR_MAX_MIGRATION_RATIO, DETAIL_MIGRATION, check_migration },
	{ THR_MIN_PAGE_LOCALITY, DETAIL_PAGE_LOCALITY, check_page_locality },
	{ THR_MAX_CROSS_NODE_MIGRATION_RATIO, DETAIL_CROSS_NODE_MIGRATION, check_cross_node },
	{ THR_MAX_SLOW_TIER_RATIO, DETAIL_SLOW_TIER, check_slow_tier },
	{ THR_MIN_WORK_RATE_RATIO, DETAIL_BENCHMARK, check_ratio },
	{ THR_MIN_CPU_SHARE_RATIO, DETAIL_BENCHMARK, check_ratio },
	{ THR_MIN_ITERATION_RATE_RATIO, DETAIL_BENCHMARK, check_ratio },
	{ THR_MAX_P99_WAKE_LATENCY_RATIO, DETAIL_BENCHMARK, check_ratio },
};
const size_t check_table_len = ARRAY_SIZE(check_table);

const char *check__test_threshold_state(const struct test_result *t, enum thr_id id)
{
	const char *st = thresholds__evaluation(&t->thresholds, id);

	if (!threshold_table[id].monitor || str_eq(st, "off"))
		return st;
	for (size_t i = t->nruns; i-- > 0;) {
		const struct run_monitor *m = &t->runs[i].monitor;

		if (!m->state)
			continue;
		if ((id == THR_MAX_FALLBACK_RATE || id == THR_MAX_KEEP_LAST_RATE) && m->events_state)
			return m->events_state;
		if (id == THR_MAX_LOCAL_DSQ_DEPTH && m->dsq_state)
			return m->dsq_state;
		if (id == THR_WORK_CONSERVATION && m->wc_state)
			return m->wc_state;
		return m->state;
	}
	return st;
}

/* ---- scheduler death ---- */

static void check_scheduler_died(struct check_ctx *c)
{
	for (size_t i = 0; i < c->tel->nevents; i++) {
		const struct timeline_event *e = &c->tel->events[i];
		unsigned done = 0;
		double at = (double)e->at_ns / 1e9;

		if (e->kind != EVT_NOTE || !e->label || !str_eq(e->label, "scheduler_died"))
			continue;
		for (size_t j = 0; j < i; j++)
			done += c->tel->events[j].kind == EVT_STEP_END;
		if (c->t && c->t->nsteps)
			run_result__add_detail(c->r, DETAIL_SCHEDULER_DIED, "scheduler", NULL,
					       "scheduler process died unexpectedly after completing step %u of %zu (%.1fs into test)%s%s",
					       done, c->t->nsteps, at, e->detail ? ": " : "",
					       e->detail ? e->detail : "");
		else
			run_result__add_detail(c->r, DETAIL_SCHEDULER_DIED, "scheduler", NULL,
					       "scheduler process died during workload (%.1fs into test)%s%s",
					       at, e->detail ? ": " : "", e->detail ? e->detail : "");
		return;
	}
}

static void run_checks(struct check_ctx *c)
{
	for (size_t i = 0; i < check_table_len; i++) {
		const struct check_desc *d = &check_table[i];
		enum thr_id gate = threshold_table[d->thr].gate;
		double limit;

		if (!thresholds__active(c->th, d->thr, &limit))
			continue;
		if (gate != THR_NONE && !thresholds__active(c->th, gate, NULL))
			continue;
		c->cur = d;
		d->run(c, limit);
	}
}

void check__cgroup_stats(const struct spec_test *t, const struct telemetry *tel,
			 struct run_result *r)
{
	struct check_ctx c = { .t = t, .tel = tel, .r = r };

	if (t)
		topo__from_spec(&t->topology, &c.topo);
	build_views(&c);
	for (size_t j = 0; j < c.ncgs; j++)
		free(c.cgs[j].w);
	free(c.cgs);
}

int check__evaluate(const struct spec_test *t, const struct thresholds *th,
		    const struct telemetry *tel, const char *console, size_t console_len,
		    struct run_result *r)
{
	struct check_ctx c = { .t = t, .th = th, .tel = tel, .r = r };
	bool failed = false, error = false;

	if (t)
		topo__from_spec(&t->topology, &c.topo);
	if (tel) {
		build_views(&c);
		check_baseline__ratios(tel, r);
		run_checks(&c);
		check__payloads(t, tel, r);
		check_scheduler_died(&c);
		if (tel->error) {
			run_result__add_detail(r, DETAIL_OTHER, "workload", NULL,
					       "workload failed: %s", tel->error);
			error = true;
		}
	} else {
		run_result__add_detail(r, DETAIL_OTHER, "telemetry", NULL,
				       "no telemetry from the guest");
		error = true;
	}
	check__console(t ? &t->console : NULL, console, console_len, r);
	for (size_t i = 0; i < r->ndetails; i++)
		failed |= r->details[i].kind != DETAIL_SKIP;
	r->status = error ? TEST_ERROR : failed ? TEST_FAIL : TEST_PASS;
	for (size_t j = 0; j < c.ncgs; j++) {
		free(c.cgs[j].w);
	}
	free(c.cgs);
	return 0;
}

/* ---- the --- stats --- block ---- */

char *run_result__stats_text(const struct run_result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct cpumask all;
	unsigned workers = 0;
	uint64_t migrations = 0, worst_gap = 0;
	double worst_spread = 0;

	if (!f)
		abort();
	cpumask_zero(&all);
	for (size_t i = 0; i < r->telemetry.nworkers; i++)
		cpumask_or(&all, &all, &r->telemetry.workers[i].cpus_used);
	for (size_t i = 0; i < r->ncgroups; i++) {
		const struct cgroup_stats *s = &r->cgroups[i];

		workers += s->workers;
		migrations += s->total_migrations;
		worst_spread = MAX(worst_spread, s->spread);
		worst_gap = MAX(worst_gap, s->max_gap_ms);
	}
	fprintf(f, "%u workers, %u cpus, %" PRIu64 " migrations, worst_spread=%.1f%%, worst_gap=%" PRIu64 "ms\n",
		workers, r->telemetry.nworkers ? cpumask_weight(&all) : 0, migrations,
		worst_spread, worst_gap);
	for (size_t i = 0; i < r->ncgroups; i++) {
		const struct cgroup_stats *s = &r->cgroups[i];

		fprintf(f, "  %s: workers=%u cpus=%u spread=%.1f%% gap=%" PRIu64 "ms migrations=%" PRIu64
			" iter=%" PRIu64, s->name, s->workers, s->cpus, s->spread, s->max_gap_ms,
			s->total_migrations, s->total_iterations);
		if (s->wake_samples)
			fprintf(f, " p99_wake=%.1fus", s->p99_wake_latency_us);
		fputc('\n', f);
	}
	/* 'baseline: eevdf': each cgroup's figures over EEVDF's in the same boot */
	for (size_t i = 0; i < r->baseline.nratios; i++) {
		const struct baseline_ratio *x = &r->baseline.ratios[i];
		bool first = !i || !str_eq(x[-1].cgroup, x->cgroup);
		bool last = i + 1 == r->baseline.nratios || !str_eq(x[1].cgroup, x->cgroup);

		if (first)
			fprintf(f, "  %s vs EEVDF (same boot):", x->cgroup);
		if (x->ratio >= 0)
			fprintf(f, " %s=%.2fx", x->metric, x->ratio);
		else
			fprintf(f, " %s=n/a (EEVDF 0)", x->metric);
		if (last)
			fputc('\n', f);
	}
	fclose(f);
	return buf;
}
