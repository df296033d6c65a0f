#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Boot each topology shape under TCG and check that the guest's view (the
# agent's TOPO report, compared by ktstr-run) matches the spec, that the
# per-test artifacts exist, and that nothing is left behind.
. "${KTSTR_SRCDIR:-.}/tests/vm/lib.sh"

vm_require_kernel
# 1n2l1c1t+1m: a memory-only node (no CPUs) the guest must show as node1
SHAPES="1n1l2c1t 1n2l2c2t 2n4l2c1t 1n1l1c2t 1n2l1c1t+1m"
tap_plan 20

for shape in $SHAPES; do
	vm_run -q --accel tcg --topo-only --topology "$shape"
	tap_is "$VM_RC" 0 "$shape: guest topology matches the spec"
	[ "$VM_RC" -eq 0 ] || { vm_diag "$VM_DIR/err"; vm_diag "$(vm_result_dir "topo/$shape")/console.log"; }
	d=$(vm_result_dir "topo/$shape")
	ncpu=$(sed -n 's/.* TOPO {"cpus":\[\(.*\)\],"nodes".*/\1/p' "$d/agent.log" | grep -o '\[' | wc -l)
	want=$(echo "$shape" | sed 's/+.*//; s/^\([0-9]*\)n\([0-9]*\)l\([0-9]*\)c\([0-9]*\)t$/\2 * \3 * \4/')
	want=$(($want))
	tap_is "$ncpu" "$want" "$shape: the guest reported $want CPUs"
	[ -s "$d/console.log" ] && [ -s "$d/qemu.cmdline" ] && [ -s "$d/timings.json" ] &&
		grep -q HELO "$d/agent.log"
	tap_ok $? "$shape: console.log, agent.log, qemu.cmdline and timings.json kept"
	vm_no_leftovers "$shape"
done
tap_done
