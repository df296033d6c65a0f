// SPDX-License-Identifier: GPL-2.0-only
/* Reading shards' results back and checking that they form one whole list. */
#include <errno.h>
#include <jansson.h>

#include "report/merge.h"
#include "spec/spec.h"
#include "util/jdec.h"

static int status_parse(const char *s, enum test_status *out)
{
	for (int i = TEST_PASS; i <= TEST_FLAKY; i++)
		if (str_eq(s, test_status_name(i))) {
			*out = i;
			return 0;
		}
	return -EINVAL;
}

static enum detail_kind kind_parse(const char *s)
{
	for (int i = DETAIL_STARVED; i < DETAIL_OTHER; i++)
		if (str_eq(s, detail_kind_name(i)))
			return i;
	return DETAIL_OTHER;
}

/* result.json writes null for an absent string */
static char *dup_or_null(struct jdec *d, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		jdec_fail(d, key, "expected a string or null");
		return NULL;
	}
	return xstrdup(json_string_value(v));
}

/* The same, borrowed */
static const char *str_or_null(struct jdec *d, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v))
		jdec_fail(d, key, "expected a string or null");
	return json_string_value(v);
}

int merge__read_result(const char *path, struct test_result *t, char **err)
{
	struct jdec d = { .where = "$" };
	_cleanup_free_ char *text = NULL;
	size_t len;
	json_t *o, *runs, *atts;
	int ret = read_file(path, &text, &len);

	if (ret) {
		*err = xasprintf("%s: %s", path, strerror(-ret));
		return ret;
	}
	o = jdec_load(&d, text, len);
	if (o && !str_eq(jdec_str(&d, o, "kind"), "ktstr-result"))
		jdec_fail(&d, "kind", "expected \"ktstr-result\"");
	if (o) {
		t->name = dup_or_null(&d, o, "name");
		t->spec_path = dup_or_null(&d, o, "spec_path");
		if (status_parse(jdec_str(&d, o, "status") ?: "", &t->status))
			jdec_fail(&d, "status", "expected PASS, SKIP, FAIL, ERROR, TIMEOUT or FLAKY");
		t->reason = dup_or_null(&d, o, "reason");
		t->elapsed_ns = jdec_u64(&d, o, "elapsed_ns", false);
		t->kernel = dup_or_null(&d, o, "kernel");
		t->accel = dup_or_null(&d, o, "accel");
		t->topology = dup_or_null(&d, o, "topology");
		t->scheduler = dup_or_null(&d, o, "scheduler");
		t->console_tail = dup_or_null(&d, o, "console_tail");
		/* the summary says "thresholds relaxed for TCG" as the shard's did */
		t->thresholds.relaxed = json_is_true(json_object_get(json_object_get(o, "thresholds"),
								     "relaxed"));
		runs = jdec_array(&d, o, "runs");
		for (size_t i = 0; runs && i < json_array_size(runs) && !d.err; i++) {
			json_t *r = json_array_get(runs, i), *dets = jdec_array(&d, r, "details");
			struct run_result *rr = array_push(&t->runs, &t->nruns, sizeof(*rr));

			if (status_parse(jdec_str(&d, r, "status") ?: "", &rr->status))
				jdec_fail(&d, "runs[].status", "expected a status");
			rr->phase = dup_or_null(&d, r, "phase");
			rr->boot_ns = jdec_u64(&d, r, "boot_ns", false);
			rr->run_ns = jdec_u64(&d, r, "run_ns", false);
			rr->total_ns = jdec_u64(&d, r, "total_ns", false);
			for (size_t k = 0; dets && k < json_array_size(dets); k++) {
				json_t *x = json_array_get(dets, k);
				const char *kind = jdec_str(&d, x, "kind");

				run_result__add_detail(rr, kind_parse(kind ?: ""),
						       str_or_null(&d, x, "check"),
						       str_or_null(&d, x, "cgroup"), "%s",
						       str_or_null(&d, x, "message") ?: "");
			}
		}
		/* --retries: the attempts before the last (the last is the test itself) */
		atts = json_object_get(o, "attempts") ? jdec_array(&d, o, "attempts") : NULL;
		for (size_t i = 0; atts && i + 1 < json_array_size(atts) && !d.err; i++) {
			json_t *x = json_array_get(atts, i);
			struct test_attempt *a = array_push(&t->attempts, &t->nattempts, sizeof(*a));

			if (status_parse(jdec_str(&d, x, "status") ?: "", &a->status))
				jdec_fail(&d, "attempts[].status", "expected a status");
			a->reason = dup_or_null(&d, x, "reason");
			a->dir = dup_or_null(&d, x, "dir");
			a->elapsed_ns = jdec_u64(&d, x, "elapsed_ns", false);
		}
		if (t->status == TEST_FLAKY && !t->nattempts && !d.err)
			jdec_fail(&d, "attempts", "a FLAKY test needs its failed attempts");
		if (!t->name && !d.err)
			jdec_fail(&d, "name", "missing");
	}
	json_decref(o);
	if (d.err) {
		*err = xasprintf("%s: %s", path, d.err);
		free(d.err);
		return -EINVAL;
	}
	return 0;
}

static int load_shard(struct merge_shard *s, const char *dir, char ***names, size_t *nnames,
		      char **err)
{
	_cleanup_free_ char *path = xasprintf("%s/shard.json", dir), *text = NULL;
	struct jdec d = { .where = "$" };
	size_t len;
	json_t *o, *tests;
	int ret = read_file(path, &text, &len);

	s->dir = xstrdup(dir);
	if (ret) {
		*err = xasprintf("%s: %s: not a shard's results directory (ktstr-run --shard "
				 "writes shard.json)", path, strerror(-ret));
		return ret;
	}
	o = jdec_load(&d, text, len);
	if (o && !str_eq(jdec_str(&d, o, "kind"), "ktstr-shard"))
		jdec_fail(&d, "kind", "expected \"ktstr-shard\"");
	if (o) {
		s->index = jdec_u64(&d, o, "shard", true);
		s->count = jdec_u64(&d, o, "shards", true);
		s->hash = dup_or_null(&d, o, "list_hash");
		s->total = jdec_u64(&d, o, "list_count", true);
		s->engine = dup_or_null(&d, o, "engine");
		s->kernel = dup_or_null(&d, o, "kernel");
		s->version = dup_or_null(&d, o, "ktstr_version");
		tests = jdec_array(&d, o, "tests");
		for (size_t i = 0; tests && i < json_array_size(tests); i++) {
			json_t *nm = json_array_get(tests, i);

			if (!json_is_string(nm)) {
				jdec_fail(&d, "tests[]", "expected a test name");
				break;
			}
			*(char **)array_push(names, nnames, sizeof(char *)) =
				xstrdup(json_string_value(nm));
		}
		if (!d.err && (!s->hash || !s->index || s->index > s->count))
			jdec_fail(&d, "shard", "expected 1 <= shard <= shards and a list_hash");
	}
	json_decref(o);
	if (d.err) {
		*err = xasprintf("%s: %s", path, d.err);
		free(d.err);
		return -EINVAL;
	}
	return 0;
}

struct merged {
	struct test_result *t;
	unsigned shard;
};

static int cmp_test(const void *a, const void *b)
{
	const struct merged *x = a, *y = b;

	return strcmp(x->t->name, y->t->name);
}

int merge__load(struct merge *m, char *const *dirs, size_t n, char **err)
{
	struct merge_shard **by_index = NULL;
	unsigned count = 0;
	int ret = 0;

	memset(m, 0, sizeof(*m));
	if (!n) {
		*err = xstrdup("no results directory given");
		return -EINVAL;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		struct merge_shard *s = array_push(&m->shards, &m->nshards, sizeof(*s));
		char **names = NULL;
		size_t nnames = 0;

		ret = load_shard(s, dirs[i], &names, &nnames, err);
		if (!ret && i == 0) {
			count = s->count;
			m->hash = xstrdup(s->hash);
			by_index = xcalloc(count + 1, sizeof(*by_index));
		}
		if (!ret && !str_eq(s->hash, m->hash)) {
			*err = xasprintf("%s: a foreign shard: its list (hash %.12s, %zu tests, ktstr %s) "
					 "is not the list of %s (hash %.12s): run every shard with the "
					 "same specs, options and ktstr", s->dir, s->hash, s->total,
					 s->version ?: "?", m->shards[0].dir, m->hash);
			ret = -EINVAL;
		} else if (!ret && s->count != count) {
			*err = xasprintf("%s: shard %u/%u, but %s is one of %u shards", s->dir,
					 s->index, s->count, m->shards[0].dir, count);
			ret = -EINVAL;
		} else if (!ret && by_index[s->index]) {
			*err = xasprintf("%s: a duplicate of shard %u/%u, already given as %s", s->dir,
					 s->index, count, by_index[s->index]->dir);
			ret = -EINVAL;
		} else if (!ret) {
			by_index[s->index] = s;
		}
		for (size_t k = 0; k < nnames; k++) {
			struct test_result *t = xcalloc(1, sizeof(*t));
			_cleanup_free_ char *san = spec_test__dir_name(names[k]), *p = NULL;
			_cleanup_free_ char *rerr = NULL;

			if (ret) {
				free(t);
				continue;
			}
			p = xasprintf("%s/%s/result.json", s->dir, san);
			if (merge__read_result(p, t, &rerr)) {
				/* a shard that died mid-run: its tests count, as errors */
				test_result__free(t);
				memset(t, 0, sizeof(*t));
				t->status = TEST_ERROR;
				t->reason = xasprintf("shard %u/%u left no result: %s", s->index, count,
						      rerr);
			} else if (!str_eq(t->name, names[k])) {
				test_result__free(t);
				memset(t, 0, sizeof(*t));
				t->status = TEST_ERROR;
				t->reason = xasprintf("%s names another test", p);
			}
			free(t->name);
			t->name = xstrdup(names[k]);
			t->results_dir = xasprintf("%s/%s", s->dir, san);
			*(struct test_result **)array_push(&m->tests, &m->ntests, sizeof(t)) = t;
			m->test_shard = xrealloc(m->test_shard, m->ntests * sizeof(unsigned));
			m->test_shard[m->ntests - 1] = s->index;
		}
		for (size_t k = 0; k < nnames; k++)
			free(names[k]);
		free(names);
	}
	for (unsigned k = 1; !ret && k <= count; k++)
		if (!by_index[k]) {
			*err = xasprintf("shard %u/%u is missing (list hash %.12s): give its results "
					 "directory too", k, count, m->hash);
			ret = -EINVAL;
		}
	free(by_index);
	if (ret)
		return ret;
	/* the shards' lists: each test once, and all of the list */
	{
		struct merged *v = xcalloc(m->ntests ?: 1, sizeof(*v));

		for (size_t i = 0; i < m->ntests; i++)
			v[i] = (struct merged){ m->tests[i], m->test_shard[i] };
		qsort(v, m->ntests, sizeof(*v), cmp_test);
		for (size_t i = 0; i < m->ntests; i++) {
			m->tests[i] = v[i].t;
			m->test_shard[i] = v[i].shard;
		}
		free(v);
		for (size_t i = 1; i < m->ntests && !ret; i++)
			if (str_eq(m->tests[i]->name, m->tests[i - 1]->name)) {
				*err = xasprintf("test %s is in shard %u and shard %u: the shards were "
						 "not cut from one list", m->tests[i]->name,
						 m->test_shard[i - 1], m->test_shard[i]);
				ret = -EINVAL;
			}
		if (!ret && m->ntests != m->shards[0].total) {
			*err = xasprintf("the shards hold %zu tests, their list %zu", m->ntests,
					 m->shards[0].total);
			ret = -EINVAL;
		}
	}
	return ret;
}

void merge__free(struct merge *m)
{
	for (size_t i = 0; i < m->nshards; i++) {
		struct merge_shard *s = &m->shards[i];

		free(s->dir);
		free(s->hash);
		free(s->engine);
		free(s->kernel);
		free(s->version);
	}
	free(m->shards);
	for (size_t i = 0; i < m->ntests; i++) {
		test_result__free(m->tests[i]);
		free(m->tests[i]);
	}
	free(m->tests);
	free(m->test_shard);
	free(m->hash);
	memset(m, 0, sizeof(*m));
}
