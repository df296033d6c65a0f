// SPDX-License-Identifier: GPL-2.0-only
/*
 * A test driver for the spec subsystem: runs the lint/list/dry-run commands
 * without ktstr-run, prints a case's diagnostics and plan, and dumps the key,
 * work type and threshold tables for the man page test.
 */
#include "cmd/cmd.h"
#include "spec/spec.h"

static int usage(void)
{
	fprintf(stderr, "usage: spec-tool lint|list|dry-run [-E REGEX] SPEC...\n"
		"       spec-tool case SPEC        diagnostics and plan, for tests/spec/cases\n"
		"       spec-tool keys|worktypes|thresholds\n");
	return 2;
}

/* Diagnostics and the plan (built-in relaxed defaults + spec layer, no plugin) on stdout. */
static int run_case(const char *path)
{
	struct diag_list dl = {};
	struct spec_file *sf = NULL;
	struct cmd_plugins plugins = { 0 };
	/* profiles read the plugin's flags as ktstr-run does (plugin__inspect: no plugin code runs) */
	struct spec_options opt = { .plugin_flags = cmd__plugin_flags, .ctx = &plugins };
	int r = spec_file__load_opts(path, SPEC_FORMAT_AUTO, &opt, &sf, &dl);

	diag_sort(&dl);
	diag_print(&dl, stdout);
	if (!r) {
		for (size_t i = 0; i < sf->ntests; i++) {
			struct thresholds m;

			thresholds__defaults(&m, true);
			thresholds__merge(&m, &sf->tests[i].assert, THR_LAYER_SPEC);
			if (i)
				putchar('\n');
			spec_test__print_plan(&sf->tests[i], &m, stdout);
			if (spec_file__find(sf, sf->tests[i].name) != &sf->tests[i])
				printf("error: spec_file__find(%s) finds another test\n", sf->tests[i].name);
		}
	}
	printf("status %d\n", r ? 1 : 0);
	diag_free(&dl);
	spec_file__free(sf);
	cmd_plugins__free(&plugins);
	return 0;
}

int main(int argc, char **argv)
{
	struct run_opts o = { .accel = ACCEL_TCG };
	const char *cmd;
	int i = 2;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	if (!strcmp(cmd, "keys")) {
		spec_keys__print(stdout);
		return 0;
	}
	if (!strcmp(cmd, "worktypes")) {
		for (unsigned w = 0; w < WORK__COUNT; w++) {
			printf("%s %s", worktype_table[w].name, worktype_table[w].snake);
			for (unsigned p = 0; p < worktype_table[w].nparams; p++)
				printf(" %s", worktype_table[w].params[p].name);
			putchar('\n');
		}
		return 0;
	}
	if (!strcmp(cmd, "thresholds")) {
		for (unsigned t = 0; t < THR__COUNT; t++)
			printf("%s\n", threshold_table[t].name);
		return 0;
	}
	if (!strcmp(cmd, "case"))
		return argc == 3 ? run_case(argv[2]) : usage();
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-E") && i + 1 < argc)
			o.filter = argv[++i];
		else if (!strcmp(argv[i], "--strict"))
			o.strict_thresholds = true;
		else if (!strcmp(argv[i], "-q"))
			o.quiet = true;
		else
			return usage();
	}
	o.specs = argv + i;
	o.nspecs = argc - i;
	if (!strcmp(cmd, "lint"))
		return cmd_lint(&o);
	if (!strcmp(cmd, "list"))
		return cmd_list(&o);
	if (!strcmp(cmd, "dry-run"))
		return cmd_dry_run(&o);
	return usage();
}
