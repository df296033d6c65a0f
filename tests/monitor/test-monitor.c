// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host-side monitor without a VM: q35's RAM layout, physical reads,
 * page-table walks and kernel address translation on synthetic memory
 * images, a live sampler over a memfd the test writes struct rq's into,
 * every evaluation message and its sustained-samples logic, and the BTF
 * offsets of the real kernel when one is cached (skipped otherwise).
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <bpf/btf.h>
#include <sys/mman.h>
#include <time.h>

#include "check/check.h"
#include "kernel/kernel.h"
#include "monitor/monitor.h"
#include "report/report.h"
#include "tap.h"

/* A judged series as result.json records it (the monitor keeps data, report/ renders it). */
static char *monitor_record_json(const struct monitor_series *s, const struct monitor_verdict *v)
{
	struct run_result rr = { 0 };
	char *js;

	rr.monitor.state = xstrdup("on");
	rr.monitor.summary = xstrdup(v->summary);
	monitor__record(s, v, &rr.monitor);
	js = report__monitor_json(&rr.monitor);
	run_result__free(&rr);
	return js;
}

#define MB (1ULL << 20)
#define GIB (1ULL << 30)
#define TEXT_VA 0xffffffff81000000ULL
#define TEXT_PA 0x100000ULL
#define PAGE_OFFSET 0xff11000000000000ULL	/* a 5-level direct map (the VMs' is 4-level) */

static void put64(uint8_t *mem, uint64_t pa, uint64_t v)
{
	memcpy(mem + pa, &v, 8);
}

static void put32(uint8_t *mem, uint64_t pa, uint32_t v)
{
	memcpy(mem + pa, &v, 4);
}

static void test_layout(void)
{
	static uint8_t a[2 * MB], b[2 * MB];
	const uint8_t *bufs[] = { a, b };
	uint64_t sizes[] = { sizeof(a), sizeof(b) };
	struct guestmem *g;
	uint64_t v = 0;

	tap_ok(guestmem__q35_below_4g(256 * MB) == 256 * MB, "q35: 256 MiB all below 4 GiB");
	tap_ok(guestmem__q35_below_4g(0xb0000000ULL - MB) == 0xb0000000ULL - MB,
	       "q35: just under 2.75 GiB stays below 4 GiB");
	tap_ok(guestmem__q35_below_4g(3 * GIB) == 2 * GIB, "q35: 3 GiB splits at 2 GiB");
	tap_ok(guestmem__q35_below_4g(16 * GIB) == 2 * GIB, "q35: 16 GiB splits at 2 GiB");

	/* nodes concatenate: pa 2 MiB is node 1's first byte */
	put64(b, 0, 0x1122334455667788ULL);
	put32(a, sizeof(a) - 4, 0xaabbccdd);
	g = guestmem__from_buffers(bufs, sizes, 2, 4 * MB);
	tap_ok(!guestmem__read(g, 2 * MB, &v, 8) && v == 0x1122334455667788ULL,
	       "node backends are concatenated in node order");
	tap_ok(!guestmem__read(g, 2 * MB - 4, &v, 8) && v == 0x55667788aabbccddULL,
	       "a read spanning two node backends");
	tap_ok(guestmem__read(g, 4 * MB - 4, &v, 8) == -EFAULT, "a read past the end of RAM fails");
	guestmem__free(g);

	/* split at 3 MiB (as 2 GiB on a big q35): the rest appears at 4 GiB */
	g = guestmem__from_buffers(bufs, sizes, 2, 3 * MB);
	put64(b, MB, 0xfeedULL);
	tap_ok(!guestmem__read(g, 4 * GIB, &v, 8) && v == 0xfeed, "RAM above the split is at 4 GiB");
	tap_ok(guestmem__read(g, 3 * MB, &v, 8) == -EFAULT, "the PCI hole below 4 GiB is not RAM");
	tap_ok(guestmem__read(g, 3 * MB - 4, &v, 8) == -EFAULT, "a read into the hole fails");
	tap_ok(guestmem__phys_end(g) == 4 * GIB + MB, "highest physical address");
	guestmem__free(g);
}

/* Page tables at 0x10000..: maps va_4k -> 0x7000 (4 KiB page) and va_2m -> 0x200000 (2 MiB). */
static uint64_t build_tables(uint8_t *mem, bool la57, uint64_t va_4k, uint64_t va_2m)
{
	uint64_t top = 0x10000, next = 0x11000;
	unsigned levels = la57 ? 5 : 4;
	static const unsigned shifts[] = { 48, 39, 30, 21, 12 };
	const unsigned *sh = la57 ? shifts : shifts + 1;
	uint64_t table = top;

	/* the 4 KiB mapping: one table per level */
	for (unsigned l = 0; l < levels; l++) {
		uint64_t idx = (va_4k >> sh[l]) & 511;

		if (l == levels - 1) {
			put64(mem, table + idx * 8, 0x7000 | 0x3);
			break;
		}
		put64(mem, table + idx * 8, next | 0x3);
		table = next;
		next += 0x1000;
	}
	/* the 2 MiB mapping shares the upper levels, ends in a PSE entry at the PMD */
	table = top;
	for (unsigned l = 0; l < levels - 1; l++) {
		uint64_t idx = (va_2m >> sh[l]) & 511, e;

		if (sh[l] == 21) {
			put64(mem, table + idx * 8, 0x200000 | 0x83);
			break;
		}
		memcpy(&e, mem + table + idx * 8, 8);
		if (!(e & 1)) {
			put64(mem, table + idx * 8, next | 0x3);
			e = next | 0x3;
			next += 0x1000;
		}
		table = e & 0x000ffffffffff000ULL;
	}
	return top;
}

static void test_pgwalk(void)
{
	static uint8_t mem[4 * MB];
	const uint8_t *bufs[] = { mem };
	uint64_t sizes[] = { sizeof(mem) };
	struct guestmem *g = guestmem__from_buffers(bufs, sizes, 1, sizeof(mem));

	for (int la57 = 0; la57 < 2; la57++) {
		uint64_t va4 = la57 ? 0xffa0001234567000ULL : 0xffffc90000123000ULL;
		uint64_t va2 = la57 ? 0xffa0001234800000ULL : 0xffffc90000400000ULL;
		uint64_t top, pa = 0;

		memset(mem, 0, sizeof(mem));
		top = build_tables(mem, la57, va4, va2);
		tap_ok(!monitor__pgwalk(g, top, la57, va4 + 0x18, &pa) && pa == 0x7018,
		       "%d-level walk: a 4 KiB page", la57 ? 5 : 4);
		tap_ok(!monitor__pgwalk(g, top, la57, va2 + 0x12345, &pa) && pa == 0x212345,
		       "%d-level walk: a 2 MiB page", la57 ? 5 : 4);
		tap_ok(monitor__pgwalk(g, top, la57, va4 + 0x1000, &pa) == -EFAULT,
		       "%d-level walk: an unmapped page fails", la57 ? 5 : 4);
	}
	guestmem__free(g);
}

/*
 * A synthetic kernel in mem: _text at TEXT_PA, page_offset_base at
 * _text+0x2000, __per_cpu_offset[] at _text+0x3000, runqueues (a per-CPU
 * symbol) at _text+0x40000, per-CPU areas in the direct map at 1 MiB + cpu * 64 KiB.
 */
#define RQ_NR 0x10
#define RQ_CLOCK 0x20
#define RQ_SCX_NR 0x40
#define RQ_SCX_FLAGS 0x44
#define RQ_DSQ_NR 0x80

static uint64_t rq_pa(unsigned cpu)
{
	return MB + cpu * 0x10000ULL;
}

/* The monitor takes the decoded SYMS frame; these tests write its JSON. */
static int kernel_init_json(struct monitor_kernel *k, const char *json, const struct guestmem *g,
			    char **why)
{
	struct msg_syms m = { 0 };
	int ret = msg_syms__decode(json, strlen(json), &m, why);

	if (ret) {
		memset(k, 0, sizeof(*k));
		return ret;
	}
	ret = monitor_kernel__init(k, &m, g, why);
	msg_syms__free(&m);
	return ret;
}

static int start_json(struct monitor *mon, const char *json)
{
	struct msg_syms m = { 0 };
	int ret = msg_syms__decode(json, strlen(json), &m, NULL);

	if (!ret)
		ret = monitor__start(mon, &m);
	msg_syms__free(&m);
	return ret;
}

static char *synthetic_kernel(uint8_t *mem, unsigned ncpus, bool with_text)
{
	uint64_t runqueues = TEXT_VA + 0x40000;

	put64(mem, TEXT_PA + 0x2000, PAGE_OFFSET);
	for (unsigned c = 0; c < ncpus; c++)
		put64(mem, TEXT_PA + 0x3000 + c * 8, PAGE_OFFSET + rq_pa(c) - runqueues);
	return xasprintf("{\"syms\":{%s\"runqueues\":\"0x%" PRIx64 "\",\"__per_cpu_offset\":\"0x%"
			 PRIx64 "\",\"page_offset_base\":\"0x%" PRIx64 "\"},\"kernel_code\":\"0x%"
			 PRIx64 "\",\"ncpus\":%u}",
			 with_text ? "\"_text\":\"0xffffffff81000000\"," : "", runqueues,
			 (uint64_t)(TEXT_VA + 0x3000), (uint64_t)(TEXT_VA + 0x2000), (uint64_t)TEXT_PA,
			 ncpus);
}

static void test_kernel(void)
{
	static uint8_t mem[2 * MB];
	const uint8_t *bufs[] = { mem };
	uint64_t sizes[] = { sizeof(mem) };
	struct guestmem *g = guestmem__from_buffers(bufs, sizes, 1, sizeof(mem));
	struct monitor_kernel k;
	_cleanup_free_ char *syms = synthetic_kernel(mem, 2, true), *bad = NULL, *why = NULL;
	uint64_t pa = 0, v = 0;

	{
		int ret = kernel_init_json(&k, syms, g, &why);

		tap_ok(!ret, "kernel symbols resolve (%s)", why ? why : "ok");
	}
	tap_ok(k.page_offset == PAGE_OFFSET && k.la57, "page_offset_base read from guest memory; 5-level");
	tap_ok(!monitor_kernel__va_to_pa(&k, g, TEXT_VA + 0x1234, &pa) && pa == TEXT_PA + 0x1234,
	       "kernel image VA: va - _text + kernel code phys");
	tap_ok(!monitor_kernel__va_to_pa(&k, g, PAGE_OFFSET + 0x5000, &pa) && pa == 0x5000,
	       "direct map VA: va - page_offset_base");
	put64(mem, rq_pa(1) + RQ_CLOCK, 123456789);
	tap_ok(!monitor_kernel__read(&k, g, k.runqueues + k.pcpu_off[1] + RQ_CLOCK, &v, 8) &&
	       v == 123456789, "per-CPU: runqueues + __per_cpu_offset[1] reaches cpu1's rq");
	free(why);
	why = NULL;
	bad = synthetic_kernel(mem, 2, false);
	{
		int ret = kernel_init_json(&k, bad, g, &why);

		tap_ok(ret == -ENOENT && why && strstr(why, "_text"),
		       "a missing symbol is a reason, not a crash: %s", why ? why : "(none)");
	}
	guestmem__free(g);
}

/* ---- the watchdog override on synthetic guest memory ---- */

#define WD_SCH_PA 0x80000ULL		/* the scx_sched, in the direct map */
#define WD_TIMEOUT_OFF 0x40		/* scx_sched.watchdog_timeout */
#define WD_EXPIRES_OFF 0x20		/* delayed_work.timer.expires */

static uint64_t get64(const uint8_t *mem, uint64_t pa)
{
	uint64_t v;

	memcpy(&v, mem + pa, 8);
	return v;
}

static void test_watchdog(void)
{
	static uint8_t mem[2 * MB];
	const uint8_t *bufs[] = { mem };
	uint64_t sizes[] = { sizeof(mem) };
	struct guestmem *g = guestmem__from_buffers(bufs, sizes, 1, sizeof(mem));
	struct monitor_kernel k = { .text_va = TEXT_VA, .text_pa = TEXT_PA,
				    .page_offset = PAGE_OFFSET, .la57 = true,
				    .jiffies_va = TEXT_VA + 0x5000, .wd_interval_va = TEXT_VA + 0x5100,
				    .wd_timestamp_va = TEXT_VA + 0x5108, .wd_work_va = TEXT_VA + 0x5200 };
	struct monitor_offsets o = { .sched_wd_timeout = { WD_TIMEOUT_OFF, 8 },
				     .dwork_expires = { WD_EXPIRES_OFF, 8 } };
	uint64_t sch = PAGE_OFFSET + WD_SCH_PA, jiffies0 = (uint64_t)-3000;	/* wraps meanwhile */
	char *what = NULL;
	int ret;

	tap_ok(monitor__ns_to_jiffies(2 * NSEC_PER_SEC, 250) == 500 &&
	       monitor__ns_to_jiffies(2 * NSEC_PER_SEC, 1000) == 2000 &&
	       monitor__ns_to_jiffies(10 * NSEC_PER_MSEC, 300) == 3 &&
	       monitor__ns_to_jiffies(4001 * NSEC_PER_MSEC, 100) == 401 &&
	       monitor__ns_to_jiffies(1, 250) == 1 && monitor__ns_to_jiffies(0, 250) == 1,
	       "ns to jiffies: exact at HZ 100/250/300/1000, rounded up, at least 1");

	/* 7.1+: the scheduler's own 30 s (7500 jiffies), its check queued 3700 jiffies ahead */
	put64(mem, WD_SCH_PA + WD_TIMEOUT_OFF, 7500);
	put64(mem, TEXT_PA + 0x5000, jiffies0);
	put64(mem, TEXT_PA + 0x5100, 3750);
	put64(mem, TEXT_PA + 0x5108, jiffies0 - 50);
	put64(mem, TEXT_PA + 0x5200 + WD_EXPIRES_OFF, jiffies0 + 3700);
	ret = monitor_watchdog__apply(&k, g, &o, sch, 500, &what);
	tap_ok(!ret && get64(mem, WD_SCH_PA + WD_TIMEOUT_OFF) == 500 &&
	       get64(mem, TEXT_PA + 0x5100) == 250 &&
	       get64(mem, TEXT_PA + 0x5108) == jiffies0 + 3700,
	       "7.1+: scx_sched.watchdog_timeout, the check's period halved, its timestamp at the "
	       "queued check's time: %s", what ? what : "(none)");
	tap_ok(what && str_eq(what, "scx_sched.watchdog_timeout = 500 jiffies, read back, "
			      "scx_watchdog_interval = 250; the check queued for 3700 jiffies ahead "
			      "keeps its time"), "the record says what was written");
	free(what);

	/* the queued check is due within the new period: its timestamp stays the kernel's */
	put64(mem, TEXT_PA + 0x5108, jiffies0 - 50);
	put64(mem, TEXT_PA + 0x5200 + WD_EXPIRES_OFF, jiffies0 + 200);
	ret = monitor_watchdog__apply(&k, g, &o, sch, 500, &what);
	tap_ok(!ret && get64(mem, TEXT_PA + 0x5108) == jiffies0 - 50 && what && !strstr(what, "queued"),
	       "a check due within the new period: the timestamp is left alone");
	free(what);

	/* before 7.1: no scx_sched member, the static scx_watchdog_timeout (its half is the period) */
	o.sched_wd_timeout.off = -1;
	k.wd_timeout_va = TEXT_VA + 0x5300;
	put64(mem, TEXT_PA + 0x5300, 7500);
	put64(mem, TEXT_PA + 0x5100, 3750);
	ret = monitor_watchdog__apply(&k, g, &o, sch, 1000, &what);
	tap_ok(!ret && get64(mem, TEXT_PA + 0x5300) == 1000 && get64(mem, TEXT_PA + 0x5100) == 3750 &&
	       what && str_eq(what, "scx_watchdog_timeout = 1000 jiffies, read back"),
	       "before 7.1: the static scx_watchdog_timeout only: %s", what ? what : "(none)");
	free(what);

	/* neither: nothing written, the reason in ktstr's words */
	k.wd_timeout_va = 0;
	put64(mem, WD_SCH_PA + WD_TIMEOUT_OFF, 7500);
	ret = monitor_watchdog__apply(&k, g, &o, sch, 500, &what);
	tap_ok(ret == -ENOENT && get64(mem, WD_SCH_PA + WD_TIMEOUT_OFF) == 7500 && what &&
	       str_eq(what, "watchdog override: no scx_sched.watchdog_timeout nor scx_watchdog_timeout"),
	       "no field nor symbol: %s", what ? what : "(none)");
	free(what);

	/* an scx_sched outside guest RAM: reported, not a crash */
	o.sched_wd_timeout.off = WD_TIMEOUT_OFF;
	ret = monitor_watchdog__apply(&k, g, &o, PAGE_OFFSET + 4 * GIB, 500, &what);
	tap_ok(ret == -EIO && what && strstr(what, "writing scx_sched.watchdog_timeout at") &&
	       strstr(what, "failed"), "a store outside guest RAM is a reason: %s",
	       what ? what : "(none)");
	free(what);
	guestmem__free(g);

	/* a real memfd: the store goes through a one-page writable mapping, RAM stays read-only */
	{
		uint64_t node[] = { 2 * MB, 2 * MB }, v = 0;
		struct guestmem *m = NULL;

		ret = guestmem__create(node, 2, &m);
		tap_ok(!ret && !guestmem__write_u64(m, 2 * MB + 0x1238, 0x1122334455667788ULL) &&
		       !guestmem__read(m, 2 * MB + 0x1238, &v, 8) && v == 0x1122334455667788ULL &&
		       guestmem__write_u64(m, 0x1234, 1) == -EINVAL &&
		       guestmem__write_u64(m, 4 * MB, 1) == -EFAULT,
		       "memfd store on node 1 reads back; unaligned and outside RAM refused");
		guestmem__free(m);
	}
	/* asked, never applied: the record says why, not asked: no record */
	{
		uint64_t node[] = { 2 * MB };
		struct monitor_offsets off = { 0 };
		struct monitor *m = NULL, *quiet = NULL;

		if (monitor__new(node, 1, &off, &m) || monitor__new(node, 1, &off, &quiet))
			abort();
		monitor__set_watchdog(m, 2 * NSEC_PER_SEC);
		monitor__stop(m);
		monitor__stop(quiet);
		tap_ok(monitor__watchdog(m) && str_eq(monitor__watchdog(m), "watchdog override: not "
			"applied (the scheduler never reported running)") && !monitor__watchdog(quiet),
		       "a timeout asked but never written is recorded with its reason: %s",
		       monitor__watchdog(m) ? monitor__watchdog(m) : "(none)");
		monitor__free(m);
		monitor__free(quiet);
	}
}

/* ---- a live sampler over a memfd the test writes like a kernel would ---- */

static void test_sampler(void)
{
	uint64_t node = 2 * MB;
	struct monitor_offsets off = {
		.rq_nr_running = { RQ_NR, 4 }, .rq_clock = { RQ_CLOCK, 8 },
		.rq_scx_nr_running = { RQ_SCX_NR, 4 }, .rq_scx_flags = { RQ_SCX_FLAGS, 4 },
		.rq_scx_local_dsq_nr = { RQ_DSQ_NR, 4 },
		.sched_pcpu = { -1, 0 }, .ev_fallback = { -1, 0 }, .ev_keep_last = { -1, 0 },
	};
	struct monitor *m = NULL;
	const struct monitor_series *s;
	const char *why = NULL;
	unsigned n;
	const int *fds;
	uint8_t *mem;
	_cleanup_free_ char *syms = NULL;
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	uint64_t t0_lo, t0_hi, start_lo = 0, start_hi = 0;

	tap_ok(!monitor__new(&node, 1, &off, &m), "monitor: guest RAM as a memfd");
	fds = monitor__fds(m, &n);
	mem = mmap(NULL, node, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	tap_ok(n == 1 && mem != MAP_FAILED, "the test maps the same RAM writable (as QEMU does)");
	syms = synthetic_kernel(mem, 2, true);
	for (unsigned c = 0; c < 2; c++) {
		put32(mem, rq_pa(c) + RQ_NR, 1 + c);
		put64(mem, rq_pa(c) + RQ_CLOCK, 1000);
		put32(mem, rq_pa(c) + RQ_DSQ_NR, 7 * c);
	}
	t0_lo = now_ns();
	tap_ok(!start_json(m, syms), "sampling starts on the SYMS frame");
	t0_hi = now_ns();
	for (int i = 0; i < 8; i++) {
		if (i == 2) {
			start_lo = now_ns();
			monitor__workload_start(m);
			start_hi = now_ns();
		}
		for (unsigned c = 0; c < 2; c++)
			put64(mem, rq_pa(c) + RQ_CLOCK, 1000 + (uint64_t)i * 1000000);
		nanosleep(&ts, NULL);
	}
	monitor__workload_end(m);
	nanosleep(&ts, NULL);
	monitor__stop(m);
	s = monitor__series(m, &why);
	tap_ok(s && s->n >= 3 && s->ncpus == 2, "samples taken every 100 ms: %zu", s ? s->n : 0);
	/*
	 * The window opens at the first sample taken after the workload's
	 * start: on a busy host the sampler's first tick may itself come late,
	 * so the bounds are the test's own clock readings around both calls.
	 */
	tap_ok(s && s->win_end > s->win_start && s->v[s->win_start].at_ns + t0_hi >= start_lo &&
	       (!s->win_start || s->v[s->win_start - 1].at_ns + t0_lo < start_hi),
	       "the window starts at the workload's start (samples %zu..%zu)", s ? s->win_start : 0,
	       s ? s->win_end : 0);
	tap_ok(s && s->v[s->n - 1].valid && s->v[s->n - 1].cpu[1].nr_running == 2 &&
	       s->v[s->n - 1].cpu[1].local_dsq == 7, "nr_running and local DSQ depth read per CPU");
	tap_ok(s && s->v[s->n - 1].cpu[0].clock > 1000, "rq clock read and advancing");
	munmap(mem, node);
	monitor__free(m);
}

/* ---- evaluation ---- */

struct series_buf {
	struct monitor_series s;
	struct monitor_sample v[64];
	struct monitor_cpu cpu[64][4];
};

/* n samples of ncpus, all CPUs busy (nr 1), clocks advancing, window = all. */
static void series_init(struct series_buf *b, unsigned ncpus, size_t n)
{
	memset(b, 0, sizeof(*b));
	b->s.ncpus = ncpus;
	b->s.v = b->v;
	b->s.n = n;
	b->s.win_end = n;
	b->s.preempt_ns = 40 * NSEC_PER_MSEC;
	for (size_t i = 0; i < n; i++) {
		b->v[i].at_ns = i * MONITOR_INTERVAL_NS;
		b->v[i].valid = true;
		b->v[i].cpu = b->cpu[i];
		for (unsigned c = 0; c < ncpus; c++) {
			b->cpu[i][c].nr_running = 1;
			b->cpu[i][c].clock = 1000000 + i * 100000000ULL + c;
		}
	}
}

static struct monitor_limits defaults(void)
{
	return (struct monitor_limits){ .imbalance_on = true, .dsq_on = true, .stall_on = true,
		.fallback_on = true, .keep_last_on = true, .max_imbalance = 4.0, .max_dsq = 50,
		.sustained = 5, .max_fallback = 200, .max_keep_last = 100 };
}

static void evaluate(const struct series_buf *b, struct monitor_verdict *v)
{
	struct monitor_limits l = defaults();

	monitor__evaluate(&b->s, &l, v);
}

/* Work conservation: CPUs idle while another CPU has tasks waiting, sustained. */
static void test_work_conservation(void)
{
	static struct series_buf b;
	struct monitor_limits l = defaults();
	struct monitor_verdict v;

	l.wc_on = true;
	/* faulty concentrate on 4 CPUs: all four spinners on cpu0 for 8 samples */
	series_init(&b, 4, 20);
	for (size_t i = 5; i < 13; i++) {
		b.cpu[i][0].nr_running = 4;
		for (unsigned c = 1; c < 4; c++)
			b.cpu[i][c].nr_running = 0;
	}
	monitor__evaluate(&b.s, &l, &v);
	tap_is_str(v.ndetails ? v.details[0] : NULL,
		   "work conservation: 3 of 4 CPUs idle while 3 task(s) waited on other CPUs for 8 "
		   "consecutive samples (ending at sample 12)", "concentrated tasks with idle CPUs fail");
	tap_ok(v.ndetails == 1 && str_eq(v.detail_check[0], "work_conservation") &&
	       v.max_idle_waiting_run == 8, "under work_conservation, the longest run recorded");
	monitor_verdict__free(&v);
	/* idle CPUs with nobody waiting (fewer tasks than CPUs), and a run of 4: no failure */
	series_init(&b, 4, 20);
	for (size_t i = 2; i < 18; i++)
		b.cpu[i][2].nr_running = b.cpu[i][3].nr_running = 0;
	for (size_t i = 5; i < 9; i++)
		b.cpu[i][0].nr_running = 3;
	monitor__evaluate(&b.s, &l, &v);
	tap_ok(v.evaluated && v.ndetails == 0 && v.max_idle_waiting_run == 4,
	       "idle CPUs with no task waiting, or for 4 samples, pass (%s)", v.summary);
	monitor_verdict__free(&v);
	/* off: recorded, not judged */
	l.wc_on = false;
	series_init(&b, 4, 20);
	for (size_t i = 0; i < 20; i++)
		b.cpu[i][0].nr_running = 4, b.cpu[i][1].nr_running = 0;
	monitor__evaluate(&b.s, &l, &v);
	tap_ok(v.ndetails == 0 && v.max_idle_waiting_run == 20, "off: the run is recorded, not judged");
	monitor_verdict__free(&v);
	/*
	 * A cpuset of CPUs 0-1: two spinners each on 0 and 1 while 2 and 3
	 * idle by design passes within the set (and fails judged over all
	 * CPUs); all four on cpu0 with cpu1 idle fails within it.
	 */
	{
		struct monitor_cpu_set set = { .who = "cgroup cg_0" };

		cpumask_set(&set.cpus, 0);
		cpumask_set(&set.cpus, 1);
		l.wc_on = true;
		series_init(&b, 4, 20);
		for (size_t i = 0; i < 20; i++) {
			b.cpu[i][0].nr_running = b.cpu[i][1].nr_running = 2;
			b.cpu[i][2].nr_running = b.cpu[i][3].nr_running = 0;
		}
		monitor__evaluate(&b.s, &l, &v);
		tap_ok(v.ndetails == 1, "over all CPUs, a cpuset's idle outside CPUs fail");
		monitor_verdict__free(&v);
		l.wc_sets = &set;
		l.wc_nsets = 1;
		monitor__evaluate(&b.s, &l, &v);
		tap_ok(v.evaluated && v.ndetails == 0, "within the cpuset 0-1 both CPUs are busy: pass");
		monitor_verdict__free(&v);
		for (size_t i = 5; i < 13; i++)
			b.cpu[i][0].nr_running = 4, b.cpu[i][1].nr_running = 0;
		monitor__evaluate(&b.s, &l, &v);
		tap_is_str(v.ndetails ? v.details[0] : NULL,
			   "work conservation: 1 of 2 CPUs idle while 3 task(s) waited on other CPUs of "
			   "the CPUs cgroup cg_0 may use (0-1) for 8 consecutive samples (ending at sample 12)",
			   "cpu1 of the cpuset idle while three wait on cpu0: fails, naming the set");
		monitor_verdict__free(&v);
	}
}

static void test_eval(void)
{
	static struct series_buf b;
	struct monitor_verdict v;

	series_init(&b, 2, 20);
	evaluate(&b, &v);
	tap_ok(v.evaluated && v.ndetails == 0, "healthy series: %s", v.summary);
	tap_is_str(v.summary, "monitor OK", "summary: monitor OK");
	monitor_verdict__free(&v);

	/* imbalance: 4 samples over, a break, 5 over (ending at sample 14) */
	series_init(&b, 2, 20);
	for (size_t i = 3; i < 7; i++)
		b.cpu[i][0].nr_running = 9;
	for (size_t i = 10; i < 15; i++)
		b.cpu[i][0].nr_running = 6;
	evaluate(&b, &v);
	tap_is_int(v.ndetails, 1, "imbalance: only the 5-sample run fails");
	tap_is_str(v.ndetails ? v.details[0] : NULL,
		   "imbalance ratio 6.0 exceeded threshold 4.0 for 5 consecutive samples (ending at sample 14)",
		   "imbalance message in ktstr's words");
	tap_is_str(v.ndetails ? v.detail_check[0] : NULL, "max_imbalance_ratio", "imbalance check name");
	tap_is_str(v.summary, "monitor FAILED: 1 violation(s)", "summary counts violations");
	monitor_verdict__free(&v);

	series_init(&b, 2, 20);
	for (size_t i = 3; i < 7; i++)
		b.cpu[i][0].nr_running = 9;
	evaluate(&b, &v);
	tap_ok(v.ndetails == 0 && v.max_imbalance == 9.0,
	       "imbalance: 4 consecutive samples are not sustained (peak %.1f recorded)", v.max_imbalance);
	monitor_verdict__free(&v);

	/* local DSQ depth on cpu1 */
	series_init(&b, 2, 20);
	for (size_t i = 2; i < 10; i++)
		b.cpu[i][1].local_dsq = 59;
	evaluate(&b, &v);
	tap_is_str(v.ndetails ? v.details[0] : NULL,
		   "local DSQ depth 59 on cpu1 exceeded threshold 50 for 8 consecutive samples (ending at sample 9)",
		   "local DSQ depth message");
	monitor_verdict__free(&v);

	/* the clock is printed as read, not through a double (2^64 - 6 is not one) */
	series_init(&b, 2, 20);
	for (size_t i = 5; i < 12; i++)
		b.cpu[i][0].clock = UINT64_MAX - 5;
	evaluate(&b, &v);
	tap_is_str(v.ndetails ? v.details[0] : NULL,
		   "rq_clock stall on cpu0 for 6 consecutive samples (ending at sample 11, clock=18446744073709551610)",
		   "rq_clock stall message: a clock near 2^64 exactly");
	monitor_verdict__free(&v);

	/* stall: cpu0's clock stops for 6 samples with a task runnable */
	series_init(&b, 2, 20);
	for (size_t i = 5; i < 12; i++)
		b.cpu[i][0].clock = 777;
	evaluate(&b, &v);
	tap_is_str(v.ndetails ? v.details[0] : NULL,
		   "rq_clock stall on cpu0 for 6 consecutive samples (ending at sample 11, clock=777)",
		   "rq_clock stall message");
	tap_is_str(v.ndetails ? v.detail_check[0] : NULL, "fail_on_stall", "stall check name");
	monitor_verdict__free(&v);

	/* exemptions: an idle CPU (NOHZ) and a guest the host did not run */
	for (size_t i = 5; i < 12; i++) {
		b.cpu[i][0].nr_running = 0;
		b.cpu[i - 1][0].nr_running = 0;
	}
	evaluate(&b, &v);
	tap_ok(v.ndetails == 0, "stall: exempt when nr_running == 0 in both samples");
	monitor_verdict__free(&v);
	series_init(&b, 2, 20);
	for (size_t i = 0; i < 20; i++)
		b.v[i].vm_cpu_ns = 1 + (i < 5 ? i * 100 * NSEC_PER_MSEC : 500 * NSEC_PER_MSEC);
	for (size_t i = 5; i < 12; i++)
		b.cpu[i][0].clock = 777;
	evaluate(&b, &v);
	tap_ok(v.ndetails == 0, "stall: exempt when QEMU got no CPU time (host preemption)");
	monitor_verdict__free(&v);
	series_init(&b, 2, 20);
	for (size_t i = 5; i < 12; i++)
		b.cpu[i][0].clock = b.cpu[i][1].clock = 777;
	evaluate(&b, &v);
	tap_ok(v.ndetails == 0, "stall: exempt when every CPU's clock stood still (the guest paused)");
	monitor_verdict__free(&v);
	/*
	 * An interval that cannot be judged (QEMU starved) inside a stall neither
	 * counts nor ends it: 3 + 3 judged frozen intervals around one starved
	 * interval are a 6-sample stall, not two 3-sample ones.
	 */
	series_init(&b, 2, 20);
	for (size_t i = 0; i < 20; i++)
		b.v[i].vm_cpu_ns = 1 + i * 100 * NSEC_PER_MSEC + (i >= 8 ? 0 : 99 * NSEC_PER_MSEC);
	for (size_t i = 4; i < 12; i++)
		b.cpu[i][0].clock = 777;
	evaluate(&b, &v);
	tap_is_str(v.ndetails ? v.details[0] : NULL,
		   "rq_clock stall on cpu0 for 6 consecutive samples (ending at sample 11, clock=777)",
		   "stall: an unjudgeable interval inside a stall neither counts nor ends it");
	monitor_verdict__free(&v);
	/* ... and a run of unjudgeable intervals alone is still no stall */
	series_init(&b, 2, 20);
	for (size_t i = 0; i < 20; i++)
		b.v[i].vm_cpu_ns = 1 + (i < 4 ? i * 100 * NSEC_PER_MSEC : 400 * NSEC_PER_MSEC);
	for (size_t i = 4; i < 12; i++)
		b.cpu[i][0].clock = 777;
	evaluate(&b, &v);
	tap_ok(v.ndetails == 0, "stall: only unjudgeable frozen intervals: no stall");
	monitor_verdict__free(&v);

	/*
	 * event rates: 50 fallbacks and 20 keep_lasts per 100 ms = 500/s and
	 * 200/s; cpu0 runs one task and cpu1 has one waiting besides it.
	 */
	series_init(&b, 2, 20);
	for (size_t i = 0; i < 20; i++) {
		b.v[i].have_events = true;
		b.cpu[i][1].fallback = (int64_t)(i * 50);
		b.cpu[i][0].keep_last = (int64_t)(i * 20);
		b.cpu[i][0].scx_nr_running = 1;
		b.cpu[i][1].scx_nr_running = 2;
	}
	evaluate(&b, &v);
	tap_is_int(v.ndetails, 1, "keep_last of a lone task is no fault; fallbacks are");
	tap_is_str(v.ndetails > 0 ? v.details[0] : NULL,
		   "fallback rate 500.0/s exceeded threshold 200.0/s for 19 consecutive intervals (ending at sample 19)",
		   "fallback rate message");
	tap_ok(v.fallback_rate > 499 && v.fallback_rate < 501, "whole-window fallback rate %.1f/s",
	       v.fallback_rate);
	tap_ok(v.keep_last_rate > 199 && v.keep_last_rate < 201 && v.max_keep_last_rate == 0,
	       "lone task: keep_last %.1f/s counted, %.1f/s while tasks waited", v.keep_last_rate,
	       v.max_keep_last_rate);
	monitor_verdict__free(&v);
	/* the same keep_last events on cpu1, where a task waits: the scheduler kept the last one */
	for (size_t i = 0; i < 20; i++) {
		b.cpu[i][0].keep_last = 0;
		b.cpu[i][1].keep_last = (int64_t)(i * 20);
	}
	evaluate(&b, &v);
	tap_is_int(v.ndetails, 2, "keep_last while a task waits fails");
	tap_is_str(v.ndetails > 1 ? v.details[1] : NULL,
		   "keep_last rate 200.0/s on cpu1 while tasks waited exceeded threshold 100.0/s for 19 consecutive intervals (ending at sample 19)",
		   "keep_last rate message names the CPU");
	monitor_verdict__free(&v);
	/* a task waiting in only one of the interval's two samples does not count */
	for (size_t i = 0; i < 20; i += 2)
		b.cpu[i][1].scx_nr_running = 1;
	evaluate(&b, &v);
	tap_is_int(v.ndetails, 1, "keep_last: waiting at one end of each interval only: no fault");
	monitor_verdict__free(&v);

	/* the window: violations before the workload started do not count */
	series_init(&b, 2, 20);
	for (size_t i = 0; i < 8; i++)
		b.cpu[i][0].nr_running = 9;
	b.s.win_start = 5;
	evaluate(&b, &v);
	tap_ok(v.ndetails == 0, "samples before the workload's start are trimmed");
	monitor_verdict__free(&v);

	/* validity */
	series_init(&b, 2, 10);
	for (size_t i = 0; i < 10; i++)
		b.cpu[i][0].clock = b.cpu[i][1].clock = 42;
	evaluate(&b, &v);
	tap_ok(!v.evaluated, "all rq clocks identical: %s", v.summary);
	tap_is_str(v.summary, "monitor data not yet initialized", "ktstr's uninitialised-data wording");
	monitor_verdict__free(&v);
	series_init(&b, 2, 10);
	for (size_t i = 0; i < 10; i++)
		b.v[i].valid = false;
	evaluate(&b, &v);
	tap_ok(!v.evaluated, "no plausible samples: %s", v.summary);
	monitor_verdict__free(&v);
	series_init(&b, 2, 10);
	b.s.win_start = b.s.win_end = 0;
	evaluate(&b, &v);
	tap_ok(!v.evaluated && strstr(v.summary, "no monitor samples"), "empty window: %s", v.summary);
	monitor_verdict__free(&v);

	/* off switches */
	series_init(&b, 2, 20);
	for (size_t i = 0; i < 20; i++)
		b.cpu[i][0].nr_running = 9;
	{
		struct monitor_limits l = defaults();

		l.imbalance_on = false;
		monitor__evaluate(&b.s, &l, &v);
		tap_ok(v.ndetails == 0, "max_imbalance_ratio: off judges nothing");
		monitor_verdict__free(&v);
	}
}

/* monitor__judge: DETAIL_MONITOR details for sched_ext, recorded but not judged for EEVDF. */
static void test_judge(void)
{
	struct thresholds th;
	struct run_result rr = { .status = TEST_PASS };
	struct test_result t = { 0 };

	thresholds__defaults(&th, true);
	monitor__judge(NULL, "the guest sent no kernel symbols", &th, true, &rr);
	tap_is_str(rr.monitor.state, "not evaluated (no monitor data: the guest sent no kernel symbols)",
		   "no monitor: not evaluated, with the reason");
	tap_ok(rr.status == TEST_PASS && !rr.ndetails, "no monitor data never fails or passes a check");
	t.thresholds = th;
	t.runs = &rr;
	t.nruns = 1;
	tap_ok(str_startswith(check__test_threshold_state(&t, THR_MAX_IMBALANCE_RATIO),
			      "not evaluated"), "the test's threshold state says not evaluated");
	free(rr.monitor.state);
	rr.monitor.state = xstrdup("on");
	tap_is_str(check__test_threshold_state(&t, THR_MAX_IMBALANCE_RATIO), "on",
		   "a judged run makes the monitor thresholds 'on'");
	run_result__free(&rr);

	/* a judged sched_ext run whose samples had no event counters */
	{
		static struct series_buf b;

		series_init(&b, 2, 20);
		b.s.events_why = "the kernel's BTF has no sched_ext event counters";
		rr = (struct run_result){ .status = TEST_PASS };
		monitor__judge_series(&b.s, NULL, &th, true, &rr);
		t.runs = &rr;
		tap_is_str(check__test_threshold_state(&t, THR_MAX_IMBALANCE_RATIO), "on",
			   "without event counters the load checks are still judged");
		tap_is_str(check__test_threshold_state(&t, THR_MAX_FALLBACK_RATE),
			   "not evaluated (no event counters: the kernel's BTF has no sched_ext event counters)",
			   "without event counters the rate checks say why they were not judged");
		tap_ok(rr.status == TEST_PASS && rr.monitor.fallback_rate < 0,
		       "no event counters: no rate, no verdict on it");
		run_result__free(&rr);
		series_init(&b, 2, 20);
		rr = (struct run_result){ .status = TEST_PASS };
		monitor__judge_series(&b.s, NULL, &th, false, &rr);
		tap_ok(str_startswith(check__test_threshold_state(&t, THR_MAX_IMBALANCE_RATIO),
				      "not judged (EEVDF") && !rr.ndetails,
		       "EEVDF: recorded, not judged: %s", rr.monitor.summary);
		run_result__free(&rr);
	}
}

static void test_btf(void)
{
	struct kernel_image *k = NULL;
	_cleanup_free_ char *err = NULL, *why = NULL;
	char dir[] = "/tmp/ktstr-test-btf.XXXXXX";
	_cleanup_free_ char *path = NULL;
	struct monitor_offsets o;
	int ret;

	if (kernel__resolve(getenv("KTSTR_TEST_KERNEL"), &k, &err) || !k->btf) {
		for (int i = 0; i < 6; i++)
			tap_skip("no kernel with BTF (ktstr-kernel fetch, or KTSTR_TEST_KERNEL)");
		kernel_image__free(k);
		return;
	}
	if (!mkdtemp(dir))
		abort();
	path = xasprintf("%s/vmlinux.btf", dir);
	ret = monitor_offsets__for_image(k->image, path, &o, &why);
	tap_ok(!ret, "offsets from %s's BTF (%s)", k->version ? k->version : k->image,
	       why ? why : "ok");
	tap_ok(o.rq_nr_running.off >= 0 && o.rq_nr_running.size == 4 && o.rq_clock.size == 8,
	       "rq.nr_running (u32) at %d, rq.clock (u64) at %d", o.rq_nr_running.off, o.rq_clock.off);
	{
		struct btf *btf = btf__parse(path, NULL);
		struct monitor_field scx, dsq, nr;
		bool ok = btf && !monitor_btf__field(btf, "rq", "scx", &scx) &&
			  !monitor_btf__field(btf, "scx_rq", "local_dsq", &dsq) &&
			  !monitor_btf__field(btf, "scx_dispatch_q", "nr", &nr);

		tap_ok(ok && o.rq_scx_local_dsq_nr.off == scx.off + dsq.off + nr.off,
		       "rq.scx.local_dsq.nr at %d = rq.scx + scx_rq.local_dsq + scx_dispatch_q.nr",
		       o.rq_scx_local_dsq_nr.off);
		btf__free(btf);
	}
	if (o.events_why)
		tap_skip(o.events_why);
	else
		tap_ok(o.sched_pcpu.off >= 0 && o.ev_fallback.off >= 0 && o.ev_keep_last.off ==
		       o.ev_fallback.off + 16, "event counters: scx_sched.pcpu at %d, "
		       "SCX_EV_SELECT_CPU_FALLBACK at %d, SCX_EV_DISPATCH_KEEP_LAST two counters later",
		       o.sched_pcpu.off, o.ev_fallback.off);
	tap_ok(o.sched_wd_timeout.off > 0 && o.sched_wd_timeout.size == 8 &&
	       o.dwork_expires.off > 0 && o.dwork_expires.size == 8,
	       "watchdog override: scx_sched.watchdog_timeout at %d, delayed_work.timer.expires at %d",
	       o.sched_wd_timeout.off, o.dwork_expires.off);
	{
		struct monitor_field f;
		struct btf *btf = btf__parse(path, NULL);

		tap_ok(btf && monitor_btf__field(btf, "rq", "scx.no_such_member", &f) == -ENOENT &&
		       f.off == -1, "a missing member is -ENOENT, offset -1");
		btf__free(btf);
	}
	monitor_offsets__free(&o);
	unlink(path);
	rmdir(dir);
	kernel_image__free(k);
}

/* ---- garbage from the guest: SYMS payloads, guest RAM, sample series ---- */

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64: a fixed seed, so a failure replays */
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void rnd_fill(uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 8 <= len; i += 8) {
		uint64_t v = rnd();

		memcpy(p + i, &v, 8);
	}
}

/* A symbol's value as a guest might send it: absent, garbage, or plausible. */
static void rnd_sym(FILE *f, const char *name, uint64_t plausible, bool *comma)
{
	switch (rnd() % 24) {
	case 0:
		return;
	case 1:
		fprintf(f, "%s\"%s\":%" PRIu64, *comma ? "," : "", name, rnd());
		break;
	case 2:
		fprintf(f, "%s\"%s\":\"0x%" PRIx64 "\"", *comma ? "," : "", name, rnd());
		break;
	case 3:
		fprintf(f, "%s\"%s\":\"%s\"", *comma ? "," : "", name,
			(const char *[]){ "", "0x", "-1", "zz", "0xffffffffffffffffff" }[rnd() % 5]);
		break;
	default:
		fprintf(f, "%s\"%s\":\"0x%" PRIx64 "\"", *comma ? "," : "", name,
			(uint64_t)(plausible + (rnd() % 4 ? 0 : rnd() % (8 * MB))));
		break;
	}
	*comma = true;
}

static char *rnd_syms(void)
{
	static const char *const ncpus[] = { "2", "1", "4", "256", "257", "0", "-1", "4294967298",
					     "\"2\"", "2.5", "null" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool comma = false;

	if (!f)
		abort();
	if (rnd() % 6 == 0) {	/* bytes, not JSON */
		size_t n = rnd() % 200;

		for (size_t i = 0; i < n; i++)
			fputc((int)(rnd() % 255) + 1, f);
		fclose(f);
		return buf;
	}
	fputs("{\"syms\":{", f);
	rnd_sym(f, "_text", TEXT_VA, &comma);
	rnd_sym(f, "runqueues", TEXT_VA + 0x40000, &comma);
	rnd_sym(f, "__per_cpu_offset", TEXT_VA + 0x3000, &comma);
	rnd_sym(f, "page_offset_base", TEXT_VA + 0x2000, &comma);
	rnd_sym(f, "scx_root", TEXT_VA + 0x4000, &comma);
	rnd_sym(f, "init_top_pgt", TEXT_VA + 0x10000, &comma);
	fprintf(f, "},\"kernel_code\":\"0x%" PRIx64 "\",\"ncpus\":%s}",
		(uint64_t)(rnd() % 8 ? TEXT_PA : rnd()), ncpus[rnd() % 2 ? rnd() % 3 : rnd() % ARRAY_SIZE(ncpus)]);
	fclose(f);
	if (rnd() % 8 == 0)	/* cut short */
		buf[rnd() % (len + 1)] = '\0';
	return buf;
}

/* Random guest memory with a kernel-like skeleton some payloads resolve against. */
static void rnd_kernel_mem(uint8_t *mem, size_t size)
{
	rnd_fill(mem, size);
	put64(mem, TEXT_PA + 0x2000, rnd() % 2 ? PAGE_OFFSET : rnd());
	for (unsigned c = 0; c < 256 && rnd() % 4; c++)
		put64(mem, TEXT_PA + 0x3000 + c * 8, PAGE_OFFSET + rnd() % size - (TEXT_VA + 0x40000));
}

static void test_fuzz_syms(void)
{
	static uint8_t mem[4 * MB];
	const uint8_t *bufs[] = { mem };
	uint64_t sizes[] = { sizeof(mem) };
	struct guestmem *g = guestmem__from_buffers(bufs, sizes, 1, sizeof(mem));
	unsigned resolved = 0, refused = 0, reads = 0, bad_why = 0;

	for (int i = 0; i < 3000; i++) {
		_cleanup_free_ char *syms = rnd_syms(), *why = NULL;
		struct monitor_kernel k;
		int ret;

		if (i % 50 == 0)
			rnd_kernel_mem(mem, sizeof(mem));
		ret = kernel_init_json(&k, syms, g, &why);
		if (ret) {
			refused++;
			bad_why += !why || !*why;
			continue;
		}
		resolved++;
		bad_why += why != NULL || !k.ncpus || k.ncpus > MONITOR_MAX_CPUS;
		/* what the sampler does with them: per-CPU reads, walks, anywhere */
		for (int r = 0; r < 64; r++) {
			uint8_t out[256];
			uint64_t va = r % 2 ? k.runqueues + k.pcpu_off[rnd() % k.ncpus] + rnd() % 8192 :
				      rnd(), pa;

			reads += !monitor_kernel__read(&k, g, va, out, 1 + rnd() % sizeof(out));
			monitor_kernel__va_to_pa(&k, g, rnd(), &pa);
			monitor__pgwalk(g, rnd() % (sizeof(mem) + MB), rnd() % 2, rnd(), &pa);
		}
	}
	tap_ok(resolved && refused && !bad_why,
	       "3000 random SYMS payloads: %u resolved, %u refused with a reason, %u random reads "
	       "in RAM, none crashed", resolved, refused, reads);
	guestmem__free(g);
}

/* Series as garbage memory gives them: counters anywhere in int64, clocks anywhere. */
static void test_fuzz_eval(void)
{
	static struct series_buf b;
	struct monitor_limits l = defaults();
	unsigned evaluated = 0, bad = 0;

	for (int it = 0; it < 400; it++) {
		struct monitor_verdict v;
		_cleanup_free_ char *js = NULL;
		json_t *parsed;
		size_t n = 1 + rnd() % 64;

		series_init(&b, 1 + (unsigned)(rnd() % 4), n);
		for (size_t i = 0; i < n; i++) {
			b.v[i].valid = rnd() % 8;
			b.v[i].have_events = rnd() % 4;
			b.v[i].vm_cpu_ns = rnd() % 2 ? rnd() : 0;
			if (rnd() % 4 == 0)
				b.v[i].at_ns = rnd();
			for (unsigned c = 0; c < b.s.ncpus; c++) {
				struct monitor_cpu *x = &b.cpu[i][c];

				x->nr_running = (uint32_t)(rnd() % 3 ? rnd() % 8 : rnd() % 100001);
				x->local_dsq = (uint32_t)(rnd() % MONITOR_DSQ_CEILING);
				x->clock = rnd() % 3 ? x->clock : rnd();
				/* the sampler keeps only non-negative counters */
				x->fallback = (int64_t)(rnd() >> 1);
				x->keep_last = rnd() % 2 ? (int64_t)(rnd() >> 1) : INT64_MAX - (int64_t)i;
			}
		}
		b.s.win_start = rnd() % (n + 1);
		b.s.win_end = b.s.win_start + rnd() % (n + 1 - b.s.win_start);
		monitor__evaluate(&b.s, &l, &v);
		js = monitor_record_json(&b.s, &v);
		parsed = js ? json_loads(js, 0, NULL) : NULL;
		evaluated += v.evaluated;
		bad += !v.summary || !parsed || (v.evaluated && !json_object_get(parsed, "peaks"));
		json_decref(parsed);
		monitor_verdict__free(&v);
	}
	tap_ok(evaluated && !bad, "400 random series: %u evaluated, every verdict has a summary "
	       "and a JSON record", evaluated);
}

/* The live sampler over RAM a guest keeps scribbling on. */
static void test_fuzz_sampler(void)
{
	uint64_t node = 4 * MB;
	struct monitor_offsets off = {
		.rq_nr_running = { RQ_NR, 4 }, .rq_clock = { RQ_CLOCK, 8 },
		.rq_scx_nr_running = { RQ_SCX_NR, 4 }, .rq_scx_flags = { RQ_SCX_FLAGS, 4 },
		.rq_scx_local_dsq_nr = { RQ_DSQ_NR, 4 },
		.sched_pcpu = { 0x100, 8 }, .ev_fallback = { 0x40, 8 }, .ev_keep_last = { 0x50, 8 },
	};
	struct monitor *m = NULL;
	const struct monitor_series *s;
	const char *why = NULL;
	const int *fds;
	unsigned n, implausible = 0;
	uint8_t *mem;
	_cleanup_free_ char *syms = NULL, *js = NULL;
	struct monitor_verdict v;
	struct monitor_limits l = defaults();
	uint64_t t_end;

	if (monitor__new(&node, 1, &off, &m)) {
		tap_ok(false, "fuzz sampler: no memfd");
		return;
	}
	fds = monitor__fds(m, &n);
	mem = mmap(NULL, node, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	if (mem == MAP_FAILED) {
		tap_ok(false, "fuzz sampler: cannot map the memfd");
		monitor__free(m);
		return;
	}
	rnd_fill(mem, node);
	syms = synthetic_kernel(mem, 4, true);
	/* scx_root and init_top_pgt into the garbage: pointer chases and walks of random tables */
	{
		const char *rq = strstr(syms, "\"runqueues\"");
		char *full = xasprintf("%.*s\"scx_root\":\"0x%" PRIx64 "\",\"init_top_pgt\":\"0x%" PRIx64
				       "\",%s", (int)(rq - syms), syms, (uint64_t)(TEXT_VA + 0x4000),
				       (uint64_t)(TEXT_VA + 0x10000), rq);

		free(syms);
		syms = full;
	}
	tap_ok(!start_json(m, syms), "fuzz sampler: starts over random RAM (%s)", syms);
	monitor__workload_start(m);
	t_end = now_ns() + 350 * NSEC_PER_MSEC;
	while (now_ns() < t_end) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };

		/* the guest rewrites its run queues and per-CPU offsets under the sampler */
		rnd_fill(mem + MB, 512 * 1024);
		for (unsigned c = 0; c < 4; c++)
			put64(mem, TEXT_PA + 0x3000 + c * 8, rnd() % 2 ? rnd() :
			      PAGE_OFFSET + rnd() % node - (TEXT_VA + 0x40000));
		nanosleep(&ts, NULL);	/* leave the sampler a CPU on a busy 2-core host */
	}
	monitor__workload_end(m);
	monitor__stop(m);
	s = monitor__series(m, &why);
	for (size_t i = 0; s && i < s->n; i++)
		for (unsigned c = 0; s->v[i].valid && c < s->ncpus; c++)
			implausible += s->v[i].cpu[c].local_dsq > MONITOR_DSQ_CEILING;
	if (s) {
		monitor__evaluate(s, &l, &v);
		js = monitor_record_json(s, &v);
		monitor_verdict__free(&v);
	}
	tap_ok(s && s->n >= 1 && !implausible && js,
	       "a sampler over scribbled RAM: %zu samples, %" PRIu64 " read errors, no implausible "
	       "sample kept", s ? s->n : 0, s ? s->read_errors : 0);
	munmap(mem, node);
	monitor__free(m);
}

int main(void)
{
	tap_plan(93);
	test_layout();
	test_pgwalk();
	test_kernel();
	test_watchdog();
	test_sampler();
	test_eval();
	test_work_conservation();
	test_judge();
	test_btf();
	test_fuzz_syms();
	test_fuzz_eval();
	test_fuzz_sampler();
	return tap_done();
}
