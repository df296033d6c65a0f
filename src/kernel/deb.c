// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fetching a Debian cloud kernel: the host's apt with a private sources list,
 * lists and cache under the kernel cache, the .deb unpacked with libarchive.
 *
 * Two suites are on offer: trixie-backports (7.x, packaged as
 * linux-binary-unsigned-<v> + linux-base-<v>, image and config under
 * usr/lib/modules/<v>/) and trixie itself (6.12, packaged as
 * linux-image-<v>-unsigned with boot/vmlinuz-<v> and boot/config-<v>).
 * trixie's 6.12 cloud kernel is built without CONFIG_SCHED_CLASS_EXT: it
 * fetches and runs, and its cache entry says sched_ext no.
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "kernel/internal.h"
#include "kernel/kernel.h"

#define DEB_SUITE "trixie-backports"
#define DEB_SUITE2 "trixie"
#define DEB_SUITES DEB_SUITE " and " DEB_SUITE2
#define DEB_FLAVOUR "-cloud-amd64"
#define PKG_IMAGE "linux-binary-unsigned-"
#define PKG_BASE "linux-base-"
/* trixie's own packaging: linux-image-<v>-unsigned, one package */
#define PKG_IMAGE_OLD "linux-image-"
#define PKG_UNSIGNED "-unsigned"
#define LISTS_MAX_AGE (24 * 3600)

/* ---- .deb unpacking (ar + data.tar.*), no dpkg ------------------------- */

struct deb_found {
	char *image;		/* .../usr/lib/modules/<v>/vmlinuz* */
	char *config;		/* .../usr/lib/modules/<v>/config */
	char *version;		/* <v> */
};

struct nested {
	struct archive *outer;
	char buf[65536];
};

static la_ssize_t nested_read(struct archive *a, void *ctx, const void **out)
{
	struct nested *n = ctx;

	*out = n->buf;
	return archive_read_data(n->outer, n->buf, sizeof(n->buf));
}

/* Only what ktstr needs (kernel images, config, System.map), unless @all. */
static bool deb_member_wanted(const char *path, bool all)
{
	const char *base = kernel_basename(path);

	if (all)
		return true;
	if (str_startswith(path, "usr/src/linux-source-") && strstr(base, ".tar."))
		return true;
	if (!str_startswith(path, "usr/lib/modules/") && !str_startswith(path, "boot/"))
		return false;
	return str_startswith(base, "vmlinuz") || str_eq(base, "config") ||
	       str_startswith(base, "config-") || str_eq(base, "System.map");
}

static void deb_note(struct deb_found *f, const char *path, const char *dest)
{
	const char *base = kernel_basename(path);

	if (f && str_startswith(path, "boot/") && !strchr(path + 5, '/')) {
		/* trixie's layout: boot/vmlinuz-<v>, boot/config-<v> */
		if (str_startswith(base, "vmlinuz-") && !f->image) {
			f->image = xstrdup(dest);
			free(f->version);
			f->version = xstrdup(base + strlen("vmlinuz-"));
		} else if (str_startswith(base, "config-") && !f->config) {
			f->config = xstrdup(dest);
		}
		return;
	}
	if (!f || !str_startswith(path, "usr/lib/modules/"))
		return;
	if (str_startswith(base, "vmlinuz") && !f->image) {
		const char *v = path + strlen("usr/lib/modules/");

		f->image = xstrdup(dest);
		free(f->version);
		f->version = xstrndup(v, strcspn(v, "/"));
	} else if (str_eq(base, "config") && !f->config) {
		f->config = xstrdup(dest);
	}
}

static int extract_data_tar(struct archive *outer, const char *destdir, bool all,
			    struct deb_found *f, char **err)
{
	struct nested *n = xmalloc(sizeof(*n));
	struct archive *in = archive_read_new();
	struct archive_entry *ae;
	int ret = 0, r;

	n->outer = outer;
	archive_read_support_filter_all(in);
	archive_read_support_format_tar(in);
	if (archive_read_open(in, n, NULL, nested_read, NULL) != ARCHIVE_OK) {
		*err = xasprintf("data.tar: %s", archive_error_string(in));
		ret = -EINVAL;
		goto out;
	}
	while ((r = archive_read_next_header(in, &ae)) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(ae);
		_cleanup_free_ char *dest = NULL, *parent = NULL;
		_cleanup_close_ int fd = -1;

		while (p && str_startswith(p, "./"))
			p += 2;
		if (!p || !*p || archive_entry_filetype(ae) != AE_IFREG)
			continue;
		if (p[0] == '/' || strstr(p, "../") || !deb_member_wanted(p, all))
			continue;
		dest = xasprintf("%s/%s", destdir, p);
		parent = xstrndup(dest, kernel_basename(dest) - dest - 1);
		ret = mkdir_p(parent, 0755);
		if (ret < 0)
			break;
		fd = open(dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			ret = -errno;
			break;
		}
		if (archive_read_data_into_fd(in, fd) != ARCHIVE_OK) {
			*err = xasprintf("%s: %s", p, archive_error_string(in));
			ret = -EIO;
			break;
		}
		deb_note(f, p, dest);
	}
	if (!ret && r != ARCHIVE_EOF) {
		*err = xasprintf("data.tar: %s", archive_error_string(in));
		ret = -EIO;
	}
out:
	archive_read_free(in);
	free(n);
	return ret;
}

static int deb_unpack(const char *deb, const char *destdir, bool all, struct deb_found *f, char **err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	bool seen = false;
	int ret = 0, r;

	archive_read_support_format_ar(a);
	if (archive_read_open_filename(a, deb, 65536) != ARCHIVE_OK) {
		*err = xasprintf("%s: %s", deb, archive_error_string(a));
		archive_read_free(a);
		return -EINVAL;
	}
	while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		if (!str_startswith(archive_entry_pathname(ae), "data.tar"))
			continue;
		seen = true;
		ret = extract_data_tar(a, destdir, all, f, err);
		break;
	}
	if (!seen && !ret) {
		*err = xasprintf("%s: not a .deb (no data.tar member)", deb);
		ret = -EINVAL;
	}
	archive_read_free(a);
	return ret;
}

int kernel__deb_extract(const char *deb, const char *destdir, char **err)
{
	*err = NULL;
	return deb_unpack(deb, destdir, true, NULL, err);
}

static void deb_found__fini(struct deb_found *f)
{
	free(f->image);
	free(f->config);
	free(f->version);
}

/* ---- Importing .debs into the cache ------------------------------------ */

/* "dir/linux-binary-unsigned-V-cloud-amd64_1.2-3_amd64.deb" -> "linux-binary-unsigned-V-cloud-amd64 1.2-3" */
static char *deb_desc(const char *deb)
{
	_cleanup_free_ char *b = xstrdup(kernel_basename(deb));
	char *us = strchr(b, '_'), *us2;

	if (!us)
		return TAKE_PTR(b);
	*us++ = '\0';
	us2 = strchr(us, '_');
	if (us2)
		*us2 = '\0';
	return xasprintf("%s %s", b, us);
}

/* The linux-base .deb next to a linux-binary-unsigned one, when present. */
static char *sibling_base_deb(const char *deb)
{
	_cleanup_free_ char *dir = xstrndup(deb, kernel_basename(deb) - deb);
	const char *b = kernel_basename(deb);
	char *p;

	if (!str_startswith(b, PKG_IMAGE))
		return NULL;
	p = xasprintf("%s" PKG_BASE "%s", dir, b + strlen(PKG_IMAGE));
	if (!access(p, R_OK))
		return p;
	free(p);
	return NULL;
}

static int import_debs(const char *image_deb, const char *base_deb, const struct kernel_progress *p,
		       char **key_out, char **err)
{
	_cleanup_free_ char *root = NULL, *tmp = NULL, *desc = NULL, *sib = NULL;
	struct deb_found f = { 0 };
	struct kernel_store_req req = { 0 };
	int ret;

	ret = kernel_cache__root(&root);
	if (ret < 0) {
		*err = xstrdup("no cache directory: set KTSTR_CACHE_DIR, XDG_CACHE_HOME or HOME");
		return ret;
	}
	if (!base_deb)
		base_deb = sib = sibling_base_deb(image_deb);
	tmp = xasprintf("%s/.tmp-unpack-%d", root, getpid());
	rm_rf(tmp);
	ret = mkdir_p(tmp, 0755);
	if (ret < 0) {
		*err = xasprintf("%s: %s", tmp, strerror(-ret));
		return ret;
	}
	kernel_say(p, "unpacking %s", kernel_basename(image_deb));
	ret = deb_unpack(image_deb, tmp, false, &f, err);
	if (!ret && base_deb) {
		kernel_say(p, "unpacking %s", kernel_basename(base_deb));
		ret = deb_unpack(base_deb, tmp, false, &f, err);
	}
	if (!ret && !f.image) {
		*err = xasprintf("%s has no usr/lib/modules/*/vmlinuz* or boot/vmlinuz-*", image_deb);
		ret = -ENOENT;
	}
	if (ret < 0)
		goto out;
	desc = deb_desc(image_deb);
	req.image = f.image;
	req.config = f.config;
	req.version = f.version;
	req.source_type = "deb";
	req.source = desc;
	ret = kernel_cache__store(&req, key_out);
	if (ret < 0)
		*err = xasprintf("storing %s in %s: %s", f.version, root, strerror(-ret));
out:
	rm_rf(tmp);
	deb_found__fini(&f);
	return ret;
}

/* A usable deb entry for @version, and remove corrupt ones for it (they get refetched). */
static int cached_deb(const char *version, char **key_out)
{
	struct kernel_cache_entry *v;
	size_t n;
	int ret, found = 0;

	ret = kernel_cache__list(&v, &n);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *prefix = xasprintf("%s-deb-", version);

		if (!str_startswith(v[i].key, prefix))
			continue;
		if (v[i].corrupt) {
			kernel_cache__remove(v[i].key);
		} else if (!found && str_eq(v[i].source_type, "deb")) {
			*key_out = xstrdup(v[i].key);
			found = 1;
		}
	}
	kernel_cache_entries__free(v, n);
	return found;
}

/* The highest-versioned usable deb entry matching @want (NULL: any); 1 when found. */
static int cached_deb_match(const char *want, char **key_out)
{
	struct kernel_cache_entry *v;
	size_t n, best = SIZE_MAX;

	if (kernel_cache__list(&v, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i].corrupt || !str_eq(v[i].source_type, "deb"))
			continue;
		if (want && !kernel__version_matches(v[i].version, want))
			continue;
		if (best == SIZE_MAX || strverscmp(v[i].version, v[best].version) > 0)
			best = i;
	}
	if (best != SIZE_MAX)
		*key_out = xstrdup(v[best].key);
	kernel_cache_entries__free(v, n);
	return best != SIZE_MAX;
}

/* ---- apt with private state -------------------------------------------- */

struct apt_env {
	char *dir;		/* <root>/.apt */
	char *sources;		/* <dir>/sources.list */
	char *lists, *cache;
	char *mirror;
	bool sources_changed;	/* the suites differ from the lists' (an older ktstr's) */
	char **single;		/* versions packaged the trixie way (one linux-image-*-unsigned) */
	size_t nsingle;
};

static void apt_env__fini(struct apt_env *e)
{
	free(e->dir);
	free(e->sources);
	free(e->lists);
	free(e->cache);
	free(e->mirror);
	for (size_t i = 0; i < e->nsingle; i++)
		free(e->single[i]);
	free(e->single);
}

/* The mirror: KTSTR_DEBIAN_MIRROR (a proxy, a local mirror, the offline tests), else the host's. */
static int host_mirror(char **uri, char **signed_by)
{
	const char *env = getenv("KTSTR_DEBIAN_MIRROR");

	*uri = *signed_by = NULL;
	if (env && *env) {
		*uri = xstrdup(env);
		return 0;
	}
	return kernel_apt_mirror("/etc/apt", uri, signed_by);
}

static int apt_env__init(struct apt_env *e, const char *root, char **err)
{
	_cleanup_free_ char *sb = NULL, *line = NULL, *partial = NULL, *old = NULL;
	int ret;

	memset(e, 0, sizeof(*e));
	e->dir = xasprintf("%s/.apt", root);
	e->sources = xasprintf("%s/sources.list", e->dir);
	e->lists = xasprintf("%s/lists", e->dir);
	e->cache = xasprintf("%s/cache", e->dir);
	if (host_mirror(&e->mirror, &sb) < 0) {
		*err = xstrdup("no Debian mirror found in /etc/apt/sources.list.d/*.sources or "
			       "/etc/apt/sources.list; ktstr-kernel fetch needs one");
		return -ENOENT;
	}
	partial = xasprintf("%s/partial", e->lists);
	ret = mkdir_p(partial, 0755);
	free(partial);
	partial = xasprintf("%s/archives/partial", e->cache);
	if (!ret)
		ret = mkdir_p(partial, 0755);
	if (ret < 0) {
		*err = xasprintf("%s: %s", e->dir, strerror(-ret));
		return ret;
	}
	line = sb ? xasprintf("deb [signed-by=%s] %s " DEB_SUITE " main\n"
			      "deb [signed-by=%s] %s " DEB_SUITE2 " main\n", sb, e->mirror, sb, e->mirror)
		  : xasprintf("deb %s " DEB_SUITE " main\ndeb %s " DEB_SUITE2 " main\n",
			      e->mirror, e->mirror);
	e->sources_changed = read_file(e->sources, &old, NULL) < 0 || !str_eq(old, line);
	ret = write_file(e->sources, line, strlen(line));
	if (ret < 0)
		*err = xasprintf("%s: %s", e->sources, strerror(-ret));
	return ret;
}

/* argv for apt-get/apt-cache with the private state; @extra is NULL-terminated. */
static int apt(const struct apt_env *e, const char *tool, const char *const *extra, const char *cwd,
	       const struct kernel_progress *p, char **tail)
{
	_cleanup_free_ char *o1 = xasprintf("Dir::Etc::SourceList=%s", e->sources);
	_cleanup_free_ char *o3 = xasprintf("Dir::State::Lists=%s", e->lists);
	_cleanup_free_ char *o4 = xasprintf("Dir::Cache=%s", e->cache);
	const char *argv[32] = {
		tool, "-q", "-o", o1, "-o", "Dir::Etc::SourceParts=/dev/null",
		"-o", o3, "-o", o4,
		/* root would hand downloads to _apt, which cannot write our dirs */
		"-o", geteuid() ? "APT::Sandbox::User=_apt" : "APT::Sandbox::User=root",
	};
	size_t n = 12;

	for (; extra && *extra && n < ARRAY_SIZE(argv) - 1; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	return kernel_run(argv, cwd, p, tail);
}

/* apt's lists are reused for a day: a cache hit then needs no network at all. */
static bool lists_fresh(const struct apt_env *e)
{
	time_t newest = 0;
	struct dirent *de;
	DIR *d = opendir(e->lists);

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		struct stat st;

		if (!str_endswith(de->d_name, "_InRelease"))
			continue;
		p = xasprintf("%s/%s", e->lists, de->d_name);
		if (!stat(p, &st) && st.st_mtime > newest)
			newest = st.st_mtime;
	}
	if (d)
		closedir(d);
	return newest && time(NULL) - newest < LISTS_MAX_AGE;
}

static char *offline_hint(const char *tail, const char *mirror)
{
	if (tail && (strstr(tail, "Could not resolve") || strstr(tail, "Failed to fetch") ||
		     strstr(tail, "Temporary failure") || strstr(tail, "Unable to connect") ||
		     strstr(tail, "Could not connect")))
		return xasprintf("cannot reach the Debian mirror %s (offline?)", mirror);
	return xasprintf("apt failed:\n%s", tail ? tail : "");
}

static int apt_update(const struct apt_env *e, const struct kernel_progress *p, char **err)
{
	static const char *const args[] = { "--error-on=any", "update", NULL };
	_cleanup_free_ char *tail = NULL;
	int ret;

	kernel_say(p, "updating the package lists of %s " DEB_SUITES, e->mirror);
	ret = apt(e, "apt-get", args, NULL, p, &tail);
	if (ret < 0) {
		*err = xasprintf("cannot run apt-get: %s", strerror(-ret));
		return ret;
	}
	if (ret) {
		*err = offline_hint(tail, e->mirror);
		return -EHOSTUNREACH;
	}
	return 0;
}

static int ver_cmp_desc(const void *a, const void *b)
{
	return strverscmp(*(char *const *)b, *(char *const *)a);
}

struct collected {
	char **v;
	size_t n;
	struct apt_env *e;
};

static bool str_in(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (str_eq(v[i], s))
			return true;
	return false;
}

/*
 * Collect "<v>" from apt-cache search lines "linux-binary-unsigned-<v>-cloud-amd64 - ..."
 * and "linux-image-<v>-cloud-amd64-unsigned - ..." (noting the latter's packaging).
 */
static void collect_line(void *ctx, const char *line)
{
	struct collected *c = ctx;
	size_t len = strcspn(line, " "), fl = strlen(DEB_FLAVOUR);
	_cleanup_free_ char *v = NULL;
	bool single = false;

	if (str_startswith(line, PKG_IMAGE) && len > strlen(PKG_IMAGE) + fl &&
	    !strncmp(line + len - fl, DEB_FLAVOUR, fl)) {
		v = xstrndup(line + strlen(PKG_IMAGE), len - strlen(PKG_IMAGE));
	} else if (str_startswith(line, PKG_IMAGE_OLD) &&
		   len > strlen(PKG_IMAGE_OLD) + fl + strlen(PKG_UNSIGNED) &&
		   !strncmp(line + len - fl - strlen(PKG_UNSIGNED), DEB_FLAVOUR PKG_UNSIGNED,
			    fl + strlen(PKG_UNSIGNED)) &&
		   isdigit((unsigned char)line[strlen(PKG_IMAGE_OLD)])) {
		v = xstrndup(line + strlen(PKG_IMAGE_OLD),
			     len - strlen(PKG_IMAGE_OLD) - strlen(PKG_UNSIGNED));
		single = true;
	}
	if (!v || str_in(c->v, c->n, v))
		return;
	if (single) {
		char **s = array_push(&c->e->single, &c->e->nsingle, sizeof(char *));

		*s = xstrdup(v);
	}
	*(char **)array_push(&c->v, &c->n, sizeof(char *)) = TAKE_PTR(v);
}

static int apt_versions(struct apt_env *e, char ***out, size_t *n, char **err)
{
	static const char *const args[] = {
		"search", "--names-only",
		"^(" PKG_IMAGE ".*" DEB_FLAVOUR "|" PKG_IMAGE_OLD "[0-9].*" DEB_FLAVOUR PKG_UNSIGNED ")$",
		NULL
	};
	struct collected c = { .e = e };
	struct kernel_progress p = { .line = collect_line, .ctx = &c };
	int ret;

	ret = apt(e, "apt-cache", args, NULL, &p, NULL);
	if (ret) {
		*err = xasprintf("apt-cache search failed (%d)", ret);
		for (size_t i = 0; i < c.n; i++)
			free(c.v[i]);
		free(c.v);
		return ret < 0 ? ret : -EIO;
	}
	if (c.n)
		qsort(c.v, c.n, sizeof(char *), ver_cmp_desc);
	*out = c.v;
	*n = c.n;
	return 0;
}

/*
 * Private apt state ready, lists updated when stale (or @refresh), and the
 * versions on offer in *v (*n of them). Lists that name no kernel (say, made for
 * another mirror) are updated once before believing them.
 */
static int apt_prepare(struct apt_env *e, bool refresh, const struct kernel_progress *p,
		       char ***v, size_t *n, char **err)
{
	_cleanup_free_ char *root = NULL;
	bool updated = false;
	int ret;

	*v = NULL;
	*n = 0;
	ret = kernel_cache__root(&root);
	if (ret < 0) {
		*err = xstrdup("no cache directory: set KTSTR_CACHE_DIR, XDG_CACHE_HOME or HOME");
		return ret;
	}
	ret = apt_env__init(e, root, err);
	if (ret < 0)
		return ret;
	if (refresh || e->sources_changed || !lists_fresh(e)) {
		ret = apt_update(e, p, err);
		if (ret < 0)
			return ret;
		updated = true;
	}
	ret = apt_versions(e, v, n, err);
	if (ret < 0 || *n || updated)
		return ret;
	free(*v);
	*v = NULL;
	ret = apt_update(e, p, err);
	return ret < 0 ? ret : apt_versions(e, v, n, err);
}

int kernel__deb_versions(const struct kernel_progress *p, char ***out, size_t *n, char **err)
{
	struct apt_env e;
	int lock, ret;

	*err = NULL;
	lock = kernel_cache__lock("apt");
	if (lock < 0) {
		*err = xasprintf("cache lock: %s", strerror(-lock));
		return lock;
	}
	ret = apt_prepare(&e, false, p, out, n, err);
	apt_env__fini(&e);
	close(lock);
	return ret;
}

/* "7.3.4" or "7.3" or "7.3.4+deb13-cloud-amd64" -> the newest matching full version. */
static const char *pick_version(char **v, size_t n, const char *want)
{
	/* v is sorted newest first */
	for (size_t i = 0; i < n; i++)
		if (!want || kernel__version_matches(v[i], want))
			return v[i];
	return NULL;
}

static char *join_versions(char **v, size_t n)
{
	char *s = xstrdup("");

	for (size_t i = 0; i < n && i < 8; i++) {
		char *t = xasprintf("%s%s%.*s", s, i ? ", " : "", (int)strcspn(v[i], "+"), v[i]);

		free(s);
		s = t;
	}
	return s;
}

/* The first file in @dir named <prefix>*<infix>*, as a path; NULL if none. */
static char *find_in_dir(const char *dir, const char *prefix, const char *infix)
{
	struct dirent *de;
	char *found = NULL;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d)) && !found)
		if (str_startswith(de->d_name, prefix) && strstr(de->d_name + strlen(prefix), infix))
			found = xasprintf("%s/%s", dir, de->d_name);
	if (d)
		closedir(d);
	return found;
}

/* `apt-get download PKGS` into @dir; offline and apt failures explained in *err. */
static int apt_download(const struct apt_env *e, const char *const *pkgs, const char *dir,
			const struct kernel_progress *p, char **err)
{
	const char *args[8] = { "download" };
	_cleanup_free_ char *tail = NULL;
	size_t n = 1;
	int ret;

	for (; *pkgs && n < ARRAY_SIZE(args) - 1; pkgs++)
		args[n++] = *pkgs;
	args[n] = NULL;
	ret = apt(e, "apt-get", args, dir, p, &tail);
	if (!ret)
		return 0;
	*err = ret < 0 ? xasprintf("cannot run apt-get: %s", strerror(-ret)) : offline_hint(tail, e->mirror);
	return -EHOSTUNREACH;
}

/* Download both packages into a private dir, then import them. */
static int apt_fetch(const struct apt_env *e, const char *full, const struct kernel_progress *p,
		     char **key_out, char **err)
{
	_cleanup_free_ char *root = NULL, *dir = NULL, *img = NULL, *base = NULL;
	bool single = str_in(e->single, e->nsingle, full);
	_cleanup_free_ char *pi = single ? xasprintf(PKG_IMAGE_OLD "%s" PKG_UNSIGNED, full)
					 : xasprintf(PKG_IMAGE "%s", full);
	_cleanup_free_ char *pb = single ? NULL : xasprintf(PKG_BASE "%s", full);
	const char *pkgs[] = { pi, pb, NULL };
	int ret;

	kernel_cache__root(&root);
	dir = xasprintf("%s/.tmp-debs-%d", root, getpid());
	rm_rf(dir);
	ret = mkdir_p(dir, 0755);
	if (ret < 0) {
		*err = xasprintf("%s: %s", dir, strerror(-ret));
		return ret;
	}
	if (pb)
		kernel_say(p, "downloading %s and %s", pi, pb);
	else
		kernel_say(p, "downloading %s", pi);
	ret = apt_download(e, pkgs, dir, p, err);
	if (ret < 0)
		goto out;
	img = find_in_dir(dir, single ? PKG_IMAGE_OLD : PKG_IMAGE, ".deb");
	base = pb ? find_in_dir(dir, PKG_BASE, ".deb") : NULL;
	if (!img) {
		*err = xasprintf("apt-get download left no %s*.deb in %s", pi, dir);
		ret = -ENOENT;
		goto out;
	}
	ret = import_debs(img, base, p, key_out, err);
out:
	rm_rf(dir);
	return ret;
}

int kernel__fetch_deb(const struct kernel_fetch_opts *o, char **key_out, bool *hit, char **err)
{
	_cleanup_free_ char *lockname = NULL, *want = NULL;
	struct apt_env e = { 0 };
	char **v = NULL;
	size_t n = 0;
	const char *full;
	int lock = -1, vlock = -1, ret;

	*err = NULL;
	*hit = false;
	if (o->from_deb) {
		/* test hook and offline import: the version comes from the package name */
		const char *b = kernel_basename(o->from_deb);

		if (str_startswith(b, PKG_IMAGE))
			want = xstrndup(b + strlen(PKG_IMAGE), strcspn(b + strlen(PKG_IMAGE), "_"));
		else if (str_startswith(b, PKG_IMAGE_OLD) && strstr(b, PKG_UNSIGNED "_"))
			want = xstrndup(b + strlen(PKG_IMAGE_OLD),
					strstr(b, PKG_UNSIGNED "_") - b - strlen(PKG_IMAGE_OLD));
		lockname = xasprintf("fetch-deb-%s", want ? want : b);
		lock = kernel_cache__lock(lockname);
		if (lock < 0) {
			*err = xasprintf("cache lock: %s", strerror(-lock));
			return lock;
		}
		if (want && !o->force && cached_deb(want, key_out) > 0) {
			*hit = true;
			ret = 0;
		} else {
			ret = import_debs(o->from_deb, o->from_base_deb, &o->progress, key_out, err);
		}
		close(lock);
		return ret;
	}

	/* a named version already cached needs no network at all */
	if (o->version && !o->force && !o->refresh && cached_deb_match(o->version, key_out)) {
		*hit = true;
		return 0;
	}
	lock = kernel_cache__lock("apt");
	if (lock < 0) {
		*err = xasprintf("cache lock: %s", strerror(-lock));
		return lock;
	}
	ret = apt_prepare(&e, o->refresh, &o->progress, &v, &n, err);
	if (ret == -EHOSTUNREACH && !o->force && cached_deb_match(o->version, key_out)) {
		/* offline, but a kernel is cached: the quick start keeps working */
		kernel_say(&o->progress, "%s; using the cached %s", *err, *key_out);
		free(*err);
		*err = NULL;
		*hit = true;
		ret = 0;
		goto out;
	}
	if (ret < 0)
		goto out;
	full = pick_version(v, n, o->version);
	if (!full) {
		_cleanup_free_ char *avail = join_versions(v, n);

		*err = o->version ? xasprintf("kernel %s is not available from %s " DEB_SUITES
					      "; available: %s", o->version, e.mirror, avail)
				  : xasprintf("no " PKG_IMAGE "*" DEB_FLAVOUR " package in %s " DEB_SUITES,
					      e.mirror);
		ret = -ENOENT;
		goto out;
	}
	/* the apt lock stays held: apt's private state is not safe to share */
	lockname = xasprintf("fetch-deb-%s", full);
	vlock = kernel_cache__lock(lockname);
	if (vlock < 0) {
		*err = xasprintf("cache lock: %s", strerror(-vlock));
		ret = vlock;
		goto out;
	}
	if (!o->force && cached_deb(full, key_out) > 0) {
		*hit = true;
		ret = 0;
		goto record;
	}
	ret = apt_fetch(&e, full, &o->progress, key_out, err);
record:
	/* a bare fetch gets the default release: runs without --kernel boot it */
	if (!ret && !o->version && (ret = kernel_cache__set_default(*key_out)) < 0)
		*err = xasprintf("recording %s as the default release: %s", *key_out,
				 write_error_str(ret));
out:
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	apt_env__fini(&e);
	if (vlock >= 0)
		close(vlock);
	if (lock >= 0)
		close(lock);
	return ret;
}

int kernel__fetch_deb_source(const char *series, bool refresh, const struct kernel_progress *p,
			     char **tarball, char **err)
{
	_cleanup_free_ char *root = NULL, *dir = NULL, *work = NULL, *pkg = NULL, *dest = NULL;
	_cleanup_free_ char *deb = NULL, *tb = NULL, *usr_src = NULL;
	struct apt_env e = { 0 };
	const char *pkgs[2] = { NULL, NULL };
	char **vers = NULL;
	size_t nvers = 0;
	int lock, ret;

	*err = NULL;
	ret = kernel_cache__root(&root);
	if (ret < 0) {
		*err = xstrdup("no cache directory: set KTSTR_CACHE_DIR, XDG_CACHE_HOME or HOME");
		return ret;
	}
	pkg = xasprintf("linux-source-%s", series);
	pkgs[0] = pkg;
	dir = xasprintf("%s/.sources", root);
	dest = xasprintf("%s/%s.tar.xz", dir, pkg);
	if (!refresh && !access(dest, R_OK)) {
		kernel_say(p, "%s already downloaded", kernel_basename(dest));
		*tarball = TAKE_PTR(dest);
		return 0;
	}
	lock = kernel_cache__lock("apt");
	if (lock < 0) {
		*err = xasprintf("cache lock: %s", strerror(-lock));
		return lock;
	}
	ret = apt_prepare(&e, refresh, p, &vers, &nvers, err);
	for (size_t i = 0; i < nvers; i++)
		free(vers[i]);
	free(vers);
	if (ret < 0)
		goto out;
	work = xasprintf("%s/.tmp-src-%d", dir, getpid());
	rm_rf(work);
	ret = mkdir_p(work, 0755);
	if (ret < 0) {
		*err = xasprintf("%s: %s", work, strerror(-ret));
		goto out;
	}
	kernel_say(p, "downloading %s", pkg);
	ret = apt_download(&e, pkgs, work, p, err);
	if (ret < 0)
		goto out;
	deb = find_in_dir(work, pkg, ".deb");
	if (!deb) {
		*err = xasprintf("apt-get download left no %s*.deb", pkg);
		ret = -ENOENT;
		goto out;
	}
	kernel_say(p, "unpacking %s", kernel_basename(deb));
	ret = deb_unpack(deb, work, false, NULL, err);
	if (ret < 0)
		goto out;
	usr_src = xasprintf("%s/usr/src", work);
	tb = find_in_dir(usr_src, "linux-source-", ".tar.");
	if (!tb) {
		*err = xasprintf("%s has no usr/src/linux-source-*.tar.*", deb);
		ret = -ENOENT;
		goto out;
	}
	if (rename(tb, dest) < 0) {
		ret = -errno;
		*err = xasprintf("%s: %s", dest, strerror(errno));
		goto out;
	}
	*tarball = TAKE_PTR(dest);
out:
	if (work)
		rm_rf(work);
	apt_env__fini(&e);
	close(lock);
	return ret;
}
