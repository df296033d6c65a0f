// SPDX-License-Identifier: GPL-2.0-only
/*
 * example: a complete out-of-tree ktstr scheduler plugin, built against the
 * installed <ktstr/plugin.h> with `pkg-config ktstr-plugin`. It schedules
 * nothing itself (the kernel's default scheduler keeps running); it shows
 * every part of the ABI a real plugin fills in: flags with requires and
 * excludes, threshold overrides, validate, attach/poll/stats/detach and
 * logging through the host.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ktstr/plugin.h>

static const char *const loud_requires[] = { "greet", NULL };

static const struct ktstr_flag flags[] = {
	{ "greet", "log a greeting on attach", NULL, NULL },
	{ "loud", "greet in capitals", loud_requires, NULL },
	{ "polls=", "report EXITED after this many polls (default: never)", NULL, NULL },
	{ NULL },
};

/* The scheduler layer of the threshold merge: names from ktstr-spec(5). */
static const struct ktstr_threshold thresholds[] = {
	{ "max_gap_ms", "4000" },
	{ NULL, NULL },
};

struct state {
	unsigned long polls, max_polls;
};

static void plog(const struct ktstr_sched_ctx *ctx, enum ktstr_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->host || !ctx->host->log)
		return;
	va_start(ap, fmt);
	ctx->host->log(ctx->host->host_ctx, lvl, fmt, ap);
	va_end(ap);
}

static const char *flag_value(const char *const *fl, const char *key)
{
	size_t n = strlen(key);

	for (; fl && *fl; fl++)
		if (!strncmp(*fl, key, n) && (*fl)[n] == '=')
			return *fl + n + 1;
	return NULL;
}

static int has_flag(const char *const *fl, const char *name)
{
	for (; fl && *fl; fl++)
		if (!strcmp(*fl, name))
			return 1;
	return 0;
}

static int example_validate(const char *const *fl, const char *const *args, char *err, size_t errlen)
{
	const char *v = flag_value(fl, "polls");
	char *end;

	if (v && (strtoul(v, &end, 10), *end || !*v)) {
		snprintf(err, errlen, "polls=%s: want a number", v);
		return -EINVAL;
	}
	return 0;
}

static int example_attach(struct ktstr_sched_ctx *ctx)
{
	struct state *st = calloc(1, sizeof(*st));
	const char *v = flag_value(ctx->flags, "polls");

	if (!st)
		return -ENOMEM;
	st->max_polls = v ? strtoul(v, NULL, 10) : 0;
	ctx->priv = st;
	if (has_flag(ctx->flags, "greet"))
		plog(ctx, KTSTR_LOG_INFO, has_flag(ctx->flags, "loud") ? "HELLO FROM %u CPUS" :
			 "hello from %u cpus", ctx->ncpus);
	if (ctx->host->event)
		ctx->host->event(ctx->host->host_ctx, "scheduler attached", "example");
	return 0;
}

static int example_poll(struct ktstr_sched_ctx *ctx, struct ktstr_health *h)
{
	struct state *st = ctx->priv;

	st->polls++;
	if (st->max_polls && st->polls >= st->max_polls) {
		h->state = KTSTR_SCHED_EXITED;
		snprintf(h->exit_kind, sizeof(h->exit_kind), "polls");
		snprintf(h->reason, sizeof(h->reason), "stopped after %lu polls", st->polls);
		return 0;
	}
	h->state = KTSTR_SCHED_RUNNING;
	return 0;
}

static int example_stats(struct ktstr_sched_ctx *ctx, char *buf, size_t len)
{
	struct state *st = ctx->priv;
	int n = snprintf(buf, len, "{\"polls\":%lu}", st->polls);

	return n >= 0 && (size_t)n < len ? 0 : -ENOSPC;
}

static void example_detach(struct ktstr_sched_ctx *ctx)
{
	free(ctx->priv);
	ctx->priv = NULL;
}

KTSTR_PLUGIN_EXPORT const struct ktstr_plugin ktstr_plugin = {
	.abi_version = KTSTR_PLUGIN_ABI_VERSION,
	.sz = sizeof(struct ktstr_plugin),
	.name = "example",
	.description = "out-of-tree example plugin (runs on the kernel's default scheduler)",
	.needs_sched_ext = false,
	.flags = flags,
	.thresholds = thresholds,
	.validate = example_validate,
	.attach = example_attach,
	.poll = example_poll,
	.stats = example_stats,
	.detach = example_detach,
};
