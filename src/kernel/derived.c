// SPDX-License-Identifier: GPL-2.0-only
/*
 * Derived cache files (the base initramfs, the PVH vmlinux, a kernel's raw
 * BTF, its kallsyms offsets, an extracted IKCONFIG): each is written with a
 * record of its size and sha256 beside it, and checked against the record
 * on every hit, so a damaged file is rebuilt instead of booting into
 * "Unable to mount root fs" on every later run.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <pthread.h>
#include <sys/stat.h>

#include "kernel/internal.h"
#include "kernel/kernel.h"
#include "util/log.h"

#define RECORD_SCHEMA 1
/* a record is ~100 bytes; a bigger file cannot be one and is not read whole */
#define RECORD_MAX 4096

char *kernel_derived__record_path(const char *path)
{
	return xasprintf("%s" KERNEL_DERIVED_RECORD_SUFFIX, path);
}

static bool is_sha256_hex(const char *s)
{
	return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

int kernel_derived__parse(const char *buf, size_t len, struct kernel_derived_rec *r, char **why)
{
	json_error_t jerr;
	json_t *j, *v;
	int ret = -EBADMSG;

	*why = NULL;
	memset(r, 0, sizeof(*r));
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		*why = xasprintf("unreadable at line %d: %s", jerr.line, jerr.text);
		return -EBADMSG;
	}
	if (!json_is_object(j)) {
		*why = xstrdup("not a JSON object");
		goto out;
	}
	v = json_object_get(j, "schema");
	if (!json_is_integer(v) || json_integer_value(v) != RECORD_SCHEMA) {
		*why = xasprintf("\"schema\" is not %d", RECORD_SCHEMA);
		goto out;
	}
	v = json_object_get(j, "size");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		*why = xstrdup("\"size\" is not a byte count");
		goto out;
	}
	r->size = (uint64_t)json_integer_value(v);
	v = json_object_get(j, "sha256");
	if (!is_sha256_hex(json_string_value(v))) {
		*why = xstrdup("\"sha256\" is not 64 lower-case hex digits");
		goto out;
	}
	memcpy(r->sha256, json_string_value(v), 65);
	ret = 0;
out:
	json_decref(j);
	return ret;
}

int kernel_derived__verify(const char *path, char **why)
{
	_cleanup_free_ char *rec = kernel_derived__record_path(path), *buf = NULL, *bad = NULL;
	struct kernel_derived_rec r;
	struct stat st, rst;
	char sum[65];
	size_t len;
	int ret;

	*why = NULL;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		*why = xstrdup("not a regular file");
		return -EBADMSG;
	}
	if (stat(rec, &rst) < 0)
		return errno == ENOENT ? -ENODATA : -errno;
	if (!S_ISREG(rst.st_mode) || rst.st_size > RECORD_MAX) {
		*why = xasprintf("its record %s is not a record (%lld bytes)", rec,
				 (long long)rst.st_size);
		return -EBADMSG;
	}
	ret = read_file(rec, &buf, &len);
	if (ret < 0)
		return ret == -ENOENT ? -ENODATA : ret;
	if (kernel_derived__parse(buf, len, &r, &bad) < 0) {
		*why = xasprintf("its record %s is %s", rec, bad);
		return -EBADMSG;
	}
	if ((uint64_t)st.st_size != r.size) {
		*why = xasprintf("%llu bytes where its record says %llu",
				 (unsigned long long)st.st_size, (unsigned long long)r.size);
		return -EBADMSG;
	}
	ret = kernel_sha256_memo(path, &st, sum);
	if (ret < 0)
		return ret;
	if (!str_eq(sum, r.sha256)) {
		*why = xasprintf("sha256 %.12s... where its record says %.12s...", sum, r.sha256);
		return -EBADMSG;
	}
	return 0;
}

bool kernel_derived__usable(const char *path)
{
	_cleanup_free_ char *why = NULL;
	int ret = kernel_derived__verify(path, &why);

	if (ret == -EBADMSG)
		pr_warn("derived cache file %s is corrupt (%s): rebuilding it", path, why);
	else if (ret < 0 && ret != -ENOENT && ret != -ENODATA)
		pr_warn("derived cache file %s: %s: rebuilding it", path, strerror(-ret));
	/* no record: written before records existed or interrupted before its record; rebuilt quietly */
	return ret == 0;
}

static int fsync_path(const char *path, int flags)
{
	_cleanup_close_ int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return fsync(fd) < 0 ? -errno : 0;
}

int kernel_derived__commit(const char *tmp, const char *path)
{
	_cleanup_free_ char *rec = kernel_derived__record_path(path), *rtmp = NULL, *text = NULL;
	_cleanup_free_ char *dir = xstrdup(path);
	struct stat st;
	char sum[65];
	json_t *j;
	int ret;

	if (stat(tmp, &st) < 0)
		return -errno;
	ret = fsync_path(tmp, O_RDONLY);
	if (!ret)
		ret = kernel__sha256_file(tmp, sum);
	if (ret < 0)
		return ret;
	j = json_pack("{s:i, s:I, s:s}", "schema", RECORD_SCHEMA, "size", (json_int_t)st.st_size,
		      "sha256", sum);
	text = j ? json_dumps(j, JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!text)
		return -ENOMEM;
	/* unique per process and thread: ktstr-run's workers and other runs build at once */
	rtmp = xasprintf("%s.tmp-%d-%lx", rec, (int)getpid(), (unsigned long)pthread_self());
	ret = write_file(rtmp, text, strlen(text));
	if (!ret)
		ret = fsync_path(rtmp, O_RDONLY);
	/*
	 * The file first, then its record: between the two renames a reader
	 * sees the new file with the old record (or none) and, at worst,
	 * rebuilds it once more; it never trusts a file no record vouches for.
	 */
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (!ret && rename(rtmp, rec) < 0)
		ret = -errno;
	if (ret < 0) {
		unlink(rtmp);
		return ret;
	}
	return fsync_path(dirname(dir), O_RDONLY | O_DIRECTORY);
}

int kernel_derived__remove(const char *path)
{
	_cleanup_free_ char *rec = kernel_derived__record_path(path);
	int ret = 0;

	if (unlink(path) < 0 && errno != ENOENT)
		ret = -errno;
	if (unlink(rec) < 0 && errno != ENOENT && !ret)
		ret = -errno;
	return ret;
}
