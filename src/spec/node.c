// SPDX-License-Identifier: GPL-2.0-only
/* The spec node tree: maps, sequences and scalars with their source positions. */
#include "spec/spec-int.h"

struct node *node__new(enum node_kind kind, int line, int col)
{
	struct node *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->line = line;
	n->col = col;
	return n;
}

struct node *node__scalar(const char *value, int line, int col)
{
	struct node *n = node__new(NODE_SCALAR, line, col);

	n->value = xstrdup(value ? value : "");
	return n;
}

void node__append(struct node *parent, struct node *child, const char *key, int kline, int kcol)
{
	struct node **slot = array_push(&parent->kids, &parent->nkids, sizeof(*slot));

	*slot = child;
	free(child->key);
	child->key = key ? xstrdup(key) : NULL;
	child->key_line = kline;
	child->key_col = kcol;
}

struct node *node__get(const struct node *map, const char *key)
{
	if (!map || map->kind != NODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->nkids; i++)
		if (map->kids[i]->key && str_eq(map->kids[i]->key, key))
			return map->kids[i];
	return NULL;
}

struct node *node__dup(const struct node *n)
{
	struct node *d = node__new(n->kind, n->line, n->col);

	d->key = n->key ? xstrdup(n->key) : NULL;
	d->key_line = n->key_line;
	d->key_col = n->key_col;
	d->value = n->value ? xstrdup(n->value) : NULL;
	d->quoted = n->quoted;
	d->ini_repeat = n->ini_repeat;
	/* pushed, not sized: a copy may be appended to (matrix values), see array_push */
	for (size_t i = 0; i < n->nkids; i++)
		*(struct node **)array_push(&d->kids, &d->nkids, sizeof(*d->kids)) =
			node__dup(n->kids[i]);
	return d;
}

size_t node__count(const struct node *n)
{
	size_t c = 1;

	for (size_t i = 0; i < n->nkids; i++)
		c += node__count(n->kids[i]);
	return c;
}

void node__free(struct node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		node__free(n->kids[i]);
	free(n->kids);
	free(n->key);
	free(n->value);
	free(n);
}

const char *node_kind_name(enum node_kind k)
{
	switch (k) {
	case NODE_SCALAR: return "a scalar";
	case NODE_MAP: return "a map";
	case NODE_SEQ: return "a list";
	}
	return "?";
}
