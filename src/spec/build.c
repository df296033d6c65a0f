// SPDX-License-Identifier: GPL-2.0-only
/* From bytes to tests: pick the front end, expand the matrix, validate each tree. */
#include <errno.h>

#include "spec/spec-int.h"

/* The test name when the spec gives none: the file's base name without extension. */
static char *default_name(const char *path)
{
	const char *b = strrchr(path, '/');
	const char *dot;

	b = b ? b + 1 : path;
	dot = strrchr(b, '.');
	return dot && dot != b ? xstrndup(b, dot - b) : xstrdup(b);
}

int spec__build(struct spec_file *sf, struct diag_list *diags)
{
	size_t before = diag_count(diags, DIAG_ERROR);
	_cleanup_free_ char *defname = default_name(sf->path);
	struct spec_expansion *ex = NULL;
	size_t nex = 0;
	struct node *root;

	if (sf->format == SPEC_FORMAT_INI)
		root = spec_ini__parse(sf->path, sf->text, sf->text_len, diags);
	else
		root = spec_yaml__parse(sf->path, sf->text, sf->text_len, diags);
	if (!root)
		return -EINVAL;
	if (spec_matrix__expand(sf->path, root, &ex, &nex, diags) < 0) {
		node__free(root);
		return -EINVAL;
	}
	node__free(root);
	sf->tests = xcalloc(nex ? nex : 1, sizeof(*sf->tests));
	for (size_t i = 0; i < nex; i++) {
		struct spec_test *t = &sf->tests[sf->ntests++];

		spec_validate(sf->path, ex[i].root, defname, t, diags);
		t->base_name = xstrdup(t->name);
		free(t->name);
		t->name = xasprintf("%s%s", t->base_name, ex[i].suffix);
		t->matrix_values = ex[i].labels;
		ex[i].labels = NULL;
	}
	spec_expansions__free(ex, nex);
	return diag_count(diags, DIAG_ERROR) > before ? -EINVAL : 0;
}
