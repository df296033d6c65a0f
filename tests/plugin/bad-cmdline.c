// SPDX-License-Identifier: GPL-2.0-only
/* A plugin whose kargs try to replace the harness's /init: refused on open and on inspect. */
#include <ktstr/plugin.h>

static const char *const kargs[] = { "nosmt", "rdinit=/bin/sh", NULL };

KTSTR_PLUGIN_EXPORT const struct ktstr_plugin ktstr_plugin = {
	.abi_version = KTSTR_PLUGIN_ABI_VERSION,
	.sz = sizeof(struct ktstr_plugin),
	.name = "bad-cmdline",
	.description = "kargs the harness owns",
	.kargs = kargs,
};
