// SPDX-License-Identifier: GPL-2.0-only
/* Snapshots of a booted guest: build (template boot + QMP migrate), verify, restore. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <zlib.h>

#include "kernel/kernel.h"
#include "proto/msg.h"
#include "vm/snapshot.h"

#define META "meta.json"
#define META_SCHEMA 1
#define PAGE 4096u
#define QMP_TIMEOUT_NS (60 * NSEC_PER_SEC)

int vm_snapshot__root(char **out)
{
	_cleanup_free_ char *root = NULL;
	int ret = kernel_cache__root(&root);

	if (ret < 0)
		return ret;
	*out = xasprintf("%s/.snapshots", root);
	return mkdir_p(*out, 0755);
}

void vm_snapshot__free(struct vm_snapshot *s)
{
	if (!s)
		return;
	free(s->dir);
	free(s->state);
	free(s);
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	hex_encode(md, 32, out);
}

/* QEMU's "--version" first line, once per binary name and process. */
static char *qemu_version(const char *bin)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static char *name, *version;
	char *ret;

	pthread_mutex_lock(&lock);
	if (!version || !str_eq(name, bin)) {
		_cleanup_free_ char *cmd = NULL;
		char line[256] = "";
		FILE *p;

		/* the name is ours (KTSTR_QEMU or the default), not a spec's */
		cmd = xasprintf("'%s' --version 2>/dev/null", bin);
		p = strchr(bin, '\'') ? NULL : popen(cmd, "re");
		if (p) {
			if (!fgets(line, sizeof(line), p))
				line[0] = '\0';
			pclose(p);
		}
		free(name);
		free(version);
		name = xstrdup(bin);
		version = xstrdup(str_trim(line));
	}
	ret = *version ? xstrdup(version) : NULL;
	pthread_mutex_unlock(&lock);
	return ret;
}

/* sha256 of path, or "-" for none: the key's and meta.json's record of a file. */
static int content_sum(const char *path, char sum[65])
{
	if (!path) {
		strcpy(sum, "-");
		return 0;
	}
	return kernel__sha256_memo(path, sum);
}

int vm_snapshot__key(const struct vm_config *cfg, char key[65], char **err)
{
	static const int fake_fds[SPEC_MAX_NUMA_NODES];
	struct vm_config c = *cfg;
	_cleanup_free_ char *version = qemu_version(qemu__binary(cfg)), *line = NULL;
	_cleanup_free_ char *text = NULL, *aerr = NULL;
	char ksum[65], isum[65];
	char **argv = NULL;
	int ret;

	*err = NULL;
	if (!version) {
		*err = xasprintf("%s --version said nothing", qemu__binary(cfg));
		return -ENOEXEC;
	}
	ret = content_sum(cfg->kernel, ksum);
	if (ret) {
		*err = xasprintf("%s: %s", cfg->kernel, strerror(-ret));
		return ret;
	}
	ret = content_sum(cfg->initrd, isum);
	if (ret) {
		*err = xasprintf("%s: %s", cfg->initrd, strerror(-ret));
		return ret;
	}
	/*
	 * The files by their content (a copy or a moved cache has the same key,
	 * a file rewritten in place another); the command line holds the rest:
	 * topology, NUMA, memory, the kernel command line, the accelerator.
	 */
	c.kernel = "@kernel";
	c.initrd = cfg->initrd ? "@initrd" : NULL;
	/* what differs from run to run of the same VM */
	c.console_log = NULL;
	c.tsc_khz = 0;
	c.extra_args = NULL;
	c.mem_fds = fake_fds;
	{
		uint64_t mb[SPEC_MAX_NUMA_NODES];

		c.nmem_fds = qemu__node_memory(cfg, mb);
	}
	ret = qemu__argv(&c, &argv, &aerr);
	if (ret) {
		*err = TAKE_PTR(aerr);
		return ret;
	}
	line = qemu__argv_string(argv);
	qemu__argv_free(argv);
	text = xasprintf("ktstr snapshot 2\n%s\nkernel %s\ninitrd %s\n%s\n", version, ksum, isum,
			 line);
	sha256_hex(text, strlen(text), key);
	return 0;
}

static int read_meta(struct vm_snapshot *s, char **why)
{
	_cleanup_free_ char *p = xasprintf("%s/" META, s->dir);
	json_error_t jerr;
	json_t *j = json_load_file(p, JSON_REJECT_DUPLICATES, &jerr), *ram;
	int ret = -EBADMSG;

	if (!j) {
		*why = xasprintf("%s: %s", p, jerr.text);
		return access(p, F_OK) ? -ENOENT : -EBADMSG;
	}
	ram = json_object_get(j, "ram");
	if (json_integer_value(json_object_get(j, "schema")) != META_SCHEMA ||
	    !str_eq(json_string_value(json_object_get(j, "key")), s->key) || !json_is_array(ram) ||
	    !json_array_size(ram) || json_array_size(ram) > SPEC_MAX_NUMA_NODES) {
		*why = xasprintf("%s: not a snapshot record of schema %d for this key", p,
				 META_SCHEMA);
		goto out;
	}
	s->nram = json_array_size(ram);
	for (unsigned i = 0; i < s->nram; i++) {
		json_t *r = json_array_get(ram, i);
		_cleanup_free_ char *rp = xasprintf("%s/ram%u", s->dir, i);
		struct stat st;

		s->ram_bytes[i] = json_integer_value(json_object_get(r, "size"));
		s->ram_data[i] = json_integer_value(json_object_get(r, "data"));
		s->ram_crc[i] = json_integer_value(json_object_get(r, "crc32"));
		if (stat(rp, &st) < 0) {
			*why = xasprintf("%s: %s", rp, strerror(errno));
			goto out;
		}
		if ((uint64_t)st.st_size != s->ram_bytes[i]) {
			*why = xasprintf("%s: its size is not the recorded one", rp);
			goto out;
		}
	}
	ret = 0;
out:
	json_decref(j);
	return ret;
}

int vm_snapshot__open(const char *root, const char *key, struct vm_snapshot **out, char **why)
{
	struct vm_snapshot *s = xcalloc(1, sizeof(*s));
	int ret;

	*why = NULL;
	snprintf(s->key, sizeof(s->key), "%s", key);
	s->dir = xasprintf("%s/%s", root, key);
	s->state = xasprintf("%s/state", s->dir);
	if (access(s->dir, F_OK)) {
		vm_snapshot__free(s);
		return -ENOENT;
	}
	ret = read_meta(s, why);
	if (!ret) {
		/* the device state against its record (size, sha256) */
		ret = kernel_derived__verify(s->state, why);
		if (ret && !*why)
			*why = xasprintf("%s: %s", s->state, strerror(-ret));
	}
	if (ret) {
		vm_snapshot__free(s);
		return ret == -ENOENT ? -EBADMSG : ret;
	}
	*out = s;
	return 0;
}

int vm_snapshot__remove(const char *root, const struct vm_snapshot *s)
{
	_cleanup_free_ char *lock_path = xasprintf("%s/%s.lock", root, s->key);
	_cleanup_free_ char *trash = xasprintf("%s/.trash-%s-%d", root, s->key, getpid());
	_cleanup_close_ int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	int ret;

	if (lock < 0 || flock(lock, LOCK_EX) < 0)
		return -errno;
	/* renamed first: a test restoring it now keeps its open files */
	if (rename(s->dir, trash) < 0)
		return errno == ENOENT ? 0 : -errno;
	ret = rm_rf(trash);
	return ret < 0 ? ret : 0;
}

static bool page_zero(const unsigned char *p)
{
	static const unsigned char zero[PAGE];

	return !memcmp(p, zero, PAGE);
}

/* All of len bytes at off, or -errno. */
static int pwrite_all(int fd, const unsigned char *p, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= n;
		off += n;
	}
	return 0;
}

/*
 * A run of pages [from, to) of the scan: non-zero ones are written to out
 * (when out >= 0) in one pwrite; zero ones become a hole in fd (punch).
 */
static int flush_run(int fd, const unsigned char *map, int out, bool zero, bool punch,
		     uint64_t from, uint64_t to)
{
	if (from == to)
		return 0;
	if (zero)
		return punch && fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					  from, to - from) < 0 ? -errno : 0;
	return out >= 0 ? pwrite_all(out, map + from, to - from, from) : 0;
}

/*
 * Walk the data extents of fd (SEEK_DATA/SEEK_HOLE: the RAM file is sparse)
 * through a read-only mapping: each non-zero page goes into the crc with its
 * offset and, when out >= 0, is written to out at the same offset, a run of
 * them in one pwrite; with punch, runs of zero pages become holes (the
 * template's RAM file at build: less disk, and fewer pages to look at on
 * each restore). Measured per restore (1n1l2c1t, 107 MiB of data): a 1 MiB
 * pread and a pwrite per page took 0.12-0.18 s, this ~0.05 s.
 */
static int scan_pages(int fd, uint64_t size, int out, bool punch, uint32_t *crc,
		      uint64_t *data)
{
	unsigned char *map;
	off_t pos = 0;
	int ret = 0;

	*crc = crc32(0L, Z_NULL, 0);
	*data = 0;
	if (!size)
		return 0;
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	while (!ret && (uint64_t)pos < size) {
		off_t start = lseek(fd, pos, SEEK_DATA), end;
		uint64_t run = start;
		bool zero = false;

		if (start < 0) {
			ret = errno == ENXIO ? 0 : -errno;
			break;
		}
		end = lseek(fd, start, SEEK_HOLE);
		if (end < 0) {
			ret = -errno;
			break;
		}
		end = MIN((uint64_t)end, size);
		madvise(map + start, end - start, MADV_SEQUENTIAL);
		/* extents are whole blocks; a partial last page (none in a RAM file) is left out */
		for (pos = start; !ret && pos + PAGE <= end; pos += PAGE) {
			uint64_t at = pos;
			bool z = page_zero(map + pos);

			if (z != zero) {
				ret = flush_run(fd, map, out, zero, punch, run, at);
				run = at;
				zero = z;
			}
			if (z)
				continue;
			*crc = crc32(*crc, (const unsigned char *)&at, sizeof(at));
			*crc = crc32(*crc, map + pos, PAGE);
			*data += PAGE;
		}
		if (!ret)
			ret = flush_run(fd, map, out, zero, punch, run, pos);
		pos = end;
	}
	munmap(map, size);
	return ret;
}

int vm_snapshot__fill(const struct vm_snapshot *s, const int *fds, unsigned n, char **why)
{
	*why = NULL;
	if (n != s->nram) {
		*why = xasprintf("%u RAM backends, the snapshot has %u", n, s->nram);
		return -EINVAL;
	}
	for (unsigned i = 0; i < n; i++) {
		_cleanup_free_ char *p = xasprintf("%s/ram%u", s->dir, i);
		_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
		uint32_t crc;
		uint64_t data;
		int ret = fd < 0 ? -errno : scan_pages(fd, s->ram_bytes[i], fds[i], false, &crc, &data);

		if (ret) {
			*why = xasprintf("%s: %s", p, strerror(-ret));
			return ret;
		}
		if (crc != s->ram_crc[i] || data != s->ram_data[i]) {
			*why = xasprintf("%s: its pages do not match the record (crc32 %08x, want %08x)",
					 p, crc, s->ram_crc[i]);
			return -EBADMSG;
		}
	}
	return 0;
}

/* A path for sh -c inside single quotes. */
static bool quotable(const char *p)
{
	return !strchr(p, '\'');
}


/* ---- building: the template's QMP ---- */

struct qmp {
	int fd;
	char buf[65536];
	size_t len;
};

/* One JSON line from QEMU that is not an event; NULL on timeout or EOF. */
static json_t *qmp_read(struct qmp *q, uint64_t deadline)
{
	for (;;) {
		char *nl = memchr(q->buf, '\n', q->len);

		if (nl) {
			size_t n = nl - q->buf + 1;
			json_t *j = json_loadb(q->buf, n, 0, NULL);

			memmove(q->buf, q->buf + n, q->len - n);
			q->len -= n;
			if (j && !json_object_get(j, "event"))
				return j;
			json_decref(j);
			continue;
		}
		if (q->len == sizeof(q->buf) || now_ns() >= deadline)
			return NULL;
		{
			struct pollfd p = { .fd = q->fd, .events = POLLIN };
			ssize_t r;

			if (poll(&p, 1, (deadline - now_ns()) / NSEC_PER_MSEC + 1) <= 0)
				continue;
			r = read(q->fd, q->buf + q->len, sizeof(q->buf) - q->len);
			if (r <= 0)
				return NULL;
			q->len += r;
		}
	}
}

/* Run a command (stolen); its "return" (caller decrefs) or NULL with *why. */
static json_t *qmp_cmd(struct qmp *q, json_t *cmd, uint64_t deadline, char **why)
{
	_cleanup_free_ char *text = json_dumps(cmd, JSON_COMPACT);
	_cleanup_free_ char *line = xasprintf("%s\n", text);
	json_t *reply, *ret;

	json_decref(cmd);
	if (write_fd(q->fd, line, strlen(line))) {
		*why = xasprintf("QMP: writing: %s", strerror(errno));
		return NULL;
	}
	reply = qmp_read(q, deadline);
	if (!reply) {
		*why = xstrdup("QMP: no answer");
		return NULL;
	}
	ret = json_object_get(reply, "return");
	if (!ret) {
		_cleanup_free_ char *r = json_dumps(reply, JSON_COMPACT);

		*why = xasprintf("QMP: %s", r ?: "error");
		json_decref(reply);
		return NULL;
	}
	json_incref(ret);
	json_decref(reply);
	return ret;
}

struct build {
	const char *sock;	/* abstract socket name of the template's QMP */
	const char *state_tmp;	/* where QEMU writes the migration stream */
	bool saved;
	char *why;
};

/*
 * Connect to QEMU's QMP on the abstract socket, retrying while QEMU starts,
 * and get it ready for commands with x-ignore-shared on: the RAM backends
 * are shared files, so the stream carries device state only (QEMU 7.2 has
 * no -global for migration capabilities). 0, or -errno with *why.
 */
static int qmp_open(struct qmp *q, const char *sock, uint64_t deadline, char **why)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t sl = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sock);
	json_t *r;

	memcpy(sa.sun_path + 1, sock, strlen(sock));
	for (;;) {
		q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (q->fd < 0) {
			*why = xasprintf("QMP: socket: %s", strerror(errno));
			return -errno;
		}
		if (!connect(q->fd, (struct sockaddr *)&sa, sl))
			break;
		close(q->fd);
		q->fd = -1;
		if (errno != ECONNREFUSED || now_ns() >= deadline) {
			*why = xasprintf("QMP: connecting: %s", strerror(errno));
			return -errno;
		}
		usleep(2000);
	}
	json_decref(qmp_read(q, deadline));	/* the greeting */
	r = qmp_cmd(q, json_pack("{s:s}", "execute", "qmp_capabilities"), deadline, why);
	if (r) {
		json_decref(r);
		r = qmp_cmd(q, json_pack("{s:s, s:{s:[{s:s, s:b}]}}", "execute",
					 "migrate-set-capabilities", "arguments", "capabilities",
					 "capability", "x-ignore-shared", "state", 1),
			    deadline, why);
	}
	json_decref(r);
	return r ? 0 : -EPROTO;
}

static char *qmp_name(void)
{
	static unsigned seq;

	return xasprintf("ktstr-qmp-%d-%u", getpid(),
			 __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
}

static char *qmp_chardev(const char *name)
{
	return xasprintf("socket,id=qmp,path=%s,abstract=on,server=on,wait=off", name);
}

/* Save the template: migrate to state_tmp and wait until QEMU says completed. */
static int save_template(struct build *b)
{
	struct qmp q = { .fd = -1 };
	uint64_t deadline = now_ns() + QMP_TIMEOUT_NS;
	_cleanup_free_ char *uri = xasprintf("exec:cat > '%s'", b->state_tmp);
	json_t *r = NULL;

	if (qmp_open(&q, b->sock, deadline, &b->why))
		goto out;
	r = qmp_cmd(&q, json_pack("{s:s, s:{s:s}}", "execute", "migrate", "arguments", "uri", uri),
		    deadline, &b->why);
	if (!r)
		goto out;
	json_decref(r);
	for (;;) {
		const char *st;

		r = qmp_cmd(&q, json_pack("{s:s}", "execute", "query-migrate"), deadline, &b->why);
		if (!r)
			goto out;
		st = json_string_value(json_object_get(r, "status"));
		if (str_eq(st, "completed")) {
			b->saved = true;
			break;
		}
		if (str_eq(st, "failed") || str_eq(st, "cancelled")) {
			const char *e = json_string_value(json_object_get(r, "error-desc"));

			b->why = xasprintf("QMP migrate %s: %s", st, e ?: "no reason given");
			break;
		}
		json_decref(r);
		r = NULL;
		if (now_ns() >= deadline) {
			b->why = xstrdup("QMP migrate: did not complete in time");
			break;
		}
		usleep(5000);
	}
out:
	json_decref(r);
	if (q.fd >= 0)
		close(q.fd);
	return 1;	/* stop the VM either way */
}

char **vm_snapshot__restore_args(const struct vm_snapshot *s, char **qmp)
{
	char **v = xcalloc(7, sizeof(*v));

	(void)s;
	*qmp = qmp_name();
	v[0] = xstrdup("-chardev");
	v[1] = qmp_chardev(*qmp);
	v[2] = xstrdup("-mon");
	v[3] = xstrdup("chardev=qmp,mode=control");
	v[4] = xstrdup("-incoming");
	v[5] = xstrdup("defer");
	return v;
}

int vm_snapshot__incoming(const struct vm_snapshot *s, const char *qmp, char **why)
{
	struct qmp q = { .fd = -1 };
	_cleanup_free_ char *uri = NULL;
	json_t *r = NULL;
	int ret;

	*why = NULL;
	if (!quotable(s->state)) {
		*why = xasprintf("%s: a path with a quote cannot go to QEMU's exec: migration",
				 s->state);
		return -EINVAL;
	}
	uri = xasprintf("exec:cat '%s'", s->state);
	ret = qmp_open(&q, qmp, now_ns() + QMP_TIMEOUT_NS, why);
	if (!ret) {
		r = qmp_cmd(&q, json_pack("{s:s, s:{s:s}}", "execute", "migrate-incoming",
					  "arguments", "uri", uri), now_ns() + QMP_TIMEOUT_NS, why);
		ret = r ? 0 : -EPROTO;
	}
	json_decref(r);
	if (q.fd >= 0)
		close(q.fd);
	return ret;
}

static int on_template_msg(void *ctx, const struct proto_msg *m)
{
	struct build *b = ctx;

	if (str_eq(m->type, MSG_READY))
		return save_template(b);
	if (str_eq(m->type, MSG_HELLO) || str_eq(m->type, MSG_DONE)) {
		b->why = xstrdup("the template's agent went on without waiting for a plan");
		return 1;
	}
	return 0;
}

static int write_meta(const char *dir, const char *key, const struct vm_config *cfg,
		      unsigned n, const uint64_t *bytes, char **why)
{
	json_t *ram = json_array();
	json_t *o;
	_cleanup_free_ char *p = xasprintf("%s/" META, dir), *text = NULL;
	_cleanup_free_ char *version = qemu_version(qemu__binary(cfg));
	char ksum[65], isum[65];
	int ret = 0;

	for (unsigned i = 0; i < n && !ret; i++) {
		_cleanup_free_ char *rp = xasprintf("%s/ram%u", dir, i);
		_cleanup_close_ int fd = open(rp, O_RDWR | O_CLOEXEC);
		uint32_t crc = 0;
		uint64_t data = 0;

		ret = fd < 0 ? -errno : scan_pages(fd, bytes[i], -1, true, &crc, &data);
		if (!ret && fsync(fd) < 0)
			ret = -errno;
		if (ret)
			*why = xasprintf("%s: %s", rp, strerror(-ret));
		json_array_append_new(ram, json_pack("{s:I, s:I, s:I}", "size", (json_int_t)bytes[i],
						     "data", (json_int_t)data, "crc32",
						     (json_int_t)crc));
	}
	/* what the key was made of, for a reader: the files by content, and QEMU */
	if (content_sum(cfg->kernel, ksum) || content_sum(cfg->initrd, isum))
		ksum[0] = isum[0] = '\0';
	o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s?, s:o}", "schema", META_SCHEMA, "key", key,
		      "kernel", cfg->kernel, "kernel_sha256", ksum, "initrd_sha256", isum,
		      "qemu", version, "ram", ram);
	text = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	if (!ret) {
		ret = write_file_atomic(p, text, strlen(text));
		if (ret)
			*why = xasprintf("%s: %s", p, strerror(-ret));
	}
	return ret;
}

/* Boot the template into tmp and save it there. */
static int build(const struct vm_config *cfg, const char *tmp, const char *key,
		 uint64_t boot_timeout_ns, int cancel_fd, char **why)
{
	uint64_t mb[SPEC_MAX_NUMA_NODES], bytes[SPEC_MAX_NUMA_NODES];
	unsigned n = qemu__node_memory(cfg, mb);
	int fds[SPEC_MAX_NUMA_NODES];
	_cleanup_free_ char *sock = qmp_name();
	_cleanup_free_ char *qmp = qmp_chardev(sock);
	_cleanup_free_ char *console = xasprintf("%s/console.log", tmp);
	_cleanup_free_ char *state_tmp = xasprintf("%s/state.part", tmp);
	_cleanup_free_ char *state = xasprintf("%s/state", tmp);
	const char *extra[] = { "-chardev", qmp, "-mon", "chardev=qmp,mode=control", NULL };
	struct vm_config c = *cfg;
	struct build b = { .sock = sock, .state_tmp = state_tmp };
	struct vm_run_opts o = {
		.cfg = &c, .dir = tmp, .boot_timeout_ns = boot_timeout_ns,
		.run_timeout_ns = boot_timeout_ns, .teardown_timeout_ns = 10 * NSEC_PER_SEC,
		.cancel_fd = cancel_fd, .on_msg = on_template_msg, .ctx = &b,
	};
	struct vm_result r;
	unsigned opened = 0;
	int ret = 0;

	if (!quotable(tmp)) {
		*why = xasprintf("%s: a path with a quote cannot go to QEMU's exec: migration", tmp);
		return -EINVAL;
	}
	for (; opened < n; opened++) {
		_cleanup_free_ char *p = xasprintf("%s/ram%u", tmp, opened);

		bytes[opened] = mb[opened] << 20;
		fds[opened] = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fds[opened] < 0 || ftruncate(fds[opened], bytes[opened]) < 0) {
			ret = -errno;
			*why = xasprintf("%s: %s", p, strerror(errno));
			if (fds[opened] >= 0)
				opened++;
			goto out;
		}
	}
	c.mem_fds = fds;
	c.nmem_fds = n;
	c.console_log = console;
	c.extra_args = extra;
	vm__run(&o, &r);
	if (!b.saved) {
		_cleanup_free_ char *lp = xasprintf("%s/qemu.log", tmp), *log = NULL;
		char *last;

		if (read_file(lp, &log, NULL) || !*str_trim(log))
			last = NULL;
		else
			last = strrchr(log, '\n') ? strrchr(log, '\n') + 1 : log;
		if (b.why)
			*why = TAKE_PTR(b.why);
		else
			*why = xasprintf("the template VM %s before its agent was ready (%s)%s%s",
					 vm_outcome_name(r.outcome), r.error ?: r.phase ?: "",
					 last ? ": " : "", last ?: "");
		ret = -EIO;
	} else {
		ret = kernel_derived__commit(state_tmp, state);
		if (ret)
			*why = xasprintf("%s: %s", state, strerror(-ret));
		ret = ret ?: write_meta(tmp, key, cfg, n, bytes, why);
	}
	free(b.why);
	vm_result__free(&r);
out:
	for (unsigned i = 0; i < opened; i++)
		close(fds[i]);
	return ret;
}

int vm_snapshot__get(const struct vm_config *cfg, const char *root, const char *key,
		     uint64_t boot_timeout_ns, int cancel_fd, struct vm_snapshot **out,
		     bool *built, char **why)
{
	_cleanup_free_ char *lock_path = xasprintf("%s/%s.lock", root, key);
	_cleanup_free_ char *dir = xasprintf("%s/%s", root, key);
	_cleanup_free_ char *tmp = xasprintf("%s/.tmp-%s-%d", root, key, getpid());
	_cleanup_close_ int lock = -1;
	int ret;

	*built = false;
	*why = NULL;
	ret = vm_snapshot__open(root, key, out, why);
	if (ret != -ENOENT && ret != -EBADMSG)
		return ret;
	free(*why);
	*why = NULL;
	/* one builder per key, across jobs and processes; the others wait here */
	lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock < 0 || flock(lock, LOCK_EX) < 0) {
		*why = xasprintf("%s: %s", lock_path, strerror(errno));
		return -errno;
	}
	ret = vm_snapshot__open(root, key, out, why);
	if (ret == 0)
		return 0;
	/* absent or damaged (why says how): build it again */
	free(*why);
	*why = NULL;
	if (!access(dir, F_OK) && (ret = rm_rf(dir)) < 0) {
		*why = xasprintf("%s: removing a damaged snapshot: %s", dir, strerror(-ret));
		return ret;
	}
	rm_rf(tmp);
	ret = mkdir_p(tmp, 0755);
	if (ret) {
		*why = xasprintf("%s: %s", tmp, strerror(-ret));
		return ret;
	}
	ret = build(cfg, tmp, key, boot_timeout_ns, cancel_fd, why);
	if (!ret && rename(tmp, dir) < 0) {
		ret = -errno;
		*why = xasprintf("%s: %s", dir, strerror(errno));
	}
	if (ret) {
		rm_rf(tmp);
		return ret;
	}
	*built = true;
	return vm_snapshot__open(root, key, out, why);
}
