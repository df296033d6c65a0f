#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# An external scheduler binary run through exec that ends before the kernel
# enables it: the ERROR names its exit status (or the signal that killed
# it) and its last output line, and its whole output is scheduler.out.
# One that does not attach in attach_timeout_ms is an ERROR naming that
# time. The binary is found by name in $KTSTR_SCHEDULER_PATH; a name found
# nowhere is an ERROR before any VM boots.
. "${KTSTR_SRCDIR:-.}/tests/vm/lib.sh"

vm_require_kernel
bin=$KTSTR_BUILDDIR/tests/plugin/exit-early
[ -x "$bin" ] || skip_all "tests/plugin/exit-early not built"
tap_plan 11

spec() { # NAME ARG [EXTRA]
	cat >"$VM_DIR/$1.yaml" <<EOT
name: $1
topology: 1n1l2c1t
duration: 1s
scheduler:
  plugin: exec
  args: [exit-early, "$2"]
$3
cgroups:
  - name: cg_0
EOT
}
spec early-exit 3
spec early-kill kill
spec early-sleep sleep "  attach_timeout_ms: 700"

KTSTR_SCHEDULER_PATH=$(dirname "$bin") vm_run -q -j 1 "$VM_DIR"/early-*.yaml
reason() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["status"], r.get("reason") or "")' \
	"$(vm_result_dir "$1")/result.json" 2>&1; }

r=$(reason early-exit)
case $r in "ERROR "*"exit code 3"*"cannot find the scheduler's config (3)"*) ok=0 ;; *) ok=1 ;; esac
tap_ok $ok "exit 3: ERROR with its exit status and last output line" "$r"
case $r in *"No child processes"*) ok=1 ;; *) ok=0 ;; esac
tap_ok $ok "exit 3: not the errno of a missing child" "$r"
out=$(vm_result_dir early-exit)/scheduler.out
grep -q '^exit-early: line 1$' "$out" && grep -q '^exit-early: line 30$' "$out"
tap_ok $? "exit 3: scheduler.out keeps the whole output"
grep -q 'exit-early: line 30' "$(vm_result_dir early-exit)/agent.log" &&
	! grep -q 'exit-early: line 1$' "$(vm_result_dir early-exit)/agent.log"
tap_ok $? "exit 3: the agent log quotes the output's tail only"

r=$(reason early-kill)
case $r in "ERROR "*"killed by signal 9 (SIGKILL)"*) ok=0 ;; *) ok=1 ;; esac
tap_ok $ok "SIGKILL: ERROR names the signal" "$r"
grep -q 'cannot find the scheduler' "$(vm_result_dir early-kill)/scheduler.out"
tap_ok $? "SIGKILL: its output is scheduler.out"

r=$(reason early-sleep)
case $r in "ERROR "*"did not attach within 700 ms (still running)"*) ok=0 ;; *) ok=1 ;; esac
tap_ok $ok "attach_timeout_ms: 700 is the time attach waited" "$r"

spec early-missing 3
sed -i 's/exit-early,/no-such-scheduler-xyz,/' "$VM_DIR/early-missing.yaml"
KTSTR_SCHEDULER_PATH=/nonexistent vm_run -q "$VM_DIR/early-missing.yaml"
r=$(reason early-missing)
case $r in "ERROR "*"'no-such-scheduler-xyz' is not in \$KTSTR_SCHEDULER_PATH or \$PATH"*) ok=0 ;; *) ok=1 ;; esac
tap_ok $ok "a name found nowhere: ERROR naming the search" "$r"
[ ! -s "$(vm_result_dir early-missing)/console.log" ]
tap_ok $? "a name found nowhere: no VM booted"

spec early-path 3
sed -i "s|exit-early,|$bin,|" "$VM_DIR/early-path.yaml"
"$KTSTR_RUN" --dry-run "$VM_DIR/early-path.yaml" >/dev/null 2>&1
tap_is $? 0 "a path still works (dry run)"
vm_no_leftovers exec-early
tap_done
