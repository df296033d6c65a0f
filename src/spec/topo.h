/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A CPU topology as a kernel sees it: which LLC, core and NUMA node each CPU
 * belongs to. Built from the spec (what we asked QEMU for) on the host and
 * from sysfs in the guest; the host compares the two before any workload.
 */
#ifndef KTSTR_TOPO_H
#define KTSTR_TOPO_H

#include "util/util.h"
#include "util/cpumask.h"

#define TOPO_MAX_LLCS 64
#define TOPO_MAX_NODES 8

struct spec_topology;
struct spec_layout;

struct topo_cpu {
	int node;
	int llc;	/* dense LLC index, ordered by first CPU */
	int core;	/* dense core index within its LLC */
	int thread;	/* index within its core */
};

struct topo {
	unsigned ncpus;
	struct topo_cpu cpus[KTSTR_MAX_CPUS];
	unsigned nllcs;
	struct cpumask llc_cpus[TOPO_MAX_LLCS];
	int llc_node[TOPO_MAX_LLCS];
	unsigned nnodes;		/* nodes with CPUs and memory-only ones (no CPUs) */
	struct cpumask node_cpus[TOPO_MAX_NODES];
	uint64_t node_mem_mb[TOPO_MAX_NODES];	/* 0 when unknown */
	unsigned threads_per_core;
	unsigned cores_per_llc;
};

/* Expected layout for a spec topology (ktstr numbering: llc = id / (t*c), ...). */
void topo__from_spec(const struct spec_topology *st, struct topo *t);
/* Read the running kernel's topology under root ("/sys" in the guest). */
int topo__from_sysfs(const char *sysfs_root, struct topo *t, char **err);
/* 0 when equal; otherwise -1 and *diff describes both layouts. */
int topo__compare(const struct topo *want, const struct topo *got, char **diff);
/* CPUs 0 .. spec_usable_cpus(ncpus)-1: ktstr's rule, kept in src/spec/cpuset.c. */
void topo__usable(const struct topo *t, struct cpumask *out);
/* The layout cpusets resolve against (spec_cpuset__resolve), as this topology shows it. */
void topo__layout(const struct topo *t, struct spec_layout *l);
void topo__all(const struct topo *t, struct cpumask *out);
/* Multi-line human description ("llc0 node0: 0-1 ..."). */
char *topo__describe(const struct topo *t);
char *topo__to_json(const struct topo *t);
int topo__from_json(const char *json, struct topo *t, char **err);

#endif
