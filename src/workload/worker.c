// SPDX-License-Identifier: GPL-2.0-only
/*
 * Worker processes: fork, place in a cgroup, hold at the start line, run a
 * work type loop with cheap checkpoints, stop on SIGUSR1, report through a
 * shared slot, reap, and SIGKILL the process groups at teardown.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/mempolicy.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "workload/internal.h"

volatile sig_atomic_t worker_stop;

static void on_stop(int sig)
{
	worker_stop = 1;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* ---- helpers for the work loops ---- */

int futex_wait(volatile uint32_t *addr, uint32_t val, uint64_t timeout_ns)
{
	struct timespec ts = { timeout_ns / NSEC_PER_SEC, timeout_ns % NSEC_PER_SEC };

	if (syscall(SYS_futex, addr, FUTEX_WAIT, val, &ts, NULL, 0) < 0)
		return -errno;
	return 0;
}

void futex_wake(volatile uint32_t *addr, int n)
{
	syscall(SYS_futex, addr, FUTEX_WAKE, n, NULL, NULL, 0);
}

/* File cpu under epoch seq/2 unless a change of cpusets was under way or began meanwhile. */
static void note_epoch_cpu(struct worker_slot *s, uint32_t seq, int cpu)
{
	if (cpu < 0 || (seq & 1) || __atomic_load_n(&s->iso_seq, __ATOMIC_ACQUIRE) != seq)
		return;
	cpumask_set(&s->cpus_epoch[MIN(seq / 2, WORKER_ISO_EPOCHS - 1)], cpu);
}

static void checkpoint(struct worker_ctx *w)
{
	struct worker_slot *s = w->slot;
	uint32_t seq = __atomic_load_n(&s->iso_seq, __ATOMIC_ACQUIRE);
	uint64_t now = now_ns(), gap = now - w->last_cp_ns;
	int cpu = sched_getcpu();

	if (gap > s->max_gap_ns) {
		s->max_gap_ns = gap;
		s->max_gap_cpu = cpu;
		s->max_gap_at_ns = now;
	}
	if (cpu >= 0) {
		if (w->last_cpu >= 0 && cpu != w->last_cpu) {
			s->migration_count++;
			if (s->nmigrations < WORKER_MAX_MIGRATIONS)
				s->migrations[s->nmigrations++] =
					(struct migration){ now, w->last_cpu, cpu };
		}
		cpumask_set(&s->cpus_used, cpu);
		w->last_cpu = cpu;
	}
	note_epoch_cpu(s, seq, cpu);
	w->last_cp_ns = now;
}

void worker_progress(struct worker_ctx *w, uint64_t units)
{
	uint64_t old = w->slot->work_units, new = old + units;

	w->slot->work_units = new;
	if (old / 1024 != new / 1024)
		checkpoint(w);
}

uint64_t worker_rand(struct worker_ctx *w)
{
	uint64_t x = w->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return w->rng = x;
}

/*
 * Reservoir sampling (algorithm R): every sample has the same chance to be
 * kept. Callers pass now - stamp where the stamp may come from the waker on
 * another CPU; a clock a few ns behind that CPU's makes the difference wrap,
 * which is a zero latency, not 584 years.
 */
void worker_wake_sample(struct worker_ctx *w, uint64_t ns)
{
	struct worker_slot *s = w->slot;
	uint64_t j;

	if (ns > INT64_MAX)
		ns = 0;
	s->wake_total++;
	if (s->nwake < TELEMETRY_MAX_WAKE_SAMPLES) {
		s->wake_ns[s->nwake++] = ns;
		return;
	}
	j = worker_rand(w) % s->wake_total;
	if (j < TELEMETRY_MAX_WAKE_SAMPLES)
		s->wake_ns[j] = ns;
}

void worker_sleep_ns(struct worker_ctx *w, uint64_t ns)
{
	uint64_t want = now_ns() + ns;
	struct timespec ts = { want / NSEC_PER_SEC, want % NSEC_PER_SEC };
	uint64_t now;

	/* Absolute deadline: the overshoot past it is the wake-to-run latency. */
	if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
		return;		/* interrupted by the stop signal: no sample */
	now = now_ns();
	worker_wake_sample(w, now > want ? now - want : 0);
}

void worker_yield(struct worker_ctx *w)
{
	uint64_t t0 = now_ns();

	sched_yield();
	worker_wake_sample(w, now_ns() - t0);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

void spin_raw(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		cpu_relax();
}

void worker_spin(struct worker_ctx *w, uint64_t n)
{
	while (n && !worker_should_stop()) {
		uint64_t c = MIN(n, 1024 - w->slot->work_units % 1024);

		spin_raw(c);
		worker_progress(w, c);
		n -= c;
	}
}

/* ---- in the child ---- */

static void read_schedstat(uint64_t v[3])
{
	_cleanup_free_ char *buf = NULL;

	v[0] = v[1] = v[2] = 0;
	if (read_file("/proc/self/schedstat", &buf, NULL) == 0)
		sscanf(buf, "%lu %lu %lu", &v[0], &v[1], &v[2]);
}

static uint64_t vmstat_numa_migrated(void)
{
	_cleanup_free_ char *buf = NULL;
	char *p;

	if (read_file("/proc/vmstat", &buf, NULL))
		return 0;
	p = strstr(buf, "numa_pages_migrated ");
	return p ? strtoull(p + 20, NULL, 10) : 0;
}

/*
 * Pages per node from /proc/self/numa_maps ("N0=12 N1=3" tokens), private
 * anonymous mappings only: the binary's and libraries' page cache sits
 * wherever the initramfs was unpacked and says nothing about the policy.
 */
static void numa_pages(uint64_t pages[TELEMETRY_MAX_NUMA_NODES])
{
	_cleanup_free_ char *buf = NULL;
	char *save = NULL, *line;

	if (read_file("/proc/self/numa_maps", &buf, NULL))
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *lsave = NULL, *tok;

		if (strstr(line, " file="))
			continue;
		for (tok = strtok_r(line, " ", &lsave); tok; tok = strtok_r(NULL, " ", &lsave)) {
			unsigned node;
			unsigned long n;

			if (sscanf(tok, "N%u=%lu", &node, &n) == 2 && node < TELEMETRY_MAX_NUMA_NODES)
				pages[node] += n;
		}
	}
}

/* cpuset.cpus.effective of the cgroup the task is in now (else its affinity). */
int worker_allowed_cpus(const char *mount, struct cpumask *out)
{
	_cleanup_free_ char *cg = NULL, *path = NULL, *buf = NULL;
	cpu_set_t set;
	char *p;

	cpumask_zero(out);
	if (mount && read_file("/proc/self/cgroup", &cg, NULL) == 0 &&
	    (p = strstr(cg, "0::")) != NULL) {
		p += 3;
		p[strcspn(p, "\n")] = '\0';
		path = xasprintf("%s%s/cpuset.cpus.effective", mount, str_eq(p, "/") ? "" : p);
		if (read_file(path, &buf, NULL) == 0 && !cpumask_parse(str_trim(buf), out) &&
		    !cpumask_empty(out))
			return 0;
	}
	if (sched_getaffinity(0, sizeof(set), &set))
		return -errno;
	for (unsigned c = 0; c < CPU_SETSIZE && c < KTSTR_MAX_CPUS; c++)
		if (CPU_ISSET(c, &set))
			cpumask_set(out, c);
	return 0;
}

static void slot_error(struct worker_slot *s, int err, const char *what)
{
	if (s->error)
		return;
	s->error = err;
	snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", what, strerror(-err));
}

static int set_affinity(pid_t pid, const struct cpumask *m)
{
	cpu_set_t set;
	int cpu;

	CPU_ZERO(&set);
	for_each_cpu(cpu, m)
		if (cpu < CPU_SETSIZE)
			CPU_SET(cpu, &set);
	return sched_setaffinity(pid, sizeof(set), &set) ? -errno : 0;
}

static const int mpol_modes[] = {
	[MPOL_KIND_DEFAULT] = MPOL_DEFAULT,
	[MPOL_KIND_BIND] = MPOL_BIND,
	[MPOL_KIND_PREFERRED] = MPOL_PREFERRED,
	[MPOL_KIND_INTERLEAVE] = MPOL_INTERLEAVE,
	[MPOL_KIND_LOCAL] = MPOL_LOCAL,
	[MPOL_KIND_PREFERRED_MANY] = MPOL_PREFERRED_MANY,
	[MPOL_KIND_WEIGHTED_INTERLEAVE] = 6,	/* MPOL_WEIGHTED_INTERLEAVE, 6.9+ */
};

static void apply_attrs(struct worker_ctx *w, const struct cpumask *affinity)
{
	const struct spec_work *wk = w->work;
	struct worker_slot *s = w->slot;
	static const int policies[] = {
		[POLICY_NORMAL] = SCHED_OTHER, [POLICY_BATCH] = SCHED_BATCH,
		[POLICY_IDLE] = SCHED_IDLE, [POLICY_FIFO] = SCHED_FIFO, [POLICY_RR] = SCHED_RR,
	};
	struct sched_param sp = { 0 };

	if (wk->policy != POLICY_NORMAL) {
		if (wk->policy == POLICY_FIFO || wk->policy == POLICY_RR)
			sp.sched_priority = wk->priority ? wk->priority : 1;
		if (sched_setscheduler(0, policies[wk->policy], &sp))
			slot_error(s, -errno, "sched_setscheduler");
	}
	if (wk->nice && setpriority(PRIO_PROCESS, 0, wk->nice))
		slot_error(s, -errno, "setpriority");
	if (wk->mem_policy != MPOL_KIND_DEFAULT) {
		unsigned long mask[KTSTR_MAX_CPUS / (8 * sizeof(long))] = { 0 };

		memcpy(mask, wk->mem_nodes.bits, MIN(sizeof(mask), sizeof(wk->mem_nodes.bits)));
		if (syscall(SYS_set_mempolicy, mpol_modes[wk->mem_policy] | (int)wk->mpol_flags,
			    wk->mem_policy == MPOL_KIND_LOCAL ? NULL : mask,
			    wk->mem_policy == MPOL_KIND_LOCAL ? 0 : (unsigned long)KTSTR_MAX_CPUS + 1))
			slot_error(s, -errno, "set_mempolicy");
	}
	if (!cpumask_empty(affinity)) {
		int ret = set_affinity(0, affinity);

		if (ret)
			slot_error(s, ret, "sched_setaffinity");
	}
}

static __attribute__((noreturn)) void child_main(struct worker_ctx *w, volatile uint32_t *go,
						  const struct cpumask *affinity, const char *mount)
{
	struct worker_slot *s = w->slot;
	struct sigaction sa = { .sa_handler = on_stop };	/* no SA_RESTART: blocking calls return EINTR */
	uint64_t ss0[3], ss1[3], mig0 = 0, cpu0, numa0[TELEMETRY_MAX_NUMA_NODES] = { 0 };
	sigset_t set;
	int ret;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	/* Two-phase start: wait until the parent placed everyone and released the group. */
	while (!*go && !worker_should_stop())
		futex_wait(go, 0, 100 * NSEC_PER_MSEC);

	if (!worker_should_stop()) {
		apply_attrs(w, affinity);
		worker_allowed_cpus(mount, &w->allowed0);
		if (w->work->mem_policy != MPOL_KIND_DEFAULT) {
			mig0 = vmstat_numa_migrated();
			numa_pages(numa0);
		}
		read_schedstat(ss0);
		cpu0 = thread_cpu_ns();
		s->start_ns = w->last_cp_ns = now_ns();
		{
			uint32_t seq = __atomic_load_n(&s->iso_seq, __ATOMIC_ACQUIRE);

			w->last_cpu = sched_getcpu();
			note_epoch_cpu(s, seq, w->last_cpu);
		}
		if (w->last_cpu >= 0)
			cpumask_set(&s->cpus_used, w->last_cpu);
		s->state = WSLOT_RUNNING;
		ret = work_impl_table[w->work->type->type].run(w);
		if (ret)
			slot_error(s, ret, w->work->type->name);
		s->end_ns = now_ns();
		s->cpu_time_ns = thread_cpu_ns() - cpu0;
		read_schedstat(ss1);
		s->sched_cpu_ns = ss1[0] - ss0[0];
		s->sched_run_delay_ns = ss1[1] - ss0[1];
		s->sched_run_count = ss1[2] - ss0[2];
		if (w->work->mem_policy != MPOL_KIND_DEFAULT) {
			/* What the run placed: pages mapped before the policy (inherited) drop out. */
			numa_pages(s->numa_pages);
			for (unsigned k = 0; k < TELEMETRY_MAX_NUMA_NODES; k++)
				s->numa_pages[k] = s->numa_pages[k] > numa0[k] ? s->numa_pages[k] - numa0[k] : 0;
			s->numa_pages_migrated = vmstat_numa_migrated() - mig0;
		}
	}
	__atomic_store_n(&s->state, WSLOT_DONE, __ATOMIC_RELEASE);
	_exit(0);
}

/* ---- in the parent ---- */

void worker_group__affinity(const struct topo *t, const struct spec_work *w,
			  const struct cpumask *cgroup_cpus, unsigned idx, uint64_t seed,
			  struct cpumask *out)
{
	struct cpumask all, from;
	unsigned n, k, want, nllc = 0;
	int cpu;

	topo__all(t, &all);
	from = cgroup_cpus && !cpumask_empty(cgroup_cpus) ? *cgroup_cpus : all;
	n = cpumask_weight(&from);
	cpumask_zero(out);
	if (!n)
		return;
	switch (w->affinity) {
	case AFFINITY_INHERIT:
		break;
	case AFFINITY_RANDOM_SUBSET:
		want = MAX(1u, n / 2);
		seed = seed * 6364136223846793005ULL + idx * 1442695040888963407ULL + 1;
		for (k = 0; k < 4 * n && cpumask_weight(out) < want; k++) {
			seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
			cpumask_set(out, cpumask_nth(&from, seed % n));
		}
		break;
	case AFFINITY_LLC_ALIGNED:
		/* Spread workers over the LLCs the cgroup's CPUs touch. */
		for (unsigned l = 0; l < t->nllcs; l++) {
			struct cpumask m;

			cpumask_and(&m, &t->llc_cpus[l], &from);
			if (!cpumask_empty(&m))
				nllc++;
		}
		k = nllc ? idx % nllc : 0;
		for (unsigned l = 0; l < t->nllcs; l++) {
			struct cpumask m;

			cpumask_and(&m, &t->llc_cpus[l], &from);
			if (cpumask_empty(&m))
				continue;
			if (!k--) {
				*out = m;
				break;
			}
		}
		break;
	case AFFINITY_CROSS_CGROUP:
		*out = all;
		break;
	case AFFINITY_SINGLE_CPU:
		cpu = n ? cpumask_nth(&from, idx % n) : 0;
		cpumask_set(out, cpu);
		break;
	case AFFINITY_EXACT:
		*out = w->affinity_cpus;
		break;
	}
}

static void *map_shared(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void close_pair(int p[4])
{
	for (int i = 0; i < 4; i++)
		if (p[i] >= 0)
			close(p[i]);
	p[0] = p[1] = p[2] = p[3] = -1;
}

int worker_group__spawn(const struct spec_work *w, unsigned n, const char *cgroup,
		      const struct spawn_opts *o, struct worker_group **out, char **err)
{
	const struct worktype_desc *d = w->type;
	const struct work_impl *impl;
	unsigned gs;
	struct worker_group *g;
	int pp[4] = { -1, -1, -1, -1 };	/* 0->1 read, 0->1 write, 1->0 read, 1->0 write */
	sigset_t block, old;
	int ret = 0;

	*out = NULL;
	if (!d || (unsigned)d->type >= WORK__COUNT) {
		*err = xstrdup("no work type");
		return -EINVAL;
	}
	impl = &work_impl_table[d->type];
	gs = worktype_group_size(d, w->params);
	if (!n || n > SPEC_MAX_WORKERS) {
		*err = xasprintf("%s: %u workers is outside 1..%d", d->name, n, SPEC_MAX_WORKERS);
		return -EINVAL;
	}
	if (!gs || n % gs) {
		*err = xasprintf("%s needs a worker count that is a multiple of its group size %u, got %u",
				 d->name, gs, n);
		return -EINVAL;
	}
	if (d->type == WORK_SEQUENCE && !w->nphases) {
		*err = xstrdup("Sequence needs at least one phase");
		return -EINVAL;
	}
	g = xcalloc(1, sizeof(*g));
	g->cgroup = xstrdup(cgroup ? cgroup : "");
	g->work = w;
	g->nworkers = n;
	g->gsize = gs;
	g->mount = o->mgr && o->mgr->mount ? o->mgr->mount : NULL;
	g->pids = xcalloc(n, sizeof(*g->pids));
	g->status = xcalloc(n, sizeof(*g->status));
	g->reaped = xcalloc(n, sizeof(*g->reaped));
	g->err_noted = xcalloc(n, sizeof(*g->err_noted));
	g->cpu_ns = xcalloc(n, sizeof(*g->cpu_ns));
	g->affinity = xcalloc(n, sizeof(*g->affinity));
	g->slots_len = n * sizeof(struct worker_slot);
	g->slots = map_shared(g->slots_len);
	g->gshm_len = (n / gs + 1) * sizeof(struct group_shm);
	g->gshm = map_shared(g->gshm_len);
	*out = g;
	if (!g->slots || !g->gshm) {
		*err = xasprintf("mmap of %zu bytes of worker slots: %s", g->slots_len, strerror(errno));
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		worker_group__affinity(o->topo, w, o->cgroup_cpus, i, o->scenario_start_ns, &g->affinity[i]);
		/* Without cgroups (host tests) a cpuset is emulated with affinity. */
		if (!cgroup_mgr__enabled(o->mgr) && o->cgroup_cpus && cpumask_empty(&g->affinity[i]))
			g->affinity[i] = *o->cgroup_cpus;
	}

	/* SIGUSR1 stays blocked until the child has its handler. */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	for (unsigned i = 0; i < n; i++) {
		pid_t pid;

		if (impl->needs_pipes && i % 2 == 0 &&
		    (pipe2(&pp[0], O_CLOEXEC) || pipe2(&pp[2], O_CLOEXEC))) {
			ret = -errno;
			*err = xasprintf("pipe2: %s", strerror(errno));
			break;
		}
		pid = fork();
		if (pid < 0) {
			ret = -errno;
			*err = xasprintf("fork worker %u of %s: %s", i, d->name, strerror(errno));
			break;
		}
		if (pid == 0) {
			struct worker_ctx ctx = {
				.work = w, .index = i, .gindex = i % gs, .gsize = gs,
				.slot = &g->slots[i], .gshm = &g->gshm[1 + i / gs],
				.rfd = -1, .wfd = -1, .last_cpu = -1,
				.rng = (uint64_t)getpid() * 2654435761ULL + 88172645463325252ULL,
				.scenario_start_ns = o->scenario_start_ns,
				.ncpus = o->topo->ncpus, .mount = g->mount,
			};

			if (impl->needs_pipes) {
				ctx.rfd = i % 2 ? pp[0] : pp[2];
				ctx.wfd = i % 2 ? pp[3] : pp[1];
			}
			child_main(&ctx, &g->gshm[0].futex[0], &g->affinity[i], g->mount);
		}
		setpgid(pid, pid);
		g->pids[i] = pid;
		if (impl->needs_pipes && i % 2 == 1)
			close_pair(pp);
		if (o->mgr && cgroup) {
			ret = cgroup_mgr__move_task(o->mgr, cgroup, pid);
			if (ret) {
				*err = xasprintf("placing worker %d: %s", (int)pid, cgroup_mgr__error(o->mgr));
				g->nspawned = i + 1;
				break;
			}
		}
		g->nspawned = i + 1;
	}
	close_pair(pp);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}

void worker_group__start(struct worker_group *g)
{
	if (!g || !g->gshm || g->gshm[0].futex[0])
		return;
	__atomic_store_n(&g->gshm[0].futex[0], 1, __ATOMIC_RELEASE);
	futex_wake(&g->gshm[0].futex[0], INT_MAX);
}

void worker_group__signal(struct worker_group *g)
{
	if (!g)
		return;
	for (unsigned i = 0; i < g->nspawned; i++)
		if (!g->reaped[i])
			kill(g->pids[i], SIGUSR1);
}

static void reap_one(struct worker_group *g, unsigned i, int flags)
{
	struct rusage ru;
	pid_t r;

	do
		r = wait4(g->pids[i], &g->status[i], flags, &ru);
	while (r < 0 && errno == EINTR);
	if (r == g->pids[i] || (r < 0 && errno == ECHILD)) {
		g->reaped[i] = true;
		if (r > 0)
			g->cpu_ns[i] = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * NSEC_PER_SEC +
				       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * NSEC_PER_USEC;
		/* Whatever the worker forked (ForkExit) dies with its process group. */
		kill(-g->pids[i], SIGKILL);
	}
}

/* SIGKILL the process group of every worker not reaped yet, and reap it. */
static void kill_unreaped(struct worker_group *g)
{
	for (unsigned i = 0; i < g->nspawned; i++) {
		if (g->reaped[i])
			continue;
		kill(-g->pids[i], SIGKILL);
		kill(g->pids[i], SIGKILL);
		reap_one(g, i, 0);
	}
}

bool worker_group__reap(struct worker_group *g, uint64_t deadline_ns)
{
	bool all;

	if (!g)
		return true;
	for (;;) {
		all = true;
		for (unsigned i = 0; i < g->nspawned; i++) {
			if (!g->reaped[i])
				reap_one(g, i, WNOHANG);
			all &= g->reaped[i];
		}
		if (all || now_ns() >= deadline_ns)
			break;
		usleep(2000);
	}
	if (!all)
		kill_unreaped(g);
	return all;
}

void worker_group__stop(struct worker_group *g, uint64_t deadline_ns)
{
	if (!g || g->stopped)
		return;
	worker_group__start(g);	/* a never-started worker still reports (zero work) */
	worker_group__signal(g);
	worker_group__reap(g, deadline_ns);
	g->stopped = true;
}

static uint64_t rel(uint64_t abs, uint64_t base)
{
	return abs > base ? abs - base : 0;
}

void worker_group__collect(const struct worker_group *g, uint64_t scenario_start_ns,
			 struct telemetry *out)
{
	const struct worktype_desc *d = g->work->type;

	for (unsigned i = 0; i < g->nworkers; i++) {
		const struct worker_slot *s = &g->slots[i];
		struct worker_report *r = array_push(&out->workers, &out->nworkers, sizeof(*r));
		bool done = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == WSLOT_DONE;

		r->pid = i < g->nspawned ? g->pids[i] : 0;
		r->index = i;
		r->cgroup = xstrdup(g->cgroup);
		r->type = d->type;
		r->work_units = s->work_units;
		r->iterations = s->iterations;
		r->start_ns = s->start_ns ? rel(s->start_ns, scenario_start_ns) : 0;
		r->cpu_time_ns = s->cpu_time_ns ? s->cpu_time_ns : g->cpu_ns[i];
		if (s->start_ns)
			r->wall_time_ns = (s->end_ns ? s->end_ns : now_ns()) - s->start_ns;
		r->off_cpu_ns = r->wall_time_ns > r->cpu_time_ns ? r->wall_time_ns - r->cpu_time_ns : 0;
		r->max_gap_ns = s->max_gap_ns;
		r->max_gap_cpu = s->max_gap_ns ? s->max_gap_cpu : -1;
		r->max_gap_at_ns = s->max_gap_ns ? rel(s->max_gap_at_ns, scenario_start_ns) : 0;
		r->migration_count = s->migration_count;
		r->nmigrations = MIN(s->nmigrations, WORKER_MAX_MIGRATIONS);
		if (r->nmigrations) {
			r->migrations = xcalloc(r->nmigrations, sizeof(*r->migrations));
			for (size_t k = 0; k < r->nmigrations; k++) {
				r->migrations[k] = s->migrations[k];
				r->migrations[k].at_ns = rel(s->migrations[k].at_ns, scenario_start_ns);
			}
		}
		r->cpus_used = s->cpus_used;
		r->nwake = MIN(s->nwake, TELEMETRY_MAX_WAKE_SAMPLES);
		if (r->nwake) {
			r->wake_ns = xmalloc(r->nwake * sizeof(*r->wake_ns));
			memcpy(r->wake_ns, s->wake_ns, r->nwake * sizeof(*r->wake_ns));
		}
		r->wake_sample_total = s->wake_total;
		r->schedstat_run_delay_ns = s->sched_run_delay_ns;
		r->schedstat_run_count = s->sched_run_count;
		r->schedstat_cpu_time_ns = s->sched_cpu_ns;
		memcpy(r->numa_pages, s->numa_pages, sizeof(r->numa_pages));
		r->numa_pages_migrated = s->numa_pages_migrated;
		r->is_messenger = d->group == WORK_GROUP_FAN_OUT && i % g->gsize == 0;
		r->completed = done && i < g->nspawned && WIFEXITED(g->status[i]) &&
			       !WEXITSTATUS(g->status[i]);
		r->exit_status = i < g->nspawned ? g->status[i] : -1;
		r->allowed = g->granted;
		/* each epoch's CPUs against that epoch's grant, not the union over the run */
		cpumask_zero(&r->cpus_outside);
		for (unsigned e = 0; e <= g->epoch && e < WORKER_ISO_EPOCHS; e++) {
			struct cpumask bad;

			if (cpumask_empty(&g->grant_epoch[e]))
				continue;
			cpumask_andnot(&bad, &s->cpus_epoch[e], &g->grant_epoch[e]);
			cpumask_or(&r->cpus_outside, &r->cpus_outside, &bad);
		}
	}
}

const char *worker_group__error(const struct worker_group *g, unsigned i)
{
	return g->slots && g->slots[i].error ? g->slots[i].errmsg : NULL;
}

void worker_group__free(struct worker_group *g)
{
	if (!g)
		return;
	kill_unreaped(g);
	if (g->slots)
		munmap(g->slots, g->slots_len);
	if (g->gshm)
		munmap(g->gshm, g->gshm_len);
	free(g->cgroup);
	free(g->pids);
	free(g->status);
	free(g->reaped);
	free(g->err_noted);
	free(g->cpu_ns);
	free(g->affinity);
	free(g);
}
