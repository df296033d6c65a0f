// SPDX-License-Identifier: GPL-2.0-only
/* Running one QEMU process: spawn, channel, deadlines, kill and reap. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "vm/vm.h"

extern char **environ;

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
	free(r->hello);
	free(r->topo);
	free(r->result);
	free(r->done);
	free(r->output);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

static int write_artifact(const char *dir, const char *name, const char *text)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);

	return write_file(p, text, strlen(text));
}

/* Spawn QEMU in its own process group; stdio is the channel socket, stderr qemu.log. */
static int spawn_qemu(const struct vm_config *c, char **argv, const char *dir, int out_fd,
		      pid_t *pid, char **err)
{
	_cleanup_free_ char *log = xasprintf("%s/qemu.log", dir);
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	int ret;

	posix_spawn_file_actions_init(&fa);
	/*
	 * stdin and stdout are one end of a socketpair: the stdio chardev sees
	 * EOF on a /dev/null stdin as a closed port and the guest's writes stall
	 */
	posix_spawn_file_actions_adddup2(&fa, out_fd, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	/* the monitor's RAM backends, at the numbers the command line names */
	for (unsigned i = 0; c->mem_fds && i < c->nmem_fds; i++)
		posix_spawn_file_actions_adddup2(&fa, c->mem_fds[i], qemu__mem_fd_target(c, i));
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGCHLD);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
			       POSIX_SPAWN_SETSIGDEF);
	ret = posix_spawnp(pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (ret) {
		*err = xasprintf("cannot run %s: %s", argv[0], strerror(ret));
		return -ret;
	}
	return 0;
}

static void log_frame(FILE *f, uint64_t t0, const struct proto_msg *m)
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
	fflush(f);
}

static void keep(char **slot, const struct proto_msg *m)
{
	free(*slot);
	*slot = xstrndup(m->payload, m->len);
}

/* Kill the whole process group and reap QEMU. */
static void kill_reap(pid_t pid, int *status)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

int vm__run(const struct vm_run_opts *o, struct vm_result *r)
{
	_cleanup_free_ char *cmdline = NULL, *aerr = NULL;
	_cleanup_free_ char *agent_path = xasprintf("%s/agent.log", o->dir);
	struct proto_reader *pr = NULL;
	FILE *agent = NULL;
	char **argv = NULL;
	int pipefd[2] = { -1, -1 }, pidfd = -1, ret;
	pid_t pid = -1;
	uint64_t t0, t_hello = 0, t_done = 0, last_tick = 0;
	bool exited = false, got_done = false;

	memset(r, 0, sizeof(*r));
	ret = qemu__argv(o->cfg, &argv, &aerr);
	if (ret) {
		r->outcome = VM_SPAWN_FAILED;
		r->error = TAKE_PTR(aerr);
		return ret;
	}
	cmdline = qemu__argv_string(argv);
	{
		_cleanup_free_ char *line = xasprintf("%s\n", cmdline);

		write_artifact(o->dir, "qemu.cmdline", line);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pipefd) < 0) {
		ret = -errno;
		r->outcome = VM_SPAWN_FAILED;
		r->error = xasprintf("socketpair: %s", strerror(errno));
		goto out;
	}
	t0 = now_ns();
	ret = spawn_qemu(o->cfg, argv, o->dir, pipefd[1], &pid, &r->error);
	close(pipefd[1]);
	pipefd[1] = -1;
	if (ret) {
		r->outcome = VM_SPAWN_FAILED;
		pid = -1;
		goto out;
	}
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (o->on_spawn)
		o->on_spawn(o->ctx, pid);
	agent = fopen(agent_path, "we");
	pr = proto_reader__new();
	r->phase = "boot";

	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = pipefd[0], .events = POLLIN },
			{ .fd = o->cancel_fd, .events = POLLIN },
			{ .fd = pidfd, .events = POLLIN },
		};
		uint64_t now = now_ns(), deadline;
		int64_t wait_ms;
		struct proto_msg m;

		if (!t_hello)
			deadline = t0 + o->boot_timeout_ns;
		else if (!t_done)
			deadline = t_hello + o->run_timeout_ns;
		else
			deadline = t_done + o->teardown_timeout_ns;
		if (now >= deadline) {
			r->outcome = VM_TIMEOUT;
			break;
		}
		if (o->on_tick && now - last_tick >= 250 * NSEC_PER_MSEC) {
			last_tick = now;
			o->on_tick(o->ctx, r->phase, now - (t_hello ? t_hello : t0));
		}
		wait_ms = MIN((deadline - now) / NSEC_PER_MSEC + 1, 250);
		if (pipefd[0] < 0 && pidfd < 0)
			wait_ms = MIN(wait_ms, 20);	/* no pidfd and the pipe closed: poll waitpid */
		if (poll(pfd, 3, wait_ms) < 0 && errno != EINTR) {
			r->outcome = VM_EXITED;
			break;
		}
		if (pfd[1].revents & POLLIN) {
			r->outcome = VM_CANCELLED;
			break;
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
		ret = 0;
		while (proto_reader__next(pr, &m) == 1) {
			log_frame(agent, t0, &m);
			if (str_eq(m.type, MSG_HELLO) && !t_hello) {
				t_hello = now_ns();
				r->boot_ns = t_hello - t0;
				r->phase = "run";
				keep(&r->hello, &m);
			} else if (str_eq(m.type, MSG_TOPO)) {
				keep(&r->topo, &m);
			} else if (str_eq(m.type, MSG_RESULT)) {
				keep(&r->result, &m);
			} else if (str_eq(m.type, MSG_OUTPUT)) {
				r->output = xrealloc(r->output, r->output_len + m.len + 1);
				memcpy(r->output + r->output_len, m.payload, m.len);
				r->output_len += m.len;
				r->output[r->output_len] = '\0';
			} else if (str_eq(m.type, MSG_DONE) && !got_done) {
				got_done = true;
				keep(&r->done, &m);
				t_done = now_ns();
				r->run_ns = t_done - (t_hello ? t_hello : t0);
				r->phase = "teardown";
			}
			if (o->on_msg && !ret)
				ret = o->on_msg(o->ctx, &m);
			proto_msg__free(&m);
		}
		if (ret) {
			r->outcome = VM_STOPPED;
			break;
		}
		if ((pidfd >= 0 && (pfd[2].revents & POLLIN)) || (pidfd < 0 && pipefd[0] < 0)) {
			pid_t w = waitpid(pid, &r->wait_status, pidfd >= 0 ? 0 : WNOHANG);

			if (w == pid) {
				exited = true;
				r->outcome = got_done ? VM_DONE : VM_EXITED;
				break;
			}
		}
	}
	if (!exited)
		kill_reap(pid, &r->wait_status);
	/* drain what QEMU wrote before it died */
	if (pipefd[0] >= 0) {
		char buf[65536];
		ssize_t n;
		struct proto_msg m;

		fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
		while ((n = read(pipefd[0], buf, sizeof(buf))) > 0)
			proto_reader__feed(pr, buf, n);
		while (proto_reader__next(pr, &m) == 1) {
			log_frame(agent, t0, &m);
			if (str_eq(m.type, MSG_DONE) && !r->done)
				keep(&r->done, &m);
			else if (str_eq(m.type, MSG_RESULT))
				keep(&r->result, &m);
			proto_msg__free(&m);
		}
	}
	if (t_done)
		r->teardown_ns = now_ns() - t_done;
	else if (t_hello)
		r->run_ns = now_ns() - t_hello;
	r->bad_frames = proto_reader__bad_frames(pr);
	ret = 0;
out:
	if (agent)
		fclose(agent);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pidfd >= 0)
		close(pidfd);
	proto_reader__free(pr);
	qemu__argv_free(argv);
	return ret;
}
