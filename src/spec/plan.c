// SPDX-License-Identifier: GPL-2.0-only
/* The resolved plan of one test, as --dry-run prints it. */
#include "spec/spec.h"

uint64_t spec_test__vm_memory_mb(const struct spec_test *t)
{
	uint64_t cpus_mb = (uint64_t)spec_topology__cpus(&t->topology) * 64;

	return MAX(MAX(t->memory_mb, cpus_mb), 256);
}

unsigned spec_topology__usable_cpus(const struct spec_topology *t)
{
	unsigned n = spec_topology__cpus(t);

	return n > 2 ? n - 1 : n;
}

void spec_test__print_plan(const struct spec_test *t, const struct thresholds *merged, FILE *f)
{
	char buf[64];

	fprintf(f, "test %s\n", t->name);
	fprintf(f, "  topology %s\n", spec_topology__label(&t->topology, buf, sizeof(buf)));
}
