// SPDX-License-Identifier: GPL-2.0-only
/* The monitor of one VM: guest RAM, the sampling thread, the workload window. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "monitor/monitor.h"

/* nr_running beyond this is not a run queue but uninitialised memory */
#define NR_RUNNING_CEILING 100000

struct monitor {
	struct guestmem *mem;
	const struct monitor_offsets *off;	/* borrowed, immutable */
	struct monitor_kernel k;
	int fds[MONITOR_MAX_NODES];
	pid_t qemu_pid;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;				/* under lock */
	uint64_t t0, t_start, t_end;		/* host CLOCK_MONOTONIC; 0 = not seen */
	struct monitor_series s;		/* the thread's until joined */
	char *why;				/* no samples: why */
	unsigned hz;				/* the guest's CONFIG_HZ, 0 unknown */
	/* the watchdog override: asked (ns), armed by SCHD "running", the scx_sched done */
	uint64_t wd_ns;
	atomic_bool wd_armed;
	uint64_t wd_sch;
	char *wd_what;				/* the sampler's until joined */
};

int monitor__new(const uint64_t *node_bytes, unsigned nnodes, const struct monitor_offsets *o,
		 struct monitor **out)
{
	struct monitor *m = xcalloc(1, sizeof(*m));
	pthread_condattr_t ca;
	int ret = guestmem__create(node_bytes, nnodes, &m->mem);

	*out = NULL;
	if (ret) {
		free(m);
		return ret;
	}
	for (unsigned i = 0; i < nnodes; i++)
		m->fds[i] = m->mem->node[i].fd;
	m->off = o;
	m->s.preempt_ns = 10 * NSEC_PER_SEC / 250;	/* ktstr: 10 ticks at its default HZ */
	pthread_mutex_init(&m->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cond, &ca);
	pthread_condattr_destroy(&ca);
	*out = m;
	return 0;
}

const int *monitor__fds(const struct monitor *m, unsigned *n)
{
	*n = m->mem->nnodes;
	return m->fds;
}

void monitor__set_hz(struct monitor *m, unsigned hz)
{
	if (hz)
		m->s.preempt_ns = 10 * NSEC_PER_SEC / hz;
	m->hz = hz;
}

void monitor__set_watchdog(struct monitor *m, uint64_t timeout_ns)
{
	m->wd_ns = timeout_ns;
}

void monitor__sched_running(struct monitor *m)
{
	if (m)
		atomic_store(&m->wd_armed, true);
}

const char *monitor__watchdog(const struct monitor *m)
{
	return m && m->wd_ns ? m->wd_what : NULL;
}

/*
 * The watchdog override, once per scx_sched: after the agent reported the
 * scheduler running and scx_root points at it (a scheduler attached again
 * gets a new one). A failure is recorded and not retried for that one.
 */
static void watchdog_tick(struct monitor *m)
{
	uint64_t sch = 0, j;
	char *what = NULL;
	unsigned hz = m->hz ? m->hz : 250;

	if (!m->wd_ns || !atomic_load(&m->wd_armed))
		return;
	if (m->k.scx_root_va &&
	    (monitor_kernel__read(&m->k, m->mem, m->k.scx_root_va, &sch, 8) || !sch))
		return;
	if (sch == m->wd_sch && m->wd_what)
		return;
	j = monitor__ns_to_jiffies(m->wd_ns, hz);
	monitor_watchdog__apply(&m->k, m->mem, m->off, sch, j, &what);
	free(m->wd_what);
	m->wd_what = xasprintf("%s (%" PRIu64 " ms at HZ %u%s; %.1f s after the guest's symbols)",
			       what, (uint64_t)(m->wd_ns / NSEC_PER_MSEC), hz,
			       m->hz ? "" : " (no CONFIG_HZ in the kernel's config: 250 assumed)",
			       (double)(now_ns() - m->t0) / 1e9);
	free(what);
	m->wd_sch = sch;
}

void monitor__set_pid(struct monitor *m, pid_t pid)
{
	m->qemu_pid = pid;
}

/* QEMU's user + system CPU time (ns) from /proc/PID/stat; 0 when unknown. */
static uint64_t qemu_cpu_ns(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long ut, st;
	const char *p;
	ssize_t n;
	int fd;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* after "pid (comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &ut, &st) != 2)
		return 0;
	return (ut + st) * (NSEC_PER_SEC / (uint64_t)sysconf(_SC_CLK_TCK));
}

static int read_field(const struct monitor *m, uint64_t base, const struct monitor_field *f,
		      uint64_t *v)
{
	uint32_t v32;
	int ret;

	if (f->off < 0)
		return -ENOENT;
	if (f->size == 4) {
		ret = monitor_kernel__read(&m->k, m->mem, base + (uint64_t)f->off, &v32, 4);
		*v = v32;
		return ret;
	}
	return monitor_kernel__read(&m->k, m->mem, base + (uint64_t)f->off, v, 8);
}

/* Event counters of every CPU: scx_root -> pcpu -> per-CPU copy; false when off or absent. */
static bool read_events(const struct monitor *m, struct monitor_cpu *cpu)
{
	uint64_t sch = 0, pcpu = 0;

	if (!m->k.scx_root_va || m->off->sched_pcpu.off < 0)
		return false;
	if (monitor_kernel__read(&m->k, m->mem, m->k.scx_root_va, &sch, 8) || !sch)
		return false;
	if (read_field(m, sch, &m->off->sched_pcpu, &pcpu) || !pcpu)
		return false;
	for (unsigned c = 0; c < m->k.ncpus; c++) {
		uint64_t base = pcpu + m->k.pcpu_off[c], fb, kl;

		if (read_field(m, base, &m->off->ev_fallback, &fb) ||
		    read_field(m, base, &m->off->ev_keep_last, &kl) ||
		    (int64_t)fb < 0 || (int64_t)kl < 0)
			return false;
		cpu[c].fallback = (int64_t)fb;
		cpu[c].keep_last = (int64_t)kl;
	}
	return true;
}

static void take_sample(struct monitor *m, struct monitor_sample *s)
{
	const struct monitor_offsets *o = m->off;

	s->cpu = xcalloc(m->k.ncpus, sizeof(*s->cpu));
	s->valid = true;
	s->vm_cpu_ns = qemu_cpu_ns(m->qemu_pid);
	for (unsigned c = 0; c < m->k.ncpus && s->valid; c++) {
		uint64_t rq = m->k.runqueues + m->k.pcpu_off[c], v = 0;
		struct monitor_cpu *cpu = &s->cpu[c];

		if (read_field(m, rq, &o->rq_nr_running, &v))
			goto bad;
		cpu->nr_running = (uint32_t)v;
		if (read_field(m, rq, &o->rq_clock, &cpu->clock))
			goto bad;
		if (o->rq_scx_local_dsq_nr.off >= 0) {
			if (read_field(m, rq, &o->rq_scx_nr_running, &v))
				goto bad;
			cpu->scx_nr_running = (uint32_t)v;
			if (read_field(m, rq, &o->rq_scx_flags, &v))
				goto bad;
			cpu->scx_flags = (uint32_t)v;
			if (read_field(m, rq, &o->rq_scx_local_dsq_nr, &v))
				goto bad;
			cpu->local_dsq = (uint32_t)v;
		}
		if (cpu->local_dsq > MONITOR_DSQ_CEILING || cpu->nr_running > NR_RUNNING_CEILING)
			s->valid = false;
		continue;
bad:
		m->s.read_errors++;
		s->valid = false;
	}
	s->have_events = s->valid && read_events(m, s->cpu);
}

static void *sampler(void *arg)
{
	struct monitor *m = arg;
	struct timespec next;
	uint64_t next_ns = now_ns();

	pthread_mutex_lock(&m->lock);
	while (!m->stop && m->s.n < MONITOR_MAX_SAMPLES) {
		struct monitor_sample smp = { 0 };
		struct timespec c0, c1;
		bool last = m->t_end != 0;

		pthread_mutex_unlock(&m->lock);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
		watchdog_tick(m);
		smp.at_ns = now_ns() - m->t0;
		take_sample(m, &smp);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
		m->s.sample_cost_ns += (uint64_t)(c1.tv_sec - c0.tv_sec) * NSEC_PER_SEC +
				       (uint64_t)c1.tv_nsec - (uint64_t)c0.tv_nsec;
		pthread_mutex_lock(&m->lock);
		*(struct monitor_sample *)array_push(&m->s.v, &m->s.n, sizeof(smp)) = smp;
		if (last)	/* one sample after the workload ended closes the window */
			break;
		/*
		 * The next tick; a sampler the host held up does not catch up
		 * with a burst of back-to-back samples (they would all read the
		 * same clocks): it starts again one interval from now.
		 */
		next_ns += MONITOR_INTERVAL_NS;
		if (next_ns < now_ns())
			next_ns = now_ns() + MONITOR_INTERVAL_NS;
		next.tv_sec = (time_t)(next_ns / NSEC_PER_SEC);
		next.tv_nsec = (long)(next_ns % NSEC_PER_SEC);
		while (!m->stop && pthread_cond_timedwait(&m->cond, &m->lock, &next) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

int monitor__start(struct monitor *m, const struct msg_syms *syms)
{
	int ret;

	if (m->started || m->why)
		return -EALREADY;
	ret = monitor_kernel__init(&m->k, syms, m->mem, &m->why);
	if (ret)
		return ret;
	m->s.ncpus = m->k.ncpus;
	m->s.text_va = m->k.text_va;
	m->s.text_pa = m->k.text_pa;
	m->s.page_offset = m->k.page_offset;
	m->s.la57 = m->k.la57;
	m->s.dsq_why = m->off->rq_why;
	m->s.events_why = m->off->events_why ? m->off->events_why :
			  !m->k.scx_root_va ? "the kernel has no scx_root symbol" : NULL;
	m->t0 = now_ns();
	ret = -pthread_create(&m->thread, NULL, sampler, m);
	if (ret) {
		m->why = xasprintf("sampling thread: %s", strerror(-ret));
		return ret;
	}
	m->started = true;
	return 0;
}

void monitor__workload_start(struct monitor *m)
{
	pthread_mutex_lock(&m->lock);
	if (!m->t_start)
		m->t_start = now_ns();
	pthread_mutex_unlock(&m->lock);
}

void monitor__workload_end(struct monitor *m)
{
	pthread_mutex_lock(&m->lock);
	if (!m->t_end)
		m->t_end = now_ns();
	pthread_mutex_unlock(&m->lock);
}

void monitor__stop(struct monitor *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->stop = true;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
	if (m->started) {
		pthread_join(m->thread, NULL);
		m->started = false;
	}
	if (m->wd_ns && !m->wd_what)
		m->wd_what = m->why ? xasprintf("watchdog override: not applied (no monitor: %s)", m->why) :
			     xstrdup(!atomic_load(&m->wd_armed) ?
				     "watchdog override: not applied (the scheduler never reported running)" :
				     "watchdog override: not applied (scx_root stayed NULL: no sched_ext "
				     "scheduler attached)");
	/*
	 * The window: samples taken while the workload ran. ktstr drops a
	 * 20-sample warm-up; our TCG runs last 2-3 s, so the samples before
	 * the workload's start (boot, scheduler attach) are what is dropped.
	 */
	m->s.win_start = m->s.win_end = 0;
	if (m->t_start) {
		uint64_t ts = m->t_start - m->t0, te = m->t_end ? m->t_end - m->t0 : UINT64_MAX;
		size_t i = 0;

		while (i < m->s.n && m->s.v[i].at_ns < ts)
			i++;
		m->s.win_start = i;
		while (i < m->s.n && m->s.v[i].at_ns <= te)
			i++;
		/* include the sample that closed the window: it saw the last interval */
		m->s.win_end = MIN(i + (i < m->s.n), m->s.n);
	}
}

const struct monitor_series *monitor__series(const struct monitor *m, const char **why)
{
	*why = NULL;
	if (m->why) {
		*why = m->why;
		return NULL;
	}
	if (!m->s.n) {
		*why = "the guest sent no kernel symbols (no SYMS frame)";
		return NULL;
	}
	return &m->s;
}

void monitor__free(struct monitor *m)
{
	if (!m)
		return;
	monitor__stop(m);
	monitor_series__free(&m->s);
	guestmem__free(m->mem);
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->cond);
	free(m->why);
	free(m->wd_what);
	free(m);
}
