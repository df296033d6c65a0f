// SPDX-License-Identifier: GPL-2.0-only
/* A plugin built for a future ABI: the loader must refuse it with a clear message. */
#include <ktstr/plugin.h>

KTSTR_PLUGIN_EXPORT const struct ktstr_plugin ktstr_plugin = {
	.abi_version = KTSTR_PLUGIN_ABI_VERSION + 998,
	.sz = sizeof(struct ktstr_plugin),
	.name = "wrong-abi",
	.description = "test plugin with a mismatched ABI version",
};
