// SPDX-License-Identifier: GPL-2.0-only
/* Temporary: fetch/build entry points until deb.c, download.c and build.c land. */
#include <errno.h>

#include "kernel/kernel.h"

int kernel__download(const char *url, const char *dest, const char *sha256,
		     const struct kernel_progress *p, char **err)
{
	*err = xstrdup("not implemented yet");
	return -ENOSYS;
}

int kernel__untar(const char *tarball, const char *destdir, char **topdir, char **err)
{
	*err = xstrdup("not implemented yet");
	return -ENOSYS;
}

int kernel__build(const struct kernel_build_opts *o, char **key_out, char **err)
{
	*err = xstrdup("not implemented yet");
	return -ENOSYS;
}

const char *kernel__kconfig_path(void)
{
	return KTSTR_SRCDIR "/kconfig/ktstr.kconfig";
}
