// SPDX-License-Identifier: GPL-2.0-only
/*
 * One test's VM session: build the initramfs and the guest's run plan, boot
 * through vm__run, decode the channel, retry a boot that never reached the
 * agent, run the monitor beside the VM, and keep the timings.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "vm/initramfs.h"
#include "vm/session.h"
#include "vm/snapshot.h"
#include "spec/topo.h"

#define KVM_BOOT_TIMEOUT_NS (30 * NSEC_PER_SEC)
#define RUN_GRACE_NS (30 * NSEC_PER_SEC)
#define TEARDOWN_TIMEOUT_NS (10 * NSEC_PER_SEC)
/* a restore reaches the agent in about a second; past this, boot afresh */
#define RESTORE_TIMEOUT_NS (30 * NSEC_PER_SEC)

struct vm_session {
	struct vm_session_opts o;
	struct topo want;
	char *boot_image;	/* the PVH vmlinux, or NULL to boot the bzImage */
	struct monitor_offsets mon_off;	/* struct layouts for the monitor (kernel BTF) */
	char *mon_why;		/* why this test has no monitor, or NULL */
	char *ksyms_cache;	/* the kernel's symbol cache (distances from _text) */
	struct vm_session_run *cur;	/* the boot under way */
	unsigned attempt;	/* --retries: which attempt the next boot is (0: not said) */
	char **probes;		/* auto-repro: the rerun's probes (borrowed), or NULL */
	/* a restore under way: QEMU waits on this QMP socket for the snapshot's state */
	const struct vm_snapshot *restore;
	const char *restore_qmp;
	char *restore_err;
};

static void strv_free(char **v);

void run_channel__free(struct run_channel *c)
{
	msg_done__free(&c->done);
	telemetry__free(&c->tel);
	telemetry__free(&c->baseline);
	free(c->result_err);
	free(c->decode_err);
	msg_sched__free(&c->sched);
	msg_bpf_progs__free(c->progs, c->nprogs);
	free(c->guest_error_log);
	free(c->output);
	memset(c, 0, sizeof(*c));
}

static void write_failed(const struct vm_session *s, const char *path, int err)
{
	if (s->o.write_failed)
		s->o.write_failed(s->o.ctx, path, err);
}

/* Has ktstr-run been told to stop? The cancel fd is only ever polled, never read. */
static bool cancelled(const struct vm_session *s)
{
	struct pollfd p = { .fd = s->o.cancel_fd, .events = POLLIN };

	return s->o.cancel_fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
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

#define RUN_JSON "/ktstr/run.json"

static const char *spec_ext(const struct spec_file *sf)
{
	return sf->format == SPEC_FORMAT_INI ? "ini" : "yaml";
}

/* The guest's plan (/ktstr/run.json), encoded by proto/msg.c. */
/* Where an --exec command is packed in the guest: /ktstr/exec/<its name>. */
static char *exec_guest_path(const char *prog)
{
	const char *slash = strrchr(prog, '/');

	return xasprintf("/ktstr/exec/%s", slash ? slash + 1 : prog);
}

static char *build_run_json(const struct vm_session *s, enum vm_machine m)
{
	const struct vm_session_opts *o = &s->o;
	_cleanup_free_ char *sp = o->sf ? xasprintf("/ktstr/spec.%s", spec_ext(o->sf)) : NULL;
	_cleanup_free_ char *gp = NULL, *exec0 = NULL;
	_cleanup_free_ char **exec = NULL;
	char **pflags = NULL, **argv = NULL;
	struct run_plan_plugin pl = { 0 };
	struct run_plan p = {
		.mode = o->topo_only ? RUN_MODE_TOPO : o->exec_argv ? RUN_MODE_EXEC :
			o->shell ? RUN_MODE_SHELL : RUN_MODE_RUN,
		.name = (char *)o->name, .channel = (char *)qemu__channel_device(m),
		.relaxed = o->relaxed,
		.no_ksyms = s->mon_why != NULL,
		/* tests of the harness itself: make the agent crash ("crash") or exit ("exit") */
		.selftest = getenv("KTSTR_AGENT_SELFTEST"),
		.attempt = s->attempt,
		.verifier = o->verifier,
		.probes = s->probes,
	};
	char *ret;

	if (p.mode == RUN_MODE_EXEC) {
		size_t n = 0;

		while (o->exec_argv[n])
			n++;
		exec = xcalloc(n + 1, sizeof(*exec));
		memcpy(exec, o->exec_argv, n * sizeof(*exec));
		exec[0] = exec0 = exec_guest_path(o->exec_argv[0]);
		p.exec = exec;
	} else if (p.mode == RUN_MODE_RUN || p.mode == RUN_MODE_SHELL) {
		if (o->shell) {
			p.term = (char *)o->shell->term;
			p.rows = o->shell->rows;
			p.cols = o->shell->cols;
		}
		p.test = o->t->source_name;	/* the agent replays the overrides */
		p.spec_set = o->t->overrides;
		p.spec = sp;
		p.format = (char *)spec_ext(o->sf);
	}
	if (!s->mon_why && s->ksyms_cache) {
		/* the kernel's symbol cache, so the agent reads kallsyms only up to _text */
		_cleanup_free_ char *hint = monitor_ksyms__hint(s->ksyms_cache);

		if (hint)
			msg_ksyms__decode(hint, strlen(hint), &p.ksyms, &p.nksyms, NULL);
	}
	if (o->plugin && o->t) {
		_cleanup_free_ char *copy = xstrdup(o->plugin->path);

		gp = xasprintf("/ktstr/plugins/%s", basename(copy));
		/* flag_args' flags become the binary's arguments; {config} its guest path */
		pflags = spec_scheduler__plugin_flags(&o->t->sched);
		argv = spec_scheduler__argv(&o->t->sched);
		pl = (struct run_plan_plugin){
			.name = (char *)o->plugin->ops->name, .path = gp,
			.flags = pflags, .args = argv,
			.files_dir = (char *)"/ktstr/files",
			.watchdog_timeout_ns = o->t->sched.watchdog_timeout_ns,
			.attach_timeout_ms = spec_scheduler__attach_timeout_ms(&o->t->sched, p.relaxed),
		};
		p.plugin = &pl;
	}
	ret = run_plan__encode(&p);
	msg_ksyms__free(p.ksyms, p.nksyms);
	strv_free(pflags);
	strv_free(argv);
	return ret;
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

/* One host file into the initramfs: an ELF with its libraries, anything else as it is. */
static int add_host_file(struct initramfs *ir, const char *host, const char *guest, char **err)
{
	int ret = initramfs__add_elf(ir, host, guest, err);

	if (ret == -ENOEXEC) {
		free(*err);
		*err = NULL;
		ret = initramfs__add_file(ir, host, guest);
	}
	return ret;
}

/* A directory given to --include, walked recursively: its tree under guest. */
static int add_include_dir(struct initramfs *ir, const char *host, const char *guest,
			   unsigned depth, char **err)
{
	DIR *d;
	struct dirent *e;
	int ret = 0;

	if (depth > 32) {
		*err = xasprintf("--include %s: nested more than 32 directories deep", host);
		return -ELOOP;
	}
	d = opendir(host);
	if (!d) {
		ret = -errno;
		*err = xasprintf("--include %s: %s", host, strerror(errno));
		return ret;
	}
	while (!ret && (e = readdir(d))) {
		_cleanup_free_ char *hp = NULL, *gp = NULL;
		struct stat st;

		if (str_eq(e->d_name, ".") || str_eq(e->d_name, ".."))
			continue;
		hp = xasprintf("%s/%s", host, e->d_name);
		gp = xasprintf("%s/%s", guest, e->d_name);
		if (stat(hp, &st) < 0) {
			ret = -errno;
			*err = xasprintf("--include %s: %s", hp, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			ret = add_include_dir(ir, hp, gp, depth + 1, err);
		} else if (S_ISREG(st.st_mode)) {
			ret = add_host_file(ir, hp, gp, err);
			if (ret && !*err)
				*err = xasprintf("--include %s: %s", hp, strerror(-ret));
		}
	}
	closedir(d);
	return ret;
}

/*
 * --include, as ktstr's shell: each path at /include-files/<basename>, a
 * directory with its tree, a bare name found on $PATH, an ELF file with the
 * shared libraries it needs.
 */
static int add_includes(struct initramfs *ir, char *const *paths, char **err)
{
	for (size_t i = 0; paths && paths[i]; i++) {
		_cleanup_free_ char *host = strchr(paths[i], '/') ? xstrdup(paths[i]) : NULL;
		_cleanup_free_ char *copy = NULL, *gp = NULL;
		struct stat st;
		int ret;

		if (!host && access(paths[i], F_OK) == 0)
			host = xstrdup(paths[i]);	/* a file in the current directory */
		if (!host)
			host = which(paths[i]);
		if (!host || stat(host, &st) < 0) {
			*err = xasprintf("--include %s: %s", paths[i],
					 host ? strerror(errno) : "not a file here nor on $PATH");
			return -ENOENT;
		}
		copy = xstrdup(host);
		gp = xasprintf(VM_SHELL_INCLUDE_DIR "/%s", basename(copy));
		if (S_ISDIR(st.st_mode)) {
			ret = add_include_dir(ir, host, gp, 0, err);
		} else {
			ret = add_host_file(ir, host, gp, err);
			if (ret && !*err)
				*err = xasprintf("--include %s: %s", host, strerror(-ret));
		}
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The base (agent, libraries, plugin and its files: cached; *base_path) and
 * the per-test suffix (*suffix: spec, payloads, the command, run.json).
 */
static int prepare_initrd(struct vm_session *s, enum vm_machine m, struct vm_session_run *r,
			  char **base_out, struct initramfs **suffix_out, char **err)
{
	const struct vm_session_opts *o = &s->o;
	/*
	 * zstd: under TCG the guest inflates gzip visibly slower (measured ~0.4 s
	 * more CPU per boot for the 5.5 MB base than zstd or no compression).
	 * The suffix, written anew for every test, stays uncompressed: it is
	 * a few KiB without payloads, and setting up zstd at level 9 for it
	 * cost 50 ms of host time per run (tests/bench/boot-overhead.md).
	 */
	struct initramfs *base = initramfs__new(INITRAMFS_ZSTD);
	struct initramfs *suffix = initramfs__new(INITRAMFS_NONE);
	_cleanup_free_ char *base_path = NULL, *rj = NULL;
	uint64_t t0 = now_ns();
	int ret;

	ret = initramfs__add_elf(base, o->guest_bin, "/init", err);
	if (!ret) {
		/* a shell and tools, /etc, the kernel's config at /boot (vm/guestenv.c) */
		_cleanup_free_ char *bb = guest_env__busybox();
		struct guest_env ge = { .busybox = bb, .kconfig = o->kernel->config,
					.kversion = o->kernel->version };

		if (!bb) {
			*err = xstrdup("no busybox for the guest's shell and tools: install "
				       "busybox-static or set KTSTR_BUSYBOX");
			ret = -ENOENT;
		} else {
			ret = initramfs__add_guest_env(base, &ge, err);
		}
	}
	if (!ret && o->plugin) {
		_cleanup_free_ char *copy = xstrdup(o->plugin->path);
		_cleanup_free_ char *gp = xasprintf("/ktstr/plugins/%s", basename(copy));

		ret = initramfs__add_elf(base, o->plugin->path, gp, err);
		if (!ret && o->plugin->ops->guest_files && o->t) {
			struct plugin_files pf = { .ir = base };

			ret = o->plugin->ops->guest_files((const char *const *)o->t->sched.flags,
							  (const char *const *)o->t->sched.args,
							  add_plugin_file, &pf);
			if (ret || pf.err) {
				ret = ret ?: pf.err;
				*err = xasprintf("plugin %s: guest files: %s", o->plugin->ops->name,
						 strerror(-ret));
			}
		}
	}
	if (!ret) {
		pthread_mutex_lock(o->lock);
		ret = initramfs__cached(base, o->initramfs_cache, &base_path, &r->cache_hit, err);
		pthread_mutex_unlock(o->lock);
	}
	/* the suffix: the spec as given, payload binaries, the command, run.json */
	if (!ret && o->t && o->sf) {
		_cleanup_free_ char *sp = xasprintf("/ktstr/spec.%s", spec_ext(o->sf));

		ret = initramfs__add_data(suffix, sp, o->sf->text, o->sf->text_len, 0644);
		for (size_t i = 0; !ret && i < o->t->npayloads; i++) {
			const struct spec_payload *p = &o->t->payloads[i];
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
	if (!ret && o->shell)
		ret = add_includes(suffix, o->shell->includes, err);
	if (!ret && o->t && o->t->sched.config_path) {
		/* config_file: at SPEC_INCLUDE_DIR/<name>, where {config} points */
		_cleanup_free_ char *gp = spec_scheduler__config_guest_path(&o->t->sched);

		ret = initramfs__add_file(suffix, o->t->sched.config_path, gp);
		if (ret)
			*err = xasprintf("config_file %s: %s", o->t->sched.config_path, strerror(-ret));
	}
	if (!ret && o->exec_argv) {
		_cleanup_free_ char *prog = which(o->exec_argv[0]);

		if (!prog) {
			*err = xasprintf("--exec: %s not found on $PATH", o->exec_argv[0]);
			ret = -ENOENT;
		} else if (!str_eq(prog, o->exec_argv[0])) {
			*err = xasprintf("--exec: give the full path (%s)", prog);
			ret = -EINVAL;
		} else {
			/*
			 * under /ktstr, as payloads are: the agent mounts tmpfs on
			 * /tmp, /run and /dev/shm, which would hide a host path there
			 */
			_cleanup_free_ char *gp = exec_guest_path(prog);

			ret = initramfs__add_elf(suffix, prog, gp, err);
		}
	}
	if (!ret) {
		rj = build_run_json(s, m);
		ret = initramfs__add_data(suffix, RUN_JSON, rj, strlen(rj), 0644);
	}
	r->prep_ns = now_ns() - t0;
	initramfs__free(base);
	if (ret) {
		initramfs__free(suffix);
		return ret;
	}
	*base_out = TAKE_PTR(base_path);
	*suffix_out = suffix;
	return 0;
}

/* A fresh boot's initrd: the cached base followed by the suffix. */
static int write_initrd(const struct vm_session *s, struct vm_session_run *r, const char *base,
			const struct initramfs *suffix, char **initrd, char **err)
{
	_cleanup_free_ char *suffix_path = xasprintf("%s/suffix.cpio", s->o.tmp);
	uint64_t t0 = now_ns();
	int ret = initramfs__write(suffix, suffix_path, err);

	if (!ret) {
		const char *parts[] = { base, suffix_path };

		*initrd = xasprintf("%s/initrd", s->o.tmp);
		ret = initramfs__concat(*initrd, parts, 2);
		if (ret)
			*err = xasprintf("%s: %s", *initrd, strerror(-ret));
	}
	r->prep_ns += now_ns() - t0;
	return ret;
}

/* Channel messages, decoded by proto_dispatch: the topology is checked as soon as it comes. */
static int on_topo(void *ctx, const struct topo *got)
{
	struct vm_session *s = ctx;

	s->cur->chan.topo = true;
	return topo__compare(&s->want, got, &s->cur->topo_diff) ? 1 : 0;
}

static int on_syms(void *ctx, const struct msg_syms *m)
{
	struct vm_session *s = ctx;

	if (!s->cur->mon)
		return 0;
	monitor__start(s->cur->mon, m);	/* a failure is kept as its reason */
	pthread_mutex_lock(s->o.lock);
	monitor_ksyms__save(s->ksyms_cache, m);	/* no-op for a cached one */
	pthread_mutex_unlock(s->o.lock);
	return 0;
}

static int on_event(void *ctx, const struct timeline_event *e)
{
	struct vm_session *s = ctx;

	if (s->cur->mon && e->kind == EVT_SCENARIO_START)
		monitor__workload_start(s->cur->mon);
	else if (s->cur->mon && e->kind == EVT_SCENARIO_END)
		monitor__workload_end(s->cur->mon);
	return 0;
}

static void set_phase(const struct vm_session *s, const char *phase)
{
	if (s->o.on_phase)
		s->o.on_phase(s->o.ctx, phase);
}

static int on_hello(void *ctx, const struct msg_hello *m)
{
	(void)m;
	set_phase(ctx, "run");
	return 0;
}

static int on_done(void *ctx, const struct msg_done *m)
{
	struct vm_session *s = ctx;
	struct run_channel *c = &s->cur->chan;

	set_phase(s, "teardown");
	if (c->have_done)
		return 0;	/* the first DONE is the agent's word; a crash's comes later */
	c->have_done = true;
	c->done = (struct msg_done){ .error = m->error ? xstrdup(m->error) : NULL,
				     .exit_code = m->exit_code };
	return 0;
}

static int on_log(void *ctx, const struct msg_log *m)
{
	struct run_channel *c = &((struct vm_session *)ctx)->cur->chan;

	if (m->level == LOG_ERROR) {
		free(c->guest_error_log);
		c->guest_error_log = xstrdup(m->text);
	}
	return 0;
}

static int on_sched(void *ctx, const struct msg_sched *m)
{
	struct run_channel *c = &((struct vm_session *)ctx)->cur->chan;

	if (str_eq(m->state, "running"))	/* the watchdog override may write now */
		monitor__sched_running(((struct vm_session *)ctx)->cur->mon);

	msg_sched__free(&c->sched);
	c->have_sched = true;
	c->sched = (struct msg_sched){ .state = xstrdup(m->state), .name = xstrdup(m->name),
				       .exit_kind = xstrdup(m->exit_kind),
				       .reason = xstrdup(m->reason) };
	if (m->nprogs) {	/* kept apart: a later SCHD ("exited") carries none */
		msg_bpf_progs__free(c->progs, c->nprogs);
		c->progs = msg_bpf_progs__dup(m->progs, m->nprogs);
		c->nprogs = m->nprogs;
	}
	return 0;
}

static int on_result(void *ctx, struct telemetry *t)
{
	struct run_channel *c = &((struct vm_session *)ctx)->cur->chan;

	telemetry__free(&c->tel);
	c->tel = *t;		/* taken */
	memset(t, 0, sizeof(*t));
	c->have_result = true;
	return 0;
}

static int on_baseline(void *ctx, struct telemetry *t)
{
	struct run_channel *c = &((struct vm_session *)ctx)->cur->chan;

	telemetry__free(&c->baseline);
	c->baseline = *t;	/* taken */
	memset(t, 0, sizeof(*t));
	c->have_baseline = true;
	return 0;
}

static int on_output(void *ctx, const void *data, size_t len)
{
	struct run_channel *c = &((struct vm_session *)ctx)->cur->chan;

	c->output = xrealloc(c->output, c->output_len + len + 1);
	memcpy(c->output + c->output_len, data, len);
	c->output_len += len;
	c->output[c->output_len] = '\0';
	return 0;
}

static int on_artifact(void *ctx, const struct msg_artifact *m)
{
	struct vm_session *s = ctx;
	_cleanup_free_ char *p = xasprintf("%s/%s", s->o.dir, m->name);	/* a plain name */
	int ret = write_file_atomic(p, m->data, m->len);

	/* said with its errno and exit 99; the verdict is the scheduler's */
	if (ret)
		write_failed(s, p, ret);
	return 0;
}

static const struct proto_handlers handlers = {
	.hello = on_hello, .topo = on_topo, .syms = on_syms, .log = on_log, .event = on_event,
	.sched = on_sched, .result = on_result, .baseline = on_baseline, .output = on_output,
	.artifact = on_artifact,
	.done = on_done,
};

/* Every frame: decode and hand it to its handler; nonzero stops the VM. */
static int on_msg(void *ctx, const struct proto_msg *m)
{
	struct vm_session *s = ctx;
	struct run_channel *c = &s->cur->chan;
	_cleanup_free_ char *err = NULL;
	int ret = proto_dispatch(m, &handlers, s, &err);

	if (ret != -EINVAL)
		return ret;
	/* a frame that does not decode is never silently passed over */
	if (str_eq(m->type, MSG_TOPO)) {
		s->cur->topo_diff = xasprintf("guest topology unreadable: %s", err);
		return 1;
	}
	if ((str_eq(m->type, MSG_RESULT) || str_eq(m->type, MSG_BASELINE)) && !c->result_err)
		c->result_err = TAKE_PTR(err);
	else if (!c->decode_err)
		c->decode_err = TAKE_PTR(err);
	c->decode_errors++;
	return 0;
}

static void on_spawn(void *ctx, pid_t pid)
{
	struct vm_session *s = ctx;

	if (s->cur->mon)
		monitor__set_pid(s->cur->mon, pid);
	if (s->restore && vm_snapshot__incoming(s->restore, s->restore_qmp, &s->restore_err))
		kill(pid, SIGKILL);	/* it would wait for the state forever */
}

static void on_tick(void *ctx, const char *phase, uint64_t elapsed)
{
	struct vm_session *s = ctx;

	if (s->o.on_tick)
		s->o.on_tick(s->o.ctx, phase, elapsed);
}

/* Guest RAM the monitor can read, for the VM about to boot; NULL when there is no monitor. */
static struct monitor *monitor_for(struct vm_session *s, struct vm_config *cfg)
{
	uint64_t mb[SPEC_MAX_NUMA_NODES], bytes[SPEC_MAX_NUMA_NODES];
	unsigned n = qemu__node_memory(cfg, mb);
	struct monitor *m = NULL;
	int ret;

	cfg->mem_fds = NULL;
	cfg->nmem_fds = 0;
	if (s->mon_why || !s->o.t)
		return NULL;
	for (unsigned i = 0; i < n; i++)
		bytes[i] = mb[i] << 20;
	ret = monitor__new(bytes, n, &s->mon_off, &m);
	if (ret) {
		s->mon_why = xasprintf("guest RAM for the monitor: %s", strerror(-ret));
		return NULL;
	}
	monitor__set_hz(m, monitor__config_hz(s->o.kernel->config));
	monitor__set_watchdog(m, s->o.t->sched.watchdog_timeout_ns);
	cfg->mem_fds = monitor__fds(m, &cfg->nmem_fds);
	return m;
}

/*
 * The monitor's struct layouts from the kernel's BTF, extracted once next to
 * a cached kernel (or into the run's temp dir) and parsed per test.
 */
static void monitor_offsets(struct vm_session *s)
{
	const struct kernel_image *k = s->o.kernel;
	_cleanup_free_ char *derived = NULL, *btf = NULL;
	const char *dir;

	if (getenv("KTSTR_NO_MONITOR")) {
		s->mon_why = xstrdup("KTSTR_NO_MONITOR is set");
		return;
	}
	/* an image given by path keeps its BTF and symbol offsets in the cache too */
	dir = kernel_image__derived_dir(k, &derived) ? s->o.tmp_root : derived;
	btf = xasprintf("%s/" KERNEL_DERIVED_BTF, dir);
	s->ksyms_cache = xasprintf("%s/" KERNEL_DERIVED_KSYMS, dir);
	pthread_mutex_lock(s->o.lock);
	if (monitor_offsets__for_image(k->image, btf, &s->mon_off, &s->mon_why) && !s->mon_why)
		s->mon_why = xstrdup("no struct layouts from the kernel's BTF");
	pthread_mutex_unlock(s->o.lock);
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/*
 * The kernel command line a test adds: plugin kargs, spec kargs (both checked
 * by spec_karg__check). Their sysctls are set by the guest agent instead.
 */
static char **test_kargs(const struct vm_session *s)
{
	char **v = NULL;
	size_t n = 0;
	const struct ktstr_plugin *p = s->o.plugin ? s->o.plugin->ops : NULL;
	const struct spec_test *t = s->o.t;

	for (size_t i = 0; p && p->kargs && p->kargs[i]; i++)
		*(char **)array_push(&v, &n, sizeof(char *)) = xstrdup(p->kargs[i]);
	for (size_t i = 0; t && t->kargs && t->kargs[i]; i++)
		*(char **)array_push(&v, &n, sizeof(char *)) = xstrdup(t->kargs[i]);
	if (s->o.verbose)	/* -v: the whole boot on the console log */
		*(char **)array_push(&v, &n, sizeof(char *)) = xstrdup("loglevel=7");
	array_push(&v, &n, sizeof(char *));
	return v;
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

static void write_timings(const struct vm_session *s, const struct vm_session_run *r)
{
	const struct vm_result *vr = &r->vm;
	json_t *o = json_pack("{s:I, s:b, s:I, s:I, s:I, s:I, s:i}",
		"host_prep_ns", (json_int_t)r->prep_ns, "initramfs_cache_hit", r->cache_hit,
		"boot_ns", (json_int_t)vr->boot_ns, "run_ns", (json_int_t)vr->run_ns,
		"teardown_ns", (json_int_t)vr->teardown_ns, "total_ns", (json_int_t)r->total_ns,
		"boot_attempts", r->boot_attempts);
	/* the channel's health: bytes in no good frame, bad frames among them */
	json_object_set_new(o, "channel", json_pack("{s:i, s:i, s:I}", "frames", vr->frames,
						     "bad_frames", vr->bad_frames, "dropped_bytes",
						     (json_int_t)vr->dropped_bytes));
	/* started from a snapshot, or why not (then boot_ns is a fresh boot's) */
	json_object_set_new(o, "snapshot", json_pack("{s:b, s:s?, s:s?, s:b, s:I, s:I}",
		"used", r->snap_used, "reason", r->snap_used ? NULL : r->snap_why,
		"key", r->snap_key[0] ? r->snap_key : NULL, "built", r->snap_built,
		"build_ns", (json_int_t)r->snap_build_ns, "fill_ns", (json_int_t)r->snap_fill_ns));
	/* the sched_ext watchdog override: what the host wrote, or why it could not */
	if (monitor__watchdog(r->mon))
		json_object_set_new(o, "watchdog_override", json_string(monitor__watchdog(r->mon)));
	else if (!r->mon && s->o.t && s->o.t->sched.watchdog_timeout_ns)
		json_object_set_new(o, "watchdog_override", json_pack("s++",
			"watchdog override: not applied (no monitor: ", s->mon_why ? s->mon_why : "none",
			")"));
	_cleanup_free_ char *p = xasprintf("%s/timings.json", s->o.dir);
	_cleanup_free_ char *text = json_dumps(o, JSON_INDENT(2));
	int ret = text ? write_file_atomic(p, text, strlen(text)) : -ENOMEM;

	if (ret)
		write_failed(s, p, ret);
	json_decref(o);
}

static void vm_writes_failed(const struct vm_session *s, const struct vm_result *vr)
{
	for (size_t i = 0; i < vr->nwrite_errors; i++)
		write_failed(s, vr->write_errors[i].path, vr->write_errors[i].err);
}

/* The guest agent: $KTSTR_GUEST, beside this binary (build tree), the install dir. */
char *vm_session__guest_bin(void)
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

int vm_session__new(const struct vm_session_opts *o, struct vm_session **out, char **note)
{
	struct vm_session *s = xcalloc(1, sizeof(*s));

	s->o = *o;
	topo__from_spec(&o->topo, &s->want);
	if (o->t)
		monitor_offsets(s);
	if (!o->kvm && !getenv("KTSTR_NO_PVH")) {
		/* once per image; other tests wait for the extraction instead of repeating it */
		pthread_mutex_lock(o->lock);
		if (qemu__pvh_kernel(o->kernel->image, o->vmlinux_dir, &s->boot_image))
			*note = xstrdup("booting the bzImage (no PVH vmlinux)");
		pthread_mutex_unlock(o->lock);
	}
	*out = s;
	return 0;
}

void vm_session__set_attempt(struct vm_session *s, unsigned attempt)
{
	if (s)
		s->attempt = attempt;
}

void vm_session__set_repro(struct vm_session *s, const char *dir, char **probes)
{
	if (s) {
		s->o.dir = dir;
		s->probes = probes;
	}
}

void vm_session__free(struct vm_session *s)
{
	if (!s)
		return;
	free(s->mon_why);
	free(s->ksyms_cache);
	free(s->boot_image);
	monitor_offsets__free(&s->mon_off);
	free(s);
}

/* One frame appended to *buf. */
static void add_frame(char **buf, size_t *len, uint64_t seq, const char *type, const char *p)
{
	size_t plen = strlen(p), cap = PROTO_MAX_HEADER + plen + 1;
	int n;

	*buf = xrealloc(*buf, *len + cap);
	n = proto__frame(*buf + *len, cap, type, seq, p, plen);
	if (n < 0)
		abort();	/* the types are known and the encoders write no newline */
	*len += n;
}

/*
 * What a restored agent gets instead of the suffix archive: each file of the
 * suffix as FILE, then the plan (run.json's) with a fresh seed and the
 * host's time as PLAN. NULL with *why when a file cannot go that way.
 */
static char *restore_frames(const struct initramfs *suffix, size_t *len, char **why)
{
	char *buf = NULL;
	uint64_t seq = 0;
	struct msg_plan mp = { 0 };
	struct timespec ts;

	*len = 0;
	for (size_t i = 0; i < suffix->n; i++) {
		const struct initramfs_entry *e = &suffix->v[i];
		_cleanup_free_ char *data = NULL, *enc = NULL, *err = NULL;
		size_t dlen = e->len;
		struct msg_file f;

		if (e->link) {
			*why = xasprintf("%s: a symbolic link (FILE carries files only)", e->guest_path);
			goto fail;
		}
		if (e->host_path) {
			int ret = read_file(e->host_path, &data, &dlen);

			if (ret) {
				*why = xasprintf("%s: %s", e->host_path, strerror(-ret));
				goto fail;
			}
		}
		if (str_eq(e->guest_path, RUN_JSON)) {
			if (run_plan__decode(e->data, e->len, &mp.plan, &err)) {
				*why = xasprintf("the plan does not decode: %s", err);
				goto fail;
			}
			continue;
		}
		f = (struct msg_file){ .path = e->guest_path, .mode = e->mode,
				       .data = (unsigned char *)(data ?: e->data), .len = dlen };
		enc = msg_file__encode(&f);
		if (strlen(enc) > proto_type__max(MSG_FILE, NULL)) {
			*why = xasprintf("%s: %zu bytes, over what a FILE frame carries",
					 e->host_path ?: e->guest_path, dlen);
			goto fail;
		}
		add_frame(&buf, len, seq++, MSG_FILE, enc);
	}
	if (getrandom(mp.seed, sizeof(mp.seed), 0) != sizeof(mp.seed)) {
		*why = xasprintf("getrandom: %s", strerror(errno));
		goto fail;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	mp.realtime_ns = (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	{
		_cleanup_free_ char *enc = msg_plan__encode(&mp);

		add_frame(&buf, len, seq++, MSG_PLAN, enc);
	}
	msg_plan__free(&mp);
	return buf;
fail:
	msg_plan__free(&mp);
	free(buf);
	return NULL;
}

/*
 * Start the test from the snapshot for cfg (built first when there is none):
 * true when the restored agent said HELO (r->vm is then the test's run),
 * false with r->snap_why when a fresh boot must run instead.
 */
static bool try_restore(struct vm_session *s, struct vm_config *cfg, struct vm_run_opts *vo,
			const char *base, const struct initramfs *suffix, struct vm_session_run *r)
{
	const struct vm_session_opts *o = &s->o;
	_cleanup_free_ char *root = NULL, *frames = NULL, *why = NULL, *kerr = NULL, *qmp = NULL;
	struct vm_snapshot *snap = NULL;
	int own_fds[SPEC_MAX_NUMA_NODES];
	unsigned nown = 0;
	const int *fds;
	unsigned nfds;
	char **args = NULL;
	size_t flen = 0;
	uint64_t t0, saved_boot = vo->boot_timeout_ns;
	bool used = false;
	int ret;

	cfg->initrd = base;
	if (qemu__pick_machine(cfg) != VM_MACHINE_Q35) {
		r->snap_why = xstrdup("snapshots need q35 (its virtio-serial carries the plan)");
		return false;
	}
	frames = restore_frames(suffix, &flen, &why);
	if (!frames) {
		r->snap_why = xasprintf("the test's files cannot go over the channel: %s", why);
		return false;
	}
	ret = vm_snapshot__key(cfg, r->snap_key, &kerr);
	if (!ret)
		ret = vm_snapshot__root(&root);
	if (ret) {
		r->snap_why = xasprintf("no snapshot key: %s", kerr ?: strerror(-ret));
		return false;
	}
	t0 = now_ns();
	if (o->snapshot == VM_SNAP_CACHED) {
		/* no template is built for this test alone: a fresh boot costs less */
		ret = vm_snapshot__open(root, r->snap_key, &snap, &why);
		if (ret == -ENOENT) {
			r->snap_why = xstrdup(VM_SNAP_ALONE_WHY);
			return false;
		}
	} else {
		ret = vm_snapshot__get(cfg, root, r->snap_key, vo->boot_timeout_ns, o->cancel_fd,
				       &snap, &r->snap_built, &why);
	}
	if (r->snap_built)
		r->snap_build_ns = now_ns() - t0;
	if (ret) {
		r->snap_why = xasprintf("no snapshot: %s", why ?: strerror(-ret));
		return false;
	}
	r->mon = monitor_for(s, cfg);
	fds = cfg->mem_fds;
	nfds = cfg->nmem_fds;
	if (!fds) {
		/* no monitor: the restored RAM is still a shared file QEMU maps */
		uint64_t mb[SPEC_MAX_NUMA_NODES];

		nfds = qemu__node_memory(cfg, mb);
		for (; nown < nfds; nown++) {
			own_fds[nown] = memfd_create("ktstr-ram", MFD_CLOEXEC);
			if (own_fds[nown] < 0 || ftruncate(own_fds[nown], mb[nown] << 20) < 0) {
				if (own_fds[nown] >= 0)
					nown++;
				r->snap_why = xasprintf("guest RAM: %s", strerror(errno));
				goto out;
			}
		}
		fds = own_fds;
		cfg->mem_fds = fds;
		cfg->nmem_fds = nfds;
	}
	t0 = now_ns();
	ret = vm_snapshot__fill(snap, fds, nfds, &why);
	r->snap_fill_ns = now_ns() - t0;
	if (ret) {
		/* a damaged snapshot goes, so that the next test builds it again */
		int rm = ret == -EBADMSG ? vm_snapshot__remove(root, snap) : 0;

		r->snap_why = xasprintf("restoring the RAM: %s%s%s", why,
					rm ? "; removing the snapshot: " : "", rm ? strerror(-rm) : "");
		goto out;
	}
	if (cancelled(s)) {
		r->interrupted = true;
		used = true;
		goto out;
	}
	args = vm_snapshot__restore_args(snap, &qmp);
	cfg->extra_args = (const char *const *)args;
	s->restore = snap;
	s->restore_qmp = qmp;
	vo->send = frames;
	vo->send_len = flen;
	vo->boot_timeout_ns = MIN(vo->boot_timeout_ns, RESTORE_TIMEOUT_NS);
	vm__run(vo, &r->vm);
	s->restore = NULL;
	used = r->vm.got_hello || cancelled(s);
	if (!used) {
		_cleanup_free_ char *keep = xasprintf("%s/console-restore.log", o->dir);
		_cleanup_free_ char *con = xasprintf("%s/console.log", o->dir);
		_cleanup_free_ char *qerr = qemu_last_error(o->dir);

		r->snap_why = xasprintf("the restored VM %s before its agent said HELO%s%s",
					vm_outcome_name(r->vm.outcome),
					s->restore_err || qerr ? ": " : "",
					s->restore_err ?: qerr ?: "");
		vm_writes_failed(s, &r->vm);
		/* the restore's logs stay beside the fresh boot's */
		if (rename(con, keep) < 0 && errno != ENOENT)
			write_failed(s, keep, -errno);
		for (size_t i = 0; i < 2; i++) {
			static const char *const logs[][2] = { { "agent.log", "agent-restore.log" },
							       { "qemu.log", "qemu-restore.log" } };
			_cleanup_free_ char *from = xasprintf("%s/%s", o->dir, logs[i][0]);
			_cleanup_free_ char *to = xasprintf("%s/%s", o->dir, logs[i][1]);

			if (rename(from, to) < 0 && errno != ENOENT)
				write_failed(s, to, -errno);
		}
		vm_result__free(&r->vm);
		run_channel__free(&r->chan);
		free(r->topo_diff);
		r->topo_diff = NULL;
	}
out:
	if (!used) {
		monitor__free(r->mon);
		r->mon = NULL;
	}
	for (unsigned i = 0; i < nown; i++)
		close(own_fds[i]);
	cfg->extra_args = NULL;
	if (!r->mon) {
		cfg->mem_fds = NULL;
		cfg->nmem_fds = 0;
	}
	vo->send = NULL;
	vo->send_len = 0;
	vo->boot_timeout_ns = saved_boot;
	qemu__argv_free(args);
	vm_snapshot__free(snap);
	free(s->restore_err);
	s->restore_err = NULL;
	r->snap_used = used && !r->interrupted;
	return used;
}

void vm_session__run(struct vm_session *s, struct vm_session_run *r)
{
	const struct vm_session_opts *o = &s->o;
	struct vm_config cfg = { .kernel = s->boot_image ?: o->kernel->image, .topo = o->topo,
				 .kvm = o->kvm, .tsc_khz = o->tsc_khz };
	_cleanup_free_ char *console_path = NULL, *initrd = NULL, *suffix = NULL, *base = NULL;
	struct initramfs *parts = NULL;
	char **kargs = test_kargs(s);
	/* with a baseline the workload runs twice in the boot: EEVDF's half, then the scheduler's */
	uint64_t t0 = now_ns(), duration = o->t ? o->t->duration_ns * (o->t->baseline ? 2 : 1) : 0;
	struct vm_run_opts vo = {
		.cfg = &cfg, .dir = o->dir, .cancel_fd = o->cancel_fd,
		.on_msg = on_msg, .on_tick = on_tick, .on_spawn = on_spawn, .ctx = s,
		.boot_timeout_ns = o->boot_timeout_ns ?: o->kvm ? KVM_BOOT_TIMEOUT_NS :
				   DEFAULT_BOOT_TIMEOUT_NS,
		.teardown_timeout_ns = TEARDOWN_TIMEOUT_NS,
		.shell = o->shell != NULL,
		.term_in = o->shell ? o->shell->term_in : -1,
		.term_out = o->shell ? o->shell->term_out : -1,
		.echo_console = o->shell && o->shell->dmesg,
	};

	memset(r, 0, sizeof(*r));
	s->cur = r;
	r->boot_attempts = 1;
	vo.run_timeout_ns = o->run_timeout_ns ?: (o->t && o->t->timeout_ns) ? o->t->timeout_ns :
			    duration + RUN_GRACE_NS;
	if (o->shell)
		vo.run_timeout_ns = UINT64_MAX / 2;	/* the shell ends when its user says */
	cfg.memory_mb = o->t ? spec_test__vm_memory_mb(o->t) :
			MAX(spec_topology__cpus(&o->topo) * 64, 256u);
	cfg.kargs = (const char *const *)kargs;
	cfg.machine = machine_override();
	console_path = xasprintf("%s/console.log", o->dir);
	cfg.console_log = console_path;
	if (prepare_initrd(s, qemu__pick_machine(&cfg), r, &base, &parts, &r->prep_err)) {
		r->prep_err = r->prep_err ?: xstrdup("failed");
		goto out;
	}
	if (o->shell)
		r->snap_why = xstrdup("off (--shell boots afresh: its console is not in a snapshot)");
	else if (o->snapshot == VM_SNAP_OFF)
		r->snap_why = xstrdup("off (--no-snapshot or KTSTR_SNAPSHOT=0)");
	else if (try_restore(s, &cfg, &vo, base, parts, r))
		goto ran;
	if (write_initrd(s, r, base, parts, &initrd, &r->prep_err)) {
		r->prep_err = r->prep_err ?: xstrdup("failed");
		goto out;
	}
	cfg.initrd = initrd;
	r->mon = monitor_for(s, &cfg);
	if (cancelled(s)) {
		r->interrupted = true;
		goto out;
	}
	vm__run(&vo, &r->vm);
	/*
	 * A VM that never reached the agent: under TCG about one boot in a few
	 * dozen hangs early in the kernel (no console output at all). That is
	 * not the scheduler's doing: boot once more, keeping the first console.
	 */
	if (!cancelled(s) && !r->vm.got_hello &&
	    (r->vm.outcome == VM_TIMEOUT || r->vm.outcome == VM_EXITED)) {
		_cleanup_free_ char *keep = xasprintf("%s/console-boot1.log", o->dir);

		vm_writes_failed(s, &r->vm);
		if (rename(console_path, keep) < 0 && errno != ENOENT)
			write_failed(s, keep, -errno);
		vm_result__free(&r->vm);
		run_channel__free(&r->chan);
		monitor__free(r->mon);		/* fresh RAM for the second boot */
		r->mon = monitor_for(s, &cfg);
		r->boot_attempts++;
		vm__run(&vo, &r->vm);
	}
ran:
	if (r->interrupted)
		goto out;
	vm_writes_failed(s, &r->vm);
	monitor__stop(r->mon);
	r->qemu_err = qemu_last_error(o->dir);
	if (r->chan.output) {
		_cleanup_free_ char *p = xasprintf("%s/output.log", o->dir);
		int ret = write_file_atomic(p, r->chan.output, r->chan.output_len);

		if (ret)
			write_failed(s, p, ret);
	}
	r->total_ns = now_ns() - t0;
	write_timings(s, r);
out:
	if (initrd)
		unlink(initrd);
	suffix = xasprintf("%s/suffix.cpio", o->tmp);
	unlink(suffix);
	initramfs__free(parts);
	r->mon_why = s->mon_why;
	s->cur = NULL;
	strv_free(kargs);
}

void vm_session_run__free(struct vm_session_run *r)
{
	free(r->prep_err);
	vm_result__free(&r->vm);
	run_channel__free(&r->chan);
	free(r->topo_diff);
	free(r->qemu_err);
	free(r->snap_why);
	monitor__free(r->mon);
	memset(r, 0, sizeof(*r));
}
