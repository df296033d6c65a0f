// SPDX-License-Identifier: GPL-2.0-only
/*
 * The comparison model behind ktstr-stats compare: reads two trees of
 * result.json files, pairs tests by name and dimensions, collects what
 * each side ran on (its context), averages each metric over the repeats
 * and judges the change under the dual gate.
 */
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <math.h>

#include "check/check.h"
#include "report/compare.h"
#include "report/internal.h"

/*
 * ktstr's METRICS registry (src/stats.rs: polarity, default_abs,
 * default_rel), by the names our result.json uses. work_rate and
 * iteration_rate are ours (units or iterations per second of the
 * scenario, per cgroup): work rate is what a scheduler that wastes CPUs
 * loses, and a rate compares runs of different durations. The monitor's
 * fallback and keep_last figures are rates here (ktstr compares totals);
 * the gates are ktstr's.
 */
const struct compare_metric_desc compare_metrics[] = {
	{ "work_rate", SRC_CGROUP, BETTER_HIGHER, 100, 0.10, "/s", "work units per second" },
	{ "iteration_rate", SRC_CGROUP, BETTER_HIGHER, 10, 0.10, "/s", "iterations per second" },
	{ "total_iterations", SRC_CGROUP, BETTER_HIGHER, 100, 0.10, "", "iterations" },
	{ "spread_pct", SRC_CGROUP, BETTER_LOWER, 5.0, 0.25, "%", "off-CPU spread (ktstr worst_spread)" },
	{ "max_gap_ms", SRC_CGROUP, BETTER_LOWER, 500, 0.50, "ms", "longest gap (worst_gap_ms)" },
	{ "total_migrations", SRC_CGROUP, BETTER_LOWER, 10, 0.30, "", "migrations" },
	{ "migration_ratio", SRC_CGROUP, BETTER_LOWER, 0.05, 0.20, "", "migrations per iteration" },
	{ "p99_wake_latency_us", SRC_CGROUP, BETTER_LOWER, 50, 0.25, "us", "p99 wake-to-run latency" },
	{ "median_wake_latency_us", SRC_CGROUP, BETTER_LOWER, 20, 0.25, "us", "median wake latency" },
	{ "wake_latency_cv", SRC_CGROUP, BETTER_LOWER, 0.10, 0.25, "", "wake latency CV" },
	{ "mean_run_delay_us", SRC_CGROUP, BETTER_LOWER, 50, 0.25, "us", "mean run delay" },
	{ "worst_run_delay_us", SRC_CGROUP, BETTER_LOWER, 100, 0.50, "us", "worst run delay" },
	{ "page_locality", SRC_CGROUP, BETTER_HIGHER, 0.05, 0.10, "", "NUMA page locality" },
	{ "cross_node_migration_ratio", SRC_CGROUP, BETTER_LOWER, 0.05, 0.20, "", "cross-node migration" },
	{ "max_imbalance_ratio", SRC_MONITOR, BETTER_LOWER, 1.0, 0.25, "x", "monitor: imbalance peak" },
	{ "max_local_dsq_depth", SRC_MONITOR, BETTER_LOWER, 10, 0.50, "", "monitor: local DSQ peak" },
	{ "longest_stall_samples", SRC_MONITOR, BETTER_LOWER, 1.0, 0.50, "", "monitor: rq_clock stall" },
	{ "fallback_rate", SRC_MONITOR, BETTER_LOWER, 5, 0.30, "/s", "monitor: select_cpu fallbacks" },
	{ "keep_last_rate", SRC_MONITOR, BETTER_LOWER, 5, 0.30, "/s", "monitor: keep_last events" },
	/*
	 * 'baseline: eevdf': the scheduler's figure over EEVDF's in the same
	 * boot (check/baseline.c's metrics + "_ratio"); a ratio is already
	 * relative, so both gates are small fractions of it.
	 */
	{ "work_rate_ratio", SRC_BASELINE, BETTER_HIGHER, 0.05, 0.10, "x", "work rate / EEVDF's" },
	{ "cpu_share_ratio", SRC_BASELINE, BETTER_HIGHER, 0.05, 0.10, "x", "CPU share / EEVDF's" },
	{ "iteration_rate_ratio", SRC_BASELINE, BETTER_HIGHER, 0.05, 0.10, "x",
	  "iteration rate / EEVDF's" },
	{ "p99_wake_latency_us_ratio", SRC_BASELINE, BETTER_LOWER, 0.25, 0.25, "x",
	  "p99 wake latency / EEVDF's" },
	/*
	 * Payload metrics (a payload's own figures: bogo-ops, IOPS) by the
	 * polarity their spec declares; ones without a polarity are not
	 * compared. Any unit, so no absolute gate: 10% either way.
	 */
	{ "payload_higher_better", SRC_PAYLOAD, BETTER_HIGHER, 0, 0.10, "", "payload metric, higher is better" },
	{ "payload_lower_better", SRC_PAYLOAD, BETTER_LOWER, 0, 0.10, "", "payload metric, lower is better" },
};
const size_t compare_nmetrics = ARRAY_SIZE(compare_metrics);

static const char *const verdict_names[] = { "same", "regression", "improvement", "missing" };

const char *compare_verdict_name(enum compare_verdict v)
{
	return verdict_names[v];
}

static int metric_index(const char *name)
{
	for (size_t i = 0; i < compare_nmetrics; i++)
		if (str_eq(compare_metrics[i].name, name))
			return (int)i;
	return -1;
}

void compare_policy__defaults(struct compare_policy *p)
{
	p->abs = xcalloc(compare_nmetrics, sizeof(*p->abs));
	p->rel = xcalloc(compare_nmetrics, sizeof(*p->rel));
	for (size_t i = 0; i < compare_nmetrics; i++) {
		p->abs[i] = compare_metrics[i].abs;
		p->rel[i] = compare_metrics[i].rel;
	}
}

void compare_policy__free(struct compare_policy *p)
{
	free(p->abs);
	free(p->rel);
	p->abs = p->rel = NULL;
}

static char *known_metrics(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	for (size_t i = 0; i < compare_nmetrics; i++)
		fprintf(f, "%s%s", i ? ", " : "", compare_metrics[i].name);
	fclose(f);
	return buf;
}

/* A non-negative number at key, or an error naming file and key. */
static int policy_number(const char *path, const char *key, json_t *v, double *out, char **why)
{
	if (!json_is_number(v) || json_number_value(v) < 0) {
		*why = xasprintf("%s: %s: want a number >= 0", path, key);
		return -EINVAL;
	}
	*out = json_number_value(v);
	return 0;
}

/* per_metric_percent or per_metric_abs: metric -> value; percent is stored as a fraction. */
static int policy_map(struct compare_policy *p, const char *path, const char *key, json_t *map,
		      bool percent, char **why)
{
	const char *name;
	json_t *v;

	if (!json_is_object(map)) {
		*why = xasprintf("%s: %s: want an object of metric names to numbers", path, key);
		return -EINVAL;
	}
	json_object_foreach(map, name, v) {
		_cleanup_free_ char *where = xasprintf("%s.%s", key, name);
		int i = metric_index(name);
		double x;

		if (i < 0) {
			_cleanup_free_ char *known = known_metrics();

			*why = xasprintf("%s: %s: unknown metric; known: %s", path, where, known);
			return -EINVAL;
		}
		if (policy_number(path, where, v, &x, why))
			return -EINVAL;
		if (percent)
			p->rel[i] = x / 100;
		else
			p->abs[i] = x;
	}
	return 0;
}

int compare_policy__load(struct compare_policy *p, const char *path, char **why)
{
	json_error_t err;
	json_t *root = json_load_file(path, 0, &err), *v;
	const char *key;
	int ret = 0;

	if (!root) {
		*why = xasprintf("%s:%d:%d: %s", path, err.line, err.column, err.text);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		*why = xasprintf("%s: want an object {\"default_percent\": N, \"per_metric_percent\": {...}, "
				 "\"per_metric_abs\": {...}}", path);
		ret = -EINVAL;
	}
	/* default_percent first, so per-metric values win whatever the key order */
	v = json_object_get(root, "default_percent");
	if (!ret && v) {
		double x;

		ret = policy_number(path, "default_percent", v, &x, why);
		for (size_t i = 0; !ret && i < compare_nmetrics; i++)
			p->rel[i] = x / 100;
	}
	json_object_foreach(ret ? NULL : root, key, v) {
		if (str_eq(key, "default_percent"))
			continue;
		if (str_eq(key, "per_metric_percent") || str_eq(key, "per_metric_abs"))
			ret = policy_map(p, path, key, v, str_eq(key, "per_metric_percent"), why);
		else {
			*why = xasprintf("%s: %s: unknown key; known: default_percent, "
					 "per_metric_percent, per_metric_abs", path, key);
			ret = -EINVAL;
		}
		if (ret)
			break;
	}
	json_decref(root);
	return ret;
}

/* ---- reading a results tree ---- */

struct values {
	char *key;		/* "cg_0.p99_wake_latency_us" */
	const struct compare_metric_desc *d;
	double *v;
	size_t n;
};

enum { DIM_PRESET, DIM_PROFILE, DIM_KERNEL, NDIMS };
static const char *const dim_names[NDIMS] = { "preset", "profile", "kernel" };

struct side_test {
	char *name;
	char *dims[NDIMS];	/* context.dimensions, NULL when absent */
	int status;		/* index in status_order, -1: none */
	unsigned runs, files;
	struct values *vals;
	size_t nvals;
};

/* Distinct strings, in the order first seen. */
struct strset {
	char **v;
	size_t n;
};

/*
 * The context facts compared, each named by its path in result.json's "context";
 * info: shown but never a difference (every run starts at its own time).
 * The thresholds that judge baseline ratios follow them (context_field).
 */
static const struct {
	const char *field;	/* also its path under "context" */
	bool info;
} context_fields[] = {
	{ "kernel.release", false }, { "kernel.cache_key", false },
	{ "scheduler.plugin", false }, { "scheduler.flags", false }, { "scheduler.args", false },
	{ "scheduler.plugin_sha256", false }, { "scheduler.files", false },
	{ "host.cpu_model", false }, { "host.cpus", false }, { "host.accel", false },
	{ "ktstr.version", false }, { "ktstr.commit", false },
	{ "started_at", true },
};
#define MAX_CONTEXT (ARRAY_SIZE(context_fields) + 8)

struct side {
	struct side_test *t;
	size_t n;
	struct strset ctx[MAX_CONTEXT];
};

/* Worst last: PASS < SKIP < FAIL < TIMEOUT < ERROR. */
static const char *const status_order[] = { "PASS", "SKIP", "FAIL", "TIMEOUT", "ERROR" };

static int status_rank(const char *s)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(status_order); i++)
		if (str_eq(s, status_order[i]))
			return (int)i;
	return -1;
}

static bool same_dims(char *const *a, char *const *b)
{
	for (int d = 0; d < NDIMS; d++)
		if (!(a[d] == b[d] || (a[d] && b[d] && str_eq(a[d], b[d]))))
			return false;
	return true;
}

/* The test of that name and those dimensions on this side, or NULL. */
static struct side_test *side_find(const struct side *s, const char *name, char *const *dims)
{
	for (size_t i = 0; i < s->n; i++)
		if (str_eq(s->t[i].name, name) && same_dims(s->t[i].dims, dims))
			return &s->t[i];
	return NULL;
}

static struct side_test *side_get(struct side *s, const char *name, char *const *dims)
{
	struct side_test *t = side_find(s, name, dims);

	if (t)
		return t;
	t = array_push(&s->t, &s->n, sizeof(*t));
	t->name = xstrdup(name);
	for (int d = 0; d < NDIMS; d++)
		t->dims[d] = dims[d] ? xstrdup(dims[d]) : NULL;
	t->status = -1;
	return t;
}

static void strset_add(struct strset *s, const char *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (str_eq(s->v[i], v))
			return;
	*(char **)array_push(&s->v, &s->n, sizeof(char *)) = xstrdup(v);
}

/*
 * A context value as one string: a string as it is, a number, a list of
 * strings joined by spaces ("(none)" for none), files as name=sha256; NULL for
 * null or absent (not recorded: nothing to compare).
 */
static char *context_string(json_t *v)
{
	char *buf = NULL;
	size_t len = 0, i;
	json_t *e;
	FILE *f;

	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	if (json_is_number(v))
		return xasprintf("%g", json_number_value(v));
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "true" : "false");
	if (!json_is_array(v))
		return NULL;
	if (!json_array_size(v))
		return xstrdup("(none)");
	f = open_memstream(&buf, &len);
	if (!f)
		abort();
	json_array_foreach(v, i, e) {
		if (json_is_object(e))
			fprintf(f, "%s%s=%s", i ? " " : "",
				json_string_value(json_object_get(e, "name")) ?: "?",
				json_string_value(json_object_get(e, "sha256")) ?: "-");
		else
			fprintf(f, "%s%s", i ? " " : "", json_string_value(e) ?: "?");
	}
	fclose(f);
	return buf;
}

/* The i-th compared field's name (context_fields, then the baseline's thresholds), or NULL. */
static const char *context_field(size_t i, const char **thr_name)
{
	const char *metric;
	enum thr_id thr;
	bool floor;

	*thr_name = NULL;
	if (i < ARRAY_SIZE(context_fields))
		return context_fields[i].field;
	if (!check_baseline__ratio(i - ARRAY_SIZE(context_fields), &metric, &thr, &floor))
		return NULL;
	*thr_name = threshold_table[thr].name;
	return *thr_name;
}

/* One result file's context into the side's sets. */
static void add_context(struct side *s, json_t *root)
{
	json_t *ctx = json_object_get(root, "context");
	const char *thr;

	for (size_t i = 0; i < MAX_CONTEXT && context_field(i, &thr); i++) {
		_cleanup_free_ char *v = NULL;

		if (thr) {
			json_t *tv = report_json_at(json_object_get(json_object_get(root, "thresholds"), "values"),
					     thr);
			const char *st = json_string_value(json_object_get(tv, "state"));

			v = str_eq(st, "set") ? context_string(json_object_get(tv, "value")) :
			    st ? xstrdup(st) : NULL;
		} else {
			v = context_string(report_json_at(ctx, context_fields[i].field));
		}
		if (v)
			strset_add(&s->ctx[i], v);
	}
}

static void add_value(struct side_test *t, const char *prefix, const struct compare_metric_desc *d,
		      double x)
{
	/* a payload metric's prefix is its whole key: "payload.stress.metrics.0.bogo-ops" */
	_cleanup_free_ char *key = d->source == SRC_PAYLOAD ? xstrdup(prefix) : xasprintf("%s.%s", prefix, d->name);
	struct values *v = NULL;

	if (!isfinite(x))
		return;
	for (size_t i = 0; i < t->nvals && !v; i++)
		if (str_eq(t->vals[i].key, key))
			v = &t->vals[i];
	if (!v) {
		v = array_push(&t->vals, &t->nvals, sizeof(*v));
		v->key = TAKE_PTR(key);
		v->d = d;
	}
	*(double *)array_push(&v->v, &v->n, sizeof(double)) = x;
}

/* A run's payload metrics that have a polarity, as "payload.<payload>.<metric>". */
static void add_payloads(struct side_test *t, json_t *payloads)
{
	json_t *p, *pol;
	const char *metric;
	size_t i;

	json_array_foreach(payloads, i, p) {
		const char *name = json_string_value(json_object_get(p, "name"));
		json_t *metrics = json_object_get(p, "metrics");

		json_object_foreach(json_object_get(p, "polarity"), metric, pol) {
			const char *want = str_eq(json_string_value(pol), "higher_better") ?
					   "payload_higher_better" : str_eq(json_string_value(pol), "lower_better") ?
					   "payload_lower_better" : NULL;
			json_t *v = json_object_get(metrics, metric);
			int m = want ? metric_index(want) : -1;

			if (m >= 0 && json_is_number(v)) {
				_cleanup_free_ char *key = xasprintf("payload.%s.%s", name ? name : "?", metric);

				add_value(t, key, &compare_metrics[m], json_number_value(v));
			}
		}
	}
}

/* One repeat's figures: per cgroup, the monitor's peaks, and the payloads' metrics. */
static void add_run(struct side_test *t, json_t *run)
{
	json_t *tel = json_object_get(run, "telemetry"), *cg, *peaks;
	double secs = json_number_value(json_object_get(tel, "duration_ns")) / 1e9;
	size_t i;

	json_array_foreach(json_object_get(run, "cgroups"), i, cg) {
		const char *name = json_string_value(json_object_get(cg, "name"));

		for (size_t m = 0; m < compare_nmetrics; m++) {
			const struct compare_metric_desc *d = &compare_metrics[m];
			json_t *v;

			if (d->source != SRC_CGROUP)
				continue;
			if (str_eq(d->name, "work_rate") || str_eq(d->name, "iteration_rate")) {
				v = json_object_get(cg, str_eq(d->name, "work_rate") ?
						    "total_work_units" : "total_iterations");
				if (json_is_number(v) && secs > 0)
					add_value(t, name ? name : "?", d, json_number_value(v) / secs);
				continue;
			}
			v = json_object_get(cg, d->name);
			if (json_is_number(v))
				add_value(t, name ? name : "?", d, json_number_value(v));
		}
	}
	peaks = json_object_get(json_object_get(run, "monitor"), "peaks");
	for (size_t m = 0; peaks && m < compare_nmetrics; m++) {
		json_t *v = json_object_get(peaks, compare_metrics[m].name);

		if (compare_metrics[m].source == SRC_MONITOR && json_is_number(v))
			add_value(t, "monitor", &compare_metrics[m], json_number_value(v));
	}
	add_payloads(t, json_object_get(run, "payloads"));
	/* 'baseline: eevdf': each cgroup's ratios to EEVDF in the same boot */
	json_array_foreach(json_object_get(json_object_get(run, "baseline"), "ratios"), i, cg) {
		const char *metric = json_string_value(json_object_get(cg, "metric"));
		const char *name = json_string_value(json_object_get(cg, "cgroup"));
		json_t *v = json_object_get(cg, "ratio");
		_cleanup_free_ char *key = xasprintf("%s_ratio", metric ?: "?");
		int m = metric_index(key);

		if (m >= 0 && compare_metrics[m].source == SRC_BASELINE && json_is_number(v) &&
		    json_number_value(v) >= 0)
			add_value(t, name ? name : "?", &compare_metrics[m], json_number_value(v));
	}
}

/* nftw has no context pointer: the walk's state, for one walk at a time. */
static struct {
	struct side *side;
	char *why;
	int err;
	unsigned files;
} walk;

static int load_result(const char *path)
{
	json_error_t err;
	json_t *root = json_load_file(path, 0, &err), *run;
	const char *name, *status;
	struct side_test *t;
	size_t i;

	if (!root) {
		walk.why = xasprintf("%s:%d:%d: %s", path, err.line, err.column, err.text);
		return -EINVAL;
	}
	name = json_string_value(json_object_get(root, "name"));
	status = json_string_value(json_object_get(root, "status"));
	if (!str_eq(json_string_value(json_object_get(root, "kind")), "ktstr-result") ||
	    json_integer_value(json_object_get(root, "version")) != 1 || !name ||
	    status_rank(status) < 0) {
		walk.why = xasprintf("%s: not a ktstr result (want \"kind\": \"ktstr-result\", "
				     "\"version\": 1, a name and a status; see doc/results-format.md)",
				     path);
		json_decref(root);
		return -EINVAL;
	}
	{
		json_t *dims = report_json_at(json_object_get(root, "context"), "dimensions");
		char *dv[NDIMS];

		for (int d = 0; d < NDIMS; d++)
			dv[d] = (char *)json_string_value(json_object_get(dims, dim_names[d]));
		t = side_get(walk.side, name, dv);
	}
	add_context(walk.side, root);
	t->files++;
	t->status = MAX(t->status, status_rank(status));
	json_array_foreach(json_object_get(root, "runs"), i, run) {
		const char *rs = json_string_value(json_object_get(run, "status"));

		/* a SKIP, ERROR or TIMEOUT run has no figures worth averaging */
		if (!str_eq(rs, "PASS") && !str_eq(rs, "FAIL"))
			continue;
		t->runs++;
		add_run(t, run);
	}
	json_decref(root);
	walk.files++;
	return 0;
}

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	if (type != FTW_F || !str_eq(path + ftw->base, "result.json"))
		return 0;
	walk.err = load_result(path);
	return walk.err ? 1 : 0;
}

static int load_side(const char *dir, struct side *s, char **why)
{
	int ret;

	walk.side = s;
	walk.why = NULL;
	walk.err = 0;
	walk.files = 0;
	ret = nftw(dir, walk_one, 16, FTW_PHYS);
	if (ret < 0) {
		*why = xasprintf("%s: %s (want a ktstr-run --results-dir)", dir, strerror(errno));
		return -errno;
	}
	if (walk.err) {
		*why = walk.why;
		return walk.err;
	}
	if (!walk.files) {
		*why = xasprintf("%s: no result.json below it (want a ktstr-run --results-dir)", dir);
		return -ENOENT;
	}
	return 0;
}

static void side_free(struct side *s)
{
	for (size_t i = 0; i < s->n; i++) {
		for (size_t j = 0; j < s->t[i].nvals; j++) {
			free(s->t[i].vals[j].key);
			free(s->t[i].vals[j].v);
		}
		free(s->t[i].vals);
		free(s->t[i].name);
		for (int d = 0; d < NDIMS; d++)
			free(s->t[i].dims[d]);
	}
	free(s->t);
	for (size_t i = 0; i < MAX_CONTEXT; i++) {
		for (size_t j = 0; j < s->ctx[i].n; j++)
			free(s->ctx[i].v[j]);
		free(s->ctx[i].v);
	}
}

/* ---- judging ---- */

static struct compare_stat stat_of(const struct values *v)
{
	struct compare_stat s = { .mean = NAN, .sd = 0, .min = NAN, .max = NAN };
	double sum = 0, sq = 0;

	if (!v || !v->n)
		return s;
	s.n = (unsigned)v->n;
	s.min = s.max = v->v[0];
	for (size_t i = 0; i < v->n; i++) {
		sum += v->v[i];
		s.min = MIN(s.min, v->v[i]);
		s.max = MAX(s.max, v->v[i]);
	}
	s.mean = sum / (double)v->n;
	for (size_t i = 0; i < v->n; i++)
		sq += (v->v[i] - s.mean) * (v->v[i] - s.mean);
	if (v->n > 1)
		s.sd = sqrt(sq / (double)(v->n - 1));
	return s;
}

static const struct values *find_values(const struct side_test *t, const char *key)
{
	for (size_t i = 0; t && i < t->nvals; i++)
		if (str_eq(t->vals[i].key, key))
			return &t->vals[i];
	return NULL;
}

/*
 * The dual gate: a change counts only when |delta| reaches the absolute
 * threshold and |delta| / |A| the relative one (any change from A = 0 is
 * relatively large). With repeats on both sides it must also leave the
 * runs' spread (|delta| > sd(A) + sd(B)), so noise is not a regression.
 */
static void judge(struct compare_row *r, const struct compare_policy *p)
{
	int i = (int)(r->d - compare_metrics);
	bool past_abs, past_rel, noise, worse;

	r->gate_abs = p->abs[i];
	r->gate_rel = p->rel[i];
	if (!r->a.n || !r->b.n) {
		r->verdict = VERDICT_MISSING;
		r->delta = r->rel = NAN;
		r->why = xstrdup(r->a.n ? "not in B" : "not in A");
		return;
	}
	r->delta = r->b.mean - r->a.mean;
	r->rel = r->a.mean != 0 ? r->delta / fabs(r->a.mean) : NAN;
	past_abs = fabs(r->delta) >= r->gate_abs;
	past_rel = r->a.mean != 0 ? fabs(r->rel) >= r->gate_rel : r->delta != 0;
	noise = r->a.n > 1 && r->b.n > 1 && fabs(r->delta) <= r->a.sd + r->b.sd;
	worse = r->d->better == BETTER_LOWER ? r->delta > 0 : r->delta < 0;
	if (past_abs && past_rel && !noise) {
		r->verdict = worse ? VERDICT_REGRESSION : VERDICT_IMPROVEMENT;
		r->why = xasprintf("past both gates (%g%s and %g%%)", r->gate_abs, r->d->unit,
				   r->gate_rel * 100);
	} else {
		r->verdict = VERDICT_SAME;
		r->why = !past_abs ? xasprintf("below the absolute gate %g%s", r->gate_abs, r->d->unit) :
			 !past_rel ? xasprintf("below the relative gate %g%%", r->gate_rel * 100) :
			 xstrdup("within the runs' spread");
	}
}

/* A test that passed in A and failed in B is a regression whatever its figures. */
static void status_row(struct compare_test *ct, int a, int b)
{
	bool bad_a = a >= 2, bad_b = b >= 2;	/* FAIL, TIMEOUT, ERROR */
	struct compare_row *r;

	if (bad_a == bad_b || a < 0 || b < 0)
		return;
	r = array_push(&ct->rows, &ct->nrows, sizeof(*r));
	r->metric = xstrdup("status");
	r->a = (struct compare_stat){ .mean = NAN, .min = NAN, .max = NAN };
	r->b = r->a;
	r->delta = r->rel = NAN;
	r->verdict = bad_b ? VERDICT_REGRESSION : VERDICT_IMPROVEMENT;
	r->why = xasprintf("%s -> %s", status_order[a], status_order[b]);
}

static void add_rows(struct compare_test *ct, const struct side_test *ta, const struct side_test *tb,
		     const struct compare_policy *p)
{
	for (int pass = 0; pass < 2; pass++) {
		const struct side_test *from = pass ? tb : ta, *other = pass ? ta : tb;

		for (size_t i = 0; from && i < from->nvals; i++) {
			const struct values *v = &from->vals[i];
			struct compare_row *r;

			if (pass && find_values(other, v->key))
				continue;	/* done in the first pass */
			r = array_push(&ct->rows, &ct->nrows, sizeof(*r));
			r->metric = xstrdup(v->key);
			r->d = v->d;
			r->a = stat_of(pass ? NULL : v);
			r->b = stat_of(pass ? v : find_values(tb, v->key));
			judge(r, p);
		}
	}
	for (size_t i = 0; i < ct->nrows; i++) {
		ct->regressions += ct->rows[i].verdict == VERDICT_REGRESSION;
		ct->improvements += ct->rows[i].verdict == VERDICT_IMPROVEMENT;
	}
}

static int cmp_opt(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) : (a != NULL) - (b != NULL);
}

static int cmp_test(const void *x, const void *y)
{
	const struct compare_test *a = x, *b = y;
	int r = strcmp(a->name, b->name);

	if (!r)
		r = cmp_opt(a->preset, b->preset);
	if (!r)
		r = cmp_opt(a->profile, b->profile);
	if (!r)
		r = cmp_opt(a->kernel, b->kernel);
	return r;
}

static char *strset_join(const struct strset *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!s->n)
		return xstrdup("-");
	f = open_memstream(&buf, &len);
	if (!f)
		abort();
	for (size_t i = 0; i < s->n; i++)
		fprintf(f, "%s%s", i ? ", " : "", s->v[i]);
	fclose(f);
	return buf;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* What each side ran on, field by field, and whether they differ. */
static void context_diff(struct compare *out, struct side *sa, struct side *sb)
{
	const char *thr;

	for (size_t i = 0; i < MAX_CONTEXT && context_field(i, &thr); i++) {
		struct compare_context *c = array_push(&out->context, &out->ncontext, sizeof(*c));
		bool info = !thr && context_fields[i].info;

		if (sa->ctx[i].n)
			qsort(sa->ctx[i].v, sa->ctx[i].n, sizeof(char *), cmp_str);
		if (sb->ctx[i].n)
			qsort(sb->ctx[i].v, sb->ctx[i].n, sizeof(char *), cmp_str);
		c->field = thr ? xasprintf("thresholds.%s", thr) : xstrdup(context_fields[i].field);
		c->a = strset_join(&sa->ctx[i]);
		c->b = strset_join(&sb->ctx[i]);
		c->differs = !info && !str_eq(c->a, c->b);
		out->context_differs += c->differs;
	}
}

static void side_summary(struct compare_side *out, const struct side_test *t)
{
	if (!t)
		return;
	out->status = t->status >= 0 ? xstrdup(status_order[t->status]) : NULL;
	out->runs = t->runs;
	out->files = t->files;
}

int compare__run(const char *a, const char *b, const struct compare_policy *p,
		 struct compare *out, char **why)
{
	struct side sa = { 0 }, sb = { 0 };
	int ret;

	memset(out, 0, sizeof(*out));
	out->a = xstrdup(a);
	out->b = xstrdup(b);
	ret = load_side(a, &sa, why);
	if (!ret)
		ret = load_side(b, &sb, why);
	for (size_t pass = 0; !ret && pass < 2; pass++) {
		const struct side *from = pass ? &sb : &sa;

		for (size_t i = 0; i < from->n; i++) {
			const struct side_test *ta = NULL, *tb = NULL;
			struct compare_test *ct;

			ta = side_find(&sa, from->t[i].name, from->t[i].dims);
			tb = side_find(&sb, from->t[i].name, from->t[i].dims);
			if (pass && ta)
				continue;
			ct = array_push(&out->tests, &out->ntests, sizeof(*ct));
			ct->name = xstrdup(from->t[i].name);
			ct->preset = from->t[i].dims[DIM_PRESET] ? xstrdup(from->t[i].dims[DIM_PRESET]) : NULL;
			ct->profile = from->t[i].dims[DIM_PROFILE] ? xstrdup(from->t[i].dims[DIM_PROFILE]) : NULL;
			ct->kernel = from->t[i].dims[DIM_KERNEL] ? xstrdup(from->t[i].dims[DIM_KERNEL]) : NULL;
			side_summary(&ct->a, ta);
			side_summary(&ct->b, tb);
			if (!ta || !tb) {
				out->only_a += !tb;
				out->only_b += !ta;
				continue;
			}
			out->paired++;
			status_row(ct, ta->status, tb->status);
			add_rows(ct, ta, tb, p);
			out->regressions += ct->regressions;
			out->improvements += ct->improvements;
		}
	}
	if (!ret)
		context_diff(out, &sa, &sb);
	if (out->ntests)
		qsort(out->tests, out->ntests, sizeof(*out->tests), cmp_test);
	side_free(&sa);
	side_free(&sb);
	return ret;
}

void compare__free(struct compare *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ntests; i++) {
		struct compare_test *t = &c->tests[i];

		for (size_t j = 0; j < t->nrows; j++) {
			free(t->rows[j].metric);
			free(t->rows[j].why);
		}
		free(t->rows);
		free(t->name);
		free(t->a.status);
		free(t->b.status);
		free(t->preset);
		free(t->profile);
		free(t->kernel);
	}
	free(c->tests);
	for (size_t i = 0; i < c->ncontext; i++) {
		free(c->context[i].field);
		free(c->context[i].a);
		free(c->context[i].b);
	}
	free(c->context);
	free(c->a);
	free(c->b);
	memset(c, 0, sizeof(*c));
}
