/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel images for test VMs: discovery (ktstr's chain), the content-keyed
 * cache, fetching and building, and what ktstr needs to know of an image.
 */
#ifndef KTSTR_KERNEL_H
#define KTSTR_KERNEL_H

#include <time.h>

#include "util/util.h"

struct kernel_image {
	char *image;		/* bootable bzImage */
	char *version;		/* "7.3.4+deb13-cloud-amd64" */
	char *config;		/* path to its .config, or NULL when unknown */
	char *key;		/* cache key, or NULL when not from the cache */
	char *source;		/* "cache", "KTSTR_TEST_KERNEL", "./linux", "/boot", ... */
	char *why;		/* one line: which kernel and why it was chosen */
	bool sched_ext;		/* CONFIG_SCHED_CLASS_EXT=y */
	bool btf;		/* CONFIG_DEBUG_INFO_BTF=y */
	bool config_known;	/* the two flags above come from a real config */
};

/*
 * Resolve a selector (spec `kernel:` / --kernel / KTSTR_KERNEL: a path to an
 * image or build tree, a version, a cache key; NULL = discover). On a miss
 * *err says how to get the kernel instead of substituting another.
 */
int kernel__resolve(const char *selector, struct kernel_image **out, char **err);
void kernel_image__free(struct kernel_image *k);
/*
 * Where to keep what is derived from an image (its raw BTF, the monitor's
 * symbol offsets): beside it for a cache entry, else a directory under the
 * cache named by the image's path, size and mtime, created on demand.
 */
int kernel_image__derived_dir(const struct kernel_image *k, char **out);

/*
 * Why a test cannot run on @k (to report as SKIP, not FAIL), or NULL when it
 * can: a test that needs sched_ext on a kernel whose config lacks it, or
 * whose config is unknown. Caller frees.
 */
char *kernel_image__skip_reason(const struct kernel_image *k, bool needs_sched_ext);

/* Default guest command line pieces for ktstr VMs (console, panic, ...). */
const char *kernel__default_cmdline(void);

/* ---- Image facts ------------------------------------------------------ */

/*
 * Describe an image file: version from the bzImage setup header, flags from
 * @config (NULL: "config" or ".config" beside the image, the build tree's
 * .config for arch/x86/boot/bzImage, /boot's config-<version>, else the
 * IKCONFIG copy inside the image, kept under <cache>/.ikconfig/).
 * Free with kernel_image__free(). Returns 0 or -errno.
 */
int kernel_image__open(const char *image, const char *config, struct kernel_image **out);
/* The kernel_version string of a bzImage (setup header 0x20E). 0 or -errno. */
int kernel__image_version(const char *image, char **version);
/* Read CONFIG_SCHED_CLASS_EXT and CONFIG_DEBUG_INFO_BTF from a .config file. */
int kernel__config_flags(const char *config, bool *sched_ext, bool *btf);
/* Look up one option in a .config: returns its value ("y", "m", "\"str\"") or NULL (caller frees). */
char *kernel__config_get(const char *config, const char *option);
/*
 * Decompress the vmlinux inside a bzImage (zstd, gzip, xz, lzma, lz4, bzip2;
 * via libarchive's raw reader) into @out_path. 0 or -errno.
 */
int kernel__extract_vmlinux(const char *image, const char *out_path);
/*
 * Write the config a kernel built with CONFIG_IKCONFIG carries inside its
 * vmlinux to @out_path. -ENODATA when it carries none.
 */
int kernel__extract_ikconfig(const char *image, const char *out_path);
/*
 * Write the raw .BTF section of the vmlinux inside @image to @out_path (a
 * file bpftool reads with `bpftool btf dump file F format c`). -ENODATA when
 * the kernel has no BTF.
 */
int kernel__extract_btf(const char *image, const char *out_path);

/* ---- Progress and errors ---------------------------------------------- */

/*
 * Long operations report through these callbacks; nothing below the command
 * layer prints. @line gets one line of a child's output (apt, make) or a
 * phase message; @bytes gets download progress (total 0 = unknown).
 */
struct kernel_progress {
	void (*line)(void *ctx, const char *line);
	void (*bytes)(void *ctx, const char *what, uint64_t done, uint64_t total);
	void *ctx;
};

/* ---- Cache ------------------------------------------------------------ */

struct kernel_cache_entry {
	char *key;
	char *dir;		/* <cache>/<key> */
	char *image;		/* <dir>/bzImage */
	char *config;		/* <dir>/config, or NULL */
	char *version;
	char *source;		/* "deb linux-binary-unsigned-... 7.3.4-1~bpo13+1", "tarball URL", "local DIR" */
	char *source_type;	/* "deb", "tarball", "local" */
	char *config_hash;	/* crc32 of the config, 8 hex */
	char *sha256;		/* of the image */
	char *date;		/* ISO 8601 UTC */
	time_t built;
	uint64_t size;		/* image bytes */
	bool sched_ext, btf;
	bool stale_kconfig;	/* built with another ktstr.kconfig than the current one */
	char *corrupt;		/* NULL when usable, else why not ("image missing", ...) */
};

/* The cache root: KTSTR_CACHE_DIR, $XDG_CACHE_HOME/ktstr/kernels, ~/.cache/ktstr/kernels. */
int kernel_cache__root(char **out);
/* All entries (corrupt ones included, with ->corrupt set), newest first. */
int kernel_cache__list(struct kernel_cache_entry **out, size_t *n);
/* Verify and describe one entry by key; -ENOENT when absent. Corrupt: 0 with ->corrupt. */
int kernel_cache__get(const char *key, struct kernel_cache_entry *out);
/*
 * Newest usable entry matching @sel: a key, a version ("7.3.4" matches
 * "7.3.4+deb13-cloud-amd64"), or NULL for any sched_ext one. -ENOENT on miss.
 */
int kernel_cache__find(const char *sel, struct kernel_cache_entry *out);
/*
 * The entry to boot when no kernel is named: the default release when it
 * is cached and usable, else the highest version (the newest built among
 * equals), sched_ext ones first, stale kconfigs last. *why (allocated) says
 * which of those it is. -ENOENT on an empty cache.
 */
int kernel_cache__find_default(struct kernel_cache_entry *out, char **why);
/* Record @key as the default release: what a bare `ktstr-kernel fetch` fetched. */
int kernel_cache__set_default(const char *key);
/*
 * The corrupt entry that would have answered @sel (its key or, when its
 * metadata is readable, its version; NULL: any), so that a miss can say
 * "corrupt" instead of "not found". -ENOENT when there is none.
 */
int kernel_cache__find_corrupt(const char *sel, struct kernel_cache_entry *out);
/* "7.3.4" selects "7.3.4", "7.3.4+deb13-cloud-amd64", "7.3.4-rc1"; "7.3" selects "7.3.4"; not "7.3.40". */
bool kernel__version_matches(const char *version, const char *sel);

/*
 * Whether @version ("6.12.117+deb13-cloud-amd64") is older than @min ("6.12",
 * "6.12.3"), comparing the numbers each begins with; a missing part counts
 * as 0. False when @version does not begin with a number.
 */
bool kernel__version_below(const char *version, const char *min);
void kernel_cache_entry__fini(struct kernel_cache_entry *e);
void kernel_cache_entries__free(struct kernel_cache_entry *v, size_t n);
/* Remove all but the @keep newest usable entries (corrupt ones always go); *removed counts. */
int kernel_cache__clean(unsigned keep, unsigned *removed);
/*
 * Remove temporary directories left by dead processes (interrupted fetches
 * and builds); with @downloads also the downloaded sources (.sources) and
 * the private apt state (.apt).
 */
int kernel_cache__sweep(bool downloads, unsigned *removed);
/* Remove one entry. */
int kernel_cache__remove(const char *key);
/* A kernel_image for a cache entry (why = @why). */
struct kernel_image *kernel_cache_entry__image(const struct kernel_cache_entry *e, const char *why);

/*
 * Store an image (+ config) as a cache entry atomically: the files are
 * copied into <root>/.tmp-<key>-<pid>, verified, and renamed to <root>/<key>
 * under <root>/.locks/<key>.lock. An existing usable entry is kept (0);
 * a corrupt one is replaced. @key NULL: derive "<version>-<type>-<cfghash8>".
 * On success *key_out (if given) names the entry.
 */
struct kernel_store_req {
	const char *image;
	const char *config;		/* may be NULL */
	const char *version;		/* NULL: from the image header */
	const char *source_type;	/* "deb", "tarball", "local" */
	const char *source;		/* human/JSON description */
	const char *key;		/* NULL: derived */
};
int kernel_cache__store(const struct kernel_store_req *req, char **key_out);

/* Lock <root>/.locks/<name>.lock exclusively (blocking); returns an fd or -errno. */
int kernel_cache__lock(const char *name);

/* ---- Derived cache files ---------------------------------------------- */

/*
 * What ktstr derives from a kernel or its own binaries and keeps for later
 * runs (the base initramfs, the PVH vmlinux, vmlinux.btf,
 * kallsyms-offsets.json, an extracted IKCONFIG) carries a record beside it,
 * "<file>.sum": {"schema": 1, "size": N, "sha256": "<64 hex>"}.
 */
#define KERNEL_DERIVED_RECORD_SUFFIX ".sum"
/* Kept in kernel_image__derived_dir(): the raw .BTF and the kallsyms offsets. */
#define KERNEL_DERIVED_BTF "vmlinux.btf"
#define KERNEL_DERIVED_KSYMS "kallsyms-offsets.json"

struct kernel_derived_rec {
	uint64_t size;
	char sha256[65];
};

/* "<path>.sum" (caller frees). */
char *kernel_derived__record_path(const char *path);
/* Parse a record; -EBADMSG with *why (caller frees) when it is not one. */
int kernel_derived__parse(const char *buf, size_t len, struct kernel_derived_rec *r, char **why);
/*
 * Does @path match its record? 0: yes; -ENOENT: no such file; -ENODATA: no
 * record; -EBADMSG: corrupt, *why (caller frees) says what differs.
 */
int kernel_derived__verify(const char *path, char **why);
/*
 * Use @path from the cache? True when it matches its record; a corrupt one
 * gets a warning naming it (pr_warn) and false, so the caller rebuilds it.
 */
bool kernel_derived__usable(const char *path);
/* fsync @tmp, rename it to @path and write @path's record beside it (atomically). */
int kernel_derived__commit(const char *tmp, const char *path);
/* Remove @path and its record. */
int kernel_derived__remove(const char *path);
/*
 * Remove what is derived from cached kernels: <root>/.derived, <root>/.snapshots,
 * <root>/.ikconfig, and the vmlinux.btf and kallsyms-offsets.json (with
 * records) beside each entry; *removed counts files and directories.
 */
int kernel_cache__clean_derived(unsigned *removed);

/* ---- Fetching --------------------------------------------------------- */

struct kernel_fetch_opts {
	const char *version;		/* NULL: the newest available */
	const char *from_deb;		/* import this local linux-binary-unsigned .deb (test hook) */
	const char *from_base_deb;	/* its linux-base .deb (config), optional */
	bool force;			/* refetch even when cached */
	bool refresh;			/* apt-get update even when the lists are fresh (< 1 day) */
	struct kernel_progress progress;
};

/*
 * Fetch a Debian cloud kernel (linux-binary-unsigned-<v>-cloud-amd64 +
 * linux-base-<v>-cloud-amd64 from trixie-backports) with the host's apt and
 * a private sources list, unpack it with libarchive, and store it.
 * *key_out names the entry; *hit is set when the cache already had it.
 * On failure *err says what went wrong and what to do.
 */
int kernel__fetch_deb(const struct kernel_fetch_opts *o, char **key_out, bool *hit, char **err);
/* List the versions the archive offers (newest first). */
int kernel__deb_versions(const struct kernel_progress *p, char ***out, size_t *n, char **err);

/*
 * Download Debian's linux-source-<series> (e.g. "7.3") the same private way
 * and leave its tarball at <cache>/.sources/linux-source-<series>.tar.xz
 * (*tarball). Reused when present unless @refresh.
 */
int kernel__fetch_deb_source(const char *series, bool refresh, const struct kernel_progress *p,
			     char **tarball, char **err);

/* Unpack all regular files of a .deb's data.tar into @destdir (no dpkg). */
int kernel__deb_extract(const char *deb, const char *destdir, char **err);

/*
 * Download @url to @dest with libcurl: progress, resume of @dest.part with a
 * Range request, restart when the server ignores the range or the result
 * fails @sha256 (hex, may be NULL). *err explains failures (offline, HTTP
 * status, checksum).
 */
int kernel__download(const char *url, const char *dest, const char *sha256,
		     const struct kernel_progress *p, char **err);
/* sha256 of a file as 64 hex chars. */
int kernel__sha256_file(const char *path, char out[65]);
/* The same, remembered by the file's identity (path, inode, size, mtime) for the process. */
int kernel__sha256_memo(const char *path, char out[65]);
/* Unpack a source tarball into @destdir; *topdir gets the tree it contained. */
int kernel__untar(const char *tarball, const char *destdir, char **topdir, char **err);

/* ---- Building --------------------------------------------------------- */

struct kernel_build_opts {
	const char *source_dir;		/* a kernel source tree */
	const char *kconfig;		/* fragment; NULL: the installed/in-tree ktstr.kconfig */
	const char *source_desc;	/* metadata "source" (URL for tarballs), NULL: the dir */
	const char *source_type;	/* "tarball" or "local" (default) */
	unsigned jobs;			/* make -jN; 0: online CPUs */
	struct kernel_progress progress;
};

/*
 * Configure (defconfig or olddefconfig, + the kconfig fragment,
 * olddefconfig, verify), build bzImage, store image + .config in the cache.
 */
int kernel__build(const struct kernel_build_opts *o, char **key_out, char **err);
/* The kconfig fragment path ktstr uses by default. */
const char *kernel__kconfig_path(void);

#endif
