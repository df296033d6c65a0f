// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for src/spec/topo.c: spec numbering, fake sysfs trees, compare, JSON. */
#include "spec/spec.h"
#include "tap.h"
#include "spec/topo.h"

static struct topo want, got;

static void shape(unsigned n, unsigned l, unsigned c, unsigned t, struct topo *out)
{
	struct spec_topology st = { .numa_nodes = n, .llcs = l, .cores = c, .threads = t };

	topo__from_spec(&st, out);
}

static char *mask(const struct cpumask *m)
{
	static char buf[8][64];
	static int i;

	return cpumask_format(m, buf[i++ % 8], 64);
}

static void test_spec(void)
{
	shape(2, 4, 2, 2, &want);
	tap_is_int(want.ncpus, 16, "2n4l2c2t: 16 cpus");
	tap_is_int(want.nllcs, 4, "2n4l2c2t: 4 llcs");
	tap_is_int(want.nnodes, 2, "2n4l2c2t: 2 nodes");
	/* cpu 13: thread 13%2=1, core (13/2)%2=0, llc 13/4=3, node 3/(4/2)=1 */
	tap_ok(want.cpus[13].thread == 1 && want.cpus[13].core == 0 && want.cpus[13].llc == 3 &&
	       want.cpus[13].node == 1, "cpu13 is thread1 core0 llc3 node1");
	tap_is_str(mask(&want.llc_cpus[1]), "4-7", "llc1 = 4-7");
	tap_is_str(mask(&want.node_cpus[1]), "8-15", "node1 = 8-15");
	tap_is_int(want.llc_node[2], 1, "llc2 on node1");
	tap_is_int(want.threads_per_core, 2, "threads per core");
	tap_is_int(want.cores_per_llc, 2, "cores per llc");
	{
		struct cpumask u;

		topo__usable(&want, &u);
		tap_is_str(mask(&u), "0-14", "usable keeps the last CPU for the root cgroup");
		shape(1, 1, 2, 1, &want);
		topo__usable(&want, &u);
		tap_is_str(mask(&u), "0-1", "2 CPUs: all usable");
	}
}

static void test_sysfs(const char *tree, unsigned n, unsigned l, unsigned c, unsigned t,
		       uint64_t mem0)
{
	_cleanup_free_ char *root = xasprintf("%s/tests/vm/data/%s", KTSTR_SRCDIR, tree);
	_cleanup_free_ char *err = NULL, *diff = NULL;
	int ret = topo__from_sysfs(root, &got, &err);

	tap_ok(ret == 0, "%s: read (%s)", tree, err ? err : "ok");
	shape(n ? n : 1, l, c, t, &want);
	ret = topo__compare(&want, &got, &diff);
	tap_ok(ret == 0, "%s: matches its spec shape", tree);
	if (diff)
		printf("# %s\n", diff);
	tap_is_int(got.node_mem_mb[0], mem0, "node0 memory from meminfo");
}

/* A memory-only node (empty cpulist) is a node of the guest, and of the spec. */
static void test_memory_only(void)
{
	_cleanup_free_ char *root = xasprintf("%s/tests/vm/data/sysfs-2n4l2c1t-1m", KTSTR_SRCDIR);
	_cleanup_free_ char *err = NULL, *diff = NULL, *diff2 = NULL, *js = NULL;
	struct spec_topology st = { .numa_nodes = 2, .memory_only_nodes = 1, .llcs = 4,
				    .cores = 2, .threads = 1 };

	topo__from_spec(&st, &want);
	tap_ok(want.nnodes == 3 && cpumask_empty(&want.node_cpus[2]) && want.cpus[7].node == 1,
	       "2n4l2c1t+1m: 3 nodes, node2 without CPUs");
	tap_ok(topo__from_sysfs(root, &got, &err) == 0 && got.nnodes == 3 &&
	       got.node_mem_mb[2] == 128, "sysfs: the CPU-less node2 is read, with its memory");
	tap_ok(topo__compare(&want, &got, &diff) == 0, "2n4l2c1t+1m matches the guest with node2");
	js = topo__to_json(&got);
	free(err);
	err = NULL;
	tap_ok(topo__from_json(js, &got, &err) == 0 && got.nnodes == 3 && got.node_mem_mb[2] == 128,
	       "JSON round trip keeps the memory-only node");
	st.memory_only_nodes = 0;
	topo__from_spec(&st, &want);
	tap_ok(topo__compare(&want, &got, &diff2) < 0 && strstr(diff2, "expected 2 NUMA nodes, the guest has 3") &&
	       strstr(diff2, "node2: no CPUs (128 MB)"), "a spec without it does not match");
}

static void test_compare(void)
{
	_cleanup_free_ char *diff = NULL, *diff2 = NULL;

	shape(1, 2, 2, 2, &want);
	shape(1, 1, 4, 2, &got);
	tap_ok(topo__compare(&want, &got, &diff) < 0, "1n2l2c2t vs 1n1l4c2t differ");
	tap_ok(diff && strstr(diff, "expected 2 LLCs, the guest has 1") && strstr(diff, "llc1 node0: 4-7"),
	       "diff names the difference and prints both layouts");
	shape(1, 2, 2, 2, &got);
	got.cpus[3].thread = 0;		/* same counts, one CPU off */
	tap_ok(topo__compare(&want, &got, &diff2) < 0 && strstr(diff2, "cpu3"),
	       "a single CPU's placement is caught");
}

static void test_json(void)
{
	_cleanup_free_ char *js = NULL, *err = NULL, *diff = NULL;

	shape(2, 4, 2, 1, &want);
	want.node_mem_mb[1] = 300;
	js = topo__to_json(&want);
	tap_ok(topo__from_json(js, &got, &err) == 0, "JSON round trip parses");
	tap_ok(topo__compare(&want, &got, &diff) == 0 && got.node_mem_mb[1] == 300,
	       "JSON round trip keeps the layout and memory");
	free(err);
	err = NULL;
	tap_ok(topo__from_json("{\"cpus\":[[0,99,0,0]]}", &got, &err) < 0 && err,
	       "out-of-range LLC is rejected");
	free(err);
	err = NULL;
	tap_ok(topo__from_json("not json", &got, &err) < 0 && err, "garbage is rejected");
}

int main(void)
{
	tap_plan(32);
	test_spec();
	test_sysfs("sysfs-2n4l2c1t", 2, 4, 2, 1, 256);
	test_sysfs("sysfs-1n2l2c2t-nol3", 1, 2, 2, 2, 512);
	test_sysfs("sysfs-1n1l2c1t-nonuma", 0, 1, 2, 1, 0);
	test_memory_only();
	test_compare();
	test_json();
	return tap_done();
}
