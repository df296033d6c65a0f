// SPDX-License-Identifier: GPL-2.0-only
/*
 * ktstr-report: reports over results already written; "merge" joins the
 * results directories of a sharded run (ktstr-run --shard) into the report
 * and exit status one machine running everything would have given.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>

#include "cmd/cmd.h"
#include "report/merge.h"
#include "report/report.h"

enum { OPT_OUT = 0x100, OPT_TAP, OPT_JUNIT, OPT_HTML };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ktstr-report merge [options] DIR... --out OUT\n"
		"Join the results directories of every shard of one list (ktstr-run --shard)\n"
		"into one report, checking each shard is there once and all cut from one list.\n"
		"\n"
		"options:\n"
		"  --out OUT       write OUT/results.json (every test's verdict and shard),\n"
		"                  OUT/timings.json (for ktstr-run --timings) and OUT/junit.xml\n"
		"  --tap           TAP 14 on stdout (the summary goes to stderr)\n"
		"  --junit FILE    JUnit XML here instead of OUT/junit.xml\n"
		"  --html FILE     a self-contained HTML report\n"
		"  -q, --quiet     only the summary\n"
		"  -h, --help / --version\n"
		"\n"
		"exit status: as ktstr-run's over the whole list (0, 1, 77, 99); 2 usage error,\n"
		"or shards missing, duplicated or from another list.\n");
}

static void merge_write_failed(void *ctx, const char *path, int err)
{
	unsigned *errors = ctx;

	(*errors)++;
	fprintf(stderr, "ktstr-report: cannot write %s: %s\n", path, write_error_str(err));
}

/* OUT/results.json and OUT/timings.json: 0 or -errno (*path says which failed). */
static int write_merged_json(const struct merge *m, const char *out, char **path)
{
	json_t *tests = json_array(), *times = json_object(), *shards = json_array(), *root;
	_cleanup_free_ char *text = NULL, *ttext = NULL;
	int ret;

	for (size_t i = 0; i < m->nshards; i++)
		json_array_append_new(shards, json_pack("{s:i, s:s, s:s?, s:s?}", "shard",
			(int)m->shards[i].index, "dir", m->shards[i].dir, "engine",
			m->shards[i].engine, "kernel", m->shards[i].kernel));
	for (size_t i = 0; i < m->ntests; i++) {
		const struct test_result *t = m->tests[i];

		json_t *o = json_pack("{s:s, s:s, s:s?, s:i, s:s, s:I}", "name",
			t->name, "status", test_status_name(t->status), "reason", t->reason,
			"shard", (int)m->test_shard[i], "dir", t->results_dir,
			"elapsed_ns", (json_int_t)t->elapsed_ns);

		/* a FLAKY test's failed attempts, as the shard's result.json had them */
		if (t->nattempts)
			json_object_set_new(o, "attempts", report__attempts_json(t));
		json_array_append_new(tests, o);
		if (t->elapsed_ns)
			json_object_set_new(times, t->name, json_real(t->elapsed_ns / 1e9));
	}
	root = json_pack("{s:s, s:i, s:s, s:I, s:o, s:o}", "kind", "ktstr-merge", "version", 1,
			 "list_hash", m->hash, "list_count", (json_int_t)m->ntests,
			 "shards", shards, "tests", tests);
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	ttext = json_dumps(times, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	json_decref(times);
	*path = xasprintf("%s/results.json", out);
	ret = text ? write_file_atomic(*path, text, strlen(text)) : -ENOMEM;
	if (ret)
		return ret;
	free(*path);
	*path = xasprintf("%s/timings.json", out);
	return ttext ? write_file_atomic(*path, ttext, strlen(ttext)) : -ENOMEM;
}

static int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, OPT_OUT },
		{ "tap", no_argument, NULL, OPT_TAP },
		{ "junit", required_argument, NULL, OPT_JUNIT },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *junit = NULL, *html = NULL;
	_cleanup_free_ char *why = NULL, *junit_def = NULL, *path = NULL;
	struct report_opts ro = { .no_records = true, .color = isatty(2) };
	struct merge m;
	struct report *rep;
	unsigned write_errors = 0;
	int ch, ret, status;

	while ((ch = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_OUT: out = optarg; break;
		case OPT_TAP: ro.tap = true; break;
		case OPT_JUNIT: junit = optarg; break;
		case OPT_HTML: html = optarg; break;
		case 'q': ro.quiet = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!out || !*out || optind >= argc) {
		fprintf(stderr, "ktstr-report merge: want the shards' results directories and "
			"--out DIR\n");
		usage(stderr);
		return 2;
	}
	if (html && report_html__check(&why)) {
		fprintf(stderr, "ktstr-report merge: --html: %s\n", why);
		return 2;
	}
	ret = merge__load(&m, argv + optind, argc - optind, &why);
	if (ret) {
		fprintf(stderr, "ktstr-report merge: %s\n", why);
		merge__free(&m);
		return 2;
	}
	ret = mkdir_p(out, 0755);
	if (ret) {
		fprintf(stderr, "ktstr-report merge: %s: %s\n", out, strerror(-ret));
		merge__free(&m);
		return 99;
	}
	if (!ro.quiet)
		fprintf(stderr, "ktstr-report merge: %zu shards of list %.12s, %zu tests\n",
			m.nshards, m.hash, m.ntests);
	junit_def = xasprintf("%s/junit.xml", out);
	ro.junit = junit ?: junit_def;
	ro.html = html;
	ro.results_dir = out;
	ro.write_failed = merge_write_failed;
	ro.ctx = &write_errors;
	rep = report__new(&ro);
	report__begin(rep, m.ntests);
	for (size_t i = 0; i < m.ntests; i++)
		report__test_done(rep, m.tests[i]);
	report__end(rep);
	report__free(rep);
	ret = write_merged_json(&m, out, &path);
	if (ret)
		merge_write_failed(&write_errors, path, ret);
	status = write_errors ? 99 :
		 test_results__exit_code((const struct test_result *const *)m.tests, m.ntests);
	merge__free(&m);
	return status;
}

/* Subcommands: one row each. */
static const struct cmd_sub subcommands[] = {
	{ "merge", cmd_merge },
};

int main(int argc, char **argv)
{
	return cmd__subcommand("ktstr-report", subcommands, ARRAY_SIZE(subcommands), usage, argc, argv);
}
