// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/vm/vm.c without a kernel: a fake "QEMU" script writes
 * prepared channel frames to its stdout, then sleeps or exits, so every
 * outcome (DONE, exit without DONE, each timeout, cancel, stop) is checked.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tap.h"
#include "vm/vm.h"

static char dir[] = "/tmp/ktstr-test-vm.XXXXXX";
static char *script, *frames;

/* Frames file for the fake QEMU: each type with a small JSON payload. */
static void make_frames(const char *const *types, bool corrupt_first)
{
	int fd = open(frames, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	for (size_t i = 0; types[i]; i++) {
		const char *p = str_eq(types[i], MSG_TOPO) ? "{\"cpus\":[[0,0,0,0]],\"nodes\":[]}" :
				str_eq(types[i], MSG_DONE) ? "{\"status\":\"ok\"}" : "{\"x\":1}";

		if (i == 0 && corrupt_first) {
			static const char bad[] = "KTSTR1 LOG  0 5 00000000\nhello\n";

			if (write(fd, bad, sizeof(bad) - 1) < 0)
				break;
		}
		proto__write(fd, types[i], p, strlen(p));
	}
	close(fd);
}

/* What the handler saw: every type in order, and how many frames. */
static char seen[1 << 16];
static unsigned nseen;

static int record(void *ctx, const struct proto_msg *m)
{
	(void)ctx;
	if (strlen(seen) + 6 < sizeof(seen))
		strcat(strcat(seen, m->type), ",");
	nseen++;
	return 0;
}

static int stop_on_topo(void *ctx, const struct proto_msg *m)
{
	record(ctx, m);
	return str_eq(m->type, MSG_TOPO);
}

/* Append raw bytes to the frames file. */
static void append_raw(const char *bytes, size_t len)
{
	int fd = open(frames, O_WRONLY | O_APPEND | O_CLOEXEC);

	if (fd < 0 || write(fd, bytes, len) != (ssize_t)len)
		abort();
	close(fd);
}

static void append_frame(const char *type, const char *payload)
{
	int fd = open(frames, O_WRONLY | O_APPEND | O_CLOEXEC);

	if (fd < 0 || proto__write(fd, type, payload, strlen(payload)))
		abort();
	close(fd);
}

static void run(const char *how, int cancel_fd, int (*on_msg)(void *, const struct proto_msg *),
		struct vm_result *r)
{
	struct vm_config cfg = { .qemu = script, .kernel = "/nonexistent", .memory_mb = 256,
				 .topo = { .numa_nodes = 1, .llcs = 1, .cores = 1, .threads = 1 } };
	struct vm_run_opts o = { .cfg = &cfg, .dir = dir, .cancel_fd = cancel_fd, .on_msg = on_msg,
				 .boot_timeout_ns = 400 * NSEC_PER_MSEC,
				 .run_timeout_ns = 400 * NSEC_PER_MSEC,
				 .teardown_timeout_ns = 400 * NSEC_PER_MSEC };

	setenv("FAKE_QEMU_HOW", how, 1);
	seen[0] = '\0';
	nseen = 0;
	vm__run(&o, r);
}

/* Is any process still running the fake's marker sleep? (scans /proc/<pid>/cmdline) */
static bool marker_alive(void)
{
	static const char marker[] = "sleep\0" "31.4159";
	DIR *d = opendir("/proc");
	struct dirent *de;
	bool found = false;

	while (d && !found && (de = readdir(d))) {
		_cleanup_free_ char *p = NULL, *cmd = NULL;
		size_t len = 0;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		p = xasprintf("/proc/%s/cmdline", de->d_name);
		if (read_file(p, &cmd, &len) || len < sizeof(marker))
			continue;
		for (size_t i = 0; i + sizeof(marker) - 1 <= len && !found; i++)
			found = !memcmp(cmd + i, marker, sizeof(marker) - 1);
	}
	if (d)
		closedir(d);
	return found;
}

/*
 * ktstr-run SIGKILLed while its VM runs: a child process runs the fake
 * QEMU under vm__run and is killed; the fake must be gone within 2 s (the
 * kernel's parent-death signal), not left running as an orphan.
 */
static bool orphan_dies_with_parent(void)
{
	pid_t child = fork();
	uint64_t t0;

	if (child == 0) {
		struct vm_result r;
		struct vm_config cfg = { .qemu = script, .kernel = "/nonexistent", .memory_mb = 256,
					 .topo = { .numa_nodes = 1, .llcs = 1, .cores = 1, .threads = 1 } };
		struct vm_run_opts o = { .cfg = &cfg, .dir = dir, .cancel_fd = -1,
					 .boot_timeout_ns = 60 * NSEC_PER_SEC,
					 .run_timeout_ns = 60 * NSEC_PER_SEC,
					 .teardown_timeout_ns = 60 * NSEC_PER_SEC };

		setenv("FAKE_QEMU_HOW", "sleep", 1);
		vm__run(&o, &r);
		_exit(0);
	}
	for (t0 = now_ns(); !marker_alive() && now_ns() - t0 < 10 * NSEC_PER_SEC;)
		usleep(10000);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	for (t0 = now_ns(); marker_alive() && now_ns() - t0 < 2 * NSEC_PER_SEC;)
		usleep(10000);
	printf("# the fake QEMU outlived its killed parent by %.2f s\n", (now_ns() - t0) / 1e9);
	return !marker_alive();
}

int main(void)
{
	static const char *const all[] = { MSG_HELLO, MSG_TOPO, MSG_DONE, NULL };
	static const char *const hello[] = { MSG_HELLO, MSG_TOPO, NULL };
	static const char *const none[] = { NULL };
	struct vm_result r;
	int cancel[2];
	_cleanup_free_ char *text = NULL;

	tap_plan(29);
	if (!mkdtemp(dir) || pipe(cancel))
		return 99;
	script = xasprintf("%s/fake-qemu", dir);
	frames = xasprintf("%s/frames", dir);
	text = xasprintf("#!/bin/sh\n"
			 "for a; do case $a in *id=con,path=*) con=${a#*path=} ;; esac; done\n"
			 "[ -n \"$FAKE_QEMU_CONSOLE\" ] && echo \"$FAKE_QEMU_CONSOLE\" >\"$con\"\n"
			 "[ -n \"$FAKE_QEMU_STDERR\" ] && echo \"$FAKE_QEMU_STDERR\" >&2\n"
			 "cat '%s'\n"
			 "case $FAKE_QEMU_HOW in\n"
			 "exit0) exit 0 ;;\n"
			 "exit1) exit 1 ;;\n"
			 "*) exec sleep 31.4159 ;;\n"
			 "esac\n", frames);
	write_file(script, text, strlen(text));
	chmod(script, 0755);

	make_frames(all, true);
	run("exit0", -1, record, &r);
	tap_ok(r.outcome == VM_DONE, "HELO, TOPO, DONE and exit: done (%s)", vm_outcome_name(r.outcome));
	tap_ok(r.got_hello && r.got_done && str_eq(seen, "HELO,TOPO,DONE,"),
	       "every frame reaches the handler (%s)", seen);
	tap_is_int(r.bad_frames, 1, "a corrupt frame is counted and skipped");
	tap_ok(r.dropped_bytes == strlen("KTSTR1 LOG  0 5 00000000\nhello\n"),
	       "its bytes are counted as dropped (%llu)", (unsigned long long)r.dropped_bytes);
	{
		_cleanup_free_ char *cl = xasprintf("%s/qemu.cmdline", dir);
		_cleanup_free_ char *al = xasprintf("%s/agent.log", dir);
		_cleanup_free_ char *c = NULL, *a = NULL;

		tap_ok(!read_file(cl, &c, NULL) && strstr(c, script) && strstr(c, "-kernel /nonexistent"),
		       "qemu.cmdline saved");
		tap_ok(!read_file(al, &a, NULL) && strstr(a, "HELO") && strstr(a, "DONE"),
		       "agent.log has every frame");
	}
	vm_result__free(&r);

	make_frames(hello, false);
	run("exit1", -1, NULL, &r);
	tap_ok(r.outcome == VM_EXITED && str_eq(r.phase, "run") && WEXITSTATUS(r.wait_status) == 1,
	       "exit without DONE: exited during run, status kept");
	vm_result__free(&r);

	make_frames(none, false);
	run("sleep", -1, NULL, &r);
	tap_ok(r.outcome == VM_TIMEOUT && str_eq(r.phase, "boot"), "no HELO: boot timeout");
	tap_ok(!marker_alive(), "the whole process group was killed");
	vm_result__free(&r);

	make_frames(hello, false);
	run("sleep", -1, NULL, &r);
	tap_ok(r.outcome == VM_TIMEOUT && str_eq(r.phase, "run"), "HELO but no DONE: run timeout");
	tap_ok(r.boot_ns > 0 && r.run_ns >= 300 * NSEC_PER_MSEC, "boot and run times measured");
	vm_result__free(&r);

	make_frames(all, false);
	run("sleep", -1, NULL, &r);
	tap_ok(r.outcome == VM_TIMEOUT && str_eq(r.phase, "teardown") && r.got_done,
	       "DONE but QEMU stays: teardown timeout, results kept");
	vm_result__free(&r);

	make_frames(hello, false);
	if (write(cancel[1], "x", 1) != 1)
		return 99;
	run("sleep", cancel[0], NULL, &r);
	tap_ok(r.outcome == VM_CANCELLED, "cancel fd readable: cancelled");
	tap_ok(!marker_alive(), "cancelled VM killed");
	vm_result__free(&r);

	run("sleep", -1, stop_on_topo, &r);
	tap_ok(r.outcome == VM_STOPPED && strstr(seen, "TOPO"), "callback stops the VM on TOPO");
	vm_result__free(&r);

	/*
	 * The agent crashed while writing RSLT: its header promised more than
	 * came, then the crash handler's DONE. The DONE must arrive (it used to
	 * be swallowed as the RSLT's payload, and the run ended without DONE).
	 */
	make_frames(hello, false);
	append_raw("KTSTR1 RSLT 7 5000 0badc0de\n{\"version\":1,\"work", 40);
	append_frame(MSG_DONE, "{\"status\":\"error\",\"error\":\"agent crashed: signal 11\"}");
	run("exit0", -1, record, &r);
	tap_ok(r.outcome == VM_DONE && str_eq(seen, "HELO,TOPO,DONE,") && r.bad_frames == 1,
	       "torn RSLT, then DONE: the DONE arrives (%s, %s)", vm_outcome_name(r.outcome), seen);
	tap_ok(r.dropped_bytes == 40, "the torn frame's 40 bytes are counted (%llu)",
	       (unsigned long long)r.dropped_bytes);
	vm_result__free(&r);

	/* a torn text frame (may hold newlines) is dropped once QEMU is gone */
	make_frames(hello, false);
	append_raw("KTSTR1 LOG  7 4000 0badc0de\nerror: half a li", 44);
	append_frame(MSG_DONE, "{\"status\":\"ok\"}");
	run("exit0", -1, record, &r);
	tap_ok(r.outcome == VM_DONE && str_eq(seen, "HELO,TOPO,DONE,"),
	       "torn LOG, then DONE, then exit: the DONE arrives (%s, %s)",
	       vm_outcome_name(r.outcome), seen);
	vm_result__free(&r);

	/* more than one read's worth, then exit: what is read after the exit is handled too */
	make_frames(hello, false);
	{
		char line[1001];

		memset(line, 'x', sizeof(line) - 1);
		line[sizeof(line) - 1] = '\0';
		memcpy(line, "info: ", 6);
		for (int i = 0; i < 150; i++)
			append_frame(MSG_LOG, line);
		append_frame(MSG_ARTIFACT, "{\"name\":\"a.txt\",\"data\":\"late\"}");
		append_frame(MSG_DONE, "{\"status\":\"ok\"}");
	}
	run("exit0", -1, record, &r);
	tap_ok(r.outcome == VM_DONE && nseen == 2 + 150 + 2 && str_endswith(seen, "ARTF,DONE,"),
	       "150 KiB of frames then exit: all %u reach the handler (%s)", nseen,
	       vm_outcome_name(r.outcome));
	vm_result__free(&r);

	{
		char *missing = xasprintf("%s/no-such-qemu", dir);
		struct vm_config cfg = { .qemu = missing, .kernel = "/k", .memory_mb = 256,
					 .topo = { .numa_nodes = 1, .llcs = 1, .cores = 1, .threads = 1 } };
		struct vm_run_opts o = { .cfg = &cfg, .dir = dir, .cancel_fd = -1,
					 .boot_timeout_ns = NSEC_PER_SEC };

		vm__run(&o, &r);
		tap_ok(r.outcome == VM_SPAWN_FAILED && r.error && strstr(r.error, "no-such-qemu"),
		       "a missing QEMU: spawn failed, and says which");
		vm_result__free(&r);
		free(missing);
	}
	{
		struct vm_config cfg = { .qemu = script, .kernel = "/k", .memory_mb = 256,
					 .topo = { .numa_nodes = 2, .llcs = 3, .cores = 1, .threads = 1 } };
		struct vm_run_opts o = { .cfg = &cfg, .dir = dir, .cancel_fd = -1 };

		vm__run(&o, &r);
		tap_ok(r.outcome == VM_SPAWN_FAILED && r.error, "an impossible topology never spawns");
		vm_result__free(&r);
	}
	make_frames(hello, false);
	tap_ok(orphan_dies_with_parent(), "QEMU dies within 2 s of a SIGKILLed ktstr-run");
	/*
	 * The console and QEMU's stderr reach the host through pipes, beside
	 * eight RAM backends whose fd numbers (above their sources) include the
	 * console pipe's own: each log arrives whole, and a console.log that cannot be
	 * written is reported with its errno while the console stays judged.
	 */
	{
		_cleanup_free_ char *con = xasprintf("%s/console.log", dir);
		_cleanup_free_ char *ql = xasprintf("%s/qemu.log", dir);
		_cleanup_free_ char *c = NULL, *q = NULL;
		int mem[8];
		struct vm_config cfg = { .qemu = script, .kernel = "/k", .memory_mb = 2048,
					 .topo = { .numa_nodes = 8, .llcs = 8, .cores = 1, .threads = 1 },
					 .console_log = con, .mem_fds = mem, .nmem_fds = 8 };
		struct vm_run_opts o = { .cfg = &cfg, .dir = dir, .cancel_fd = -1,
					 .boot_timeout_ns = 2 * NSEC_PER_SEC,
					 .run_timeout_ns = 2 * NSEC_PER_SEC,
					 .teardown_timeout_ns = 2 * NSEC_PER_SEC };

		for (int i = 0; i < 8; i++)
			mem[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		setenv("FAKE_QEMU_CONSOLE", "Linux version 7.3.4 (the console)", 1);
		setenv("FAKE_QEMU_STDERR", "qemu: a complaint", 1);
		setenv("FAKE_QEMU_HOW", "exit0", 1);
		make_frames(all, false);
		vm__run(&o, &r);
		tap_ok(r.outcome == VM_DONE, "with RAM backends and log pipes: done (%s%s%s)",
		       vm_outcome_name(r.outcome), r.error ? ": " : "", r.error ?: "");
		tap_ok(r.console && strstr(r.console, "(the console)"), "the console arrives in memory");
		tap_ok(!read_file(con, &c, NULL) && strstr(c, "(the console)") && !r.nwrite_errors,
		       "and in console.log");
		tap_ok(!read_file(ql, &q, NULL) && strstr(q, "qemu: a complaint"),
		       "QEMU's stderr arrives in qemu.log");
		vm_result__free(&r);

		cfg.console_log = "/dev/full";
		vm__run(&o, &r);
		tap_ok(r.console && strstr(r.console, "(the console)"),
		       "a console.log that cannot be written: the console is still kept");
		tap_ok(r.nwrite_errors == 1 && str_eq(r.write_errors[0].path, "/dev/full") &&
		       r.write_errors[0].err == -ENOSPC, "and the write is reported as ENOSPC");
		vm_result__free(&r);
		for (int i = 0; i < 8; i++)
			close(mem[i]);
		unsetenv("FAKE_QEMU_CONSOLE");
		unsetenv("FAKE_QEMU_STDERR");
	}
	tap_ok(!marker_alive(), "nothing left running");
	rm_rf(dir);
	free(script);
	free(frames);
	return tap_done();
}
