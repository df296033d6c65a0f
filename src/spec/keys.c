// SPDX-License-Identifier: GPL-2.0-only
/* The spec key table and its printed form (for --help-keys and the man page test). */
#include <errno.h>
#include <math.h>

#include "util/units.h"

#include "spec/keys.h"

const struct spec_key spec_key_table[K__COUNT] = {
#define X(id, sec, name, type, lo, hi, sub, def, help) \
	[K_##id] = { K_##id, SEC_##sec, name, KT_##type, lo, hi, sub, def, help },
	SPEC_KEY_LIST(X)
#undef X
};

const char *spec_section_name(enum spec_section s)
{
	static const char *const names[SEC__COUNT] = {
		[SEC_TEST] = "test", [SEC_TOPOLOGY] = "topology", [SEC_SCHEDULER] = "scheduler",
		[SEC_CGROUP] = "cgroup", [SEC_WORK] = "work", [SEC_CPUSET] = "cpuset",
		[SEC_STEP] = "step", [SEC_HOLD] = "hold", [SEC_OP] = "op",
		[SEC_PAYLOAD] = "payload", [SEC_CONSOLE] = "console",
		[SEC_METRIC] = "metric",
	};

	return s < SEC__COUNT ? names[s] : "?";
}

const char *spec_key_type_name(enum key_type t)
{
	switch (t) {
	case KT_STR: return "string";
	case KT_LIST: return "list";
	case KT_WORDS: return "words";
	case KT_UINT: return "integer";
	case KT_INT: return "integer";
	case KT_DURATION: return "duration";
	case KT_SIZE: return "size";
	case KT_FRACTION: return "fraction";
	case KT_COUNT: return "count";
	case KT_TOPOLOGY: return "topology";
	case KT_CPUSET: return "cpuset";
	case KT_HOLD: return "hold";
	case KT_POLICY: return "policy";
	case KT_AFFINITY: return "affinity";
	case KT_MPOL: return "mem-policy";
	case KT_WORKTYPE: return "work-type";
	case KT_OPKIND: return "op";
	case KT_CPUS: return "cpulist";
	case KT_SCHEDULER: return "scheduler";
	case KT_MAP: return "map";
	case KT_MAPS: return "list of maps";
	case KT_OPS: return "list of ops";
	case KT_PHASES: return "list of phases";
	case KT_NODESIZES: return "list of sizes";
	case KT_DISTANCES: return "matrix";
	case KT_SYSCTLS: return "sysctls";
	case KT_PATTERNS: return "list of regexes";
	case KT_THRESHOLDS: return "thresholds";
	case KT_MATRIX: return "matrix";
	case KT_BOOL: return "boolean";
	case KT_NUMBER: return "number";
	case KT_FLAGARGS: return "map of flag arguments";
	}
	return "?";
}

const struct spec_key *spec_key__find(enum spec_section s, const char *name)
{
	for (unsigned i = 0; i < K__COUNT; i++)
		if (spec_key_table[i].section == s && str_eq(spec_key_table[i].name, name))
			return &spec_key_table[i];
	return NULL;
}

int spec_key__parse_number(const struct spec_key *k, const char *s, union spec_num *out, double *v)
{
	int r;

	switch (k->type) {
	case KT_UINT:
		r = parse_u64(s, &out->u);
		*v = (double)out->u;
		break;
	case KT_INT:
		r = parse_i64(s, &out->i);
		*v = (double)out->i;
		break;
	case KT_DURATION:
		r = parse_duration_ns(s, &out->u);
		*v = (double)out->u;
		break;
	case KT_SIZE:
	case KT_NODESIZES:
		r = parse_size_mb(s, &out->u);
		*v = (double)out->u;
		break;
	case KT_NUMBER: {
		char *end;

		errno = 0;
		out->f = strtod(s, &end);
		r = !*s || *end || errno || !isfinite(out->f) ? -EINVAL : 0;
		*v = out->f;
		break;
	}
	default:
		r = parse_percent(s, &out->f, true);
		*v = out->f;
	}
	return r;
}

uint64_t spec_key__default(enum spec_key_id id)
{
	const struct spec_key *k = &spec_key_table[id];
	union spec_num n;
	double v;

	if ((k->type != KT_UINT && k->type != KT_DURATION && k->type != KT_SIZE) ||
	    spec_key__parse_number(k, k->def, &n, &v) || v < k->min || v > k->max) {
		fprintf(stderr, "ktstr: bug: the default '%s' of key %s.%s is no %s in range\n", k->def,
			spec_section_name(k->section), k->name, spec_key_type_name(k->type));
		abort();
	}
	return n.u;
}

static void print_range(const struct spec_key *k, FILE *f)
{
	char a[32], b[32];

	switch (k->type) {
	case KT_UINT:
	case KT_INT:
	case KT_COUNT:
		fprintf(f, "%g..%g", k->min, k->max);
		break;
	case KT_SIZE:
	case KT_NODESIZES:
		fprintf(f, "%gM..%gM", k->min, k->max);
		break;
	case KT_DURATION:
		fprintf(f, "%s..%s", fmt_duration((uint64_t)k->min, a, sizeof(a)),
			fmt_duration((uint64_t)k->max, b, sizeof(b)));
		break;
	case KT_FRACTION:
		fprintf(f, "%g..%g", k->min, k->max);
		break;
	case KT_NUMBER:
		fputc('-', f);
		break;
	default:
		if (k->max > 0)
			fprintf(f, "at most %g", k->max);
		else
			fputc('-', f);
	}
}

void spec_keys__print(FILE *f)
{
	for (unsigned i = 0; i < K__COUNT; i++) {
		const struct spec_key *k = &spec_key_table[i];

		fprintf(f, "%s.%s\t%s\t", spec_section_name(k->section), k->name,
			spec_key_type_name(k->type));
		print_range(k, f);
		fprintf(f, "\t%s\t%s\n", k->def, k->help);
	}
}
