// SPDX-License-Identifier: GPL-2.0-only
/*
 * Assertions over a ktstr-run result file for the workload VM tests: it
 * decodes runs[0].telemetry with telemetry__from_json() and prints one TAP
 * line per assertion given on the command line:
 *
 *   check-telemetry RESULT.json ASSERTION...
 *     workers CG N          cgroup CG reported N workers
 *     progress CG           every worker of CG completed with work_units > 0
 *     oncpu CG PCT          every worker of CG was on-CPU at least PCT% of wall
 *     offcpu CG PCT         every worker of CG was off-CPU at least PCT% of wall
 *     wake CG N             every non-messenger worker of CG has >= N wake samples
 *     within CG CPULIST     every worker of CG used only CPUs in CPULIST
 *     isolated CG           every worker of CG used only CPUs of its cpuset.cpus.effective
 *     started-after CG LABEL  workers of CG started after the first event labelled LABEL
 *     migrated-after CG LABEL CPU  a worker of CG moved to CPU after that event
 *     moves-after CG LABEL N  each worker of CG migrated at most N times after LABEL
 *     event KIND LABEL      an event of that kind and label, without error
 *     detail LABEL TEXT     an event with that label whose detail contains TEXT
 *     numa CG NODE PCT      at least PCT% of each worker's pages are on NODE
 *     noerror               no workload error and no failed event
 *
 * CG "*" means every cgroup. Exit status: 0 when all passed.
 */
#include <errno.h>
#include <jansson.h>

#include "tap.h"
#include "proto/telemetry.h"

static struct telemetry tm;

static bool in_cg(const struct worker_report *w, const char *cg)
{
	return str_eq(cg, "*") || str_eq(w->cgroup, cg);
}

static const struct timeline_event *find_event(const char *label)
{
	for (size_t i = 0; i < tm.nevents; i++)
		if (str_eq(tm.events[i].label, label) && !tm.events[i].error)
			return &tm.events[i];
	return NULL;
}

static void dump_worker(const struct worker_report *w)
{
	char a[256], b[256];

	printf("#   %s[%d] %s pid %d units %llu iters %llu cpu %.0fms wall %.0fms wake %zu/%llu cpus %s allowed %s completed %d migr %llu",
	       w->cgroup, w->index, worktype_table[w->type].name, w->pid,
	       (unsigned long long)w->work_units, (unsigned long long)w->iterations,
	       w->cpu_time_ns / 1e6, w->wall_time_ns / 1e6, w->nwake,
	       (unsigned long long)w->wake_sample_total, cpumask_format(&w->cpus_used, a, sizeof(a)),
	       cpumask_format(&w->allowed, b, sizeof(b)), w->completed,
	       (unsigned long long)w->migration_count);
	printf(" numa");
	for (unsigned k = 0; k < 4; k++)
		printf(" %llu", (unsigned long long)w->numa_pages[k]);
	for (size_t m = 0; m < w->nmigrations && m < 8; m++)
		printf(" %.3fs:%d->%d", w->migrations[m].at_ns / 1e9, w->migrations[m].from_cpu,
		       w->migrations[m].to_cpu);
	putchar('\n');
}

/* Run pred over the workers of cg; ok when there is at least one and all pass. */
#define FOR_CG(cg, cond, ...) do { \
	size_t _n = 0, _bad = 0; \
	for (size_t _i = 0; _i < tm.nworkers; _i++) { \
		const struct worker_report *w = &tm.workers[_i]; \
		if (!in_cg(w, cg)) continue; \
		_n++; \
		if (!(cond)) { _bad++; dump_worker(w); } \
	} \
	tap_ok(_n && !_bad, __VA_ARGS__); \
} while (0)

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * a / b : 0;
}

static uint64_t numa_total(const struct worker_report *w)
{
	uint64_t n = 0;

	for (unsigned k = 0; k < TELEMETRY_MAX_NUMA_NODES; k++)
		n += w->numa_pages[k];
	return n;
}

static size_t moves_after(const struct worker_report *w, uint64_t at)
{
	size_t n = 0;

	for (size_t m = 0; m < w->nmigrations; m++)
		n += w->migrations[m].at_ns >= at;
	return n;
}

static int load(const char *path)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je), *runs, *tel;
	char *s, *err = NULL;
	int ret;

	if (!root) {
		printf("Bail out! %s: %s\n", path, je.text);
		return -EINVAL;
	}
	runs = json_object_get(root, "runs");
	tel = json_object_get(json_array_get(runs, json_array_size(runs) - 1), "telemetry");
	if (!json_is_object(tel)) {
		printf("Bail out! %s: no telemetry (status %s: %s)\n", path,
		       json_string_value(json_object_get(root, "status")),
		       json_string_value(json_object_get(root, "reason")));
		json_decref(root);
		return -ENOENT;
	}
	s = json_dumps(tel, JSON_COMPACT);
	ret = telemetry__from_json(s, strlen(s), &tm, &err);
	if (ret)
		printf("Bail out! %s: telemetry: %s\n", path, err);
	free(s);
	free(err);
	json_decref(root);
	return ret;
}

int main(int argc, char **argv)
{
	int i = 2;

	if (argc < 2 || load(argv[1]))
		return 1;
	for (size_t k = 0; k < tm.nevents; k++) {
		/* Multi-line details (payload output) stay inside the TAP comment. */
		for (char *nl; (nl = strchr(tm.events[k].detail, '\n'));)
			*nl = '|';
		printf("# %8.3fs %-14s %-14s %s%s\n", tm.events[k].at_ns / 1e9, event_kind_name(tm.events[k].kind),
		       tm.events[k].label, tm.events[k].detail, tm.events[k].error ? " (FAILED)" : "");
	}
	while (i < argc) {
		const char *a = argv[i++];
		const char *cg = i < argc ? argv[i] : "";

		if (str_eq(a, "workers") && i + 1 < argc) {
			size_t n = 0;

			for (size_t k = 0; k < tm.nworkers; k++)
				n += in_cg(&tm.workers[k], cg);
			tap_ok(n == strtoul(argv[i + 1], NULL, 10), "%s: %zu workers (want %s)", cg, n, argv[i + 1]);
			i += 2;
		} else if (str_eq(a, "progress")) {
			FOR_CG(cg, w->completed && w->work_units > 0, "%s: every worker completed with progress", cg);
			i += 1;
		} else if (str_eq(a, "oncpu") && i + 1 < argc) {
			double want = strtod(argv[i + 1], NULL);

			FOR_CG(cg, pct(w->cpu_time_ns, w->wall_time_ns) >= want,
			       "%s: on-CPU >= %g%% of wall", cg, want);
			i += 2;
		} else if (str_eq(a, "offcpu") && i + 1 < argc) {
			double want = strtod(argv[i + 1], NULL);

			FOR_CG(cg, pct(w->off_cpu_ns, w->wall_time_ns) >= want,
			       "%s: off-CPU >= %g%% of wall", cg, want);
			i += 2;
		} else if (str_eq(a, "wake") && i + 1 < argc) {
			size_t want = strtoul(argv[i + 1], NULL, 10);

			FOR_CG(cg, w->is_messenger || w->nwake >= want, "%s: >= %zu wake samples each", cg, want);
			i += 2;
		} else if (str_eq(a, "within") && i + 1 < argc) {
			struct cpumask m;

			cpumask_parse(argv[i + 1], &m);
			FOR_CG(cg, cpumask_subset(&w->cpus_used, &m) && !cpumask_empty(&w->cpus_used),
			       "%s: only CPUs %s used", cg, argv[i + 1]);
			i += 2;
		} else if (str_eq(a, "isolated")) {
			FOR_CG(cg, cpumask_subset(&w->cpus_used, &w->allowed) && !cpumask_empty(&w->allowed),
			       "%s: CPUs used within the granted cpuset", cg);
			i += 1;
		} else if (str_eq(a, "started-after") && i + 1 < argc) {
			const struct timeline_event *e = find_event(argv[i + 1]);
			uint64_t at = e ? e->at_ns : UINT64_MAX;

			FOR_CG(cg, e && w->start_ns >= at, "%s: started after '%s' (%.3fs)", cg, argv[i + 1],
			       e ? at / 1e9 : -1.0);
			i += 2;
		} else if (str_eq(a, "migrated-after") && i + 2 < argc) {
			const struct timeline_event *e = find_event(argv[i + 1]);
			int cpu = (int)strtol(argv[i + 2], NULL, 10);
			bool found = false;

			for (size_t k = 0; e && k < tm.nworkers; k++) {
				const struct worker_report *w = &tm.workers[k];

				for (size_t m = 0; in_cg(w, cg) && m < w->nmigrations; m++)
					found |= w->migrations[m].at_ns >= e->at_ns && w->migrations[m].to_cpu == cpu;
				if (in_cg(w, cg))
					dump_worker(w);
			}
			tap_ok(found, "%s: a migration to cpu %d after '%s' (%.3fs)", cg, cpu, argv[i + 1],
			       e ? e->at_ns / 1e9 : -1.0);
			i += 3;
		} else if (str_eq(a, "moves-after") && i + 2 < argc) {
			const struct timeline_event *e = find_event(argv[i + 1]);
			size_t max = strtoul(argv[i + 2], NULL, 10);

			FOR_CG(cg, e && moves_after(w, e->at_ns) <= max,
			       "%s: at most %zu migrations each after '%s'", cg, max, argv[i + 1]);
			i += 3;
		} else if (str_eq(a, "event") && i + 1 < argc) {
			bool found = false;

			for (size_t k = 0; k < tm.nevents; k++)
				found |= str_eq(event_kind_name(tm.events[k].kind), cg) &&
					 str_eq(tm.events[k].label, argv[i + 1]) && !tm.events[k].error;
			tap_ok(found, "event %s %s", cg, argv[i + 1]);
			i += 2;
		} else if (str_eq(a, "detail") && i + 1 < argc) {
			bool found = false;

			for (size_t k = 0; k < tm.nevents; k++)
				found |= str_eq(tm.events[k].label, cg) && strstr(tm.events[k].detail, argv[i + 1]);
			tap_ok(found, "an event '%s' mentions '%s'", cg, argv[i + 1]);
			i += 2;
		} else if (str_eq(a, "numa") && i + 2 < argc) {
			unsigned node = strtoul(argv[i + 1], NULL, 10);
			double want = strtod(argv[i + 2], NULL);

			FOR_CG(cg, node < TELEMETRY_MAX_NUMA_NODES &&
				   pct(w->numa_pages[node], numa_total(w)) >= want,
			       "%s: >= %g%% of pages on node %u", cg, want, node);
			i += 3;
		} else if (str_eq(a, "noerror")) {
			bool ok = !tm.error;

			for (size_t k = 0; k < tm.nevents; k++)
				ok &= !tm.events[k].error;
			tap_ok(ok, "no workload error%s%s", tm.error ? ": " : "", tm.error ? tm.error : "");
		} else {
			printf("Bail out! unknown assertion '%s'\n", a);
			return 1;
		}
	}
	telemetry__free(&tm);
	return tap_done();
}
