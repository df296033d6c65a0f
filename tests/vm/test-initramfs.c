// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for src/vm/initramfs.c: ELF closure, archive contents (read back), cache. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "kernel/kernel.h"
#include "tap.h"
#include "util/log.h"
#include "vm/initramfs.h"
#include "vm/qemu.h"

struct listing {
	char *names[1024];
	size_t sizes[1024];
	unsigned modes[1024];
	char *links[1024];
	size_t n;
	int filter;
	int archives;
};

/* Read the archive at [off, off + len) of a file with libarchive (len 0: to the end). */
static int list_at(const char *path, size_t off, size_t len, struct listing *l)
{
	_cleanup_free_ char *buf = NULL;
	struct archive *a;
	struct archive_entry *e;
	size_t flen;

	if (read_file(path, &buf, &flen) || off > flen)
		return -1;
	if (!len || off + len > flen)
		len = flen - off;
	a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_cpio(a);
	if (archive_read_open_memory(a, buf + off, len) != ARCHIVE_OK) {
		archive_read_free(a);
		return -1;
	}
	while (archive_read_next_header(a, &e) == ARCHIVE_OK && l->n < ARRAY_SIZE(l->names)) {
		l->names[l->n] = xstrdup(archive_entry_pathname(e));
		l->links[l->n] = archive_entry_symlink(e) ? xstrdup(archive_entry_symlink(e)) : NULL;
		l->sizes[l->n] = archive_entry_size(e);
		l->modes[l->n] = archive_entry_mode(e);
		l->n++;
	}
	l->filter = archive_filter_code(a, 0);
	l->archives++;
	archive_read_free(a);
	return 0;
}

static int list(const char *path, struct listing *l)
{
	memset(l, 0, sizeof(*l));
	return list_at(path, 0, 0, l);
}

static size_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_size;
}

static int find(const struct listing *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (str_eq(l->names[i], name))
			return i;
	return -1;
}

static void listing_free(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->names[i]);
		free(l->links[i]);
	}
}

static char self[4096];

static void test_elf(void)
{
	char *interp = NULL, **needed = NULL, *runpath = NULL, *err = NULL, **libs = NULL;
	size_t nneeded = 0, nlibs = 0;
	bool libc = false, libarchive = false;
	int ret;

	ret = elf__deps(self, &interp, &needed, &nneeded, &runpath, &err);
	tap_ok(ret == 0 && interp && str_startswith(interp, "/lib"), "interpreter of this test: %s",
	       interp ? interp : "(none)");
	for (size_t i = 0; i < nneeded; i++) {
		libc |= str_eq(needed[i], "libc.so.6");
		libarchive |= str_startswith(needed[i], "libarchive.so");
		free(needed[i]);
	}
	free(needed);
	tap_ok(libc && libarchive, "DT_NEEDED lists libc and libarchive");
	free(interp);
	free(runpath);
	ret = elf__closure(self, &libs, &nlibs, &interp, &err);
	{
		bool xml = false;

		/* libarchive pulls libxml2 (or libz/liblzma...): the closure is transitive */
		for (size_t i = 0; i < nlibs; i++) {
			xml |= strstr(libs[i], "libxml2") || strstr(libs[i], "liblzma");
			free(libs[i]);
		}
		free(libs);
		tap_ok(ret == 0 && xml, "closure includes libraries of libraries");
	}
	free(interp);
	{
		char *p = elf__find_lib("libc.so.6", NULL, NULL);

		tap_ok(p && !access(p, R_OK), "libc.so.6 found in the default dirs (%s)", p ? p : "-");
		free(p);
		p = elf__find_lib("libdefinitely-not-here.so.9", NULL, NULL);
		tap_ok(!p, "a missing library is not invented");
		free(p);
	}
	ret = elf__deps(KTSTR_SRCDIR "/tests/vm/lib.sh", &interp, &needed, &nneeded, &runpath, &err);
	tap_ok(ret == -ENOEXEC, "a shell script is not ELF");
	free(err);
}

static void test_archive(const char *dir)
{
	struct initramfs *ir = initramfs__new(INITRAMFS_ZSTD);
	_cleanup_free_ char *path = xasprintf("%s/a.cpio", dir), *err = NULL;
	_cleanup_free_ char *cache = xasprintf("%s/cache", dir);
	char *base = NULL, *base2 = NULL, key1[33], key2[33];
	struct listing l;
	bool hit = true;
	int i;

	/* a small dynamic binary: the closure of this test (libcurl, ICU...) is 17 MB */
	tap_ok(initramfs__add_elf(ir, "/bin/sh", "/init", &err) == 0, "a dynamic binary with its libraries");
	initramfs__add_data(ir, "/ktstr/run.json", "{}", 2, 0644);
	tap_ok(initramfs__write(ir, path, &err) == 0, "archive written");
	tap_ok(list(path, &l) == 0, "archive reads back");
	tap_is_int(l.filter, ARCHIVE_FILTER_ZSTD, "zstd compressed");
	i = find(&l, "init");
	tap_ok(i >= 0 && (l.modes[i] & 0111) && S_ISREG(l.modes[i]), "/init is an executable file");
	tap_ok(find(&l, "lib/x86_64-linux-gnu/libc.so.6") >= 0, "libc in the multiarch dir");
	tap_ok(find(&l, "lib64/ld-linux-x86-64.so.2") >= 0, "the interpreter at its PT_INTERP path");
	tap_ok(find(&l, "lib") >= 0 && find(&l, "lib/x86_64-linux-gnu") >= 0 &&
	       find(&l, "lib") < find(&l, "lib/x86_64-linux-gnu"), "parent directories first");
	i = find(&l, "dev/console");
	tap_ok(i >= 0 && S_ISCHR(l.modes[i]), "/dev/console device node");
	i = find(&l, "ktstr/run.json");
	tap_ok(i >= 0 && l.sizes[i] == 2, "in-memory file");
	listing_free(&l);

	tap_ok(initramfs__cached(ir, cache, &base, &hit, &err) == 0 && !hit, "cache miss writes");
	tap_ok(initramfs__cached(ir, cache, &base2, &hit, &err) == 0 && hit &&
	       str_eq(base, base2), "unchanged inputs hit the cache");
	initramfs__key(ir, key1);
	initramfs__add_data(ir, "/ktstr/run.json", "{ }", 3, 0644);
	initramfs__key(ir, key2);
	tap_ok(!str_eq(key1, key2), "a content change changes the key");
	{
		struct initramfs *sfx = initramfs__new(INITRAMFS_GZIP);
		_cleanup_free_ char *sp = xasprintf("%s/s.cpio", dir);
		_cleanup_free_ char *all = xasprintf("%s/initrd", dir);
		const char *parts[] = { base, sp };

		size_t bsz, ssz;

		initramfs__add_data(sfx, "/ktstr/spec.yaml", "name: x\n", 8, 0644);
		initramfs__write(sfx, sp, &err);
		bsz = file_size(base);
		ssz = file_size(sp);
		memset(&l, 0, sizeof(l));
		/* the suffix starts 4-byte aligned after the base, as the kernel expects */
		tap_ok(initramfs__concat(all, parts, 2) == 0 &&
		       file_size(all) == ((bsz + 3) & ~(size_t)3) + ((ssz + 3) & ~(size_t)3) &&
		       list_at(all, 0, bsz, &l) == 0 && list_at(all, (bsz + 3) & ~(size_t)3, 0, &l) == 0 &&
		       find(&l, "init") >= 0 && find(&l, "ktstr/spec.yaml") >= 0,
		       "base + suffix concatenate into one initrd (%zu + %zu bytes)", bsz, ssz);
		listing_free(&l);
		initramfs__free(sfx);
	}
	free(base);
	free(base2);
	initramfs__free(ir);
}

/* Warnings the code under test logs, collected instead of printed. */
static char warned[4096];

static void capture(enum log_level level, const char *fmt, va_list ap)
{
	size_t n = strlen(warned);

	if (level <= LOG_WARN && n < sizeof(warned) - 1) {
		vsnprintf(warned + n, sizeof(warned) - n - 1, fmt, ap);
		strcat(warned, "\n");
	}
}

/* Damage the cached base archive (or its record) in one way; expect a warning naming it and a rebuild. */
static void damaged_base(const struct initramfs *ir, const char *cache, const char *what,
			 const char *good_sum, bool want_warning, void (*damage)(const char *path))
{
	_cleanup_free_ char *base = NULL, *err = NULL;
	char sum[65] = "";
	bool hit = true;
	int ret;

	ret = initramfs__cached(ir, cache, &base, &hit, &err);
	tap_ok(ret == 0 && hit, "%s: the intact base archive is a hit", what);
	damage(base);
	warned[0] = '\0';
	free(base);
	base = NULL;
	ret = initramfs__cached(ir, cache, &base, &hit, &err);
	kernel__sha256_file(base, sum);
	tap_ok(ret == 0 && !hit && str_eq(sum, good_sum) &&
	       (want_warning ? strstr(warned, base) && strstr(warned, "corrupt") : !warned[0]),
	       "%s: rebuilt (hit %d) with the same content (%.12s), %s (%s)", what, hit, sum,
	       want_warning ? "a warning naming it" : "quietly", warned[0] ? warned : "no warning");
}

static void flip_byte(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
	struct stat st;
	char c = 0;

	/* same size, one byte different: only the sha256 can tell */
	if (fstat(fd, &st) || pread(fd, &c, 1, st.st_size / 2) != 1)
		return;
	c ^= 0x20;
	if (pwrite(fd, &c, 1, st.st_size / 2) != 1)
		return;
}

static void truncate_half(const char *path)
{
	struct stat st;

	if (!stat(path, &st) && truncate(path, st.st_size / 2))
		return;
}

static void bad_record(const char *path)
{
	_cleanup_free_ char *rec = kernel_derived__record_path(path);

	if (write_file(rec, "{\"schema\": 1, \"size\": ", 22))
		return;
}

static void no_record(const char *path)
{
	_cleanup_free_ char *rec = kernel_derived__record_path(path);

	unlink(rec);
}

/* issue 11 #8: a damaged base archive used to be booted on every later run ("Unable to mount root fs") */
static void test_derived(const char *dir)
{
	/* zstd as ktstr-run's base: its frames carry no name or time, so a rebuild is byte-identical */
	struct initramfs *ir = initramfs__new(INITRAMFS_ZSTD);
	_cleanup_free_ char *cache = xasprintf("%s/dcache", dir), *base = NULL, *err = NULL;
	_cleanup_free_ char *rec = NULL, *text = NULL, *why = NULL;
	struct kernel_derived_rec r;
	char sum[65] = "";
	struct stat st;
	bool hit;

	initramfs__add_data(ir, "/ktstr/run.json", "{\"x\": 1}", 8, 0644);
	initramfs__add_data(ir, "/big", self, sizeof(self), 0644);
	log_set_fn(capture);
	tap_ok(initramfs__cached(ir, cache, &base, &hit, &err) == 0 && !hit, "derived: miss writes");
	kernel__sha256_file(base, sum);
	rec = kernel_derived__record_path(base);
	stat(base, &st);
	tap_ok(!read_file(rec, &text, NULL) && !kernel_derived__parse(text, strlen(text), &r, &why) &&
	       r.size == (uint64_t)st.st_size && str_eq(r.sha256, sum),
	       "its record holds its size and sha256: %s", text ? text : "(none)");
	damaged_base(ir, cache, "a flipped byte", sum, true, flip_byte);
	damaged_base(ir, cache, "truncated", sum, true, truncate_half);
	damaged_base(ir, cache, "an unreadable record", sum, true, bad_record);
	damaged_base(ir, cache, "no record (an older ktstr's file)", sum, false, no_record);
	log_set_fn(NULL);
	initramfs__free(ir);
}

/* The PVH vmlinux extracted from a real kernel: truncated, it is extracted again (skips without a kernel). */
static void test_pvh(const char *dir)
{
	_cleanup_free_ char *cache = xasprintf("%s/vmlinux", dir), *err = NULL;
	_cleanup_free_ char *v1 = NULL, *v2 = NULL;
	struct kernel_image *k = NULL;
	char sum1[65] = "", sum2[65] = "";
	struct stat st;

	if (kernel__resolve(NULL, &k, &err) || qemu__pvh_kernel(k->image, cache, &v1)) {
		tap_skip("no kernel with a PVH vmlinux");
		tap_skip("no kernel with a PVH vmlinux");
		kernel_image__free(k);
		return;
	}
	kernel__sha256_file(v1, sum1);
	if (!stat(v1, &st) && truncate(v1, st.st_size / 3))
		return;
	warned[0] = '\0';
	log_set_fn(capture);
	tap_ok(qemu__pvh_kernel(k->image, cache, &v2) == 0 && !kernel__sha256_file(v2, sum2) &&
	       str_eq(sum1, sum2), "a truncated PVH vmlinux is extracted again (%.12s, was %.12s)",
	       sum2, sum1);
	log_set_fn(NULL);
	tap_ok(strstr(warned, v1) && strstr(warned, "corrupt") != NULL, "with a warning naming it: %s",
	       warned);
	kernel_image__free(k);
}

/* The ordinary-machine furniture (vm/guestenv.c): busybox applets as links, /etc, /boot/config-*. */
static void test_guest_env(const char *dir)
{
	_cleanup_free_ char *bb = guest_env__busybox(), *err = NULL;
	_cleanup_free_ char *cfg = xasprintf("%s/config", dir), *path = xasprintf("%s/g.cpio", dir);
	struct guest_env ge = { .busybox = bb, .kconfig = cfg, .kversion = "6.1.0-7-test" };
	struct initramfs *ir = initramfs__new(INITRAMFS_NONE);
	struct listing l;
	int i;

	write_file(cfg, "CONFIG_HZ=250\n", 14);
	if (!bb) {
		for (i = 0; i < 7; i++)
			tap_skip("no busybox on the host");
		initramfs__free(ir);
		return;
	}
	tap_ok(initramfs__add_guest_env(ir, &ge, &err) == 0, "guest env added");
	tap_ok(initramfs__write(ir, path, &err) == 0 && list(path, &l) == 0, "archive with links reads back");
	i = find(&l, "boot/config-6.1.0-7-test");
	tap_ok(i >= 0 && l.sizes[i] == 14, "the kernel config at /boot/config-<release>");
	i = find(&l, "bin/busybox");
	tap_ok(i >= 0 && S_ISREG(l.modes[i]) && (l.modes[i] & 0111), "busybox is an executable");
	i = find(&l, "bin/sh");
	tap_ok(i >= 0 && S_ISLNK(l.modes[i]) && str_eq(l.links[i], "busybox") &&
	       find(&l, "bin/awk") >= 0, "its applets are symlinks to it in /bin");
	tap_ok(find(&l, "etc/passwd") >= 0 && find(&l, "etc/group") >= 0 &&
	       find(&l, "etc/os-release") >= 0, "/etc/passwd, group and os-release");
	listing_free(&l);
	initramfs__free(ir);
	ir = initramfs__new(INITRAMFS_NONE);
	free(err);
	err = NULL;
	ge.busybox = "/bin/false";	/* not a busybox: `false --list` fails */
	tap_ok(initramfs__add_guest_env(ir, &ge, &err) < 0 && err && strstr(err, "/bin/false --list"),
	       "a busybox that cannot list its applets is an error naming it");
	initramfs__free(ir);
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/ktstr-test-initramfs.XXXXXX";
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	(void)argc;
	(void)argv;
	if (n <= 0)
		return 99;
	self[n] = '\0';
	tap_plan(39);
	test_elf();
	if (!mkdtemp(dir))
		return 99;
	test_archive(dir);
	test_derived(dir);
	test_pvh(dir);
	test_guest_env(dir);
	rm_rf(dir);
	return tap_done();
}
