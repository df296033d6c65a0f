/* SPDX-License-Identifier: GPL-2.0-only */
/* Fixed-size CPU sets with kernel cpulist parsing and formatting ("0-3,5"). */
#ifndef KTSTR_CPUMASK_H
#define KTSTR_CPUMASK_H

#include "util/util.h"

#define KTSTR_MAX_CPUS 512

struct cpumask {
	uint64_t bits[KTSTR_MAX_CPUS / 64];
};

static inline void cpumask_zero(struct cpumask *m) { memset(m, 0, sizeof(*m)); }
static inline void cpumask_set(struct cpumask *m, unsigned cpu)
{ if (cpu < KTSTR_MAX_CPUS) m->bits[cpu / 64] |= 1ULL << (cpu % 64); }
static inline void cpumask_clear_cpu(struct cpumask *m, unsigned cpu)
{ if (cpu < KTSTR_MAX_CPUS) m->bits[cpu / 64] &= ~(1ULL << (cpu % 64)); }
static inline bool cpumask_test(const struct cpumask *m, unsigned cpu)
{ return cpu < KTSTR_MAX_CPUS && (m->bits[cpu / 64] >> (cpu % 64)) & 1; }

unsigned cpumask_weight(const struct cpumask *m);
bool cpumask_empty(const struct cpumask *m);
bool cpumask_equal(const struct cpumask *a, const struct cpumask *b);
bool cpumask_subset(const struct cpumask *sub, const struct cpumask *of);
void cpumask_or(struct cpumask *dst, const struct cpumask *a, const struct cpumask *b);
void cpumask_and(struct cpumask *dst, const struct cpumask *a, const struct cpumask *b);
void cpumask_andnot(struct cpumask *dst, const struct cpumask *a, const struct cpumask *b);
/* Index of the n-th set CPU (0-based), or -1. */
int cpumask_nth(const struct cpumask *m, unsigned n);
int cpumask_first(const struct cpumask *m);
int cpumask_next(const struct cpumask *m, int prev);
#define for_each_cpu(cpu, m) \
	for ((cpu) = cpumask_first(m); (cpu) >= 0; (cpu) = cpumask_next((m), (cpu)))

/* Parse "0-3,5,7-9"; 0 or -EINVAL (also for CPUs >= KTSTR_MAX_CPUS). */
int cpumask_parse(const char *s, struct cpumask *m);
/* Format as a cpulist into buf; returns buf. Empty set is "". */
char *cpumask_format(const struct cpumask *m, char *buf, size_t len);

#endif
