// SPDX-License-Identifier: GPL-2.0-only
/* From bytes to tests: pick the front end, expand the matrix, validate each tree. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "spec/spec-int.h"
#include "spec/keys.h"

/* The test name when the spec gives none: the file's base name without extension. */
static char *default_name(const char *path)
{
	const char *b = strrchr(path, '/');
	const char *dot;

	b = b ? b + 1 : path;
	dot = strrchr(b, '.');
	return dot && dot != b ? xstrndup(b, dot - b) : xstrdup(b);
}

static bool same_diag(const struct diag *a, const struct diag *b)
{
	return a->severity == b->severity && a->line == b->line && a->col == b->col &&
	       str_eq(a->file, b->file) && str_eq(a->msg, b->msg);
}

/*
 * Merge the diagnostics of each expansion: a problem every expansion has is
 * reported once; one only some expansions have names them ("in test a/b").
 */
static void merge_diags(struct diag_list *out, struct diag_list *per, struct spec_test *tests, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < per[i].n; j++) {
			const struct diag *d = &per[i].v[j];
			_cleanup_free_ char *names = NULL;
			bool seen = false;
			size_t hits = 0;

			for (size_t k = 0; k < i && !seen; k++)
				for (size_t l = 0; l < per[k].n && !seen; l++)
					seen = same_diag(d, &per[k].v[l]);
			if (seen)
				continue;
			for (size_t k = i; k < n; k++)
				for (size_t l = 0; l < per[k].n; l++)
					if (same_diag(d, &per[k].v[l])) {
						char *more = xasprintf("%s%s%s", names ? names : "",
								       names ? ", " : "", tests[k].name);

						free(names);
						names = more;
						hits++;
						break;
					}
			if (n > 1 && hits < n)
				diag_add(out, d->severity, d->file, d->line, d->col, "%s (in test %s)", d->msg, names);
			else
				diag_add(out, d->severity, d->file, d->line, d->col, "%s", d->msg);
		}
	}
}

static void strv_free_(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static char **strv_dup(char *const *v)
{
	size_t n = 0;
	char **out;

	while (v && v[n])
		n++;
	out = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

static void strv_add(char ***v, const char *s)
{
	size_t n = 0;

	while (*v && (*v)[n])
		n++;
	*v = xrealloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = xstrdup(s);
	(*v)[n + 1] = NULL;
}

static bool strv_has(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (str_eq(*v, s))
			return true;
	return false;
}

/* The entry of set that sets path ("duration=..." for "duration"). */
static bool set_has(char *const *set, const char *path)
{
	size_t n = strlen(path);

	for (; set && *set; set++)
		if (!strncmp(*set, path, n) && (*set)[n] == '=')
			return true;
	return false;
}

/* Where each overridable value came from: the command line, the gauntlet, the spec, the default. */
static void set_origins(struct spec_test *t, const struct node *spec_root, char *const *cli)
{
	static const char *const path[SV__COUNT] = {
		[SV_SCHEDULER] = "scheduler.plugin", [SV_FLAGS] = "scheduler.flags",
		[SV_SCHED_ARGS] = "scheduler.args", [SV_DURATION] = "duration",
		[SV_WORKERS] = "workers_per_cgroup", [SV_WORK_TYPE] = "work_type",
		[SV_TOPOLOGY] = "topology",
	};
	const struct node *sched = node__get(spec_root, "scheduler");

	for (unsigned v = 0; v < SV__COUNT; v++) {
		bool in_spec;

		if (set_has(cli, path[v])) {
			t->origin[v] = ORIGIN_CMDLINE;
			continue;
		}
		if ((v == SV_TOPOLOGY && t->preset) || (v == SV_FLAGS && t->profile)) {
			t->origin[v] = ORIGIN_GAUNTLET;
			continue;
		}
		switch (v) {
		case SV_SCHEDULER:
			in_spec = sched && (sched->kind == NODE_SCALAR || node__get(sched, "plugin"));
			break;
		case SV_FLAGS:
		case SV_SCHED_ARGS:
			in_spec = sched && sched->kind == NODE_MAP &&
				  node__get(sched, v == SV_FLAGS ? "flags" : "args");
			break;
		case SV_WORK_TYPE:	/* each work says its type or takes cpu_spin: the spec's */
			in_spec = true;
			break;
		default:
			in_spec = node__get(spec_root, path[v]) != NULL;
		}
		t->origin[v] = in_spec ? ORIGIN_SPEC : ORIGIN_DEFAULT;
	}
}

struct build {
	struct diag_list *diags;	/* the file's: notes on the expansion itself */
	struct spec_file *sf;
	const struct spec_options *opt;
	const char *defname;
	struct diag_list *per;	/* one per test */
	size_t nper;
};

/*
 * config_file on the host: relative to the spec's directory, a regular
 * readable file of at most SPEC_MAX_CONFIG_BYTES. Not in the guest, which
 * replays the spec without the host's files (the file is packed for it).
 */
static void check_config_file(const struct build *b, struct spec_test *t, struct diag_list *d)
{
	struct spec_scheduler *s = &t->sched;
	_cleanup_free_ char *dir = NULL;
	struct stat st;
	const char *why = NULL;
	int fd;

	if (!s->config_file || !*s->config_file || (b->opt && b->opt->replay))
		return;
	dir = xstrdup(b->sf->path);
	*(strrchr(dir, '/') ?: dir) = '\0';
	s->config_path = s->config_file[0] == '/' || !*dir ? xstrdup(s->config_file) :
			 xasprintf("%s/%s", dir, s->config_file);
	/* opened, not stat'ed by name: a FIFO is refused without blocking */
	fd = open(s->config_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if ((uint64_t)st.st_size > SPEC_MAX_CONFIG_BYTES)
		why = "larger than 16 MiB";
	if (fd >= 0)
		close(fd);
	if (why)
		diag_add(d, DIAG_ERROR, b->sf->path, s->config_loc.line, s->config_loc.col,
			 "'config_file' %s: %s (a file on the host; a relative path is taken from "
			 "the spec's directory)", s->config_path, why);
}

/* Validate root into a new test named name (NULL: the spec's), recording its overrides. */
static struct spec_test *add_test(struct build *b, const struct node *root, const struct node *spec_root,
				  const char *suffix, char **overrides, char *const *cli)
{
	struct spec_test *t = array_push(&b->sf->tests, &b->sf->ntests, sizeof(*t));
	struct diag_list *d = array_push(&b->per, &b->nper, sizeof(*d));

	spec_validate(b->sf->path, root, b->defname, t, d);
	check_config_file(b, t, d);
	t->base_name = t->name;
	t->source_name = xasprintf("%s%s", t->base_name, suffix);
	t->name = xstrdup(t->source_name);
	t->overrides = overrides;
	set_origins(t, spec_root, cli);
	return t;
}

/* The name is a directory name: a matrix, gauntlet or profile part can make it too long. */
static void check_name(struct spec_test *t, struct diag_list *d)
{
	if (!spec_test_name__valid(t->name) && spec_test_name__valid(t->base_name))
		diag_add(d, DIAG_ERROR, t->name_loc.file, t->name_loc.line, t->name_loc.col,
			 "test name '%.64s...' is %zu characters with its matrix values; at most %d "
			 "(it names the test's directories): use fewer or shorter matrix values",
			 t->name, strlen(t->name), SPEC_MAX_NAME_LEN);
}

/*
 * The flag profiles of base's scheduler: its boolean flags' power set with
 * required_flags and the spec's own boolean flags in, excluded_flags out.
 */
static int profiles_of(struct build *b, const struct spec_test *base, char ****out, size_t *n)
{
	struct spec_flag_decl *flags = NULL;
	size_t nflags = 0;
	_cleanup_free_ char *err = NULL;
	char **required = strv_dup(base->required_flags);
	int r = -ENOSYS;

	if (b->opt && b->opt->plugin_flags)
		r = b->opt->plugin_flags(b->opt->ctx, base->sched.plugin, &flags, &nflags, &err);
	/* flag_args names the exec'd binary's flags: its profiles, beside the plugin's */
	if (!r && base->sched.nflag_args) {
		flags = xrealloc(flags, (nflags + base->sched.nflag_args) * sizeof(*flags));
		for (size_t i = 0; i < base->sched.nflag_args; i++) {
			bool dup = false;

			for (size_t k = 0; k < nflags; k++)
				dup |= str_eq(flags[k].name, base->sched.flag_args[i].flag);
			if (!dup)
				flags[nflags++] = (struct spec_flag_decl){ .name = base->sched.flag_args[i].flag };
		}
	}
	if (r) {
		diag_add(&b->per[b->nper - 1], DIAG_ERROR, b->sf->path, base->sched.loc.line,
			 base->sched.loc.col, "flag profiles need the flags of scheduler plugin '%s': %s",
			 base->sched.plugin, err ? err : strerror(-r));
		strv_free_(required);
		return r;
	}
	for (char **f = base->sched.flags; f && *f; f++)
		if (!strchr(*f, '=') && !strv_has(required, *f))
			strv_add(&required, *f);
	*n = spec_profiles__generate(flags, nflags, required, base->excluded_flags, out);
	strv_free_(required);
	free(flags);
	return 0;
}

/* Validate the tree of one preset and profile into a test "gauntlet/NAME/PRESET/PROFILE". */
static bool add_variant(struct build *b, const struct spec_expansion *x, const struct node *spec_root,
			const struct spec_test *base, const struct spec_preset *pr, char *const *profile,
			char *const *cli)
{
	struct node *root = node__dup(x->root);
	char **ov = strv_dup(cli), **flags = strv_dup(profile);
	char *pname = spec_profile__name(profile), *e;
	struct diag_list d = { 0 };
	struct spec_test *t;

	if (pr) {
		e = spec_set__scalar("topology", pr->name);
		spec_set__apply(b->sf->path, root, e, &d);
		strv_add(&ov, e);
		free(e);
	}
	for (char **f = base->sched.flags; f && *f; f++)	/* valued flags stay in every profile */
		if (strchr(*f, '='))
			strv_add(&flags, *f);
	e = spec_set__strv("scheduler.flags", flags);
	spec_set__apply(b->sf->path, root, e, &d);
	strv_add(&ov, e);
	free(e);
	strv_free_(flags);
	t = add_test(b, root, spec_root, x->suffix, ov, cli);
	node__free(root);
	for (size_t i = 0; i < d.n; i++)	/* a bug if any: the entries are ours */
		diag_add(&b->per[b->nper - 1], d.v[i].severity, d.v[i].file, d.v[i].line, d.v[i].col,
			 "%s", d.v[i].msg);
	diag_free(&d);
	t->preset = pr ? xstrdup(pr->name) : NULL;
	t->profile = pname;
	set_origins(t, spec_root, cli);
	free(t->name);
	t->name = pr ? xasprintf("gauntlet/%s/%s/%s", t->source_name, pr->name, pname) :
		       xasprintf("%s/%s", t->source_name, pname);
	t->matrix_values = strv_dup(x->labels);
	check_name(t, &b->per[b->nper - 1]);
	return true;
}

/* One matrix expansion: as it is, or over the gauntlet's presets and the flag profiles. */
static void build_one(struct build *b, struct spec_expansion *x)
{
	const struct spec_options *opt = b->opt;
	char *const *set = opt ? (char *const *)opt->set : NULL;
	struct node *spec_root = node__dup(x->root);
	char **applied = xcalloc(1, sizeof(char *));
	struct diag_list sd = { 0 };
	struct spec_test *base, keep;
	struct diag_list *bd;
	size_t nprof = 0, added = 0;
	char ***prof = NULL;
	bool gauntlet, profiles;

	for (char *const *s = set; s && *s; s++)
		if (!spec_set__apply(b->sf->path, x->root, *s, &sd))
			strv_add(&applied, *s);
	base = add_test(b, x->root, spec_root, x->suffix, strv_dup(applied), applied);
	base->matrix_values = strv_dup(x->labels);
	bd = &b->per[b->nper - 1];
	for (size_t i = 0; i < sd.n; i++)
		diag_add(bd, sd.v[i].severity, sd.v[i].file, sd.v[i].line, sd.v[i].col, "%s", sd.v[i].msg);
	diag_free(&sd);
	check_name(base, bd);
	gauntlet = !(opt && opt->replay) && ((opt && opt->gauntlet) || base->gauntlet);
	profiles = !(opt && opt->replay) && (gauntlet || (opt && opt->profiles) || base->profiles);
	if ((!gauntlet && !profiles) || diag_count(bd, DIAG_ERROR) || profiles_of(b, base, &prof, &nprof))
		goto out;
	/* the expansions replace the base test; they are validated again and say what it said */
	keep = *base;
	b->sf->ntests--;
	diag_free(&b->per[--b->nper]);
	for (size_t p = 0; p < (gauntlet ? spec_npresets : 1); p++) {
		const struct spec_preset *pr = gauntlet ? &spec_preset_table[p] : NULL;

		if (pr && (!spec_preset__allowed(pr, &keep.constraints) || !spec_preset__bootable(pr)))
			continue;
		for (size_t q = 0; q < nprof; q++)
			added += add_variant(b, x, spec_root, &keep, pr, prof[q], applied);
	}
	if (!added)
		diag_add(b->diags, DIAG_WARNING, b->sf->path, keep.loc.line, keep.loc.col,
			 "test %s: no topology preset passes its gauntlet constraints (numa nodes %u-%u, "
			 "llcs %u-%u, cpus %u-%u%s) and boots in this build (at most %d vCPUs): it expands "
			 "to no test", keep.source_name, keep.constraints.min_numa_nodes,
			 keep.constraints.max_numa_nodes, keep.constraints.min_llcs, keep.constraints.max_llcs,
			 keep.constraints.min_cpus, keep.constraints.max_cpus,
			 keep.constraints.requires_smt ? ", SMT" : "", SPEC_MAX_CPUS);
	spec_test__free_contents(&keep);
out:
	spec_profiles__free(prof, nprof);
	strv_free_(applied);
	node__free(spec_root);
}

static bool has_tag(const struct spec_test *t, const char *const *tags)
{
	for (const char *const *g = tags; g && *g; g++)
		if (strv_has(t->tags, *g))
			return true;
	return false;
}

/* --tag keeps tests with one of its tags, --exclude-tag drops those with one of its. */
static void filter_tags(struct build *b)
{
	const struct spec_options *opt = b->opt;
	size_t j = 0;

	if (!opt || (!opt->tags && !opt->exclude_tags))
		return;
	for (size_t i = 0; i < b->sf->ntests; i++) {
		struct spec_test *t = &b->sf->tests[i];
		bool keep = (!opt->tags || !*opt->tags || has_tag(t, opt->tags)) &&
			    !has_tag(t, opt->exclude_tags);

		/* a test with errors stays: its diagnostics must be seen */
		if (keep || diag_count(&b->per[i], DIAG_ERROR)) {
			b->sf->tests[j] = *t;
			b->per[j++] = b->per[i];
		} else {
			spec_test__free_contents(t);
			diag_free(&b->per[i]);
		}
	}
	b->sf->ntests = b->nper = j;
}

int spec__build(struct spec_file *sf, const struct spec_options *opt, struct diag_list *diags)
{
	size_t before = diag_count(diags, DIAG_ERROR);
	_cleanup_free_ char *defname = default_name(sf->path);
	struct build b = { .sf = sf, .opt = opt, .defname = defname, .diags = diags };
	struct spec_expansion *ex = NULL;
	size_t nex = 0;
	struct node *root;

	if (sf->format == SPEC_FORMAT_INI)
		root = spec_ini__parse(sf->path, sf->text, sf->text_len, diags);
	else
		root = spec_yaml__parse(sf->path, sf->text, sf->text_len, diags, &sf->plain_text);
	if (!root)
		return -EINVAL;
	if (spec_matrix__expand(sf->path, root, &ex, &nex, diags) < 0) {
		node__free(root);
		return -EINVAL;
	}
	node__free(root);
	for (size_t i = 0; i < nex; i++)
		build_one(&b, &ex[i]);
	filter_tags(&b);
	if (!sf->tests)
		sf->tests = xcalloc(1, sizeof(*sf->tests));
	merge_diags(diags, b.per, sf->tests, sf->ntests);
	for (size_t i = 0; i < b.nper; i++)
		diag_free(&b.per[i]);
	free(b.per);
	spec_expansions__free(ex, nex);
	return diag_count(diags, DIAG_ERROR) > before ? -EINVAL : 0;
}
