// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loads kconfig.bpf.c with libbpf as a scheduler binary would load its
 * object, runs it once and prints the kernel config values it read:
 * "CONFIG_HZ=250 CONFIG_PREEMPT_RCU=1 ...". Exits 1 when libbpf cannot
 * load it (no kernel config in the guest). tests/vm/guest-env.sh runs it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tests/guest/kconfig.skel.h"

static int print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, ap);
}

int main(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	struct kconfig *skel;
	int ret;

	libbpf_set_print(print);
	skel = kconfig__open_and_load();
	if (!skel) {
		fprintf(stderr, "kconfig-load: loading the object failed\n");
		return 1;
	}
	ret = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.read_kconfig), &opts);
	if (ret || opts.retval) {
		fprintf(stderr, "kconfig-load: running it failed: %d/%u\n", ret, opts.retval);
		kconfig__destroy(skel);
		return 1;
	}
	printf("CONFIG_HZ=%d CONFIG_PREEMPT_RCU=%d CONFIG_KTSTR_NO_SUCH_OPTION=%d\n",
	       skel->bss->hz, skel->bss->preempt_rcu, skel->bss->no_such);
	kconfig__destroy(skel);
	return 0;
}
