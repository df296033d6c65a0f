// SPDX-License-Identifier: GPL-2.0-only
/*
 * ktstr's x86_64 gauntlet topology presets (src/vm.rs gauntlet_presets())
 * and its flag profiles (scenario::compute_flag_profiles), as data and pure
 * functions: the gauntlet expansion (expand.c), `topology: NAME` and
 * `ktstr-run --topology NAME` read this one table.
 */
#include "spec/spec-int.h"

/* name, NUMA nodes, LLCs, cores per LLC, threads per core, memory (MiB) */
const struct spec_preset spec_preset_table[] = {
	{ "tiny-1llc", 1, 1, 4, 1, 2048 },
	{ "tiny-2llc", 1, 2, 2, 1, 2048 },
	{ "odd-3llc", 1, 3, 3, 1, 2048 },
	{ "odd-5llc", 1, 5, 3, 1, 2048 },
	{ "odd-7llc", 1, 7, 2, 1, 2048 },
	{ "smt-2llc", 1, 2, 2, 2, 2048 },
	{ "smt-3llc", 1, 3, 2, 2, 2048 },
	{ "medium-4llc", 1, 4, 4, 2, 2048 },
	{ "medium-8llc", 1, 8, 4, 2, 2048 },
	{ "large-4llc", 1, 4, 16, 2, 2048 },
	{ "large-8llc", 1, 8, 8, 2, 2048 },
	{ "near-max-llc", 1, 15, 8, 2, 2048 },
	{ "max-cpu", 1, 14, 9, 2, 4096 },
	{ "medium-4llc-nosmt", 1, 4, 8, 1, 2048 },
	{ "medium-8llc-nosmt", 1, 8, 8, 1, 2048 },
	{ "large-4llc-nosmt", 1, 4, 32, 1, 2048 },
	{ "large-8llc-nosmt", 1, 8, 16, 1, 2048 },
	{ "near-max-llc-nosmt", 1, 15, 16, 1, 2048 },
	{ "max-cpu-nosmt", 1, 14, 18, 1, 4096 },
	{ "numa2-4llc", 2, 4, 4, 1, 2048 },
	{ "numa2-8llc", 2, 8, 8, 2, 2048 },
	{ "numa2-8llc-nosmt", 2, 8, 16, 1, 2048 },
	{ "numa4-8llc", 4, 8, 4, 1, 2048 },
	{ "numa4-12llc", 4, 12, 8, 2, 4096 },
};
const size_t spec_npresets = ARRAY_SIZE(spec_preset_table);

const struct spec_preset *spec_preset__find(const char *name)
{
	for (size_t i = 0; name && i < spec_npresets; i++)
		if (str_eq(spec_preset_table[i].name, name))
			return &spec_preset_table[i];
	return NULL;
}

void spec_preset__topology(const struct spec_preset *p, struct spec_topology *t)
{
	memset(t, 0, sizeof(*t));
	t->numa_nodes = p->numa_nodes;
	t->llcs = p->llcs;
	t->cores = p->cores;
	t->threads = p->threads;
}

unsigned spec_preset__cpus(const struct spec_preset *p)
{
	return p->llcs * p->cores * p->threads;
}

bool spec_preset__allowed(const struct spec_preset *p, const struct spec_constraints *c)
{
	unsigned cpus = spec_preset__cpus(p);

	return p->numa_nodes >= c->min_numa_nodes && p->numa_nodes <= c->max_numa_nodes &&
	       p->llcs >= c->min_llcs && p->llcs <= c->max_llcs &&
	       (!c->requires_smt || p->threads >= 2) &&
	       cpus >= c->min_cpus && cpus <= c->max_cpus;
}

static unsigned id_bits(unsigned n)
{
	unsigned b = 0;

	while ((1u << b) < n)
		b++;
	return b;
}

unsigned spec_topology__max_apic_id(const struct spec_topology *t)
{
	unsigned tb = id_bits(t->threads), cb = id_bits(t->cores);

	/* QEMU's x86 APIC ID: socket (one per LLC) | core | thread, each field a power of two */
	return ((t->llcs - 1) << (tb + cb)) | ((t->cores - 1) << tb) | (t->threads - 1);
}

bool spec_preset__bootable(const struct spec_preset *p)
{
	struct spec_topology t;

	spec_preset__topology(p, &t);
	return spec_preset__cpus(p) <= SPEC_MAX_CPUS && spec_topology__max_apic_id(&t) <= SPEC_MAX_APIC_ID;
}

char *spec_preset__names(void)
{
	const char *v[ARRAY_SIZE(spec_preset_table)];

	for (size_t i = 0; i < spec_npresets; i++)
		v[i] = spec_preset_table[i].name;
	return spec__join(v, spec_npresets);
}

static bool strv_has(const char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (str_eq(*v, s))
			return true;
	return false;
}

/* Each flag's requires are in the set and no flag's excludes are. */
static bool profile_ok(const struct spec_flag_decl *flags, char *const *set)
{
	for (char *const *f = set; *f; f++)
		for (size_t i = 0; flags[i].name; i++) {
			if (!str_eq(flags[i].name, *f))
				continue;
			for (const char *const *r = flags[i].requires; r && *r; r++)
				if (!strv_has((const char *const *)set, *r))
					return false;
			for (const char *const *x = flags[i].excludes; x && *x; x++)
				if (strv_has((const char *const *)set, *x))
					return false;
		}
	return true;
}

size_t spec_profiles__generate(const struct spec_flag_decl *flags, size_t nflags,
			       char *const *required, char *const *excluded, char ****out)
{
	struct spec_flag_decl *decl = xcalloc(nflags + 1, sizeof(*decl));
	size_t *optional = xcalloc(nflags + 1, sizeof(*optional));
	size_t nopt = 0, n = 0;
	char ***v = NULL;

	if (nflags)	/* flags may be NULL with none: memcpy must not see it */
		memcpy(decl, flags, nflags * sizeof(*decl));	/* NULL-terminated copy for profile_ok */
	for (size_t i = 0; i < nflags; i++)
		if (!strv_has((const char *const *)required, flags[i].name) &&
		    !strv_has((const char *const *)excluded, flags[i].name))
			optional[nopt++] = i;
	for (char *const *r = required; r && *r; r++) {
		bool known = false;

		for (size_t i = 0; i < nflags; i++)
			known |= str_eq(flags[i].name, *r);
		if (!known)	/* no profile has it: the one empty profile, which SKIPs */
			nopt = 0, nflags = 0;
	}
	if (nopt > 16)	/* 65536 profiles is far past any battery; keep the first 16 optional flags */
		nopt = 16;
	for (size_t mask = 0; mask < ((size_t)1 << nopt); mask++) {
		char **set = xcalloc(nflags + 1, sizeof(char *));
		size_t k = 0;

		/* declaration order: ktstr sorts by position in the flag list */
		for (size_t i = 0; i < nflags; i++) {
			bool in = strv_has((const char *const *)required, flags[i].name);

			for (size_t j = 0; j < nopt && !in; j++)
				in = optional[j] == i && (mask & ((size_t)1 << j));
			if (in)
				set[k++] = xstrdup(flags[i].name);
		}
		if (!profile_ok(decl, set)) {
			for (size_t i = 0; i < k; i++)
				free(set[i]);
			free(set);
			continue;
		}
		*(char ***)array_push(&v, &n, sizeof(*v)) = set;
	}
	free(decl);
	free(optional);
	*out = v;
	return n;
}

void spec_profiles__free(char ***p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (char **f = p[i]; *f; f++)
			free(*f);
		free(p[i]);
	}
	free(p);
}

char *spec_profile__name(char *const *flags)
{
	size_t len = 1;
	char *out;

	if (!flags || !*flags)
		return xstrdup("default");
	for (char *const *f = flags; *f; f++)
		len += strlen(*f) + 1;
	out = xcalloc(1, len);
	for (char *const *f = flags; *f; f++) {
		if (f != flags)
			strcat(out, "+");
		strcat(out, *f);
	}
	return out;
}
