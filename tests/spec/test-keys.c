// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the spec key table, topology labels, cpuset resolution and the name filter. */
#include <ctype.h>
#include <errno.h>

#include "tap.h"
#include "spec/keys.h"

static bool numeric(enum key_type t)
{
	return t == KT_UINT || t == KT_INT || t == KT_DURATION || t == KT_SIZE ||
	       t == KT_FRACTION || t == KT_COUNT;
}

static bool nested(enum key_type t)
{
	return t == KT_MAP || t == KT_MAPS || t == KT_OPS;
}

static unsigned resolve(const char *topo, struct spec_cpuset cs, char *buf, size_t len)
{
	struct spec_topology t;
	struct spec_layout l;
	struct cpumask m;

	spec_topology__parse(topo, &t);
	spec_topology__layout(&t, &l);
	if (spec_cpuset__resolve(&cs, &l, &m, NULL))
		snprintf(buf, len, "(empty)");
	else
		cpumask_format(&m, buf, len);
	return cpumask_weight(&m);
}

/* Parse one YAML text and say whether it has errors. */
static size_t errors_of(const char *text)
{
	struct diag_list dl = {};
	struct spec_file *sf;
	size_t n;

	spec_file__parse("t.yaml", text, strlen(text), SPEC_FORMAT_YAML, &sf, &dl);
	n = diag_count(&dl, DIAG_ERROR);
	diag_free(&dl);
	spec_file__free(sf);
	return n;
}

int main(void)
{
	unsigned bad_rows = 0, dups = 0, bad_ranges = 0, bad_nested = 0, per_section[SEC__COUNT] = {};
	struct spec_topology t;
	struct spec_filter *f;
	char buf[128], *err = NULL;
	int r;

	tap_plan(29);
	for (unsigned i = 0; i < K__COUNT; i++) {
		const struct spec_key *k = &spec_key_table[i];

		if (k->id != i || !k->name || !*k->name || !k->help || !*k->help || !k->def || !*k->def)
			bad_rows++;
		if (numeric(k->type) && !(k->min <= k->max && k->max > 0))
			bad_ranges++;
		if (nested(k->type) && k->sub == SEC_TEST)
			bad_nested++;
		if (k->section < SEC__COUNT)
			per_section[k->section]++;
		for (unsigned j = 0; j < i; j++)
			if (spec_key_table[j].section == k->section && str_eq(spec_key_table[j].name, k->name))
				dups++;
		if (spec_key__find(k->section, k->name) != k)
			bad_rows++;
	}
	tap_is_int(bad_rows, 0, "every key has a name, default, help and is found by spec_key__find");
	tap_is_int(dups, 0, "no key appears twice in a section");
	tap_is_int(bad_ranges, 0, "numeric keys have a range");
	tap_is_int(bad_nested, 0, "nested keys name their section");
	for (unsigned s = 0; s < SEC__COUNT; s++)
		if (!per_section[s])
			bad_rows++;
	tap_is_int(bad_rows, 0, "every section has keys");
	tap_ok(spec_key__find(SEC_TEST, "durration") == NULL, "unknown key is not found");
	for (unsigned i = 0; i < K__COUNT; i++) {
		const struct spec_key *k = &spec_key_table[i];
		union spec_num n;
		double v;

		/* A number in a row's default is the value the validator starts from: it must parse. */
		if (numeric(k->type) && k->type != KT_COUNT && isdigit((unsigned char)k->def[0]) &&
		    (spec_key__parse_number(k, k->def, &n, &v) || v < k->min || v > k->max)) {
			printf("# key %s.%s: default '%s' is no %s in range\n", spec_section_name(k->section),
				 k->name, k->def, spec_key_type_name(k->type));
			bad_rows++;
		}
	}
	tap_is_int(bad_rows, 0, "every numeric default in the key table parses as its key's type, in range");
	{
		struct spec_topology d = { 0 };

		tap_ok(!spec_topology__parse(spec_key_table[K_TEST_TOPOLOGY].def, &d) &&
		       d.numa_nodes == spec_key__default(K_TOPO_NUMA_NODES) &&
		       d.llcs == spec_key__default(K_TOPO_LLCS) && d.cores == spec_key__default(K_TOPO_CORES) &&
		       d.threads == spec_key__default(K_TOPO_THREADS) &&
		       d.memory_only_nodes == spec_key__default(K_TOPO_MEMORY_ONLY_NODES),
		       "topology's default %s is the topology keys' defaults",
		       spec_key_table[K_TEST_TOPOLOGY].def);
		tap_is_str(spec_key_table[K_TEST_SCHEDULER].def, spec_key_table[K_SCHED_PLUGIN].def,
			   "scheduler's default is scheduler.plugin's");
		tap_ok(spec_key__default(K_TEST_DURATION) == 2 * NSEC_PER_SEC &&
		       spec_key__default(K_TEST_MEMORY) == 2048, "duration 2s and memory 2048M read from the table");
	}
	tap_ok(spec_key__find(SEC_WORK, "workers") && !spec_key__find(SEC_TEST, "workers"),
	       "keys are per section");

	tap_ok(!spec_topology__parse("2n4l4c2t", &t) && spec_topology__cpus(&t) == 32, "2n4l4c2t is 32 CPUs");
	tap_is_str(spec_topology__label(&t, buf, sizeof(buf)), "2n4l4c2t", "topology label round trip");
	tap_ok(spec_topology__parse("2n4l4c", &t) < 0 && spec_topology__parse("0n1l1c1t", &t) < 0 &&
	       spec_topology__parse("1n1l1c1tx", &t) < 0, "bad compact topologies rejected");
	tap_ok(!spec_topology__parse("1n2l1c1t+1m", &t) && t.numa_nodes == 1 && t.memory_only_nodes == 1 &&
	       spec_topology__nodes(&t) == 2 && spec_topology__cpus(&t) == 2 &&
	       str_eq(spec_topology__label(&t, buf, sizeof(buf)), "1n2l1c1t+1m"),
	       "1n2l1c1t+1m: one memory-only node, label round trip");
	tap_ok(spec_topology__parse("1n2l1c1t+m", &t) < 0 && spec_topology__parse("1n2l1c1t+1", &t) < 0 &&
	       spec_topology__parse("1n2l1c1t+1m1", &t) < 0 && spec_topology__parse("1n2l1c1t1m", &t) < 0,
	       "bad memory-only suffixes rejected");
	tap_ok(!spec_topology__parse("1n4l1c1t", &t) && spec_topology__usable_cpus(&t) == 3,
	       "4 CPUs: last one reserved");

	resolve("1n2l2c1t", (struct spec_cpuset){ .kind = CPUSET_LLC, .index = 1 }, buf, sizeof(buf));
	tap_is_str(buf, "2-3", "llc:1 of 1n2l2c1t");
	resolve("2n4l2c1t", (struct spec_cpuset){ .kind = CPUSET_NUMA, .index = 1 }, buf, sizeof(buf));
	tap_is_str(buf, "4-7", "numa:1 of 2n4l2c1t");
	resolve("1n1l8c1t", (struct spec_cpuset){ .kind = CPUSET_DISJOINT, .index = 1, .of = 2 }, buf, sizeof(buf));
	tap_is_str(buf, "3-6", "disjoint:1/2 of 7 usable CPUs: the last part takes the rest");
	resolve("1n1l8c1t", (struct spec_cpuset){ .kind = CPUSET_RANGE, .start = 0, .end = 0.5 }, buf, sizeof(buf));
	tap_is_str(buf, "0-2", "range:0-0.5 of 7 usable CPUs");
	resolve("1n1l8c1t", (struct spec_cpuset){ .kind = CPUSET_OVERLAP, .index = 1, .of = 2, .frac = 0.5 },
		buf, sizeof(buf));
	tap_is_str(buf, "2-6", "overlap:1/2/0.5 of 7 usable CPUs widens by one CPU");

	tap_ok(!spec_filter__new("topology=1n2", &f, &err), "filter compiles");
	tap_ok(spec_filter__match(f, "steady/topology=1n2l2c1t") && !spec_filter__match(f, "steady"),
	       "filter matches expanded names");
	spec_filter__free(f);
	r = spec_filter__new("a(b", &f, &err);
	tap_ok(r == -EINVAL && err && strstr(err, "offset 3"), "bad filter says where: %s", err ? err : "");
	free(err);

	tap_is_int(errors_of("name: x\ncgroups: [{name: cg_0}]\n"), 0, "minimal spec is clean");
	tap_is_int(errors_of("name: x\ncgroups: [{name: cg_0, workers: 3, type: pipe_io}]\n"), 1,
		   "odd worker count for a paired work type");
	tap_is_int(errors_of("\xff\xfe\x00garbage: [\n"), 1, "binary garbage is one error, not a crash");
	{
		const char *y = "cgroups: [{name: cg_0}]\nmatrix: {duration: [1s, 2s]}\n";
		struct diag_list dl = {};
		struct spec_file *sf;

		spec_file__parse("/ktstr/spec.yaml", y, strlen(y), SPEC_FORMAT_AUTO, &sf, &dl);
		tap_ok(sf && sf->ntests == 2 && spec_file__find(sf, "steady/duration=2s") == &sf->tests[1] &&
		       !spec_file__find(sf, "steady/duration=3s"),
		       "a test named after its file is found under its original name");
		diag_free(&dl);
		spec_file__free(sf);
	}
	return tap_done();
}
