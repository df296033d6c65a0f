#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# --retries end to end: a command that fails on its first attempt and passes
# on its second is FLAKY in the terminal summary, TAP, JUnit and result.json,
# exits 0, and keeps attempt 1's artifacts in attempt-1/. The command is
# honestly flaky the only way a fresh VM can be: it reads $KTSTR_ATTEMPT,
# which the guest agent exports to every command (ktstr-run(1)), so the
# outcome is deterministic without a test-only hook in ktstr-run.
. "${KTSTR_SRCDIR:-.}/tests/vm/lib.sh"

vm_require_kernel
tap_plan 11
T=1n1l2c1t
flaky='echo "attempt=$KTSTR_ATTEMPT"; [ "$KTSTR_ATTEMPT" -ge 2 ]'
d=$(vm_result_dir exec/$T)

# without retries the same command fails: what follows is not a PASS in disguise
vm_run -q --topology $T --exec -- /bin/sh -c "$flaky"
tap_is "$VM_RC" 1 "without --retries the command fails on its only attempt"

rm -rf "$VM_RESULTS"
vm_run --tap --junit "$VM_DIR/junit.xml" --runs-dir "$VM_DIR/runs" --retries 2 --topology $T \
	--exec -- /bin/sh -c "$flaky"
tap_is "$VM_RC" 0 "a test that passes on its retry exits 0 (FLAKY counts as passed)"
grep -q "^ok 1 - exec/$T" "$VM_DIR/out" && grep -q '^  status: FLAKY' "$VM_DIR/out"
tap_ok $? "TAP: ok, with status FLAKY in its YAML block" "$(head -20 "$VM_DIR/out")"
grep -q '1 test: 1 passed (1 flaky)' "$VM_DIR/err"
tap_ok $? "the summary counts it as passed and flaky" "$(tail -3 "$VM_DIR/err")"
python3 - "$VM_DIR/junit.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
tc = ET.parse(sys.argv[1]).getroot().find('.//testcase')
ff = tc.findall('flakyFailure')
assert len(ff) == 1 and ff[0].get('type') == 'FAIL', ET.tostring(tc)
assert tc.find('failure') is None and tc.find('error') is None
PY
tap_ok $? "JUnit: a passed testcase with one <flakyFailure> (Surefire's format)"
python3 - "$d/result.json" "$d" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
a = r['attempts']
assert r['status'] == 'FLAKY', r['status']
assert [x['status'] for x in a] == ['FAIL', 'PASS'], a
assert a[0]['dir'] == sys.argv[2] + '/attempt-1' and a[1]['dir'] == sys.argv[2], a
assert r['reason'].startswith('passed on attempt 2; attempt 1: FAIL'), r['reason']
PY
tap_ok $? "result.json: status FLAKY, attempts FAIL then PASS with their dirs" "$(cat "$d/result.json" 2>/dev/null | head -5)"
python3 - "$VM_DIR"/runs/*/run.json <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))['counts']
assert c['flaky'] == 1 and c['pass'] == 0 and c['fail'] == 0, c
PY
tap_ok $? "run.json (--runs-dir) counts the test as flaky" "$(cat "$VM_DIR"/runs/*/run.json 2>/dev/null | head -30)"
grep -qx 'attempt=1' "$d/attempt-1/output.log" 2>/dev/null && grep -qx 'attempt=2' "$d/output.log" 2>/dev/null
tap_ok $? "attempt 1's output is in attempt-1/, the last attempt's in the test's dir" "$(ls -R "$d" 2>/dev/null | tr '\n' ' ')"

# a test that never passes: every retry used, the last verdict stands
rm -rf "$VM_RESULTS"
vm_run -q --retries 1 --topology $T --exec -- /bin/false
tap_is "$VM_RC" 1 "a test failing every attempt still exits 1"
[ -d "$d/attempt-1" ] && [ ! -e "$d/attempt-2" ] && grep -q '"status": "FAIL"' "$d/result.json"
tap_ok $? "--retries 1: two attempts, attempt-1/ kept, status FAIL" "$(ls "$d" 2>/dev/null | tr '\n' ' ')"
vm_no_leftovers "retries"
tap_done
