// SPDX-License-Identifier: GPL-2.0-only
/* Cpuset specs resolved against a topology, with ktstr's partition arithmetic. */
#include <errno.h>
#include <math.h>

#include "workload/internal.h"

/* usable[lo, hi) as a mask (positions in the usable list, not CPU ids). */
static void slice(const struct cpumask *usable, size_t lo, size_t hi, struct cpumask *out)
{
	cpumask_zero(out);
	for (size_t i = lo; i < hi; i++) {
		int cpu = cpumask_nth(usable, i);

		if (cpu >= 0)
			cpumask_set(out, cpu);
	}
}

static int fail(char **err, char *msg)
{
	if (err)
		*err = msg;
	else
		free(msg);
	return -EINVAL;
}

int cpuset__resolve(const struct spec_cpuset *cs, const struct topo *t, struct cpumask *out,
		    char **err)
{
	struct cpumask usable, all, extra;
	size_t n, chunk, lo, hi, overlap;
	char buf[256];

	topo__usable(t, &usable);
	topo__all(t, &all);
	n = cpumask_weight(&usable);
	cpumask_zero(out);
	switch (cs->kind) {
	case CPUSET_NONE:
		*out = all;
		return 0;
	case CPUSET_LLC:
		if (cs->index >= t->nllcs)
			return fail(err, xasprintf("llc %u out of range: topology has %u LLCs",
						   cs->index, t->nllcs));
		*out = t->llc_cpus[cs->index];
		return 0;
	case CPUSET_NUMA:
		if (cs->index >= t->nnodes)
			return fail(err, xasprintf("numa %u out of range: topology has %u NUMA nodes",
						   cs->index, t->nnodes));
		*out = t->node_cpus[cs->index];
		return 0;
	case CPUSET_RANGE:
		if (!isfinite(cs->start) || !isfinite(cs->end))
			return fail(err, xasprintf("range start (%g) or end (%g) is not finite",
						   cs->start, cs->end));
		if (cs->start < 0.0 || cs->end > 1.0)
			return fail(err, xasprintf("range fractions must lie in [0.0, 1.0]: start=%g, end=%g",
						   cs->start, cs->end));
		if (cs->start >= cs->end)
			return fail(err, xasprintf("range start (%g) >= end (%g)", cs->start, cs->end));
		lo = (size_t)(n * cs->start);
		hi = (size_t)(n * cs->end);
		slice(&usable, MIN(lo, n), MAX(MIN(hi, n), MIN(lo, n)), out);
		break;
	case CPUSET_DISJOINT:
	case CPUSET_OVERLAP:
		if (cs->of == 0)
			return fail(err, xstrdup("partition count (of) must be > 0"));
		if (cs->index >= cs->of)
			return fail(err, xasprintf("index %u >= partition count %u", cs->index, cs->of));
		if (cs->kind == CPUSET_OVERLAP && (!isfinite(cs->frac) || cs->frac < 0 || cs->frac > 1))
			return fail(err, xasprintf("overlap frac (%g) must lie in [0.0, 1.0]", cs->frac));
		if (n < cs->of)
			return fail(err, xasprintf("not enough usable CPUs (%zu) for %u partitions",
						   n, cs->of));
		chunk = n / cs->of;
		overlap = cs->kind == CPUSET_OVERLAP ? (size_t)(chunk * cs->frac) : 0;
		lo = cs->index * chunk;
		lo = lo > overlap ? lo - overlap : 0;
		if (cs->index == 0)
			lo = 0;
		hi = cs->index == cs->of - 1 ? n : MIN((cs->index + 1) * chunk + overlap, n);
		slice(&usable, lo, hi, out);
		break;
	case CPUSET_EXACT:
		if (cpumask_empty(&cs->cpus))
			return fail(err, xstrdup("exact cpuset is empty: cpuset.cpus rejects an empty mask"));
		cpumask_andnot(&extra, &cs->cpus, &all);
		if (!cpumask_empty(&extra))
			return fail(err, xasprintf("exact cpuset contains CPU(s) %s outside the topology (CPUs 0-%u)",
						   cpumask_format(&extra, buf, sizeof(buf)),
						   t->ncpus ? t->ncpus - 1 : 0));
		*out = cs->cpus;
		return 0;
	default:
		return fail(err, xasprintf("unknown cpuset kind %d", cs->kind));
	}
	if (cpumask_empty(out))
		return fail(err, xasprintf("%s cpuset resolves to no CPUs (%zu usable)",
					   cpuset_kind_name(cs->kind), n));
	return 0;
}

char *cpuset__describe(const struct spec_cpuset *cs)
{
	char buf[512];

	switch (cs->kind) {
	case CPUSET_NONE:
		return xstrdup("none");
	case CPUSET_LLC:
		return xasprintf("llc %u", cs->index);
	case CPUSET_NUMA:
		return xasprintf("numa %u", cs->index);
	case CPUSET_RANGE:
		return xasprintf("range %g-%g", cs->start, cs->end);
	case CPUSET_DISJOINT:
		return xasprintf("disjoint %u/%u", cs->index, cs->of);
	case CPUSET_OVERLAP:
		return xasprintf("overlap %u/%u frac %g", cs->index, cs->of, cs->frac);
	case CPUSET_EXACT:
		return xasprintf("exact %s", cpumask_format(&cs->cpus, buf, sizeof(buf)));
	}
	return xstrdup("?");
}
