// SPDX-License-Identifier: GPL-2.0-only
/* Sharding the expanded test list: the partition, the engines' environments, the list hash. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "cmd/shard.h"
#include "spec/spec.h"
#include "util/jdec.h"

/* A count or index in decimal, nothing else: 0, or -EINVAL. */
static int parse_num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end || *out > max ? -EINVAL : 0;
}

static int set_err(char **err, char *msg)
{
	*err = msg;
	return -EINVAL;
}

/* SLURM_ARRAY_TASK_ID with MIN/MAX (and STEP) or COUNT: index = (ID - MIN) / STEP. */
static int from_slurm(const char *(*env)(const char *), struct shard_sel *s, char **err)
{
	const char *id = env("SLURM_ARRAY_TASK_ID"), *mn = env("SLURM_ARRAY_TASK_MIN"),
		   *mx = env("SLURM_ARRAY_TASK_MAX"), *cnt = env("SLURM_ARRAY_TASK_COUNT"),
		   *st = env("SLURM_ARRAY_TASK_STEP");
	unsigned long vid, vmin = 0, vmax = 0, vcnt = 0, vstep = 1, n;

	if (parse_num(id, SHARD_MAX * 100UL, &vid))
		return set_err(err, xasprintf("SLURM_ARRAY_TASK_ID='%s' is not a task index",
					      id));
	if (!mn || parse_num(mn, SHARD_MAX * 100UL, &vmin))
		return set_err(err, xasprintf("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_MIN "
					      "is %s%s%s: run under sbatch --array=A-B",
					      mn ? "'" : "missing", mn ?: "", mn ? "'" : ""));
	if (st && (parse_num(st, SHARD_MAX, &vstep) || !vstep))
		return set_err(err, xasprintf("SLURM_ARRAY_TASK_STEP='%s' is not a step", st));
	if (mx && parse_num(mx, SHARD_MAX * 100UL, &vmax))
		return set_err(err, xasprintf("SLURM_ARRAY_TASK_MAX='%s' is not a task index", mx));
	if (cnt && (parse_num(cnt, SHARD_MAX, &vcnt) || !vcnt))
		return set_err(err, xasprintf("SLURM_ARRAY_TASK_COUNT='%s' is not a count", cnt));
	if (!mx && !cnt)
		return set_err(err, xstrdup("SLURM_ARRAY_TASK_ID is set but neither "
					    "SLURM_ARRAY_TASK_MAX nor SLURM_ARRAY_TASK_COUNT"));
	if (mx && vmax < vmin)
		return set_err(err, xasprintf("SLURM_ARRAY_TASK_MAX=%lu is below "
					      "SLURM_ARRAY_TASK_MIN=%lu", vmax, vmin));
	n = mx ? (vmax - vmin) / vstep + 1 : vcnt;
	/* --array=0,3,7 has gaps: its tasks cannot be numbered 1..N, so no shard is sure */
	if (mx && cnt && n != vcnt)
		return set_err(err, xasprintf("SLURM_ARRAY_TASK_COUNT=%lu but MIN=%lu..MAX=%lu "
					      "step %lu make %lu tasks: use a range without gaps "
					      "(--array=0-%lu)", vcnt, vmin, vmax, vstep, n, vcnt - 1));
	if (vid < vmin || (vid - vmin) % vstep || (vid - vmin) / vstep >= n)
		return set_err(err, xasprintf("SLURM_ARRAY_TASK_ID=%lu is not one of the %lu tasks "
					      "from %lu step %lu", vid, n, vmin, vstep));
	if (n > SHARD_MAX)
		return set_err(err, xasprintf("Slurm array of %lu tasks: at most %d shards", n,
					      SHARD_MAX));
	s->index = (vid - vmin) / vstep + 1;
	s->count = n;
	s->engine = "slurm";
	s->why = xasprintf("Slurm array task %lu of %lu..%lu", vid, vmin, vmin + (n - 1) * vstep);
	return 0;
}

/* JOB_COMPLETION_INDEX (0-based); the count is --shards N or KTSTR_SHARDS. */
static int from_k8s(const char *(*env)(const char *), unsigned shards_opt,
		    struct shard_sel *s, char **err)
{
	const char *idx = env("JOB_COMPLETION_INDEX"), *ks = env("KTSTR_SHARDS");
	unsigned long vi, n = shards_opt;

	if (parse_num(idx, SHARD_MAX, &vi))
		return set_err(err, xasprintf("JOB_COMPLETION_INDEX='%s' is not an index", idx));
	if (!n && ks && (parse_num(ks, SHARD_MAX, &n) || !n))
		return set_err(err, xasprintf("KTSTR_SHARDS='%s' is not a count from 1 to %d", ks,
					      SHARD_MAX));
	if (!n)
		return set_err(err, xstrdup("JOB_COMPLETION_INDEX is set but the number of shards "
					    "is not: give --shards N or KTSTR_SHARDS=N (the Job's "
					    "completions)"));
	if (vi >= n)
		return set_err(err, xasprintf("JOB_COMPLETION_INDEX=%lu is not below the %lu "
					      "shards", vi, n));
	s->index = vi + 1;
	s->count = n;
	s->engine = "kubernetes";
	s->why = xasprintf("Kubernetes Indexed Job completion index %lu of %lu", vi, n);
	return 0;
}

/* CI_NODE_INDEX/CI_NODE_TOTAL, both 1-based. */
static int from_gitlab(const char *(*env)(const char *), struct shard_sel *s, char **err)
{
	const char *idx = env("CI_NODE_INDEX"), *tot = env("CI_NODE_TOTAL");
	unsigned long vi, n;

	if (parse_num(idx, SHARD_MAX, &vi) || !vi)
		return set_err(err, xasprintf("CI_NODE_INDEX='%s' is not an index from 1", idx));
	if (!tot || parse_num(tot, SHARD_MAX, &n) || !n)
		return set_err(err, xasprintf("CI_NODE_INDEX is set but CI_NODE_TOTAL is %s%s%s",
					      tot ? "'" : "missing", tot ?: "", tot ? "'" : ""));
	if (vi > n)
		return set_err(err, xasprintf("CI_NODE_INDEX=%lu is above CI_NODE_TOTAL=%lu", vi,
					      n));
	s->index = vi;
	s->count = n;
	s->engine = "gitlab";
	s->why = xasprintf("GitLab parallel job %lu of %lu", vi, n);
	return 0;
}

int shard_sel__parse_env(const char *arg, unsigned shards_opt,
			 const char *(*env)(const char *name), struct shard_sel *s, char **err)
{
	memset(s, 0, sizeof(*s));
	if (!str_eq(arg, "auto")) {
		const char *slash = strchr(arg, '/');
		unsigned long k, n;
		_cleanup_free_ char *ks = slash ? xstrndup(arg, slash - arg) : NULL;

		if (!slash || parse_num(ks, SHARD_MAX, &k) || parse_num(slash + 1, SHARD_MAX, &n) ||
		    !k || !n || k > n)
			return set_err(err, xasprintf("--shard '%s' is not K/N with 1 <= K <= N <= %d, "
						      "nor auto", arg, SHARD_MAX));
		s->index = k;
		s->count = n;
		s->engine = "manual";
		return 0;
	}
	{
		bool slurm = env("SLURM_ARRAY_TASK_ID"), k8s = env("JOB_COMPLETION_INDEX"),
		     gitlab = env("CI_NODE_INDEX");

		if (slurm + k8s + gitlab > 1)
			return set_err(err, xasprintf("--shard auto: the environment names more than "
						      "one engine (%s%s%s): give --shard K/N",
						      slurm ? "SLURM_ARRAY_TASK_ID " : "",
						      k8s ? "JOB_COMPLETION_INDEX " : "",
						      gitlab ? "CI_NODE_INDEX" : ""));
		if (slurm)
			return from_slurm(env, s, err);
		if (k8s)
			return from_k8s(env, shards_opt, s, err);
		if (gitlab)
			return from_gitlab(env, s, err);
	}
	return set_err(err, xstrdup("--shard auto: no engine found: none of SLURM_ARRAY_TASK_ID "
				    "(Slurm array), JOB_COMPLETION_INDEX (Kubernetes Indexed Job), "
				    "CI_NODE_INDEX (GitLab parallel) is set; give --shard K/N "
				    "(GitHub Actions: from the matrix)"));
}

static const char *real_env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

int shard_sel__parse(const char *arg, unsigned shards_opt, struct shard_sel *s, char **err)
{
	return shard_sel__parse_env(arg, shards_opt, real_env, s, err);
}

void shard_sel__free(struct shard_sel *s)
{
	free(s->why);
	s->why = NULL;
}

uint64_t shard__cost_ms(const struct spec_test *t, const struct spec_timings *tm)
{
	return (uint64_t)(spec_test__estimate_s(t, t->name, tm, NULL) * 1000 + 0.5);
}

struct lpt_item {
	const char *name;
	uint64_t cost;
	size_t idx;
};

static int lpt_cmp(const void *a, const void *b)
{
	const struct lpt_item *x = a, *y = b;

	if (x->cost != y->cost)
		return x->cost > y->cost ? -1 : 1;
	return strcmp(x->name, y->name);
}

void shard__assign(const char *const *names, const uint64_t *cost, size_t n, unsigned count,
		   unsigned *out)
{
	struct lpt_item *it = xcalloc(n ?: 1, sizeof(*it));
	uint64_t *load = xcalloc(count, sizeof(*load));

	for (size_t i = 0; i < n; i++)
		it[i] = (struct lpt_item){ names[i], cost[i], i };
	qsort(it, n, sizeof(*it), lpt_cmp);
	for (size_t i = 0; i < n; i++) {
		unsigned best = 0;

		/* a linear scan: count is at most SHARD_MAX and lists are thousands long */
		for (unsigned k = 1; k < count; k++)
			if (load[k] < load[best])
				best = k;
		/* a test of cost 0 still counts, so zero-cost lists spread round-robin */
		load[best] += it[i].cost + 1;
		out[it[i].idx] = best + 1;
	}
	free(load);
	free(it);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void shard__list_hash(const char *const *names, size_t n, char out[65])
{
	const char **v = xcalloc(n ?: 1, sizeof(*v));
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[32];
	unsigned mdlen = 0;

	if (!ctx)
		abort();
	memcpy(v, names, n * sizeof(*v));
	qsort(v, n, sizeof(*v), name_cmp);
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (size_t i = 0; i < n; i++) {
		EVP_DigestUpdate(ctx, v[i], strlen(v[i]));
		EVP_DigestUpdate(ctx, "\n", 1);
	}
	EVP_DigestUpdate(ctx, PACKAGE_VERSION, strlen(PACKAGE_VERSION));
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	hex_encode(md, 32, out);
	free(v);
}

int shard__select(struct spec_list *l, const struct shard_sel *s, const struct spec_timings *tm,
		  struct shard_info *info)
{
	size_t n = l->ntests, kept = 0;
	const char **names = xcalloc(n ?: 1, sizeof(*names));
	uint64_t *cost = xcalloc(n ?: 1, sizeof(*cost));
	unsigned *where = xcalloc(n ?: 1, sizeof(*where));

	for (size_t i = 0; i < n; i++) {
		names[i] = l->tests[i].t->name;
		cost[i] = shard__cost_ms(l->tests[i].t, tm);
	}
	shard__list_hash(names, n, info->hash);
	info->total = n;
	shard__assign(names, cost, n, s->count, where);
	info->cost_ms = 0;
	for (size_t i = 0; i < n; i++) {
		if (where[i] != s->index)
			continue;
		info->cost_ms += cost[i];
		l->tests[kept++] = l->tests[i];
	}
	l->ntests = kept;
	free(where);
	free(cost);
	free(names);
	return 0;
}

int cmd__shard(const struct run_opts *o, struct spec_list *l, struct shard_info *info)
{
	struct spec_timings *tm = NULL;
	_cleanup_free_ char *err = NULL;

	if (!o->shard)
		return 0;
	if (o->timings && spec_timings__load(o->timings, &tm, &err)) {
		fprintf(stderr, "ktstr-run: --timings: %s\n", err);
		return 2;
	}
	shard__select(l, o->shard, tm, info);
	if (!o->quiet)
		fprintf(stderr, "ktstr-run: shard %u/%u (%s%s%s): %zu of %zu tests, expected %.0fs "
			"(%s)\n", o->shard->index, o->shard->count, o->shard->engine,
			o->shard->why ? ": " : "", o->shard->why ?: "", l->ntests, info->total,
			info->cost_ms / 1000.0, o->timings ? "measured where known" : "cost model");
	spec_timings__free(tm);
	return 0;
}

int shard__write_json(const char *dir, const struct shard_sel *s, const struct shard_info *info,
		      const char *const *names, size_t n, const char *kernel)
{
	_cleanup_free_ char *path = xasprintf("%s/shard.json", dir), *text = NULL;
	json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:s, s:s, s:I, s:I, s:o, s:s, s:o}",
		"kind", "ktstr-shard", "version", 1, "shard", (int)s->index, "shards", (int)s->count,
		"engine", s->engine, "list_hash", info->hash, "list_count", (json_int_t)info->total,
		"expected_ms", (json_int_t)info->cost_ms, "tests", jdec_strv_json(NULL),
		"ktstr_version", PACKAGE_VERSION, "kernel", kernel ? json_string(kernel) : json_null());
	json_t *tests = json_object_get(o, "tests");
	int ret;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(tests, json_string(names[i]));
	if (s->why)
		json_object_set_new(o, "engine_env", json_string(s->why));
	ret = mkdir_p(dir, 0755);
	text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(o);
	if (ret)
		return ret;
	return text ? write_file_atomic(path, text, strlen(text)) : -ENOMEM;
}
