// SPDX-License-Identifier: GPL-2.0-only
/* The result model: status names, worst-of, details, freeing, automake exit codes. */
#include <inttypes.h>
#include <stdarg.h>

#include "proto/msg.h"
#include "result/result.h"
#include "util/jdec.h"

static const char *const status_names[] = {
	[TEST_PASS] = "PASS", [TEST_SKIP] = "SKIP", [TEST_FAIL] = "FAIL",
	[TEST_ERROR] = "ERROR", [TEST_TIMEOUT] = "TIMEOUT", [TEST_FLAKY] = "FLAKY",
};

const char *test_status_name(enum test_status s)
{
	return (unsigned)s < ARRAY_SIZE(status_names) ? status_names[s] : "?";
}

static const char *const detail_names[] = {
	[DETAIL_STARVED] = "starved",
	[DETAIL_STUCK] = "stuck",
	[DETAIL_UNFAIR] = "unfair",
	[DETAIL_ISOLATION] = "isolation",
	[DETAIL_BENCHMARK] = "benchmark",
	[DETAIL_MIGRATION] = "migration",
	[DETAIL_PAGE_LOCALITY] = "page_locality",
	[DETAIL_CROSS_NODE_MIGRATION] = "cross_node_migration",
	[DETAIL_SLOW_TIER] = "slow_tier",
	[DETAIL_MONITOR] = "monitor",
	[DETAIL_SCHEDULER_DIED] = "scheduler_died",
	[DETAIL_CONSOLE] = "console",
	[DETAIL_SKIP] = "skip",
	[DETAIL_OTHER] = "other",
};

const char *detail_kind_name(enum detail_kind k)
{
	return (unsigned)k < ARRAY_SIZE(detail_names) ? detail_names[k] : "?";
}

/* Severity order for worst-of; the enum order is not the severity order. */
static int status_rank(enum test_status s)
{
	switch (s) {
	case TEST_PASS: return 0;
	case TEST_FLAKY: return 1;	/* passed in the end, but less well than a PASS */
	case TEST_SKIP: return 1;
	case TEST_FAIL: return 2;
	case TEST_TIMEOUT: return 3;
	case TEST_ERROR: return 4;
	}
	return 4;
}

enum test_status test_status_worst(enum test_status a, enum test_status b)
{
	return status_rank(a) >= status_rank(b) ? a : b;
}

void run_result__add_detail(struct run_result *r, enum detail_kind kind, const char *check,
			    const char *cgroup, const char *fmt, ...)
{
	struct result_detail *d;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	d = array_push(&r->details, &r->ndetails, sizeof(*d));
	d->kind = kind;
	d->check = check ? xstrdup(check) : NULL;
	d->cgroup = cgroup ? xstrdup(cgroup) : NULL;
	d->message = msg;
}

static void cgroup_stats__free(struct cgroup_stats *c)
{
	free(c->name);
}

void run_payload__free(struct run_payload *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nmetrics; i++)
		free(p->metrics[i].name);
	free(p->metrics);
	for (size_t i = 0; i < p->nchecks; i++) {
		free(p->checks[i].metric);
		free(p->checks[i].check);
	}
	free(p->checks);
	free(p->name);
	free(p->cgroup);
	free(p->stream);
	free(p->why);
	memset(p, 0, sizeof(*p));
}

void run_result__free(struct run_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ndetails; i++) {
		free(r->details[i].check);
		free(r->details[i].cgroup);
		free(r->details[i].message);
	}
	free(r->details);
	for (size_t i = 0; i < r->ncgroups; i++)
		cgroup_stats__free(&r->cgroups[i]);
	free(r->cgroups);
	telemetry__free(&r->telemetry);
	free(r->phase);
	free(r->monitor.state);
	free(r->monitor.summary);
	monitor_series__free(&r->monitor.series);
	free(r->monitor.events_why);
	free(r->monitor.events_state);
	free(r->monitor.dsq_state);
	free(r->monitor.wc_state);
	msg_bpf_progs__free(r->progs, r->nprogs);
	free(r->monitor.watchdog_override);
	telemetry__free(&r->baseline.tel);
	for (size_t i = 0; i < r->baseline.ncgroups; i++)
		cgroup_stats__free(&r->baseline.cgroups[i]);
	free(r->baseline.cgroups);
	for (size_t i = 0; i < r->baseline.nratios; i++)
		free(r->baseline.ratios[i].cgroup);
	free(r->baseline.ratios);
	for (size_t i = 0; i < r->npayloads; i++)
		run_payload__free(&r->payloads[i]);
	free(r->payloads);
	memset(r, 0, sizeof(*r));
}

void monitor_series__free(struct monitor_series *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].cpu);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

void monitor_series__copy(const struct monitor_series *s, struct monitor_series *out)
{
	*out = *s;
	out->events_why = out->dsq_why = NULL;
	out->v = xcalloc(s->n, sizeof(*out->v));
	for (size_t i = 0; i < s->n; i++) {
		out->v[i] = s->v[i];
		out->v[i].cpu = xcalloc(s->ncpus, sizeof(*out->v[i].cpu));
		memcpy(out->v[i].cpu, s->v[i].cpu, s->ncpus * sizeof(*out->v[i].cpu));
	}
}

void run_context__free(struct run_context *c)
{
	if (!c)
		return;
	free(c->run_id);
	free(c->started_at);
	free(c->version);
	free(c->commit);
	free(c->cpu_model);
	free(c->accel);
	memset(c, 0, sizeof(*c));
}

void test_repro__free(struct test_repro *r)
{
	if (!r)
		return;
	free(r->trigger);
	free(r->rerun);
	free(r->error);
	jdec_strv_free(r->probed);
	jdec_strv_free(r->refused);
	free(r->dir);
	free(r->text_path);
	free(r->json_path);
	free(r->tasks_json);
	memset(r, 0, sizeof(*r));
}

void test_result__free(struct test_result *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nruns; i++)
		run_result__free(&t->runs[i]);
	free(t->runs);
	free(t->name);
	free(t->spec_path);
	free(t->reason);
	free(t->kernel);
	free(t->accel);
	free(t->topology);
	free(t->scheduler);
	free(t->results_dir);
	free(t->console_tail);
	free(t->auto_repro);
	test_repro__free(t->repro);
	free(t->repro);
	free(t->started_at);
	free(t->kernel_release);
	free(t->kernel_key);
	free(t->plugin_path);
	free(t->plugin_sha256);
	for (size_t i = 0; i < t->nsched_files; i++) {
		free(t->sched_files[i].name);
		free(t->sched_files[i].path);
		free(t->sched_files[i].sha256);
	}
	free(t->sched_files);
	for (size_t i = 0; i < t->nattempts; i++) {
		free(t->attempts[i].reason);
		free(t->attempts[i].dir);
	}
	free(t->attempts);
	memset(t, 0, sizeof(*t));
}

bool test_status__retry(enum test_status s, unsigned attempts, unsigned retries)
{
	if (s != TEST_FAIL && s != TEST_ERROR && s != TEST_TIMEOUT)
		return false;
	return attempts <= retries;
}

void test_result__push_attempt(struct test_result *t, char *dir, uint64_t elapsed_ns)
{
	struct test_attempt *a = array_push(&t->attempts, &t->nattempts, sizeof(*a));

	a->status = t->status;
	a->reason = TAKE_PTR(t->reason);
	a->dir = dir;
	a->elapsed_ns = elapsed_ns;
	for (size_t i = 0; i < t->nruns; i++)
		run_result__free(&t->runs[i]);
	free(t->runs);
	t->runs = NULL;
	t->nruns = 0;
	free(t->console_tail);
	t->console_tail = NULL;
	t->status = TEST_PASS;
}

void test_result__settle(struct test_result *t)
{
	const struct test_attempt *a = t->nattempts ? &t->attempts[0] : NULL;

	if (!a || t->status != TEST_PASS)
		return;
	t->status = TEST_FLAKY;
	free(t->reason);
	t->reason = xasprintf("passed on attempt %zu; attempt 1: %s%s%s", t->nattempts + 1,
			      test_status_name(a->status), a->reason ? ": " : "", a->reason ?: "");
}

/*
 * automake's test protocol: 0 pass, 77 skip, 99 hard error, anything else
 * fail. A mix of passes and skips passes; ERROR/TIMEOUT outrank FAIL because
 * a harness failure says nothing about the scheduler.
 */
int test_results__exit_code(const struct test_result *const *v, size_t n)
{
	bool any_fail = false, any_error = false, all_skip = n > 0;

	for (size_t i = 0; i < n; i++) {
		switch (v[i]->status) {
		case TEST_PASS:
		case TEST_FLAKY:
			all_skip = false;
			break;
		case TEST_SKIP:
			break;
		case TEST_FAIL:
			any_fail = true;
			all_skip = false;
			break;
		case TEST_ERROR:
		case TEST_TIMEOUT:
			any_error = true;
			all_skip = false;
			break;
		}
	}
	if (any_error)
		return 99;
	if (any_fail)
		return 1;
	if (all_skip)
		return 77;
	return 0;
}

double result_verifier__pct(uint32_t verified_insns)
{
	return (double)verified_insns * 100.0 / VERIFIER_INSN_LIMIT;
}

char *result_verifier__warning(const struct msg_bpf_prog *p)
{
	double pct = result_verifier__pct(p->verified_insns);

	if (pct < VERIFIER_WARN_PCT)
		return NULL;
	return xasprintf("%s: %.1f%% of 1M limit (%" PRIu32 " verified insns)", p->name ?: "?",
			 pct, p->verified_insns);
}
