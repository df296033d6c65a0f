// SPDX-License-Identifier: GPL-2.0-only
/*
 * A BPF program with __kconfig externs, as the common scx headers have:
 * libbpf fills them from /boot/config-$(uname -r) or /proc/config.gz when
 * it loads the object, and refuses to load it when neither exists. Run
 * once through BPF_PROG_TEST_RUN, it copies the values to .bss.
 */
#include <linux/bpf.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

extern int CONFIG_HZ __kconfig;
extern bool CONFIG_PREEMPT_RCU __kconfig __weak;
extern bool CONFIG_KTSTR_NO_SUCH_OPTION __kconfig __weak;

int hz;
int preempt_rcu;
int no_such;

SEC("syscall")
int read_kconfig(void *ctx)
{
	hz = CONFIG_HZ;
	preempt_rcu = CONFIG_PREEMPT_RCU;
	no_such = CONFIG_KTSTR_NO_SUCH_OPTION;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
