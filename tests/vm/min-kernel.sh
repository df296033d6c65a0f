#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# min_kernel: on a kernel older than the bound the test is a SKIP naming both
# versions, decided before any VM boots; a bound the kernel meets lets the test
# go on (here to the host-fit SKIP of a 128-vCPU guest, so no VM boots either).
. "${KTSTR_SRCDIR:-.}/tests/vm/lib.sh"

vm_require_kernel
tap_plan 2
cat >"$VM_DIR/new.yaml" <<'Y'
name: needs_new
min_kernel: 99.1
duration: 1s
Y
vm_run --accel tcg "$VM_DIR/new.yaml"
tap_ok "$([ "$VM_RC" -eq 77 ] && cat "$VM_DIR/out" "$VM_DIR/err" |
	grep -Eq "needs_new .*kernel [0-9]+\.[0-9]+[^ ]* is older than the spec's min_kernel 99\.1"; echo $?)" \
	"min_kernel 99.1: SKIP naming the kernel's version and the bound"
[ "$VM_RC" -eq 77 ] || vm_diag "$VM_DIR/err"
cat >"$VM_DIR/old.yaml" <<'Y'
name: old_ok
min_kernel: 3.10
topology: 1n4l32c1t
duration: 1s
Y
vm_run --accel tcg "$VM_DIR/old.yaml"
tap_ok "$([ "$VM_RC" -eq 77 ] && cat "$VM_DIR/out" "$VM_DIR/err" | grep -q "old_ok .*host cannot carry" &&
	! cat "$VM_DIR/out" "$VM_DIR/err" | grep -q "min_kernel"; echo $?)" \
	"min_kernel 3.10 is met: the test is not skipped for it"
tap_done
