// SPDX-License-Identifier: GPL-2.0-only
/*
 * Payload metrics: a payload's stdout read as JSON (jansson), YAML (libyaml)
 * or "key: value" lines into flattened numeric metrics, and the spec's
 * checks on them (exit_code first, then min, max, range, exists) in
 * ktstr's wording. The guest only captures the output; all parsing is
 * done here, on the host.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <sys/wait.h>
#include <yaml.h>

#include "check/check.h"
#include "util/proc.h"

#define MAX_DEPTH 64		/* ktstr's MAX_WALK_DEPTH */
#define MAX_METRICS 4096	/* fio's JSON has ~600 numeric leaves */
#define STDERR_TAIL 1024	/* ktstr: the last KiB of stderr in an exit-code failure */

struct flat {
	struct payload_metric *v;
	size_t n;
	char path[1024];
};

/* Set (or replace: a later line wins) metric name. */
static void flat_put(struct flat *f, const char *name, double value)
{
	struct payload_metric *m = NULL;

	if (!isfinite(value))
		return;
	for (size_t i = 0; i < f->n && !m; i++)
		if (str_eq(f->v[i].name, name))
			m = &f->v[i];
	if (!m) {
		if (f->n >= MAX_METRICS)
			return;
		m = array_push(&f->v, &f->n, sizeof(*m));
		m->name = xstrdup(name);
	}
	m->value = value;
}

/* Append ".seg" (or "seg" at the root) to the path; returns the old length to restore. */
static size_t path_push(struct flat *f, const char *seg)
{
	size_t len = strlen(f->path);

	snprintf(f->path + len, sizeof(f->path) - len, "%s%s", len ? "." : "", seg);
	return len;
}

/* A whole string that is a finite number ("1500", "2.5e3", "-1"). */
static bool number_of(const char *s, double *out)
{
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	*out = strtod(s, &end);
	return !*end && !errno && isfinite(*out) && end != s;
}

/* ---- JSON ---- */

static void json_walk(struct flat *f, json_t *v, unsigned depth)
{
	const char *key;
	json_t *kid;
	size_t i, old;
	char idx[24];

	if (depth > MAX_DEPTH)
		return;
	if (json_is_object(v)) {
		json_object_foreach(v, key, kid) {
			old = path_push(f, key);
			json_walk(f, kid, depth + 1);
			f->path[old] = '\0';
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, kid) {
			snprintf(idx, sizeof(idx), "%zu", i);
			old = path_push(f, idx);
			json_walk(f, kid, depth + 1);
			f->path[old] = '\0';
		}
	} else if (json_is_number(v) && *f->path) {
		flat_put(f, f->path, json_number_value(v));
	}
}

/*
 * The first JSON document in text: the whole text, else the first '{' or
 * '[' from which jansson parses a value (tools print a banner first).
 */
static json_t *json_find(const char *text)
{
	json_t *root = json_loads(text, 0, NULL);

	for (const char *p = text; !root && (p = strpbrk(p, "{[")); p++)
		root = json_loads(p, JSON_DISABLE_EOF_CHECK, NULL);
	return root;
}

static int from_json(struct flat *f, const char *text, char **why)
{
	json_t *root = json_find(text);

	if (!root) {
		*why = xstrdup("no JSON document in it");
		return -EINVAL;
	}
	json_walk(f, root, 0);
	json_decref(root);
	return 0;
}

/* ---- YAML ---- */

static void yaml_walk(struct flat *f, yaml_document_t *doc, yaml_node_t *n, unsigned depth)
{
	char idx[24];
	size_t old;
	double x;

	if (!n || depth > MAX_DEPTH)
		return;
	switch (n->type) {
	case YAML_MAPPING_NODE:
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);

			if (!k || k->type != YAML_SCALAR_NODE)
				continue;
			old = path_push(f, (const char *)k->data.scalar.value);
			yaml_walk(f, doc, yaml_document_get_node(doc, p->value), depth + 1);
			f->path[old] = '\0';
		}
		break;
	case YAML_SEQUENCE_NODE:
		for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
			snprintf(idx, sizeof(idx), "%td", i - n->data.sequence.items.start);
			old = path_push(f, idx);
			yaml_walk(f, doc, yaml_document_get_node(doc, *i), depth + 1);
			f->path[old] = '\0';
		}
		break;
	case YAML_SCALAR_NODE:
		/* a quoted scalar is a string, even when it reads as a number */
		if (*f->path && n->data.scalar.style != YAML_SINGLE_QUOTED_SCALAR_STYLE &&
		    n->data.scalar.style != YAML_DOUBLE_QUOTED_SCALAR_STYLE &&
		    number_of((const char *)n->data.scalar.value, &x))
			flat_put(f, f->path, x);
		break;
	default:
		break;
	}
}

static int from_yaml(struct flat *f, const char *text, char **why)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int ret = 0;

	if (!yaml_parser_initialize(&parser))
		abort();
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
	if (!yaml_parser_load(&parser, &doc)) {
		*why = xasprintf("not YAML: %s at line %zu", parser.problem ? parser.problem : "error",
				 parser.problem_mark.line + 1);
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	if (!yaml_document_get_root_node(&doc)) {
		*why = xstrdup("no YAML document in it");
		ret = -EINVAL;
	} else {
		yaml_walk(f, &doc, yaml_document_get_root_node(&doc), 0);
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return ret;
}

/* ---- lines ---- */

/*
 * "key: value" or "key=value", one a line: the key is the text before the
 * first ':' or '=' (no white space in it), the value a whole number after
 * it. Other lines are skipped; a key seen again takes the later value.
 */
static int from_lines(struct flat *f, const char *text)
{
	_cleanup_free_ char *copy = xstrdup(text);
	char *save = NULL;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sep = strpbrk(line, ":="), *k = line, *v, *e;
		double x;

		if (!sep)
			continue;
		*sep = '\0';
		v = sep + 1;
		while (*k == ' ' || *k == '\t')
			k++;
		for (e = k + strlen(k); e > k && strchr(" \t", e[-1]); )
			*--e = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		for (e = v + strlen(v); e > v && strchr(" \t\r", e[-1]); )
			*--e = '\0';
		if (*k && !strpbrk(k, " \t") && number_of(v, &x))
			flat_put(f, k, x);
	}
	return 0;
}

int payload_metrics__extract(enum payload_output mode, const char *text,
			     struct payload_metric **out, size_t *n, char **why)
{
	struct flat f = { 0 };
	int ret = 0;

	*why = NULL;
	switch (mode) {
	case PAYLOAD_OUT_JSON:
		ret = from_json(&f, text ? text : "", why);
		break;
	case PAYLOAD_OUT_YAML:
		ret = from_yaml(&f, text ? text : "", why);
		break;
	case PAYLOAD_OUT_LINES:
		ret = from_lines(&f, text ? text : "");
		break;
	case PAYLOAD_OUT_EXIT_CODE:
		break;
	}
	*out = f.v;
	*n = f.n;
	return ret;
}

/* ---- judging ---- */

static const struct payload_metric *metric_get(const struct run_payload *p, const char *name)
{
	for (size_t i = 0; i < p->nmetrics; i++)
		if (str_eq(p->metrics[i].name, name))
			return &p->metrics[i];
	return NULL;
}

/* Metrics from stdout, else stderr (ktstr: stdout primary, stderr fallback). */
static void read_metrics(const struct spec_payload *sp, const struct payload_report *rep,
			 struct run_payload *p)
{
	char *why_out = NULL, *why_err = NULL;

	if (sp->output == PAYLOAD_OUT_EXIT_CODE)
		return;
	payload_metrics__extract(sp->output, rep->out, &p->metrics, &p->nmetrics, &why_out);
	if (p->nmetrics) {
		p->stream = xstrdup("stdout");
	} else {
		free(p->metrics);
		payload_metrics__extract(sp->output, rep->err, &p->metrics, &p->nmetrics, &why_err);
		if (p->nmetrics)
			p->stream = xstrdup("stderr");
		else
			p->why = xasprintf("no %s metrics in stdout (%s) or stderr (%s)",
					   payload_output_name(sp->output),
					   why_out ? why_out : "no numeric value",
					   why_err ? why_err : "no numeric value");
	}
	free(why_out);
	free(why_err);
	for (size_t i = 0; i < p->nmetrics; i++)
		for (size_t j = 0; j < sp->nmetrics; j++)
			if (str_eq(p->metrics[i].name, sp->metrics[j].name))
				p->metrics[i].polarity = sp->metrics[j].polarity;
}

/* ktstr's "payload exited with code X, expected Y; stderr:" with the last KiB of stderr. */
static void judge_exit(const struct spec_payload *sp, const struct payload_report *rep,
		       struct run_payload *p, struct run_result *r, bool *failed)
{
	const char *err = rep->err ? rep->err : "";
	size_t len = strlen(err);
	char how[64];

	*failed = false;
	if (!sp->has_exit_code)
		return;
	p->exit_checked = true;
	p->exit_expected = sp->exit_code;
	p->exit_ok = WIFEXITED(rep->status) && WEXITSTATUS(rep->status) == sp->exit_code;
	if (p->exit_ok)
		return;
	*failed = true;
	while (len && (err[len - 1] == '\n' || err[len - 1] == ' '))
		len--;
	if (WIFEXITED(rep->status))
		snprintf(how, sizeof(how), "exited with code %d", WEXITSTATUS(rep->status));
	else
		wait_status__describe(rep->status, how, sizeof(how));
	run_result__add_detail(r, DETAIL_OTHER, "payload", rep->cgroup && *rep->cgroup ? rep->cgroup : NULL,
			       "payload '%s' %s, expected %s%d%s%s%.*s", rep->name, how,
			       WIFEXITED(rep->status) ? "" : "exit code ", sp->exit_code,
			       len ? "; stderr:\n" : "", len > STDERR_TAIL ? "..." : "",
			       (int)MIN(len, STDERR_TAIL), err + (len > STDERR_TAIL ? len - STDERR_TAIL : 0));
}

/* Record one check of metric m and its verdict in p, for the reports. */
static void note_check(struct run_payload *p, const struct spec_metric *m,
		       const struct payload_metric *got, char *what, bool ok, bool judged)
{
	struct payload_check *c = array_push(&p->checks, &p->nchecks, sizeof(*c));

	c->metric = xstrdup(m->name);
	c->check = what;
	c->found = got;
	c->value = got ? got->value : 0;
	c->verdict = !judged ? "not judged (exit)" : !got ? "not found" : ok ? "ok" : "failed";
}

/*
 * The spec's checks on p's metrics: a detail per failure (none when the
 * exit code already failed: judged false) and every check with its verdict
 * in p->checks.
 */
static void judge_metrics(const struct spec_payload *sp, struct run_payload *p,
			  struct run_result *r, bool judged)
{
	const char *cg = *p->cgroup ? p->cgroup : NULL;

	for (size_t i = 0; i < sp->nmetrics; i++) {
		const struct spec_metric *m = &sp->metrics[i];
		const struct payload_metric *got = metric_get(p, m->name);
		bool lo_ok, hi_ok, in_ok;

		if (!m->has_min && !m->has_max && !m->has_range && !m->exists)
			continue;
		lo_ok = got && !(m->has_min && got->value < m->min);
		hi_ok = got && !(m->has_max && got->value > m->max);
		in_ok = got && !(m->has_range && (got->value < m->lo || got->value > m->hi));
		if (m->has_min)
			note_check(p, m, got, xasprintf("min %g", m->min), lo_ok, judged);
		if (m->has_max)
			note_check(p, m, got, xasprintf("max %g", m->max), hi_ok, judged);
		if (m->has_range)
			note_check(p, m, got, xasprintf("range [%g, %g]", m->lo, m->hi), in_ok, judged);
		if (m->exists && !m->has_min && !m->has_max && !m->has_range)
			note_check(p, m, got, xstrdup("exists"), got, judged);
		if (!judged)
			continue;
		if (!got) {
			run_result__add_detail(r, DETAIL_OTHER, "payload", cg,
					       "payload '%s': metric '%s' not found in payload output%s%s%s",
					       p->name, m->name, p->why ? " (" : "",
					       p->why ? p->why : "", p->why ? ")" : "");
			continue;
		}
		if (!lo_ok)
			run_result__add_detail(r, DETAIL_OTHER, "payload", cg,
					       "payload '%s': metric '%s' = %g below minimum %g",
					       p->name, m->name, got->value, m->min);
		if (!hi_ok)
			run_result__add_detail(r, DETAIL_OTHER, "payload", cg,
					       "payload '%s': metric '%s' = %g exceeds maximum %g",
					       p->name, m->name, got->value, m->max);
		if (!in_ok)
			run_result__add_detail(r, DETAIL_OTHER, "payload", cg,
					       "payload '%s': metric '%s' = %g outside [%g, %g]",
					       p->name, m->name, got->value, m->lo, m->hi);
	}
}

static bool has_checks(const struct spec_payload *sp)
{
	for (size_t i = 0; i < sp->nmetrics; i++)
		if (sp->metrics[i].has_min || sp->metrics[i].has_max || sp->metrics[i].has_range ||
		    sp->metrics[i].exists)
			return true;
	return sp->has_exit_code;
}

void check__payloads(const struct spec_test *t, const struct telemetry *tel, struct run_result *r)
{
	for (size_t i = 0; t && tel && i < tel->npayloads; i++) {
		const struct payload_report *rep = &tel->payloads[i];
		const struct spec_payload *sp = NULL;
		struct run_payload *p;
		bool exit_failed;

		for (size_t j = 0; j < t->npayloads && !sp; j++)
			if (str_eq(t->payloads[j].name, rep->name))
				sp = &t->payloads[j];
		if (!sp)
			continue;
		p = array_push(&r->payloads, &r->npayloads, sizeof(*p));
		p->name = xstrdup(rep->name);
		p->cgroup = xstrdup(rep->cgroup ? rep->cgroup : "");
		p->status = rep->status;
		p->output = sp->output;
		read_metrics(sp, rep, p);
		/* ktstr: the exit code first; a bad exit makes the metrics moot */
		judge_exit(sp, rep, p, r, &exit_failed);
		judge_metrics(sp, p, r, !exit_failed);
	}
	/* a payload whose checks never met a run proves nothing: that fails too */
	for (size_t j = 0; t && j < t->npayloads; j++) {
		bool ran = false;

		for (size_t i = 0; tel && i < tel->npayloads && !ran; i++)
			ran = str_eq(tel->payloads[i].name, t->payloads[j].name);
		if (!ran && has_checks(&t->payloads[j]) && tel && !tel->error)
			run_result__add_detail(r, DETAIL_OTHER, "payload", NULL,
					       "payload '%s' never ran (no run_payload op started it), "
					       "so its checks were not judged", t->payloads[j].name);
	}
}
