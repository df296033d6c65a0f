// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for auto-repro's host half (src/check/repro.c) on samples a
 * faulty run produced under 7.3 (tests/check/data): the backtrace filter on
 * the sched_ext dump of an error exit and of a stall, and on the console's
 * copy of the stall; the probe list; the trace of a rerun stitched per task.
 */
#include <math.h>
#include <string.h>

#include "tap.h"
#include "data.h"
#include "check/repro.h"
#include "result/result.h"
#include "util/util.h"

static bool has(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (str_eq(v[i], s))
			return true;
	return false;
}

static char *join(char *const *v)
{
	char *s = xstrdup("");

	for (size_t i = 0; v && v[i]; i++) {
		char *t = xasprintf("%s%s%s", s, i ? " " : "", v[i]);

		free(s);
		s = t;
	}
	return s;
}

int main(void)
{
	size_t len, n;
	char **funcs, **progs, **probes;

	tap_plan(12);
	{
		_cleanup_free_ char *t = check_data_load("scx-dump-error.txt", &len), *f = NULL, *p = NULL;

		n = repro__backtrace(t, len, &funcs, &progs);
		f = join(funcs);
		p = join(progs);
		/* the exit path, the trampoline, timers, softirq and IRQ entry: filtered */
		tap_ok(n == 16 && str_eq(f, "scx_do_enqueue_task enqueue_task_scx enqueue_task "
					    "ttwu_do_activate try_to_wake_up"),
		       "error dump: 16 frames, kernel functions '%s'", f);
		tap_ok(str_eq(p, "faulty_enqueue"), "error dump: the struct_ops program '%s'", p);
		probes = repro__probes(funcs);
		tap_ok(probes[0] && str_eq(probes[0], "scx_do_enqueue_task") &&
		       str_eq(probes[4], "try_to_wake_up") && has(probes, "select_task_rq_scx") &&
		       has(probes, "scx_bpf_dsq_insert"),
		       "probes: the backtrace's first, then the callbacks' callers");
		{
			size_t k = 0;

			while (probes[k] && !str_eq(probes[k], "enqueue_task_scx"))
				k++;
			while (probes[++k] && !str_eq(probes[k], "enqueue_task_scx"))
				;
			tap_ok(!probes[k], "probes: no function twice");
		}
		repro__strv_free(probes);
		repro__strv_free(funcs);
		repro__strv_free(progs);
	}
	{
		_cleanup_free_ char *t = check_data_load("scx-dump-stall.txt", &len), *f = NULL;

		n = repro__backtrace(t, len, &funcs, &progs);
		f = join(funcs);
		tap_ok(n == 8 && str_eq(f, "scx_watchdog_workfn") && !progs[0],
		       "stall dump: 8 frames, only '%s' past the workqueue and exit frames", f);
		repro__strv_free(funcs);
		repro__strv_free(progs);
	}
	{
		_cleanup_free_ char *t = check_data_load("scx-console-stall.log", &len), *f = NULL;

		n = repro__backtrace(t, len, &funcs, &progs);
		f = join(funcs);
		tap_ok(n == 8 && str_eq(f, "scx_watchdog_workfn"),
		       "stall console: the frames after the disable message (%zu, '%s')", n, f);
		repro__strv_free(funcs);
		repro__strv_free(progs);
	}
	{
		const char *none = "[ 1.0] nothing here\n";

		n = repro__backtrace(none, strlen(none), &funcs, &progs);
		tap_ok(n == 0 && !funcs[0] && !progs[0], "no backtrace: nothing to probe from it");
		repro__strv_free(funcs);
		repro__strv_free(progs);
	}
	tap_ok(repro__reason_pid("scheduler ejected: SCX_EXIT_ERROR_STALL: runnable task stall: "
				 "init[103] failed to run for 5.004s") == 103 &&
	       repro__reason_pid("faulty: error-after: 20 events reached") == 0 &&
	       repro__reason_pid("[x] a[7]") == 7, "the pid a reason names");
	{
		_cleanup_free_ char *t = check_data_load("repro-trace.txt", &len), *text = NULL;
		json_t *js = NULL, *tasks, *init = NULL;
		bool old_event = false, cb = false;
		size_t i;
		json_t *task;

		n = repro__stitch(t, len, REPRO_WINDOW_NS, 1, &text, &js);
		printf("%s", text ?: "");
		tasks = json_object_get(js, "tasks");
		json_array_foreach(tasks, i, task) {
			json_t *ev;
			size_t k;

			if (json_is_true(json_object_get(task, "named_by_failure")))
				init = task;
			json_array_foreach(json_object_get(task, "events"), k, ev) {
				double ms = json_real_value(json_object_get(ev, "t_ms"));

				old_event |= (ms < -500.0 && task != init) || ms > 0;
				cb |= str_eq(json_string_value(json_object_get(ev, "callback")), "enqueue") &&
				      json_string_value(json_object_get(ev, "enq_flags")) &&
				      strstr(json_string_value(json_object_get(ev, "enq_flags")), "WAKEUP");
			}
		}
		tap_ok(n > 0 && fabs(json_real_value(json_object_get(js, "failure_s")) - 12.636132) < 1e-6,
		       "stitch: the failure is the sched_ext_exit event (%zu events kept)", n);
		tap_ok(!old_event && strstr(text, "\ntask 1 init (named by the failure)") == strstr(text, "\ntask "),
		       "stitch: only the 500 ms before it, the named task first");
		tap_ok(init && cb && strstr(text, "scx_do_enqueue_task ops.enqueue enq_flags=0x100009 WAKEUP"),
		       "stitch: per-task events name the callback and decode enq_flags");
		{
			struct test_repro rec = { 0 };
			json_t *back;

			repro__record(&rec, js, n);
			back = rec.tasks_json ? json_loads(rec.tasks_json, 0, NULL) : NULL;
			tap_ok(rec.probed && str_eq(rec.probed[0], "scx_do_enqueue_task") && rec.refused &&
			       str_eq(rec.refused[0], "__run_timers: not a probeable kernel function here") &&
			       rec.ntasks == json_array_size(tasks) && rec.nevents == n &&
			       json_equal(back, tasks),
			       "record: the probed and refused functions, the counts, the tasks' events");
			json_decref(back);
			test_repro__free(&rec);
		}
		json_decref(js);
	}
	return tap_done();
}
