// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_run: run every selected spec test in its own VM and report verdicts.
 * This file is the command: options to jobs (spec/list.c loads the specs),
 * a pool of -j threads, signals, progress and reports, the exit code. Per
 * test it resolves the kernel, opens the plugin and merges the thresholds;
 * vm/session.c boots the VM and check/verdict.c judges what came back.
 * SIGINT/SIGTERM/SIGHUP/SIGQUIT kill every VM and remove every temp file,
 * and the temp dirs of runs killed outright are swept at the next start.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>

#include "check/repro.h"
#include "check/verdict.h"
#include "cmd/cmd.h"
#include "cmd/shard.h"
#include "kernel/kernel.h"
#include "plugin/loader.h"
#include "report/report.h"
#include "spec/cost.h"
#include "spec/spec.h"
#include "util/path.h"
#include "util/proc.h"
#include "vm/initramfs.h"
#include "vm/session.h"

struct runner;

/* One test (all its repeats) and its verdict. */
struct job {
	struct runner *rn;
	const struct spec_file *sf;
	const struct spec_test *t;	/* NULL for an ad-hoc --exec / --topo-only run */
	char *name;
	struct spec_topology topo;
	const char *kernel_sel;		/* the kernel dimension's selector, or NULL */
	struct kernel_image *kernel;
	char *kernel_err;
	double est_s;			/* the budget's estimate (measured or the cost model's) */
	struct test_result *res;
	bool started, running;
	const char *phase;
	int shell_code;			/* --shell: the shell's exit status, or -1 */
	enum vm_snap_use snap;		/* snapshots for this test (snap_decide) */
};

struct runner {
	const struct run_opts *o;
	pthread_mutex_t lock;
	struct report *rep;
	bool kvm;
	unsigned tsc_khz;
	char *accel_reason;
	char *guest_bin;
	char *cache_dir;
	char *vmlinux_dir;
	char *tmp_root;
	struct run_context context;	/* this run's identity, for result.json */
	struct spec_list specs;		/* the spec files the jobs' tests point into */
	struct shard_info shard;	/* with --shard: the full list's hash and size */
	struct job *jobs;
	size_t njobs, next;
	bool cancelled;
	unsigned write_errors;	/* results or artifacts not written: the run exits 99 */
};

/* SIGINT/SIGTERM/SIGHUP/SIGQUIT: make the cancel pipe readable; every VM loop polls it. */
static int cancel_pipe[2] = { -1, -1 };
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	int saved = errno;

	if (!got_signal)
		got_signal = sig;
	term__restore();	/* --shell: the terminal as it was, whatever follows */
	(void)!write(cancel_pipe[1], "x", 1);
	errno = saved;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* a closed terminal or SSH session, and ^\, stop as cleanly as ^C */
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * A result, report or artifact that did not reach the disk: said at once
 * with its path and errno, and the run exits 99 after the verdicts print.
 */
static void write_failed(struct runner *rn, const char *path, int err)
{
	/* no rn->lock: the report calls this with it held */
	__atomic_add_fetch(&rn->write_errors, 1, __ATOMIC_RELAXED);
	fprintf(stderr, "ktstr-run: cannot write %s: %s\n", path, write_error_str(err));
}

static void report_write_failed(void *ctx, const char *path, int err)
{
	write_failed(ctx, path, err);
}

static unsigned host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? n : 1;
}

/* Everything of one test that lives on the host while its VM runs. */
struct test_ctx {
	struct job *job;
	struct plugin *plugin;
	struct thresholds th;
	char *dir;		/* results */
	char *tmp;		/* temp: initrd and suffix, removed afterwards */
	struct vm_session *vs;
	/* auto-repro: the last failed run's sched_ext dump (else console) and ejection */
	char *repro_src, *repro_why;
	size_t repro_len;
};

/*
 * Why this host cannot carry the test's guest, or NULL: under TCG all vCPUs
 * share one host thread, and the cost model's boot time for the vCPU count
 * past the boot timeout would end in a TIMEOUT that says nothing about the
 * scheduler; a guest larger than the host's available memory would swap or
 * be killed. --no-host-fit runs it anyway.
 */
static char *host_fit_skip(const struct job *j)
{
	const struct run_opts *o = j->rn->o;
	unsigned cpus = spec_topology__cpus(&j->topo);
	double boot = spec_cost__boot_s(cpus);
	double limit = (o->boot_timeout_ns ?: DEFAULT_BOOT_TIMEOUT_NS) / 1e9;
	uint64_t mem = spec_test__vm_memory_mb(j->t);
	uint64_t avail = (uint64_t)sysconf(_SC_AVPHYS_PAGES) * sysconf(_SC_PAGESIZE) >> 20;

	if (o->no_host_fit)
		return NULL;
	if (!j->rn->kvm && boot > limit)
		return xasprintf("host cannot carry %u vCPUs under TCG: the cost model predicts a %.0f s "
				 "boot, past the %.0f s boot timeout (--boot-timeout or --no-host-fit)",
				 cpus, boot, limit);
	if (avail && mem > avail)
		return xasprintf("host cannot carry a %" PRIu64 "M guest: %" PRIu64 "M available "
				 "(--no-host-fit runs it anyway)", mem, avail);
	return NULL;
}

/* A NULL-terminated string list a _cleanup_ frees. */
static void strv_freep(char ***v)
{
	for (char **p = *v; p && *p; p++)
		free(*p);
	free(*v);
}

/* Load the plugin on the host and merge thresholds: defaults, plugin, spec. */
static int open_plugin(struct test_ctx *tc, char **skip, char **err)
{
	const struct job *j = tc->job;
	const char *name = j->t->sched.plugin ?: "eevdf";
	struct thresholds pt = { 0 };
	int ret;

	/* the flags flag_args maps are the binary's, not the plugin's to check */
	_cleanup_(strv_freep) char **pflags = spec_scheduler__plugin_flags(&j->t->sched);
	_cleanup_(strv_freep) char **argv = spec_scheduler__argv(&j->t->sched);

	ret = plugin__open(name, &tc->plugin, err);
	if (ret)
		return ret;
	ret = plugin__check_flags(tc->plugin, (const char *const *)pflags, err);
	if (ret)
		return ret;
	if (tc->plugin->ops->validate) {
		char buf[512] = "";

		ret = tc->plugin->ops->validate((const char *const *)pflags,
						(const char *const *)argv, buf, sizeof(buf));
		if (ret) {
			*err = xasprintf("plugin %s: %s", name, buf[0] ? buf : strerror(-ret));
			return ret;
		}
	}
	if (tc->plugin->ops->needs_sched_ext && j->kernel->config_known && !j->kernel->sched_ext) {
		*skip = xasprintf("plugin %s needs sched_ext; kernel %s lacks "
				  "CONFIG_SCHED_CLASS_EXT", name, j->kernel->version ?: j->kernel->image);
		return 0;
	}
	if (j->t->min_kernel && kernel__version_below(j->kernel->version, j->t->min_kernel)) {
		*skip = xasprintf("kernel %s is older than the spec's min_kernel %s",
				  j->kernel->version, j->t->min_kernel);
		return 0;
	}
	*skip = spec_test__flags_skip(j->t);
	if (*skip)
		return 0;
	thresholds__defaults(&tc->th, !j->rn->kvm && !j->rn->o->strict_thresholds);
	ret = plugin__thresholds(tc->plugin, &pt, err);
	if (ret)
		return ret;
	thresholds__merge(&tc->th, &pt, THR_LAYER_PLUGIN);
	thresholds__merge(&tc->th, &j->t->assert, THR_LAYER_SPEC);
	return 0;
}

/* The session's callbacks: the job's phase, progress, and writes that failed. */
static void on_phase(void *ctx, const char *phase)
{
	struct job *j = ctx;

	pthread_mutex_lock(&j->rn->lock);
	j->phase = phase;
	pthread_mutex_unlock(&j->rn->lock);
	/* --shell: raw from the agent's hello until the VM is gone (run_once) */
	if (j->rn->o->shell && str_eq(phase, "run") && term__raw(STDIN_FILENO))
		fprintf(stderr, "ktstr-run: --shell: the terminal cannot go raw: %s\n",
			strerror(errno));
}

static void on_tick(void *ctx, const char *phase, uint64_t elapsed)
{
	struct job *j = ctx;
	struct runner *rn = j->rn;
	uint64_t expected = j->t ? j->t->duration_ns * (j->t->baseline ? 2 : 1) : 0;

	pthread_mutex_lock(&rn->lock);
	j->phase = phase;
	if (!rn->o->quiet)
		report__progress(rn->rep, j->name, phase, elapsed, expected);
	pthread_mutex_unlock(&rn->lock);
}

static void session_write_failed(void *ctx, const char *path, int err)
{
	write_failed(((struct job *)ctx)->rn, path, err);
}

/*
 * Auto-repro's trigger: a failed run whose scheduler the kernel ejected or
 * whose health check (the plugin's poll) found it gone. Keeps what names
 * the failing code: the sched_ext dump's backtrace, else the console's.
 * An attach failure (the verifier) is left out: no callback ever ran.
 */
static void repro_keep(struct test_ctx *tc, const struct vm_session_run *sr,
		       const struct run_result *rr)
{
	const struct msg_sched *m = &sr->chan.sched;
	_cleanup_free_ char *dump = xasprintf("%s/sched_ext_dump.txt", tc->dir);
	char *text = NULL;
	size_t len = 0;

	if (rr->status != TEST_FAIL || !sr->chan.have_sched || str_eq(m->state, "running") ||
	    str_eq(m->exit_kind, "attach failed"))
		return;
	if (read_file(dump, &text, &len)) {
		if (!sr->vm.console)
			return;
		text = xstrndup(sr->vm.console, sr->vm.console_len);
		len = sr->vm.console_len;
	}
	free(tc->repro_src);
	free(tc->repro_why);
	tc->repro_src = text;
	tc->repro_len = len;
	tc->repro_why = xasprintf("%s%s%s%s%s", m->state, *m->exit_kind ? ": " : "", m->exit_kind,
				  *m->reason ? ": " : "", m->reason);
}

/* One repeat: boot (vm/session.c), judge. */
static void run_once(struct test_ctx *tc, struct run_result *rr)
{
	struct job *j = tc->job;
	struct vm_session_run sr;

	const struct run_opts *o = j->rn->o;
	struct check_verdict_in in = {
		/* --shell: the VM came up as specified and the shell ran; its status is the user's */
		.mode = o->topo_only || o->shell ? VERDICT_TOPO : o->exec_argv ? VERDICT_EXEC :
			o->verifier ? VERDICT_VERIFIER : VERDICT_SPEC,
		.t = j->t, .th = &tc->th,
		.sched_ext = tc->plugin && tc->plugin->ops->needs_sched_ext,
	};

	vm_session__run(tc->vs, &sr);
	if (o->shell) {
		term__restore();
		if (sr.chan.have_done && !sr.chan.done.error)
			j->shell_code = sr.chan.done.exit_code;
	}
	check__verdict(&in, &sr, rr);
	if (in.sched_ext)
		repro_keep(tc, &sr, rr);
	if (!sr.prep_err && !sr.interrupted) {
		if (sr.vm.console && rr->status != TEST_PASS && !j->res->console_tail)
			j->res->console_tail = check__console_tail(sr.vm.console,
								   sr.vm.console_len);
		rr->total_ns = sr.total_ns;
	}
	vm_session_run__free(&sr);
}

/*
 * --retries: move what an attempt left in the test's dir (every entry but
 * earlier attempt-N dirs) into DIR/attempt-N, so the last attempt's
 * artifacts sit where a run without retries puts them. *out is the new dir.
 */
static int keep_attempt(const char *dir, unsigned n, char **out)
{
	_cleanup_free_ char *name = xasprintf("attempt-%u", n);
	_cleanup_close_ int sub = -1;
	struct dirent *e;
	DIR *d;
	int ret = 0;

	*out = xasprintf("%s/%s", dir, name);
	if (mkdir(*out, 0755) && errno != EEXIST)
		return -errno;
	sub = open(*out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = opendir(dir);
	if (sub < 0 || !d) {
		ret = -errno;
		if (d)
			closedir(d);
		return ret;
	}
	while ((e = readdir(d))) {
		if (str_eq(e->d_name, ".") || str_eq(e->d_name, "..") ||
		    !strncmp(e->d_name, "attempt-", 8))
			continue;
		if (renameat(dirfd(d), e->d_name, sub, e->d_name) && !ret)
			ret = -errno;
	}
	closedir(d);
	return ret;
}

/*
 * Auto-repro (ktstr-run(1)): rerun the failed test once in DIR/auto-repro
 * with kprobes on the backtrace's functions and the struct_ops callbacks'
 * kernel callers, and report the trace stitched per task. The test's
 * verdict stays the first run's; the rerun's own outcome is only noted.
 */
static void auto_repro(struct test_ctx *tc)
{
	struct job *j = tc->job;
	struct test_result *res = j->res;
	_cleanup_free_ char *dir = xasprintf("%s/auto-repro", tc->dir);
	_cleanup_free_ char *trace_path = xasprintf("%s/auto-repro-trace.txt", dir);
	_cleanup_free_ char *trace = NULL, *body = NULL, *outcome = NULL;
	char **funcs = NULL, **progs = NULL, **probes;
	struct test_result rerun = { 0 };
	struct run_result *rr;
	json_t *js = NULL;
	size_t tlen = 0, frames, nevents = 0;
	struct test_repro *rec = xcalloc(1, sizeof(*rec));
	uint64_t t0 = now_ns();
	char *text;
	FILE *f;
	int ret;

	frames = repro__backtrace(tc->repro_src, tc->repro_len, &funcs, &progs);
	probes = repro__probes(funcs);
	ret = mkdir_p(dir, 0755);
	if (!ret) {
		vm_session__set_repro(tc->vs, dir, probes);
		rr = array_push(&rerun.runs, &rerun.nruns, sizeof(*rr));
		run_once(tc, rr);
		rerun.status = rr->status;
		check__first_reason(&rerun, 1);
		vm_session__set_repro(tc->vs, tc->dir, NULL);
		outcome = xasprintf("%s%s%s", test_status_name(rerun.status), rerun.reason ? ": " : "",
				    rerun.reason ?: "");
		ret = read_file(trace_path, &trace, &tlen);
	}
	f = open_memstream(&text, &(size_t){ 0 });
	fprintf(f, "trigger: %s\n", tc->repro_why);
	fprintf(f, "backtrace: %zu frames;", frames);
	for (size_t i = 0; progs[i]; i++)
		fprintf(f, " %s (struct_ops program)", progs[i]);
	for (size_t i = 0; funcs[i]; i++)
		fprintf(f, " %s", funcs[i]);
	fprintf(f, "%s\n", funcs[0] || progs[0] ? "" : " none past the generic frames");
	if (ret) {
		fprintf(f, "no trace: %s: %s\n", outcome ? trace_path : dir, strerror(-ret));
		rec->error = xasprintf("%s: %s", outcome ? trace_path : dir, strerror(-ret));
	} else {
		nevents = repro__stitch(trace, tlen, REPRO_WINDOW_NS,
					repro__reason_pid(rerun.reason ?: tc->repro_why), &body, &js);
		fputs(body, f);
		repro__record(rec, js, nevents);
	}
	fprintf(f, "rerun: %s (%.1f s; files in %s)\n", outcome ?: "not run", (now_ns() - t0) / 1e9,
		dir);
	fclose(f);
	res->auto_repro = text;
	{
		_cleanup_free_ char *tp = xasprintf("%s/auto-repro.txt", tc->dir);
		_cleanup_free_ char *jp = xasprintf("%s/auto-repro.json", tc->dir);
		_cleanup_free_ char *jt = NULL;

		if (js) {
			json_object_set_new(js, "trigger", json_string(tc->repro_why));
			json_object_set_new(js, "rerun", json_string(outcome ?: "not run"));
			jt = json_dumps(js, JSON_INDENT(1) | JSON_SORT_KEYS);
		}
		if ((ret = write_file_atomic(tp, text, strlen(text))))
			write_failed(j->rn, tp, -ret);
		else
			rec->text_path = xstrdup(tp);
		if (jt && (ret = write_file_atomic(jp, jt, strlen(jt))))
			write_failed(j->rn, jp, -ret);
		else if (jt)
			rec->json_path = xstrdup(jp);
	}
	rec->trigger = xstrdup(tc->repro_why);
	rec->rerun = xstrdup(outcome ?: "not run");
	rec->dir = xstrdup(dir);
	res->repro = rec;
	json_decref(js);
	test_result__free(&rerun);
	repro__strv_free(funcs);
	repro__strv_free(progs);
	repro__strv_free(probes);
}

static void run_job(struct job *j)
{
	struct runner *rn = j->rn;
	struct test_result *res = j->res;
	struct test_ctx tc = { .job = j };
	_cleanup_free_ char *err = NULL, *skip = NULL, *note = NULL;
	_cleanup_free_ char *san = spec_test__dir_name(j->name);
	char label[32];
	unsigned repeats = j->t ? MAX(j->t->repeats, 1u) : 1;
	uint64_t t0 = now_ns();
	int ret;

	res->accel = xstrdup(rn->accel_reason);
	res->context = &rn->context;
	res->started_at = run_context__time(time(NULL), false);
	res->topology = xstrdup(spec_topology__label(&j->topo, label, sizeof(label)));
	/* both strictly inside their roots, or nothing is created (a test named '..') */
	if (path_join_under(rn->o->results_dir, san, &tc.dir) ||
	    path_join_under(rn->tmp_root, san, &tc.tmp)) {
		res->status = TEST_ERROR;
		res->reason = xasprintf("test name '%s' does not name a directory inside %s", j->name,
					tc.dir ? rn->tmp_root : rn->o->results_dir);
		goto out;
	}
	res->results_dir = xstrdup(tc.dir);
	ret = mkdir_p(tc.dir, 0755);
	if (!ret)
		ret = mkdir_p(tc.tmp, 0700);
	if (ret) {
		res->status = TEST_ERROR;
		res->reason = xasprintf("%s: %s", tc.dir, strerror(-ret));
		goto out;
	}
	if (!j->kernel) {
		res->status = TEST_ERROR;
		res->reason = xasprintf("no kernel: %s", j->kernel_err ?: "not found");
		goto out;
	}
	res->kernel = xstrdup(j->kernel->why ?: j->kernel->image);
	run_context__test(res, j->kernel, NULL, NULL);
	if (j->t) {
		ret = open_plugin(&tc, &skip, &err);
		res->thresholds = tc.th;
		if (ret) {
			res->status = TEST_ERROR;
			res->reason = xasprintf("scheduler: %s", err ?: strerror(-ret));
			goto out;
		}
		res->scheduler = xstrdup(tc.plugin->ops->name);
		if (!skip)
			skip = host_fit_skip(j);
		run_context__test(res, NULL, tc.plugin, j->t);
		if (skip) {
			res->status = TEST_SKIP;
			res->reason = TAKE_PTR(skip);
			goto out;
		}
	}
	struct winsize ws = { 0 };
	struct vm_shell shell = {
		.includes = rn->o->includes, .dmesg = rn->o->dmesg,
		.term_in = STDIN_FILENO, .term_out = STDOUT_FILENO, .term = getenv("TERM"),
	};

	if (rn->o->shell && !ioctl(STDIN_FILENO, TIOCGWINSZ, &ws)) {
		shell.rows = ws.ws_row;
		shell.cols = ws.ws_col;
	}
	vm_session__new(&(struct vm_session_opts){
		.name = j->name, .sf = j->sf, .t = j->t, .topo = j->topo, .kernel = j->kernel,
		.plugin = tc.plugin, .exec_argv = rn->o->exec_argv, .topo_only = rn->o->topo_only,
		.verifier = rn->o->verifier,
		.shell = rn->o->shell ? &shell : NULL,
		.kvm = rn->kvm, .relaxed = !rn->kvm && !rn->o->strict_thresholds,
		.verbose = rn->o->verbose, .snapshot = j->snap,
		.tsc_khz = rn->tsc_khz, .guest_bin = rn->guest_bin,
		.initramfs_cache = rn->cache_dir, .vmlinux_dir = rn->vmlinux_dir,
		.tmp_root = rn->tmp_root, .dir = tc.dir, .tmp = tc.tmp,
		.boot_timeout_ns = rn->o->boot_timeout_ns, .run_timeout_ns = rn->o->timeout_ns,
		.cancel_fd = cancel_pipe[0], .lock = &rn->lock, .on_phase = on_phase,
		.on_tick = on_tick, .write_failed = session_write_failed, .ctx = j,
	}, &tc.vs, &note);
	if (note && rn->o->verbose)
		fprintf(stderr, "ktstr-run: %s: %s\n", j->name, note);
	for (unsigned attempt = 1;; attempt++) {
		uint64_t ta = now_ns();
		char *adir = NULL;

		vm_session__set_attempt(tc.vs, attempt);
		res->status = TEST_PASS;
		for (unsigned r = 0; r < repeats; r++) {
			struct run_result *rr = array_push(&res->runs, &res->nruns, sizeof(*rr));

			run_once(&tc, rr);
			res->status = test_status_worst(res->status, rr->status);
			if (rr->status != TEST_PASS || got_signal)
				break;
		}
		check__first_reason(res, repeats);
		if (got_signal || !test_status__retry(res->status, attempt, rn->o->retries))
			break;
		/* the attempt's artifacts move aside; the next one writes the test's dir afresh */
		ret = keep_attempt(tc.dir, attempt, &adir);
		if (ret) {
			write_failed(rn, adir, -ret);
			break;
		}
		if (!rn->o->quiet)
			fprintf(stderr, "ktstr-run: %s: attempt %u %s%s%s; retrying\n", j->name, attempt,
				test_status_name(res->status), res->reason ? ": " : "", res->reason ?: "");
		test_result__push_attempt(res, adir, now_ns() - ta);
	}
	test_result__settle(res);
	if (tc.repro_src && j->t && !j->t->no_auto_repro && res->status == TEST_FAIL && !got_signal)
		auto_repro(&tc);
out:
	res->elapsed_ns = now_ns() - t0;
	if (tc.tmp)
		rm_rf_inside(rn->tmp_root, tc.tmp);
	if (tc.plugin)
		plugin__close(tc.plugin);
	free(tc.dir);
	free(tc.tmp);
	free(tc.repro_src);
	free(tc.repro_why);
	vm_session__free(tc.vs);
}

/*
 * --verifier: each run's programs as ktstr prints its verifier statistics,
 * on stdout after the test's line (a scheduler that failed to load has its
 * ERROR and reason there instead).
 */
static void print_verifier(const struct test_result *res)
{
	for (size_t i = 0; i < res->nruns; i++) {
		const struct run_result *rr = &res->runs[i];
		_cleanup_free_ char *table = report__verifier_text(rr);

		if (rr->status != TEST_PASS)
			continue;
		printf("\n=== BPF VERIFIER STATS: %s", res->name);
		if (res->nruns > 1)
			printf(" (run %zu)", i + 1);
		fputs(" ===\n", stdout);
		fputs(table ?: "  no struct_ops programs: the scheduler loaded no BPF\n", stdout);
	}
	fflush(stdout);
}

static void *worker(void *arg)
{
	struct runner *rn = arg;

	for (;;) {
		struct job *j;

		pthread_mutex_lock(&rn->lock);
		if (rn->next >= rn->njobs || got_signal) {
			pthread_mutex_unlock(&rn->lock);
			return NULL;
		}
		j = &rn->jobs[rn->next++];
		j->started = j->running = true;
		j->phase = "prepare";
		pthread_mutex_unlock(&rn->lock);

		run_job(j);

		pthread_mutex_lock(&rn->lock);
		if (!got_signal)
			j->running = false;
		if (!got_signal)
			report__test_done(rn->rep, j->res);
		if (!got_signal && rn->o->verifier)
			print_verifier(j->res);
		if (got_signal)
			report__test_cut(rn->rep, j->res);	/* its result.json only */
		if (rn->o->verbose)
			fprintf(stderr, "ktstr-run: %s: %s%s%s (results in %s)\n", j->name,
				test_status_name(j->res->status), j->res->reason ? ": " : "",
				j->res->reason ?: "", j->res->results_dir ?: "-");
		pthread_mutex_unlock(&rn->lock);
	}
}

static struct job *add_job(struct runner *rn, const char *name)
{
	struct job *j = array_push(&rn->jobs, &rn->njobs, sizeof(*rn->jobs));

	j->rn = rn;
	j->name = xstrdup(name);
	j->res = xcalloc(1, sizeof(*j->res));
	j->res->name = xstrdup(name);
	j->shell_code = -1;
	return j;
}

/* Specs -> jobs (filtered), or one ad-hoc job for --exec / --topo-only. */
static int collect_jobs(struct runner *rn)
{
	const struct run_opts *o = rn->o;
	struct spec_filter *filter = NULL;
	_cleanup_free_ char *ferr = NULL;
	int ret = 0;

	if (o->exec_argv || o->topo_only) {
		struct spec_topology st = { .numa_nodes = 1, .llcs = 1, .cores = 2, .threads = 1 };
		_cleanup_free_ char *name = NULL;
		char label[32];

		if (o->topology && spec_topology__parse(o->topology, &st)) {
			fprintf(stderr, "ktstr-run: --topology: '%s' is not like 1n2l2c1t or 1n2l1c1t+1m\n",
				o->topology);
			return 2;
		}
		/* the limits a spec's topology has (ktstr-spec(5)) */
		if ((uint64_t)st.llcs * st.cores * st.threads > SPEC_MAX_CPUS ||
		    st.numa_nodes + st.memory_only_nodes > SPEC_MAX_NUMA_NODES) {
			fprintf(stderr, "ktstr-run: --topology: '%s' is too large: at most %d CPUs and %d nodes\n",
				o->topology, SPEC_MAX_CPUS, SPEC_MAX_NUMA_NODES);
			return 2;
		}
		name = xasprintf("%s/%s", o->topo_only ? "topo" : "exec",
				 spec_topology__label(&st, label, sizeof(label)));
		add_job(rn, name)->topo = st;
		return 0;
	}
	if (spec_filter__new(o->filter, &filter, &ferr)) {
		fprintf(stderr, "ktstr-run: -E: %s\n", ferr);
		return 2;
	}
	if (spec_list__load(&rn->specs, o->specs, o->nspecs, &o->spec, filter, NULL))
		ret = 2;
	spec_filter__free(filter);
	if (cmd__shard(o, &rn->specs, &rn->shard))
		ret = 2;
	for (size_t i = 0; i < rn->specs.nfiles; i++) {
		const struct spec_list_file *f = &rn->specs.files[i];

		if (f->foreign)
			fprintf(stderr, "%s: skipped: not a spec (plain text, not named *.yaml, *.yml or *.ini)\n",
				f->path);
		diag_print(&f->diags, stderr);
		if (f->err && f->err != -EINVAL)
			fprintf(stderr, "ktstr-run: %s: %s\n", f->path, strerror(-f->err));
	}
	if (!ret) {
		struct cmd_sel *sel;
		size_t nsel;

		ret = cmd__select(o, &rn->specs, &sel, &nsel);
		for (size_t i = 0; !ret && i < nsel; i++) {
			struct job *j = add_job(rn, sel[i].name);

			j->sf = sel[i].sf;
			j->t = sel[i].t;
			j->topo = sel[i].t->topology;
			j->kernel_sel = sel[i].kernel;
			j->est_s = sel[i].est_s;
			j->res->spec_path = xstrdup(sel[i].sf->path);
			j->res->spec = sel[i].t;
		}
		cmd_sel__free(sel, nsel);
	}
	if (!ret && o->shell && rn->njobs > 1) {
		fprintf(stderr, "ktstr-run: --shell boots one test's VM; %zu match (first %s, then %s): "
			"choose one with -E\n", rn->njobs, rn->jobs[0].name, rn->jobs[1].name);
		ret = 2;
	}
	return ret;
}

/*
 * What a test's snapshot key (vm_snapshot__key) depends on that differs between
 * tests of one run: the kernel, the scheduler with its flags and arguments (the
 * initramfs base holds the plugin and its guest files), the topology, the memory
 * and the kernel command line. The key itself hashes the built initramfs; tests
 * alike here share it.
 */
static char *snap_group(const struct job *j)
{
	const struct spec_topology *t = &j->topo;
	char *g = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&g, &len);

	if (!f)
		abort();	/* out of memory, as xasprintf */
	fprintf(f, "%s\n%u %u %u %u %u %d", j->kernel->image, t->numa_nodes,
		t->memory_only_nodes, t->llcs, t->cores, t->threads, t->has_distances);
	for (unsigned n = 0; n < SPEC_MAX_NUMA_NODES; n++) {
		fprintf(f, " %" PRIu64, t->node_memory_mb[n]);
		for (unsigned m = 0; t->has_distances && m < SPEC_MAX_NUMA_NODES; m++)
			fprintf(f, ",%u", t->distance[n][m]);
	}
	if (j->t) {
		fprintf(f, "\n%" PRIu64 "\n%s", spec_test__vm_memory_mb(j->t),
			j->t->sched.plugin ?: "eevdf");
		for (char **v = j->t->sched.flags; v && *v; v++)
			fprintf(f, "\nflag %s", *v);
		for (char **v = j->t->sched.args; v && *v; v++)
			fprintf(f, "\narg %s", *v);
		for (char **v = j->t->kargs; v && *v; v++)
			fprintf(f, "\nkarg %s", *v);
	}
	fclose(f);
	return g;
}

struct snap_slot {
	char *group;
	struct job *job;
};

static int snap_slot_cmp(const void *a, const void *b)
{
	return strcmp(((const struct snap_slot *)a)->group, ((const struct snap_slot *)b)->group);
}

/*
 * Each test's snapshot use. Auto: restore when at least two boots of this run
 * (tests, or repeats of one; retries do not count) share the test's key, so the
 * template's boot pays for itself; else only from a snapshot already cached
 * (a template built for one boot costs more than the fresh boot).
 */
static void snap_decide(struct runner *rn)
{
	struct snap_slot *v = xcalloc(rn->njobs, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < rn->njobs; i++) {
		struct job *j = &rn->jobs[i];

		j->snap = rn->o->snapshot == SNAP_ALWAYS ? VM_SNAP_ON :
			  rn->o->snapshot == SNAP_NEVER ? VM_SNAP_OFF : VM_SNAP_CACHED;
		if (j->snap == VM_SNAP_CACHED && j->kernel)
			v[n++] = (struct snap_slot){ snap_group(j), j };
	}
	qsort(v, n, sizeof(*v), snap_slot_cmp);
	for (size_t i = 0, end; i < n; i = end) {
		unsigned boots = 0;

		for (end = i; end < n && str_eq(v[end].group, v[i].group); end++)
			boots += v[end].job->t ? MAX(v[end].job->t->repeats, 1u) : 1;
		for (size_t k = i; boots >= 2 && k < end; k++)
			v[k].job->snap = VM_SNAP_ON;
	}
	for (size_t i = 0; i < n; i++)
		free(v[i].group);
	free(v);
}

/* The sweep found the temp dir of a run that is gone (killed outright, or crashed). */
static void swept(void *ctx, const char *path, const char *owner)
{
	(void)ctx;
	fprintf(stderr, "ktstr-run: removed %s, left by a run that is gone (pid and start: %s)\n",
		path, owner);
}

/* Default -j: what the host carries without oversubscribing (TCG vCPUs cost host CPUs). */
static unsigned default_jobs(const struct runner *rn)
{
	unsigned maxv = 1;

	if (rn->kvm)
		return MAX(host_cpus() / 2, 1u);
	for (size_t i = 0; i < rn->njobs; i++)
		maxv = MAX(maxv, spec_topology__cpus(&rn->jobs[i].topo));
	return MAX(host_cpus() / maxv, 1u);
}

/*
 * --budget: what the selection predicted against what the tests took (the
 * sum of their times, which is the wall time at -j1), and the test the
 * estimate missed most, so a --timings file or the cost model can be fixed.
 */
static void budget_report(const struct runner *rn, uint64_t wall_ns)
{
	double pred = 0, actual = 0, worst = 0;
	const struct job *wj = NULL;

	for (size_t i = 0; i < rn->njobs; i++) {
		const struct job *j = &rn->jobs[i];
		double a = j->res->elapsed_ns / 1e9;

		pred += j->est_s;
		actual += a;
		if (fabs(a - j->est_s) > worst) {
			worst = fabs(a - j->est_s);
			wj = j;
		}
	}
	fprintf(stderr, "budget: predicted %.0f s, actual %.0f s (%+.0f%%) over %zu tests; wall %.0f s\n",
		pred, actual, pred > 0 ? 100 * (actual - pred) / pred : 0.0, rn->njobs, wall_ns / 1e9);
	if (wj)
		fprintf(stderr, "budget: furthest off: %s, predicted %.1f s, took %.1f s\n", wj->name,
			wj->est_s, wj->res->elapsed_ns / 1e9);
}

int cmd_run(const struct run_opts *o)
{
	struct runner rn = { .o = o };
	struct report_opts ropts = { .tap = o->tap, .junit = o->junit, .html = o->html,
				     .quiet = o->quiet,
				     .results_dir = o->results_dir, .color = isatty(2) };
	_cleanup_free_ char *runs_root = NULL, *run_dir = NULL;
	time_t started = time(NULL);
	const struct test_result **results = NULL;
	size_t nres = 0;
	pthread_t *threads;
	unsigned nthreads;
	int status, ret, tmp_lock = -1;
	const char *tmpdir = getenv("TMPDIR");

	uint64_t t0 = now_ns();

	pthread_mutex_init(&rn.lock, NULL);
	status = collect_jobs(&rn);
	/* a shard may be empty (more shards than tests): its record still says so */
	if (!status && !rn.njobs && o->shard) {
		ret = shard__write_json(o->results_dir, o->shard, &rn.shard, NULL, 0, NULL);
		if (ret)
			write_failed(&rn, o->results_dir, ret);
		status = ret ? 99 : 0;
		goto free_jobs;
	}
	if (status || !rn.njobs) {
		if (!rn.njobs && !status)
			fprintf(stderr, "ktstr-run: no test matches\n");
		status = status ?: 2;
		goto free_jobs;
	}
	rn.kvm = qemu__pick_accel(o->accel == ACCEL_KVM ? VM_ACCEL_KVM :
				  o->accel == ACCEL_TCG ? VM_ACCEL_TCG : VM_ACCEL_AUTO, "",
				  &rn.accel_reason);
	if (!o->quiet)
		fprintf(stderr, "ktstr-run: accelerator: %s\n", rn.accel_reason);
	if (!rn.kvm)
		rn.tsc_khz = qemu__host_tsc_khz();
	rn.guest_bin = vm_session__guest_bin();
	rn.cache_dir = initramfs__cache_dir();
	rn.vmlinux_dir = qemu__pvh_cache_dir();
	/* from here on SIGINT/SIGTERM/SIGHUP/SIGQUIT stop cleanly: the temp dir is always removed */
	if (pipe2(cancel_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		status = 99;
		goto free_jobs;
	}
	install_signals();
	tmpdir = tmpdir && *tmpdir ? tmpdir : "/tmp";
	run_dir__sweep(tmpdir, "ktstr-run", o->quiet ? NULL : swept, NULL);
	ret = run_dir__create(tmpdir, "ktstr-run", &rn.tmp_root, &tmp_lock);
	if (ret) {
		fprintf(stderr, "ktstr-run: %s/ktstr-run.XXXXXX: %s\n", tmpdir, strerror(-ret));
		status = 99;
		goto free_jobs;
	}
	for (size_t i = 0; i < rn.njobs; i++) {
		struct job *j = &rn.jobs[i];
		const char *sel = j->kernel_sel ? j->kernel_sel :
				  (j->t && j->t->kernel) ? j->t->kernel : o->kernel;

		if (kernel__resolve(sel, &j->kernel, &j->kernel_err))
			j->kernel = NULL;
		else if (!o->quiet && (i == 0 || o->verbose))
			fprintf(stderr, "ktstr-run: kernel: %s\n",
				j->kernel->why ?: j->kernel->image);
	}
	snap_decide(&rn);
	if (o->shard) {
		const char **names = xcalloc(rn.njobs, sizeof(*names));
		struct kernel_image *k = rn.jobs[0].kernel;

		for (size_t i = 0; i < rn.njobs; i++)
			names[i] = rn.jobs[i].name;
		ret = shard__write_json(o->results_dir, o->shard, &rn.shard, names, rn.njobs,
					k ? (k->why ?: k->image) : NULL);
		free(names);
		if (ret)
			write_failed(&rn, o->results_dir, ret);
	}
	run_context__collect(&rn.context, started, rn.kvm);
	/* the kept copy of this run (report/runs.c); a run that cannot be kept still runs */
	if (runs__root(o->runs_dir, &runs_root))
		fprintf(stderr, "ktstr-run: runs are not kept: neither $XDG_DATA_HOME nor $HOME is set "
			"(give --runs-dir DIR, or --runs-dir none)\n");
	else if (runs_root && (ret = runs__create(runs_root, rn.context.run_id, &run_dir)))
		report_write_failed(&rn, runs_root, ret);
	if (run_dir) {	/* the run's name is its directory's: 20261207T152610Z, or -2 after it */
		free(rn.context.run_id);
		rn.context.run_id = xstrdup(strrchr(run_dir, '/') + 1);
		if (!o->quiet)
			fprintf(stderr, "ktstr-run: this run is kept in %s\n", run_dir);
	}
	ropts.run_dir = run_dir;
	ropts.context = &rn.context;
	ropts.write_failed = report_write_failed;
	ropts.ctx = &rn;
	rn.rep = report__new(&ropts);
	report__begin(rn.rep, rn.njobs);
	nthreads = MIN(o->jobs ?: default_jobs(&rn), (unsigned)rn.njobs);
	threads = xcalloc(nthreads, sizeof(*threads));
	for (unsigned i = 0; i < nthreads; i++)
		pthread_create(&threads[i], NULL, worker, &rn);
	for (unsigned i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	if (got_signal) {
		fprintf(stderr, "\nktstr-run: interrupted by SIG%s; stopped:\n",
			sigabbrev_np(got_signal));
		for (size_t i = 0; i < rn.njobs; i++)
			if (rn.jobs[i].running)
				fprintf(stderr, "  %s (%s)\n", rn.jobs[i].name,
					rn.jobs[i].phase ?: "prepare");
		status = 128 + got_signal;
	} else {
		for (size_t i = 0; i < rn.njobs; i++)
			*(const struct test_result **)array_push(&results, &nres,
								 sizeof(*results)) = rn.jobs[i].res;
		report__end(rn.rep);	/* a failed write went to write_failed */
		if (o->budget_s > 0)
			budget_report(&rn, now_ns() - t0);
		status = rn.write_errors ? 99 : test_results__exit_code(results, nres);
		/* --shell: the shell's own status, when it ran; else why not, as for a test */
		if (o->shell && rn.jobs[0].shell_code >= 0)
			status = rn.jobs[0].shell_code;
	}
	report__free(rn.rep);
	free(results);
	rm_rf_inside(tmpdir, rn.tmp_root);
	close(tmp_lock);	/* after the removal: until then a sweep must not take it */
free_jobs:
	for (size_t i = 0; i < rn.njobs; i++) {
		free(rn.jobs[i].name);
		free(rn.jobs[i].kernel_err);
		kernel_image__free(rn.jobs[i].kernel);
		test_result__free(rn.jobs[i].res);
		free(rn.jobs[i].res);
	}
	free(rn.jobs);
	spec_list__free(&rn.specs);
	free(rn.tmp_root);
	free(rn.guest_bin);
	free(rn.cache_dir);
	free(rn.vmlinux_dir);
	free(rn.accel_reason);
	run_context__free(&rn.context);
	pthread_mutex_destroy(&rn.lock);
	return status;
}
