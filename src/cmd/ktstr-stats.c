// SPDX-License-Identifier: GPL-2.0-only
/* ktstr-stats: look at ktstr-run results; "compare A B" is an A/B regression gate. */
#include <errno.h>
#include <getopt.h>

#include "report/compare.h"
#include "report/report.h"

enum { OPT_POLICY = 0x100, OPT_JSON, OPT_JUNIT, OPT_HTML, OPT_VERSION };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ktstr-stats compare [options] A B\n"
		"Compare two ktstr-run results directories: tests paired by name, each metric\n"
		"averaged over repeats and judged under the dual gate (absolute and relative).\n"
		"\n"
		"options:\n"
		"  --policy FILE   per-metric gates: {\"default_percent\": N,\n"
		"                  \"per_metric_percent\": {...}, \"per_metric_abs\": {...}}\n"
		"  --json          the comparison as JSON on stdout (instead of text)\n"
		"  --junit FILE    write JUnit XML (a test with a regression is a failure)\n"
		"  --html FILE     write a self-contained HTML page drawing B against A\n"
		"  -h, --help / --version\n"
		"\n"
		"exit status: 0 no regression, 1 a regression, 2 usage or input error.\n");
}

static int cmd_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "junit", required_argument, NULL, OPT_JUNIT },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *policy = NULL, *junit = NULL, *html = NULL;
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
	ret = compare__run(argv[optind], argv[optind + 1], &pol, &c, &why);
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

/* Subcommands: one row each. */
static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} subcommands[] = {
	{ "compare", cmd_compare },
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (str_eq(argv[1], "-h") || str_eq(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (str_eq(argv[1], "--version")) {
		printf("ktstr-stats %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
		if (str_eq(argv[1], subcommands[i].name))
			return subcommands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "ktstr-stats: unknown command '%s' (known: compare)\n", argv[1]);
	return 2;
}
