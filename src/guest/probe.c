// SPDX-License-Identifier: GPL-2.0-only
/*
 * Auto-repro probes in the guest: tracefs kprobe events on the kernel
 * functions the host names (the first run's backtrace and the callers of
 * the struct_ops callbacks), plus the sched_switch, sched_wakeup and
 * sched_ext tracepoints, set up before the scheduler attaches; the trace is
 * sent to the host as the artifact auto-repro-trace.txt after it detaches.
 *
 * Why tracefs and not BPF kprobe/fentry skeletons as in ktstr: the probes
 * fetch the task, enqueue flags and DSQ id through the kernel's BTF argument
 * access ("p->pid", "dsq->id"), so one text line per function needs no
 * program per signature. The cost is that the BPF struct_ops programs
 * themselves cannot be probed: a kprobe must sit in kernel or module text,
 * and bpf_prog_<tag>_<name> is neither (the kernel refuses it with EINVAL;
 * ktstr attaches fentry/fexit programs to them instead). Their callers in
 * the kernel (do_enqueue_task for ops.enqueue, ...) stand in for them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "guest/guest.h"
#include "util/util.h"

#define TRACEFS "/sys/kernel/tracing"
#define PROBE_GROUP "ktstr"
/*
 * Per CPU: a 2 s faulty stall run writes ~1.3 MB in all; 4 MB per CPU keeps
 * the last seconds of a busy guest, capped at 64 MB for the whole guest so
 * a large VM's RAM is not eaten by the ring buffer.
 */
#define PROBE_BUFFER_KB 4096L
#define PROBE_BUFFER_TOTAL_KB (64L * 1024)

/*
 * The fetch arguments tried per function, richest first: the kernel
 * rejects a set naming an argument the function does not have, and the
 * next is tried. Names are the kernel's parameter names (BTF).
 */
static const char *const arg_sets[] = {
	"pid=p->pid comm=p->comm:string flags=enq_flags:x64 dsq=dsq->id:x64",
	"pid=p->pid comm=p->comm:string flags=enq_flags:x64 dsq=dst_dsq->id:x64",
	"pid=p->pid comm=p->comm:string dsq=dsq_id:x64 flags=enq_flags:x64",	/* the kfuncs */
	"pid=p->pid comm=p->comm:string flags=enq_flags:x64",
	"pid=p->pid comm=p->comm:string dsq=dsq->id:x64",
	"pid=p->pid comm=p->comm:string",
	"dsq=dsq->id:x64",
	"dsq=dsq_id:x64",
	"",
};

static const char *const tracepoints[] = {
	"sched/sched_switch", "sched/sched_wakeup", "sched/sched_wakeup_new",
	"sched_ext/sched_ext_dump", "sched_ext/sched_ext_exit",
};

/* s to a tracefs file that must exist (no O_CREAT: a missing event is ENOENT); 0 or -errno. */
static int write_str(const char *path, const char *s, bool append)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | (append ? O_APPEND : O_TRUNC));

	return fd < 0 ? -errno : write_fd(fd, s, strlen(s));
}

/* A function name as a kprobe event name: [A-Za-z0-9_] (".isra.0" suffixes). */
static char *event_name(const char *fn)
{
	char *e = xstrdup(fn);

	for (char *c = e; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_'))
			*c = '_';
	return e;
}

static bool plain_symbol(const char *fn)
{
	if (!*fn || strlen(fn) > 128)
		return false;
	for (const char *c = fn; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '.'))
			return false;
	return true;
}

int probe__setup(char *const *funcs, char **header)
{
	_cleanup_free_ char *h = xstrdup("");
	unsigned ok = 0;
	size_t nfuncs = 0;
	int ret;

	write_str(TRACEFS "/tracing_on", "0", false);
	write_str(TRACEFS "/trace", "", false);
	{
		long ncpus = MAX(sysconf(_SC_NPROCESSORS_ONLN), 1L);
		char kb[32];

		snprintf(kb, sizeof(kb), "%ld", MIN(PROBE_BUFFER_KB, PROBE_BUFFER_TOTAL_KB / ncpus));
		ret = write_str(TRACEFS "/buffer_size_kb", kb, false);
	}
	if (ret) {
		*header = xasprintf("# tracefs: %s: %s\n", TRACEFS "/buffer_size_kb",
				    strerror(-ret));
		return ret;
	}
	for (size_t i = 0; funcs && funcs[i]; i++) {
		const char *fn = funcs[i];
		_cleanup_free_ char *ev = event_name(fn);
		_cleanup_free_ char *en = xasprintf(TRACEFS "/events/" PROBE_GROUP "/%s/enable", ev);
		const char *used = NULL;
		char *t;

		nfuncs++;
		if (!plain_symbol(fn)) {
			t = xasprintf("%s# refused: %s: not a symbol name\n", h, fn);
			free(h);
			h = t;
			continue;
		}
		for (size_t a = 0; a < ARRAY_SIZE(arg_sets) && !used; a++) {
			_cleanup_free_ char *def = xasprintf("p:" PROBE_GROUP "/%s %s %s", ev, fn,
							     arg_sets[a]);

			ret = write_str(TRACEFS "/kprobe_events", def, true);
			if (!ret)
				used = arg_sets[a];
		}
		if (used)
			ret = write_str(en, "1", false);
		if (!used || ret)
			t = xasprintf("%s# refused: %s: %s\n", h, fn,
				      ret == -ENOENT || ret == -EINVAL ?
				      "no function by that name this kernel can kprobe (absent, inlined or notrace)" : strerror(-ret));
		else
			t = xasprintf("%s# probe: %s %s\n", h, fn, *used ? used : "(no arguments)");
		ok += used && !ret;
		free(h);
		h = t;
	}
	for (size_t i = 0; i < ARRAY_SIZE(tracepoints); i++) {
		_cleanup_free_ char *en = xasprintf(TRACEFS "/events/%s/enable", tracepoints[i]);
		char *t;

		ret = write_str(en, "1", false);
		t = ret ? xasprintf("%s# no tracepoint: %s: %s\n", h, tracepoints[i], strerror(-ret)) :
			  xasprintf("%s# tracepoint: %s\n", h, tracepoints[i]);
		free(h);
		h = t;
	}
	ret = write_str(TRACEFS "/tracing_on", "1", false);
	*header = xasprintf("# auto-repro probes: %u of %zu functions\n%s", ok,
			    nfuncs, h);
	return ret;
}

int probe__collect(const char *header, char **out, size_t *len)
{
	_cleanup_free_ char *trace = NULL;
	size_t tlen = 0;
	int ret;

	write_str(TRACEFS "/tracing_on", "0", false);
	ret = read_file(TRACEFS "/trace", &trace, &tlen);
	if (ret)
		return ret;
	*len = strlen(header) + tlen;
	*out = xmalloc(*len + 1);
	memcpy(*out, header, strlen(header));
	memcpy(*out + strlen(header), trace, tlen);
	(*out)[*len] = '\0';
	return 0;
}
