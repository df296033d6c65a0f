#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A spec's payload binary reaches the guest even when it lives under /tmp on
# the host (the agent mounts a tmpfs over the guest's /tmp), runs in its
# cgroup, and its exit status and output come back in the op timeline.
. "${KTSTR_SRCDIR:-.}/tests/vm/lib.sh"

vm_require_kernel
tap_plan 4

pdir=$(mktemp -d /tmp/ktstr-payload.XXXXXX)
trap 'rm -rf "$pdir"; vm_cleanup' EXIT
cp /bin/echo "$pdir/say"
cat >"$pdir/p.yaml" <<EOT
name: payload
topology: 1n1l2c1t
duration: 2s
payloads:
  - name: say
    path: $pdir/say
    args: [payload-from-tmp]
cgroups:
  - name: cg_0
steps:
  - name: start
    hold: 1s
    ops: [run_payload say cg_0]
  - name: wait
    hold: 1s
    ops: [wait_payload say cg_0]
EOT

vm_run -q "$pdir/p.yaml"
tap_is "$VM_RC" 0 "a spec with a payload under /tmp passes"
[ "$VM_RC" -eq 0 ] || vm_diag "$VM_DIR/err"
r=$(vm_result_dir payload)/result.json
python3 - "$r" >"$VM_DIR/events" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for e in d["runs"][0]["telemetry"]["events"]:
    print(e["label"], "|", e["detail"].replace("\n", " "))
PY
grep -q '^run_payload | .*/ktstr/payloads/say in cg_0' "$VM_DIR/events"
tap_ok $? "run_payload started it from /ktstr/payloads in cg_0"
grep -q "^payload | 'say': exit code 0 after .*payload-from-tmp" "$VM_DIR/events"
tap_ok $? "wait_payload reports its exit status and output"
[ $? -eq 0 ] || vm_diag "$VM_DIR/events"
vm_no_leftovers payload
tap_done
