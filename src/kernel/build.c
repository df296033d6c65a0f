// SPDX-License-Identifier: GPL-2.0-only
/* Building a kernel from a source tree: configure with ktstr.kconfig, make bzImage, store in the cache. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <zlib.h>

#include "kernel/internal.h"
#include "kernel/kernel.h"

/* Without these a built kernel is useless to ktstr: the build fails when they do not stick. */
static const char *const required[] = {
	"CONFIG_SCHED_CLASS_EXT", "CONFIG_BPF_SYSCALL", "CONFIG_DEBUG_INFO_BTF",
	"CONFIG_CGROUPS", "CONFIG_CPUSETS", "CONFIG_SERIAL_8250_CONSOLE", "CONFIG_BLK_DEV_INITRD",
};

const char *kernel__kconfig_path(void)
{
	static const char *const cands[] = {
		KTSTR_SRCDIR "/kconfig/ktstr.kconfig",
		KTSTR_PKGDATADIR "/kconfig/ktstr.kconfig",
	};
	const char *env = getenv("KTSTR_KCONFIG");

	if (env && *env)
		return env;
	for (size_t i = 0; i < ARRAY_SIZE(cands); i++)
		if (!access(cands[i], R_OK))
			return cands[i];
	return cands[1];
}

/* Heads the merged options in .config; dropped and re-added on every merge. */
#define FRAGMENT_MARK "# ktstr.kconfig"

struct kopt {
	char *name;		/* CONFIG_FOO */
	char *value;		/* "y", "m", "64", or NULL for "is not set" */
};

static void kopts_free(struct kopt *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

/* Parse "CONFIG_X=v" and "# CONFIG_X is not set" lines; other comments are ignored. */
static bool parse_kline(const char *line, char **name, char **value)
{
	const char *s = line;

	while (*s == ' ' || *s == '\t')
		s++;
	if (str_startswith(s, "CONFIG_")) {
		size_t l = strcspn(s, "=");

		if (!s[l])
			return false;
		*name = xstrndup(s, l);
		*value = xstrndup(s + l + 1, strcspn(s + l + 1, " \t\n#"));
		return true;
	}
	if (str_startswith(s, "# CONFIG_") && strstr(s, " is not set")) {
		*name = xstrndup(s + 2, strcspn(s + 2, " "));
		*value = NULL;
		return true;
	}
	return false;
}

static int read_fragment(const char *path, struct kopt **out, size_t *n)
{
	_cleanup_free_ char *text = NULL;
	char *save = NULL;
	int ret;

	*out = NULL;
	*n = 0;
	ret = read_file(path, &text, NULL);
	if (ret < 0)
		return ret;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct kopt *o;
		char *name, *value;

		if (!parse_kline(l, &name, &value))
			continue;
		o = array_push(out, n, sizeof(**out));
		o->name = name;
		o->value = value;
	}
	return 0;
}

static bool in_fragment(const struct kopt *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (str_eq(v[i].name, name))
			return true;
	return false;
}

/* Rewrite .config: drop every line the fragment sets, then append the fragment's settings. */
static int merge_fragment(const char *config, const struct kopt *v, size_t n)
{
	_cleanup_free_ char *text = NULL, *tmp = xasprintf("%s.ktstr-tmp", config);
	_cleanup_fclose_ FILE *f = NULL;
	char *save = NULL;
	int ret;

	ret = read_file(config, &text, NULL);
	if (ret < 0)
		return ret;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		_cleanup_free_ char *name = NULL, *value = NULL;

		if (parse_kline(l, &name, &value) && in_fragment(v, n, name))
			continue;
		if (str_eq(l, FRAGMENT_MARK))
			continue;
		fprintf(f, "%s\n", l);
	}
	fprintf(f, FRAGMENT_MARK "\n");
	for (size_t i = 0; i < n; i++) {
		if (v[i].value)
			fprintf(f, "%s=%s\n", v[i].name, v[i].value);
		else
			fprintf(f, "# %s is not set\n", v[i].name);
	}
	if (fflush(f) || ferror(f))
		return -EIO;
	fclose(TAKE_PTR(f));
	return rename(tmp, config) < 0 ? -errno : 0;
}

/* Options of the fragment that olddefconfig changed; *fatal when a required one is among them. */
static char *verify_fragment(const char *config, const struct kopt *v, size_t n, bool *fatal)
{
	char *out = NULL;

	*fatal = false;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *got = kernel__config_get(config, v[i].name);
		bool ok = v[i].value ? str_eq(got, v[i].value) : !got || str_eq(got, "n");
		char *t;

		if (ok)
			continue;
		for (size_t r = 0; r < ARRAY_SIZE(required); r++)
			if (str_eq(required[r], v[i].name))
				*fatal = true;
		t = xasprintf("%s%s%s=%s (wanted %s)", out ? out : "", out ? ", " : "", v[i].name,
			      got ? got : "unset", v[i].value ? v[i].value : "unset");
		free(out);
		out = t;
	}
	return out;
}

/* Kernel builds stop on missing host tools; name the Debian package that has each. */
static const char *tool_hint(const char *tail)
{
	static const struct { const char *needle, *hint; } tools[] = {
		{ "flex: not found", " (install the Debian package 'flex')" },
		{ "bison: not found", " (install the Debian package 'bison')" },
		{ "pahole: not found", " (install the Debian package 'dwarves')" },
		{ "bc: not found", " (install the Debian package 'bc')" },
		{ "openssl/", " (install the Debian package 'libssl-dev')" },
		{ "gelf.h", " (install the Debian package 'libelf-dev')" },
	};

	for (size_t i = 0; tail && i < ARRAY_SIZE(tools); i++)
		if (strstr(tail, tools[i].needle))
			return tools[i].hint;
	return "";
}

static int make(const char *dir, const char *target, unsigned jobs, const struct kernel_progress *p,
		char **err)
{
	_cleanup_free_ char *j = xasprintf("-j%u", jobs);
	_cleanup_free_ char *tail = NULL;
	const char *argv[] = { "make", j, "KCFLAGS=-Wno-error", target, NULL };
	int ret;

	kernel_say(p, "make %s %s", j, target);
	ret = kernel_run(argv, dir, p, &tail);
	if (ret < 0) {
		*err = xasprintf("cannot run make: %s", strerror(-ret));
		return ret;
	}
	if (ret) {
		*err = xasprintf("`make %s` in %s failed (exit %d)%s:\n%s", target, dir, ret,
				 tool_hint(tail), tail);
		return -EIO;
	}
	return 0;
}

static bool has_pahole(void)
{
	const char *argv[] = { "pahole", "--version", NULL };

	return kernel_run(argv, NULL, NULL, NULL) == 0;
}

int kernel__build(const struct kernel_build_opts *o, char **key_out, char **err)
{
	_cleanup_free_ char *dir = NULL, *mk = NULL, *kc = NULL, *config = NULL, *image = NULL;
	_cleanup_free_ char *lockname = NULL, *bad = NULL, *desc = NULL, *version = NULL;
	const struct kernel_progress *p = &o->progress;
	const char *frag = o->kconfig ? o->kconfig : kernel__kconfig_path();
	struct kernel_store_req req = { 0 };
	struct kopt *v = NULL;
	size_t n = 0;
	unsigned jobs = o->jobs;
	bool fatal;
	int lock, ret;

	*err = NULL;
	dir = realpath(o->source_dir, NULL);
	mk = xasprintf("%s/Makefile", dir ? dir : o->source_dir);
	kc = xasprintf("%s/Kconfig", dir ? dir : o->source_dir);
	if (!dir || access(mk, R_OK) || access(kc, R_OK)) {
		*err = xasprintf("%s: not a kernel source tree (no Makefile and Kconfig)", o->source_dir);
		return -ENOENT;
	}
	ret = read_fragment(frag, &v, &n);
	if (ret < 0) {
		*err = xasprintf("kconfig fragment %s: %s", frag, strerror(-ret));
		return ret;
	}
	if (!jobs) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);

		jobs = c > 0 ? c : 1;
	}
	/* one build per tree at a time; a crc32 of the path names the lock */
	lockname = xasprintf("source-%08lx", crc32(0, (const Bytef *)dir, strlen(dir)));
	lock = kernel_cache__lock(lockname);
	if (lock < 0) {
		*err = xasprintf("cache lock: %s", strerror(-lock));
		kopts_free(v, n);
		return lock;
	}

	config = xasprintf("%s/.config", dir);
	ret = make(dir, access(config, R_OK) ? "defconfig" : "olddefconfig", jobs, p, err);
	if (!ret) {
		kernel_say(p, "merging %s", frag);
		ret = merge_fragment(config, v, n);
		if (ret < 0)
			*err = xasprintf("%s: %s", config, strerror(-ret));
	}
	if (!ret)
		ret = make(dir, "olddefconfig", jobs, p, err);
	if (ret < 0)
		goto out;
	bad = verify_fragment(config, v, n, &fatal);
	if (bad && fatal) {
		*err = xasprintf("kconfig options did not stick after olddefconfig: %s%s", bad,
				 strstr(bad, "DEBUG_INFO_BTF") && !has_pahole()
				 ? " (CONFIG_DEBUG_INFO_BTF needs pahole: apt-get install dwarves)" : "");
		ret = -EINVAL;
		goto out;
	}
	if (bad)
		kernel_say(p, "note: optional kconfig options not applied: %s", bad);
	ret = make(dir, "bzImage", jobs, p, err);
	if (ret < 0)
		goto out;
	image = xasprintf("%s/arch/x86/boot/bzImage", dir);
	ret = kernel__image_version(image, &version);
	if (ret < 0) {
		*err = xasprintf("%s: no kernel version in the image header: %s", image, strerror(-ret));
		goto out;
	}
	desc = xstrdup(o->source_desc ? o->source_desc : dir);
	req.image = image;
	req.config = config;
	req.version = version;
	req.source_type = o->source_type ? o->source_type : "local";
	req.source = desc;
	ret = kernel_cache__store(&req, key_out);
	if (ret < 0)
		*err = xasprintf("storing the build in the cache: %s", strerror(-ret));
out:
	close(lock);
	kopts_free(v, n);
	return ret;
}
