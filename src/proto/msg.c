// SPDX-License-Identifier: GPL-2.0-only
/* Every message of the results channel and the run plan: typed encode/decode, one dispatcher. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>

#include "proto/msg.h"
#include "util/jdec.h"

/* Dump an object (stolen) as compact JSON: no raw newline, as the framing wants. */
static char *dump(json_t *o, size_t flags)
{
	char *s = json_dumps(o, flags);

	json_decref(o);
	if (!s)
		abort();	/* jansson only fails on allocation */
	return s;
}

/* Finish a decode: prefix the message type to the first problem. */
static int finish(const char *type, struct jdec *d, json_t *root, char **err)
{
	json_decref(root);
	if (!d->err)
		return 0;
	if (err)
		*err = xasprintf("%s %s", type, d->err);
	free(d->err);
	d->err = NULL;
	return -EINVAL;
}

/* ---- HELO ---- */

char *msg_hello__encode(const struct msg_hello *m)
{
	return dump(json_pack("{s:s, s:s, s:I}", "version", m->version ?: "", "kernel",
			      m->kernel ?: "", "uptime_ns", (json_int_t)m->uptime_ns), JSON_COMPACT);
}

int msg_hello__decode(const char *s, size_t len, struct msg_hello *m, char **err)
{
	struct jdec d = { .where = "$" };
	json_t *root = jdec_load(&d, s, len);

	memset(m, 0, sizeof(*m));
	if (root) {
		m->version = jdec_strdup(&d, root, "version");
		m->kernel = jdec_strdup(&d, root, "kernel");
		m->uptime_ns = jdec_u64(&d, root, "uptime_ns", false);
	}
	if (d.err)
		msg_hello__free(m);
	return finish(MSG_HELLO, &d, root, err);
}

void msg_hello__free(struct msg_hello *m)
{
	free(m->version);
	free(m->kernel);
	memset(m, 0, sizeof(*m));
}

/* ---- TOPO ---- */

char *msg_topo__encode(const struct topo *t)
{
	return topo__to_json(t);
}

int msg_topo__decode(const char *s, size_t len, struct topo *t, char **err)
{
	_cleanup_free_ char *text = xstrndup(s, len), *e = NULL;
	int ret = topo__from_json(text, t, &e);

	if (ret && err)
		*err = xasprintf("%s %s", MSG_TOPO, e ?: "unreadable");
	return ret ? -EINVAL : 0;
}

/* ---- SYMS and the plan's symbol hint: {name: "0x.."} ---- */

static json_t *ksyms_json(const struct msg_ksym *v, size_t n)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++) {
		char hex[32];

		snprintf(hex, sizeof(hex), "0x%" PRIx64, v[i].addr);
		json_object_set_new(o, v[i].name, json_string(hex));
	}
	return o;
}

static bool parse_hex(const char *s, uint64_t *v)
{
	char *end;

	if (!s || strncmp(s, "0x", 2) || !s[2])
		return false;
	errno = 0;
	*v = strtoull(s + 2, &end, 16);
	return !errno && !*end;
}

static void ksyms_from_json(struct jdec *d, json_t *o, const char *key, struct msg_ksym **v,
			    size_t *n)
{
	json_t *obj = json_object_get(o, key), *val;
	const char *name;

	*v = NULL;
	*n = 0;
	if (!obj)
		return;
	if (!json_is_object(obj)) {
		jdec_fail(d, key, "expected an object of \"name\": \"0x...\"");
		return;
	}
	*v = xcalloc(json_object_size(obj) ?: 1, sizeof(**v));
	json_object_foreach(obj, name, val) {
		uint64_t a;

		if (!parse_hex(json_string_value(val), &a)) {
			_cleanup_free_ char *k = xasprintf("%s.%s", key, name);

			jdec_fail(d, k, "expected a hex string \"0x...\"");
			return;
		}
		(*v)[*n].name = xstrdup(name);
		(*v)[(*n)++].addr = a;
	}
}

void msg_ksyms__free(struct msg_ksym *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

int msg_ksyms__decode(const char *s, size_t len, struct msg_ksym **v, size_t *n, char **err)
{
	struct jdec d = { .where = "$" };
	json_t *root = jdec_load(&d, s, len), *wrap = json_object();

	*v = NULL;
	*n = 0;
	if (root) {
		json_object_set(wrap, "ksyms", root);
		ksyms_from_json(&d, wrap, "ksyms", v, n);
	}
	json_decref(wrap);
	if (d.err) {
		msg_ksyms__free(*v, *n);
		*v = NULL;
		*n = 0;
	}
	return finish("symbol hint", &d, root, err);
}

char *msg_syms__encode(const struct msg_syms *m)
{
	json_t *o = json_pack("{s:o, s:i, s:I, s:b}", "syms", ksyms_json(m->syms, m->nsyms),
			      "ncpus", (int)m->ncpus, "read_ns", (json_int_t)m->read_ns, "cached",
			      m->cached);

	if (m->kernel_code) {
		char hex[32];

		snprintf(hex, sizeof(hex), "0x%" PRIx64, m->kernel_code);
		json_object_set_new(o, "kernel_code", json_string(hex));
	}
	return dump(o, JSON_COMPACT);
}

int msg_syms__decode(const char *s, size_t len, struct msg_syms *m, char **err)
{
	struct jdec d = { .where = "$" };
	json_t *root = jdec_load(&d, s, len);

	memset(m, 0, sizeof(*m));
	if (root) {
		const char *kc = jdec_str(&d, root, "kernel_code");

		ksyms_from_json(&d, root, "syms", &m->syms, &m->nsyms);
		if (kc && !parse_hex(kc, &m->kernel_code))
			jdec_fail(&d, "kernel_code", "expected a hex string \"0x...\"");
		m->ncpus = jdec_u64(&d, root, "ncpus", true);
		m->read_ns = jdec_u64(&d, root, "read_ns", false);
		m->cached = jdec_bool(&d, root, "cached");
	}
	if (d.err)
		msg_syms__free(m);
	return finish(MSG_SYMS, &d, root, err);
}

bool msg_syms__get(const struct msg_syms *m, const char *name, uint64_t *addr)
{
	for (size_t i = 0; i < m->nsyms; i++) {
		if (str_eq(m->syms[i].name, name)) {
			*addr = m->syms[i].addr;
			return true;
		}
	}
	return false;
}

void msg_syms__add(struct msg_syms *m, const char *name, uint64_t addr)
{
	struct msg_ksym *k = array_push(&m->syms, &m->nsyms, sizeof(*m->syms));

	k->name = xstrdup(name);
	k->addr = addr;
}

void msg_syms__free(struct msg_syms *m)
{
	msg_ksyms__free(m->syms, m->nsyms);
	memset(m, 0, sizeof(*m));
}

/* ---- LOG (text) ---- */

static const char *const log_names[] = { "error", "warn", "info", "debug" };

char *msg_log__encode(const struct msg_log *m)
{
	return xasprintf("%s: %s", log_names[MIN((unsigned)m->level, (unsigned)LOG_DEBUG)],
			 m->text ?: "");
}

int msg_log__decode(const char *s, size_t len, struct msg_log *m, char **err)
{
	memset(m, 0, sizeof(*m));
	for (unsigned i = 0; i < ARRAY_SIZE(log_names); i++) {
		size_t n = strlen(log_names[i]);

		if (len >= n + 2 && !memcmp(s, log_names[i], n) && s[n] == ':' && s[n + 1] == ' ') {
			m->level = i;
			m->text = xstrndup(s + n + 2, len - n - 2);
			return 0;
		}
	}
	if (err)
		*err = xasprintf("%s: expected \"error|warn|info|debug: message\"", MSG_LOG);
	return -EINVAL;
}

void msg_log__free(struct msg_log *m)
{
	free(m->text);
	m->text = NULL;
}

/* ---- EVNT and RSLT: the telemetry's own encoding ---- */

char *msg_event__encode(const struct timeline_event *e)
{
	return timeline_event__to_json(e);
}

int msg_event__decode(const char *s, size_t len, struct timeline_event *e, char **err)
{
	_cleanup_free_ char *e2 = NULL;
	int ret = timeline_event__from_json(s, len, e, &e2);

	if (ret && err)
		*err = xasprintf("%s %s", MSG_EVENT, e2);
	return ret;
}

char *msg_result__encode(const struct telemetry *t)
{
	return telemetry__to_json(t);
}

int msg_result__decode(const char *s, size_t len, struct telemetry *t, char **err)
{
	_cleanup_free_ char *e2 = NULL;
	int ret = telemetry__from_json(s, len, t, &e2);

	if (ret && err)
		*err = xasprintf("%s %s", MSG_RESULT, e2);
	return ret;
}

/* ---- SCHD ---- */

char *msg_sched__encode(const struct msg_sched *m)
{
	json_t *o = json_pack("{s:s}", "state", m->state ?: "");

	if (m->name && *m->name)
		json_object_set_new(o, "name", json_string(m->name));
	if (m->exit_kind && *m->exit_kind)
		json_object_set_new(o, "exit_kind", json_string(m->exit_kind));
	if (m->reason && *m->reason)
		json_object_set_new(o, "reason", json_string(m->reason));
	if (m->nprogs) {
		json_t *a = json_array();

		for (size_t i = 0; i < m->nprogs; i++) {
			const struct msg_bpf_prog *p = &m->progs[i];

			json_array_append_new(a, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
				"name", p->name ?: "", "id", (json_int_t)p->id,
				"verified_insns", (json_int_t)p->verified_insns,
				"xlated_len", (json_int_t)p->xlated_len,
				"jited_len", (json_int_t)p->jited_len,
				"run_cnt", (json_int_t)p->run_cnt,
				"run_time_ns", (json_int_t)p->run_time_ns,
				"recursion_misses", (json_int_t)p->recursion_misses));
		}
		json_object_set_new(o, "progs", a);
	}
	return dump(o, JSON_COMPACT);
}

/* A u32 field of a program: the kernel's types, so a larger value is an error. */
static uint32_t prog_u32(struct jdec *d, json_t *o, const char *key)
{
	uint64_t v = jdec_u64(d, o, key, true);

	if (v > UINT32_MAX) {
		jdec_fail(d, key, "out of range (at most 4294967295)");
		return 0;
	}
	return (uint32_t)v;
}

static void sched_progs_decode(struct jdec *d, json_t *root, struct msg_sched *m)
{
	json_t *a = jdec_array(d, root, "progs");
	char where[32];

	if (!a || d->err)
		return;
	m->progs = xcalloc(json_array_size(a) ?: 1, sizeof(*m->progs));
	for (size_t i = 0; i < json_array_size(a) && !d->err; i++) {
		json_t *o = json_array_get(a, i);
		struct msg_bpf_prog *p = &m->progs[m->nprogs++];

		snprintf(where, sizeof(where), "$.progs[%zu]", i);
		d->where = where;
		if (!json_is_object(o)) {
			jdec_fail(d, "", "expected an object");
			break;
		}
		p->name = jdec_strdup(d, o, "name");
		p->id = prog_u32(d, o, "id");
		p->verified_insns = prog_u32(d, o, "verified_insns");
		p->xlated_len = prog_u32(d, o, "xlated_len");
		p->jited_len = prog_u32(d, o, "jited_len");
		p->run_cnt = jdec_u64(d, o, "run_cnt", true);
		p->run_time_ns = jdec_u64(d, o, "run_time_ns", true);
		p->recursion_misses = jdec_u64(d, o, "recursion_misses", true);
	}
	d->where = "$";
}

int msg_sched__decode(const char *s, size_t len, struct msg_sched *m, char **err)
{
	struct jdec d = { .where = "$" };
	json_t *root = jdec_load(&d, s, len);

	memset(m, 0, sizeof(*m));
	if (root) {
		if (!jdec_str(&d, root, "state"))
			jdec_fail(&d, "state", "missing");
		m->state = jdec_strdup(&d, root, "state");
		m->name = jdec_strdup(&d, root, "name");
		m->exit_kind = jdec_strdup(&d, root, "exit_kind");
		m->reason = jdec_strdup(&d, root, "reason");
		sched_progs_decode(&d, root, m);
	}
	if (d.err)
		msg_sched__free(m);
	return finish(MSG_SCHED, &d, root, err);
}

struct msg_bpf_prog *msg_bpf_progs__dup(const struct msg_bpf_prog *v, size_t n)
{
	struct msg_bpf_prog *c = n ? xcalloc(n, sizeof(*c)) : NULL;

	for (size_t i = 0; i < n; i++) {
		c[i] = v[i];
		c[i].name = v[i].name ? xstrdup(v[i].name) : NULL;
	}
	return c;
}

void msg_bpf_progs__free(struct msg_bpf_prog *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].name);
	free(v);
}

void msg_sched__free(struct msg_sched *m)
{
	free(m->state);
	free(m->name);
	free(m->exit_kind);
	free(m->reason);
	msg_bpf_progs__free(m->progs, m->nprogs);
	memset(m, 0, sizeof(*m));
}

/* ---- ARTF and FILE: bytes as "data" (UTF-8) or "data_hex" ---- */

static char *hex_of(const unsigned char *p, size_t n)
{
	char *hex = xmalloc(n * 2 + 1);

	hex_encode(p, n, hex);
	return hex;
}

static void data_to_json(json_t *o, const unsigned char *data, size_t len)
{
	json_t *d = json_stringn((const char *)data, len);

	if (d) {
		json_object_set_new(o, "data", d);
	} else {
		/* not UTF-8 (or NUL bytes jansson refuses): hex */
		char *hex = hex_of(data, len);

		json_object_set_new(o, "data_hex", json_string(hex));
		free(hex);
	}
}

static int unhex(const char *s, size_t n, unsigned char *out);

/* "data" or "data_hex" of root into *data (NUL-terminated) and *len. */
static void data_from_json(struct jdec *d, json_t *root, unsigned char **data, size_t *len)
{
	json_t *text = json_object_get(root, "data");
	const char *hex = jdec_str(d, root, "data_hex");

	if (text && json_is_string(text) && !hex) {
		*len = json_string_length(text);
		*data = xmalloc(*len + 1);
		memcpy(*data, json_string_value(text), *len);
	} else if (hex && !text) {
		*len = strlen(hex) / 2;
		*data = xmalloc(*len + 1);
		if (unhex(hex, strlen(hex), *data))
			jdec_fail(d, "data_hex", "expected an even number of hex digits");
	} else {
		jdec_fail(d, "data", "expected one of \"data\" (a string) or \"data_hex\"");
	}
}

char *msg_artifact__encode(const struct msg_artifact *m)
{
	json_t *o = json_pack("{s:s}", "name", m->name ?: "");

	data_to_json(o, m->data, m->len);
	return dump(o, JSON_COMPACT);
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;	/* lower case */
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * Linear: sscanf("%2x") per byte measured the whole rest of the string each
 * call (glibc's sscanf takes strlen of its input), so a 2 MB library sent
 * to a restored guest took hours of TCG time and looked like a stalled channel.
 */
static int unhex(const char *s, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < n / 2; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = hi << 4 | lo;
	}
	return n % 2 ? -EINVAL : 0;
}

int msg_artifact__decode(const char *s, size_t len, struct msg_artifact *m, char **err)
{
	struct jdec d = { .where = "$" };
	json_t *root = jdec_load(&d, s, len);

	memset(m, 0, sizeof(*m));
	if (root) {
		m->name = jdec_strdup(&d, root, "name");
		if (!*m->name || strchr(m->name, '/') || m->name[0] == '.')
			jdec_fail(&d, "name", "expected a plain file name (no '/', not starting with '.')");
		data_from_json(&d, root, &m->data, &m->len);
	}
	if (d.err)
		msg_artifact__free(m);
	return finish(MSG_ARTIFACT, &d, root, err);
}

void msg_artifact__free(struct msg_artifact *m)
{
	free(m->name);
	free(m->data);
	memset(m, 0, sizeof(*m));
}

/* ---- DONE ---- */

char *msg_done__encode(const struct msg_done *m)
{
	json_t *o = json_pack("{s:s}", "status", m->error ? "error" : "ok");

	if (m->error)
		json_object_set_new(o, "error", json_string(m->error));
	if (m->exit_code >= 0)
		json_object_set_new(o, "exit_code", json_integer(m->exit_code));
	return dump(o, JSON_COMPACT);
}

int msg_done__decode(const char *s, size_t len, struct msg_done *m, char **err)
{
	struct jdec d = { .where = "$" };
	json_t *root = jdec_load(&d, s, len);

	memset(m, 0, sizeof(*m));
	m->exit_code = -1;
	if (root) {
		const char *status = jdec_str(&d, root, "status");
		const char *e = jdec_str(&d, root, "error");

		if (!str_eq(status, "ok") && !str_eq(status, "error"))
			jdec_fail(&d, "status", "expected \"ok\" or \"error\"");
		else if (str_eq(status, "error"))
			m->error = xstrdup(e ?: "(no reason given)");
		if (json_object_get(root, "exit_code"))
			m->exit_code = jdec_int(&d, root, "exit_code");
	}
	if (d.err)
		msg_done__free(m);
	return finish(MSG_DONE, &d, root, err);
}

void msg_done__free(struct msg_done *m)
{
	free(m->error);
	m->error = NULL;
}

/* ---- /ktstr/run.json ---- */

static const char *const mode_names[] = {
	[RUN_MODE_RUN] = "run", [RUN_MODE_EXEC] = "exec", [RUN_MODE_TOPO] = "topo",
	[RUN_MODE_SHELL] = "shell",
};

const char *run_mode_name(enum run_mode m)
{
	return (unsigned)m < ARRAY_SIZE(mode_names) ? mode_names[m] : "?";
}

static void set_str(json_t *o, const char *key, const char *v)
{
	if (v)
		json_object_set_new(o, key, json_string(v));
}

char *run_plan__encode(const struct run_plan *p)
{
	json_t *r = json_pack("{s:i, s:s, s:b}", "version", RUN_PLAN_VERSION, "mode",
			      run_mode_name(p->mode), "relaxed", p->relaxed);

	set_str(r, "name", p->name);
	set_str(r, "channel", p->channel);
	set_str(r, "test", p->test);
	set_str(r, "spec", p->spec);
	set_str(r, "format", p->format);
	if (p->exec)
		json_object_set_new(r, "exec", jdec_strv_json((const char *const *)p->exec));
	if (p->spec_set && *p->spec_set)
		json_object_set_new(r, "spec_set", jdec_strv_json((const char *const *)p->spec_set));
	if (p->no_ksyms)
		json_object_set_new(r, "ksyms", json_false());
	else if (p->nksyms)
		json_object_set_new(r, "ksyms", ksyms_json(p->ksyms, p->nksyms));
	set_str(r, "selftest", p->selftest);
	if (p->attempt)
		json_object_set_new(r, "attempt", json_integer(p->attempt));
	if (p->verifier)
		json_object_set_new(r, "verifier", json_true());
	set_str(r, "term", p->term);
	if (p->rows && p->cols) {
		json_object_set_new(r, "rows", json_integer(p->rows));
		json_object_set_new(r, "cols", json_integer(p->cols));
	}
	if (p->probes)
		json_object_set_new(r, "probes", jdec_strv_json((const char *const *)p->probes));
	if (p->plugin) {
		const struct run_plan_plugin *pl = p->plugin;

		json_object_set_new(r, "plugin", json_pack("{s:s, s:s, s:o, s:o, s:s, s:I, s:I}",
			"name", pl->name ?: "", "path", pl->path ?: "",
			"flags", jdec_strv_json((const char *const *)pl->flags),
			"args", jdec_strv_json((const char *const *)pl->args),
			"files_dir", pl->files_dir ?: "",
			"watchdog_timeout_ns", (json_int_t)pl->watchdog_timeout_ns,
			"attach_timeout_ms", (json_int_t)pl->attach_timeout_ms));
	}
	return dump(r, JSON_INDENT(2));
}

static void plugin_from_json(struct jdec *d, json_t *o, struct run_plan_plugin *pl)
{
	d->where = "$.plugin";
	pl->name = jdec_strdup(d, o, "name");
	pl->path = jdec_strdup(d, o, "path");
	if (!*pl->path)
		jdec_fail(d, "path", "missing");
	pl->flags = jdec_strv(d, o, "flags");
	pl->args = jdec_strv(d, o, "args");
	pl->files_dir = jdec_strdup(d, o, "files_dir");
	pl->watchdog_timeout_ns = jdec_u64(d, o, "watchdog_timeout_ns", false);
	pl->attach_timeout_ms = jdec_u64(d, o, "attach_timeout_ms", false);
	d->where = "$";
}

int run_plan__decode(const char *s, size_t len, struct run_plan *p, char **err)
{
	struct jdec d = { .where = "$" };
	json_t *root = jdec_load(&d, s, len);

	memset(p, 0, sizeof(*p));
	if (root) {
		const char *mode = jdec_str(&d, root, "mode");
		json_t *pj = json_object_get(root, "plugin"), *ks = json_object_get(root, "ksyms");
		size_t i;

		if (jdec_u64(&d, root, "version", true) != RUN_PLAN_VERSION && !d.err)
			jdec_fail(&d, "version", "not supported (this build reads 1)");
		for (i = 0; i < ARRAY_SIZE(mode_names) && !str_eq(mode, mode_names[i]); i++)
			;
		if (i == ARRAY_SIZE(mode_names))
			jdec_fail(&d, "mode", "expected \"run\", \"exec\", \"topo\" or \"shell\"");
		p->mode = i;
		p->name = jdec_strdup(&d, root, "name");
		p->test = jdec_strdup(&d, root, "test");
		p->spec = jdec_strdup(&d, root, "spec");
		p->format = jdec_strdup(&d, root, "format");
		p->exec = jdec_strv(&d, root, "exec");
		p->spec_set = jdec_strv(&d, root, "spec_set");
		p->channel = jdec_strdup(&d, root, "channel");
		p->relaxed = jdec_bool(&d, root, "relaxed");
		if (json_is_false(ks))
			p->no_ksyms = true;
		else
			ksyms_from_json(&d, root, "ksyms", &p->ksyms, &p->nksyms);
		if (jdec_str(&d, root, "selftest"))
			p->selftest = jdec_strdup(&d, root, "selftest");
		p->attempt = jdec_u64(&d, root, "attempt", false);
		p->verifier = jdec_bool(&d, root, "verifier");
		if (jdec_str(&d, root, "term"))
			p->term = jdec_strdup(&d, root, "term");
		p->rows = MIN(jdec_u64(&d, root, "rows", false), 65535u);
		p->cols = MIN(jdec_u64(&d, root, "cols", false), 65535u);
		p->probes = jdec_strv(&d, root, "probes");
		if ((p->mode == RUN_MODE_RUN || p->mode == RUN_MODE_SHELL) && (!*p->spec || !*p->test))
			jdec_fail(&d, *p->spec ? "test" : "spec", "missing (mode run needs it)");
		if (p->mode == RUN_MODE_EXEC && (!p->exec || !p->exec[0]))
			jdec_fail(&d, "exec", "missing or empty (mode exec needs an argv)");
		if (pj && !json_is_object(pj)) {
			jdec_fail(&d, "plugin", "expected an object");
		} else if (pj) {
			p->plugin = xcalloc(1, sizeof(*p->plugin));
			plugin_from_json(&d, pj, p->plugin);
		}
	}
	if (d.err)
		run_plan__free(p);
	return finish("run.json", &d, root, err);
}

void run_plan__free(struct run_plan *p)
{
	free(p->name);
	free(p->test);
	free(p->spec);
	free(p->format);
	jdec_strv_free(p->exec);
	jdec_strv_free(p->spec_set);
	jdec_strv_free(p->probes);
	free(p->channel);
	msg_ksyms__free(p->ksyms, p->nksyms);
	free(p->selftest);
	free(p->term);
	if (p->plugin) {
		free(p->plugin->name);
		free(p->plugin->path);
		jdec_strv_free(p->plugin->flags);
		jdec_strv_free(p->plugin->args);
		free(p->plugin->files_dir);
		free(p->plugin);
	}
	memset(p, 0, sizeof(*p));
}

/* ---- RDY, FILE, PLAN: a VM restored from a snapshot gets its test over the channel ---- */

char *msg_ready__encode(const struct msg_ready *m)
{
	return dump(json_pack("{s:I}", "uptime_ns", (json_int_t)m->uptime_ns), JSON_COMPACT);
}

int msg_ready__decode(const char *s, size_t len, struct msg_ready *m, char **err)
{
	struct jdec d = { .where = "$" };
	json_t *root = jdec_load(&d, s, len);

	memset(m, 0, sizeof(*m));
	if (root)
		m->uptime_ns = jdec_u64(&d, root, "uptime_ns", true);
	return finish(MSG_READY, &d, root, err);
}

/* Absolute, and no component is "..": the guest writes it where it says. */
static bool guest_path_ok(const char *p)
{
	if (p[0] != '/')
		return false;
	for (const char *c = p; (c = strstr(c, "..")); c += 2)
		if (c[-1] == '/' && (c[2] == '/' || c[2] == '\0'))
			return false;
	return true;
}

char *msg_file__encode(const struct msg_file *m)
{
	json_t *o = json_pack("{s:s, s:i}", "path", m->path ?: "", "mode", (int)(m->mode & 07777));

	data_to_json(o, m->data, m->len);
	return dump(o, JSON_COMPACT);
}

int msg_file__decode(const char *s, size_t len, struct msg_file *m, char **err)
{
	struct jdec d = { .where = "$" };
	json_t *root = jdec_load(&d, s, len);

	memset(m, 0, sizeof(*m));
	if (root) {
		uint64_t mode;

		m->path = jdec_strdup(&d, root, "path");
		if (!d.err && !guest_path_ok(m->path))
			jdec_fail(&d, "path", "expected an absolute path without \"..\"");
		mode = jdec_u64(&d, root, "mode", true);
		if (mode > 07777)
			jdec_fail(&d, "mode", "expected permission bits (at most 07777)");
		m->mode = mode;
		data_from_json(&d, root, &m->data, &m->len);
	}
	if (d.err)
		msg_file__free(m);
	return finish(MSG_FILE, &d, root, err);
}

void msg_file__free(struct msg_file *m)
{
	free(m->path);
	free(m->data);
	memset(m, 0, sizeof(*m));
}

char *msg_plan__encode(const struct msg_plan *m)
{
	_cleanup_free_ char *plan = run_plan__encode(&m->plan);
	_cleanup_free_ char *seed = hex_of(m->seed, sizeof(m->seed));
	json_t *pj = json_loads(plan, 0, NULL);

	if (!pj)
		abort();	/* run_plan__encode wrote it */
	return dump(json_pack("{s:o, s:s, s:I}", "plan", pj, "seed", seed, "realtime_ns",
			      (json_int_t)m->realtime_ns), JSON_COMPACT);
}

int msg_plan__decode(const char *s, size_t len, struct msg_plan *m, char **err)
{
	struct jdec d = { .where = "$" };
	json_t *root = jdec_load(&d, s, len);
	_cleanup_free_ char *perr = NULL;
	bool have_plan = false;

	memset(m, 0, sizeof(*m));
	if (root) {
		json_t *pj = json_object_get(root, "plan");
		const char *seed = jdec_str(&d, root, "seed");

		m->realtime_ns = jdec_u64(&d, root, "realtime_ns", true);
		if (!d.err && (!seed || strlen(seed) != 2 * sizeof(m->seed) ||
			       unhex(seed, strlen(seed), m->seed)))
			jdec_fail(&d, "seed", "expected 64 hex digits");
		if (!json_is_object(pj)) {
			jdec_fail(&d, "plan", "expected an object (run.json)");
		} else if (!d.err) {
			_cleanup_free_ char *text = json_dumps(pj, JSON_COMPACT);

			if (run_plan__decode(text, strlen(text), &m->plan, &perr))
				jdec_fail(&d, "plan", perr ?: "unreadable");
			else
				have_plan = true;
		}
	}
	if (d.err && have_plan)
		run_plan__free(&m->plan);
	return finish(MSG_PLAN, &d, root, err);
}

void msg_plan__free(struct msg_plan *m)
{
	run_plan__free(&m->plan);
	memset(m, 0, sizeof(*m));
}

/* ---- the host's dispatcher ---- */

int proto_dispatch(const struct proto_msg *m, const struct proto_handlers *h, void *ctx,
		   char **err)
{
	const char *s = m->payload;
	size_t n = m->len;
	int ret = 0;

#define DISPATCH(TYPE, fn, T, dec, fr)					\
	if (str_eq(m->type, TYPE)) {					\
		T v;							\
		if (!h->fn)						\
			return 0;					\
		ret = dec(s, n, &v, err);				\
		if (ret)						\
			return ret;					\
		ret = h->fn(ctx, &v);					\
		fr;							\
		return ret;						\
	}
	DISPATCH(MSG_HELLO, hello, struct msg_hello, msg_hello__decode, msg_hello__free(&v))
	DISPATCH(MSG_TOPO, topo, struct topo, msg_topo__decode, (void)0)
	DISPATCH(MSG_SYMS, syms, struct msg_syms, msg_syms__decode, msg_syms__free(&v))
	DISPATCH(MSG_LOG, log, struct msg_log, msg_log__decode, msg_log__free(&v))
	DISPATCH(MSG_EVENT, event, struct timeline_event, msg_event__decode,
		 timeline_event__free(&v))
	DISPATCH(MSG_SCHED, sched, struct msg_sched, msg_sched__decode, msg_sched__free(&v))
	DISPATCH(MSG_RESULT, result, struct telemetry, msg_result__decode, telemetry__free(&v))
	DISPATCH(MSG_BASELINE, baseline, struct telemetry, msg_result__decode, telemetry__free(&v))
	DISPATCH(MSG_ARTIFACT, artifact, struct msg_artifact, msg_artifact__decode,
		 msg_artifact__free(&v))
	DISPATCH(MSG_DONE, done, struct msg_done, msg_done__decode, msg_done__free(&v))
	DISPATCH(MSG_READY, ready, struct msg_ready, msg_ready__decode, (void)0)
#undef DISPATCH
	if (str_eq(m->type, MSG_OUTPUT))
		return h->output ? h->output(ctx, s, n) : 0;
	if (err)
		*err = xasprintf("unknown message type '%s'", m->type);
	return -EINVAL;
}
