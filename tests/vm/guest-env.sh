#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The guest looks like an ordinary machine to a scheduler binary: a libbpf
# program with __kconfig externs loads and reads the kernel's config values
# (libbpf needs /boot/config-$(uname -r)), and the files, mounts and tools
# such binaries and their users expect are there.
. "${KTSTR_SRCDIR:-.}/tests/vm/lib.sh"

vm_require_kernel
busybox=$(command -v busybox) || skip_all "no busybox on the host"
tap_plan 6

# the config the run packs: beside the image (a cache entry, a build tree)
kdir=$(dirname "$VM_KERNEL")
for c in "$kdir/config" "$kdir/.config" "$kdir/../../../.config"; do
	[ -r "$c" ] && { kconfig=$c; break; }
done

vm_run -q --exec -- "$KTSTR_BUILDDIR/tests/guest/kconfig-load"
tap_is "$VM_RC" 0 "a libbpf program with __kconfig externs loads in the guest"
out=$(cat "$(vm_result_dir exec/1n1l2c1t)/output.log" 2>/dev/null)
[ "$VM_RC" -eq 0 ] || { echo "# $out"; vm_diag "$VM_DIR/out"; }
if [ -n "${kconfig:-}" ]; then
	hz=$(sed -n 's/^CONFIG_HZ=//p' "$kconfig")
	rcu=0
	grep -q '^CONFIG_PREEMPT_RCU=y' "$kconfig" && rcu=1
	want="CONFIG_HZ=$hz CONFIG_PREEMPT_RCU=$rcu CONFIG_KTSTR_NO_SUCH_OPTION=0"
	tap_is "$out" "$want" "it read the kernel's own config values"
else
	tap_skip "it read the kernel's own config values" "no config beside $VM_KERNEL"
fi

# Everything else in one shell run: a line per missing piece.
cat >"$VM_DIR/check.sh" <<'EOT'
r=$(uname -r)
[ -s "/boot/config-$r" ] || echo "missing /boot/config-$r"
grep -q '^CONFIG_DEBUG_INFO_BTF=y' "/boot/config-$r" && { [ -s /sys/kernel/btf/vmlinux ] || echo "missing /sys/kernel/btf/vmlinux"; }
for m in "/sys/kernel/tracing tracefs" "/sys/kernel/debug debugfs" "/sys/fs/bpf bpf" \
	"/dev/shm tmpfs" "/tmp tmpfs" "/run tmpfs" "/sys/fs/cgroup cgroup2" "/proc proc"; do
	set -- $m
	awk -v d="$1" -v t="$2" '$2 == d && $3 == t { f = 1 } END { exit !f }' /proc/mounts ||
		echo "not mounted: $2 at $1"
done
[ "$(awk '$2 == "T" || $2 == "t" { n++ } END { print n + 0 }' /proc/kallsyms)" -gt 1000 ] ||
	echo "/proc/kallsyms has no text symbols"
for t in sh ls cat grep sed awk ps mount find tail; do
	command -v "$t" >/dev/null || echo "not on PATH ($PATH): $t"
done
[ "$(id -un)" = root ] || echo "id -un: $(id -un 2>&1)"
[ "$(id -gn)" = root ] || echo "id -gn: $(id -gn 2>&1)"
[ "$HOME" = /root ] && [ -d /root ] || echo "HOME: $HOME"
grep -q '^ID=' /etc/os-release || echo "no ID in /etc/os-release"
touch /tmp/x /run/x /dev/shm/x || echo "cannot write /tmp, /run or /dev/shm"
echo checked
EOT
vm_run -q --exec -- "$busybox" sh -c "$(cat "$VM_DIR/check.sh")"
tap_is "$VM_RC" 0 "the check script ran"
out=$(cat "$(vm_result_dir exec/1n1l2c1t)/output.log" 2>/dev/null)
tap_is "$out" "checked" "config, BTF, mounts, kallsyms, tools on PATH, users and /etc are there"
[ "$out" = checked ] || vm_diag "$VM_DIR/out"
# an --exec command under /tmp (a build tree there, as in a CI clone): the
# agent mounts tmpfs on /tmp, so the command is packed under /ktstr instead
mkdir -p "$VM_DIR/bin" && cp "$busybox" "$VM_DIR/bin/busybox"
vm_run -q --exec -- "$VM_DIR/bin/busybox" sh -c 'echo from-tmp'
out=$(cat "$(vm_result_dir exec/1n1l2c1t)/output.log" 2>/dev/null)
tap_is "$VM_RC:$out" "0:from-tmp" "a command whose host path is under /tmp runs"
rm -rf "$VM_DIR/bin"
vm_no_leftovers guest-env
tap_done
