// SPDX-License-Identifier: GPL-2.0-only
/* Fixed-size CPU sets and the kernel's cpulist format. */
#include <ctype.h>
#include <errno.h>

#include "util/cpumask.h"

#define NWORDS (KTSTR_MAX_CPUS / 64)

unsigned cpumask_weight(const struct cpumask *m)
{
	unsigned w = 0;

	for (unsigned i = 0; i < NWORDS; i++)
		w += __builtin_popcountll(m->bits[i]);
	return w;
}

bool cpumask_empty(const struct cpumask *m)
{
	return cpumask_weight(m) == 0;
}

bool cpumask_equal(const struct cpumask *a, const struct cpumask *b)
{
	return !memcmp(a->bits, b->bits, sizeof(a->bits));
}

bool cpumask_subset(const struct cpumask *sub, const struct cpumask *of)
{
	for (unsigned i = 0; i < NWORDS; i++)
		if (sub->bits[i] & ~of->bits[i])
			return false;
	return true;
}

void cpumask_or(struct cpumask *dst, const struct cpumask *a, const struct cpumask *b)
{
	for (unsigned i = 0; i < NWORDS; i++)
		dst->bits[i] = a->bits[i] | b->bits[i];
}

void cpumask_and(struct cpumask *dst, const struct cpumask *a, const struct cpumask *b)
{
	for (unsigned i = 0; i < NWORDS; i++)
		dst->bits[i] = a->bits[i] & b->bits[i];
}

void cpumask_andnot(struct cpumask *dst, const struct cpumask *a, const struct cpumask *b)
{
	for (unsigned i = 0; i < NWORDS; i++)
		dst->bits[i] = a->bits[i] & ~b->bits[i];
}

int cpumask_next(const struct cpumask *m, int prev)
{
	for (unsigned cpu = prev + 1; cpu < KTSTR_MAX_CPUS; cpu++) {
		uint64_t w = m->bits[cpu / 64] >> (cpu % 64);

		if (!w) {
			cpu |= 63;
			continue;
		}
		return cpu + __builtin_ctzll(w);
	}
	return -1;
}

int cpumask_first(const struct cpumask *m)
{
	return cpumask_next(m, -1);
}

int cpumask_nth(const struct cpumask *m, unsigned n)
{
	int cpu;

	for_each_cpu(cpu, m)
		if (!n--)
			return cpu;
	return -1;
}

static int parse_cpu(const char **s, unsigned *cpu)
{
	unsigned long v = 0;

	if (!isdigit((unsigned char)**s))
		return -EINVAL;
	while (isdigit((unsigned char)**s)) {
		v = v * 10 + (*(*s)++ - '0');
		if (v >= KTSTR_MAX_CPUS)
			return -EINVAL;
	}
	*cpu = v;
	return 0;
}

int cpumask_parse(const char *s, struct cpumask *m)
{
	cpumask_zero(m);
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == '\n')
		return 0;
	for (;;) {
		unsigned a, b;

		if (parse_cpu(&s, &a))
			return -EINVAL;
		b = a;
		if (*s == '-') {
			s++;
			if (parse_cpu(&s, &b) || b < a)
				return -EINVAL;
		}
		for (unsigned c = a; c <= b; c++)
			cpumask_set(m, c);
		if (*s == ',') {
			s++;
			continue;
		}
		while (isspace((unsigned char)*s))
			s++;
		return *s ? -EINVAL : 0;
	}
}

char *cpumask_format(const struct cpumask *m, char *buf, size_t len)
{
	size_t off = 0;
	int cpu = cpumask_first(m);

	if (len)
		buf[0] = '\0';
	while (cpu >= 0) {
		int end = cpu;

		while (cpumask_test(m, end + 1))
			end++;
		if (off < len)
			off += snprintf(buf + off, len - off, "%s%d", off ? "," : "", cpu);
		if (end > cpu && off < len)
			off += snprintf(buf + off, len - off, "-%d", end);
		cpu = cpumask_next(m, end);
	}
	return buf;
}
