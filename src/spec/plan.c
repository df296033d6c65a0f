// SPDX-License-Identifier: GPL-2.0-only
/* The resolved plan of one test (--dry-run): VM layout, cgroups, steps with times, thresholds. */
#include <errno.h>
#include <math.h>

#include "spec/spec.h"
#include "spec/spec-int.h"
#include "util/units.h"

uint64_t spec_test__vm_memory_mb(const struct spec_test *t)
{
	uint64_t cpus_mb = (uint64_t)spec_topology__cpus(&t->topology) * 64;

	return MAX(MAX(t->memory_mb, cpus_mb), 256);
}

/* fmt_duration, but zero reads "0s" as specs write it. */
static const char *dur(uint64_t ns, char *buf, size_t len)
{
	if (!ns) {
		snprintf(buf, len, "0s");
		return buf;
	}
	return fmt_duration(ns, buf, len);
}

static void print_cpuset(const struct spec_cpuset *cs, const struct spec_topology *t, FILE *f)
{
	struct spec_layout l;
	struct cpumask m;
	char buf[256];

	fprintf(f, "%s", spec_cpuset__format(cs, buf, sizeof(buf)));
	if (cs->kind == CPUSET_NONE)
		return;
	spec_topology__layout(t, &l);
	if (spec_cpuset__resolve(cs, &l, &m, NULL))
		fprintf(f, " -> (no CPUs)");
	else
		fprintf(f, " -> CPUs %s", cpumask_format(&m, buf, sizeof(buf)));
}

static void print_strv(const char *label, char **v, FILE *f)
{
	fprintf(f, "%s", label);
	if (!v || !*v) {
		fprintf(f, " (none)\n");
		return;
	}
	for (; *v; v++)
		fprintf(f, " %s", *v);
	fputc('\n', f);
}

static void print_work(const struct spec_work *w, const struct spec_test *t, const char *indent, FILE *f)
{
	unsigned usable = spec_topology__usable_cpus(&t->topology);
	char buf[256];

	fprintf(f, "%swork %s x%u", indent, w->type->snake, spec_work__workers(w, t, usable));
	if (w->workers_set && w->workers.relative)
		fprintf(f, " (%g%% of %u usable CPUs)", w->workers.value * 100, usable);
	else if (!w->workers_set)
		fprintf(f, " (workers_per_cgroup)");
	for (unsigned i = 0; i < w->type->nparams; i++)
		fprintf(f, " %s=%lld", w->type->params[i].name, (long long)w->params[i]);
	for (size_t i = 0; i < w->nphases; i++) {
		static const char *const pk[] = { "spin", "sleep", "yield", "io" };

		fprintf(f, "%s%s:%s", i ? "," : " phases=", pk[w->phases[i].kind],
			dur(w->phases[i].ns, buf, sizeof(buf)));
	}
	fprintf(f, " policy=%s", sched_policy_name(w->policy));
	if (w->policy == POLICY_FIFO || w->policy == POLICY_RR)
		fprintf(f, ":%u", w->priority);
	fprintf(f, " nice=%d affinity=%s", w->nice, affinity_kind_name(w->affinity));
	if (w->affinity == AFFINITY_EXACT)
		fprintf(f, ":%s", cpumask_format(&w->affinity_cpus, buf, sizeof(buf)));
	if (w->mem_policy != MPOL_KIND_DEFAULT) {
		fprintf(f, " mem_policy=%s", mem_policy_name(w->mem_policy));
		if (!cpumask_empty(&w->mem_nodes))
			fprintf(f, ":%s", cpumask_format(&w->mem_nodes, buf, sizeof(buf)));
		if (w->mpol_flags)
			fprintf(f, " mpol_flags=0x%x", w->mpol_flags);
	}
	fputc('\n', f);
}

static void print_cgroups(const struct spec_cgroup *v, size_t n, const struct spec_test *t,
			  const char *indent, FILE *f)
{
	_cleanup_free_ char *in2 = xasprintf("%s  ", indent);

	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%scgroup %s cpuset ", indent, v[i].name);
		print_cpuset(&v[i].cpuset, &t->topology, f);
		fprintf(f, "%s\n", v[i].nworks ? "" : " (no workers)");
		for (size_t j = 0; j < v[i].nworks; j++)
			print_work(&v[i].works[j], t, in2, f);
	}
}

static void print_op(const struct spec_op *op, const struct spec_test *t, FILE *f)
{
	char buf[256];

	fprintf(f, "      op %s", op_kind_name(op->kind));
	if (op->payload)
		fprintf(f, " payload=%s", op->payload);
	if (op->cgroup)
		fprintf(f, " %s", op->cgroup);
	if (op->cgroup2)
		fprintf(f, " %s", op->cgroup2);
	switch (op->kind) {
	case OP_SET_CPUSET:
	case OP_ADD_CGROUP:
		if (op->kind == OP_SET_CPUSET || op->cpuset.kind != CPUSET_NONE) {
			fprintf(f, " cpuset ");
			print_cpuset(&op->cpuset, &t->topology, f);
		}
		break;
	case OP_SET_AFFINITY:
		fprintf(f, " affinity=%s", affinity_kind_name(op->work.affinity));
		if (op->work.affinity == AFFINITY_EXACT)
			fprintf(f, ":%s", cpumask_format(&op->work.affinity_cpus, buf, sizeof(buf)));
		break;
	case OP_RUN_PAYLOAD:
		if (op->args)
			for (char **a = op->args; *a; a++)
				fprintf(f, " %s", *a);
		break;
	default:
		break;
	}
	fputc('\n', f);
	if ((op->kind == OP_SPAWN || op->kind == OP_SPAWN_HOST ||
	     (op->kind == OP_ADD_CGROUP && op->work.loc.line)) && op->work.type)
		print_work(&op->work, t, "        ", f);
}

/* Absolute [start, end) of each step; holds run back to back from 0. */
void spec_test__step_times(const struct spec_test *t, size_t i, uint64_t *start, uint64_t *end)
{
	uint64_t at = 0;

	for (size_t s = 0; s <= i && s < t->nsteps; s++) {
		const struct spec_hold *h = &t->steps[s].hold;
		uint64_t len;

		switch (h->kind) {
		case HOLD_FRAC:
			len = (uint64_t)llround(h->frac * t->duration_ns);
			break;
		case HOLD_FIXED:
			len = h->ns;
			break;
		default:
			len = h->loop_ns ? h->loop_ns : (t->duration_ns > at ? t->duration_ns - at : 0);
		}
		*start = at;
		*end = at + len;
		at += len;
	}
}

static void print_patterns(const char *label, const struct spec_pattern *p, size_t n, FILE *f)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "    %s /%s/\n", label, p[i].regex);
}

/* "a b c", or "none" (caller frees). */
static char *words(char *const *v)
{
	size_t n = 0;
	char *out, *p;

	while (v && v[n])
		n++;
	if (!n)
		return xstrdup("none");
	out = spec__join((const char *const *)v, n);
	for (p = out; (p = strstr(p, ", ")); )	/* spec__join writes "a, b" */
		memmove(p, p + 1, strlen(p));
	return out;
}

/* The values the command line can override, each with the layer it came from (ktstr-run(1), OVERRIDES). */
static void print_origins(const struct spec_test *t, FILE *f)
{
	_cleanup_free_ char *flags = words(t->sched.flags), *args = words(t->sched.args);
	char a[64], lbl[64];

	fprintf(f, "  values (layer: command line > gauntlet > spec > plugin > default):\n");
	fprintf(f, "    scheduler: %s (%s)\n", t->sched.plugin, spec_origin_name(t->origin[SV_SCHEDULER]));
	fprintf(f, "    flags: %s%s%s (%s)\n", flags, t->profile ? ", profile " : "",
		t->profile ? t->profile : "", spec_origin_name(t->origin[SV_FLAGS]));
	fprintf(f, "    sched-args: %s (%s)\n", args, spec_origin_name(t->origin[SV_SCHED_ARGS]));
	fprintf(f, "    duration: %s (%s)\n", dur(t->duration_ns, a, sizeof(a)),
		spec_origin_name(t->origin[SV_DURATION]));
	fprintf(f, "    workers: %u per cgroup (%s)\n", t->workers_per_cgroup,
		spec_origin_name(t->origin[SV_WORKERS]));
	fprintf(f, "    work type: %s\n", t->origin[SV_WORK_TYPE] == ORIGIN_CMDLINE ?
		"swappable cgroups' replaced (command line)" : "as each work says (spec)");
	fprintf(f, "    topology: %s%s%s (%s)\n", t->preset ? t->preset : "",
		t->preset ? " = " : "", spec_topology__label(&t->topology, lbl, sizeof(lbl)),
		spec_origin_name(t->origin[SV_TOPOLOGY]));
}

/* A payload's output mode and checks, when it has any. */
static void print_payload_checks(const struct spec_payload *p, FILE *f)
{
	if (p->output == PAYLOAD_OUT_EXIT_CODE && !p->has_exit_code && !p->nmetrics)
		return;
	fprintf(f, "    output %s", payload_output_name(p->output));
	if (p->has_exit_code)
		fprintf(f, ", exit code must be %d", p->exit_code);
	fputc('\n', f);
	for (size_t i = 0; i < p->nmetrics; i++) {
		const struct spec_metric *m = &p->metrics[i];

		fprintf(f, "    metric %s (%s)", m->name, metric_polarity_name(m->polarity));
		if (m->exists)
			fprintf(f, " exists");
		if (m->has_min)
			fprintf(f, " min %g", m->min);
		if (m->has_max)
			fprintf(f, " max %g", m->max);
		if (m->has_range)
			fprintf(f, " range [%g, %g]", m->lo, m->hi);
		fputc('\n', f);
	}
}

void spec_test__print_plan(const struct spec_test *t, const struct thresholds *merged, FILE *f)
{
	const struct spec_topology *tp = &t->topology;
	unsigned cpus = spec_topology__cpus(tp), usable = spec_topology__usable_cpus(tp);
	uint64_t mem = spec_test__vm_memory_mb(t);
	unsigned nodes = spec_topology__nodes(tp);
	struct spec_layout lay;
	char a[64], b[64];

	fprintf(f, "test %s\n", t->name);
	if (t->description)
		fprintf(f, "  description: %s\n", t->description);
	if (t->tags && *t->tags)
		print_strv("  tags:", t->tags, f);
	if (t->matrix_values && *t->matrix_values)
		print_strv("  matrix:", t->matrix_values, f);
	print_origins(t, f);
	fprintf(f, "  vm: %s, %u CPU%s (usable 0-%u), %u LLC%s, %u NUMA node%s",
		spec_topology__label(tp, a, sizeof(a)), cpus, cpus == 1 ? "" : "s", usable - 1,
		tp->llcs, tp->llcs == 1 ? "" : "s", nodes, nodes == 1 ? "" : "s");
	if (tp->memory_only_nodes)
		fprintf(f, " (%u memory-only; the guest boots with numa_balancing=enable)",
			tp->memory_only_nodes);
	fprintf(f, ", memory %lluM\n", (unsigned long long)mem);
	spec_topology__layout(tp, &lay);
	if (lay.valid) {
		for (unsigned n = 0; n < nodes; n++) {
			uint64_t nm = spec_topology__node_memory_mb(tp, n, mem);

			fprintf(f, "    node %u: %s%s, memory %lluM", n, n < tp->numa_nodes ? "CPUs " : "",
				n < tp->numa_nodes ? cpumask_format(&lay.node[n], a, sizeof(a)) :
				"no CPUs (memory-only)", (unsigned long long)nm);
			if (tp->has_distances) {
				fprintf(f, ", distances");
				for (unsigned j = 0; j < nodes; j++)
					fprintf(f, " %u", tp->distance[n][j]);
			}
			fputc('\n', f);
		}
		for (unsigned l = 0; l < tp->llcs; l++)
			fprintf(f, "    llc %u: CPUs %s (node %u)\n", l,
				cpumask_format(&lay.llc[l], a, sizeof(a)), spec_topology__node_of_llc(tp, l));
	}
	fprintf(f, "  kernel: %s\n", t->kernel ? t->kernel : "(discover)");
	if (t->baseline)
		fprintf(f, "  baseline: %s first, then the scheduler, in the same boot\n", t->baseline);
	if (t->min_kernel)
		fprintf(f, "  min_kernel: %s\n", t->min_kernel);
	print_strv("  kargs:", t->kargs, f);
	print_strv("  sysctls:", t->sysctls, f);
	fprintf(f, "  scheduler: %s\n", t->sched.plugin ? t->sched.plugin : "eevdf");
	print_strv("    flags:", t->sched.flags, f);
	print_strv("    args:", t->sched.args, f);
	if (t->required_flags && *t->required_flags)
		print_strv("    required flags:", t->required_flags, f);
	if (t->excluded_flags && *t->excluded_flags)
		print_strv("    excluded flags:", t->excluded_flags, f);
	{
		_cleanup_free_ char *why = spec_test__flags_skip(t);

		if (why)
			fprintf(f, "    SKIP: %s\n", why);
	}
	if (t->sched.watchdog_timeout_ns)
		fprintf(f, "    watchdog_timeout: %s\n", dur(t->sched.watchdog_timeout_ns, a, sizeof(a)));
	if (t->sched.attach_timeout_ms)
		fprintf(f, "    attach_timeout_ms: %llu\n", (unsigned long long)t->sched.attach_timeout_ms);
	if (t->sched.config_file) {
		_cleanup_free_ char *gp = spec_scheduler__config_guest_path(&t->sched);

		fprintf(f, "    config_file: %s -> %s\n", t->sched.config_file, gp);
	}
	if (t->sched.cgroup_parent)
		fprintf(f, "    cgroup_parent: %s (the test's cgroups go under it)\n",
			t->sched.cgroup_parent);
	for (size_t i = 0; i < t->sched.nflag_args; i++) {
		_cleanup_free_ char *fl = xasprintf("    flag_args %s:", t->sched.flag_args[i].flag);

		print_strv(fl, t->sched.flag_args[i].args, f);
	}
	if (t->sched.config_file || t->sched.nflag_args) {
		char **argv = spec_scheduler__argv(&t->sched);

		print_strv("    binary's argv:", argv, f);
		for (char **v = argv; *v; v++)
			free(*v);
		free(argv);
	}
	fprintf(f, "  duration %s, timeout %s, repeats %u, workers_per_cgroup %u\n",
		dur(t->duration_ns, a, sizeof(a)),
		t->timeout_ns ? dur(t->timeout_ns, b, sizeof(b)) : "default",
		t->repeats, t->workers_per_cgroup);
	for (size_t i = 0; i < t->npayloads; i++) {
		fprintf(f, "  payload %s: %s", t->payloads[i].name, t->payloads[i].path ? t->payloads[i].path : "?");
		if (t->payloads[i].args)
			for (char **p = t->payloads[i].args; *p; p++)
				fprintf(f, " %s", *p);
		fputc('\n', f);
		print_payload_checks(&t->payloads[i], f);
	}
	if (t->ncgroups) {
		fprintf(f, "  backdrop 0s-%s:\n", dur(t->duration_ns, a, sizeof(a)));
		print_cgroups(t->cgroups, t->ncgroups, t, "    ", f);
	}
	for (size_t i = 0; i < t->nsteps; i++) {
		const struct spec_step *s = &t->steps[i];
		const struct spec_hold *h = &s->hold;
		uint64_t st, en;

		spec_test__step_times(t, i, &st, &en);
		fprintf(f, "  step %zu \"%s\" %s-%s", i + 1, s->name, dur(st, a, sizeof(a)),
			dur(en, b, sizeof(b)));
		switch (h->kind) {
		case HOLD_FRAC:
			fprintf(f, " (hold %g%% of duration)\n", h->frac * 100);
			break;
		case HOLD_FIXED:
			fprintf(f, " (hold %s)\n", dur(h->ns, a, sizeof(a)));
			break;
		case HOLD_LOOP: {
			uint64_t runs = h->interval_ns ? (en - st + h->interval_ns - 1) / h->interval_ns : 0;

			fprintf(f, " (ops run %llu time%s, every %s)\n", (unsigned long long)runs,
				runs == 1 ? "" : "s", dur(h->interval_ns, a, sizeof(a)));
			break;
		}
		}
		print_cgroups(s->cgroups, s->ncgroups, t, "    ", f);
		for (size_t j = 0; j < s->nops; j++)
			print_op(&s->ops[j], t, f);
	}
	if (!t->nsteps)
		fprintf(f, "  step 1 (implicit) 0s-%s (hold 100%% of duration)\n",
			dur(t->duration_ns, a, sizeof(a)));
	if (t->nsteps) {
		uint64_t st, en;

		spec_test__step_times(t, t->nsteps - 1, &st, &en);
		if (en > t->duration_ns)
			fprintf(f, "  note: the steps hold for %s, longer than duration %s\n",
				dur(en, a, sizeof(a)), dur(t->duration_ns, b, sizeof(b)));
	}
	if (t->console.nexpect || t->console.nforbid || t->console.nallow) {
		fprintf(f, "  console:\n");
		print_patterns("expect", t->console.expect, t->console.nexpect, f);
		print_patterns("forbid", t->console.forbid, t->console.nforbid, f);
		print_patterns("allow", t->console.allow, t->console.nallow, f);
	}
	if (merged)
		thresholds__describe(merged, !t->sched.plugin || str_eq(t->sched.plugin, "eevdf"), f);
}
