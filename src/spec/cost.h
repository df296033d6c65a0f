/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a test costs in wall-clock seconds before it runs: the cost model
 * (TCG boot time by vCPU count, measured on this project's CI host and kept
 * in one table in cost.c) and the measured times of an earlier run. The
 * budget selection and the sharding both weigh tests with it.
 */
#ifndef KTSTR_SPEC_COST_H
#define KTSTR_SPEC_COST_H

#include <stdbool.h>
#include <stdint.h>

struct spec_test;

/* Seconds to boot a TCG guest of @cpus vCPUs to its agent (interpolated table). */
double spec_cost__boot_s(unsigned cpus);
/* The model's estimate for one test: every repeat boots, runs its duration, powers off. */
double spec_test__cost_s(const struct spec_test *t);

/*
 * Measured seconds per test name from an earlier run: a results directory
 * (each <dir>/<test>/result.json: name and elapsed_ns) or a JSON file that
 * is an object {"test name": seconds}. Owned by the caller; free with
 * spec_timings__free().
 */
struct spec_timings;
/* 0, or -errno with *err naming the path and what is wrong. */
int spec_timings__load(const char *path, struct spec_timings **out, char **err);
/* Seconds measured for @name, or a negative value when there is none. */
double spec_timings__get(const struct spec_timings *tm, const char *name);
size_t spec_timings__count(const struct spec_timings *tm);
void spec_timings__free(struct spec_timings *tm);

/* The measured time when @tm has one for @name, else spec_test__cost_s(t). */
double spec_test__estimate_s(const struct spec_test *t, const char *name,
			     const struct spec_timings *tm, bool *measured);

#endif
