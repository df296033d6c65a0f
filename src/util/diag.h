/* SPDX-License-Identifier: GPL-2.0-only */
/* Collected diagnostics: parse and lint problems as file:line:col: message. */
#ifndef KTSTR_DIAG_H
#define KTSTR_DIAG_H

#include "util/util.h"

enum diag_severity { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE };

struct diag {
	enum diag_severity severity;
	char *file;
	int line;	/* 1-based; 0 when unknown */
	int col;	/* 1-based; 0 when unknown */
	char *msg;
};

struct diag_list {
	struct diag *v;
	size_t n;
};

void diag_add(struct diag_list *dl, enum diag_severity sev, const char *file,
	      int line, int col, const char *fmt, ...) __printf(6, 7);
size_t diag_count(const struct diag_list *dl, enum diag_severity sev);
/* Sort by file, line, column (stable), as compilers print them. */
void diag_sort(struct diag_list *dl);
void diag_print(const struct diag_list *dl, FILE *f);
void diag_free(struct diag_list *dl);

#endif
