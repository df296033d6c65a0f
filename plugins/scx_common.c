// SPDX-License-Identifier: GPL-2.0-only
/* Shared glue of the built-in sched_ext plugins: sysfs state, exit kinds, libbpf load/attach/poll. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gelf.h>
#include <libelf.h>

#include "scx_common.h"

/* ---- host services ---- */

static bool host_has(const struct ktstr_sched_ctx *ctx, size_t end)
{
	return ctx && ctx->host && ctx->host->sz >= end;
}

static void vlog(const struct ktstr_sched_ctx *ctx, enum ktstr_log_level level, const char *fmt, va_list ap)
{
	if (host_has(ctx, offsetof(struct ktstr_host, log) + sizeof(void *)) && ctx->host->log) {
		ctx->host->log(ctx->host->host_ctx, level, fmt, ap);
		return;
	}
	if (level == KTSTR_LOG_DEBUG && !getenv("KTSTR_PLUGIN_DEBUG"))
		return;
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void scxp_log(const struct ktstr_sched_ctx *ctx, enum ktstr_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(ctx, level, fmt, ap);
	va_end(ap);
}

void scxp_event(const struct ktstr_sched_ctx *ctx, const char *label, const char *detail)
{
	if (host_has(ctx, offsetof(struct ktstr_host, event) + sizeof(void *)) && ctx->host->event)
		ctx->host->event(ctx->host->host_ctx, label, detail);
	else
		scxp_log(ctx, KTSTR_LOG_INFO, "%s%s%s", label, detail ? ": " : "", detail ? detail : "");
}

int scxp_artifact(const struct ktstr_sched_ctx *ctx, const char *name, const void *data, size_t len)
{
	if (host_has(ctx, offsetof(struct ktstr_host, artifact) + sizeof(void *)) && ctx->host->artifact)
		return ctx->host->artifact(ctx->host->host_ctx, name, data, len);
	scxp_log(ctx, KTSTR_LOG_INFO, "--- %s ---\n%.*s--- end %s ---", name, (int)len,
		 (const char *)data, name);
	return 0;
}

const char *scxp_wait_status(const struct ktstr_sched_ctx *ctx, int status, char *buf, size_t len)
{
	if (host_has(ctx, offsetof(struct ktstr_host, describe_wait_status) + sizeof(void *)) &&
	    ctx->host->describe_wait_status)
		return ctx->host->describe_wait_status(ctx->host->host_ctx, status, buf, len);
	snprintf(buf, len, "wait status 0x%x", (unsigned)status);
	return buf;
}

uint32_t scxp_attach_timeout_ms(const struct ktstr_sched_ctx *ctx)
{
	if (!ctx || ctx->sz < offsetof(struct ktstr_sched_ctx, attach_timeout_ms) + sizeof(uint64_t) ||
	    !ctx->attach_timeout_ms)
		return SCXP_ATTACH_TIMEOUT_MS;
	return ctx->attach_timeout_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ctx->attach_timeout_ms;
}

/* ---- flags ---- */

static size_t key_len(const char *s)
{
	const char *eq = strchr(s, '=');

	return eq ? (size_t)(eq - s) : strlen(s);
}

bool scxp_flag_on(const char *const *flags, const char *name)
{
	size_t n = key_len(name);

	for (; flags && *flags; flags++)
		if (key_len(*flags) == n && !strncmp(*flags, name, n))
			return true;
	return false;
}

const char *scxp_flag_value(const char *const *flags, const char *name)
{
	size_t n = key_len(name);

	for (; flags && *flags; flags++)
		if (key_len(*flags) == n && !strncmp(*flags, name, n) && (*flags)[n] == '=')
			return *flags + n + 1;
	return NULL;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int scxp_flag_u64(const char *const *flags, const char *name, uint64_t def, uint64_t *out)
{
	const char *v = scxp_flag_value(flags, name);

	*out = def;
	return v ? parse_u64(v, out) : 0;
}

int scxp_validate_numeric(const char *const *numeric, const char *const *flags, char *err, size_t errlen)
{
	for (; numeric && *numeric; numeric++) {
		const char *v = scxp_flag_value(flags, *numeric);
		uint64_t x;

		if (v && parse_u64(v, &x)) {
			snprintf(err, errlen, "flag '%.*s': '%s' is not an unsigned number",
				 (int)key_len(*numeric), *numeric, v);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- sysfs state ---- */

static int read_line(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int scxp_state(char *buf, size_t len)
{
	return read_line(SCXP_SYSFS "/state", buf, len);
}

int scxp_root_ops(char *buf, size_t len)
{
	int ret = read_line(SCXP_SYSFS "/root/ops", buf, len);

	/* Kernels before the root/ directory had no ops name file: not an error. */
	if (ret == -ENOENT)
		buf[0] = '\0';
	return ret;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int scxp_wait_enabled(const char *ops_name, unsigned timeout_ms, bool (*alive)(void *arg), void *arg)
{
	uint64_t end = mono_ms() + timeout_ms;

	for (;;) {
		char state[64] = "", ops[160] = "";

		if (!scxp_state(state, sizeof(state)) && !strcmp(state, "enabled")) {
			int r = scxp_root_ops(ops, sizeof(ops));

			if (r == -ENOENT || (ops[0] && (!ops_name || !strcmp(ops, ops_name))))
				return 0;
		}
		if (alive && !alive(arg))
			return -ESRCH;
		if (mono_ms() >= end)
			return -ETIMEDOUT;
		sleep_ms(50);
	}
}

/* ---- exit kinds ---- */

static const struct {
	int kind;
	const char *name;
	const char *reason;	/* as the kernel's scx_exit_reason() words it */
} exit_kinds[] = {
	{ 0, "SCX_EXIT_NONE", "" },
	{ 1, "SCX_EXIT_DONE", "" },
	{ 64, "SCX_EXIT_UNREG", "unregistered from user space" },
	{ 65, "SCX_EXIT_UNREG_BPF", "unregistered from BPF" },
	{ 66, "SCX_EXIT_UNREG_KERN", "unregistered from the main kernel" },
	{ 67, "SCX_EXIT_SYSRQ", "disabled by sysrq-S" },
	{ 68, "SCX_EXIT_PARENT", "parent exiting" },
	{ 1024, "SCX_EXIT_ERROR", "runtime error" },
	{ 1025, "SCX_EXIT_ERROR_BPF", "scx_bpf_error" },
	{ 1026, "SCX_EXIT_ERROR_STALL", "runnable task stall" },
};

const char *scxp_exit_kind_name(int kind)
{
	for (size_t i = 0; i < sizeof(exit_kinds) / sizeof(exit_kinds[0]); i++)
		if (exit_kinds[i].kind == kind)
			return exit_kinds[i].name;
	return kind >= 1024 ? "SCX_EXIT_ERROR" : "SCX_EXIT_UNREG";
}

int scxp_exit_kind_from_reason(const char *reason)
{
	for (size_t i = 0; i < sizeof(exit_kinds) / sizeof(exit_kinds[0]); i++)
		if (exit_kinds[i].reason[0] && !strcmp(exit_kinds[i].reason, reason))
			return exit_kinds[i].kind;
	return 1024;
}

void scxp_health_set(struct ktstr_health *h, int kind, const char *reason, const char *msg)
{
	h->state = kind >= 1024 ? KTSTR_SCHED_EJECTED : KTSTR_SCHED_EXITED;
	snprintf(h->exit_kind, sizeof(h->exit_kind), "%s", scxp_exit_kind_name(kind));
	snprintf(h->reason, sizeof(h->reason), "%s%s%s", reason ? reason : "",
		 reason && *reason && msg && *msg ? ": " : "", msg ? msg : "");
}

void scxp_kmsg_record(const char *rec, char *reason, size_t rlen, char *msg, size_t mlen)
{
	static const char dis[] = "\" disabled (";
	const char *m = strchr(rec, ';'), *d;
	size_t len;

	if (!m || strncmp(++m, "sched_ext: ", 11))
		return;
	m += 11;
	len = strcspn(m, "\n");
	d = strstr(m, dis);
	if (!strncmp(m, "BPF scheduler \"", 15) && d && d < m + len) {
		const char *r = d + strlen(dis), *end = m + len;

		/* The reason runs to the last ')' of the line. */
		while (end > r && end[-1] != ')')
			end--;
		if (end > r)
			end--;
		else
			end = m + len;
		snprintf(reason, rlen, "%.*s", (int)(end - r), r);
		msg[0] = '\0';
	} else if (reason[0] && !msg[0]) {
		const char *c = strstr(m, ": ");

		if (c && c < m + len)
			snprintf(msg, mlen, "%.*s", (int)(m + len - c - 2), c + 2);
	}
}

/* ---- the sched_ext_dump tracepoint ---- */

static const char *tracefs_dir(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	struct stat st;

	for (size_t i = 0; i < 2; i++) {
		char p[128];

		snprintf(p, sizeof(p), "%s/events/sched_ext/sched_ext_dump/enable", dirs[i]);
		if (!stat(p, &st))
			return dirs[i];
	}
	return NULL;
}

int scxp_dump_trace_enable(void)
{
	const char *dir = tracefs_dir();
	char p[160];
	int fd, ret = 0;

	if (!dir) {
		/* The guest may not have tracefs mounted yet; it is harmless to try. */
		if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) && errno != EBUSY)
			return -errno;
		dir = tracefs_dir();
		if (!dir)
			return -ENOENT;
	}
	snprintf(p, sizeof(p), "%s/events/sched_ext/sched_ext_dump/enable", dir);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, "1", 1) != 1)
		ret = -errno;
	close(fd);
	return ret;
}

char *scxp_dump_trace_read(size_t *len)
{
	const char *dir = tracefs_dir();
	char p[160], line[1024];
	char *out = NULL;
	size_t n = 0, cap = 0;
	FILE *f;

	*len = 0;
	if (!dir)
		return NULL;
	snprintf(p, sizeof(p), "%s/trace", dir);
	f = fopen(p, "re");
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		/* "   <task>-<pid> [cpu] ..... ts: sched_ext_dump: <text>" */
		const char *t = strstr(line, "sched_ext_dump: ");
		size_t l;

		if (!t)
			continue;
		t += strlen("sched_ext_dump: ");
		l = strlen(t);
		if (n + l + 1 > cap) {
			cap = (n + l + 1) * 2;
			out = realloc(out, cap);
			if (!out) {
				fclose(f);
				return NULL;
			}
		}
		memcpy(out + n, t, l);
		n += l;
		out[n] = '\0';
	}
	fclose(f);
	*len = n;
	return out;
}

/* ---- topology ---- */

/* The LLC id of one CPU from its cache/indexN entries with level 3 (or the highest level). */
static int cpu_llc_id(unsigned cpu, long *id)
{
	int best_level = -1;

	for (unsigned i = 0; i < 8; i++) {
		char p[128], buf[32];
		long lvl, cid;

		snprintf(p, sizeof(p), "/sys/devices/system/cpu/cpu%u/cache/index%u/level", cpu, i);
		if (read_line(p, buf, sizeof(buf)))
			break;
		lvl = strtol(buf, NULL, 10);
		snprintf(p, sizeof(p), "/sys/devices/system/cpu/cpu%u/cache/index%u/id", cpu, i);
		if (read_line(p, buf, sizeof(buf)))
			continue;
		cid = strtol(buf, NULL, 10);
		if (lvl > best_level) {
			best_level = (int)lvl;
			*id = cid;
		}
	}
	return best_level < 0 ? -ENOENT : 0;
}

int scxp_cpu_llcs(uint32_t *cpu_llc, unsigned max_cpus, uint32_t *nr_llcs)
{
	long ids[64];
	unsigned nids = 0;

	*nr_llcs = 1;
	for (unsigned cpu = 0; cpu < max_cpus; cpu++) {
		char p[64];
		long id;
		unsigned k;

		cpu_llc[cpu] = 0;
		snprintf(p, sizeof(p), "/sys/devices/system/cpu/cpu%u", cpu);
		if (access(p, F_OK))
			continue;
		if (cpu_llc_id(cpu, &id))
			continue;
		for (k = 0; k < nids && ids[k] != id; k++)
			;
		if (k == nids) {
			if (nids == sizeof(ids) / sizeof(ids[0]))
				return -E2BIG;
			ids[nids++] = id;
		}
		cpu_llc[cpu] = k;
	}
	if (nids)
		*nr_llcs = nids;
	return 0;
}

/* ---- loading and attaching a struct_ops scheduler ---- */

uint32_t scxp_timeout_ms(const struct ktstr_sched_ctx *ctx)
{
	uint64_t ms;

	if (!ctx || ctx->sz < offsetof(struct ktstr_sched_ctx, watchdog_timeout_ns) + sizeof(uint64_t) ||
	    !ctx->watchdog_timeout_ns)
		return 0;
	ms = ctx->watchdog_timeout_ns / 1000000;
	return ms ? (ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms) : 1;
}

int scxp_patch_timeout(const void *elf, size_t sz, uint32_t timeout_ms, void **out)
{
	Elf *e;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	char *copy;
	int ret = -ENOENT;

	*out = NULL;
	copy = malloc(sz);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, elf, sz);
	if (!timeout_ms) {
		*out = copy;
		return 0;
	}
	if (elf_version(EV_CURRENT) == EV_NONE)
		goto fail;
	e = elf_memory(copy, sz);
	if (!e)
		goto fail;
	if (elf_getshdrstrndx(e, &shstrndx))
		goto fail_elf;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".struct_ops"))
			continue;
		/* One struct_ops variable per object, at the start of the section. */
		if (sh.sh_size < sizeof(struct sched_ext_ops) ||
		    sh.sh_offset + sizeof(struct sched_ext_ops) > sz) {
			ret = -EINVAL;
			break;
		}
		memcpy(copy + sh.sh_offset + offsetof(struct sched_ext_ops, timeout_ms),
		       &timeout_ms, sizeof(timeout_ms));
		ret = 0;
		break;
	}
fail_elf:
	elf_end(e);
	if (!ret) {
		*out = copy;
		return 0;
	}
fail:
	free(copy);
	return ret;
}

/*
 * libbpf's print callback is process-wide: while a plugin loads, its
 * output is collected here so a verifier rejection can be reported.
 */
static char *capture;
static size_t capture_len, capture_cap;
static const struct ktstr_sched_ctx *capture_ctx;

static void capture_append(const char *s, size_t n)
{
	if (capture_len + n + 1 > capture_cap) {
		size_t cap = (capture_len + n + 1) * 2;
		char *c = realloc(capture, cap);

		if (!c)
			return;
		capture = c;
		capture_cap = cap;
	}
	memcpy(capture + capture_len, s, n);
	capture_len += n;
	capture[capture_len] = '\0';
}

static int libbpf_capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[4096], *text = buf;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, aq);
	va_end(aq);
	if (n < 0)
		return 0;
	/* Verifier logs come as one big string: keep all of it. */
	if ((size_t)n >= sizeof(buf)) {
		text = malloc((size_t)n + 1);
		if (!text)
			return 0;
		vsnprintf(text, (size_t)n + 1, fmt, ap);
	}
	capture_append(text, (size_t)n);
	if (level != LIBBPF_DEBUG && text == buf)
		scxp_log(capture_ctx, KTSTR_LOG_DEBUG, "libbpf: %.*s", n && buf[n - 1] == '\n' ? n - 1 : n, buf);
	if (text != buf)
		free(text);
	return 0;
}

/* Lines [from, to) of s, as a new string. */
static const char *nth_line_start(const char *s, const char *end, size_t k)
{
	const char *p = s;

	while (k-- && p < end) {
		const char *nl = memchr(p, '\n', end - p);

		if (!nl)
			return end;
		p = nl + 1;
	}
	return p;
}

static size_t count_lines(const char *s, const char *end)
{
	size_t n = 0;

	for (const char *p = s; p < end; p++)
		if (*p == '\n')
			n++;
	if (end > s && end[-1] != '\n')
		n++;
	return n;
}

char *scxp_trim_verifier_log(const char *log, unsigned tail)
{
	static const char begin[] = "-- BEGIN PROG LOAD LOG --";
	static const char endm[] = "-- END PROG LOAD LOG --";
	const char *b = NULL, *e, *p, *body, *body_end, *keep;
	size_t nlines, omitted = 0, cap;
	char *out;

	if (!log)
		return NULL;
	for (p = strstr(log, begin); p; p = strstr(p + 1, begin))
		b = p;
	if (!b) {
		/* No verifier log: keep the last lines of what libbpf said. */
		body = log;
		body_end = log + strlen(log);
		nlines = count_lines(body, body_end);
		keep = nlines > tail ? nth_line_start(body, body_end, nlines - tail) : body;
		return strdup(keep);
	}
	/* The line that introduces the log ("prog 'x': BPF program load failed: ..."). */
	p = b;
	while (p > log && p[-1] != '\n')
		p--;
	if (p > log) {
		p--;
		while (p > log && p[-1] != '\n')
			p--;
	}
	body = strchr(b, '\n');
	body = body ? body + 1 : b + strlen(b);
	e = strstr(body, endm);
	body_end = e ? e : body + strlen(body);
	nlines = count_lines(body, body_end);
	keep = body;
	if (nlines > tail) {
		omitted = nlines - tail;
		keep = nth_line_start(body, body_end, omitted);
	}
	cap = (size_t)(body - p) + (size_t)(body_end - keep) + strlen(e ? e : "") + 128;
	out = malloc(cap);
	if (!out)
		return NULL;
	snprintf(out, cap, "%.*s%s%.*s%s%s", (int)(body - p), p,
		 omitted ? "... (earlier verifier log lines omitted)\n" : "",
		 (int)(body_end - keep), keep,
		 e && body_end > keep && body_end[-1] != '\n' ? "\n" : "", e ? e : "");
	return out;
}

int scxp_skel_open(struct ktstr_sched_ctx *ctx, struct scxp_bpf *run, struct bpf_object_skeleton *skel,
		   const void *elf, size_t elf_sz)
{
	int ret = scxp_patch_timeout(elf, elf_sz, scxp_timeout_ms(ctx), &run->elf);

	if (ret) {
		scxp_log(ctx, KTSTR_LOG_ERROR, "scheduler %s: cannot set the watchdog timeout: %s",
			 run->ops_name, strerror(-ret));
		return ret;
	}
	skel->data = run->elf;
	ret = bpf_object__open_skeleton(skel, NULL);
	if (ret)
		scxp_log(ctx, KTSTR_LOG_ERROR, "scheduler %s: opening the BPF object failed: %s",
			 run->ops_name, strerror(-ret));
	return ret;
}

static bool is_init_prog(const char *name)
{
	size_t n = strlen(name);

	return n >= 4 && !strcmp(name + n - 4, "init") && (n == 4 || name[n - 5] == '_');
}

/*
 * Why libbpf found an extern kfunc "incompatible with kernel", when the cause
 * is the kernel's: its BTF gives the kfunc a trailing `aux` parameter (the
 * struct bpf_prog_aux * that the verifier fills in, KF_IMPLICIT_ARGS) but no
 * NAME_impl, the full prototype the verifier resolves such a kfunc through
 * ("cannot find function NAME_impl in BTF"). Debian's 7.2.12 is such a kernel
 * for scx_bpf_create_dsq, scx_bpf_kick_cpu and scx_bpf_error_bstr: no BPF
 * program can call them there (7.3 publishes NAME without `aux` and NAME_impl
 * with it). VMLINUX is the kernel's BTF, LOG libbpf's output. Writes the
 * explanation to buf and returns true when it applies.
 */
bool scxp_explain_implicit_args(const struct btf *vmlinux, const char *log, char *buf, size_t len)
{
	static const char pre[] = "extern (func ksym) '";
	bool found = false;

	/* libbpf names each refused kfunc: "extern (func ksym) 'NAME': func_proto [..] incompatible ..." */
	for (const char *p = strstr(log, pre); p; p = strstr(p, pre)) {
		const struct btf_type *kp;
		const struct btf_param *kpar;
		char name[112], impl[128];
		size_t nl;
		int kid;

		p += sizeof(pre) - 1;
		nl = strcspn(p, "'");
		if (nl >= sizeof(name) || !strstr(p + nl, "incompatible with kernel"))
			continue;
		memcpy(name, p, nl);
		name[nl] = '\0';
		snprintf(impl, sizeof(impl), "%s_impl", name);
		kid = btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC);
		if (kid < 0 || btf__find_by_name_kind(vmlinux, impl, BTF_KIND_FUNC) >= 0)
			continue;
		kp = btf__type_by_id(vmlinux, btf__type_by_id(vmlinux, kid)->type);
		if (!kp || !btf_is_func_proto(kp) || !btf_vlen(kp))
			continue;
		kpar = btf_params(kp) + btf_vlen(kp) - 1;
		if (strcmp(btf__name_by_offset(vmlinux, kpar->name_off), "aux"))
			continue;
		snprintf(buf, len, "%s: this kernel's BTF gives it the implicit argument 'aux' but has no %s, "
			 "through which the verifier calls it, so no BPF program can (a defect of this kernel "
			 "build; 7.3 has both)", name, impl);
		found = true;
		break;
	}
	return found;
}

int scxp_bpf_load_attach(struct ktstr_sched_ctx *ctx, struct scxp_bpf *run,
			 struct bpf_object_skeleton *skel, struct bpf_map *ops_map)
{
	struct bpf_object *obj = *skel->obj;
	libbpf_print_fn_t old;
	struct bpf_program *prog;
	char state[64] = "", ops[160] = "", detail[320];
	int ret;

	bpf_object__for_each_program(prog, obj)
		if (is_init_prog(bpf_program__name(prog)))
			bpf_program__set_flags(prog, bpf_program__flags(prog) | BPF_F_SLEEPABLE);

	capture_len = 0;
	if (capture)
		capture[0] = '\0';
	capture_ctx = ctx;
	old = libbpf_set_print(libbpf_capture);
	ret = bpf_object__load_skeleton(skel);
	libbpf_set_print(old);
	free(run->elf);
	run->elf = NULL;
	if (ret) {
		char *trimmed = scxp_trim_verifier_log(capture ? capture : "", SCXP_VERIFIER_TAIL);
		struct btf *vmlinux = NULL;
		char why[512];

		if (capture && strstr(capture, "incompatible with kernel"))
			vmlinux = btf__load_vmlinux_btf();
		if (vmlinux && scxp_explain_implicit_args(vmlinux, capture, why, sizeof(why)))
			scxp_log(ctx, KTSTR_LOG_ERROR, "scheduler %s: BPF load failed: kernel cannot serve kfunc %s",
				 run->ops_name, why);
		else
			scxp_log(ctx, KTSTR_LOG_ERROR, "scheduler %s: BPF load failed: %s%s%s", run->ops_name,
				 strerror(-ret), trimmed ? "\n" : "", trimmed ? trimmed : "");
		btf__free(vmlinux);
		if (trimmed)
			scxp_artifact(ctx, "verifier.log", trimmed, strlen(trimmed));
		free(trimmed);
		return ret < 0 ? ret : -EINVAL;
	}

	run->link = bpf_map__attach_struct_ops(ops_map);
	if (!run->link) {
		ret = -errno;
		scxp_log(ctx, KTSTR_LOG_ERROR, "scheduler %s: attaching struct_ops failed: %s%s",
			 run->ops_name, strerror(-ret),
			 ret == -EBUSY || ret == -EEXIST ? " (another sched_ext scheduler is attached)" : "");
		return ret;
	}
	ret = scxp_wait_enabled(run->ops_name, scxp_attach_timeout_ms(ctx), NULL, NULL);
	if (ret) {
		scxp_state(state, sizeof(state));
		scxp_root_ops(ops, sizeof(ops));
		if (run->uei && run->uei->kind)
			scxp_log(ctx, KTSTR_LOG_ERROR, "scheduler %s: the kernel disabled it while attaching: "
				 "%s: %s: %s", run->ops_name, scxp_exit_kind_name(run->uei->kind),
				 (const char *)run->uei->reason, (const char *)run->uei->msg);
		else
			scxp_log(ctx, KTSTR_LOG_ERROR, "scheduler %s: not enabled after %u ms "
				 "(state '%s', root/ops '%s')", run->ops_name, scxp_attach_timeout_ms(ctx),
				 state, ops);
		return ret;
	}
	scxp_state(state, sizeof(state));
	scxp_root_ops(ops, sizeof(ops));
	snprintf(detail, sizeof(detail), "%s (state %s, root/ops %s)", run->ops_name, state, ops);
	scxp_event(ctx, "scheduler attached", detail);
	return 0;
}

int scxp_bpf_poll(struct ktstr_sched_ctx *ctx, struct scxp_bpf *run, struct ktstr_health *h)
{
	int kind = run->uei ? run->uei->kind : 0;
	char state[64] = "";

	h->exit_kind[0] = h->reason[0] = '\0';
	if (!kind) {
		if (scxp_state(state, sizeof(state)) || !strcmp(state, "enabled") ||
		    !strcmp(state, "enabling")) {
			h->state = KTSTR_SCHED_RUNNING;
			return 0;
		}
		/* The kernel is disabling it: ops.exit() records why within moments. */
		for (uint64_t end = mono_ms() + 2000; !run->uei->kind && mono_ms() < end;)
			sleep_ms(20);
		kind = run->uei->kind;
	}
	if (!kind) {
		scxp_state(state, sizeof(state));
		/* Disabled but ops.exit() has not recorded why (yet). */
		h->state = KTSTR_SCHED_EXITED;
		snprintf(h->exit_kind, sizeof(h->exit_kind), "state %s", state);
		snprintf(h->reason, sizeof(h->reason), "sched_ext state is '%s'", state);
		return 0;
	}
	__sync_synchronize();
	scxp_health_set(h, kind, (const char *)run->uei->reason, (const char *)run->uei->msg);
	if (h->state == KTSTR_SCHED_EJECTED && !run->dumped) {
		const char *dump = (const char *)run->uei->dump;

		run->dumped = true;
		if (dump[0])
			scxp_artifact(ctx, "sched_ext_dump.txt", dump, strnlen(dump, KTSTR_EXIT_DUMP_LEN));
		scxp_event(ctx, "scheduler ejected", h->reason);
	}
	return 0;
}

void scxp_bpf_detach(struct scxp_bpf *run)
{
	if (run->link)
		bpf_link__destroy(run->link);
	run->link = NULL;
	free(run->elf);
	run->elf = NULL;
}

/* ---- a built-in plugin's attach, poll and detach ---- */

int scxp_plugin_open(struct ktstr_sched_ctx *ctx, const struct scxp_skel_ops *ops, size_t state_sz)
{
	struct scxp_plugin *pl = calloc(1, state_sz);
	const void *elf;
	size_t elf_sz;
	char err[192];
	int ret;

	if (!pl)
		return -ENOMEM;
	ctx->priv = pl;
	pl->ops = ops;
	pl->run.ops_name = ops->ops_name;
	ret = ops->validate ? ops->validate(ctx->flags, ctx->args, err, sizeof(err)) : 0;
	if (ret) {
		scxp_log(ctx, KTSTR_LOG_ERROR, "%s: %s", ops->name, err);
		return ret;
	}
	pl->skel = calloc(1, ops->size);
	if (!pl->skel)
		return -ENOMEM;
	ret = ops->create(pl->skel);
	if (ret) {
		free(pl->skel);
		pl->skel = NULL;
		return ret;
	}
	elf = ops->elf_bytes(&elf_sz);
	return scxp_skel_open(ctx, &pl->run, *(struct bpf_object_skeleton **)pl->skel, elf, elf_sz);
}

int scxp_plugin_load_attach(struct ktstr_sched_ctx *ctx, const volatile struct ktstr_uei *uei,
			    struct bpf_map *ops_map)
{
	struct scxp_plugin *pl = ctx->priv;

	pl->run.uei = uei;
	return scxp_bpf_load_attach(ctx, &pl->run, *(struct bpf_object_skeleton **)pl->skel, ops_map);
}

int scxp_plugin_poll(struct ktstr_sched_ctx *ctx, struct ktstr_health *h)
{
	struct scxp_plugin *pl = ctx->priv;

	if (!pl || !pl->skel || !pl->run.uei)
		return -EINVAL;
	return scxp_bpf_poll(ctx, &pl->run, h);
}

void scxp_plugin_detach(struct ktstr_sched_ctx *ctx)
{
	struct scxp_plugin *pl = ctx->priv;

	if (!pl)
		return;
	scxp_bpf_detach(&pl->run);
	if (pl->skel)
		pl->ops->destroy(pl->skel);
	free(pl);
	ctx->priv = NULL;
}
