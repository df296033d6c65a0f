#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Payload metrics end to end: the shipped stress-ng example (its YAML
# metrics checked with min) passes, with its metrics and their polarity in
# result.json; the same payload with an impossible min fails naming the
# metric, and a payload that exits 3 fails 'exit_code: 0' (one boot for
# both failures, to keep TCG time down).
. "${KTSTR_SRCDIR:-.}/tests/vm/lib.sh"

vm_require_kernel
[ -x /usr/bin/stress-ng ] || skip_all "stress-ng is not installed (.ci/install-deps installs it)"
tap_plan 6

ex=$KTSTR_SRCDIR/specs/payloads/stress-ng.yaml
# the failing twin: bogo-ops at least 1e12, and a payload that exits 3
sed -e 's/^name: payload_stress_ng/name: payload_bad/' \
    -e '/name: metrics.0.bogo-ops$/,/min:/s/min: 1$/min: 1e12/' "$ex" >"$VM_TMP/bad.yaml"
python3 - "$VM_TMP/bad.yaml" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("payloads:\n", "payloads:\n  - name: three\n    path: /bin/sh\n"
              "    args: [-c, 'echo broken >&2; exit 3']\n    exit_code: 0\n", 1)
s = s.replace("      - wait_payload stress\n",
              "      - wait_payload stress\n      - run_payload three\n      - wait_payload three\n", 1)
open(p, "w").write(s)
PY

vm_run -q -j 2 "$ex" "$VM_TMP/bad.yaml"
tap_is "$VM_RC" 1 "the example passes and its twin fails (exit 1)"
[ "$VM_RC" -eq 1 ] || vm_diag "$VM_DIR/err"
python3 - "$(vm_result_dir payload_stress_ng)/result.json" "$(vm_result_dir payload_bad)/result.json" \
	>"$VM_DIR/summary" 2>&1 <<'PY'
import json, sys
good, bad = (json.load(open(p)) for p in sys.argv[1:3])
print("good", good["status"])
for p in good["runs"][0].get("payloads", []):
    m = p["metrics"].get("metrics.0.bogo-ops-per-second-real-time")
    print("metric", p["name"], p["exit_code"], p["stream"], "bogo_ops_per_s" if m and m > 0 else "none",
          p["polarity"].get("metrics.0.bogo-ops-per-second-real-time"))
print("bad", bad["status"])
for d in bad["runs"][0]["details"]:
    print("detail", d["check"], "|", d["message"].replace("\n", " "))
PY
grep -q '^good PASS$' "$VM_DIR/summary"
tap_ok $? "the stress-ng example passes"
grep -q '^metric stress 0 stdout bogo_ops_per_s higher_better$' "$VM_DIR/summary"
tap_ok $? "its bogo-ops per second are in result.json, read from stdout, higher_better"
grep -q '^bad FAIL$' "$VM_DIR/summary"
tap_ok $? "the twin fails"
grep -q "^detail payload | payload 'stress': metric 'metrics.0.bogo-ops' = [0-9.e+]* below minimum 1e+12$" "$VM_DIR/summary"
tap_ok $? "the impossible min fails naming the metric"
grep -q "^detail payload | payload 'three' exited with code 3, expected 0; stderr: broken$" "$VM_DIR/summary"
tap_ok $? "exit code 3 fails 'exit_code: 0' with its stderr"
[ $? -eq 0 ] || vm_diag "$VM_DIR/summary" 40
tap_done
