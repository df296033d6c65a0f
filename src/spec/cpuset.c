// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cpusets on a CPU layout: ktstr's usable-CPU rule, the layout of a spec
 * topology, the fit check, the resolution and the spec form of a cpuset.
 * Lint, --dry-run and the guest all go through here. Errors keep ktstr's
 * words where ktstr has them ("not enough usable CPUs (4) for 8
 * partitions", "index 3 >= partition count 3", "[0.0, 1.0]") and add the
 * topology and what would fit.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "spec/spec.h"

unsigned spec_usable_cpus(unsigned cpus)
{
	return cpus > 2 ? cpus - 1 : cpus;
}

unsigned spec_topology__usable_cpus(const struct spec_topology *t)
{
	return spec_usable_cpus(spec_topology__cpus(t));
}

unsigned spec_topology__llc_of(const struct spec_topology *t, unsigned cpu)
{
	return cpu / (t->cores * t->threads);
}

unsigned spec_topology__node_of_llc(const struct spec_topology *t, unsigned llc)
{
	return llc / (t->llcs / t->numa_nodes);
}

/* The counts are the spec's as written (lint checks against them); masks only for a sound shape. */
void spec_topology__layout(const struct spec_topology *t, struct spec_layout *l)
{
	uint64_t cpus = (uint64_t)t->llcs * t->cores * t->threads;

	memset(l, 0, sizeof(*l));
	spec_topology__label(t, l->label, sizeof(l->label));
	l->cpus = spec_topology__cpus(t);
	l->usable = spec_usable_cpus(l->cpus);
	l->llcs = t->llcs;
	l->cpu_nodes = t->numa_nodes;
	l->nodes = spec_topology__nodes(t);
	l->valid = t->numa_nodes && t->llcs && t->cores && t->threads && !(t->llcs % t->numa_nodes) &&
		   cpus <= KTSTR_MAX_CPUS && t->llcs <= SPEC_MAX_LLCS &&
		   l->nodes <= SPEC_MAX_NUMA_NODES;
	if (!l->valid)
		return;
	for (unsigned c = 0; c < l->cpus; c++) {
		unsigned llc = spec_topology__llc_of(t, c);

		cpumask_set(&l->llc[llc], c);
		cpumask_set(&l->node[spec_topology__node_of_llc(t, llc)], c);
	}
}

static int __printf(2, 3) fail(char **err, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (!err)
		return -EINVAL;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	*err = msg ? msg : xstrdup("out of memory");
	return -EINVAL;
}

static int check_numa(const struct spec_cpuset *cs, const struct spec_layout *l, char **err)
{
	unsigned n = l->cpu_nodes;

	if (cs->index >= n && cs->index < l->nodes)
		return fail(err, "cpuset numa:%u has no CPUs: node %u of topology %s is memory-only; "
			    "take CPUs from a node with CPUs (numa:%s%u) and reach node %u with "
			    "mem_policy and mem_nodes: %u",
			    cs->index, cs->index, l->label, n > 1 ? "0 to numa:" : "", n - 1,
			    cs->index, cs->index);
	if (cs->index >= n)
		return fail(err, "cpuset numa:%u does not fit topology %s: %s%s%s%u",
			    cs->index, l->label, n > 1 ? "its nodes" : "its only node",
			    l->nodes > n ? " with CPUs" : "", n > 1 ? " are 0-" : " is ", n - 1);
	return 0;
}

static int check_partition(const struct spec_cpuset *cs, const struct spec_layout *l, char **err)
{
	const char *kind = cpuset_kind_name(cs->kind);

	if (cs->kind == CPUSET_OVERLAP && !(cs->frac >= 0 && cs->frac <= 1))
		return fail(err, "cpuset overlap fraction %g must lie in [0.0, 1.0]", cs->frac);
	if (cs->of == 0)
		return fail(err, "cpuset %s needs a partition count ('of') of at least 1", kind);
	if (cs->index >= cs->of)
		return fail(err, "cpuset %s: index %u >= partition count %u; use 0-%u",
			    kind, cs->index, cs->of, cs->of - 1);
	if (cs->of > l->usable)
		return fail(err, "cpuset %s: not enough usable CPUs (%u) for %u partitions in %s",
			    kind, l->usable, cs->of, l->label);
	return 0;
}

int spec_cpuset__check(const struct spec_cpuset *cs, const struct spec_layout *l, char **err)
{
	char buf[256];
	int last = -1;

	switch (cs->kind) {
	case CPUSET_NONE:
		return 0;
	case CPUSET_LLC:
		if (cs->index >= l->llcs)
			return fail(err, "cpuset llc:%u does not fit topology %s: %s%u", cs->index, l->label,
				    l->llcs > 1 ? "its LLCs are 0-" : "its only LLC is ", l->llcs - 1);
		return 0;
	case CPUSET_NUMA:
		return check_numa(cs, l, err);
	case CPUSET_RANGE:
		if (!(cs->start >= 0 && cs->end <= 1))
			return fail(err, "cpuset range %g-%g: fractions must lie in [0.0, 1.0]",
				    cs->start, cs->end);
		if (cs->start >= cs->end)
			return fail(err, "cpuset range %g-%g: start (%g) >= end (%g)",
				    cs->start, cs->end, cs->start, cs->end);
		if ((unsigned)(cs->end * l->usable) <= (unsigned)(cs->start * l->usable))
			return fail(err, "cpuset range %g-%g selects no CPU of the %u usable CPUs of %s",
				    cs->start, cs->end, l->usable, l->label);
		return 0;
	case CPUSET_DISJOINT:
	case CPUSET_OVERLAP:
		return check_partition(cs, l, err);
	case CPUSET_EXACT:
		for (int cpu = cpumask_first(&cs->cpus); cpu >= 0; cpu = cpumask_next(&cs->cpus, cpu))
			last = cpu;
		if (last < 0)
			return fail(err, "cpuset exact needs at least one CPU");
		if ((unsigned)last >= l->cpus)
			return fail(err, "cpuset exact:%s names CPU %d, but topology %s has CPUs 0-%u",
				    cpumask_format(&cs->cpus, buf, sizeof(buf)), last, l->label,
				    l->cpus - 1);
		return 0;
	}
	return fail(err, "unknown cpuset kind %d", cs->kind);
}

/*
 * LLC and node sets take all their CPUs; range, disjoint and overlap take
 * a slice of the usable CPUs (0 .. usable-1) with ktstr's partition
 * arithmetic: whole chunks, the last partition takes the rest, overlap
 * widens each side by frac of a chunk.
 */
int spec_cpuset__resolve(const struct spec_cpuset *cs, const struct spec_layout *l,
			 struct cpumask *out, char **err)
{
	unsigned lo = 0, hi = 0, chunk, ov;
	int ret;

	cpumask_zero(out);
	ret = spec_cpuset__check(cs, l, err);
	if (ret)
		return ret;
	if (!l->valid)
		return fail(err, "topology %s cannot be laid out", l->label);
	switch (cs->kind) {
	case CPUSET_NONE:
		hi = l->cpus;
		break;
	case CPUSET_LLC:
		*out = l->llc[cs->index];
		break;
	case CPUSET_NUMA:
		*out = l->node[cs->index];
		break;
	case CPUSET_RANGE:
		lo = (unsigned)(cs->start * l->usable);
		hi = (unsigned)(cs->end * l->usable);
		break;
	case CPUSET_DISJOINT:
	case CPUSET_OVERLAP:
		chunk = l->usable / cs->of;
		ov = cs->kind == CPUSET_OVERLAP ? (unsigned)(chunk * cs->frac) : 0;
		lo = cs->index * chunk;
		lo = cs->index && lo > ov ? lo - ov : 0;
		hi = cs->index == cs->of - 1 ? l->usable : MIN((cs->index + 1) * chunk + ov, l->usable);
		break;
	case CPUSET_EXACT:
		*out = cs->cpus;
		break;
	}
	for (unsigned c = lo; c < hi; c++)
		cpumask_set(out, c);
	if (cpumask_empty(out))
		return fail(err, "cpuset %s resolves to no CPUs in %s", cpuset_kind_name(cs->kind),
			    l->label);
	return 0;
}

char *spec_cpuset__format(const struct spec_cpuset *cs, char *buf, size_t len)
{
	char cpus[256];

	switch (cs->kind) {
	case CPUSET_NONE:
		snprintf(buf, len, "none");
		break;
	case CPUSET_LLC:
	case CPUSET_NUMA:
		snprintf(buf, len, "%s:%u", cpuset_kind_name(cs->kind), cs->index);
		break;
	case CPUSET_RANGE:
		snprintf(buf, len, "range:%g-%g", cs->start, cs->end);
		break;
	case CPUSET_DISJOINT:
		snprintf(buf, len, "disjoint:%u/%u", cs->index, cs->of);
		break;
	case CPUSET_OVERLAP:
		snprintf(buf, len, "overlap:%u/%u/%g", cs->index, cs->of, cs->frac);
		break;
	case CPUSET_EXACT:
		snprintf(buf, len, "exact:%s", cpumask_format(&cs->cpus, cpus, sizeof(cpus)));
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
	return buf;
}
