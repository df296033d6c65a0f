// SPDX-License-Identifier: GPL-2.0-only
/* Matrix expansion: a map of key -> list of values becomes a cartesian product of trees. */
#include <errno.h>

#include "spec/spec-int.h"

int spec_matrix__expand(const char *file, const struct node *root, struct spec_expansion **out,
			size_t *nout, struct diag_list *diags)
{
	struct spec_expansion *v = xcalloc(1, sizeof(*v));

	v->root = node__dup(root);
	v->labels = xcalloc(1, sizeof(char *));
	v->suffix = xstrdup("");
	*out = v;
	*nout = 1;
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
