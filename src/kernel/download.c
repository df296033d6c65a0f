// SPDX-License-Identifier: GPL-2.0-only
/* Source tarballs: libcurl download with resume into a .part file, sha256 check, libarchive unpack. */
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "kernel/internal.h"
#include "kernel/kernel.h"

#define MARKER ".ktstr-unpacked"

struct xfer {
	CURL *curl;
	int fd;
	curl_off_t resume;	/* bytes already in the .part file */
	bool checked;		/* first body bytes seen: range honoured or not */
	bool restarted;		/* the server sent the whole file: .part was truncated */
	const struct kernel_progress *p;
	const char *name;
};

static size_t on_write(char *data, size_t sz, size_t nmemb, void *ctx)
{
	struct xfer *x = ctx;
	size_t len = sz * nmemb, off = 0;

	if (!x->checked) {
		long code = 0;

		x->checked = true;
		curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &code);
		/* asked for a range, got the whole file: start the .part over */
		if (x->resume && code != 206) {
			if (ftruncate(x->fd, 0) < 0 || lseek(x->fd, 0, SEEK_SET) < 0)
				return 0;
			x->resume = 0;
			x->restarted = true;
		}
	}
	while (off < len) {
		ssize_t w = write(x->fd, data + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		off += w;
	}
	return len;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ult, curl_off_t uln)
{
	struct xfer *x = ctx;

	if (x->p && x->p->bytes && (dlnow || dltotal))
		x->p->bytes(x->p->ctx, x->name, x->resume + dlnow, dltotal ? x->resume + dltotal : 0);
	return 0;
}

/* One transfer into @part; resumes from its current size. 0, or -errno with *err. */
static int transfer(const char *url, const char *part, const struct kernel_progress *p,
		    bool *restarted, char **err)
{
	struct xfer x = { .p = p, .name = kernel_basename(part) };
	char ebuf[CURL_ERROR_SIZE] = "";
	struct stat st;
	long code = 0;
	CURLcode rc;
	int ret = 0;

	x.fd = open(part, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (x.fd < 0) {
		*err = xasprintf("%s: %s", part, strerror(errno));
		return -errno;
	}
	if (!fstat(x.fd, &st))
		x.resume = st.st_size;
	x.curl = curl_easy_init();
	if (!x.curl) {
		close(x.fd);
		*err = xstrdup("libcurl initialisation failed");
		return -ENOMEM;
	}
	curl_easy_setopt(x.curl, CURLOPT_URL, url);
	curl_easy_setopt(x.curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(x.curl, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(x.curl, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(x.curl, CURLOPT_CONNECTTIMEOUT, 20L);
	/* a stalled transfer (under 1 KiB/s for 60 s) is an error, not a hang */
	curl_easy_setopt(x.curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(x.curl, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(x.curl, CURLOPT_USERAGENT, "ktstr-kernel/" PACKAGE_VERSION);
	curl_easy_setopt(x.curl, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(x.curl, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(x.curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(x.curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(x.curl, CURLOPT_XFERINFODATA, &x);
	if (x.resume) {
		kernel_say(p, "resuming %s at %lld bytes", x.name, (long long)x.resume);
		curl_easy_setopt(x.curl, CURLOPT_RESUME_FROM_LARGE, x.resume);
	}
	rc = curl_easy_perform(x.curl);
	curl_easy_getinfo(x.curl, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK && x.resume && !x.checked && code != 206) {
		/* empty body on a range request: nothing new, but say so */
		x.checked = true;
	}
	switch (rc) {
	case CURLE_OK:
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
		*err = xasprintf("cannot reach %s (offline?): %s", url, ebuf[0] ? ebuf : curl_easy_strerror(rc));
		ret = -EHOSTUNREACH;
		break;
	case CURLE_HTTP_RETURNED_ERROR:
		*err = xasprintf("%s: HTTP %ld", url, code);
		ret = code == 416 ? -ERANGE : -EIO;
		break;
	case CURLE_RANGE_ERROR:
		ret = -ERANGE;
		*err = xasprintf("%s: the server cannot resume", url);
		break;
	default:
		*err = xasprintf("%s: %s (the partial download is kept in %s; rerun to resume)",
				 url, ebuf[0] ? ebuf : curl_easy_strerror(rc), part);
		ret = -EIO;
	}
	curl_easy_cleanup(x.curl);
	if (close(x.fd) < 0 && !ret) {
		*err = xasprintf("%s: %s", part, strerror(errno));
		ret = -EIO;
	}
	*restarted = x.restarted;
	return ret;
}

static int check_sha(const char *path, const char *want, char **err)
{
	char got[65];
	int ret;

	if (!want)
		return 0;
	ret = kernel__sha256_file(path, got);
	if (ret < 0) {
		*err = xasprintf("%s: %s", path, strerror(-ret));
		return ret;
	}
	if (strcasecmp(got, want)) {
		*err = xasprintf("sha256 mismatch for %s: got %s, expected %s", kernel_basename(path), got, want);
		return -EBADMSG;
	}
	return 0;
}

int kernel__download(const char *url, const char *dest, const char *sha256,
		     const struct kernel_progress *p, char **err)
{
	_cleanup_free_ char *part = xasprintf("%s.part", dest);
	bool restarted = false;
	struct stat st;
	int ret;

	*err = NULL;
	if (sha256 && (strlen(sha256) != 64 || strspn(sha256, "0123456789abcdefABCDEF") != 64)) {
		*err = xasprintf("'%s' is not a sha256 (64 hex digits)", sha256);
		return -EINVAL;
	}
	if (!stat(dest, &st)) {
		if (!check_sha(dest, sha256, err)) {
			kernel_say(p, "%s already downloaded", kernel_basename(dest));
			return 0;
		}
		free(*err);
		*err = NULL;
		unlink(dest);
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (int attempt = 0; attempt < 2; attempt++) {
		bool had_part = !stat(part, &st) && st.st_size > 0;

		free(*err);
		*err = NULL;
		ret = transfer(url, part, p, &restarted, err);
		if (ret == -ERANGE && had_part) {
			/* the .part is not a prefix of what the server has: start over */
			kernel_say(p, "cannot resume %s, starting over", kernel_basename(dest));
			unlink(part);
			continue;
		}
		if (ret < 0)
			break;
		if (restarted)
			kernel_say(p, "the server ignored the resume request; downloaded %s from the start",
				   kernel_basename(dest));
		ret = check_sha(part, sha256, err);
		if (ret == -EBADMSG && had_part && !restarted) {
			/* a resumed download can splice two versions: refetch whole once */
			kernel_say(p, "checksum mismatch after resuming, downloading %s again",
				   kernel_basename(dest));
			unlink(part);
			continue;
		}
		if (ret < 0) {
			unlink(part);
			break;
		}
		if (rename(part, dest) < 0) {
			ret = -errno;
			*err = xasprintf("%s: %s", dest, strerror(errno));
		}
		break;
	}
	curl_global_cleanup();
	return ret;
}

/* The first path component of the archive's first entry. */
static int tar_top(const char *tarball, char **top, char **err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	const char *p;
	int ret = 0;

	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, tarball, 65536) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ae) != ARCHIVE_OK) {
		*err = xasprintf("%s: not a tarball: %s", tarball, archive_error_string(a));
		ret = -EINVAL;
	} else {
		p = archive_entry_pathname(ae);
		while (str_startswith(p, "./"))
			p += 2;
		*top = xstrndup(p, strcspn(p, "/"));
		if (!**top || str_eq(*top, "..")) {
			*err = xasprintf("%s: unexpected first entry '%s'", tarball, p);
			free(*top);
			*top = NULL;
			ret = -EINVAL;
		}
	}
	archive_read_free(a);
	return ret;
}

/* An absolute name or one with a ".." component would escape the destination. */
static bool unsafe_name(const char *name)
{
	const char *p = name;

	if (!name || name[0] == '/')
		return true;
	while (*p) {
		size_t l = strcspn(p, "/");

		if (l == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += l;
		while (*p == '/')
			p++;
	}
	return false;
}

static int extract_all(const char *tarball, const char *dest, char **err)
{
	struct archive *a = archive_read_new();
	struct archive *w = archive_write_disk_new();
	struct archive_entry *ae;
	int r, ret = 0;

	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_write_disk_set_options(w, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
				       ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS);
	archive_write_disk_set_standard_lookup(w);
	if (archive_read_open_filename(a, tarball, 65536) != ARCHIVE_OK) {
		*err = xasprintf("%s: %s", tarball, archive_error_string(a));
		ret = -EINVAL;
		goto out;
	}
	while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ae);
		const char *hl = archive_entry_hardlink(ae);
		_cleanup_free_ char *path = NULL, *hlpath = NULL;

		/* entries are re-rooted under @dest, so check their own names */
		if (!unsafe_name(name) && (!hl || !unsafe_name(hl))) {
			path = xasprintf("%s/%s", dest, name);
			hlpath = hl ? xasprintf("%s/%s", dest, hl) : NULL;
		} else {
			*err = xasprintf("%s: refusing entry '%s'", tarball, name);
			ret = -EINVAL;
			goto out;
		}

		archive_entry_set_pathname(ae, path);
		if (hlpath)
			archive_entry_set_hardlink(ae, hlpath);
		if (archive_write_header(w, ae) != ARCHIVE_OK) {
			*err = xasprintf("%s: %s", path, archive_error_string(w));
			ret = -EIO;
			goto out;
		}
		if (archive_entry_size(ae) > 0) {
			const void *buf;
			size_t sz;
			la_int64_t o;

			while ((r = archive_read_data_block(a, &buf, &sz, &o)) == ARCHIVE_OK)
				if (archive_write_data_block(w, buf, sz, o) != ARCHIVE_OK)
					break;
			if (r != ARCHIVE_EOF) {
				*err = xasprintf("%s: %s", path, r == ARCHIVE_OK ? archive_error_string(w)
						 : archive_error_string(a));
				ret = -EIO;
				goto out;
			}
		}
		archive_write_finish_entry(w);
	}
	if (r != ARCHIVE_EOF) {
		*err = xasprintf("%s: %s", tarball, archive_error_string(a));
		ret = -EIO;
	}
out:
	archive_read_free(a);
	archive_write_free(w);
	return ret;
}

/*
 * Unpack into <destdir>/.untar-<pid>, then rename its top directory into
 * place: a tree in <destdir> is either complete (with the marker holding
 * the tarball's crc32) or absent. A complete tree of the same tarball is
 * reused, so rebuilding after an interrupted build is incremental.
 */
int kernel__untar(const char *tarball, const char *destdir, char **topdir, char **err)
{
	_cleanup_free_ char *top = NULL, *final = NULL, *marker = NULL, *have = NULL;
	_cleanup_free_ char *tmp = NULL, *tmptop = NULL;
	char crc[9];
	int ret;

	*err = NULL;
	ret = tar_top(tarball, &top, err);
	if (ret < 0)
		return ret;
	ret = kernel_crc32_file(tarball, crc);
	if (ret < 0) {
		*err = xasprintf("%s: %s", tarball, strerror(-ret));
		return ret;
	}
	final = xasprintf("%s/%s", destdir, top);
	marker = xasprintf("%s/" MARKER, final);
	if (!read_file(marker, &have, NULL) && str_eq(str_trim(have), crc)) {
		*topdir = TAKE_PTR(final);
		return 0;
	}
	tmp = xasprintf("%s/.untar-%d", destdir, getpid());
	rm_rf(tmp);
	ret = mkdir_p(tmp, 0755);
	if (ret < 0) {
		*err = xasprintf("%s: %s", tmp, strerror(-ret));
		return ret;
	}
	ret = extract_all(tarball, tmp, err);
	if (ret < 0)
		goto out;
	tmptop = xasprintf("%s/%s/" MARKER, tmp, top);
	ret = write_file(tmptop, crc, strlen(crc));
	free(tmptop);
	tmptop = xasprintf("%s/%s", tmp, top);
	if (!ret) {
		rm_rf(final);
		if (rename(tmptop, final) < 0)
			ret = -errno;
	}
	if (ret < 0 && !*err)
		*err = xasprintf("%s: %s", final, strerror(-ret));
out:
	rm_rf(tmp);
	if (!ret)
		*topdir = TAKE_PTR(final);
	return ret;
}
