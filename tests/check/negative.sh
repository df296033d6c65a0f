#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Negative controls in real VMs (TCG): every spec in tests/check/vm/ provokes
# failing checks on purpose; its .expect file names the status and, per
# check, the cgroup and a regex the diagnostic must match. The specs run in
# one ktstr-run call (few VMs); the assertions read each result.json.
# Skipped when no kernel is available.
set -u
src=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KTSTR_BUILDDIR:-$src}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-negative.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 14"
. "$src/tests/vm/kernel.sh"
kernel=$(test_kernel "$build")
[ -n "$kernel" ] || no_test_kernel "no kernel (set KTSTR_TEST_KERNEL)"
# An .expect file may say "needs PATH" (relative to the build tree, e.g. a
# plugin): without it the spec is not run and its checks are skipped.
# KTSTR_NEGATIVE_ONLY="name ..." runs only those specs (to try a few controls by hand).
specs= skipped=
for s in "$src"/tests/check/vm/*.yaml; do
	e=${s%.yaml}.expect
	[ -e "$e" ] || continue
	case " ${KTSTR_NEGATIVE_ONLY:-$(basename "$s" .yaml)} " in
	*" $(basename "$s" .yaml) "*) ;;
	*) continue ;;
	esac
	missing=
	for need in $(sed -n 's/^needs //p' "$e"); do
		[ -e "$build/$need" ] || missing="$missing $need"
	done
	if [ -n "$missing" ]; then
		skipped="$skipped $(basename "$s" .yaml):$missing"
	else
		specs="$specs $s"
	fi
done
if [ -z "$specs" ]; then
	echo "1..0 # SKIP nothing to run:$skipped"
	exit 0
fi
[ -z "$skipped" ] || echo "# not run (missing$skipped)"
# shellcheck disable=SC2086
KTSTR_TEST_KERNEL=$kernel "$build/src/ktstr-run" -q -j 1 --results-dir "$tmp/results" \
	--junit "$tmp/junit.xml" $specs >"$tmp/run.out" 2>&1
echo "# ktstr-run exited $?"

python3 - "$tmp/results" $specs <<'EOF'
import json, os, re, sys

results, specs = sys.argv[1], sys.argv[2:]
byname = {}
for root, dirs, files in os.walk(results):
    if 'result.json' in files:
        try:
            r = json.load(open(os.path.join(root, 'result.json')))
            byname[r['name']] = r
        except (OSError, ValueError, KeyError):
            pass
def num(v, f):
    return 'null' if v is None else f % v

def monitor_line(m):
    # "SUMMARY: N samples; state=S max_imbalance_ratio=X ... " for "monitor REGEX"
    if not m:
        return '(no monitor record)'
    p = m.get('peaks') or {}
    w = m.get('window') or {}
    return ('%s: %d samples; state=%s max_imbalance_ratio=%s max_local_dsq_depth=%s '
            'longest_stall_samples=%s fallback_rate=%s keep_last_rate=%s ' % (
                m.get('summary'), w.get('end', 0) - w.get('start', 0), m.get('state'),
                num(p.get('max_imbalance_ratio'), '%.2f'), p.get('max_local_dsq_depth'),
                p.get('longest_stall_samples'), num(p.get('fallback_rate'), '%.1f'),
                num(p.get('keep_last_rate'), '%.1f')))

lines = []
for spec in specs:
    # "test NAME" switches to another expanded test (matrix); the default is
    # the test named like the spec file.
    name = os.path.basename(spec)[:-len('.yaml')]
    for raw in open(spec[:-len('.yaml')] + '.expect'):
        raw = raw.rstrip('\n')
        if not raw or raw.startswith('#'):
            continue
        if raw.startswith('needs '):
            continue
        if raw.startswith('test '):
            name = raw.split(' ', 1)[1]
            continue
        r = byname.get(name)
        details = [d for run in (r or {}).get('runs', []) for d in run['details']]
        if raw.startswith('status '):
            want = raw.split()[1]
            got = r and r['status']
            lines.append((got == want, '%s: status %s' % (name, want),
                          'got %s: %s' % (got, r and r.get('reason'))))
            continue
        if raw.startswith('reason '):
            regex = raw.split(' ', 1)[1]
            got = r and r.get('reason') or ''
            lines.append((re.search(regex, got) is not None, '%s: reason %s' % (name, regex),
                          'reason: %s' % got))
            continue
        if raw.startswith('stat '):
            # stat CGROUP FIELD OP NUMBER: a figure of the cgroup's statistics
            # in every run (a positive control must have measured something)
            _, cg, field, op, want = raw.split()
            ops = {'==': float.__eq__, '<=': float.__le__, '>=': float.__ge__,
                   '<': float.__lt__, '>': float.__gt__}
            got = [c.get(field) for run in (r or {}).get('runs', [])
                   for c in run.get('cgroups', []) if c.get('name') == cg]
            ok = bool(got) and all(g is not None and ops[op](float(g), float(want)) for g in got)
            lines.append((ok, '%s: %s %s %s %s' % (name, cg, field, op, want), 'got %r' % got))
            continue
        if raw.startswith('ratio '):
            # ratio CGROUP METRIC OP NUMBER: 'baseline: eevdf' measured the
            # cgroup's METRIC against EEVDF's in every run, and the ratio holds
            _, cg, metric, op, want = raw.split()
            ops = {'<=': float.__le__, '>=': float.__ge__, '<': float.__lt__, '>': float.__gt__}
            got = [x.get('ratio') for run in (r or {}).get('runs', [])
                   for x in (run.get('baseline') or {}).get('ratios', [])
                   if x.get('cgroup') == cg and x.get('metric') == metric]
            ok = bool(got) and all(g is not None and ops[op](float(g), float(want)) for g in got)
            lines.append((ok, '%s: %s %s ratio to EEVDF %s %s' % (name, cg, metric, op, want),
                          'got %r' % got))
            continue
        if raw.startswith('monitor '):
            regex = raw.split(' ', 1)[1]
            runs = (r or {}).get('runs') or [{}]
            got = monitor_line(runs[0].get('monitor'))
            lines.append((re.search(regex, got) is not None, '%s: monitor %s' % (name, regex),
                          'monitor: %s' % got))
            continue
        if raw.startswith('eval '):
            _, check, regex = raw.split(' ', 2)
            got = ((((r or {}).get('thresholds') or {}).get('values') or {}).get(check) or {}).get('evaluation') or ''
            lines.append((re.search(regex, got) is not None, '%s: %s evaluated %s' % (name, check, regex),
                          'evaluation: %s' % got))
            continue
        if raw.startswith('pass '):
            check = raw.split()[1]
            bad = [d['message'] for d in details if d['check'] == check]
            lines.append((r is not None and not bad, '%s: %s holds' % (name, check), 'details: %r' % bad))
            continue
        check, cgroup, regex = raw.split(' ', 2)
        cg = None if cgroup == '-' else cgroup
        hit = [d for d in details if d['check'] == check and d['cgroup'] == cg
               and re.search(regex, d['message'])]
        lines.append((bool(hit), '%s: %s fails in %s' % (name, check, cgroup),
                      'details: %r' % [(d['check'], d['cgroup'], d['message']) for d in details]))
print('1..%d' % len(lines))
for i, (ok, desc, why) in enumerate(lines, 1):
    print('%s %d - %s' % ('ok' if ok else 'not ok', i, desc))
    if not ok:
        print('  ---\n  why: %s\n  ...' % json.dumps(why))
EOF
sed 's/^/# /' "$tmp/run.out" | tail -60
exit 0
