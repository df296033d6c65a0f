// SPDX-License-Identifier: GPL-2.0-only
/* The guest agent's pass over /proc/kallsyms for the symbols the host's monitor needs. */
#include <stdio.h>

#include "guest/guest.h"

size_t guest_ksyms__scan(FILE *f, const char *const *want, size_t nwant, bool to_text,
			 struct msg_syms *syms)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, found = 0;
	uint64_t have;

	/*
	 * To _text only, with a hint: a per-CPU symbol (runqueues on a kernel
	 * with zero-based per-CPU addresses, before 6.15) comes before _text
	 * and must not end the pass early.
	 */
	while (f && (to_text ? !msg_syms__get(syms, "_text", &have) : found < nwant) &&
	       getline(&line, &cap, f) > 0) {
		char name[128], type;
		unsigned long long addr;

		/* "ffffffff81000000 T _text"; module symbols carry a "\t[mod]" suffix */
		if (sscanf(line, "%llx %c %127s", &addr, &type, name) != 3 || strchr(line, '['))
			continue;
		for (size_t i = 0; i < nwant; i++) {
			if (!str_eq(name, want[i]) || msg_syms__get(syms, name, &have))
				continue;
			msg_syms__add(syms, name, addr);
			found++;
		}
	}
	return found;
}
