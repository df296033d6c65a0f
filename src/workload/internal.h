/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal interfaces of the workload subsystem: the cgroup v2 manager,
 * cpuset resolution, worker groups and the work type loops. Only
 * the workload .c files and their tests include this.
 */
#ifndef KTSTR_WORKLOAD_INTERNAL_H
#define KTSTR_WORKLOAD_INTERNAL_H

#include <signal.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "spec/topo.h"
#include "proto/telemetry.h"

/* ---- cgroup.c: cgroup v2 under one root directory ---- */

/* Name that means "the test root's parent" (SpawnHost). */
#define CGROUP_HOST "<host>"

struct cgroup_mgr {
	char *root;		/* absolute test root; NULL: no cgroups (host tests) */
	char *mount;		/* the cgroup2 mount point (root cgroup) */
	bool made_root;		/* we created root, so we remove it */
	char **created;		/* names relative to root, in creation order */
	size_t ncreated;
	char *err;		/* last failure: "write '0-1' to /x/cpuset.cpus: Invalid argument" */
};

/*
 * Open the manager: create root if needed and enable +cpuset +cpu in every
 * ancestor's subtree_control from the mount down to root. root NULL gives a
 * manager on which every operation is a successful no-op.
 */
int cgroup_mgr__open(const char *root, struct cgroup_mgr **out, char **err);
/*
 * Remove everything created, newest (so deepest) first, tasks drained first,
 * and root if we made it. 0 or the first -errno (m->err says where).
 */
int cgroup_mgr__teardown(struct cgroup_mgr *m);
/* Teardown (if not done) and free. Accepts NULL. */
void cgroup_mgr__destroy(struct cgroup_mgr *m);
bool cgroup_mgr__enabled(const struct cgroup_mgr *m);
/* Absolute directory of name ("cg_0/sub", CGROUP_HOST, "" = root); malloc'd. */
char *cgroup_mgr__path(const struct cgroup_mgr *m, const char *name);
/* Create (nested, each missing component), enabling controllers in parents. */
int cgroup_mgr__create(struct cgroup_mgr *m, const char *name);
/* Drain tasks (to the root cgroup) and rmdir name and its descendants. */
int cgroup_mgr__remove(struct cgroup_mgr *m, const char *name);
/* cpus NULL or empty: clear (inherit the parent's). */
int cgroup_mgr__set_cpus(struct cgroup_mgr *m, const char *name, const struct cpumask *cpus);
int cgroup_mgr__set_mems(struct cgroup_mgr *m, const char *name, const struct cpumask *nodes);
/* Read cpuset.cpus (effective: cpuset.cpus.effective). */
int cgroup_mgr__get_cpus(struct cgroup_mgr *m, const char *name, bool effective,
			 struct cpumask *out);
/* Move one task (ESRCH tolerated, EBUSY retried 3x100 ms). */
int cgroup_mgr__move_task(struct cgroup_mgr *m, const char *name, pid_t pid);
/* Move every task of from to to; *moved counts them. */
int cgroup_mgr__move_all(struct cgroup_mgr *m, const char *from, const char *to, unsigned *moved);
/* Tasks in name (cgroup.procs); malloc'd array. */
int cgroup_mgr__procs(struct cgroup_mgr *m, const char *name, pid_t **pids, size_t *n);
const char *cgroup_mgr__error(const struct cgroup_mgr *m);

/* ---- cpuset.c ---- */

/*
 * Resolve a cpuset spec against the guest's topology with the spec's
 * resolver (spec_cpuset__resolve). CPUSET_NONE gives all CPUs. Returns 0 or
 * -EINVAL with *err in lint's words.
 */
int cpuset__resolve(const struct spec_cpuset *cs, const struct topo *t, struct cpumask *out,
		    char **err);

/* ---- worker.c: groups of forked workers ---- */

#define WORKER_MAX_MIGRATIONS 256
/* Epochs of cpusets and membership the isolation check tells apart; the last holds the rest. */
#define WORKER_ISO_EPOCHS 32

/* Per-worker shared slot: the worker writes, the parent reads after reaping. */
struct worker_slot {
	volatile uint64_t work_units;	/* live (parent may snapshot) */
	volatile uint64_t iterations;
	uint64_t start_ns;		/* CLOCK_MONOTONIC, absolute */
	uint64_t end_ns;
	uint64_t cpu_time_ns;
	uint64_t max_gap_ns;
	int max_gap_cpu;
	uint64_t max_gap_at_ns;		/* absolute */
	uint64_t migration_count;
	uint32_t nmigrations;
	struct migration migrations[WORKER_MAX_MIGRATIONS];	/* at_ns absolute */
	struct cpumask cpus_used;
	uint64_t wake_total;
	uint32_t nwake;
	uint64_t sched_run_delay_ns, sched_run_count, sched_cpu_ns;
	uint64_t numa_pages[TELEMETRY_MAX_NUMA_NODES];
	uint64_t numa_pages_migrated;
	volatile int state;		/* WSLOT_* */
	int error;			/* -errno of setup in the worker, 0 if fine */
	char errmsg[160];
	uint64_t wake_ns[TELEMETRY_MAX_WAKE_SAMPLES];
	/*
	 * Isolation by epoch: the parent makes iso_seq odd while it changes
	 * cpusets or membership and 2 * epoch after (steps.c); a checkpoint
	 * files its CPU under the epoch it saw unchanged around sched_getcpu().
	 */
	volatile uint32_t iso_seq;
	struct cpumask cpus_epoch[WORKER_ISO_EPOCHS];
};

enum { WSLOT_FORKED, WSLOT_RUNNING, WSLOT_DONE };

/* Shared between the members of one group (pair, fan-out, contenders). */
struct group_shm {
	volatile uint32_t futex[4];	/* ping-pong turn / generation / lock / ack */
	volatile uint64_t stamp[4];	/* CLOCK_MONOTONIC stamps of the waker */
};

/* Everything a running worker knows. */
struct worker_ctx {
	const struct spec_work *work;
	unsigned index;			/* within its work group */
	unsigned gindex;		/* within its sharing group (0 = messenger / first) */
	unsigned gsize;
	struct worker_slot *slot;
	struct group_shm *gshm;
	int rfd, wfd;			/* pair pipes (PipeIo, CachePipe) */
	uint64_t last_cp_ns;		/* last checkpoint */
	int last_cpu;
	uint64_t rng;			/* xorshift64 state */
	uint64_t scenario_start_ns;
	struct cpumask allowed0;	/* allowed CPUs at start (AffinityChurn) */
	unsigned ncpus;
	const char *mount;		/* cgroup2 mount, NULL without cgroups */
};

extern volatile sig_atomic_t worker_stop;

static inline bool worker_should_stop(void) { return worker_stop; }
/* Add units; checkpoints (gap, CPU, migration) at each multiple of 1024. */
void worker_progress(struct worker_ctx *w, uint64_t units);
/* One wake-to-run sample into the reservoir. */
void worker_wake_sample(struct worker_ctx *w, uint64_t ns);
/* Sleep ns and record the overshoot past the expected wake as wake latency. */
void worker_sleep_ns(struct worker_ctx *w, uint64_t ns);
/* sched_yield and record how long it took to run again. */
void worker_yield(struct worker_ctx *w);
/* Spin n iterations (compiler-opaque); counts n work units. */
void worker_spin(struct worker_ctx *w, uint64_t n);
uint64_t worker_rand(struct worker_ctx *w);
static inline void worker_iter(struct worker_ctx *w) { w->slot->iterations++; }
/* Spin without counting work units. */
void spin_raw(uint64_t n);
/* Shared (cross-process) futex; wait returns 0 or -errno (-ETIMEDOUT, -EAGAIN, -EINTR). */
int futex_wait(volatile uint32_t *addr, uint32_t val, uint64_t timeout_ns);
void futex_wake(volatile uint32_t *addr, int n);
/* cpuset.cpus.effective of the caller's cgroup under mount, else its affinity. */
int worker_allowed_cpus(const char *mount, struct cpumask *out);

/* One work type's loop: runs until worker_should_stop(); returns 0 or -errno. */
typedef int (*work_fn)(struct worker_ctx *w);
struct work_impl {
	work_fn run;
	bool needs_pipes;		/* pair pipes */
};
extern const struct work_impl work_impl_table[WORK__COUNT];

/* A batch of identical workers spawned by one spec_work into one cgroup. */
struct worker_group {
	char *cgroup;			/* owned; name relative to root or CGROUP_HOST */
	const struct spec_work *work;	/* borrowed from the spec */
	unsigned nworkers;
	pid_t *pids;
	struct cpumask *affinity;	/* per worker; empty = none */
	struct worker_slot *slots;	/* MAP_SHARED, nworkers */
	size_t slots_len;
	struct group_shm *gshm;		/* MAP_SHARED, one per sharing group */
	size_t gshm_len;
	unsigned gsize;			/* sharing group size */
	unsigned nspawned;		/* forked so far (all, unless spawn failed) */
	const char *mount;		/* cgroup2 mount (borrowed from the manager) */
	bool stopped;			/* reaped and reported */
	int *status;			/* wait status per worker */
	bool *reaped;
	bool *err_noted;		/* setup error already reported (steps.c) */
	uint64_t *cpu_ns;		/* from wait4's rusage */
	struct cpumask granted;		/* union of the cpusets the harness gave its cgroup (steps.c) */
	unsigned epoch;			/* current isolation epoch (< WORKER_ISO_EPOCHS) */
	bool epoch_open;		/* a change of cpusets or membership is under way */
	struct cpumask grant_epoch[WORKER_ISO_EPOCHS];	/* the grant in each epoch */
};

struct spawn_opts {
	const struct topo *topo;
	struct cgroup_mgr *mgr;
	const struct cpumask *cgroup_cpus;	/* cpuset of the cgroup, NULL: all */
	uint64_t scenario_start_ns;
	const char *payload_dir;
};

/*
 * Fork n workers of w into cgroup (placed by the parent, held at the start
 * line). Grouped types need n to be a multiple of the group size. Returns 0
 * or -errno with *err.
 */
int worker_group__spawn(const struct spec_work *w, unsigned n, const char *cgroup,
		      const struct spawn_opts *o, struct worker_group **out, char **err);
/* Release the held workers (two-phase start). */
void worker_group__start(struct worker_group *g);
/* Signal stop; reap within deadline_ns (absolute), then SIGKILL the process groups. */
void worker_group__stop(struct worker_group *g, uint64_t deadline_ns);
/* The two halves of stop, so many groups can be signalled before any is reaped. */
void worker_group__signal(struct worker_group *g);
/* true when every worker exited by itself before the deadline. */
bool worker_group__reap(struct worker_group *g, uint64_t deadline_ns);
/* Setup error a worker recorded (policy, affinity, ...), or NULL. */
const char *worker_group__error(const struct worker_group *g, unsigned i);
/* Append one worker_report per worker to out (after stop). */
void worker_group__collect(const struct worker_group *g, uint64_t scenario_start_ns,
			 struct telemetry *out);
/* Per-worker affinity for an affinity kind within cgroup_cpus. */
void worker_group__affinity(const struct topo *t, const struct spec_work *w,
			  const struct cpumask *cgroup_cpus, unsigned idx, uint64_t seed,
			  struct cpumask *out);
/* SIGKILL every worker's process group, reap, unmap. Accepts NULL. */
void worker_group__free(struct worker_group *g);

#endif
