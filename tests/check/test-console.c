// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the console gate on sample console logs (tests/check/data):
 * a clean 7.3 boot under TCG, an oops and panic, a sched_ext watchdog
 * disable, an RCU stall, lockdep/warning/hung-task/KASAN splats, plus the
 * spec's expect/forbid/allow patterns and a missing log.
 */
#include <errno.h>

#include "tap.h"
#include "data.h"
#include "check/check.h"

static struct run_result res;

static int gate(const char *log, const struct spec_console *c)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	run_result__free(&res);
	text = check_data_load(log, &len);
	return check__console(c, text, len, &res);
}

static void show(void)
{
	printf("  ---\n  details:\n");
	for (size_t i = 0; i < res.ndetails; i++)
		printf("    - '%s'\n", res.details[i].message);
	printf("  ...\n");
}

static void expect_msg(const char *msg)
{
	bool found = false;

	for (size_t i = 0; i < res.ndetails; i++)
		found |= str_eq(res.details[i].message, msg) && res.details[i].kind == DETAIL_CONSOLE;
	if (!tap_ok(found, "%s", msg))
		show();
}

int main(void)
{
	struct spec_pattern forbid = { .regex = (char *)"Run /init as init process" };
	struct spec_pattern expect = { .regex = (char *)"^ktstr-h5: init ran$" };
	struct spec_pattern expect_missing = { .regex = (char *)"sched_ext: BPF scheduler \"ktstr\" enabled" };
	struct spec_pattern allow = { .regex = (char *)"possible circular locking|kernel/sched/ext\\.c:1812" };
	struct spec_pattern bad = { .regex = (char *)"(unclosed" };
	struct spec_console c = { 0 };
	int n;

	tap_plan(20);
	n = gate("clean.log", NULL);
	if (!tap_ok(n == 0, "clean boot (with a clean sched_ext detach) passes the gate"))
		show();

	gate("oops.log", NULL);
	expect_msg("kernel BUG on console (line 348): \"[    5.912044] BUG: kernel NULL pointer dereference, address: 0000000000000008\"");
	expect_msg("kernel oops on console (line 352): \"[    5.912871] Oops: Oops: 0000 [#1] SMP NOPTI\"");
	expect_msg("kernel panic on console (line 365): \"[    5.915533] Kernel panic - not syncing: Fatal exception\" (+1 more line)");

	n = gate("scx-disable.log", NULL);
	expect_msg("sched_ext error on console (line 348): \"[   10.377120] sched_ext: BPF scheduler \"faulty\" disabled (runnable task stall)\"");
	tap_is_int(n, 1, "one detail for the sched_ext disable");

	gate("rcu-stall.log", NULL);
	expect_msg("RCU stall on console (line 348): \"[   27.031522] rcu: INFO: rcu_preempt self-detected stall on CPU\"");

	gate("splats.log", NULL);
	expect_msg("lockdep splat on console (line 348): \"[    5.101112] WARNING: possible circular locking dependency detected\" (+1 more line)");
	expect_msg("kernel warning on console (line 352): \"[    6.201001] WARNING: CPU: 0 PID: 98 at kernel/sched/ext.c:1812 dispatch_enqueue+0x2b1/0x3a0\"");
	expect_msg("hung task on console (line 355): \"[  126.400001] INFO: task ktstr-worker:115 blocked for more than 120 seconds.\"");
	expect_msg("KASAN report on console (line 359): \"[  130.500001] BUG: KASAN: slab-use-after-free in scx_bpf_dsq_insert+0x88/0x130\"");
	expect_msg("RCU stall on console (line 365): \"[  140.100001] rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 1-... } 21003 jiffies s: 93 root: 0x2/.\"");
	tap_is_int(res.ndetails, 5, "each splat is charged to exactly one kind");

	c.allow = &allow;
	c.nallow = 1;
	gate("splats.log", &c);
	tap_is_int(res.ndetails, 4, "the allow list exempts exactly the lines it matches");

	c = (struct spec_console){ .forbid = &forbid, .nforbid = 1 };
	gate("clean.log", &c);
	expect_msg("console: forbidden pattern /Run /init as init process/ matched (line 349): \"[    4.625744] Run /init as init process\"");

	c = (struct spec_console){ .expect = &expect, .nexpect = 1 };
	n = gate("clean.log", &c);
	tap_is_int(n, 0, "an expected line that appears passes (anchored per line, CRLF stripped)");
	c.expect = &expect_missing;
	gate("rcu-stall.log", &c);
	expect_msg("console: expected pattern /sched_ext: BPF scheduler \"ktstr\" enabled/ never appeared (360 lines)");

	c = (struct spec_console){ .forbid = &bad, .nforbid = 1 };
	n = gate("clean.log", &c);
	tap_ok(n == -EINVAL && res.ndetails == 1 &&
	       str_startswith(res.details[0].message, "console: invalid forbid pattern /(unclosed/: "),
	       "an invalid spec pattern is a failing detail");

	run_result__free(&res);
	n = check__console(NULL, NULL, 0, &res);
	expect_msg("console log missing or empty: kernel errors cannot be ruled out");
	run_result__free(&res);
	n = check__console(NULL, "", 0, &res);
	tap_is_int(n, 1, "an empty console log fails too");

	run_result__free(&res);
	return tap_done();
}
