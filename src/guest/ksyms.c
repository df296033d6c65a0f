// SPDX-License-Identifier: GPL-2.0-only
/* The guest agent's pass over /proc/kallsyms for the symbols the host's monitor needs. */
#include <jansson.h>
#include <stdio.h>

#include "guest/guest.h"
#include "util/util.h"

size_t guest_ksyms__scan(FILE *f, const char *const *want, size_t nwant, bool to_text,
			 json_t *syms)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, found = 0;

	/*
	 * To _text only, with a hint: a per-CPU symbol (runqueues on a kernel
	 * with zero-based per-CPU addresses, before 6.15) comes before _text
	 * and must not end the pass early.
	 */
	while (f && (to_text ? !json_object_get(syms, "_text") : found < nwant) &&
	       getline(&line, &cap, f) > 0) {
		char name[128], type;
		unsigned long long addr;

		/* "ffffffff81000000 T _text"; module symbols carry a "\t[mod]" suffix */
		if (sscanf(line, "%llx %c %127s", &addr, &type, name) != 3 || strchr(line, '['))
			continue;
		for (size_t i = 0; i < nwant; i++) {
			char hex[32];

			if (!str_eq(name, want[i]) || json_object_get(syms, name))
				continue;
			snprintf(hex, sizeof(hex), "0x%llx", addr);
			json_object_set_new(syms, name, json_string(hex));
			found++;
		}
	}
	return found;
}
