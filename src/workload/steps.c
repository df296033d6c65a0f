// SPDX-License-Identifier: GPL-2.0-only
/*
 * The steps and ops runner, workload__run(): the backdrop cgroups and their
 * workers, then each step's ops, cgroups and hold, with every op and phase
 * boundary time-stamped and handed to the hooks as it happens; then stop,
 * collect and tear down so nothing survives into the next test.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "workload/workload.h"
#include "workload/internal.h"
#include "util/proc.h"

#define STOP_GRACE_NS (5 * NSEC_PER_SEC)	/* ktstr: shared 5 s deadline */
#define TICK_NS (100 * NSEC_PER_MSEC)
#define PAYLOAD_OUTPUT_MAX TELEMETRY_MAX_PAYLOAD_OUTPUT

/* A cgroup the runner knows about, with the cpuset it last wrote. */
struct cg_state {
	char *name;
	struct cpumask cpus;	/* empty: no cpuset (all CPUs) */
	struct cpumask mems;	/* empty: the parent's memory nodes */
};

struct payload_run {
	char *name;
	char *cgroup;		/* "" when none */
	pid_t pid;
	int out_fd, err_fd;	/* memfds with stdout and stderr */
	uint64_t started_ns;
	bool done;
};

struct run {
	const struct spec_test *t;
	const struct topo *topo;
	const struct workload_hooks *hooks;
	struct cgroup_mgr *mgr;
	struct telemetry *out;
	uint64_t t0;		/* scenario start: event times count from here */
	uint64_t run0;		/* the first workers' release: the duration counts from here */
	unsigned usable;
	int step;
	bool aborted;
	int ret;		/* first failure, 0 if none */
	struct worker_group **groups;
	size_t ngroups;
	struct cg_state *cgs;
	size_t ncgs;
	struct payload_run *payloads;
	size_t npayloads;
};

static void emit_at(struct run *r, uint64_t at, enum event_kind kind, const char *label, int error,
		    const char *fmt, ...) __printf(6, 7);

/*
 * Record an event and hand it to the agent at once (it streams them to the
 * host). at is absolute CLOCK_MONOTONIC; 0 means now.
 */
static void emit_at(struct run *r, uint64_t at, enum event_kind kind, const char *label, int error,
		    const char *fmt, ...)
{
	struct timeline_event *e = array_push(&r->out->events, &r->out->nevents, sizeof(*e));
	va_list ap;

	e->at_ns = (at ? at : now_ns()) - r->t0;
	e->kind = kind;
	e->step = r->step;
	e->label = xstrdup(label);
	e->error = error;
	if (fmt) {
		va_start(ap, fmt);
		if (vasprintf(&e->detail, fmt, ap) < 0)
			abort();
		va_end(ap);
	} else {
		e->detail = xstrdup("");
	}
	if (r->hooks && r->hooks->event)
		r->hooks->event(r->hooks->ctx, e);
}

#define emit(r, ...) emit_at(r, 0, __VA_ARGS__)

/* Remember the first failure for out->error and the return value. */
static void run_error(struct run *r, int err, const char *what)
{
	if (r->ret)
		return;
	r->ret = err;
	r->out->error = xstrdup(what);
}

static struct cg_state *cg_find(struct run *r, const char *name)
{
	for (size_t i = 0; i < r->ncgs; i++)
		if (str_eq(r->cgs[i].name, name))
			return &r->cgs[i];
	return NULL;
}

static struct cg_state *cg_get(struct run *r, const char *name)
{
	struct cg_state *c = cg_find(r, name);

	if (!c) {
		c = array_push(&r->cgs, &r->ncgs, sizeof(*c));
		c->name = xstrdup(name);
	}
	return c;
}

static bool cg_under(const char *name, const char *top)
{
	size_t n = strlen(top);

	return !strncmp(name, top, n) && (name[n] == '/' || !name[n]);
}

/* Create a cgroup (and remember it); 0 or -errno with the event already emitted by the caller. */
static int cg_create(struct run *r, const char *name)
{
	int ret = cgroup_mgr__create(r->mgr, name);

	if (!ret)
		cg_get(r, name);
	return ret;
}

/*
 * The CPUs the harness's cpusets grant cgroup name now: every ancestor's
 * cpuset from the top down narrows the mask, as cpuset.cpus.effective
 * does (a cpuset disjoint from its parent's falls back to the parent's);
 * all CPUs when none has one.
 */
static void cg_granted(struct run *r, const char *name, struct cpumask *out)
{
	const char *p = name;

	topo__all(r->topo, out);
	for (;;) {
		const char *slash = strchr(p, '/');
		_cleanup_free_ char *prefix = xstrndup(name, slash ? (size_t)(slash - name) : strlen(name));
		struct cg_state *c = *prefix ? cg_find(r, prefix) : NULL;
		struct cpumask m;

		if (c && !cpumask_empty(&c->cpus)) {
			cpumask_and(&m, out, &c->cpus);
			if (!cpumask_empty(&m))
				*out = m;
		}
		if (!slash)
			return;
		p = slash + 1;
	}
}

/*
 * Add what the harness grants each live group's cgroup now to the group's
 * grant. Called after every change of cpusets or membership, so the grant
 * is the union over the group's life of the cpusets the harness gave it:
 * the isolation check judges the CPUs used against it, not against the
 * cgroup a task happens to be in at the end (a broken scheduler daemon may
 * have moved it out).
 */
static void grant_update(struct run *r)
{
	for (size_t i = 0; i < r->ngroups; i++) {
		struct worker_group *g = r->groups[i];
		struct cpumask m;

		if (g->stopped)
			continue;
		cg_granted(r, g->cgroup, &m);
		cpumask_or(&g->granted, &g->granted, &m);
		/* a change closes its epoch: the next one is judged against the grant now */
		if (g->epoch_open && g->epoch + 1 < WORKER_ISO_EPOCHS)
			g->epoch++;
		cpumask_or(&g->grant_epoch[g->epoch], &g->grant_epoch[g->epoch], &m);
		if (g->epoch_open)
			for (unsigned k = 0; k < g->nspawned; k++)
				__atomic_store_n(&g->slots[k].iso_seq, 2 * g->epoch, __ATOMIC_RELEASE);
		g->epoch_open = false;
	}
}

/*
 * Before a change of cpusets or membership: the workers' checkpoints count
 * toward no epoch until grant_update closes it, so a CPU seen while the
 * kernel moves them is never judged against the old or the new grant.
 */
static void grant_open(struct run *r)
{
	for (size_t i = 0; i < r->ngroups; i++) {
		struct worker_group *g = r->groups[i];

		if (g->stopped)
			continue;
		g->epoch_open = true;
		for (unsigned k = 0; k < g->nspawned; k++)
			__atomic_store_n(&g->slots[k].iso_seq, 2 * g->epoch + 1, __ATOMIC_RELEASE);
	}
}

static int cg_set_cpus(struct run *r, const char *name, const struct cpumask *cpus)
{
	int ret = cgroup_mgr__set_cpus(r->mgr, name, cpus);

	if (!ret) {
		struct cg_state *c = cg_get(r, name);

		if (cpus)
			c->cpus = *cpus;
		else
			cpumask_zero(&c->cpus);
	}
	return ret;
}

static int cg_set_mems(struct run *r, const char *name, const struct cpumask *nodes)
{
	struct cpumask none;
	int ret;

	cpumask_zero(&none);
	ret = cgroup_mgr__set_mems(r->mgr, name, nodes ? nodes : &none);
	if (!ret)
		cg_get(r, name)->mems = nodes ? *nodes : none;
	return ret;
}

/* A cgroup's cpuset: its CPUs and the memory nodes that go with them (NULL: none). */
static int cg_give(struct run *r, const char *name, const struct cpumask *cpus,
		   const struct cpumask *mems)
{
	int ret = cg_set_mems(r, name, mems);

	return ret ? ret : cg_set_cpus(r, name, cpus);
}

/*
 * Resolve a cpuset and give it to a cgroup: cpuset.cpus, and cpuset.mems
 * too, the node itself for a numa:N cpuset and the parent's nodes for any
 * other kind (so a cgroup moved off a numa cpuset does not keep its node).
 */
static int cg_apply_cpuset(struct run *r, const char *name, const struct spec_cpuset *cs,
			   struct cpumask *cpus, char **err)
{
	struct cpumask node;
	int ret = cpuset__resolve(cs, r->topo, cpus, err);

	if (ret)
		return ret;
	cpumask_zero(&node);
	if (cs->kind == CPUSET_NUMA)
		cpumask_set(&node, cs->index);
	ret = cg_give(r, name, cpus, &node);
	if (ret)
		*err = xstrdup(cgroup_mgr__error(r->mgr));
	return ret;
}

/* Fork the workers of w into cgroup; they wait at the start line until worker_group__start. */
static int spawn_work(struct run *r, const struct spec_work *w, const char *cgroup,
		      struct worker_group **out, char **err)
{
	struct cg_state *c = cg_find(r, cgroup);
	struct spawn_opts o = {
		.topo = r->topo,
		.mgr = r->mgr,
		.cgroup_cpus = c && !cpumask_empty(&c->cpus) ? &c->cpus : NULL,
		.scenario_start_ns = r->t0,
	};
	unsigned n = spec_work__workers(w, r->t, r->usable);
	struct worker_group *g;
	int ret;

	ret = worker_group__spawn(w, n, cgroup, &o, &g, err);
	if (g) {
		struct worker_group **slot = array_push(&r->groups, &r->ngroups, sizeof(*slot));

		*slot = g;
		cg_granted(r, cgroup, &g->granted);
		g->grant_epoch[0] = g->granted;
	}
	*out = g;
	return ret;
}

/*
 * A worker that could not apply its policy, nice, memory policy or affinity
 * still runs (ktstr soft-fails these too): a note with the error as soon as
 * it is seen, for the timeline and the checks.
 */
static void note_worker_errors(struct run *r, struct worker_group *g)
{
	for (unsigned i = 0; i < g->nspawned; i++) {
		const char *e = worker_group__error(g, i);
		char *msg;

		if (!e || g->err_noted[i])
			continue;
		g->err_noted[i] = true;
		msg = xasprintf("%s worker %u (pid %d) in '%s': %s", g->work->type->name, i,
				(int)g->pids[i], g->cgroup, e);
		emit(r, EVT_NOTE, "worker", -EINVAL, "%s", msg);
		free(msg);
	}
}

/* Stop, reap and report every group whose cgroup is under top (NULL: all). */
static void stop_groups(struct run *r, const char *top)
{
	uint64_t deadline = now_ns() + STOP_GRACE_NS;

	for (size_t i = 0; i < r->ngroups; i++) {
		struct worker_group *g = r->groups[i];

		if (g->stopped || (top && !cg_under(g->cgroup, top)))
			continue;
		worker_group__start(g);
		worker_group__signal(g);
	}
	for (size_t i = 0; i < r->ngroups; i++) {
		struct worker_group *g = r->groups[i];

		if (g->stopped || (top && !cg_under(g->cgroup, top)))
			continue;
		if (!worker_group__reap(g, deadline))
			emit(r, EVT_NOTE, "stop", -ETIMEDOUT,
			     "workers in '%s' did not stop within 5s and were killed", g->cgroup);
		g->stopped = true;
		note_worker_errors(r, g);
		worker_group__collect(g, r->t0, r->out);
	}
}

/* Set up spec cgroups: create, cpuset, fork every work group, then release them together. */
static int setup_cgroups(struct run *r, const struct spec_cgroup *cgs, size_t n)
{
	size_t first = r->ngroups;
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		const struct spec_cgroup *c = &cgs[i];
		char *err = NULL, buf[512] = "", desc[300];
		struct cpumask cpus;

		ret = cg_create(r, c->name);
		if (ret) {
			emit(r, EVT_NOTE, "cgroup", ret, "create '%s': %s", c->name,
			     cgroup_mgr__error(r->mgr));
			break;
		}
		if (c->cpuset.kind != CPUSET_NONE) {
			ret = cg_apply_cpuset(r, c->name, &c->cpuset, &cpus, &err);
			if (ret) {
				emit(r, EVT_NOTE, "cpuset", ret, "cgroup '%s' cpuset %s: %s", c->name,
				     spec_cpuset__format(&c->cpuset, desc, sizeof(desc)), err);
				free(err);
				break;
			}
			cpumask_format(&cpus, buf, sizeof(buf));
		}
		emit(r, EVT_NOTE, "cgroup", 0, "'%s' created%s%s", c->name, *buf ? " cpuset " : "", buf);
		for (size_t k = 0; k < c->nworks && !ret; k++) {
			struct worker_group *g;

			ret = spawn_work(r, &c->works[k], c->name, &g, &err);
			if (ret) {
				emit(r, EVT_NOTE, "spawn", ret, "cgroup '%s': %s", c->name, err);
				free(err);
			}
		}
	}
	grant_update(r);
	for (size_t i = first; i < r->ngroups; i++)
		worker_group__start(r->groups[i]);
	if (ret)
		run_error(r, ret, r->out->events[r->out->nevents - 1].detail);
	return ret;
}

/* Sleep until the absolute time, calling tick about every 100 ms. */
static void hold_until(struct run *r, uint64_t until)
{
	for (;;) {
		uint64_t now = now_ns();
		struct timespec ts;

		if (r->aborted || now >= until)
			return;
		ts.tv_sec = 0;
		ts.tv_nsec = MIN(until - now, TICK_NS);
		nanosleep(&ts, NULL);
		for (size_t i = 0; i < r->ngroups; i++)
			if (!r->groups[i]->stopped)
				note_worker_errors(r, r->groups[i]);
		if (r->hooks && r->hooks->tick && r->hooks->tick(r->hooks->ctx)) {
			r->aborted = true;
			emit(r, EVT_NOTE, "abort", -ECANCELED, "the agent stopped the scenario early");
		}
	}
}

static const struct spec_payload *payload_find(struct run *r, const char *name)
{
	for (size_t i = 0; i < r->t->npayloads; i++)
		if (str_eq(r->t->payloads[i].name, name))
			return &r->t->payloads[i];
	return NULL;
}

/* Where the guest finds a payload binary: /ktstr/payloads/<basename>, else its path, else $PATH. */
static char *payload_path(const struct spec_payload *p)
{
	const char *src = p->path ? p->path : p->name;
	const char *base = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
	char *cand = xasprintf("/ktstr/payloads/%s", base);

	if (access(cand, X_OK) == 0)
		return cand;
	free(cand);
	return xstrdup(src);
}

static struct payload_run *payload_run_find(struct run *r, const char *name, const char *cgroup)
{
	for (size_t i = 0; i < r->npayloads; i++)
		if (!r->payloads[i].done && str_eq(r->payloads[i].name, name) &&
		    str_eq(r->payloads[i].cgroup, cgroup ? cgroup : ""))
			return &r->payloads[i];
	return NULL;
}

static int payload_start(struct run *r, const struct spec_op *op, char **detail)
{
	const struct spec_payload *p = payload_find(r, op->payload);
	_cleanup_free_ char *path = NULL, *cgdir = NULL;
	char *const *args;
	const char **argv;
	size_t nargs = 0;
	struct payload_run *pr;
	int fd, efd;
	pid_t pid;

	if (!p) {
		*detail = xasprintf("no payload named '%s' in the test", op->payload);
		return -ENOENT;
	}
	path = payload_path(p);
	args = op->args ? op->args : p->args;
	while (args && args[nargs])
		nargs++;
	argv = xcalloc(nargs + 2, sizeof(*argv));
	argv[0] = path;
	for (size_t i = 0; i < nargs; i++)
		argv[i + 1] = args[i];
	fd = memfd_create("ktstr-payload", MFD_CLOEXEC);
	efd = fd < 0 ? -1 : memfd_create("ktstr-payload-err", MFD_CLOEXEC);
	if (efd < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		free(argv);
		*detail = xasprintf("memfd_create: %s", strerror(e));
		return -e;
	}
	if (op->cgroup && cgroup_mgr__enabled(r->mgr)) {
		_cleanup_free_ char *dir = cgroup_mgr__path(r->mgr, op->cgroup);

		cgdir = xasprintf("%s/cgroup.procs", dir);
	}
	pid = fork();
	if (pid == 0) {
		int dn = open("/dev/null", O_RDONLY | O_CLOEXEC), e;

		setpgid(0, 0);
		dup2(dn, 0);
		dup2(fd, 1);
		dup2(efd, 2);
		/* "0" moves the writer itself; a payload never runs outside its cgroup. */
		if (cgdir && (e = write_file(cgdir, "0", 1))) {
			dprintf(2, "ktstr: cannot join %s: %s\n", cgdir, strerror(-e));
			_exit(126);
		}
		if (strchr(path, '/'))
			execv(path, (char *const *)argv);
		else
			execvp(path, (char *const *)argv);
		dprintf(2, "exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	free(argv);
	if (pid < 0) {
		close(fd);
		close(efd);
		*detail = xasprintf("fork: %s", strerror(errno));
		return -errno;
	}
	setpgid(pid, pid);
	pr = array_push(&r->payloads, &r->npayloads, sizeof(*pr));
	pr->name = xstrdup(op->payload);
	pr->cgroup = xstrdup(op->cgroup ? op->cgroup : "");
	pr->pid = pid;
	pr->out_fd = fd;
	pr->err_fd = efd;
	pr->started_ns = now_ns();
	*detail = xasprintf("'%s' pid %d: %s%s%s", op->payload, (int)pid, path,
			    op->cgroup ? " in " : "", op->cgroup ? op->cgroup : "");
	return 0;
}

/* Up to PAYLOAD_OUTPUT_MAX bytes of a payload's memfd; *truncated when it wrote more. */
static char *payload_read(int fd, bool *truncated)
{
	char *buf = xcalloc(1, PAYLOAD_OUTPUT_MAX + 1);
	ssize_t n = pread(fd, buf, PAYLOAD_OUTPUT_MAX, 0);
	off_t size = lseek(fd, 0, SEEK_END);

	buf[n > 0 ? n : 0] = '\0';
	*truncated = size > PAYLOAD_OUTPUT_MAX;
	close(fd);
	return buf;
}

/*
 * Reaped: the exit status and output go to the host twice, as a timeline
 * note (for people: stdout, then stderr) and as a payload report (for the
 * checks: the streams apart, so metrics come from stdout alone).
 */
static void payload_finish(struct run *r, struct payload_run *pr, int status)
{
	struct payload_report *rep = array_push(&r->out->payloads, &r->out->npayloads,
						  sizeof(*rep));
	char how[64];

	rep->name = xstrdup(pr->name);
	rep->cgroup = xstrdup(pr->cgroup);
	rep->status = status;
	rep->wall_ns = now_ns() - pr->started_ns;
	rep->out = payload_read(pr->out_fd, &rep->out_truncated);
	rep->err = payload_read(pr->err_fd, &rep->err_truncated);
	emit(r, EVT_NOTE, "payload", 0, "'%s': %s after %.3fs; output (%zu bytes%s):\n%s%s%s%s",
	     pr->name, wait_status__describe(status, how, sizeof(how)),
	     rep->wall_ns / 1e9, strlen(rep->out) + strlen(rep->err),
	     rep->out_truncated || rep->err_truncated ? ", truncated" : "", rep->out,
	     *rep->err ? (*rep->out && rep->out[strlen(rep->out) - 1] != '\n' ? "\n" : "") : "",
	     *rep->err ? "stderr:\n" : "", rep->err);
	pr->out_fd = pr->err_fd = -1;
	pr->done = true;
}

static int payload_wait(struct run *r, const struct spec_op *op, bool kill_it, char **detail)
{
	struct payload_run *pr = payload_run_find(r, op->payload, op->cgroup);
	int status = 0;
	pid_t w;

	if (!pr) {
		*detail = xasprintf("payload '%s' is not running", op->payload);
		return -ESRCH;
	}
	if (kill_it)
		kill(-pr->pid, SIGKILL);
	/* WaitPayload has no timeout of its own, but the agent's tick still applies. */
	while ((w = waitpid(pr->pid, &status, WNOHANG)) == 0 && !r->aborted)
		hold_until(r, now_ns() + 20 * NSEC_PER_MSEC);
	if (w == 0) {
		kill(-pr->pid, SIGKILL);
		waitpid(pr->pid, &status, 0);
	}
	*detail = xasprintf("'%s' pid %d", pr->name, (int)pr->pid);
	payload_finish(r, pr, status);
	return 0;
}

static void set_affinity_op(struct run *r, const struct spec_op *op, unsigned *n, int *err)
{
	struct cg_state *c = cg_find(r, op->cgroup);
	const struct cpumask *cgc = c && !cpumask_empty(&c->cpus) ? &c->cpus : NULL;

	*n = 0;
	for (size_t i = 0; i < r->ngroups; i++) {
		struct worker_group *g = r->groups[i];

		if (g->stopped || !str_eq(g->cgroup, op->cgroup))
			continue;
		for (unsigned k = 0; k < g->nspawned; k++) {
			struct cpumask m;
			cpu_set_t set;
			int cpu;

			worker_group__affinity(r->topo, &op->work, cgc, k, now_ns(), &m);
			if (cpumask_empty(&m)) {	/* inherit: the whole cgroup again */
				if (cgc)
					m = *cgc;
				else
					topo__all(r->topo, &m);
			}
			CPU_ZERO(&set);
			for_each_cpu(cpu, &m)
				if (cpu < CPU_SETSIZE)
					CPU_SET(cpu, &set);
			if (sched_setaffinity(g->pids[k], sizeof(set), &set) && errno != ESRCH && !*err)
				*err = -errno;
			else
				(*n)++;
		}
	}
}

static int apply_op(struct run *r, const struct spec_op *op)
{
	_cleanup_free_ char *detail = NULL;
	const char *name = op_kind_name(op->kind);
	uint64_t started = now_ns();
	struct cpumask a;
	struct worker_group *g;
	char *err = NULL;
	char buf[512], buf2[512];
	unsigned n = 0;
	int ret = 0;

	if (op->kind == OP_SET_CPUSET || op->kind == OP_CLEAR_CPUSET || op->kind == OP_SWAP_CPUSETS ||
	    op->kind == OP_MOVE_ALL_TASKS)
		grant_open(r);

	switch (op->kind) {
	case OP_ADD_CGROUP:
		ret = cg_create(r, op->cgroup);
		if (!ret && op->cpuset.kind != CPUSET_NONE)
			ret = cg_apply_cpuset(r, op->cgroup, &op->cpuset, &a, &err);
		/* A work given with the op (it has a source location) is spawned too. */
		if (!ret && op->work.loc.line && op->work.type) {
			ret = spawn_work(r, &op->work, op->cgroup, &g, &err);
			if (!ret)
				worker_group__start(g);
		}
		detail = xasprintf("'%s'%s%s%s%s", op->cgroup, err ? ": " : "", err ? err : "",
				   op->cpuset.kind != CPUSET_NONE && !ret ? " cpuset " : "",
				   op->cpuset.kind != CPUSET_NONE && !ret ? cpumask_format(&a, buf, sizeof(buf)) : "");
		break;
	case OP_REMOVE_CGROUP:
		stop_groups(r, op->cgroup);
		ret = cgroup_mgr__remove(r->mgr, op->cgroup);
		for (size_t i = 0; i < r->ncgs; i++)
			if (cg_under(r->cgs[i].name, op->cgroup))
				r->cgs[i].name[0] = '\0';
		detail = xasprintf("'%s'", op->cgroup);
		break;
	case OP_SET_CPUSET:
		ret = cg_apply_cpuset(r, op->cgroup, &op->cpuset, &a, &err);
		if (ret)
			detail = xasprintf("'%s': %s", op->cgroup, err);
		if (!detail) {
			char d[300];

			detail = xasprintf("'%s' cpuset %s = %s", op->cgroup,
					   spec_cpuset__format(&op->cpuset, d, sizeof(d)),
					   cpumask_format(&a, buf, sizeof(buf)));
		}
		break;
	case OP_CLEAR_CPUSET:
		ret = cg_give(r, op->cgroup, NULL, NULL);
		detail = xasprintf("'%s'", op->cgroup);
		break;
	case OP_SWAP_CPUSETS: {
		/* copies: cg_get may grow the array */
		struct cg_state x = *cg_get(r, op->cgroup), y = *cg_get(r, op->cgroup2);

		ret = cg_give(r, op->cgroup, &y.cpus, &y.mems);
		if (!ret)
			ret = cg_give(r, op->cgroup2, &x.cpus, &x.mems);
		detail = xasprintf("'%s' %s <-> '%s' %s", op->cgroup,
				   cpumask_format(&x.cpus, buf, sizeof(buf)), op->cgroup2,
				   cpumask_format(&y.cpus, buf2, sizeof(buf2)));
		break;
	}
	case OP_SPAWN:
	case OP_SPAWN_HOST: {
		const char *cg = op->kind == OP_SPAWN_HOST ? CGROUP_HOST : op->cgroup;

		if (op->kind == OP_SPAWN && !cg_find(r, cg))
			ret = cg_create(r, cg);
		if (!ret)
			ret = spawn_work(r, &op->work, cg, &g, &err);
		if (!ret) {
			worker_group__start(g);
			detail = xasprintf("%u %s workers in '%s'", g->nworkers, op->work.type->name, cg);
		} else if (err) {
			detail = xasprintf("'%s': %s", cg, err);
		}
		break;
	}
	case OP_STOP_CGROUP:
		stop_groups(r, op->cgroup);
		detail = xasprintf("'%s'", op->cgroup);
		break;
	case OP_SET_AFFINITY:
		set_affinity_op(r, op, &n, &ret);
		detail = xasprintf("'%s' %s: %u workers", op->cgroup,
				   affinity_kind_name(op->work.affinity), n);
		break;
	case OP_MOVE_ALL_TASKS:
		if (!cg_find(r, op->cgroup2))
			ret = cg_create(r, op->cgroup2);
		if (!ret)
			ret = cgroup_mgr__move_all(r->mgr, op->cgroup, op->cgroup2, &n);
		for (size_t i = 0; i < r->ngroups; i++)
			if (str_eq(r->groups[i]->cgroup, op->cgroup)) {
				free(r->groups[i]->cgroup);
				r->groups[i]->cgroup = xstrdup(op->cgroup2);
			}
		detail = xasprintf("'%s' -> '%s': %u tasks", op->cgroup, op->cgroup2, n);
		break;
	case OP_RUN_PAYLOAD:
		ret = payload_start(r, op, &detail);
		break;
	case OP_WAIT_PAYLOAD:
	case OP_KILL_PAYLOAD:
		ret = payload_wait(r, op, op->kind == OP_KILL_PAYLOAD, &detail);
		break;
	default:
		ret = -EINVAL;
		detail = xasprintf("unknown op %d", op->kind);
	}
	if (ret && !err && !detail)
		detail = xstrdup("");
	if (ret && cgroup_mgr__enabled(r->mgr) && r->mgr->err && !err) {
		char *d = xasprintf("%s: %s", detail, r->mgr->err);

		free(detail);
		detail = d;
	}
	grant_update(r);
	/* Stamped when the op began, so effects (migrations) come after it. */
	emit_at(r, started, EVT_OP, name, ret, "%s", detail ? detail : "");
	if (ret) {
		/* As ktstr: a failed op ends the scenario; what ran so far is reported. */
		char *msg = xasprintf("op %s failed: %s", name, detail ? detail : strerror(-ret));

		run_error(r, ret, msg);
		free(msg);
		r->aborted = true;
	}
	free(err);
	return ret;
}

static void apply_ops(struct run *r, const struct spec_step *s)
{
	for (size_t i = 0; i < s->nops && !r->aborted; i++)
		apply_op(r, &s->ops[i]);
}

static uint64_t hold_ns(const struct run *r, const struct spec_step *s, uint64_t elapsed)
{
	uint64_t rest = r->t->duration_ns > elapsed ? r->t->duration_ns - elapsed : 0;

	switch (s->hold.kind) {
	case HOLD_FRAC:
		return (uint64_t)(s->hold.frac * r->t->duration_ns);
	case HOLD_FIXED:
		return s->hold.ns;
	case HOLD_LOOP:
		return s->hold.loop_ns ? s->hold.loop_ns : rest;
	}
	return 0;
}

static void run_step(struct run *r, const struct spec_step *s)
{
	uint64_t start = now_ns(), end;

	emit(r, EVT_STEP_START, s->name ? s->name : "step", 0, "step %d", r->step);
	apply_ops(r, s);
	if (!r->aborted && s->ncgroups && setup_cgroups(r, s->cgroups, s->ncgroups))
		r->aborted = true;
	end = start + hold_ns(r, s, start > r->run0 ? start - r->run0 : 0);
	if (s->hold.kind == HOLD_LOOP && s->hold.interval_ns) {
		/* Repeat the ops every interval until the loop's time is up. */
		for (uint64_t next = start + s->hold.interval_ns; next < end && !r->aborted;
		     next += s->hold.interval_ns) {
			hold_until(r, next);
			apply_ops(r, s);
		}
	}
	hold_until(r, end);
	emit(r, EVT_STEP_END, s->name ? s->name : "step", 0, "step %d", r->step);
}

static void kill_payloads(struct run *r)
{
	for (size_t i = 0; i < r->npayloads; i++) {
		struct payload_run *pr = &r->payloads[i];
		int status = 0;

		if (!pr->done) {
			kill(-pr->pid, SIGKILL);
			waitpid(pr->pid, &status, 0);
			payload_finish(r, pr, status);
		}
		free(pr->name);
		free(pr->cgroup);
	}
	free(r->payloads);
}

int workload__run(const struct spec_test *t, const struct topo *topo, const char *cgroup_root,
		  const struct workload_hooks *hooks, struct telemetry *out)
{
	struct run r = { .t = t, .topo = topo, .hooks = hooks, .out = out, .step = -1 };
	struct cpumask usable;
	char *err = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	r.t0 = now_ns();
	topo__usable(topo, &usable);
	r.usable = cpumask_weight(&usable);
	emit(&r, EVT_SCENARIO_START, t->name ? t->name : "test", 0, "%zu cgroups, %zu steps, %s",
	     t->ncgroups, t->nsteps, cgroup_root ? cgroup_root : "no cgroups");
	ret = cgroup_mgr__open(cgroup_root, &r.mgr, &err);
	if (ret) {
		out->error = xasprintf("cgroup setup: %s", err);
		emit(&r, EVT_NOTE, "cgroup", ret, "%s", err);
		free(err);
		goto teardown;
	}
	ret = setup_cgroups(&r, t->cgroups, t->ncgroups);
	/*
	 * As in ktstr, the duration is the workers' run: it starts when the
	 * cgroups are set up and their workers released, so a slow setup (a
	 * busy host under TCG took 1.1-1.4 s of a 3 s run) does not eat it.
	 */
	r.run0 = now_ns();
	if (ret)
		goto stop;
	if (!t->nsteps)
		hold_until(&r, r.run0 + t->duration_ns);
	for (size_t i = 0; i < t->nsteps && !r.aborted; i++) {
		r.step = i;
		run_step(&r, &t->steps[i]);
	}
	r.step = -1;
stop:
	stop_groups(&r, NULL);
	kill_payloads(&r);
	out->duration_ns = now_ns() - r.t0;
	emit(&r, EVT_SCENARIO_END, t->name ? t->name : "test", 0, "%zu workers%s", out->nworkers,
	     r.aborted ? ", stopped early" : "");
teardown:
	for (size_t i = 0; i < r.ngroups; i++)
		worker_group__free(r.groups[i]);
	free(r.groups);
	if (r.mgr && cgroup_mgr__teardown(r.mgr)) {
		/* Left behind for the next test: say exactly what. */
		emit(&r, EVT_NOTE, "teardown", -EBUSY, "%s", cgroup_mgr__error(r.mgr));
		run_error(&r, -EBUSY, cgroup_mgr__error(r.mgr));
	}
	cgroup_mgr__destroy(r.mgr);
	for (size_t i = 0; i < r.ncgs; i++)
		free(r.cgs[i].name);
	free(r.cgs);
	if (!out->duration_ns)
		out->duration_ns = now_ns() - r.t0;
	return ret ? ret : r.ret;
}
