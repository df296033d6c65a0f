/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading shards' results back (ktstr-report merge): each results directory's
 * shard.json and its tests' result.json, checked to come from one list and to
 * cover it exactly once, as test results the report renderers take as if one
 * machine had run everything.
 */
#ifndef KTSTR_MERGE_H
#define KTSTR_MERGE_H

#include "result/result.h"

struct merge_shard {
	char *dir;
	unsigned index, count;
	char *hash;
	size_t total;
	char *engine, *kernel, *version;
};

struct merge {
	struct merge_shard *shards;	/* in shard order after merge__load */
	size_t nshards;
	struct test_result **tests;	/* sorted by name; each owned */
	unsigned *test_shard;		/* the shard index each test came from */
	size_t ntests;
	char *hash;			/* the list's */
};

/*
 * Load dirs[0..n): every one a shard of the same list (same hash and count),
 * each shard exactly once, the shards' tests the whole list once. A test
 * without a readable result.json is an ERROR result naming its shard.
 * 0, or -EINVAL/-errno with *err naming the directory and what is wrong
 * (a missing shard, a duplicate, a foreign shard).
 */
int merge__load(struct merge *m, char *const *dirs, size_t n, char **err);
/*
 * A result.json read back into t (name, status, reason, times, kernel,
 * topology, scheduler, the runs' statuses and details). 0, or -EINVAL/-errno
 * with *err naming path and the problem.
 */
int merge__read_result(const char *path, struct test_result *t, char **err);
void merge__free(struct merge *m);

#endif
