// SPDX-License-Identifier: GPL-2.0-only
/* Running one QEMU process: spawn, channel, deadlines, kill and reap. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "vm/vm.h"

const char *vm_outcome_name(enum vm_outcome o)
{
	static const char *const names[] = {
		[VM_DONE] = "done", [VM_EXITED] = "exited", [VM_TIMEOUT] = "timeout",
		[VM_STOPPED] = "stopped", [VM_CANCELLED] = "cancelled",
		[VM_SPAWN_FAILED] = "spawn-failed",
	};

	return o < ARRAY_SIZE(names) ? names[o] : "?";
}

void vm_result__free(struct vm_result *r)
{
	if (!r)
		return;
	free(r->error);
	free(r->console);
	for (size_t i = 0; i < r->nwrite_errors; i++)
		free(r->write_errors[i].path);
	free(r->write_errors);
	memset(r, 0, sizeof(*r));
}

static void write_error(struct vm_result *r, const char *path, int err)
{
	struct vm_write_error *e = array_push(&r->write_errors, &r->nwrite_errors, sizeof(*e));

	e->path = xstrdup(path);
	e->err = err;
}

static void write_artifact(struct vm_result *r, const char *dir, const char *name,
			   const char *text)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	int ret = write_file_atomic(p, text, strlen(text));

	if (ret)
		write_error(r, p, ret);
}

/* The console kept in memory for the checks; past this only the file gets it. */
#define CONSOLE_MAX_BYTES (64u << 20)

/*
 * What QEMU writes to a log (the kernel console, its own stderr) comes
 * through a pipe and the host writes the file: QEMU drops a write that
 * fails (a full disk) without a word, here the failure is reported with its
 * path and errno. The console is also kept in memory, so the checks judge
 * all of it whatever reached the disk.
 */
struct log_sink {
	int rfd, wfd;		/* the pipe; QEMU gets wfd as fd target */
	int target;
	int file;		/* the log file, or -1 */
	int err;		/* the first failed write to it */
	const char *path;
	bool keep;		/* also into vm_result.console */
	int echo;		/* and to this fd (--dmesg), or -1 */
};

static int sink_open(struct log_sink *c, const char *path, int target, bool keep)
{
	int p[2];

	*c = (struct log_sink){ .rfd = -1, .wfd = -1, .file = -1, .path = path, .keep = keep,
				.echo = -1 };
	if (!path)
		return 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	c->rfd = p[0];
	c->wfd = p[1];
	fcntl(c->rfd, F_SETFL, O_NONBLOCK);
	/* not its own number: dup2 onto itself would keep O_CLOEXEC */
	c->target = target == STDERR_FILENO ? target : MAX(target, c->wfd + 1);
	c->file = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (c->file < 0)
		c->err = -errno;
	return 0;
}

/* Everything the pipe holds now; false at EOF or on a read error. */
static bool sink_drain(struct log_sink *c, struct vm_result *r)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(c->rfd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n <= 0)
			return false;
		if (c->keep && r->console_len + n <= CONSOLE_MAX_BYTES) {
			r->console = xrealloc(r->console, r->console_len + n + 1);
			memcpy(r->console + r->console_len, buf, n);
			r->console_len += n;
			r->console[r->console_len] = '\0';
		}
		if (c->file >= 0 && !c->err)
			c->err = write_fd(c->file, buf, n);
		if (c->echo >= 0 && write_fd(c->echo, buf, n))
			c->echo = -1;	/* the terminal went away: the file still gets it */
	}
}

/* The poll loop's turn: drain, and stop polling at EOF. */
static void sink_poll(struct log_sink *c, short revents, struct vm_result *r)
{
	if ((revents & (POLLIN | POLLHUP | POLLERR)) && !sink_drain(c, r)) {
		close(c->rfd);
		c->rfd = -1;
	}
}

static void sink_close(struct log_sink *c, struct vm_result *r)
{
	if (c->rfd >= 0) {
		sink_drain(c, r);
		close(c->rfd);
	}
	if (c->wfd >= 0)
		close(c->wfd);
	if (c->file >= 0 && close(c->file) < 0 && !c->err)
		c->err = -errno;
	if (c->err)
		write_error(r, c->path, c->err);
	if (c->keep && c->path && !r->console)
		r->console = xstrdup("");	/* an empty console, as an empty console.log was */
}

/*
 * The child's side of spawn_qemu, from fork to exec: async-signal-safe calls
 * only (another thread may hold malloc's lock). On failure the errno goes
 * to ERR_FD and the child exits 127.
 */
static void __attribute__((noreturn)) exec_qemu(const struct vm_config *c, char **argv,
						int out_fd, const struct log_sink *qlog,
						const struct log_sink *con, int sh_fd, int err_fd,
						pid_t parent)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int top = 3, e, qfd, cfd = -1, sfd = -1;

	/*
	 * SIGKILL as soon as the thread that forked us dies. If ktstr-run died
	 * before the prctl, the signal is lost: we were reparented, so stop here.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		goto fail;
	if (getppid() != parent)
		_exit(127);
	/*
	 * Every fd that is dup2'd somewhere is first copied above every target
	 * (stdio, the RAM backends, the console's number), so no dup2 below
	 * clobbers a source not yet moved, whatever numbers ktstr-run had. The
	 * RAM backends' targets are above their own sources already.
	 */
	for (unsigned i = 0; c->mem_fds && i < c->nmem_fds; i++)
		top = MAX(top, qemu__mem_fd_target(c, i) + 1);
	if (con->wfd >= 0)
		top = MAX(top, con->target + 1);
	if (c->shell_fd > 0)
		top = MAX(top, c->shell_fd + 1);
	if ((err_fd = fcntl(err_fd, F_DUPFD_CLOEXEC, top)) < 0)
		_exit(127);
	if ((out_fd = fcntl(out_fd, F_DUPFD_CLOEXEC, top)) < 0 ||
	    (qfd = fcntl(qlog->wfd, F_DUPFD_CLOEXEC, top)) < 0 ||
	    (con->wfd >= 0 && (cfd = fcntl(con->wfd, F_DUPFD_CLOEXEC, top)) < 0) ||
	    (c->shell_fd > 0 && (sfd = fcntl(sh_fd, F_DUPFD_CLOEXEC, top)) < 0))
		goto fail;
	/* ktstr-run's handlers and its ignored SIGPIPE are not QEMU's */
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	if (setpgid(0, 0) < 0)
		goto fail;
	/* the monitor's RAM backends, at the numbers the command line names */
	for (unsigned i = 0; c->mem_fds && i < c->nmem_fds; i++)
		if (dup2(c->mem_fds[i], qemu__mem_fd_target(c, i)) < 0)
			goto fail;
	if (cfd >= 0 && dup2(cfd, con->target) < 0)
		goto fail;
	/* the shell's console socket, at the number -chardev socket,fd= names */
	if (sfd >= 0 && dup2(sfd, c->shell_fd) < 0)
		goto fail;
	/*
	 * stdin and stdout are one end of a socketpair: the stdio chardev sees
	 * EOF on a /dev/null stdin as a closed port and the guest's writes stall;
	 * stderr is the qemu.log pipe
	 */
	if (dup2(out_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(qfd, 2) < 0)
		goto fail;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execvp(argv[0], argv);
fail:
	e = errno;
	(void)!write(err_fd, &e, sizeof(e));
	_exit(127);
}

/*
 * Spawn QEMU in its own process group (a terminal's ^C reaches ktstr-run
 * alone, which stops the VMs in order); stdio is the channel socket, stderr
 * the qemu.log pipe, and the console goes into its own pipe.
 *
 * fork and exec rather than posix_spawn, for PR_SET_PDEATHSIG: QEMU gets
 * SIGKILL as soon as ktstr-run dies, whatever kills it (SIGKILL, a crash, a
 * CI job's kill of ktstr-run's group, which QEMU's own group escapes). The
 * kernel sends it when the *thread* that forked dies, not the process: this
 * runs on the job's thread inside vm__run, which does not return before
 * QEMU is reaped, so that thread outlives its QEMU unless the whole process
 * dies, which is the case we want. (A set-user-ID or file-capability QEMU
 * loses the parent-death signal at exec; Debian's does not have either.)
 * Signals stay blocked across fork so that none runs ktstr-run's handler in
 * the child; exec failures come back through a close-on-exec pipe.
 */
static int spawn_qemu(const struct vm_config *c, char **argv, int out_fd,
		      const struct log_sink *qlog, const struct log_sink *con, int sh_fd,
		      pid_t *pid, char **err)
{
	pid_t parent = getpid(), p;
	sigset_t all, old;
	int ep[2], child_errno = 0, ret;
	ssize_t n;

	if (pipe2(ep, O_CLOEXEC) < 0) {
		ret = -errno;
		*err = xasprintf("cannot run %s: pipe: %s", argv[0], strerror(errno));
		return ret;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	p = fork();
	if (p == 0)
		exec_qemu(c, argv, out_fd, qlog, con, sh_fd, ep[1], parent);
	ret = p < 0 ? -errno : 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(ep[1]);
	if (!ret) {
		while ((n = read(ep[0], &child_errno, sizeof(child_errno))) < 0 && errno == EINTR)
			;
		if (n == sizeof(child_errno)) {
			while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
				;
			ret = -child_errno;
		}
	}
	close(ep[0]);
	if (ret) {
		*err = xasprintf("cannot run %s: %s", argv[0], strerror(-ret));
		return ret;
	}
	*pid = p;
	return 0;
}

static void log_frame(FILE *f, int *err, uint64_t t0, const struct proto_msg *m)
{
	double at = (now_ns() - t0) / 1e9;

	if (!f)
		return;
	if (str_eq(m->type, MSG_LOG) || str_eq(m->type, MSG_OUTPUT))
		fprintf(f, "[%8.3f] %s %s%s", at, m->type, m->payload,
			m->len && m->payload[m->len - 1] == '\n' ? "" : "\n");
	else
		fprintf(f, "[%8.3f] %s %.*s%s\n", at, m->type, (int)MIN(m->len, 2000), m->payload,
			m->len > 2000 ? "..." : "");
	if (fflush(f) || ferror(f))
		*err = -(errno ?: EIO);
}

/*
 * Every frame, as it arrives or in the drain after QEMU died, goes to the
 * caller's handler; here only HELO and DONE move the phase and deadlines.
 */
struct vm_loop {
	const struct vm_run_opts *o;
	struct vm_result *r;
	FILE *agent;
	int agent_err;		/* the first failed write to agent.log */
	uint64_t t0, t_hello, t_done;
	int stop;		/* the handler's first nonzero answer */
};

static void on_frame(struct vm_loop *l, const struct proto_msg *m)
{
	struct vm_result *r = l->r;

	log_frame(l->agent, &l->agent_err, l->t0, m);
	r->frames++;
	if (str_eq(m->type, MSG_HELLO) && !l->t_hello) {
		l->t_hello = now_ns();
		r->boot_ns = l->t_hello - l->t0;
		r->phase = "run";
		r->got_hello = true;
	} else if (str_eq(m->type, MSG_DONE) && !l->t_done) {
		l->t_done = now_ns();
		r->run_ns = l->t_done - (l->t_hello ? l->t_hello : l->t0);
		r->phase = "teardown";
		r->got_done = true;
	}
	if (l->o->on_msg && !l->stop)
		l->stop = l->o->on_msg(l->o->ctx, m);
}

static void drain(struct vm_loop *l, struct proto_reader *pr)
{
	struct proto_msg m;

	while (proto_reader__next(pr, &m) == 1) {
		on_frame(l, &m);
		proto_msg__free(&m);
	}
}

/* Kill the whole process group and reap QEMU. */
static void kill_reap(pid_t pid, int *status)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

/*
 * The shell's console: keys from the terminal to the guest's /dev/hvc0 and
 * its output back, as the poll loop finds them ready (pfd[5]: the terminal,
 * pfd[6]: QEMU's side of the console). The guest's tty does the echo and
 * the line editing; bytes pass unchanged. The terminal's end of input stops
 * the keys, not the VM: the shell decides when it is done.
 */
static void shell_relay(const struct pollfd *pfd, int *shfd, int *term_in, int term_out)
{
	char buf[4096];
	ssize_t n;

	if (*term_in >= 0 && (pfd[5].revents & (POLLIN | POLLHUP | POLLERR))) {
		n = read(*term_in, buf, sizeof(buf));
		if (n > 0)
			(void)write_fd(shfd[0], buf, n);
		else if (n == 0 || (errno != EINTR && errno != EAGAIN))
			*term_in = -1;
	}
	if (shfd[0] >= 0 && (pfd[6].revents & (POLLIN | POLLHUP | POLLERR))) {
		n = read(shfd[0], buf, sizeof(buf));
		if (n > 0) {
			(void)write_fd(term_out, buf, n);
		} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			close(shfd[0]);
			shfd[0] = -1;
		}
	}
}

int vm__run(const struct vm_run_opts *o, struct vm_result *r)
{
	_cleanup_free_ char *cmdline = NULL, *aerr = NULL, *con_path = NULL;
	_cleanup_free_ char *agent_path = xasprintf("%s/agent.log", o->dir);
	_cleanup_free_ char *qlog_path = xasprintf("%s/qemu.log", o->dir);
	struct proto_reader *pr = NULL;
	struct vm_loop l = { .o = o, .r = r };
	struct vm_config cfg = *o->cfg;
	struct log_sink con, qlog;
	char **argv = NULL;
	int pipefd[2] = { -1, -1 }, shfd[2] = { -1, -1 }, pidfd = -1, ret;
	int term_in = o->shell ? o->term_in : -1;
	pid_t pid = -1;
	uint64_t last_tick = 0;
	bool exited = false;

	memset(r, 0, sizeof(*r));
	ret = sink_open(&qlog, qlog_path, STDERR_FILENO, false);
	/* the console's fd above the RAM backends' (which are above their sources) */
	ret = ret ?: sink_open(&con, o->cfg->console_log,
			       qemu__mem_fd_target(o->cfg, o->cfg->nmem_fds), true);
	if (ret) {
		sink_close(&qlog, r);
		r->outcome = VM_SPAWN_FAILED;
		r->error = xasprintf("log pipe: %s", strerror(-ret));
		return ret;
	}
	if (con.rfd >= 0)
		cfg.console_log = con_path = xasprintf("/proc/self/fd/%d", con.target);
	if (o->echo_console)
		con.echo = o->term_out;
	if (o->shell) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, shfd) < 0) {
			ret = -errno;
			r->outcome = VM_SPAWN_FAILED;
			r->error = xasprintf("socketpair: %s", strerror(errno));
			goto out;
		}
		/* above the RAM backends and the console: exec_qemu moves it there last */
		cfg.shell_fd = MAX(qemu__mem_fd_target(&cfg, cfg.nmem_fds),
				   con.wfd >= 0 ? con.target : 0) + 1;
	}
	ret = qemu__argv(&cfg, &argv, &aerr);
	if (ret) {
		r->outcome = VM_SPAWN_FAILED;
		r->error = TAKE_PTR(aerr);
		goto out;
	}
	cmdline = qemu__argv_string(argv);
	{
		_cleanup_free_ char *line = xasprintf("%s\n", cmdline);

		write_artifact(r, o->dir, "qemu.cmdline", line);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pipefd) < 0) {
		ret = -errno;
		r->outcome = VM_SPAWN_FAILED;
		r->error = xasprintf("socketpair: %s", strerror(errno));
		goto out;
	}
	l.t0 = now_ns();
	ret = spawn_qemu(&cfg, argv, pipefd[1], &qlog, &con, shfd[1], &pid, &r->error);
	close(pipefd[1]);
	pipefd[1] = -1;
	if (shfd[1] >= 0)
		close(shfd[1]);
	shfd[1] = -1;
	/* QEMU holds the only write ends: EOF when it is gone */
	close(qlog.wfd);
	qlog.wfd = -1;
	if (con.wfd >= 0)
		close(con.wfd);
	con.wfd = -1;
	if (ret) {
		r->outcome = VM_SPAWN_FAILED;
		pid = -1;
		goto out;
	}
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (o->on_spawn)
		o->on_spawn(o->ctx, pid);
	l.agent = fopen(agent_path, "we");
	if (!l.agent)
		l.agent_err = -errno;
	pr = proto_reader__new();
	r->phase = "boot";

	for (;;) {
		struct pollfd pfd[7] = {
			{ .fd = pipefd[0], .events = POLLIN |
						       (r->sent < o->send_len ? POLLOUT : 0) },
			{ .fd = o->cancel_fd, .events = POLLIN },
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = con.rfd, .events = POLLIN },
			{ .fd = qlog.rfd, .events = POLLIN },
			{ .fd = shfd[0] >= 0 ? term_in : -1, .events = POLLIN },
			{ .fd = shfd[0], .events = POLLIN },
		};
		uint64_t now = now_ns(), deadline;
		int64_t wait_ms;

		if (!l.t_hello)
			deadline = l.t0 + o->boot_timeout_ns;
		else if (!l.t_done)
			deadline = l.t_hello + o->run_timeout_ns;
		else
			deadline = l.t_done + o->teardown_timeout_ns;
		if (now >= deadline) {
			r->outcome = VM_TIMEOUT;
			break;
		}
		if (o->on_tick && now - last_tick >= 250 * NSEC_PER_MSEC) {
			last_tick = now;
			o->on_tick(o->ctx, r->phase, now - (l.t_hello ? l.t_hello : l.t0));
		}
		wait_ms = MIN((deadline - now) / NSEC_PER_MSEC + 1, 250);
		if (pipefd[0] < 0 && pidfd < 0)
			wait_ms = MIN(wait_ms, 20);	/* no pidfd and the pipe closed: poll waitpid */
		if (poll(pfd, ARRAY_SIZE(pfd), wait_ms) < 0 && errno != EINTR) {
			r->outcome = VM_EXITED;
			break;
		}
		if (pfd[1].revents & POLLIN) {
			r->outcome = VM_CANCELLED;
			break;
		}
		sink_poll(&con, pfd[3].revents, r);
		sink_poll(&qlog, pfd[4].revents, r);
		shell_relay(pfd, shfd, &term_in, o->term_out);
		if ((pfd[0].revents & POLLOUT) && r->sent < o->send_len) {
			/* nonblocking: QEMU takes the guest's bytes only as fast as it reads them */
			ssize_t n = send(pipefd[0], (const char *)o->send + r->sent,
					 o->send_len - r->sent, MSG_DONTWAIT | MSG_NOSIGNAL);

			if (n > 0)
				r->sent += n;
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			char buf[65536];
			ssize_t n = read(pipefd[0], buf, sizeof(buf));

			if (n > 0) {
				proto_reader__feed(pr, buf, n);
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				close(pipefd[0]);
				pipefd[0] = -1;
			}
		}
		drain(&l, pr);
		if (l.stop) {
			r->outcome = VM_STOPPED;
			break;
		}
		if ((pidfd >= 0 && (pfd[2].revents & POLLIN)) || (pidfd < 0 && pipefd[0] < 0)) {
			pid_t w = waitpid(pid, &r->wait_status, pidfd >= 0 ? 0 : WNOHANG);

			if (w == pid) {
				exited = true;
				r->outcome = r->got_done ? VM_DONE : VM_EXITED;
				break;
			}
		}
	}
	if (!exited)
		kill_reap(pid, &r->wait_status);
	/*
	 * Drain what QEMU wrote before it died, through the same handler; then
	 * the stream has ended, and a frame still waiting for bytes (torn by a
	 * crash) is dropped so that what follows it (the crash's DONE) is read.
	 */
	if (pipefd[0] >= 0) {
		char buf[65536];
		ssize_t n;

		fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
		while ((n = read(pipefd[0], buf, sizeof(buf))) > 0)
			proto_reader__feed(pr, buf, n);
	}
	proto_reader__finish(pr);
	drain(&l, pr);
	if (r->outcome == VM_EXITED && r->got_done)
		r->outcome = VM_DONE;	/* the DONE was still in the pipe when QEMU's exit was seen */
	if (l.t_done)
		r->teardown_ns = now_ns() - l.t_done;
	else if (l.t_hello)
		r->run_ns = now_ns() - l.t_hello;
	r->bad_frames = proto_reader__bad_frames(pr);
	r->dropped_bytes = proto_reader__dropped(pr);
	ret = 0;
out:
	sink_close(&con, r);
	sink_close(&qlog, r);
	if (l.agent && fclose(l.agent) && !l.agent_err)
		l.agent_err = -(errno ?: EIO);
	if (l.agent_err)
		write_error(r, agent_path, l.agent_err);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	for (int i = 0; i < 2; i++)
		if (shfd[i] >= 0)
			close(shfd[i]);
	if (pidfd >= 0)
		close(pidfd);
	proto_reader__free(pr);
	qemu__argv_free(argv);
	return ret;
}
