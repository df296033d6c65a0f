// SPDX-License-Identifier: GPL-2.0-only
/*
 * The HTML report (--html FILE): one self-contained page, no network when
 * opened. The data is JSON (jansson) built from the results, the drawing is
 * the page script report-html.js with Debian's Chart.js inlined beside it.
 * Chart.js rather than an SVG renderer of our own: it is maintained,
 * packaged, draws line, bar, log-scale and floating-bar charts with legends
 * and tooltips, and keeps this file to data selection. The page is rewritten
 * atomically after every finished test, so a long run's report shows the
 * tests done so far, and once more at the end.
 */
#include <errno.h>
#include <time.h>

#include "check/check.h"
#include "report/internal.h"

#define CHARTJS_DEFAULT "/usr/share/javascript/chart.js/chart.min.js"
#define CDF_POINTS 200

static const char page_script[] =
#include "src/report/report-html-js.h"
	;

const char *report_html__chartjs_path(void)
{
	const char *p = getenv("KTSTR_CHARTJS");

	return p && *p ? p : CHARTJS_DEFAULT;
}

int report_html__check(char **why)
{
	const char *p = report_html__chartjs_path();

	if (!access(p, R_OK))
		return 0;
	*why = xasprintf("%s: %s: the HTML report inlines Chart.js; install Debian's libjs-chart.js "
			 "(apt-get install libjs-chart.js) or point KTSTR_CHARTJS at chart.min.js",
			 p, strerror(errno));
	return -ENOENT;
}

/*
 * Script text the HTML parser must not end early: "</script" and "<!--"
 * inside a script element would close or confuse it. In JSON a '<' only
 * occurs inside strings, where \u003c means the same; in JavaScript these
 * sequences only occur inside strings and regular expressions, where "<\/"
 * and "<\!" mean the same.
 */
static void put_script(FILE *f, const char *s, bool json)
{
	for (; *s; s++) {
		if (*s != '<') {
			fputc(*s, f);
			continue;
		}
		if (json)
			fputs("\\u003c", f);
		else if (!strncasecmp(s, "</script", 8))
			fputs("<\\", f);
		else if (!strncmp(s, "<!--", 4))
			fputs("<\\", f);
		else
			fputc('<', f);
	}
}

static void put_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		default: fputc(*s, f);
		}
	}
}

static const char style[] =
	"body{font:14px/1.4 sans-serif;margin:1em 2em;color:#222}"
	"table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;"
	"text-align:left;vertical-align:top}table.num td{text-align:right}table.num td:first-child"
	"{text-align:left}th{background:#f0f0f0}.st{padding:1px 6px;border-radius:3px;color:#fff;"
	"font-weight:bold}.st-pass{background:#2ca02c}.st-fail,.st-error,.st-timeout{background:#d62728}"
	".st-skip{background:#e6a700}.st-flaky{background:#9467bd}td.st-flaky a,"
	"td.st-pass a,td.st-fail a,td.st-error a,td.st-timeout a,"
	"td.st-skip a{color:#fff}.grid td{text-align:center;min-width:6em}.reason{color:#b00;"
	"font-weight:bold}.meta{color:#555}.charts{display:flex;flex-wrap:wrap;gap:1em}"
	".chart h4{margin:.3em 0}section.test{border-top:2px solid #ddd;margin-top:1.5em}"
	"pre{background:#f6f6f6;padding:.5em;overflow:auto;max-height:30em}"
	".v-regression{color:#d62728;font-weight:bold}.v-improvement{color:#2ca02c;font-weight:bold}";

int report_html__write(const char *path, const char *title, const char *json)
{
	_cleanup_free_ char *lib = NULL, *buf = NULL;
	size_t liblen = 0, len = 0;
	FILE *f;
	int ret;

	ret = read_file(report_html__chartjs_path(), &lib, &liblen);
	if (ret)
		return ret;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", f);
	put_text(f, title);
	fprintf(f, "</title>\n<style>%s</style>\n</head><body><div id=\"root\"></div>\n", style);
	fputs("<script type=\"application/json\" id=\"ktstr-data\">", f);
	put_script(f, json, true);
	fputs("</script>\n<script>/* Chart.js, from Debian's libjs-chart.js */\n", f);
	put_script(f, lib, false);
	fputs("\n</script>\n<script>\n", f);
	put_script(f, page_script, false);
	fputs("</script>\n</body></html>\n", f);
	if (fclose(f))
		return -ENOMEM;
	return write_file_atomic(path, buf, len);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Wake-to-run latency per cgroup as a CDF: the workers' samples pooled and
 * reduced to at most CDF_POINTS quantiles ([us, fraction]), so a report of
 * many 100000-sample reservoirs stays small.
 */
static json_t *wake_cdf(const struct telemetry *tel)
{
	json_t *out = json_array();

	for (size_t i = 0; i < tel->nworkers; i++) {
		const char *cg = tel->workers[i].cgroup ? tel->workers[i].cgroup : "";
		_cleanup_free_ uint64_t *v = NULL;
		size_t n = 0, done = 0;
		json_t *pts;

		for (size_t j = 0; j < i && !done; j++)
			done = str_eq(tel->workers[j].cgroup ? tel->workers[j].cgroup : "", cg);
		if (done)
			continue;
		for (size_t j = i; j < tel->nworkers; j++) {
			const struct worker_report *w = &tel->workers[j];

			if (!str_eq(w->cgroup ? w->cgroup : "", cg) || !w->nwake)
				continue;
			v = xrealloc(v, (n + w->nwake) * sizeof(*v));
			memcpy(v + n, w->wake_ns, w->nwake * sizeof(*v));
			n += w->nwake;
		}
		if (!n)
			continue;
		qsort(v, n, sizeof(*v), cmp_u64);
		pts = json_array();
		for (unsigned k = 0; k <= CDF_POINTS; k++) {
			size_t idx = (size_t)((double)k / CDF_POINTS * (double)(n - 1));
			/* a log axis: 0 ns is drawn at 1 ns */
			double us = (double)MAX(v[idx], 1) / 1e3;

			json_array_append_new(pts, json_pack("[f, f]", us, (double)(idx + 1) / (double)n));
		}
		json_array_append_new(out, json_pack("{s:s, s:I, s:o}", "cgroup", cg,
						     "samples", (json_int_t)n, "points", pts));
	}
	return out;
}

/* The telemetry without its raw wake samples (the CDF carries them). */
static json_t *telemetry_slim(const struct telemetry *tel)
{
	_cleanup_free_ char *text = NULL;
	json_t *o, *w;
	size_t i;

	if (!tel->nworkers && !tel->nevents && !tel->error)
		return json_null();
	text = telemetry__to_json(tel);
	o = text ? json_loads(text, 0, NULL) : NULL;
	if (!o)
		return json_null();
	json_array_foreach(json_object_get(o, "workers"), i, w)
		json_object_del(w, "wake_ns");
	return o;
}

static json_t *run_data(const struct run_result *rr)
{
	json_t *details = json_array(), *cgroups = json_array();

	for (size_t i = 0; i < rr->ndetails; i++) {
		const struct result_detail *d = &rr->details[i];

		json_array_append_new(details, json_pack("{s:s, s:s?, s:s?, s:s?}",
			"kind", detail_kind_name(d->kind), "check", d->check, "cgroup", d->cgroup,
			"message", d->message));
	}
	for (size_t i = 0; i < rr->ncgroups; i++)
		json_array_append_new(cgroups, report_json_cgroup(&rr->cgroups[i]));
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "status", test_status_name(rr->status),
		"details", details, "cgroups", cgroups, "bpf_progs", report_json_progs(rr),
		"monitor", rr->monitor.state ? report_json_monitor(&rr->monitor) : json_null(),
		"telemetry", telemetry_slim(&rr->telemetry), "wake_cdf", wake_cdf(&rr->telemetry),
		"baseline", rr->baseline.present ? report_json_baseline(&rr->baseline) : json_null(),
		"payloads", report_json_payloads(rr));
}

/*
 * The thresholds that judge 'baseline: eevdf' ratios, each with the metric
 * it judges and whether it is a floor, and its value when it is active: the
 * page draws a ratio table with the limit beside each ratio.
 */
static json_t *ratio_thresholds(const struct test_result *t)
{
	json_t *out = json_array();
	const char *metric;
	enum thr_id thr;
	bool floor;

	for (size_t i = 0; check_baseline__ratio(i, &metric, &thr, &floor); i++) {
		double v;

		json_array_append_new(out, json_pack("{s:s, s:s, s:b, s:o}", "metric", metric,
			"threshold", threshold_table[thr].name, "floor", floor,
			"value", thresholds__active(&t->thresholds, thr, &v) ? json_real(v) : json_null()));
	}
	return out;
}

static char *test_data(const struct test_result *t)
{
	json_t *runs = json_array(), *o;
	double thr;
	char *s;

	for (size_t i = 0; i < t->nruns; i++)
		json_array_append_new(runs, run_data(&t->runs[i]));
	o = json_pack("{s:s, s:s, s:s?, s:f, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:o, s:o}",
		"name", t->name ? t->name : "", "status", test_status_name(t->status),
		"reason", report_reason(t), "elapsed_s", report_secs(t->elapsed_ns),
		"scheduler", t->scheduler, "topology", t->topology, "kernel", t->kernel,
		"accel", t->accel, "results_dir", t->results_dir, "console_tail", t->console_tail,
		"imbalance_threshold", thresholds__active(&t->thresholds, THR_MAX_IMBALANCE_RATIO, &thr) ?
			json_real(thr) : json_null(),
		"runs", runs);
	if (!o)	/* a string that is not UTF-8: the cleaned copy */
		return NULL;
	json_object_set_new(o, "context", report_json_test_context(t, t->spec));
	json_object_set_new(o, "ratio_thresholds", ratio_thresholds(t));
	if (t->nattempts)	/* --retries: the attempts before the last */
		json_object_set_new(o, "attempts", report__attempts_json(t));
	if (t->repro) {	/* auto-repro: result.json's record and the per-task events */
		json_t *rp = report_json_repro(t->repro);
		json_t *tasks = t->repro->tasks_json ? json_loads(t->repro->tasks_json, 0, NULL) : NULL;

		json_object_set_new(rp, "task_events", tasks ? tasks : json_array());
		json_object_set_new(o, "auto_repro", rp);
	}
	s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	return s;
}

/* The whole page from the tests finished so far. */
static int html_write(struct report *r, bool complete)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f = open_memstream(&buf, &len);
	int ret;

	if (!f)
		return report_failed(r, r->o.html, -ENOMEM);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "{\"kind\":\"run\",\"complete\":%s,\"ntests\":%zu,\"written\":\"%s\",\"tests\":[",
		complete ? "true" : "false", r->ntests, stamp);
	for (size_t i = 0; i < r->nhtml; i++)
		fprintf(f, "%s%s", i ? "," : "", r->html_tests[i]);
	fputs("]}", f);
	if (fclose(f))
		return report_failed(r, r->o.html, -ENOMEM);
	ret = report_html__write(r->o.html, "ktstr-run report", buf);
	if (ret == -ENOENT && access(report_html__chartjs_path(), R_OK))
		return report_failed(r, report_html__chartjs_path(), ret);
	return ret ? report_failed(r, r->o.html, ret) : 0;
}

static int html_test(struct report *r, const struct test_result *t)
{
	char *s = test_data(t);

	if (!s) {
		struct test_result clean = *t;
		_cleanup_free_ char *name = report_utf8_clean(t->name ? t->name : "");
		_cleanup_free_ char *tail = t->console_tail ? report_utf8_clean(t->console_tail) : NULL;
		_cleanup_free_ char *reason = t->reason ? report_utf8_clean(t->reason) : NULL;

		clean.name = name;
		clean.console_tail = tail;
		clean.reason = reason;
		s = test_data(&clean);
	}
	if (!s)
		return report_failed(r, r->o.html, -EINVAL);
	*(char **)array_push(&r->html_tests, &r->nhtml, sizeof(s)) = s;
	return html_write(r, false);
}

static int html_end(struct report *r)
{
	return html_write(r, true);
}

static bool html_enabled(const struct report_opts *o)
{
	return o->html;
}

const struct report_format report_html_format = {
	.name = "html",
	.writes = "the self-contained HTML report to the --html file",
	.enabled = html_enabled,
	.test = html_test,
	.end = html_end,
};
