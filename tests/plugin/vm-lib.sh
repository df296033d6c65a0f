# SPDX-License-Identifier: GPL-2.0-only
# Helpers for the plugin VM tests: a tiny busybox initramfs that runs
# plugin-run (or any commands) as PID 1's child, booted under QEMU (TCG),
# until the shared VM runner (tests/vm/lib.sh) can run plugin specs.
# shellcheck shell=sh

: "${KTSTR_BUILDDIR:=$(pwd)}"
: "${KTSTR_SRCDIR:=$KTSTR_BUILDDIR}"
PVM_KERNEL=${KTSTR_TEST_KERNEL:-}
PVM_QEMU=${QEMU:-qemu-system-x86_64}

# pvm_find_kernel: sets PVM_KERNEL to a sched_ext kernel or returns 1.
pvm_find_kernel() {
	[ -n "$PVM_KERNEL" ] && [ -r "$PVM_KERNEL" ] && return 0
	for k in /tmp/kfetch/debs/x/usr/lib/modules/*/vmlinuz.unsigned; do
		[ -r "$k" ] && PVM_KERNEL=$k && return 0
	done
	return 1
}

# pvm_copy_with_libs DEST FILE...: FILE and its shared libraries into DEST.
pvm_copy_with_libs() {
	dest=$1; shift
	for f in "$@"; do
		mkdir -p "$dest$(dirname "$f")"
		cp -L "$f" "$dest$f"
		ldd "$f" 2>/dev/null | awk '/=>/ { print $3 } /^\t\/lib/ { print $1 }' |
		while read -r lib; do
			[ -n "$lib" ] && [ -e "$lib" ] || continue
			mkdir -p "$dest$(dirname "$lib")"
			[ -e "$dest$lib" ] || cp -L "$lib" "$dest$lib"
		done
	done
}

# pvm_initramfs OUT SCRIPT [FILE...]: an initramfs whose /init runs SCRIPT
# (sh code) and powers off; FILEs are copied at their host paths.
pvm_initramfs() {
	out=$1 script=$2; shift 2
	root=$(mktemp -d "${TMPDIR:-/tmp}/pvm-root.XXXXXX")
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/ktstr/plugins"
	cp /usr/bin/busybox "$root/bin/busybox"
	for a in sh mount poweroff cat echo sleep ls mkdir dmesg grep head tail; do
		ln -s busybox "$root/bin/$a"
	done
	pvm_copy_with_libs "$root" "$KTSTR_BUILDDIR/tests/plugin/plugin-run"
	cp "$KTSTR_BUILDDIR/tests/plugin/plugin-run" "$root/bin/plugin-run"
	for so in "$KTSTR_BUILDDIR"/plugins/.libs/*.so; do
		pvm_copy_with_libs "$root" "$so"
		cp "$so" "$root/ktstr/plugins/"
	done
	[ $# -gt 0 ] && pvm_copy_with_libs "$root" "$@"
	cat > "$root/init" <<INIT
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
export KTSTR_PLUGIN_PATH=/ktstr/plugins KTSTR_BUILDDIR=/nonexistent
run=/bin/plugin-run
echo PVM-BEGIN
$script
echo "PVM-END rc=\$?"
poweroff -f
INIT
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out"
	rm -rf "$root"
}

# pvm_boot INITRAMFS LOG [CPUS]: boot it; the console goes to LOG.
pvm_boot() {
	timeout "${PVM_TIMEOUT:-120}" "$PVM_QEMU" -M q35 -accel tcg,thread=multi -cpu max \
		-smp "${3:-2}" -m 512 -kernel "$PVM_KERNEL" -initrd "$1" -display none \
		-no-reboot -serial "file:$2" \
		-append "console=ttyS0 rdinit=/init panic=-1 loglevel=4" >/dev/null 2>&1
}
