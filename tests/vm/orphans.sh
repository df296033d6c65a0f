#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Nothing outlives ktstr-run: QEMU dies within 2 s of ktstr-run's death by
# SIGKILL (its own, or a kill of its process group, which QEMU's group
# escapes), the next start sweeps the temp dir the killed run left (and not
# a live run's), and SIGHUP / SIGQUIT stop a run as cleanly as SIGTERM
# (exit 128+signo, QEMU gone, temp dir removed).
. "${KTSTR_SRCDIR:-.}/tests/vm/lib.sh"

vm_require_kernel
tap_plan 19
TOPO="--accel tcg --topology 1n1l1c1t"
SEEN_TMPS=

# start_run [setsid]: a run that waits in the guest; returns once the agent
# reported. RUN_PID is ktstr-run, RUN_TMP its temp dir, QEMU_PID its QEMU.
start_run() {
	agent=$(vm_result_dir "exec/1n1l1c1t")/agent.log
	rm -f "$agent"
	# shellcheck disable=SC2086
	${1:-} "$KTSTR_RUN" --kernel "$VM_KERNEL" --results-dir "$VM_RESULTS" $TOPO \
		--timeout 120s --exec -- /usr/bin/sleep 1000 >"$VM_DIR/out" 2>"$VM_DIR/err" &
	RUN_PID=$!
	i=0
	while [ $i -lt 1200 ] && ! grep -q TOPO "$agent" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	RUN_TMP=
	for d in "$VM_TMP"/ktstr-run.*; do
		case " $SEEN_TMPS " in
		*" $d "*) ;;
		*) [ -d "$d" ] && RUN_TMP=$d ;;
		esac
	done
	SEEN_TMPS="$SEEN_TMPS $RUN_TMP"
	QEMU_PID=$(pgrep -f "qemu-system.*${RUN_TMP:-no-temp-dir}/" | head -n 1)
}

# qemu_alive: QEMU_PID runs (a zombie does not: it waits for whoever inherited it to reap it)
qemu_alive() {
	[ -n "$QEMU_PID" ] || return 1
	state=$(sed 's/.*) //' "/proc/$QEMU_PID/stat" 2>/dev/null | cut -c1)
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# qemu_gone_within SECONDS: QEMU_PID's process ends in time; QEMU_SECS is how long it took.
qemu_gone_within() {
	i=0
	while [ $i -lt $(($1 * 20)) ] && qemu_alive; do
		sleep 0.05
		i=$((i + 1))
	done
	QEMU_SECS=$(echo "$i" | awk '{ printf "%.2f", $1 / 20 }')
	! qemu_alive
}

# sweep_run: a start that boots nothing (no such kernel), so only the sweep runs
sweep_run() {
	"$KTSTR_RUN" --kernel "$VM_DIR/no-such-kernel" --results-dir "$VM_DIR/sweep-results" \
		--topo-only >"$VM_DIR/sweep.out" 2>"$VM_DIR/sweep.err"
}

# --- SIGKILL of ktstr-run alone
start_run
[ -n "$RUN_TMP" ] && [ -n "$QEMU_PID" ]
tap_ok $? "SIGKILL: the run is up (temp dir $RUN_TMP, QEMU pid $QEMU_PID)" "$(tail -5 "$VM_DIR/err")"
kill -KILL "$RUN_PID"
wait "$RUN_PID"
qemu_gone_within 2
tap_ok $? "SIGKILL: QEMU is gone within 2 s (took ${QEMU_SECS} s)"
echo "# QEMU ended ${QEMU_SECS} s after ktstr-run's SIGKILL"
[ -d "$RUN_TMP" ]
tap_ok $? "SIGKILL: the killed run could not remove its temp dir"
dead_tmp=$RUN_TMP

# --- a kill of ktstr-run's whole process group (as a CI job's timeout does)
start_run setsid
[ -n "$QEMU_PID" ] && [ "$(ps -o pgid= -p "$QEMU_PID" | tr -d ' ')" != "$RUN_PID" ]
tap_ok $? "group kill: QEMU runs in a process group of its own"
kill -KILL "-$RUN_PID"
wait "$RUN_PID"
qemu_gone_within 2
tap_ok $? "group kill: QEMU is gone within 2 s (took ${QEMU_SECS} s)"
[ -d "$RUN_TMP" ]
tap_ok $? "group kill: a second dead temp dir is left"
dead_tmp2=$RUN_TMP

# --- the next start sweeps what the dead runs left, but never a live run's
# (the group-kill run above was the start after the first SIGKILL)
[ ! -e "$dead_tmp" ] && grep -q "removed $dead_tmp, left by a run that is gone" "$VM_DIR/err"
tap_ok $? "the next start removed the SIGKILLed run's temp dir, and said so" "$(cat "$VM_DIR/err")"
sweep_run
[ ! -e "$dead_tmp2" ] && grep -q "removed $dead_tmp2, left by a run that is gone" "$VM_DIR/sweep.err"
tap_ok $? "and the one after removed the group-killed run's" "$(cat "$VM_DIR/sweep.err")"
start_run
live_tmp=$RUN_TMP
sweep_run
[ -n "$live_tmp" ] && [ -d "$live_tmp" ] && qemu_alive &&
	! grep -q "left by a run that is gone" "$VM_DIR/sweep.err"
tap_ok $? "a start leaves a live run's temp dir (and VM) alone" "$(cat "$VM_DIR/sweep.err")"

# --- SIGHUP: a clean stop, like SIGTERM
kill -HUP "$RUN_PID"
wait "$RUN_PID"
VM_RC=$?
tap_is "$VM_RC" 129 "SIGHUP: exit 129 (128 + SIGHUP)"
grep -q "interrupted by SIGHUP" "$VM_DIR/err" && grep -q "exec/1n1l1c1t (run)" "$VM_DIR/err"
tap_ok $? "SIGHUP: it says what was interrupted" "$(tail -5 "$VM_DIR/err")"
qemu_gone_within 2
tap_ok $? "SIGHUP: QEMU is gone"
[ ! -e "$live_tmp" ]
tap_ok $? "SIGHUP: the temp dir is removed"
vm_no_leftovers "SIGHUP"

# --- SIGQUIT: likewise (no core dump, no leftovers)
start_run
kill -QUIT "$RUN_PID"
wait "$RUN_PID"
VM_RC=$?
tap_is "$VM_RC" 131 "SIGQUIT: exit 131 (128 + SIGQUIT)"
grep -q "interrupted by SIGQUIT" "$VM_DIR/err"
tap_ok $? "SIGQUIT: it says so" "$(tail -5 "$VM_DIR/err")"
qemu_gone_within 2
tap_ok $? "SIGQUIT: QEMU is gone"
[ -n "$RUN_TMP" ] && [ ! -e "$RUN_TMP" ]
tap_ok $? "SIGQUIT: the temp dir is removed"
vm_no_leftovers "SIGQUIT"
tap_done
