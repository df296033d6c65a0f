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

struct state {
	struct scx_ktstr *skel;
	struct scxp_bpf run;
};

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

static int ktstr_attach(struct ktstr_sched_ctx *ctx)
{
	struct state *st = calloc(1, sizeof(*st));
	const void *elf;
	size_t elf_sz;
	uint64_t slice_ms;
	char err[128];
	int ret;

	if (!st)
		return -ENOMEM;
	ctx->priv = st;
	ret = ktstr_validate(ctx->flags, ctx->args, err, sizeof(err));
	if (ret) {
		scxp_log(ctx, KTSTR_LOG_ERROR, "scx_ktstr: %s", err);
		return ret;
	}
	scxp_flag_u64(ctx->flags, "slice-ms", 20, &slice_ms);

	st->skel = calloc(1, sizeof(*st->skel));
	if (!st->skel)
		return -ENOMEM;
	ret = scx_ktstr__create_skeleton(st->skel);
	if (ret) {
		free(st->skel);
		st->skel = NULL;
		return ret;
	}
	st->run.ops_name = "ktstr";
	elf = scx_ktstr__elf_bytes(&elf_sz);
	ret = scxp_skel_open(ctx, &st->run, st->skel->skeleton, elf, elf_sz);
	if (ret)
		return ret;

	st->skel->rodata->slice_ns = slice_ms * 1000000ULL;
	st->skel->rodata->fifo = scxp_flag_on(ctx->flags, "fifo");
	st->skel->rodata->llc_dsqs = scxp_flag_on(ctx->flags, "llc");
	if (st->skel->rodata->llc_dsqs) {
		uint32_t nr = 1;

		ret = scxp_cpu_llcs((uint32_t *)st->skel->rodata->cpu_llc,
				    sizeof(st->skel->rodata->cpu_llc) / sizeof(u32), &nr);
		if (ret)
			scxp_log(ctx, KTSTR_LOG_WARN, "scx_ktstr: reading LLCs: %s; using one", strerror(-ret));
		st->skel->rodata->nr_llcs = nr;
		scxp_log(ctx, KTSTR_LOG_DEBUG, "scx_ktstr: %u LLC DSQs", nr);
	}

	st->run.uei = &st->skel->bss->uei;
	return scxp_bpf_load_attach(ctx, &st->run, st->skel->skeleton, st->skel->maps.ktstr_ops);
}

static int ktstr_poll(struct ktstr_sched_ctx *ctx, struct ktstr_health *h)
{
	struct state *st = ctx->priv;

	if (!st || !st->skel || !st->skel->bss)
		return -EINVAL;
	return scxp_bpf_poll(ctx, &st->run, h);
}

static int ktstr_stats(struct ktstr_sched_ctx *ctx, char *buf, size_t len)
{
	struct state *st = ctx->priv;
	const struct scx_ktstr__bss *b;
	int n;

	if (!st || !st->skel || !st->skel->bss)
		return -EINVAL;
	b = st->skel->bss;
	n = snprintf(buf, len,
		     "{\"nr_direct\":%" PRIu64 ",\"nr_enqueued\":%" PRIu64 ",\"nr_dispatched\":%" PRIu64
		     ",\"nr_stolen\":%" PRIu64 "}",
		     (uint64_t)b->nr_direct, (uint64_t)b->nr_enqueued, (uint64_t)b->nr_dispatched,
		     (uint64_t)b->nr_stolen);
	return n >= 0 && (size_t)n < len ? 0 : -ENOSPC;
}

static void ktstr_detach(struct ktstr_sched_ctx *ctx)
{
	struct state *st = ctx->priv;

	if (!st)
		return;
	scxp_bpf_detach(&st->run);
	if (st->skel)
		scx_ktstr__destroy(st->skel);
	free(st);
	ctx->priv = NULL;
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
	.poll = ktstr_poll,
	.stats = ktstr_stats,
	.detach = ktstr_detach,
};
