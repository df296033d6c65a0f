#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The reports validate: TAP through automake's tap-driver.sh, JUnit XML and the
# JSON result files through python3's parsers, the text report's ktstr shape.
set -u
src=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KTSTR_BUILDDIR:-$src}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-report.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; fail=1; }
check() { if eval "$1"; then ok "$2"; else notok "$2"; fi; }
fail=0

echo "TAP version 14"
echo "1..23"
"$build/tests/check/report-emit" "$tmp" "$src/tests/check/data/repro-trace.txt" >"$tmp/tap.out" 2>"$tmp/text.out"
check "test \$? -eq 0" "report-emit wrote every report"

# automake's TAP driver must parse it: 2 ok (one a SKIP), 4 not ok, no ERROR.
env AM_TAP_AWK="${AWK:-awk}" sh "$src/build-aux/tap-driver.sh" --test-name report \
	--log-file "$tmp/driver.log" --trs-file "$tmp/driver.trs" --color-tests no \
	--enable-hard-errors yes --expect-failure no -- cat "$tmp/tap.out" >"$tmp/driver.out" 2>&1
check "grep -c '^:test-result: PASS' '$tmp/driver.trs' | grep -qx 2" "tap-driver: 2 PASS"
check "grep -c '^:test-result: SKIP' '$tmp/driver.trs' | grep -qx 1" "tap-driver: 1 SKIP"
check "grep -c '^:test-result: FAIL' '$tmp/driver.trs' | grep -qx 6" "tap-driver: 6 FAIL (FAIL, ERROR, TIMEOUT, failed repeat, monitor, payload)"
check "! grep -q '^:test-result: ERROR' '$tmp/driver.trs'" "tap-driver: no protocol errors (plan, YAML, directives)"

check "python3 - '$tmp/junit.xml' <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
s = root.find('testsuite')
want = dict(tests='9', failures='4', errors='2', skipped='1')
assert all(s.get(k) == v for k, v in want.items()), s.attrib
cases = s.findall('testcase')
assert len(cases) == 9
assert cases[1].find('failure').get('message') == 'stuck 3500ms on cpu1 at +1200ms'
assert cases[2].get('name') == 'skip/<needs sched_ext> & \"more\"'
assert cases[2].find('skipped') is not None
assert cases[3].find('error').get('type') == 'ERROR'
assert cases[4].find('error').get('type') == 'TIMEOUT'
assert '?' in cases[3].find('system-out').text
f = cases[6].find('failure')
assert f.get('message').startswith('imbalance ratio 9.0 exceeded threshold 4.0 for 6 consecutive samples')
assert '--- monitor ---' in f.text and 'peaks: imbalance 9.0, local DSQ 8 on cpu0' in f.text
prop = cases[6].find('properties/property')
assert prop.get('name') == 'monitor' and prop.get('value').startswith('monitor FAILED: 1 violation(s): 9 samples'), prop.attrib
assert '; peaks: imbalance 9.0' in prop.get('value')
props = {p.get('name'): p.get('value') for p in cases[1].findall('properties/property')}
assert props == {'auto_repro.rerun': 'FAIL: runnable task stall', 'auto_repro.tasks': '5',
                 'auto_repro.events': props.get('auto_repro.events'),
                 'auto_repro.artifact': 'results/fail_1n1l2c1t/auto-repro.json'}, props
assert int(props['auto_repro.events']) > 0
props = {p.get('name'): p.get('value') for p in cases[7].findall('properties/property')}
assert props == {'payload.stress.exit': '0', 'payload.stress.metrics.0.bogo-ops': '41.2',
                 'payload.stress.metrics.0.bogo-ops-per-second-real-time': '20.6',
                 'payload.stress.metrics.0.wall-clock-time': '2'}, props
assert '--- payloads ---' in cases[7].find('failure').text
props = {p.get('name'): p.get('value') for p in cases[0].findall('properties/property')}
assert props == {'verified_insns.ktstr_enqueue': '74', 'verified_insns.ktstr_below': '749999',
                 'verified_insns.ktstr_at': '750000'}, props
assert cases[0].find('failure') is None and cases[0].find('error') is None
EOF" "JUnit XML parses with the right counts, kinds and escaped names"

check "python3 - '$tmp' <<'EOF'
import sys, json
d = sys.argv[1]
r = json.load(open(d + '/1.json'))
assert r['version'] == 1 and r['kind'] == 'ktstr-result'
assert r['status'] == 'FAIL' and r['reason'] == 'stuck 3500ms on cpu1 at +1200ms', r['reason']
th = r['thresholds']
assert th['relaxed'] is True and th['values']['max_gap_ms']['value'] == 3000
assert th['values']['max_imbalance_ratio']['evaluation'] == 'not evaluated (no monitor data)'
run = r['runs'][0]
assert run['details'][0]['kind'] == 'stuck' and run['details'][0]['check'] == 'max_gap_ms'
assert run['cgroups'][0]['max_gap_ms'] == 3500
assert run['telemetry']['events'][1]['label'] == 'set_cpuset'
assert r['spec']['topology'] == '1n1l2c1t'
for i in (0, 2, 3, 4):
    json.load(open('%s/%d.json' % (d, i)))
mon = json.load(open(d + '/6.json'))
m = mon['runs'][0]['monitor']
assert m['state'] == 'on' and m['summary'] == 'monitor FAILED: 1 violation(s)', m['summary']
assert m['peaks']['max_imbalance_ratio'] == 9.0 and m['peaks']['max_local_dsq_depth'] == 8
assert m['window'] == {'start': 1, 'end': 10} and len(m['series']['nr_running']) == 9
assert m['series']['nr_running'][1] == [9, 1] and m['kernel']['paging_levels'] == 5
assert mon['runs'][0]['details'][0]['kind'] == 'monitor'
assert mon['runs'][0]['details'][0]['check'] == 'max_imbalance_ratio'
assert mon['thresholds']['values']['max_imbalance_ratio']['evaluation'] == 'on'
assert r['runs'][0]['monitor'] is None
p = json.load(open(d + '/0.json'))
assert p['status'] == 'PASS'
progs = {x['name']: x for x in p['runs'][0]['bpf_progs']}
assert progs['ktstr_enqueue']['verified_insns'] == 74 and progs['ktstr_enqueue']['near_limit'] is False
assert progs['ktstr_below']['near_limit'] is False and progs['ktstr_at']['near_limit'] is True
assert progs['ktstr_at']['verified_pct'] == 75.0 and progs['ktstr_at']['xlated_len'] == 592
assert r['runs'][0]['bpf_progs'] == []
assert r['minor_version'] == 7
a = r['auto_repro']
assert a['rerun'] == 'FAIL: runnable task stall' and a['trigger'] == 'disabled: SCX_EXIT_ERROR_STALL'
assert 'scx_do_enqueue_task' in a['probed'] and a['error'] is None
assert {'function': '__run_timers', 'why': 'not a probeable kernel function here'} in a['refused'], a['refused']
assert a['tasks'] == 5 and a['events'] > 0 and 'task_events' not in a
assert a['artifacts'] == {'text': 'results/fail_1n1l2c1t/auto-repro.txt', 'json': 'results/fail_1n1l2c1t/auto-repro.json'}
assert p.get('auto_repro', 0) is None
pay = json.load(open(d + '/7.json'))['runs'][0]['payloads'][0]
assert pay['exit_check'] == {'expected': 0, 'ok': True}, pay['exit_check']
assert pay['checks'] == [
    {'metric': 'metrics.0.bogo-ops', 'check': 'min 1', 'value': 41.2, 'verdict': 'ok'},
    {'metric': 'metrics.0.bogo-ops-per-second-real-time', 'check': 'max 10', 'value': 20.6, 'verdict': 'failed'},
    {'metric': 'metrics.0.missing', 'check': 'exists', 'value': None, 'verdict': 'not found'}], pay['checks']
ok = json.load(open(d + '/8.json'))
assert ok['status'] == 'PASS' and [c['verdict'] for c in ok['runs'][0]['payloads'][0]['checks']] == ['ok', 'ok']
rep = json.load(open(d + '/5.json'))
assert [x['status'] for x in rep['runs']] == ['PASS', 'FAIL'] and rep['status'] == 'FAIL'
assert rep['runs'][0]['cgroups'][0]['max_gap_ms'] == 20
EOF" "JSON result files parse and carry verdict, thresholds, figures, timeline"

check "grep -q \"^ktstr 'fail/1n1l2c1t' \\[sched=scx_ktstr\\] \\[topo=1n1l2c1t\\] failed:\$\" '$tmp/text.out'" \
	"text: ktstr failure header"
check "grep -q '^  cg_0: workers=2 cpus=2 spread=0.0% gap=3500ms migrations=0 iter=1400\$' '$tmp/text.out'" \
	"text: --- stats --- block"
check "grep -q '^  +0.500s op set_cpuset: cg_0 cpuset 0-1 -> 1\$' '$tmp/text.out'" "text: --- timeline ---"
check "grep -q 'thresholds relaxed for TCG' '$tmp/text.out' && grep -q '^# thresholds relaxed for TCG' '$tmp/tap.out'" \
	"TCG relaxation is said in text and TAP"
check "test \$(grep -c 'pass/1n1l2c1t: boot' '$tmp/text.out') -eq 1" "plain progress prints each phase once"
check "grep -q \"^ktstr 'timeout/run' \\[topo=1n1l2c1t\\] timed out during run:\$\" '$tmp/text.out'" \
	"text: a TIMEOUT names its phase"
check "grep -q '^not evaluated (no monitor data): max_imbalance_ratio, max_local_dsq_depth, fail_on_stall, sustained_samples, work_conservation, max_fallback_rate, max_keep_last_rate\$' '$tmp/text.out' &&
       grep -q '^  not_evaluated: \"max_imbalance_ratio, .* (no monitor data)\"\$' '$tmp/tap.out'" \
	"monitor thresholds are reported as not evaluated, never passed"
check "grep -q '^--- monitor ---\$' '$tmp/text.out' &&
       grep -q '^monitor FAILED: 1 violation(s): 9 samples while the workload ran (10 taken, every 100 ms)\$' '$tmp/text.out'" \
	"text: --- monitor --- with the verdict, samples and peaks"
check "grep -q '^  imbalance ratio 9.0 exceeded threshold 4.0 for 6 consecutive samples (ending at sample 7)\$' '$tmp/text.out'" \
	"text: the monitor's violation in ktstr's words"
check "grep -q '^      monitor:\$' '$tmp/tap.out' && grep -q '^        summary: \"monitor FAILED: 1 violation(s)\"\$' '$tmp/tap.out' &&
       grep -q '^        max_imbalance_ratio: 9.00\$' '$tmp/tap.out'" \
	"TAP: the run's monitor figures in its YAML block"
check "grep -qx '  warning: verifier: ktstr_at: 75.0% of 1M limit (750000 verified insns)' '$tmp/text.out' &&
       ! grep -q 'warning: verifier: ktstr_below' '$tmp/text.out' &&
       ! grep -q 'warning: verifier: ktstr_enqueue' '$tmp/text.out' &&
       grep -q '^   PASS .* pass/1n1l2c1t\$' '$tmp/text.out'" \
	"text: a program at 75% of the verifier's limit is a warning on a PASS, 74.9999% is not"
check "grep -q '^--- verifier ---\$' '$tmp/text.out' &&
       grep -q '^  ktstr_dispatch  *801000  *80.1%  *592  *300 !\$' '$tmp/text.out' &&
       grep -qx '  WARNING: programs near verifier complexity limit:' '$tmp/text.out' &&
       grep -qx '    ktstr_dispatch: 80.1% of 1M limit (801000 verified insns)' '$tmp/text.out'" \
	"text: a failure's --- verifier --- table and ktstr's WARNING block"
check "grep -q '^  run 1/2: PASS\$' '$tmp/text.out' && grep -q '^  run 2/2: FAIL\$' '$tmp/text.out'" \
	"text: repeats show each run's status"
check "grep -q '^--- stats --- (run 1)\$' '$tmp/text.out' && grep -q '^--- stats --- (run 2)\$' '$tmp/text.out'" \
	"text: repeats show every run's figures"
check "grep -qx '  payload stress: exit 0 (expected 0: ok); metrics.0.bogo-ops = 41.2 (min 1: ok); metrics.0.bogo-ops-per-second-real-time = 20.6 (max 10: failed); metrics.0.missing (exists: not found); metrics.0.wall-clock-time = 2 (lower_better); metrics.0.user-time = 1.9' '$tmp/text.out' &&
       grep -q '^--- payloads ---\$' '$tmp/text.out'" \
	"text: a failure's --- payloads --- names each metric with its checks and verdicts"
check "grep -A1 '^   PASS .* payload-pass/1n1l2c1t\$' '$tmp/text.out' |
       grep -qx '  payload stress: exit 0 (expected 0: ok); metrics.0.bogo-ops = 41.2 (min 1: ok); metrics.0.bogo-ops-per-second-real-time = 20.6 (max 100: ok); metrics.0.wall-clock-time = 2 (lower_better); metrics.0.user-time = 1.9'" \
	"text: a passing test's line is followed by its payloads' metrics"

if [ $fail -ne 0 ]; then
	echo "# --- tap ---"; sed 's/^/# /' "$tmp/tap.out"
	echo "# --- text ---"; sed 's/^/# /' "$tmp/text.out"
	echo "# --- driver ---"; sed 's/^/# /' "$tmp/driver.trs" "$tmp/driver.out"
fi
exit 0
