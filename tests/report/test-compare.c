// SPDX-License-Identifier: GPL-2.0-only
/*
 * ktstr-stats compare's model on synthetic result.json files: the dual
 * gate (absolute and relative both needed), polarity, repeats averaged
 * with their spread keeping noise out, a PASS -> FAIL status regression,
 * tests on one side only, and the policy file's overrides and errors;
 * a gauntlet's tests paired by name and dimensions (preset, profile,
 * kernel), the runs' context diff and the in-VM baseline's ratios.
 */
#include <errno.h>
#include <math.h>
#include <sys/stat.h>

#include "report/compare.h"
#include "tap.h"

static char root[] = "/tmp/ktstr-test-compare.XXXXXX";

/* root/DIR/SUB/result.json, created for writing. */
static FILE *open_result(const char *dir, const char *sub)
{
	_cleanup_free_ char *d = xasprintf("%s/%s", root, dir);
	_cleanup_free_ char *td = xasprintf("%s/%s", d, sub);
	_cleanup_free_ char *path = xasprintf("%s/result.json", td);
	FILE *f;

	mkdir(d, 0755);
	mkdir(td, 0755);
	f = fopen(path, "w");
	if (!f)
		abort();
	return f;
}

/* DIR/NAME/result.json with one run per p99 value (iterations 1000/s over 2 s). */
static void result(const char *dir, const char *name, const char *status, const double *p99,
		   size_t n, double iters)
{
	FILE *f = open_result(dir, name);

	fprintf(f, "{\"kind\":\"ktstr-result\",\"version\":1,\"name\":\"%s\",\"status\":\"%s\",\"runs\":[",
		name, status);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s{\"status\":\"%s\",\"telemetry\":{\"duration_ns\":2000000000},"
			"\"cgroups\":[{\"name\":\"cg_0\",\"p99_wake_latency_us\":%g,"
			"\"total_iterations\":%g}],\"monitor\":{\"peaks\":{\"max_imbalance_ratio\":1.5}}}",
			i ? "," : "", status, p99[i], iters);
	fputs("]}\n", f);
	fclose(f);
}

/* DIR/NAME/result.json with one run whose payload "sn" has ops (higher better), lat (lower), raw (none). */
static void payload_result(const char *dir, const char *name, double ops, double lat, double raw)
{
	FILE *f = open_result(dir, name);

	fprintf(f, "{\"kind\":\"ktstr-result\",\"version\":1,\"name\":\"%s\",\"status\":\"PASS\","
		"\"runs\":[{\"status\":\"PASS\",\"telemetry\":{\"duration_ns\":2000000000},\"cgroups\":[],"
		"\"payloads\":[{\"name\":\"sn\",\"metrics\":{\"m.ops\":%g,\"m.lat\":%g,\"m.raw\":%g},"
		"\"polarity\":{\"m.ops\":\"higher_better\",\"m.lat\":\"lower_better\"}}]}]}\n",
		name, ops, lat, raw);
	fclose(f);
}

/*
 * DIR/SUB/result.json of a gauntlet test: name, its preset and profile,
 * the kernel and plugin sha256 it ran with, one run with cg_0's p99 and a
 * baseline work-rate ratio, and the min_work_rate_ratio it was judged by.
 */
static void result_dims(const char *dir, const char *sub, const char *name, const char *preset,
			const char *kernel, const char *sha, double p99, double ratio)
{
	FILE *f = open_result(dir, sub);

	fprintf(f, "{\"kind\":\"ktstr-result\",\"version\":1,\"name\":\"%s\",\"status\":\"PASS\","
		"\"context\":{\"started_at\":\"2026-01-0%sT00:00:00Z\",\"host\":{\"cpu_model\":\"cpu\","
		"\"cpus\":2,\"accel\":\"tcg\"},\"ktstr\":{\"version\":\"0.1\",\"commit\":null},"
		"\"kernel\":{\"release\":\"%s\",\"cache_key\":null},\"scheduler\":{\"plugin\":\"faulty\","
		"\"plugin_sha256\":\"%s\",\"flags\":[],\"args\":[],\"files\":[]},"
		"\"dimensions\":{\"preset\":\"%s\",\"profile\":\"default\",\"kernel\":null}},"
		"\"thresholds\":{\"values\":{\"min_work_rate_ratio\":{\"value\":0.9,\"state\":\"set\"}}},"
		"\"runs\":[{\"status\":\"PASS\",\"telemetry\":{\"duration_ns\":2000000000},"
		"\"cgroups\":[{\"name\":\"cg_0\",\"p99_wake_latency_us\":%g}],"
		"\"baseline\":{\"ratios\":[{\"cgroup\":\"cg_0\",\"metric\":\"work_rate\","
		"\"ratio\":%g}]}}]}\n", name, dir[0] == 'a' ? "1" : "2", kernel, sha, preset, p99, ratio);
	fclose(f);
}

static const struct compare_test *find_test(const struct compare *c, const char *preset)
{
	for (size_t i = 0; i < c->ntests; i++)
		if (c->tests[i].preset && str_eq(c->tests[i].preset, preset))
			return &c->tests[i];
	return NULL;
}

static const struct compare_context *find_ctx(const struct compare *c, const char *field)
{
	for (size_t i = 0; i < c->ncontext; i++)
		if (str_eq(c->context[i].field, field))
			return &c->context[i];
	return NULL;
}

/*
 * Two runs of one scenario over presets: each preset's test pairs with its
 * own (the same name on another preset is another test), an unpaired one
 * is only in A or only in B, and the context says the kernel and the
 * scheduler's sha256 changed while the host did not.
 */
static void test_dimensions(void)
{
	_cleanup_free_ char *a = xasprintf("%s/ga", root), *b = xasprintf("%s/gb", root), *why = NULL;
	_cleanup_free_ char *text = NULL;
	const struct compare_test *t1, *t2;
	const struct compare_context *k, *h, *sha, *st, *thr;
	const struct compare_row *r;
	struct compare_policy pol;
	struct compare c;
	size_t len = 0;
	FILE *f;

	result_dims("ga", "t1", "scn", "tiny-1llc", "6.12.9", "aaaa", 100, 1.0);
	result_dims("ga", "t2", "scn", "tiny-2llc", "6.12.9", "aaaa", 1000, 1.0);
	result_dims("ga", "t3", "scn", "smt-2llc", "6.12.9", "aaaa", 100, 1.0);
	result_dims("gb", "t1", "scn", "tiny-1llc", "6.13.1", "bbbb", 110, 0.5);
	result_dims("gb", "t2", "scn", "tiny-2llc", "6.13.1", "bbbb", 1050, 1.0);
	result_dims("gb", "t4", "scn", "odd-3llc", "6.13.1", "bbbb", 100, 1.0);
	compare_policy__defaults(&pol);
	tap_is_int(compare__run(a, b, &pol, &c, &why), 0, "gauntlet runs read");
	t1 = find_test(&c, "tiny-1llc");
	t2 = find_test(&c, "tiny-2llc");
	r = NULL;
	for (size_t j = 0; t1 && j < t1->nrows; j++)
		if (str_eq(t1->rows[j].metric, "cg_0.p99_wake_latency_us"))
			r = &t1->rows[j];
	tap_ok(r && r->a.n == 1 && r->a.mean == 100 && r->b.mean == 110 && t2 && t2->a.status &&
	       t2->b.status, "each preset's test is paired with its own (p99 100 -> 110, not a mix)");
	tap_ok(c.paired == 2 && c.only_a == 1 && c.only_b == 1 && find_test(&c, "smt-2llc") &&
	       !find_test(&c, "smt-2llc")->b.status && find_test(&c, "odd-3llc") &&
	       !find_test(&c, "odd-3llc")->a.status,
	       "unpaired presets are only in A / only in B (paired %u, only A %u, only B %u)",
	       c.paired, c.only_a, c.only_b);
	k = find_ctx(&c, "kernel.release");
	sha = find_ctx(&c, "scheduler.plugin_sha256");
	h = find_ctx(&c, "host.cpu_model");
	st = find_ctx(&c, "started_at");
	thr = find_ctx(&c, "thresholds.min_work_rate_ratio");
	tap_ok(k && k->differs && str_eq(k->a, "6.12.9") && str_eq(k->b, "6.13.1") && sha &&
	       sha->differs && h && !h->differs && st && !st->differs && thr && !thr->differs &&
	       str_eq(thr->a, "0.9") && c.context_differs == 2,
	       "context: kernel and scheduler sha256 differ, host and ratio threshold do not (%u)",
	       c.context_differs);
	r = NULL;
	for (size_t j = 0; t1 && j < t1->nrows; j++)
		if (str_eq(t1->rows[j].metric, "cg_0.work_rate_ratio"))
			r = &t1->rows[j];
	tap_ok(r && r->verdict == VERDICT_REGRESSION && r->a.mean == 1.0 && r->b.mean == 0.5,
	       "the baseline's work-rate ratio to EEVDF (1.0 -> 0.5) is compared: a regression");
	f = open_memstream(&text, &len);
	compare__text(&c, f);
	fclose(f);
	tap_ok(strstr(text, "context: 2 difference(s)") && strstr(text, "kernel.release") &&
	       strstr(text, "DIFFERS  A: 6.12.9") && strstr(text, "scn [preset=odd-3llc profile=default]: only in B"),
	       "the text shows the context diff first and each test's dimensions");
	{
		_cleanup_free_ char *json = compare__json(&c);

		tap_ok(json && strstr(json, "\"context_differs\": 2") && strstr(json, "\"preset\": \"tiny-1llc\""),
		       "the JSON has the context and the dimensions");
	}
	compare__free(&c);
	compare_policy__free(&pol);
}

static const struct compare_row *row(const struct compare *c, const char *test, const char *metric)
{
	for (size_t i = 0; i < c->ntests; i++)
		for (size_t j = 0; str_eq(c->tests[i].name, test) && j < c->tests[i].nrows; j++)
			if (str_eq(c->tests[i].rows[j].metric, metric))
				return &c->tests[i].rows[j];
	return NULL;
}

static enum compare_verdict verdict(const struct compare *c, const char *test, const char *metric)
{
	const struct compare_row *r = row(c, test, metric);

	return r ? r->verdict : (enum compare_verdict)-1;
}

static int write_policy(const char *text, char **path)
{
	*path = xasprintf("%s/policy.json", root);
	return write_file_atomic(*path, text, strlen(text));
}

int main(void)
{
	struct compare_policy pol;
	struct compare c;
	_cleanup_free_ char *why = NULL, *a = NULL, *b = NULL, *pp = NULL;
	const struct compare_row *r;
	int ret;

	tap_plan(27);
	if (!mkdtemp(root))
		return 99;
	/* p99: 100 -> 140 (below 50 us), 100 -> 200 (both gates), 1000 -> 1100 (below 25%) */
	result("a", "small", "PASS", (double[]){ 100 }, 1, 2000);
	result("b", "small", "PASS", (double[]){ 140 }, 1, 2000);
	result("a", "big", "PASS", (double[]){ 100 }, 1, 2000);
	result("b", "big", "FAIL", (double[]){ 200 }, 1, 4000);
	result("a", "rel", "PASS", (double[]){ 1000 }, 1, 2000);
	result("b", "rel", "PASS", (double[]){ 1100 }, 1, 2000);
	/* repeats: means 200 and 300 (past both gates) but sds 141 and 0: noise */
	result("a", "noisy", "PASS", (double[]){ 100, 300 }, 2, 2000);
	result("b", "noisy", "PASS", (double[]){ 300, 300 }, 2, 2000);
	result("a", "gone", "PASS", (double[]){ 100 }, 1, 2000);
	a = xasprintf("%s/a", root);
	b = xasprintf("%s/b", root);

	compare_policy__defaults(&pol);
	ret = compare__run(a, b, &pol, &c, &why);
	tap_is_int(ret, 0, "compare__run reads both trees");
	tap_is_int(verdict(&c, "small", "cg_0.p99_wake_latency_us"), VERDICT_SAME,
		   "+40 us is below the absolute gate (50 us)");
	tap_is_int(verdict(&c, "big", "cg_0.p99_wake_latency_us"), VERDICT_REGRESSION,
		   "+100 us, +100% passes both gates: regression (lower is better)");
	tap_is_int(verdict(&c, "big", "cg_0.iteration_rate"), VERDICT_IMPROVEMENT,
		   "iteration rate 1000/s -> 2000/s: improvement (higher is better)");
	tap_is_int(verdict(&c, "big", "status"), VERDICT_REGRESSION, "PASS -> FAIL is a regression");
	tap_is_int(verdict(&c, "rel", "cg_0.p99_wake_latency_us"), VERDICT_SAME,
		   "+100 us but +10% is below the relative gate (25%)");
	r = row(&c, "noisy", "cg_0.p99_wake_latency_us");
	tap_ok(r && r->a.n == 2 && fabs(r->a.mean - 200) < 1e-9 && r->a.sd > 141 && r->a.sd < 142,
	       "repeats averaged with their sd");
	tap_is_int(r ? r->verdict : -1, VERDICT_SAME, "a change within the repeats' spread is noise");
	tap_is_int(verdict(&c, "small", "monitor.max_imbalance_ratio"), VERDICT_SAME,
		   "the monitor's peaks are compared");
	tap_ok(c.paired == 4 && c.only_a == 1 && c.regressions == 2, "4 paired, 1 only in A, 2 regressions");
	compare__free(&c);

	/* payload metrics: ops 1000 -> 800 (-20%), lat 10 -> 10.5 (+5%), raw without a polarity */
	payload_result("pa", "bench", 1000, 10, 1);
	payload_result("pb", "bench", 800, 10.5, 100);
	free(a);
	free(b);
	a = xasprintf("%s/pa", root);
	b = xasprintf("%s/pb", root);
	tap_is_int(compare__run(a, b, &pol, &c, &why), 0, "payload results read");
	tap_is_int(verdict(&c, "bench", "payload.sn.m.ops"), VERDICT_REGRESSION,
		   "a higher_better payload metric down 20% is a regression");
	tap_is_int(verdict(&c, "bench", "payload.sn.m.lat"), VERDICT_SAME,
		   "a lower_better payload metric up 5% is below the 10% gate");
	tap_ok(!row(&c, "bench", "payload.sn.m.raw") && c.regressions == 1,
	       "a payload metric without a polarity is not compared");
	compare__free(&c);
	free(a);
	free(b);
	a = xasprintf("%s/a", root);
	b = xasprintf("%s/b", root);

	write_policy("{\"per_metric_percent\": {\"p99_wake_latency_us\": 5}}", &pp);
	tap_is_int(compare_policy__load(&pol, pp, &why), 0, "policy file read");
	compare__run(a, b, &pol, &c, &why);
	tap_is_int(verdict(&c, "rel", "cg_0.p99_wake_latency_us"), VERDICT_REGRESSION,
		   "--policy 5% makes +10% a regression");
	compare__free(&c);

	free(pp);
	write_policy("{\"per_metric_percent\": {\"p99_wake\": 5}}", &pp);
	free(why);
	why = NULL;
	tap_ok(compare_policy__load(&pol, pp, &why) == -EINVAL && why &&
	       strstr(why, "per_metric_percent.p99_wake: unknown metric; known: work_rate"),
	       "unknown metric named: %s", why ? why : "");
	free(pp);
	write_policy("{\"default_percent\": -1}", &pp);
	free(why);
	why = NULL;
	tap_ok(compare_policy__load(&pol, pp, &why) == -EINVAL && why &&
	       strstr(why, "default_percent: want a number >= 0"), "negative gate refused: %s",
	       why ? why : "");
	free(pp);
	write_policy("{\"default_percent\": 5,", &pp);
	free(why);
	why = NULL;
	tap_ok(compare_policy__load(&pol, pp, &why) == -EINVAL && why && strstr(why, "policy.json:1:"),
	       "bad JSON named with its line: %s", why ? why : "");
	compare_policy__free(&pol);

	compare_policy__defaults(&pol);
	free(why);
	why = NULL;
	tap_ok(compare__run(root, "/nonexistent", &pol, &c, &why) < 0 && why &&
	       strstr(why, "/nonexistent"), "a missing directory is named: %s", why ? why : "");
	compare__free(&c);
	compare_policy__free(&pol);
	test_dimensions();
	return tap_done();
}
