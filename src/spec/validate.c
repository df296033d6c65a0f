// SPDX-License-Identifier: GPL-2.0-only
/* The table-driven validator: one key table turns a node tree into a spec_test. */
#include "spec/spec-int.h"

void spec_validate(const char *file, const struct node *root, const char *default_name,
		   struct spec_test *t, struct diag_list *diags)
{
	const struct node *n = node__get(root, "name");

	t->name = xstrdup(n && n->kind == NODE_SCALAR ? n->value : default_name);
	t->topology = (struct spec_topology){ .numa_nodes = 1, .llcs = 1, .cores = 2, .threads = 1 };
	t->memory_mb = 2048;
	t->duration_ns = 2 * NSEC_PER_SEC;
	t->repeats = 1;
	t->workers_per_cgroup = 2;
	t->sched.plugin = xstrdup("eevdf");
}
