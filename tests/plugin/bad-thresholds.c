// SPDX-License-Identifier: GPL-2.0-only
/* A plugin whose threshold overrides are wrong: an unknown name, then a bad value. */
#include <ktstr/plugin.h>

static const struct ktstr_threshold thresholds[] = {
	{ "max_gap_ms", "soon" },
	{ NULL, NULL },
};

KTSTR_PLUGIN_EXPORT const struct ktstr_plugin ktstr_plugin = {
	.abi_version = KTSTR_PLUGIN_ABI_VERSION,
	.sz = sizeof(struct ktstr_plugin),
	.name = "bad-thresholds",
	.description = "test plugin with an invalid threshold override",
	.thresholds = thresholds,
};
