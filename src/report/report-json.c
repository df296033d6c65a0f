// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-test JSON result file (jansson): spec summary, resolved plan,
 * thresholds with their layers, every run's verdict, figures and telemetry
 * (including the op timeline), and the artifacts. Layout and version are
 * documented in doc/results-format.md ("Result file").
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <sys/wait.h>

#include "check/check.h"
#include "util/jdec.h"
#include "util/proc.h"
#include "monitor/monitor.h"
#include "proto/msg.h"
#include "spec/spec.h"
#include "report/internal.h"

#define RESULT_FORMAT_VERSION 1
/* Additions within version 1 a reader may test for: 1 = runs[].monitor, 2 = runs[].channel, 3 = context and runs[].baseline, 4 = attempts (--retries), 5 = runs[].bpf_progs, 6 = runs[].payloads, 7 = auto_repro and runs[].payloads[].checks. */
#define RESULT_FORMAT_MINOR 7

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

/* The run's identity (ktstr build, host, start), shared by result.json and run.json. */
json_t *report_json_run_context(const struct run_context *c)
{
	if (!c)
		return json_null();
	return json_pack("{s:o, s:o, s:{s:o, s:o}, s:{s:o, s:i, s:o}}",
		"run_id", jstr(c->run_id), "started_at", jstr(c->started_at),
		"ktstr", "version", jstr(c->version), "commit", jstr(c->commit),
		"host", "cpu_model", jstr(c->cpu_model), "cpus", (int)c->cpus, "accel", jstr(c->accel));
}

/*
 * What a comparison needs of this test: the run's identity, when the test
 * began, the kernel (release and cache key), the scheduler (plugin, flags,
 * args, and the sha256 of the plugin and of each file it packs: an exec'd
 * binary), and the dimensions a gauntlet or matrix expanded it along.
 */
json_t *report_json_test_context(const struct test_result *t, const struct spec_test *spec)
{
	json_t *o = report_json_run_context(t->context), *files = json_array(), *sched;
	char label[64];

	if (json_is_null(o))
		o = json_object();
	for (size_t i = 0; i < t->nsched_files; i++)
		json_array_append_new(files, json_pack("{s:o, s:o, s:o}",
			"name", jstr(t->sched_files[i].name), "path", jstr(t->sched_files[i].path),
			"sha256", jstr(t->sched_files[i].sha256)));
	sched = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
		"plugin", jstr(spec ? (spec->sched.plugin ?: "eevdf") : t->scheduler),
		"plugin_path", jstr(t->plugin_path), "plugin_sha256", jstr(t->plugin_sha256),
		"flags", jstrv(spec ? spec->sched.flags : NULL),
		"args", jstrv(spec ? spec->sched.args : NULL), "files", files);
	json_object_set_new(o, "test_started_at", jstr(t->started_at));
	json_object_set_new(o, "kernel", json_pack("{s:o, s:o}", "release", jstr(t->kernel_release),
						   "cache_key", jstr(t->kernel_key)));
	json_object_set_new(o, "scheduler", sched);
	json_object_set_new(o, "dimensions", json_pack("{s:o, s:o, s:o, s:o, s:o}",
		"preset", jstr(spec ? spec->preset : NULL), "profile", jstr(spec ? spec->profile : NULL),
		"kernel", jstr(spec ? spec->kernel : NULL),
		"topology", spec ? json_string(spec_topology__label(&spec->topology, label,
								    sizeof(label))) : jstr(t->topology),
		"matrix", jstrv(spec ? spec->matrix_values : NULL)));
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

json_t *report_json_cgroup(const struct cgroup_stats *s)
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

/* The monitor's record of one run: state, peaks, per-CPU summary and the series over the window. */
json_t *report_json_monitor(const struct run_monitor *m)
{
	const struct monitor_series *s = m->have_series ? &m->series : NULL;
	json_t *o = json_object(), *cpus = json_array(), *series = json_object();
	json_t *at = json_array(), *nr = json_array(), *scx = json_array(), *dq = json_array();
	json_t *clk = json_array(), *fbk = json_array(), *klk = json_array(), *valid = json_array();
	json_t *vmcpu = json_array();
	unsigned ncpus = s ? MIN(s->ncpus, (unsigned)MONITOR_MAX_CPUS) : 0;

	json_object_set_new(o, "state", json_string(m->state));
	json_object_set_new(o, "summary", m->summary ? json_string(m->summary) : json_null());
	json_object_set_new(o, "interval_ms", json_integer(MONITOR_INTERVAL_NS / NSEC_PER_MSEC));
	if (m->watchdog_override)	/* what the host wrote into the guest kernel, or why not */
		json_object_set_new(o, "watchdog_override", json_string(m->watchdog_override));
	json_object_set_new(o, "samples", json_integer(s ? (json_int_t)s->n : 0));
	json_object_set_new(o, "window", json_pack("{s:I, s:I}", "start",
		(json_int_t)(s ? s->win_start : 0), "end", (json_int_t)(s ? s->win_end : 0)));
	if (s) {
		char a[24], b[24], c[24];
		bool any = false;

		snprintf(a, sizeof(a), "0x%" PRIx64, s->text_va);
		snprintf(b, sizeof(b), "0x%" PRIx64, s->text_pa);
		snprintf(c, sizeof(c), "0x%" PRIx64, s->page_offset);
		json_object_set_new(o, "kernel", json_pack("{s:s, s:s, s:s, s:i}", "text", a,
			"text_phys", b, "page_offset_base", c, "paging_levels", s->la57 ? 5 : 4));
		json_object_set_new(o, "read_errors", json_integer((json_int_t)s->read_errors));
		for (size_t i = 0; i < s->n && !any; i++)
			any = s->v[i].have_events;
		json_object_set_new(o, "event_counters", json_string(m->events_why ?
			m->events_why : any ? "read from scx_root->pcpu->event_stats" :
			"no sched_ext scheduler attached (scx_root was NULL)"));
		json_object_set_new(o, "sample_cost_us", json_real(m->sample_cost_us));
	}
	if (s && m->evaluated) {
		json_object_set_new(o, "peaks", json_pack("{s:f, s:i, s:i, s:i, s:i, s:o, s:o, s:o, s:o}",
			"max_imbalance_ratio", m->max_imbalance,
			"max_local_dsq_depth", (int)m->max_dsq, "max_local_dsq_cpu", m->max_dsq_cpu,
			"longest_stall_samples", (int)m->longest_stall,
			"longest_stall_cpu", m->longest_stall_cpu,
			"fallback_rate", jratio(m->fallback_rate),
			"keep_last_rate", jratio(m->keep_last_rate),
			"max_fallback_rate", jratio(m->max_fallback_rate),
			"max_keep_last_rate", jratio(m->max_keep_last_rate)));
		json_object_set_new(json_object_get(o, "peaks"), "longest_idle_while_waiting_samples",
				    json_integer(m->idle_waiting_run));
	}
	/* per-CPU summary over the window */
	for (unsigned c = 0; c < ncpus; c++) {
		uint32_t nr_max = 0, dsq_max = 0;
		double nr_sum = 0;
		uint64_t clk0 = 0, clk1 = 0;
		unsigned k = 0;

		for (size_t i = s->win_start; i < s->win_end; i++) {
			const struct monitor_cpu *x = &s->v[i].cpu[c];

			if (!s->v[i].valid)
				continue;
			nr_max = MAX(nr_max, x->nr_running);
			dsq_max = MAX(dsq_max, x->local_dsq);
			nr_sum += x->nr_running;
			if (!k++)
				clk0 = x->clock;
			clk1 = x->clock;
		}
		json_array_append_new(cpus, json_pack("{s:i, s:i, s:f, s:i, s:I}", "cpu", (int)c,
			"nr_running_max", (int)nr_max, "nr_running_avg", k ? nr_sum / k : 0.0,
			"local_dsq_max", (int)dsq_max,
			"clock_advance_ns", (json_int_t)(clk1 - clk0)));
	}
	json_object_set_new(o, "cpus", cpus);
	/* the series over the window, column by column: one array per CPU */
	for (size_t i = s ? s->win_start : 0; s && i < s->win_end; i++) {
		const struct monitor_sample *x = &s->v[i];
		json_t *a = json_array(), *b = json_array(), *d = json_array(), *e = json_array();

		json_array_append_new(at, json_integer((json_int_t)(x->at_ns / NSEC_PER_MSEC)));
		json_array_append_new(vmcpu, json_integer((json_int_t)(x->vm_cpu_ns / NSEC_PER_MSEC)));
		json_array_append_new(valid, json_boolean(x->valid));
		for (unsigned c = 0; c < ncpus; c++) {
			json_array_append_new(a, json_integer(x->cpu[c].nr_running));
			json_array_append_new(b, json_integer(x->cpu[c].scx_nr_running));
			json_array_append_new(d, json_integer(x->cpu[c].local_dsq));
			json_array_append_new(e, json_integer((json_int_t)x->cpu[c].clock));
		}
		json_array_append_new(nr, a);
		json_array_append_new(scx, b);
		json_array_append_new(dq, d);
		json_array_append_new(clk, e);
		json_array_append_new(fbk, x->have_events ?
			json_integer((json_int_t)monitor_sample__events(x, ncpus, false)) : json_null());
		json_array_append_new(klk, x->have_events ?
			json_integer((json_int_t)monitor_sample__events(x, ncpus, true)) : json_null());
	}
	json_object_set_new(series, "at_ms", at);
	json_object_set_new(series, "valid", valid);
	json_object_set_new(series, "qemu_cpu_ms", vmcpu);
	json_object_set_new(series, "nr_running", nr);
	json_object_set_new(series, "scx_nr_running", scx);
	json_object_set_new(series, "local_dsq", dq);
	json_object_set_new(series, "rq_clock", clk);
	json_object_set_new(series, "select_cpu_fallback", fbk);
	json_object_set_new(series, "dispatch_keep_last", klk);
	json_object_set_new(o, "series", series);
	return o;
}

char *report__monitor_json(const struct run_monitor *m)
{
	json_t *o = report_json_monitor(m);
	char *out = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	return out;
}

/* runs[].baseline: EEVDF's half of the boot, its per-cgroup figures and the ratios. */
json_t *report_json_baseline(const struct run_baseline *b)
{
	json_t *cgroups = json_array(), *ratios = json_array();

	for (size_t i = 0; i < b->ncgroups; i++)
		json_array_append_new(cgroups, report_json_cgroup(&b->cgroups[i]));
	for (size_t i = 0; i < b->nratios; i++) {
		const struct baseline_ratio *x = &b->ratios[i];

		json_array_append_new(ratios, json_pack("{s:o, s:s, s:f, s:f, s:o}",
			"cgroup", jstr(x->cgroup), "metric", x->metric, "eevdf", x->eevdf,
			"scheduler", x->sched, "ratio", jratio(x->ratio)));
	}
	return json_pack("{s:s, s:I, s:o, s:o}", "scheduler", "eevdf",
			 "duration_ns", (json_int_t)b->tel.duration_ns, "cgroups", cgroups,
			 "ratios", ratios);
}

json_t *report_json_progs(const struct run_result *rr)
{
	json_t *a = json_array();

	for (size_t i = 0; i < rr->nprogs; i++) {
		const struct msg_bpf_prog *p = &rr->progs[i];
		double pct = result_verifier__pct(p->verified_insns);

		json_array_append_new(a, json_pack("{s:s, s:I, s:I, s:f, s:b, s:I, s:I, s:I, s:I, s:I}",
			"name", p->name ?: "", "id", (json_int_t)p->id,
			"verified_insns", (json_int_t)p->verified_insns,
			"verified_pct", pct, "near_limit", pct >= VERIFIER_WARN_PCT,
			"xlated_len", (json_int_t)p->xlated_len, "jited_len", (json_int_t)p->jited_len,
			"run_cnt", (json_int_t)p->run_cnt, "run_time_ns", (json_int_t)p->run_time_ns,
			"recursion_misses", (json_int_t)p->recursion_misses));
	}
	return a;
}

/* Minor version 7: the exit code's and each metric check's verdict, as the reports show them. */
static void payload_checks_json(json_t *o, const struct run_payload *p)
{
	json_t *checks = json_array();

	if (!o)
		return;
	for (size_t i = 0; i < p->nchecks; i++) {
		const struct payload_check *c = &p->checks[i];

		json_array_append_new(checks, json_pack("{s:s, s:s, s:o, s:s}", "metric", c->metric,
			"check", c->check, "value", c->found ? json_real(c->value) : json_null(),
			"verdict", c->verdict));
	}
	json_object_set_new(o, "checks", checks);
	json_object_set_new(o, "exit_check", p->exit_checked ?
		json_pack("{s:i, s:b}", "expected", p->exit_expected, "ok", p->exit_ok) : json_null());
}

/*
 * A run's payloads: exit, where the metrics came from, the metrics by
 * flattened key, and the polarity of those the spec gave one (what
 * ktstr-stats compare judges).
 */
json_t *report_json_payloads(const struct run_result *rr)
{
	json_t *a = json_array();

	for (size_t i = 0; i < rr->npayloads; i++) {
		const struct run_payload *p = &rr->payloads[i];
		json_t *metrics = json_object(), *pol = json_object();
		char how[64];

		for (size_t j = 0; j < p->nmetrics; j++) {
			json_object_set_new(metrics, p->metrics[j].name, json_real(p->metrics[j].value));
			if (p->metrics[j].polarity != POLARITY_UNKNOWN)
				json_object_set_new(pol, p->metrics[j].name,
						    json_string(metric_polarity_name(p->metrics[j].polarity)));
		}
		json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:s, s:s, s:o, s:o, s:o, s:o}",
			"name", p->name, "cgroup", jstr(*p->cgroup ? p->cgroup : NULL),
			"exit_code", WIFEXITED(p->status) ? json_integer(WEXITSTATUS(p->status)) : json_null(),
			"status", wait_status__describe(p->status, how, sizeof(how)),
			"output", payload_output_name(p->output), "stream", jstr(p->stream),
			"why", jstr(p->why), "metrics", metrics, "polarity", pol));
		payload_checks_json(json_array_get(a, json_array_size(a) - 1), p);
	}
	return a;
}

static json_t *run_json(const struct run_result *rr)
{
	json_t *details = json_array(), *cgroups = json_array(), *tel = NULL, *mon, *bl, *o;
	_cleanup_free_ char *tjson = NULL;

	for (size_t i = 0; i < rr->ndetails; i++) {
		const struct result_detail *d = &rr->details[i];

		json_array_append_new(details, json_pack("{s:s, s:o, s:o, s:o}",
			"kind", detail_kind_name(d->kind), "check", jstr(d->check),
			"cgroup", jstr(d->cgroup), "message", jstr(d->message ? d->message : "")));
	}
	for (size_t i = 0; i < rr->ncgroups; i++)
		json_array_append_new(cgroups, report_json_cgroup(&rr->cgroups[i]));
	if (rr->telemetry.nworkers || rr->telemetry.nevents || rr->telemetry.error) {
		tjson = telemetry__to_json(&rr->telemetry);
		tel = tjson ? json_loads(tjson, 0, NULL) : NULL;
	}
	mon = rr->monitor.state ? report_json_monitor(&rr->monitor) : NULL;
	bl = rr->baseline.present ? report_json_baseline(&rr->baseline) : NULL;
	o = json_pack("{s:s, s:o, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:{s:I, s:i}}",
		"status", test_status_name(rr->status), "phase", jstr(rr->phase),
		"boot_ns", (json_int_t)rr->boot_ns, "run_ns", (json_int_t)rr->run_ns,
		"total_ns", (json_int_t)rr->total_ns, "details", details, "cgroups", cgroups,
		"telemetry", tel ? tel : json_null(), "monitor", mon ? mon : json_null(),
		"channel", "dropped_bytes", (json_int_t)rr->channel_dropped, "bad_frames",
		(int)rr->channel_bad_frames);
	if (o)
		json_object_set_new(o, "bpf_progs", report_json_progs(rr));
	if (o && bl)
		json_object_set_new(o, "baseline", bl);
	else
		json_decref(bl);
	if (o && rr->npayloads)
		json_object_set_new(o, "payloads", report_json_payloads(rr));
	return o;
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

json_t *report__attempts_json(const struct test_result *t)
{
	json_t *v = json_array();

	for (size_t i = 0; i < t->nattempts; i++) {
		const struct test_attempt *a = &t->attempts[i];

		json_array_append_new(v, json_pack("{s:I, s:s, s:o, s:o, s:I}", "attempt",
			(json_int_t)i + 1, "status", test_status_name(a->status), "reason",
			jstr(a->reason), "dir", jstr(a->dir), "elapsed_ns", (json_int_t)a->elapsed_ns));
	}
	return v;
}

/*
 * --retries: every attempt in order, the last being the test's own verdict
 * and dir; a test run once has no "attempts" (minor_version 3).
 */
static json_t *attempts_json(const struct test_result *t)
{
	json_t *v = report__attempts_json(t);

	json_array_append_new(v, json_pack("{s:I, s:s, s:o, s:o, s:o}", "attempt",
		(json_int_t)t->nattempts + 1, "status",
		test_status_name(t->status == TEST_FLAKY ? TEST_PASS : t->status), "reason",
		jstr(t->status == TEST_FLAKY ? NULL : report_reason(t)), "dir", jstr(t->results_dir),
		"elapsed_ns", json_null()));
	return v;
}

int report__write_json(const struct test_result *t, const struct spec_test *spec, const char *path)
{
	_cleanup_free_ char *text = NULL;
	json_t *runs = json_array(), *root;

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
	json_object_set_new(root, "context", report_json_test_context(t, spec));
	if (t->nattempts)
		json_object_set_new(root, "attempts", attempts_json(t));
	json_object_set_new(root, "auto_repro", report_json_repro(t->repro));
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(root);
	if (!text)
		return -ENOMEM;
	return write_file_atomic(path, text, strlen(text));
}

json_t *report_json_repro(const struct test_repro *r)
{
	json_t *probed, *refused;

	if (!r)
		return json_null();
	probed = jdec_strv_json((const char *const *)r->probed);
	refused = json_array();
	/* "function: why" as the guest wrote it */
	for (size_t i = 0; r->refused && r->refused[i]; i++) {
		const char *sep = strstr(r->refused[i], ": ");
		_cleanup_free_ char *fn = sep ? xstrndup(r->refused[i], sep - r->refused[i]) :
					       xstrdup(r->refused[i]);

		json_array_append_new(refused, json_pack("{s:o, s:o}", "function", jstr(fn),
			"why", jstr(sep ? sep + 2 : "")));
	}
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:o, s:{s:o, s:o}}",
		"trigger", jstr(r->trigger), "rerun", jstr(r->rerun), "error", jstr(r->error),
		"probed", probed, "refused", refused, "tasks", (json_int_t)r->ntasks,
		"events", (json_int_t)r->nevents, "dir", jstr(r->dir),
		"artifacts", "text", jstr(r->text_path), "json", jstr(r->json_path));
}

/* Each test's record in its results directory (none for a test without one). */
static int json_test(struct report *r, const struct test_result *t)
{
	_cleanup_free_ char *path = NULL;
	int ret;

	if (!t->results_dir)
		return 0;
	path = xasprintf("%s/result.json", t->results_dir);
	ret = report__write_json(t, t->spec, path);
	return ret ? report_failed(r, path, ret) : 0;
}

static bool json_enabled(const struct report_opts *o)
{
	return !o->no_records;
}

const struct report_format report_json_format = {
	.name = "json",
	.enabled = json_enabled,
	.writes = "result.json in each test's results directory",
	.test = json_test,
	.cut = true,
};
