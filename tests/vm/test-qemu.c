// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for src/vm/qemu.c: accelerator choice, machine, topology and NUMA arguments. */
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <sys/stat.h>

#include "tap.h"
#include "spec/cmdline.h"
#include "vm/qemu.h"
#include "vm/snapshot.h"

static bool has_pair(char **argv, const char *opt, const char *val)
{
	for (size_t i = 0; argv[i] && argv[i + 1]; i++)
		if (str_eq(argv[i], opt) && str_eq(argv[i + 1], val))
			return true;
	return false;
}

static const char *value_of(char **argv, const char *opt)
{
	for (size_t i = 0; argv[i] && argv[i + 1]; i++)
		if (str_eq(argv[i], opt))
			return argv[i + 1];
	return NULL;
}

static void test_numa(void)
{
	struct vm_config c = { .kernel = "/k", .initrd = "/i", .memory_mb = 1024,
			       .console_log = "/r/console.log",
			       .topo = { .numa_nodes = 2, .llcs = 4, .cores = 2, .threads = 1 } };
	const char *const kargs[] = { "sched_ext.slice=5", NULL };
	char **argv = NULL, *err = NULL;

	c.kargs = kargs;
	tap_ok(qemu__argv(&c, &argv, &err) == 0, "2n4l2c1t builds");
	tap_ok(qemu__pick_machine(&c) == VM_MACHINE_Q35 && has_pair(argv, "-machine", "q35"),
	       "NUMA needs q35");
	tap_ok(has_pair(argv, "-smp", "cpus=8,sockets=4,cores=2,threads=1"), "each LLC is a socket");
	tap_ok(has_pair(argv, "-numa", "cpu,node-id=0,socket-id=1") &&
	       has_pair(argv, "-numa", "cpu,node-id=1,socket-id=2") &&
	       has_pair(argv, "-numa", "cpu,node-id=1,socket-id=3"), "sockets grouped into nodes");
	tap_ok(has_pair(argv, "-object", "memory-backend-ram,id=mem1,size=512M") &&
	       has_pair(argv, "-numa", "node,nodeid=1,memdev=mem1") && has_pair(argv, "-m", "1024M"),
	       "memory split evenly over nodes");
	tap_ok(has_pair(argv, "-accel", "tcg,thread=single") && has_pair(argv, "-cpu", "max"),
	       "TCG with -cpu max");
	tap_ok(has_pair(argv, "-device", "virtserialport,chardev=ktstr,name=ktstr") &&
	       has_pair(argv, "-chardev", "file,id=con,path=/r/console.log"),
	       "q35: virtio-serial channel, console to file");
	tap_ok(strstr(value_of(argv, "-append"), "console=ttyS0 panic=-1 rdinit=/init") &&
	       str_endswith(value_of(argv, "-append"), "sched_ext.slice=5") &&
	       !strstr(value_of(argv, "-append"), "pci=off"), "kernel cmdline: defaults, then extras");
	tap_ok(argv[0] && strstr(argv[0], "qemu"), "argv[0] is QEMU");
	qemu__argv_free(argv);

	c.topo.has_distances = true;
	c.topo.distance[0][1] = 21;
	c.topo.distance[1][0] = 31;
	c.topo.node_memory_mb[0] = 300;
	c.topo.node_memory_mb[1] = 700;
	qemu__argv(&c, &argv, &err);
	tap_ok(has_pair(argv, "-numa", "dist,src=0,dst=1,val=21") &&
	       has_pair(argv, "-numa", "dist,src=1,dst=0,val=31"), "distances passed");
	tap_ok(has_pair(argv, "-m", "1000M") &&
	       has_pair(argv, "-object", "memory-backend-ram,id=mem0,size=300M"),
	       "per-node memory from the spec");
	qemu__argv_free(argv);

	c.topo.llcs = 3;
	tap_ok(qemu__argv(&c, &argv, &err) == -EINVAL && err, "3 LLCs over 2 nodes is refused");
	free(err);
}

/* Some "-opt VALUE" whose value contains part (the backend type may change). */
static bool has_pair_containing(char **argv, const char *opt, const char *part)
{
	for (size_t i = 0; argv[i] && argv[i + 1]; i++)
		if (str_eq(argv[i], opt) && strstr(argv[i + 1], part))
			return true;
	return false;
}

/* A memory-only (CXL-like) node: memory and a node id, no CPUs, NUMA balancing on. */
static void test_memory_only(void)
{
	struct vm_config c = { .kernel = "/k", .memory_mb = 512,
			       .topo = { .numa_nodes = 1, .memory_only_nodes = 1, .llcs = 2,
					 .cores = 1, .threads = 1,
					 .node_memory_mb = { 384, 128 } } };
	char **argv = NULL, *err = NULL;

	tap_ok(qemu__argv(&c, &argv, &err) == 0, "1n2l1c1t+1m builds");
	tap_ok(has_pair(argv, "-numa", "node,nodeid=0,memdev=mem0") &&
	       has_pair(argv, "-numa", "node,nodeid=1,memdev=mem1") &&
	       has_pair_containing(argv, "-object", "id=mem1,size=128M") &&
	       has_pair(argv, "-m", "512M"), "the memory-only node has its memory");
	tap_ok(has_pair(argv, "-numa", "cpu,node-id=0,socket-id=0") &&
	       has_pair(argv, "-numa", "cpu,node-id=0,socket-id=1") &&
	       !has_pair_containing(argv, "-numa", "cpu,node-id=1"),
	       "both sockets on node 0, none on the memory-only node");
	tap_ok(strstr(value_of(argv, "-append"), "numa_balancing=enable") != NULL,
	       "a memory-only node turns NUMA balancing on");
	qemu__argv_free(argv);

	/* --topology 2n2l1c1t+7m is not validated as a spec is: 9 nodes are refused, by name */
	c.topo.memory_only_nodes = 7;
	c.topo.numa_nodes = 2;
	{
		int ret = qemu__argv(&c, &argv, &err);

		tap_ok(ret == -EINVAL && err && !strcmp(err, "9 NUMA nodes (2 with CPUs, 7 memory-only): "
							"at most 8 are supported"),
		       "too many nodes in all: %s", err ? err : "(no error)");
	}
	free(err);
	err = NULL;

	c.topo.memory_only_nodes = 0;
	qemu__argv(&c, &argv, &err);
	tap_ok(!strstr(value_of(argv, "-append"), "numa_balancing"),
	       "CPU nodes alone leave NUMA balancing to the kernel");
	qemu__argv_free(argv);
}

static void test_single(void)
{
	struct vm_config c = { .kernel = "/k", .memory_mb = 256, .tsc_khz = 2000000,
			       .machine = VM_MACHINE_MICROVM,
			       .topo = { .numa_nodes = 1, .llcs = 1, .cores = 1, .threads = 2 } };
	char **argv = NULL, *err = NULL, *s;

	tap_ok(qemu__argv(&c, &argv, &err) == 0, "1n1l1c2t builds");
	tap_ok(qemu__pick_machine(&c) == VM_MACHINE_MICROVM, "microvm when asked");
	tap_ok(has_pair(argv, "-device", "isa-serial,iobase=0x2f8,irq=3,chardev=ktstr"),
	       "microvm: channel on the second UART");
	tap_ok(strstr(value_of(argv, "-append"), "pci=off") &&
	       strstr(value_of(argv, "-append"), "tsc_early_khz=2000000"),
	       "microvm: pci=off and the TSC rate");
	tap_is_str(qemu__channel_device(VM_MACHINE_MICROVM), "/dev/ttyS1", "guest channel device");
	s = qemu__argv_string(argv);
	tap_ok(strstr(s, " -append 'console=ttyS0 ") != NULL, "command line string quotes spaces");
	free(s);
	qemu__argv_free(argv);
	{
		char a1[] = "a b", a2[] = "it's", a3[] = "plain";
		char *q[] = { a1, a2, a3, NULL };

		s = qemu__argv_string(q);
		tap_is_str(s, "'a b' 'it'\\''s' plain", "shell quoting");
		free(s);
	}
	setenv("KTSTR_TCG_THREAD", "multi", 1);
	qemu__argv(&c, &argv, &err);
	tap_ok(has_pair(argv, "-accel", "tcg,thread=multi"), "KTSTR_TCG_THREAD=multi");
	unsetenv("KTSTR_TCG_THREAD");
	qemu__argv_free(argv);
	c.machine = VM_MACHINE_AUTO;
	tap_ok(qemu__pick_machine(&c) == VM_MACHINE_Q35, "default machine: q35 (fast channel)");
	c.kvm = true;
	qemu__argv(&c, &argv, &err);
	tap_ok(has_pair(argv, "-accel", "kvm") && has_pair(argv, "-cpu", "host") &&
	       !strstr(value_of(argv, "-append"), "tsc_early_khz"), "KVM: -cpu host, no TSC hint");
	qemu__argv_free(argv);
}

static void test_accel(void)
{
	char dir[] = "/tmp/ktstr-test-qemu.XXXXXX", *reason = NULL, *p;
	bool kvm;

	if (!mkdtemp(dir))
		return;
	p = xasprintf("%s/proc", dir);
	mkdir(p, 0755);
	free(p);
	p = xasprintf("%s/dev", dir);
	mkdir(p, 0755);
	free(p);
	kvm = qemu__pick_accel(VM_ACCEL_AUTO, dir, &reason);
	tap_ok(!kvm && strstr(reason, "tcg") && strstr(reason, "/dev/kvm"),
	       "no /dev/kvm: tcg, and says why (%s)", reason);
	free(reason);
	p = xasprintf("%s/dev/kvm", dir);
	write_file(p, "", 0);
	free(p);
	p = xasprintf("%s/proc/cpuinfo", dir);
	{
		const char *ci = "processor\t: 0\nflags\t\t: fpu sse2 hypervisor\n";

		write_file(p, ci, strlen(ci));
	}
	kvm = qemu__pick_accel(VM_ACCEL_AUTO, dir, &reason);
	tap_ok(!kvm && strstr(reason, "no vmx/svm"), "kvm opens but no vmx/svm: tcg");
	free(reason);
	{
		const char *ci = "processor\t: 0\nflags\t\t: fpu vmx sse2\n";

		write_file(p, ci, strlen(ci));
	}
	free(p);
	kvm = qemu__pick_accel(VM_ACCEL_AUTO, dir, &reason);
	tap_ok(kvm && strstr(reason, "kvm"), "kvm opens and vmx: kvm");
	free(reason);
	kvm = qemu__pick_accel(VM_ACCEL_TCG, dir, &reason);
	tap_ok(!kvm && strstr(reason, "requested"), "--accel tcg wins");
	free(reason);
	rm_rf(dir);
}

/* The VM's node sizes and the dry-run plan's come from one rule. */
static void test_node_memory(void)
{
	struct vm_config c = { .memory_mb = 256 };
	uint64_t mb[SPEC_MAX_NUMA_NODES];
	unsigned n;

	c.topo.numa_nodes = 2;
	c.topo.llcs = 2;
	c.topo.memory_only_nodes = 2;
	c.topo.node_memory_mb[3] = 64;
	n = qemu__node_memory(&c, mb);
	tap_ok(n == 4 && mb[0] == 128 && mb[2] == 128 && mb[3] == 64,
	       "node memory: even share floored at 128M, an explicit size kept");
	tap_ok(spec_topology__node_memory_mb(&c.topo, 1, c.memory_mb) == mb[1],
	       "the plan's node memory is the VM's");
}

/*
 * Every word the host can put on -append (microvm, TCG's TSC, a memory-only
 * tier: all at once) is one a spec or plugin may not add: the refusal list
 * in spec/cmdline.c cannot fall behind qemu__kernel_cmdline().
 */
static void test_cmdline_owned(void)
{
	struct vm_config c = { .kernel = "/k", .initrd = "/i", .memory_mb = 512, .tsc_khz = 2000000,
			       .machine = VM_MACHINE_MICROVM,
			       .topo = { .numa_nodes = 1, .llcs = 1, .cores = 1, .threads = 1,
					 .memory_only_nodes = 1 } };
	char *cl = qemu__kernel_cmdline(&c), *save = NULL;
	_cleanup_free_ char *bad = xstrdup("");
	unsigned words = 0;

	for (char *w = strtok_r(cl, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		_cleanup_free_ char *why = spec_karg__check(w);

		words++;
		if (!why) {
			char *n = xasprintf("%s %s", bad, w);

			free(bad);
			bad = n;
		}
	}
	tap_ok(words > 16 && !*bad, "a spec may add none of the harness's %u words (accepted:%s)",
	       words, *bad ? bad : " none");
	free(cl);
}

/* --shell: a socket QEMU inherits, wired to a virtconsole (the guest's /dev/hvc0). */
static void test_shell(void)
{
	struct vm_config c = { .kernel = "/k", .memory_mb = 256, .shell_fd = 9,
			       .topo = { .numa_nodes = 1, .llcs = 1, .cores = 2, .threads = 1 } };
	char **argv = NULL, *err = NULL;

	tap_ok(qemu__argv(&c, &argv, &err) == 0 &&
	       has_pair(argv, "-chardev", "socket,id=shell,fd=9") &&
	       has_pair(argv, "-device", "virtconsole,chardev=shell,name=ktstr-shell"),
	       "shell_fd: the socket as a virtconsole");
	qemu__argv_free(argv);
	argv = NULL;
	c.shell_fd = 0;
	qemu__argv(&c, &argv, &err);
	tap_ok(!has_pair(argv, "-device", "virtconsole,chardev=shell,name=ktstr-shell"),
	       "no shell console without shell_fd");
	qemu__argv_free(argv);
	argv = NULL;
	c.shell_fd = 9;
	c.machine = VM_MACHINE_MICROVM;
	tap_ok(qemu__argv(&c, &argv, &err) == -EINVAL && err && strstr(err, "microvm"),
	       "the shell's console on microvm is refused: %s", err ?: "-");
	free(err);
}

/* The snapshot key of cfg computed in a child (a fresh process: no remembered sums). */
static bool child_key(const struct vm_config *cfg, char key[65])
{
	int p[2];
	pid_t pid;
	bool ok;

	if (pipe(p) < 0)
		return false;
	pid = fork();
	if (pid == 0) {
		char k[65], *err = NULL;

		_exit(vm_snapshot__key(cfg, k, &err) || write(p[1], k, 65) != 65);
	}
	close(p[1]);
	ok = pid > 0 && read(p[0], key, 65) == 65;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return ok;
}

/* The snapshot key: the files by content, not by path or identity. */
static void test_snapshot_key(void)
{
	_cleanup_free_ char *dir = xstrdup("/tmp/ktstr-key.XXXXXX"), *k1 = NULL, *k2 = NULL;
	_cleanup_free_ char *ir = NULL;
	struct vm_config c = { .memory_mb = 256, .topo = { .numa_nodes = 1, .llcs = 1, .cores = 2,
							    .threads = 1 } };
	char a[65] = "", b[65] = "", d[65] = "", e[65] = "";
	struct stat st;
	struct timespec ts[2];
	int fd;

	if (!mkdtemp(dir)) {
		tap_ok(false, "mkdtemp: %s", strerror(errno));
		return;
	}
	k1 = xasprintf("%s/bzImage", dir);
	k2 = xasprintf("%s/copy-of-bzImage", dir);
	ir = xasprintf("%s/base.cpio", dir);
	write_file_atomic(k1, "kernel one", 10);
	write_file_atomic(k2, "kernel one", 10);
	write_file_atomic(ir, "initramfs", 9);
	c.kernel = k1;
	c.initrd = ir;
	child_key(&c, a);
	c.kernel = k2;
	child_key(&c, b);
	tap_ok(a[0] && str_eq(a, b), "a copy of the kernel elsewhere has the same snapshot key");
	/* rewritten in place: same path, inode, size and mtime, other bytes */
	stat(k1, &st);
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	fd = open(k1, O_WRONLY);
	(void)!pwrite(fd, "kernel two", 10, 0);
	futimens(fd, ts);
	close(fd);
	c.kernel = k1;
	child_key(&c, d);
	tap_ok(d[0] && !str_eq(a, d), "a kernel rewritten in place (same identity) gets another key");
	c.kernel = k2;
	c.memory_mb = 512;
	child_key(&c, e);
	tap_ok(e[0] && !str_eq(a, e), "another memory size gets another key");
	rm_rf(dir);
}

int main(void)
{
	tap_plan(41);
	test_shell();
	test_node_memory();
	test_numa();
	test_memory_only();
	test_single();
	test_accel();
	test_cmdline_owned();
	test_snapshot_key();
	return tap_done();
}
