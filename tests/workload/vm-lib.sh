# SPDX-License-Identifier: GPL-2.0-only
# Helpers for the workload VM tests: a busybox initramfs whose init runs
# vm-driver over spec files under a real cgroup v2 root, booted with QEMU
# (TCG), and the console's WL-RESULT lines turned into result files that
# check-telemetry reads.
# shellcheck shell=sh

: "${KTSTR_BUILDDIR:=$(pwd)}"
: "${KTSTR_SRCDIR:=$KTSTR_BUILDDIR}"
WL_QEMU=${QEMU:-qemu-system-x86_64}
. "$KTSTR_SRCDIR/tests/vm/kernel.sh"
WL_KERNEL=
WL_DRIVER=$KTSTR_BUILDDIR/tests/workload/vm-driver
WL_CHECK=$KTSTR_BUILDDIR/tests/workload/check-telemetry
WL_N=0

# wl_find_kernel: sets WL_KERNEL to a bootable kernel or returns 1.
wl_find_kernel() {
	[ -n "$WL_KERNEL" ] || WL_KERNEL=$(test_kernel "$KTSTR_BUILDDIR")
	[ -n "$WL_KERNEL" ]
}

# wl_copy_with_libs DEST FILE...: FILE and its shared libraries into DEST.
wl_copy_with_libs() {
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

# wl_boot WORKDIR SMP SOCKETS SPEC...: boot a VM that runs vm-driver over the
# specs; the console ends up in WORKDIR/console.log.
wl_boot() {
	work=$1 smp=$2 sockets=$3; shift 3
	root=$work/root
	rm -rf "$root"
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/specs"
	cp /usr/bin/busybox "$root/bin/busybox"
	for a in sh mount poweroff cat echo sleep; do
		ln -s busybox "$root/bin/$a"
	done
	# The driver's libraries keep their host paths; the driver itself goes to
	# /bin, because its build tree may live under /tmp, which the guest's
	# init mounts a tmpfs over.
	wl_copy_with_libs "$root" "$WL_DRIVER"
	cp -L "$WL_DRIVER" "$root/bin/vm-driver"
	specs=
	for s in "$@"; do
		cp "$s" "$root/specs/"
		specs="$specs /specs/$(basename "$s")"
	done
	cat > "$root/init" <<INIT
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
echo WL-BEGIN
/bin/vm-driver $specs 2>/dev/null
echo "WL-END rc=\$?"
poweroff -f
INIT
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$work/initrd"
	rm -rf "$root"
	timeout 150 "$WL_QEMU" -M q35 -accel tcg,thread=single -cpu max \
		-smp "$smp,sockets=$sockets,cores=$((smp / sockets)),threads=1" -m 1024 \
		-kernel "$WL_KERNEL" -initrd "$work/initrd" -nographic -no-reboot -nodefaults \
		-serial "file:$work/console.log" \
		-append "console=ttyS0 rdinit=/init panic=-1 loglevel=1 quiet sysctl.kernel.sched_schedstats=1" \
		>"$work/qemu.log" 2>&1
}

# wl_result WORKDIR NAME: extract test NAME's telemetry into WORKDIR/NAME.json
# (wrapped like a ktstr-run result file); returns 1 when it is missing.
wl_result() {
	line=$(tr -d '\r' < "$1/console.log" | grep "^WL-RESULT $2 ") || return 1
	printf '{"runs":[{"telemetry":%s}]}\n' "$(printf '%s\n' "$line" | cut -d' ' -f4-)" > "$1/$2.json"
}

# wl_check WORKDIR NAME ASSERTION...: TAP lines for one test, renumbered.
wl_check() {
	work=$1 name=$2; shift 2
	if ! wl_result "$work" "$name"; then
		WL_N=$((WL_N + 1))
		echo "not ok $WL_N - $name: no WL-RESULT on the console"
		tail -n 20 "$work/console.log" | sed 's/^/# /'
		return
	fi
	left=$(tr -d '\r' < "$work/console.log" | awk -v n="$name" '$1 == "WL-LEFTOVERS" && $2 == n { print $3 }')
	WL_N=$((WL_N + 1))
	if [ "$left" = 0 ]; then
		echo "ok $WL_N - $name: no cgroup or process left after teardown"
	else
		echo "not ok $WL_N - $name: leftovers after teardown: ${left:-unknown}"
		tr -d '\r' < "$work/console.log" | grep '^WL-LEFTOVER ' | sed 's/^/# /'
	fi
	"$WL_CHECK" "$work/$name.json" "$@" > "$work/$name.tap" 2>&1
	wl_tap "$work/$name.tap" "$name"
}

# wl_tap FILE NAME: copy check-telemetry's TAP lines, numbered on from WL_N.
wl_tap() {
	while IFS= read -r l; do
		case $l in
		"ok "*|"not ok "*)
			WL_N=$((WL_N + 1))
			printf '%s\n' "$l" | sed -E "s/^(not )?ok [0-9]+/\\1ok $WL_N/"
			;;
		"Bail out!"*)
			WL_N=$((WL_N + 1))
			echo "not ok $WL_N - $2: ${l#Bail out! }"
			;;
		*) printf '%s\n' "$l" ;;
		esac
	done < "$1"
}
