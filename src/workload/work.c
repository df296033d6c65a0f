// SPDX-License-Identifier: GPL-2.0-only
/*
 * The work type loops, one function per ktstr work type, and work_impl_table[].
 * Each loop runs until the stop flag is set, counts work units through
 * worker_progress()/worker_spin() (checkpoints every 1024 units) and records
 * wake-to-run latency where the type blocks. What a unit is per type is
 * documented in man/ktstr-workloads.7. Buffers stay mapped when a loop
 * returns: the worker takes its final NUMA snapshot after that, and _exit
 * frees them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "workload/internal.h"

#define IO_BYTES (64 * 1024)
#define IO_SLEEP_NS (100 * NSEC_PER_USEC)
#define WAIT_SLICE_NS (100 * NSEC_PER_MSEC)

static void *xmmap(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Spin in 1024-unit chunks until ns have passed. */
static void spin_for(struct worker_ctx *w, uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (!worker_should_stop() && now_ns() < end)
		worker_spin(w, 1024);
}

static int work_cpu_spin(struct worker_ctx *w)
{
	while (!worker_should_stop()) {
		worker_spin(w, 1024);
		worker_iter(w);
	}
	return 0;
}

static int work_yield_heavy(struct worker_ctx *w)
{
	while (!worker_should_stop()) {
		sched_yield();
		worker_progress(w, 1);
		worker_iter(w);
	}
	return 0;
}

static int work_mixed(struct worker_ctx *w)
{
	while (!worker_should_stop()) {
		worker_spin(w, 1024);
		sched_yield();
		worker_iter(w);
	}
	return 0;
}

/* 64 KiB to a tmpfs file (memfd), fdatasync, then a 100 us sleep; 16 units (4 KiB pages). */
static int io_once(struct worker_ctx *w, int fd, const char *buf)
{
	if (pwrite(fd, buf, IO_BYTES, 0) != IO_BYTES)
		return errno == EINTR ? 0 : -errno;
	fdatasync(fd);
	worker_progress(w, IO_BYTES / 4096);
	worker_sleep_ns(w, IO_SLEEP_NS);
	return 0;
}

static int io_open(char **buf)
{
	int fd = memfd_create("ktstr-io", MFD_CLOEXEC);

	*buf = NULL;
	if (fd < 0)
		return -errno;
	*buf = xcalloc(1, IO_BYTES);
	return fd;
}

static int work_io_sync(struct worker_ctx *w)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = io_open(&buf);
	int ret = 0;

	if (fd < 0)
		return fd;
	while (!worker_should_stop() && !ret) {
		ret = io_once(w, fd, buf);
		worker_iter(w);
	}
	return ret;
}

static int work_bursty(struct worker_ctx *w)
{
	uint64_t burst = w->work->params[WP_BURSTY_BURST_MS] * NSEC_PER_MSEC;
	uint64_t sleep = w->work->params[WP_BURSTY_SLEEP_MS] * NSEC_PER_MSEC;

	while (!worker_should_stop()) {
		spin_for(w, burst);
		if (sleep)
			worker_sleep_ns(w, sleep);
		worker_iter(w);
	}
	return 0;
}

/*
 * One exchange with the pair partner: send our CLOCK_MONOTONIC stamp, wait
 * for theirs. Wake latency = return - max(when we started waiting, their stamp).
 */
static int pipe_exchange(struct worker_ctx *w)
{
	uint64_t stamp = now_ns(), theirs, t0, t1;
	struct pollfd pfd = { .fd = w->rfd, .events = POLLIN };
	ssize_t r;

	if (write(w->wfd, &stamp, sizeof(stamp)) != sizeof(stamp))
		return errno == EINTR || errno == EPIPE ? 0 : -errno;
	t0 = now_ns();
	for (;;) {
		if (worker_should_stop())
			return 0;
		r = poll(&pfd, 1, WAIT_SLICE_NS / NSEC_PER_MSEC);
		if (r > 0)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
	r = read(w->rfd, &theirs, sizeof(theirs));
	t1 = now_ns();
	if (r != sizeof(theirs))
		return r == 0 || errno == EINTR ? 0 : -errno;
	worker_wake_sample(w, t1 - MAX(t0, theirs));
	return 0;
}

static int work_pipe_io(struct worker_ctx *w)
{
	int ret = 0;

	while (!worker_should_stop() && !ret) {
		worker_spin(w, w->work->params[WP_PIPE_IO_BURST_ITERS]);
		ret = pipe_exchange(w);
		worker_iter(w);
	}
	return ret;
}

/* Turn-taking over one futex word: futex[0] holds whose turn it is. */
static int work_futex_ping_pong(struct worker_ctx *w)
{
	volatile uint32_t *turn = &w->gshm->futex[0];
	uint32_t me = w->gindex, other = 1 - me;

	while (!worker_should_stop()) {
		uint64_t t0 = now_ns(), t1;
		bool waited = false;

		while (__atomic_load_n(turn, __ATOMIC_ACQUIRE) != me && !worker_should_stop()) {
			futex_wait(turn, other, WAIT_SLICE_NS);
			waited = true;
		}
		if (worker_should_stop())
			break;
		t1 = now_ns();
		if (waited)
			worker_wake_sample(w, t1 - MAX(t0, w->gshm->stamp[other]));
		worker_spin(w, w->work->params[WP_FUTEX_PING_PONG_SPIN_ITERS]);
		w->gshm->stamp[me] = now_ns();
		__atomic_store_n(turn, other, __ATOMIC_RELEASE);
		futex_wake(turn, 1);
		worker_iter(w);
	}
	/* Hand the turn over so the partner is not left waiting for us. */
	__atomic_store_n(turn, other, __ATOMIC_RELEASE);
	futex_wake(turn, 1);
	return 0;
}

/* Strided read-modify-write over buf; one unit per touch. */
static void cache_sweep(struct worker_ctx *w, volatile uint8_t *buf, size_t len, size_t stride,
			size_t *pos, uint64_t touches)
{
	uint64_t done = 0;

	while (done < touches && !worker_should_stop()) {
		uint64_t c = MIN(touches - done, 1024 - w->slot->work_units % 1024);

		for (uint64_t i = 0; i < c; i++) {
			buf[*pos] = buf[*pos] + 1;
			*pos += stride;
			if (*pos >= len)
				*pos -= len;
		}
		worker_progress(w, c);
		done += c;
	}
}

static int cache_work(struct worker_ctx *w, bool yield)
{
	size_t len = w->work->params[WP_CACHE_SIZE_KB] * 1024;
	size_t stride = MAX(w->work->params[WP_CACHE_STRIDE], 1), pos = 0;
	uint8_t *buf = xmmap(len);

	if (!buf)
		return -ENOMEM;
	while (!worker_should_stop()) {
		cache_sweep(w, buf, len, stride, &pos, (len + stride - 1) / stride);
		if (yield)
			worker_yield(w);
		worker_iter(w);
	}
	return 0;
}

static int work_cache_pressure(struct worker_ctx *w)
{
	return cache_work(w, false);
}

static int work_cache_yield(struct worker_ctx *w)
{
	return cache_work(w, true);
}

static int work_cache_pipe(struct worker_ctx *w)
{
	size_t len = w->work->params[WP_CACHE_PIPE_SIZE_KB] * 1024, pos = 0;
	uint8_t *buf = xmmap(len);
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	while (!worker_should_stop() && !ret) {
		cache_sweep(w, buf, len, 64, &pos, w->work->params[WP_CACHE_PIPE_BURST_ITERS]);
		ret = pipe_exchange(w);
		worker_iter(w);
	}
	return ret;
}

/*
 * Fan-out: futex[1] is the generation, stamp[0] the messenger's stamp taken
 * just before FUTEX_WAKE. Receivers wait for the generation to move.
 */
static bool fan_wait(struct worker_ctx *w, uint32_t *seen)
{
	volatile uint32_t *gen = &w->gshm->futex[1];
	uint64_t t0 = now_ns(), t1;
	bool waited = false;

	while (__atomic_load_n(gen, __ATOMIC_ACQUIRE) == *seen) {
		if (worker_should_stop())
			return false;
		futex_wait(gen, *seen, WAIT_SLICE_NS);
		waited = true;
	}
	t1 = now_ns();
	if (waited)
		worker_wake_sample(w, t1 - MAX(t0, w->gshm->stamp[0]));
	*seen = __atomic_load_n(gen, __ATOMIC_ACQUIRE);
	return true;
}

/*
 * After each broadcast the messenger spins a little (counted as work) so the
 * receivers get a window to run before the next wake, as ktstr does; it
 * never waits for them.
 */
#define FAN_OUT_POST_WAKE_SPINS 256

static void fan_wake(struct worker_ctx *w)
{
	w->gshm->stamp[0] = now_ns();
	__atomic_add_fetch(&w->gshm->futex[1], 1, __ATOMIC_RELEASE);
	futex_wake(&w->gshm->futex[1], INT_MAX);
}

/*
 * Every member spins spin_iters (counted) each round, as ktstr: a receiver
 * whose messenger never gets to broadcast still shows the CPU it was
 * given, so zero work means the scheduler never ran it, not that a
 * partner was slow. Then the messenger broadcasts and receivers wait for
 * the next broadcast after their spin.
 */
static int work_futex_fan_out(struct worker_ctx *w)
{
	while (!worker_should_stop()) {
		worker_spin(w, w->work->params[WP_FUTEX_FAN_OUT_SPIN_ITERS]);
		if (w->gindex == 0) {
			fan_wake(w);
			worker_spin(w, FAN_OUT_POST_WAKE_SPINS);
		} else {
			uint32_t seen = __atomic_load_n(&w->gshm->futex[1], __ATOMIC_ACQUIRE);

			if (!fan_wait(w, &seen))
				break;
		}
		worker_iter(w);
	}
	return 0;
}

/* n x n u64 matrices, three of them in the footprint; c = a * b. One unit per output element. */
static void matmul(struct worker_ctx *w, const uint64_t *a, const uint64_t *b, uint64_t *c, size_t n)
{
	for (size_t i = 0; i < n && !worker_should_stop(); i++) {
		for (size_t j = 0; j < n; j++) {
			uint64_t s = 0;

			for (size_t k = 0; k < n; k++)
				s += a[i * n + k] * b[k * n + j];
			c[i * n + j] = s;
		}
		worker_progress(w, n);
	}
}

static int work_fan_out_compute(struct worker_ctx *w)
{
	const int64_t *p = w->work->params;
	size_t n = MAX(2, (size_t)__builtin_sqrt(p[WP_FAN_OUT_COMPUTE_CACHE_FOOTPRINT_KB] * 1024.0 /
						 (3 * sizeof(uint64_t))));
	uint64_t *m = NULL;
	uint32_t seen = 0;

	if (w->gindex) {
		m = xmmap(3 * n * n * sizeof(uint64_t));
		if (!m)
			return -ENOMEM;
		for (size_t i = 0; i < 2 * n * n; i++)
			m[i] = worker_rand(w);
	}
	while (!worker_should_stop()) {
		if (w->gindex == 0) {
			fan_wake(w);
			worker_spin(w, FAN_OUT_POST_WAKE_SPINS);
		} else {
			if (!fan_wait(w, &seen))
				break;
			if (p[WP_FAN_OUT_COMPUTE_SLEEP_USEC]) {
				struct timespec ts = { 0, p[WP_FAN_OUT_COMPUTE_SLEEP_USEC] * 1000 };

				nanosleep(&ts, NULL);
			}
			for (int64_t op = 0; op < p[WP_FAN_OUT_COMPUTE_OPERATIONS] && !worker_should_stop();
			     op++)
				matmul(w, m, m + n * n, m + 2 * n * n, n);
		}
		worker_iter(w);
	}
	return 0;
}

static int work_sequence(struct worker_ctx *w)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -1;
	int ret = 0;

	while (!worker_should_stop() && !ret) {
		for (size_t i = 0; i < w->work->nphases && !worker_should_stop() && !ret; i++) {
			const struct work_phase *ph = &w->work->phases[i];
			uint64_t end = now_ns() + ph->ns;

			switch (ph->kind) {
			case PHASE_SPIN:
				spin_for(w, ph->ns);
				break;
			case PHASE_SLEEP:
				worker_sleep_ns(w, ph->ns);
				worker_progress(w, 1);
				break;
			case PHASE_YIELD:
				while (!worker_should_stop() && now_ns() < end) {
					worker_yield(w);
					worker_progress(w, 1);
				}
				break;
			case PHASE_IO:
				if (fd < 0 && (fd = io_open(&buf)) < 0)
					return fd;
				while (!worker_should_stop() && now_ns() < end && !ret)
					ret = io_once(w, fd, buf);
				break;
			}
		}
		worker_iter(w);
	}
	return ret;
}

static int work_fork_exit(struct worker_ctx *w)
{
	while (!worker_should_stop()) {
		uint64_t t0 = now_ns();
		pid_t pid = fork();
		int st;

		if (pid < 0)
			return errno == EAGAIN ? 0 : -errno;
		if (pid == 0)
			_exit(0);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		worker_wake_sample(w, now_ns() - t0);
		worker_progress(w, 1);
		worker_iter(w);
	}
	return 0;
}

static int work_nice_sweep(struct worker_ctx *w)
{
	int orig = getpriority(PRIO_PROCESS, 0), nice = -20;
	bool can_lower = true;

	while (!worker_should_stop()) {
		worker_spin(w, 512);
		if (nice < 0 && !can_lower)
			nice = 0;
		if (setpriority(PRIO_PROCESS, 0, nice) && (errno == EPERM || errno == EACCES) && nice < 0)
			can_lower = false;	/* no CAP_SYS_NICE: sweep 0..19 only */
		nice = nice == 19 ? -20 : nice + 1;
		worker_yield(w);
		worker_iter(w);
	}
	setpriority(PRIO_PROCESS, 0, orig);
	return 0;
}

static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static int work_affinity_churn(struct worker_ctx *w)
{
	struct cpumask allowed = w->allowed0;
	cpu_set_t set;
	int cpu;

	while (!worker_should_stop()) {
		unsigned n = cpumask_weight(&allowed);

		worker_spin(w, w->work->params[WP_AFFINITY_CHURN_SPIN_ITERS]);
		if (!n)
			worker_allowed_cpus(w->mount, &allowed), n = cpumask_weight(&allowed);
		cpu = n ? cpumask_nth(&allowed, worker_rand(w) % n) : -1;
		/* EINVAL: the cpuset moved under us; re-read what is allowed now. */
		if (cpu >= 0 && pin_to(cpu) == -EINVAL)
			cpumask_zero(&allowed);
		worker_yield(w);
		worker_iter(w);
	}
	CPU_ZERO(&set);
	for_each_cpu(cpu, &w->allowed0)
		if (cpu < CPU_SETSIZE)
			CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	return 0;
}

static int work_policy_churn(struct worker_ctx *w)
{
	static const int pol[] = { SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, SCHED_FIFO, SCHED_RR };
	struct sched_param zero = { 0 }, rt = { .sched_priority = 1 };
	unsigned i = 0, n = ARRAY_SIZE(pol);

	while (!worker_should_stop()) {
		int p = pol[i % n];

		worker_spin(w, w->work->params[WP_POLICY_CHURN_SPIN_ITERS]);
		if (sched_setscheduler(0, p, p == SCHED_FIFO || p == SCHED_RR ? &rt : &zero) &&
		    (p == SCHED_FIFO || p == SCHED_RR))
			n = 3;	/* no CAP_SYS_NICE: OTHER/BATCH/IDLE only */
		i++;
		worker_yield(w);
		worker_iter(w);
	}
	sched_setscheduler(0, SCHED_OTHER, &zero);
	return 0;
}

static int work_page_fault_churn(struct worker_ctx *w)
{
	const int64_t *p = w->work->params;
	size_t page = sysconf(_SC_PAGESIZE), len = p[WP_PAGE_FAULT_CHURN_REGION_KB] * 1024;
	size_t npages = MAX(len / page, 1);
	volatile uint8_t *r = xmmap(len);

	if (!r)
		return -ENOMEM;
	madvise((void *)r, len, MADV_NOHUGEPAGE);
	/* A cycle: touches_per_cycle write faults, MADV_DONTNEED, then spin_iters spins. */
	while (!worker_should_stop()) {
		for (int64_t t = 0; t < p[WP_PAGE_FAULT_CHURN_TOUCHES_PER_CYCLE] && !worker_should_stop();
		     t++) {
			r[(worker_rand(w) % npages) * page] = 1;
			worker_progress(w, 1);
		}
		madvise((void *)r, len, MADV_DONTNEED);
		worker_spin(w, p[WP_PAGE_FAULT_CHURN_SPIN_ITERS]);
		worker_iter(w);
	}
	return 0;
}

/*
 * A futex lock (0 free, 1 held, 2 held with waiters) shared by the
 * contenders; stamp[2] is when it was last released. Latency is taken on
 * contended acquires only: from max(start of wait, release) to running.
 */
static bool mutex_lock(struct worker_ctx *w, volatile uint32_t *l)
{
	uint32_t z = 0;
	uint64_t t0;

	if (__atomic_compare_exchange_n(l, &z, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return true;
	t0 = now_ns();
	while (__atomic_exchange_n(l, 2, __ATOMIC_ACQUIRE) != 0) {
		if (worker_should_stop())
			return false;
		futex_wait(l, 2, WAIT_SLICE_NS);
	}
	worker_wake_sample(w, now_ns() - MAX(t0, w->gshm->stamp[2]));
	return true;
}

static void mutex_unlock(struct worker_ctx *w, volatile uint32_t *l)
{
	w->gshm->stamp[2] = now_ns();
	if (__atomic_exchange_n(l, 0, __ATOMIC_RELEASE) == 2)
		futex_wake(l, 1);
}

/*
 * As ktstr: spin work_iters outside the lock, acquire, spin hold_iters
 * inside, release. Both spins count, so a contender that keeps losing the
 * lock (it is not fair: a releaser that comes straight back can take it
 * before the waiter it woke runs) still shows the CPU it was given; zero
 * work means the scheduler never ran it.
 */
static int work_mutex_contention(struct worker_ctx *w)
{
	volatile uint32_t *l = &w->gshm->futex[2];

	while (!worker_should_stop()) {
		worker_spin(w, w->work->params[WP_MUTEX_CONTENTION_WORK_ITERS]);
		if (!mutex_lock(w, l))
			break;
		worker_spin(w, w->work->params[WP_MUTEX_CONTENTION_HOLD_ITERS]);
		mutex_unlock(w, l);
		worker_iter(w);
	}
	return 0;
}

const struct work_impl work_impl_table[WORK__COUNT] = {
	[WORK_CPU_SPIN] = { work_cpu_spin },
	[WORK_YIELD_HEAVY] = { work_yield_heavy },
	[WORK_MIXED] = { work_mixed },
	[WORK_IO_SYNC] = { work_io_sync },
	[WORK_BURSTY] = { work_bursty },
	[WORK_PIPE_IO] = { work_pipe_io, true },
	[WORK_FUTEX_PING_PONG] = { work_futex_ping_pong },
	[WORK_CACHE_PRESSURE] = { work_cache_pressure },
	[WORK_CACHE_YIELD] = { work_cache_yield },
	[WORK_CACHE_PIPE] = { work_cache_pipe, true },
	[WORK_FUTEX_FAN_OUT] = { work_futex_fan_out },
	[WORK_FAN_OUT_COMPUTE] = { work_fan_out_compute },
	[WORK_SEQUENCE] = { work_sequence },
	[WORK_FORK_EXIT] = { work_fork_exit },
	[WORK_NICE_SWEEP] = { work_nice_sweep },
	[WORK_AFFINITY_CHURN] = { work_affinity_churn },
	[WORK_POLICY_CHURN] = { work_policy_churn },
	[WORK_PAGE_FAULT_CHURN] = { work_page_fault_churn },
	[WORK_MUTEX_CONTENTION] = { work_mutex_contention },
};
