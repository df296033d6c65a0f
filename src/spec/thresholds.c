// SPDX-License-Identifier: GPL-2.0-only
/* The threshold table, its value reader, the layered merge (defaults, plugin, spec) and its description. */
#include <errno.h>

#include "util/units.h"

#include "spec/thresholds.h"

const struct threshold_desc threshold_table[THR__COUNT] = {
#define X(id, name, type, unit, max, rel, dbg, has, mon, gate, help) \
	[THR_##id] = { THR_##id, name, type, unit, max, rel, dbg, has, mon, THR_##gate, help },
	THRESHOLD_LIST(X)
#undef X
};

/* What a check says when its gate is off, indexed by the gate. */
static const char *const needs_gate[THR__COUNT] = {
#define X(id, name, ...) [THR_##id] = "off (needs " name ")",
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

int threshold__parse(const struct threshold_desc *d, const char *s, struct threshold_val *v,
		     char **why)
{
	double x;

	*why = NULL;
	if (str_eq(s, "off")) {
		v->state = THR_OFF;
		return 0;
	}
	switch (d->type) {
	case THR_BOOL: {
		bool b;

		if (parse_bool(s, &b)) {
			*why = xasprintf("'%s' must be true, false or off, not '%s'", d->name, s);
			return -EINVAL;
		}
		x = b;
		break;
	}
	case THR_U64: {
		uint64_t u;

		if (parse_u64(s, &u)) {
			*why = xasprintf("'%s' must be a whole number (%s) or off, not '%s'", d->name,
					 *d->unit ? d->unit : "count", s);
			return -EINVAL;
		}
		x = (double)u;
		break;
	}
	default:
		if (parse_double(s, &x) || x < 0) {
			*why = xasprintf("'%s' must be a number of at least 0 or off, not '%s'", d->name, s);
			return -EINVAL;
		}
	}
	if (x > d->max) {
		*why = xasprintf("'%s' is %s; it must be from 0 to %g", d->name, s, d->max);
		return -EINVAL;
	}
	v->state = THR_SET;
	v->value = x;
	return 0;
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

const char *thresholds__evaluation(const struct thresholds *t, enum thr_id id)
{
	enum thr_id gate = threshold_table[id].gate;

	if (!thresholds__active(t, id, NULL))
		return "off";
	if (threshold_table[id].monitor)
		return "not evaluated (no monitor data)";
	if (gate != THR_NONE && !thresholds__active(t, gate, NULL))
		return needs_gate[gate];
	return "on";
}

/* A value as plans show it: "-" unset, "off", true/false, or the number and its unit. */
static void format_value(const struct threshold_desc *d, const struct threshold_val *v,
			 char *buf, size_t size)
{
	/* Word units ("tasks", "iter/s") get a space; symbols ("ms", "%", "x") do not. */
	bool space = strlen(d->unit) > 2 && d->unit[0] >= 'a' && d->unit[0] <= 'z';

	if (v->state == THR_UNSET)
		snprintf(buf, size, "-");
	else if (v->state == THR_OFF)
		snprintf(buf, size, "off");
	else if (d->type == THR_BOOL)
		snprintf(buf, size, "%s", v->value ? "true" : "false");
	else
		snprintf(buf, size, "%.15g%s%s", v->value, space ? " " : "", d->unit);
}

void thresholds__describe(const struct thresholds *t, bool eevdf, FILE *f)
{
	fprintf(f, "  thresholds (%s defaults):\n", t->relaxed ? "relaxed TCG" : "release");
	for (unsigned i = 0; i < THR__COUNT; i++) {
		const struct threshold_desc *d = &threshold_table[i];
		const struct threshold_val *v = &t->v[i];
		const char *layer = v->state == THR_UNSET ? "unset" : thr_layer_name(v->layer);
		const char *eval = thresholds__evaluation(t, i);
		char val[64];

		format_value(d, v, val, sizeof(val));
		/* Before a run: say how the host monitor will treat the threshold. */
		if (d->monitor && !str_eq(eval, "off"))
			eval = eevdf ? "monitor: recorded, not judged (EEVDF)" : "monitor: judged";
		/* A check that is set but will not be judged says so; "on" and plain "off" need no word. */
		if (str_eq(eval, "on") || str_eq(eval, "off"))
			fprintf(f, "    %-32s %-16s %s\n", d->name, val, layer);
		else
			fprintf(f, "    %-32s %-16s %-12s %s\n", d->name, val, layer, eval);
	}
}
