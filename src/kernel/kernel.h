/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel images for test VMs: discovery (ktstr's chain), the content-keyed
 * cache, fetching and building, and what ktstr needs to know of an image.
 */
#ifndef KTSTR_KERNEL_H
#define KTSTR_KERNEL_H

#include "util/util.h"

struct kernel_image {
	char *image;		/* bootable bzImage */
	char *version;		/* "7.3.4+deb13-cloud-amd64" */
	char *config;		/* path to its .config, or NULL when unknown */
	char *key;		/* cache key, or NULL when not from the cache */
	char *source;		/* "cache", "KTSTR_TEST_KERNEL", "./linux", "/boot", ... */
	char *why;		/* one line: which kernel and why it was chosen */
	bool sched_ext;		/* CONFIG_SCHED_CLASS_EXT=y */
	bool btf;		/* CONFIG_DEBUG_INFO_BTF=y */
	bool config_known;	/* the two flags above come from a real config */
};

/*
 * Resolve a selector (spec `kernel:` / --kernel / KTSTR_KERNEL: a path to an
 * image or build tree, a version, a cache key; NULL = discover). On a miss
 * *err says how to get the kernel instead of substituting another.
 */
int kernel__resolve(const char *selector, struct kernel_image **out, char **err);
void kernel_image__free(struct kernel_image *k);

/* Default guest command line pieces for ktstr VMs (console, panic, ...). */
const char *kernel__default_cmdline(void);

#endif
