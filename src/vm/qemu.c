// SPDX-License-Identifier: GPL-2.0-only
/* QEMU command lines for test VMs: accelerator, machine, topology, NUMA, channel. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include "spec/cmdline.h"
#include "vm/qemu.h"

static bool cpuinfo_has_virt(const char *proc_root)
{
	_cleanup_free_ char *path = xasprintf("%s/proc/cpuinfo", proc_root);
	_cleanup_free_ char *s = NULL;
	char *line, *save = NULL;

	if (read_file(path, &s, NULL))
		return false;
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tok, *save2 = NULL;

		if (!str_startswith(line, "flags"))
			continue;
		line = strchr(line, ':');
		if (!line)
			continue;
		for (tok = strtok_r(line + 1, " \t", &save2); tok; tok = strtok_r(NULL, " \t", &save2))
			if (str_eq(tok, "vmx") || str_eq(tok, "svm"))
				return true;
		return false;	/* the first CPU's flags are enough */
	}
	return false;
}

bool qemu__pick_accel(enum vm_accel want, const char *proc_root, char **reason)
{
	_cleanup_free_ char *kvm = xasprintf("%s/dev/kvm", proc_root);
	int fd;
	bool virt;

	if (want == VM_ACCEL_KVM) {
		*reason = xstrdup("kvm (requested with --accel kvm)");
		return true;
	}
	if (want == VM_ACCEL_TCG) {
		*reason = xstrdup("tcg (requested with --accel tcg)");
		return false;
	}
	fd = open(kvm, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		*reason = xasprintf("tcg (%s: %s)", kvm, strerror(errno));
		return false;
	}
	close(fd);
	virt = cpuinfo_has_virt(proc_root);
	if (!virt) {
		*reason = xstrdup("tcg (/dev/kvm opens but /proc/cpuinfo shows no vmx/svm)");
		return false;
	}
	*reason = xstrdup("kvm (/dev/kvm opens and the CPU has vmx/svm)");
	return true;
}

/*
 * q35 for every shape. microvm boots ~1 s faster under TCG (measured on
 * 1n1l2c1t: 6.8 s vs 7.9 s median to a trivial init) but has no NUMA and
 * its results channel is the second UART, ~60 KB/s under TCG against
 * ~7 MB/s for q35's virtio-serial: 2 MB of output took 30 s vs 0.27 s, and
 * telemetry with wake-latency samples runs to megabytes. KTSTR_MACHINE or
 * vm_config.machine still selects microvm for small single-node runs.
 */
enum vm_machine qemu__pick_machine(const struct vm_config *c)
{
	return c->machine != VM_MACHINE_AUTO ? c->machine : VM_MACHINE_Q35;
}

const char *qemu__machine_name(enum vm_machine m)
{
	return m == VM_MACHINE_MICROVM ? "microvm" : "q35";
}

const char *qemu__channel_device(enum vm_machine m)
{
	return m == VM_MACHINE_MICROVM ? "/dev/ttyS1" : "/dev/vport0p1";
}

const char *qemu__binary(const struct vm_config *c)
{
	const char *s;

	if (c->qemu)
		return c->qemu;
	if ((s = getenv("KTSTR_QEMU")) && *s)
		return s;
	if ((s = getenv("QEMU")) && *s)
		return s;
	return "qemu-system-x86_64";
}

unsigned qemu__host_tsc_khz(void)
{
#if defined(__x86_64__) || defined(__i386__)
	struct timespec req = { 0, 20 * NSEC_PER_MSEC };
	uint64_t t0, t1, c0, c1;

	c0 = __rdtsc();
	t0 = now_ns();
	nanosleep(&req, NULL);
	c1 = __rdtsc();
	t1 = now_ns();
	if (t1 <= t0 || c1 <= c0)
		return 0;
	return (unsigned)((c1 - c0) * 1000000ULL / (t1 - t0));
#else
	return 0;
#endif
}

static char *append(char *s, const char *add)
{
	char *n = s ? xasprintf("%s %s", s, add) : xstrdup(add);

	free(s);
	return n;
}

/*
 * The harness's words (spec/cmdline.c, which also refuses them in a spec),
 * the machine's, then the test's checked kargs. Sysctls are not here: the
 * agent writes them, so one the kernel refuses fails the test.
 */
char *qemu__kernel_cmdline(const struct vm_config *c)
{
	char *s = NULL;

	for (size_t i = 0; spec_cmdline_base[i]; i++)
		s = append(s, spec_cmdline_base[i]);
	if (qemu__pick_machine(c) == VM_MACHINE_MICROVM)
		s = append(s, "pci=off");
	/*
	 * microvm has no port 0x61, HPET or PM timer: the kernel cannot calibrate
	 * the TSC and hangs with ACPI on. TCG's TSC runs at the host's rate.
	 */
	if (!c->kvm && c->tsc_khz) {
		_cleanup_free_ char *k = xasprintf("tsc_early_khz=%u", c->tsc_khz);

		s = append(s, k);
	}
	/* as in ktstr: a memory-only (CXL-like) tier turns NUMA balancing on */
	if (c->topo.memory_only_nodes)
		s = append(s, "numa_balancing=enable");
	for (size_t i = 0; c->kargs && c->kargs[i]; i++)
		s = append(s, c->kargs[i]);
	return s;
}

static void push(char ***argv, size_t *n, char *s)
{
	*(char **)array_push(argv, n, sizeof(char *)) = s;
}

#define PUSH(...) push(&v, &n, xasprintf(__VA_ARGS__))

unsigned qemu__node_memory(const struct vm_config *c, uint64_t *node_mb)
{
	/* the CPU nodes, then the memory-only ones (as qemu__argv numbers them) */
	unsigned nodes = MIN(MAX(c->topo.numa_nodes, 1u) + c->topo.memory_only_nodes,
			     (unsigned)SPEC_MAX_NUMA_NODES);

	for (unsigned i = 0; i < nodes; i++)
		node_mb[i] = spec_topology__node_memory_mb(&c->topo, i, c->memory_mb);
	return nodes;
}

int qemu__mem_fd_target(const struct vm_config *c, unsigned i)
{
	int base = 3;

	/* above every source fd, so no dup2 in the child clobbers one not yet moved */
	for (unsigned k = 0; k < c->nmem_fds; k++)
		base = MAX(base, c->mem_fds[k] + 1);
	return base + (int)i;
}

/* One node's RAM: host-readable memfd when the monitor asked for it, else anonymous. */
static char *mem_backend(const struct vm_config *c, unsigned i, uint64_t mb)
{
	if (c->mem_fds && i < c->nmem_fds)
		return xasprintf("memory-backend-file,id=mem%u,size=%" PRIu64
				 "M,mem-path=/proc/self/fd/%d,share=on", i, mb,
				 qemu__mem_fd_target(c, i));
	return xasprintf("memory-backend-ram,id=mem%u,size=%" PRIu64 "M", i, mb);
}

int qemu__argv(const struct vm_config *c, char ***argv, char **err)
{
	const struct spec_topology *t = &c->topo;
	enum vm_machine m = qemu__pick_machine(c);
	/* cpu_nodes carry the LLCs; the memory-only nodes after them get no -numa cpu */
	unsigned cpu_nodes = MAX(t->numa_nodes, 1u), nodes = cpu_nodes + t->memory_only_nodes;
	unsigned llcs = MAX(t->llcs, 1u);
	unsigned cores = MAX(t->cores, 1u), threads = MAX(t->threads, 1u);
	uint64_t node_mb[SPEC_MAX_NUMA_NODES], total = 0;
	char **v = NULL;
	size_t n = 0;

	*err = NULL;
	if (nodes > SPEC_MAX_NUMA_NODES) {
		*err = xasprintf("%u NUMA nodes (%u with CPUs, %u memory-only): at most %d are supported",
				 nodes, cpu_nodes, t->memory_only_nodes, SPEC_MAX_NUMA_NODES);
		return -EINVAL;
	}
	if (llcs % cpu_nodes) {
		*err = xasprintf("%u LLCs cannot be spread evenly over %u NUMA nodes", llcs, cpu_nodes);
		return -EINVAL;
	}
	if (m == VM_MACHINE_MICROVM && nodes > 1) {
		*err = xstrdup("microvm has no NUMA: use q35 for more than one node");
		return -EINVAL;
	}
	if (m == VM_MACHINE_MICROVM && c->shell_fd > 0) {
		*err = xstrdup("the shell's console is a virtconsole: use q35, not microvm");
		return -EINVAL;
	}
	qemu__node_memory(c, node_mb);
	for (unsigned i = 0; i < nodes; i++)
		total += node_mb[i];
	if (c->mem_fds && c->nmem_fds != nodes) {
		*err = xasprintf("%u RAM backends for %u NUMA nodes", c->nmem_fds, nodes);
		return -EINVAL;
	}

	PUSH("%s", qemu__binary(c));
	PUSH("-nodefaults");
	PUSH("-no-user-config");
	PUSH("-display");
	PUSH("none");
	PUSH("-no-reboot");
	PUSH("-machine");
	if (m == VM_MACHINE_MICROVM)
		PUSH("microvm,pit=on,pic=on,rtc=on%s", nodes == 1 && c->mem_fds ?
		     ",memory-backend=mem0" : "");
	else
		PUSH("q35%s", nodes == 1 && c->mem_fds ? ",memory-backend=mem0" : "");
	PUSH("-accel");
	/*
	 * Single-threaded TCG by default: multi-threaded TCG races with a guest
	 * that patches its own text (static keys, which sched_ext and
	 * kernel.sched_schedstats toggle), and the guest dies on a stale int3
	 * ("Oops: int3"): 7 of 27 stress runs under thread=multi, 0 of 32 under
	 * thread=single, with no loss in suite time on this 2-core host (the
	 * example specs: 86-88 s single, 87-100 s multi). KTSTR_TCG_THREAD=multi
	 * opts back in.
	 */
	if (c->kvm)
		PUSH("kvm");
	else
		PUSH("tcg,thread=%s", str_eq(getenv("KTSTR_TCG_THREAD"), "multi") ? "multi" :
		     "single");
	PUSH("-cpu");
	PUSH(c->kvm ? "host" : "max");
	/* each LLC is a socket: QEMU 7.2 shares the L3 per socket */
	PUSH("-smp");
	PUSH("cpus=%u,sockets=%u,cores=%u,threads=%u", llcs * cores * threads, llcs, cores,
	     threads);
	PUSH("-m");
	PUSH("%" PRIu64 "M", total);
	if (nodes == 1 && c->mem_fds) {
		PUSH("-object");
		push(&v, &n, mem_backend(c, 0, node_mb[0]));
	}
	if (nodes > 1) {
		for (unsigned i = 0; i < nodes; i++) {
			PUSH("-object");
			push(&v, &n, mem_backend(c, i, node_mb[i]));
			PUSH("-numa");
			PUSH("node,nodeid=%u,memdev=mem%u", i, i);
		}
		for (unsigned s = 0; s < llcs; s++) {
			PUSH("-numa");
			PUSH("cpu,node-id=%u,socket-id=%u", s / (llcs / cpu_nodes), s);
		}
		for (unsigned a = 0; t->has_distances && a < nodes; a++)
			for (unsigned b = 0; b < nodes; b++) {
				if (a == b)
					continue;
				PUSH("-numa");
				PUSH("dist,src=%u,dst=%u,val=%u", a, b, t->distance[a][b]);
			}
	}
	PUSH("-kernel");
	PUSH("%s", c->kernel);
	if (c->initrd) {
		PUSH("-initrd");
		PUSH("%s", c->initrd);
	}
	PUSH("-append");
	push(&v, &n, qemu__kernel_cmdline(c));
	PUSH("-chardev");
	PUSH("file,id=con,path=%s", c->console_log ? c->console_log : "/dev/null");
	PUSH("-serial");
	PUSH("chardev:con");
	/* the results channel is QEMU's stdout, a pipe to the host */
	PUSH("-chardev");
	PUSH("stdio,id=ktstr,signal=off");
	if (m == VM_MACHINE_MICROVM) {
		PUSH("-device");
		PUSH("isa-serial,iobase=0x2f8,irq=3,chardev=ktstr");
	} else {
		PUSH("-device");
		PUSH("virtio-serial-pci");
		PUSH("-device");
		PUSH("virtserialport,chardev=ktstr,name=ktstr");
	}
	if (c->shell_fd > 0) {
		PUSH("-chardev");
		PUSH("socket,id=shell,fd=%d", c->shell_fd);
		PUSH("-device");
		PUSH("virtconsole,chardev=shell,name=ktstr-shell");
	}
	for (size_t i = 0; c->extra_args && c->extra_args[i]; i++)
		PUSH("%s", c->extra_args[i]);
	push(&v, &n, NULL);
	*argv = v;
	return 0;
}

void qemu__argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

char *qemu__argv_string(char *const *argv)
{
	char *s = NULL;

	for (size_t i = 0; argv[i]; i++) {
		const char *a = argv[i];
		bool plain = *a != '\0';
		_cleanup_free_ char *q = NULL;

		for (const char *p = a; *p && plain; p++)
			plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				       "-_=,./:+@%", *p);
		if (plain) {
			s = append(s, a);
			continue;
		}
		q = xstrdup("'");
		for (const char *p = a; *p; p++) {
			char *nq = *p == '\'' ? xasprintf("%s'\\''", q) : xasprintf("%s%c", q, *p);

			free(q);
			q = nq;
		}
		{
			char *nq = xasprintf("%s'", q);

			free(q);
			q = nq;
		}
		s = append(s, q);
	}
	return s;
}
