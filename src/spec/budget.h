/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --budget: the subset of a battery that covers the most of its
 * configurations per second of estimated cost, chosen greedily as ktstr's
 * budget selection (src/budget.rs) does. A configuration is one value of
 * one dimension of a test: its scheduler, category tag, topology class (CPU,
 * LLC and NUMA bucket, SMT), flag profile, work type, duration class,
 * gauntlet or not, and kernel.
 */
#ifndef KTSTR_SPEC_BUDGET_H
#define KTSTR_SPEC_BUDGET_H

#include <stdbool.h>
#include <stddef.h>

struct spec_test;

/* One candidate: a test (on one kernel) and what it is estimated to cost. */
struct spec_budget_item {
	const char *name;		/* the run's test name (borrowed) */
	const struct spec_test *t;	/* borrowed */
	const char *kernel;		/* the kernel label of a kernel dimension, or NULL */
	double cost_s;			/* estimate (spec_test__estimate_s) */
	bool skips;			/* will SKIP before booting (its flags): covers nothing */
	bool chosen;			/* out */
};

struct spec_budget_stats {
	size_t selected, total;
	double used_s, budget_s;
	size_t covered, configurations;
};

/*
 * Greedy maximum marginal coverage per second: repeatedly choose the item
 * whose configurations not yet covered, divided by its cost, are the most
 * (ties: the smaller name), skipping items that no longer fit. When no
 * fitting item adds coverage, the rest of the budget covers everything a
 * second time, a third, ... until nothing fits. Sets ->chosen and *st.
 */
void spec_budget__select(struct spec_budget_item *v, size_t n, double budget_s,
			 struct spec_budget_stats *st);
/* The configurations of one item ("tag:basic", "cpus:9-16"), NULL-terminated. */
char **spec_budget__configurations(const struct spec_budget_item *it);
void spec_budget__configurations_free(char **v);

#endif
