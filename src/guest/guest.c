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
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <zlib.h>

#include "guest/guest.h"
#include "plugin/loader.h"
#include "spec/cmdline.h"
#include "spec/spec.h"
#include "util/log.h"
#include "vm/proto.h"
#include "vm/topo.h"
#include "workload/workload.h"

#define RUN_JSON "/ktstr/run.json"
#define CGROUP_ROOT "/sys/fs/cgroup/ktstr"
#define POLL_INTERVAL_NS (90 * NSEC_PER_MSEC)	/* ticks come every ~100 ms */

static int chan_fd = -1;

/* Send a frame; before the channel is open (or if it broke) fall back to the console. */
static void send_frame(const char *type, const char *payload, size_t len)
{
	if (chan_fd < 0 || proto__write(chan_fd, type, payload, len) < 0)
		fprintf(stderr, "ktstr-guest: %s %.*s\n", type, (int)MIN(len, 4096), payload);
}

static void send_str(const char *type, const char *payload)
{
	send_frame(type, payload, strlen(payload));
}

/* Send a jansson object (stolen) as a frame. */
static void send_json(const char *type, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	if (s)
		send_str(type, s);
	free(s);
	json_decref(o);
}

static void log_to_channel(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	char buf[2048];
	int n = snprintf(buf, sizeof(buf), "%s: ", names[level]);

	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	send_str(MSG_LOG, buf);
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
 * A crashed agent still owes the host a DONE: format it into static buffers
 * (no malloc in a signal handler: the heap may be what broke), then reset.
 */
static void crash_handler(int sig)
{
	static char msg[128], frame[256];
	int n = snprintf(msg, sizeof(msg),
			 "{\"status\":\"error\",\"error\":\"agent crashed: signal %d\"}", sig);
	unsigned long crc = crc32(crc32(0L, Z_NULL, 0), (const Bytef *)msg, n);
	int f = snprintf(frame, sizeof(frame), PROTO_MAGIC " %s 999999 %d %08lx\n%s\n",
			 MSG_DONE, n, crc, msg);

	if (chan_fd >= 0 && write(chan_fd, frame, f) < 0)
		chan_fd = -1;
	if (write(2, frame, f) < 0)
		chan_fd = -1;
	power_off();
}

static void install_crash_handlers(void)
{
	static char altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa = { .sa_handler = crash_handler, .sa_flags = SA_ONSTACK | SA_RESETHAND };
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };

	sigaltstack(&ss, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
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

	uname(&u);
	clock_gettime(CLOCK_BOOTTIME, &ts);
	send_json(MSG_HELLO, json_pack("{s:s, s:s, s:I}", "version", PACKAGE_VERSION, "kernel",
				       u.release, "uptime_ns",
				       (json_int_t)(ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec)));
}

static void send_done(int exit_code, const char *error)
{
	json_t *o = json_pack("{s:s}", "status", error ? "error" : "ok");

	if (error)
		json_object_set_new(o, "error", json_string(error));
	if (exit_code >= 0)
		json_object_set_new(o, "exit_code", json_integer(exit_code));
	send_json(MSG_DONE, o);
}

/*
 * The host's monitor reads the run queues out of guest RAM; it needs a few
 * symbols, which a distro kernel only publishes through /proc/kallsyms
 * (KASLR moves them every boot), and the physical address the kernel image
 * was loaded at (/proc/iomem's "Kernel code"). One pass over kallsyms, or,
 * when the host knows each symbol's distance from _text for this image
 * (hint), only its first lines up to _text.
 */
static void send_syms(unsigned ncpus, json_t *hint)
{
	static const char *const want[] = {
		"_text", "runqueues", "__per_cpu_offset", "page_offset_base", "scx_root",
		"init_top_pgt",
	};
	json_t *syms = json_object();
	FILE *f = fopen("/proc/kallsyms", "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	char *code = NULL;
	uint64_t t0 = now_ns();

	guest_ksyms__scan(f, want, ARRAY_SIZE(want), json_is_object(hint), syms);
	if (f)
		fclose(f);
	if (json_is_object(hint) && json_object_get(syms, "_text")) {
		unsigned long long text = strtoull(json_string_value(json_object_get(syms, "_text")),
						   NULL, 16);
		const char *name;
		json_t *off;

		json_object_foreach(hint, name, off) {
			char hex[32];

			snprintf(hex, sizeof(hex), "0x%llx",
				 text + strtoull(json_string_value(off) ?: "0", NULL, 16));
			json_object_set_new(syms, name, json_string(hex));
		}
	}
	f = fopen("/proc/iomem", "re");
	while (f && !code && getline(&line, &cap, f) > 0) {
		unsigned long long start;

		if (strstr(line, ": Kernel code") && sscanf(line, " %llx-", &start) == 1)
			code = xasprintf("0x%llx", start);
	}
	if (f)
		fclose(f);
	send_json(MSG_SYMS, json_pack("{s:o, s:s?, s:i, s:I, s:b}", "syms", syms, "kernel_code",
				      code, "ncpus", (int)ncpus, "read_ns",
				      (json_int_t)(now_ns() - t0), "cached", json_is_object(hint)));
	free(code);
}

/* mode "exec": run argv with its output captured and sent as OUTP frames. */
static int run_exec(json_t *argv_json, char **error)
{
	size_t n = json_array_size(argv_json);
	_cleanup_free_ char **argv = xcalloc(n + 1, sizeof(char *));
	int pfd[2], status;
	pid_t pid;

	if (!n) {
		*error = xstrdup("exec: empty argv");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		argv[i] = (char *)json_string_value(json_array_get(argv_json, i));
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
		send_frame(MSG_OUTPUT, buf, r);
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
};

static void host_log(void *ctx, enum ktstr_log_level level, const char *fmt, va_list ap)
{
	(void)ctx;
	log_vmsg((enum log_level)MIN((unsigned)level, (unsigned)LOG_DEBUG), fmt, ap);
}

static int host_artifact(void *ctx, const char *name, const void *data, size_t len)
{
	json_t *o = json_pack("{s:s}", "name", name), *d = json_stringn(data, len);

	(void)ctx;
	if (!d) {
		/* not UTF-8: send hex */
		char *hex = xmalloc(len * 2 + 1);

		for (size_t i = 0; i < len; i++)
			snprintf(hex + 2 * i, 3, "%02x", ((const unsigned char *)data)[i]);
		json_object_set_new(o, "data_hex", json_string(hex));
		free(hex);
	} else {
		json_object_set_new(o, "data", d);
	}
	send_json(MSG_ARTIFACT, o);
	return 0;
}

static void host_event(void *ctx, const char *label, const char *detail)
{
	(void)ctx;
	send_json(MSG_EVENT, json_pack("{s:s, s:s, s:s?}", "kind", "note", "label", label,
				       "detail", detail));
}

static void hook_event(void *ctx, const struct timeline_event *ev)
{
	(void)ctx;
	send_json(MSG_EVENT, json_pack("{s:I, s:i, s:i, s:s?, s:s?, s:i}", "at_ns",
				       (json_int_t)ev->at_ns, "kind", ev->kind, "step", ev->step,
				       "label", ev->label, "detail", ev->detail, "error",
				       ev->error));
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
		send_json(MSG_SCHED, json_pack("{s:s, s:s, s:s}", "state", sched_state_name(h.state),
					       "exit_kind", h.exit_kind, "reason", h.reason));
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

static int run_test(json_t *plan, const struct topo *topo, char **error)
{
	const char *spec_path = json_string_value(json_object_get(plan, "spec"));
	const char *test_name = json_string_value(json_object_get(plan, "test"));
	const char *fmt = json_string_value(json_object_get(plan, "format"));
	json_t *pj = json_object_get(plan, "plugin");
	_cleanup_free_ char *text = NULL, *perr = NULL;
	struct diag_list diags = { 0 };
	struct spec_file *sf = NULL;
	const struct spec_test *t;
	struct run_ctx rc = { .state = KTSTR_SCHED_RUNNING };
	struct telemetry tel = { 0 };
	struct workload_hooks hooks = { .ctx = &rc, .event = hook_event, .tick = hook_tick };
	const char **flags = NULL, **args = NULL;
	size_t len = 0;
	int ret;

	if (!spec_path || !test_name) {
		*error = xstrdup("run.json: mode run needs \"spec\" and \"test\"");
		return -EINVAL;
	}
	ret = read_file(spec_path, &text, &len);
	if (ret) {
		*error = xasprintf("%s: %s", spec_path, strerror(-ret));
		return ret;
	}
	ret = spec_file__parse(spec_path, text, len,
			       str_eq(fmt, "ini") ? SPEC_FORMAT_INI :
			       str_eq(fmt, "yaml") ? SPEC_FORMAT_YAML : SPEC_FORMAT_AUTO,
			       &sf, &diags);
	diag_free(&diags);
	t = sf ? spec_file__find(sf, test_name) : NULL;
	if (!t) {
		*error = xasprintf("test %s not found in %s (%d)", test_name, spec_path, ret);
		spec_file__free(sf);
		return -ENOENT;
	}
	if (json_is_object(pj)) {
		const char *path = json_string_value(json_object_get(pj, "path"));
		json_t *a;
		size_t i, nf = json_array_size(json_object_get(pj, "flags"));
		size_t na = json_array_size(json_object_get(pj, "args"));

		flags = xcalloc(nf + 1, sizeof(char *));
		args = xcalloc(na + 1, sizeof(char *));
		json_array_foreach(json_object_get(pj, "flags"), i, a)
			flags[i] = json_string_value(a);
		json_array_foreach(json_object_get(pj, "args"), i, a)
			args[i] = json_string_value(a);
		ret = path ? plugin__open(path, &rc.plugin, &perr) : -EINVAL;
		if (ret) {
			*error = xasprintf("plugin %s: %s", path ? path : "(no path)",
					   perr ? perr : strerror(-ret));
			goto out;
		}
		rc.host = (struct ktstr_host){ .sz = sizeof(rc.host), .log = host_log,
					       .artifact = host_artifact, .event = host_event };
		rc.sctx = (struct ktstr_sched_ctx){
			.sz = sizeof(rc.sctx), .host = &rc.host, .flags = flags, .args = args,
			.files_dir = json_string_value(json_object_get(pj, "files_dir")),
			.ncpus = topo->ncpus,
			.watchdog_timeout_ns = json_integer_value(json_object_get(pj,
								"watchdog_timeout_ns")),
		};
		ret = set_sysctls((const char *const *[2]){ rc.plugin->ops->sysctls,
					      (const char *const *)t->sysctls }, error);
		if (ret)
			goto out;
		if (rc.plugin->ops->attach) {
			ret = rc.plugin->ops->attach(&rc.sctx);
			if (ret) {
				*error = xasprintf("scheduler %s failed to attach: %s",
						   rc.plugin->ops->name, strerror(-ret));
				send_json(MSG_SCHED, json_pack("{s:s, s:s, s:s}", "state", "exited",
							       "exit_kind", "attach failed",
							       "reason", *error));
				goto out;
			}
		}
		rc.attached = true;
		send_json(MSG_SCHED, json_pack("{s:s, s:s}", "state", "running", "name",
					       rc.plugin->ops->name));
	} else if ((ret = set_sysctls((const char *const *[2]){ NULL, (const char *const *)t->sysctls },
				      error))) {
		goto out;
	}
	ret = workload__run(t, topo, CGROUP_ROOT, &hooks, &tel);
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
		char *js = telemetry__to_json(&tel);

		if (js)
			send_str(MSG_RESULT, js);
		free(js);
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
	free(flags);
	free(args);
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

static json_t *load_plan(char **error)
{
	json_error_t je;
	json_t *plan = json_load_file(RUN_JSON, 0, &je);

	if (!plan)
		*error = xasprintf("%s: %s (line %d)", RUN_JSON, je.text, je.line);
	return plan;
}

int main(int argc, char **argv)
{
	_cleanup_free_ char *error = NULL, *terr = NULL;
	json_t *plan;
	const char *mode;
	struct topo *topo = xcalloc(1, sizeof(*topo));
	int code = -1;

	(void)argc;
	(void)argv;
	install_crash_handlers();
	do_mounts();
	setvbuf(stderr, NULL, _IONBF, 0);
	plan = load_plan(&error);
	chan_fd = guest__open_channel(plan ? json_string_value(json_object_get(plan, "channel")) :
					     NULL);
	if (chan_fd < 0)
		fprintf(stderr, "ktstr-guest: no results channel: %s\n", strerror(-chan_fd));
	log_set_fn(log_to_channel);
	send_hello();
	if (!plan)
		goto done;
	if (topo__from_sysfs("/sys", topo, &terr)) {
		error = xasprintf("reading the topology: %s", terr);
		goto done;
	}
	{
		char *tj = topo__to_json(topo);

		send_str(MSG_TOPO, tj);
		free(tj);
	}
	selftest(json_string_value(json_object_get(plan, "selftest")));
	/*
	 * The boot ran "quiet" (every console line costs under TCG); from here on
	 * the console gate wants the kernel's info lines too (sched_ext enable and
	 * disable, its exit reasons), so raise the console level to KERN_INFO.
	 */
	if (write_file("/proc/sys/kernel/printk", "7", 1))
		pr_warn("raising the console log level failed");
	if (setup_cgroups())
		pr_warn("creating %s: %s", CGROUP_ROOT, strerror(errno));
	mode = json_string_value(json_object_get(plan, "mode"));
	if (str_eq(mode, "topo")) {
		;
	} else if (str_eq(mode, "exec")) {
		code = run_exec(json_object_get(plan, "exec"), &error);
	} else if (str_eq(mode, "run")) {
		/* the host's monitor samples spec runs only, and says when it is off */
		if (!json_is_false(json_object_get(plan, "ksyms")))
			send_syms(topo->ncpus, json_object_get(plan, "ksyms"));
		run_test(plan, topo, &error);
	} else {
		error = xasprintf("run.json: unknown mode '%s'", mode ? mode : "(none)");
	}
done:
	send_done(code, error);
	json_decref(plan);
	free(topo);
	power_off();
	return 0;
}
