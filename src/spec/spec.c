// SPDX-License-Identifier: GPL-2.0-only
/* The spec model's lifecycle: load, find, free, enum names, topology labels. */
#include <errno.h>
#include <stdio.h>

#include "spec/spec.h"
#include "spec/spec-int.h"
#include "spec/keys.h"
#include "util/path.h"

static const char *const op_names[OP__COUNT] = {
	[OP_ADD_CGROUP] = "add_cgroup",
	[OP_REMOVE_CGROUP] = "remove_cgroup",
	[OP_SET_CPUSET] = "set_cpuset",
	[OP_CLEAR_CPUSET] = "clear_cpuset",
	[OP_SWAP_CPUSETS] = "swap_cpusets",
	[OP_SPAWN] = "spawn",
	[OP_STOP_CGROUP] = "stop_cgroup",
	[OP_SET_AFFINITY] = "set_affinity",
	[OP_SPAWN_HOST] = "spawn_host",
	[OP_MOVE_ALL_TASKS] = "move_all_tasks",
	[OP_RUN_PAYLOAD] = "run_payload",
	[OP_WAIT_PAYLOAD] = "wait_payload",
	[OP_KILL_PAYLOAD] = "kill_payload",
};

static const char *const cpuset_names[] = {
	[CPUSET_NONE] = "none", [CPUSET_LLC] = "llc", [CPUSET_NUMA] = "numa",
	[CPUSET_RANGE] = "range", [CPUSET_DISJOINT] = "disjoint",
	[CPUSET_OVERLAP] = "overlap", [CPUSET_EXACT] = "exact",
};

static const char *const policy_names[] = {
	[POLICY_NORMAL] = "normal", [POLICY_BATCH] = "batch", [POLICY_IDLE] = "idle",
	[POLICY_FIFO] = "fifo", [POLICY_RR] = "rr",
};

static const char *const affinity_names[] = {
	[AFFINITY_INHERIT] = "inherit", [AFFINITY_RANDOM_SUBSET] = "random_subset",
	[AFFINITY_LLC_ALIGNED] = "llc_aligned", [AFFINITY_CROSS_CGROUP] = "cross_cgroup",
	[AFFINITY_SINGLE_CPU] = "single_cpu", [AFFINITY_EXACT] = "exact",
};

static const char *const mpol_names[] = {
	[MPOL_KIND_DEFAULT] = "default", [MPOL_KIND_BIND] = "bind",
	[MPOL_KIND_PREFERRED] = "preferred", [MPOL_KIND_INTERLEAVE] = "interleave",
	[MPOL_KIND_LOCAL] = "local", [MPOL_KIND_PREFERRED_MANY] = "preferred_many",
	[MPOL_KIND_WEIGHTED_INTERLEAVE] = "weighted_interleave",
};

static const char *const output_names[] = {
	[PAYLOAD_OUT_EXIT_CODE] = "exit_code", [PAYLOAD_OUT_JSON] = "json",
	[PAYLOAD_OUT_YAML] = "yaml", [PAYLOAD_OUT_LINES] = "lines",
};

/* "unknown": not compared (ktstr's Polarity::Unknown), as when absent. */
static const char *const polarity_names[] = {
	[POLARITY_UNKNOWN] = "unknown", [POLARITY_HIGHER_BETTER] = "higher_better", [POLARITY_LOWER_BETTER] = "lower_better",
};

#define NAME_OR_Q(tab, i) ((unsigned)(i) < ARRAY_SIZE(tab) && (tab)[i] ? (tab)[i] : "?")

static const char *const origin_names[] = {
	[ORIGIN_DEFAULT] = "default", [ORIGIN_PLUGIN] = "plugin", [ORIGIN_SPEC] = "spec",
	[ORIGIN_GAUNTLET] = "gauntlet", [ORIGIN_CMDLINE] = "command line",
};
const char *spec_origin_name(enum spec_origin o) { return NAME_OR_Q(origin_names, o); }
const char *op_kind_name(enum op_kind k) { return NAME_OR_Q(op_names, k); }
const char *cpuset_kind_name(enum cpuset_kind k) { return NAME_OR_Q(cpuset_names, k); }
const char *sched_policy_name(enum sched_policy p) { return NAME_OR_Q(policy_names, p); }
const char *affinity_kind_name(enum affinity_kind a) { return NAME_OR_Q(affinity_names, a); }
const char *mem_policy_name(enum mem_policy m) { return NAME_OR_Q(mpol_names, m); }
const char *payload_output_name(enum payload_output o) { return NAME_OR_Q(output_names, o); }
const char *metric_polarity_name(enum metric_polarity p) { return NAME_OR_Q(polarity_names, p); }

/* The name table of an enum written in specs. */
static const char *const *enum_table(enum spec_enum e, size_t *n)
{
	switch (e) {
	case SPEC_ENUM_OP: *n = ARRAY_SIZE(op_names); return op_names;
	case SPEC_ENUM_CPUSET: *n = ARRAY_SIZE(cpuset_names); return cpuset_names;
	case SPEC_ENUM_POLICY: *n = ARRAY_SIZE(policy_names); return policy_names;
	case SPEC_ENUM_AFFINITY: *n = ARRAY_SIZE(affinity_names); return affinity_names;
	case SPEC_ENUM_MPOL: *n = ARRAY_SIZE(mpol_names); return mpol_names;
	case SPEC_ENUM_OUTPUT: *n = ARRAY_SIZE(output_names); return output_names;
	case SPEC_ENUM_POLARITY: *n = ARRAY_SIZE(polarity_names); return polarity_names;
	}
	*n = 0;
	return NULL;
}

/* Reverse lookup used by the validator: the value for a name, or -1. */
int spec_enum__lookup(enum spec_enum e, const char *s)
{
	size_t n;
	const char *const *tab = enum_table(e, &n);

	for (size_t i = 0; i < n; i++)
		if (tab[i] && str_eq_loose(tab[i], s))
			return i;
	return -1;
}

/* Whether flags has flag name (or name=value). */
static bool flags_have(char *const *flags, const char *name)
{
	size_t n = strlen(name);

	for (; flags && *flags; flags++)
		if (!strncmp(*flags, name, n) && ((*flags)[n] == '\0' || (*flags)[n] == '='))
			return true;
	return false;
}

uint64_t spec_scheduler__attach_timeout_ms(const struct spec_scheduler *s, bool relaxed)
{
	if (s && s->attach_timeout_ms)
		return s->attach_timeout_ms;
	return relaxed ? SPEC_ATTACH_TIMEOUT_MS_RELAXED : SPEC_ATTACH_TIMEOUT_MS;
}

char *spec_test__flags_skip(const struct spec_test *t)
{
	const char *plugin = t->sched.plugin ? t->sched.plugin : "eevdf";
	_cleanup_free_ char *have = NULL;
	size_t n = 0;

	while (t->sched.flags && t->sched.flags[n])
		n++;
	have = n ? spec__join((const char *const *)t->sched.flags, n) : xstrdup("none");
	for (char **f = t->required_flags; f && *f; f++)
		if (!flags_have(t->sched.flags, *f))
			return xasprintf("needs scheduler flag '%s' (required_flags); %s runs with "
					 "flags: %s", *f, plugin, have);
	for (char **f = t->excluded_flags; f && *f; f++)
		if (flags_have(t->sched.flags, *f))
			return xasprintf("cannot run with scheduler flag '%s' (excluded_flags); %s "
					 "runs with flags: %s", *f, plugin, have);
	return NULL;
}

char *spec__join(const char *const *v, size_t n)
{
	size_t len = 1;
	char *out;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 2;
	out = xcalloc(1, len);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(out, ", ");
		strcat(out, v[i]);
	}
	return out;
}

/* The names of an enum as "a, b, c" for "expected one of" messages. */
char *spec_enum__names(enum spec_enum e)
{
	size_t n;
	const char *const *tab = enum_table(e, &n);

	return spec__join(tab, n);
}

/* Closest name of an enum within edit distance 3, for did-you-mean. */
const char *spec_enum__suggest(enum spec_enum e, const char *s)
{
	size_t n;
	const char *const *tab = enum_table(e, &n);
	const char *best = NULL;
	unsigned best_d = 4;

	for (size_t i = 0; i < n; i++) {
		unsigned d = str_distance(tab[i], s);

		if (d < best_d) {
			best_d = d;
			best = tab[i];
		}
	}
	return best;
}

char *spec_topology__label(const struct spec_topology *t, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%un%ul%uc%ut", t->numa_nodes, t->llcs, t->cores, t->threads);

	if (t->memory_only_nodes && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - n, "+%um", t->memory_only_nodes);
	return buf;
}

/* A decimal count of at most 100000 at *p, then the letter want; advances *p. */
static int parse_count(const char **p, char want, unsigned *out)
{
	unsigned long n = 0;

	if (**p < '0' || **p > '9')
		return -EINVAL;
	while (**p >= '0' && **p <= '9') {
		n = n * 10 + (*(*p)++ - '0');
		if (n > 100000)
			return -EINVAL;
	}
	if (*(*p)++ != want || n == 0)
		return -EINVAL;
	*out = n;
	return 0;
}

/*
 * "2n4l4c2t": each count followed by its letter, all four in this order;
 * "+1m" after them adds memory-only nodes.
 */
int spec_topology__parse(const char *s, struct spec_topology *t)
{
	static const char letters[] = "nlct";
	unsigned v[4], mem_only = 0;
	const char *p = s;

	if (!s)
		return -EINVAL;
	for (int i = 0; i < 4; i++)
		if (parse_count(&p, letters[i], &v[i]))
			return -EINVAL;
	if (*p == '+' && (p++, parse_count(&p, 'm', &mem_only)))
		return -EINVAL;
	if (*p)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->numa_nodes = v[0];
	t->llcs = v[1];
	t->cores = v[2];
	t->threads = v[3];
	t->memory_only_nodes = mem_only;
	return 0;
}

unsigned spec_work__workers(const struct spec_work *w, const struct spec_test *t,
			    unsigned usable_cpus)
{
	double n;

	if (!w->workers_set)
		return t->workers_per_cgroup;
	if (!w->workers.relative)
		return (unsigned)w->workers.value;
	n = w->workers.value * usable_cpus;
	if (n < 1)
		return 1;
	return (unsigned)(n + 0.5);
}

const struct spec_test *spec_file__find(const struct spec_file *sf, const char *test_name)
{
	if (!sf || !test_name)
		return NULL;
	for (size_t i = 0; i < sf->ntests; i++)
		if (str_eq(sf->tests[i].name, test_name))
			return &sf->tests[i];
	/*
	 * A test named after its file keeps its matrix part when the file is
	 * copied elsewhere (the guest reads /ktstr/spec.yaml): match on that.
	 */
	for (size_t i = 0; i < sf->ntests; i++) {
		const struct spec_test *t = &sf->tests[i];
		const char *want = strchr(test_name, '/');
		const char *have = t->name + strlen(t->base_name);

		if (t->name_from_file && (want ? str_eq(want, have) : !*have))
			return t;
	}
	return NULL;
}

static void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static void work_free(struct spec_work *w)
{
	free(w->phases);
}

static void cgroup_free(struct spec_cgroup *c)
{
	free(c->name);
	for (size_t i = 0; i < c->nworks; i++)
		work_free(&c->works[i]);
	free(c->works);
}

static void cgroups_free(struct spec_cgroup *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cgroup_free(&v[i]);
	free(v);
}

static void patterns_free(struct spec_pattern *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].regex);
	free(v);
}

void spec_test__free_contents(struct spec_test *t)
{
	free(t->name);
	free(t->base_name);
	free(t->description);
	strv_free(t->tags);
	free(t->kernel);
	free(t->baseline);
	free(t->min_kernel);
	strv_free(t->kargs);
	strv_free(t->sysctls);
	free(t->sched.plugin);
	strv_free(t->sched.flags);
	strv_free(t->sched.args);
	free(t->sched.config_file);
	free(t->sched.config_path);
	free(t->sched.cgroup_parent);
	for (size_t i = 0; i < t->sched.nflag_args; i++) {
		free(t->sched.flag_args[i].flag);
		strv_free(t->sched.flag_args[i].args);
	}
	free(t->sched.flag_args);
	strv_free(t->required_flags);
	strv_free(t->excluded_flags);
	cgroups_free(t->cgroups, t->ncgroups);
	for (size_t i = 0; i < t->nsteps; i++) {
		struct spec_step *s = &t->steps[i];

		free(s->name);
		cgroups_free(s->cgroups, s->ncgroups);
		for (size_t j = 0; j < s->nops; j++) {
			struct spec_op *op = &s->ops[j];

			free(op->cgroup);
			free(op->cgroup2);
			work_free(&op->work);
			free(op->payload);
			strv_free(op->args);
		}
		free(s->ops);
	}
	free(t->steps);
	for (size_t i = 0; i < t->npayloads; i++) {
		free(t->payloads[i].name);
		free(t->payloads[i].path);
		strv_free(t->payloads[i].args);
		for (size_t j = 0; j < t->payloads[i].nmetrics; j++)
			free(t->payloads[i].metrics[j].name);
		free(t->payloads[i].metrics);
	}
	free(t->payloads);
	patterns_free(t->console.expect, t->console.nexpect);
	patterns_free(t->console.forbid, t->console.nforbid);
	patterns_free(t->console.allow, t->console.nallow);
	strv_free(t->matrix_values);
	free(t->source_name);
	strv_free(t->overrides);
	free(t->preset);
	free(t->profile);
	memset(t, 0, sizeof(*t));
}

void spec_file__free(struct spec_file *sf)
{
	if (!sf)
		return;
	for (size_t i = 0; i < sf->ntests; i++)
		spec_test__free_contents(&sf->tests[i]);
	free(sf->tests);
	free(sf->path);
	free(sf->text);
	free(sf);
}

/* The format a file name tells, or SPEC_FORMAT_AUTO when it tells none. */
static enum spec_format format_of_name(const char *path)
{
	if (path && (str_endswith(path, ".ini") || str_endswith(path, ".INI")))
		return SPEC_FORMAT_INI;
	if (path && (str_endswith(path, ".yaml") || str_endswith(path, ".yml")))
		return SPEC_FORMAT_YAML;
	return SPEC_FORMAT_AUTO;
}

bool spec_path__is_spec_name(const char *path)
{
	return format_of_name(path) != SPEC_FORMAT_AUTO;
}

bool spec_file__is_foreign(const struct spec_file *sf)
{
	return sf && sf->plain_text && !spec_path__is_spec_name(sf->path);
}

enum spec_format spec_format__guess(const char *path, const char *text, size_t len)
{
	enum spec_format f = format_of_name(path);

	if (f != SPEC_FORMAT_AUTO)
		return f;
	/* no telling extension: an INI file starts with a [section] line */
	for (size_t i = 0; i < len; i++) {
		if (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')
			continue;
		if (text[i] == ';' || text[i] == '#') {
			while (i < len && text[i] != '\n')
				i++;
			continue;
		}
		return text[i] == '[' ? SPEC_FORMAT_INI : SPEC_FORMAT_YAML;
	}
	return SPEC_FORMAT_YAML;
}

int spec_file__parse(const char *name, const char *text, size_t len, enum spec_format fmt,
		     struct spec_file **out, struct diag_list *diags)
{
	return spec_file__parse_opts(name, text, len, fmt, NULL, out, diags);
}

int spec_file__parse_opts(const char *name, const char *text, size_t len, enum spec_format fmt,
			  const struct spec_options *opt, struct spec_file **out,
			  struct diag_list *diags)
{
	struct spec_file *sf = xcalloc(1, sizeof(*sf));
	int r;

	*out = NULL;
	sf->path = xstrdup(name ? name : "<input>");
	sf->text = xmalloc(len + 1);
	memcpy(sf->text, text, len);
	sf->text[len] = '\0';
	sf->text_len = len;
	sf->format = fmt == SPEC_FORMAT_AUTO ? spec_format__guess(name, text, len) : fmt;
	r = spec__build(sf, opt, diags);
	*out = sf;
	return r;
}

int spec_file__load(const char *path, enum spec_format fmt, struct spec_file **out,
		    struct diag_list *diags)
{
	return spec_file__load_opts(path, fmt, NULL, out, diags);
}

int spec_file__load_opts(const char *path, enum spec_format fmt, const struct spec_options *opt,
			 struct spec_file **out, struct diag_list *diags)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	struct stat st;

	*out = NULL;
	/* a FIFO would block and /dev/zero would never end: regular files of bounded size only */
	r = read_regular_file(path, SPEC_MAX_FILE_BYTES, &text, &len, &st);
	if (r == -EINVAL)
		diag_add(diags, DIAG_ERROR, path, 0, 0, "cannot read spec: it is %s; a spec is a regular file",
			 file_type_name(st.st_mode));
	else if (r == -EFBIG)
		diag_add(diags, DIAG_ERROR, path, 0, 0, "cannot read spec: it is larger than %d KiB, the most a spec may be",
			 SPEC_MAX_FILE_BYTES >> 10);
	else if (r < 0)
		diag_add(diags, DIAG_ERROR, path, 0, 0, "cannot read spec: %s", strerror(-r));
	if (r < 0)
		return r == -EFBIG ? -EINVAL : r;	/* the diagnostic says it all */
	return spec_file__parse_opts(path, text, len, fmt, opt, out, diags);
}
