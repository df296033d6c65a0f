// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the command line adds to a spec: overrides ("path=value" entries
 * applied to each test's tree before validation, so the validator checks
 * them as if the spec said so), the swappable work type, and the gauntlet
 * and flag-profile expansion. Each expanded test records the entries it got
 * (spec_test.overrides): the guest replays them on the spec it is given.
 */
#include <errno.h>

#include "spec/keys.h"

int spec_bool__parse(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (str_eq(s, yes[i]))
			return *out = true, 0;
		if (str_eq(s, no[i]))
			return *out = false, 0;
	}
	return -EINVAL;
}

/* s as a double-quoted YAML scalar appended to buf. */
static void quote(char **buf, size_t *len, const char *s)
{
	FILE *f = open_memstream(buf, len);

	if (!f)
		abort();
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
	fclose(f);
}

char *spec_set__scalar(const char *path, const char *value)
{
	_cleanup_free_ char *q = NULL;
	size_t n;

	quote(&q, &n, value);
	return xasprintf("%s=%s", path, q);
}

/* "path=[\"a\", \"b\"]" from a NULL-terminated list. */
char *spec_set__strv(const char *path, char *const *v)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	fprintf(f, "%s=[", path);
	for (char *const *p = v; p && *p; p++) {
		_cleanup_free_ char *q = NULL;
		size_t n;

		quote(&q, &n, *p);
		fprintf(f, "%s%s", p == v ? "" : ", ", q);
	}
	fputc(']', f);
	fclose(f);
	return buf;
}

char *spec_set__list(const char *path, const char *value)
{
	_cleanup_free_ char *copy = xstrdup(value);
	char **v = NULL, *save = NULL;
	size_t n = 0;
	char *out;

	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		*(char **)array_push(&v, &n, sizeof(*v)) = tok;
	*(char **)array_push(&v, &n, sizeof(*v)) = NULL;
	out = spec_set__strv(path, v);
	free(v);
	return out;
}

static bool node_true(const struct node *n)
{
	bool b = false;

	return n && n->kind == NODE_SCALAR && !spec_bool__parse(n->value, &b) && b;
}

/* Set map's work type to type, dropping the old type's parameters (ktstr swaps the whole WorkType). */
static void swap_work(struct node *map, const char *type)
{
	size_t j = 0;

	for (size_t i = 0; i < map->nkids; i++) {
		struct node *k = map->kids[i];
		bool keep = spec_key__find(SEC_CGROUP, k->key) || spec_key__find(SEC_WORK, k->key);

		if (str_eq(k->key, "type") || str_eq(k->key, "phases"))
			keep = false;
		if (keep)
			map->kids[j++] = k;
		else
			node__free(k);
	}
	map->nkids = j;
	node__append(map, node__scalar(type, map->line, map->col), "type", map->line, map->col);
}

static unsigned swap_cgroups(struct node *list, const char *type)
{
	unsigned n = 0;

	if (!list || list->kind != NODE_SEQ)
		return 0;
	for (size_t i = 0; i < list->nkids; i++) {
		struct node *cg = list->kids[i], *w;

		if (cg->kind != NODE_MAP)
			continue;
		n += swap_cgroups(node__get(cg, "children"), type);
		if (!node_true(node__get(cg, "swappable")))
			continue;
		n++;
		if ((w = node__get(cg, "work")) && w->kind == NODE_MAP)
			swap_work(w, type);
		else if ((w = node__get(cg, "works")) && w->kind == NODE_SEQ)
			for (size_t j = 0; j < w->nkids; j++) {
				if (w->kids[j]->kind == NODE_MAP)
					swap_work(w->kids[j], type);
			}
		else
			swap_work(cg, type);
	}
	return n;
}

/* --work-type: every swappable cgroup, backdrop and steps, children included. */
static void swap_work_type(struct node *root, const char *type)
{
	struct node *steps = node__get(root, "steps");

	swap_cgroups(node__get(root, "cgroups"), type);
	for (size_t i = 0; steps && steps->kind == NODE_SEQ && i < steps->nkids; i++)
		if (steps->kids[i]->kind == NODE_MAP)
			swap_cgroups(node__get(steps->kids[i], "cgroups"), type);
}

int spec_set__apply(const char *file, struct node *root, const char *entry, struct diag_list *diags)
{
	const char *eq = strchr(entry, '=');
	_cleanup_free_ char *path = eq ? xstrndup(entry, eq - entry) : NULL;
	struct node *val, *sched;
	struct diag_list vd = { 0 };

	if (!path || !*path) {
		diag_add(diags, DIAG_ERROR, file, 0, 0, "override '%s' is not path=value", entry);
		return -EINVAL;
	}
	val = spec_yaml__parse_flow("<command line>", eq + 1, 1, 1, &vd);
	if (!val || diag_count(&vd, DIAG_ERROR)) {
		diag_add(diags, DIAG_ERROR, file, 0, 0, "override '%s': the value is no YAML value", entry);
		diag_free(&vd);
		node__free(val);
		return -EINVAL;
	}
	diag_free(&vd);
	if (str_eq(path, "work_type")) {
		if (val->kind != NODE_SCALAR) {
			diag_add(diags, DIAG_ERROR, file, 0, 0, "override '%s': a work type is one name", entry);
			node__free(val);
			return -EINVAL;
		}
		swap_work_type(root, val->value);
		node__free(val);
		return 0;
	}
	/* "scheduler: exec" is shorthand for a map: make it one before setting inside it */
	if (!strncmp(path, "scheduler.", 10) && (sched = node__get(root, "scheduler")) &&
	    sched->kind == NODE_SCALAR) {
		struct node *m = node__new(NODE_MAP, sched->line, sched->col);

		node__append(m, node__scalar(sched->value, sched->line, sched->col), "plugin",
			     sched->line, sched->col);
		spec_node__set(root, "scheduler", m);
	}
	if (spec_node__set(root, path, val)) {
		diag_add(diags, DIAG_ERROR, file, 0, 0, "override '%s': '%s' is no place in this spec",
			 entry, path);
		return -EINVAL;
	}
	return 0;
}
