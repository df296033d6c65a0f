// SPDX-License-Identifier: GPL-2.0-only
/* Kernel helpers: spawning apt/make with captured output, crc32, file copies, sha256. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <spawn.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <zlib.h>

#include "kernel/internal.h"

extern char **environ;

#define TAIL_LINES 25

struct tail {
	char *lines[TAIL_LINES];
	unsigned next;
};

static void tail_push(struct tail *t, const char *line)
{
	free(t->lines[t->next]);
	t->lines[t->next] = xstrdup(line);
	t->next = (t->next + 1) % TAIL_LINES;
}

static char *tail_join(struct tail *t)
{
	size_t len = 0, off = 0;
	char *s;

	for (unsigned i = 0; i < TAIL_LINES; i++)
		if (t->lines[i])
			len += strlen(t->lines[i]) + 1;
	s = xmalloc(len + 1);
	for (unsigned i = 0; i < TAIL_LINES; i++) {
		char *l = t->lines[(t->next + i) % TAIL_LINES];

		if (!l)
			continue;
		off += snprintf(s + off, len + 1 - off, "%s\n", l);
		free(l);
	}
	s[off] = '\0';
	return s;
}

void kernel_say(const struct kernel_progress *p, const char *fmt, ...)
{
	_cleanup_free_ char *s = NULL;
	va_list ap;

	if (!p || !p->line)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s)
		p->line(p->ctx, s);
}

/* The environment with LC_ALL=C: apt's and make's messages are parsed for hints. */
static char **c_locale_env(void)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = xcalloc(n + 2, sizeof(*env));
	for (size_t i = 0; i < n; i++)
		if (!str_startswith(environ[i], "LC_ALL=") && !str_startswith(environ[i], "LANGUAGE="))
			env[k++] = environ[i];
	env[k++] = (char *)"LC_ALL=C";
	env[k] = NULL;
	return env;
}

int kernel_run(const char *const argv[], const char *cwd, const struct kernel_progress *p, char **tail_out)
{
	_cleanup_free_ char **env = c_locale_env();
	posix_spawn_file_actions_t fa;
	struct tail tail = { 0 };
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	int pipefd[2], status, ret;
	pid_t pid;
	FILE *f;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	if (cwd)
		posix_spawn_file_actions_addchdir_np(&fa, cwd);
	ret = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, env);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (ret) {
		close(pipefd[0]);
		return -ret;
	}
	f = fdopen(pipefd[0], "r");
	if (!f) {
		close(pipefd[0]);
	} else {
		ssize_t n;

		while ((n = getline(&line, &cap, f)) > 0) {
			if (line[n - 1] == '\n')
				line[n - 1] = '\0';
			tail_push(&tail, line);
			if (p && p->line)
				p->line(p->ctx, line);
		}
		fclose(f);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (tail_out)
		*tail_out = tail_join(&tail);
	else
		free(tail_join(&tail));
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int kernel_crc32_file(const char *path, char out[9])
{
	_cleanup_close_ int fd = -1;
	unsigned char buf[65536];
	uLong crc = crc32(0, NULL, 0);
	ssize_t r;

	if (!path) {
		snprintf(out, 9, "%08x", 0);
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		crc = crc32(crc, buf, r);
	if (r < 0)
		return -errno;
	snprintf(out, 9, "%08lx", crc);
	return 0;
}

int kernel_copy_file(const char *src, const char *dst)
{
	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	char buf[65536];
	ssize_t r;

	if (in < 0)
		return -errno;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return -errno;
	while ((r = read(in, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < r;) {
			ssize_t w = write(out, buf + off, r - off);

			if (w < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			off += w;
		}
	}
	if (r < 0)
		return -errno;
	return fsync(out) < 0 ? -errno : 0;
}

const char *kernel_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* OpenSSL's libcrypto (EVP) supplies sha256: no hand-rolled hashing. */
int kernel__sha256_file(const char *path, char out[65])
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx;
	ssize_t r;
	int ret = 0;

	if (fd < 0)
		return -errno;
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(ctx);
		return -ENOMEM;
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(ctx, buf, r);
	if (r < 0)
		ret = -errno;
	else if (!EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != 32)
		ret = -EIO;
	EVP_MD_CTX_free(ctx);
	if (ret)
		return ret;
	hex_encode(md, 32, out);
	return 0;
}
