#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The host's sched_ext watchdog override in real VMs (TCG): the faulty
# scheduler sets its own ops.timeout_ms (own-timeout-ms=10000) and reads
# none of the spec's settings, as an external scheduler binary would; the
# spec asks watchdog_timeout 2s, which only the host can apply, by writing
# scx_sched.watchdog_timeout (and scx_watchdog_interval) in guest memory.
#  - wd-stall (stall=1): the kernel ejects it with "runnable task stall"
#    for a task stuck less than its own 10 s: at the first check (due 5 s
#    after attach). Without the override the kernel needs 10 s, and says so
#    ("failed to run for 10.2s", measured).
#  - wd-healthy: the lowered timeout does not eject a healthy scheduler.
#    The check the kernel queued at attach still runs 5 s later; without the
#    host moving scx_watchdog_timestamp to that time, scx_tick() ejects it
#    after 2 s ("watchdog failed to check in for 2.004s", measured).
# Skipped without a kernel.
set -u
src=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KTSTR_BUILDDIR:-$src}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-watchdog-vm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 14"
. "$src/tests/vm/kernel.sh"
kernel=$(test_kernel "$build")
[ -n "$kernel" ] || no_test_kernel "no sched_ext kernel (set KTSTR_TEST_KERNEL)"
[ -e "$build/plugins/faulty.la" ] || { echo "1..0 # SKIP no faulty plugin built"; exit 0; }

for t in stall healthy; do
	flags="[stall=1, own-timeout-ms=10000]"
	[ $t = healthy ] && flags="[own-timeout-ms=10000]"
	cat > "$tmp/wd-$t.yaml" <<EOF2
name: wd-$t
description: the host's watchdog override on a scheduler with its own timeout
topology: 1n1l2c1t
duration: 7s
scheduler:
  plugin: faulty
  flags: $flags
  watchdog_timeout: 2s
cgroups:
  - name: cg_0
    workers: 2
EOF2
done

KTSTR_TEST_KERNEL=$kernel KTSTR_BUILDDIR=$build "$build/src/ktstr-run" -q -j 2 \
	--results-dir "$tmp/results" "$tmp"/wd-*.yaml >"$tmp/run.out" 2>&1
echo "# ktstr-run exited $?"

python3 - "$tmp/results" <<'EOF2'
import json, os, re, sys

res = sys.argv[1]
def load(name, f='result.json'):
    try:
        return json.load(open(os.path.join(res, name, f)))
    except (OSError, ValueError):
        return {}

checks = []
def check(ok, what, got):
    checks.append((bool(ok), what, got))

override = r'^scx_sched\.watchdog_timeout = 500 jiffies, read back, scx_watchdog_interval = 250; ' \
           r'the check queued for \d+ jiffies ahead keeps its time \(2000 ms at HZ 250;'
for n in ('wd-stall', 'wd-healthy'):
    r = load(n)
    wd = ((r.get('runs') or [{}])[0].get('monitor') or {}).get('watchdog_override', '')
    check(re.search(override, wd), '%s: result.json records the override written and read back' % n, wd)
    wt = load(n, 'timings.json').get('watchdog_override', '')
    check(wt == wd, '%s: timings.json records the same' % n, wt)

r = load('wd-stall')
m = re.search(r'runnable task stall: \S+ failed to run for (\d+\.\d+)s', r.get('reason') or '')
check(r.get('status') == 'FAIL' and m, 'wd-stall: FAIL, ejected for a runnable task stall', r.get('reason'))
check(m and float(m.group(1)) < 9.0,
      "wd-stall: the stuck task waited less than the scheduler's own 10 s timeout", r.get('reason'))

r = load('wd-healthy')
check(r.get('status') == 'PASS', 'wd-healthy: PASS (no "watchdog failed to check in")', r.get('reason'))

print('1..%d' % len(checks))
for i, (ok, what, got) in enumerate(checks, 1):
    print('%s %d - %s' % ('ok' if ok else 'not ok', i, what))
    if not ok:
        print('  ---\n  got: %s\n  ...' % json.dumps(got))
sys.exit(0 if all(c[0] for c in checks) else 1)
EOF2
rc=$?
[ $rc = 0 ] || sed 's/^/# /' "$tmp/run.out" | tail -40
exit $rc
