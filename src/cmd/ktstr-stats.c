// SPDX-License-Identifier: GPL-2.0-only
/*
 * ktstr-stats: look at ktstr-run results: "list" and "show RUN" read the
 * kept runs (--runs-dir), "compare A B" is an A/B regression gate.
 */
#include <errno.h>
#include <getopt.h>

#include "cmd/cmd.h"
#include "report/compare.h"
#include "report/report.h"

enum { OPT_POLICY = 0x100, OPT_JSON, OPT_JUNIT, OPT_HTML, OPT_VERSION, OPT_RUNS_DIR };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ktstr-stats list [--runs-dir DIR]\n"
		"       ktstr-stats show [--runs-dir DIR] RUN\n"
		"       ktstr-stats compare [options] A B\n"
		"list: the runs ktstr-run kept (--runs-dir DIR, else $KTSTR_RUNS_DIR, else\n"
		"$XDG_DATA_HOME/ktstr/runs); show: one run's context and verdicts. RUN, A and B\n"
		"are a directory or a run's name in the runs directory (as list prints it).\n"
		"\n"
		"compare: two ktstr-run results directories: tests paired by name and dimensions\n"
		"(preset, profile, kernel), each metric averaged over repeats and judged under\n"
		"the dual gate (absolute and relative); first, what differs in the runs' context.\n"
		"\n"
		"options:\n"
		"  --policy FILE   per-metric gates: {\"default_percent\": N,\n"
		"                  \"per_metric_percent\": {...}, \"per_metric_abs\": {...}}\n"
		"  --json          the comparison as JSON on stdout (instead of text)\n"
		"  --junit FILE    write JUnit XML (a test with a regression is a failure)\n"
		"  --html FILE     write a self-contained HTML page drawing B against A\n"
		"  --runs-dir DIR  where run names are looked up\n"
		"  -h, --help / --version\n"
		"\n"
		"exit status: 0 no regression, 1 a regression, 2 usage or input error.\n");
}

static int stats_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "junit", required_argument, NULL, OPT_JUNIT },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "runs-dir", required_argument, NULL, OPT_RUNS_DIR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *policy = NULL, *junit = NULL, *html = NULL, *runs_dir = NULL;
	_cleanup_free_ char *root = NULL, *dir_a = NULL, *dir_b = NULL;
	struct compare_policy pol;
	struct compare c;
	_cleanup_free_ char *why = NULL;
	bool json = false;
	int ch, ret, status = 2;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_POLICY: policy = optarg; break;
		case OPT_JSON: json = true; break;
		case OPT_JUNIT: junit = optarg; break;
		case OPT_HTML: html = optarg; break;
		case OPT_RUNS_DIR: runs_dir = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "ktstr-stats compare: want two results directories, A and B\n");
		usage(stderr);
		return 2;
	}
	if (html && report_html__check(&why)) {
		fprintf(stderr, "ktstr-stats compare: --html: %s\n", why);
		return 2;
	}
	compare_policy__defaults(&pol);
	if (policy && compare_policy__load(&pol, policy, &why)) {
		fprintf(stderr, "ktstr-stats compare: --policy: %s\n", why);
		compare_policy__free(&pol);
		return 2;
	}
	(void)runs__root(runs_dir, &root);
	dir_a = runs__resolve(root, argv[optind]);
	dir_b = runs__resolve(root, argv[optind + 1]);
	ret = compare__run(dir_a ?: argv[optind], dir_b ?: argv[optind + 1], &pol, &c, &why);
	if (ret) {
		fprintf(stderr, "ktstr-stats compare: %s\n", why);
		goto out;
	}
	if (json) {
		_cleanup_free_ char *doc = compare__json(&c);

		if (!doc || fprintf(stdout, "%s\n", doc) < 0) {
			fprintf(stderr, "ktstr-stats compare: stdout: %s\n", strerror(doc ? errno : ENOMEM));
			goto out;
		}
	} else {
		compare__text(&c, stdout);
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "ktstr-stats compare: stdout: %s\n", strerror(errno ?: EIO));
		goto out;
	}
	if (junit && (ret = compare__write_junit(&c, junit))) {
		fprintf(stderr, "ktstr-stats compare: %s: %s\n", junit, strerror(-ret));
		goto out;
	}
	if (html && (ret = compare__write_html(&c, html))) {
		fprintf(stderr, "ktstr-stats compare: %s: %s\n", html, strerror(-ret));
		goto out;
	}
	status = c.regressions ? 1 : 0;
out:
	compare__free(&c);
	compare_policy__free(&pol);
	return status;
}

/* list and show: their options, and the runs root they read. */
static int runs_args(const char *cmd, int argc, char **argv, int want, char **root)
{
	static const struct option opts[] = {
		{ "runs-dir", required_argument, NULL, OPT_RUNS_DIR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *runs_dir = NULL;
	int ch;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_RUNS_DIR: runs_dir = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != want) {
		fprintf(stderr, "ktstr-stats %s: %s\n", cmd, want ? "want one run: a name from "
			"'ktstr-stats list' or a directory" : "takes no arguments");
		return 2;
	}
	if (runs__root(runs_dir, root) || !*root) {
		if (want)	/* show DIR works without a runs directory */
			return -1;
		fprintf(stderr, "ktstr-stats %s: no runs directory: give --runs-dir DIR (neither "
			"$KTSTR_RUNS_DIR, $XDG_DATA_HOME nor $HOME is set, or it is 'none')\n", cmd);
		return 2;
	}
	return -1;
}

static int stats_list(int argc, char **argv)
{
	_cleanup_free_ char *root = NULL, *why = NULL;
	int ret = runs_args("list", argc, argv, 0, &root);

	if (ret >= 0)
		return ret;
	if (runs__list(root, stdout, &why)) {
		fprintf(stderr, "ktstr-stats list: %s\n", why);
		return 2;
	}
	return fflush(stdout) || ferror(stdout) ? 2 : 0;
}

static int stats_show(int argc, char **argv)
{
	_cleanup_free_ char *root = NULL, *why = NULL, *dir = NULL;
	int ret = runs_args("show", argc, argv, 1, &root);

	if (ret >= 0)
		return ret;
	dir = runs__resolve(root, argv[optind]);
	if (!dir) {
		fprintf(stderr, "ktstr-stats show: '%s' is neither a directory nor a run in %s "
			"('ktstr-stats list' names them)\n", argv[optind], root ?: "(no runs directory)");
		return 2;
	}
	if (runs__show(dir, stdout, &why)) {
		fprintf(stderr, "ktstr-stats show: %s\n", why);
		return 2;
	}
	return fflush(stdout) || ferror(stdout) ? 2 : 0;
}

/* Subcommands: one row each. */
static const struct cmd_sub subcommands[] = {
	{ "list", stats_list },
	{ "show", stats_show },
	{ "compare", stats_compare },
};

int main(int argc, char **argv)
{
	return cmd__subcommand("ktstr-stats", subcommands, ARRAY_SIZE(subcommands), usage, argc, argv);
}
