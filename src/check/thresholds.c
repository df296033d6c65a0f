// SPDX-License-Identifier: GPL-2.0-only
/* The threshold table and the layered merge (defaults, plugin, spec). */
#include "check/thresholds.h"

const struct threshold_desc threshold_table[THR__COUNT] = {
#define X(id, name, type, rel, dbg, has, unit, help) \
	[THR_##id] = { THR_##id, name, type, rel, dbg, has, unit, help },
	THRESHOLD_LIST(X)
#undef X
};

const struct threshold_desc *threshold_lookup(const char *name)
{
	for (unsigned i = 0; i < THR__COUNT; i++)
		if (str_eq(threshold_table[i].name, name))
			return &threshold_table[i];
	return NULL;
}

const char *thr_layer_name(enum thr_layer layer)
{
	static const char *const names[] = {
		[THR_LAYER_NONE] = "unset", [THR_LAYER_DEFAULT] = "default",
		[THR_LAYER_PLUGIN] = "scheduler", [THR_LAYER_SPEC] = "spec",
		[THR_LAYER_CLI] = "command line",
	};

	return layer < ARRAY_SIZE(names) ? names[layer] : "?";
}

void thresholds__defaults(struct thresholds *t, bool relaxed)
{
	memset(t, 0, sizeof(*t));
	t->relaxed = relaxed;
	for (unsigned i = 0; i < THR__COUNT; i++) {
		const struct threshold_desc *d = &threshold_table[i];

		if (!d->has_default)
			continue;
		t->v[i].state = THR_SET;
		t->v[i].value = relaxed ? d->debug_default : d->release_default;
		t->v[i].layer = THR_LAYER_DEFAULT;
	}
}

void thresholds__merge(struct thresholds *dst, const struct thresholds *src, enum thr_layer layer)
{
	for (unsigned i = 0; i < THR__COUNT; i++) {
		if (src->v[i].state == THR_UNSET)
			continue;
		dst->v[i] = src->v[i];
		dst->v[i].layer = layer;
	}
}

bool thresholds__active(const struct thresholds *t, enum thr_id id, double *value)
{
	const struct threshold_val *v = &t->v[id];

	if (v->state != THR_SET)
		return false;
	if (value)
		*value = v->value;
	if (threshold_table[id].type == THR_BOOL)
		return v->value != 0;
	return true;
}

bool threshold_is_monitor(enum thr_id id)
{
	switch (id) {
	case THR_MAX_IMBALANCE_RATIO:
	case THR_MAX_LOCAL_DSQ_DEPTH:
	case THR_FAIL_ON_STALL:
	case THR_SUSTAINED_SAMPLES:
	case THR_MAX_FALLBACK_RATE:
	case THR_MAX_KEEP_LAST_RATE:
		return true;
	default:
		return false;
	}
}

const char *thresholds__evaluation(const struct thresholds *t, enum thr_id id)
{
	if (!thresholds__active(t, id, NULL))
		return "off";
	if (threshold_is_monitor(id))
		return "not evaluated (no monitor data)";
	/* ktstr runs the spread and gap checks only together with not_starved. */
	if ((id == THR_MAX_SPREAD_PCT || id == THR_MAX_GAP_MS) &&
	    !thresholds__active(t, THR_NOT_STARVED, NULL))
		return "off (needs not_starved)";
	return "on";
}
