/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host-side monitor: reads the guest kernel's run queues straight out of
 * guest RAM while a test runs (ktstr's monitor), every 100 ms, and judges the
 * monitor thresholds (imbalance ratio, local DSQ depth, rq clock stalls,
 * select_cpu_fallback and dispatch_keep_last rates) on the samples taken
 * while the workload ran.
 *
 * How it reaches guest memory: QEMU's RAM is a memory-backend-file whose file
 * is a memfd the host created (one per NUMA node, passed to QEMU as an
 * inherited fd and named /proc/self/fd/N), mapped read-only here. No file is
 * left behind whatever happens to either process.
 *
 * How it finds the kernel's data: the guest agent sends the few symbols it
 * needs from /proc/kallsyms and the physical load address of the kernel
 * image from /proc/iomem (the SYMS frame), so KASLR and stripped distro
 * kernels work; struct layouts come from the kernel's BTF.
 *
 * Pieces: guestmem (RAM layout and bounded physical reads), kernel (symbols
 * and address translation), btf (member offsets), sampler (the thread),
 * eval (verdicts in ktstr's words). Nothing here prints.
 */
#ifndef KTSTR_MONITOR_H
#define KTSTR_MONITOR_H

#include <sys/types.h>

#include "util/util.h"
#include "proto/msg.h"	/* the SYMS frame: struct msg_syms */
#include "result/result.h"	/* the samples: struct monitor_series */
#include "util/cpumask.h"

#define MONITOR_INTERVAL_NS (100 * NSEC_PER_MSEC)
/* ktstr's DSQ_PLAUSIBILITY_CEILING: deeper than this is uninitialised memory. */
#define MONITOR_DSQ_CEILING 10000
#define MONITOR_MAX_NODES 8
#define MONITOR_MAX_CPUS 256
/* A sample series is bounded: 100 ms samples for ~27 minutes. */
#define MONITOR_MAX_SAMPLES 16384

/* ---- guest RAM ---- */

/*
 * Guest RAM as QEMU's q35 lays it out: node backends concatenated in node
 * order form one RAM block; guest-physical [0, below_4g) is its start and
 * [4 GiB, 4 GiB + rest) the remainder.
 */
struct guestmem {
	unsigned nnodes;
	struct {
		int fd;			/* memfd (owned), -1 for a borrowed buffer */
		uint64_t size;
		const uint8_t *map;	/* PROT_READ, MAP_SHARED */
	} node[MONITOR_MAX_NODES];
	uint64_t total;
	uint64_t below_4g;		/* QEMU 7.2 q35: RAM mapped below 4 GiB */
	bool borrowed;			/* maps are the caller's (tests) */
};

/* QEMU 7.2 q35's split: all of RAM below 4 GiB up to 0xb0000000, else 2 GiB. */
uint64_t guestmem__q35_below_4g(uint64_t total);
/* One memfd per node of the given sizes (bytes), sized and mapped read-only. */
int guestmem__create(const uint64_t *node_bytes, unsigned nnodes, struct guestmem **out);
/* A guest memory over caller-owned buffers (unit tests): not freed. */
struct guestmem *guestmem__from_buffers(const uint8_t *const *bufs, const uint64_t *sizes,
					unsigned nnodes, uint64_t below_4g);
/* Copy len bytes at guest-physical pa; -EFAULT outside RAM or across a hole. */
int guestmem__read(const struct guestmem *g, uint64_t pa, void *buf, size_t len);
/*
 * Store one aligned u64 at guest-physical pa, as one 8-byte store (the
 * guest's READ_ONCE sees the old or the new value, never a mix): through a
 * writable mapping of that one page of the memfd, made for the store and
 * removed after it, so RAM stays mapped read-only otherwise. Borrowed
 * buffers (tests) must be writable. -EINVAL unaligned, -EFAULT outside RAM.
 */
int guestmem__write_u64(const struct guestmem *g, uint64_t pa, uint64_t v);
/* Highest guest-physical address + 1. */
uint64_t guestmem__phys_end(const struct guestmem *g);
void guestmem__free(struct guestmem *g);

/* ---- guest kernel: symbols and address translation ---- */

struct monitor_kernel {
	uint64_t text_va, text_pa;	/* _text and its physical address ("Kernel code") */
	uint64_t page_offset;		/* value of page_offset_base: the direct map */
	uint64_t per_cpu_offset_va;	/* &__per_cpu_offset[0] */
	uint64_t runqueues;		/* per-CPU symbol */
	uint64_t scx_root_va;		/* &scx_root (0: no sched_ext) */
	uint64_t top_pgt_pa;		/* init_top_pgt, for vmalloc'd per-CPU chunks */
	/* the sched_ext watchdog (0: not in the SYMS frame) */
	uint64_t jiffies_va;		/* jiffies_64 */
	uint64_t wd_timeout_va;		/* scx_watchdog_timeout: the timeout before 7.1 */
	uint64_t wd_interval_va;	/* scx_watchdog_interval (7.1+): the check's period */
	uint64_t wd_timestamp_va;	/* scx_watchdog_timestamp: the check's last run */
	uint64_t wd_work_va;		/* scx_watchdog_work: the pending check (a delayed_work) */
	bool la57;			/* 5-level paging (from page_offset_base) */
	unsigned ncpus;
	uint64_t pcpu_off[MONITOR_MAX_CPUS];
};

/*
 * Parse the guest's SYMS payload ({"syms":{"_text":"0x..",...},
 * "kernel_code":"0x..","ncpus":N}) and read page_offset_base and
 * __per_cpu_offset[] from guest memory. -ENOENT with *why when a needed
 * symbol is missing; scx_root missing only disables the event counters.
 */
int monitor_kernel__init(struct monitor_kernel *k, const struct msg_syms *syms,
			 const struct guestmem *g, char **why);
/* Kernel virtual -> guest physical: image, direct map, else a page-table walk. */
int monitor_kernel__va_to_pa(const struct monitor_kernel *k, const struct guestmem *g,
			     uint64_t va, uint64_t *pa);
/* Read len bytes at a kernel virtual address (may not cross a page unless mapped linearly). */
int monitor_kernel__read(const struct monitor_kernel *k, const struct guestmem *g,
			 uint64_t va, void *buf, size_t len);
/* Store an aligned u64 at a kernel virtual address (guestmem__write_u64). */
int monitor_kernel__write_u64(const struct monitor_kernel *k, const struct guestmem *g,
			      uint64_t va, uint64_t v);
/*
 * The per-image symbol cache (every symbol's distance from _text, which
 * KASLR keeps): the hint for run.json ({"runqueues":"0x..",...}, malloc'd,
 * NULL without a cache) and saving it from a full SYMS payload.
 */
char *monitor_ksyms__hint(const char *cache_path);
int monitor_ksyms__save(const char *cache_path, const struct msg_syms *syms);
/* CONFIG_HZ from a kernel .config; 0 when unknown. */
unsigned monitor__config_hz(const char *config_path);
/* Walk a 4- or 5-level x86-64 page table rooted at top_pa. */
int monitor__pgwalk(const struct guestmem *g, uint64_t top_pa, bool la57, uint64_t va,
		    uint64_t *pa);

/* ---- struct layouts from BTF ---- */

struct monitor_field {
	int32_t off;			/* byte offset, -1 when missing */
	uint32_t size;			/* 4 or 8 */
};

struct monitor_offsets {
	struct monitor_field rq_nr_running, rq_clock;
	struct monitor_field rq_scx_nr_running, rq_scx_flags, rq_scx_local_dsq_nr;
	/* event counters: scx_root -> scx_sched.pcpu (per-CPU) -> .event_stats.X */
	struct monitor_field sched_pcpu;	/* scx_sched.pcpu (7.x) or .event_stats_cpu */
	struct monitor_field ev_fallback, ev_keep_last;	/* within the per-CPU struct */
	char *events_why;		/* why event counters are off, or NULL */
	char *rq_why;			/* why scx rq fields are off, or NULL */
	/* the watchdog override: scx_sched.watchdog_timeout (7.1+), delayed_work.timer.expires */
	struct monitor_field sched_wd_timeout, dwork_expires;
};

/* Member offset of a dotted path ("scx.local_dsq.nr") in struct sname. */
int monitor_btf__field(const void *btf, const char *sname, const char *path,
		       struct monitor_field *f);
/*
 * The offsets the sampler needs from a BTF file (raw .BTF or an ELF with
 * .BTF). -ENOENT with *why when struct rq's core fields are missing; the
 * sched_ext fields and event counters are optional (their *_why says).
 */
int monitor_offsets__load(const char *btf_path, struct monitor_offsets *o, char **why);
/* The same from a kernel image, its raw BTF extracted into btf_path once (a cache). */
int monitor_offsets__for_image(const char *image, const char *btf_path,
			       struct monitor_offsets *o, char **why);
void monitor_offsets__free(struct monitor_offsets *o);

/* ---- the sched_ext watchdog override (ktstr's watchdog_timeout_s) ---- */

/* A timeout in ns as jiffies at hz, rounded up, at least 1 (msecs_to_jiffies). */
uint64_t monitor__ns_to_jiffies(uint64_t ns, unsigned hz);
/*
 * Set the attached scheduler's watchdog timeout to jiffies in guest memory
 * and read it back: scx_sched.watchdog_timeout of the scx_sched at sch
 * (the value of scx_root; 7.1+) when the BTF has it, else the static
 * scx_watchdog_timeout (before 7.1). The kernel's check runs every half
 * timeout, re-armed with the period it computed at attach: 7.1+ keeps that
 * period in scx_watchdog_interval, which is set to jiffies / 2 too (before
 * 7.1 the period is read from the timeout itself). The check already
 * queued still runs at its old time, and scx_tick() ejects a scheduler
 * whose check has not run for a timeout ("watchdog failed to check in"):
 * when it is due later than the new period, scx_watchdog_timestamp is set
 * to its due time, so a lowered timeout does not eject a healthy scheduler
 * before the check runs once and re-arms with the new period.
 * *what says what was written (or why not), malloc'd. 0, -ENOENT (no
 * field nor symbol: nothing written), -EIO (a store or its read-back
 * failed or differed).
 */
int monitor_watchdog__apply(const struct monitor_kernel *k, const struct guestmem *g,
			    const struct monitor_offsets *o, uint64_t sch, uint64_t jiffies,
			    char **what);

/* ---- evaluation ---- */

/*
 * CPUs one part of the workload may use (a cgroup's cpusets, narrowed by a
 * work's exact affinity), and whose they are, for work conservation: an
 * idle CPU counts only while tasks wait on another CPU of the same set.
 */
struct monitor_cpu_set {
	struct cpumask cpus;
	char who[64];		/* "cgroup cg_0" */
};

struct monitor_limits {
	bool imbalance_on, dsq_on, stall_on, fallback_on, keep_last_on, wc_on;
	const struct monitor_cpu_set *wc_sets;	/* NULL: every CPU is one set */
	size_t wc_nsets;
	double max_imbalance;
	uint64_t max_dsq;
	unsigned sustained;
	double max_fallback, max_keep_last;
};

struct monitor_verdict {
	bool evaluated;			/* false: *summary says why ("monitor data not yet initialized") */
	char *summary;			/* "monitor OK" / "monitor FAILED: N violation(s)" */
	char **details;			/* ktstr's messages */
	char **detail_check;		/* threshold name per detail */
	size_t ndetails;
	/* peaks over the window */
	double max_imbalance;
	uint32_t max_dsq;
	int max_dsq_cpu;
	unsigned max_stall_run;
	int max_stall_cpu;
	double fallback_rate, keep_last_rate;	/* whole window, /s; < 0 when not measured */
	double max_fallback_rate, max_keep_last_rate;	/* worst interval */
	unsigned max_idle_waiting_run;	/* longest run of samples with idle CPUs and waiting tasks */
};

/* ktstr's imbalance ratio: max(nr_running) / max(1, min(nr_running)). */
double monitor__imbalance(const struct monitor_sample *s, unsigned ncpus);
/* Judge the window of s against l. */
void monitor__evaluate(const struct monitor_series *s, const struct monitor_limits *l,
		       struct monitor_verdict *v);
void monitor_verdict__free(struct monitor_verdict *v);
/* A sample's event counter (fallback, or keep_last), summed over the CPUs. */
uint64_t monitor_sample__events(const struct monitor_sample *s, unsigned ncpus, bool keep_last);
/* A run's monitor record (rm->state and summary apart): the series copied, the peaks of v. */
void monitor__record(const struct monitor_series *s, const struct monitor_verdict *v,
		     struct run_monitor *rm);

/* ---- the live monitor of one VM ---- */

struct monitor;

/*
 * Create guest RAM for a VM of node_bytes (one memfd per node). The fds are
 * monitor__fds(); the VM must be given exactly these as its RAM backends.
 */
int monitor__new(const uint64_t *node_bytes, unsigned nnodes, const struct monitor_offsets *o,
		 struct monitor **out);
const int *monitor__fds(const struct monitor *m, unsigned *n);
/* The guest kernel's CONFIG_HZ: the stall exemption is 10 ticks of QEMU CPU time (default 250). */
void monitor__set_hz(struct monitor *m, unsigned hz);
/*
 * Override the attached scheduler's sched_ext watchdog timeout (ns; 0:
 * leave it): once the scheduler runs (monitor__sched_running) and scx_root
 * is set, and again for each new scx_sched. Set before monitor__start.
 */
void monitor__set_watchdog(struct monitor *m, uint64_t timeout_ns);
/* The guest agent reported the scheduler attached (SCHD "running"). */
void monitor__sched_running(struct monitor *m);
/* What the override did, or why it could not (valid after monitor__stop); NULL: not asked. */
const char *monitor__watchdog(const struct monitor *m);
/* The QEMU process (for its CPU time, the stall exemption). */
void monitor__set_pid(struct monitor *m, pid_t pid);
/* The SYMS frame: resolve and start sampling. On failure the reason is kept. */
int monitor__start(struct monitor *m, const struct msg_syms *syms);
/* The workload's start and end as seen by the host (EVNT frames). */
void monitor__workload_start(struct monitor *m);
void monitor__workload_end(struct monitor *m);
/* Stop sampling (idempotent). */
void monitor__stop(struct monitor *m);
/* The samples (valid after monitor__stop); NULL with *why when there are none. */
const struct monitor_series *monitor__series(const struct monitor *m, const char **why);
void monitor__free(struct monitor *m);

struct thresholds;
struct run_result;

/*
 * One run's monitor verdict into rr: the record (rr->monitor), and for a
 * scheduler with active scheduling (sched_ext; not EEVDF, as in ktstr) a
 * DETAIL_MONITOR detail per violation, which makes the run FAIL. m may be
 * NULL (no monitor for this run: absent_why says why).
 */
void monitor__judge(struct monitor *m, const char *absent_why, const struct thresholds *th,
		    bool active, struct run_result *rr);
/* The same for a finished series (NULL: none, why says why); tests and reports use it. */
void monitor__judge_series(const struct monitor_series *s, const char *why,
			   const struct thresholds *th, bool active, struct run_result *rr);
/* Both, with work conservation judged within each of sets[0..nsets) (0: all CPUs as one). */
void monitor__judge_in(struct monitor *m, const char *absent_why, const struct thresholds *th,
		       bool active, const struct monitor_cpu_set *sets, size_t nsets,
		       struct run_result *rr);
void monitor__judge_series_in(const struct monitor_series *s, const char *why,
			      const struct thresholds *th, bool active,
			      const struct monitor_cpu_set *sets, size_t nsets, struct run_result *rr);

#endif
