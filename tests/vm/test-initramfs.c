// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for src/vm/initramfs.c: ELF closure, archive contents (read back), cache. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <sys/stat.h>

#include "tap.h"
#include "vm/initramfs.h"

struct listing {
	char *names[256];
	size_t sizes[256];
	unsigned modes[256];
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
	while (archive_read_next_header(a, &e) == ARCHIVE_OK && l->n < 256) {
		l->names[l->n] = xstrdup(archive_entry_pathname(e));
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
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
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

int main(int argc, char **argv)
{
	char dir[] = "/tmp/ktstr-test-initramfs.XXXXXX";
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	(void)argc;
	(void)argv;
	if (n <= 0)
		return 99;
	self[n] = '\0';
	tap_plan(20);
	test_elf();
	if (!mkdtemp(dir))
		return 99;
	test_archive(dir);
	rm_rf(dir);
	return tap_done();
}
