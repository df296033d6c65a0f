// SPDX-License-Identifier: GPL-2.0-only
/*
 * The table-driven validator: walks one expanded node tree section by
 * section, checks every key against spec_key_table, and fills a spec_test.
 * Every problem becomes a diagnostic; validation never stops at the first.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>

#include "spec/cmdline.h"
#include "spec/keys.h"
#include "util/units.h"

struct vctx {
	const char *file;
	struct diag_list *d;
	struct spec_test *t;
	unsigned cpus, usable;
	char **live;		/* cgroups that exist at this point of the test */
	size_t nlive;
	char **removed;		/* cgroups a remove_cgroup op took away */
	size_t nremoved;
	unsigned total_workers;
	const struct spec_preset *preset;	/* 'topology' named a preset */
};

static void vdiag(struct vctx *c, enum diag_severity sev, int line, int col, const char *fmt,
		  va_list ap)
{
	_cleanup_free_ char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	diag_add(c->d, sev, c->file, line, col, "%s", msg ? msg : "(out of memory)");
}

static void __printf(4, 5) verr(struct vctx *c, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(c, DIAG_ERROR, line, col, fmt, ap);
	va_end(ap);
}

static void __printf(4, 5) vwarn(struct vctx *c, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(c, DIAG_WARNING, line, col, fmt, ap);
	va_end(ap);
}

#define AT(n) (n)->line, (n)->col
#define KEYAT(n) ((n)->key_line ? (n)->key_line : (n)->line), ((n)->key_line ? (n)->key_col : (n)->col)
#define KNAME(n) ((n)->key ? (n)->key : "value")

static struct spec_loc loc_of(struct vctx *c, const struct node *n)
{
	return (struct spec_loc){ .file = c->file, .line = n->line, .col = n->col };
}

static bool is_null(const struct node *n)
{
	return n->kind == NODE_SCALAR && !n->quoted && !*n->value;
}

/* Closest candidate within a distance that still looks like a typo. */
static const char *closest(const char *s, const char *const *cands, size_t n)
{
	const char *best = NULL;
	unsigned best_d = MAX(2u, (unsigned)strlen(s) / 3) + 1;

	for (size_t i = 0; i < n; i++) {
		unsigned d;

		if (!cands[i])
			continue;
		d = str_distance(s, cands[i]);
		if (d < best_d) {
			best_d = d;
			best = cands[i];
		}
	}
	return best;
}

/* The keys a map of this section accepts: the table's, plus work keys in a cgroup, plus params. */
static size_t section_keys(enum spec_section sec, const struct worktype_desc *wt,
			   const char **out, size_t max)
{
	size_t n = 0;

	for (unsigned i = 0; i < K__COUNT && n < max; i++) {
		enum spec_section s = spec_key_table[i].section;

		if (s == sec || (sec == SEC_CGROUP && s == SEC_WORK))
			out[n++] = spec_key_table[i].name;
	}
	if (wt)
		for (unsigned i = 0; i < wt->nparams && n < max; i++)
			out[n++] = wt->params[i].name;
	return n;
}

static const struct spec_key *key_in(enum spec_section sec, const char *name)
{
	const struct spec_key *k = spec_key__find(sec, name);

	if (!k && sec == SEC_CGROUP)
		k = spec_key__find(SEC_WORK, name);
	return k;
}

static const struct work_param_desc *param_of(const struct worktype_desc *wt, const char *name)
{
	for (unsigned i = 0; wt && i < wt->nparams; i++)
		if (str_eq(wt->params[i].name, name))
			return &wt->params[i];
	return NULL;
}

/* A work type that has this parameter, for "belongs to Bursty" hints. */
static const struct worktype_desc *param_owner(const char *name)
{
	for (unsigned i = 0; i < WORK__COUNT; i++)
		if (param_of(&worktype_table[i], name))
			return &worktype_table[i];
	return NULL;
}

static bool want_kind(struct vctx *c, const struct node *n, enum node_kind k, const char *what)
{
	if (n->kind == k)
		return true;
	verr(c, AT(n), "'%s' must be %s, not %s", KNAME(n), what, node_kind_name(n->kind));
	return false;
}

/*
 * Check a map's keys against a section: unknown keys (with did-you-mean),
 * keys given twice in INI, and fill found[] with the value of each known key.
 */
static bool check_map(struct vctx *c, const struct node *map, enum spec_section sec, const struct worktype_desc *wt, const struct node **found)
{
	const char *cands[K__COUNT + WORK_MAX_PARAMS];
	size_t ncands = section_keys(sec, wt, cands, ARRAY_SIZE(cands));

	memset(found, 0, K__COUNT * sizeof(*found));
	if (map->kind != NODE_MAP) {
		verr(c, AT(map), "'%s' must be a map of %s keys, not %s", KNAME(map),
		     spec_section_name(sec), node_kind_name(map->kind));
		return false;
	}
	for (size_t i = 0; i < map->nkids; i++) {
		const struct node *kid = map->kids[i];
		const struct spec_key *k = key_in(sec, kid->key);
		const struct worktype_desc *owner;
		const char *sugg;

		if (kid->ini_repeat) {
			verr(c, KEYAT(kid), "key '%s' is given more than once in this section: keep one",
			     kid->key);
			continue;
		}
		if (k) {
			found[k->id] = kid;
			continue;
		}
		if ((sec == SEC_WORK || sec == SEC_CGROUP) && param_of(wt, kid->key))
			continue;
		if ((sec == SEC_WORK || sec == SEC_CGROUP) && (owner = param_owner(kid->key))) {
			verr(c, KEYAT(kid), "'%s' is a parameter of %s, not of %s: set 'type: %s' or remove it",
			     kid->key, owner->snake, wt ? wt->snake : "cpu_spin", owner->snake);
			continue;
		}
		sugg = closest(kid->key, cands, ncands);
		if (sugg)
			verr(c, KEYAT(kid), "unknown key '%s' in %s: did you mean '%s'?", kid->key,
			     spec_section_name(sec), sugg);
		else {
			_cleanup_free_ char *valid = spec__join(cands, ncands);

			verr(c, KEYAT(kid), "unknown key '%s' in %s (valid keys: %s)", kid->key,
			     spec_section_name(sec), valid);
		}
	}
	return true;
}

#define CHECK_MAP(c, map, sec, wt, found) check_map(c, map, sec, wt, found)

static const char *scalar(struct vctx *c, const struct node *n, const char *what)
{
	if (n->kind != NODE_SCALAR) {
		verr(c, AT(n), "'%s' must be %s, not %s", KNAME(n), what, node_kind_name(n->kind));
		return NULL;
	}
	return n->value;
}

static bool range_ok(struct vctx *c, const struct node *n, const struct spec_key *k, double v,
		     const char *shown)
{
	if (v >= k->min && v <= k->max)
		return true;
	if (k->type == KT_DURATION) {
		char a[32], b[32];

		verr(c, AT(n), "'%s' is %s; it must be from %s to %s", KNAME(n), shown,
		     fmt_duration((uint64_t)k->min, a, sizeof(a)), fmt_duration((uint64_t)k->max, b, sizeof(b)));
	} else if (k->type == KT_SIZE) {
		verr(c, AT(n), "'%s' is %s; it must be from %gM to %gM", KNAME(n), shown, k->min, k->max);
	} else {
		verr(c, AT(n), "'%s' is %s; it must be from %g to %g", KNAME(n), shown, k->min, k->max);
	}
	return false;
}

static bool get_bool(struct vctx *c, const struct node *n, bool *out)
{
	const char *s = scalar(c, n, "true or false");

	if (!s)
		return false;
	if (spec_bool__parse(s, out)) {
		verr(c, AT(n), "'%s' must be true or false, not '%s'", KNAME(n), s);
		return false;
	}
	return true;
}

static bool get_str(struct vctx *c, const struct node *n, char **out)
{
	const char *s = scalar(c, n, "a string");

	if (!s)
		return false;
	free(*out);
	*out = xstrdup(s);
	return true;
}

/* Parse a scalar of the key's numeric type and check it against the key's range. */
static bool get_number(struct vctx *c, const struct node *n, const struct spec_key *k, union spec_num *out)
{
	const char *s = scalar(c, n, "a single value");
	_cleanup_free_ char *what = NULL;
	double v = 0;
	int r;

	if (!s)
		return false;
	r = spec_key__parse_number(k, s, out, &v);
	if (r) {
		switch (k->type) {
		case KT_UINT:
		case KT_INT:
			what = xasprintf("a whole number from %g to %g", k->min, k->max);
			break;
		case KT_DURATION:
			what = xstrdup("a duration such as 500ms, 2s or 1m");
			break;
		case KT_SIZE:
		case KT_NODESIZES:
			what = xstrdup("a size such as 512M or 2G");
			break;
		case KT_NUMBER:
			what = xstrdup("a number such as 1500 or 2.5e3");
			break;
		default:
			what = xstrdup("a percentage such as 50% or a fraction such as 0.5");
		}
		verr(c, AT(n), "'%s' must be %s, not '%s'", KNAME(n), what, s);
		return false;
	}
	return range_ok(c, n, k, v, s);
}

static bool get_uint(struct vctx *c, const struct node *n, const struct spec_key *k, uint64_t *out)
{
	union spec_num v;

	if (!get_number(c, n, k, &v))
		return false;
	*out = v.u;
	return true;
}

static bool get_uint32(struct vctx *c, const struct node *n, const struct spec_key *k, unsigned *out)
{
	uint64_t v;

	if (!get_uint(c, n, k, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

static bool get_int(struct vctx *c, const struct node *n, const struct spec_key *k, int64_t *out)
{
	union spec_num v;

	if (!get_number(c, n, k, &v))
		return false;
	*out = v.i;
	return true;
}

static bool get_fraction(struct vctx *c, const struct node *n, const struct spec_key *k, double *out)
{
	union spec_num v;

	if (!get_number(c, n, k, &v))
		return false;
	*out = v.f;
	return true;
}

static char **strv_push(char **v, size_t *n, const char *s)
{
	v = xrealloc(v, (*n + 2) * sizeof(*v));
	v[(*n)++] = xstrdup(s);
	v[*n] = NULL;
	return v;
}

/* A list of scalars, or one scalar split on commas (KT_LIST) or white space (KT_WORDS). */
static char **get_list(struct vctx *c, const struct node *n, const struct spec_key *k)
{
	char **v = xcalloc(1, sizeof(*v));
	size_t cnt = 0;

	if (n->kind == NODE_SCALAR) {
		_cleanup_free_ char *copy = xstrdup(n->value);
		const char *sep = k->type == KT_WORDS ? " \t" : ",";
		char *save = NULL;

		for (char *tok = strtok_r(copy, sep, &save); tok; tok = strtok_r(NULL, sep, &save)) {
			tok = str_trim(tok);
			if (*tok)
				v = strv_push(v, &cnt, tok);
		}
	} else if (n->kind == NODE_SEQ) {
		for (size_t i = 0; i < n->nkids; i++) {
			const struct node *it = n->kids[i];

			if (it->kind != NODE_SCALAR) {
				verr(c, AT(it), "'%s' must be a list of strings; this item is %s",
				     KNAME(n), node_kind_name(it->kind));
				continue;
			}
			v = strv_push(v, &cnt, it->value);
		}
	} else {
		verr(c, AT(n), "'%s' must be a list, not a map", KNAME(n));
	}
	if (k->max > 0 && cnt > k->max)
		verr(c, AT(n), "'%s' has %zu items; at most %g are allowed", KNAME(n), cnt, k->max);
	return v;
}

static bool valid_name(const char *s, bool allow_slash)
{
	if (!*s || strlen(s) > 128)
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_-.", *p) && !(allow_slash && *p == '/'))
			return false;
	if (str_eq(s, ".") || str_eq(s, ".."))
		return false;
	if (allow_slash && (s[0] == '/' || str_endswith(s, "/") || strstr(s, "//") ||
			    strstr(s, "/../") || str_startswith(s, "../") || str_endswith(s, "/..") ||
			    strstr(s, "/./") || str_startswith(s, "./") || str_endswith(s, "/.")))
		return false;
	return true;
}

/* ---- topology ---- */

static void topo_check(struct vctx *c, const struct node *n, struct spec_topology *t)
{
	const unsigned vals[] = { t->numa_nodes, t->llcs, t->cores, t->threads, t->memory_only_nodes };
	const enum spec_key_id ids[] = { K_TOPO_NUMA_NODES, K_TOPO_LLCS, K_TOPO_CORES, K_TOPO_THREADS,
					 K_TOPO_MEMORY_ONLY_NODES };
	char lbl[64];

	for (unsigned i = 0; i < ARRAY_SIZE(ids); i++) {
		const struct spec_key *k = &spec_key_table[ids[i]];

		if (vals[i] < k->min || vals[i] > k->max)
			verr(c, AT(n), "topology %s: %s is %u; it must be from %g to %g",
			     spec_topology__label(t, lbl, sizeof(lbl)), k->name, vals[i], k->min, k->max);
	}
	if (t->numa_nodes && t->llcs % t->numa_nodes)
		verr(c, AT(n), "topology %s: %u LLCs do not divide evenly over %u NUMA nodes; use a multiple of %u LLCs",
		     spec_topology__label(t, lbl, sizeof(lbl)), t->llcs, t->numa_nodes, t->numa_nodes);
	if ((uint64_t)t->numa_nodes + t->memory_only_nodes > SPEC_MAX_NUMA_NODES)
		verr(c, AT(n), "topology %s has %u NUMA nodes (%u with CPUs, %u memory-only); at most %d are allowed",
		     spec_topology__label(t, lbl, sizeof(lbl)), t->numa_nodes + t->memory_only_nodes,
		     t->numa_nodes, t->memory_only_nodes, SPEC_MAX_NUMA_NODES);
	if ((uint64_t)t->llcs * t->cores * t->threads > SPEC_MAX_CPUS)
		verr(c, AT(n), "topology %s has %llu CPUs; at most %d are allowed",
		     spec_topology__label(t, lbl, sizeof(lbl)),
		     (unsigned long long)t->llcs * t->cores * t->threads, SPEC_MAX_CPUS);
	else if (t->llcs && t->cores && t->threads && spec_topology__max_apic_id(t) > SPEC_MAX_APIC_ID)
		verr(c, AT(n), "topology %s needs APIC IDs up to %u; QEMU's TCG has no x2APIC and stops at %d: "
		     "use fewer LLCs or a power-of-two core count",
		     spec_topology__label(t, lbl, sizeof(lbl)), spec_topology__max_apic_id(t),
		     SPEC_MAX_APIC_ID);
}

/* A note for node count messages when some of the nodes have no CPUs. */
static const char *memory_only_note(const struct spec_topology *t)
{
	return t->memory_only_nodes ? " (memory-only nodes included)" : "";
}

static void v_topology(struct vctx *c, const struct node *n, struct spec_topology *t)
{
	const struct node *f[K__COUNT];
	const struct node *x;
	unsigned nodes;

	if (n->kind == NODE_SCALAR) {
		const struct spec_preset *p = spec_preset__find(n->value);

		if (p) {
			spec_preset__topology(p, t);
			c->preset = p;
		} else if (spec_topology__parse(n->value, t)) {
			_cleanup_free_ char *names = spec_preset__names();

			verr(c, AT(n), "'topology' must look like 1n2l4c1t (NUMA nodes, LLCs, cores per LLC, threads per core; \"+1m\" adds a memory-only node) or be a preset (%s), not '%s'",
			     names, n->value);
			return;
		}
		topo_check(c, n, t);
		return;
	}
	if (!CHECK_MAP(c, n, SEC_TOPOLOGY, NULL, f))
		return;
	if (f[K_TOPO_NUMA_NODES])
		get_uint32(c, f[K_TOPO_NUMA_NODES], &spec_key_table[K_TOPO_NUMA_NODES], &t->numa_nodes);
	if (f[K_TOPO_LLCS])
		get_uint32(c, f[K_TOPO_LLCS], &spec_key_table[K_TOPO_LLCS], &t->llcs);
	if (f[K_TOPO_CORES])
		get_uint32(c, f[K_TOPO_CORES], &spec_key_table[K_TOPO_CORES], &t->cores);
	if (f[K_TOPO_THREADS])
		get_uint32(c, f[K_TOPO_THREADS], &spec_key_table[K_TOPO_THREADS], &t->threads);
	if (f[K_TOPO_MEMORY_ONLY_NODES])
		get_uint32(c, f[K_TOPO_MEMORY_ONLY_NODES], &spec_key_table[K_TOPO_MEMORY_ONLY_NODES],
			   &t->memory_only_nodes);
	nodes = spec_topology__nodes(t);
	topo_check(c, f[K_TOPO_LLCS] ? f[K_TOPO_LLCS] : n, t);
	if ((x = f[K_TOPO_NODE_MEMORY]) && want_kind(c, x, NODE_SEQ, "a list of sizes, one per node")) {
		if (x->nkids != nodes)
			verr(c, AT(x), "'node_memory' lists %zu sizes but the topology has %u NUMA nodes%s",
			     x->nkids, nodes, memory_only_note(t));
		for (size_t i = 0; i < x->nkids && i < SPEC_MAX_NUMA_NODES; i++)
			get_uint(c, x->kids[i], &spec_key_table[K_TOPO_NODE_MEMORY], &t->node_memory_mb[i]);
	}
	/* more nodes than the matrix holds is topo_check's error: the rows are not read */
	if ((x = f[K_TOPO_DISTANCES]) && nodes <= SPEC_MAX_NUMA_NODES &&
	    want_kind(c, x, NODE_SEQ, "a list of rows")) {
		struct spec_key dk = spec_key_table[K_TOPO_DISTANCES];
		const struct spec_key *k = &dk;
		bool ok = x->nkids == nodes;

		dk.type = KT_UINT;

		if (!ok)
			verr(c, AT(x), "'distances' has %zu rows but the topology has %u NUMA nodes%s",
			     x->nkids, nodes, memory_only_note(t));
		for (size_t i = 0; ok && i < x->nkids; i++) {
			const struct node *row = x->kids[i];

			if (!want_kind(c, row, NODE_SEQ, "a row of distances") || row->nkids != nodes) {
				if (row->kind == NODE_SEQ)
					verr(c, AT(row), "distance row %zu has %zu entries; it needs %u",
					     i, row->nkids, nodes);
				ok = false;
				break;
			}
			for (size_t j = 0; j < row->nkids; j++) {
				uint64_t v = 0;

				if (!get_uint(c, row->kids[j], k, &v)) {
					ok = false;
					continue;
				}
				t->distance[i][j] = v;
				if (i == j && v != 10) {
					verr(c, AT(row->kids[j]), "distance from node %zu to itself must be 10, not %llu",
					     i, (unsigned long long)v);
					ok = false;
				} else if (i != j && v <= 10) {
					verr(c, AT(row->kids[j]), "distance between nodes %zu and %zu must be more than 10, not %llu",
					     i, j, (unsigned long long)v);
					ok = false;
				}
			}
		}
		for (size_t i = 0; ok && i < nodes; i++)
			for (size_t j = 0; j < i; j++)
				if (t->distance[i][j] != t->distance[j][i]) {
					verr(c, AT(x->kids[i]->kids[j]), "distances are not symmetric: %u from node %zu to %zu but %u back",
					     t->distance[i][j], i, j, t->distance[j][i]);
					ok = false;
				}
		t->has_distances = ok;
	}
}

/* ---- cpusets ---- */

static bool parse_frac_pair(const char *s, double *a, double *b)
{
	_cleanup_free_ char *copy = xstrdup(s);
	char *dash = strchr(copy, '-');

	if (!dash)
		return false;
	*dash = '\0';
	return !parse_percent(copy, a, true) && !parse_percent(dash + 1, b, true);
}

static bool parse_uint_list(const char *s, unsigned *v, size_t n, char sep)
{
	_cleanup_free_ char *copy = xstrdup(s);
	char *p = copy;

	for (size_t i = 0; i < n; i++) {
		char *end = i + 1 < n ? strchr(p, sep) : NULL;
		uint64_t x;

		if (i + 1 < n && !end)
			return false;
		if (end)
			*end = '\0';
		if (parse_u64(p, &x) || x > SPEC_MAX_CPUS * 4)
			return false;
		v[i] = x;
		p = end ? end + 1 : NULL;
	}
	return true;
}

/* The compact cpuset forms: none, llc:I, numa:I, range:A-B, disjoint:I/N, overlap:I/N[/F], exact:L, L. */
static bool cpuset_from_string(const char *s, struct spec_cpuset *cs)
{
	const char *colon = strchr(s, ':');
	unsigned v[2];

	memset(cs, 0, sizeof(*cs));
	if (str_eq(s, "none")) {
		cs->kind = CPUSET_NONE;
		return true;
	}
	if (!colon) {
		cs->kind = CPUSET_EXACT;
		return isdigit((unsigned char)*s) && !cpumask_parse(s, &cs->cpus);
	}
	if (str_startswith(s, "llc:") || str_startswith(s, "numa:")) {
		cs->kind = *s == 'l' ? CPUSET_LLC : CPUSET_NUMA;
		return parse_uint_list(colon + 1, &cs->index, 1, 0);
	}
	if (str_startswith(s, "range:")) {
		cs->kind = CPUSET_RANGE;
		return parse_frac_pair(colon + 1, &cs->start, &cs->end);
	}
	if (str_startswith(s, "disjoint:")) {
		cs->kind = CPUSET_DISJOINT;
		if (!parse_uint_list(colon + 1, v, 2, '/'))
			return false;
		cs->index = v[0];
		cs->of = v[1];
		return true;
	}
	if (str_startswith(s, "overlap:")) {
		_cleanup_free_ char *copy = xstrdup(colon + 1);
		char *f = strchr(copy, '/');

		cs->kind = CPUSET_OVERLAP;
		cs->frac = 0.5;
		if (f && (f = strchr(f + 1, '/'))) {
			*f++ = '\0';
			if (parse_percent(f, &cs->frac, true))
				return false;
		}
		if (!parse_uint_list(copy, v, 2, '/'))
			return false;
		cs->index = v[0];
		cs->of = v[1];
		return true;
	}
	if (str_startswith(s, "exact:")) {
		cs->kind = CPUSET_EXACT;
		return !cpumask_parse(colon + 1, &cs->cpus) && !cpumask_empty(&cs->cpus);
	}
	return false;
}

/* Lint's fit check is the resolver's (src/spec/cpuset.c), so the guest says the same. */
static void cpuset_fit(struct vctx *c, const struct node *n, const struct spec_cpuset *cs)
{
	_cleanup_free_ char *err = NULL;
	struct spec_layout l;

	spec_topology__layout(&c->t->topology, &l);
	if (spec_cpuset__check(cs, &l, &err))
		verr(c, AT(n), "%s", err);
}

static bool v_cpuset(struct vctx *c, const struct node *n, struct spec_cpuset *cs)
{
	const struct node *f[K__COUNT];
	_cleanup_free_ char *kinds = NULL;
	int kind;

	memset(cs, 0, sizeof(*cs));
	cs->loc = loc_of(c, n);
	if (n->kind == NODE_SCALAR) {
		if (!cpuset_from_string(n->value, cs)) {
			verr(c, AT(n), "'%s' must be a cpuset such as llc:0, numa:1, range:0-0.5, disjoint:0/2, overlap:0/2/0.5, exact:0-3 or none; got '%s'",
			     KNAME(n), n->value);
			return false;
		}
		cs->loc = loc_of(c, n);
		cpuset_fit(c, n, cs);
		return true;
	}
	/* {llc: 0}, {disjoint: 0/2}: the compact form as a one-key map (ktstr's serde form) */
	if (n->kind == NODE_MAP && n->nkids == 1 && n->kids[0]->kind == NODE_SCALAR &&
	    !spec_key__find(SEC_CPUSET, n->kids[0]->key)) {
		const struct node *k = n->kids[0];
		_cleanup_free_ char *s = xasprintf("%s:%s", k->key, k->value);

		kind = spec_enum__lookup(SPEC_ENUM_CPUSET, k->key);
		if (kind >= 0 && kind != CPUSET_NONE) {
			if (!cpuset_from_string(s, cs)) {
				verr(c, AT(k), "'%s: %s' must be a cpuset such as {llc: 0}, {numa: 1}, {range: 0-0.5}, {disjoint: 0/2}, {overlap: 0/2/0.5} or {exact: 0-3}",
				     k->key, k->value);
				return false;
			}
			cs->loc = loc_of(c, n);
			cpuset_fit(c, n, cs);
			return true;
		}
	}
	if (!CHECK_MAP(c, n, SEC_CPUSET, NULL, f))
		return false;
	if (!f[K_CPUSET_KIND]) {
		verr(c, AT(n), "cpuset map needs 'kind' (llc, numa, range, disjoint, overlap, exact or none)");
		return false;
	}
	if (!scalar(c, f[K_CPUSET_KIND], "a cpuset kind"))
		return false;
	kind = spec_enum__lookup(SPEC_ENUM_CPUSET, f[K_CPUSET_KIND]->value);
	if (kind < 0) {
		kinds = spec_enum__names(SPEC_ENUM_CPUSET);
		verr(c, AT(f[K_CPUSET_KIND]), "unknown cpuset kind '%s': use one of %s",
		     f[K_CPUSET_KIND]->value, kinds);
		return false;
	}
	cs->kind = kind;
	cs->frac = 0.5;
	cs->end = 1;
	if (f[K_CPUSET_INDEX])
		get_uint32(c, f[K_CPUSET_INDEX], &spec_key_table[K_CPUSET_INDEX], &cs->index);
	if (f[K_CPUSET_OF])
		get_uint32(c, f[K_CPUSET_OF], &spec_key_table[K_CPUSET_OF], &cs->of);
	else if (kind == CPUSET_DISJOINT || kind == CPUSET_OVERLAP)
		verr(c, AT(n), "cpuset %s needs 'of' (the number of partitions)", cpuset_kind_name(kind));
	if (f[K_CPUSET_START])
		get_fraction(c, f[K_CPUSET_START], &spec_key_table[K_CPUSET_START], &cs->start);
	if (f[K_CPUSET_END])
		get_fraction(c, f[K_CPUSET_END], &spec_key_table[K_CPUSET_END], &cs->end);
	if (f[K_CPUSET_FRAC])
		get_fraction(c, f[K_CPUSET_FRAC], &spec_key_table[K_CPUSET_FRAC], &cs->frac);
	if (f[K_CPUSET_CPUS]) {
		const char *s = scalar(c, f[K_CPUSET_CPUS], "a CPU list");

		if (s && cpumask_parse(s, &cs->cpus))
			verr(c, AT(f[K_CPUSET_CPUS]), "'cpus' must be a CPU list such as 0-3,5, not '%s'", s);
	} else if (kind == CPUSET_EXACT) {
		verr(c, AT(n), "cpuset exact needs 'cpus' (a CPU list such as 0-3)");
		return false;
	}
	if (!(kind == CPUSET_DISJOINT || kind == CPUSET_OVERLAP) || f[K_CPUSET_OF])
		cpuset_fit(c, n, cs);
	return true;
}

/* ---- work ---- */

static bool v_policy(struct vctx *c, const struct node *n, struct spec_work *w)
{
	const char *s = scalar(c, n, "a scheduling policy");
	_cleanup_free_ char *name = NULL;
	const char *colon;
	int p;

	if (!s)
		return false;
	colon = strchr(s, ':');
	name = colon ? xstrndup(s, colon - s) : xstrdup(s);
	p = spec_enum__lookup(SPEC_ENUM_POLICY, name);
	if (p < 0 && str_eq_loose(name, "round_robin"))
		p = POLICY_RR;
	if (p < 0) {
		const char *sugg = spec_enum__suggest(SPEC_ENUM_POLICY, name);

		verr(c, AT(n), "unknown policy '%s'%s%s%s: use normal, batch, idle, fifo:PRIO or rr:PRIO",
		     s, sugg ? " (did you mean '" : "", sugg ? sugg : "", sugg ? "'?)" : "");
		return false;
	}
	w->policy = p;
	if (p == POLICY_FIFO || p == POLICY_RR) {
		uint64_t prio;

		if (!colon || parse_u64(colon + 1, &prio) || prio < 1 || prio > 99) {
			verr(c, AT(n), "policy %s needs a priority from 1 to 99, e.g. '%s:1'; got '%s'",
			     sched_policy_name(p), sched_policy_name(p), s);
			return false;
		}
		w->priority = prio;
	} else if (colon) {
		verr(c, AT(n), "policy %s takes no priority; write '%s'", sched_policy_name(p),
		     sched_policy_name(p));
		return false;
	}
	return true;
}

static bool v_affinity(struct vctx *c, const struct node *n, struct spec_work *w)
{
	const char *s = scalar(c, n, "an affinity");
	char buf[256];
	int a, last = -1;

	if (!s)
		return false;
	if (str_startswith(s, "exact:") || isdigit((unsigned char)*s)) {
		const char *list = isdigit((unsigned char)*s) ? s : s + 6;

		if (cpumask_parse(list, &w->affinity_cpus) || cpumask_empty(&w->affinity_cpus)) {
			verr(c, AT(n), "affinity exact needs a CPU list such as exact:0-1, not '%s'", s);
			return false;
		}
		w->affinity = AFFINITY_EXACT;
		for (int cpu = cpumask_first(&w->affinity_cpus); cpu >= 0;
		     cpu = cpumask_next(&w->affinity_cpus, cpu))
			last = cpu;
		if ((unsigned)last >= c->cpus)
			verr(c, AT(n), "affinity exact:%s names CPU %d, but the topology has CPUs 0-%u",
			     cpumask_format(&w->affinity_cpus, buf, sizeof(buf)), last, c->cpus - 1);
		return true;
	}
	a = spec_enum__lookup(SPEC_ENUM_AFFINITY, s);
	if (a < 0 || a == AFFINITY_EXACT) {
		const char *sugg = spec_enum__suggest(SPEC_ENUM_AFFINITY, s);

		verr(c, AT(n), "unknown affinity '%s'%s%s%s: use inherit, random_subset, llc_aligned, cross_cgroup, single_cpu or exact:CPUS",
		     s, sugg ? " (did you mean '" : "", sugg ? sugg : "", sugg ? "'?)" : "");
		return false;
	}
	w->affinity = a;
	return true;
}

static void v_phases(struct vctx *c, const struct node *n, struct spec_work *w)
{
	static const char *const kinds[] = { "spin", "sleep", "yield", "io" };

	if (!want_kind(c, n, NODE_SEQ, "a list of phases such as [spin:100ms, sleep:50ms]"))
		return;
	if (!n->nkids || n->nkids > 64) {
		verr(c, AT(n), "'phases' needs 1 to 64 phases, not %zu", n->nkids);
		return;
	}
	w->phases = xcalloc(n->nkids, sizeof(*w->phases));
	for (size_t i = 0; i < n->nkids; i++) {
		const struct node *it = n->kids[i];
		_cleanup_free_ char *kind = NULL;
		const char *dur = NULL;
		const struct node *at = it;
		int k = -1;

		if (it->kind == NODE_SCALAR && strchr(it->value, ':')) {
			kind = xstrndup(it->value, strchr(it->value, ':') - it->value);
			dur = strchr(it->value, ':') + 1;
		} else if (it->kind == NODE_MAP && it->nkids == 1 && it->kids[0]->kind == NODE_SCALAR) {
			kind = xstrdup(it->kids[0]->key);
			dur = it->kids[0]->value;
			at = it->kids[0];
		} else {
			verr(c, AT(it), "a phase must be KIND:DURATION such as spin:100ms (kinds: spin, sleep, yield, io)");
			continue;
		}
		for (size_t j = 0; j < ARRAY_SIZE(kinds); j++)
			if (str_eq(kind, kinds[j]))
				k = j;
		if (k < 0) {
			verr(c, AT(it), "unknown phase '%s': use spin, sleep, yield or io", kind);
			continue;
		}
		w->phases[w->nphases].kind = k;
		if (parse_duration_ns(dur, &w->phases[w->nphases].ns) || !w->phases[w->nphases].ns) {
			verr(c, AT(at), "phase %s needs a duration above zero such as 100ms, not '%s'", kind, dur);
			continue;
		}
		w->nphases++;
	}
}

static void v_count(struct vctx *c, const struct node *n, const struct spec_key *k, struct spec_count *cnt)
{
	const char *s = scalar(c, n, "a worker count");
	uint64_t v;

	if (!s)
		return;
	if (strchr(s, '%')) {
		double f;

		if (parse_percent(s, &f, false) || f <= 0 || f > 100) {
			verr(c, AT(n), "'%s' must be a count such as 4 or a percentage of usable CPUs such as 100%%, not '%s'",
			     KNAME(n), s);
			return;
		}
		cnt->relative = true;
		cnt->value = f;
		return;
	}
	if (parse_u64(s, &v)) {
		verr(c, AT(n), "'%s' must be a count such as 4 or a percentage of usable CPUs such as 100%%, not '%s'",
		     KNAME(n), s);
		return;
	}
	if (!range_ok(c, n, k, (double)v, s))
		return;
	cnt->relative = false;
	cnt->value = v;
}

/* A work item from a work map (or the work keys of a cgroup map). */
static void v_work(struct vctx *c, const struct node *map, const struct node **f,
		   struct spec_work *w, const char *where)
{
	const struct node *tn = f[K_WORK_TYPE];
	const struct node *x;
	unsigned workers, gs;

	memset(w, 0, sizeof(*w));
	w->type = &worktype_table[WORK_CPU_SPIN];
	w->loc = loc_of(c, map);
	if (tn && scalar(c, tn, "a work type name")) {
		const struct worktype_desc *d = worktype_lookup(tn->value);

		if (!d) {
			const char *sugg = worktype_suggest(tn->value);

			if (sugg)
				verr(c, AT(tn), "unknown work type '%s': did you mean '%s'?", tn->value, sugg);
			else
				verr(c, AT(tn), "unknown work type '%s' (see WORK TYPES in ktstr-spec(5))",
				     tn->value);
		} else {
			w->type = d;
		}
	}
	for (unsigned i = 0; i < w->type->nparams; i++)
		w->params[i] = w->type->params[i].def;
	for (size_t i = 0; map->kind == NODE_MAP && i < map->nkids; i++) {
		const struct node *kid = map->kids[i];
		const struct work_param_desc *p = param_of(w->type, kid->key);
		struct spec_key pk;

		if (!p)
			continue;
		pk = (struct spec_key){ .name = p->name, .type = KT_INT, .min = p->min, .max = p->max };
		get_int(c, kid, &pk, &w->params[p - w->type->params]);
	}
	if ((x = f[K_WORK_WORKERS])) {
		v_count(c, x, &spec_key_table[K_WORK_WORKERS], &w->workers);
		w->workers_set = true;
	}
	if ((x = f[K_WORK_POLICY]))
		v_policy(c, x, w);
	if ((x = f[K_WORK_NICE])) {
		int64_t nice = 0;

		if (get_int(c, x, &spec_key_table[K_WORK_NICE], &nice))
			w->nice = nice;
	}
	if ((x = f[K_WORK_AFFINITY]))
		v_affinity(c, x, w);
	if ((x = f[K_WORK_MEM_POLICY]) && scalar(c, x, "a memory policy")) {
		int m = spec_enum__lookup(SPEC_ENUM_MPOL, x->value);

		if (m < 0) {
			_cleanup_free_ char *names = spec_enum__names(SPEC_ENUM_MPOL);

			verr(c, AT(x), "unknown mem_policy '%s': use one of %s", x->value, names);
		} else {
			w->mem_policy = m;
		}
	}
	if ((x = f[K_WORK_MEM_NODES]) && scalar(c, x, "a node list")) {
		int last = -1;

		if (cpumask_parse(x->value, &w->mem_nodes))
			verr(c, AT(x), "'mem_nodes' must be a node list such as 0-1, not '%s'", x->value);
		for (int nd = cpumask_first(&w->mem_nodes); nd >= 0; nd = cpumask_next(&w->mem_nodes, nd))
			last = nd;
		if (last >= (int)spec_topology__nodes(&c->t->topology))
			verr(c, AT(x), "'mem_nodes' names node %d, but the topology has %s%u%s", last,
			     spec_topology__nodes(&c->t->topology) > 1 ? "nodes 0-" : "only node ",
			     spec_topology__nodes(&c->t->topology) - 1,
			     memory_only_note(&c->t->topology));
	}
	switch (w->mem_policy) {
	case MPOL_KIND_DEFAULT:
	case MPOL_KIND_LOCAL:
		if (f[K_WORK_MEM_NODES] && !cpumask_empty(&w->mem_nodes))
			verr(c, AT(f[K_WORK_MEM_NODES]), "mem_policy %s takes no 'mem_nodes'",
			     mem_policy_name(w->mem_policy));
		break;
	case MPOL_KIND_PREFERRED:
		if (cpumask_weight(&w->mem_nodes) != 1)
			verr(c, AT(f[K_WORK_MEM_POLICY]), "mem_policy preferred needs exactly one node in 'mem_nodes'");
		break;
	default:
		if (cpumask_empty(&w->mem_nodes))
			verr(c, AT(f[K_WORK_MEM_POLICY]), "mem_policy %s needs 'mem_nodes' (a node list such as 0-1)",
			     mem_policy_name(w->mem_policy));
	}
	if ((x = f[K_WORK_MPOL_FLAGS])) {
		static const struct { const char *name; unsigned bit; } flags[] = {
			{ "static_nodes", 1u << 15 }, { "relative_nodes", 1u << 14 },
			{ "numa_balancing", 1u << 13 },
		};
		char **v = get_list(c, x, &spec_key_table[K_WORK_MPOL_FLAGS]);

		for (char **p = v; *p; p++) {
			bool ok = false;

			for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
				if (str_eq_loose(*p, flags[i].name)) {
					w->mpol_flags |= flags[i].bit;
					ok = true;
				}
			if (!ok)
				verr(c, AT(x), "unknown mpol flag '%s': use static_nodes, relative_nodes or numa_balancing",
				     *p);
			free(*p);
		}
		free(v);
	}
	if ((x = f[K_WORK_PHASES])) {
		if (w->type->type != WORK_SEQUENCE)
			verr(c, KEYAT(x), "'phases' only applies to type sequence, not %s", w->type->snake);
		else
			v_phases(c, x, w);
	} else if (w->type->type == WORK_SEQUENCE) {
		verr(c, tn ? tn->line : map->line, tn ? tn->col : map->col,
		     "work type sequence needs 'phases' such as [spin:100ms, sleep:50ms]");
	}
	/* grouped work types need whole groups */
	workers = spec_work__workers(w, c->t, c->usable);
	gs = worktype_group_size(w->type, w->params);
	if (gs > 1 && workers % gs) {
		x = f[K_WORK_WORKERS] ? f[K_WORK_WORKERS] : tn ? tn : map;
		verr(c, AT(x), "%s: %u workers of %s, which runs in groups of %u; use a multiple of %u (e.g. %u)",
		     where, workers, w->type->snake, gs, gs, (workers / gs + 1) * gs);
	}
	c->total_workers += workers;
}

/* ---- cgroups ---- */

static bool is_live(struct vctx *c, const char *name)
{
	for (size_t i = 0; i < c->nlive; i++)
		if (str_eq(c->live[i], name))
			return true;
	return false;
}

static void live_add(struct vctx *c, const char *name)
{
	_cleanup_free_ char *copy = xstrdup(name);

	/* parents of a nested path exist too */
	for (char *s = strchr(copy, '/'); ; s = strchr(s + 1, '/')) {
		if (s)
			*s = '\0';
		if (!is_live(c, copy)) {
			c->live = xrealloc(c->live, (c->nlive + 1) * sizeof(*c->live));
			c->live[c->nlive++] = xstrdup(copy);
		}
		if (!s)
			break;
		*s = '/';
	}
}

static void live_remove(struct vctx *c, const char *name)
{
	size_t len = strlen(name);

	c->removed = xrealloc(c->removed, (c->nremoved + 1) * sizeof(*c->removed));
	c->removed[c->nremoved++] = xstrdup(name);
	for (size_t i = 0; i < c->nlive; ) {
		if (str_eq(c->live[i], name) ||
		    (str_startswith(c->live[i], name) && c->live[i][len] == '/')) {
			free(c->live[i]);
			c->live[i] = c->live[--c->nlive];
		} else {
			i++;
		}
	}
}

static void v_cgroup(struct vctx *c, const struct node *n, const char *parent,
		     struct spec_cgroup **arr, size_t *narr, int depth)
{
	const struct node *f[K__COUNT];
	const struct worktype_desc *wt = NULL;
	const struct node *x, *tn;
	struct spec_cgroup *cg;
	_cleanup_free_ char *where = NULL;
	bool direct = false;
	size_t idx;

	if (n->kind != NODE_MAP) {
		verr(c, AT(n), "a cgroup must be a map with at least 'name', not %s", node_kind_name(n->kind));
		return;
	}
	if ((tn = node__get(n, "type")) && tn->kind == NODE_SCALAR)
		wt = worktype_lookup(tn->value);
	CHECK_MAP(c, n, SEC_CGROUP, wt ? wt : &worktype_table[WORK_CPU_SPIN], f);
	if (*narr >= SPEC_MAX_CGROUPS) {
		if (*narr == SPEC_MAX_CGROUPS)
			verr(c, AT(n), "more than %d cgroups in one list (children included)", SPEC_MAX_CGROUPS);
		return;
	}
	cg = array_push(arr, narr, sizeof(*cg));
	idx = cg - *arr;
	cg->loc = loc_of(c, n);
	if (!(x = f[K_CG_NAME])) {
		verr(c, AT(n), "cgroup needs a 'name' such as cg_0");
		cg->name = xasprintf("%s%scg_%zu", parent ? parent : "", parent ? "/" : "", idx);
	} else if (scalar(c, x, "a cgroup name")) {
		if (!valid_name(x->value, true))
			verr(c, AT(x), "cgroup name '%s' must be letters, digits, '_', '-', '.' and '/' between parts",
			     x->value);
		cg->name = parent ? xasprintf("%s/%s", parent, x->value) : xstrdup(x->value);
	} else {
		cg->name = xasprintf("cg_%zu", idx);
	}
	where = xasprintf("cgroup %s", cg->name);
	if (is_live(c, cg->name))
		verr(c, AT(x ? x : n), "cgroup '%s' already exists at this point; give it another name", cg->name);
	for (size_t i = 0; i < *narr - 1; i++)
		if (str_eq((*arr)[i].name, cg->name)) {
			verr(c, AT(x ? x : n), "cgroup '%s' is defined twice (first at line %d)",
			     cg->name, (*arr)[i].loc.line);
			break;
		}
	if ((x = f[K_CG_CPUSET]))
		v_cpuset(c, x, &(*arr)[idx].cpuset);
	if ((x = f[K_CG_SWAPPABLE]))
		get_bool(c, x, &(*arr)[idx].swappable);
	for (unsigned i = 0; i < K__COUNT; i++)
		if (f[i] && spec_key_table[i].section == SEC_WORK)
			direct = true;
	for (size_t i = 0; !direct && wt && i < n->nkids; i++)
		direct = param_of(wt, n->kids[i]->key) != NULL;
	if ((x = f[K_CG_WORK])) {
		const struct node *wf[K__COUNT];
		const struct node *wtn = node__get(x, "type");
		const struct worktype_desc *d = wtn && wtn->kind == NODE_SCALAR ?
			worktype_lookup(wtn->value) : NULL;
		struct spec_work w;

		if (direct)
			verr(c, KEYAT(x), "cgroup %s gives its work both as 'work' and as keys of the cgroup: use one",
			     (*arr)[idx].name);
		else if (CHECK_MAP(c, x, SEC_WORK, d ? d : &worktype_table[WORK_CPU_SPIN], wf)) {
			v_work(c, x, wf, &w, where);
			cg = &(*arr)[idx];
			*(struct spec_work *)array_push(&cg->works, &cg->nworks, sizeof(w)) = w;
		}
	} else if (direct || !f[K_CG_WORKS]) {
		struct spec_work w;

		v_work(c, n, f, &w, where);
		cg = &(*arr)[idx];
		*(struct spec_work *)array_push(&cg->works, &cg->nworks, sizeof(w)) = w;
	}
	if ((x = f[K_CG_WORKS]) && want_kind(c, x, NODE_SEQ, "a list of work maps")) {
		for (size_t i = 0; i < x->nkids; i++) {
			const struct node *wn = x->kids[i];
			const struct node *wf[K__COUNT];
			const struct node *wtn = node__get(wn, "type");
			const struct worktype_desc *d = wtn && wtn->kind == NODE_SCALAR ?
				worktype_lookup(wtn->value) : NULL;
			struct spec_work w;

			if (!CHECK_MAP(c, wn, SEC_WORK, d ? d : &worktype_table[WORK_CPU_SPIN], wf))
				continue;
			v_work(c, wn, wf, &w, where);
			cg = &(*arr)[idx];
			*(struct spec_work *)array_push(&cg->works, &cg->nworks, sizeof(w)) = w;
		}
	}
	if ((x = f[K_CG_CHILDREN]) && want_kind(c, x, NODE_SEQ, "a list of cgroup maps")) {
		_cleanup_free_ char *me = xstrdup((*arr)[idx].name);

		if (depth >= 8) {
			verr(c, AT(x), "cgroups nest deeper than 8 levels");
			return;
		}
		for (size_t i = 0; i < x->nkids; i++)
			v_cgroup(c, x->kids[i], me, arr, narr, depth + 1);
	}
}

static void v_cgroups(struct vctx *c, const struct node *n, struct spec_cgroup **arr, size_t *narr)
{
	size_t first = *narr;

	if (is_null(n))
		return;
	if (!want_kind(c, n, NODE_SEQ, "a list of cgroup maps"))
		return;
	if (n->nkids > SPEC_MAX_CGROUPS) {
		verr(c, AT(n), "%zu cgroups; at most %d are allowed", n->nkids, SPEC_MAX_CGROUPS);
		return;
	}
	for (size_t i = 0; i < n->nkids; i++)
		v_cgroup(c, n->kids[i], NULL, arr, narr, 0);
	for (size_t i = first; i < *narr; i++)
		live_add(c, (*arr)[i].name);
}

/* ---- steps and ops ---- */

enum { NO, OPT, REQ };
static const unsigned char op_keys[OP__COUNT][7] = {
	/*                   cgroup target cpuset work affinity payload args */
	[OP_ADD_CGROUP]    = { REQ, NO,  OPT, OPT, NO,  NO,  NO },
	[OP_REMOVE_CGROUP] = { REQ, NO,  NO,  NO,  NO,  NO,  NO },
	[OP_SET_CPUSET]    = { REQ, NO,  REQ, NO,  NO,  NO,  NO },
	[OP_CLEAR_CPUSET]  = { REQ, NO,  NO,  NO,  NO,  NO,  NO },
	[OP_SWAP_CPUSETS]  = { REQ, REQ, NO,  NO,  NO,  NO,  NO },
	[OP_SPAWN]         = { REQ, NO,  NO,  OPT, NO,  NO,  NO },
	[OP_STOP_CGROUP]   = { REQ, NO,  NO,  NO,  NO,  NO,  NO },
	[OP_SET_AFFINITY]  = { REQ, NO,  NO,  NO,  REQ, NO,  NO },
	[OP_SPAWN_HOST]    = { NO,  NO,  NO,  OPT, NO,  NO,  NO },
	[OP_MOVE_ALL_TASKS] = { REQ, REQ, NO, NO,  NO,  NO,  NO },
	[OP_RUN_PAYLOAD]   = { OPT, NO,  NO,  NO,  NO,  REQ, OPT },
	[OP_WAIT_PAYLOAD]  = { OPT, NO,  NO,  NO,  NO,  REQ, NO },
	[OP_KILL_PAYLOAD]  = { OPT, NO,  NO,  NO,  NO,  REQ, NO },
};
static const enum spec_key_id op_key_ids[7] = {
	K_OP_CGROUP, K_OP_TARGET, K_OP_CPUSET, K_OP_WORK, K_OP_AFFINITY, K_OP_PAYLOAD, K_OP_ARGS,
};

/* "set_cpuset cg_0 llc:1" -> {op: set_cpuset, cgroup: cg_0, cpuset: llc:1}, positions kept. */
static struct node *op_from_string(const struct node *s)
{
	struct node *m = node__new(NODE_MAP, s->line, s->col);
	const char *words[8];
	int cols[8];
	size_t nw = 0;
	char *copy = xstrdup(s->value);
	char *save = NULL;
	int kind;

	for (char *tok = strtok_r(copy, " \t", &save); tok && nw < ARRAY_SIZE(words);
	     tok = strtok_r(NULL, " \t", &save)) {
		words[nw] = tok;
		cols[nw++] = s->col + (int)(tok - copy) + (s->quoted ? 1 : 0);
	}
#define PUT(key, i) node__append(m, node__scalar(words[i], s->line, cols[i]), key, s->line, cols[i])
	if (nw)
		PUT("op", 0);
	kind = nw ? spec_enum__lookup(SPEC_ENUM_OP, words[0]) : -1;
	switch (kind) {
	case OP_SWAP_CPUSETS:
	case OP_MOVE_ALL_TASKS:
		if (nw > 1) PUT("cgroup", 1);
		if (nw > 2) PUT("target", 2);
		break;
	case OP_ADD_CGROUP:
	case OP_SET_CPUSET:
		if (nw > 1) PUT("cgroup", 1);
		if (nw > 2) PUT("cpuset", 2);
		break;
	case OP_SET_AFFINITY:
		if (nw > 1) PUT("cgroup", 1);
		if (nw > 2) PUT("affinity", 2);
		break;
	case OP_SPAWN:
	case OP_SPAWN_HOST: {
		size_t i = 1;
		struct node *w;

		if (kind == OP_SPAWN && nw > 1) {
			PUT("cgroup", 1);
			i = 2;
		}
		if (nw > i) {
			w = node__new(NODE_MAP, s->line, cols[i]);
			node__append(w, node__scalar(words[i], s->line, cols[i]), "type", s->line, cols[i]);
			if (nw > i + 1)
				node__append(w, node__scalar(words[i + 1], s->line, cols[i + 1]), "workers",
					     s->line, cols[i + 1]);
			node__append(m, w, "work", s->line, cols[i]);
			i += 2;
		}
		break;
	}
	case OP_RUN_PAYLOAD:
	case OP_WAIT_PAYLOAD:
	case OP_KILL_PAYLOAD:
		if (nw > 1) PUT("payload", 1);
		if (nw > 2) PUT("cgroup", 2);
		break;
	default:
		if (nw > 1) PUT("cgroup", 1);
		break;
	}
#undef PUT
	free(copy);
	return m;
}

static void check_cgroup_ref(struct vctx *c, const struct node *n, const char *op)
{
	const char *sugg;

	if (is_live(c, n->value))
		return;
	for (size_t i = 0; i < c->nremoved; i++)
		if (str_eq(c->removed[i], n->value)) {
			verr(c, AT(n), "%s refers to cgroup '%s', which an earlier remove_cgroup removed",
			     op, n->value);
			return;
		}
	sugg = closest(n->value, (const char *const *)c->live, c->nlive);
	if (sugg)
		verr(c, AT(n), "%s refers to cgroup '%s', which no step or backdrop creates before it; did you mean '%s'?",
		     op, n->value, sugg);
	else
		verr(c, AT(n), "%s refers to cgroup '%s', which no step or backdrop creates before it (add it to 'cgroups' or use add_cgroup first)",
		     op, n->value);
}

static void v_op(struct vctx *c, const struct node *in, struct spec_op *op)
{
	struct node *tmp = NULL;
	const struct node *n = in;
	const struct node *f[K__COUNT];
	const struct node *x;
	int kind;

	if (in->kind == NODE_SCALAR)
		n = tmp = op_from_string(in);
	op->loc = loc_of(c, in);
	op->work.type = &worktype_table[WORK_CPU_SPIN];
	if (!CHECK_MAP(c, n, SEC_OP, NULL, f))
		goto out;
	if (!(x = f[K_OP_OP])) {
		verr(c, AT(n), "op needs 'op' (one of add_cgroup, remove_cgroup, set_cpuset, ...)");
		goto out;
	}
	if (!scalar(c, x, "an op name"))
		goto out;
	kind = spec_enum__lookup(SPEC_ENUM_OP, x->value);
	if (kind < 0) {
		const char *sugg = spec_enum__suggest(SPEC_ENUM_OP, x->value);
		_cleanup_free_ char *names = spec_enum__names(SPEC_ENUM_OP);

		if (sugg)
			verr(c, AT(x), "unknown op '%s': did you mean '%s'?", x->value, sugg);
		else
			verr(c, AT(x), "unknown op '%s': use one of %s", x->value, names);
		goto out;
	}
	op->kind = kind;
	for (unsigned i = 0; i < ARRAY_SIZE(op_key_ids); i++) {
		const struct spec_key *k = &spec_key_table[op_key_ids[i]];

		if (op_keys[kind][i] == REQ && !f[k->id])
			verr(c, AT(in), "op %s needs '%s' (%s)", op_kind_name(kind), k->name, k->help);
		else if (op_keys[kind][i] == NO && f[k->id])
			verr(c, KEYAT(f[k->id]), "op %s takes no '%s'", op_kind_name(kind), k->name);
	}
	if ((x = f[K_OP_CGROUP]) && op_keys[kind][0] != NO && get_str(c, x, &op->cgroup)) {
		if (kind == OP_ADD_CGROUP) {
			if (!valid_name(x->value, true))
				verr(c, AT(x), "cgroup name '%s' must be letters, digits, '_', '-', '.' and '/' between parts",
				     x->value);
			else if (is_live(c, x->value))
				verr(c, AT(x), "add_cgroup: cgroup '%s' already exists at this point", x->value);
		} else {
			check_cgroup_ref(c, x, op_kind_name(kind));
		}
	}
	if ((x = f[K_OP_TARGET]) && op_keys[kind][1] != NO && get_str(c, x, &op->cgroup2))
		check_cgroup_ref(c, x, op_kind_name(kind));
	if ((x = f[K_OP_CPUSET]) && op_keys[kind][2] != NO)
		v_cpuset(c, x, &op->cpuset);
	if ((x = f[K_OP_WORK]) && op_keys[kind][3] != NO) {
		const struct node *wf[K__COUNT];
		const struct node *wtn = node__get(x, "type");
		const struct worktype_desc *d = wtn && wtn->kind == NODE_SCALAR ? worktype_lookup(wtn->value) : NULL;
		_cleanup_free_ char *where = xasprintf("op %s", op_kind_name(kind));

		if (CHECK_MAP(c, x, SEC_WORK, d ? d : &worktype_table[WORK_CPU_SPIN], wf))
			v_work(c, x, wf, &op->work, where);
	}
	if ((x = f[K_OP_AFFINITY]) && op_keys[kind][4] != NO)
		v_affinity(c, x, &op->work);
	if ((x = f[K_OP_PAYLOAD]) && op_keys[kind][5] != NO && get_str(c, x, &op->payload)) {
		bool found = false;

		for (size_t i = 0; i < c->t->npayloads; i++)
			found |= str_eq(c->t->payloads[i].name, op->payload);
		if (!found)
			verr(c, AT(x), "%s refers to payload '%s', which 'payloads' does not declare",
			     op_kind_name(kind), op->payload);
	}
	if ((x = f[K_OP_ARGS]) && op_keys[kind][6] != NO)
		op->args = get_list(c, x, &spec_key_table[K_OP_ARGS]);
	/* the op changes which cgroups exist for the ops after it */
	if (op->cgroup && kind == OP_ADD_CGROUP)
		live_add(c, op->cgroup);
	else if (op->cgroup && kind == OP_REMOVE_CGROUP)
		live_remove(c, op->cgroup);
out:
	node__free(tmp);
}

static bool hold_from_string(const char *s, struct spec_hold *h)
{
	memset(h, 0, sizeof(*h));
	if (str_startswith(s, "loop:")) {
		_cleanup_free_ char *copy = xstrdup(s + 5);
		char *slash = strchr(copy, '/');

		h->kind = HOLD_LOOP;
		if (slash) {
			*slash++ = '\0';
			if (parse_duration_ns(slash, &h->loop_ns) || !h->loop_ns)
				return false;
		}
		return !parse_duration_ns(copy, &h->interval_ns) && h->interval_ns;
	}
	if (strchr(s, '%') || !strpbrk(s, "smhun")) {
		h->kind = HOLD_FRAC;
		return !parse_percent(s, &h->frac, true) && h->frac > 0 && h->frac <= 1;
	}
	h->kind = HOLD_FIXED;
	return !parse_duration_ns(s, &h->ns) && h->ns > 0;
}

static void v_hold(struct vctx *c, const struct node *n, struct spec_hold *h)
{
	const struct node *f[K__COUNT];
	unsigned given = 0;

	if (n->kind == NODE_SCALAR) {
		if (!hold_from_string(n->value, h))
			verr(c, AT(n), "'hold' must be a fraction of duration (50%% or 0.5), a time (1s) or loop:INTERVAL[/FOR] (loop:200ms); got '%s'",
			     n->value);
		return;
	}
	if (!CHECK_MAP(c, n, SEC_HOLD, NULL, f))
		return;
	given = !!f[K_HOLD_FRAC] + !!f[K_HOLD_FIXED] + !!f[K_HOLD_LOOP];
	if (given != 1) {
		verr(c, AT(n), "hold needs exactly one of 'frac', 'fixed' or 'loop'");
		return;
	}
	if (f[K_HOLD_FRAC]) {
		h->kind = HOLD_FRAC;
		if (get_fraction(c, f[K_HOLD_FRAC], &spec_key_table[K_HOLD_FRAC], &h->frac) && h->frac <= 0)
			verr(c, AT(f[K_HOLD_FRAC]), "'frac' must be above zero");
	} else if (f[K_HOLD_FIXED]) {
		h->kind = HOLD_FIXED;
		get_uint(c, f[K_HOLD_FIXED], &spec_key_table[K_HOLD_FIXED], &h->ns);
	} else {
		h->kind = HOLD_LOOP;
		get_uint(c, f[K_HOLD_LOOP], &spec_key_table[K_HOLD_LOOP], &h->interval_ns);
	}
	if (f[K_HOLD_FOR]) {
		if (h->kind != HOLD_LOOP)
			verr(c, KEYAT(f[K_HOLD_FOR]), "'for' only applies to a loop hold");
		else
			get_uint(c, f[K_HOLD_FOR], &spec_key_table[K_HOLD_FOR], &h->loop_ns);
	}
}

static void v_steps(struct vctx *c, const struct node *n)
{
	struct spec_test *t = c->t;

	if (is_null(n) || !want_kind(c, n, NODE_SEQ, "a list of step maps"))
		return;
	if (n->nkids > SPEC_MAX_STEPS) {
		verr(c, AT(n), "%zu steps; at most %d are allowed", n->nkids, SPEC_MAX_STEPS);
		return;
	}
	t->steps = xcalloc(n->nkids ? n->nkids : 1, sizeof(*t->steps));
	for (size_t i = 0; i < n->nkids; i++) {
		const struct node *sn = n->kids[i];
		struct spec_step *s = &t->steps[t->nsteps++];
		const struct node *f[K__COUNT];
		const struct node *x;

		s->loc = loc_of(c, sn);
		s->hold.kind = HOLD_FRAC;
		s->hold.frac = 1.0 / n->nkids;
		if (!CHECK_MAP(c, sn, SEC_STEP, NULL, f)) {
			s->name = xasprintf("step %zu", i + 1);
			continue;
		}
		if ((x = f[K_STEP_NAME]))
			get_str(c, x, &s->name);
		if (!s->name)
			s->name = xasprintf("step %zu", i + 1);
		if ((x = f[K_STEP_CGROUPS]))
			v_cgroups(c, x, &s->cgroups, &s->ncgroups);
		if ((x = f[K_STEP_OPS]) && !is_null(x)) {
			if (x->kind == NODE_SCALAR) {
				s->ops = xcalloc(1, sizeof(*s->ops));
				v_op(c, x, &s->ops[s->nops++]);
			} else if (want_kind(c, x, NODE_SEQ, "a list of ops")) {
				if (x->nkids > spec_key_table[K_STEP_OPS].max)
					verr(c, AT(x), "%zu ops in one step; at most %g", x->nkids,
					     spec_key_table[K_STEP_OPS].max);
				s->ops = xcalloc(x->nkids ? x->nkids : 1, sizeof(*s->ops));
				for (size_t j = 0; j < x->nkids && j < 256; j++)
					v_op(c, x->kids[j], &s->ops[s->nops++]);
			}
		}
		if ((x = f[K_STEP_HOLD]))
			v_hold(c, x, &s->hold);
	}
	if (t->nsteps) {
		uint64_t st, en;
		char a[32], b[32];

		spec_test__step_times(t, t->nsteps - 1, &st, &en);
		if (en > t->duration_ns + NSEC_PER_MSEC)
			vwarn(c, AT(n), "the steps hold for %s in total, longer than 'duration' %s: the test runs %s",
			      fmt_duration(en, a, sizeof(a)), fmt_duration(t->duration_ns, b, sizeof(b)), a);
	}
}

/* ---- the rest of the test ---- */

/*
 * required_flags / excluded_flags: flag names as a plugin declares them
 * ("llc", "reject-pin"), without "=value"; what they mean is the plugin's,
 * so any name is accepted and a flag no plugin has simply never matches.
 */
static char **v_flag_names(struct vctx *c, const struct node *n, enum spec_key_id id)
{
	char **v = get_list(c, n, &spec_key_table[id]);

	for (char **f = v; *f; f++) {
		if (!valid_name(*f, false) || **f == '.')
			verr(c, AT(n), "'%s': flag name '%s' must be letters, digits, '_', '-' and "
			     "'.' (a flag's name, without '=value')", KNAME(n), *f);
		for (char **g = v; g < f; g++)
			if (str_eq(*g, *f)) {
				verr(c, AT(n), "'%s' names flag '%s' twice", KNAME(n), *f);
				break;
			}
	}
	return v;
}

/* flag_args: {flag: "--its --args"}; each flag a flag name, given once, with arguments. */
static void v_flag_args(struct vctx *c, const struct node *n, struct spec_scheduler *s)
{
	const struct spec_key *k = &spec_key_table[K_SCHED_FLAG_ARGS];

	if (!want_kind(c, n, NODE_MAP, "a map of flag name to its arguments ({llc: --llc-aware})"))
		return;
	if (n->nkids > k->max) {
		verr(c, AT(n), "'flag_args' maps %zu flags; at most %g are allowed", n->nkids, k->max);
		return;
	}
	s->flag_args = xcalloc(n->nkids ? n->nkids : 1, sizeof(*s->flag_args));
	for (size_t i = 0; i < n->nkids; i++) {
		const struct node *it = n->kids[i];
		struct spec_flag_arg *fa = &s->flag_args[s->nflag_args];

		if (!valid_name(it->key, false) || strchr(it->key, '=')) {
			verr(c, KEYAT(it), "'flag_args': '%s' is not a flag name (letters, digits, '_', "
			     "'-' and '.', without '=value')", it->key);
			continue;
		}
		if (spec_scheduler__flag_arg(s, it->key)) {
			verr(c, KEYAT(it), "'flag_args' maps flag '%s' twice", it->key);
			continue;
		}
		fa->args = get_list(c, it, &spec_key_table[K_SCHED_ARGS]);
		fa->flag = xstrdup(it->key);
		s->nflag_args++;
		if (!fa->args[0])
			verr(c, AT(it), "'flag_args': flag '%s' maps to no arguments: give the "
			     "binary's arguments (\"--llc-aware\")", it->key);
	}
}

/* Whether {config} appears in the scheduler's args or flag_args. */
static bool mentions_config(const struct spec_scheduler *s)
{
	for (char **a = s->args; a && *a; a++)
		if (strstr(*a, "{config}"))
			return true;
	for (size_t i = 0; i < s->nflag_args; i++)
		for (char **a = s->flag_args[i].args; a && *a; a++)
			if (strstr(*a, "{config}"))
				return true;
	return false;
}

/* config_file and {config} go together: one without the other is a mistake. */
static void v_config_template(struct vctx *c, const struct node *n, const struct spec_scheduler *s)
{
	bool used = mentions_config(s);

	if (s->config_file && !used)
		verr(c, s->config_loc.line, s->config_loc.col, "'config_file' %s is packed but no "
		     "argument names it: put {config} where the binary wants its path "
		     "(args: \"scx_foo --config {config}\")", s->config_file);
	else if (!s->config_file && used)
		verr(c, AT(n), "the scheduler's arguments use {config} but there is no 'config_file' "
		     "to put there");
}

static void v_scheduler(struct vctx *c, const struct node *n)
{
	struct spec_scheduler *s = &c->t->sched;
	const struct node *f[K__COUNT];
	const struct node *x;

	s->loc = loc_of(c, n);
	if (n->kind == NODE_SCALAR) {
		get_str(c, n, &s->plugin);
		return;
	}
	if (!CHECK_MAP(c, n, SEC_SCHEDULER, NULL, f))
		return;
	if ((x = f[K_SCHED_PLUGIN]))
		get_str(c, x, &s->plugin);
	if ((x = f[K_SCHED_FLAGS])) {
		free(s->flags);
		s->flags = get_list(c, x, &spec_key_table[K_SCHED_FLAGS]);
	}
	if ((x = f[K_SCHED_ARGS]))
		s->args = get_list(c, x, &spec_key_table[K_SCHED_ARGS]);
	if ((x = f[K_SCHED_WATCHDOG_TIMEOUT]))
		get_uint(c, x, &spec_key_table[K_SCHED_WATCHDOG_TIMEOUT], &s->watchdog_timeout_ns);
	if ((x = f[K_SCHED_ATTACH_TIMEOUT_MS]))
		get_uint(c, x, &spec_key_table[K_SCHED_ATTACH_TIMEOUT_MS], &s->attach_timeout_ms);
	if ((x = f[K_SCHED_CONFIG_FILE]) && get_str(c, x, &s->config_file)) {
		s->config_loc = loc_of(c, x);
		if (!*s->config_file) {		/* "": none (a matrix may turn it off) */
			free(s->config_file);
			s->config_file = NULL;
		} else if (str_endswith(s->config_file, "/")) {
			verr(c, AT(x), "'config_file' must name a file on the host, not the directory '%s'",
			     s->config_file);
		}
	}
	if ((x = f[K_SCHED_CGROUP_PARENT]) && get_str(c, x, &s->cgroup_parent) &&
	    (s->cgroup_parent[0] != '/' || !valid_name(s->cgroup_parent + 1, true) ||
	     strlen(s->cgroup_parent) > 255))
		verr(c, AT(x), "'cgroup_parent' '%s' must be an absolute cgroup path below the root "
		     "(\"/ktstr.slice\"): '/' then names of letters, digits, '_', '-' and '.', "
		     "no '..', at most 255 characters", s->cgroup_parent);
	if ((x = f[K_SCHED_FLAG_ARGS]))
		v_flag_args(c, x, s);
	v_config_template(c, n, s);
}

/* One of an enum's names written in a spec, or an error listing them all. */
static bool get_enum(struct vctx *c, const struct node *n, enum spec_enum e, int *out)
{
	const char *s = scalar(c, n, "a name");
	_cleanup_free_ char *names = NULL;
	int v;

	if (!s)
		return false;
	v = spec_enum__lookup(e, s);
	if (v >= 0) {
		*out = v;
		return true;
	}
	names = spec_enum__names(e);
	verr(c, AT(n), "unknown %s '%s': use one of %s", KNAME(n), s, names);
	return false;
}

/* A metric of a payload: its flattened name, polarity and checks (min <= max, lo <= hi). */
static void v_metric(struct vctx *c, const struct node *n, struct spec_payload *p)
{
	const struct node *f[K__COUNT], *x;
	struct spec_metric *m;
	int pol;

	if (!CHECK_MAP(c, n, SEC_METRIC, NULL, f))
		return;
	m = &p->metrics[p->nmetrics++];
	m->loc = loc_of(c, n);
	if (!f[K_METRIC_NAME] || !get_str(c, f[K_METRIC_NAME], &m->name)) {
		if (!f[K_METRIC_NAME])
			verr(c, AT(n), "a metric of payload '%s' needs a 'name' (its flattened key, "
			     "such as jobs.0.read.iops)", p->name);
		m->name = xstrdup("?");
	} else {
		for (size_t j = 0; j + 1 < p->nmetrics; j++)
			if (str_eq(p->metrics[j].name, m->name))
				verr(c, AT(f[K_METRIC_NAME]), "metric '%s' of payload '%s' is declared twice",
				     m->name, p->name);
	}
	if ((x = f[K_METRIC_POLARITY]) && get_enum(c, x, SPEC_ENUM_POLARITY, &pol))
		m->polarity = pol;
	if ((x = f[K_METRIC_MIN]))
		m->has_min = get_fraction(c, x, &spec_key_table[K_METRIC_MIN], &m->min);
	if ((x = f[K_METRIC_MAX]))
		m->has_max = get_fraction(c, x, &spec_key_table[K_METRIC_MAX], &m->max);
	if (m->has_min && m->has_max && m->min > m->max)
		verr(c, AT(f[K_METRIC_MAX]), "metric '%s': max %g is below min %g; no value can pass",
		     m->name, m->max, m->min);
	if ((x = f[K_METRIC_RANGE])) {
		char **v = get_list(c, x, &spec_key_table[K_METRIC_RANGE]);
		const struct spec_key *k = &spec_key_table[K_METRIC_MIN];
		union spec_num lo, hi;
		double d;

		if (v && v[0] && v[1] && !v[2] && !spec_key__parse_number(k, v[0], &lo, &d) &&
		    !spec_key__parse_number(k, v[1], &hi, &d)) {
			m->has_range = lo.f <= hi.f;
			m->lo = lo.f;
			m->hi = hi.f;
			if (!m->has_range)
				verr(c, AT(x), "metric '%s': range [%g, %g] is empty; write [lo, hi] with lo <= hi",
				     m->name, lo.f, hi.f);
		} else if (v) {
			verr(c, AT(x), "metric '%s': range must be two numbers [lo, hi]", m->name);
		}
		for (char **q = v; q && *q; q++)
			free(*q);
		free(v);
	}
	if ((x = f[K_METRIC_EXISTS]))
		get_bool(c, x, &m->exists);
}

/* A payload's output mode, exit code check and metrics. */
static void v_payload_checks(struct vctx *c, const struct node *const *f, struct spec_payload *p)
{
	const struct node *x;
	bool out_ok = true;
	int out;

	if ((x = f[K_PAYLOAD_OUTPUT]) && (out_ok = get_enum(c, x, SPEC_ENUM_OUTPUT, &out)))
		p->output = out;
	if ((x = f[K_PAYLOAD_EXIT_CODE])) {
		int64_t v;

		if (get_int(c, x, &spec_key_table[K_PAYLOAD_EXIT_CODE], &v)) {
			p->has_exit_code = true;
			p->exit_code = (int)v;
		}
	}
	if (!(x = f[K_PAYLOAD_METRICS]) || is_null(x) ||
	    !want_kind(c, x, NODE_SEQ, "a list of metric maps"))
		return;
	p->metrics = xcalloc(x->nkids ? x->nkids : 1, sizeof(*p->metrics));
	for (size_t i = 0; i < x->nkids && i < (size_t)spec_key_table[K_PAYLOAD_METRICS].max; i++)
		v_metric(c, x->kids[i], p);
	if (p->output == PAYLOAD_OUT_EXIT_CODE && out_ok)
		for (size_t i = 0; i < p->nmetrics; i++)
			if (p->metrics[i].has_min || p->metrics[i].has_max || p->metrics[i].has_range ||
			    p->metrics[i].exists) {
				verr(c, AT(x), "payload '%s' checks metric '%s' but has no metrics "
				     "(output: exit_code); set output to json, yaml or lines",
				     p->name, p->metrics[i].name);
				break;
			}
}

static void v_payloads(struct vctx *c, const struct node *n)
{
	struct spec_test *t = c->t;

	if (is_null(n) || !want_kind(c, n, NODE_SEQ, "a list of payload maps"))
		return;
	t->payloads = xcalloc(n->nkids ? n->nkids : 1, sizeof(*t->payloads));
	for (size_t i = 0; i < n->nkids && i < 64; i++) {
		const struct node *f[K__COUNT];
		struct spec_payload *p = &t->payloads[t->npayloads];

		if (!CHECK_MAP(c, n->kids[i], SEC_PAYLOAD, NULL, f))
			continue;
		t->npayloads++;
		p->loc = loc_of(c, n->kids[i]);
		if (!f[K_PAYLOAD_NAME] || !get_str(c, f[K_PAYLOAD_NAME], &p->name)) {
			if (!f[K_PAYLOAD_NAME])
				verr(c, AT(n->kids[i]), "payload needs a 'name'");
			p->name = xasprintf("payload_%zu", i);
		} else {
			for (size_t j = 0; j + 1 < t->npayloads; j++)
				if (str_eq(t->payloads[j].name, p->name))
					verr(c, AT(f[K_PAYLOAD_NAME]), "payload '%s' is declared twice", p->name);
		}
		if (!f[K_PAYLOAD_PATH])
			verr(c, AT(n->kids[i]), "payload '%s' needs a 'path' (the binary on the host)", p->name);
		else
			get_str(c, f[K_PAYLOAD_PATH], &p->path);
		if (f[K_PAYLOAD_ARGS])
			p->args = get_list(c, f[K_PAYLOAD_ARGS], &spec_key_table[K_PAYLOAD_ARGS]);
		v_payload_checks(c, f, p);
	}
}

static void v_patterns(struct vctx *c, const struct node *n, const struct spec_key *k,
		       struct spec_pattern **out, size_t *nout)
{
	const struct node *items[64];
	size_t ni = 0;

	if (n->kind == NODE_SCALAR && !is_null(n))
		items[ni++] = n;
	else if (n->kind == NODE_SEQ)
		for (size_t i = 0; i < n->nkids && ni < ARRAY_SIZE(items); i++)
			items[ni++] = n->kids[i];
	else if (n->kind == NODE_MAP)
		verr(c, AT(n), "'%s' must be a list of regular expressions, not a map", k->name);
	if (n->kind == NODE_SEQ && n->nkids > k->max)
		verr(c, AT(n), "'%s' has %zu patterns; at most %g", k->name, n->nkids, k->max);
	*out = xcalloc(ni ? ni : 1, sizeof(**out));
	for (size_t i = 0; i < ni; i++) {
		_cleanup_free_ char *msg = NULL;
		size_t off = 0;

		if (!scalar(c, items[i], "a regular expression"))
			continue;
		if (spec_regex__check(items[i]->value, &off, &msg)) {
			verr(c, items[i]->line, items[i]->col + (int)off + (items[i]->quoted ? 1 : 0),
			     "bad regular expression in '%s': %s (at offset %zu of '%s')", k->name, msg, off,
			     items[i]->value);
			continue;
		}
		(*out)[*nout].regex = xstrdup(items[i]->value);
		(*out)[(*nout)++].loc = loc_of(c, items[i]);
	}
}

static void v_console(struct vctx *c, const struct node *n)
{
	const struct node *f[K__COUNT];
	struct spec_console *con = &c->t->console;

	if (!CHECK_MAP(c, n, SEC_CONSOLE, NULL, f))
		return;
	if (f[K_CONSOLE_EXPECT])
		v_patterns(c, f[K_CONSOLE_EXPECT], &spec_key_table[K_CONSOLE_EXPECT], &con->expect, &con->nexpect);
	if (f[K_CONSOLE_FORBID])
		v_patterns(c, f[K_CONSOLE_FORBID], &spec_key_table[K_CONSOLE_FORBID], &con->forbid, &con->nforbid);
	if (f[K_CONSOLE_ALLOW])
		v_patterns(c, f[K_CONSOLE_ALLOW], &spec_key_table[K_CONSOLE_ALLOW], &con->allow, &con->nallow);
}

static void v_assert(struct vctx *c, const struct node *n)
{
	const char *names[THR__COUNT];

	for (unsigned i = 0; i < THR__COUNT; i++)
		names[i] = threshold_table[i].name;
	if (is_null(n) || !want_kind(c, n, NODE_MAP, "a map of threshold: value"))
		return;
	for (size_t i = 0; i < n->nkids; i++) {
		const struct node *kid = n->kids[i];
		const struct threshold_desc *d = threshold_lookup(kid->key);
		_cleanup_free_ char *why = NULL;
		struct threshold_val *v;
		const char *s;

		if (!d) {
			const char *sugg = closest(kid->key, names, THR__COUNT);

			if (sugg)
				verr(c, KEYAT(kid), "unknown threshold '%s' in assert: did you mean '%s'?", kid->key, sugg);
			else
				verr(c, KEYAT(kid), "unknown threshold '%s' in assert (see THRESHOLDS in ktstr-spec(5))",
				     kid->key);
			continue;
		}
		if (kid->ini_repeat) {
			verr(c, KEYAT(kid), "threshold '%s' is given more than once", kid->key);
			continue;
		}
		if (!(s = scalar(c, kid, "a value or off")))
			continue;
		v = &c->t->assert.v[d->id];
		v->layer = THR_LAYER_SPEC;
		if (threshold__parse(d, s, v, &why))
			verr(c, AT(kid), "%s", why);
	}
}

/* Where item i of a list came from: its own node in a sequence, else the list's. */
static const struct node *item_node(const struct node *n, size_t i, const char *value)
{
	if (n->kind == NODE_SEQ && i < n->nkids && n->kids[i]->kind == NODE_SCALAR &&
	    str_eq(n->kids[i]->value, value))
		return n->kids[i];
	return n;
}

/* "6.12" or "6.12.3": two or three dot-separated numbers, as kernel versions begin. */
static void v_min_kernel(struct vctx *c, const struct node *x, char **out)
{
	const char *p;
	unsigned parts = 0;
	size_t d;

	if (!get_str(c, x, out))
		return;
	for (p = *out;; p++) {
		d = strspn(p, "0123456789");
		if (!d || d > 4) {
			parts = 0;
			break;
		}
		parts++;
		p += d;
		if (*p != '.')
			break;
	}
	if (*p || parts < 2 || parts > 3)
		verr(c, AT(x), "'min_kernel' is \"%s\"; it must be a kernel version: two or three "
		     "numbers joined by dots, like 6.12 or 6.12.3", *out);
}

/* Each word goes onto the kernel command line as one argument (spec/cmdline.c). */
static void v_kargs(struct vctx *c, const struct node *n)
{
	char **v = get_list(c, n, &spec_key_table[K_TEST_KARGS]);

	for (size_t i = 0; v[i]; i++) {
		_cleanup_free_ char *why = spec_karg__check(v[i]);

		if (why)
			verr(c, AT(item_node(n, i, v[i])), "%s", why);
	}
	c->t->kargs = v;
}

static void v_sysctls(struct vctx *c, const struct node *n)
{
	char **v = xcalloc(1, sizeof(*v));
	size_t cnt = 0;

	if (n->kind == NODE_MAP) {
		for (size_t i = 0; i < n->nkids; i++) {
			_cleanup_free_ char *kv = NULL, *why = NULL;

			if (!scalar(c, n->kids[i], "a sysctl value"))
				continue;
			kv = xasprintf("%s=%s", n->kids[i]->key, n->kids[i]->value);
			why = spec_sysctl__check(kv);
			if (why)
				verr(c, KEYAT(n->kids[i]), "%s", why);
			else
				v = strv_push(v, &cnt, kv);
		}
	} else {
		char **l = get_list(c, n, &spec_key_table[K_TEST_SYSCTLS]);

		for (size_t i = 0; l[i]; i++) {
			_cleanup_free_ char *why = spec_sysctl__check(l[i]);

			if (why)
				verr(c, AT(item_node(n, i, l[i])), "%s", why);
			else
				v = strv_push(v, &cnt, l[i]);
			free(l[i]);
		}
		free(l);
	}
	c->t->sysctls = v;
}

/* The gauntlet's keys: constraints default to ktstr's TopologyConstraints::DEFAULT. */
static void v_gauntlet(struct vctx *c, const struct node *const *f)
{
	struct spec_constraints *k = &c->t->constraints;
	const struct { enum spec_key_id id; unsigned *v; } u[] = {
		{ K_TEST_MIN_NUMA_NODES, &k->min_numa_nodes }, { K_TEST_MAX_NUMA_NODES, &k->max_numa_nodes },
		{ K_TEST_MIN_LLCS, &k->min_llcs }, { K_TEST_MAX_LLCS, &k->max_llcs },
		{ K_TEST_MIN_CPUS, &k->min_cpus }, { K_TEST_MAX_CPUS, &k->max_cpus },
	};

	for (size_t i = 0; i < ARRAY_SIZE(u); i++) {
		*u[i].v = spec_key__default(u[i].id);
		if (f[u[i].id])
			get_uint32(c, f[u[i].id], &spec_key_table[u[i].id], u[i].v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(u); i += 2)
		if (*u[i].v > *u[i + 1].v)
			verr(c, AT(f[u[i].id] ? f[u[i].id] : f[u[i + 1].id]),
			     "'%s' is %u but '%s' is %u: no preset can pass; make the minimum at most the maximum",
			     spec_key_table[u[i].id].name, *u[i].v, spec_key_table[u[i + 1].id].name, *u[i + 1].v);
	if (f[K_TEST_REQUIRES_SMT])
		get_bool(c, f[K_TEST_REQUIRES_SMT], &k->requires_smt);
	if (f[K_TEST_GAUNTLET])
		get_bool(c, f[K_TEST_GAUNTLET], &c->t->gauntlet);
	if (f[K_TEST_PROFILES])
		get_bool(c, f[K_TEST_PROFILES], &c->t->profiles);
	if (f[K_TEST_AUTO_REPRO]) {
		bool on = true;

		get_bool(c, f[K_TEST_AUTO_REPRO], &on);
		c->t->no_auto_repro = !on;
	}
}

void spec_validate(const char *file, const struct node *root, const char *default_name,
		   struct spec_test *t, struct diag_list *diags)
{
	struct vctx c = { .file = file, .d = diags, .t = t };
	const struct node *f[K__COUNT];
	const struct node *x;
	uint64_t u;

	t->loc = (struct spec_loc){ .file = file, .line = root->line, .col = root->col };
	t->topology = (struct spec_topology){
		.numa_nodes = spec_key__default(K_TOPO_NUMA_NODES), .llcs = spec_key__default(K_TOPO_LLCS),
		.cores = spec_key__default(K_TOPO_CORES), .threads = spec_key__default(K_TOPO_THREADS),
		.memory_only_nodes = spec_key__default(K_TOPO_MEMORY_ONLY_NODES),
	};
	t->memory_mb = spec_key__default(K_TEST_MEMORY);
	t->duration_ns = spec_key__default(K_TEST_DURATION);
	t->repeats = spec_key__default(K_TEST_REPEATS);
	t->workers_per_cgroup = spec_key__default(K_TEST_WORKERS_PER_CGROUP);
	CHECK_MAP(&c, root, SEC_TEST, NULL, f);
	f[K_TEST_MATRIX] = NULL;	/* expanded away before validation */
	/* the name names the test's results and temp directories: never '.' or '..' */
	t->name_loc = t->loc;
	if ((x = f[K_TEST_NAME]) && get_str(&c, x, &t->name)) {
		t->name_loc = loc_of(&c, x);
		if (!valid_name(t->name, false))
			verr(&c, AT(x), "test name '%s' must be 1-128 letters, digits, '_', '-' and '.', "
			     "and not '.' or '..' (it names the test's directories)", t->name);
	}
	if (!t->name) {
		t->name = xstrdup(default_name);
		t->name_from_file = true;
		if (!valid_name(t->name, false))
			verr(&c, AT(root), "the test is named '%s' after its file, but a test name must be "
			     "1-128 letters, digits, '_', '-' and '.', and not '.' or '..': give it a 'name'",
			     t->name);
	}
	if ((x = f[K_TEST_DESCRIPTION]))
		get_str(&c, x, &t->description);
	if ((x = f[K_TEST_TAGS]))
		t->tags = get_list(&c, x, &spec_key_table[K_TEST_TAGS]);
	if ((x = f[K_TEST_TOPOLOGY]))
		v_topology(&c, x, &t->topology);
	c.cpus = spec_topology__cpus(&t->topology);
	c.usable = spec_topology__usable_cpus(&t->topology);
	if (c.preset && c.preset->memory_mb > t->memory_mb)	/* a preset's memory, unless 'memory' says */
		t->memory_mb = c.preset->memory_mb;
	if ((x = f[K_TEST_MEMORY]))
		get_uint(&c, x, &spec_key_table[K_TEST_MEMORY], &t->memory_mb);
	v_gauntlet(&c, f);
	if ((x = f[K_TEST_DURATION]))
		get_uint(&c, x, &spec_key_table[K_TEST_DURATION], &t->duration_ns);
	if ((x = f[K_TEST_TIMEOUT]) && get_uint(&c, x, &spec_key_table[K_TEST_TIMEOUT], &t->timeout_ns) &&
	    t->timeout_ns <= t->duration_ns)
		verr(&c, AT(x), "'timeout' must be longer than 'duration' (boot and teardown need time too)");
	if ((x = f[K_TEST_REPEATS]) && get_uint(&c, x, &spec_key_table[K_TEST_REPEATS], &u))
		t->repeats = u;
	if ((x = f[K_TEST_KERNEL]))
		get_str(&c, x, &t->kernel);
	if ((x = f[K_TEST_BASELINE]) && get_str(&c, x, &t->baseline) && !str_eq(t->baseline, "eevdf"))
		verr(&c, AT(x), "baseline '%s' is not known: the one baseline is 'eevdf' (the workload "
		     "runs under EEVDF first, then under the scheduler, in the same boot)", t->baseline);
	if ((x = f[K_TEST_MIN_KERNEL]))
		v_min_kernel(&c, x, &t->min_kernel);
	if ((x = f[K_TEST_KARGS]))
		v_kargs(&c, x);
	if ((x = f[K_TEST_SYSCTLS]))
		v_sysctls(&c, x);
	if ((x = f[K_TEST_WORKERS_PER_CGROUP]) &&
	    get_uint(&c, x, &spec_key_table[K_TEST_WORKERS_PER_CGROUP], &u))
		t->workers_per_cgroup = u;
	if ((x = f[K_TEST_SCHEDULER]))
		v_scheduler(&c, x);
	if (!t->sched.plugin)
		t->sched.plugin = xstrdup(spec_key_table[K_SCHED_PLUGIN].def);
	if (!t->sched.flags)
		t->sched.flags = xcalloc(1, sizeof(char *));
	if (!t->sched.args)
		t->sched.args = xcalloc(1, sizeof(char *));
	if ((x = f[K_TEST_REQUIRED_FLAGS]))
		t->required_flags = v_flag_names(&c, x, K_TEST_REQUIRED_FLAGS);
	if ((x = f[K_TEST_EXCLUDED_FLAGS])) {
		t->excluded_flags = v_flag_names(&c, x, K_TEST_EXCLUDED_FLAGS);
		for (char **e = t->excluded_flags; *e; e++)
			for (char **r = t->required_flags; r && *r; r++)
				if (str_eq(*e, *r)) {
					verr(&c, AT(x), "flag '%s' is both required and excluded: no run "
					     "could satisfy the test; keep it in one list", *e);
					break;
				}
	}
	if ((x = f[K_TEST_PAYLOADS]))
		v_payloads(&c, x);
	if ((x = f[K_TEST_CGROUPS]))
		v_cgroups(&c, x, &t->cgroups, &t->ncgroups);
	if ((x = f[K_TEST_STEPS]))
		v_steps(&c, x);
	if ((x = f[K_TEST_ASSERT])) {
		static const enum thr_id ratios[] = { THR_MIN_WORK_RATE_RATIO,
			THR_MIN_CPU_SHARE_RATIO, THR_MIN_ITERATION_RATE_RATIO,
			THR_MAX_P99_WAKE_LATENCY_RATIO };

		v_assert(&c, x);
		for (size_t i = 0; i < ARRAY_SIZE(ratios) && !t->baseline; i++)
			if (t->assert.v[ratios[i]].state == THR_SET)
				verr(&c, AT(x), "'%s' is a ratio to EEVDF's figures in the same boot: "
				     "it needs 'baseline: eevdf'", threshold_table[ratios[i]].name);
	}
	if ((x = f[K_TEST_CONSOLE]))
		v_console(&c, x);
	if (c.total_workers > SPEC_MAX_WORKERS)
		verr(&c, AT(root), "the test asks for %u workers in total; at most %d are allowed",
		     c.total_workers, SPEC_MAX_WORKERS);
	if (!f[K_TEST_CGROUPS] && !f[K_TEST_STEPS])
		vwarn(&c, AT(root), "the test has no 'cgroups' and no 'steps': nothing runs");
	for (size_t i = 0; i < c.nlive; i++)
		free(c.live[i]);
	free(c.live);
	for (size_t i = 0; i < c.nremoved; i++)
		free(c.removed[i]);
	free(c.removed);
}
