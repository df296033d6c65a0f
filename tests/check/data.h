/* SPDX-License-Identifier: GPL-2.0-only */
/* The unit tests' sample logs and dumps under tests/check/data. */
#ifndef KTSTR_TESTS_CHECK_DATA_H
#define KTSTR_TESTS_CHECK_DATA_H

#include <stdio.h>

#include "util/util.h"

/* tests/check/data/NAME, malloc'd, and its length; NULL (and a note) when unreadable. */
static inline char *check_data_load(const char *name, size_t *len)
{
	_cleanup_free_ char *path = xasprintf("%s/tests/check/data/%s", KTSTR_SRCDIR, name);
	char *text = NULL;

	if (read_file(path, &text, len)) {
		printf("# cannot read %s\n", path);
		*len = 0;
	}
	return text;
}

#endif
