#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The built-in scheduler plugins in real VMs (TCG) through ktstr-run:
# scx_ktstr attaches (state enabled, root/ops ktstr) and a steady spec
# passes under it; each fault of the faulty plugin fails its test with the
# kernel's reason (stall, scx_bpf_error), fails a check (concentrate:
# starvation, delay-dispatch-ms: gap) or errors with the verifier log;
# exec runs an external scheduler binary (scx_ktstr_bin) and reports its
# ejection (faulty_bin) from the kernel log; a plugin with a
# wrong ABI is refused before any VM boots. result.json carries every
# struct_ops program of scx_ktstr with the verifier's figures, for the
# plugin and the exec'd binary alike. Skipped without a kernel.
set -u
src=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KTSTR_BUILDDIR:-$src}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-plugin-vm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 14"
. "$src/tests/vm/kernel.sh"
kernel=$(test_kernel "$build")
[ -n "$kernel" ] || no_test_kernel "no sched_ext kernel (set KTSTR_TEST_KERNEL)"

spec() {
	cat > "$tmp/$1.yaml"
}
spec plug-scx <<EOF2
name: plug-scx
description: scx_ktstr keeps a steady load fair
topology: 1n2l1c1t
duration: 2s
scheduler:
  plugin: scx_ktstr
  watchdog_timeout: 4s
cgroups:
  - name: cg_0
    workers: 3
matrix:
  scheduler.flags: [[slice-ms=10], [llc, fifo]]
EOF2
spec plug-faulty <<EOF2
name: plug-faulty
description: each fault of the faulty scheduler
topology: 1n1l2c1t
duration: 6s
scheduler:
  plugin: faulty
  watchdog_timeout: 3s
cgroups:
  - name: cg_0
    workers: 2
matrix:
  scheduler.flags: [stall=1, error-after=50, fail-verify]
EOF2
spec plug-conc <<EOF2
name: plug-conc
description: faulty concentrate starves workers on CPU 0
topology: 1n1l2c1t
duration: 2s
scheduler:
  plugin: faulty
  flags: [concentrate]
  watchdog_timeout: 10s
cgroups:
  - name: cg_0
    workers: 4
EOF2
spec plug-delay <<EOF2
name: plug-delay
description: faulty delay-dispatch-ms holds workers back past max_gap_ms
topology: 1n1l2c1t
duration: 5s
scheduler:
  plugin: faulty
  flags: [delay-dispatch-ms=3500]
  watchdog_timeout: 10s
# Four workers on two CPUs: faulty has no SCX_OPS_ENQ_LAST, so a worker alone
# on its CPU keeps running through its slice ends and is held back only when
# something preempts it (with two workers, a busy host once let both run
# undisturbed: PASS); two of four always wait in the delay queue.
cgroups:
  - name: cg_0
    workers: 4
EOF2
spec plug-exec <<EOF2
name: plug-exec
description: an external scheduler binary through exec
topology: 1n1l2c1t
duration: 2s
scheduler:
  plugin: exec
  flags: [ops=ktstr]
  args: ["$build/plugins/scx_ktstr_bin", "--fifo"]
  watchdog_timeout: 4s
cgroups:
  - name: cg_0
    workers: 2
EOF2
spec plug-exec-faulty <<EOF2
name: plug-exec-faulty
description: an external scheduler the kernel ejects
topology: 1n1l2c1t
duration: 3s
scheduler:
  plugin: exec
  flags: [ops=faulty]
  args: ["$build/plugins/faulty_bin", "--flag", "error-after=50"]
  watchdog_timeout: 4s
cgroups:
  - name: cg_0
    workers: 2
EOF2
spec plug-abi <<EOF2
name: plug-abi
description: a plugin built for another ABI is refused
topology: 1n1l2c1t
duration: 1s
scheduler:
  plugin: $build/tests/plugin/.libs/wrong-abi.so
cgroups:
  - name: cg_0
EOF2

KTSTR_TEST_KERNEL=$kernel KTSTR_BUILDDIR=$build "$build/src/ktstr-run" -q -j 1 \
	--results-dir "$tmp/results" "$tmp"/plug-*.yaml >"$tmp/run.out" 2>&1
echo "# ktstr-run exited $?"

# scx_ktstr's struct_ops programs, from its BPF object (sections struct_ops/NAME)
readelf -SW "$build/plugins/scx_ktstr.bpf.o" >"$tmp/ktstr-sections" 2>&1

python3 - "$tmp/results" "$tmp/ktstr-sections" <<'EOF2'
import json, os, re, sys

results = sys.argv[1]
# the kernel keeps a program's name to 15 characters (BPF_OBJ_NAME_LEN)
ktstr_progs = sorted({m[:15] for m in re.findall(r'\] struct_ops(?:\.s)?/(\w+)', open(sys.argv[2]).read())})
byname, dirs = {}, {}
for root, _, files in os.walk(results):
    if 'result.json' in files:
        try:
            r = json.load(open(os.path.join(root, 'result.json')))
        except (OSError, ValueError):
            continue
        byname[r['name']] = r
        dirs[r['name']] = root

def text(name, f):
    try:
        return open(os.path.join(dirs[name], f), errors='replace').read()
    except (KeyError, OSError):
        return ''

def everything(name):
    r = byname.get(name) or {}
    return json.dumps(r) + text(name, 'agent.log')

checks = []
def check(ok, what, name):
    r = byname.get(name) or {}
    checks.append((bool(ok), what, '%s: %s' % (r.get('status'), r.get('reason'))))

for n in ('plug-scx/flags=slice-ms=10', 'plug-scx/flags=llc+fifo'):
    check(byname.get(n, {}).get('status') == 'PASS', '%s: steady spec passes' % n, n)
    check(re.search(r'scheduler attached.*ktstr \(state enabled, root/ops ktstr\)', text(n, 'agent.log')),
          '%s: sysfs state enabled and root/ops ktstr after attach' % n, n)
    check(re.search(r'"nr_enqueued": *[1-9]', text(n, 'sched_stats.json')), '%s: its counters moved' % n, n)

def progs(name):
    runs = (byname.get(name) or {}).get('runs') or [{}]
    return runs[0].get('bpf_progs') or []

for n in ('plug-scx/flags=slice-ms=10', 'plug-exec'):
    p = progs(n)
    check(len(ktstr_progs) >= 5 and sorted(x['name'] for x in p) == ktstr_progs,
          '%s: result.json lists every struct_ops program of scx_ktstr (%s)' % (n, ', '.join(ktstr_progs)), n)
    check(p and all(x['verified_insns'] > 0 and x['xlated_len'] > 0 and x['jited_len'] > 0 and
                    x['near_limit'] is False for x in p),
          '%s: each has verified_insns, xlated and JITed sizes from bpf_prog_info' % n, n)

n = 'plug-faulty/flags=stall=1'
check(byname.get(n, {}).get('status') == 'FAIL', 'faulty stall: FAIL', n)
check('runnable task stall' in everything(n), 'faulty stall: reason is the runnable task stall', n)
check('SCX_EXIT_ERROR_STALL' in everything(n), 'faulty stall: exit kind SCX_EXIT_ERROR_STALL', n)
check(text(n, 'sched_ext_dump.txt'), 'faulty stall: the kernel debug dump is an artifact', n)

n = 'plug-faulty/flags=error-after=50'
check(byname.get(n, {}).get('status') == 'FAIL', 'faulty error-after: FAIL', n)
check('faulty: error-after: 50 events reached' in everything(n),
      "faulty error-after: reason carries scx_bpf_error's message", n)

n = 'plug-faulty/flags=fail-verify'
check(byname.get(n, {}).get('status') == 'ERROR', 'faulty fail-verify: ERROR', n)
vl = text(n, 'verifier.log')
check('BEGIN PROG LOAD LOG' in vl and 'faulty_enqueue' in vl and len(vl.splitlines()) < 80,
      'faulty fail-verify: the trimmed verifier log is an artifact', n)
details = ' '.join(d.get('message', '') if isinstance(d, dict) else str(d)
                   for run in byname.get(n, {}).get('runs', []) for d in run.get('details', []))
check('BEGIN PROG LOAD LOG' in details and 'faulty_enqueue' in details,
      "faulty fail-verify: the ERROR's report carries the verifier log", n)

n = 'plug-conc'
check(byname.get(n, {}).get('status') == 'FAIL' and re.search(r'starved', everything(n)),
      'faulty concentrate: FAIL, workers starve', n)
n = 'plug-delay'
# Held back 3.5 s at a time: a long gap, or no turn at all within the run.
check(byname.get(n, {}).get('status') == 'FAIL' and re.search(r'stuck \d+ms on cpu|starved', everything(n)),
      'faulty delay-dispatch-ms: FAIL on the gap (or starvation) check', n)

n = 'plug-exec'
check(byname.get(n, {}).get('status') == 'PASS', 'exec: steady spec passes under scx_ktstr_bin', n)
check('scx_ktstr: attached' in text(n, 'scheduler.out'), "exec: the binary's output is an artifact", n)
check(re.search(r'scheduler attached.*scx_ktstr_bin \(state enabled, root/ops ktstr\)', text(n, 'agent.log')),
      'exec: attach seen in sysfs', n)

n = 'plug-exec-faulty'
check(byname.get(n, {}).get('status') == 'FAIL', 'exec ejected: FAIL', n)
check('SCX_EXIT_ERROR_BPF' in everything(n) and 'faulty: error-after: 50 events reached' in everything(n),
      "exec ejected: kind and message from the kernel log", n)
check(text(n, 'sched_ext_dump.txt'), 'exec ejected: the sched_ext_dump tracepoint is an artifact', n)
check('faulty: SCX_EXIT_ERROR_BPF' in text(n, 'scheduler.out'), "exec ejected: the binary's own account", n)

n = 'plug-abi'
r = byname.get(n, {})
check(r.get('status') == 'ERROR' and re.search(r"plugin 'wrong-abi' .* ABI version 999, this ktstr speaks ABI version 1",
                                               r.get('reason') or ''),
      'wrong ABI: refused with a clear message', n)

print('1..%d' % len(checks))
for i, (ok, what, why) in enumerate(checks, 1):
    print('%s %d - %s' % ('ok' if ok else 'not ok', i, what))
    if not ok:
        print('  ---\n  got: %s\n  ...' % json.dumps(why))
sys.exit(0 if all(c[0] for c in checks) else 1)
EOF2
rc=$?
[ $rc = 0 ] || sed 's/^/# /' "$tmp/run.out" | tail -40
exit $rc
