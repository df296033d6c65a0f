// SPDX-License-Identifier: GPL-2.0-only
/*
 * One cpuset resolver for lint, --dry-run and the guest: the layout the
 * guest builds from a topology (topo__layout) equals the one lint builds
 * from the spec (spec_topology__layout) for every shape, so every cpuset
 * resolves, and fails, the same on both sides; and the spec form a cpuset
 * is printed in (events, --dry-run) reads back as the same cpuset.
 */
#include <errno.h>

#include "tap.h"
#include "spec/spec.h"
#include "spec/topo.h"

static const struct spec_cpuset cpusets[] = {
	{ .kind = CPUSET_NONE },
	{ .kind = CPUSET_LLC, .index = 0 }, { .kind = CPUSET_LLC, .index = 1 },
	{ .kind = CPUSET_LLC, .index = 3 }, { .kind = CPUSET_LLC, .index = 8 },
	{ .kind = CPUSET_NUMA, .index = 0 }, { .kind = CPUSET_NUMA, .index = 1 },
	{ .kind = CPUSET_NUMA, .index = 2 }, { .kind = CPUSET_NUMA, .index = 5 },
	{ .kind = CPUSET_RANGE, .start = 0, .end = 0.5 }, { .kind = CPUSET_RANGE, .start = 0.25, .end = 1 },
	{ .kind = CPUSET_RANGE, .start = 0.1, .end = 0.2 }, { .kind = CPUSET_RANGE, .start = 0.6, .end = 0.4 },
	{ .kind = CPUSET_RANGE, .start = -0.1, .end = 0.5 },
	{ .kind = CPUSET_DISJOINT, .index = 0, .of = 2 }, { .kind = CPUSET_DISJOINT, .index = 1, .of = 2 },
	{ .kind = CPUSET_DISJOINT, .index = 2, .of = 3 }, { .kind = CPUSET_DISJOINT, .index = 3, .of = 3 },
	{ .kind = CPUSET_DISJOINT, .index = 0, .of = 9 }, { .kind = CPUSET_DISJOINT, .index = 0, .of = 0 },
	{ .kind = CPUSET_OVERLAP, .index = 0, .of = 3, .frac = 0.5 },
	{ .kind = CPUSET_OVERLAP, .index = 1, .of = 3, .frac = 0.5 },
	{ .kind = CPUSET_OVERLAP, .index = 2, .of = 3, .frac = 0.25 },
	{ .kind = CPUSET_OVERLAP, .index = 0, .of = 2, .frac = 1.5 },
};

static bool same_layout(const struct spec_layout *a, const struct spec_layout *b)
{
	if (strcmp(a->label, b->label) || a->cpus != b->cpus || a->usable != b->usable ||
	    a->llcs != b->llcs || a->cpu_nodes != b->cpu_nodes || a->nodes != b->nodes ||
	    a->valid != b->valid)
		return false;
	for (unsigned i = 0; i < a->llcs; i++)
		if (!cpumask_equal(&a->llc[i], &b->llc[i]))
			return false;
	for (unsigned i = 0; i < a->nodes; i++)
		if (!cpumask_equal(&a->node[i], &b->node[i]))
			return false;
	return true;
}

/* Resolve cs on both layouts; 1 when the masks, or the errors, are the same. */
static bool same_resolution(const struct spec_cpuset *cs, const struct spec_layout *lint,
			    const struct spec_layout *guest, char *why, size_t len)
{
	struct cpumask a, b;
	char *ea = NULL, *eb = NULL, fa[64], fb[64];
	int ra = spec_cpuset__resolve(cs, lint, &a, &ea);
	int rb = spec_cpuset__resolve(cs, guest, &b, &eb);
	bool same = ra == rb && cpumask_equal(&a, &b) && (!ea == !eb) && (!ea || !strcmp(ea, eb));

	if (!same)
		snprintf(why, len, "%s on %s: lint '%s' (%s), guest '%s' (%s)",
			 spec_cpuset__format(cs, fa, sizeof(fa)), lint->label,
			 cpumask_format(&a, fa, sizeof(fa)), ea ?: "", cpumask_format(&b, fb, sizeof(fb)),
			 eb ?: "");
	free(ea);
	free(eb);
	return same;
}

static void layouts_agree(void)
{
	unsigned shapes = 0, bad_layouts = 0, bad = 0, errors = 0;
	char why[512] = "";

	for (unsigned n = 1; n <= 2; n++)
		for (unsigned l = n; l <= 4; l += n)
			for (unsigned c = 1; c <= 4; c *= 2)
				for (unsigned t = 1; t <= 2; t++)
					for (unsigned m = 0; m <= 1; m++) {
						struct spec_topology st = { .numa_nodes = n, .llcs = l,
									    .cores = c, .threads = t,
									    .memory_only_nodes = m };
						struct spec_layout lint, guest;
						struct topo topo;

						shapes++;
						spec_topology__layout(&st, &lint);
						topo__from_spec(&st, &topo);
						topo__layout(&topo, &guest);
						if (!same_layout(&lint, &guest)) {
							bad_layouts++;
							snprintf(why, sizeof(why), "layout of %s", lint.label);
						}
						for (size_t i = 0; i < ARRAY_SIZE(cpusets); i++) {
							struct cpumask mk;

							bad += !same_resolution(&cpusets[i], &lint, &guest,
										why, sizeof(why));
							errors += spec_cpuset__resolve(&cpusets[i], &lint, &mk,
										       NULL) != 0;
						}
					}
	tap_ok(!bad_layouts, "the guest's layout equals lint's for %u shapes %s", shapes, why);
	tap_ok(!bad && errors, "%zu cpusets resolve alike on both (%u errors alike) %s",
	       ARRAY_SIZE(cpusets) * shapes, errors, bad ? why : "");
}

/* The spec form of each cpuset that fits 2n4l2c1t, put back into a spec, parses as the same cpuset. */
static void format_round_trips(void)
{
	struct spec_topology st = { .numa_nodes = 2, .llcs = 4, .cores = 2, .threads = 1 };
	struct spec_cpuset exact = { .kind = CPUSET_EXACT };
	struct spec_layout l;
	unsigned bad = 0, n = 0;
	char why[256] = "";

	spec_topology__layout(&st, &l);
	cpumask_parse("0,2-3", &exact.cpus);
	for (size_t i = 0; i <= ARRAY_SIZE(cpusets); i++) {
		const struct spec_cpuset *cs = i < ARRAY_SIZE(cpusets) ? &cpusets[i] : &exact;
		struct diag_list dl = { 0 };
		struct spec_file *sf = NULL;
		const struct spec_cpuset *got;
		char form[128], *text;

		if (spec_cpuset__check(cs, &l, NULL))
			continue;
		n++;
		spec_cpuset__format(cs, form, sizeof(form));
		text = xasprintf("name: t\ntopology: 2n4l2c1t\ncgroups:\n  - name: cg_0\n    cpuset: %s\n",
				 form);
		spec_file__parse("t.yaml", text, strlen(text), SPEC_FORMAT_YAML, &sf, &dl);
		got = sf && sf->ntests && sf->tests[0].ncgroups ? &sf->tests[0].cgroups[0].cpuset : NULL;
		if (!got || diag_count(&dl, DIAG_ERROR) || got->kind != cs->kind ||
		    (cs->kind != CPUSET_NONE && cs->kind != CPUSET_EXACT && cs->kind != CPUSET_RANGE &&
		     got->index != cs->index) ||
		    ((cs->kind == CPUSET_DISJOINT || cs->kind == CPUSET_OVERLAP) && got->of != cs->of) ||
		    (cs->kind == CPUSET_OVERLAP && got->frac != cs->frac) ||
		    (cs->kind == CPUSET_RANGE && (got->start != cs->start || got->end != cs->end)) ||
		    (cs->kind == CPUSET_EXACT && !cpumask_equal(&got->cpus, &cs->cpus))) {
			bad++;
			snprintf(why, sizeof(why), "'%s' does not read back", form);
		}
		diag_free(&dl);
		spec_file__free(sf);
		free(text);
	}
	tap_ok(!bad && n > 10, "the spec forms of %u cpusets read back as the same cpusets %s", n, why);
}

int main(void)
{
	struct spec_topology st = { .numa_nodes = 1, .llcs = 2, .cores = 4, .threads = 1 };
	struct spec_cpuset cs = { .kind = CPUSET_LLC, .index = 1 };
	struct spec_layout l;
	struct topo topo;
	struct cpumask u;
	char buf[64];

	tap_plan(8);
	tap_is_int(spec_usable_cpus(1), 1, "1 CPU: usable");
	tap_is_int(spec_usable_cpus(2), 2, "2 CPUs: both usable");
	tap_is_int(spec_usable_cpus(8), 7, "8 CPUs: the last is kept for the root cgroup");
	topo__from_spec(&st, &topo);
	topo__usable(&topo, &u);
	spec_topology__layout(&st, &l);
	tap_ok(cpumask_weight(&u) == l.usable && cpumask_nth(&u, l.usable - 1) == (int)l.usable - 1,
	       "the guest's usable mask is CPUs 0-%u", l.usable - 1);
	tap_is_str(spec_cpuset__format(&cs, buf, sizeof(buf)), "llc:1", "llc 1 in spec form");
	layouts_agree();
	format_round_trips();
	return tap_done();
}
