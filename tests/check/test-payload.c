// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for payload metrics: JSON, YAML and "key: value" lines
 * flattened into metrics, each check kind (exit_code, min, max, range,
 * exists) passing and failing with the metric named, stdout before stderr,
 * a payload with checks that never ran, and the telemetry round trip of a
 * payload report.
 */
#include <errno.h>
#include <sys/wait.h>

#include "tap.h"
#include "check/check.h"

static const struct payload_metric *find(const struct payload_metric *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (str_eq(v[i].name, name))
			return &v[i];
	return NULL;
}

static void free_metrics(struct payload_metric *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

static void is_metric(const struct payload_metric *v, size_t n, const char *name, double want)
{
	const struct payload_metric *m = find(v, n, name);

	if (!tap_ok(m && m->value == want, "metric %s = %g", name, want))
		printf("  ---\n  got: %s %g\n  ...\n", m ? "value" : "absent", m ? m->value : 0);
}

static void test_json(void)
{
	/* fio prints a note before its JSON; strings and booleans are no metrics */
	const char *text = "note: both iodepth >= 1 and synchronous I/O engine\n"
			   "{\"fio version\": \"fio-3.33\", \"jobs\": [{\"jobname\": \"r\", "
			   "\"read\": {\"iops\": 1234.5, \"lat_ns\": {\"mean\": 800}}, \"error\": 0, "
			   "\"ok\": true}], \"bogo_ops_per_sec\": 17}\ntrailer\n";
	struct payload_metric *v = NULL;
	char *why = NULL;
	size_t n = 0;
	int ret = payload_metrics__extract(PAYLOAD_OUT_JSON, text, &v, &n, &why);

	tap_is_int(ret, 0, "json: the document after a banner is found");
	is_metric(v, n, "jobs.0.read.iops", 1234.5);
	is_metric(v, n, "jobs.0.read.lat_ns.mean", 800);
	is_metric(v, n, "jobs.0.error", 0);
	is_metric(v, n, "bogo_ops_per_sec", 17);
	tap_is_int(n, 4, "json: only numeric leaves become metrics");
	free_metrics(v, n);
	ret = payload_metrics__extract(PAYLOAD_OUT_JSON, "no json here\n", &v, &n, &why);
	tap_ok(ret == -EINVAL && n == 0 && why && strstr(why, "no JSON"), "json: text without JSON says so");
	free(why);
	free_metrics(v, n);
}

static void test_yaml(void)
{
	/* stress-ng --yaml, abridged */
	const char *text = "---\nsystem-info:\n      stress-ng-version: 0.15.06\n      cpus: 2\n"
			   "      version: '#1 SMP'\n      quoted: '42'\n\nmetrics:\n    - stressor: cpu\n"
			   "      bogo-ops: 2285\n      bogo-ops-per-second-real-time: 1140.617465\n...\n";
	struct payload_metric *v = NULL;
	char *why = NULL;
	size_t n = 0;
	int ret = payload_metrics__extract(PAYLOAD_OUT_YAML, text, &v, &n, &why);

	tap_is_int(ret, 0, "yaml: stress-ng's document parses");
	is_metric(v, n, "metrics.0.bogo-ops", 2285);
	is_metric(v, n, "metrics.0.bogo-ops-per-second-real-time", 1140.617465);
	is_metric(v, n, "system-info.cpus", 2);
	tap_ok(!find(v, n, "system-info.stress-ng-version") && !find(v, n, "system-info.quoted"),
	       "yaml: a version string and a quoted number are no metrics");
	free_metrics(v, n);
	ret = payload_metrics__extract(PAYLOAD_OUT_YAML, "a: [1, 2\n", &v, &n, &why);
	tap_ok(ret == -EINVAL && why && strstr(why, "not YAML"), "yaml: broken YAML says where");
	free(why);
	free_metrics(v, n);
}

static void test_lines(void)
{
	const char *text = "ops_per_sec: 120.5\n  latency_us = 33\nrps=7 extra\nhello world: 3\n"
			   "name: cpu\nops_per_sec: 130\nno separator\n";
	struct payload_metric *v = NULL;
	char *why = NULL;
	size_t n = 0;

	payload_metrics__extract(PAYLOAD_OUT_LINES, text, &v, &n, &why);
	is_metric(v, n, "ops_per_sec", 130);
	is_metric(v, n, "latency_us", 33);
	tap_ok(!find(v, n, "rps") && !find(v, n, "hello world") && !find(v, n, "name"),
	       "lines: a value that is not a whole number, a key with a space, a string: skipped");
	tap_is_int(n, 2, "lines: two metrics");
	free_metrics(v, n);
}

/* One payload "p" whose run printed out/err and ended with status; judged by check__payloads. */
static struct run_result judge(struct spec_payload *sp, const char *out, const char *err, int status)
{
	struct spec_test t = { .payloads = sp, .npayloads = 1 };
	struct payload_report rep = { .name = (char *)"p", .cgroup = (char *)"", .status = status,
				      .out = (char *)out, .err = (char *)err };
	struct telemetry tel = { .payloads = &rep, .npayloads = out ? 1 : 0 };
	struct run_result r = { 0 };

	check__payloads(&t, &tel, &r);
	return r;
}

static void has_detail(struct run_result *r, const char *msg, const char *what)
{
	bool found = false;

	for (size_t i = 0; i < r->ndetails; i++)
		found |= str_eq(r->details[i].message, msg) && str_eq(r->details[i].check, "payload");
	if (!tap_ok(found && r->ndetails == 1, "%s", what)) {
		printf("  ---\n  want: '%s'\n  details:\n", msg);
		for (size_t i = 0; i < r->ndetails; i++)
			printf("    - '%s'\n", r->details[i].message);
		printf("  ...\n");
	}
	run_result__free(r);
}

static void passes(struct run_result *r, const char *what)
{
	if (!tap_ok(r->ndetails == 0, "%s", what))
		printf("  ---\n  detail: '%s'\n  ...\n", r->details[0].message);
	run_result__free(r);
}

static void test_checks(void)
{
	struct spec_metric m = { .name = (char *)"a.rate", .polarity = POLARITY_HIGHER_BETTER };
	struct spec_payload sp = { .name = (char *)"p", .output = PAYLOAD_OUT_JSON, .metrics = &m,
				   .nmetrics = 1 };
	const char *out = "{\"a\": {\"rate\": 50}}";
	struct run_result r;

	m.has_min = true;
	m.min = 10;
	r = judge(&sp, out, "", 0);
	tap_ok(r.npayloads == 1 && r.payloads[0].nmetrics == 1 &&
	       r.payloads[0].metrics[0].polarity == POLARITY_HIGHER_BETTER &&
	       str_eq(r.payloads[0].stream, "stdout"), "the run's metrics are kept with their polarity");
	passes(&r, "min 10 passes at 50");
	m.min = 100;
	r = judge(&sp, out, "", 0);
	has_detail(&r, "payload 'p': metric 'a.rate' = 50 below minimum 100", "min 100 fails naming the metric");
	m.has_min = false;
	m.has_max = true;
	m.max = 60;
	r = judge(&sp, out, "", 0);
	passes(&r, "max 60 passes at 50");
	m.max = 40;
	r = judge(&sp, out, "", 0);
	has_detail(&r, "payload 'p': metric 'a.rate' = 50 exceeds maximum 40", "max 40 fails naming the metric");
	m.has_max = false;
	m.has_range = true;
	m.lo = 40;
	m.hi = 60;
	r = judge(&sp, out, "", 0);
	passes(&r, "range [40, 60] passes at 50");
	m.lo = 51;
	m.hi = 70;
	r = judge(&sp, out, "", 0);
	has_detail(&r, "payload 'p': metric 'a.rate' = 50 outside [51, 70]", "range [51, 70] fails naming the metric");
	m.has_range = false;
	m.exists = true;
	r = judge(&sp, out, "", 0);
	passes(&r, "exists passes when the metric is there");
	m.name = (char *)"a.missing";
	r = judge(&sp, out, "", 0);
	has_detail(&r, "payload 'p': metric 'a.missing' not found in payload output",
		   "exists fails naming the absent metric");
	r = judge(&sp, "plain text", "", 0);
	has_detail(&r, "payload 'p': metric 'a.missing' not found in payload output (no json metrics in "
		   "stdout (no JSON document in it) or stderr (no JSON document in it))",
		   "a missing metric says why the output gave none");
	m.name = (char *)"a.rate";
	r = judge(&sp, "starting\n", "{\"a\": {\"rate\": 5}}", 0);
	tap_ok(r.npayloads == 1 && str_eq(r.payloads[0].stream, "stderr"),
	       "stderr is read when stdout has no metrics (ktstr's fallback)");
	passes(&r, "exists passes on stderr's metric");
	m.exists = false;

	sp.has_exit_code = true;
	sp.exit_code = 0;
	r = judge(&sp, out, "", 0);
	passes(&r, "exit_code 0 passes on exit 0");
	m.has_min = true;
	m.min = 100;
	r = judge(&sp, out, "bad option --x\n", 3 << 8);
	has_detail(&r, "payload 'p' exited with code 3, expected 0; stderr:\nbad option --x",
		   "exit code 3 fails first, with stderr, and the metric checks are skipped");
	r = judge(&sp, out, "", SIGKILL);
	has_detail(&r, "payload 'p' killed by signal 9 (SIGKILL), expected exit code 0", "a killed payload fails exit_code 0");
	r = judge(&sp, NULL, NULL, 0);
	has_detail(&r, "payload 'p' never ran (no run_payload op started it), so its checks were not judged",
		   "a payload with checks that never ran fails");
}

static void test_roundtrip(void)
{
	struct payload_report rep = { .name = (char *)"p", .cgroup = (char *)"cg_0", .status = 2 << 8,
				      .wall_ns = 1500, .out = (char *)"{\"x\": 1}\n",
				      .err = (char *)"caf\xc3\xa9 \xff\n", .err_truncated = true };
	struct telemetry in = { .duration_ns = 1, .payloads = &rep, .npayloads = 1 }, out;
	_cleanup_free_ char *json = telemetry__to_json(&in);
	char *err = NULL;
	int ret = telemetry__from_json(json, strlen(json), &out, &err);

	tap_ok(!ret && out.npayloads == 1 && str_eq(out.payloads[0].name, "p") &&
	       str_eq(out.payloads[0].cgroup, "cg_0") && out.payloads[0].status == 2 << 8 &&
	       out.payloads[0].wall_ns == 1500 && str_eq(out.payloads[0].out, "{\"x\": 1}\n") &&
	       out.payloads[0].err_truncated && !out.payloads[0].out_truncated,
	       "a payload report survives the telemetry round trip");
	tap_is_str(ret ? NULL : out.payloads[0].err, "caf?? ?\n",
		   "output that is not UTF-8 is sent with '?' for its bytes, not dropped");
	free(err);
	telemetry__free(&out);
}

int main(void)
{
	tap_plan(35);
	test_json();
	test_yaml();
	test_lines();
	test_checks();
	test_roundtrip();
	return tap_done();
}
