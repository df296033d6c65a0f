// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kept runs: every ktstr-run keeps its tests' result.json files in a
 * directory of its own under the runs directory (--runs-dir), named by its
 * start time and never overwritten, with a run.json that says what ran,
 * where and on what. --results-dir is the working directory of the latest
 * run (console logs, artifacts; the next run replaces it); the runs
 * directory is the history ktstr-stats list, show and compare read.
 */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "report/internal.h"
#include "spec/spec.h"
#include "util/path.h"

#define RUN_FORMAT_VERSION 1

int runs__root(const char *opt, char **out)
{
	const char *env = getenv("KTSTR_RUNS_DIR"), *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");

	*out = NULL;
	if (!opt || !*opt)
		opt = env && *env ? env : NULL;
	if (opt)
		*out = str_eq(opt, "none") ? NULL : xstrdup(opt);
	else if (xdg && xdg[0] == '/')
		*out = xasprintf("%s/ktstr/runs", xdg);
	else if (home && *home)
		*out = xasprintf("%s/.local/share/ktstr/runs", home);
	else
		return -ENOENT;
	return 0;
}

int runs__create(const char *root, const char *id, char **dir)
{
	int ret = mkdir_p(root, 0755);

	*dir = NULL;
	if (ret)
		return ret;
	/* two runs that start in the same second: the second one gets -2, and so on */
	for (unsigned n = 1; n < 1000; n++) {
		char *d = n == 1 ? xasprintf("%s/%s", root, id) : xasprintf("%s/%s-%u", root, id, n);

		if (!mkdir(d, 0755)) {
			*dir = d;
			return 0;
		}
		ret = -errno;
		free(d);
		if (ret != -EEXIST)
			return ret;
	}
	return -EEXIST;
}

char *runs__resolve(const char *root, const char *run)
{
	struct stat st;

	if (!stat(run, &st) && S_ISDIR(st.st_mode))
		return xstrdup(run);
	if (root && !strchr(run, '/')) {
		char *d = xasprintf("%s/%s", root, run);

		if (!stat(d, &st) && S_ISDIR(st.st_mode))
			return d;
		free(d);
	}
	return NULL;
}

/* run.json: the run's context, where its artifacts are, and each finished test's verdict. */
static int write_run_json(struct report *r, bool complete)
{
	_cleanup_free_ char *path = xasprintf("%s/run.json", r->o.run_dir), *text = NULL;
	json_t *tests = json_array(), *root;
	unsigned counts[TEST_FLAKY + 1] = { 0 };
	_cleanup_free_ char *results = r->o.results_dir ? realpath(r->o.results_dir, NULL) : NULL;

	for (size_t i = 0; i < r->nresults; i++) {
		const struct test_result *t = r->results[i];
		_cleanup_free_ char *dir = spec_test__dir_name(t->name ?: "");
		const char *reason = report_reason(t);

		counts[t->status]++;
		json_array_append_new(tests, json_pack("{s:s, s:s, s:s*, s:s, s:I}",
			"name", t->name ?: "", "status", test_status_name(t->status),
			"reason", reason, "dir", dir, "elapsed_ns", (json_int_t)t->elapsed_ns));
	}
	root = json_pack("{s:s, s:i, s:b, s:o, s:s*, s:i, s:o, s:{s:i, s:i, s:i, s:i, s:i, s:i}}",
		"kind", "ktstr-run", "version", RUN_FORMAT_VERSION, "complete", complete,
		"context", report_json_run_context(r->o.context),
		"results_dir", results ?: r->o.results_dir, "planned", (int)r->ntests, "tests", tests,
		"counts", "pass", counts[TEST_PASS], "fail", counts[TEST_FAIL],
		"skip", counts[TEST_SKIP], "error", counts[TEST_ERROR],
		"timeout", counts[TEST_TIMEOUT], "flaky", counts[TEST_FLAKY]);
	if (!root)
		return report_failed(r, path, -EINVAL);
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(root);
	if (!text)
		return report_failed(r, path, -ENOMEM);
	int ret = write_file_atomic(path, text, strlen(text));

	return ret ? report_failed(r, path, ret) : 0;
}

static bool runs_enabled(const struct report_opts *o)
{
	return o->run_dir != NULL;
}

/* Written at the start (complete: false), so an interrupted run is listed too. */
static int runs_begin(struct report *r)
{
	return write_run_json(r, false);
}

/* The test's result.json, kept beside the others of this run. */
static int runs_test(struct report *r, const struct test_result *t)
{
	_cleanup_free_ char *san = spec_test__dir_name(t->name ?: ""), *dir = NULL, *path = NULL;
	int ret;

	if (path_join_under(r->o.run_dir, san, &dir))
		return report_failed(r, r->o.run_dir, -EINVAL);
	ret = mkdir_p(dir, 0755);
	path = xasprintf("%s/result.json", dir);
	if (!ret)
		ret = report__write_json(t, t->spec, path);
	return ret ? report_failed(r, path, ret) : 0;
}

static int runs_end(struct report *r)
{
	return write_run_json(r, true);
}

const struct report_format report_runs_format = {
	.name = "runs",
	.writes = "run.json and each test's result.json in the run's directory under --runs-dir",
	.enabled = runs_enabled,
	.begin = runs_begin,
	.test = runs_test,
	.end = runs_end,
	.cut = true,
};

/* ---- reading kept runs (ktstr-stats list, show) ---------------------- */

json_t *report_json_at(json_t *o, const char *path)
{
	char key[64];

	while (o && *path) {
		size_t n = strcspn(path, ".");

		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		o = json_object_get(o, key);
		path += n + (path[n] == '.');
	}
	return o;
}

static const char *jget_str(json_t *o, const char *path)
{
	json_t *v = report_json_at(o, path);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int run_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int runs__list(const char *root, FILE *f, char **why)
{
	struct dirent **v = NULL;
	int n = scandir(root, &v, NULL, run_cmp), shown = 0;

	if (n < 0) {
		*why = xasprintf("%s: %s", root, strerror(errno));
		return -errno;
	}
	fprintf(f, "%-20s %-20s %5s %4s %4s %4s %4s  %s\n", "RUN", "STARTED", "TESTS", "PASS",
		"FAIL", "SKIP", "ERR", "KTSTR / HOST");
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s/run.json", root, v[i]->d_name);
		json_t *j = v[i]->d_name[0] == '.' ? NULL : json_load_file(path, 0, NULL);
		json_t *c = j ? json_object_get(j, "counts") : NULL;
		const char *commit = j ? jget_str(j, "context.ktstr.commit") : NULL;

		free(v[i]);
		if (!j)
			continue;
		fprintf(f, "%-20s %-20s %5zu %4" JSON_INTEGER_FORMAT " %4" JSON_INTEGER_FORMAT
			" %4" JSON_INTEGER_FORMAT " %4" JSON_INTEGER_FORMAT "  %s%s%s / %s %s%s\n",
			jget_str(j, "context.run_id") ?: "?",
			jget_str(j, "context.started_at") ?: "?",
			json_array_size(json_object_get(j, "tests")),
			json_integer_value(json_object_get(c, "pass")) +	/* FLAKY passed, as in the summary */
			json_integer_value(json_object_get(c, "flaky")),
			json_integer_value(json_object_get(c, "fail")),
			json_integer_value(json_object_get(c, "skip")),
			json_integer_value(json_object_get(c, "error")) +
			json_integer_value(json_object_get(c, "timeout")),
			jget_str(j, "context.ktstr.version") ?: "?", commit ? " " : "", commit ?: "",
			jget_str(j, "context.host.accel") ?: "?",
			jget_str(j, "context.host.cpu_model") ?: "",
			json_is_true(json_object_get(j, "complete")) ? "" : " (incomplete)");
		shown++;
		json_decref(j);
	}
	free(v);
	if (!shown)
		fprintf(f, "(no runs kept in %s)\n", root);
	return 0;
}

int runs__show(const char *dir, FILE *f, char **why)
{
	_cleanup_free_ char *path = xasprintf("%s/run.json", dir);
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e), *tests, *t;
	size_t i;

	if (!j) {
		*why = xasprintf("%s:%d: %s (want a run directory under --runs-dir)", path, e.line,
				 e.text);
		return -EINVAL;
	}
	fprintf(f, "run %s, started %s%s\n", jget_str(j, "context.run_id") ?: "?",
		jget_str(j, "context.started_at") ?: "?",
		json_is_true(json_object_get(j, "complete")) ? "" : " (incomplete: interrupted or still running)");
	fprintf(f, "ktstr %s (%s)\n", jget_str(j, "context.ktstr.version") ?: "?",
		jget_str(j, "context.ktstr.commit") ?: "no commit recorded");
	fprintf(f, "host: %s, %" JSON_INTEGER_FORMAT " CPUs, %s\n",
		jget_str(j, "context.host.cpu_model") ?: "unknown CPU",
		json_integer_value(json_object_get(json_object_get(json_object_get(j, "context"),
								   "host"), "cpus")),
		jget_str(j, "context.host.accel") ?: "?");
	fprintf(f, "artifacts: %s (until a later run writes to the same --results-dir)\n\n",
		jget_str(j, "results_dir") ?: "?");
	tests = json_object_get(j, "tests");
	json_array_foreach(tests, i, t) {
		_cleanup_free_ char *rpath = xasprintf("%s/%s/result.json", dir,
						       jget_str(t, "dir") ?: "");
		json_t *res = json_load_file(rpath, 0, NULL);
		const char *reason = jget_str(t, "reason");

		fprintf(f, "%-7s %s", jget_str(t, "status") ?: "?", jget_str(t, "name") ?: "?");
		if (res)
			fprintf(f, "  [kernel %s, sched %s]", jget_str(res, "context.kernel.release") ?: "?",
				jget_str(res, "context.scheduler.plugin") ?: "?");
		fprintf(f, "%s%s\n", reason ? ": " : "", reason ?: "");
		json_decref(res);
	}
	json_decref(j);
	return 0;
}
