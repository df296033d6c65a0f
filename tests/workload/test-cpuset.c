// SPDX-License-Identifier: GPL-2.0-only
/* Cpuset resolution over topo__from_spec for several topology shapes. */
#include <errno.h>

#include "tap.h"
#include "workload/internal.h"

static struct topo topo;

static void shape(unsigned n, unsigned l, unsigned c, unsigned t)
{
	struct spec_topology st = { .numa_nodes = n, .llcs = l, .cores = c, .threads = t };

	topo__from_spec(&st, &topo);
}

/* Resolve and compare with a cpulist; "!substring" expects an error containing it. */
static void check(const struct spec_cpuset *cs, const char *want, const char *what)
{
	struct cpumask m;
	char *err = NULL, buf[256];
	int ret = cpuset__resolve(cs, &topo, &m, &err);

	if (want[0] == '!') {
		if (!tap_ok(ret == -EINVAL && err && strstr(err, want + 1), "%s: error '%s'", what,
			    err ? err : "(none)"))
			printf("#  want error containing '%s'\n", want + 1);
	} else {
		tap_is_str(ret ? err : cpumask_format(&m, buf, sizeof(buf)), want, what);
	}
	free(err);
}

static struct spec_cpuset cs(enum cpuset_kind k, unsigned index, unsigned of, double a, double b)
{
	struct spec_cpuset c = { .kind = k, .index = index, .of = of };

	if (k == CPUSET_RANGE) {
		c.start = a;
		c.end = b;
	}
	c.frac = a;
	return c;
}

/* Per-worker affinity masks (AffinityKind) inside a cgroup's cpuset. */
static void affinity_tests(void)
{
	struct spec_work w = { 0 };
	struct cpumask cg, m, seen;
	char buf[64];
	bool ok = true;

	shape(1, 2, 4, 1);		/* llc 0: 0-3, llc 1: 4-7 */
	cpumask_parse("2-5", &cg);	/* spans both LLCs */
	w.affinity = AFFINITY_INHERIT;
	worker_group__affinity(&topo, &w, &cg, 0, 1, &m);
	tap_ok(cpumask_empty(&m), "inherit: no affinity call");
	w.affinity = AFFINITY_RANDOM_SUBSET;
	cpumask_zero(&seen);
	for (unsigned i = 0; i < 16; i++) {
		worker_group__affinity(&topo, &w, &cg, i, 42, &m);
		ok &= cpumask_weight(&m) == 2 && cpumask_subset(&m, &cg);
		cpumask_or(&seen, &seen, &m);
	}
	tap_ok(ok && cpumask_weight(&seen) > 2, "random_subset: half of the cgroup's CPUs, varying (%s)",
	       cpumask_format(&seen, buf, sizeof(buf)));
	w.affinity = AFFINITY_LLC_ALIGNED;
	worker_group__affinity(&topo, &w, &cg, 0, 1, &m);
	tap_is_str(cpumask_format(&m, buf, sizeof(buf)), "2-3", "llc_aligned worker 0: llc 0 within the cgroup");
	worker_group__affinity(&topo, &w, &cg, 1, 1, &m);
	tap_is_str(cpumask_format(&m, buf, sizeof(buf)), "4-5", "llc_aligned worker 1: llc 1 within the cgroup");
	w.affinity = AFFINITY_SINGLE_CPU;
	worker_group__affinity(&topo, &w, &cg, 5, 1, &m);
	tap_is_str(cpumask_format(&m, buf, sizeof(buf)), "3", "single_cpu worker 5: round robin over 2-5");
	w.affinity = AFFINITY_CROSS_CGROUP;
	worker_group__affinity(&topo, &w, &cg, 0, 1, &m);
	tap_is_str(cpumask_format(&m, buf, sizeof(buf)), "0-7", "cross_cgroup: every CPU");
}

int main(void)
{
	struct spec_cpuset e = { .kind = CPUSET_EXACT };
	struct cpumask u;
	char buf[64];

	tap_plan(33);
	/* 1n2l4c1t: 8 CPUs, usable 0-6 (the last is kept for the root cgroup). */
	shape(1, 2, 4, 1);
	topo__usable(&topo, &u);
	tap_is_str(cpumask_format(&u, buf, sizeof(buf)), "0-6", "8 CPUs: usable 0-6");
	check(&(struct spec_cpuset){ .kind = CPUSET_NONE }, "0-7", "none = all CPUs");
	check(&(struct spec_cpuset){ .kind = CPUSET_LLC, .index = 0 }, "0-3", "llc 0");
	check(&(struct spec_cpuset){ .kind = CPUSET_LLC, .index = 1 }, "4-7", "llc 1");
	check(&(struct spec_cpuset){ .kind = CPUSET_LLC, .index = 2 }, "!its LLCs are 0-1", "llc 2");
	check(&(struct spec_cpuset){ .kind = CPUSET_NUMA, .index = 0 }, "0-7", "numa 0");
	check(&(struct spec_cpuset){ .kind = CPUSET_NUMA, .index = 1 }, "!its only node is 0", "numa 1");
	check((struct spec_cpuset[]){ cs(CPUSET_RANGE, 0, 0, 0.0, 0.5) }, "0-2", "range 0-0.5 of 7 usable");
	check((struct spec_cpuset[]){ cs(CPUSET_RANGE, 0, 0, 0.5, 1.0) }, "3-6", "range 0.5-1 of 7 usable");
	check((struct spec_cpuset[]){ cs(CPUSET_RANGE, 0, 0, 0.6, 0.5) }, "!>= end", "inverted range");
	check((struct spec_cpuset[]){ cs(CPUSET_RANGE, 0, 0, -0.1, 0.5) }, "![0.0, 1.0]", "range below 0");
	check((struct spec_cpuset[]){ cs(CPUSET_DISJOINT, 0, 2, 0, 0) }, "0-2", "disjoint 0/2");
	check((struct spec_cpuset[]){ cs(CPUSET_DISJOINT, 1, 2, 0, 0) }, "3-6", "disjoint 1/2 takes the rest");
	check((struct spec_cpuset[]){ cs(CPUSET_DISJOINT, 2, 3, 0, 0) }, "4-6", "disjoint 2/3");
	check((struct spec_cpuset[]){ cs(CPUSET_DISJOINT, 3, 3, 0, 0) }, "!index 3 >= partition count 3",
	      "disjoint index out of range");
	check((struct spec_cpuset[]){ cs(CPUSET_DISJOINT, 0, 8, 0, 0) },
	      "!not enough usable CPUs (7) for 8 partitions", "disjoint 8 partitions of 7");
	/* overlap 3 partitions of 7 usable, frac 0.5: chunk 2, overlap 1. */
	check((struct spec_cpuset[]){ cs(CPUSET_OVERLAP, 0, 3, 0.5, 0) }, "0-2", "overlap 0/3");
	check((struct spec_cpuset[]){ cs(CPUSET_OVERLAP, 1, 3, 0.5, 0) }, "1-4", "overlap 1/3");
	check((struct spec_cpuset[]){ cs(CPUSET_OVERLAP, 2, 3, 0.5, 0) }, "3-6", "overlap 2/3");
	check((struct spec_cpuset[]){ cs(CPUSET_OVERLAP, 0, 3, 1.5, 0) }, "!must lie in", "overlap frac 1.5");
	cpumask_parse("1,3", &e.cpus);
	check(&e, "1,3", "exact 1,3");
	cpumask_parse("7-9", &e.cpus);
	check(&e, "!names CPU 9, but topology 1n2l4c1t has CPUs 0-7", "exact beyond the topology");

	/* 2n4l2c2t: 16 CPUs, nodes of 2 LLCs each. */
	shape(2, 4, 2, 2);
	check(&(struct spec_cpuset){ .kind = CPUSET_NUMA, .index = 1 }, "8-15", "2 nodes: numa 1");
	check(&(struct spec_cpuset){ .kind = CPUSET_LLC, .index = 3 }, "12-15", "llc 3 with SMT");
	check((struct spec_cpuset[]){ cs(CPUSET_DISJOINT, 3, 4, 0, 0) }, "9-14", "disjoint 3/4 of 15 usable: the last takes the rest");

	/* 1n1l2c1t: 2 CPUs, all usable. */
	shape(1, 1, 2, 1);
	check((struct spec_cpuset[]){ cs(CPUSET_DISJOINT, 1, 2, 0, 0) }, "1", "2 CPUs: disjoint 1/2 = cpu 1");
	check((struct spec_cpuset[]){ cs(CPUSET_DISJOINT, 0, 3, 0, 0) },
	      "!not enough usable CPUs (2) for 3 partitions", "2 CPUs: 3 partitions");
	affinity_tests();
	return tap_done();
}
