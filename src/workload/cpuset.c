// SPDX-License-Identifier: GPL-2.0-only
/* Cpuset specs resolved against the guest's topology, by the spec's resolver. */
#include "workload/internal.h"

int cpuset__resolve(const struct spec_cpuset *cs, const struct topo *t, struct cpumask *out,
		    char **err)
{
	struct spec_layout l;

	topo__layout(t, &l);
	return spec_cpuset__resolve(cs, &l, out, err);
}
