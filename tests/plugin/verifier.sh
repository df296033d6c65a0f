#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# ktstr-run --verifier in real VMs (TCG): scx_ktstr attaches and every one of
# its struct_ops programs (read from its BPF object) is printed with the
# verifier's count, % of the 1M limit and its sizes, no workload runs, exit
# 0; faulty's fail-verify is refused by the verifier: nonzero exit with the
# verifier's reason. Two boots. Skipped without a kernel.
set -u
src=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KTSTR_BUILDDIR:-$src}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-verifier.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 14"
. "$src/tests/vm/kernel.sh"
kernel=$(test_kernel "$build")
[ -n "$kernel" ] || no_test_kernel "no sched_ext kernel (set KTSTR_TEST_KERNEL)"

# a workload that would take 60 s: --verifier must not run it
cat > "$tmp/ver-ok.yaml" <<EOF2
name: ver-ok
description: scx_ktstr's programs through the verifier
topology: 1n1l2c1t
duration: 60s
scheduler:
  plugin: scx_ktstr
cgroups:
  - name: cg_0
    workers: 2
EOF2
cat > "$tmp/ver-bad.yaml" <<EOF2
name: ver-bad
description: a program the verifier refuses
topology: 1n1l2c1t
duration: 60s
scheduler:
  plugin: faulty
  flags: [fail-verify]
cgroups:
  - name: cg_0
EOF2
readelf -SW "$build/plugins/scx_ktstr.bpf.o" >"$tmp/sections" 2>&1

run() {
	KTSTR_TEST_KERNEL=$kernel KTSTR_BUILDDIR=$build "$build/src/ktstr-run" -j 1 --verifier \
		--results-dir "$tmp/results-$1" "$tmp/$1.yaml" >"$tmp/$1.out" 2>&1
	echo $? >"$tmp/$1.rc"
}
run ver-ok
run ver-bad

python3 - "$tmp" <<'EOF2'
import json, re, sys

tmp = sys.argv[1]
def read(f):
    try:
        return open('%s/%s' % (tmp, f), errors='replace').read()
    except OSError:
        return ''

progs = sorted({m[:15] for m in re.findall(r'\] struct_ops(?:\.s)?/(\w+)', read('sections'))})
checks = []
def check(ok, what, got=''):
    checks.append((bool(ok), what, got))

out, rc = read('ver-ok.out'), read('ver-ok.rc').strip()
check(rc == '0', '--verifier exits 0 when the scheduler attaches', 'exit ' + rc)
rows = dict((m.group(1), m.groups()[1:]) for m in re.finditer(
    r'^  (\w+) +(\d+) +(\d+\.\d)% +(\d+) +(\d+)$', out, re.M))
check(len(progs) >= 5 and sorted(rows) == progs,
      'every struct_ops program of scx_ktstr is printed (%s)' % ', '.join(progs), sorted(rows))
check(rows and all(int(v[0]) > 0 and int(v[2]) > 0 and int(v[3]) > 0 for v in rows.values()),
      'each with verified insns, % of limit, xlated and JITed sizes', rows)
check(re.search(r'^=== BPF VERIFIER STATS: ver-ok ===$', out, re.M) and
      re.search(r'^  total verified insns: %d$' % sum(int(v[0]) for v in rows.values()), out, re.M),
      'ktstr-shaped header and total')
try:
    r = json.load(open('%s/results-ver-ok/ver-ok/result.json' % tmp))
except (OSError, ValueError):
    r = {}
run = (r.get('runs') or [{}])[0]
check(r.get('status') == 'PASS' and run.get('telemetry') is None and
      sorted(p['name'] for p in run.get('bpf_progs', [])) == progs,
      'no workload ran (no telemetry) and result.json has the programs', r.get('status'))
check('not evaluated' not in out and
      r.get('thresholds', {}).get('values', {}).get('max_imbalance_ratio', {}).get('evaluation') ==
      'not judged (--verifier: no workload ran)',
      'no monitor "not evaluated" line: the monitor is not judged without a workload',
      [l for l in out.splitlines() if 'not evaluated' in l])

out, rc = read('ver-bad.out'), read('ver-bad.rc').strip()
check(rc not in ('', '0'), '--verifier exits nonzero when the scheduler fails to load', 'exit ' + rc)
check('failed to attach' in out and 'faulty_enqueue' in out and 'BPF VERIFIER STATS' not in out and
      'not evaluated' not in out,
      "the verifier's refusal is the reason, and no figures or monitor line are printed")

print('1..%d' % len(checks))
for i, (ok, what, got) in enumerate(checks, 1):
    print('%s %d - %s' % ('ok' if ok else 'not ok', i, what))
    if not ok:
        print('  ---\n  got: %s\n  ...' % json.dumps(str(got)))
sys.exit(0 if all(c[0] for c in checks) else 1)
EOF2
rc=$?
if [ $rc != 0 ]; then
	sed 's/^/# ok: /' "$tmp/ver-ok.out" | tail -30
	sed 's/^/# bad: /' "$tmp/ver-bad.out" | tail -15
fi
exit $rc
