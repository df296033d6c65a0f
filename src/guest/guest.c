// SPDX-License-Identifier: GPL-2.0-only
/*
 * ktstr-guest: the guest agent, PID 1 of every test VM. It mounts the
 * filesystems a scheduler test needs, reports the topology, runs the plan in
 * /ktstr/run.json (a command, or a spec test under a scheduler plugin) and
 * sends everything home over the results channel, then powers the VM off.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <linux/random.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#include "guest/guest.h"
#include "plugin/loader.h"
#include "spec/cmdline.h"
#include "spec/spec.h"
#include "util/log.h"
#include "util/proc.h"
#include "proto/msg.h"
#include "spec/topo.h"
#include "workload/workload.h"

#define RUN_JSON "/ktstr/run.json"
#define CGROUP_ROOT "/sys/fs/cgroup/ktstr"
#define POLL_INTERVAL_NS (90 * NSEC_PER_MSEC)	/* ticks come every ~100 ms */

static int chan_fd = -1;

/*
 * Send a frame; before the channel is open (or if it broke) fall back to the
 * console. 0, or why the host will not get it.
 */
static int send_frame(const char *type, const char *payload, size_t len)
{
	int ret = chan_fd < 0 ? -ENOTCONN : proto__write(chan_fd, type, payload, len);

	if (ret)
		fprintf(stderr, "ktstr-guest: %s (%s) %.*s\n", type, strerror(-ret),
			(int)MIN(len, 4096), payload);
	return ret;
}

static void send_str(const char *type, const char *payload)
{
	send_frame(type, payload, strlen(payload));
}

/* Send an encoded payload (a msg_*__encode result, freed here). */
static void send_msg(const char *type, char *payload)
{
	send_str(type, payload);
	free(payload);
}

static void log_to_channel(enum log_level level, const char *fmt, va_list ap)
{
	char buf[2048];	/* within LOG's maximum, with the level in front */
	struct msg_log m = { .level = level, .text = buf };

	vsnprintf(buf, sizeof(buf), fmt, ap);
	send_msg(MSG_LOG, msg_log__encode(&m));
}

/*
 * End the VM. A reset rather than ACPI power-off: microvm without ACPI has
 * no way to power off and would just halt, while a reset (reboot=t, triple
 * fault) makes QEMU exit under -no-reboot on every machine type.
 */
static void power_off(void)
{
	sync();
	reboot(RB_AUTOBOOT);
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

/*
 * A crashed agent still owes the host a DONE. No malloc in a signal handler
 * (the heap may be what broke): each signal's DONE frame is encoded at start
 * into static buffers, and the handler only writes one, then resets. A
 * frame it cut short is dropped by the host's reader, which finds the DONE.
 */
static const int crash_sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
static char crash_frames[ARRAY_SIZE(crash_sigs)][256];
static int crash_len[ARRAY_SIZE(crash_sigs)];

static void crash_handler(int sig)
{
	for (size_t i = 0; i < ARRAY_SIZE(crash_sigs); i++) {
		if (crash_sigs[i] != sig || crash_len[i] <= 0)
			continue;
		if (chan_fd >= 0 && write(chan_fd, crash_frames[i], crash_len[i]) < 0)
			chan_fd = -1;
		if (write(2, crash_frames[i], crash_len[i]) < 0)
			chan_fd = -1;
	}
	power_off();
}

static void install_crash_handlers(void)
{
	static char altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa = { .sa_handler = crash_handler, .sa_flags = SA_ONSTACK | SA_RESETHAND };

	for (size_t i = 0; i < ARRAY_SIZE(crash_sigs); i++) {
		_cleanup_free_ char *why = xasprintf("agent crashed: signal %d", crash_sigs[i]);
		struct msg_done d = { .error = why, .exit_code = -1 };
		_cleanup_free_ char *p = msg_done__encode(&d);

		crash_len[i] = proto__frame(crash_frames[i], sizeof(crash_frames[i]), MSG_DONE, 999999,
					    p, strlen(p));
	}
	sigaltstack(&ss, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(crash_sigs); i++)
		sigaction(crash_sigs[i], &sa, NULL);
}

struct mnt {
	const char *src, *dir, *type, *data;
};

static void do_mounts(void)
{
	static const struct mnt mnts[] = {
		{ "proc", "/proc", "proc", NULL },
		{ "sysfs", "/sys", "sysfs", NULL },
		{ "devtmpfs", "/dev", "devtmpfs", NULL },
		{ "tmpfs", "/dev/shm", "tmpfs", NULL },
		{ "tmpfs", "/tmp", "tmpfs", NULL },
		{ "tmpfs", "/run", "tmpfs", NULL },
		{ "cgroup2", "/sys/fs/cgroup", "cgroup2", NULL },
		{ "debugfs", "/sys/kernel/debug", "debugfs", NULL },
		{ "tracefs", "/sys/kernel/tracing", "tracefs", NULL },
		{ "bpf", "/sys/fs/bpf", "bpf", NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(mnts); i++) {
		mkdir(mnts[i].dir, 0755);
		if (mount(mnts[i].src, mnts[i].dir, mnts[i].type, 0, mnts[i].data) < 0 &&
		    errno != EBUSY)
			fprintf(stderr, "ktstr-guest: mount %s: %s\n", mnts[i].dir, strerror(errno));
	}
	chmod("/tmp", 01777);
	chmod("/dev/shm", 01777);
}

/*
 * The environment of an ordinary root login, for everything the agent
 * starts (scheduler binaries, payloads, --exec): the kernel hands PID 1
 * only HOME=/ and TERM=linux, and no PATH. The host packed busybox's
 * applets into /bin and root's entry into /etc/passwd (vm/guestenv.c).
 */
static void setup_environment(void)
{
	mkdir("/root", 0700);
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("HOME", "/root", 1);
	setenv("USER", "root", 1);
	setenv("LOGNAME", "root", 1);
	setenv("SHELL", "/bin/sh", 1);
}

/* The ktstr cgroup root with the cpuset and cpu controllers delegated to it. */
static int setup_cgroups(void)
{
	int ret;

	ret = write_file("/sys/fs/cgroup/cgroup.subtree_control", "+cpuset +cpu", 12);
	if (ret)
		pr_warn("enabling cpuset/cpu controllers: %s", strerror(-ret));
	if (mkdir(CGROUP_ROOT, 0755) < 0 && errno != EEXIST)
		return -errno;
	ret = write_file(CGROUP_ROOT "/cgroup.subtree_control", "+cpuset +cpu", 12);
	if (ret)
		pr_warn("enabling controllers under %s: %s", CGROUP_ROOT, strerror(-ret));
	return 0;
}

/* The virtio-serial port named "ktstr", found through sysfs. */
static char *find_vport(void)
{
	DIR *d = opendir("/sys/class/virtio-ports");
	struct dirent *de;
	char *found = NULL;

	if (!d)
		return NULL;
	while (!found && (de = readdir(d))) {
		_cleanup_free_ char *p = xasprintf("/sys/class/virtio-ports/%s/name", de->d_name);
		_cleanup_free_ char *name = NULL;

		if (de->d_name[0] == '.' || read_file(p, &name, NULL))
			continue;
		if (str_eq(str_trim(name), "ktstr"))
			found = xasprintf("/dev/%s", de->d_name);
	}
	closedir(d);
	return found;
}

int guest__open_channel(const char *hint)
{
	_cleanup_free_ char *path = NULL;
	int fd;

	if (!hint || str_startswith(hint, "/dev/vport"))
		path = find_vport();
	if (!path)
		path = xstrdup(hint ? hint : "/dev/ttyS1");
	/* devtmpfs creates the node asynchronously: give it a moment */
	for (int i = 0; i < 100; i++) {
		fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			break;
		usleep(10000);
	}
	if (fd < 0)
		return -errno;
	if (isatty(fd)) {
		struct termios tio;

		/* frames are binary-exact: no newline translation, no echo */
		if (!tcgetattr(fd, &tio)) {
			cfmakeraw(&tio);
			cfsetspeed(&tio, B115200);
			tcsetattr(fd, TCSANOW, &tio);
		}
	}
	return fd;
}

static void send_hello(void)
{
	struct utsname u;
	struct timespec ts;

	struct msg_hello m = { .version = (char *)PACKAGE_VERSION, .kernel = u.release };

	uname(&u);
	clock_gettime(CLOCK_BOOTTIME, &ts);
	m.uptime_ns = ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	send_msg(MSG_HELLO, msg_hello__encode(&m));
}

static void send_done(int exit_code, char *error)
{
	struct msg_done m = { .error = error, .exit_code = exit_code };

	send_msg(MSG_DONE, msg_done__encode(&m));
}

/*
 * The host's monitor reads the run queues out of guest RAM; it needs a few
 * symbols, which a distro kernel only publishes through /proc/kallsyms
 * (KASLR moves them every boot), and the physical address the kernel image
 * was loaded at (/proc/iomem's "Kernel code"). One pass over kallsyms, or,
 * when the host knows each symbol's distance from _text for this image
 * (hint), only its first lines up to _text.
 */
static void send_syms(unsigned ncpus, const struct run_plan *plan)
{
	static const char *const want[] = {
		"_text", "runqueues", "__per_cpu_offset", "page_offset_base", "scx_root",
		"init_top_pgt",
		/* the host's sched_ext watchdog override (7.1+ or the older static timeout) */
		"jiffies_64", "scx_watchdog_timeout", "scx_watchdog_interval",
		"scx_watchdog_timestamp", "scx_watchdog_work",
	};
	struct msg_syms m = { .ncpus = ncpus, .cached = plan->nksyms > 0 };
	FILE *f = fopen("/proc/kallsyms", "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	uint64_t t0 = now_ns(), text;

	guest_ksyms__scan(f, want, ARRAY_SIZE(want), m.cached, &m);
	if (f)
		fclose(f);
	if (m.cached && msg_syms__get(&m, "_text", &text))
		for (size_t i = 0; i < plan->nksyms; i++)
			msg_syms__add(&m, plan->ksyms[i].name, text + plan->ksyms[i].addr);
	f = fopen("/proc/iomem", "re");
	while (f && !m.kernel_code && getline(&line, &cap, f) > 0) {
		unsigned long long start;

		if (strstr(line, ": Kernel code") && sscanf(line, " %llx-", &start) == 1)
			m.kernel_code = start;
	}
	if (f)
		fclose(f);
	m.read_ns = now_ns() - t0;
	send_msg(MSG_SYMS, msg_syms__encode(&m));
	msg_syms__free(&m);
}

/* mode "exec": run argv with its output captured and sent as OUTP frames. */
static int run_exec(char **argv, char **error)
{
	int pfd[2], status;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		*error = xasprintf("pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		*error = xasprintf("fork: %s", strerror(errno));
		return -1;
	}
	if (!pid) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		setsid();
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		char buf[4096];
		ssize_t r = read(pfd[0], buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		send_frame(MSG_OUTPUT, buf, r);	/* 4 KiB: OUTP's maximum */
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* ---- mode "run": a spec test under a plugin ---- */

struct run_ctx {
	struct plugin *plugin;
	struct ktstr_sched_ctx sctx;
	struct ktstr_host host;
	uint64_t last_poll;
	enum ktstr_sched_state state;
	bool attached;
	bool attaching;
	char *attach_why;	/* the first line of the plugin's first error while attaching */
};

static void host_log(void *ctx, enum ktstr_log_level level, const char *fmt, va_list ap)
{
	struct run_ctx *rc = ctx;

	if (rc && rc->attaching && level == KTSTR_LOG_ERROR && !rc->attach_why) {
		va_list aq;
		char *s = NULL;

		va_copy(aq, ap);
		if (vasprintf(&s, fmt, aq) >= 0) {
			s[strcspn(s, "\n")] = '\0';
			rc->attach_why = s;
		}
		va_end(aq);
	}
	log_vmsg((enum log_level)MIN((unsigned)level, (unsigned)LOG_DEBUG), fmt, ap);
}

static const char *host_describe_wait_status(void *ctx, int status, char *buf, size_t len)
{
	(void)ctx;
	return wait_status__describe(status, buf, len);
}

static int host_artifact(void *ctx, const char *name, const void *data, size_t len)
{
	struct msg_artifact m = { .name = (char *)name, .data = (unsigned char *)data, .len = len };
	_cleanup_free_ char *p = msg_artifact__encode(&m);

	(void)ctx;
	return send_frame(MSG_ARTIFACT, p, strlen(p));
}

static void host_event(void *ctx, const char *label, const char *detail)
{
	/* a plugin's note: a timeline event like the workload's own */
	struct timeline_event ev = { .kind = EVT_NOTE, .step = -1, .label = (char *)label,
				     .detail = (char *)detail };

	(void)ctx;
	send_msg(MSG_EVENT, msg_event__encode(&ev));
}

static void hook_event(void *ctx, const struct timeline_event *ev)
{
	(void)ctx;
	send_msg(MSG_EVENT, msg_event__encode(ev));
}

static void send_sched(const char *state, const char *name, const char *exit_kind,
		       const char *reason)
{
	struct msg_sched m = { .state = (char *)state, .name = (char *)name,
			       .exit_kind = (char *)exit_kind, .reason = (char *)reason };

	send_msg(MSG_SCHED, msg_sched__encode(&m));
}

/*
 * SCHD "running" with the struct_ops programs loaded since mark: what the
 * verifier did with each. Programs that cannot be read are said in a
 * warning LOG (the host then has none), never passed off as "no programs";
 * for --verifier (strict), whose only purpose they are, that is an error.
 */
static int send_running(const char *name, uint32_t mark, bool strict, char **error)
{
	struct msg_sched m = { .state = (char *)"running", .name = (char *)name };
	int ret = guest_bpf_progs__collect(mark, &m.progs, &m.nprogs);
	_cleanup_free_ char *js = NULL;

	if (ret && strict) {
		*error = xasprintf("reading the scheduler's BPF programs: %s", strerror(-ret));
		return ret;
	}
	if (ret)
		pr_warn("the scheduler's BPF programs could not be read: %s", strerror(-ret));
	js = msg_sched__encode(&m);
	msg_bpf_progs__free(m.progs, m.nprogs);
	ret = send_frame(MSG_SCHED, js, strlen(js));
	if (ret)
		*error = xasprintf("sending the scheduler's state: %s", strerror(-ret));
	return ret;
}

static const char *sched_state_name(enum ktstr_sched_state s)
{
	return s == KTSTR_SCHED_RUNNING ? "running" : s == KTSTR_SCHED_EXITED ? "exited" : "ejected";
}

/* Poll the scheduler; forward a state change; nonzero once it is gone. */
static int hook_tick(void *ctx)
{
	struct run_ctx *rc = ctx;
	struct ktstr_health h = { .sz = sizeof(h) };
	uint64_t now = now_ns();

	if (!rc->attached || !rc->plugin->ops->poll)
		return 0;
	if (now - rc->last_poll < POLL_INTERVAL_NS)
		return rc->state != KTSTR_SCHED_RUNNING;
	rc->last_poll = now;
	if (rc->plugin->ops->poll(&rc->sctx, &h) < 0 && h.state == KTSTR_SCHED_RUNNING)
		h.state = KTSTR_SCHED_EXITED;
	if (h.state != rc->state) {
		rc->state = h.state;
		send_sched(sched_state_name(h.state), NULL, h.exit_kind, h.reason);
	}
	return h.state != KTSTR_SCHED_RUNNING;
}

/*
 * The plugin's sysctls, then the spec's (a spec's value wins), written to
 * /proc/sys before the scheduler starts. Both were checked (spec/cmdline.c),
 * so each path stays below /proc/sys. One the kernel refuses ends the test
 * as an ERROR naming it and the errno, through DONE like every setup error.
 */
static int set_sysctls(const char *const *lists[2], char **error)
{
	for (size_t l = 0; l < 2; l++)
		for (const char *const *kv = lists[l]; kv && *kv; kv++) {
			const char *eq = strchr(*kv, '=');
			_cleanup_free_ char *path = spec_sysctl__path(*kv, (size_t)(eq - *kv));
			_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
			size_t len = strlen(eq + 1);
			ssize_t w = fd < 0 ? -1 : write(fd, eq + 1, len);

			if (w != (ssize_t)len) {
				int e = w < 0 ? errno : EIO;

				*error = xasprintf("sysctl %.*s could not be set to '%s': %s (%s)",
						   (int)(eq - *kv), *kv, eq + 1, strerror(e), path);
				return -e;
			}
		}
	return 0;
}

/*
 * 'baseline: eevdf': the workload once under EEVDF, before the scheduler
 * attaches, in this same boot, its telemetry sent as BASE. It sends no
 * timeline events: the host's timeline and its monitor window (started by
 * the first scenario_start) stay the scheduler's half.
 */
static int run_baseline(const struct spec_test *t, const struct topo *topo, const char *cg_root,
			char **error)
{
	struct workload_hooks hooks = { 0 };
	struct telemetry tel = { 0 };
	_cleanup_free_ char *js = NULL;
	int ret = workload__run(t, topo, cg_root, &hooks, &tel);

	if (ret || tel.error) {
		*error = xasprintf("baseline (EEVDF) workload: %s", tel.error ?: strerror(-ret));
		telemetry__free(&tel);
		return ret ?: -EIO;
	}
	js = msg_result__encode(&tel);
	telemetry__free(&tel);
	ret = send_frame(MSG_BASELINE, js, strlen(js));
	if (ret)
		*error = xasprintf("sending the baseline telemetry (%zu bytes): %s", strlen(js),
				   strerror(-ret));
	return ret;
}


/* ---- mode "shell": an interactive shell with the scheduler attached ---- */

#define SHELL_TTY "/dev/hvc0"	/* the virtconsole the host wires to its terminal */

/*
 * busybox sh on the virtio console, in its own session with the console as
 * its controlling terminal (job control and ^C work inside the guest), the
 * host terminal's size and $TERM. The agent waits for it; its exit status
 * (128+N for a signal) is the VM's and ktstr-run's.
 */
static int run_shell(const struct run_plan *plan, char **error)
{
	int fd = -1, status;
	pid_t pid;

	for (int i = 0; i < 100 && fd < 0; i++) {	/* devtmpfs makes the node asynchronously */
		fd = open(SHELL_TTY, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd < 0 && errno != ENOENT)
			break;
		if (fd < 0)
			usleep(10000);
	}
	if (fd < 0) {
		*error = xasprintf("shell: %s: %s", SHELL_TTY, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		*error = xasprintf("shell: fork: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!pid) {
		struct winsize ws = { .ws_row = plan->rows, .ws_col = plan->cols };
		char *const argv[] = { (char *)"-sh", NULL };	/* a login shell: reads /etc/profile */

		setsid();
		if (ioctl(fd, TIOCSCTTY, 0) < 0)
			fprintf(stderr, "shell: TIOCSCTTY: %s\n", strerror(errno));
		if (plan->rows && plan->cols)
			ioctl(fd, TIOCSWINSZ, &ws);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		setenv("TERM", plan->term && *plan->term ? plan->term : "vt100", 1);
		setenv("PS1", "ktstr:\\w# ", 1);
		if (chdir("/root") < 0)
			(void)!chdir("/");
		execv("/bin/sh", argv);
		fprintf(stderr, "exec /bin/sh: %s\n", strerror(errno));
		_exit(127);
	}
	close(fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* mode run, and mode shell (*code: the shell's exit status) */
static int run_test(const struct run_plan *plan, const struct topo *topo, int *code,
		    char **error)
{
	const struct run_plan_plugin *pj = plan->plugin;
	_cleanup_free_ char *text = NULL, *perr = NULL, *cg_root = NULL, *probe_header = NULL;
	struct diag_list diags = { 0 };
	struct spec_file *sf = NULL;
	const struct spec_test *t;
	struct run_ctx rc = { .state = KTSTR_SCHED_RUNNING };
	struct telemetry tel = { 0 };
	uint32_t mark = 0;
	struct workload_hooks hooks = { .ctx = &rc, .event = hook_event, .tick = hook_tick };
	size_t len = 0;
	int ret;

	ret = read_file(plan->spec, &text, &len);
	if (ret) {
		*error = xasprintf("%s: %s", plan->spec, strerror(-ret));
		return ret;
	}
	/* the host's overrides (command line, gauntlet preset, flag profile) make the same test here */
	ret = spec_file__parse_opts(plan->spec, text, len,
				    str_eq(plan->format, "ini") ? SPEC_FORMAT_INI :
				    str_eq(plan->format, "yaml") ? SPEC_FORMAT_YAML : SPEC_FORMAT_AUTO,
				    &(struct spec_options){ .set = (const char *const *)plan->spec_set,
							    .replay = true },
				    &sf, &diags);
	diag_free(&diags);
	t = sf ? spec_file__find(sf, plan->test) : NULL;
	if (!t) {
		*error = xasprintf("test %s not found in %s (%d)", plan->test, plan->spec, ret);
		spec_file__free(sf);
		return -ENOENT;
	}
	/*
	 * cgroup_parent: made before the scheduler starts (it may look for it at
	 * start), and the test's cgroups go under it, where a scheduler that
	 * manages the cgroups below a parent (scx_mitosis's cells) expects them
	 */
	if (t->sched.cgroup_parent) {
		cg_root = xasprintf("/sys/fs/cgroup%s", t->sched.cgroup_parent);
		ret = mkdir_p(cg_root, 0755);
		if (ret) {
			*error = xasprintf("cgroup_parent %s: %s", cg_root, strerror(-ret));
			goto out;
		}
	}
	if (pj) {
		static const char *const none[] = { NULL };

		ret = plugin__open(pj->path, &rc.plugin, &perr);
		if (ret) {
			*error = xasprintf("plugin %s: %s", pj->path, perr ? perr : strerror(-ret));
			goto out;
		}
		rc.host = (struct ktstr_host){ .sz = sizeof(rc.host), .log = host_log,
					       .artifact = host_artifact, .event = host_event,
					       .host_ctx = &rc,
					       .describe_wait_status = host_describe_wait_status };
		rc.sctx = (struct ktstr_sched_ctx){
			.sz = sizeof(rc.sctx), .host = &rc.host,
			.flags = pj->flags ? (const char **)pj->flags : (const char **)none,
			.args = pj->args ? (const char **)pj->args : (const char **)none,
			.files_dir = pj->files_dir,
			.ncpus = topo->ncpus,
			.watchdog_timeout_ns = pj->watchdog_timeout_ns,
			.attach_timeout_ms = pj->attach_timeout_ms,
		};
		ret = set_sysctls((const char *const *[2]){ rc.plugin->ops->sysctls,
					      (const char *const *)t->sysctls }, error);
		if (ret)
			goto out;
		if (t->baseline && !plan->verifier && plan->mode != RUN_MODE_SHELL &&
		    (ret = run_baseline(t, topo, cg_root ?: CGROUP_ROOT, error)))
			goto out;
		/* auto-repro: the probes are in place before the scheduler's first callback */
		if (plan->probes && probe__setup(plan->probes, &probe_header))
			pr_warn("auto-repro: %s", probe_header);
		/* the programs the scheduler loads come after every id there is now */
		if ((ret = guest_bpf_progs__mark(&mark))) {
			*error = xasprintf("listing the loaded BPF programs: %s", strerror(-ret));
			goto out;
		}
		if (rc.plugin->ops->attach) {
			rc.attaching = true;
			ret = rc.plugin->ops->attach(&rc.sctx);
			rc.attaching = false;
			if (ret) {
				/* the plugin's own account (an exit status, a verifier error) over an errno */
				*error = xasprintf("scheduler %s failed to attach: %s",
						   rc.plugin->ops->name,
						   rc.attach_why ?: strerror(-ret));
				send_sched("exited", NULL, "attach failed", *error);
				goto out;
			}
		}
		rc.attached = true;
		ret = send_running(rc.plugin->ops->name, mark, plan->verifier, error);
		if (ret || plan->verifier)
			goto out;	/* --verifier: the programs are all it asked for */
	} else if ((ret = set_sysctls((const char *const *[2]){ NULL, (const char *const *)t->sysctls },
				      error))) {
		goto out;
	} else if (plan->verifier) {
		goto out;	/* no plugin, no programs to report */
	} else if (t->baseline && (ret = run_baseline(t, topo, cg_root ?: CGROUP_ROOT, error))) {
		goto out;	/* no plugin: EEVDF against itself, a control */
	}
	if (plan->mode == RUN_MODE_SHELL) {
		*code = run_shell(plan, error);
		goto out;
	}
	ret = workload__run(t, topo, cg_root ?: CGROUP_ROOT, &hooks, &tel);
	if (rc.attached && rc.plugin->ops->stats) {
		char buf[16384];

		buf[0] = '\0';
		if (!rc.plugin->ops->stats(&rc.sctx, buf, sizeof(buf)) && buf[0])
			host_artifact(NULL, "sched_stats.json", buf, strnlen(buf, sizeof(buf)));
	}
	if (rc.attached) {
		/* the final health before detach: a scheduler that died at the end counts */
		rc.last_poll = 0;
		hook_tick(&rc);
	}
	{
		_cleanup_free_ char *js = msg_result__encode(&tel);
		int sret = send_frame(MSG_RESULT, js, strlen(js));

		/* telemetry the host will not get makes the run an error, never a pass */
		if (sret && !*error)
			*error = xasprintf("sending the telemetry (%zu bytes): %s", strlen(js),
					   strerror(-sret));
	}
	if (ret && !*error)
		*error = xasprintf("workload: %s", tel.error ? tel.error : strerror(-ret));
	telemetry__free(&tel);
out:
	if (rc.plugin) {
		if (rc.plugin->ops->detach)
			rc.plugin->ops->detach(&rc.sctx);
		plugin__close(rc.plugin);
	}
	if (probe_header) {
		_cleanup_free_ char *trace = NULL;
		size_t tlen = 0;
		int pret = probe__collect(probe_header, &trace, &tlen);

		if (pret)
			trace = xasprintf("%s# reading the trace: %s\n", probe_header, strerror(-pret));
		if (host_artifact(NULL, "auto-repro-trace.txt", trace, pret ? strlen(trace) : tlen))
			pr_warn("auto-repro: sending the trace failed");
	}
	free(rc.attach_why);
	spec_file__free(sf);
	return ret;
}

/* Harness self-tests: an agent that crashes, or PID 1 that exits (a kernel panic). */
static void selftest(const char *what)
{
	if (str_eq(what, "crash"))
		raise(SIGSEGV);
	if (str_eq(what, "exit"))
		exit(3);
}

/* /ktstr/run.json, the host's plan; NULL with *error when unreadable, *absent when missing. */
static struct run_plan *load_plan(char **error, bool *absent)
{
	_cleanup_free_ char *text = NULL, *err = NULL;
	struct run_plan *plan = xcalloc(1, sizeof(*plan));
	size_t len = 0;
	int ret = read_file(RUN_JSON, &text, &len);

	*absent = ret == -ENOENT;
	if (ret)
		*error = xasprintf("%s: %s", RUN_JSON, strerror(-ret));
	else if (run_plan__decode(text, len, plan, &err))
		*error = xasprintf("%s: %s", RUN_JSON, err);
	if (*error) {
		free(plan);
		return NULL;
	}
	return plan;
}

/* A FILE from the host: written where it says, its directories made. */
static int write_guest_file(const struct msg_file *f, char **error)
{
	_cleanup_free_ char *dir = xstrdup(f->path);
	char *slash = strrchr(dir, '/');
	int ret = 0;

	if (slash && slash != dir) {
		*slash = '\0';
		ret = mkdir_p(dir, 0755);
	}
	/*
	 * A new file renamed over the old: the libraries a payload brings may
	 * be the agent's own, mapped right now (truncating them is SIGBUS)
	 */
	if (!ret)
		ret = write_file_atomic_mode(f->path, f->data, f->len, f->mode & 07777);
	if (ret)
		*error = xasprintf("writing %s from the host: %s", f->path, write_error_str(ret));
	return ret;
}

/*
 * A restored guest must not share the template's randomness or wall clock:
 * the plan's seed goes into the entropy pool (credited), its time into
 * CLOCK_REALTIME. CLOCK_MONOTONIC and BOOTTIME carry on from the snapshot.
 */
static void fresh_state(const struct msg_plan *m)
{
	struct {
		struct rand_pool_info info;
		unsigned char buf[MSG_PLAN_SEED_BYTES];
	} e = { .info = { .entropy_count = MSG_PLAN_SEED_BYTES * 8,
			  .buf_size = MSG_PLAN_SEED_BYTES } };
	struct timespec ts = { .tv_sec = m->realtime_ns / NSEC_PER_SEC,
			       .tv_nsec = m->realtime_ns % NSEC_PER_SEC };
	_cleanup_close_ int fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);

	memcpy(e.buf, m->seed, sizeof(e.buf));
	/* and reseed now: the CRNG would only take the pool on its next timed reseed */
	if (fd < 0 || ioctl(fd, RNDADDENTROPY, &e) < 0 || ioctl(fd, RNDRESEEDCRNG) < 0)
		pr_warn("seeding the RNG from the plan: %s", strerror(errno));
	if (m->realtime_ns && clock_settime(CLOCK_REALTIME, &ts) < 0)
		pr_warn("setting the clock from the plan: %s", strerror(errno));
}

/*
 * No run.json: this VM is a snapshot's template. Say RDY and wait on the
 * channel: the host saves the VM here, and each test restored from it gets
 * its files (FILE) and then its plan (PLAN).
 */
static struct run_plan *receive_plan(char **error)
{
	struct proto_reader *pr = proto_reader__new();
	struct run_plan *plan = NULL;
	struct timespec ts;
	struct msg_ready r;
	char buf[65536];

	clock_gettime(CLOCK_BOOTTIME, &ts);
	r.uptime_ns = ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	free(*error);
	*error = NULL;
	if (chan_fd < 0) {
		*error = xstrdup("no run.json and no channel to receive a plan on");
		goto out;
	}
	send_msg(MSG_READY, msg_ready__encode(&r));
	while (!plan && !*error) {
		struct proto_msg m;
		ssize_t n = read(chan_fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*error = xasprintf("the channel closed before the plan came: %s",
					   n ? strerror(errno) : "end of file");
			break;
		}
		proto_reader__feed(pr, buf, n);
		while (!plan && !*error && proto_reader__next(pr, &m) == 1) {
			_cleanup_free_ char *err = NULL;

			if (str_eq(m.type, MSG_FILE)) {
				struct msg_file f;

				if (msg_file__decode(m.payload, m.len, &f, &err))
					*error = xstrdup(err);
				else
					write_guest_file(&f, error);
				msg_file__free(&f);
			} else if (str_eq(m.type, MSG_PLAN)) {
				struct msg_plan p;

				if (msg_plan__decode(m.payload, m.len, &p, &err)) {
					*error = xstrdup(err);
				} else {
					fresh_state(&p);
					plan = xmalloc(sizeof(*plan));
					*plan = p.plan;		/* taken */
				}
			}
			proto_msg__free(&m);
		}
	}
out:
	proto_reader__free(pr);
	return plan;
}

int main(int argc, char **argv)
{
	_cleanup_free_ char *error = NULL, *terr = NULL;
	struct run_plan *plan;
	struct topo *topo = xcalloc(1, sizeof(*topo));
	bool wait_plan = false;
	int code = -1;

	(void)argc;
	(void)argv;
	install_crash_handlers();
	do_mounts();
	setup_environment();
	setvbuf(stderr, NULL, _IONBF, 0);
	plan = load_plan(&error, &wait_plan);
	chan_fd = guest__open_channel(plan && plan->channel[0] ? plan->channel : NULL);
	if (chan_fd < 0)
		fprintf(stderr, "ktstr-guest: no results channel: %s\n", strerror(-chan_fd));
	log_set_fn(log_to_channel);
	if (wait_plan)
		plan = receive_plan(&error);
	send_hello();
	if (!plan)
		goto done;
	if (topo__from_sysfs("/sys", topo, &terr)) {
		error = xasprintf("reading the topology: %s", terr);
		goto done;
	}
	{
		send_msg(MSG_TOPO, msg_topo__encode(topo));
	}
	selftest(plan->selftest);
	/* --retries: a payload or --exec command may log more on a retry, or behave as it likes */
	if (plan->attempt) {
		char a[16];

		snprintf(a, sizeof(a), "%u", plan->attempt);
		setenv("KTSTR_ATTEMPT", a, 1);
	}
	/*
	 * The boot ran "quiet" (every console line costs under TCG); from here on
	 * the console gate wants the kernel's info lines too (sched_ext enable and
	 * disable, its exit reasons), so raise the console level to KERN_INFO.
	 */
	if (write_file("/proc/sys/kernel/printk", "7", 1))
		pr_warn("raising the console log level failed");
	if (setup_cgroups())
		pr_warn("creating %s: %s", CGROUP_ROOT, strerror(errno));
	switch (plan->mode) {
	case RUN_MODE_TOPO:
		break;
	case RUN_MODE_EXEC:
		code = run_exec(plan->exec, &error);
		break;
	case RUN_MODE_RUN:
	case RUN_MODE_SHELL:
		/* the host's monitor samples spec runs only, and says when it is off */
		if (!plan->no_ksyms)
			send_syms(topo->ncpus, plan);
		run_test(plan, topo, &code, &error);
		break;
	}
done:
	send_done(code, error);
	if (plan)
		run_plan__free(plan);
	free(plan);
	free(topo);
	power_off();
	return 0;
}
