/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's initramfs: a list of files (from the host or from memory)
 * written as a compressed cpio newc archive with libarchive, ELF
 * DT_NEEDED closure resolution with libelf, and a content-keyed cache for
 * the large base part. Linux accepts concatenated archives, so a test's
 * initrd is the cached base followed by a small per-test suffix.
 */
#ifndef KTSTR_INITRAMFS_H
#define KTSTR_INITRAMFS_H

#include "util/util.h"

enum initramfs_compression { INITRAMFS_NONE, INITRAMFS_GZIP, INITRAMFS_LZ4, INITRAMFS_ZSTD };

/* Guest directory where every resolved shared library goes (in ld.so's default path). */
#define INITRAMFS_LIBDIR "/lib/x86_64-linux-gnu"

struct initramfs_entry {
	char *guest_path;	/* absolute */
	char *host_path;	/* NULL for in-memory data */
	char *data;
	size_t len;
	unsigned mode;		/* permission bits */
	char *link;		/* a symbolic link to this target (host_path and data NULL) */
};

struct initramfs {
	struct initramfs_entry *v;
	size_t n;
	enum initramfs_compression comp;
};

struct initramfs *initramfs__new(enum initramfs_compression comp);
void initramfs__free(struct initramfs *ir);
/* Add a host file (mode from the file) at guest_path; replaces an existing entry. */
int initramfs__add_file(struct initramfs *ir, const char *host_path, const char *guest_path);
int initramfs__add_data(struct initramfs *ir, const char *guest_path, const void *data,
			size_t len, unsigned mode);
/* A symbolic link at guest_path pointing to target; replaces an existing entry. */
int initramfs__add_symlink(struct initramfs *ir, const char *guest_path, const char *target);
/* Add an ELF binary and its interpreter and DT_NEEDED closure. */
int initramfs__add_elf(struct initramfs *ir, const char *host_path, const char *guest_path,
		       char **err);
bool initramfs__has(const struct initramfs *ir, const char *guest_path);
/* Write the archive to path (atomically: temp file and rename). */
int initramfs__write(const struct initramfs *ir, const char *path, char **err);
/* A hash of every entry's path, mode and content (the cache key). */
int initramfs__key(const struct initramfs *ir, char key[33]);
/*
 * The base archive from the cache under cache_dir (written on a miss, with
 * its size and sha256 recorded beside it); *out is its path. *hit tells
 * whether it was already there and matched its record: a damaged one is
 * rebuilt, with a warning naming it.
 */
int initramfs__cached(const struct initramfs *ir, const char *cache_dir, char **out, bool *hit,
		      char **err);
/* Concatenate files into dst (base archive + per-test suffix). */
int initramfs__concat(const char *dst, const char *const *srcs, size_t n);
/* Default cache directory: $KTSTR_CACHE_DIR/initramfs, $XDG_CACHE_HOME/ktstr/initramfs, ~/.cache/... */
char *initramfs__cache_dir(void);

/*
 * What makes the guest look like an ordinary machine to a scheduler binary
 * (src/vm/guestenv.c): busybox with its applets as /bin symlinks (PATH has
 * a shell and the usual tools), /etc/passwd, /etc/group, /etc/os-release,
 * and the kernel's config at /boot/config-<version>, where libbpf looks
 * for the values of __kconfig externs. Fields left NULL are not added.
 */
struct guest_env {
	const char *busybox;	/* host path of a busybox binary, or NULL */
	const char *kconfig;	/* host path of the kernel's .config, or NULL */
	const char *kversion;	/* the kernel's release (uname -r), for /boot/config-<version> */
};

/* The busybox to pack: $KTSTR_BUSYBOX, else busybox on $PATH, else /bin/busybox; NULL if none. */
char *guest_env__busybox(void);
int initramfs__add_guest_env(struct initramfs *ir, const struct guest_env *env, char **err);

/* ELF facts: interpreter (or NULL), DT_NEEDED names, RUNPATH/RPATH (or NULL). */
int elf__deps(const char *path, char **interp, char ***needed, size_t *nneeded, char **runpath,
	      char **err);
/*
 * Find a library by DT_NEEDED name: runpath ($ORIGIN expanded), LD_LIBRARY_PATH,
 * the /etc/ld.so.conf directories, the default multiarch dirs.
 */
char *elf__find_lib(const char *name, const char *runpath, const char *origin);
/* The full closure: every shared library path (host) the binary needs, plus the interpreter. */
int elf__closure(const char *path, char ***libs, size_t *nlibs, char **interp, char **err);

#endif
