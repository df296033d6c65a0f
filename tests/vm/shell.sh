#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# ktstr-run --shell, driven through tmux as a user would: the spec's VM
# (its topology) with its scheduler attached, a shell on the terminal,
# --include files at /include-files/<name>, --dmesg, the shell's exit status
# as ktstr-run's, the terminal's mode put back (also after SIGTERM), and no
# QEMU or temp dir left behind.
. "${KTSTR_SRCDIR:-.}/tests/vm/lib.sh"

vm_require_kernel
command -v tmux >/dev/null 2>&1 || skip_all "no tmux (Debian package tmux)"
tap_plan 12

cat >"$VM_DIR/shell.yaml" <<'EOT'
name: shell_probe
topology: 1n1l3c1t
duration: 1s
scheduler:
  plugin: scx_ktstr
cgroups:
  - name: cg_0
EOT
echo "ktstr-include-ok" >"$VM_DIR/hello.txt"
mkdir -p "$VM_DIR/tree/sub" && echo deep >"$VM_DIR/tree/sub/leaf"

SOCK=$VM_DIR/tmux.sock
T() { tmux -S "$SOCK" "$@"; }
# A tmux server of our own, gone with the test.
trap 'tmux -S "$SOCK" kill-server 2>/dev/null; vm_cleanup' EXIT

# start_shell NAME ARGS...: ktstr-run --shell in a detached tmux pane; its
# exit status goes to $VM_DIR/NAME.rc, the terminal's mode before and after
# to NAME.before and NAME.after.
start_shell() {
	n=$1
	shift
	T -f /dev/null new-session -d -s "$n" -x 150 -y 60 \
		"stty -g >'$VM_DIR/$n.before'; '$KTSTR_RUN' --kernel '$VM_KERNEL' --results-dir '$VM_RESULTS' \
		--shell $* '$VM_DIR/shell.yaml' 2>'$VM_DIR/$n.err'; echo \$? >'$VM_DIR/$n.rc'; \
		stty -g >'$VM_DIR/$n.after'; sleep 600"
}

# wait_for NAME REGEX SECONDS: until the pane shows REGEX (ERE); 1 on timeout.
wait_for() {
	i=0
	while [ "$i" -lt "$3" ]; do
		T capture-pane -p -t "$1" -S -200 | grep -Eq "$2" && return 0
		[ -s "$VM_DIR/$1.rc" ] && return 1
		sleep 1
		i=$((i + 1))
	done
	return 1
}

pane() { T capture-pane -p -t "$1" -S -200; }

# rc_of NAME SECONDS: ktstr-run's exit status once it has exited, or ''.
rc_of() {
	i=0
	while [ ! -s "$VM_DIR/$1.rc" ] && [ "$i" -lt "$2" ]; do sleep 1; i=$((i + 1)); done
	cat "$VM_DIR/$1.rc" 2>/dev/null
}

start_shell a --include "$VM_DIR/hello.txt" --include "$VM_DIR/tree" --dmesg
wait_for a 'ktstr:.*#' 240
tap_ok $? "a shell prompt appears on the terminal" "$(pane a | tail -5; cat "$VM_DIR/a.err")"
T send-keys -t a 'echo "CPUS=$(cat /proc/cpuinfo | grep -c processor)"' Enter
T send-keys -t a 'echo "INC=$(cat /include-files/hello.txt) $(ls /include-files/tree/sub)"' Enter
T send-keys -t a 'echo "SCX=$(cat /sys/kernel/sched_ext/state) $(cat /sys/kernel/sched_ext/root/ops)"' Enter
T send-keys -t a 'echo ktstr-dmesg-mark >/dev/kmsg' Enter
wait_for a '\] ktstr-dmesg-mark' 60
# unanchored: with --dmesg a kernel line may share a terminal line with the output
cpus=$(pane a | grep -o 'CPUS=[0-9][0-9]*' | tail -1 | cut -d= -f2)
tap_is "$cpus" 3 "the guest has the spec's 3 CPUs (1n1l3c1t)"
[ "$cpus" = 3 ] || pane a | tail -15 | sed 's/^/# /'
inc=$(pane a | grep -o 'INC=[^$ ]* [a-z]*' | tail -1 | cut -d= -f2-)
tap_is "$inc" "ktstr-include-ok leaf" "--include put a file and a directory tree at /include-files/"
scx=$(pane a | grep -o 'SCX=[^$ ]* [a-z_]*' | tail -1 | cut -d= -f2-)
tap_is "$scx" "enabled ktstr" "the spec's scheduler (scx_ktstr) is attached while the shell runs"
pane a | grep -q '\] ktstr-dmesg-mark'
tap_ok $? "--dmesg shows the kernel log on the terminal"
# ^C goes to the guest's shell as a byte, not to ktstr-run as SIGINT
T send-keys -t a 'sleep 300' Enter
sleep 2
T send-keys -t a C-c
T send-keys -t a 'echo "ALIVE=$((40 + 2))"' Enter
wait_for a '^ALIVE=42' 60
tap_ok $? "^C interrupts the guest's command, and the shell stays" "$(pane a | tail -5)"
T send-keys -t a 'exit 7' Enter
tap_is "$(rc_of a 120)" 7 "ktstr-run exits with the shell's status"
cmp -s "$VM_DIR/a.before" "$VM_DIR/a.after"
tap_ok $? "the terminal's mode is restored after the shell" \
	"$(cat "$VM_DIR/a.before" "$VM_DIR/a.after" 2>&1)"
vm_no_leftovers "after exit"

# SIGTERM while the shell is attached: terminal restored, VM gone.
start_shell b
wait_for b 'ktstr:.*#' 240
pid=$(pgrep -f "^$KTSTR_RUN --kernel .*--shell" | head -1)  # ktstr-run, not its sh -c
[ -n "$pid" ] && kill -TERM "$pid"
tap_is "$(rc_of b 60)" 143 "SIGTERM ends the shell session with 128+15"
cmp -s "$VM_DIR/b.before" "$VM_DIR/b.after"
tap_ok $? "the terminal's mode is restored after SIGTERM" \
	"$(cat "$VM_DIR/b.before" "$VM_DIR/b.after" 2>&1)"
vm_no_leftovers "after SIGTERM"
tap_done
