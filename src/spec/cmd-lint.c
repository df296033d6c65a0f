// SPDX-License-Identifier: GPL-2.0-only
/* ktstr-run --lint, --dry-run and --list: the spec commands (these print). */
#include "cmd/cmd.h"
#include "spec/spec.h"

int cmd_lint(const struct run_opts *o)
{
	int bad = 0;

	for (size_t i = 0; i < o->nspecs; i++) {
		struct diag_list dl = {};
		struct spec_file *sf;

		if (spec_file__load(o->specs[i], SPEC_FORMAT_AUTO, &sf, &dl))
			bad = 1;
		diag_sort(&dl);
		diag_print(&dl, stderr);
		diag_free(&dl);
		spec_file__free(sf);
	}
	return bad;
}

int cmd_dry_run(const struct run_opts *o)
{
	return cmd_lint(o);
}

int cmd_list(const struct run_opts *o)
{
	return cmd_lint(o);
}
