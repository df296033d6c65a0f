// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runs inside a test VM (started by tests/workload/vm-lib.sh): parses each
 * spec file given, runs each of its tests with workload__run() under a real cgroup v2
 * root, and prints one "WL-RESULT name {telemetry}" line per test on stdout,
 * plus "WL-LEFTOVER" lines if a cgroup or a worker process survived teardown.
 * The host side checks the telemetry with check-telemetry.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "spec/spec.h"
#include "workload/workload.h"

#define CG_ROOT "/sys/fs/cgroup/ktstr"
/* Keep console lines short: a few samples are enough for the checks. */
#define PRINT_WAKE_MAX 200

static void on_event(void *ctx, const struct timeline_event *ev)
{
	fprintf(stderr, "WL-EVENT %.3f %s %s %s\n", ev->at_ns / 1e9, event_kind_name(ev->kind),
		ev->label, ev->detail);
}

/* Cgroup directories left under the root, and processes other than us and our parent. */
static int leftovers(void)
{
	DIR *d = opendir(CG_ROOT);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d))) {
		if (de->d_type == DT_DIR && de->d_name[0] != '.') {
			printf("WL-LEFTOVER cgroup %s/%s\n", CG_ROOT, de->d_name);
			n++;
		}
	}
	if (d)
		closedir(d);
	d = opendir("/proc");
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *path = NULL, *stat = NULL;
		long pid = strtol(de->d_name, NULL, 10);
		char *p;

		if (pid <= 1 || pid == getpid() || pid == getppid())
			continue;
		path = xasprintf("/proc/%ld/stat", pid);
		if (read_file(path, &stat, NULL))
			continue;
		/* kernel threads have ppid 2 (kthreadd) or are kthreadd itself */
		p = strrchr(stat, ')');
		if (p && (strtol(p + 4, NULL, 10) == 2 || pid == 2))
			continue;
		printf("WL-LEFTOVER process %s", stat);
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

static void run_one(const struct spec_test *t, const struct topo *topo,
		    const struct workload_hooks *hooks)
{
	struct telemetry tm;
	char *json;
	int ret;

	ret = workload__run(t, topo, CG_ROOT, hooks, &tm);
	for (size_t w = 0; w < tm.nworkers; w++)
		tm.workers[w].nwake = MIN(tm.workers[w].nwake, PRINT_WAKE_MAX);
	json = telemetry__to_json(&tm);
	printf("WL-RESULT %s %d %s\n", t->name, ret, json);
	printf("WL-LEFTOVERS %s %d\n", t->name, leftovers());
	free(json);
	telemetry__free(&tm);
}

int main(int argc, char **argv)
{
	struct workload_hooks hooks = { .event = on_event };
	struct diag_list diags = { 0 };
	struct topo topo;
	char *err = NULL;
	int ret;

	if (argc < 2) {
		fprintf(stderr, "usage: vm-driver SPEC...\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	mkdir("/sys/fs/cgroup", 0755);
	if (mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL) && errno != EBUSY)
		printf("WL-ERROR mount cgroup2: %s\n", strerror(errno));
	write_file("/sys/fs/cgroup/cgroup.subtree_control", "+cpuset +cpu", 12);
	ret = topo__from_sysfs("/sys", &topo, &err);
	if (ret) {
		printf("WL-ERROR topology: %s\n", err);
		return 1;
	}
	for (int a = 1; a < argc; a++) {
		struct spec_file *sf = NULL;

		ret = spec_file__load(argv[a], SPEC_FORMAT_AUTO, &sf, &diags);
		if (ret) {
			diag_print(&diags, stdout);
			printf("WL-ERROR spec %s: %d\n", argv[a], ret);
			diag_free(&diags);
			spec_file__free(sf);
			continue;
		}
		diag_free(&diags);
		for (size_t i = 0; i < sf->ntests; i++)
			run_one(&sf->tests[i], &topo, &hooks);
		spec_file__free(sf);
	}
	return 0;
}
