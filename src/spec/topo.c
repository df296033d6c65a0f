// SPDX-License-Identifier: GPL-2.0-only
/* CPU topologies from a spec or from sysfs, their comparison and their JSON form. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>

#include "spec/spec.h"
#include "spec/topo.h"

/*
 * Fill the derived masks (llc_cpus, node_cpus, llc_node) from t->cpus[].
 * t->nnodes on entry counts nodes known otherwise (memory-only nodes have
 * no CPU to name them); it only grows.
 */
static void topo_finish(struct topo *t)
{
	unsigned maxthr = 0, maxcore = 0;

	t->nllcs = 0;
	t->nnodes = MIN(t->nnodes, (unsigned)TOPO_MAX_NODES);
	for (unsigned i = 0; i < TOPO_MAX_LLCS; i++)
		cpumask_zero(&t->llc_cpus[i]);
	for (unsigned i = 0; i < TOPO_MAX_NODES; i++)
		cpumask_zero(&t->node_cpus[i]);
	for (unsigned cpu = 0; cpu < t->ncpus; cpu++) {
		const struct topo_cpu *c = &t->cpus[cpu];

		if (c->llc >= 0 && c->llc < TOPO_MAX_LLCS) {
			cpumask_set(&t->llc_cpus[c->llc], cpu);
			t->llc_node[c->llc] = c->node;
			t->nllcs = MAX(t->nllcs, (unsigned)c->llc + 1);
		}
		if (c->node >= 0 && c->node < TOPO_MAX_NODES) {
			cpumask_set(&t->node_cpus[c->node], cpu);
			t->nnodes = MAX(t->nnodes, (unsigned)c->node + 1);
		}
		maxthr = MAX(maxthr, (unsigned)c->thread + 1);
		maxcore = MAX(maxcore, (unsigned)c->core + 1);
	}
	t->threads_per_core = maxthr;
	t->cores_per_llc = maxcore;
}

void topo__from_spec(const struct spec_topology *st, struct topo *t)
{
	unsigned th = MAX(st->threads, 1u), co = MAX(st->cores, 1u), llcs = MAX(st->llcs, 1u);
	unsigned nodes = MAX(st->numa_nodes, 1u), per_node = MAX(llcs / nodes, 1u);
	unsigned all = nodes + st->memory_only_nodes;

	memset(t, 0, sizeof(*t));
	t->nnodes = all;
	t->ncpus = MIN(llcs * co * th, (unsigned)KTSTR_MAX_CPUS);
	for (unsigned id = 0; id < t->ncpus; id++) {
		struct topo_cpu *c = &t->cpus[id];

		c->thread = id % th;
		c->core = (id / th) % co;
		c->llc = id / (th * co);
		c->node = MIN((unsigned)c->llc / per_node, nodes - 1);
	}
	topo_finish(t);
	for (unsigned n = 0; n < all && n < TOPO_MAX_NODES && n < SPEC_MAX_NUMA_NODES; n++)
		t->node_mem_mb[n] = st->node_memory_mb[n];
}

/* Read one small sysfs file and trim it. */
static int read_attr(const char *root, const char *rel, char **out)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", root, rel);
	int ret = read_file(path, out, NULL);

	if (!ret)
		str_trim(*out);
	return ret;
}

static int read_mask(const char *root, const char *rel, struct cpumask *m)
{
	_cleanup_free_ char *s = NULL;
	int ret = read_attr(root, rel, &s);

	return ret ? ret : cpumask_parse(s, m);
}

static int read_long(const char *root, const char *rel, long *v)
{
	_cleanup_free_ char *s = NULL;
	char *end;
	int ret = read_attr(root, rel, &s);

	if (ret)
		return ret;
	errno = 0;
	*v = strtol(s, &end, 10);
	return errno || end == s ? -EINVAL : 0;
}

/* CPUs present under <root>/devices/system/cpu (the "online" list, else cpuN dirs). */
static int sysfs_cpus(const char *root, struct cpumask *m)
{
	_cleanup_free_ char *dir = xasprintf("%s/devices/system/cpu", root);
	DIR *d;
	struct dirent *de;

	if (!read_mask(dir, "online", m) && !cpumask_empty(m))
		return 0;
	cpumask_zero(m);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		unsigned long n;

		if (!str_startswith(de->d_name, "cpu") || de->d_name[3] < '0' || de->d_name[3] > '9')
			continue;
		n = strtoul(de->d_name + 3, &end, 10);
		if (!*end && n < KTSTR_MAX_CPUS)
			cpumask_set(m, n);
	}
	closedir(d);
	return cpumask_empty(m) ? -ENOENT : 0;
}

/* Dense index of mask among groups[] (ordered by first CPU as CPUs are scanned). */
static int group_index(struct cpumask *groups, unsigned *n, unsigned max, const struct cpumask *m)
{
	for (unsigned i = 0; i < *n; i++)
		if (cpumask_equal(&groups[i], m))
			return i;
	if (*n >= max)
		return -E2BIG;
	groups[*n] = *m;
	return (*n)++;
}

/* Node memory from nodeN/meminfo ("Node 0 MemTotal:  123 kB"). */
static uint64_t node_mem_mb(const char *nodedir)
{
	_cleanup_free_ char *s = NULL;
	char *p;

	if (read_attr(nodedir, "meminfo", &s))
		return 0;
	p = strstr(s, "MemTotal:");
	return p ? strtoull(p + 9, NULL, 10) / 1024 : 0;
}

static int sysfs_nodes(const char *root, struct topo *t, char **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/devices/system/node", root);
	DIR *d = opendir(dir);
	struct dirent *de;
	bool any = false;

	if (!d) {
		/* no NUMA support in the kernel: one node */
		for (unsigned c = 0; c < t->ncpus; c++)
			t->cpus[c].node = 0;
		return 0;
	}
	while ((de = readdir(d))) {
		_cleanup_free_ char *nd = NULL;
		struct cpumask m;
		unsigned long id;
		char *end;
		int cpu;

		if (!str_startswith(de->d_name, "node") || de->d_name[4] < '0' || de->d_name[4] > '9')
			continue;
		id = strtoul(de->d_name + 4, &end, 10);
		if (*end)
			continue;
		if (id >= TOPO_MAX_NODES) {
			closedir(d);
			*err = xasprintf("node%lu beyond the %d nodes ktstr supports", id, TOPO_MAX_NODES);
			return -E2BIG;
		}
		nd = xasprintf("%s/%s", dir, de->d_name);
		if (read_mask(nd, "cpulist", &m))
			continue;
		for_each_cpu(cpu, &m)
			if ((unsigned)cpu < t->ncpus)
				t->cpus[cpu].node = id;
		t->node_mem_mb[id] = node_mem_mb(nd);
		t->nnodes = MAX(t->nnodes, (unsigned)id + 1);	/* memory-only nodes too */
		any = true;
	}
	closedir(d);
	if (!any)
		for (unsigned c = 0; c < t->ncpus; c++)
			t->cpus[c].node = 0;
	return 0;
}

int topo__from_sysfs(const char *sysfs_root, struct topo *t, char **err)
{
	struct cpumask llcs[TOPO_MAX_LLCS], cores[KTSTR_MAX_CPUS];
	_cleanup_free_ char *cpudir = xasprintf("%s/devices/system/cpu", sysfs_root);
	unsigned ncores_total = 0, nllcs = 0;
	unsigned llc_of[KTSTR_MAX_CPUS], core_of[KTSTR_MAX_CPUS];
	struct cpumask online;
	int cpu, ret;

	*err = NULL;
	memset(t, 0, sizeof(*t));
	ret = sysfs_cpus(sysfs_root, &online);
	if (ret) {
		*err = xasprintf("no CPUs under %s: %s", cpudir, strerror(-ret));
		return ret;
	}
	/* ktstr numbers CPUs densely from 0; a hole means an offline CPU */
	t->ncpus = cpumask_weight(&online);
	for (unsigned i = 0; i < t->ncpus; i++) {
		if (!cpumask_test(&online, i)) {
			*err = xasprintf("CPU %u is missing or offline", i);
			return -EINVAL;
		}
	}
	for (cpu = 0; (unsigned)cpu < t->ncpus; cpu++) {
		_cleanup_free_ char *c = xasprintf("%s/cpu%d", cpudir, cpu);
		struct cpumask llc, sib;
		long pkg = 0;
		int idx;

		if (read_mask(c, "topology/thread_siblings_list", &sib)) {
			cpumask_zero(&sib);
			cpumask_set(&sib, cpu);
		}
		if (read_mask(c, "cache/index3/shared_cpu_list", &llc)) {
			/* no L3: the package is the LLC */
			int other;

			if (read_long(c, "topology/physical_package_id", &pkg))
				pkg = 0;
			cpumask_zero(&llc);
			for (other = 0; (unsigned)other < t->ncpus; other++) {
				_cleanup_free_ char *oc = xasprintf("%s/cpu%d", cpudir, other);
				long opkg = 0;

				if (read_long(oc, "topology/physical_package_id", &opkg))
					opkg = 0;
				if (opkg == pkg)
					cpumask_set(&llc, other);
			}
		}
		idx = group_index(llcs, &nllcs, TOPO_MAX_LLCS, &llc);
		if (idx < 0) {
			*err = xasprintf("more than %d LLCs", TOPO_MAX_LLCS);
			return idx;
		}
		llc_of[cpu] = idx;
		idx = group_index(cores, &ncores_total, KTSTR_MAX_CPUS, &sib);
		core_of[cpu] = idx;
		t->cpus[cpu].llc = llc_of[cpu];
		t->cpus[cpu].thread = 0;
		for (int s = cpumask_first(&sib); s >= 0 && s < cpu; s = cpumask_next(&sib, s))
			t->cpus[cpu].thread++;
	}
	/* core index within its LLC: dense, in order of each core's first CPU */
	for (unsigned l = 0; l < nllcs; l++) {
		int seen[KTSTR_MAX_CPUS];
		unsigned nseen = 0;

		for_each_cpu(cpu, &llcs[l]) {
			unsigned k;

			if ((unsigned)cpu >= t->ncpus)
				continue;
			for (k = 0; k < nseen; k++)
				if (seen[k] == (int)core_of[cpu])
					break;
			if (k == nseen)
				seen[nseen++] = core_of[cpu];
			t->cpus[cpu].core = k;
		}
	}
	ret = sysfs_nodes(sysfs_root, t, err);
	if (ret)
		return ret;
	topo_finish(t);
	return 0;
}

char *topo__describe(const struct topo *t)
{
	char *out = xasprintf("%u cpus, %u llcs, %u nodes, %u cores/llc, %u threads/core\n",
			      t->ncpus, t->nllcs, t->nnodes, t->cores_per_llc, t->threads_per_core);

	for (unsigned l = 0; l < t->nllcs; l++) {
		char buf[256], *n;

		n = xasprintf("%s  llc%u node%d: %s\n", out, l, t->llc_node[l],
			      cpumask_format(&t->llc_cpus[l], buf, sizeof(buf)));
		free(out);
		out = n;
	}
	for (unsigned i = 0; i < t->nnodes; i++) {
		char buf[256], *n;

		n = xasprintf("%s  node%u: %s", out, i, cpumask_empty(&t->node_cpus[i]) ?
			      "no CPUs" : cpumask_format(&t->node_cpus[i], buf, sizeof(buf)));
		free(out);
		out = n;
		if (t->node_mem_mb[i]) {
			n = xasprintf("%s (%" PRIu64 " MB)", out, t->node_mem_mb[i]);
			free(out);
			out = n;
		}
		n = xasprintf("%s\n", out);
		free(out);
		out = n;
	}
	return out;
}

int topo__compare(const struct topo *want, const struct topo *got, char **diff)
{
	_cleanup_free_ char *what = NULL, *dw = NULL, *dg = NULL;

	*diff = NULL;
	if (want->ncpus != got->ncpus)
		what = xasprintf("expected %u CPUs, the guest has %u", want->ncpus, got->ncpus);
	else if (want->nllcs != got->nllcs)
		what = xasprintf("expected %u LLCs, the guest has %u", want->nllcs, got->nllcs);
	else if (want->nnodes != got->nnodes)
		what = xasprintf("expected %u NUMA nodes, the guest has %u", want->nnodes, got->nnodes);
	else {
		for (unsigned c = 0; c < want->ncpus && !what; c++) {
			const struct topo_cpu *a = &want->cpus[c], *b = &got->cpus[c];

			if (a->node != b->node || a->llc != b->llc || a->core != b->core ||
			    a->thread != b->thread)
				what = xasprintf("cpu%u: expected node%d llc%d core%d thread%d, "
						 "got node%d llc%d core%d thread%d", c, a->node,
						 a->llc, a->core, a->thread, b->node, b->llc,
						 b->core, b->thread);
		}
	}
	if (!what)
		return 0;
	dw = topo__describe(want);
	dg = topo__describe(got);
	*diff = xasprintf("topology mismatch: %s\nexpected:\n%sguest:\n%s", what, dw, dg);
	return -1;
}

void topo__all(const struct topo *t, struct cpumask *out)
{
	cpumask_zero(out);
	for (unsigned c = 0; c < t->ncpus; c++)
		cpumask_set(out, c);
}

void topo__usable(const struct topo *t, struct cpumask *out)
{
	cpumask_zero(out);
	for (unsigned c = 0; c < spec_usable_cpus(t->ncpus); c++)
		cpumask_set(out, c);
}

_Static_assert(TOPO_MAX_LLCS <= SPEC_MAX_LLCS && TOPO_MAX_NODES <= SPEC_MAX_NUMA_NODES,
	       "a spec_layout holds every LLC and node a topo can have");

void topo__layout(const struct topo *t, struct spec_layout *l)
{
	struct spec_topology st = { .llcs = t->nllcs, .cores = t->cores_per_llc,
				    .threads = t->threads_per_core };

	memset(l, 0, sizeof(*l));
	for (unsigned n = 0; n < t->nnodes; n++)
		st.numa_nodes += !cpumask_empty(&t->node_cpus[n]);
	st.memory_only_nodes = t->nnodes - st.numa_nodes;
	spec_topology__label(&st, l->label, sizeof(l->label));
	l->cpus = t->ncpus;
	l->usable = spec_usable_cpus(t->ncpus);
	l->llcs = t->nllcs;
	l->cpu_nodes = st.numa_nodes;
	l->nodes = t->nnodes;
	l->valid = true;
	memcpy(l->llc, t->llc_cpus, t->nllcs * sizeof(*l->llc));
	memcpy(l->node, t->node_cpus, t->nnodes * sizeof(*l->node));
}

char *topo__to_json(const struct topo *t)
{
	json_t *o = json_object(), *cpus = json_array(), *nodes = json_array();
	char *s;

	for (unsigned c = 0; c < t->ncpus; c++)
		json_array_append_new(cpus, json_pack("[iiii]", t->cpus[c].node, t->cpus[c].llc,
						      t->cpus[c].core, t->cpus[c].thread));
	for (unsigned n = 0; n < t->nnodes; n++)
		json_array_append_new(nodes, json_pack("{sI}", "mem_mb",
						       (json_int_t)t->node_mem_mb[n]));
	json_object_set_new(o, "cpus", cpus);
	json_object_set_new(o, "nodes", nodes);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

int topo__from_json(const char *json, struct topo *t, char **err)
{
	json_error_t je;
	json_t *o = json_loads(json, 0, &je), *cpus, *nodes, *v;
	size_t i;

	*err = NULL;
	memset(t, 0, sizeof(*t));
	if (!o) {
		*err = xasprintf("topology JSON: %s (line %d)", je.text, je.line);
		return -EINVAL;
	}
	cpus = json_object_get(o, "cpus");
	nodes = json_object_get(o, "nodes");
	if (!json_is_array(cpus) || json_array_size(cpus) > KTSTR_MAX_CPUS) {
		*err = xstrdup("topology JSON: \"cpus\" must be an array of at most "
			       "KTSTR_MAX_CPUS entries");
		json_decref(o);
		return -EINVAL;
	}
	json_array_foreach(cpus, i, v) {
		struct topo_cpu *c = &t->cpus[i];

		if (json_unpack(v, "[iiii]", &c->node, &c->llc, &c->core, &c->thread) ||
		    c->node < 0 || c->node >= TOPO_MAX_NODES || c->llc < 0 ||
		    c->llc >= TOPO_MAX_LLCS || c->core < 0 || c->thread < 0) {
			*err = xasprintf("topology JSON: bad cpu entry %zu", i);
			json_decref(o);
			return -EINVAL;
		}
	}
	t->ncpus = json_array_size(cpus);
	if (json_is_array(nodes))
		t->nnodes = json_array_size(nodes);
	topo_finish(t);
	if (json_is_array(nodes))
		json_array_foreach(nodes, i, v) {
			json_int_t mb = 0;

			if (i < TOPO_MAX_NODES && !json_unpack(v, "{s?I}", "mem_mb", &mb) && mb > 0)
				t->node_mem_mb[i] = mb;
		}
	json_decref(o);
	return 0;
}
