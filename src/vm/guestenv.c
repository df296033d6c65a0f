// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest as an ordinary machine: what a scheduler binary built for a
 * normal Linux system expects besides the mounts the agent makes (a shell
 * and the usual tools on PATH, root in /etc/passwd, /etc/os-release, the
 * kernel's config where libbpf looks for __kconfig values).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include "vm/initramfs.h"

extern char **environ;

#define APPLETS_MAX (64 * 1024)	/* bytes of `busybox --list`: ~400 names, ~3 KiB */

/*
 * The files of /etc a program reads to learn who and where it is: user and
 * group names (getpwuid(0), `id`, `ls -l`), the host name, and os-release
 * for tools that report the distribution.
 */
static const struct {
	const char *path, *text;
} etc_files[] = {
	{ "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n" },
	{ "/etc/group", "root:x:0:\n" },
	{ "/etc/hostname", "ktstr\n" },
	{ "/etc/os-release",
	  "NAME=\"ktstr guest\"\n"
	  "ID=ktstr\n"
	  "PRETTY_NAME=\"ktstr guest " PACKAGE_VERSION "\"\n"
	  "VERSION_ID=\"" PACKAGE_VERSION "\"\n" },
};

char *guest_env__busybox(void)
{
	const char *env = getenv("KTSTR_BUSYBOX");
	_cleanup_free_ char *path = xstrdup(getenv("PATH") ?: "/usr/bin:/bin");
	char *save = NULL;

	if (env && *env)
		return access(env, X_OK) ? NULL : xstrdup(env);
	for (char *d = strtok_r(path, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/busybox", d);

		if (d[0] == '/' && !access(p, X_OK))
			return p;
		free(p);
	}
	return access("/bin/busybox", X_OK) ? NULL : xstrdup("/bin/busybox");
}

/*
 * `busybox --list`: the applets this busybox was built with, one per line.
 * Asked on the host (about 1 ms) so that the guest boots with the links in
 * place rather than running `busybox --install` on every boot under TCG.
 */
static int busybox_applets(const char *busybox, char **out, char **err)
{
	const char *argv[] = { busybox, "--list", NULL };
	posix_spawn_file_actions_t fa;
	size_t len = 0, cap = 4096;
	char *buf = xmalloc(cap);
	int pfd[2], status, ret;
	pid_t pid = -1;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		free(buf);
		return -errno;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	ret = -posix_spawn(&pid, busybox, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (ret)
		pid = -1;
	close(pfd[1]);
	for (;;) {
		ssize_t r;

		if (ret)
			break;
		if (len + 1 >= cap) {
			if (cap >= APPLETS_MAX) {
				ret = -E2BIG;
				break;
			}
			buf = xrealloc(buf, cap *= 2);
		}
		r = read(pfd[0], buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0)
				ret = -errno;
			break;
		}
		len += r;
	}
	close(pfd[0]);
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!ret && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			ret = -EIO;
	}
	buf[len] = '\0';
	if (ret) {
		*err = xasprintf("%s --list: %s", busybox,
				 ret == -EIO ? "failed (is it a busybox?)" : strerror(-ret));
		free(buf);
		return ret;
	}
	*out = buf;
	return 0;
}

int initramfs__add_guest_env(struct initramfs *ir, const struct guest_env *env, char **err)
{
	int ret = 0;

	*err = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(etc_files) && !ret; i++)
		ret = initramfs__add_data(ir, etc_files[i].path, etc_files[i].text,
					  strlen(etc_files[i].text), 0644);
	if (!ret && env->kconfig && env->kversion) {
		_cleanup_free_ char *gp = xasprintf("/boot/config-%s", env->kversion);

		if (strchr(env->kversion, '/'))
			ret = -EINVAL;
		else
			ret = initramfs__add_file(ir, env->kconfig, gp);
		if (ret)
			*err = xasprintf("the kernel config %s as %s: %s", env->kconfig, gp,
					 strerror(-ret));
	}
	if (!ret && env->busybox) {
		_cleanup_free_ char *applets = NULL;
		char *save = NULL;

		ret = initramfs__add_elf(ir, env->busybox, "/bin/busybox", err);
		if (!ret)
			ret = busybox_applets(env->busybox, &applets, err);
		for (char *a = ret ? NULL : strtok_r(applets, "\n", &save); a && !ret;
		     a = strtok_r(NULL, "\n", &save)) {
			_cleanup_free_ char *gp = NULL;

			/* a name only: never a path that leaves /bin */
			if (!*a || strchr(a, '/') || str_eq(a, "busybox") || str_eq(a, ".") ||
			    str_eq(a, ".."))
				continue;
			gp = xasprintf("/bin/%s", a);
			if (!initramfs__has(ir, gp))
				ret = initramfs__add_symlink(ir, gp, "busybox");
		}
		if (ret && !*err)
			*err = xasprintf("%s: linking its applets: %s", env->busybox, strerror(-ret));
	}
	return ret;
}
