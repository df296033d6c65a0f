// SPDX-License-Identifier: GPL-2.0-only
/*
 * The INI front end: libinih reads sections and keys, and this file maps
 * them onto the same node tree YAML builds (ktstr-spec(5), INI FORM):
 *   [test] or no section        top-level keys
 *   [topology] [scheduler] [assert] [console] [matrix]   those maps
 *   [cgroup NAME]               an entry of cgroups (name: NAME)
 *   [work CGROUP [LABEL]]       one more work of that cgroup
 *   [payload NAME]              an entry of payloads
 *   [payload NAME metric KEY]   an entry of that payload's metrics
 *   [step NAME]                 an entry of steps (name: NAME)
 *   [step NAME cgroup CGROUP]   a cgroup the step creates
 *   [step NAME op LABEL]        an op of the step, as a map
 * "a.b = v" sets b inside map a; a value starting with [ or { is a YAML flow
 * value; ops/expect/forbid/allow may repeat, each line adding one item.
 * libinih reports no line numbers in the Debian build, so a line-counting
 * reader feeds it and classifies each line on the way.
 */
#include <ini.h>

#include "spec/spec-int.h"

struct ini_target {
	char *section;
	struct node *map;
};

struct ini_ctx {
	const char *file;
	struct diag_list *d;
	const char *text;
	size_t len, pos;
	int line;			/* line just handed to inih */
	char raw[256];			/* its text, for columns */
	struct node *root;
	struct ini_target *targets;
	size_t ntargets;
	int section_line;
	size_t nodes;
	bool stop;
};

/* The longest line libinih's stack buffer holds (INI_MAX_LINE minus CR, LF, NUL). */
#define INI_LINE_MAX 197

static const char *const repeat_keys[] = { "ops", "expect", "forbid", "allow" };

static bool is_repeat_key(const char *k)
{
	for (size_t i = 0; i < ARRAY_SIZE(repeat_keys); i++)
		if (str_eq(k, repeat_keys[i]))
			return true;
	return false;
}

static int first_nonspace(const char *s)
{
	int i = 0;

	while (s[i] == ' ' || s[i] == '\t')
		i++;
	return i;
}

static struct node *section_target(struct ini_ctx *c, const char *section);

/* Check a line as inih will see it; report what inih would only count. */
static void classify(struct ini_ctx *c, const char *l)
{
	int i = first_nonspace(l);
	size_t n = strlen(l);

	while (n && (l[n - 1] == '\n' || l[n - 1] == '\r' || l[n - 1] == ' ' || l[n - 1] == '\t'))
		n--;
	if ((size_t)i >= n || l[i] == ';' || l[i] == '#')
		return;
	if (l[i] == '[') {
		const char *close = memchr(l + i, ']', n - i);

		c->section_line = c->line;
		if (!close) {
			diag_add(c->d, DIAG_ERROR, c->file, c->line, i + 1,
				 "section header needs a closing ']': write [section name]");
		} else {
			/* a section with no keys ([cgroup cg_0]) still defines its entry */
			_cleanup_free_ char *name = xstrndup(l + i + 1, close - l - i - 1);

			section_target(c, str_trim(name));
		}
		return;
	}
	if (i > 0) {
		diag_add(c->d, DIAG_ERROR, c->file, c->line, 1,
			 "an indented line (continuation) is not supported: put the value on one line");
		return;
	}
	if (!strpbrk(l, "=:"))
		diag_add(c->d, DIAG_ERROR, c->file, c->line, i + 1,
			 "expected 'key = value' or '[section]'");
}

/* fgets-style reader for inih that counts lines and keeps the raw text. */
static char *reader(char *buf, int num, void *stream)
{
	struct ini_ctx *c = stream;
	size_t n = 0, max = MIN((size_t)num - 1, sizeof(c->raw) - 1);

	if (c->stop || c->pos >= c->len)
		return NULL;
	c->line++;
	while (c->pos < c->len) {
		char ch = c->text[c->pos++];

		if (ch == '\0') {
			diag_add(c->d, DIAG_ERROR, c->file, c->line, (int)n + 1,
				 "NUL byte in an INI spec: is this a text file?");
			c->stop = true;
			return NULL;
		}
		if (n < max && n < INI_LINE_MAX)
			buf[n++] = ch;
		else if (ch != '\n' && ch != '\r') {
			diag_add(c->d, DIAG_ERROR, c->file, c->line, INI_LINE_MAX + 1,
				 "line longer than %d characters: split the value or use YAML", INI_LINE_MAX);
			while (c->pos < c->len && c->text[c->pos] != '\n')
				c->pos++;
			continue;
		}
		if (ch == '\n')
			break;
	}
	buf[n] = '\0';
	memcpy(c->raw, buf, n + 1);
	classify(c, buf);
	return buf;
}

static struct node *child_map(struct node *parent, const char *key, int line, int col)
{
	struct node *n = node__get(parent, key);

	if (n)
		return n;
	n = node__new(NODE_MAP, line, col);
	node__append(parent, n, key, line, col);
	return n;
}

/* The entry of list `key` of parent whose name is `name`, created when missing. */
static struct node *named_entry(struct node *parent, const char *key, const char *name, int line)
{
	struct node *list = node__get(parent, key);
	struct node *e;

	if (!list) {
		list = node__new(NODE_SEQ, line, 1);
		node__append(parent, list, key, line, 1);
	}
	if (list->kind != NODE_SEQ)
		return NULL;
	for (size_t i = 0; name && i < list->nkids; i++) {
		const struct node *nm = node__get(list->kids[i], "name");

		if (nm && nm->kind == NODE_SCALAR && str_eq(nm->value, name))
			return list->kids[i];
	}
	e = node__new(NODE_MAP, line, 1);
	if (name)
		node__append(e, node__scalar(name, line, 2), "name", line, 2);
	node__append(list, e, NULL, 0, 0);
	return e;
}

/* Map a section title onto the map its keys go into; NULL (reported) when unknown. */
static struct node *section_target(struct ini_ctx *c, const char *section)
{
	static const char *const kinds[] = {
		"test", "topology", "scheduler", "assert", "console", "matrix",
		"cgroup", "work", "payload", "step",
	};
	_cleanup_free_ char *copy = xstrdup(section);
	char *w[5] = {};
	size_t nw = 0;
	char *save = NULL;
	struct node *t = NULL;
	int l = c->section_line;

	for (size_t i = 0; i < c->ntargets; i++)
		if (str_eq(c->targets[i].section, section))
			return c->targets[i].map;
	for (char *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (nw == ARRAY_SIZE(w)) {
			nw++;
			break;
		}
		w[nw++] = tok;
	}
	if (!nw || str_eq(w[0], "test")) {
		if (nw <= 1)
			t = c->root;
	} else if (nw == 1 && (str_eq(w[0], "topology") || str_eq(w[0], "scheduler") ||
			       str_eq(w[0], "assert") || str_eq(w[0], "console") || str_eq(w[0], "matrix"))) {
		t = child_map(c->root, w[0], l, 2);
		if (t->kind != NODE_MAP) {
			diag_add(c->d, DIAG_ERROR, c->file, l, 2,
				 "[%s] conflicts with '%s = ...' at line %d: use one or the other",
				 w[0], w[0], t->key_line);
			c->targets = xrealloc(c->targets, (c->ntargets + 1) * sizeof(*c->targets));
			c->targets[c->ntargets].section = xstrdup(section);
			c->targets[c->ntargets++].map = NULL;
			return NULL;
		}
	} else if (nw == 2 && str_eq(w[0], "cgroup")) {
		t = named_entry(c->root, "cgroups", w[1], l);
	} else if (nw == 2 && str_eq(w[0], "payload")) {
		t = named_entry(c->root, "payloads", w[1], l);
	} else if (nw == 4 && str_eq(w[0], "payload") && str_eq(w[2], "metric")) {
		struct node *pl = named_entry(c->root, "payloads", w[1], l);

		t = pl ? named_entry(pl, "metrics", w[3], l) : NULL;
	} else if ((nw == 2 || nw == 3) && str_eq(w[0], "work")) {
		struct node *cg = named_entry(c->root, "cgroups", w[1], l);

		t = cg ? named_entry(cg, "works", NULL, l) : NULL;
	} else if (nw == 2 && str_eq(w[0], "step")) {
		t = named_entry(c->root, "steps", w[1], l);
	} else if (nw == 4 && str_eq(w[0], "step") && (str_eq(w[2], "cgroup") || str_eq(w[2], "op"))) {
		struct node *st = named_entry(c->root, "steps", w[1], l);

		if (st && str_eq(w[2], "cgroup"))
			t = named_entry(st, "cgroups", w[3], l);
		else if (st)
			t = named_entry(st, "ops", NULL, l);
	}
	if (!t) {
		const char *sugg = NULL;
		unsigned best = 3;

		for (size_t i = 0; nw && i < ARRAY_SIZE(kinds); i++)
			if (str_distance(w[0], kinds[i]) < best) {
				best = str_distance(w[0], kinds[i]);
				sugg = kinds[i];
			}
		if (sugg && !str_eq(sugg, w[0]))
			diag_add(c->d, DIAG_ERROR, c->file, l, 2, "unknown section [%s]: did you mean [%s ...]?",
				 section, sugg);
		else
			diag_add(c->d, DIAG_ERROR, c->file, l, 2,
				 "section [%s] is not one of [test], [topology], [scheduler], [assert], [console], [matrix], [cgroup NAME], [work CGROUP [LABEL]], [payload NAME], [payload NAME metric KEY], [step NAME], [step NAME cgroup CGROUP], [step NAME op LABEL]",
				 section);
	}
	c->targets = xrealloc(c->targets, (c->ntargets + 1) * sizeof(*c->targets));
	c->targets[c->ntargets].section = xstrdup(section);
	c->targets[c->ntargets++].map = t;	/* NULL: keys of a bad section are skipped */
	return t;
}

static struct node *make_value(struct ini_ctx *c, const char *value, int col)
{
	size_t n = strlen(value);
	struct node *v;

	if (value[0] == '[' || value[0] == '{')
		return spec_yaml__parse_flow(c->file, value, c->line, col, c->d);
	if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
		_cleanup_free_ char *inner = xstrndup(value + 1, n - 2);

		v = node__scalar(inner, c->line, col);
		v->quoted = true;
		return v;
	}
	return node__scalar(value, c->line, col);
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *c = user;
	struct node *map = section_target(c, section);
	bool literal = str_startswith(section, "matrix") || str_startswith(section, "assert");
	_cleanup_free_ char *path = xstrdup(name);
	int kcol = first_nonspace(c->raw) + 1;
	const char *sep = strpbrk(c->raw, "=:");
	int vcol = sep ? (int)(sep - c->raw) + 2 + first_nonspace(sep + 1) : kcol;
	char *last = path, *dot;
	struct node *v, *prev;

	if (!map || c->stop)
		return 1;
	if (++c->nodes > SPEC_MAX_NODES / 4) {
		diag_add(c->d, DIAG_ERROR, c->file, c->line, 1, "spec too large");
		c->stop = true;
		return 1;
	}
	/* "cpuset.kind = llc" sets kind inside map cpuset */
	while (!literal && (dot = strchr(last, '.')) && dot != last && dot[1]) {
		*dot = '\0';
		prev = node__get(map, last);
		if (prev && prev->kind != NODE_MAP) {
			diag_add(c->d, DIAG_ERROR, c->file, c->line, kcol,
				 "'%s' already has a value here, so '%s' cannot go inside it", last, name);
			return 1;
		}
		map = child_map(map, last, c->line, kcol);
		last = dot + 1;
	}
	if (!*last) {
		diag_add(c->d, DIAG_ERROR, c->file, c->line, kcol, "empty key name");
		return 1;
	}
	if (map->nkids >= SPEC_MAX_MAP_KEYS && !node__get(map, last)) {
		diag_add(c->d, DIAG_ERROR, c->file, c->line, kcol, "more than %d keys in one section",
			 SPEC_MAX_MAP_KEYS);
		c->stop = true;
		return 1;
	}
	v = make_value(c, value, vcol);
	if (!v)
		return 1;
	prev = node__get(map, last);
	if (is_repeat_key(last)) {
		if (!prev) {
			prev = node__new(NODE_SEQ, c->line, vcol);
			node__append(map, prev, last, c->line, kcol);
		}
		if (prev->kind == NODE_SEQ && v->kind == NODE_SEQ && !prev->nkids) {
			/* ops = [a, b]: take the list itself */
			for (size_t i = 0; i < v->nkids; i++)
				node__append(prev, node__dup(v->kids[i]), NULL, 0, 0);
			node__free(v);
		} else if (prev->kind == NODE_SEQ) {
			node__append(prev, v, NULL, 0, 0);
		} else {
			node__free(v);
		}
		return 1;
	}
	if (prev) {
		/* keep the first, flag it: the validator reports the key at its place */
		prev->ini_repeat = true;
		prev->key_line = c->line;
		prev->key_col = kcol;
		node__free(v);
		return 1;
	}
	node__append(map, v, last, c->line, kcol);
	return 1;
}

struct node *spec_ini__parse(const char *file, const char *text, size_t len,
			     struct diag_list *diags)
{
	struct ini_ctx c = { .file = file, .d = diags, .text = text, .len = len };
	size_t before = diag_count(diags, DIAG_ERROR);
	int r;

	c.root = node__new(NODE_MAP, 1, 1);
	r = ini_parse_stream(reader, &c, handler, &c);
	for (size_t i = 0; i < c.ntargets; i++)
		free(c.targets[i].section);
	free(c.targets);
	if (r < 0)
		diag_add(diags, DIAG_ERROR, file, 0, 0, "the INI parser failed (%d)", r);
	if (r > 0 && diag_count(diags, DIAG_ERROR) == before)
		diag_add(diags, DIAG_ERROR, file, r, 1, "INI syntax error");
	if (!c.root->nkids && diag_count(diags, DIAG_ERROR) == before && !c.ntargets)
		diag_add(diags, DIAG_ERROR, file, 1, 1, "empty spec: expected [test] and keys such as name = ...");
	/* line-level errors are local: validate what was read so every problem shows */
	if (!c.root->nkids) {
		node__free(c.root);
		return NULL;
	}
	return c.root;
}
