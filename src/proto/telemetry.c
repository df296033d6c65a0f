// SPDX-License-Identifier: GPL-2.0-only
/* Telemetry encoding: the documented JSON (doc/results-format.md) via jansson. */
#include <errno.h>
#include <jansson.h>
#include <math.h>

#include "util/jdec.h"
#include "proto/telemetry.h"

static const char *const event_kind_names[] = {
	[EVT_SCENARIO_START] = "scenario_start",
	[EVT_STEP_START] = "step_start",
	[EVT_STEP_END] = "step_end",
	[EVT_OP] = "op",
	[EVT_SCENARIO_END] = "scenario_end",
	[EVT_NOTE] = "note",
};

const char *event_kind_name(enum event_kind k)
{
	if ((unsigned)k < ARRAY_SIZE(event_kind_names))
		return event_kind_names[k];
	return "unknown";
}

static int event_kind_from_name(const char *s, enum event_kind *k)
{
	for (unsigned i = 0; i < ARRAY_SIZE(event_kind_names); i++)
		if (str_eq(event_kind_names[i], s)) {
			*k = i;
			return 0;
		}
	return -EINVAL;
}

/* Integers are u64 in C but json_int_t is signed 64: values stay far below 2^63 ns. */
static json_t *ju(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *jmask(const struct cpumask *m)
{
	char buf[4096];

	return json_string(cpumask_format(m, buf, sizeof(buf)));
}

static json_t *worker_to_json(const struct worker_report *w)
{
	json_t *o = json_object(), *a;

	json_object_set_new(o, "pid", json_integer(w->pid));
	json_object_set_new(o, "index", json_integer(w->index));
	json_object_set_new(o, "cgroup", json_string(w->cgroup ? w->cgroup : ""));
	json_object_set_new(o, "type", json_string((unsigned)w->type < WORK__COUNT ?
						   worktype_table[w->type].name : "unknown"));
	json_object_set_new(o, "work_units", ju(w->work_units));
	json_object_set_new(o, "iterations", ju(w->iterations));
	json_object_set_new(o, "cpu_time_ns", ju(w->cpu_time_ns));
	json_object_set_new(o, "wall_time_ns", ju(w->wall_time_ns));
	json_object_set_new(o, "off_cpu_ns", ju(w->off_cpu_ns));
	json_object_set_new(o, "start_ns", ju(w->start_ns));
	json_object_set_new(o, "max_gap_ns", ju(w->max_gap_ns));
	json_object_set_new(o, "max_gap_cpu", json_integer(w->max_gap_cpu));
	json_object_set_new(o, "max_gap_at_ns", ju(w->max_gap_at_ns));
	json_object_set_new(o, "migration_count", ju(w->migration_count));
	a = json_array();
	for (size_t i = 0; i < w->nmigrations; i++)
		json_array_append_new(a, json_pack("[I,i,i]", (json_int_t)w->migrations[i].at_ns,
						   w->migrations[i].from_cpu, w->migrations[i].to_cpu));
	json_object_set_new(o, "migrations", a);
	json_object_set_new(o, "cpus_used", jmask(&w->cpus_used));
	a = json_array();
	for (size_t i = 0; i < w->nwake; i++)
		json_array_append_new(a, ju(w->wake_ns[i]));
	json_object_set_new(o, "wake_ns", a);
	json_object_set_new(o, "wake_sample_total", ju(w->wake_sample_total));
	json_object_set_new(o, "schedstat_run_delay_ns", ju(w->schedstat_run_delay_ns));
	json_object_set_new(o, "schedstat_run_count", ju(w->schedstat_run_count));
	json_object_set_new(o, "schedstat_cpu_time_ns", ju(w->schedstat_cpu_time_ns));
	a = json_array();
	for (size_t i = 0; i < TELEMETRY_MAX_NUMA_NODES; i++)
		json_array_append_new(a, ju(w->numa_pages[i]));
	json_object_set_new(o, "numa_pages", a);
	json_object_set_new(o, "numa_pages_migrated", ju(w->numa_pages_migrated));
	json_object_set_new(o, "is_messenger", json_boolean(w->is_messenger));
	json_object_set_new(o, "completed", json_boolean(w->completed));
	json_object_set_new(o, "exit_status", json_integer(w->exit_status));
	json_object_set_new(o, "allowed", jmask(&w->allowed));
	json_object_set_new(o, "cpus_outside", jmask(&w->cpus_outside));
	return o;
}

static json_t *event_to_json(const struct timeline_event *e)
{
	return json_pack("{s:I,s:s,s:i,s:s,s:s,s:i}",
			 "at_ns", (json_int_t)e->at_ns,
			 "kind", event_kind_name(e->kind),
			 "step", e->step,
			 "label", e->label ? e->label : "",
			 "detail", e->detail ? e->detail : "",
			 "error", e->error);
}

/* Text as a JSON string; bytes jansson refuses (not UTF-8, NUL) become '?'. */
static json_t *jtext(const char *s)
{
	json_t *j = json_string(s ? s : "");
	char *copy;

	if (j)
		return j;
	copy = xstrdup(s);
	for (unsigned char *p = (unsigned char *)copy; *p; p++)
		if (*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

static json_t *payload_to_json(const struct payload_report *p)
{
	json_t *o = json_pack("{s:s,s:s,s:i,s:I,s:b,s:b}",
			      "name", p->name ? p->name : "",
			      "cgroup", p->cgroup ? p->cgroup : "",
			      "status", p->status,
			      "wall_ns", (json_int_t)p->wall_ns,
			      "out_truncated", p->out_truncated,
			      "err_truncated", p->err_truncated);

	if (!o)
		abort();	/* jansson only fails on allocation (the names are validated) */
	json_object_set_new(o, "stdout", jtext(p->out));
	json_object_set_new(o, "stderr", jtext(p->err));
	return o;
}

char *telemetry__to_json(const struct telemetry *t)
{
	json_t *root = json_object(), *a;
	char *s;

	json_object_set_new(root, "version", json_integer(TELEMETRY_VERSION));
	json_object_set_new(root, "duration_ns", ju(t->duration_ns));
	if (t->error)
		json_object_set_new(root, "error", json_string(t->error));
	a = json_array();
	for (size_t i = 0; i < t->nworkers; i++)
		json_array_append_new(a, worker_to_json(&t->workers[i]));
	json_object_set_new(root, "workers", a);
	a = json_array();
	for (size_t i = 0; i < t->nevents; i++)
		json_array_append_new(a, event_to_json(&t->events[i]));
	json_object_set_new(root, "events", a);
	if (t->npayloads) {
		a = json_array();
		for (size_t i = 0; i < t->npayloads; i++)
			json_array_append_new(a, payload_to_json(&t->payloads[i]));
		json_object_set_new(root, "payloads", a);
	}
	s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (!s)
		abort();	/* jansson only fails on allocation */
	return s;
}

static void get_mask(struct jdec *d, json_t *o, const char *key, struct cpumask *m)
{
	const char *s = jdec_str(d, o, key);

	cpumask_zero(m);
	if (s && cpumask_parse(s, m))
		jdec_fail(d, key, "bad cpu list");
}

static void worker_from_json(struct jdec *d, json_t *o, struct worker_report *w)
{
	const struct worktype_desc *desc;
	const char *s;
	json_t *a, *v;
	size_t i;

	w->pid = jdec_int(d, o, "pid");
	w->index = jdec_int(d, o, "index");
	s = jdec_str(d, o, "cgroup");
	w->cgroup = xstrdup(s ? s : "");
	s = jdec_str(d, o, "type");
	desc = s ? worktype_lookup(s) : NULL;
	if (!desc)
		jdec_fail(d, "type", "unknown work type");
	else
		w->type = desc->type;
	w->work_units = jdec_u64(d, o, "work_units", true);
	w->iterations = jdec_u64(d, o, "iterations", false);
	w->cpu_time_ns = jdec_u64(d, o, "cpu_time_ns", true);
	w->wall_time_ns = jdec_u64(d, o, "wall_time_ns", true);
	w->off_cpu_ns = jdec_u64(d, o, "off_cpu_ns", false);
	w->start_ns = jdec_u64(d, o, "start_ns", false);
	w->max_gap_ns = jdec_u64(d, o, "max_gap_ns", false);
	w->max_gap_cpu = jdec_int(d, o, "max_gap_cpu");
	w->max_gap_at_ns = jdec_u64(d, o, "max_gap_at_ns", false);
	w->migration_count = jdec_u64(d, o, "migration_count", false);
	a = jdec_array(d, o, "migrations");
	if (a && json_array_size(a)) {
		w->migrations = xcalloc(json_array_size(a), sizeof(*w->migrations));
		json_array_foreach(a, i, v) {
			json_int_t at;
			int from, to;

			if (json_unpack(v, "[I,i,i]", &at, &from, &to) || at < 0) {
				jdec_fail(d, "migrations", "expected [at_ns, from, to]");
				break;
			}
			w->migrations[w->nmigrations++] = (struct migration){ at, from, to };
		}
	}
	get_mask(d, o, "cpus_used", &w->cpus_used);
	a = jdec_array(d, o, "wake_ns");
	if (a && json_array_size(a) > TELEMETRY_MAX_WAKE_SAMPLES)
		jdec_fail(d, "wake_ns", "more samples than TELEMETRY_MAX_WAKE_SAMPLES");
	else if (a && json_array_size(a)) {
		w->wake_ns = xcalloc(json_array_size(a), sizeof(*w->wake_ns));
		json_array_foreach(a, i, v) {
			if (!json_is_integer(v) || json_integer_value(v) < 0) {
				jdec_fail(d, "wake_ns", "expected non-negative integers");
				break;
			}
			w->wake_ns[w->nwake++] = json_integer_value(v);
		}
	}
	w->wake_sample_total = jdec_u64(d, o, "wake_sample_total", false);
	w->schedstat_run_delay_ns = jdec_u64(d, o, "schedstat_run_delay_ns", false);
	w->schedstat_run_count = jdec_u64(d, o, "schedstat_run_count", false);
	w->schedstat_cpu_time_ns = jdec_u64(d, o, "schedstat_cpu_time_ns", false);
	a = jdec_array(d, o, "numa_pages");
	if (a) {
		json_array_foreach(a, i, v) {
			if (i >= TELEMETRY_MAX_NUMA_NODES || !json_is_integer(v)) {
				jdec_fail(d, "numa_pages", "expected at most 8 integers");
				break;
			}
			w->numa_pages[i] = json_integer_value(v);
		}
	}
	w->numa_pages_migrated = jdec_u64(d, o, "numa_pages_migrated", false);
	w->is_messenger = json_is_true(json_object_get(o, "is_messenger"));
	w->completed = json_is_true(json_object_get(o, "completed"));
	w->exit_status = jdec_int(d, o, "exit_status");
	get_mask(d, o, "allowed", &w->allowed);
	cpumask_zero(&w->cpus_outside);
	if (json_object_get(o, "cpus_outside"))	/* absent from older reports */
		get_mask(d, o, "cpus_outside", &w->cpus_outside);
}

static void event_from_json(struct jdec *d, json_t *o, struct timeline_event *e)
{
	const char *s;

	e->at_ns = jdec_u64(d, o, "at_ns", true);
	s = jdec_str(d, o, "kind");
	if (!s || event_kind_from_name(s, &e->kind))
		jdec_fail(d, "kind", "unknown event kind");
	e->step = jdec_int(d, o, "step");
	s = jdec_str(d, o, "label");
	e->label = xstrdup(s ? s : "");
	s = jdec_str(d, o, "detail");
	e->detail = xstrdup(s ? s : "");
	e->error = jdec_int(d, o, "error");
}

static void payload_from_json(struct jdec *d, json_t *o, struct payload_report *p)
{
	p->name = jdec_strdup(d, o, "name");
	p->cgroup = jdec_strdup(d, o, "cgroup");
	p->status = jdec_int(d, o, "status");
	p->wall_ns = jdec_u64(d, o, "wall_ns", false);
	p->out = jdec_strdup(d, o, "stdout");
	p->err = jdec_strdup(d, o, "stderr");
	p->out_truncated = jdec_bool(d, o, "out_truncated");
	p->err_truncated = jdec_bool(d, o, "err_truncated");
}

char *timeline_event__to_json(const struct timeline_event *e)
{
	json_t *o = event_to_json(e);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	if (!s)
		abort();	/* jansson only fails on allocation */
	return s;
}

int timeline_event__from_json(const char *json, size_t len, struct timeline_event *e,
			      char **err)
{
	struct jdec d = { .where = "$" };
	json_t *root = jdec_load(&d, json, len);

	memset(e, 0, sizeof(*e));
	if (root)
		event_from_json(&d, root, e);
	json_decref(root);
	if (d.err) {
		timeline_event__free(e);
		if (err)
			*err = d.err;
		else
			free(d.err);
		return -EINVAL;
	}
	return 0;
}

int telemetry__from_json(const char *json, size_t len, struct telemetry *out, char **err)
{
	struct jdec d = { .where = "$" };
	json_error_t jerr;
	json_t *root, *a, *v;
	char where[64];
	const char *s;
	size_t i;

	memset(out, 0, sizeof(*out));
	root = json_loadb(json, len, 0, &jerr);
	if (!root) {
		if (err)
			*err = xasprintf("line %d column %d: %s", jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		d.err = xstrdup("$: expected an object");
		goto out;
	}
	if (jdec_u64(&d, root, "version", true) != TELEMETRY_VERSION && !d.err)
		d.err = xasprintf("$.version: %lld is not supported (this build reads %d)",
				  (long long)json_integer_value(json_object_get(root, "version")),
				  TELEMETRY_VERSION);
	if (d.err)
		goto out;
	out->duration_ns = jdec_u64(&d, root, "duration_ns", true);
	s = jdec_str(&d, root, "error");
	if (s)
		out->error = xstrdup(s);
	a = jdec_array(&d, root, "workers");
	if (a && json_array_size(a)) {
		out->workers = xcalloc(json_array_size(a), sizeof(*out->workers));
		json_array_foreach(a, i, v) {
			snprintf(where, sizeof(where), "$.workers[%zu]", i);
			d.where = where;
			if (!json_is_object(v)) {
				jdec_fail(&d, "", "expected an object");
				break;
			}
			worker_from_json(&d, v, &out->workers[out->nworkers++]);
			if (d.err)
				break;
		}
	}
	a = d.err ? NULL : jdec_array(&d, root, "events");
	if (a && json_array_size(a)) {
		out->events = xcalloc(json_array_size(a), sizeof(*out->events));
		json_array_foreach(a, i, v) {
			snprintf(where, sizeof(where), "$.events[%zu]", i);
			d.where = where;
			if (!json_is_object(v)) {
				jdec_fail(&d, "", "expected an object");
				break;
			}
			event_from_json(&d, v, &out->events[out->nevents++]);
			if (d.err)
				break;
		}
	}
	a = d.err ? NULL : jdec_array(&d, root, "payloads");
	if (a && json_array_size(a)) {
		out->payloads = xcalloc(json_array_size(a), sizeof(*out->payloads));
		json_array_foreach(a, i, v) {
			snprintf(where, sizeof(where), "$.payloads[%zu]", i);
			d.where = where;
			if (!json_is_object(v)) {
				jdec_fail(&d, "", "expected an object");
				break;
			}
			payload_from_json(&d, v, &out->payloads[out->npayloads++]);
			if (d.err)
				break;
		}
	}
out:
	json_decref(root);
	if (d.err) {
		telemetry__free(out);
		if (err)
			*err = d.err;
		else
			free(d.err);
		return -EINVAL;
	}
	return 0;
}

void worker_report__free(struct worker_report *w)
{
	if (!w)
		return;
	free(w->cgroup);
	free(w->migrations);
	free(w->wake_ns);
	w->cgroup = NULL;
	w->migrations = NULL;
	w->wake_ns = NULL;
	w->nmigrations = w->nwake = 0;
}

void timeline_event__free(struct timeline_event *e)
{
	if (!e)
		return;
	free(e->label);
	free(e->detail);
	e->label = e->detail = NULL;
}

void payload_report__free(struct payload_report *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->cgroup);
	free(p->out);
	free(p->err);
	p->name = p->cgroup = p->out = p->err = NULL;
}

void telemetry__free(struct telemetry *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->npayloads; i++)
		payload_report__free(&t->payloads[i]);
	free(t->payloads);
	for (size_t i = 0; i < t->nworkers; i++)
		worker_report__free(&t->workers[i]);
	for (size_t i = 0; i < t->nevents; i++)
		timeline_event__free(&t->events[i]);
	free(t->workers);
	free(t->events);
	free(t->error);
	memset(t, 0, sizeof(*t));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentiles over a sorted copy; the caller's array is untouched. */
void wake_stats__compute(const uint64_t *samples, size_t n, struct wake_stats *out)
{
	uint64_t *v;
	double sum = 0, sq = 0;

	memset(out, 0, sizeof(*out));
	out->n = n;
	if (!n)
		return;
	v = xmalloc(n * sizeof(*v));
	memcpy(v, samples, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_u64);
	out->p50 = v[(n - 1) / 2];
	out->p99 = v[MIN(n - 1, (size_t)((n * 99 + 99) / 100) - 1)];
	out->max = v[n - 1];
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	out->mean = sum / n;
	for (size_t i = 0; i < n; i++)
		sq += (v[i] - out->mean) * (v[i] - out->mean);
	if (n >= 2 && out->mean > 0)
		out->cv = sqrt(sq / (n - 1)) / out->mean;
	free(v);
}
