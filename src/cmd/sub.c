// SPDX-License-Identifier: GPL-2.0-only
/* The subcommand front of ktstr-report and ktstr-stats: one table, one dispatch. */
#include "cmd/cmd.h"

int cmd__subcommand(const char *prog, const struct cmd_sub *subs, size_t n,
		    void (*usage)(FILE *f), int argc, char **argv)
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
		printf("%s %s\n", prog, PACKAGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (str_eq(argv[1], subs[i].name))
			return subs[i].run(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s' (known:", prog, argv[1]);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s %s", i ? "," : "", subs[i].name);
	fprintf(stderr, ")\n");
	return 2;
}
