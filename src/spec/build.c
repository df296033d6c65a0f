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

static bool same_diag(const struct diag *a, const struct diag *b)
{
	return a->severity == b->severity && a->line == b->line && a->col == b->col &&
	       str_eq(a->file, b->file) && str_eq(a->msg, b->msg);
}

/*
 * Merge the diagnostics of each expansion: a problem every expansion has is
 * reported once; one only some expansions have names them ("in test a/b").
 */
static void merge_diags(struct diag_list *out, struct diag_list *per, struct spec_test *tests, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < per[i].n; j++) {
			const struct diag *d = &per[i].v[j];
			_cleanup_free_ char *names = NULL;
			bool seen = false;
			size_t hits = 0;

			for (size_t k = 0; k < i && !seen; k++)
				for (size_t l = 0; l < per[k].n && !seen; l++)
					seen = same_diag(d, &per[k].v[l]);
			if (seen)
				continue;
			for (size_t k = i; k < n; k++)
				for (size_t l = 0; l < per[k].n; l++)
					if (same_diag(d, &per[k].v[l])) {
						char *more = xasprintf("%s%s%s", names ? names : "",
								       names ? ", " : "", tests[k].name);

						free(names);
						names = more;
						hits++;
						break;
					}
			if (n > 1 && hits < n)
				diag_add(out, d->severity, d->file, d->line, d->col, "%s (in test %s)", d->msg, names);
			else
				diag_add(out, d->severity, d->file, d->line, d->col, "%s", d->msg);
		}
	}
}

int spec__build(struct spec_file *sf, struct diag_list *diags)
{
	size_t before = diag_count(diags, DIAG_ERROR);
	_cleanup_free_ char *defname = default_name(sf->path);
	struct spec_expansion *ex = NULL;
	struct diag_list *per;
	size_t nex = 0;
	struct node *root;

	if (sf->format == SPEC_FORMAT_INI)
		root = spec_ini__parse(sf->path, sf->text, sf->text_len, diags);
	else
		root = spec_yaml__parse(sf->path, sf->text, sf->text_len, diags, &sf->plain_text);
	if (!root)
		return -EINVAL;
	if (spec_matrix__expand(sf->path, root, &ex, &nex, diags) < 0) {
		node__free(root);
		return -EINVAL;
	}
	node__free(root);
	sf->tests = xcalloc(nex ? nex : 1, sizeof(*sf->tests));
	per = xcalloc(nex ? nex : 1, sizeof(*per));
	for (size_t i = 0; i < nex; i++) {
		struct spec_test *t = &sf->tests[sf->ntests++];

		spec_validate(sf->path, ex[i].root, defname, t, &per[i]);
		t->base_name = xstrdup(t->name);
		free(t->name);
		t->name = xasprintf("%s%s", t->base_name, ex[i].suffix);
		/* the base name was checked by the validator; the matrix part can make it too long */
		if (!spec_test_name__valid(t->name) && spec_test_name__valid(t->base_name))
			diag_add(&per[i], DIAG_ERROR, t->name_loc.file, t->name_loc.line, t->name_loc.col,
				 "test name '%.64s...' is %zu characters with its matrix values; at most %d "
				 "(it names the test's directories): use fewer or shorter matrix values",
				 t->name, strlen(t->name), SPEC_MAX_NAME_LEN);
		t->matrix_values = ex[i].labels;
		ex[i].labels = NULL;
	}
	merge_diags(diags, per, sf->tests, nex);
	for (size_t i = 0; i < nex; i++)
		diag_free(&per[i]);
	free(per);
	spec_expansions__free(ex, nex);
	return diag_count(diags, DIAG_ERROR) > before ? -EINVAL : 0;
}
