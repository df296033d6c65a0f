/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sharding the expanded test list over machines (--shard K/N, --shard auto):
 * a deterministic, cost-balanced partition that any machine computes the
 * same way from the same list, the engine environments that name a shard
 * (Slurm arrays, Kubernetes Indexed Jobs, GitLab parallel jobs), and the
 * list's identity (a hash) that the merge checks.
 */
#ifndef KTSTR_SHARD_H
#define KTSTR_SHARD_H

#include "util/util.h"
#include "spec/cost.h"

struct spec_test;

/* A shard: 1-based index of count, and where the pair came from. */
struct shard_sel {
	unsigned index;		/* 1..count */
	unsigned count;
	const char *engine;	/* "manual", "slurm", "kubernetes", "gitlab" (static) */
	char *why;		/* the environment read, in words (malloc'd), or NULL */
};

/* The most shards a list is split into. */
#define SHARD_MAX 100000

/*
 * Parse --shard: "K/N" (1 <= K <= N) or "auto" (read the engine's environment
 * through getenv; shards_opt is --shards N or 0, then KTSTR_SHARDS is read for
 * Kubernetes). 0, or -EINVAL with *err saying what is missing or inconsistent.
 */
int shard_sel__parse(const char *arg, unsigned shards_opt, struct shard_sel *s, char **err);
/* The same, with the environment given as a lookup (for tests). */
int shard_sel__parse_env(const char *arg, unsigned shards_opt,
			 const char *(*env)(const char *name), struct shard_sel *s, char **err);
void shard_sel__free(struct shard_sel *s);

/*
 * A test's expected cost in ms: its measured time in @tm (--timings), else
 * the cost model of spec/cost.c, which the budget uses too.
 */
uint64_t shard__cost_ms(const struct spec_test *t, const struct spec_timings *tm);

/*
 * Partition n tests (unique names, any order) into count shards balanced by
 * cost: greedy LPT over the tests sorted by (cost descending, name), each to
 * the least loaded shard (lowest index on ties). out[i] is test i's shard,
 * 1-based. The result depends only on the (name, cost) pairs, not on their
 * order, so every machine computes the same partition.
 */
void shard__assign(const char *const *names, const uint64_t *cost, size_t n, unsigned count,
		   unsigned *out);

/* sha256 (hex) of the sorted names, each followed by '\n', then the ktstr version. */
void shard__list_hash(const char *const *names, size_t n, char out[65]);

/* What a shard knows of the full list: its hash, its size, the shard's expected cost. */
struct shard_info {
	char hash[65];
	size_t total;
	uint64_t cost_ms;
};

struct spec_list;
/*
 * Keep only the tests of shard s in l (in their order), costs from tm
 * (may be NULL) or the model; info describes the full list. Returns 0.
 */
int shard__select(struct spec_list *l, const struct shard_sel *s, const struct spec_timings *tm,
		  struct shard_info *info);

struct run_opts;
/*
 * The command's step: with o->shard, load o->timings and keep the shard's
 * tests in l, saying on stderr which shard and engine. 0, or 2 after a message.
 */
int cmd__shard(const struct run_opts *o, struct spec_list *l, struct shard_info *info);

/*
 * DIR/shard.json: the shard, the engine, the full list's hash and size, this
 * shard's tests, the kernel and ktstr's version (doc/results-format.md). 0 or -errno.
 */
int shard__write_json(const char *dir, const struct shard_sel *s, const struct shard_info *info,
		      const char *const *names, size_t n, const char *kernel);

#endif
