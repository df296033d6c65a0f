// SPDX-License-Identifier: GPL-2.0-only
/*
 * Matrix expansion: `matrix:` maps key paths ("topology", "scheduler.flags",
 * "cgroups.0.workers") to lists of values; the spec expands into the
 * cartesian product, the first key varying slowest. Each expansion is named
 * base/key=value/..., where key is the path's last part (the whole path when
 * two keys share a last part) and a list value is written a+b ("none" when
 * empty).
 */
#include <errno.h>
#include <stdarg.h>

#include "spec/keys.h"
#include "util/units.h"

struct mkey {
	const struct node *n;	/* the matrix entry (key + list of values) */
	char **path;
	size_t npath;
	const char *label;	/* name used in test names */
};

static void free_path(struct mkey *k)
{
	for (size_t i = 0; i < k->npath; i++)
		free(k->path[i]);
	free(k->path);
}

static char **split_path(const char *s, size_t *n)
{
	_cleanup_free_ char *copy = xstrdup(s);
	char **v = NULL;
	char *save = NULL;

	*n = 0;
	for (char *tok = strtok_r(copy, ".", &save); tok; tok = strtok_r(NULL, ".", &save))
		*(char **)array_push(&v, n, sizeof(*v)) = xstrdup(tok);
	return v;
}

static bool is_index(const char *s, size_t *idx)
{
	uint64_t v;

	if (parse_u64(s, &v) || v > 100000)
		return false;
	*idx = v;
	return true;
}

/* Put val at path inside root, creating maps on the way. Takes val. */
static int set_path(struct node *root, char **path, size_t npath, struct node *val)
{
	struct node *cur = root;

	for (size_t i = 0; i < npath; i++) {
		bool last = i + 1 == npath;
		struct node *next = NULL;
		size_t idx;

		if (cur->kind == NODE_SEQ) {
			if (!is_index(path[i], &idx) || idx >= cur->nkids)
				goto bad;
			if (last) {
				val->key = NULL;
				node__free(cur->kids[idx]);
				cur->kids[idx] = val;
				return 0;
			}
			cur = cur->kids[idx];
			continue;
		}
		if (cur->kind != NODE_MAP)
			goto bad;
		for (size_t j = 0; j < cur->nkids; j++)
			if (str_eq(cur->kids[j]->key, path[i])) {
				next = cur->kids[j];
				if (last) {
					free(val->key);
					val->key = xstrdup(path[i]);
					val->key_line = next->key_line;
					val->key_col = next->key_col;
					node__free(next);
					cur->kids[j] = val;
					return 0;
				}
			}
		if (last) {
			node__append(cur, val, path[i], val->line, val->col);
			return 0;
		}
		if (!next) {
			next = node__new(NODE_MAP, val->line, val->col);
			node__append(cur, next, path[i], val->line, val->col);
		}
		cur = next;
	}
bad:
	node__free(val);
	return -EINVAL;
}

int spec_node__set(struct node *root, const char *dotted, struct node *val)
{
	struct mkey k = { 0 };
	int r;

	k.path = split_path(dotted, &k.npath);
	if (!k.npath) {
		node__free(val);
		free_path(&k);
		return -EINVAL;
	}
	r = set_path(root, k.path, k.npath, val);
	free_path(&k);
	return r;
}

/* "1n2l2c1t", "llc+steal", "none" (empty list), "v3" (anything else, by position). */
static char *render(const struct node *v, size_t pos)
{
	char *out;

	if (v->kind == NODE_SCALAR)
		out = xstrdup(v->value);
	else if (v->kind == NODE_SEQ && !v->nkids)
		out = xstrdup("none");
	else if (v->kind == NODE_SEQ) {
		size_t len = 1;

		for (size_t i = 0; i < v->nkids; i++) {
			if (v->kids[i]->kind != NODE_SCALAR)
				return xasprintf("v%zu", pos + 1);
			len += strlen(v->kids[i]->value) + 1;
		}
		out = xcalloc(1, len);
		for (size_t i = 0; i < v->nkids; i++) {
			if (i)
				strcat(out, "+");
			strcat(out, v->kids[i]->value);
		}
	} else {
		return xasprintf("v%zu", pos + 1);
	}
	/* a name component: '/', spaces, quotes, newlines... become '_' (ktstr-spec(5), TEST NAMES) */
	for (char *p = out; *p; p++)
		if (!spec_name__is_char((unsigned char)*p))
			*p = '_';
	return out;
}

static void __printf(4, 5) diag_at(struct diag_list *d, const char *file, const struct node *n,
				   const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	diag_add(d, DIAG_ERROR, file, n->key_line ? n->key_line : n->line,
		 n->key_line ? n->key_col : n->col, "%s", msg ? msg : "(out of memory)");
}

int spec_matrix__expand(const char *file, const struct node *root, struct spec_expansion **out,
			size_t *nout, struct diag_list *diags)
{
	const struct node *m = node__get(root, "matrix");
	struct mkey *keys = NULL;
	size_t nkeys = 0, total = 1, *pos = NULL, too_many = 0;
	struct spec_expansion *v;
	bool bad = false;

	*out = NULL;
	*nout = 0;
	if (m && !(m->kind == NODE_SCALAR && !m->quoted && !*m->value)) {
		if (m->kind != NODE_MAP) {
			diag_at(diags, file, m, "'matrix' must be a map of key: [values...]");
			return -EINVAL;
		}
		keys = xcalloc(m->nkids ? m->nkids : 1, sizeof(*keys));
		for (size_t i = 0; i < m->nkids; i++) {
			const struct node *e = m->kids[i];
			struct mkey *k = &keys[nkeys];

			k->n = e;
			k->path = split_path(e->key, &k->npath);
			if (!k->npath || !spec_key__find(SEC_TEST, k->path[0]) ||
			    str_eq(k->path[0], "matrix") || str_eq(k->path[0], "name")) {
				const char *cands[K__COUNT];
				const char *best = NULL;
				unsigned best_d = 3;
				size_t nc = 0;

				for (unsigned j = 0; j < K__COUNT; j++)
					if (spec_key_table[j].section == SEC_TEST)
						cands[nc++] = spec_key_table[j].name;
				for (size_t j = 0; k->npath && j < nc; j++)
					if (str_distance(k->path[0], cands[j]) < best_d) {
						best_d = str_distance(k->path[0], cands[j]);
						best = cands[j];
					}
				if (best && !str_eq(best, k->path[0]))
					diag_at(diags, file, e, "matrix key '%s' is not a test key: did you mean '%s'?",
						e->key, best);
				else
					diag_at(diags, file, e, "matrix key '%s' cannot vary: use a test key path such as topology or scheduler.flags%s",
						e->key, "");
				free_path(k);
				bad = true;
				continue;
			}
			if (e->kind != NODE_SEQ || !e->nkids) {
				diag_at(diags, file, e, "matrix '%s' must be a non-empty list of values", e->key);
				free_path(k);
				bad = true;
				continue;
			}
			if (k->npath > SPEC_MAX_DEPTH) {
				diag_at(diags, file, e, "matrix key '%.40s...' is more than %d levels deep",
					e->key, SPEC_MAX_DEPTH);
				free_path(k);
				bad = true;
				continue;
			}
			k->label = k->path[k->npath - 1];
			if (total * e->nkids > SPEC_MAX_MATRIX) {
				if (!too_many++)	/* once, at the key that crosses the limit */
					diag_add(diags, DIAG_ERROR, file, e->line, e->col,
						 "the matrix expands to more than %d tests", SPEC_MAX_MATRIX);
				free_path(k);
				bad = true;
				continue;
			}
			total *= e->nkids;
			nkeys++;
		}
		/* labels must tell the keys apart */
		for (size_t i = 0; i < nkeys; i++)
			for (size_t j = 0; j < nkeys; j++)
				if (i != j && str_eq(keys[i].path[keys[i].npath - 1], keys[j].path[keys[j].npath - 1]))
					keys[i].label = keys[i].n->key;
	}
	if (!bad && total > 1 && node__count(root) * total > SPEC_MAX_EXPANDED_NODES) {
		diag_at(diags, file, m, "the spec is too large to expand %zu times: make it smaller or split it",
			total);
		bad = true;
	}
	if (bad) {
		for (size_t i = 0; i < nkeys; i++)
			free_path(&keys[i]);
		free(keys);
		return -EINVAL;
	}
	v = xcalloc(total, sizeof(*v));
	pos = xcalloc(nkeys ? nkeys : 1, sizeof(*pos));
	for (size_t t = 0; t < total; t++) {
		struct spec_expansion *x = &v[t];
		size_t rem = t, slen = 1;

		/* the first key varies slowest */
		for (size_t i = nkeys; i-- > 0; ) {
			pos[i] = rem % keys[i].n->nkids;
			rem /= keys[i].n->nkids;
		}
		x->root = node__dup(root);
		for (size_t i = 0; i < x->root->nkids; i++)
			if (str_eq(x->root->kids[i]->key, "matrix")) {
				node__free(x->root->kids[i]);
				memmove(&x->root->kids[i], &x->root->kids[i + 1],
					(x->root->nkids - i - 1) * sizeof(*x->root->kids));
				x->root->nkids--;
				break;
			}
		x->labels = xcalloc(nkeys + 1, sizeof(char *));
		for (size_t i = 0; i < nkeys; i++) {
			const struct node *val = keys[i].n->kids[pos[i]];
			_cleanup_free_ char *r = render(val, pos[i]);

			x->labels[i] = xasprintf("%s=%s", keys[i].label, r);
			for (char *p = x->labels[i]; *p; p++)	/* the key too: "a b.c" is still one component */
				if (!spec_name__is_char((unsigned char)*p))
					*p = '_';
			slen += strlen(x->labels[i]) + 1;
			if (set_path(x->root, keys[i].path, keys[i].npath, node__dup(val)) && t == 0)
				diag_at(diags, file, keys[i].n,
					"matrix key '%s' does not lead to a place in the spec", keys[i].n->key);
		}
		x->suffix = xcalloc(1, slen);
		for (size_t i = 0; i < nkeys; i++) {
			strcat(x->suffix, "/");
			strcat(x->suffix, x->labels[i]);
		}
	}
	for (size_t i = 0; i < nkeys; i++)
		free_path(&keys[i]);
	free(keys);
	free(pos);
	*out = v;
	*nout = total;
	return 0;
}

void spec_expansions__free(struct spec_expansion *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		node__free(v[i].root);
		if (v[i].labels)
			for (char **p = v[i].labels; *p; p++)
				free(*p);
		free(v[i].labels);
		free(v[i].suffix);
	}
	free(v);
}
