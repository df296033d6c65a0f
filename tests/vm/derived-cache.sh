#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Damaged derived caches (issue 11 #8): a base initramfs with one byte
# changed and a truncated PVH vmlinux used to make every later run an ERROR
# ("Unable to mount root fs", "Error while loading elf kernel"). The next
# run must warn naming each file, rebuild it (to the same bytes) and pass.
. "${KTSTR_SRCDIR:-.}/tests/vm/lib.sh"

vm_require_kernel
tap_plan 6
TOPO="--accel tcg --topology 1n1l1c1t"
C=$XDG_CACHE_HOME/ktstr

# shellcheck disable=SC2086
vm_run $TOPO --topo-only
tap_is "$VM_RC" 0 "a first run fills the private cache"
BASE=$(ls "$C"/initramfs/base-*.cpio 2>/dev/null | head -1)
VMLINUX=$(ls "$C"/vmlinux/vmlinux-* 2>/dev/null | grep -v '\.sum$' | head -1)
[ -f "$BASE" ] && [ -f "$BASE.sum" ]
tap_ok $? "the base initramfs has its record ($BASE.sum)"
SUM=$(sha256sum "$BASE" | cut -d' ' -f1)

# one byte in the middle of the archive, and a vmlinux cut to a third
size=$(stat -c %s "$BASE")
printf '\377' | dd of="$BASE" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
[ -n "$VMLINUX" ] && truncate -s $(($(stat -c %s "$VMLINUX") / 3)) "$VMLINUX"

# shellcheck disable=SC2086
vm_run $TOPO --topo-only
tap_is "$VM_RC" 0 "the next run boots and passes" || vm_diag "$VM_DIR/err"
grep -q "derived cache file $BASE is corrupt (sha256 .* where its record says" "$VM_DIR/err"
tap_ok $? "a warning names the damaged base initramfs" "$(cat "$VM_DIR/err")"
tap_is "$(sha256sum "$BASE" | cut -d' ' -f1)" "$SUM" "the rebuilt base has the same content"
if [ -n "$VMLINUX" ]; then
	grep -q "derived cache file $VMLINUX is corrupt (.* bytes where its record says" "$VM_DIR/err"
	tap_ok $? "a warning names the truncated vmlinux, extracted again" "$(cat "$VM_DIR/err")"
else
	tap_skip "the truncated vmlinux" "no PVH vmlinux for this kernel"
fi
tap_done
