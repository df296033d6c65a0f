// SPDX-License-Identifier: GPL-2.0-only
/* The content-keyed kernel cache: one verified directory per entry, stored atomically under a lock. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "kernel/internal.h"
#include "kernel/kernel.h"

#define META_VERSION 1

int kernel_cache__root(char **out)
{
	const char *d = getenv("KTSTR_CACHE_DIR");
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	if (d && *d)
		*out = xstrdup(d);
	else if (xdg && *xdg)
		*out = xasprintf("%s/ktstr/kernels", xdg);
	else if (home && *home)
		*out = xasprintf("%s/.cache/ktstr/kernels", home);
	else
		return -ENOENT;
	return 0;
}

int kernel_cache__lock(const char *name)
{
	_cleanup_free_ char *root = NULL, *dir = NULL, *path = NULL;
	int fd, ret;

	ret = kernel_cache__root(&root);
	if (ret < 0)
		return ret;
	dir = xasprintf("%s/.locks", root);
	ret = mkdir_p(dir, 0755);
	if (ret < 0)
		return ret;
	path = xasprintf("%s/%s.lock", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			ret = -errno;
			close(fd);
			return ret;
		}
	}
	return fd;
}

void kernel_cache_entry__fini(struct kernel_cache_entry *e)
{
	if (!e)
		return;
	free(e->key);
	free(e->dir);
	free(e->image);
	free(e->config);
	free(e->version);
	free(e->source);
	free(e->source_type);
	free(e->config_hash);
	free(e->sha256);
	free(e->date);
	free(e->corrupt);
	memset(e, 0, sizeof(*e));
}

void kernel_cache_entries__free(struct kernel_cache_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kernel_cache_entry__fini(&v[i]);
	free(v);
}

/*
 * Images already hashed by this process, by identity (path, inode, size,
 * mtime): ktstr-run resolves a kernel per test, and rehashing an unchanged
 * 14 MiB image each time is waste. A changed file has a new identity.
 */
struct verified {
	char *path;
	char sha[65];
	ino_t ino;
	off_t size;
	struct timespec mtime;
};
static struct verified *verified;
static size_t nverified;
static pthread_mutex_t verified_lock = PTHREAD_MUTEX_INITIALIZER;

static bool same_file(const struct verified *v, const char *path, const struct stat *st)
{
	return str_eq(v->path, path) && v->ino == st->st_ino && v->size == st->st_size &&
	       v->mtime.tv_sec == st->st_mtim.tv_sec && v->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

int kernel_sha256_memo(const char *path, const struct stat *st, char sum[65])
{
	struct verified *v;
	int ret;

	pthread_mutex_lock(&verified_lock);
	for (size_t i = 0; i < nverified; i++) {
		if (same_file(&verified[i], path, st)) {
			memcpy(sum, verified[i].sha, 65);
			pthread_mutex_unlock(&verified_lock);
			return 0;
		}
	}
	pthread_mutex_unlock(&verified_lock);
	ret = kernel__sha256_file(path, sum);
	if (ret < 0)
		return ret;
	pthread_mutex_lock(&verified_lock);
	if (nverified < 64) {
		v = array_push(&verified, &nverified, sizeof(*verified));
		v->path = xstrdup(path);
		memcpy(v->sha, sum, 65);
		v->ino = st->st_ino;
		v->size = st->st_size;
		v->mtime = st->st_mtim;
	}
	pthread_mutex_unlock(&verified_lock);
	return 0;
}

int kernel__sha256_memo(const char *path, char out[65])
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	return kernel_sha256_memo(path, &st, out);
}

/*
 * Built entries (not distribution kernels) carry the crc32 of the
 * ktstr.kconfig they were configured with; a different current fragment
 * makes them stale: usable, but `build` would produce another kernel.
 */
static char cur_kconfig_hash[9];

static void kconfig_hash_init(void)
{
	if (kernel_crc32_file(kernel__kconfig_path(), cur_kconfig_hash) < 0)
		cur_kconfig_hash[0] = '\0';
}

static bool kconfig_stale(const char *type, const char *hash)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	if (!type || str_eq(type, "deb") || !hash)
		return false;
	pthread_once(&once, kconfig_hash_init);
	return cur_kconfig_hash[0] && !str_eq(hash, cur_kconfig_hash);
}

static char *json_str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? xstrdup(s) : NULL;
}

/* metadata.json is ~600 bytes; a file this big is not one and is not read whole */
#define META_MAX (64 << 10)

void kernel_cache__parse_meta(const char *buf, size_t len, struct kernel_cache_entry *e)
{
	json_error_t jerr;
	json_t *j, *src;

	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j || !json_is_object(j)) {
		e->corrupt = j ? xstrdup("metadata unreadable: not a JSON object")
			       : xasprintf("metadata unreadable: line %d: %s", jerr.line, jerr.text);
		json_decref(j);
		return;
	}
	e->version = json_str(j, "version");
	src = json_object_get(j, "source");
	e->source_type = json_str(src, "type");
	e->source = json_str(src, "desc");
	e->config_hash = json_str(j, "config_hash");
	e->sha256 = json_str(j, "image_sha256");
	e->date = json_str(j, "built_at");
	e->built = json_integer_value(json_object_get(j, "built_epoch"));
	if (json_integer_value(json_object_get(j, "image_size")) > 0)
		e->size = json_integer_value(json_object_get(j, "image_size"));
	e->sched_ext = json_is_true(json_object_get(j, "sched_ext"));
	e->btf = json_is_true(json_object_get(j, "btf"));
	e->stale_kconfig = kconfig_stale(e->source_type,
					 json_string_value(json_object_get(j, "ktstr_kconfig_hash")));
	if (json_is_true(json_object_get(j, "has_config")))
		e->config = xasprintf("%s/config", e->dir);
	json_decref(j);

	if (!e->version || !*e->version || !e->sha256 || !e->size || !e->source_type)
		e->corrupt = xstrdup("metadata incomplete");
}

/*
 * Load and verify an entry directory. Problems do not fail the call: they
 * land in e->corrupt so that list can show them and fetch can replace them.
 */
static void entry_load(const char *root, const char *key, struct kernel_cache_entry *e)
{
	_cleanup_free_ char *meta = NULL, *buf = NULL;
	struct stat st;
	size_t len;
	char sum[65];
	int ret;

	memset(e, 0, sizeof(*e));
	e->key = xstrdup(key);
	e->dir = xasprintf("%s/%s", root, key);
	e->image = xasprintf("%s/bzImage", e->dir);
	meta = xasprintf("%s/metadata.json", e->dir);
	if (stat(meta, &st) < 0) {
		e->corrupt = xasprintf("metadata %s", errno == ENOENT ? "missing" : strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > META_MAX) {
		e->corrupt = xasprintf("metadata unreadable: not a file of at most %d bytes", META_MAX);
		return;
	}
	ret = read_file(meta, &buf, &len);
	if (ret < 0) {
		e->corrupt = xasprintf("metadata unreadable: %s", strerror(-ret));
		return;
	}
	kernel_cache__parse_meta(buf, len, e);
	if (e->corrupt)
		return;
	if (stat(e->image, &st) < 0) {
		e->corrupt = xstrdup("image missing");
		return;
	}
	if ((uint64_t)st.st_size != e->size) {
		e->corrupt = xasprintf("image truncated: %llu of %llu bytes",
				       (unsigned long long)st.st_size, (unsigned long long)e->size);
		return;
	}
	if (kernel_sha256_memo(e->image, &st, sum) < 0 || !str_eq(sum, e->sha256)) {
		e->corrupt = xstrdup("image checksum mismatch");
		return;
	}
	if (e->config && access(e->config, R_OK) < 0)
		e->corrupt = xstrdup("config missing");
}

int kernel_cache__get(const char *key, struct kernel_cache_entry *out)
{
	_cleanup_free_ char *root = NULL, *dir = NULL;
	struct stat st;
	int ret;

	if (!key || !*key || strchr(key, '/') || key[0] == '.')
		return -EINVAL;
	ret = kernel_cache__root(&root);
	if (ret < 0)
		return ret;
	dir = xasprintf("%s/%s", root, key);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return -ENOENT;
	entry_load(root, key, out);
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct kernel_cache_entry *x = a, *y = b;

	if (x->built != y->built)
		return x->built < y->built ? 1 : -1;
	/* same second: the higher version first, then by key */
	if (x->version && y->version && strverscmp(x->version, y->version))
		return strverscmp(y->version, x->version);
	return strcmp(x->key, y->key);
}

/*
 * With KTSTR_CACHE_DIR the initramfs and PVH vmlinux caches are
 * subdirectories of the kernel cache's root (initramfs__cache_dir(),
 * qemu__pvh_cache_dir()): they are not entries, corrupt or otherwise.
 */
static bool sibling_cache(const char *name)
{
	return str_eq(name, "initramfs") || str_eq(name, "vmlinux");
}

int kernel_cache__list(struct kernel_cache_entry **out, size_t *n)
{
	_cleanup_free_ char *root = NULL;
	struct kernel_cache_entry *v = NULL;
	struct dirent *de;
	size_t cnt = 0;
	DIR *d;
	int ret;

	*out = NULL;
	*n = 0;
	ret = kernel_cache__root(&root);
	if (ret < 0)
		return ret;
	d = opendir(root);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		struct kernel_cache_entry *e;

		/* dot names: ".", "..", ".locks", ".tmp-*", ".apt" are not entries */
		if (de->d_name[0] == '.' || sibling_cache(de->d_name))
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		e = array_push(&v, &cnt, sizeof(*v));
		entry_load(root, de->d_name, e);
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), entry_cmp);
	*out = v;
	*n = cnt;
	return 0;
}

bool kernel__version_matches(const char *version, const char *sel)
{
	size_t l = strlen(sel);

	if (!version || strncmp(version, sel, l))
		return false;
	return !version[l] || version[l] == '+' || version[l] == '-' || version[l] == '.';
}

/* The next dot-separated number of *s (0 once the numbers end), advancing *s. */
static unsigned long version_part(const char **s)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)**s))
		return 0;
	v = strtoul(*s, &end, 10);
	*s = *end == '.' ? end + 1 : "";
	return v;
}

/* Compare the x.y.z numbers @a and @b begin with (a missing part is 0): <0, 0, >0. */
static int version_cmp(const char *a, const char *b)
{
	for (int i = 0; i < 3; i++) {
		unsigned long x = version_part(&a), y = version_part(&b);

		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

bool kernel__version_below(const char *version, const char *min)
{
	if (!version || !isdigit((unsigned char)*version))
		return false;
	return version_cmp(version, min) < 0;
}

/*
 * How well an entry answers @sel (lower is better, -1: not at all): an
 * exact key, then a version match (the highest version among equals); with
 * no selector, sched_ext first (the newest among equals). An
 * entry built with another ktstr.kconfig ranks after the current ones.
 */
static int find_rank(const struct kernel_cache_entry *e, const char *sel)
{
	if (e->corrupt)
		return -1;
	if (sel && str_eq(e->key, sel))
		return 0;
	if (sel)
		return kernel__version_matches(e->version, sel) ? 1 + e->stale_kconfig : -1;
	return (e->stale_kconfig ? 2 : 0) + !e->sched_ext;
}

/* find_rank() for a corrupt entry: what it would answer were it intact (its key, or its version when readable). */
static int corrupt_rank(const struct kernel_cache_entry *e, const char *sel)
{
	if (!e->corrupt)
		return -1;
	if (!sel)
		return 0;
	if (str_eq(e->key, sel))
		return 0;
	return kernel__version_matches(e->version, sel) ? 1 : -1;
}

static int find(const char *sel, bool corrupt, struct kernel_cache_entry *out)
{
	struct kernel_cache_entry *v;
	size_t n, pick = SIZE_MAX;
	int ret, best = INT_MAX;

	ret = kernel_cache__list(&v, &n);
	if (ret < 0)
		return ret;
	/* the list is newest first: the first of the best rank wins */
	for (size_t i = 0; i < n; i++) {
		int r = corrupt ? corrupt_rank(&v[i], sel) : find_rank(&v[i], sel);

		if (r >= 0 && r < best) {
			best = r;
			pick = i;
		} else if (r == best && sel && r > 0 &&
			   strverscmp(v[i].version, v[pick].version) > 0) {
			/* "7.2" means the highest 7.2.x, whenever it was fetched */
			pick = i;
		}
	}
	if (pick != SIZE_MAX) {
		*out = v[pick];
		memset(&v[pick], 0, sizeof(v[pick]));
	}
	kernel_cache_entries__free(v, n);
	return pick == SIZE_MAX ? -ENOENT : 0;
}

int kernel_cache__find(const char *sel, struct kernel_cache_entry *out)
{
	return find(sel, false, out);
}

#define DEFAULT_MARK ".default"

int kernel_cache__set_default(const char *key)
{
	_cleanup_free_ char *root = NULL, *path = NULL, *text = NULL;
	int ret = kernel_cache__root(&root);

	if (ret < 0)
		return ret;
	path = xasprintf("%s/" DEFAULT_MARK, root);
	text = xasprintf("%s\n", key);
	return write_file_atomic(path, text, strlen(text));
}

/* The key in <root>/.default, or NULL when there is none. */
static char *default_key(void)
{
	_cleanup_free_ char *root = NULL, *path = NULL, *buf = NULL;
	size_t len;

	if (kernel_cache__root(&root) < 0)
		return NULL;
	path = xasprintf("%s/" DEFAULT_MARK, root);
	if (read_file(path, &buf, &len) < 0)
		return NULL;
	buf[strcspn(buf, "\n")] = '\0';
	return *buf ? xstrdup(buf) : NULL;
}

/*
 * No selector: among the entries of the best find_rank(), the default
 * release (what a bare `ktstr-kernel fetch` last stored or found), else the
 * highest version, the newest built among equal versions. Not the newest
 * fetched: fetching an older kernel to try it must not change later runs.
 */
int kernel_cache__find_default(struct kernel_cache_entry *out, char **why)
{
	_cleanup_free_ char *def = default_key();
	struct kernel_cache_entry *v, d = { 0 };
	size_t n, pick = SIZE_MAX;
	int ret, best = INT_MAX;
	bool is_def = false;

	ret = kernel_cache__list(&v, &n);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n; i++) {
		int r = find_rank(&v[i], NULL);

		if (r < 0 || r > best)
			continue;
		if (r < best || (def && str_eq(v[i].key, def)) ||
		    (!is_def && version_cmp(v[i].version, v[pick].version) > 0)) {
			/* the list is newest first: an equal version keeps the newer */
			is_def = def && str_eq(v[i].key, def);
			best = r;
			pick = i;
		}
	}
	if (pick == SIZE_MAX) {
		kernel_cache_entries__free(v, n);
		return -ENOENT;
	}
	*out = v[pick];
	memset(&v[pick], 0, sizeof(v[pick]));
	kernel_cache_entries__free(v, n);
	if (is_def)
		*why = xstrdup("the default release, cached");
	else if (!def)
		*why = xasprintf("the highest %sversion cached", out->sched_ext ? "sched_ext " : "");
	else
		*why = xasprintf("the highest %sversion cached; the default release %s is %s",
				 out->sched_ext ? "sched_ext " : "", def,
				 kernel_cache__get(def, &d) ? "not cached" : "passed over");
	kernel_cache_entry__fini(&d);
	return 0;
}

int kernel_cache__find_corrupt(const char *sel, struct kernel_cache_entry *out)
{
	return find(sel, true, out);
}

int kernel_cache__remove(const char *key)
{
	_cleanup_free_ char *root = NULL, *dir = NULL, *trash = NULL;
	int lock, ret;

	if (!key || !*key || strchr(key, '/') || key[0] == '.')
		return -EINVAL;
	ret = kernel_cache__root(&root);
	if (ret < 0)
		return ret;
	lock = kernel_cache__lock(key);
	if (lock < 0)
		return lock;
	dir = xasprintf("%s/%s", root, key);
	trash = xasprintf("%s/.trash-%s-%d", root, key, getpid());
	/* rename first so that nobody sees a half-deleted entry */
	if (rename(dir, trash) < 0)
		ret = -errno;
	else
		ret = rm_rf(trash);
	close(lock);
	return ret;
}

int kernel_cache__clean(unsigned keep, unsigned *removed)
{
	struct kernel_cache_entry *v;
	unsigned kept = 0, rm = 0;
	size_t n;
	int ret, err = 0;

	ret = kernel_cache__list(&v, &n);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n; i++) {
		if (!v[i].corrupt && kept < keep) {
			kept++;
			continue;
		}
		ret = kernel_cache__remove(v[i].key);
		if (ret < 0)
			err = ret;
		else
			rm++;
	}
	kernel_cache_entries__free(v, n);
	if (removed)
		*removed = rm;
	return err;
}

int kernel_cache__clean_derived(unsigned *removed)
{
	static const char *const beside[] = { KERNEL_DERIVED_BTF, KERNEL_DERIVED_KSYMS };
	static const char *const dirs[] = { ".derived", ".ikconfig", ".snapshots" };
	_cleanup_free_ char *root = NULL;
	struct kernel_cache_entry *v;
	unsigned rm = 0;
	size_t n;
	int ret, err = 0;

	ret = kernel_cache__root(&root);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", root, dirs[i]);

		if (access(p, F_OK))
			continue;
		ret = rm_rf(p);
		if (ret < 0)
			err = ret;
		else
			rm++;
	}
	ret = kernel_cache__list(&v, &n);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n; i++) {
		for (size_t b = 0; b < ARRAY_SIZE(beside); b++) {
			_cleanup_free_ char *p = xasprintf("%s/%s", v[i].dir, beside[b]);
			bool had = !access(p, F_OK);

			ret = kernel_derived__remove(p);
			if (ret < 0)
				err = ret;
			else
				rm += had;
		}
	}
	kernel_cache_entries__free(v, n);
	if (removed)
		*removed = rm;
	return err;
}

/* Temporary dirs (".tmp-*-<pid>", ".trash-*-<pid>", ".untar-<pid>") whose process is gone. */
static unsigned sweep_dead_tmp(const char *dir)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		const char *dash = strrchr(de->d_name, '-');
		_cleanup_free_ char *p = NULL;
		char *end;
		long pid;

		if (!str_startswith(de->d_name, ".tmp-") && !str_startswith(de->d_name, ".trash-") &&
		    !str_startswith(de->d_name, ".untar-"))
			continue;
		if (!dash)
			continue;
		pid = strtol(dash + 1, &end, 10);
		if (*end || pid <= 0 || kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (!rm_rf(p))
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

int kernel_cache__sweep(bool downloads, unsigned *removed)
{
	_cleanup_free_ char *root = NULL, *src = NULL, *apt = NULL;
	unsigned n;
	int ret, lock;

	ret = kernel_cache__root(&root);
	if (ret < 0)
		return ret;
	src = xasprintf("%s/.sources", root);
	n = sweep_dead_tmp(root) + sweep_dead_tmp(src);
	if (downloads) {
		/* the apt lock keeps a running fetch's state and sources intact */
		lock = kernel_cache__lock("apt");
		if (lock < 0)
			return lock;
		apt = xasprintf("%s/.apt", root);
		ret = rm_rf(src);
		if (!ret)
			ret = rm_rf(apt);
		close(lock);
		n += !ret;
	}
	if (removed)
		*removed = n;
	return ret;
}

struct kernel_image *kernel_cache_entry__image(const struct kernel_cache_entry *e, const char *why)
{
	struct kernel_image *k = xcalloc(1, sizeof(*k));

	k->image = xstrdup(e->image);
	k->version = xstrdup(e->version);
	k->config = xstrdup(e->config);
	k->key = xstrdup(e->key);
	k->source = xstrdup("cache");
	k->why = xstrdup(why);
	k->sched_ext = e->sched_ext;
	k->btf = e->btf;
	k->config_known = e->config != NULL;
	return k;
}

static int fsync_dir(const char *dir)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return fsync(fd) < 0 ? -errno : 0;
}

static int write_metadata(const char *dir, const struct kernel_store_req *r, const char *version,
			  const char *cfghash, const char *kchash)
{
	_cleanup_free_ char *img = xasprintf("%s/bzImage", dir);
	_cleanup_free_ char *cfg = xasprintf("%s/config", dir);
	_cleanup_free_ char *meta = xasprintf("%s/metadata.json", dir);
	bool sx = false, btf = false;
	char sum[65], date[32];
	time_t now = time(NULL);
	struct stat st;
	json_t *j;
	int ret;

	ret = kernel__sha256_file(img, sum);
	if (ret < 0)
		return ret;
	if (stat(img, &st) < 0)
		return -errno;
	if (r->config)
		kernel__config_flags(cfg, &sx, &btf);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	j = json_pack("{s:i, s:s, s:{s:s, s:s}, s:s, s:s, s:b, s:b, s:b, s:s, s:s, s:I, s:s, s:I}",
		      "schema", META_VERSION,
		      "version", version,
		      "source", "type", r->source_type, "desc", r->source ? r->source : "",
		      "arch", "x86_64",
		      "config_hash", cfghash,
		      "has_config", r->config != NULL,
		      "sched_ext", sx, "btf", btf,
		      "ktstr_kconfig_hash", kchash,
		      "image_sha256", sum,
		      "image_size", (json_int_t)st.st_size,
		      "built_at", date,
		      "built_epoch", (json_int_t)now);
	if (!j)
		return -ENOMEM;
	ret = json_dump_file(j, meta, JSON_INDENT(2) | JSON_SORT_KEYS) ? -EIO : 0;
	json_decref(j);
	if (!ret) {
		_cleanup_close_ int fd = open(meta, O_RDONLY | O_CLOEXEC);

		if (fd >= 0)
			fsync(fd);
	}
	return ret;
}

/* Test hook: KTSTR_TEST_STORE_DELAY_MS widens the race window the lock has to close. */
static void test_delay(void)
{
	const char *d = getenv("KTSTR_TEST_STORE_DELAY_MS");
	unsigned long ms = d ? strtoul(d, NULL, 10) : 0;

	if (ms && ms < 60000)
		usleep(ms * 1000);
}

int kernel_cache__store(const struct kernel_store_req *r, char **key_out)
{
	_cleanup_free_ char *root = NULL, *version = NULL, *key = NULL, *tmp = NULL;
	_cleanup_free_ char *dst = NULL, *p = NULL, *trash = NULL;
	struct kernel_cache_entry cur;
	char cfghash[9], kchash[9];
	int lock, ret;

	ret = kernel_cache__root(&root);
	if (ret < 0)
		return ret;
	ret = mkdir_p(root, 0755);
	if (ret < 0)
		return ret;
	if (r->version)
		version = xstrdup(r->version);
	else if ((ret = kernel__image_version(r->image, &version)) < 0)
		return ret;
	ret = kernel_crc32_file(r->config, cfghash);
	if (ret < 0)
		return ret;
	if (kernel_crc32_file(kernel__kconfig_path(), kchash) < 0)
		snprintf(kchash, sizeof(kchash), "none");
	key = r->key ? xstrdup(r->key) : xasprintf("%s-%s-%s", version, r->source_type, cfghash);
	for (char *s = key; *s; s++)
		if (*s == '/' || *s == ' ')
			*s = '_';

	lock = kernel_cache__lock(key);
	if (lock < 0)
		return lock;
	dst = xasprintf("%s/%s", root, key);
	ret = kernel_cache__get(key, &cur);
	if (!ret && !cur.corrupt) {
		/* someone stored it first (or it was there): keep theirs */
		kernel_cache_entry__fini(&cur);
		goto done;
	}
	if (!ret)
		kernel_cache_entry__fini(&cur);

	tmp = xasprintf("%s/.tmp-%s-%d", root, key, getpid());
	rm_rf(tmp);
	ret = mkdir_p(tmp, 0755);
	if (ret < 0)
		goto out;
	p = xasprintf("%s/bzImage", tmp);
	ret = kernel_copy_file(r->image, p);
	free(p);
	if (!ret && r->config) {
		p = xasprintf("%s/config", tmp);
		ret = kernel_copy_file(r->config, p);
		free(p);
	}
	p = NULL;
	if (!ret)
		ret = write_metadata(tmp, r, version, cfghash, kchash);
	if (!ret)
		ret = fsync_dir(tmp);
	if (ret < 0)
		goto out;
	test_delay();
	/* a corrupt entry in the way: move it aside, then replace */
	trash = xasprintf("%s/.trash-%s-%d", root, key, getpid());
	if (!access(dst, F_OK) && rename(dst, trash) == 0)
		rm_rf(trash);
	if (rename(tmp, dst) < 0) {
		ret = -errno;
		goto out;
	}
	fsync_dir(root);
done:
	if (key_out)
		*key_out = TAKE_PTR(key);
	ret = 0;
out:
	if (tmp && ret)
		rm_rf(tmp);
	close(lock);
	return ret;
}
