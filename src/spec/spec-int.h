/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the spec subsystem: the node tree both front ends build, the
 * parsers, the matrix expander and the validator's entry point.
 */
#ifndef KTSTR_SPEC_INT_H
#define KTSTR_SPEC_INT_H

#include "spec/spec.h"

/* Nesting deeper than this is refused (keeps recursion bounded on any input). */
#define SPEC_MAX_DEPTH 32
/* Total nodes one file may produce (keeps hostile inputs small). */
#define SPEC_MAX_NODES 200000
/* Keys in one map (duplicate detection is linear per key). */
#define SPEC_MAX_MAP_KEYS 1024
/* Nodes all matrix expansions together may copy. */
#define SPEC_MAX_EXPANDED_NODES 4000000

enum node_kind { NODE_SCALAR, NODE_MAP, NODE_SEQ };

/*
 * One value of a spec. A map's children carry their key (and its position);
 * a sequence's children have key == NULL. Scalars keep their text; quoted
 * scalars are never read as null/empty-list markers.
 */
struct node {
	enum node_kind kind;
	char *key;		/* when a child of a map */
	int key_line, key_col;
	char *value;		/* NODE_SCALAR */
	bool quoted;
	bool ini_repeat;	/* INI: the key appeared more than once in a section */
	int line, col;		/* where the value starts */
	struct node **kids;
	size_t nkids;
};

struct node *node__new(enum node_kind kind, int line, int col);
struct node *node__scalar(const char *value, int line, int col);
/* Append child to a map (with key) or a sequence (key NULL). */
void node__append(struct node *parent, struct node *child, const char *key, int kline, int kcol);
struct node *node__get(const struct node *map, const char *key);
struct node *node__dup(const struct node *n);
size_t node__count(const struct node *n);
void node__free(struct node *n);
const char *node_kind_name(enum node_kind k);

/*
 * Front ends: build the tree or report why not. NULL on a fatal syntax error.
 * *plain_text (may be NULL) tells a YAML document that is one scalar: text
 * that is no spec at all, such as a Makefile.
 */
struct node *spec_yaml__parse(const char *file, const char *text, size_t len,
			      struct diag_list *diags, bool *plain_text);
struct node *spec_ini__parse(const char *file, const char *text, size_t len,
			     struct diag_list *diags);
/* Parse a YAML flow value written inside an INI line ("[a, b]"). */
struct node *spec_yaml__parse_flow(const char *file, const char *text, int line, int col,
				   struct diag_list *diags);

/* One expansion of the matrix: its tree and its "key=value" labels. */
struct spec_expansion {
	struct node *root;
	char **labels;		/* NULL-terminated, "topology=1n2l2c1t" */
	char *suffix;		/* "/topology=1n2l2c1t/flags=llc" or "" */
};

/* Expand root's matrix: map into its cartesian product. */
int spec_matrix__expand(const char *file, const struct node *root, struct spec_expansion **out,
			size_t *nout, struct diag_list *diags);
void spec_expansions__free(struct spec_expansion *v, size_t n);

/* Validate one expanded tree into t (t zeroed by the caller). */
void spec_validate(const char *file, const struct node *root, const char *default_name,
		   struct spec_test *t, struct diag_list *diags);

/* Parse, expand and validate sf->text into sf->tests (opt may be NULL). */
int spec__build(struct spec_file *sf, const struct spec_options *opt, struct diag_list *diags);

/* Put val (taken) at the dotted key path inside root, creating maps on the way: 0 or -EINVAL. */
int spec_node__set(struct node *root, const char *dotted, struct node *val);
/*
 * Apply one "path=value" entry of spec_options.set to root. The path
 * "work_type" replaces the work of every swappable cgroup. 0, or -EINVAL
 * with a diagnostic naming the entry.
 */
int spec_set__apply(const char *file, struct node *root, const char *entry, struct diag_list *diags);
/* spec_set__list() of a NULL-terminated list. */
char *spec_set__strv(const char *path, char *const *v);
/* "true"/"yes"/"on"/"1" or "false"/"no"/"off"/"0": 0, else -EINVAL. */
int spec_bool__parse(const char *s, bool *out);

enum spec_format spec_format__guess(const char *path, const char *text, size_t len);
void spec_test__free_contents(struct spec_test *t);

enum spec_enum { SPEC_ENUM_OP, SPEC_ENUM_CPUSET, SPEC_ENUM_POLICY, SPEC_ENUM_AFFINITY, SPEC_ENUM_MPOL,
		 SPEC_ENUM_OUTPUT, SPEC_ENUM_POLARITY };
int spec_enum__lookup(enum spec_enum e, const char *s);
char *spec_enum__names(enum spec_enum e);
/* "a, b, c" (caller frees). */
char *spec__join(const char *const *v, size_t n);
const char *spec_enum__suggest(enum spec_enum e, const char *s);

#endif
