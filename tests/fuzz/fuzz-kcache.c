// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: any bytes through the kernel cache's readers, as an
 * entry's metadata.json and as a derived file's ".sum" record.
 */
#include "kernel/internal.h"
#include "kernel/kernel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kernel_cache_entry e = {
		.key = xstrdup("fuzz"),
		.dir = xstrdup("/nonexistent/fuzz"),
		.image = xstrdup("/nonexistent/fuzz/bzImage"),
	};
	struct kernel_derived_rec r;
	char *why = NULL;

	kernel_cache__parse_meta((const char *)data, size, &e);
	/* what list --json and resolve print of an entry must be readable whatever it held */
	if (!e.corrupt && (!e.version || !e.sha256 || !e.size || !e.source_type))
		__builtin_trap();
	kernel_cache_entry__fini(&e);
	if (kernel_derived__parse((const char *)data, size, &r, &why) == 0 &&
	    (why || strlen(r.sha256) != 64))
		__builtin_trap();
	free(why);
	return 0;
}
