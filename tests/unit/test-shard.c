// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for cmd/shard: over random lists and shard counts the shards
 * form an exact partition, independent of the list's order, balanced as
 * greedy list scheduling guarantees; the engines' environments map to K/N
 * or to an error, never to a full run.
 */
#include "tap.h"
#include "cmd/shard.h"
#include "spec/spec.h"

static unsigned long long rng = 88172645463325252ULL;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? rng % n : 0;
}

/* One random list: n unique names, random durations, topologies and repeats. */
static struct spec_test *random_tests(size_t n)
{
	struct spec_test *t = xcalloc(n ?: 1, sizeof(*t));

	for (size_t i = 0; i < n; i++) {
		t[i].name = xasprintf("t%u/%zu", rnd(1000), i);
		t[i].duration_ns = (uint64_t)rnd(4) * rnd(20) * 500000000ULL;	/* often 0 */
		t[i].topology = (struct spec_topology){ .numa_nodes = 1, .llcs = 1 + rnd(2),
							.cores = 1 + rnd(4), .threads = 1 };
		t[i].repeats = rnd(3);
	}
	return t;
}

static void shuffle(struct spec_list_test *v, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rnd(i);
		struct spec_list_test x = v[i - 1];

		v[i - 1] = v[j];
		v[j] = x;
	}
}

/* Which shard the test t is in after selecting every K of count from order (a permutation). */
static bool partition_ok(struct spec_test *t, size_t n, unsigned count, struct spec_list_test *order,
			 unsigned *where, char hash[65], uint64_t *load)
{
	bool ok = true;

	for (size_t i = 0; i < n; i++)
		where[i] = 0;
	for (unsigned k = 1; k <= count; k++) {
		struct spec_list l = { .tests = xcalloc(n ?: 1, sizeof(*l.tests)), .ntests = n };
		struct shard_sel s = { .index = k, .count = count, .engine = "manual" };
		struct shard_info info;

		memcpy(l.tests, order, n * sizeof(*order));
		shard__select(&l, &s, NULL, &info);
		if (k == 1)
			memcpy(hash, info.hash, 65);
		ok &= str_eq(hash, info.hash) && info.total == n;
		load[k - 1] = 0;
		for (size_t i = 0; i < l.ntests; i++) {
			size_t idx = l.tests[i].t - t;

			ok &= where[idx] == 0;	/* in no earlier shard */
			where[idx] = k;
			load[k - 1] += shard__cost_ms(l.tests[i].t, NULL) + 1;
		}
		free(l.tests);
	}
	for (size_t i = 0; i < n; i++)
		ok &= where[i] >= 1 && where[i] <= count;	/* in some shard */
	return ok;
}

static void test_partition(void)
{
	unsigned bad = 0, order_dep = 0, unbalanced = 0, rounds = 300;

	for (unsigned r = 0; r < rounds; r++) {
		size_t n = rnd(4) ? rnd(60) : rnd(400);
		unsigned count = 1 + rnd(r % 5 ? 12 : 500);
		struct spec_test *t = random_tests(n);
		struct spec_list_test *order = xcalloc(n ?: 1, sizeof(*order));
		unsigned *w1 = xcalloc(n ?: 1, sizeof(*w1)), *w2 = xcalloc(n ?: 1, sizeof(*w2));
		uint64_t *load = xcalloc(count, sizeof(*load)), maxc = 0, lo = UINT64_MAX, hi = 0;
		char h1[65], h2[65];

		for (size_t i = 0; i < n; i++) {
			order[i].t = &t[i];
			maxc = MAX(maxc, shard__cost_ms(&t[i], NULL) + 1);
		}
		bad += !partition_ok(t, n, count, order, w1, h1, load);
		for (unsigned k = 0; k < count; k++) {
			lo = MIN(lo, load[k]);
			hi = MAX(hi, load[k]);
		}
		/* greedy list scheduling: the fullest shard's last test went to the emptiest */
		unbalanced += hi - lo > maxc;
		shuffle(order, n);
		bad += !partition_ok(t, n, count, order, w2, h2, load);
		order_dep += memcmp(w1, w2, n * sizeof(*w1)) != 0 || !str_eq(h1, h2);
		for (size_t i = 0; i < n; i++)
			free(t[i].name);
		free(t);
		free(order);
		free(w1);
		free(w2);
		free(load);
	}
	tap_is_int(bad, 0, "random lists and counts: every test in exactly one shard");
	tap_is_int(order_dep, 0, "the partition and the hash do not depend on the list's order");
	tap_is_int(unbalanced, 0, "shard loads differ by at most the largest test's cost");
}

static void test_balance_by_cost(void)
{
	/* one long test and six short ones over 2 shards: by count 4/3, by cost 1/6 */
	const char *names[] = { "long", "a", "b", "c", "d", "e", "f" };
	uint64_t cost[] = { 60000, 10000, 10000, 10000, 10000, 10000, 10000 };
	unsigned out[7], in1 = 0;

	shard__assign(names, cost, 7, 2, out);
	for (int i = 1; i < 7; i++)
		in1 += out[i] == out[0];
	tap_is_int(in1, 0, "a 60 s test gets a shard of its own beside six 10 s tests");
}

static void test_hash(void)
{
	const char *a[] = { "x", "y" }, *b[] = { "y", "x" }, *c[] = { "x", "y", "z" };
	char ha[65], hb[65], hc[65];

	shard__list_hash(a, 2, ha);
	shard__list_hash(b, 2, hb);
	shard__list_hash(c, 3, hc);
	tap_ok(str_eq(ha, hb) && !str_eq(ha, hc) && strlen(ha) == 64,
	       "the list hash: order-free, differs for another list");
}

static const char *const *cur_env;

static const char *fake_env(const char *name)
{
	for (size_t i = 0; cur_env[i]; i += 2)
		if (str_eq(cur_env[i], name))
			return cur_env[i + 1];
	return NULL;
}

/* arg under env (NULL-terminated name/value pairs): "K/N engine" or "error: ..." */
static char *sel(const char *arg, unsigned shards, const char *const *env)
{
	struct shard_sel s;
	char *err = NULL, *out;

	cur_env = env;
	if (shard_sel__parse_env(arg, shards, fake_env, &s, &err))
		return err;
	out = xasprintf("%u/%u %s", s.index, s.count, s.engine);
	shard_sel__free(&s);
	return out;
}

#define SEL(want, arg, shards, ...)                                                    \
	do {                                                                           \
		static const char *const env[] = { __VA_ARGS__, NULL };               \
		char *got = sel(arg, shards, env);                                     \
		tap_ok(strncmp(got, want, strlen(want)) == 0, "%s -> %s", #__VA_ARGS__, want); \
		if (strncmp(got, want, strlen(want)))                                  \
			printf("  ---\n  got: '%s'\n  ...\n", got);                    \
		free(got);                                                             \
	} while (0)

static void test_env(void)
{
	SEL("2/3 manual", "2/3", 0, "X", "1");
	SEL("--shard '0/3'", "0/3", 0, "X", "1");
	SEL("--shard '4/3'", "4/3", 0, "X", "1");
	SEL("--shard '1/'", "1/", 0, "X", "1");
	SEL("--shard auto: no engine found", "auto", 0, "X", "1");
	SEL("1/3 slurm", "auto", 0, "SLURM_ARRAY_TASK_ID", "0", "SLURM_ARRAY_TASK_MIN", "0",
	    "SLURM_ARRAY_TASK_MAX", "2");
	SEL("3/3 slurm", "auto", 0, "SLURM_ARRAY_TASK_ID", "7", "SLURM_ARRAY_TASK_MIN", "5",
	    "SLURM_ARRAY_TASK_COUNT", "3");
	SEL("2/3 slurm", "auto", 0, "SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_MIN", "0",
	    "SLURM_ARRAY_TASK_MAX", "4", "SLURM_ARRAY_TASK_STEP", "2");
	SEL("SLURM_ARRAY_TASK_COUNT=3 but", "auto", 0, "SLURM_ARRAY_TASK_ID", "3",
	    "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_MAX", "7", "SLURM_ARRAY_TASK_COUNT", "3");
	SEL("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_MIN is missing", "auto", 0,
	    "SLURM_ARRAY_TASK_ID", "1", "SLURM_ARRAY_TASK_MAX", "2");
	SEL("SLURM_ARRAY_TASK_ID=9 is not one", "auto", 0, "SLURM_ARRAY_TASK_ID", "9",
	    "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_MAX", "2");
	SEL("4/5 kubernetes", "auto", 5, "JOB_COMPLETION_INDEX", "3");
	SEL("4/6 kubernetes", "auto", 0, "JOB_COMPLETION_INDEX", "3", "KTSTR_SHARDS", "6");
	SEL("JOB_COMPLETION_INDEX is set but the number", "auto", 0, "JOB_COMPLETION_INDEX", "3");
	SEL("JOB_COMPLETION_INDEX=5 is not below", "auto", 5, "JOB_COMPLETION_INDEX", "5");
	SEL("2/4 gitlab", "auto", 0, "CI_NODE_INDEX", "2", "CI_NODE_TOTAL", "4");
	SEL("CI_NODE_INDEX='0'", "auto", 0, "CI_NODE_INDEX", "0", "CI_NODE_TOTAL", "4");
	SEL("CI_NODE_INDEX is set but CI_NODE_TOTAL is missing", "auto", 0, "CI_NODE_INDEX", "1");
	SEL("--shard auto: the environment names more than one", "auto", 0, "CI_NODE_INDEX", "1",
	    "CI_NODE_TOTAL", "2", "SLURM_ARRAY_TASK_ID", "0");
}

int main(void)
{
	tap_plan(24);
	test_partition();
	test_balance_by_cost();
	test_hash();
	test_env();
	return tap_done();
}
