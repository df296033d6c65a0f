// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for util/path: joins that stay inside a root, guarded removal, safe reads. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "tap.h"
#include "util/path.h"
#include "util/util.h"

static bool exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

static void touch(const char *p, size_t bytes)
{
	char *buf = xcalloc(1, bytes + 1);

	memset(buf, 'x', bytes);
	if (write_file(p, buf, bytes))
		abort();
	free(buf);
}

int main(void)
{
	static const char *const plain[] = { "a", "a/b", "..a", ".hidden", "a.b/c..d", "x=1:y+z" };
	static const char *const bad[] = { "", "/a", ".", "..", "a/..", "../a", "a//b", "a/", "a/./b",
					   "a/../../b" };
	char tmpl[] = "/tmp/test-path.XXXXXX";
	_cleanup_free_ char *root = NULL, *run = NULL, *sib = NULL, *p = NULL, *buf = NULL;
	struct stat st;
	size_t len;
	bool ok = true;

	tap_plan(30);
	for (size_t i = 0; i < ARRAY_SIZE(plain); i++)
		ok &= path_is_relative_plain(plain[i]);
	tap_ok(ok, "plain relative paths are accepted");
	ok = true;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ok &= !path_is_relative_plain(bad[i]);
	tap_ok(ok, "empty, absolute, '.', '..', '//' and trailing '/' are refused");
	tap_is_int(path_join_under("/r", "..", &p), -EINVAL, "join refuses '..' (a test named '..')");
	tap_is_int(path_join_under("/r", ".", &p), -EINVAL, "join refuses '.'");
	tap_is_int(path_join_under("", "a", &p), -EINVAL, "join refuses an empty root");
	tap_ok(!path_join_under("/r/", "a", &p) && str_eq(p, "/r/a") && path_is_inside("/r//", p),
	       "join of /r/ and a is /r/a, inside /r//");
	free(p);
	tap_ok(!path_join_under("/tmp//", "a", &p) && str_eq(p, "/tmp/a") && path_is_inside("/tmp//", p),
	       "join of /tmp// ($TMPDIR with slashes) and a is /tmp/a");
	free(p);
	tap_ok(!path_join_under("/", "a", &p) && str_eq(p, "/a"), "join of / and a is /a");
	tap_ok(path_is_inside("/r", "/r/a") && path_is_inside("/r/", "/r/a/b"), "/r/a is inside /r");
	tap_ok(!path_is_inside("/r", "/r") && !path_is_inside("/r", "/r/"), "/r is not strictly inside /r");
	tap_ok(!path_is_inside("/r", "/r/..") && !path_is_inside("/r", "/r/a/../.."), "/r/.. is not inside /r");
	tap_ok(!path_is_inside("/r", "/rx/a") && !path_is_inside("/r", "/a"), "a sibling is not inside");
	tap_ok(path_is_inside("/", "/a") && !path_is_inside("/", "/"), "root / itself");
	tap_ok(path_is_inside(".", "./ktstr-run.1") && !path_is_inside(".", "ktstr-run.1"),
	       "a relative root ($TMPDIR=.)");

	/* the removal guard on a real tree: run/ is the run's temp dir, sibling/ is not ours */
	if (!mkdtemp(tmpl))
		return 1;
	root = xstrdup(tmpl);
	run = xasprintf("%s/run", root);
	sib = xasprintf("%s/sibling", root);
	free(p);
	p = xasprintf("%s/a", run);
	mkdir_p(p, 0700);
	mkdir_p(sib, 0700);
	free(p);
	p = xasprintf("%s/a/file", run);
	touch(p, 3);
	free(p);
	p = xasprintf("%s/file", sib);
	touch(p, 3);
	free(p);
	p = xasprintf("%s/..", run);
	tap_is_int(rm_rf_inside(run, p), -EPERM, "removing run/.. is refused");
	tap_ok(exists(sib) && exists(run), "and nothing was removed");
	tap_is_int(rm_rf_inside(run, run), -EPERM, "removing the root itself is refused");
	free(p);
	p = xasprintf("%s/../sibling", run);
	tap_is_int(rm_rf_inside(run, p), -EPERM, "removing run/../sibling is refused");
	free(p);
	p = xasprintf("%s/a", run);
	tap_ok(!rm_rf_inside(run, p) && !exists(p) && exists(run) && exists(sib),
	       "run/a is removed, run and sibling stay");

	/* reads: only regular files, bounded, never blocking */
	free(p);
	p = xasprintf("%s/fifo", root);
	if (mkfifo(p, 0600))
		return 1;
	tap_ok(read_regular_file(p, 1024, &buf, &len, &st) == -EINVAL && S_ISFIFO(st.st_mode),
	       "a FIFO is refused without blocking");
	tap_is_str(file_type_name(st.st_mode), "a FIFO", "and named");
	tap_ok(read_regular_file("/dev/zero", 1024, &buf, &len, &st) == -EINVAL && S_ISCHR(st.st_mode),
	       "/dev/zero is refused");
	tap_ok(read_regular_file(root, 1024, &buf, &len, &st) == -EINVAL && S_ISDIR(st.st_mode),
	       "a directory is refused");
	free(p);
	p = xasprintf("%s/big", root);
	touch(p, 1025);
	tap_is_int(read_regular_file(p, 1024, &buf, &len, NULL), -EFBIG, "max + 1 bytes: -EFBIG");
	touch(p, 1024);
	tap_ok(!read_regular_file(p, 1024, &buf, &len, NULL) && len == 1024 && buf[1024] == '\0' &&
	       buf[1023] == 'x', "exactly max bytes are read");
	free(buf);
	buf = NULL;
	touch(p, 0);
	tap_ok(!read_regular_file(p, 1024, &buf, &len, NULL) && len == 0 && buf[0] == '\0',
	       "an empty file is read");
	free(buf);
	buf = NULL;
	/* a regular file whose st_size says 0 but that has content (procfs) */
	tap_ok(!read_regular_file("/proc/self/status", 1 << 20, &buf, &len, NULL) && len > 0 &&
	       strstr(buf, "Name:"), "a /proc file (st_size 0) is read whole");
	free(buf);
	buf = NULL;
	tap_ok(read_regular_file("/proc/self/status", 8, &buf, &len, NULL) == -EFBIG,
	       "and bounded when it holds more than max");
	free(p);
	p = xasprintf("%s/no-such-file", root);
	tap_is_int(read_regular_file(p, 8, &buf, &len, NULL), -ENOENT, "a missing file: -ENOENT");
	rm_rf(root);
	tap_ok(!exists(root), "cleaned up");
	return tap_done();
}
