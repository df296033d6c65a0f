// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a comparison needs to know of a run and of each test: the ktstr
 * build, the host, the start time (once per ktstr-run), and per test the
 * kernel release and cache key and the scheduler's identity, down to the
 * sha256 of every file its plugin packs into the guest (an exec'd binary).
 * The commit is `git describe` at build time (src/cmd/Makefile.inc).
 */
#include <errno.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/commit.h"
#include "kernel/kernel.h"
#include "result/result.h"
#include "plugin/loader.h"
#include "spec/spec.h"

/* ISO 8601 UTC of a wall-clock time, malloc'd; compact (no separators) for a directory name. */
char *run_context__time(time_t t, bool compact)
{
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), compact ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

/* /proc/cpuinfo's first "model name", or NULL (not x86, or unreadable). */
static char *cpu_model(void)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[512], *model = NULL;

	if (!f)
		return NULL;
	while (!model && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!str_startswith(line, "model name") || !colon)
			continue;
		colon += 1 + strspn(colon + 1, " \t");
		colon[strcspn(colon, "\n")] = 0;
		model = xstrdup(colon);
	}
	fclose(f);
	return model;
}

void run_context__collect(struct run_context *c, time_t started, bool kvm)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	memset(c, 0, sizeof(*c));
	c->run_id = run_context__time(started, true);
	c->started_at = run_context__time(started, false);
	c->version = xstrdup(PACKAGE_VERSION);
	c->commit = KTSTR_COMMIT[0] ? xstrdup(KTSTR_COMMIT) : NULL;
	c->cpu_model = cpu_model();
	c->cpus = n > 0 ? (unsigned)n : 1;
	c->accel = xstrdup(kvm ? "kvm" : "tcg");
}

static char *sha256_or_null(const char *path)
{
	char sum[65];

	return path && kernel__sha256_memo(path, sum) >= 0 ? xstrdup(sum) : NULL;
}

/* guest_files' callback: each file the plugin packs, hashed on the host. */
static int add_sched_file(void *ctx, const char *host_path, const char *guest_name)
{
	struct test_result *res = ctx;
	struct result_file *f = array_push(&res->sched_files, &res->nsched_files, sizeof(*f));

	f->name = xstrdup(guest_name);
	f->path = xstrdup(host_path);
	f->sha256 = sha256_or_null(host_path);
	return 0;
}

void run_context__test(struct test_result *res, const struct kernel_image *k,
		       const struct plugin *p, const struct spec_test *t)
{
	if (k) {
		res->kernel_release = k->version ? xstrdup(k->version) : NULL;
		res->kernel_key = k->key ? xstrdup(k->key) : NULL;
	}
	if (!p)
		return;
	res->plugin_path = p->path ? xstrdup(p->path) : NULL;
	res->plugin_sha256 = sha256_or_null(p->path);
	if (t && p->ops->guest_files)
		(void)p->ops->guest_files((const char *const *)t->sched.flags,
					  (const char *const *)t->sched.args, add_sched_file, res);
}
