// SPDX-License-Identifier: GPL-2.0-only
/* A plugin with requires/excludes flags and threshold overrides, for the loader tests. */
#include <ktstr/plugin.h>

static const char *const steal_requires[] = { "llc", NULL };
static const char *const solo_excludes[] = { "llc", "steal", NULL };

static const struct ktstr_flag flags[] = {
	{ "llc", "per-LLC queues", NULL, NULL },
	{ "steal", "steal across LLCs", steal_requires, NULL },
	{ "solo", "one queue", NULL, solo_excludes },
	{ "slice-ms=", "slice length", NULL, NULL },
	{ NULL },
};

static const struct ktstr_threshold thresholds[] = {
	{ "max_gap_ms", "5000" },
	{ "isolation", "true" },
	{ "max_spread_pct", "off" },
	{ "max_imbalance_ratio", "2.5" },
	{ NULL, NULL },
};

static const char *const kargs[] = { "nosmt", NULL };
static const char *const sysctls[] = { "kernel.sched_autogroup_enabled=0", NULL };

KTSTR_PLUGIN_EXPORT const struct ktstr_plugin ktstr_plugin = {
	.abi_version = KTSTR_PLUGIN_ABI_VERSION,
	.sz = sizeof(struct ktstr_plugin),
	.name = "flag-test",
	.description = "test plugin for flag and threshold handling",
	.flags = flags,
	.kargs = kargs,
	.sysctls = sysctls,
	.thresholds = thresholds,
};
