// SPDX-License-Identifier: GPL-2.0-only
/*
 * Auto-repro on the host: the failure's backtrace -> the probes of the
 * rerun -> the rerun's trace as per-task events before the failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/repro.h"
#include "result/result.h"
#include "util/jdec.h"
#include "util/util.h"

/* Frames that say nothing about the scheduler: exit path, dump, trampolines, entry, locks. */
static const char *const skip_prefix[] = {
	"scx_exit", "scx_vexit", "__scx_exit", "scx_bpf_error", "scx_bpf_exit", "scx_dump",
	"scx_claim_exit", "scx_disable", "bpf__sched_ext_ops_", "bpf_trampoline", "__bpf_prog",
	"__schedule", "schedule", "preempt_schedule", "asm_", "irqentry_", "sysvec_", "__sysvec",
	"entry_", "do_syscall", "__x64_sys", "x64_sys_call", "__do_sys", "ret_from_fork",
	"kthread", "worker_thread", "process_one_work", "_raw_spin", "raw_spin", "queued_spin",
	"native_queued", "irq_work", "finish_task_switch", "__do_softirq", "handle_softirqs",
	"do_idle", "cpu_startup_entry", "start_secondary", "common_startup", "dump_stack",
	"stack_trace", "arch_stack", "call_timer_fn", "__run_timers", "run_timer", "__irq_exit",
	"irq_exit", "tick_", "hrtimer_", "__hrtimer", "update_process_times", "sched_tick",
};

/* The kernel functions that run each sched_ext_ops callback (several kernels' names). */
static const struct { const char *fn, *cb; } callers[] = {
	{ "do_enqueue_task", "enqueue" }, { "scx_do_enqueue_task", "enqueue" },
	{ "select_task_rq_scx", "select_cpu" },
	{ "dispatch_enqueue", NULL },	/* a task into a DSQ: the DSQ id */
	{ "dispatch_to_local_dsq", NULL },
	{ "consume_dispatch_q", NULL },
	{ "balance_one", "dispatch" }, { "scx_dispatch_sched", "dispatch" },
	{ "enqueue_task_scx", "runnable" },
	{ "set_next_task_scx", "running" },
	{ "put_prev_task_scx", "stopping" },
	{ "dequeue_task_scx", "quiescent" }, { "ops_dequeue", "dequeue" },
	{ "task_tick_scx", "tick" },
	{ "scx_watchdog_workfn", NULL },
	/* the kfuncs a callback calls: where a task goes, with the DSQ id */
	{ "scx_bpf_dsq_insert", NULL }, { "scx_bpf_dsq_insert_vtime", NULL },
	{ "scx_bpf_dispatch", NULL }, { "scx_bpf_dsq_move_to_local", NULL },
	{ "scx_bpf_consume", NULL },
};

void repro__strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static void strv_add(char ***v, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (str_eq((*v)[i], s))
			return;
	*v = xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

const char *repro__callback(const char *fn)
{
	for (size_t i = 0; i < ARRAY_SIZE(callers); i++)
		if (str_eq(callers[i].fn, fn))
			return callers[i].cb;
	return NULL;
}

/* "   [  1.23] name+0x1/0x2" or "  name+0x1/0x2 [mod]" -> name (malloc'd), or NULL. */
static char *frame_name(const char *line, const char *end)
{
	const char *p = line, *plus;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end && *p == '[') {	/* a console timestamp */
		const char *q = memchr(p, ']', end - p);

		if (!q)
			return NULL;
		p = q + 1;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
	}
	plus = p;
	while (plus < end && *plus != '+' && *plus != ' ')
		plus++;
	if (plus == p || plus + 3 > end || plus[0] != '+' || plus[1] != '0' || plus[2] != 'x' ||
	    !memchr(plus, '/', end - plus))
		return NULL;
	for (const char *c = p; c < plus; c++)
		if (!(*c == '_' || *c == '.' || (*c >= '0' && *c <= '9') ||
		      (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
			return NULL;
	return xstrndup(p, plus - p);
}

static bool skipped(const char *fn)
{
	for (size_t i = 0; i < ARRAY_SIZE(skip_prefix); i++)
		if (str_startswith(fn, skip_prefix[i]))
			return true;
	return false;
}

size_t repro__backtrace(const char *text, size_t len, char ***funcs, char ***progs)
{
	const char *end = text + len, *p = NULL;
	size_t nf = 0, np = 0, frames = 0;
	unsigned lead;

	*funcs = xcalloc(1, sizeof(char *));
	*progs = xcalloc(1, sizeof(char *));
	/* the dump's block, else the console's lines after the disable message */
	for (const char *l = text; l && l < end;) {
		const char *nl = memchr(l, '\n', end - l);
		size_t ll = (nl ? nl : end) - l;

		if ((ll >= 10 && !memcmp(l, "Backtrace:", 10)) ||
		    (memmem(l, ll, "sched_ext: BPF scheduler", 24) && memmem(l, ll, "disabled", 8))) {
			p = nl ? nl + 1 : end;
			if (ll >= 10 && !memcmp(l, "Backtrace:", 10))
				break;	/* the dump's block wins */
		}
		l = nl ? nl + 1 : NULL;
	}
	if (!p)
		return 0;
	/* up to two message lines precede the console's first frame */
	for (lead = 0; p < end; lead++) {
		const char *nl = memchr(p, '\n', end - p);
		const char *le = nl ? nl : end;
		_cleanup_free_ char *fn = frame_name(p, le);

		if (!fn) {
			if (frames || lead >= 2)
				break;
		} else {
			frames++;
			if (str_startswith(fn, "bpf_prog_")) {
				/* bpf_prog_<16 hex>_<name> */
				const char *u = strchr(fn + 9, '_');

				if (u && u[1])
					strv_add(progs, &np, u + 1);
			} else if (!skipped(fn)) {
				strv_add(funcs, &nf, fn);
			}
		}
		p = nl ? nl + 1 : end;
	}
	return frames;
}

char **repro__probes(char *const *bt_funcs)
{
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0;

	for (size_t i = 0; bt_funcs && bt_funcs[i]; i++)
		strv_add(&v, &n, bt_funcs[i]);
	for (size_t i = 0; i < ARRAY_SIZE(callers); i++)
		strv_add(&v, &n, callers[i].fn);
	return v;
}

/* One trace event about one task. */
struct rev {
	double t;		/* seconds, the trace clock */
	int pid;
	unsigned cpu;
	char comm[32];
	char event[64];
	const char *cb;		/* ops callback, or NULL */
	char dsq[48];		/* decoded, or "" */
	char flags[96];		/* decoded enq_flags, or "" */
	char detail[96];
};

/* key=value in s (value up to a space; "quoted" values unquoted) into out. */
static bool field(const char *s, const char *key, char *out, size_t outlen)
{
	size_t kl = strlen(key);

	for (const char *p = s; (p = strstr(p, key)); p += kl) {
		const char *v, *e;

		if ((p != s && p[-1] != ' ') || p[kl] != '=')
			continue;
		v = p + kl + 1;
		if (*v == '"') {
			e = strchr(++v, '"');
		} else {
			e = v + strcspn(v, " \n");
		}
		if (!e)
			e = v + strlen(v);
		snprintf(out, outlen, "%.*s", (int)(e - v), v);
		return true;
	}
	return false;
}

/* SCX_DSQ_* (include/linux/sched/ext.h). */
static void decode_dsq(const char *hex, char *out, size_t len)
{
	uint64_t id = strtoull(hex, NULL, 16);
	const uint64_t builtin = 1ull << 63, local_on = builtin | (1ull << 62);

	if ((id & local_on) == local_on)
		snprintf(out, len, "LOCAL_ON|%llu", (unsigned long long)(id & 0xffffffff));
	else if (id == builtin)
		snprintf(out, len, "INVALID");
	else if (id == (builtin | 1))
		snprintf(out, len, "GLOBAL");
	else if (id == (builtin | 2))
		snprintf(out, len, "LOCAL");
	else if (id == (builtin | 3))
		snprintf(out, len, "BYPASS");
	else if (id & builtin)
		snprintf(out, len, "BUILTIN(0x%llx)", (unsigned long long)id);
	else
		snprintf(out, len, "0x%llx", (unsigned long long)id);
}

/* SCX_ENQ_* (kernel/sched/ext_internal.h); the rest stays hex. */
static void decode_flags(const char *hex, char *out, size_t len)
{
	static const struct { uint64_t bit; const char *name; } names[] = {
		{ 1ull << 0, "WAKEUP" }, { 1ull << 4, "HEAD" }, { 1ull << 10, "CPU_SELECTED" },
		{ 1ull << 32, "PREEMPT" }, { 1ull << 40, "REENQ" }, { 1ull << 41, "LAST" },
		{ 1ull << 56, "CLEAR_OPSS" }, { 1ull << 57, "DSQ_PRIQ" },
	};
	uint64_t f = strtoull(hex, NULL, 16), rest = f;
	size_t o = snprintf(out, len, "0x%llx", (unsigned long long)f);

	for (size_t i = 0; i < ARRAY_SIZE(names) && o < len; i++)
		if (f & names[i].bit) {
			o += snprintf(out + o, len - o, "%s%s", rest == f ? " " : "|", names[i].name);
			rest &= ~names[i].bit;
		}
}

static void ev_add(struct rev **v, size_t *n, const struct rev *e)
{
	struct rev *slot = array_push(v, n, sizeof(**v));

	*slot = *e;
}

/* One tracefs line into events (0, 1 or 2 of them); *fail set by the sched_ext markers. */
static void parse_line(char *l, struct rev **v, size_t *n, double *fail, char ***probes,
		       size_t *nprobes)
{
	struct rev e = { 0 };
	char *br, *p, *ev, *rest, buf[64];
	char *task;
	int cur;

	if (*l == '#') {
		if (str_startswith(l, "# probe: ")) {
			char *sp = strchr(l + 9, ' ');

			if (sp)
				*sp = '\0';
			strv_add(probes, nprobes, l + 9);
		}
		return;
	}
	br = strstr(l, " [");
	if (!br)
		return;
	*br = '\0';
	task = str_trim(l);
	p = strrchr(task, '-');
	if (!p)
		return;
	cur = (int)strtol(p + 1, NULL, 10);
	*p = '\0';
	e.cpu = strtoul(br + 2, &p, 10);
	if (*p != ']')
		return;
	p = strchr(p + 2, ' ');	/* past the irq/preempt flags */
	if (!p)
		return;
	e.t = strtod(p, &p);
	if (*p != ':')
		return;
	ev = p + 2;
	rest = strchr(ev, ':');
	if (!rest)
		return;
	*rest++ = '\0';
	snprintf(e.event, sizeof(e.event), "%s", ev);
	if (str_eq(ev, "sched_ext_dump") || str_eq(ev, "sched_ext_exit")) {
		if (*fail < 0)
			*fail = e.t;
		return;
	}
	if (str_eq(ev, "sched_switch")) {
		struct rev in = e;

		if (field(rest, "prev_pid", buf, sizeof(buf))) {
			e.pid = (int)strtol(buf, NULL, 10);
			field(rest, "prev_comm", e.comm, sizeof(e.comm));
			field(rest, "prev_state", buf, sizeof(buf));
			snprintf(e.event, sizeof(e.event), "switch out");
			snprintf(e.detail, sizeof(e.detail), "prev_state=%s", buf);
			ev_add(v, n, &e);
		}
		if (field(rest, "next_pid", buf, sizeof(buf))) {
			in.pid = (int)strtol(buf, NULL, 10);
			field(rest, "next_comm", in.comm, sizeof(in.comm));
			snprintf(in.event, sizeof(in.event), "switch in");
			ev_add(v, n, &in);
		}
		return;
	}
	if (str_startswith(ev, "sched_wakeup")) {
		if (!field(rest, "pid", buf, sizeof(buf)))
			return;
		e.pid = (int)strtol(buf, NULL, 10);
		field(rest, "comm", e.comm, sizeof(e.comm));
		if (field(rest, "target_cpu", buf, sizeof(buf)))
			snprintf(e.detail, sizeof(e.detail), "target_cpu=%d", (int)strtol(buf, NULL, 10));
		snprintf(e.event, sizeof(e.event), "%s", ev + 6);	/* "wakeup", "wakeup_new" */
		ev_add(v, n, &e);
		return;
	}
	/* a kprobe: "(fn+0x0/0x..) pid=.. comm=".." flags=0x.. dsq=0x.." */
	e.cb = repro__callback(ev);
	if (field(rest, "pid", buf, sizeof(buf)))
		e.pid = (int)strtol(buf, NULL, 10);
	else
		e.pid = cur;
	if (!field(rest, "comm", e.comm, sizeof(e.comm)))
		snprintf(e.comm, sizeof(e.comm), "%s", e.pid == cur ? task : "");
	if (field(rest, "flags", buf, sizeof(buf)))
		decode_flags(buf, e.flags, sizeof(e.flags));
	if (field(rest, "dsq", buf, sizeof(buf)))
		decode_dsq(buf, e.dsq, sizeof(e.dsq));
	if (e.pid != cur)
		snprintf(e.detail, sizeof(e.detail), "by %s[%d]", task, cur);
	ev_add(v, n, &e);
}

static int by_pid_time(const void *a, const void *b)
{
	const struct rev *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->t < y->t ? -1 : x->t > y->t;
}

/* At most this many tasks and events per task in the text; the JSON has all. */
#define TEXT_TASKS 12
#define TEXT_EVENTS 12

/* One task's events in the window: v[from, to), in time order. */
struct rtask {
	size_t from, to, in;
	double last;
	bool focus;
};

/* The failing task first, then the task nearest the failure. */
static int by_focus_last(const void *a, const void *b)
{
	const struct rtask *x = a, *y = b;

	if (x->focus != y->focus)
		return x->focus ? -1 : 1;
	return x->last > y->last ? -1 : x->last < y->last;
}

/*
 * The window, except for the task the failure names: a stalled task's last
 * events (its enqueue onto a DSQ nobody consumes) are seconds older.
 */
static bool in_window(const struct rev *e, const struct rtask *tk, double from, double fail)
{
	return e->t <= fail && (tk->focus || e->t >= from);
}

static void task_text(FILE *f, const struct rev *v, const struct rtask *tk, double from,
		      double fail, const char *comm)
{
	size_t shown = 0;

	fprintf(f, "task %d %s%s: %zu events%s\n", v[tk->from].pid, comm,
		tk->focus ? " (named by the failure)" : "", tk->in,
		tk->in > TEXT_EVENTS ? " (the last shown)" : "");
	for (size_t k = tk->from; k < tk->to; k++) {
		const struct rev *e = &v[k];

		if (!in_window(e, tk, from, fail) || tk->in - ++shown >= TEXT_EVENTS)
			continue;
		fprintf(f, "  %+10.3f ms  cpu%-3u %s%s%s%s%s%s%s%s%s\n", (e->t - fail) * 1e3,
			e->cpu, e->event, e->cb ? " ops." : "", e->cb ?: "", e->dsq[0] ? " dsq=" : "",
			e->dsq, e->flags[0] ? " enq_flags=" : "", e->flags, e->detail[0] ? " " : "",
			e->detail);
	}
}

size_t repro__stitch(const char *trace, size_t len, uint64_t window_ns, int focus_pid,
		     char **text, json_t **json)
{
	_cleanup_free_ char *copy = xstrndup(trace, len);
	_cleanup_free_ struct rtask *tasks = NULL;
	struct rev *v = NULL;
	size_t n = 0, kept = 0, ntasks = 0, nprobes = 0;
	char **probes = xcalloc(1, sizeof(char *)), **refused = xcalloc(1, sizeof(char *));
	size_t nrefused = 0;
	double fail = -1, last = 0, from;
	json_t *jtasks = json_array(), *jp = json_array();
	char *buf = NULL;
	size_t blen = 0;
	FILE *f;

	for (char *l = copy, *nl; l && *l; l = nl) {
		nl = strchr(l, '\n');
		if (nl)
			*nl++ = '\0';
		if (str_startswith(l, "# refused: "))
			strv_add(&refused, &nrefused, l + strlen("# refused: "));
		parse_line(l, &v, &n, &fail, &probes, &nprobes);
	}
	for (size_t i = 0; i < n; i++)
		last = MAX(last, v[i].t);
	if (fail < 0)
		fail = last;
	from = fail - (double)window_ns / 1e9;
	qsort(v, n, sizeof(*v), by_pid_time);
	for (size_t i = 0, j; i < n; i = j) {
		struct rtask tk = { .from = i, .focus = focus_pid > 0 && v[i].pid == focus_pid };

		for (j = i; j < n && v[j].pid == v[i].pid; j++)
			if (in_window(&v[j], &tk, from, fail)) {
				tk.in++;
				tk.last = v[j].t;
			}
		tk.to = j;
		if (tk.in) {
			struct rtask *slot = array_push(&tasks, &ntasks, sizeof(*tasks));

			*slot = tk;
			kept += tk.in;
		}
	}
	qsort(tasks, ntasks, sizeof(*tasks), by_focus_last);
	f = open_memstream(&buf, &blen);
	fprintf(f, "failure at %.6f s (%s); %zu events of %zu tasks in the %llu ms before it "
		"(all of the task the failure names)\n",
		fail, fail == last && n ? "the trace's last event: no sched_ext_dump/_exit event" :
		"the first sched_ext_dump/_exit event", kept, ntasks,
		(unsigned long long)(window_ns / 1000000));
	fprintf(f, "probed:");
	for (size_t i = 0; probes[i]; i++) {
		const char *cb = repro__callback(probes[i]);

		fprintf(f, " %s%s%s%s", probes[i], cb ? " (ops." : "", cb ?: "", cb ? ")" : "");
		json_array_append_new(jp, json_string(probes[i]));
	}
	fprintf(f, "%s\n", nprobes ? "" : " none");
	for (size_t t = 0; t < ntasks; t++) {
		const struct rtask *tk = &tasks[t];
		json_t *je = json_array();
		const char *comm = "";

		for (size_t k = tk->from; k < tk->to; k++) {
			const struct rev *e = &v[k];

			if (!in_window(e, tk, from, fail))
				continue;
			if (e->comm[0])
				comm = e->comm;
			json_array_append_new(je, json_pack("{s:f, s:i, s:s, s:s?, s:s?, s:s?, s:s?}",
				"t_ms", (e->t - fail) * 1e3, "cpu", e->cpu, "event", e->event,
				"callback", e->cb, "dsq", e->dsq[0] ? e->dsq : NULL,
				"enq_flags", e->flags[0] ? e->flags : NULL,
				"detail", e->detail[0] ? e->detail : NULL));
		}
		json_array_append_new(jtasks, json_pack("{s:i, s:s, s:b, s:o}", "pid", v[tk->from].pid,
							"comm", comm, "named_by_failure", tk->focus,
							"events", je));
		if (t < TEXT_TASKS)
			task_text(f, v, tk, from, fail, comm);
	}
	if (ntasks > TEXT_TASKS)
		fprintf(f, "(%zu more tasks in auto-repro.json)\n", ntasks - TEXT_TASKS);
	fclose(f);
	*text = buf;
	*json = json_pack("{s:f, s:I, s:o, s:o, s:o}", "failure_s", fail, "window_ms",
			  (json_int_t)(window_ns / 1000000), "probes", jp, "tasks", jtasks,
			  "refused", jdec_strv_json((const char *const *)refused));
	repro__strv_free(probes);
	repro__strv_free(refused);
	free(v);
	return kept;
}

int repro__reason_pid(const char *reason)
{
	for (const char *p = reason ? strchr(reason, '[') : NULL; p; p = strchr(p + 1, '[')) {
		char *end;
		long pid = strtol(p + 1, &end, 10);

		if (end > p + 1 && *end == ']' && pid > 0 && pid < (1 << 22))
			return pid;
	}
	return 0;
}

void repro__record(struct test_repro *out, json_t *js, size_t nevents)
{
	json_t *tasks = json_object_get(js, "tasks");
	const char *key[] = { "probes", "refused" };
	char ***dst[] = { &out->probed, &out->refused };
	json_t *v;
	size_t i;

	for (size_t k = 0; k < ARRAY_SIZE(key); k++) {
		size_t n = 0;

		*dst[k] = xcalloc(1, sizeof(char *));
		json_array_foreach(json_object_get(js, key[k]), i, v)
			strv_add(dst[k], &n, json_string_value(v) ?: "");
	}
	out->ntasks = json_array_size(tasks);
	out->nevents = nevents;
	free(out->tasks_json);
	out->tasks_json = tasks ? json_dumps(tasks, JSON_COMPACT) : NULL;
}
