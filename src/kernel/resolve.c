// SPDX-License-Identifier: GPL-2.0-only
/* Kernel discovery: ktstr's chain from an explicit selector down to the running kernel's image. */
#include <errno.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "kernel/kernel.h"

#define BUILD_IMAGE "arch/x86/boot/bzImage"

static int found(const char *image, const char *config, const char *source,
		 const char *why, struct kernel_image **out, char **err)
{
	_cleanup_free_ char *abs = realpath(image, NULL);
	struct kernel_image *k;
	int ret;

	/* absolute, so the path survives a chdir of whoever boots it */
	if (abs)
		image = abs;
	ret = kernel_image__open(image, config, &k);
	if (ret < 0) {
		*err = xasprintf("%s: %s (%s)", image, strerror(-ret), why);
		return ret;
	}
	k->source = xstrdup(source);
	k->why = xasprintf("%s %s: %s", k->version, image, why);
	*out = k;
	return 0;
}

static bool is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

static bool is_file(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISREG(st.st_mode);
}

/* A kernel build tree: its bzImage and .config. 1 when used, 0 when no image. */
static int try_tree(const char *dir, const char *source, const char *why,
		    struct kernel_image **out, char **err)
{
	_cleanup_free_ char *img = xasprintf("%s/" BUILD_IMAGE, dir);
	_cleanup_free_ char *cfg = xasprintf("%s/.config", dir);

	if (!is_file(img))
		return 0;
	return found(img, is_file(cfg) ? cfg : NULL, source, why, out, err) ?: 1;
}

/* "cache entry K is corrupt: why", with the way to repair it. */
static char *corrupt_msg(const struct kernel_cache_entry *e, const char *sel, const char *origin)
{
	_cleanup_free_ char *asked = sel ? xasprintf(", asked for as '%s' by %s", sel, origin)
					 : xstrdup("");
	_cleanup_free_ char *fix = e->version && str_eq(e->source_type, "deb")
				   ? xasprintf("`ktstr-kernel fetch %.*s` replaces it",
					       (int)strcspn(e->version, "+-"), e->version)
				   : xstrdup("`ktstr-kernel fetch` or `ktstr-kernel build` replaces it");

	return xasprintf("cache entry %s is corrupt (%s)%s: %s; `ktstr-kernel clean` removes it",
			 e->dir, e->corrupt, asked, fix);
}

/* A selector (argument or KTSTR_KERNEL): image, build tree, cache key or version. */
static int resolve_selector(const char *sel, const char *origin, struct kernel_image **out, char **err)
{
	struct kernel_cache_entry e;
	_cleanup_free_ char *why = NULL, *root = NULL;
	int ret;

	if (is_file(sel)) {
		why = xasprintf("image named by %s", origin);
		return found(sel, NULL, origin, why, out, err);
	}
	if (is_dir(sel)) {
		why = xasprintf("build tree named by %s", origin);
		ret = try_tree(sel, origin, why, out, err);
		if (ret)
			return ret < 0 ? ret : 0;
		*err = xasprintf("%s (from %s) has no %s: build it with `ktstr-kernel build --source %s`",
				 sel, origin, BUILD_IMAGE, sel);
		return -ENOENT;
	}
	if (strchr(sel, '/')) {
		*err = xasprintf("%s (from %s): no such file or directory", sel, origin);
		return -ENOENT;
	}
	ret = kernel_cache__find(sel, &e);
	if (!ret) {
		why = xasprintf("cache entry %s, asked for as '%s' by %s", e.key, sel, origin);
		*out = kernel_cache_entry__image(&e, why);
		kernel_cache_entry__fini(&e);
		return 0;
	}
	kernel_cache__root(&root);
	/* an asked-for kernel is never silently replaced by another */
	if (!kernel_cache__find_corrupt(sel, &e)) {
		*err = corrupt_msg(&e, sel, origin);
		kernel_cache_entry__fini(&e);
		return -EBADMSG;
	}
	if (sel[0] >= '0' && sel[0] <= '9')
		*err = xasprintf("kernel '%s' (from %s) is not in the cache%s%s: get it with "
				 "`ktstr-kernel fetch %.*s`", sel, origin, root ? " " : "",
				 root ? root : "", (int)strcspn(sel, "+-"), sel);
	else
		*err = xasprintf("no usable cache entry '%s' (from %s): `ktstr-kernel list` shows "
				 "the cache, `ktstr-kernel fetch` gets a kernel", sel, origin);
	return -ENOENT;
}

/* The chain after the cache: ./linux, ../linux, the running kernel's tree or image, /boot. */
static int discover_outside_cache(struct kernel_image **out, char **err)
{
	struct utsname u;
	int ret;

	ret = try_tree("./linux", "./linux", "build tree ./linux", out, err);
	if (!ret)
		ret = try_tree("../linux", "../linux", "build tree ../linux", out, err);
	if (ret)
		return ret < 0 ? ret : 0;

	if (!uname(&u)) {
		_cleanup_free_ char *build = xasprintf("/lib/modules/%s/build", u.release);
		_cleanup_free_ char *mod = xasprintf("/lib/modules/%s/vmlinuz", u.release);
		_cleanup_free_ char *boot = xasprintf("/boot/vmlinuz-%s", u.release);

		ret = try_tree(build, build, "the running kernel's build tree", out, err);
		if (ret)
			return ret < 0 ? ret : 0;
		if (is_file(mod))
			return found(mod, NULL, "/lib/modules", "the running kernel's image", out, err);
		if (is_file(boot))
			return found(boot, NULL, "/boot", "the running kernel's image", out, err);
	}
	if (is_file("/boot/vmlinuz"))
		return found("/boot/vmlinuz", NULL, "/boot", "the default /boot image", out, err);

	*err = xstrdup("no kernel found (KTSTR_TEST_KERNEL, KTSTR_KERNEL, the cache, ./linux, "
		       "../linux, /lib/modules, /boot): get one with `ktstr-kernel fetch`");
	return -ENOENT;
}

int kernel__resolve(const char *selector, struct kernel_image **out, char **err)
{
	const char *env;
	struct kernel_cache_entry e;
	_cleanup_free_ char *why = NULL, *which = NULL;
	int ret;

	*out = NULL;
	*err = NULL;
	if (selector && *selector)
		return resolve_selector(selector, "the kernel selector", out, err);

	env = getenv("KTSTR_TEST_KERNEL");
	if (env && *env) {
		if (!is_file(env)) {
			*err = xasprintf("KTSTR_TEST_KERNEL=%s: not an image file", env);
			return -ENOENT;
		}
		return found(env, NULL, "KTSTR_TEST_KERNEL", "image named by KTSTR_TEST_KERNEL", out, err);
	}
	env = getenv("KTSTR_KERNEL");
	if (env && *env)
		return resolve_selector(env, "KTSTR_KERNEL", out, err);

	ret = kernel_cache__find_default(&e, &which);
	if (!ret) {
		why = xasprintf("%s (%s) from cache entry %s%s", e.version, which, e.key,
				e.stale_kconfig ? " (stale kconfig: `ktstr-kernel build` makes a current one)" : "");
		*out = kernel_cache_entry__image(&e, why);
		kernel_cache_entry__fini(&e);
		return 0;
	}

	ret = discover_outside_cache(out, err);
	/* a corrupt entry is named, whether another kernel stood in for it or none was found */
	if (ret < 0 && ret != -ENOENT)
		return ret;
	if (!kernel_cache__find_corrupt(NULL, &e)) {
		_cleanup_free_ char *msg = corrupt_msg(&e, NULL, NULL);

		kernel_cache_entry__fini(&e);
		if (!ret) {
			char *w = xasprintf("%s; not the cache: %s", (*out)->why, msg);

			free((*out)->why);
			(*out)->why = w;
		} else {
			free(*err);
			*err = TAKE_PTR(msg);
			ret = -EBADMSG;
		}
	}
	return ret;
}
