// SPDX-License-Identifier: GPL-2.0-only
/*
 * The run's test list after the kernel dimension and the budget: each
 * selected spec test once per kernel (named .../kernel-LABEL when there is
 * more than one), then, with --budget, the greedy subset (spec/budget.c).
 * ktstr-run and --list share it, so both name and choose the same tests.
 */
#include <errno.h>

#include "cmd/cmd.h"
#include "spec/budget.h"
#include "spec/cost.h"

/* The label of a kernel selector in test names: a version or key as given, a path's last part. */
char *cmd__kernel_label(const char *sel)
{
	const char *base = strrchr(sel, '/');
	char *l = xstrdup(base && base[1] ? base + 1 : sel);

	for (char *p = l; *p; p++)
		if (!spec_name__is_char((unsigned char)*p))
			*p = '_';
	return l;
}

static void fmt_secs(char *buf, size_t len, double s)
{
	snprintf(buf, len, "%.0f", s);
}

int cmd__select(const struct run_opts *o, const struct spec_list *l, struct cmd_sel **out,
		size_t *nout)
{
	struct spec_timings *tm = NULL;
	struct spec_budget_item *items = NULL;
	struct cmd_sel *v = NULL;
	size_t n = 0, nk = o->nkernels ? o->nkernels : 1;
	_cleanup_free_ char *err = NULL;

	*out = NULL;
	*nout = 0;
	if (o->timings && spec_timings__load(o->timings, &tm, &err)) {
		fprintf(stderr, "ktstr-run: --timings: %s\n", err);
		return 2;
	}
	for (size_t i = 0; i < l->ntests; i++)
		for (size_t k = 0; k < nk; k++) {
			struct cmd_sel *s = array_push(&v, &n, sizeof(*v));

			s->sf = l->tests[i].sf;
			s->t = l->tests[i].t;
			s->kernel = o->nkernels ? o->kernels[k] : NULL;
			if (o->nkernels > 1) {
				s->kernel_label = cmd__kernel_label(s->kernel);
				s->name = xasprintf("%s/kernel-%s", s->t->name, s->kernel_label);
			} else {
				s->name = xstrdup(s->t->name);
			}
			s->est_s = spec_test__estimate_s(s->t, s->name, tm, &s->measured);
		}
	if (o->budget_s > 0) {
		struct spec_budget_stats st;
		char used[32], total[32];
		size_t m = 0, measured = 0;

		items = xcalloc(n ? n : 1, sizeof(*items));
		for (size_t i = 0; i < n; i++) {
			_cleanup_free_ char *skip = spec_test__flags_skip(v[i].t);

			items[i] = (struct spec_budget_item){ .name = v[i].name, .t = v[i].t,
							      .kernel = v[i].kernel_label,
							      .cost_s = v[i].est_s, .skips = !!skip };
		}
		spec_budget__select(items, n, o->budget_s, &st);
		for (size_t i = 0; i < n; i++) {
			if (!items[i].chosen) {
				free(v[i].name);
				free(v[i].kernel_label);
				continue;
			}
			measured += v[i].measured;
			v[m++] = v[i];
		}
		n = m;
		fmt_secs(used, sizeof(used), st.used_s);
		fmt_secs(total, sizeof(total), st.budget_s);
		fprintf(stderr, "budget: %zu/%zu tests, %s/%s s, %zu/%zu configurations covered\n",
			st.selected, st.total, used, total, st.covered, st.configurations);
		if (o->verbose || o->timings)
			fprintf(stderr, "budget: %zu of the %zu estimates measured (%s), the rest from the cost model\n",
				measured, st.selected, o->timings ? o->timings : "no --timings");
		free(items);
	}
	spec_timings__free(tm);
	*out = v;
	*nout = n;
	return 0;
}

void cmd_sel__free(struct cmd_sel *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].kernel_label);
	}
	free(v);
}
