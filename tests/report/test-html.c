// SPDX-License-Identifier: GPL-2.0-only
/*
 * The HTML renderer without a browser: the page is rewritten after each
 * test (marked incomplete) and at the end (complete); a name holding
 * "</script><!--" cannot end the data's script element; wake samples reach
 * the page only as a per-cgroup CDF; without Chart.js, --html is refused
 * with the package named and a report's end fails naming the library.
 */
#include <errno.h>
#include <jansson.h>

#include "proto/msg.h"
#include "report/report.h"
#include "tap.h"

static struct test_result *result(const char *name, enum test_status st)
{
	struct test_result *t = xcalloc(1, sizeof(*t));
	struct run_result *rr = array_push(&t->runs, &t->nruns, sizeof(*rr));
	struct worker_report *w;

	t->name = xstrdup(name);
	t->status = st;
	t->topology = xstrdup("1n1l2c1t");
	t->console_tail = xstrdup("boot </script> done\n");
	thresholds__defaults(&t->thresholds, true);
	rr->status = st;
	w = array_push(&rr->telemetry.workers, &rr->telemetry.nworkers, sizeof(*w));
	w->cgroup = xstrdup("cg_0");
	w->cpu_time_ns = NSEC_PER_SEC;
	w->wall_time_ns = 2 * NSEC_PER_SEC;
	w->nwake = 1000;
	w->wake_ns = xcalloc(w->nwake, sizeof(*w->wake_ns));
	for (size_t i = 0; i < w->nwake; i++)
		w->wake_ns[i] = (i + 1) * 1000;	/* 1..1000 us */
	rr->telemetry.duration_ns = 2 * NSEC_PER_SEC;
	rr->progs = xcalloc(1, sizeof(*rr->progs));	/* one program near the verifier's limit */
	rr->progs[0] = (struct msg_bpf_prog){ .name = xstrdup("ktstr_dispatch"),
					      .verified_insns = 801000, .xlated_len = 592 };
	rr->nprogs = 1;
	return t;
}

/* A payload judged against a min (ok) and a max (failed), as check__payloads leaves it. */
static void add_payload(struct run_result *rr)
{
	struct run_payload *p = array_push(&rr->payloads, &rr->npayloads, sizeof(*p));
	struct payload_metric *m;
	struct payload_check *c;

	p->name = xstrdup("stress");
	p->cgroup = xstrdup("");
	p->output = PAYLOAD_OUT_YAML;
	p->stream = xstrdup("stdout");
	p->exit_checked = p->exit_ok = true;
	m = array_push(&p->metrics, &p->nmetrics, sizeof(*m));
	*m = (struct payload_metric){ .name = xstrdup("metrics.0.bogo-ops"), .value = 41.2,
				      .polarity = POLARITY_HIGHER_BETTER };
	m = array_push(&p->metrics, &p->nmetrics, sizeof(*m));
	*m = (struct payload_metric){ .name = xstrdup("metrics.0.wall-clock-time"), .value = 2 };
	c = array_push(&p->checks, &p->nchecks, sizeof(*c));
	*c = (struct payload_check){ .metric = xstrdup("metrics.0.bogo-ops"), .check = xstrdup("min 1"),
				     .found = true, .value = 41.2, .verdict = "ok" };
	c = array_push(&p->checks, &p->nchecks, sizeof(*c));
	*c = (struct payload_check){ .metric = xstrdup("metrics.0.bogo-ops"), .check = xstrdup("max 10"),
				     .found = true, .value = 41.2, .verdict = "failed" };
}

/* An auto-repro rerun with one task's events, as src/cmd/run.c records it. */
static void add_repro(struct test_result *t)
{
	struct test_repro *rp = xcalloc(1, sizeof(*rp));

	rp->trigger = xstrdup("disabled: SCX_EXIT_ERROR_STALL");
	rp->rerun = xstrdup("FAIL: stall");
	rp->probed = xcalloc(2, sizeof(char *));
	rp->probed[0] = xstrdup("scx_do_enqueue_task");
	rp->refused = xcalloc(2, sizeof(char *));
	rp->refused[0] = xstrdup("balance_one: not a probeable kernel function here");
	rp->ntasks = 1;
	rp->nevents = 2;
	rp->json_path = xstrdup("/r/auto-repro.json");
	rp->tasks_json = xstrdup("[{\"pid\":103,\"comm\":\"init\",\"named_by_failure\":true,\"events\":["
				 "{\"t_ms\":-12.5,\"cpu\":1,\"event\":\"scx_do_enqueue_task\",\"callback\":\"enqueue\","
				 "\"enq_flags\":\"0x9 WAKEUP\"},{\"t_ms\":-1.25,\"cpu\":0,\"event\":\"sched_switch\"}]}]");
	t->repro = rp;
}

static char *slurp(const char *path)
{
	char *s = NULL;
	size_t n;

	return read_file(path, &s, &n) ? NULL : s;
}

/* The JSON between the data script's tags. */
static char *data_of(const char *page)
{
	const char *a = page ? strstr(page, "id=\"ktstr-data\">") : NULL;
	const char *b = a ? strstr(a, "</script>") : NULL;

	if (!b)
		return NULL;
	a += strlen("id=\"ktstr-data\">");
	return strndup(a, b - a);
}

static int failed_err;
static void on_fail(void *ctx, const char *path, int err)
{
	(void)ctx;
	(void)path;
	failed_err = err;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/ktstr-test-html.XXXXXX";
	struct test_result *t1, *t2;
	struct report *r;
	_cleanup_free_ char *path = NULL, *page = NULL, *data = NULL, *why = NULL;
	json_t *j, *cdf;

	tap_plan(15);
	if (!mkdtemp(dir))
		return 99;
	path = xasprintf("%s/report.html", dir);
	t1 = result("evil</script><!--x/a", TEST_FAIL);
	t2 = result("evil</script><!--x/b", TEST_PASS);
	add_payload(&t1->runs[0]);
	add_repro(t1);

	r = report__new(&(struct report_opts){ .html = path, .quiet = true });
	report__begin(r, 2);
	report__test_done(r, t1);
	page = slurp(path);
	data = data_of(page);
	tap_ok(data && strstr(data, "\"complete\":false") && strstr(data, "\"ntests\":2"),
	       "rewritten after the first test, marked incomplete");
	tap_ok(page && strstr(page, "Chart.js v"), "Chart.js is inlined");
	tap_ok(data && !strchr(data, '<'), "no '<' in the data script: '</script>' cannot end it");
	j = data ? json_loads(data, 0, NULL) : NULL;
	tap_is_str(j ? json_string_value(json_object_get(json_array_get(json_object_get(j, "tests"), 0),
							 "name")) : NULL,
		   "evil</script><!--x/a", "the name reads back intact from the escaped JSON");
	cdf = json_object_get(json_array_get(json_object_get(json_array_get(
		json_object_get(j, "tests"), 0), "runs"), 0), "wake_cdf");
	tap_is_int(json_integer_value(json_object_get(json_array_get(cdf, 0), "samples")), 1000,
		   "wake samples pooled per cgroup");
	tap_ok(json_array_size(json_object_get(json_array_get(cdf, 0), "points")) <= 201 &&
	       json_real_value(json_array_get(json_array_get(json_object_get(json_array_get(cdf, 0),
									     "points"), 100), 0)) > 400,
	       "CDF reduced to quantiles, median near 500 us");
	tap_ok(page && !strstr(page, "\"wake_ns\""), "raw wake samples are not embedded");
	{
		json_t *p = json_array_get(json_object_get(json_array_get(json_object_get(
			json_array_get(json_object_get(j, "tests"), 0), "runs"), 0), "bpf_progs"), 0);

		tap_ok(str_eq(json_string_value(json_object_get(p, "name")), "ktstr_dispatch") &&
		       json_integer_value(json_object_get(p, "verified_insns")) == 801000 &&
		       json_is_true(json_object_get(p, "near_limit")) &&
		       page && strstr(page, "'% of 1M limit'"),
		       "the scheduler's BPF programs and their table are in the page");
	}
	{
		json_t *t = json_array_get(json_object_get(j, "tests"), 0);
		json_t *p = json_array_get(json_object_get(json_array_get(json_object_get(t, "runs"), 0),
							   "payloads"), 0);
		json_t *c = json_array_get(json_object_get(p, "checks"), 1);
		json_t *a = json_object_get(t, "auto_repro");
		json_t *ev = json_object_get(json_array_get(json_object_get(a, "task_events"), 0), "events");

		tap_ok(str_eq(json_string_value(json_object_get(c, "check")), "max 10") &&
		       str_eq(json_string_value(json_object_get(c, "verdict")), "failed") &&
		       json_is_true(json_object_get(json_object_get(p, "exit_check"), "ok")) &&
		       page && strstr(page, "'polarity', 'check', 'verdict'"),
		       "the payloads' metrics with their checks and verdicts, and their table, are in the page");
		tap_ok(str_eq(json_string_value(json_object_get(a, "rerun")), "FAIL: stall") &&
		       json_array_size(ev) == 2 &&
		       str_eq(json_string_value(json_object_get(json_array_get(ev, 0), "callback")), "enqueue") &&
		       page && strstr(page, "auto-repro: rerun "),
		       "the auto-repro rerun and its per-task events, and their section, are in the page");
	}
	json_decref(j);
	free(page);
	free(data);

	report__test_done(r, t2);
	tap_is_int(report__end(r), 0, "report end succeeds");
	page = slurp(path);
	data = data_of(page);
	tap_ok(data && strstr(data, "\"complete\":true") && strstr(data, "evil\\u003c/script>\\u003c!--x/b"),
	       "final page is complete and holds both tests");
	/* html-fixture.sh opens this page in a browser */
	if (argc > 1 && (!page || write_file_atomic(argv[1], page, strlen(page)))) {
		fprintf(stderr, "test-html: cannot write %s\n", argv[1]);
		return 1;
	}
	report__free(r);

	setenv("KTSTR_CHARTJS", "/nonexistent/chart.min.js", 1);
	tap_is_int(report_html__check(&why), -ENOENT, "report_html__check without Chart.js");
	tap_ok(why && strstr(why, "libjs-chart.js") && strstr(why, "/nonexistent/chart.min.js"),
	       "missing Chart.js named with its package: %s", why ? why : "");
	r = report__new(&(struct report_opts){ .html = path, .quiet = true, .write_failed = on_fail });
	report__begin(r, 1);
	report__test_done(r, t1);
	tap_ok(report__end(r) == -ENOENT && failed_err == -ENOENT, "a report without Chart.js fails");
	report__free(r);

	test_result__free(t1);
	test_result__free(t2);
	free(t1);
	free(t2);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
