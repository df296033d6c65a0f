// SPDX-License-Identifier: GPL-2.0-only
/* The cost model of a test and the measured times of an earlier run (cost.h). */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <sys/stat.h>

#include "spec/cost.h"
#include "spec/spec.h"

/*
 * Seconds from QEMU start to the agent's hello of a spec run under TCG
 * (single-threaded, PVH boot, the Debian 7.3.4 cloud kernel) on the 2-core
 * host shared by 8 builds. Calibrated on 2026-12-07 on 237 spec runs
 * (result.json runs[].boot_ns of ~/.local/share/ktstr/runs/ and /tmp
 * results dirs; snapshot restores left out): median boot 7.9 s at 2 vCPUs
 * (88 runs), 10.0 s at 4 (125), 13.8 s at 8 (13), so 0.98 s more per vCPU
 * (BOOT_PER_VCPU_S: all vCPUs share one host thread). No spec run had more
 * than 8 vCPUs: from 16 up the rows are the --topo-only table (README,
 * "Boot time by vCPU count": 16, 64, 80, 128 vCPUs in 7.4, 21.2, 62.5,
 * 129.5 s) plus what a spec run's boot took over --topo-only's at 8 vCPUs
 * (TOPO_ONLY_GAP_S: 13.8 s against 5.8 s). Between rows it is linear; past
 * the last row it grows with the last two rows' slope (252 vCPUs: ~310 s).
 */
#define BOOT_2_S 7.9
#define BOOT_PER_VCPU_S 0.98
#define TOPO_ONLY_GAP_S 8.0
static const struct {
	unsigned cpus;
	double boot_s;
} boot_table[] = {
	{ 1, BOOT_2_S - BOOT_PER_VCPU_S },
	{ 2, BOOT_2_S },
	{ 4, BOOT_2_S + 2 * BOOT_PER_VCPU_S },
	{ 8, BOOT_2_S + 6 * BOOT_PER_VCPU_S },
	{ 16, 7.4 + TOPO_ONLY_GAP_S },
	{ 64, 21.2 + TOPO_ONLY_GAP_S },
	{ 80, 62.5 + TOPO_ONLY_GAP_S },
	{ 128, 129.5 + TOPO_ONLY_GAP_S },
};

/*
 * The rest of a test, from the 60 of those runs that kept a timings.json:
 * host preparation (initramfs, plan) 0.05 s median, 0.26 s mean (0.4-1 s
 * when the initramfs is rebuilt); the run phase (settle, the scheduler's
 * attach, the workload, the agent's report) the workload's duration +
 * 0.87 s median, with no per-second overhead (the medians for 1, 2, 3, 4
 * and 6 s workloads are 0.4-1.1 s over their duration, not growing with
 * it: the workload runs on the guest's clock); writing the result 0.11 s;
 * power-off 0.04 s.
 */
#define COST_PREP_S 0.3
#define COST_RUN_OVERHEAD_S (0.87 + 0.11)
#define COST_RUN_PER_S 1.0		/* wall seconds per second of workload */
#define COST_TEARDOWN_S 0.05

double spec_cost__boot_s(unsigned cpus)
{
	size_t n = ARRAY_SIZE(boot_table), i;

	if (cpus <= boot_table[0].cpus)
		return boot_table[0].boot_s;
	for (i = 1; i < n - 1 && cpus > boot_table[i].cpus; i++)
		;
	/* rows i-1 and i bracket cpus, or are the last two for an extrapolation */
	return boot_table[i - 1].boot_s +
	       (boot_table[i].boot_s - boot_table[i - 1].boot_s) *
		       (double)(cpus - boot_table[i - 1].cpus) /
		       (boot_table[i].cpus - boot_table[i - 1].cpus);
}

double spec_test__cost_s(const struct spec_test *t)
{
	unsigned repeats = t->repeats ? t->repeats : 1;
	double one = spec_cost__boot_s(spec_topology__cpus(&t->topology)) +
		     COST_RUN_PER_S * t->duration_ns / NSEC_PER_SEC + COST_RUN_OVERHEAD_S +
		     COST_TEARDOWN_S;

	return COST_PREP_S + repeats * one;
}

struct spec_timing {
	char *name;
	double s;
};

struct spec_timings {
	struct spec_timing *v;
	size_t n;
};

static void timings_add(struct spec_timings *tm, const char *name, double s)
{
	struct spec_timing *e = array_push(&tm->v, &tm->n, sizeof(*tm->v));

	e->name = xstrdup(name);
	e->s = s;
}

/* One test's result.json: its name and elapsed_ns. A file without them is skipped. */
static void timings_add_result(struct spec_timings *tm, const char *path)
{
	json_t *root = json_load_file(path, 0, NULL);
	json_t *name = json_object_get(root, "name"), *ns = json_object_get(root, "elapsed_ns");

	if (json_is_string(name) && json_is_integer(ns) && json_integer_value(ns) > 0)
		timings_add(tm, json_string_value(name), json_integer_value(ns) / 1e9);
	json_decref(root);
}

static int timings_load_dir(struct spec_timings *tm, const char *path, char **err)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (!d) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;

		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s/result.json", path, de->d_name);
		if (access(p, R_OK) == 0)
			timings_add_result(tm, p);
	}
	closedir(d);
	if (!tm->n) {
		*err = xasprintf("%s: no <test>/result.json with a name and elapsed_ns in it "
				 "(give an earlier --results-dir, or a JSON object {\"test\": seconds})",
				 path);
		return -ENOENT;
	}
	return 0;
}

static int timings_load_file(struct spec_timings *tm, const char *path, char **err)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je), *v;
	const char *k;

	if (!root) {
		*err = xasprintf("%s:%d:%d: %s", path, je.line, je.column, je.text);
		return -EINVAL;
	}
	if (json_is_object(root) && json_object_get(root, "kind") &&
	    json_is_integer(json_object_get(root, "elapsed_ns"))) {
		json_decref(root);	/* one result.json */
		timings_add_result(tm, path);
		return 0;
	}
	if (!json_is_object(root)) {
		*err = xasprintf("%s: expected a JSON object {\"test name\": seconds}", path);
		json_decref(root);
		return -EINVAL;
	}
	json_object_foreach(root, k, v) {
		if (!json_is_number(v) || json_number_value(v) < 0) {
			*err = xasprintf("%s: \"%s\": expected seconds (a number >= 0)", path, k);
			json_decref(root);
			return -EINVAL;
		}
		timings_add(tm, k, json_number_value(v));
	}
	json_decref(root);
	return 0;
}

int spec_timings__load(const char *path, struct spec_timings **out, char **err)
{
	struct spec_timings *tm = xcalloc(1, sizeof(*tm));
	struct stat st;
	int ret;

	*out = NULL;
	if (stat(path, &st)) {
		ret = -errno;
		*err = xasprintf("%s: %s", path, strerror(errno));
		spec_timings__free(tm);
		return ret;
	}
	ret = S_ISDIR(st.st_mode) ? timings_load_dir(tm, path, err) :
				    timings_load_file(tm, path, err);
	if (ret) {
		spec_timings__free(tm);
		return ret;
	}
	*out = tm;
	return 0;
}

double spec_timings__get(const struct spec_timings *tm, const char *name)
{
	for (size_t i = 0; tm && i < tm->n; i++)
		if (str_eq(tm->v[i].name, name))
			return tm->v[i].s;
	return -1;
}

size_t spec_timings__count(const struct spec_timings *tm)
{
	return tm ? tm->n : 0;
}

void spec_timings__free(struct spec_timings *tm)
{
	if (!tm)
		return;
	for (size_t i = 0; i < tm->n; i++)
		free(tm->v[i].name);
	free(tm->v);
	free(tm);
}

double spec_test__estimate_s(const struct spec_test *t, const char *name,
			     const struct spec_timings *tm, bool *measured)
{
	double s = spec_timings__get(tm, name ? name : t->name);

	if (measured)
		*measured = s >= 0;
	return s >= 0 ? s : spec_test__cost_s(t);
}
