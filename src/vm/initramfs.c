// SPDX-License-Identifier: GPL-2.0-only
/* Building the guest initramfs: ELF closure (libelf), cpio newc (libarchive), content cache. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <glob.h>
#include <libelf.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "kernel/kernel.h"
#include "vm/initramfs.h"

struct initramfs *initramfs__new(enum initramfs_compression comp)
{
	struct initramfs *ir = xcalloc(1, sizeof(*ir));

	ir->comp = comp;
	return ir;
}

static void entry_free(struct initramfs_entry *e)
{
	free(e->guest_path);
	free(e->host_path);
	free(e->data);
	free(e->link);
}

void initramfs__free(struct initramfs *ir)
{
	if (!ir)
		return;
	for (size_t i = 0; i < ir->n; i++)
		entry_free(&ir->v[i]);
	free(ir->v);
	free(ir);
}

static struct initramfs_entry *entry_slot(struct initramfs *ir, const char *guest_path)
{
	for (size_t i = 0; i < ir->n; i++) {
		if (str_eq(ir->v[i].guest_path, guest_path)) {
			entry_free(&ir->v[i]);
			memset(&ir->v[i], 0, sizeof(ir->v[i]));
			return &ir->v[i];
		}
	}
	return array_push(&ir->v, &ir->n, sizeof(*ir->v));
}

bool initramfs__has(const struct initramfs *ir, const char *guest_path)
{
	for (size_t i = 0; i < ir->n; i++)
		if (str_eq(ir->v[i].guest_path, guest_path))
			return true;
	return false;
}

int initramfs__add_file(struct initramfs *ir, const char *host_path, const char *guest_path)
{
	struct initramfs_entry *e;
	struct stat st;

	if (guest_path[0] != '/')
		return -EINVAL;
	if (stat(host_path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	e = entry_slot(ir, guest_path);
	e->guest_path = xstrdup(guest_path);
	e->host_path = xstrdup(host_path);
	e->mode = st.st_mode & 07777;
	return 0;
}

int initramfs__add_data(struct initramfs *ir, const char *guest_path, const void *data,
			size_t len, unsigned mode)
{
	struct initramfs_entry *e;

	if (guest_path[0] != '/')
		return -EINVAL;
	e = entry_slot(ir, guest_path);
	e->guest_path = xstrdup(guest_path);
	e->data = xmalloc(len + 1);
	memcpy(e->data, data, len);
	e->data[len] = '\0';
	e->len = len;
	e->mode = mode & 07777;
	return 0;
}

int initramfs__add_symlink(struct initramfs *ir, const char *guest_path, const char *target)
{
	struct initramfs_entry *e;

	if (guest_path[0] != '/' || !target[0])
		return -EINVAL;
	e = entry_slot(ir, guest_path);
	e->guest_path = xstrdup(guest_path);
	e->link = xstrdup(target);
	e->mode = 0777;
	return 0;
}

/* ---- ELF ---- */

int elf__deps(const char *path, char **interp, char ***needed, size_t *nneeded, char **runpath,
	      char **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *e;
	Elf_Scn *scn = NULL;
	size_t phnum = 0, rawsz;
	char *raw;

	*interp = NULL;
	*needed = NULL;
	*nneeded = 0;
	*runpath = NULL;
	if (fd < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -errno;
	}
	if (elf_version(EV_CURRENT) == EV_NONE) {
		*err = xstrdup("libelf: version mismatch");
		return -EINVAL;
	}
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		*err = xasprintf("%s: not an ELF file", path);
		if (e)
			elf_end(e);
		return -ENOEXEC;
	}
	raw = elf_rawfile(e, &rawsz);
	if (!elf_getphdrnum(e, &phnum)) {
		for (size_t i = 0; i < phnum; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(e, i, &ph) && ph.p_type == PT_INTERP && raw &&
			    ph.p_offset + ph.p_filesz <= rawsz && ph.p_filesz)
				*interp = xstrndup(raw + ph.p_offset, ph.p_filesz);
		}
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Dyn dyn;
			const char *s;

			if (!gelf_getdyn(d, i, &dyn))
				break;
			if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_RUNPATH && dyn.d_tag != DT_RPATH)
				continue;
			s = elf_strptr(e, sh.sh_link, dyn.d_un.d_val);
			if (!s)
				continue;
			if (dyn.d_tag == DT_NEEDED) {
				char **slot = array_push(needed, nneeded, sizeof(char *));

				*slot = xstrdup(s);
			} else if (!*runpath || dyn.d_tag == DT_RUNPATH) {
				free(*runpath);
				*runpath = xstrdup(s);
			}
		}
	}
	elf_end(e);
	return 0;
}

static char *find_in(const char *dirs, const char *name, const char *origin)
{
	_cleanup_free_ char *copy = xstrdup(dirs);
	char *save = NULL;

	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		_cleanup_free_ char *dir = NULL;
		char *p;

		if (str_startswith(d, "$ORIGIN"))
			dir = xasprintf("%s%s", origin ? origin : ".", d + 7);
		else if (str_startswith(d, "${ORIGIN}"))
			dir = xasprintf("%s%s", origin ? origin : ".", d + 9);
		else
			dir = xstrdup(d);
		p = xasprintf("%s/%s", dir, name);
		if (!access(p, R_OK))
			return p;
		free(p);
	}
	return NULL;
}

static char *ld_conf_dirs;
static pthread_once_t ld_conf_once = PTHREAD_ONCE_INIT;

/* Directories from an ld.so.conf file, following "include" globs (bounded depth). */
static void read_ld_conf(const char *path, int depth)
{
	_cleanup_free_ char *text = NULL;
	char *line, *save = NULL;

	if (depth > 4 || read_file(path, &text, NULL))
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#');

		if (hash)
			*hash = '\0';
		line = str_trim(line);
		if (str_startswith(line, "include") && (line[7] == ' ' || line[7] == '\t')) {
			glob_t g;

			if (!glob(str_trim(line + 8), 0, NULL, &g)) {
				for (size_t i = 0; i < g.gl_pathc; i++)
					read_ld_conf(g.gl_pathv[i], depth + 1);
				globfree(&g);
			}
		} else if (line[0] == '/') {
			char *n = ld_conf_dirs ? xasprintf("%s:%s", ld_conf_dirs, line) : xstrdup(line);

			free(ld_conf_dirs);
			ld_conf_dirs = n;
		}
	}
}

static void load_ld_conf(void)
{
	read_ld_conf("/etc/ld.so.conf", 0);
}

/* Search order: RUNPATH, LD_LIBRARY_PATH, /etc/ld.so.conf (what ld.so.cache is built from), defaults. */
char *elf__find_lib(const char *name, const char *runpath, const char *origin)
{
	static const char default_dirs[] =
		"/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib64:/usr/lib64:/lib:/usr/lib:"
		"/usr/local/lib";
	const char *ldp = getenv("LD_LIBRARY_PATH");
	char *p;

	if (strchr(name, '/'))
		return access(name, R_OK) ? NULL : xstrdup(name);
	if (runpath && (p = find_in(runpath, name, origin)))
		return p;
	if (ldp && *ldp && (p = find_in(ldp, name, origin)))
		return p;
	pthread_once(&ld_conf_once, load_ld_conf);
	if (ld_conf_dirs && (p = find_in(ld_conf_dirs, name, origin)))
		return p;
	return find_in(default_dirs, name, origin);
}

static bool strv_has(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (str_eq(v[i], s))
			return true;
	return false;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Breadth-first over DT_NEEDED; libs[] holds "name\0" pairs as "hostpath" with names in parallel. */
int elf__closure(const char *path, char ***libs, size_t *nlibs, char **interp, char **err)
{
	char **queue = NULL, **names = NULL;
	size_t nq = 0, nnames = 0;
	int ret = 0;

	*libs = NULL;
	*nlibs = 0;
	*interp = NULL;
	*(char **)array_push(&queue, &nq, sizeof(char *)) = xstrdup(path);
	for (size_t qi = 0; qi < nq && !ret; qi++) {
		_cleanup_free_ char *ip = NULL, *rp = NULL, *dir = xstrdup(queue[qi]);
		char **needed;
		size_t nneeded;

		ret = elf__deps(queue[qi], &ip, &needed, &nneeded, &rp, err);
		if (ret)
			break;
		if (ip && !*interp)
			*interp = TAKE_PTR(ip);
		for (size_t i = 0; i < nneeded && !ret; i++) {
			char *found;

			if (strv_has(names, nnames, needed[i]))
				continue;
			found = elf__find_lib(needed[i], rp, dirname(dir));
			if (!found) {
				*err = xasprintf("%s: shared library %s not found (searched RUNPATH, "
						 "LD_LIBRARY_PATH and the default directories)",
						 queue[qi], needed[i]);
				ret = -ENOENT;
				break;
			}
			*(char **)array_push(&names, &nnames, sizeof(char *)) = xstrdup(needed[i]);
			*(char **)array_push(&queue, &nq, sizeof(char *)) = found;
		}
		strv_free(needed, nneeded);
	}
	if (ret) {
		strv_free(queue, nq);
		strv_free(names, nnames);
		free(*interp);
		*interp = NULL;
		return ret;
	}
	/* queue[0] is the binary itself; the rest are the libraries, named by names[] */
	free(queue[0]);
	for (size_t i = 1; i < nq; i++) {
		char **slot = array_push(libs, nlibs, sizeof(char *));

		*slot = queue[i];
	}
	free(queue);
	strv_free(names, nnames);
	return 0;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int initramfs__add_elf(struct initramfs *ir, const char *host_path, const char *guest_path,
		       char **err)
{
	char **libs, *interp;
	size_t nlibs;
	int ret;

	*err = NULL;
	ret = initramfs__add_file(ir, host_path, guest_path);
	if (ret) {
		*err = xasprintf("%s: %s", host_path, strerror(-ret));
		return ret;
	}
	ret = elf__closure(host_path, &libs, &nlibs, &interp, err);
	if (ret)
		return ret;
	if (interp && !initramfs__has(ir, interp))
		ret = initramfs__add_file(ir, interp, interp);
	for (size_t i = 0; i < nlibs && !ret; i++) {
		_cleanup_free_ char *copy = xstrdup(libs[i]);
		_cleanup_free_ char *gp = xasprintf(INITRAMFS_LIBDIR "/%s", basename(copy));

		/* libc names the interpreter in DT_NEEDED: it is already at its PT_INTERP path */
		if (interp && same_file(interp, libs[i]))
			continue;
		if (!initramfs__has(ir, gp))
			ret = initramfs__add_file(ir, libs[i], gp);
	}
	if (ret && !*err)
		*err = xasprintf("%s: adding its libraries: %s", host_path, strerror(-ret));
	strv_free(libs, nlibs);
	free(interp);
	return ret;
}

/* ---- archive ---- */

static int ar_err(struct archive *a, char **err, const char *what)
{
	*err = xasprintf("%s: %s", what, archive_error_string(a) ?: "libarchive error");
	return -EIO;
}

static int write_entry(struct archive *a, const char *path, unsigned type, unsigned mode,
		       const void *data, size_t len, char **err)
{
	struct archive_entry *e = archive_entry_new();
	int ret = 0;

	archive_entry_set_pathname(e, path[0] == '/' ? path + 1 : path);
	archive_entry_set_filetype(e, type);
	if (type == AE_IFLNK)
		archive_entry_set_symlink(e, data);
	archive_entry_set_perm(e, mode);
	archive_entry_set_size(e, type == AE_IFREG ? len : 0);
	archive_entry_set_mtime(e, 0, 0);
	if (type == AE_IFCHR)
		archive_entry_set_rdev(e, makedev(5, 1));
	if (archive_write_header(a, e) != ARCHIVE_OK)
		ret = ar_err(a, err, path);
	else if (type == AE_IFREG && len && archive_write_data(a, data, len) != (ssize_t)len)
		ret = ar_err(a, err, path);
	archive_entry_free(e);
	return ret;
}

/* Parent directories of every entry, once, parents first. */
static int write_dirs(struct archive *a, const struct initramfs *ir, char **err)
{
	char **done = NULL;
	size_t ndone = 0;
	int ret = 0;

	for (size_t i = 0; i < ir->n && !ret; i++) {
		_cleanup_free_ char *p = xstrdup(ir->v[i].guest_path);

		for (char *s = strchr(p + 1, '/'); s && !ret; s = strchr(s + 1, '/')) {
			*s = '\0';
			if (!strv_has(done, ndone, p)) {
				*(char **)array_push(&done, &ndone, sizeof(char *)) = xstrdup(p);
				ret = write_entry(a, p, AE_IFDIR, 0755, NULL, 0, err);
			}
			*s = '/';
		}
	}
	strv_free(done, ndone);
	return ret;
}

int initramfs__write(const struct initramfs *ir, const char *path, char **err)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	struct archive *a = archive_write_new();
	int r = ARCHIVE_OK, ret;

	*err = NULL;
	archive_write_set_format_cpio_newc(a);
	switch (ir->comp) {
	case INITRAMFS_GZIP:
		r = archive_write_add_filter_gzip(a);
		break;
	case INITRAMFS_ZSTD:
		r = archive_write_add_filter_zstd(a);
		if (r == ARCHIVE_OK)	/* inflating costs the same at any level; 9 writes fast */
			archive_write_set_filter_option(a, "zstd", "compression-level", "9");
		break;
	case INITRAMFS_LZ4:	/* the kernel reads only legacy LZ4: not offered by libarchive */
		r = ARCHIVE_FATAL;
		break;
	case INITRAMFS_NONE:
		break;
	}
	if (r != ARCHIVE_OK) {
		ret = ar_err(a, err, "compression filter");
		archive_write_free(a);
		return ret;
	}
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_filename(a, tmp) != ARCHIVE_OK) {
		ret = ar_err(a, err, tmp);
		archive_write_free(a);
		return ret;
	}
	ret = write_dirs(a, ir, err);
	/* the kernel opens /dev/console for init's stdio before /init runs */
	if (!ret)
		ret = write_entry(a, "/dev", AE_IFDIR, 0755, NULL, 0, err);
	if (!ret)
		ret = write_entry(a, "/dev/console", AE_IFCHR, 0600, NULL, 0, err);
	for (size_t i = 0; i < ir->n && !ret; i++) {
		const struct initramfs_entry *e = &ir->v[i];
		_cleanup_free_ char *buf = NULL;
		size_t len = e->len;

		if (e->host_path) {
			ret = read_file(e->host_path, &buf, &len);
			if (ret) {
				*err = xasprintf("%s: %s", e->host_path, strerror(-ret));
				break;
			}
		}
		if (e->link)
			ret = write_entry(a, e->guest_path, AE_IFLNK, e->mode, e->link, 0, err);
		else
			ret = write_entry(a, e->guest_path, AE_IFREG, e->mode, buf ? buf : e->data,
					  len, err);
	}
	if (archive_write_close(a) != ARCHIVE_OK && !ret)
		ret = ar_err(a, err, tmp);
	archive_write_free(a);
	if (!ret && rename(tmp, path) < 0) {
		ret = -errno;
		*err = xasprintf("rename %s: %s", path, strerror(errno));
	}
	if (ret)
		unlink(tmp);
	return ret;
}

/* ---- cache ---- */

struct hash128 {
	uint64_t a, b;
};

static void hash_bytes(struct hash128 *h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h->a = (h->a ^ s[i]) * 0x100000001b3ULL;
		h->b = (h->b ^ s[i]) * 0x100000001b3ULL + (h->b >> 29);
	}
}

int initramfs__key(const struct initramfs *ir, char key[33])
{
	struct hash128 h = { 0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL };
	unsigned comp = ir->comp;

	hash_bytes(&h, &comp, sizeof(comp));
	for (size_t i = 0; i < ir->n; i++) {
		const struct initramfs_entry *e = &ir->v[i];
		_cleanup_free_ char *buf = NULL;
		size_t len = e->len;
		int ret;

		if (e->host_path) {
			ret = read_file(e->host_path, &buf, &len);
			if (ret)
				return ret;
		}
		hash_bytes(&h, e->guest_path, strlen(e->guest_path) + 1);
		hash_bytes(&h, &e->mode, sizeof(e->mode));
		hash_bytes(&h, &len, sizeof(len));
		hash_bytes(&h, buf ? buf : e->data, len);
		if (e->link)
			hash_bytes(&h, e->link, strlen(e->link) + 1);
	}
	snprintf(key, 33, "%016llx%016llx", (unsigned long long)h.a, (unsigned long long)h.b);
	return 0;
}

char *initramfs__cache_dir(void)
{
	const char *s;

	if ((s = getenv("KTSTR_CACHE_DIR")) && *s)
		return xasprintf("%s/initramfs", s);
	if ((s = getenv("XDG_CACHE_HOME")) && *s)
		return xasprintf("%s/ktstr/initramfs", s);
	if ((s = getenv("HOME")) && *s)
		return xasprintf("%s/.cache/ktstr/initramfs", s);
	return xstrdup("/var/tmp/ktstr/initramfs");
}

#define CACHE_KEEP 16

/* Keep the CACHE_KEEP newest base archives: every rebuilt agent or plugin makes a new one. */
static void cache_prune(const char *cache_dir)
{
	DIR *d = opendir(cache_dir);
	struct dirent *de;
	struct {
		char *name;
		struct timespec mtime;
	} v[256];
	size_t n = 0;

	if (!d)
		return;
	while ((de = readdir(d)) && n < ARRAY_SIZE(v)) {
		_cleanup_free_ char *p = NULL;
		struct stat st;

		if (!str_startswith(de->d_name, "base-") || !str_endswith(de->d_name, ".cpio"))
			continue;
		p = xasprintf("%s/%s", cache_dir, de->d_name);
		if (stat(p, &st))
			continue;
		v[n].name = TAKE_PTR(p);
		v[n].mtime = st.st_mtim;
		n++;
	}
	closedir(d);
	while (n > CACHE_KEEP) {
		size_t oldest = 0;

		for (size_t i = 1; i < n; i++)
			if (v[i].mtime.tv_sec < v[oldest].mtime.tv_sec ||
			    (v[i].mtime.tv_sec == v[oldest].mtime.tv_sec &&
			     v[i].mtime.tv_nsec < v[oldest].mtime.tv_nsec))
				oldest = i;
		kernel_derived__remove(v[oldest].name);
		free(v[oldest].name);
		v[oldest] = v[--n];
	}
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
}

int initramfs__cached(const struct initramfs *ir, const char *cache_dir, char **out, bool *hit,
		      char **err)
{
	char key[33];
	char *path;
	int ret;

	*err = NULL;
	*out = NULL;
	ret = initramfs__key(ir, key);
	if (ret) {
		*err = xasprintf("hashing the initramfs inputs: %s", strerror(-ret));
		return ret;
	}
	ret = mkdir_p(cache_dir, 0755);
	if (ret) {
		*err = xasprintf("%s: %s", cache_dir, strerror(-ret));
		return ret;
	}
	path = xasprintf("%s/base-%s.cpio", cache_dir, key);
	/* checked against its record: a damaged archive is rebuilt (with a warning), not booted */
	*hit = kernel_derived__usable(path);
	if (*hit)
		utimensat(AT_FDCWD, path, NULL, 0);	/* recently used: pruned last */
	if (!*hit) {
		_cleanup_free_ char *tmp = xasprintf("%s.new-%d-%lx", path, (int)getpid(),
						     (unsigned long)pthread_self());

		ret = initramfs__write(ir, tmp, err);
		if (!ret) {
			ret = kernel_derived__commit(tmp, path);
			if (ret)
				*err = xasprintf("%s: %s", path, strerror(-ret));
		}
		if (ret) {
			unlink(tmp);
			free(path);
			return ret;
		}
		cache_prune(cache_dir);
	}
	*out = path;
	return 0;
}

int initramfs__concat(const char *dst, const char *const *srcs, size_t n)
{
	_cleanup_close_ int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (out < 0)
		return -errno;
	for (size_t i = 0; i < n; i++) {
		_cleanup_close_ int in = open(srcs[i], O_RDONLY | O_CLOEXEC);
		struct stat st;
		off_t left;

		if (in < 0 || fstat(in, &st) < 0)
			return -errno;
		/* cpio archives must start 4-byte aligned */
		left = st.st_size;
		while (left > 0) {
			ssize_t r = copy_file_range(in, NULL, out, NULL, left, 0);

			if (r <= 0) {
				if (r < 0 && errno == EINTR)
					continue;
				return r < 0 ? -errno : -EIO;
			}
			left -= r;
		}
		if (st.st_size % 4) {
			static const char zero[4];

			if (write(out, zero, 4 - st.st_size % 4) < 0)
				return -errno;
		}
	}
	return 0;
}
