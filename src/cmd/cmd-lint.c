// SPDX-License-Identifier: GPL-2.0-only
/* ktstr-run --lint, --dry-run and --list: the spec commands (the only spec code that prints). */
#include <errno.h>

#include "cmd/cmd.h"
#include "cmd/shard.h"
#include "kernel/kernel.h"
#include "plugin/loader.h"
#include "spec/spec.h"
#include "vm/qemu.h"

/* Exit statuses of --lint, --list and --dry-run (ktstr-spec(5), EXIT STATUS). */
enum { LINT_OK = 0, LINT_INVALID = 1, LINT_USAGE = 2 };

/*
 * What only the plugin knows: its flags. Each test's flags go through
 * plugin__check_flags() on the descriptor plugin__inspect() reads from the
 * file: lint runs nothing from a plugin a spec names (ktstr-spec(5),
 * SECURITY). A plugin that cannot be read (missing, wrong ABI, not a
 * plugin) is an error: every run of the spec would end there.
 */
static void check_plugin_flags(const struct spec_file *sf, struct diag_list *dl)
{
	for (size_t i = 0; i < sf->ntests; i++) {
		const struct spec_test *t = &sf->tests[i];
		const struct spec_loc *l = &t->sched.loc;
		_cleanup_free_ char *err = NULL;
		struct plugin *p = NULL;
		bool seen = false, same_plugin = false;

		/* matrix expansions share a plugin; check each flag set once */
		for (size_t j = 0; j < i && !seen; j++) {
			char **a = sf->tests[j].sched.flags, **b = t->sched.flags;

			if (!str_eq(sf->tests[j].sched.plugin, t->sched.plugin))
				continue;
			same_plugin = true;
			while (a && b && *a && *b && str_eq(*a, *b))
				a++, b++;
			seen = (!a || !*a) && (!b || !*b);
		}
		if (seen)
			continue;
		if (plugin__inspect(t->sched.plugin, &p, &err)) {
			if (!same_plugin)
				diag_add(dl, DIAG_ERROR, sf->path, l->line, l->col,
					 "scheduler plugin '%s' cannot be read: %s",
					 t->sched.plugin, err ? err : "not found");
			continue;
		}
		char **pflags = spec_scheduler__plugin_flags(&t->sched);	/* flag_args' are the binary's */
		int bad = plugin__check_flags(p, (const char *const *)pflags, &err);

		for (char **f = pflags; *f; f++)
			free(*f);
		free(pflags);
		if (bad) {
			if (sf->ntests > 1)
				diag_add(dl, DIAG_ERROR, sf->path, l->line, l->col, "%s (in test %s)",
					 err ? err : "bad flags", t->name);
			else
				diag_add(dl, DIAG_ERROR, sf->path, l->line, l->col, "%s", err ? err : "bad flags");
		}
		plugin__close(p);
	}
}

int cmd__plugin_flags(void *ctx, const char *plugin, struct spec_flag_decl **out, size_t *n,
		      char **err)
{
	struct cmd_plugins *c = ctx;
	struct plugin *p = NULL;
	int r;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < c->n && !p; i++)
		if (str_eq(c->v[i]->ops->name, plugin) || str_eq(c->v[i]->path, plugin))
			p = c->v[i];
	if (!p) {
		r = plugin__inspect(plugin, &p, err);
		if (r)
			return r;
		*(struct plugin **)array_push(&c->v, &c->n, sizeof(p)) = p;
	}
	for (const struct ktstr_flag *f = p->ops->flags; f && f->name; f++) {
		struct spec_flag_decl *d;

		if (f->name[strlen(f->name) - 1] == '=')	/* takes a value: no profile can choose one */
			continue;
		d = array_push(out, n, sizeof(*d));
		d->name = f->name;
		d->requires = f->requires;
		d->excludes = f->excludes;
	}
	return 0;
}

void cmd_plugins__free(struct cmd_plugins *c)
{
	for (size_t i = 0; i < c->n; i++)
		plugin__close(c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

static void list_one(const struct run_opts *o, const struct spec_test *t, void *arg);

/* Whether the budget's selection holds test t (under any kernel). */
static bool selected(const struct cmd_sel *sel, size_t n, const struct spec_test *t)
{
	for (size_t i = 0; i < n; i++)
		if (sel[i].t == t)
			return true;
	return false;
}

/*
 * Load every spec (spec_list__load), check plugin flags (lint, dry-run), print the
 * diagnostics (sorted, all of them) and call fn on each expanded test that
 * matches the filter. Returns the exit status.
 */
static int for_each_test(const struct run_opts *o, bool print_ok, bool check_flags,
			 void (*fn)(const struct run_opts *o, const struct spec_test *t, void *arg),
			 void *arg)
{
	struct spec_filter *flt = NULL;
	struct spec_list l = {};
	_cleanup_free_ char *err = NULL;
	struct cmd_sel *dsel = NULL;
	size_t next = 0, ndsel = 0;
	int status;

	if (spec_filter__new(o->filter, &flt, &err)) {
		fprintf(stderr, "ktstr-run: -E '%s': %s\n", o->filter, err);
		return LINT_USAGE;
	}
	if (!o->nspecs) {
		fprintf(stderr, "ktstr-run: no spec given\n");
		spec_filter__free(flt);
		return LINT_USAGE;
	}
	spec_list__load(&l, o->specs, o->nspecs, &o->spec, flt, check_flags ? check_plugin_flags : NULL);
	if (cmd__shard(o, &l, &(struct shard_info){})) {
		spec_filter__free(flt);
		spec_list__free(&l);
		return LINT_USAGE;
	}
	/* --dry-run with a budget plans only the tests the budget selects (it prints its line) */
	if (fn && fn != list_one && o->budget_s > 0) {
		if (cmd__select(o, &l, &dsel, &ndsel)) {
			spec_filter__free(flt);
			spec_list__free(&l);
			return LINT_USAGE;
		}
	}
	for (size_t i = 0; i < l.nfiles; i++) {
		const struct spec_list_file *f = &l.files[i];

		if (f->foreign) {
			fprintf(stderr, "%s: skipped: not a spec (plain text, not named *.yaml, *.yml or *.ini)\n",
				f->path);
			continue;
		}
		diag_print(&f->diags, stderr);
		if (f->err) {
			fprintf(stderr, "%s: invalid: %zu error(s)\n", f->path,
				diag_count(&f->diags, DIAG_ERROR));
			continue;
		}
		/* the list holds the selected tests file by file, in order */
		for (; next < l.ntests && l.tests[next].sf == f->sf; next++)
			if (fn && !(fn == list_one && (o->budget_s > 0 || o->nkernels > 1)) &&
			    (!dsel || selected(dsel, ndsel, l.tests[next].t)))
				fn(o, l.tests[next].t, arg);
		if (print_ok && !o->quiet)
			printf("%s: ok, %zu test(s)%s\n", f->path, f->sf->ntests,
			       diag_count(&f->diags, DIAG_WARNING) ? ", with warnings" : "");
	}
	status = l.ninvalid ? LINT_INVALID : LINT_OK;
	/* --list with a kernel dimension or a budget: the names and choice ktstr-run makes */
	if (fn == list_one && (o->budget_s > 0 || o->nkernels > 1)) {
		struct cmd_sel *sel;
		size_t nsel;

		if (cmd__select(o, &l, &sel, &nsel))
			status = LINT_USAGE;
		else
			for (size_t i = 0; i < nsel; i++)
				printf("%s\n", sel[i].name);
		cmd_sel__free(sel, nsel);
	}
	cmd_sel__free(dsel, ndsel);
	spec_filter__free(flt);
	spec_list__free(&l);
	return status;
}

int cmd_lint(const struct run_opts *o)
{
	return for_each_test(o, true, true, NULL, NULL);
}

static void list_one(const struct run_opts *o, const struct spec_test *t, void *arg)
{
	printf("%s\n", t->name);
}

int cmd_list(const struct run_opts *o)
{
	return for_each_test(o, false, false, list_one, NULL);
}

struct dry_ctx {
	bool relaxed;
	char *accel_reason;
	size_t n;
	char *default_kernel;	/* the kernel line of a test that names none, resolved once */
};

/* The kernel a run would boot for @sel and why, as ktstr-run's progress line says it. */
static char *kernel_line(const char *sel)
{
	struct kernel_image *k = NULL;
	_cleanup_free_ char *err = NULL;
	char *line;

	if (kernel__resolve(sel, &k, &err))
		return xasprintf("none: %s", err ? err : "not found");
	line = xstrdup(k->why ?: k->image);
	kernel_image__free(k);
	return line;
}

/* The three layers: built-in defaults, the plugin's, the spec's. */
static void plan_one(const struct run_opts *o, const struct spec_test *t, void *arg)
{
	struct dry_ctx *d = arg;
	struct thresholds m;
	struct plugin *p = NULL;
	_cleanup_free_ char *err = NULL;

	if (d->n++)
		putchar('\n');
	thresholds__defaults(&m, d->relaxed);
	if (plugin__inspect(t->sched.plugin, &p, &err) == 0) {
		struct thresholds pl;
		_cleanup_free_ char *terr = NULL;

		memset(&pl, 0, sizeof(pl));
		if (plugin__thresholds(p, &pl, &terr) == 0)
			thresholds__merge(&m, &pl, THR_LAYER_PLUGIN);
		else
			printf("note: plugin '%s' gave no thresholds: %s\n", t->sched.plugin,
			       terr ? terr : "unknown error");
		plugin__close(p);
	} else {
		printf("note: plugin '%s' cannot be read (%s); the scheduler layer is not shown\n",
		       t->sched.plugin, err ? err : "not found");
	}
	thresholds__merge(&m, &t->assert, THR_LAYER_SPEC);
	spec_test__print_plan(t, &m, stdout);
	printf("  accelerator: %s\n", d->accel_reason ? d->accel_reason : "?");
	if (t->kernel || o->kernel) {
		_cleanup_free_ char *k = kernel_line(t->kernel ?: o->kernel);

		printf("  kernel chosen: %s\n", k);
	} else {
		if (!d->default_kernel)
			d->default_kernel = kernel_line(NULL);
		printf("  kernel chosen: %s\n", d->default_kernel);
	}
}

int cmd_dry_run(const struct run_opts *o)
{
	static const enum vm_accel map[] = {
		[ACCEL_AUTO] = VM_ACCEL_AUTO, [ACCEL_KVM] = VM_ACCEL_KVM, [ACCEL_TCG] = VM_ACCEL_TCG,
	};
	struct dry_ctx d = {};
	bool kvm = qemu__pick_accel(map[o->accel], "", &d.accel_reason);
	int r;

	d.relaxed = !kvm && !o->strict_thresholds;
	r = for_each_test(o, false, true, plan_one, &d);
	free(d.accel_reason);
	free(d.default_kernel);
	return r;
}
