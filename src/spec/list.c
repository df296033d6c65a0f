// SPDX-License-Identifier: GPL-2.0-only
/* The test list of one command: spec files loaded, checked and filtered once. */
#include <errno.h>

#include "spec/spec.h"

int spec_list__load(struct spec_list *l, char *const *paths, size_t n,
		    const struct spec_options *opt, const struct spec_filter *flt,
		    void (*check)(const struct spec_file *sf, struct diag_list *dl))
{
	struct spec_names names = {};

	for (size_t i = 0; i < n; i++) {
		struct spec_list_file *f = array_push(&l->files, &l->nfiles, sizeof(*l->files));

		f->path = paths[i];
		f->err = spec_file__load_opts(paths[i], SPEC_FORMAT_AUTO, opt, &f->sf, &f->diags);
		/* a glob over specs/ also matches Makefile.inc: skipped, not an error */
		if (f->err == -EINVAL && spec_file__is_foreign(f->sf)) {
			f->foreign = true;
			f->err = 0;
			diag_free(&f->diags);
			spec_file__free(f->sf);
			f->sf = NULL;
			continue;
		}
		if (!f->err && !f->sf)
			f->err = -EINVAL;
		if (!f->err && check) {
			check(f->sf, &f->diags);
			if (diag_count(&f->diags, DIAG_ERROR))
				f->err = -EINVAL;
		}
		/* two selected tests of one name would share their results and temp directories */
		if (!f->err && spec_names__add_file(&names, f->sf, flt, &f->diags))
			f->err = -EINVAL;
		diag_sort(&f->diags);
		if (f->err) {
			l->ninvalid++;
			continue;
		}
		for (size_t k = 0; k < f->sf->ntests; k++) {
			struct spec_list_test *lt;

			if (!spec_filter__match(flt, f->sf->tests[k].name))
				continue;
			lt = array_push(&l->tests, &l->ntests, sizeof(*l->tests));
			lt->sf = f->sf;
			lt->t = &f->sf->tests[k];
		}
	}
	spec_names__free(&names);
	return l->ninvalid ? -EINVAL : 0;
}

void spec_list__free(struct spec_list *l)
{
	for (size_t i = 0; i < l->nfiles; i++) {
		spec_file__free(l->files[i].sf);
		diag_free(&l->files[i].diags);
	}
	free(l->files);
	free(l->tests);
	memset(l, 0, sizeof(*l));
}
