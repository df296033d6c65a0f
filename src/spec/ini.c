// SPDX-License-Identifier: GPL-2.0-only
/* The INI front end: libinih feeds sections and keys into the spec node tree. */
#include <ini.h>

#include "spec/spec-int.h"

struct node *spec_ini__parse(const char *file, const char *text, size_t len,
			     struct diag_list *diags)
{
	diag_add(diags, DIAG_ERROR, file, 0, 0, "INI specs are not supported yet");
	return NULL;
}
