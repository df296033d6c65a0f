#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# exec's spec keys for real schedulers: flag_args makes an external binary's
# options flags (profiles, lint) and maps each set flag to its arguments;
# config_file is packed at /include-files/<name> and {config} names it;
# cgroup_parent exists before the binary starts and the test's cgroups are
# under it (a payload in cg_0 prints /proc/self/cgroup). In a VM, scx_ktstr_bin
# prints its argv, its config's first line and whether the parent exists
# into scheduler.out.
. "${KTSTR_SRCDIR:-.}/tests/vm/lib.sh"

bin=$KTSTR_BUILDDIR/plugins/scx_ktstr_bin
[ -x "$bin" ] || skip_all "plugins/scx_ktstr_bin not built"
tap_plan 8

echo "cell-layout: two-llcs" >"$VM_DIR/cells.conf"
cat >"$VM_DIR/keys.yaml" <<EOT
name: exec-keys
topology: 1n1l2c1t
duration: 1s
scheduler:
  plugin: exec
  args: ["$bin", --config, "{config}", --cgroup-parent, /ktstr.slice]
  config_file: cells.conf
  cgroup_parent: /ktstr.slice
  flag_args:
    llc: --llc
    fifo: --fifo
  flags: [llc, ops=ktstr]
  watchdog_timeout: 4s
payloads:
  - name: where
    path: $(command -v cat)
    args: [/proc/self/cgroup]
cgroups:
  - name: cg_0
    workers: 2
steps:
  - name: look
    hold: 1s
    ops: [run_payload where cg_0, wait_payload where cg_0]
EOT

# No VM: the binary's flags are profiles and pass lint.
names=$("$KTSTR_RUN" --list --profiles "$VM_DIR/keys.yaml" 2>&1 | tr '\n' ' ')
tap_is "$names" "exec-keys/llc exec-keys/llc+fifo " \
	"flag_args' flags make the profiles (llc required by the spec's flags)"
"$KTSTR_RUN" --lint "$VM_DIR/keys.yaml" >"$VM_DIR/lint" 2>&1
tap_ok $? "lint accepts flags exec does not have when flag_args maps them" "$(cat "$VM_DIR/lint")"
argv=$("$KTSTR_RUN" --dry-run "$VM_DIR/keys.yaml" 2>&1 | sed -n 's/^ *binary.s argv: //p')
tap_is "$argv" "$bin --config /include-files/cells.conf --cgroup-parent /ktstr.slice --llc" \
	"--dry-run shows the binary's argv: {config} replaced, llc's arguments appended"

if ! vm_find_kernel || ! command -v "${KTSTR_QEMU:-${QEMU:-qemu-system-x86_64}}" >/dev/null 2>&1; then
	for t in "passes" "config arrived" "argv" "cgroup parent" "cgroups under it"; do tap_skip "$t" "no kernel or QEMU"; done
	tap_done
fi
vm_run -q "$VM_DIR/keys.yaml"
dir=$(vm_result_dir exec-keys)
st=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["status"], r.get("reason") or "")' \
	"$dir/result.json" 2>&1)
tap_is "$st" "PASS " "the test passes under scx_ktstr_bin with config, parent and mapped flag" 
[ "$st" = "PASS " ] || { vm_diag "$VM_DIR/err"; vm_diag "$dir/agent.log"; }
out=$(cat "$dir/scheduler.out" 2>&1)
case $out in *"config /include-files/cells.conf: cell-layout: two-llcs"*) ok=0 ;; *) ok=1 ;; esac
tap_ok $ok "the config file arrived at /include-files/cells.conf" "$out"
case $out in *"argv: --config /include-files/cells.conf --cgroup-parent /ktstr.slice --llc"*) ok=0 ;;
*) ok=1 ;; esac
tap_ok $ok "the binary got {config} replaced and flag llc as --llc" "$out"
case $out in *"cgroup /ktstr.slice: present"*) ok=0 ;; *) ok=1 ;; esac
tap_ok $ok "cgroup_parent existed when the binary started" "$out"
ev=$(python3 -c 'import json,sys
for e in json.load(open(sys.argv[1]))["runs"][0]["telemetry"]["events"]:
    print(e["label"], "|", e["detail"].replace("\n", " "))' "$dir/result.json" 2>&1)
case $ev in *"0::/ktstr.slice/cg_0"*) ok=0 ;; *) ok=1 ;; esac
tap_ok $ok "the test's cgroup cg_0 is /ktstr.slice/cg_0" "$ev"
tap_done
