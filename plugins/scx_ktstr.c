// SPDX-License-Identifier: GPL-2.0-only
/*
 * scx_ktstr plugin: loads and attaches the scx_ktstr BPF scheduler
 * (scx_ktstr.bpf.c) through its libbpf skeleton, maps spec flags onto its
 * read-only configuration and reports its exit record as health.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "include/scx_ktstr_shared.h"
#include "scx_ktstr.skel.h"
#include "scx_common.h"

#define MAX_SLICE_MS 1000

static const struct ktstr_flag flags[] = {
	{ "llc", "one shared DSQ per last-level cache; idle CPUs steal from other LLCs",
	  NULL, NULL },
	{ "fifo", "queue in arrival order instead of weighted virtual time", NULL, NULL },
	{ "slice-ms=", "time slice in milliseconds (1-1000; default 20, the kernel's SCX_SLICE_DFL)",
	  NULL, NULL },
	{ NULL },
};

static const char *const kargs[] = { NULL };

/*
 * No threshold overrides: scx_ktstr is meant to pass ktstr's default
 * checks, so it is held to exactly the defaults (see ktstr-plugin(7)).
 */
static const struct ktstr_threshold thresholds[] = { { NULL, NULL } };

static int ktstr_validate(const char *const *fl, const char *const *args, char *err, size_t errlen)
{
	uint64_t ms;

	if (scxp_flag_u64(fl, "slice-ms", 20, &ms) || ms < 1 || ms > MAX_SLICE_MS) {
		snprintf(err, errlen, "flag slice-ms: want a whole number of milliseconds from 1 to %d",
			 MAX_SLICE_MS);
		return -EINVAL;
	}
	if (args && args[0]) {
		snprintf(err, errlen, "scx_ktstr takes no arguments (got '%s'); use its flags", args[0]);
		return -EINVAL;
	}
	return 0;
}

SCXP_SKEL_OPS(scx_ktstr, "ktstr", ktstr_validate);

static int ktstr_attach(struct ktstr_sched_ctx *ctx)
{
	struct scxp_plugin *pl;
	struct scx_ktstr *skel;
	uint64_t slice_ms;
	int ret = scxp_plugin_open(ctx, &scx_ktstr_skel_ops, sizeof(*pl));

	if (ret)
		return ret;
	pl = ctx->priv;
	skel = pl->skel;
	scxp_flag_u64(ctx->flags, "slice-ms", 20, &slice_ms);
	skel->rodata->slice_ns = slice_ms * 1000000ULL;
	skel->rodata->fifo = scxp_flag_on(ctx->flags, "fifo");
	skel->rodata->llc_dsqs = scxp_flag_on(ctx->flags, "llc");
	if (skel->rodata->llc_dsqs) {
		uint32_t nr = 1;

		ret = scxp_cpu_llcs((uint32_t *)skel->rodata->cpu_llc,
				    sizeof(skel->rodata->cpu_llc) / sizeof(u32), &nr);
		if (ret)
			scxp_log(ctx, KTSTR_LOG_WARN, "scx_ktstr: reading LLCs: %s; using one", strerror(-ret));
		skel->rodata->nr_llcs = nr;
		scxp_log(ctx, KTSTR_LOG_DEBUG, "scx_ktstr: %u LLC DSQs", nr);
	}
	return scxp_plugin_load_attach(ctx, &skel->bss->uei, skel->maps.ktstr_ops);
}

static int ktstr_stats(struct ktstr_sched_ctx *ctx, char *buf, size_t len)
{
	struct scxp_plugin *pl = ctx->priv;
	const struct scx_ktstr__bss *b;
	int n;

	if (!pl || !pl->run.uei)
		return -EINVAL;
	b = ((struct scx_ktstr *)pl->skel)->bss;
	n = snprintf(buf, len,
		     "{\"nr_direct\":%" PRIu64 ",\"nr_enqueued\":%" PRIu64 ",\"nr_dispatched\":%" PRIu64
		     ",\"nr_stolen\":%" PRIu64 "}",
		     (uint64_t)b->nr_direct, (uint64_t)b->nr_enqueued, (uint64_t)b->nr_dispatched,
		     (uint64_t)b->nr_stolen);
	return n >= 0 && (size_t)n < len ? 0 : -ENOSPC;
}

KTSTR_PLUGIN_EXPORT const struct ktstr_plugin ktstr_plugin = {
	.abi_version = KTSTR_PLUGIN_ABI_VERSION,
	.sz = sizeof(struct ktstr_plugin),
	.name = "scx_ktstr",
	.description = "minimal sched_ext scheduler for ktstr: weighted vtime or FIFO, global or per-LLC DSQs",
	.needs_sched_ext = true,
	.flags = flags,
	.kargs = kargs,
	.sysctls = NULL,
	.thresholds = thresholds,
	.validate = ktstr_validate,
	.attach = ktstr_attach,
	.poll = scxp_plugin_poll,
	.stats = ktstr_stats,
	.detach = scxp_plugin_detach,
};
