/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Auto-repro on the host: which kernel functions a sched_ext failure's
 * backtrace names, which functions the rerun probes, and the rerun's trace
 * stitched per task in a window before the failure.
 */
#ifndef KTSTR_CHECK_REPRO_H
#define KTSTR_CHECK_REPRO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* The window kept before the failure (the first sched_ext_dump/_exit event). */
#define REPRO_WINDOW_NS (500ull * 1000 * 1000)

/*
 * The frames of the exit backtrace in a sched_ext dump ("Backtrace:" block)
 * or, without one, in the kernel console (the lines after "sched_ext: BPF
 * scheduler ... disabled"). *funcs gets the kernel functions worth probing
 * (generic, entry, lock, exit-path and trampoline frames filtered out, as
 * ktstr does); *progs the BPF programs' names (bpf_prog_<tag>_<name> ->
 * name). Both NULL-terminated, caller frees (strv); either may be empty.
 * Returns the number of frames seen (0: no backtrace).
 */
size_t repro__backtrace(const char *text, size_t len, char ***funcs, char ***progs);

/* The sched_ext_ops callback a kernel function calls ("enqueue"), or NULL. */
const char *repro__callback(const char *fn);

/*
 * The rerun's probes: the backtrace's functions, then the kernel callers of
 * every struct_ops callback (variants of different kernels among them; the
 * guest skips what its kernel lacks). NULL-terminated, no duplicates.
 */
char **repro__probes(char *const *bt_funcs);

/*
 * Stitch the guest's trace (auto-repro-trace.txt: "# " header lines, then
 * tracefs lines) per task, keeping window_ns before the failure (every
 * event of focus_pid's task: a stalled task's last ones are older). *text is
 * the report's section body (focus_pid's task first, then the tasks
 * nearest the failure), *json the artifact ({failure_s, window_ms,
 * probes: [...], refused: ["function: why", ...], tasks: [{pid, comm,
 * events: [{t_ms, cpu, event, callback, dsq, enq_flags, detail}]}]}). Both caller frees. Returns the
 * number of events kept.
 */
size_t repro__stitch(const char *trace, size_t len, uint64_t window_ns, int focus_pid,
		     char **text, json_t **json);

struct test_repro;	/* result/result.h */
/*
 * What result.json and the HTML report keep of a stitched trace (json from
 * repro__stitch, nevents its return): the probed and refused functions,
 * the task and event counts and the tasks' events (out->tasks_json).
 */
void repro__record(struct test_repro *out, json_t *json, size_t nevents);

/* The pid a failure's reason names ("init[103] failed to run"), or 0. */
int repro__reason_pid(const char *reason);

void repro__strv_free(char **v);

#endif
