// SPDX-License-Identifier: GPL-2.0-only
/* ktstr-kernel: list, fetch, build, inspect and resolve kernels for ktstr. */
#include "kernel/kernel.h"

int main(int argc, char **argv)
{
	struct kernel_image *k;
	char *err = NULL;

	if (kernel__resolve(argc > 2 ? argv[2] : NULL, &k, &err) < 0) {
		fprintf(stderr, "ktstr-kernel: %s\n", err);
		return 1;
	}
	printf("%s\n%s\n", k->image, k->why);
	kernel_image__free(k);
	return 0;
}
