// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for kernel image facts, config parsing, sha256, the cache root and store/find API. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kernel/internal.h"
#include "kernel/kernel.h"
#include "tap.h"

static char tmpdir[] = "/tmp/ktstr-kernel-unit.XXXXXX";

static char *path(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

/* A minimal bzImage: setup header with HdrS and a kernel_version string, no payload. */
static void write_image(const char *p, const char *version)
{
	unsigned char img[2048] = { 0 };
	char v[256];
	unsigned off = 0x400;

	img[0x1f1] = 1;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x20e] = (off - 0x200) & 0xff;
	img[0x20f] = (off - 0x200) >> 8;
	snprintf(v, sizeof(v), "%s (builder@host) #1 SMP", version);
	memcpy(img + off, v, strlen(v) + 1);
	write_file(p, img, sizeof(img));
}

static void test_image_facts(void)
{
	_cleanup_free_ char *img = path("bzImage"), *junk = path("junk"), *cfg = path("config");
	_cleanup_free_ char *v = NULL, *s = NULL, *missing = NULL, *out = path("btf");
	struct kernel_image *k = NULL;
	bool sx = true, btf = true;
	const char *text = "CONFIG_SMP=y\nCONFIG_SCHED_CLASS_EXT=y\n# CONFIG_DEBUG_INFO_BTF is not set\n"
			   "CONFIG_NR_CPUS=64\nCONFIG_LOCALVERSION=\"-x\"\n";

	write_image(img, "6.12.3-ktstr");
	tap_is_int(kernel__image_version(img, &v), 0, "version read from a bzImage header");
	tap_is_str(v, "6.12.3-ktstr", "version stops at the first space");
	write_file(junk, "not a kernel", 12);
	tap_is_int(kernel__image_version(junk, &s), -ENOEXEC, "a non-bzImage is ENOEXEC");
	tap_is_int(kernel__image_version("/nonexistent/x", &s), -ENOENT, "a missing image is ENOENT");

	write_file(cfg, text, strlen(text));
	tap_is_int(kernel__config_flags(cfg, &sx, &btf), 0, "config flags read");
	tap_ok(sx && !btf, "sched_ext=y, btf 'is not set'");
	s = kernel__config_get(cfg, "CONFIG_NR_CPUS");
	tap_is_str(s, "64", "config_get returns the value");
	missing = kernel__config_get(cfg, "CONFIG_NR");
	tap_ok(!missing, "config_get needs the whole name");

	tap_is_int(kernel_image__open(img, cfg, &k), 0, "kernel_image__open");
	tap_ok(k && k->config_known && k->sched_ext && !k->btf && str_eq(k->version, "6.12.3-ktstr"),
	       "image facts combine header and config");
	kernel_image__free(k);
	k = NULL;
	/* "config" beside the image is found when none is named */
	tap_is_int(kernel_image__open(img, NULL, &k), 0, "kernel_image__open without a config");
	tap_ok(k && k->config && str_endswith(k->config, "/config") && k->sched_ext,
	       "the config beside the image is used");
	{
		_cleanup_free_ char *r1 = kernel_image__skip_reason(k, true);
		_cleanup_free_ char *r2 = kernel_image__skip_reason(k, false);

		tap_ok(!r1 && !r2, "a sched_ext kernel runs every test");
		k->sched_ext = false;
		free(r1);
		r1 = kernel_image__skip_reason(k, true);
		tap_ok(r1 && strstr(r1, "has no sched_ext"), "no sched_ext: a skip reason");
		k->config_known = false;
		free(r1);
		r1 = kernel_image__skip_reason(k, true);
		tap_ok(r1 && strstr(r1, "no config"), "unknown config: a skip reason saying so");
	}
	kernel_image__free(k);

	tap_is_int(kernel__extract_btf(img, out), -ENOEXEC, "extract_btf: no payload is ENOEXEC");
	tap_ok(strstr(kernel__default_cmdline(), "console=ttyS0") &&
	       strstr(kernel__default_cmdline(), "rdinit=/init"), "default cmdline has console and rdinit");
}

static void test_sha256(void)
{
	_cleanup_free_ char *p = path("abc");
	char sum[65];

	write_file(p, "abc", 3);
	tap_is_int(kernel__sha256_file(p, sum), 0, "sha256 of a file");
	tap_is_str(sum, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		   "sha256(\"abc\") matches FIPS 180-2");
}

static void test_cache_root(void)
{
	char *r = NULL;

	setenv("KTSTR_CACHE_DIR", "/c1", 1);
	setenv("XDG_CACHE_HOME", "/x", 1);
	setenv("HOME", "/h", 1);
	kernel_cache__root(&r);
	tap_is_str(r, "/c1", "KTSTR_CACHE_DIR wins");
	free(r);
	unsetenv("KTSTR_CACHE_DIR");
	kernel_cache__root(&r);
	tap_is_str(r, "/x/ktstr/kernels", "then $XDG_CACHE_HOME/ktstr/kernels");
	free(r);
	unsetenv("XDG_CACHE_HOME");
	kernel_cache__root(&r);
	tap_is_str(r, "/h/.cache/ktstr/kernels", "then ~/.cache/ktstr/kernels");
	free(r);
	unsetenv("HOME");
	tap_is_int(kernel_cache__root(&r), -ENOENT, "no HOME: an error, not a guess");
}

/* Derived data of an image by path lives in the cache, per path+size+mtime. */
static void test_derived_dir(void)
{
	_cleanup_free_ char *root = path("dcache"), *img = path("dimage"), *d1 = NULL, *d2 = NULL;
	_cleanup_free_ char *d3 = NULL, *d4 = NULL;
	struct kernel_image k = { .image = img };
	struct timespec t[2] = { { 0, UTIME_OMIT }, { 1000000, 0 } };

	setenv("KTSTR_CACHE_DIR", root, 1);
	write_image(img, "6.12.3-ktstr");
	tap_is_int(kernel_image__derived_dir(&k, &d1), 0, "derived dir of an image by path");
	tap_ok(d1 && str_startswith(d1, root) && strstr(d1, "/.derived/") && !access(d1, W_OK),
	       "it is created under the cache's .derived");
	kernel_image__derived_dir(&k, &d2);
	utimensat(AT_FDCWD, img, t, 0);
	kernel_image__derived_dir(&k, &d3);
	tap_ok(str_eq(d1, d2) && d3 && !str_eq(d1, d3), "same image: same dir; a changed image: another");
	k.key = "some-key";
	kernel_image__derived_dir(&k, &d4);
	tap_is_str(d4, tmpdir, "a cache entry keeps its derived data beside the image");
	unsetenv("KTSTR_CACHE_DIR");
}

static void test_store_find(void)
{
	_cleanup_free_ char *root = path("cache"), *img = path("bzImage"), *cfg = path("config");
	_cleanup_free_ char *key = NULL, *key2 = NULL;
	struct kernel_store_req req = { .image = img, .config = cfg, .source_type = "local",
					.source = "unit test" };
	struct kernel_cache_entry e = { 0 };

	setenv("KTSTR_CACHE_DIR", root, 1);
	tap_is_int(kernel_cache__store(&req, &key), 0, "store an image");
	tap_ok(key && str_startswith(key, "6.12.3-ktstr-local-"), "key is version-type-cfghash");
	tap_is_int(kernel_cache__store(&req, &key2), 0, "store the same again");
	tap_is_str(key2, key, "the same content gets the same key");
	tap_is_int(kernel_cache__find("6.12", &e), 0, "find by version prefix 6.12");
	kernel_cache_entry__fini(&e);
	tap_is_int(kernel_cache__find("6.12.3", &e), 0, "find by version 6.12.3");
	tap_ok(!e.corrupt && e.sched_ext && str_eq(e.source, "unit test"), "found entry is usable");
	kernel_cache_entry__fini(&e);
	tap_is_int(kernel_cache__find("6.1", &e), -ENOENT, "6.1 does not match 6.12.3");
	tap_is_int(kernel_cache__find(key, &e), 0, "find by key");
	kernel_cache_entry__fini(&e);
	tap_is_int(kernel_cache__get("../etc", &e), -EINVAL, "keys with slashes are refused");
	tap_is_int(kernel_cache__remove(key), 0, "remove");
	tap_is_int(kernel_cache__find(NULL, &e), -ENOENT, "empty cache: nothing found");
}

/* Write @text to <tmpdir>/etc<n>/<rel>, creating directories. */
static void put(int n, const char *rel, const char *text)
{
	_cleanup_free_ char *p = xasprintf("%s/etc%d/%s", tmpdir, n, rel);
	_cleanup_free_ char *dir = xstrndup(p, strrchr(p, '/') - p);

	mkdir_p(dir, 0755);
	write_file(p, text, strlen(text));
}

static void test_mirror(void)
{
	_cleanup_free_ char *e1 = path("etc1"), *e2 = path("etc2"), *e3 = path("etc3");
	_cleanup_free_ char *e4 = path("etc4");
	char *uri = NULL, *sb = NULL;

	/* hosts under .invalid: no real mirror is named in the repository */
	put(1, "sources.list.d/a.sources",
	    "Types: deb-src\nURIs: http://src.invalid/debian\nSuites: bookworm\n\n"
	    "Types: deb\n# a comment\nURIs: http://sec.invalid/debian-security\nSuites: bookworm-security\n"
	    "Signed-By: /k/security.gpg\n\n"
	    "Types: deb deb-src\nURIs: http://mirror.invalid/debian http://other.invalid/debian\n"
	    "Suites: bookworm\nComponents: main\nSigned-By: /k/archive.gpg\n");
	tap_is_int(kernel_apt_mirror(e1, &uri, &sb), 0, "mirror from a deb822 .sources file");
	tap_is_str(uri, "http://mirror.invalid/debian", "deb-src and security stanzas are skipped");
	tap_is_str(sb, "/k/archive.gpg", "Signed-By of the same stanza");
	free(uri);
	free(sb);

	put(2, "sources.list", "# comment\ndeb-src http://src.invalid/debian bookworm main\n"
	    "deb [arch=amd64 signed-by=/k/a.gpg] http://mirror.invalid/debian/ bookworm main\n");
	tap_is_int(kernel_apt_mirror(e2, &uri, &sb), 0, "mirror from sources.list");
	tap_ok(str_eq(uri, "http://mirror.invalid/debian/") && str_eq(sb, "/k/a.gpg"),
	       "one-line format with options");
	free(uri);
	free(sb);

	put(3, "sources.list.d/node.sources", "Types: deb\nURIs: http://thirdparty.invalid/node\nSuites: x\n");
	put(3, "sources.list", "deb http://mirror.invalid/debian bookworm main\n");
	tap_is_int(kernel_apt_mirror(e3, &uri, &sb), 0, "mirror among third-party sources");
	tap_ok(str_eq(uri, "http://mirror.invalid/debian") && !sb, "a Debian archive beats a third-party one");
	free(uri);
	free(sb);

	mkdir_p(e4, 0755);
	tap_is_int(kernel_apt_mirror(e4, &uri, &sb), -ENOENT, "no sources: ENOENT");
}

static void test_version_below(void)
{
	tap_ok(kernel__version_below("6.12.117+deb13-cloud-amd64", "7.0"), "6.12.117 < 7.0");
	tap_ok(!kernel__version_below("6.12.117+deb13-cloud-amd64", "6.12"), "6.12.117 >= 6.12");
	tap_ok(kernel__version_below("6.9.2", "6.12"), "6.9 < 6.12: numbers, not strings");
	tap_ok(!kernel__version_below("6.12", "6.12.0"), "6.12 == 6.12.0");
	tap_ok(kernel__version_below("6.12-rc1", "6.12.1"), "6.12-rc1 < 6.12.1");
	tap_ok(!kernel__version_below("7.3.4+deb13-cloud-amd64", "7.3.4"), "7.3.4 >= 7.3.4");
	tap_ok(!kernel__version_below(NULL, "6.12") && !kernel__version_below("custom", "6.12"),
	       "an unknown version is never below");
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 99;
	tap_plan(54);
	test_image_facts();
	test_sha256();
	test_cache_root();
	test_derived_dir();
	test_store_find();
	test_mirror();
	test_version_below();
	rm_rf(tmpdir);
	return tap_done();
}
