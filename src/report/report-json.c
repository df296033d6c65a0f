// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-test JSON result file (jansson): spec summary, resolved plan,
 * thresholds with their layers, every run's verdict, figures and telemetry
 * (including the op timeline), and the artifacts. Layout and version are
 * documented in doc/results-format.md ("Result file").
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>

#include "check/check.h"
#include "spec/spec.h"
#include "report/internal.h"

#define RESULT_FORMAT_VERSION 1
/* Additions within version 1 a reader may test for: 1 = runs[].monitor. */
#define RESULT_FORMAT_MINOR 2

/* A JSON string, or null; invalid UTF-8 (console bytes) is cleaned, not dropped. */
static json_t *jstr(const char *s)
{
	_cleanup_free_ char *clean = NULL;
	json_t *j;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	clean = report_utf8_clean(s);
	return json_string(clean);
}

/* NaN/negative "not measured" figures become null. */
static json_t *jratio(double v)
{
	return v < 0 || v != v ? json_null() : json_real(v);
}

static json_t *jstrv(char *const *v)
{
	json_t *a = json_array();

	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *spec_json(const struct spec_test *t)
{
	char label[64];
	json_t *o;

	if (!t)
		return json_null();
	o = json_pack("{s:o, s:o, s:o, s:o, s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}",
		      "name", jstr(t->name), "base_name", jstr(t->base_name),
		      "description", jstr(t->description), "tags", jstrv(t->tags),
		      "topology", spec_topology__label(&t->topology, label, sizeof(label)),
		      "cpus", (json_int_t)spec_topology__cpus(&t->topology),
		      "memory_mb", (json_int_t)t->memory_mb,
		      "duration_ns", (json_int_t)t->duration_ns,
		      "timeout_ns", (json_int_t)t->timeout_ns,
		      "repeats", (json_int_t)t->repeats,
		      "kernel", jstr(t->kernel),
		      "matrix", jstrv(t->matrix_values),
		      "scheduler", json_pack("{s:s, s:o, s:o, s:I}",
					     "plugin", t->sched.plugin ? t->sched.plugin : "eevdf",
					     "flags", jstrv(t->sched.flags), "args", jstrv(t->sched.args),
					     "watchdog_timeout_ns", (json_int_t)t->sched.watchdog_timeout_ns));
	if (t->loc.file)
		json_object_set_new(o, "file", json_string(t->loc.file));
	json_object_set_new(o, "cgroups", json_integer((json_int_t)t->ncgroups));
	json_object_set_new(o, "steps", json_integer((json_int_t)t->nsteps));
	return o;
}

static json_t *thresholds_json(const struct test_result *t, const struct thresholds *th)
{
	json_t *vals = json_object();

	for (unsigned i = 0; i < THR__COUNT; i++) {
		const struct threshold_desc *d = &threshold_table[i];
		const struct threshold_val *v = &th->v[i];
		json_t *val;

		if (v->state != THR_SET)
			val = json_null();
		else if (d->type == THR_BOOL)
			val = json_boolean(v->value != 0);
		else if (d->type == THR_U64)
			val = json_integer((json_int_t)v->value);
		else
			val = json_real(v->value);
		json_object_set_new(vals, d->name, json_pack("{s:o, s:s, s:s, s:s, s:s}",
			"value", val,
			"state", v->state == THR_SET ? "set" : v->state == THR_OFF ? "off" : "unset",
			"layer", v->state == THR_UNSET ? "unset" : thr_layer_name(v->layer),
			"unit", d->unit, "evaluation", t ? check__test_threshold_state(t, i) :
						  thresholds__evaluation(th, i)));
	}
	return json_pack("{s:b, s:o}", "relaxed", th->relaxed, "values", vals);
}

static json_t *cgroup_json(const struct cgroup_stats *s)
{
	json_t *o = json_pack("{s:o, s:i, s:i, s:f, s:f, s:f, s:f, s:I, s:i, s:I, s:I, s:f}",
		"name", jstr(s->name ? s->name : ""), "workers", (int)s->workers, "cpus", (int)s->cpus,
		"avg_off_cpu_pct", s->avg_off_cpu_pct, "min_off_cpu_pct", s->min_off_cpu_pct,
		"max_off_cpu_pct", s->max_off_cpu_pct, "spread_pct", s->spread,
		"max_gap_ms", (json_int_t)s->max_gap_ms, "max_gap_cpu", s->max_gap_cpu,
		"max_gap_at_ms", (json_int_t)s->max_gap_at_ms,
		"total_migrations", (json_int_t)s->total_migrations,
		"migration_ratio", s->migration_ratio);

	json_object_set_new(o, "total_iterations", json_integer((json_int_t)s->total_iterations));
	json_object_set_new(o, "total_work_units", json_integer((json_int_t)s->total_work_units));
	json_object_set_new(o, "wake_samples", json_integer((json_int_t)s->wake_samples));
	json_object_set_new(o, "p99_wake_latency_us", json_real(s->p99_wake_latency_us));
	json_object_set_new(o, "median_wake_latency_us", json_real(s->median_wake_latency_us));
	json_object_set_new(o, "wake_latency_cv", json_real(s->wake_latency_cv));
	json_object_set_new(o, "mean_run_delay_us", json_real(s->mean_run_delay_us));
	json_object_set_new(o, "worst_run_delay_us", json_real(s->worst_run_delay_us));
	json_object_set_new(o, "numa_pages", json_integer((json_int_t)s->numa_pages));
	json_object_set_new(o, "page_locality", jratio(s->page_locality));
	json_object_set_new(o, "cross_node_migration_ratio", jratio(s->cross_node_migration_ratio));
	json_object_set_new(o, "slow_tier_ratio", jratio(s->slow_tier_ratio));
	return o;
}

static json_t *run_json(const struct run_result *rr)
{
	json_t *details = json_array(), *cgroups = json_array(), *tel = NULL, *mon;
	_cleanup_free_ char *tjson = NULL;

	for (size_t i = 0; i < rr->ndetails; i++) {
		const struct result_detail *d = &rr->details[i];

		json_array_append_new(details, json_pack("{s:s, s:o, s:o, s:o}",
			"kind", detail_kind_name(d->kind), "check", jstr(d->check),
			"cgroup", jstr(d->cgroup), "message", jstr(d->message ? d->message : "")));
	}
	for (size_t i = 0; i < rr->ncgroups; i++)
		json_array_append_new(cgroups, cgroup_json(&rr->cgroups[i]));
	if (rr->telemetry.nworkers || rr->telemetry.nevents || rr->telemetry.error) {
		tjson = telemetry__to_json(&rr->telemetry);
		tel = tjson ? json_loads(tjson, 0, NULL) : NULL;
	}
	mon = rr->monitor.json ? json_loads(rr->monitor.json, 0, NULL) : NULL;
	return json_pack("{s:s, s:o, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:{s:I, s:i}}",
		"status", test_status_name(rr->status), "phase", jstr(rr->phase),
		"boot_ns", (json_int_t)rr->boot_ns, "run_ns", (json_int_t)rr->run_ns,
		"total_ns", (json_int_t)rr->total_ns, "details", details, "cgroups", cgroups,
		"telemetry", tel ? tel : json_null(), "monitor", mon ? mon : json_null(),
		"channel", "dropped_bytes", (json_int_t)rr->channel_dropped, "bad_frames",
		(int)rr->channel_bad_frames);
}

/* The test's results directory and the files in it (sorted). */
static json_t *artifacts_json(const char *dir)
{
	json_t *files = json_array();
	struct dirent **v = NULL;
	int n = dir ? scandir(dir, &v, NULL, alphasort) : -1;

	for (int i = 0; i < n; i++) {
		const char *name = v[i]->d_name;

		if (name[0] != '.' && v[i]->d_type != DT_DIR && !str_endswith(name, ".tmp"))
			json_array_append_new(files, json_string(name));
		free(v[i]);
	}
	free(v);
	return json_pack("{s:o, s:o}", "dir", jstr(dir), "files", files);
}

int report__write_json(const struct test_result *t, const struct spec_test *spec, const char *path)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp", path);
	_cleanup_free_ char *text = NULL;
	json_t *runs = json_array(), *root;
	int ret;

	for (size_t i = 0; i < t->nruns; i++)
		json_array_append_new(runs, run_json(&t->runs[i]));
	root = json_pack("{s:i, s:s, s:o, s:o, s:s, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		"version", RESULT_FORMAT_VERSION, "kind", "ktstr-result",
		"name", jstr(t->name ? t->name : ""), "spec_path", jstr(t->spec_path),
		"status", test_status_name(t->status), "reason", jstr(report_reason(t)),
		"elapsed_ns", (json_int_t)t->elapsed_ns,
		"kernel", jstr(t->kernel), "accel", jstr(t->accel), "topology", jstr(t->topology),
		"scheduler", jstr(t->scheduler), "spec", spec_json(spec),
		"thresholds", thresholds_json(t, &t->thresholds), "runs", runs,
		"console_tail", jstr(t->console_tail), "artifacts", artifacts_json(t->results_dir));
	if (!root)
		return -EINVAL;
	json_object_set_new(root, "minor_version", json_integer(RESULT_FORMAT_MINOR));
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(root);
	if (!text)
		return -ENOMEM;
	ret = write_file(tmp, text, strlen(text));
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}
