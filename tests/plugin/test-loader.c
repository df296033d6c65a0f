// SPDX-License-Identifier: GPL-2.0-only
/* Loader tests: search path, ABI refusal, missing plugins, flag checks, the threshold layer. */
#include <errno.h>

#include "tap.h"
#include "plugin/loader.h"
#include "util/log.h"

static char *test_lib(const char *name)
{
	const char *bd = getenv("KTSTR_BUILDDIR");

	return xasprintf("%s/tests/plugin/.libs/%s.so", bd ? bd : KTSTR_BUILDDIR, name);
}

static bool has(const char *s, const char *needle)
{
	return s && strstr(s, needle);
}

/* Flags must be refused with a message containing needle (NULL: accepted). */
static void expect_flags(struct plugin *p, const char *const *flags, const char *needle, const char *name)
{
	char *err = NULL;
	int ret = plugin__check_flags(p, flags, &err);

	if (!needle)
		tap_ok(ret == 0, "%s", name);
	else
		tap_ok(ret == -EINVAL && has(err, needle), "%s: %s", name, err ? err : "(accepted)");
	free(err);
}

static void test_open(void)
{
	struct plugin *p = NULL;
	char *err = NULL, *path, *sp;
	int ret;

	ret = plugin__open("eevdf", &p, &err);
	tap_is_int(ret, 0, "eevdf opens by name from the build tree");
	tap_ok(p && str_eq(p->ops->name, "eevdf") && str_endswith(p->path, "plugins/.libs/eevdf.so"),
	       "eevdf: name and path (%s)", p ? p->path : "-");
	plugin__close(p);

	ret = plugin__open("no-such-scheduler", &p, &err);
	tap_is_int(ret, -ENOENT, "a missing plugin is -ENOENT");
	tap_ok(has(err, "plugin 'no-such-scheduler' not found") && has(err, "plugins/.libs") &&
	       has(err, "KTSTR_PLUGIN_PATH"), "the message names the plugin and the search path: %s", err);
	free(err);

	ret = plugin__open("/nonexistent/x.so", &p, &err);
	tap_is_int(ret, -ENOENT, "a missing path is -ENOENT");
	free(err);

	path = test_lib("wrong-abi");
	ret = plugin__open(path, &p, &err);
	tap_is_int(ret, -EPROTO, "a plugin with another ABI version is refused");
	tap_ok(has(err, "plugin 'wrong-abi'") && has(err, "ABI version 999") && has(err, "ABI version 1;"),
	       "the refusal names the plugin, its ABI and ours: %s", err);
	tap_ok(!p, "nothing is returned for a refused plugin");
	free(err);
	free(path);

	setenv("KTSTR_PLUGIN_PATH", "/first/dir:/second/dir", 1);
	sp = plugin__search_path();
	tap_ok(str_startswith(sp, "/first/dir:/second/dir:") && has(sp, "/plugins/.libs:") &&
	       has(sp, KTSTR_PLUGINDIR) && str_endswith(sp, "/ktstr/plugins"),
	       "search order: KTSTR_PLUGIN_PATH, build tree, plugin dir, guest dir (%s)", sp);
	free(sp);
	path = xasprintf("%s/tests/plugin/.libs", getenv("KTSTR_BUILDDIR") ? getenv("KTSTR_BUILDDIR") : KTSTR_BUILDDIR);
	setenv("KTSTR_PLUGIN_PATH", path, 1);
	ret = plugin__open("flag-test", &p, &err);
	tap_is_int(ret, 0, "KTSTR_PLUGIN_PATH finds a plugin by name");
	plugin__close(p);
	unsetenv("KTSTR_PLUGIN_PATH");
	free(path);
}

static void test_flags(void)
{
	const char *const ok[] = { "llc", "steal", "slice-ms=5", NULL };
	const char *const typo[] = { "stael", NULL };
	const char *const unknown[] = { "turbo", NULL };
	const char *const need[] = { "steal", NULL };
	const char *const excl[] = { "llc", "solo", NULL };
	const char *const noval[] = { "slice-ms", NULL };
	const char *const extra[] = { "llc=1", NULL };
	const char *const twice[] = { "llc", "llc", NULL };
	_cleanup_free_ char *path = test_lib("flag-test");
	struct plugin *p;
	char *err = NULL;

	if (plugin__open(path, &p, &err)) {
		tap_ok(0, "flag-test opens: %s", err);
		return;
	}
	expect_flags(p, ok, NULL, "declared flags with their requirements pass");
	expect_flags(p, NULL, NULL, "no flags pass");
	expect_flags(p, typo, "no flag 'stael'; did you mean 'steal'?", "a typo gets a did-you-mean");
	expect_flags(p, unknown, "flags: llc, steal, solo, slice-ms=", "an unknown flag lists the known ones");
	expect_flags(p, need, "'steal' requires flag 'llc'", "requires");
	expect_flags(p, excl, "'solo' cannot be combined with 'llc'", "excludes");
	expect_flags(p, noval, "needs a value", "a value flag without value");
	expect_flags(p, extra, "takes no value", "a plain flag with a value");
	expect_flags(p, twice, "given twice", "a flag given twice");
	free(err);
	plugin__close(p);
}

static void test_builtin_flags(void)
{
	const char *const stall_val[] = { "stall=0.25", NULL };
	const char *const stall_bare[] = { "stall", NULL };
	const char *const bad_combo[] = { "stall", "fail-verify", NULL };
	const char *const slice0[] = { "slice-ms=0", NULL };
	struct plugin *p;
	char *err = NULL, buf[256];

	if (plugin__open("faulty", &p, &err)) {
		tap_ok(0, "faulty opens: %s", err);
		return;
	}
	expect_flags(p, stall_val, NULL, "faulty: stall=FRACTION is accepted");
	expect_flags(p, stall_bare, NULL, "faulty: bare stall is accepted");
	expect_flags(p, bad_combo, "'fail-verify' cannot be combined with 'stall'",
		     "faulty: fail-verify excludes the runtime faults");
	tap_ok(p->ops->validate(stall_val, NULL, buf, sizeof(buf)) == 0, "faulty validate: stall=0.25");
	{
		const char *const bad[] = { "stall=2", NULL };

		tap_ok(p->ops->validate(bad, NULL, buf, sizeof(buf)) == -EINVAL && has(buf, "fraction"),
		       "faulty validate: stall=2 is out of range: %s", buf);
	}
	tap_ok(p->ops->needs_sched_ext && !p->ops->thresholds[0].name, "faulty: needs sched_ext, no threshold overrides");
	plugin__close(p);

	if (plugin__open("scx_ktstr", &p, &err)) {
		tap_ok(0, "scx_ktstr opens: %s", err);
		return;
	}
	tap_ok(p->ops->validate(slice0, NULL, buf, sizeof(buf)) == -EINVAL && has(buf, "slice-ms"),
	       "scx_ktstr validate: slice-ms=0 refused: %s", buf);
	plugin__close(p);

	if (plugin__open("exec", &p, &err)) {
		tap_ok(0, "exec opens: %s", err);
		return;
	}
	tap_ok(p->ops->validate(NULL, NULL, buf, sizeof(buf)) == -EINVAL && has(buf, "binary"),
	       "exec validate: needs a binary: %s", buf);
	plugin__close(p);
	free(err);
}

static void test_thresholds(void)
{
	_cleanup_free_ char *path = test_lib("flag-test");
	_cleanup_free_ char *bad = test_lib("bad-thresholds");
	struct thresholds t, merged;
	struct plugin *p;
	char *err = NULL;
	double v;
	int ret;

	if (plugin__open(path, &p, &err)) {
		tap_ok(0, "flag-test opens: %s", err);
		return;
	}
	tap_is_int(plugin__thresholds(p, &t, &err), 0, "threshold overrides parse");
	tap_ok(t.v[THR_MAX_GAP_MS].state == THR_SET && t.v[THR_MAX_GAP_MS].value == 5000 &&
	       t.v[THR_MAX_GAP_MS].layer == THR_LAYER_PLUGIN, "number: max_gap_ms 5000 from the scheduler layer");
	tap_ok(t.v[THR_ISOLATION].state == THR_SET && t.v[THR_ISOLATION].value == 1, "bool: isolation true");
	tap_ok(t.v[THR_MAX_SPREAD_PCT].state == THR_OFF, "off: max_spread_pct");
	tap_ok(t.v[THR_MAX_IMBALANCE_RATIO].value == 2.5, "float: max_imbalance_ratio 2.5");
	tap_ok(t.v[THR_NOT_STARVED].state == THR_UNSET, "others stay unset");
	thresholds__defaults(&merged, true);
	thresholds__merge(&merged, &t, THR_LAYER_PLUGIN);
	tap_ok(!thresholds__active(&merged, THR_MAX_SPREAD_PCT, &v) &&
	       thresholds__active(&merged, THR_MAX_GAP_MS, &v) && v == 5000,
	       "merged over the defaults: spread off, gap 5000");
	plugin__close(p);

	if (plugin__open(bad, &p, &err)) {
		tap_ok(0, "bad-thresholds opens: %s", err);
		return;
	}
	ret = plugin__thresholds(p, &t, &err);
	tap_ok(ret == -EINVAL && has(err, "max_gap_ms") && has(err, "'soon'"),
	       "a bad threshold value is refused: %s", err);
	free(err);
	plugin__close(p);
}

/* One override through the plugin layer: accepted (ok) or refused with a message naming want. */
static void expect_plugin_threshold(const char *name, const char *value, bool ok, const char *want)
{
	const struct ktstr_threshold list[] = { { name, value }, { NULL, NULL } };
	const struct ktstr_plugin ops = { .name = "range-test", .thresholds = list };
	const struct plugin p = { .ops = &ops };
	struct thresholds t;
	char *err = NULL;
	int ret = plugin__thresholds(&p, &t, &err);

	if (ok)
		tap_ok(ret == 0, "plugin %s: %s is accepted%s%s", name, value, err ? ": " : "", err ? err : "");
	else
		tap_ok(ret == -EINVAL && has(err, "plugin 'range-test'") && has(err, name) && has(err, want),
		       "plugin %s: %s is refused as a spec would refuse it: %s", name, value,
		       err ? err : "(accepted)");
	free(err);
}

/* The plugin layer takes the values a spec may write, and no others (issue 11, defect 12). */
static void test_threshold_ranges(void)
{
	expect_plugin_threshold("max_spread_pct", "500", false, "from 0 to 100");
	expect_plugin_threshold("max_spread_pct", "100", true, NULL);
	expect_plugin_threshold("min_page_locality", "1.5", false, "from 0 to 1");
	expect_plugin_threshold("max_imbalance_ratio", "-2", false, "at least 0");
}

static bool strv_same(const char *const *a, const char *const *b)
{
	for (; a && b && *a && *b; a++, b++)
		if (!str_eq(*a, *b))
			return false;
	return (!a || !*a) && (!b || !*b);
}

/* Every data field of two descriptors, deeply; NULL when equal, else the first difference. */
static const char *descriptor_diff(const struct ktstr_plugin *a, const struct ktstr_plugin *b)
{
	const struct ktstr_flag *fa = a->flags, *fb = b->flags;
	const struct ktstr_threshold *ta = a->thresholds, *tb = b->thresholds;

	if (a->abi_version != b->abi_version || a->sz != b->sz)
		return "abi_version/sz";
	if (!str_eq(a->name, b->name) || !str_eq(a->description, b->description))
		return "name/description";
	if (a->needs_sched_ext != b->needs_sched_ext)
		return "needs_sched_ext";
	for (; fa && fb && fa->name && fb->name; fa++, fb++)
		if (!str_eq(fa->name, fb->name) || !str_eq(fa->help, fb->help) ||
		    !strv_same(fa->requires, fb->requires) || !strv_same(fa->excludes, fb->excludes))
			return "a flag";
	if ((fa && fa->name) || (fb && fb->name))
		return "the number of flags";
	if (!strv_same(a->kargs, b->kargs) || !strv_same(a->sysctls, b->sysctls))
		return "kargs/sysctls";
	for (; ta && tb && ta->name && tb->name; ta++, tb++)
		if (!str_eq(ta->name, tb->name) || !str_eq(ta->value, tb->value))
			return "a threshold";
	if ((ta && ta->name) || (tb && tb->name))
		return "the number of thresholds";
	return NULL;
}

/*
 * plugin__inspect() reads from the file exactly what dlopen() shows, for the
 * built-in plugins (BPF objects inside, many relocations) and the test ones
 * (requires/excludes arrays, thresholds, kargs, sysctls), with no code.
 */
static void test_inspect(void)
{
	const char *names[] = { "eevdf", "scx_ktstr", "exec", "faulty", "flag-test", "bad-thresholds" };
	struct plugin *o = NULL, *i = NULL;
	char *err = NULL, *err2 = NULL, *path;
	int ret;

	for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
		const char *why;

		path = k < 4 ? xstrdup(names[k]) : test_lib(names[k]);
		if (plugin__open(path, &o, &err) || plugin__inspect(path, &i, &err2)) {
			tap_ok(0, "%s: open and inspect: %s / %s", names[k], err ?: "-", err2 ?: "-");
			free(err);
			free(err2);
			err = err2 = NULL;
			plugin__close(o);
			free(path);
			continue;
		}
		why = descriptor_diff(o->ops, i->ops);
		tap_ok(!why && !i->handle && !i->ops->validate && !i->ops->attach && !i->ops->detach &&
		       str_eq(o->path, i->path),
		       "%s: inspect reads what dlopen shows, without code (%s)", names[k],
		       why ? why : "same");
		plugin__close(o);
		plugin__close(i);
		free(path);
	}

	path = test_lib("wrong-abi");
	ret = plugin__inspect(path, &i, &err);
	tap_ok(ret == -EPROTO && !i && has(err, "plugin 'wrong-abi'") && has(err, "ABI version 999"),
	       "inspect refuses another ABI version as open does: %s", err);
	free(err);
	free(path);

	/* a plugin's kargs follow a spec's rules, whether dlopen()ed or inspected */
	path = test_lib("bad-cmdline");
	ret = plugin__open(path, &i, &err);
	ret = ret * 1000 + plugin__inspect(path, &i, &err2);
	tap_ok(ret == -EPROTO * 1001 && !i && str_eq(err, err2) &&
	       has(err, "plugin 'bad-cmdline'") && has(err, "kargs: kernel argument 'rdinit' is the harness's own"),
	       "a plugin's karg that replaces /init is refused by open and inspect: %s", err);
	free(err);
	free(err2);
	free(path);

	path = xasprintf("%s/Makefile", getenv("KTSTR_BUILDDIR") ?: KTSTR_BUILDDIR);
	ret = plugin__inspect(path, &i, &err);
	tap_ok(ret == -ELIBBAD && !i && has(err, "not an ELF file"), "a text file is not a plugin: %s", err);
	free(err);
	free(path);
}

static enum log_level got_level;
static char got_msg[256];

static void capture(enum log_level level, const char *fmt, va_list ap)
{
	got_level = level;
	vsnprintf(got_msg, sizeof(got_msg), fmt, ap);
}

static void call_host_log(enum ktstr_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	plugin_default_host.log(plugin_default_host.host_ctx, level, fmt, ap);
	va_end(ap);
}

/* The default host routes a plugin's logs into util/log at the matching level. */
static void test_default_host(void)
{
	log_fn_t old = log_set_fn(capture);

	log_set_level(LOG_DEBUG);
	call_host_log(KTSTR_LOG_WARN, "scheduler %s: %d", "x", 42);
	tap_ok(got_level == LOG_WARN && str_eq(got_msg, "scheduler x: 42"),
	       "default host: a plugin's warning reaches util/log (%d '%s')", got_level, got_msg);
	tap_ok(plugin_default_host.sz == sizeof(struct ktstr_host) && plugin_default_host.artifact &&
	       plugin_default_host.event, "default host: every callback is set");
	log_set_fn(old);
	log_set_level(LOG_ERROR);
}

int main(void)
{
	tap_plan(41 + 9);
	log_set_level(LOG_ERROR);
	test_open();
	test_flags();
	test_builtin_flags();
	test_thresholds();
	test_threshold_ranges();
	test_default_host();
	test_inspect();
	return tap_done();
}
