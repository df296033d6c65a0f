// SPDX-License-Identifier: GPL-2.0-only
/*
 * One test's VM session: build the initramfs and the guest's run plan, boot
 * through vm__run, decode the channel, retry a boot that never reached the
 * agent, run the monitor beside the VM, and keep the timings.
 */
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>

#include "vm/initramfs.h"
#include "vm/session.h"
#include "spec/topo.h"

#define KVM_BOOT_TIMEOUT_NS (30 * NSEC_PER_SEC)
#define RUN_GRACE_NS (30 * NSEC_PER_SEC)
#define TEARDOWN_TIMEOUT_NS (10 * NSEC_PER_SEC)

struct vm_session {
	struct vm_session_opts o;
	struct topo want;
	char *boot_image;	/* the PVH vmlinux, or NULL to boot the bzImage */
	struct monitor_offsets mon_off;	/* struct layouts for the monitor (kernel BTF) */
	char *mon_why;		/* why this test has no monitor, or NULL */
	char *ksyms_cache;	/* the kernel's symbol cache (distances from _text) */
	struct vm_session_run *cur;	/* the boot under way */
	unsigned attempt;	/* --retries: which attempt the next boot is (0: not said) */
};

void run_channel__free(struct run_channel *c)
{
	msg_done__free(&c->done);
	telemetry__free(&c->tel);
	telemetry__free(&c->baseline);
	free(c->result_err);
	free(c->decode_err);
	msg_sched__free(&c->sched);
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

static const char *spec_ext(const struct spec_file *sf)
{
	return sf->format == SPEC_FORMAT_INI ? "ini" : "yaml";
}

/* The guest's plan (/ktstr/run.json), encoded by proto/msg.c. */
static char *build_run_json(const struct vm_session *s, enum vm_machine m)
{
	const struct vm_session_opts *o = &s->o;
	_cleanup_free_ char *sp = o->sf ? xasprintf("/ktstr/spec.%s", spec_ext(o->sf)) : NULL;
	_cleanup_free_ char *gp = NULL;
	struct run_plan_plugin pl = { 0 };
	struct run_plan p = {
		.mode = o->topo_only ? RUN_MODE_TOPO : o->exec_argv ? RUN_MODE_EXEC : RUN_MODE_RUN,
		.name = (char *)o->name, .channel = (char *)qemu__channel_device(m),
		.relaxed = o->relaxed,
		.no_ksyms = s->mon_why != NULL,
		/* tests of the harness itself: make the agent crash ("crash") or exit ("exit") */
		.selftest = getenv("KTSTR_AGENT_SELFTEST"),
		.attempt = s->attempt,
	};
	char *ret;

	if (p.mode == RUN_MODE_EXEC) {
		p.exec = (char **)o->exec_argv;
	} else if (p.mode == RUN_MODE_RUN) {
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
		pl = (struct run_plan_plugin){
			.name = (char *)o->plugin->ops->name, .path = gp,
			.flags = o->t->sched.flags, .args = o->t->sched.args,
			.files_dir = (char *)"/ktstr/files",
			.watchdog_timeout_ns = o->t->sched.watchdog_timeout_ns,
			.attach_timeout_ms = spec_scheduler__attach_timeout_ms(&o->t->sched, p.relaxed),
		};
		p.plugin = &pl;
	}
	ret = run_plan__encode(&p);
	msg_ksyms__free(p.ksyms, p.nksyms);
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

/* The base (agent, libraries, plugin and its files: cached) and the per-test suffix. */
static int prepare_initrd(struct vm_session *s, enum vm_machine m, struct vm_session_run *r,
			  char **initrd, char **err)
{
	const struct vm_session_opts *o = &s->o;
	/*
	 * zstd: under TCG the guest inflates gzip visibly slower (measured ~0.4 s
	 * more CPU per boot for the 5.5 MB base than zstd or no compression)
	 */
	struct initramfs *base = initramfs__new(INITRAMFS_ZSTD);
	struct initramfs *suffix = initramfs__new(INITRAMFS_ZSTD);
	_cleanup_free_ char *base_path = NULL, *suffix_path = NULL, *rj = NULL;
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
	if (!ret && o->exec_argv) {
		_cleanup_free_ char *prog = which(o->exec_argv[0]);

		if (!prog) {
			*err = xasprintf("--exec: %s not found on $PATH", o->exec_argv[0]);
			ret = -ENOENT;
		} else if (!str_eq(prog, o->exec_argv[0])) {
			*err = xasprintf("--exec: give the full path (%s)", prog);
			ret = -EINVAL;
		} else {
			ret = initramfs__add_elf(suffix, prog, prog, err);
		}
	}
	if (!ret) {
		rj = build_run_json(s, m);
		ret = initramfs__add_data(suffix, "/ktstr/run.json", rj, strlen(rj), 0644);
		suffix_path = xasprintf("%s/suffix.cpio", o->tmp);
		ret = ret ?: initramfs__write(suffix, suffix_path, err);
	}
	if (!ret) {
		const char *parts[] = { base_path, suffix_path };

		*initrd = xasprintf("%s/initrd", o->tmp);
		ret = initramfs__concat(*initrd, parts, 2);
		if (ret)
			*err = xasprintf("%s: %s", *initrd, strerror(-ret));
	}
	r->prep_ns = now_ns() - t0;
	initramfs__free(base);
	initramfs__free(suffix);
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

	msg_sched__free(&c->sched);
	c->have_sched = true;
	c->sched = (struct msg_sched){ .state = xstrdup(m->state), .name = xstrdup(m->name),
				       .exit_kind = xstrdup(m->exit_kind),
				       .reason = xstrdup(m->reason) };
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

void vm_session__run(struct vm_session *s, struct vm_session_run *r)
{
	const struct vm_session_opts *o = &s->o;
	struct vm_config cfg = { .kernel = s->boot_image ?: o->kernel->image, .topo = o->topo,
				 .kvm = o->kvm, .tsc_khz = o->tsc_khz };
	_cleanup_free_ char *console_path = NULL, *initrd = NULL, *suffix = NULL;
	char **kargs = test_kargs(s);
	/* with a baseline the workload runs twice in the boot: EEVDF's half, then the scheduler's */
	uint64_t t0 = now_ns(), duration = o->t ? o->t->duration_ns * (o->t->baseline ? 2 : 1) : 0;
	struct vm_run_opts vo = {
		.cfg = &cfg, .dir = o->dir, .cancel_fd = o->cancel_fd,
		.on_msg = on_msg, .on_tick = on_tick, .on_spawn = on_spawn, .ctx = s,
		.boot_timeout_ns = o->boot_timeout_ns ?: o->kvm ? KVM_BOOT_TIMEOUT_NS :
				   DEFAULT_BOOT_TIMEOUT_NS,
		.teardown_timeout_ns = TEARDOWN_TIMEOUT_NS,
	};

	memset(r, 0, sizeof(*r));
	s->cur = r;
	r->boot_attempts = 1;
	vo.run_timeout_ns = o->run_timeout_ns ?: (o->t && o->t->timeout_ns) ? o->t->timeout_ns :
			    duration + RUN_GRACE_NS;
	cfg.memory_mb = o->t ? spec_test__vm_memory_mb(o->t) :
			MAX(spec_topology__cpus(&o->topo) * 64, 256u);
	cfg.kargs = (const char *const *)kargs;
	cfg.machine = machine_override();
	console_path = xasprintf("%s/console.log", o->dir);
	cfg.console_log = console_path;
	if (prepare_initrd(s, qemu__pick_machine(&cfg), r, &initrd, &r->prep_err)) {
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
	monitor__free(r->mon);
	memset(r, 0, sizeof(*r));
}
