#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# One guest above 64 vCPUs (80: 4 LLCs of 20 cores, APIC IDs to 115) boots
# under TCG and shows every CPU. Minutes under TCG: `make check-large`, not
# make check (README, "Large guests").
. "${KTSTR_SRCDIR:-.}/tests/vm/lib.sh"

vm_require_kernel
shape=1n4l20c1t
tap_plan 3
t0=$(date +%s)
vm_run -q --accel tcg --topo-only --topology "$shape" --boot-timeout 900s
tap_is "$VM_RC" 0 "$shape: an 80-vCPU guest boots and its topology matches"
[ "$VM_RC" -eq 0 ] || { vm_diag "$VM_DIR/err"; vm_diag "$(vm_result_dir "topo/$shape")/console.log"; }
d=$(vm_result_dir "topo/$shape")
ncpu=$(sed -n 's/.* TOPO {"cpus":\[\(.*\)\],"nodes".*/\1/p' "$d/agent.log" | grep -o '\[' | wc -l)
tap_is "$ncpu" 80 "$shape: the guest reported 80 CPUs"
echo "# boot of 80 vCPUs: $(sed -n 's/.*"boot_ns": *\([0-9]*\).*/\1/p' "$d/timings.json" | awk '{printf "%.1f", $1/1e9}') s, test $(( $(date +%s) - t0 )) s"
vm_no_leftovers "$shape"
tap_done
