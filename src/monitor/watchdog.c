// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sched_ext watchdog override, as ktstr's watchdog_timeout_s: the host
 * writes the attached scheduler's watchdog timeout into guest memory, so it
 * applies to every scheduler, also one that sets its own ops.timeout_ms and
 * reads none of our settings.
 *
 * The kernel (kernel/sched/ext.c): check_rq_for_timeouts() ejects the
 * scheduler ("runnable task stall") when a task has been runnable for longer
 * than the timeout, 7.1+ reading it from the task's scx_sched
 * (sch->watchdog_timeout), earlier kernels from the static
 * scx_watchdog_timeout. scx_watchdog_workfn() runs that check and queues
 * itself again after the period: 7.1+ scx_watchdog_interval (half the
 * shortest timeout, computed by refresh_watchdog() at attach), earlier
 * scx_watchdog_timeout / 2. scx_tick() ejects the scheduler when the check
 * has not run for a timeout since scx_watchdog_timestamp ("watchdog failed
 * to check in").
 */
#include <errno.h>
#include <inttypes.h>

#include "monitor/monitor.h"

uint64_t monitor__ns_to_jiffies(uint64_t ns, unsigned hz)
{
	/* exact, rounded up (a 3600 s timeout at HZ 1000 stays far below 2^64 here) */
	uint64_t j = (ns * (hz ? hz : 1) + NSEC_PER_SEC - 1) / NSEC_PER_SEC;

	return j ? j : 1;
}

/* Store and read back; -EIO when the value read differs. */
static int store(const struct monitor_kernel *k, const struct guestmem *g, uint64_t va,
		 uint64_t v)
{
	uint64_t back = 0;
	int ret = monitor_kernel__write_u64(k, g, va, v);

	if (!ret)
		ret = monitor_kernel__read(k, g, va, &back, sizeof(back));
	return ret ? ret : back == v ? 0 : -EIO;
}

/* a after b, wrap-safe (the kernel's time_after) */
static bool after(uint64_t a, uint64_t b)
{
	return (int64_t)(b - a) < 0;
}

int monitor_watchdog__apply(const struct monitor_kernel *k, const struct guestmem *g,
			    const struct monitor_offsets *o, uint64_t sch, uint64_t jiffies,
			    char **what)
{
	uint64_t intv = jiffies / 2 ? jiffies / 2 : 1, va, expires, now;
	const char *field;
	char bridge[128] = "", period[64] = "";
	int ret;

	*what = NULL;
	if (sch && o->sched_wd_timeout.off >= 0) {
		va = sch + (uint64_t)o->sched_wd_timeout.off;
		field = "scx_sched.watchdog_timeout";
	} else if (k->wd_timeout_va) {
		va = k->wd_timeout_va;
		field = "scx_watchdog_timeout";
	} else {
		*what = xstrdup("watchdog override: no scx_sched.watchdog_timeout nor "
				"scx_watchdog_timeout");
		return -ENOENT;
	}
	ret = store(k, g, va, jiffies);
	if (ret) {
		*what = xasprintf("watchdog override: writing %s at 0x%" PRIx64 " failed: %s", field,
				  va, ret == -EIO ? "read back a different value" : strerror(-ret));
		return -EIO;
	}
	/* 7.1+: the period the check re-arms with; before 7.1 it is the timeout's half */
	if (va != k->wd_timeout_va && k->wd_interval_va) {
		ret = store(k, g, k->wd_interval_va, intv);
		if (ret) {
			*what = xasprintf("watchdog override: %s = %" PRIu64 " jiffies, but writing "
					  "scx_watchdog_interval failed: %s", field, jiffies,
					  ret == -EIO ? "read back a different value" :
					  strerror(-ret));
			return -EIO;
		}
	} else if (va != k->wd_timeout_va) {
		snprintf(bridge, sizeof(bridge), "; no scx_watchdog_interval: the check keeps its period");
	}
	/*
	 * The check already queued runs at its old time; until then scx_tick()
	 * would count from the last run against the new timeout. Moving the
	 * timestamp to its due time keeps a healthy scheduler attached.
	 */
	if (k->wd_work_va && k->wd_timestamp_va && k->jiffies_va && o->dwork_expires.off >= 0 &&
	    !monitor_kernel__read(k, g, k->wd_work_va + (uint64_t)o->dwork_expires.off, &expires,
				  sizeof(expires)) &&
	    !monitor_kernel__read(k, g, k->jiffies_va, &now, sizeof(now)) &&
	    after(expires, now + intv)) {
		ret = monitor_kernel__write_u64(k, g, k->wd_timestamp_va, expires);
		if (ret) {
			*what = xasprintf("watchdog override: %s = %" PRIu64 " jiffies, but writing "
					  "scx_watchdog_timestamp failed: %s", field, jiffies,
					  strerror(-ret));
			return -EIO;
		}
		snprintf(bridge, sizeof(bridge),
			 "; the check queued for %" PRIu64 " jiffies ahead keeps its time", expires - now);
	}
	if (va != k->wd_timeout_va && k->wd_interval_va)
		snprintf(period, sizeof(period), ", scx_watchdog_interval = %" PRIu64, intv);
	*what = xasprintf("%s = %" PRIu64 " jiffies, read back%s%s", field, jiffies, period, bridge);
	return 0;
}
