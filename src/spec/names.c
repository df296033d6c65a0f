// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test names become directory names (the test's results and temp
 * directories): the rule a name follows, the directory it maps to, and the
 * check that no two tests of one list share that directory.
 */
#include <errno.h>

#include "spec/spec.h"
#include "util/path.h"

bool spec_name__is_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("._+:=-", c));
}

bool spec_test_name__valid(const char *name)
{
	if (!name || strlen(name) > SPEC_MAX_NAME_LEN || !path_is_relative_plain(name))
		return false;
	for (const char *p = name; *p; p++)
		if (*p != '/' && !spec_name__is_char((unsigned char)*p))
			return false;
	return true;
}

char *spec_test__dir_name(const char *name)
{
	char *s = xstrdup(name);

	for (char *p = s; *p; p++)
		if (!spec_name__is_char((unsigned char)*p))
			*p = '_';
	return s;
}

bool spec_names__add(struct spec_names *s, const struct spec_test *t, struct diag_list *dl)
{
	_cleanup_free_ char *dir = spec_test__dir_name(t->name);
	const struct spec_loc *l = &t->name_loc;
	struct spec_name_seen *e;

	for (size_t i = 0; i < s->n; i++) {
		const struct spec_name_seen *o = &s->v[i];

		if (!str_eq(o->dir, dir))
			continue;
		if (str_eq(o->file, l->file) && o->line == l->line && o->col == l->col &&
		    o->file_no != s->nfiles)
			diag_add(dl, DIAG_ERROR, l->file, l->line, l->col,
				 "test '%s': the spec is given twice: each test runs once, in its own directories",
				 t->name);
		else if (str_eq(o->file, l->file) && o->line == l->line && o->col == l->col)
			diag_add(dl, DIAG_ERROR, l->file, l->line, l->col,
				 "two tests are named '%s' (the matrix renders equal names): "
				 "each test needs its own name, its results and temp directory are named after it",
				 t->name);
		else if (str_eq(o->name, t->name))
			diag_add(dl, DIAG_ERROR, l->file, l->line, l->col,
				 "test '%s' is also defined at %s:%d:%d: each test needs its own name, "
				 "its results and temp directory are named after it",
				 t->name, o->file, o->line, o->col);
		else
			diag_add(dl, DIAG_ERROR, l->file, l->line, l->col,
				 "test '%s' and test '%s' at %s:%d:%d would share the directory '%s': rename one",
				 t->name, o->name, o->file, o->line, o->col, dir);
		return false;
	}
	e = array_push(&s->v, &s->n, sizeof(*s->v));
	e->name = xstrdup(t->name);
	e->dir = TAKE_PTR(dir);
	e->file = xstrdup(l->file);
	e->line = l->line;
	e->col = l->col;
	e->file_no = s->nfiles;
	return true;
}

void spec_names__free(struct spec_names *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].dir);
		free(s->v[i].file);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

int spec_names__add_file(struct spec_names *s, const struct spec_file *sf,
			 const struct spec_filter *flt, struct diag_list *dl)
{
	int ret = 0;

	s->nfiles++;
	for (size_t i = 0; i < sf->ntests; i++)
		if (spec_filter__match(flt, sf->tests[i].name) && !spec_names__add(s, &sf->tests[i], dl))
			ret = -EINVAL;
	return ret;
}
