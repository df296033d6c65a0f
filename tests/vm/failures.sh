#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Each way a VM can go wrong gets its own status, and no QEMU process or
# temp file survives: a command's exit code, a guest kernel panic, a hung
# guest (run timeout), no agent (boot timeout), QEMU killed mid-test, and
# SIGINT / SIGTERM to ktstr-run (exit 130 / 143), a crashing agent and an
# agent (PID 1) that exits.
. "${KTSTR_SRCDIR:-.}/tests/vm/lib.sh"

vm_require_kernel
tap_plan 27
TOPO="--accel tcg --topology 1n1l1c1t"

# shellcheck disable=SC2086
vm_run $TOPO --exec -- /bin/false
tap_is "$VM_RC" 1 "a failing command is a FAIL (exit 1)"
grep -q "command exited with 1" "$VM_DIR/out" "$VM_DIR/err"
tap_ok $? "the reason names the exit code"

# shellcheck disable=SC2086
vm_run $TOPO --exec -- /bin/sh -c 'echo c > /proc/sysrq-trigger'
tap_is "$VM_RC" 99 "guest kernel panic is an ERROR (exit 99)"
grep -q "Kernel panic" "$VM_DIR/out" "$VM_DIR/err"
tap_ok $? "the panic line is reported" "$(tail -5 "$VM_DIR/err")"
vm_no_leftovers "panic"

# shellcheck disable=SC2086
vm_run $TOPO --timeout 2s --exec -- /usr/bin/sleep 1000
tap_is "$VM_RC" 99 "hung guest: exit 99"
grep -q "TIMEOUT" "$VM_DIR/out" "$VM_DIR/err" && grep -q "run timeout" "$VM_DIR/out" "$VM_DIR/err"
tap_ok $? "hung guest is a TIMEOUT in the run phase"
vm_no_leftovers "hung guest"

# shellcheck disable=SC2086
vm_run $TOPO --boot-timeout 1s --topo-only
tap_is "$VM_RC" 99 "no agent in time: exit 99"
grep -q "boot timeout" "$VM_DIR/out" "$VM_DIR/err"
tap_ok $? "it is a TIMEOUT in the boot phase"
d=$(vm_result_dir "topo/1n1l1c1t")
grep -q '"boot_attempts": 2' "$d/timings.json" && [ -f "$d/console-boot1.log" ]
tap_ok $? "a boot that never reached the agent is retried once"
vm_no_leftovers "boot timeout"

# start a run that waits in the guest; wait for the agent, then call $1
# (kill_qemu / sigint / sigterm); VM_RC is ktstr-run's exit status.
interrupt_run() {
	# shellcheck disable=SC2086
	"$KTSTR_RUN" --kernel "$VM_KERNEL" --results-dir "$VM_RESULTS" $TOPO --timeout 120s \
		--exec -- /usr/bin/sleep 1000 >"$VM_DIR/out" 2>"$VM_DIR/err" &
	pid=$!
	agent=$(vm_result_dir "exec/1n1l1c1t")/agent.log
	rm -f "$agent"
	i=0
	while [ $i -lt 600 ] && ! grep -q TOPO "$agent" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	"$1" "$pid"
	wait "$pid"
	VM_RC=$?
}
kill_qemu() { pkill -KILL -f "qemu-system.*$VM_DIR"; }
sigint() { kill -INT "$1"; }
sigterm() { kill -TERM "$1"; }

interrupt_run kill_qemu
tap_is "$VM_RC" 99 "QEMU killed mid-test: exit 99"
grep -q "ERROR" "$VM_DIR/out" "$VM_DIR/err" &&
	grep -q "QEMU exited (killed by signal 9 (SIGKILL)) without a DONE" "$VM_DIR/out" "$VM_DIR/err"
tap_ok $? "it is an ERROR saying how QEMU exited, without DONE" "$(tail -5 "$VM_DIR/err")"
vm_no_leftovers "QEMU killed"

interrupt_run sigint
tap_is "$VM_RC" 130 "SIGINT: exit 130"
grep -q "interrupted by SIGINT" "$VM_DIR/err" && grep -q "exec/1n1l1c1t (run)" "$VM_DIR/err"
tap_ok $? "it says what was interrupted, and in which phase" "$(tail -5 "$VM_DIR/err")"
vm_no_leftovers "SIGINT"

interrupt_run sigterm
tap_is "$VM_RC" 143 "SIGTERM: exit 143"
vm_no_leftovers "SIGTERM"

export KTSTR_AGENT_SELFTEST=crash
# shellcheck disable=SC2086
vm_run $TOPO --topo-only
tap_is "$VM_RC" 99 "a crashing agent is an ERROR (exit 99)"
grep -q "agent crashed: signal 11" "$VM_DIR/out" "$VM_DIR/err"
tap_ok $? "the host learns the agent's signal" "$(tail -5 "$VM_DIR/err")"

export KTSTR_AGENT_SELFTEST=exit
# shellcheck disable=SC2086
vm_run $TOPO --topo-only
unset KTSTR_AGENT_SELFTEST
tap_is "$VM_RC" 99 "PID 1 exiting is an ERROR (exit 99)"
grep -q "Attempted to kill init" "$VM_DIR/out" "$VM_DIR/err"
tap_ok $? "reported with the kernel's panic line" "$(tail -5 "$VM_DIR/err")"
vm_no_leftovers "agent exit"

# shellcheck disable=SC2086
vm_run $TOPO --exec -- /bin/true
tap_is "$VM_RC" 0 "a command that succeeds is a PASS"
d=$(vm_result_dir "exec/1n1l1c1t")
grep -q '"boot_ns"' "$d/timings.json" && grep -q -- '-no-reboot' "$d/qemu.cmdline"
tap_ok $? "timings and the exact QEMU command line are kept"
tap_done
