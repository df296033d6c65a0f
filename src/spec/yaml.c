// SPDX-License-Identifier: GPL-2.0-only
/* The YAML front end: libyaml's event parser builds the spec node tree. */
#include <yaml.h>

#include "spec/spec-int.h"

struct yaml_ctx {
	const char *file;
	struct diag_list *diags;
	int line0, col0;	/* offset added to marks (flow values inside INI lines) */
	size_t nodes;
	bool failed;
};

static int mline(const struct yaml_ctx *c, yaml_mark_t m)
{
	return c->line0 + (int)m.line + 1;
}

static int mcol(const struct yaml_ctx *c, yaml_mark_t m)
{
	return (m.line == 0 ? c->col0 : 0) + (int)m.column + 1;
}

static void yerr(struct yaml_ctx *c, yaml_mark_t m, const char *what)
{
	diag_add(c->diags, DIAG_ERROR, c->file, mline(c, m), mcol(c, m), "%s", what);
	c->failed = true;
}

/*
 * Build the node that starts with ev (already taken from the parser).
 * Returns NULL after reporting a problem; the parse then stops.
 */
static struct node *build(struct yaml_ctx *c, yaml_parser_t *p, yaml_event_t *ev, int depth)
{
	yaml_event_t e;
	struct node *n;
	bool is_map;

	if (++c->nodes > SPEC_MAX_NODES) {
		yerr(c, ev->start_mark, "spec too large: more than 200000 values");
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		/* "a\0b" would be read as "a": a value is what the file says, or an error */
		if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length)) {
			yerr(c, ev->start_mark, "a value holds a NUL character (\\0): remove it");
			return NULL;
		}
		n = node__scalar((const char *)ev->data.scalar.value, mline(c, ev->start_mark),
				 mcol(c, ev->start_mark));
		n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		if (!n->quoted && (str_eq(n->value, "~") || str_eq(n->value, "null"))) {
			free(n->value);
			n->value = xstrdup("");
		}
		return n;
	case YAML_ALIAS_EVENT:
		yerr(c, ev->start_mark, "YAML aliases are not supported: write the value out");
		return NULL;
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		break;
	default:
		yerr(c, ev->start_mark, "unexpected YAML event");
		return NULL;
	}
	if (depth >= SPEC_MAX_DEPTH) {
		yerr(c, ev->start_mark, "nesting deeper than 32 levels");
		return NULL;
	}
	is_map = ev->type == YAML_MAPPING_START_EVENT;
	n = node__new(is_map ? NODE_MAP : NODE_SEQ, mline(c, ev->start_mark), mcol(c, ev->start_mark));
	for (;;) {
		struct node *key = NULL, *val;

		if (!yaml_parser_parse(p, &e))
			goto parse_error;
		if (e.type == YAML_MAPPING_END_EVENT || e.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&e);
			return n;
		}
		if (is_map) {
			if (e.type != YAML_SCALAR_EVENT) {
				yerr(c, e.start_mark, "a map key must be a plain word");
				yaml_event_delete(&e);
				goto fail;
			}
			key = node__scalar((const char *)e.data.scalar.value,
					   mline(c, e.start_mark), mcol(c, e.start_mark));
			yaml_event_delete(&e);
			if (!yaml_parser_parse(p, &e)) {
				node__free(key);
				goto parse_error;
			}
		}
		val = build(c, p, &e, depth + 1);
		yaml_event_delete(&e);
		if (!val) {
			node__free(key);
			goto fail;
		}
		if (key) {
			const struct node *prev = node__get(n, key->value);

			if (!prev && n->nkids >= SPEC_MAX_MAP_KEYS) {
				yerr(c, e.start_mark, "more than 1024 keys in one map");
				node__free(key);
				node__free(val);
				goto fail;
			}
			if (prev) {
				diag_add(c->diags, DIAG_ERROR, c->file, key->line, key->col,
					 "duplicate key '%s' (first given at line %d): remove one",
					 key->value, prev->key_line);
				node__free(val);
			} else {
				node__append(n, val, key->value, key->line, key->col);
			}
			node__free(key);
		} else {
			node__append(n, val, NULL, 0, 0);
		}
	}
parse_error:
	yerr(c, p->problem_mark, p->problem ? p->problem : "YAML syntax error");
fail:
	node__free(n);
	return NULL;
}

static struct node *parse(struct yaml_ctx *c, const char *text, size_t len)
{
	yaml_parser_t p;
	yaml_event_t e;
	struct node *root = NULL;
	bool done = false;

	if (!yaml_parser_initialize(&p))
		return NULL;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done && !c->failed) {
		if (!yaml_parser_parse(&p, &e)) {
			yerr(c, p.problem_mark, p.problem ? p.problem : "YAML syntax error");
			break;
		}
		switch (e.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (root) {
				yerr(c, e.start_mark, "more than one YAML document: put one spec per file");
				node__free(root);
				root = NULL;
			}
			break;
		default:
			root = build(c, &p, &e, 0);
			break;
		}
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&p);
	if (c->failed) {
		node__free(root);
		return NULL;
	}
	return root;
}

struct node *spec_yaml__parse(const char *file, const char *text, size_t len,
			      struct diag_list *diags, bool *plain_text)
{
	struct yaml_ctx c = { .file = file, .diags = diags };
	struct node *root = parse(&c, text, len);

	if (plain_text)
		*plain_text = root && root->kind == NODE_SCALAR;
	if (!root && !c.failed) {
		diag_add(diags, DIAG_ERROR, file, 1, 1, "empty spec: expected a map of keys such as 'name:'");
		return NULL;
	}
	if (root && root->kind != NODE_MAP) {
		diag_add(diags, DIAG_ERROR, file, root->line, root->col,
			 "the spec must be a map of keys, not %s", node_kind_name(root->kind));
		node__free(root);
		return NULL;
	}
	return root;
}

struct node *spec_yaml__parse_flow(const char *file, const char *text, int line, int col,
				   struct diag_list *diags)
{
	struct yaml_ctx c = { .file = file, .diags = diags, .line0 = line - 1, .col0 = col - 1 };

	return parse(&c, text, strlen(text));
}
