// SPDX-License-Identifier: GPL-2.0-only
/* The comparison's renderers: text, JSON (also the HTML page's data), JUnit, HTML. */
#include <errno.h>
#include <math.h>

#include "report/compare.h"
#include "report/internal.h"

static const char *better_name(const struct compare_row *r)
{
	if (!r->d)
		return "";
	return r->d->better == BETTER_LOWER ? "lower" : "higher";
}

static void put_stat(FILE *f, const struct compare_stat *s)
{
	char buf[64];

	if (!s->n) {
		fprintf(f, " %22s", "-");
		return;
	}
	if (s->n > 1)
		snprintf(buf, sizeof(buf), "%.4g ±%.2g (%u)", s->mean, s->sd, s->n);
	else
		snprintf(buf, sizeof(buf), "%.4g", s->mean);
	fprintf(f, " %22s", buf);
}

/* " [preset=tiny-1llc profile=llc]": the dimensions a test was paired by, or "". */
static char *dims_label(const struct compare_test *t)
{
	if (!t->preset && !t->profile && !t->kernel)
		return xstrdup("");
	return xasprintf(" [%s%s%s%s%s%s%s%s]", t->preset ? "preset=" : "", t->preset ?: "",
			 t->preset && (t->profile || t->kernel) ? " " : "", t->profile ? "profile=" : "",
			 t->profile ?: "", t->profile && t->kernel ? " " : "", t->kernel ? "kernel=" : "",
			 t->kernel ?: "");
}

/* What differs between the runs first: a kernel or scheduler change explains figures. */
static void context_text(const struct compare *c, FILE *f)
{
	fprintf(f, "\ncontext: %u difference(s) between A and B%s\n", c->context_differs,
		c->context_differs ? " (a change in the figures may come from them)" : "");
	for (size_t i = 0; i < c->ncontext; i++) {
		const struct compare_context *x = &c->context[i];

		if (x->differs)
			fprintf(f, "  %-37s DIFFERS  A: %s\n  %-37s          B: %s\n", x->field, x->a, "",
				x->b);
	}
	for (size_t i = 0; i < c->ncontext; i++) {
		const struct compare_context *x = &c->context[i];

		if (x->differs)
			continue;
		if (str_eq(x->a, x->b))
			fprintf(f, "  %-37s same     %s\n", x->field, x->a);
		else
			fprintf(f, "  %-37s          A: %s  B: %s\n", x->field, x->a, x->b);
	}
}

void compare__text(const struct compare *c, FILE *f)
{
	fprintf(f, "A: %s\nB: %s\n", c->a, c->b);
	context_text(c, f);
	for (size_t i = 0; i < c->ntests; i++) {
		const struct compare_test *t = &c->tests[i];
		_cleanup_free_ char *dims = dims_label(t);

		if (!t->a.status || !t->b.status) {
			fprintf(f, "\n%s%s: only in %s (%s)\n", t->name, dims, t->a.status ? "A" : "B",
				t->a.status ? t->a.status : t->b.status);
			continue;
		}
		fprintf(f, "\n%s%s: A %s (%u run%s), B %s (%u run%s): %u regression(s), %u improvement(s)\n",
			t->name, dims, t->a.status, t->a.runs, t->a.runs == 1 ? "" : "s", t->b.status,
			t->b.runs, t->b.runs == 1 ? "" : "s", t->regressions, t->improvements);
		fprintf(f, "  %-36s %22s %22s %9s  %s\n", "metric", "A mean ±sd (n)", "B mean ±sd (n)",
			"delta", "verdict");
		for (size_t j = 0; j < t->nrows; j++) {
			const struct compare_row *r = &t->rows[j];
			char rel[24] = "";

			if (!r->d) {
				fprintf(f, "  %-36s %22s %22s %9s  %s (%s)\n", r->metric, "", "", "",
					r->verdict == VERDICT_REGRESSION ? "REGRESSION" : "improvement",
					r->why);
				continue;
			}
			if (isfinite(r->rel))
				snprintf(rel, sizeof(rel), "%+.1f%%", r->rel * 100);
			else if (isfinite(r->delta))
				snprintf(rel, sizeof(rel), "%+.3g", r->delta);
			fprintf(f, "  %-36s", r->metric);
			put_stat(f, &r->a);
			put_stat(f, &r->b);
			fprintf(f, " %9s  %s (%s better; %s)\n", rel,
				r->verdict == VERDICT_REGRESSION ? "REGRESSION" :
				compare_verdict_name(r->verdict), better_name(r), r->why);
		}
	}
	fprintf(f, "\n%u test(s) paired, %u only in A, %u only in B: %u regression(s), "
		"%u improvement(s)\n", c->paired, c->only_a, c->only_b, c->regressions, c->improvements);
}

static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *stat_json(const struct compare_stat *s)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:i}", "mean", jnum(s->mean), "sd", jnum(s->sd),
			 "min", jnum(s->min), "max", jnum(s->max), "n", (int)s->n);
}

static json_t *side_json(const struct compare_side *s)
{
	if (!s->status)
		return json_null();
	return json_pack("{s:s, s:i, s:i}", "status", s->status, "runs", (int)s->runs,
			 "files", (int)s->files);
}

char *compare__json(const struct compare *c)
{
	json_t *tests = json_array(), *ctx = json_array(), *root;
	char *out;

	for (size_t i = 0; i < c->ntests; i++) {
		const struct compare_test *t = &c->tests[i];
		json_t *rows = json_array();

		for (size_t j = 0; j < t->nrows; j++) {
			const struct compare_row *r = &t->rows[j];

			json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s}",
				"metric", r->metric, "better", better_name(r), "unit", r->d ? r->d->unit : "",
				"a", stat_json(&r->a), "b", stat_json(&r->b), "delta", jnum(r->delta),
				"rel", jnum(r->rel), "gate_abs", r->d ? jnum(r->gate_abs) : json_null(),
				"gate_rel", r->d ? jnum(r->gate_rel) : json_null(),
				"verdict", compare_verdict_name(r->verdict), "why", r->why ? r->why : ""));
		}
		json_array_append_new(tests, json_pack("{s:s, s:{s:s?, s:s?, s:s?}, s:o, s:o, s:i, s:i, s:o, s:o}",
			"name", t->name, "dimensions", "preset", t->preset, "profile", t->profile,
			"kernel", t->kernel, "a", side_json(&t->a), "b", side_json(&t->b),
			"regressions", (int)t->regressions, "improvements", (int)t->improvements,
			"metrics", rows, "note", !t->a.status || !t->b.status ?
				json_string(t->a.status ? "only in A" : "only in B") : json_null()));
	}
	for (size_t i = 0; i < c->ncontext; i++)
		json_array_append_new(ctx, json_pack("{s:s, s:s, s:s, s:b}", "field", c->context[i].field,
			"a", c->context[i].a, "b", c->context[i].b, "differs", c->context[i].differs));
	root = json_pack("{s:s, s:i, s:s, s:s, s:{s:i, s:i, s:i, s:i, s:i, s:i}, s:o, s:o}",
		"kind", "compare", "version", 1, "a", c->a, "b", c->b, "summary",
		"paired", (int)c->paired, "only_a", (int)c->only_a, "only_b", (int)c->only_b,
		"regressions", (int)c->regressions, "improvements", (int)c->improvements,
		"context_differs", (int)c->context_differs, "context", ctx, "tests", tests);
	if (!root)
		return NULL;
	out = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(root);
	return out;
}

/* One testcase per paired test; its regressions are its <failure>. */
int compare__write_junit(const struct compare *c, const char *path)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	unsigned fails = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < c->ntests; i++)
		fails += c->tests[i].regressions > 0;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f, "<testsuites name=\"ktstr-stats compare\" tests=\"%zu\" failures=\"%u\">\n"
		"  <testsuite name=\"compare\" tests=\"%zu\" failures=\"%u\" skipped=\"%u\">\n",
		c->ntests, fails, c->ntests, fails, c->only_a + c->only_b);
	/* the runs' context: each field's values in A and B, and whether they differ */
	fputs("    <properties>\n", f);
	for (size_t i = 0; i < c->ncontext; i++) {
		const struct compare_context *x = &c->context[i];
		_cleanup_free_ char *v = xasprintf("%sA: %s; B: %s", x->differs ? "DIFFERS " : "",
						   x->a, x->b);

		fputs("      <property name=\"context.", f);
		report_xml_escape(f, x->field, true);
		fputs("\" value=\"", f);
		report_xml_escape(f, v, true);
		fputs("\"/>\n", f);
	}
	fputs("    </properties>\n", f);
	for (size_t i = 0; i < c->ntests; i++) {
		const struct compare_test *t = &c->tests[i];
		_cleanup_free_ char *dims = dims_label(t);
		_cleanup_free_ char *name = xasprintf("%s%s", t->name, dims);

		fputs("    <testcase classname=\"ktstr.compare\" name=\"", f);
		report_xml_escape(f, name, true);
		fputs("\">\n", f);
		if (!t->a.status || !t->b.status) {
			fprintf(f, "      <skipped message=\"only in %s\"/>\n", t->a.status ? "A" : "B");
		} else if (t->regressions) {
			fprintf(f, "      <failure type=\"regression\" message=\"%u regression(s)\">",
				t->regressions);
			for (size_t j = 0; j < t->nrows; j++) {
				const struct compare_row *r = &t->rows[j];
				_cleanup_free_ char *line = NULL;

				if (r->verdict != VERDICT_REGRESSION)
					continue;
				line = r->d ? xasprintf("%s: %.4g -> %.4g (%s better; %s)\n", r->metric,
							r->a.mean, r->b.mean, better_name(r), r->why) :
					      xasprintf("%s: %s\n", r->metric, r->why);
				report_xml_escape(f, line, false);
			}
			fputs("</failure>\n", f);
		}
		fputs("    </testcase>\n", f);
	}
	fputs("  </testsuite>\n</testsuites>\n", f);
	if (fclose(f))
		return -ENOMEM;
	return write_file_atomic(path, buf, len);
}

int compare__write_html(const struct compare *c, const char *path)
{
	_cleanup_free_ char *json = compare__json(c);

	if (!json)
		return -ENOMEM;
	return report_html__write(path, "ktstr-stats compare", json);
}
