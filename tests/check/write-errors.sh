#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A result, report or artifact that cannot be written fails the run (exit
# 99) with its path and errno, and the verdicts still print: results on a
# full file system (a 16 KiB tmpfs, filled), --junit into a missing
# directory, --junit DEVICE (refused, the device left alone).
. "${KTSTR_SRCDIR:-.}/tests/vm/lib.sh"

vm_require_kernel
src=${KTSTR_SRCDIR:-.}
full=$VM_DIR/full
mkdir -p "$full"
trap 'umount "$full" 2>/dev/null; vm_cleanup' EXIT
tap_plan 11

if mount -t tmpfs -o size=16k tmpfs "$full" 2>"$VM_DIR/mount.err"; then
	# fill it: every file of the run then meets ENOSPC
	dd if=/dev/zero of="$full/fill" bs=4k count=8 2>/dev/null
	"$KTSTR_RUN" --kernel "$VM_KERNEL" --accel tcg --results-dir "$full/r" \
		"$src/specs/steady.yaml" >"$VM_DIR/out" 2>"$VM_DIR/err"
	VM_RC=$?
	tap_is "$VM_RC" 99 "results on a full file system: exit 99"
	grep -q "^ *PASS .* steady" "$VM_DIR/out"
	tap_ok $? "the verdict still prints" "$(cat "$VM_DIR/out")"
	for f in result.json timings.json console.log agent.log; do
		grep -q "cannot write $full/r/steady/$f: No space left on device" "$VM_DIR/err"
		tap_ok $? "$f: its path and ENOSPC are reported" "$(cat "$VM_DIR/err")"
	done
	! grep -q "console log missing" "$VM_DIR/out" "$VM_DIR/err"
	tap_ok $? "the console is judged from what QEMU wrote, not called missing"
	umount "$full"
else
	why="mounting a tmpfs is not permitted: $(cat "$VM_DIR/mount.err")"
	for _ in 1 2 3 4 5 6 7; do tap_skip "full file system" "$why"; done
fi

vm_run --accel tcg --topology 1n1l1c1t --topo-only --junit /nonexistent/dir/x.xml
tap_is "$VM_RC" 99 "--junit into a missing directory: exit 99"
grep -q "cannot write /nonexistent/dir/x.xml: No such file or directory" "$VM_DIR/err"
tap_ok $? "the JUnit path and errno are reported" "$(cat "$VM_DIR/err")"

# a private copy of /dev/null (char 1:3), so that a regression replaces it, not the real one
dev=$VM_DIR/null
mknod "$dev" c 1 3 2>/dev/null || mkfifo "$dev"
vm_run --accel tcg --topology 1n1l1c1t --topo-only --junit "$dev"
tap_is "$VM_RC" 99 "--junit DEVICE: exit 99"
{ [ -c "$dev" ] || [ -p "$dev" ]; } && grep -q "cannot write $dev: not a regular file" "$VM_DIR/err"
tap_ok $? "a device is refused and stays a device" "$(ls -l "$dev"; cat "$VM_DIR/err")"
tap_done
