// SPDX-License-Identifier: GPL-2.0-only
/* The budget selection and the cost model (spec/budget.c, spec/cost.c). */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "../unit/tap.h"
#include "spec/budget.h"
#include "spec/cost.h"
#include "spec/spec.h"

static struct spec_file *parse(const char *text)
{
	struct spec_file *sf = NULL;
	struct diag_list dl = {};

	if (spec_file__parse("t.yaml", text, strlen(text), SPEC_FORMAT_YAML, &sf, &dl))
		diag_print(&dl, stderr);
	diag_free(&dl);
	return sf;
}

int main(void)
{
	struct spec_file *f[4] = {
		parse("name: a\ntags: [basic]\nduration: 2s\ntopology: 1n1l4c1t\n"),
		parse("name: b\ntags: [basic]\nduration: 2s\ntopology: 1n1l4c1t\n"),
		parse("name: c\ntags: [stress]\nduration: 2s\ntopology: 1n4l16c1t\n"
		      "cgroups:\n  - name: cg_0\n    type: yield_heavy\n"),
		parse("name: d\ntags: [stress]\nduration: 20s\ntopology: 1n1l4c1t\nrepeats: 2\n"),
	};
	struct { struct spec_test tests[4]; size_t ntests; } all = { .ntests = 0 }, *sf = &all;
	struct spec_budget_item it[4];
	struct spec_budget_stats st;
	char **cfg;
	char dir[] = "/tmp/ktstr-test-budget.XXXXXX";
	struct spec_timings *tm = NULL;
	char *err = NULL, *p;
	bool measured;

	tap_plan(21);
	for (size_t i = 0; i < 4; i++)
		if (f[i] && f[i]->ntests == 1)
			all.tests[all.ntests++] = f[i]->tests[0];	/* a shallow copy: f[i] owns it */
	if (!tap_ok(all.ntests == 4, "four tests parse"))
		return tap_done();

	/* the cost model: the measured table, linear between rows, each repeat boots */
	tap_ok(spec_cost__boot_s(4) < spec_cost__boot_s(16) &&
	       spec_cost__boot_s(16) < spec_cost__boot_s(64) &&
	       spec_cost__boot_s(64) < spec_cost__boot_s(128) &&
	       spec_cost__boot_s(128) < spec_cost__boot_s(252), "boot time grows with vCPUs");
	tap_ok(spec_cost__boot_s(10) > spec_cost__boot_s(4) && spec_cost__boot_s(10) < spec_cost__boot_s(16),
	       "between two rows the boot time is between theirs");
	tap_ok(spec_test__cost_s(&sf->tests[3]) > 2 * (20 + spec_cost__boot_s(4)),
	       "two repeats of 20 s cost two boots and 40 s");
	{
		double d = spec_test__cost_s(&sf->tests[2]) - spec_test__cost_s(&sf->tests[0]) -
			   (spec_cost__boot_s(64) - spec_cost__boot_s(4));

		tap_ok(d > -1e-9 && d < 1e-9, "a larger guest costs its boot time");
	}
	{
		bool mono = true;
		struct spec_test longer = sf->tests[0];	/* a shallow copy: only read */

		for (unsigned c = 1; c < 300; c++)
			mono &= spec_cost__boot_s(c + 1) > spec_cost__boot_s(c);
		tap_ok(mono, "each vCPU more boots slower, from 1 to 300");
		longer.duration_ns += 10 * NSEC_PER_SEC;
		tap_ok(spec_test__cost_s(&longer) - spec_test__cost_s(&sf->tests[0]) >= 10,
		       "10 s more workload costs at least 10 s more");
		/* the interquartile range of 78 such runs (4 vCPUs, 2 s, TCG, 2026-12-07; cost.c) */
		tap_ok(spec_test__cost_s(&sf->tests[0]) > 9.0 && spec_test__cost_s(&sf->tests[0]) < 17.9,
		       "a 4-vCPU 2 s test costs what such runs took (9.0-17.9 s, median 14.1 s)");
		tap_ok(spec_cost__boot_s(80) < 120 && spec_cost__boot_s(128) > 120,
		       "under the 120 s boot timeout 80 vCPUs fit (72 s measured), 128 do not");
	}

	/* configurations: tag, topology class, profile, work type, duration class */
	it[0] = (struct spec_budget_item){ .name = "c", .t = &sf->tests[2], .kernel = "7.3" };
	cfg = spec_budget__configurations(&it[0]);
	{
		bool tag = false, cpus = false, kern = false, work = false, dur = false, prof = false;

		for (char **c = cfg; *c; c++) {
			tag |= str_eq(*c, "tag:stress");
			cpus |= str_eq(*c, "cpus:17-64");
			kern |= str_eq(*c, "kernel:7.3");
			work |= str_startswith(*c, "work:");
			dur |= str_eq(*c, "duration:0-2s");
			prof |= str_eq(*c, "profile:default");
		}
		tap_ok(tag && cpus && kern && work && dur && prof,
		       "a test's configurations name its tag, CPU class, kernel, work, duration, profile");
	}
	spec_budget__configurations_free(cfg);

	for (size_t i = 0; i < 4; i++)
		it[i] = (struct spec_budget_item){ .name = sf->tests[i].name, .t = &sf->tests[i],
						   .cost_s = spec_test__cost_s(&sf->tests[i]) };
	/* a and b have the same configurations: after a, b adds nothing */
	spec_budget__select(it, 4, spec_test__cost_s(&sf->tests[0]) + 0.01, &st);
	tap_ok(it[0].chosen && !it[1].chosen && !it[2].chosen && !it[3].chosen,
	       "a budget for one test takes the first of equals by name");
	tap_is_int(st.selected, 1, "one selected");
	tap_ok(st.used_s <= st.budget_s, "used within the budget");

	spec_budget__select(it, 4, spec_test__cost_s(&sf->tests[0]) + spec_test__cost_s(&sf->tests[2]) + 0.01, &st);
	tap_ok(it[0].chosen && it[2].chosen && !it[3].chosen,
	       "the cheaper of the two stress tests wins per second (d costs two long runs)");
	tap_ok(st.covered < st.configurations, "d's duration class stays uncovered");

	spec_budget__select(it, 4, 1e6, &st);
	tap_ok(st.covered == st.configurations && st.selected == 4,
	       "a large budget covers everything and then spends the rest (b is a second cover)");
	spec_budget__select(it, 4, 0.5, &st);
	tap_is_int(st.selected, 0, "a budget below every cost selects nothing");

	/* measured times: a results dir of result.json files, or a {name: s} object */
	if (!mkdtemp(dir))
		return 1;
	p = xasprintf("%s/a", dir);
	mkdir_p(p, 0755);
	free(p);
	p = xasprintf("%s/a/result.json", dir);
	{
		const char *r = "{\"kind\": \"ktstr-result\", \"name\": \"a\", \"elapsed_ns\": 3500000000}";

		write_file(p, r, strlen(r));
	}
	free(p);
	tap_ok(spec_timings__load(dir, &tm, &err) == 0 && spec_timings__get(tm, "a") == 3.5,
	       "a results dir gives each test's elapsed time");
	tap_ok(spec_test__estimate_s(&sf->tests[0], "a", tm, &measured) == 3.5 && measured &&
	       spec_test__estimate_s(&sf->tests[1], "b", tm, &measured) == spec_test__cost_s(&sf->tests[1]) &&
	       !measured, "a measured time wins; an unmeasured test falls back to the model");
	spec_timings__free(tm);
	p = xasprintf("%s/t.json", dir);
	write_file(p, "{\"a\": \"slow\"}", 13);
	free(err);
	err = NULL;
	tap_ok(spec_timings__load(p, &tm, &err) == -EINVAL && err && strstr(err, "\"a\": expected seconds"),
	       "a timings file with a non-number names the entry");
	free(err);
	err = NULL;
	free(p);
	p = xasprintf("%s/empty", dir);
	mkdir_p(p, 0755);
	tap_ok(spec_timings__load(p, &tm, &err) == -ENOENT && err && strstr(err, "no <test>/result.json"),
	       "a directory without results is an error, not an empty estimate");
	free(err);
	free(p);
	rm_rf(dir);
	for (size_t i = 0; i < 4; i++)
		spec_file__free(f[i]);
	return tap_done();
}
