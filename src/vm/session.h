/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One test's VM session on the host: the initramfs (the cached base and a
 * per-test suffix holding the spec, payloads and run.json), the boot through
 * vm__run with every channel frame decoded into struct run_channel, a second
 * boot when the first never reached the agent, the monitor of each boot, and
 * output.log and timings.json. Nothing here prints or judges: a write that
 * fails goes to o->write_failed, the rest is returned in struct
 * vm_session_run for check__verdict().
 */
#ifndef KTSTR_VM_SESSION_H
#define KTSTR_VM_SESSION_H

#include <pthread.h>

#include "kernel/kernel.h"
#include "monitor/monitor.h"
#include "plugin/loader.h"
#include "proto/msg.h"
#include "spec/spec.h"
#include "vm/vm.h"

/* What the guest sent during one boot, decoded (proto/msg.h). */
struct run_channel {
	bool topo;
	bool have_done;
	struct msg_done done;
	bool have_result;
	struct telemetry tel;
	bool have_baseline;
	struct telemetry baseline;	/* BASE: the EEVDF half of a 'baseline: eevdf' test */
	char *result_err;	/* a RSLT that did not decode */
	char *decode_err;	/* the first other frame that did not decode */
	unsigned decode_errors;
	bool have_sched;
	struct msg_sched sched;	/* the last SCHD */
	struct msg_bpf_prog *progs;	/* the scheduler's programs, from its SCHD "running" */
	size_t nprogs;
	char *guest_error_log;	/* last error-level LOG from the guest (a plugin's verifier log) */
	char *output;		/* every OUTP, concatenated */
	size_t output_len;
};

void run_channel__free(struct run_channel *c);

/* Everything a session needs; borrowed, and alive until vm_session__free(). */
/*
 * No agent this long after QEMU starts under TCG: a TIMEOUT (--boot-timeout
 * overrides). TCG boots take 6-30 s on a loaded 2-CPU host up to 64 vCPUs; a
 * hung boot still ends in minutes. ktstr-run's host fit reads it too.
 */
#define DEFAULT_BOOT_TIMEOUT_NS (120 * NSEC_PER_SEC)

/*
 * ktstr-run --shell: the spec test's VM with its scheduler attached and a
 * shell in the guest on a virtio console wired to the host's terminal fds.
 */
struct vm_shell {
	char *const *includes;		/* --include: host paths, NULL-terminated; may be NULL */
	bool dmesg;			/* --dmesg: the kernel console to term_out too */
	int term_in, term_out;		/* the host terminal */
	const char *term;		/* its $TERM, or NULL */
	unsigned rows, cols;		/* its size, or 0 */
};

/* Where --include files land in the guest: /include-files/<basename>, as in ktstr. */
#define VM_SHELL_INCLUDE_DIR SPEC_INCLUDE_DIR

/* timings.json's reason when VM_SNAP_CACHED found no snapshot to restore */
#define VM_SNAP_ALONE_WHY "one test of this key in the run and no snapshot cached"

struct vm_session_opts {
	const char *name;		/* the test's expanded name */
	const struct spec_file *sf;	/* NULL, like t, for an ad-hoc --exec / --topo-only run */
	const struct spec_test *t;
	struct spec_topology topo;
	const struct kernel_image *kernel;
	const struct plugin *plugin;	/* opened by the caller; NULL for an ad-hoc run */
	char *const *exec_argv;		/* --exec: the guest runs this command */
	bool topo_only;			/* --topo-only: boot, check the topology, power off */
	bool verifier;			/* --verifier: attach, report the programs, no workload */
	const struct vm_shell *shell;	/* --shell (a spec test's): no workload, a shell; or NULL */
	bool kvm;
	bool relaxed;			/* TCG thresholds (the agent's relaxed mode) */
	bool verbose;			/* the whole boot on the console log */
	/* start from a snapshot of a booted guest (vm/snapshot.h): enum vm_snap_use */
	enum vm_snap_use {
		VM_SNAP_OFF,		/* boot afresh */
		VM_SNAP_ON,		/* restore; build the snapshot first when there is none */
		VM_SNAP_CACHED,		/* restore only a snapshot already built, else boot afresh */
	} snapshot;
	unsigned tsc_khz;
	const char *guest_bin;		/* the agent, booted as /init */
	const char *initramfs_cache;	/* where the cached bases live */
	const char *vmlinux_dir;	/* where PVH vmlinux images are extracted */
	const char *tmp_root;		/* the run's temp dir: BTF of an image outside the cache */
	const char *dir;		/* the test's results directory */
	const char *tmp;		/* the test's temp directory (initrd, suffix) */
	uint64_t boot_timeout_ns;	/* 0: the default for the accelerator */
	uint64_t run_timeout_ns;	/* 0: the spec's timeout, else its duration and a grace */
	int cancel_fd;			/* readable: stop now (ktstr-run got a signal) */
	pthread_mutex_t *lock;		/* the caches shared by sessions: initramfs, BTF, symbols, PVH */
	/* The phase as frames arrive: "run" at HELO, "teardown" at DONE. May be NULL. */
	void (*on_phase)(void *ctx, const char *phase);
	/* vm_run_opts.on_tick. May be NULL. */
	void (*on_tick)(void *ctx, const char *phase, uint64_t elapsed_ns);
	/* An artifact, output.log, timings.json or a VM log that did not reach the disk. */
	void (*write_failed)(void *ctx, const char *path, int err);
	void *ctx;
};

struct vm_session;

/* The guest agent: $KTSTR_GUEST, beside the running binary (build tree), the install dir. */
char *vm_session__guest_bin(void);

/*
 * Prepare what every repeat of a test shares: the monitor's struct layouts
 * (spec tests only) and, under TCG, the PVH vmlinux. *note (caller frees)
 * says when the bzImage boots instead. Returns 0.
 */
int vm_session__new(const struct vm_session_opts *o, struct vm_session **out, char **note);
void vm_session__free(struct vm_session *s);
/* --retries: the attempt the next runs belong to, told to the guest as $KTSTR_ATTEMPT. */
void vm_session__set_attempt(struct vm_session *s, unsigned attempt);
/*
 * Auto-repro: the next boots write their files to dir and the agent puts
 * kprobes on probes (both borrowed until the session is freed or this is
 * called again) before the scheduler attaches.
 */
void vm_session__set_repro(struct vm_session *s, const char *dir, char **probes);

/* One boot (two when the first never reached the agent), as data. */
struct vm_session_run {
	char *prep_err;		/* the initramfs could not be built: nothing booted */
	bool interrupted;	/* cancelled before the boot: nothing booted */
	struct vm_result vm;	/* the last boot's */
	struct run_channel chan;	/* the last boot's frames */
	char *topo_diff;	/* how the guest's topology differs from the spec's, or NULL */
	char *qemu_err;		/* QEMU's own last complaint in qemu.log, or NULL */
	struct monitor *mon;	/* the last boot's monitor, stopped; NULL: see mon_why */
	const char *mon_why;	/* why there is no monitor (owned by the session), or NULL */
	unsigned boot_attempts;
	bool cache_hit;		/* the initramfs base came from the cache */
	uint64_t prep_ns;	/* building the initramfs */
	uint64_t total_ns;	/* the whole repeat */
	/* Snapshots: whether the VM was restored from one, and else why not. */
	bool snap_used, snap_built;
	char *snap_why;
	char snap_key[65];
	uint64_t snap_build_ns;	/* booting and saving the template (0: it was there) */
	uint64_t snap_fill_ns;	/* copying its RAM into this test's */
};

void vm_session__run(struct vm_session *s, struct vm_session_run *r);
void vm_session_run__free(struct vm_session_run *r);

#endif
