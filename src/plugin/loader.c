// SPDX-License-Identifier: GPL-2.0-only
/* Find, open and check scheduler plugins; their flags and threshold layer. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>

#include "plugin/loader.h"
#include "spec/cmdline.h"
#include "util/log.h"
#include "util/units.h"

#define GUEST_PLUGIN_DIR "/ktstr/plugins"

/* ---- default host callbacks: logs go to util/log, no artifacts ---- */

static void host_log(void *host_ctx, enum ktstr_log_level level, const char *fmt, va_list ap)
{
	static const enum log_level map[] = {
		[KTSTR_LOG_ERROR] = LOG_ERROR, [KTSTR_LOG_WARN] = LOG_WARN,
		[KTSTR_LOG_INFO] = LOG_INFO, [KTSTR_LOG_DEBUG] = LOG_DEBUG,
	};

	log_vmsg((unsigned)level < ARRAY_SIZE(map) ? map[level] : LOG_DEBUG, fmt, ap);
}

static int host_artifact(void *host_ctx, const char *name, const void *data, size_t len)
{
	pr_debug("plugin artifact '%s' (%zu bytes) dropped: no results directory", name, len);
	return 0;
}

static void host_event(void *host_ctx, const char *label, const char *detail)
{
	pr_debug("plugin event: %s%s%s", label, detail ? ": " : "", detail ? detail : "");
}

const struct ktstr_host plugin_default_host = {
	.sz = sizeof(struct ktstr_host),
	.log = host_log,
	.artifact = host_artifact,
	.event = host_event,
	.host_ctx = NULL,
};

/* ---- search ---- */

/*
 * The directories plugin__open() tries, in order. The build tree comes from
 * the KTSTR_BUILDDIR environment (set by `make check`) or the compiled-in
 * build directory, so an uninstalled ktstr-run finds its own plugins.
 */
static size_t search_dirs(char ***out)
{
	char **v = NULL;
	size_t n = 0;
	const char *env = getenv("KTSTR_PLUGIN_PATH");
	const char *bd = getenv("KTSTR_BUILDDIR");

	if (env && *env) {
		_cleanup_free_ char *copy = xstrdup(env);
		char *save = NULL;

		for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
			*(char **)array_push(&v, &n, sizeof(*v)) = xstrdup(d);
	}
	if (!bd || !*bd)
		bd = KTSTR_BUILDDIR;
	*(char **)array_push(&v, &n, sizeof(*v)) = xasprintf("%s/plugins/.libs", bd);
	*(char **)array_push(&v, &n, sizeof(*v)) = xstrdup(KTSTR_PLUGINDIR);
	*(char **)array_push(&v, &n, sizeof(*v)) = xstrdup(GUEST_PLUGIN_DIR);
	*out = v;
	return n;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

char *plugin__search_path(void)
{
	char **dirs;
	size_t n = search_dirs(&dirs);
	char *s = xstrdup("");

	for (size_t i = 0; i < n; i++) {
		char *t = xasprintf("%s%s%s", s, i ? ":" : "", dirs[i]);

		free(s);
		s = t;
	}
	free_strv(dirs, n);
	return s;
}

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The first existing "<dir>/<name>.so" (or "<dir>/<name>" when it ends in .so). */
static char *find_plugin(const char *name)
{
	char **dirs;
	size_t n = search_dirs(&dirs);
	char *found = NULL;

	for (size_t i = 0; i < n && !found; i++) {
		char *p = str_endswith(name, ".so") ? xasprintf("%s/%s", dirs[i], name)
						    : xasprintf("%s/%s.so", dirs[i], name);

		if (is_file(p))
			found = p;
		else
			free(p);
	}
	free_strv(dirs, n);
	return found;
}

int plugin__check_abi(const struct ktstr_plugin *ops, const char *path, char **err)
{
	if (ops->abi_version != KTSTR_PLUGIN_ABI_VERSION) {
		*err = xasprintf("plugin '%s' (%s) has ABI version %u, this ktstr speaks ABI version %u; "
				 "rebuild the plugin against this ktstr's <ktstr/plugin.h>",
				 ops->abi_version >= 1 && ops->sz >= PLUGIN_MIN_SZ && ops->name ? ops->name : "?",
				 path, ops->abi_version, KTSTR_PLUGIN_ABI_VERSION);
		return -EPROTO;
	}
	if (ops->sz < PLUGIN_MIN_SZ) {
		*err = xasprintf("plugin (%s) struct ktstr_plugin is %u bytes, ABI %u needs at least %zu; "
				 "rebuild the plugin against this ktstr's <ktstr/plugin.h>",
				 path, ops->sz, KTSTR_PLUGIN_ABI_VERSION, (size_t)PLUGIN_MIN_SZ);
		return -EPROTO;
	}
	if (!ops->name || !*ops->name) {
		*err = xasprintf("plugin (%s) has no name", path);
		return -EPROTO;
	}
	return 0;
}

char *plugin__resolve(const char *name, char **err)
{
	char *path;

	*err = NULL;
	if (!name || !*name) {
		*err = xstrdup("no plugin name given");
		return NULL;
	}
	if (strchr(name, '/')) {
		if (!is_file(name)) {
			*err = xasprintf("plugin '%s': no such file", name);
			return NULL;
		}
		return xstrdup(name);
	}
	path = find_plugin(name);
	if (!path) {
		_cleanup_free_ char *sp = plugin__search_path();

		*err = xasprintf("plugin '%s' not found (searched %s; set KTSTR_PLUGIN_PATH "
				 "or give a path to the .so)", name, sp);
	}
	return path;
}

int plugin__check_cmdline(const struct ktstr_plugin *ops, const char *path, char **err)
{
	for (const char *const *k = ops->kargs; k && *k; k++) {
		_cleanup_free_ char *why = spec_karg__check(*k);

		if (why) {
			*err = xasprintf("plugin '%s' (%s): kargs: %s", ops->name, path, why);
			return -EPROTO;
		}
	}
	for (const char *const *k = ops->sysctls; k && *k; k++) {
		_cleanup_free_ char *why = spec_sysctl__check(*k);

		if (why) {
			*err = xasprintf("plugin '%s' (%s): sysctls: %s", ops->name, path, why);
			return -EPROTO;
		}
	}
	return 0;
}

int plugin__open(const char *name, struct plugin **out, char **err)
{
	_cleanup_free_ char *path = NULL;
	const struct ktstr_plugin *ops;
	struct plugin *p;
	void *h;
	int ret;

	*out = NULL;
	path = plugin__resolve(name, err);
	if (!path)
		return name && *name ? -ENOENT : -EINVAL;

	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		*err = xasprintf("plugin '%s': cannot load %s: %s", name, path, dlerror());
		return -ELIBBAD;
	}
	ops = dlsym(h, KTSTR_PLUGIN_SYMBOL);
	if (!ops) {
		*err = xasprintf("plugin '%s' (%s) does not export the symbol '%s'; is it a ktstr plugin "
				 "(KTSTR_PLUGIN_EXPORT, -fvisibility=hidden)?", name, path, KTSTR_PLUGIN_SYMBOL);
		dlclose(h);
		return -ELIBBAD;
	}
	ret = plugin__check_abi(ops, path, err);
	if (!ret)
		ret = plugin__check_cmdline(ops, path, err);
	if (ret) {
		dlclose(h);
		return ret;
	}
	p = xcalloc(1, sizeof(*p));
	p->handle = h;
	p->ops = ops;
	p->path = TAKE_PTR(path);
	*out = p;
	return 0;
}

void plugin__close(struct plugin *p)
{
	if (!p)
		return;
	if (p->handle)
		dlclose(p->handle);
	for (size_t i = 0; i < p->nmem; i++)
		free(p->mem[i]);
	free(p->mem);
	free(p->path);
	free(p);
}

/* ---- thresholds ---- */

int plugin_thresholds__parse(const char *plugin, const struct ktstr_threshold *t,
			     struct thresholds *out, char **err)
{
	memset(out, 0, sizeof(*out));
	*err = NULL;
	for (; t && t->name; t++) {
		const struct threshold_desc *d = threshold_lookup(t->name);
		_cleanup_free_ char *why = NULL;

		if (!d) {
			*err = xasprintf("plugin '%s': unknown threshold '%s'", plugin, t->name);
			return -EINVAL;
		}
		if (!t->value) {
			*err = xasprintf("plugin '%s': threshold '%s' has no value (want a value or off)",
					 plugin, t->name);
			return -EINVAL;
		}
		if (threshold__parse(d, t->value, &out->v[d->id], &why)) {
			*err = xasprintf("plugin '%s': threshold %s", plugin, why);
			return -EINVAL;
		}
		out->v[d->id].layer = THR_LAYER_PLUGIN;
	}
	return 0;
}

int plugin__thresholds(const struct plugin *p, struct thresholds *out, char **err)
{
	return plugin_thresholds__parse(p->ops->name, p->ops->thresholds, out, err);
}

/* ---- flags ---- */

/* Length of a flag's name part: "slice-ms=5" and "slice-ms=" both give 8. */
static size_t flag_key_len(const char *s)
{
	const char *eq = strchr(s, '=');

	return eq ? (size_t)(eq - s) : strlen(s);
}

static bool flag_key_eq(const char *a, const char *b)
{
	size_t la = flag_key_len(a);

	return la == flag_key_len(b) && !strncmp(a, b, la);
}

/*
 * The declaration of flag: a plugin may declare both "stall" and "stall="
 * (value optional), so prefer the one whose form matches.
 */
static const struct ktstr_flag *flag_decl(const struct plugin *p, const char *flag)
{
	const struct ktstr_flag *any = NULL;
	bool has_value = strchr(flag, '=') != NULL;

	for (const struct ktstr_flag *f = p->ops->flags; f && f->name; f++) {
		if (!flag_key_eq(f->name, flag))
			continue;
		if (str_endswith(f->name, "=") == has_value)
			return f;
		any = any ? any : f;
	}
	return any;
}

static bool flag_enabled(const char *const *flags, const char *name)
{
	for (; flags && *flags; flags++)
		if (flag_key_eq(*flags, name))
			return true;
	return false;
}

static const char *closest_flag(const struct plugin *p, const char *flag)
{
	const char *best = NULL;
	unsigned best_d = UINT_MAX;
	_cleanup_free_ char *key = xstrndup(flag, flag_key_len(flag));

	for (const struct ktstr_flag *f = p->ops->flags; f && f->name; f++) {
		_cleanup_free_ char *fk = xstrndup(f->name, flag_key_len(f->name));
		unsigned d = str_distance(key, fk);

		if (d < best_d) {
			best_d = d;
			best = f->name;
		}
	}
	return best && best_d <= 1 + strlen(key) / 3 ? best : NULL;
}

static char *known_flags(const struct plugin *p)
{
	char *s = xstrdup("");

	for (const struct ktstr_flag *f = p->ops->flags; f && f->name; f++) {
		char *n = xasprintf("%s%s%s", s, *s ? ", " : "", f->name);

		free(s);
		s = n;
	}
	return s;
}

static int check_one_flag(const struct plugin *p, const char *const *flags, const char *flag, char **err)
{
	const struct ktstr_flag *f = flag_decl(p, flag);
	bool takes_value, has_value;

	if (!f) {
		const char *near = closest_flag(p, flag);
		_cleanup_free_ char *known = known_flags(p);

		if (near)
			*err = xasprintf("scheduler '%s' has no flag '%s'; did you mean '%s'?",
					 p->ops->name, flag, near);
		else
			*err = xasprintf("scheduler '%s' has no flag '%s' (flags: %s)", p->ops->name,
					 flag, *known ? known : "none");
		return -EINVAL;
	}
	takes_value = str_endswith(f->name, "=");
	has_value = strchr(flag, '=') != NULL;
	if (takes_value && (!has_value || !strchr(flag, '=')[1])) {
		*err = xasprintf("scheduler '%s': flag '%.*s' needs a value ('%sVALUE')", p->ops->name,
				 (int)flag_key_len(flag), flag, f->name);
		return -EINVAL;
	}
	if (!takes_value && has_value) {
		*err = xasprintf("scheduler '%s': flag '%s' takes no value (write '%s')", p->ops->name,
				 flag, f->name);
		return -EINVAL;
	}
	for (const char *const *r = f->requires; r && *r; r++)
		if (!flag_enabled(flags, *r)) {
			*err = xasprintf("scheduler '%s': flag '%s' requires flag '%s'", p->ops->name,
					 f->name, *r);
			return -EINVAL;
		}
	for (const char *const *x = f->excludes; x && *x; x++)
		if (flag_enabled(flags, *x)) {
			*err = xasprintf("scheduler '%s': flag '%s' cannot be combined with '%s'",
					 p->ops->name, f->name, *x);
			return -EINVAL;
		}
	return 0;
}

int plugin__check_flags(const struct plugin *p, const char *const *flags, char **err)
{
	*err = NULL;
	for (const char *const *fl = flags; fl && *fl; fl++) {
		int ret;

		for (const char *const *prev = flags; prev < fl; prev++)
			if (flag_key_eq(*prev, *fl)) {
				*err = xasprintf("scheduler '%s': flag '%.*s' given twice", p->ops->name,
						 (int)flag_key_len(*fl), *fl);
				return -EINVAL;
			}
		ret = check_one_flag(p, flags, *fl, err);
		if (ret)
			return ret;
	}
	return 0;
}
