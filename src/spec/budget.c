// SPDX-License-Identifier: GPL-2.0-only
/* --budget: greedy coverage of a battery's configurations per second (budget.h). */
#include <math.h>

#include "spec/budget.h"
#include "spec/spec.h"

/* ktstr's one-hot buckets (src/budget.rs): each value of a dimension is its own configuration. */
static const char *cpu_bucket(unsigned n)
{
	return n <= 8 ? "1-8" : n <= 16 ? "9-16" : n <= 64 ? "17-64" : n <= 128 ? "65-128" : "129+";
}

static const char *llc_bucket(unsigned n)
{
	return n <= 1 ? "1" : n == 2 ? "2" : n <= 4 ? "3-4" : n <= 8 ? "5-8" : "9+";
}

static const char *numa_bucket(unsigned n)
{
	return n <= 1 ? "1" : n == 2 ? "2" : n <= 4 ? "3-4" : "5+";
}

static const char *duration_bucket(uint64_t ns)
{
	uint64_t s = ns / NSEC_PER_SEC;

	return s <= 2 ? "0-2s" : s <= 10 ? "3-10s" : "11s+";
}

static void add(char ***v, size_t *n, char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (str_eq((*v)[i], s)) {
			free(s);
			return;
		}
	*(char **)array_push(v, n, sizeof(char *)) = s;
}

static void add_works(char ***v, size_t *n, const struct spec_cgroup *cg, size_t ncg)
{
	for (size_t i = 0; i < ncg; i++)
		for (size_t w = 0; w < cg[i].nworks; w++)
			if (cg[i].works[w].type)
				add(v, n, xasprintf("work:%s", cg[i].works[w].type->snake));
}

char **spec_budget__configurations(const struct spec_budget_item *it)
{
	const struct spec_test *t = it->t;
	const struct spec_topology *tp = &t->topology;
	char **v = NULL;
	size_t n = 0;

	add(&v, &n, xasprintf("scheduler:%s", t->sched.plugin ? t->sched.plugin : "eevdf"));
	for (char **tag = t->tags; tag && *tag; tag++)
		add(&v, &n, xasprintf("tag:%s", *tag));
	add(&v, &n, xasprintf("cpus:%s", cpu_bucket(spec_topology__cpus(tp))));
	add(&v, &n, xasprintf("llcs:%s", llc_bucket(tp->llcs)));
	add(&v, &n, xasprintf("numa:%s", numa_bucket(tp->numa_nodes)));
	add(&v, &n, xasprintf("smt:%s", tp->threads > 1 ? "yes" : "no"));
	if (t->profile) {
		add(&v, &n, xasprintf("profile:%s", t->profile));
	} else {
		_cleanup_free_ char *p = spec_profile__name(t->sched.flags);

		add(&v, &n, xasprintf("profile:%s", p));
	}
	add_works(&v, &n, t->cgroups, t->ncgroups);
	for (size_t s = 0; s < t->nsteps; s++) {
		add_works(&v, &n, t->steps[s].cgroups, t->steps[s].ncgroups);
		for (size_t o = 0; o < t->steps[s].nops; o++)
			if (t->steps[s].ops[o].work.type)
				add(&v, &n, xasprintf("work:%s", t->steps[s].ops[o].work.type->snake));
	}
	add(&v, &n, xasprintf("duration:%s", duration_bucket(t->duration_ns)));
	add(&v, &n, xstrdup(t->preset ? "gauntlet:yes" : "gauntlet:no"));
	if (it->kernel)
		add(&v, &n, xasprintf("kernel:%s", it->kernel));
	add(&v, &n, NULL);
	return v;
}

void spec_budget__configurations_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* The configurations as ids into one table, so coverage is a bool per id. */
struct interned {
	char **names;
	size_t n;
};

static size_t intern(struct interned *in, const char *s)
{
	for (size_t i = 0; i < in->n; i++)
		if (str_eq(in->names[i], s))
			return i;
	*(char **)array_push(&in->names, &in->n, sizeof(char *)) = xstrdup(s);
	return in->n - 1;
}

void spec_budget__select(struct spec_budget_item *v, size_t n, double budget_s,
			 struct spec_budget_stats *st)
{
	struct interned in = {};
	size_t **ids = xcalloc(n ? n : 1, sizeof(*ids)), *nids = xcalloc(n ? n : 1, sizeof(*nids));
	unsigned *covered, round = 1;	/* times each configuration is covered */
	double left = budget_s;

	memset(st, 0, sizeof(*st));
	st->total = n;
	st->budget_s = budget_s;
	for (size_t i = 0; i < n; i++) {
		char **c = spec_budget__configurations(&v[i]);

		v[i].chosen = false;
		/* a test that SKIPs runs nothing: its configurations are not on offer */
		for (char **p = c; *p && !v[i].skips; p++)
			*(size_t *)array_push(&ids[i], &nids[i], sizeof(size_t)) = intern(&in, *p);
		spec_budget__configurations_free(c);
	}
	covered = xcalloc(in.n ? in.n : 1, sizeof(*covered));
	/*
	 * Round r counts a configuration as new while fewer than r chosen tests
	 * cover it. ktstr stops after round 1; a budget is time the user gave,
	 * so once everything is covered the rest of it buys a second cover, a
	 * third, ... with the same greed, until nothing more fits.
	 */
	for (;;) {
		double best_ratio = 0;
		size_t best = n;

		for (size_t i = 0; i < n; i++) {
			size_t marginal = 0;
			double ratio;

			if (v[i].chosen || v[i].skips || v[i].cost_s > left)
				continue;
			for (size_t k = 0; k < nids[i]; k++)
				marginal += covered[ids[i][k]] < round;
			if (!marginal)
				continue;
			/* a free test: effectively infinite ratio, as ktstr */
			ratio = v[i].cost_s > 0 ? marginal / v[i].cost_s : marginal * 1e6;
			if (ratio > best_ratio ||
			    (ratio == best_ratio && best < n && strcmp(v[i].name, v[best].name) < 0)) {
				best_ratio = ratio;
				best = i;
			}
		}
		if (best == n) {
			bool fits = false;

			for (size_t i = 0; i < n && !fits; i++)
				fits = !v[i].chosen && !v[i].skips && v[i].cost_s <= left;
			if (!fits || round == n)
				break;
			round++;
			continue;
		}
		v[best].chosen = true;
		left -= v[best].cost_s;
		st->used_s += v[best].cost_s;
		st->selected++;
		for (size_t k = 0; k < nids[best]; k++)
			covered[ids[best][k]]++;
	}
	st->configurations = in.n;
	st->covered = 0;
	for (size_t i = 0; i < in.n; i++) {
		st->covered += covered[i] > 0;
		free(in.names[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	free(nids);
	free(covered);
	free(in.names);
}
