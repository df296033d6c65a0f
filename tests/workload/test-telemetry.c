// SPDX-License-Identifier: GPL-2.0-only
/* The telemetry JSON: encode, decode, compare field by field; bad input rejected. */
#include <errno.h>

#include "tap.h"
#include "proto/telemetry.h"

static void fill(struct telemetry *t)
{
	struct worker_report *w;
	struct timeline_event *e;

	memset(t, 0, sizeof(*t));
	t->duration_ns = 2 * NSEC_PER_SEC + 17;
	t->nworkers = 2;
	t->workers = xcalloc(2, sizeof(*t->workers));
	for (int i = 0; i < 2; i++) {
		w = &t->workers[i];
		w->pid = 100 + i;
		w->index = i;
		w->cgroup = xstrdup(i ? "cg_1/sub" : "cg_0");
		w->type = i ? WORK_FUTEX_FAN_OUT : WORK_CPU_SPIN;
		w->work_units = 123456789012ULL + i;
		w->iterations = 4242 + i;
		w->cpu_time_ns = 1900000000ULL;
		w->wall_time_ns = 2000000000ULL;
		w->off_cpu_ns = 100000000ULL;
		w->start_ns = 5000 + i;
		w->max_gap_ns = 3500000;
		w->max_gap_cpu = 1;
		w->max_gap_at_ns = 1200000000ULL;
		w->migration_count = 3;
		w->nmigrations = 2;
		w->migrations = xcalloc(2, sizeof(*w->migrations));
		w->migrations[0] = (struct migration){ 10, 0, 1 };
		w->migrations[1] = (struct migration){ 20, 1, 3 };
		cpumask_parse("0-1,3", &w->cpus_used);
		w->nwake = 3;
		w->wake_ns = xcalloc(3, sizeof(*w->wake_ns));
		w->wake_ns[0] = 1000, w->wake_ns[1] = 5000, w->wake_ns[2] = 90000;
		w->wake_sample_total = 7;
		w->schedstat_run_delay_ns = 55;
		w->schedstat_run_count = 66;
		w->schedstat_cpu_time_ns = 77;
		w->numa_pages[1] = 512;
		w->numa_pages_migrated = 9;
		w->is_messenger = i == 1;
		w->completed = i == 0;
		w->exit_status = i ? 9 : 0;
		cpumask_parse("0-3", &w->allowed);
	}
	t->nevents = 1;
	t->events = xcalloc(1, sizeof(*t->events));
	e = &t->events[0];
	e->at_ns = 700000000ULL;
	e->kind = EVT_OP;
	e->step = 1;
	e->label = xstrdup("set_cpuset");
	e->detail = xstrdup("'cg_0' cpuset \"llc 1\" = 2-3\nline two");
	e->error = -EBUSY;
	t->error = xstrdup("partial");
}

static bool same_worker(const struct worker_report *a, const struct worker_report *b)
{
	return a->pid == b->pid && a->index == b->index && str_eq(a->cgroup, b->cgroup) &&
	       a->type == b->type && a->work_units == b->work_units && a->iterations == b->iterations &&
	       a->cpu_time_ns == b->cpu_time_ns && a->wall_time_ns == b->wall_time_ns &&
	       a->off_cpu_ns == b->off_cpu_ns && a->start_ns == b->start_ns &&
	       a->max_gap_ns == b->max_gap_ns && a->max_gap_cpu == b->max_gap_cpu &&
	       a->max_gap_at_ns == b->max_gap_at_ns && a->migration_count == b->migration_count &&
	       a->nmigrations == b->nmigrations &&
	       !memcmp(a->migrations, b->migrations, a->nmigrations * sizeof(*a->migrations)) &&
	       cpumask_equal(&a->cpus_used, &b->cpus_used) && a->nwake == b->nwake &&
	       !memcmp(a->wake_ns, b->wake_ns, a->nwake * sizeof(*a->wake_ns)) &&
	       a->wake_sample_total == b->wake_sample_total &&
	       a->schedstat_run_delay_ns == b->schedstat_run_delay_ns &&
	       a->schedstat_run_count == b->schedstat_run_count &&
	       a->schedstat_cpu_time_ns == b->schedstat_cpu_time_ns &&
	       !memcmp(a->numa_pages, b->numa_pages, sizeof(a->numa_pages)) &&
	       a->numa_pages_migrated == b->numa_pages_migrated && a->is_messenger == b->is_messenger &&
	       a->completed == b->completed && a->exit_status == b->exit_status &&
	       cpumask_equal(&a->allowed, &b->allowed);
}

static int decode(const char *s, struct telemetry *t, char **err)
{
	return telemetry__from_json(s, strlen(s), t, err);
}

int main(void)
{
	struct telemetry a, b;
	struct wake_stats ws;
	uint64_t samples[100];
	char *json, *json2, *err = NULL;
	int ret;

	tap_plan(14);
	fill(&a);
	json = telemetry__to_json(&a);
	ret = decode(json, &b, &err);
	tap_ok(!ret, "decodes its own output%s%s", err ? ": " : "", err ? err : "");
	tap_ok(!ret && b.duration_ns == a.duration_ns && str_eq(b.error, a.error), "top level fields");
	tap_ok(!ret && b.nworkers == 2 && same_worker(&a.workers[0], &b.workers[0]) &&
	       same_worker(&a.workers[1], &b.workers[1]), "every worker field survives");
	tap_ok(!ret && b.nevents == 1 && b.events[0].at_ns == a.events[0].at_ns &&
	       b.events[0].kind == EVT_OP && b.events[0].step == 1 &&
	       str_eq(b.events[0].label, "set_cpuset") && str_eq(b.events[0].detail, a.events[0].detail) &&
	       b.events[0].error == -EBUSY, "event fields survive (quotes, newline)");
	json2 = telemetry__to_json(&b);
	tap_is_str(json2, json, "re-encoding is byte-identical");
	tap_ok(strstr(json, "\"version\":1") != NULL, "version is written");
	free(json2);
	telemetry__free(&b);

	ret = decode("{\"version\":2,\"duration_ns\":1}", &b, &err);
	tap_ok(ret == -EINVAL && err && strstr(err, "not supported"), "unknown version rejected: %s", err);
	free(err), err = NULL;
	ret = decode("{\"version\":1,\"duration_ns\":1,\"workers\":[{\"type\":\"Nope\",\"work_units\":1,"
		     "\"cpu_time_ns\":1,\"wall_time_ns\":1}]}", &b, &err);
	tap_ok(ret == -EINVAL && err && strstr(err, "$.workers[0].type"), "bad work type located: %s", err);
	free(err), err = NULL;
	ret = decode("{\"version\":1,\"duration_ns\":1,\"workers\":[{\"type\":\"cpu_spin\","
		     "\"cpu_time_ns\":1,\"wall_time_ns\":1}]}", &b, &err);
	tap_ok(ret == -EINVAL && err && strstr(err, "work_units: missing"), "missing field named: %s", err);
	free(err), err = NULL;
	ret = decode("{\"version\":1,", &b, &err);
	tap_ok(ret == -EINVAL && err, "truncated JSON rejected: %s", err);
	free(err), err = NULL;
	telemetry__free(&a);

	for (int i = 0; i < 100; i++)
		samples[i] = (i + 1) * 10;
	wake_stats__compute(samples, 100, &ws);
	tap_ok(ws.p50 == 500 && ws.p99 == 990 && ws.max == 1000, "p50 %lu p99 %lu max %lu",
	       (unsigned long)ws.p50, (unsigned long)ws.p99, (unsigned long)ws.max);
	tap_ok(ws.cv > 0.57 && ws.cv < 0.59, "cv %.4f", ws.cv);
	wake_stats__compute(samples, 1, &ws);
	tap_ok(ws.p50 == 10 && ws.p99 == 10 && ws.cv == 0, "one sample");
	wake_stats__compute(NULL, 0, &ws);
	tap_ok(ws.n == 0 && ws.max == 0, "no samples");
	free(json);
	return tap_done();
}
