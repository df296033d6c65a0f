// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cgroup v2 manager: controllers enabled down the tree, cgroups created
 * and removed, cpusets written, tasks moved. Every failure leaves a precise
 * message (path, value, errno) in m->err.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "workload/internal.h"

static int cg_fail(struct cgroup_mgr *m, int err, const char *fmt, ...) __printf(3, 4);

static int cg_fail(struct cgroup_mgr *m, int err, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	free(m->err);
	m->err = xasprintf("%s: %s", msg, strerror(-err));
	free(msg);
	return err;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* One write(2) of the whole value: cgroup files take a value per write. */
static int cg_write(struct cgroup_mgr *m, const char *dir, const char *file, const char *val)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(val);
	ssize_t r;

	if (fd < 0)
		return cg_fail(m, -errno, "open %s", path);
	do
		r = write(fd, val, len);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return cg_fail(m, -errno, "write '%s' to %s", val, path);
	return 0;
}

static char *cg_read(struct cgroup_mgr *m, const char *dir, const char *file, int *ret)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
	char *buf = NULL;

	*ret = read_file(path, &buf, NULL);
	if (*ret) {
		cg_fail(m, *ret, "read %s", path);
		return NULL;
	}
	return buf;
}

/* The cgroup2 mount point from mountinfo (field 5, fs type after " - "). */
static char *cgroup2_mount(void)
{
	_cleanup_free_ char *mi = NULL;
	char *save = NULL, *line;

	if (read_file("/proc/self/mountinfo", &mi, NULL))
		return NULL;
	for (line = strtok_r(mi, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sep = strstr(line, " - ");
		char mnt[4096];

		if (!sep || !str_startswith(sep + 3, "cgroup2 "))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1)
			return xstrdup(mnt);
	}
	return NULL;
}

bool cgroup_mgr__enabled(const struct cgroup_mgr *m)
{
	return m && m->root;
}

const char *cgroup_mgr__error(const struct cgroup_mgr *m)
{
	return m && m->err ? m->err : "no error";
}

char *cgroup_mgr__path(const struct cgroup_mgr *m, const char *name)
{
	if (!m->root)
		return xstrdup("");
	if (name && str_eq(name, CGROUP_HOST)) {
		char *p = xstrdup(m->root), *slash = strrchr(p, '/');

		if (slash && slash != p)
			*slash = '\0';
		return p;
	}
	if (!name || !*name)
		return xstrdup(m->root);
	return xasprintf("%s/%s", m->root, name);
}

/* Enable +cpuset and +cpu in dir's subtree_control (each separately, for precise errors). */
static int enable_controllers(struct cgroup_mgr *m, const char *dir)
{
	static const char *const ctl[] = { "+cpuset", "+cpu" };
	_cleanup_free_ char *have = NULL;
	int ret;

	have = cg_read(m, dir, "cgroup.subtree_control", &ret);
	if (!have)
		return ret;
	for (unsigned i = 0; i < ARRAY_SIZE(ctl); i++) {
		if (strstr(have, ctl[i] + 1))
			continue;
		ret = cg_write(m, dir, "cgroup.subtree_control", ctl[i]);
		if (ret)
			return ret;
	}
	return 0;
}

int cgroup_mgr__open(const char *root, struct cgroup_mgr **out, char **err)
{
	struct cgroup_mgr *m = xcalloc(1, sizeof(*m));
	size_t mlen;
	char *p;
	int ret;

	*out = m;
	if (!root)
		return 0;
	m->mount = cgroup2_mount();
	if (!m->mount) {
		*err = xstrdup("no cgroup2 file system is mounted (/proc/self/mountinfo)");
		return -ENOENT;
	}
	mlen = strlen(m->mount);
	if (strncmp(root, m->mount, mlen) || (root[mlen] != '/' && root[mlen]) ||
	    str_eq(m->mount, "/")) {
		*err = xasprintf("cgroup root %s is not under the cgroup2 mount %s", root, m->mount);
		return -EINVAL;
	}
	m->root = xstrdup(root);
	if (mkdir(root, 0755) == 0)
		m->made_root = true;
	else if (errno != EEXIST) {
		*err = xasprintf("mkdir %s: %s", root, strerror(errno));
		return -errno;
	}
	/* Enable the controllers from the mount down to root itself. */
	p = xstrdup(root);
	for (char *s = p + mlen;; s++) {
		bool end = !*s;

		if (*s != '/' && !end)
			continue;
		*s = '\0';
		ret = enable_controllers(m, p);
		if (ret) {
			*err = xstrdup(m->err);
			free(p);
			return ret;
		}
		if (end)
			break;
		*s = '/';
	}
	free(p);
	return 0;
}

int cgroup_mgr__create(struct cgroup_mgr *m, const char *name)
{
	_cleanup_free_ char *rel = xstrdup(name);
	int ret;

	if (!m->root)
		return 0;
	if (!*name || strstr(name, "..") || name[0] == '/')
		return cg_fail(m, -EINVAL, "cgroup name '%s'", name);
	for (char *s = rel;; s++) {
		bool end = !*s;
		_cleanup_free_ char *path = NULL;

		if (*s != '/' && !end)
			continue;
		*s = '\0';
		path = cgroup_mgr__path(m, rel);
		if (mkdir(path, 0755) == 0) {
			char **slot = array_push(&m->created, &m->ncreated, sizeof(char *));

			*slot = xstrdup(rel);
		} else if (errno != EEXIST) {
			return cg_fail(m, -errno, "mkdir %s", path);
		}
		if (end)
			break;
		/* The component gets a child: let the child use the controllers. */
		ret = enable_controllers(m, path);
		if (ret)
			return ret;
		*s = '/';
	}
	return 0;
}

int cgroup_mgr__procs(struct cgroup_mgr *m, const char *name, pid_t **pids, size_t *n)
{
	_cleanup_free_ char *dir = cgroup_mgr__path(m, name);
	_cleanup_free_ char *buf = NULL;
	char *save = NULL, *tok;
	int ret;

	*pids = NULL;
	*n = 0;
	if (!m->root)
		return 0;
	buf = cg_read(m, dir, "cgroup.procs", &ret);
	if (!buf)
		return ret;
	for (tok = strtok_r(buf, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
		pid_t *p = array_push(pids, n, sizeof(pid_t));

		*p = (pid_t)strtol(tok, NULL, 10);
	}
	return 0;
}

static int move_to_dir(struct cgroup_mgr *m, const char *dir, pid_t pid)
{
	char val[32];
	int ret = 0;

	snprintf(val, sizeof(val), "%d", (int)pid);
	for (int attempt = 0; attempt < 4; attempt++) {
		if (attempt)
			sleep_ms(100);
		ret = cg_write(m, dir, "cgroup.procs", val);
		if (ret == -ESRCH)
			return 0;	/* exited meanwhile: nothing to move */
		if (ret != -EBUSY)
			break;
	}
	return ret;
}

int cgroup_mgr__move_task(struct cgroup_mgr *m, const char *name, pid_t pid)
{
	_cleanup_free_ char *dir = NULL;

	if (!m->root)
		return 0;
	dir = cgroup_mgr__path(m, name);
	return move_to_dir(m, dir, pid);
}

int cgroup_mgr__move_all(struct cgroup_mgr *m, const char *from, const char *to, unsigned *moved)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n;
	int ret, first = 0;

	*moved = 0;
	ret = cgroup_mgr__procs(m, from, &pids, &n);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		ret = cgroup_mgr__move_task(m, to, pids[i]);
		if (ret && !first)
			first = ret;
		else if (!ret)
			(*moved)++;
	}
	return first;
}

static int cpus_write(struct cgroup_mgr *m, const char *name, const char *file,
		      const struct cpumask *v)
{
	_cleanup_free_ char *dir = NULL;
	char buf[4096];

	if (!m->root)
		return 0;
	dir = cgroup_mgr__path(m, name);
	if (!v || cpumask_empty(v))
		return cg_write(m, dir, file, "\n");
	return cg_write(m, dir, file, cpumask_format(v, buf, sizeof(buf)));
}

int cgroup_mgr__set_cpus(struct cgroup_mgr *m, const char *name, const struct cpumask *cpus)
{
	return cpus_write(m, name, "cpuset.cpus", cpus);
}

int cgroup_mgr__set_mems(struct cgroup_mgr *m, const char *name, const struct cpumask *nodes)
{
	return cpus_write(m, name, "cpuset.mems", nodes);
}

int cgroup_mgr__get_cpus(struct cgroup_mgr *m, const char *name, bool effective,
			 struct cpumask *out)
{
	_cleanup_free_ char *dir = NULL, *buf = NULL;
	int ret;

	cpumask_zero(out);
	if (!m->root)
		return -ENOENT;
	dir = cgroup_mgr__path(m, name);
	buf = cg_read(m, dir, effective ? "cpuset.cpus.effective" : "cpuset.cpus", &ret);
	if (!buf)
		return ret;
	str_trim(buf);
	if (cpumask_parse(buf, out))
		return cg_fail(m, -EINVAL, "parse '%s' from %s/cpuset.cpus", buf, dir);
	return 0;
}

/*
 * Drain dir's tasks to the root cgroup (the mount: parents with enabled
 * controllers may not hold tasks, the root may), then rmdir, retrying while
 * exiting tasks still pin it.
 */
static int drain_rmdir(struct cgroup_mgr *m, const char *dir)
{
	_cleanup_free_ char *procs = NULL;
	char *save = NULL, *tok;
	int ret;

	procs = cg_read(m, dir, "cgroup.procs", &ret);
	if (!procs)
		return ret == -ENOENT ? 0 : ret;
	for (tok = strtok_r(procs, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
		ret = move_to_dir(m, m->mount, (pid_t)strtol(tok, NULL, 10));
		if (ret)
			return ret;
	}
	for (int attempt = 0; attempt < 20; attempt++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		sleep_ms(50);
	}
	return cg_fail(m, -errno, "rmdir %s", dir);
}

static bool is_under(const char *name, const char *top)
{
	size_t n = strlen(top);

	return !strncmp(name, top, n) && (name[n] == '/' || !name[n]);
}

int cgroup_mgr__remove(struct cgroup_mgr *m, const char *name)
{
	int ret = 0, r;

	if (!m->root)
		return 0;
	/* Created descendants first, newest first; then name itself if not created by us. */
	for (size_t i = m->ncreated; i-- > 0;) {
		_cleanup_free_ char *dir = NULL;

		if (!is_under(m->created[i], name))
			continue;
		dir = cgroup_mgr__path(m, m->created[i]);
		r = drain_rmdir(m, dir);
		if (r && !ret)
			ret = r;
		if (!r) {
			free(m->created[i]);
			memmove(&m->created[i], &m->created[i + 1],
				(m->ncreated - i - 1) * sizeof(char *));
			m->ncreated--;
		}
	}
	if (!ret) {
		_cleanup_free_ char *dir = cgroup_mgr__path(m, name);

		if (access(dir, F_OK) == 0)
			ret = drain_rmdir(m, dir);
	}
	return ret;
}

int cgroup_mgr__teardown(struct cgroup_mgr *m)
{
	int ret = 0, r;

	if (!m || !m->root)
		return 0;
	while (m->ncreated) {
		_cleanup_free_ char *dir = cgroup_mgr__path(m, m->created[m->ncreated - 1]);

		r = drain_rmdir(m, dir);
		if (r && !ret)
			ret = r;
		free(m->created[--m->ncreated]);
	}
	if (m->made_root) {
		r = drain_rmdir(m, m->root);
		if (r && !ret)
			ret = r;
		m->made_root = false;
	}
	return ret;
}

void cgroup_mgr__destroy(struct cgroup_mgr *m)
{
	if (!m)
		return;
	cgroup_mgr__teardown(m);
	free(m->created);
	free(m->root);
	free(m->mount);
	free(m->err);
	free(m);
}
