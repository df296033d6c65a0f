// SPDX-License-Identifier: GPL-2.0-only
/*
 * eevdf: the kernel's default fair scheduler. Nothing to load: attach and
 * detach do nothing and the scheduler is always running. A spec without a
 * scheduler uses this plugin.
 */
#include <stdio.h>
#include <ktstr/plugin.h>

static int eevdf_attach(struct ktstr_sched_ctx *ctx)
{
	return 0;
}

static int eevdf_poll(struct ktstr_sched_ctx *ctx, struct ktstr_health *health)
{
	health->state = KTSTR_SCHED_RUNNING;
	health->exit_kind[0] = '\0';
	health->reason[0] = '\0';
	return 0;
}

static int eevdf_stats(struct ktstr_sched_ctx *ctx, char *buf, size_t len)
{
	return snprintf(buf, len, "{}") < (int)len ? 0 : -28 /* ENOSPC */;
}

static void eevdf_detach(struct ktstr_sched_ctx *ctx)
{
}

KTSTR_PLUGIN_EXPORT const struct ktstr_plugin ktstr_plugin = {
	.abi_version = KTSTR_PLUGIN_ABI_VERSION,
	.sz = sizeof(struct ktstr_plugin),
	.name = "eevdf",
	.description = "the kernel's default scheduler (EEVDF); nothing is loaded",
	.needs_sched_ext = false,
	.attach = eevdf_attach,
	.poll = eevdf_poll,
	.stats = eevdf_stats,
	.detach = eevdf_detach,
};
