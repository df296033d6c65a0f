// SPDX-License-Identifier: GPL-2.0-only
/* Collected diagnostics, printed the way compilers print them. */
#include <stdarg.h>

#include "util/diag.h"

void diag_add(struct diag_list *dl, enum diag_severity sev, const char *file,
	      int line, int col, const char *fmt, ...)
{
	struct diag *d = array_push(&dl->v, &dl->n, sizeof(*d));
	va_list ap;

	d->severity = sev;
	d->file = xstrdup(file ? file : "<input>");
	d->line = line;
	d->col = col;
	va_start(ap, fmt);
	if (vasprintf(&d->msg, fmt, ap) < 0)
		d->msg = xstrdup("(out of memory)");
	va_end(ap);
}

size_t diag_count(const struct diag_list *dl, enum diag_severity sev)
{
	size_t c = 0;

	for (size_t i = 0; i < dl->n; i++)
		c += dl->v[i].severity == sev;
	return c;
}

static int diag_cmp(const struct diag *a, const struct diag *b)
{
	int r = strcmp(a->file, b->file);

	if (r)
		return r;
	if (a->line != b->line)
		return a->line - b->line;
	return a->col - b->col;
}

void diag_sort(struct diag_list *dl)
{
	/* insertion sort: stable, and lists are short */
	for (size_t i = 1; i < dl->n; i++) {
		struct diag tmp = dl->v[i];
		size_t j = i;

		while (j > 0 && diag_cmp(&dl->v[j - 1], &tmp) > 0) {
			dl->v[j] = dl->v[j - 1];
			j--;
		}
		dl->v[j] = tmp;
	}
}

void diag_print(const struct diag_list *dl, FILE *f)
{
	static const char *const sev[] = { "error", "warning", "note" };

	for (size_t i = 0; i < dl->n; i++) {
		const struct diag *d = &dl->v[i];

		if (d->line > 0 && d->col > 0)
			fprintf(f, "%s:%d:%d: %s: %s\n", d->file, d->line, d->col,
				sev[d->severity], d->msg);
		else if (d->line > 0)
			fprintf(f, "%s:%d: %s: %s\n", d->file, d->line, sev[d->severity], d->msg);
		else
			fprintf(f, "%s: %s: %s\n", d->file, sev[d->severity], d->msg);
	}
}

void diag_free(struct diag_list *dl)
{
	for (size_t i = 0; i < dl->n; i++) {
		free(dl->v[i].file);
		free(dl->v[i].msg);
	}
	free(dl->v);
	dl->v = NULL;
	dl->n = 0;
}
