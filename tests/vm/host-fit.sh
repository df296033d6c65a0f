#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A guest the host cannot carry under TCG (128 vCPUs: the cost model's boot
# is past the 120 s boot timeout) is a SKIP saying so, before any VM boots;
# a longer --boot-timeout makes it fit. No VM boots here.
. "${KTSTR_SRCDIR:-.}/tests/vm/lib.sh"

vm_require_kernel
tap_plan 2
cat >"$VM_DIR/big.yaml" <<'Y'
name: big
topology: 1n4l32c1t
duration: 1s
Y
vm_run --accel tcg "$VM_DIR/big.yaml"
tap_ok "$([ "$VM_RC" -eq 77 ] && cat "$VM_DIR/out" "$VM_DIR/err" | grep -q "big .*host cannot carry 128 vCPUs under TCG"; echo $?)" \
	"128 vCPUs: SKIP, the host cannot carry them"
[ "$VM_RC" -eq 77 ] || vm_diag "$VM_DIR/err"
vm_run --accel tcg --list --budget 10m "$VM_DIR/big.yaml"
tap_is "$VM_RC" 0 "--list still lists it"
tap_done
