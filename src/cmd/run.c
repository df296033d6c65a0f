// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_run: run every selected spec test in its own VM and report verdicts.
 * Per test: resolve the kernel, open the plugin on the host, merge the
 * thresholds, build the initramfs (cached base + per-test suffix), boot,
 * check the topology, collect telemetry, judge it. Tests run on a pool of
 * -j threads; SIGINT/SIGTERM/SIGHUP/SIGQUIT kill every VM and remove every
 * temp file, and the temp dirs of runs killed outright are swept at the next
 * start.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include "check/check.h"
#include "cmd/cmd.h"
#include "kernel/kernel.h"
#include "monitor/monitor.h"
#include "plugin/loader.h"
#include "proto/msg.h"
#include "report/report.h"
#include "spec/spec.h"
#include "util/log.h"
#include "util/path.h"
#include "util/proc.h"
#include "vm/initramfs.h"
#include "spec/topo.h"
#include "vm/vm.h"

/* TCG boots take 6-30 s on a loaded 2-CPU host; a hung boot still ends in minutes */
#define DEFAULT_BOOT_TIMEOUT_NS (120 * NSEC_PER_SEC)
#define KVM_BOOT_TIMEOUT_NS (30 * NSEC_PER_SEC)
#define RUN_GRACE_NS (30 * NSEC_PER_SEC)
#define TEARDOWN_TIMEOUT_NS (10 * NSEC_PER_SEC)
#define CONSOLE_TAIL_LINES 20

struct runner;

/* One test (all its repeats) and its verdict. */
struct job {
	struct runner *rn;
	const struct spec_file *sf;
	const struct spec_test *t;	/* NULL for an ad-hoc --exec / --topo-only run */
	char *name;
	struct spec_topology topo;
	struct kernel_image *kernel;
	char *kernel_err;
	struct test_result *res;
	bool started, running;
	const char *phase;
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
	struct spec_list specs;		/* the spec files the jobs' tests point into */
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

static void report_vm_writes(struct runner *rn, const struct vm_result *vr)
{
	for (size_t i = 0; i < vr->nwrite_errors; i++)
		write_failed(rn, vr->write_errors[i].path, vr->write_errors[i].err);
}

/* The guest agent: $KTSTR_GUEST, beside this binary (build tree), the install dir. */
static char *find_guest(void)
{
	const char *env = getenv("KTSTR_GUEST");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *p;

		self[n] = '\0';
		p = xasprintf("%s/ktstr-guest", dirname(self));
		if (!access(p, X_OK))
			return p;
		free(p);
	}
	return xstrdup(KTSTR_PKGLIBEXECDIR "/ktstr-guest");
}

static unsigned host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? n : 1;
}

/* Last n lines of the console. */
static char *tail_lines(const char *s, size_t len, unsigned n)
{
	const char *p = s + len;

	while (p > s && n) {
		p--;
		if (*p == '\n' && p != s + len - 1)
			n--;
	}
	if (*p == '\n')
		p++;
	return xstrdup(p);
}

/* The console line that says the kernel panicked, if any. */
static char *find_panic(const char *console)
{
	const char *p;

	if (!console)
		return NULL;
	p = strstr(console, "Kernel panic");
	if (!p)
		return NULL;
	return xstrndup(p, strcspn(p, "\r\n"));
}

struct plugin_files {
	struct initramfs *ir;
	int err;
};

static int add_plugin_file(void *ctx, const char *host_path, const char *guest_name)
{
	struct plugin_files *pf = ctx;
	_cleanup_free_ char *gp = xasprintf("/ktstr/files/%s", guest_name);
	_cleanup_free_ char *err = NULL;
	int ret;

	if (strstr(guest_name, "..") || guest_name[0] == '/')
		return -EINVAL;
	ret = initramfs__add_elf(pf->ir, host_path, gp, &err);
	if (ret == -ENOEXEC)	/* not ELF: plain file */
		ret = initramfs__add_file(pf->ir, host_path, gp);
	if (ret && !pf->err)
		pf->err = ret;
	return ret;
}

struct prepared {
	char *initrd;
	char *run_json;
	bool cache_hit;
	uint64_t prep_ns;
};

/* What the guest sent during one boot, decoded (proto/msg.h). */
struct run_channel {
	bool topo;
	bool have_done;
	struct msg_done done;
	bool have_result;
	struct telemetry tel;
	char *result_err;	/* a RSLT that did not decode */
	char *decode_err;	/* the first other frame that did not decode */
	unsigned decode_errors;
	bool have_sched;
	struct msg_sched sched;	/* the last SCHD */
	char *guest_error_log;	/* last error-level LOG from the guest (a plugin's verifier log) */
	char *output;		/* every OUTP, concatenated */
	size_t output_len;
};

static void run_channel__free(struct run_channel *c)
{
	msg_done__free(&c->done);
	telemetry__free(&c->tel);
	free(c->result_err);
	free(c->decode_err);
	msg_sched__free(&c->sched);
	free(c->guest_error_log);
	free(c->output);
	memset(c, 0, sizeof(*c));
}

/* Everything of one test that lives on the host while its VM runs. */
struct test_ctx {
	struct job *job;
	struct plugin *plugin;
	struct thresholds th;
	char *dir;		/* results */
	char *tmp;		/* temp: initrd and suffix, removed afterwards */
	struct topo want;
	char *topo_diff;
	struct run_channel chan;	/* the current boot's messages */
	char *boot_image;	/* the PVH vmlinux, or NULL to boot the bzImage */
	char *sched_name;
	struct monitor_offsets mon_off;	/* struct layouts for the monitor (kernel BTF) */
	char *mon_why;		/* why this test has no monitor, or NULL */
	char *ksyms_cache;	/* the kernel's symbol cache (distances from _text) */
	struct monitor *mon;	/* the current run's monitor, or NULL */
};

static const char *spec_ext(const struct spec_file *sf)
{
	return sf->format == SPEC_FORMAT_INI ? "ini" : "yaml";
}

/* The guest's plan (/ktstr/run.json), encoded by proto/msg.c. */
static char *build_run_json(struct test_ctx *tc, enum vm_machine m)
{
	const struct job *j = tc->job;
	const struct run_opts *o = j->rn->o;
	_cleanup_free_ char *sp = j->sf ? xasprintf("/ktstr/spec.%s", spec_ext(j->sf)) : NULL;
	_cleanup_free_ char *gp = NULL;
	struct run_plan_plugin pl = { 0 };
	struct run_plan p = {
		.mode = o->topo_only ? RUN_MODE_TOPO : o->exec_argv ? RUN_MODE_EXEC : RUN_MODE_RUN,
		.name = j->name, .channel = (char *)qemu__channel_device(m),
		.relaxed = !j->rn->kvm && !o->strict_thresholds,
		.no_ksyms = tc->mon_why != NULL,
		/* tests of the harness itself: make the agent crash ("crash") or exit ("exit") */
		.selftest = getenv("KTSTR_AGENT_SELFTEST"),
	};
	char *s;

	if (p.mode == RUN_MODE_EXEC) {
		p.exec = o->exec_argv;
	} else if (p.mode == RUN_MODE_RUN) {
		p.test = j->t->source_name;	/* the agent replays the overrides */
		p.spec_set = j->t->overrides;
		p.spec = sp;
		p.format = (char *)spec_ext(j->sf);
	}
	if (!tc->mon_why && tc->ksyms_cache) {
		/* the kernel's symbol cache, so the agent reads kallsyms only up to _text */
		_cleanup_free_ char *hint = monitor_ksyms__hint(tc->ksyms_cache);

		if (hint)
			msg_ksyms__decode(hint, strlen(hint), &p.ksyms, &p.nksyms, NULL);
	}
	if (tc->plugin && j->t) {
		_cleanup_free_ char *copy = xstrdup(tc->plugin->path);

		gp = xasprintf("/ktstr/plugins/%s", basename(copy));
		pl = (struct run_plan_plugin){
			.name = (char *)tc->plugin->ops->name, .path = gp,
			.flags = j->t->sched.flags, .args = j->t->sched.args,
			.files_dir = (char *)"/ktstr/files",
			.watchdog_timeout_ns = j->t->sched.watchdog_timeout_ns,
		};
		p.plugin = &pl;
	}
	s = run_plan__encode(&p);
	msg_ksyms__free(p.ksyms, p.nksyms);
	return s;
}

/* Host binaries an ad-hoc --exec command needs: resolve argv[0] on $PATH. */
static char *which(const char *prog)
{
	_cleanup_free_ char *path = xstrdup(getenv("PATH") ?: "/usr/bin:/bin");
	char *save = NULL;

	if (strchr(prog, '/'))
		return access(prog, X_OK) ? NULL : xstrdup(prog);
	for (char *d = strtok_r(path, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", d, prog);

		if (!access(p, X_OK))
			return p;
		free(p);
	}
	return NULL;
}

/* The base (agent, libraries, plugin and its files: cached) and the per-test suffix. */
static int prepare_initrd(struct test_ctx *tc, enum vm_machine m, struct prepared *pp,
			  char **err)
{
	struct job *j = tc->job;
	struct runner *rn = j->rn;
	/*
	 * zstd: under TCG the guest inflates gzip visibly slower (measured ~0.4 s
	 * more CPU per boot for the 5.5 MB base than zstd or no compression)
	 */
	struct initramfs *base = initramfs__new(INITRAMFS_ZSTD);
	struct initramfs *suffix = initramfs__new(INITRAMFS_ZSTD);
	_cleanup_free_ char *base_path = NULL, *suffix_path = NULL, *rj = NULL;
	uint64_t t0 = now_ns();
	int ret;

	ret = initramfs__add_elf(base, rn->guest_bin, "/init", err);
	if (!ret && tc->plugin) {
		_cleanup_free_ char *copy = xstrdup(tc->plugin->path);
		_cleanup_free_ char *gp = xasprintf("/ktstr/plugins/%s", basename(copy));

		ret = initramfs__add_elf(base, tc->plugin->path, gp, err);
		if (!ret && tc->plugin->ops->guest_files && j->t) {
			struct plugin_files pf = { .ir = base };

			ret = tc->plugin->ops->guest_files((const char *const *)j->t->sched.flags,
							   (const char *const *)j->t->sched.args,
							   add_plugin_file, &pf);
			if (ret || pf.err) {
				ret = ret ?: pf.err;
				*err = xasprintf("plugin %s: guest files: %s", tc->plugin->ops->name,
						 strerror(-ret));
			}
		}
	}
	if (!ret) {
		pthread_mutex_lock(&rn->lock);
		ret = initramfs__cached(base, rn->cache_dir, &base_path, &pp->cache_hit, err);
		pthread_mutex_unlock(&rn->lock);
	}
	/* the suffix: the spec as given, payload binaries, the command, run.json */
	if (!ret && j->t && j->sf) {
		_cleanup_free_ char *sp = xasprintf("/ktstr/spec.%s", spec_ext(j->sf));

		ret = initramfs__add_data(suffix, sp, j->sf->text, j->sf->text_len, 0644);
		for (size_t i = 0; !ret && i < j->t->npayloads; i++) {
			const struct spec_payload *p = &j->t->payloads[i];
			/*
			 * /ktstr/payloads/<basename>, where the workload looks first: the
			 * host path may be under /tmp, which the agent mounts a tmpfs over
			 */
			const char *slash = strrchr(p->path, '/');
			_cleanup_free_ char *gp = xasprintf("/ktstr/payloads/%s",
							    slash ? slash + 1 : p->path);

			ret = initramfs__add_elf(suffix, p->path, gp, err);
			if (ret == -ENOEXEC) {
				free(*err);
				*err = NULL;
				ret = initramfs__add_file(suffix, p->path, gp);
			}
			if (ret && !*err)
				*err = xasprintf("payload %s (%s): %s", p->name, p->path,
						 strerror(-ret));
		}
	}
	if (!ret && rn->o->exec_argv) {
		_cleanup_free_ char *prog = which(rn->o->exec_argv[0]);

		if (!prog) {
			*err = xasprintf("--exec: %s not found on $PATH", rn->o->exec_argv[0]);
			ret = -ENOENT;
		} else if (!str_eq(prog, rn->o->exec_argv[0])) {
			*err = xasprintf("--exec: give the full path (%s)", prog);
			ret = -EINVAL;
		} else {
			ret = initramfs__add_elf(suffix, prog, prog, err);
		}
	}
	if (!ret) {
		rj = build_run_json(tc, m);
		ret = initramfs__add_data(suffix, "/ktstr/run.json", rj, strlen(rj), 0644);
		suffix_path = xasprintf("%s/suffix.cpio", tc->tmp);
		ret = ret ?: initramfs__write(suffix, suffix_path, err);
	}
	if (!ret) {
		const char *parts[] = { base_path, suffix_path };

		pp->initrd = xasprintf("%s/initrd", tc->tmp);
		ret = initramfs__concat(pp->initrd, parts, 2);
		if (ret)
			*err = xasprintf("%s: %s", pp->initrd, strerror(-ret));
		pp->run_json = TAKE_PTR(rj);
	}
	pp->prep_ns = now_ns() - t0;
	initramfs__free(base);
	initramfs__free(suffix);
	return ret;
}

/* Channel messages, decoded by proto_dispatch: the topology is checked as soon as it comes. */
static int on_topo(void *ctx, const struct topo *got)
{
	struct test_ctx *tc = ctx;

	tc->chan.topo = true;
	return topo__compare(&tc->want, got, &tc->topo_diff) ? 1 : 0;
}

static int on_syms(void *ctx, const struct msg_syms *m)
{
	struct test_ctx *tc = ctx;
	_cleanup_free_ char *json = NULL;

	if (!tc->mon)
		return 0;
	json = msg_syms__encode(m);	/* the monitor reads the SYMS payload itself */
	monitor__start(tc->mon, json);	/* a failure is kept as its reason */
	pthread_mutex_lock(&tc->job->rn->lock);
	monitor_ksyms__save(tc->ksyms_cache, json);	/* no-op for a cached one */
	pthread_mutex_unlock(&tc->job->rn->lock);
	return 0;
}

static int on_event(void *ctx, const struct timeline_event *e)
{
	struct test_ctx *tc = ctx;

	if (tc->mon && e->kind == EVT_SCENARIO_START)
		monitor__workload_start(tc->mon);
	else if (tc->mon && e->kind == EVT_SCENARIO_END)
		monitor__workload_end(tc->mon);
	return 0;
}

static void set_phase(struct test_ctx *tc, const char *phase)
{
	pthread_mutex_lock(&tc->job->rn->lock);
	tc->job->phase = phase;
	pthread_mutex_unlock(&tc->job->rn->lock);
}

static int on_hello(void *ctx, const struct msg_hello *m)
{
	(void)m;
	set_phase(ctx, "run");
	return 0;
}

static int on_done(void *ctx, const struct msg_done *m)
{
	struct test_ctx *tc = ctx;

	set_phase(tc, "teardown");
	if (tc->chan.have_done)
		return 0;	/* the first DONE is the agent's word; a crash's comes later */
	tc->chan.have_done = true;
	tc->chan.done = (struct msg_done){ .error = m->error ? xstrdup(m->error) : NULL,
					   .exit_code = m->exit_code };
	return 0;
}

static int on_log(void *ctx, const struct msg_log *m)
{
	struct test_ctx *tc = ctx;

	if (m->level == LOG_ERROR) {
		free(tc->chan.guest_error_log);
		tc->chan.guest_error_log = xstrdup(m->text);
	}
	return 0;
}

static int on_sched(void *ctx, const struct msg_sched *m)
{
	struct test_ctx *tc = ctx;

	msg_sched__free(&tc->chan.sched);
	tc->chan.have_sched = true;
	tc->chan.sched = (struct msg_sched){ .state = xstrdup(m->state), .name = xstrdup(m->name),
					     .exit_kind = xstrdup(m->exit_kind),
					     .reason = xstrdup(m->reason) };
	return 0;
}

static int on_result(void *ctx, struct telemetry *t)
{
	struct test_ctx *tc = ctx;

	telemetry__free(&tc->chan.tel);
	tc->chan.tel = *t;		/* taken */
	memset(t, 0, sizeof(*t));
	tc->chan.have_result = true;
	return 0;
}

static int on_output(void *ctx, const void *data, size_t len)
{
	struct run_channel *c = &((struct test_ctx *)ctx)->chan;

	c->output = xrealloc(c->output, c->output_len + len + 1);
	memcpy(c->output + c->output_len, data, len);
	c->output_len += len;
	c->output[c->output_len] = '\0';
	return 0;
}

static int on_artifact(void *ctx, const struct msg_artifact *m)
{
	struct test_ctx *tc = ctx;
	_cleanup_free_ char *p = xasprintf("%s/%s", tc->dir, m->name);	/* a plain name */
	int ret = write_file_atomic(p, m->data, m->len);

	/* said with its errno and exit 99; the verdict is the scheduler's */
	if (ret)
		write_failed(tc->job->rn, p, ret);
	return 0;
}

static const struct proto_handlers handlers = {
	.hello = on_hello, .topo = on_topo, .syms = on_syms, .log = on_log, .event = on_event,
	.sched = on_sched, .result = on_result, .output = on_output, .artifact = on_artifact,
	.done = on_done,
};

/* Every frame: decode and hand it to its handler; nonzero stops the VM. */
static int on_msg(void *ctx, const struct proto_msg *m)
{
	struct test_ctx *tc = ctx;
	_cleanup_free_ char *err = NULL;
	int ret = proto_dispatch(m, &handlers, tc, &err);

	if (ret != -EINVAL)
		return ret;
	/* a frame that does not decode is never silently passed over */
	if (str_eq(m->type, MSG_TOPO)) {
		tc->topo_diff = xasprintf("guest topology unreadable: %s", err);
		return 1;
	}
	if (str_eq(m->type, MSG_RESULT) && !tc->chan.result_err)
		tc->chan.result_err = TAKE_PTR(err);
	else if (!tc->chan.decode_err)
		tc->chan.decode_err = TAKE_PTR(err);
	tc->chan.decode_errors++;
	return 0;
}

static void on_spawn(void *ctx, pid_t pid)
{
	struct test_ctx *tc = ctx;

	if (tc->mon)
		monitor__set_pid(tc->mon, pid);
}

/* Guest RAM the monitor can read, for the VM about to boot; NULL when there is no monitor. */
static struct monitor *monitor_for(struct test_ctx *tc, struct vm_config *cfg)
{
	uint64_t mb[SPEC_MAX_NUMA_NODES], bytes[SPEC_MAX_NUMA_NODES];
	unsigned n = qemu__node_memory(cfg, mb);
	struct monitor *m = NULL;
	int ret;

	cfg->mem_fds = NULL;
	cfg->nmem_fds = 0;
	if (tc->mon_why || !tc->job->t)
		return NULL;
	for (unsigned i = 0; i < n; i++)
		bytes[i] = mb[i] << 20;
	ret = monitor__new(bytes, n, &tc->mon_off, &m);
	if (ret) {
		tc->mon_why = xasprintf("guest RAM for the monitor: %s", strerror(-ret));
		return NULL;
	}
	monitor__set_hz(m, monitor__config_hz(tc->job->kernel->config));
	cfg->mem_fds = monitor__fds(m, &cfg->nmem_fds);
	return m;
}

static void on_tick(void *ctx, const char *phase, uint64_t elapsed)
{
	struct test_ctx *tc = ctx;
	struct runner *rn = tc->job->rn;
	uint64_t expected = tc->job->t ? tc->job->t->duration_ns : 0;

	pthread_mutex_lock(&rn->lock);
	tc->job->phase = phase;
	if (!rn->o->quiet)
		report__progress(rn->rep, tc->job->name, phase, elapsed, expected);
	pthread_mutex_unlock(&rn->lock);
}

static void write_timings(struct runner *rn, const char *dir, const struct prepared *pp,
			  const struct vm_result *vr, uint64_t total, unsigned boot_attempts)
{
	json_t *o = json_pack("{s:I, s:b, s:I, s:I, s:I, s:I, s:i}",
		"host_prep_ns", (json_int_t)pp->prep_ns, "initramfs_cache_hit", pp->cache_hit,
		"boot_ns", (json_int_t)vr->boot_ns, "run_ns", (json_int_t)vr->run_ns,
		"teardown_ns", (json_int_t)vr->teardown_ns, "total_ns", (json_int_t)total,
		"boot_attempts", boot_attempts);
	/* the channel's health: bytes in no good frame, bad frames among them */
	json_object_set_new(o, "channel", json_pack("{s:i, s:i, s:I}", "frames", vr->frames,
						     "bad_frames", vr->bad_frames, "dropped_bytes",
						     (json_int_t)vr->dropped_bytes));
	_cleanup_free_ char *p = xasprintf("%s/timings.json", dir);
	_cleanup_free_ char *text = json_dumps(o, JSON_INDENT(2));
	int ret = text ? write_file_atomic(p, text, strlen(text)) : -ENOMEM;

	if (ret)
		write_failed(rn, p, ret);
	json_decref(o);
}

static void set_error(struct run_result *rr, enum test_status st, const char *phase,
		      const char *fmt, ...) __printf(4, 5);

static void set_error(struct run_result *rr, enum test_status st, const char *phase,
		      const char *fmt, ...)
{
	va_list ap;
	char buf[4096];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rr->status = st;
	free(rr->phase);
	rr->phase = phase ? xstrdup(phase) : NULL;
	run_result__add_detail(rr, DETAIL_OTHER, "harness", NULL, "%s", buf);
}

/* QEMU's own last complaint (qemu.log), e.g. an option it refused. */
static char *qemu_last_error(const char *dir)
{
	_cleanup_free_ char *p = xasprintf("%s/qemu.log", dir), *log = NULL;
	size_t len;
	char *line;

	if (read_file(p, &log, &len) || !len)
		return NULL;
	while (len && (log[len - 1] == '\n' || log[len - 1] == '\r'))
		log[--len] = '\0';
	line = strrchr(log, '\n');
	line = line ? line + 1 : log;
	/* QEMU reports being killed too ("terminating on signal 9"): that says nothing new */
	return *line && !strstr(line, "terminating on signal") ? xstrdup(line) : NULL;
}

/* The last SCHD frame said the scheduler is gone: that is the scheduler's failure. */
static void sched_died(const struct test_ctx *tc, struct run_result *rr)
{
	const char *state = tc->chan.sched.state;

	if (tc->chan.have_sched && !str_eq(state, "running")) {
		const char *kind = tc->chan.sched.exit_kind;
		const char *why = tc->chan.sched.reason;

		rr->status = test_status_worst(rr->status, TEST_FAIL);
		run_result__add_detail(rr, DETAIL_SCHEDULER_DIED, "scheduler", NULL,
				       "scheduler %s%s%s%s%s", state, kind && *kind ? ": " : "",
				       kind ?: "", why && *why ? ": " : "", why ?: "");
	}
}

/* Does a detail already name the channel's losses? */
static bool said_drops(const struct run_result *rr, const char *drops)
{
	for (size_t i = 0; i < rr->ndetails; i++)
		if (rr->details[i].message && strstr(rr->details[i].message, drops))
			return true;
	return false;
}

/* Turn what the VM sent into one run's verdict. */
static void judge(struct test_ctx *tc, const struct vm_result *vr, const char *console,
		  size_t console_len, struct run_result *rr)
{
	const struct job *j = tc->job;
	_cleanup_free_ char *panic = find_panic(console), *qemu_err = qemu_last_error(tc->dir);
	struct run_channel *c = &tc->chan;
	const char *derr = c->done.error;
	_cleanup_free_ char *drops = vr->dropped_bytes ?
		xasprintf("channel: %" PRIu64 " bytes dropped (%u bad frames)", vr->dropped_bytes,
			  vr->bad_frames) : NULL;

	rr->boot_ns = vr->boot_ns;
	rr->run_ns = vr->run_ns;
	rr->channel_dropped = vr->dropped_bytes;
	rr->channel_bad_frames = vr->bad_frames;
	switch (vr->outcome) {
	case VM_SPAWN_FAILED:
		set_error(rr, TEST_ERROR, "boot", "%s", vr->error ?: "QEMU did not start");
		goto out;
	case VM_CANCELLED:
		set_error(rr, TEST_ERROR, vr->phase, "interrupted during %s", vr->phase);
		goto out;
	case VM_STOPPED:
		set_error(rr, TEST_ERROR, "boot", "%s", tc->topo_diff ?: "stopped");
		goto out;
	case VM_TIMEOUT:
		if (str_eq(vr->phase, "teardown") && c->have_done && !derr)
			break;	/* results are complete; the hang is reported below */
		set_error(rr, TEST_TIMEOUT, vr->phase, "%s timeout: %s", vr->phase,
			  str_eq(vr->phase, "boot") ? "the guest agent never reported (no HELO)" :
			  str_eq(vr->phase, "run") ? "no DONE from the guest in time" :
			  "QEMU did not exit after DONE");
		goto out;
	case VM_EXITED:
		if (panic)
			set_error(rr, TEST_ERROR, vr->phase, "%s", panic);
		else {
			char how[64];

			set_error(rr, TEST_ERROR, vr->phase,
				  "QEMU exited (%s) without a DONE from the guest during %s%s%s%s%s",
				  wait_status__describe(vr->wait_status, how, sizeof(how)),
				  vr->phase, qemu_err ? ": " : "", qemu_err ?: "",
				  drops ? "; " : "", drops ?: "");
		}
		goto out;
	case VM_DONE:
		break;
	}
	if (derr) {
		set_error(rr, TEST_ERROR, "run", "guest: %s", derr);
		/* the guest's own account, e.g. a plugin's trimmed verifier log */
		if (c->guest_error_log)
			run_result__add_detail(rr, DETAIL_OTHER, "guest", NULL, "%s", c->guest_error_log);
		goto out;
	}
	/* a message that did not decode: the results are not whole */
	if (c->decode_err) {
		set_error(rr, TEST_ERROR, "collect", "%s%s", c->decode_err,
			  c->decode_errors > 1 ? " (and more frames)" : "");
		goto out;
	}
	if (!c->topo && !j->rn->o->exec_argv) {
		set_error(rr, TEST_ERROR, "boot", "the guest never reported its topology");
		goto out;
	}
	if (j->rn->o->topo_only) {
		rr->status = TEST_PASS;
	} else if (j->rn->o->exec_argv) {
		int code = c->done.exit_code;

		rr->status = code ? TEST_FAIL : TEST_PASS;
		if (code)
			run_result__add_detail(rr, DETAIL_OTHER, "exit_code", NULL,
					       "command exited with %d", code);
	} else {
		if (c->result_err) {
			set_error(rr, TEST_ERROR, "collect", "telemetry: %s", c->result_err);
			goto out;
		}
		if (!c->have_result) {
			/* lost on the way (a torn or corrupt frame) or never sent */
			set_error(rr, TEST_ERROR, "run", "no telemetry (RSLT) from the guest%s%s",
				  drops ? "; " : "", drops ?: "");
			goto out;
		}
		rr->telemetry = c->tel;	/* taken */
		memset(&c->tel, 0, sizeof(c->tel));
		check__evaluate(j->t, &tc->th, &rr->telemetry, console, console_len, rr);
		monitor__judge(tc->mon, tc->mon_why, &tc->th, tc->plugin->ops->needs_sched_ext, rr);
		sched_died(tc, rr);
	}
	if (vr->outcome == VM_TIMEOUT) {
		set_error(rr, TEST_TIMEOUT, "teardown", "QEMU did not exit after DONE");
	}
out:
	/* the verdict stands on whole results, but what was lost is said */
	if (drops && !said_drops(rr, drops))
		run_result__add_detail(rr, DETAIL_OTHER, "channel", NULL, "%s", drops);
}

/*
 * The one-line reason: the first failing run's root cause. A scheduler the
 * kernel ejected explains the starvation and gaps that follow it, so its
 * detail comes before the checks' own.
 */
static void first_reason(struct test_result *res, unsigned repeats)
{
	for (size_t i = 0; i < res->nruns && !res->reason; i++) {
		const struct run_result *rr = &res->runs[i];
		const char *msg;

		if (rr->status == TEST_PASS || !rr->ndetails)
			continue;
		msg = rr->details[0].message;
		for (size_t d = 0; d < rr->ndetails; d++) {
			if (rr->details[d].kind == DETAIL_SCHEDULER_DIED) {
				msg = rr->details[d].message;
				break;
			}
		}
		if (repeats > 1)
			res->reason = xasprintf("repeat %zu of %u: %s", i + 1, repeats, msg);
		else
			res->reason = xstrdup(msg);
	}
}

/* Load the plugin on the host and merge thresholds: defaults, plugin, spec. */
static int open_plugin(struct test_ctx *tc, char **skip, char **err)
{
	const struct job *j = tc->job;
	const char *name = j->t->sched.plugin ?: "eevdf";
	struct thresholds pt = { 0 };
	int ret;

	ret = plugin__open(name, &tc->plugin, err);
	if (ret)
		return ret;
	ret = plugin__check_flags(tc->plugin, (const char *const *)j->t->sched.flags, err);
	if (ret)
		return ret;
	if (tc->plugin->ops->validate) {
		char buf[512] = "";

		ret = tc->plugin->ops->validate((const char *const *)j->t->sched.flags,
						(const char *const *)j->t->sched.args, buf,
						sizeof(buf));
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

/*
 * The kernel command line a test adds: plugin kargs, spec kargs (both checked
 * by spec_karg__check). Their sysctls are set by the guest agent instead.
 */
static char **test_kargs(const struct test_ctx *tc)
{
	char **v = NULL;
	size_t n = 0;
	const struct ktstr_plugin *p = tc->plugin ? tc->plugin->ops : NULL;
	const struct spec_test *t = tc->job->t;

	for (size_t i = 0; p && p->kargs && p->kargs[i]; i++)
		*(char **)array_push(&v, &n, sizeof(char *)) = xstrdup(p->kargs[i]);
	for (size_t i = 0; t && t->kargs && t->kargs[i]; i++)
		*(char **)array_push(&v, &n, sizeof(char *)) = xstrdup(t->kargs[i]);
	if (tc->job->rn->o->verbose)	/* -v: the whole boot on the console log */
		*(char **)array_push(&v, &n, sizeof(char *)) = xstrdup("loglevel=7");
	array_push(&v, &n, sizeof(char *));
	return v;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* $KTSTR_MACHINE=q35|microvm forces a machine type (benchmarks, debugging). */
static enum vm_machine machine_override(void)
{
	const char *m = getenv("KTSTR_MACHINE");

	if (str_eq(m, "q35"))
		return VM_MACHINE_Q35;
	if (str_eq(m, "microvm"))
		return VM_MACHINE_MICROVM;
	return VM_MACHINE_AUTO;
}

/*
 * The monitor's struct layouts from the kernel's BTF, extracted once next to
 * a cached kernel (or into the run's temp dir) and parsed per test.
 */
static void monitor_offsets(struct test_ctx *tc)
{
	struct runner *rn = tc->job->rn;
	const struct kernel_image *k = tc->job->kernel;
	_cleanup_free_ char *derived = NULL, *btf = NULL;
	const char *dir;

	if (getenv("KTSTR_NO_MONITOR")) {
		tc->mon_why = xstrdup("KTSTR_NO_MONITOR is set");
		return;
	}
	/* an image given by path keeps its BTF and symbol offsets in the cache too */
	dir = kernel_image__derived_dir(k, &derived) ? rn->tmp_root : derived;
	btf = xasprintf("%s/" KERNEL_DERIVED_BTF, dir);
	tc->ksyms_cache = xasprintf("%s/" KERNEL_DERIVED_KSYMS, dir);
	pthread_mutex_lock(&rn->lock);
	if (monitor_offsets__for_image(k->image, btf, &tc->mon_off, &tc->mon_why) && !tc->mon_why)
		tc->mon_why = xstrdup("no struct layouts from the kernel's BTF");
	pthread_mutex_unlock(&rn->lock);
}

/* One repeat: prepare, boot, collect, judge. */
static void run_once(struct test_ctx *tc, unsigned rep, struct run_result *rr)
{
	struct job *j = tc->job;
	struct runner *rn = j->rn;
	const struct run_opts *o = rn->o;
	struct vm_config cfg = { .kernel = tc->boot_image ?: j->kernel->image, .topo = j->topo,
				 .kvm = rn->kvm,
				 .tsc_khz = rn->tsc_khz };
	struct prepared pp = { 0 };
	struct vm_result vr = { 0 };
	_cleanup_free_ char *err = NULL, *console_path = NULL;
	char **kargs = test_kargs(tc);
	uint64_t t0 = now_ns(), duration = j->t ? j->t->duration_ns : 0;
	unsigned boot_attempts = 1;
	struct vm_run_opts vo = {
		.cfg = &cfg, .dir = tc->dir, .cancel_fd = cancel_pipe[0],
		.on_msg = on_msg, .on_tick = on_tick, .on_spawn = on_spawn, .ctx = tc,
		.boot_timeout_ns = o->boot_timeout_ns ?: rn->kvm ? KVM_BOOT_TIMEOUT_NS :
				   DEFAULT_BOOT_TIMEOUT_NS,
		.teardown_timeout_ns = TEARDOWN_TIMEOUT_NS,
	};

	(void)rep;
	vo.run_timeout_ns = o->timeout_ns ?: (j->t && j->t->timeout_ns) ? j->t->timeout_ns :
			    duration + RUN_GRACE_NS;
	cfg.memory_mb = j->t ? spec_test__vm_memory_mb(j->t) :
			MAX(spec_topology__cpus(&j->topo) * 64, 256u);
	cfg.kargs = (const char *const *)kargs;
	cfg.machine = machine_override();
	console_path = xasprintf("%s/console.log", tc->dir);
	cfg.console_log = console_path;
	if (prepare_initrd(tc, qemu__pick_machine(&cfg), &pp, &err)) {
		set_error(rr, TEST_ERROR, "prepare", "initramfs: %s", err ?: "failed");
		goto out;
	}
	cfg.initrd = pp.initrd;
	tc->mon = monitor_for(tc, &cfg);
	if (got_signal) {
		set_error(rr, TEST_ERROR, "prepare", "interrupted before boot");
		goto out;
	}
	free(tc->topo_diff);
	tc->topo_diff = NULL;
	run_channel__free(&tc->chan);
	vm__run(&vo, &vr);
	/*
	 * A VM that never reached the agent: under TCG about one boot in a few
	 * dozen hangs early in the kernel (no console output at all). That is
	 * not the scheduler's doing: boot once more, keeping the first console.
	 */
	if (!got_signal && !vr.got_hello && (vr.outcome == VM_TIMEOUT || vr.outcome == VM_EXITED)) {
		_cleanup_free_ char *keep = xasprintf("%s/console-boot1.log", tc->dir);

		report_vm_writes(rn, &vr);
		if (rename(console_path, keep) < 0 && errno != ENOENT)
			write_failed(rn, keep, -errno);
		vm_result__free(&vr);
		run_channel__free(&tc->chan);
		monitor__free(tc->mon);		/* fresh RAM for the second boot */
		tc->mon = monitor_for(tc, &cfg);
		boot_attempts++;
		vm__run(&vo, &vr);
	}
	report_vm_writes(rn, &vr);
	/* the console as QEMU wrote it, whether or not console.log could hold it */
	judge(tc, &vr, vr.console, vr.console_len, rr);
	if (tc->chan.output) {
		_cleanup_free_ char *p = xasprintf("%s/output.log", tc->dir);
		int ret = write_file_atomic(p, tc->chan.output, tc->chan.output_len);

		if (ret)
			write_failed(rn, p, ret);
	}
	if (vr.console && rr->status != TEST_PASS && !j->res->console_tail)
		j->res->console_tail = tail_lines(vr.console, vr.console_len, CONSOLE_TAIL_LINES);
	rr->total_ns = now_ns() - t0;
	write_timings(rn, tc->dir, &pp, &vr, rr->total_ns, boot_attempts);
out:
	if (pp.initrd)
		unlink(pp.initrd);
	{
		_cleanup_free_ char *s = xasprintf("%s/suffix.cpio", tc->tmp);

		unlink(s);
	}
	free(pp.initrd);
	free(pp.run_json);
	monitor__free(tc->mon);
	tc->mon = NULL;
	vm_result__free(&vr);
	run_channel__free(&tc->chan);
	strv_free(kargs);
}

static void run_job(struct job *j)
{
	struct runner *rn = j->rn;
	struct test_result *res = j->res;
	struct test_ctx tc = { .job = j };
	_cleanup_free_ char *err = NULL, *skip = NULL, *san = spec_test__dir_name(j->name);
	char label[32];
	unsigned repeats = j->t ? MAX(j->t->repeats, 1u) : 1;
	uint64_t t0 = now_ns();
	int ret;

	topo__from_spec(&j->topo, &tc.want);
	res->accel = xstrdup(rn->accel_reason);
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
	if (j->t) {
		ret = open_plugin(&tc, &skip, &err);
		res->thresholds = tc.th;
		if (ret) {
			res->status = TEST_ERROR;
			res->reason = xasprintf("scheduler: %s", err ?: strerror(-ret));
			goto out;
		}
		res->scheduler = xstrdup(tc.plugin->ops->name);
		monitor_offsets(&tc);
		if (skip) {
			res->status = TEST_SKIP;
			res->reason = TAKE_PTR(skip);
			goto out;
		}
	}
	if (!rn->kvm && !getenv("KTSTR_NO_PVH")) {
		/* once per image; other tests wait for the extraction instead of repeating it */
		pthread_mutex_lock(&rn->lock);
		if (qemu__pvh_kernel(j->kernel->image, rn->vmlinux_dir, &tc.boot_image) &&
		    rn->o->verbose)
			fprintf(stderr, "ktstr-run: %s: booting the bzImage (no PVH vmlinux)\n",
				j->name);
		pthread_mutex_unlock(&rn->lock);
	}
	res->status = TEST_PASS;
	for (unsigned r = 0; r < repeats; r++) {
		struct run_result *rr = array_push(&res->runs, &res->nruns, sizeof(*rr));

		run_once(&tc, r, rr);
		res->status = test_status_worst(res->status, rr->status);
		if (rr->status != TEST_PASS || got_signal)
			break;
	}
	first_reason(res, repeats);
out:
	res->elapsed_ns = now_ns() - t0;
	if (tc.tmp)
		rm_rf_inside(rn->tmp_root, tc.tmp);
	if (tc.plugin)
		plugin__close(tc.plugin);
	free(tc.dir);
	free(tc.tmp);
	free(tc.topo_diff);
	free(tc.mon_why);
	free(tc.ksyms_cache);
	free(tc.boot_image);
	monitor_offsets__free(&tc.mon_off);
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
		else
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
	for (size_t i = 0; i < rn->specs.nfiles; i++) {
		const struct spec_list_file *f = &rn->specs.files[i];

		if (f->foreign)
			fprintf(stderr, "%s: skipped: not a spec (plain text, not named *.yaml, *.yml or *.ini)\n",
				f->path);
		diag_print(&f->diags, stderr);
		if (f->err && f->err != -EINVAL)
			fprintf(stderr, "ktstr-run: %s: %s\n", f->path, strerror(-f->err));
	}
	for (size_t i = 0; i < rn->specs.ntests; i++) {
		const struct spec_list_test *lt = &rn->specs.tests[i];
		struct job *j = add_job(rn, lt->t->name);

		j->sf = lt->sf;
		j->t = lt->t;
		j->topo = lt->t->topology;
		j->res->spec_path = xstrdup(lt->sf->path);
		j->res->spec = lt->t;
	}
	return ret;
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

int cmd_run(const struct run_opts *o)
{
	struct runner rn = { .o = o };
	struct report_opts ropts = { .tap = o->tap, .junit = o->junit, .quiet = o->quiet,
				     .results_dir = o->results_dir, .color = isatty(2) };
	const struct test_result **results = NULL;
	size_t nres = 0;
	pthread_t *threads;
	unsigned nthreads;
	int status, ret, tmp_lock = -1;
	const char *tmpdir = getenv("TMPDIR");

	pthread_mutex_init(&rn.lock, NULL);
	status = collect_jobs(&rn);
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
	rn.guest_bin = find_guest();
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
		const char *sel = (j->t && j->t->kernel) ? j->t->kernel : o->kernel;

		if (kernel__resolve(sel, &j->kernel, &j->kernel_err))
			j->kernel = NULL;
		else if (!o->quiet && (i == 0 || o->verbose))
			fprintf(stderr, "ktstr-run: kernel: %s\n",
				j->kernel->why ?: j->kernel->image);
	}
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
		status = rn.write_errors ? 99 : test_results__exit_code(results, nres);
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
	pthread_mutex_destroy(&rn.lock);
	return status;
}
