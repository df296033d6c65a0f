// SPDX-License-Identifier: GPL-2.0-only
/* Member offsets of the kernel structs the monitor reads, from the kernel's BTF (libbpf). */
#include <errno.h>
#include <sys/stat.h>
#include <bpf/btf.h>

#include "kernel/kernel.h"
#include "monitor/monitor.h"

/* Find member name in composite type id, descending into anonymous members. */
static bool find_member(const struct btf *btf, __u32 id, const char *name, uint32_t *bit_off,
			__u32 *type_id, bool *bitfield)
{
	const struct btf_type *t = btf__type_by_id(btf, btf__resolve_type(btf, id));
	const struct btf_member *m;

	if (!t || (!btf_is_struct(t) && !btf_is_union(t)))
		return false;
	m = btf_members(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		uint32_t sub;

		if (mn && *mn) {
			if (!str_eq(mn, name))
				continue;
			*bit_off = btf_member_bit_offset(t, i);
			*type_id = m->type;
			*bitfield = btf_member_bitfield_size(t, i) != 0;
			return true;
		}
		/* anonymous struct or union: its members belong to t */
		if (find_member(btf, m->type, name, &sub, type_id, bitfield)) {
			*bit_off = btf_member_bit_offset(t, i) + sub;
			return true;
		}
	}
	return false;
}

int monitor_btf__field(const void *vbtf, const char *sname, const char *path,
		       struct monitor_field *f)
{
	const struct btf *btf = vbtf;
	_cleanup_free_ char *copy = xstrdup(path);
	__s32 id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);
	__u32 cur;
	uint64_t off = 0;
	char *save = NULL;
	__s64 size;

	f->off = -1;
	f->size = 0;
	if (id < 0)
		return -ENOENT;
	cur = (__u32)id;
	for (char *p = strtok_r(copy, ".", &save); p; p = strtok_r(NULL, ".", &save)) {
		uint32_t bit;
		bool bitfield;

		if (!find_member(btf, cur, p, &bit, &cur, &bitfield) || bitfield || bit % 8)
			return -ENOENT;
		off += bit / 8;
	}
	size = btf__resolve_size(btf, cur);
	if (size <= 0 || off > INT32_MAX)
		return -ENOENT;
	f->off = (int32_t)off;
	f->size = (uint32_t)size;
	return 0;
}

static bool want(const struct btf *btf, const char *sname, const char *path,
		 struct monitor_field *f, uint32_t size)
{
	return !monitor_btf__field(btf, sname, path, f) && f->size == size;
}

int monitor_offsets__load(const char *btf_path, struct monitor_offsets *o, char **why)
{
	struct btf *btf = btf__parse(btf_path, NULL);
	int err = btf ? 0 : -errno;	/* libbpf >= 1.0: NULL and errno */
	struct monitor_field pcpu_struct;

	memset(o, 0, sizeof(*o));
	o->ev_fallback.off = o->ev_keep_last.off = -1;
	o->sched_wd_timeout.off = o->dwork_expires.off = -1;
	*why = NULL;
	if (err) {
		*why = xasprintf("%s: no BTF (%s)", btf_path, strerror(-err));
		return err;
	}
	if (!want(btf, "rq", "nr_running", &o->rq_nr_running, 4) ||
	    !want(btf, "rq", "clock", &o->rq_clock, 8)) {
		*why = xstrdup("struct rq has no nr_running/clock in the kernel's BTF");
		btf__free(btf);
		return -ENOENT;
	}
	if (!want(btf, "rq", "scx.nr_running", &o->rq_scx_nr_running, 4) ||
	    !want(btf, "rq", "scx.flags", &o->rq_scx_flags, 4) ||
	    !want(btf, "rq", "scx.local_dsq.nr", &o->rq_scx_local_dsq_nr, 4)) {
		o->rq_scx_nr_running.off = o->rq_scx_flags.off = o->rq_scx_local_dsq_nr.off = -1;
		o->rq_why = xstrdup("struct rq has no sched_ext part (scx.local_dsq.nr) in the BTF");
	}
	/*
	 * Event counters: 6.18+/7.x keep them in scx_sched.pcpu->event_stats,
	 * 6.16-6.17 in scx_sched.event_stats_cpu; older kernels have neither.
	 */
	if (want(btf, "scx_sched", "pcpu", &o->sched_pcpu, 8) &&
	    !monitor_btf__field(btf, "scx_sched_pcpu", "event_stats", &pcpu_struct)) {
		if (want(btf, "scx_sched_pcpu", "event_stats.SCX_EV_SELECT_CPU_FALLBACK",
			 &o->ev_fallback, 8))
			want(btf, "scx_sched_pcpu", "event_stats.SCX_EV_DISPATCH_KEEP_LAST",
			     &o->ev_keep_last, 8);
	} else if (want(btf, "scx_sched", "event_stats_cpu", &o->sched_pcpu, 8)) {
		if (want(btf, "scx_event_stats", "SCX_EV_SELECT_CPU_FALLBACK", &o->ev_fallback, 8))
			want(btf, "scx_event_stats", "SCX_EV_DISPATCH_KEEP_LAST", &o->ev_keep_last, 8);
	} else {
		o->sched_pcpu.off = -1;
	}
	/* the watchdog override: absent members leave it to the static symbol, or off */
	if (!want(btf, "scx_sched", "watchdog_timeout", &o->sched_wd_timeout, 8))
		o->sched_wd_timeout.off = -1;
	if (!want(btf, "delayed_work", "timer.expires", &o->dwork_expires, 8))
		o->dwork_expires.off = -1;
	if (o->sched_pcpu.off < 0 || o->ev_fallback.off < 0 || o->ev_keep_last.off < 0) {
		o->sched_pcpu.off = o->ev_fallback.off = o->ev_keep_last.off = -1;
		o->events_why = xstrdup("the kernel's BTF has no sched_ext event counters "
					"(scx_sched.pcpu->event_stats)");
	}
	btf__free(btf);
	return 0;
}

void monitor_offsets__free(struct monitor_offsets *o)
{
	if (!o)
		return;
	free(o->events_why);
	free(o->rq_why);
	memset(o, 0, sizeof(*o));
}

int monitor_offsets__for_image(const char *image, const char *btf_path,
			       struct monitor_offsets *o, char **why)
{
	struct stat si, sb;
	int ret;

	*why = NULL;
	memset(o, 0, sizeof(*o));
	if (stat(image, &si) < 0) {
		*why = xasprintf("%s: %s", image, strerror(errno));
		return -errno;
	}
	/*
	 * The raw .BTF, extracted once and reused while it is newer than the
	 * image and matches its record (a damaged one is extracted again).
	 */
	if (stat(btf_path, &sb) < 0 || sb.st_mtime < si.st_mtime || !kernel_derived__usable(btf_path)) {
		_cleanup_free_ char *tmp = xasprintf("%s.%d.tmp", btf_path, (int)getpid());

		ret = kernel__extract_btf(image, tmp);
		if (!ret)
			ret = kernel_derived__commit(tmp, btf_path);
		if (ret) {
			unlink(tmp);
			*why = xasprintf("no BTF from %s: %s", image, ret == -ENODATA ?
					 "the kernel has no CONFIG_DEBUG_INFO_BTF" : strerror(-ret));
			return ret;
		}
	}
	return monitor_offsets__load(btf_path, o, why);
}
