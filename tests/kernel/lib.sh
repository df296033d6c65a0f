# SPDX-License-Identifier: GPL-2.0-only
# Shared helpers for the kernel shell tests: TAP output, a private cache,
# fake bzImages, fake Debian packages and fake kernel trees.
: "${KTSTR_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${KTSTR_BUILDDIR:=$KTSTR_SRCDIR}"
KK="$KTSTR_BUILDDIR/src/ktstr-kernel"
KDIR="$KTSTR_SRCDIR/tests/kernel"
T=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-kernel-test.XXXXXX")
trap 'cleanup_hook; rm -rf "$T"' EXIT
cleanup_hook() { :; }
export KTSTR_CACHE_DIR="$T/cache"
unset KTSTR_KERNEL KTSTR_TEST_KERNEL XDG_CACHE_HOME
tap_n=0
tap_failed=0

plan() { echo "TAP version 14"; echo "1..$1"; }
ok() { # ok COND-STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=1
		[ -f "$T/out" ] && sed 's/^/# /' "$T/out" | tail -20
	fi
}
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $1"; }
# run CMD...: stdout+stderr to $T/out, status in $rc
run() { "$@" >"$T/out" 2>&1; rc=$?; }
# has TEXT: the last run's output contains TEXT
has() { grep -qF -- "$1" "$T/out"; }
finish() { exit $tap_failed; }

# fake_image VERSION OUT: a bzImage whose gzip payload is an ELF with .BTF "FAKEBTF:VERSION"
# (and the config file $FAKE_IKCONFIG embedded the IKCONFIG way, when set)
fake_image() {
	_fi="$T/img.$$"
	mkdir -p "$_fi"
	printf 'FAKEBTF:%s' "$1" >"$_fi/btf"
	printf 'int x;\n' | ${CC:-cc} -c -x c - -o "$_fi/v.o" &&
	if [ -n "${FAKE_IKCONFIG:-}" ]; then
		# kernel/configs.c layout: IKCFG_ST, the gzip'd config, IKCFG_ED
		{ printf IKCFG_ST; gzip -9 -n -c "$FAKE_IKCONFIG"; printf IKCFG_ED; } >"$_fi/ikcfg" &&
		objcopy --add-section .ikcfg="$_fi/ikcfg" "$_fi/v.o" "$_fi/v2.o" &&
		mv "$_fi/v2.o" "$_fi/v.o"
	fi &&
	objcopy --add-section .BTF="$_fi/btf" "$_fi/v.o" "$_fi/vmlinux" &&
	gzip -9 -n -c "$_fi/vmlinux" >"$_fi/p.gz" &&
	python3 "$KDIR/fake-linux/mkbzimage.py" "$1" "$_fi/p.gz" "$2"
	_fr=$?
	rm -rf "$_fi"
	return $_fr
}

# fake_debs DIR VERSION [SCHED_EXT y|n]: linux-binary-unsigned + linux-base .debs of a -cloud-amd64 kernel
fake_debs() {
	_v="$2-cloud-amd64"
	_d="$T/deb.$$"
	rm -rf "$_d"
	mkdir -p "$_d/img/usr/lib/modules/$_v" "$_d/base/usr/lib/modules/$_v" "$_d/ctl" "$1"
	fake_image "$_v" "$_d/img/usr/lib/modules/$_v/vmlinuz.unsigned" || return 1
	printf 'CONFIG_SMP=y\nCONFIG_BPF_SYSCALL=y\nCONFIG_DEBUG_INFO_BTF=y\n' >"$_d/base/usr/lib/modules/$_v/config"
	if [ "${3:-y}" = y ]; then
		echo 'CONFIG_SCHED_CLASS_EXT=y' >>"$_d/base/usr/lib/modules/$_v/config"
	else
		echo '# CONFIG_SCHED_CLASS_EXT is not set' >>"$_d/base/usr/lib/modules/$_v/config"
	fi
	echo "Package: fake" >"$_d/ctl/control"
	echo 2.0 >"$_d/debian-binary"
	for _p in img base; do
		tar -C "$_d/$_p" -cJf "$_d/data.tar.xz" ./usr || return 1
		tar -C "$_d/ctl" -cJf "$_d/control.tar.xz" ./control || return 1
		case $_p in
		img) _name="linux-binary-unsigned-${_v}_$2-1_amd64.deb" ;;
		base) _name="linux-base-${_v}_$2-1_amd64.deb" ;;
		esac
		rm -f "$1/$_name"
		(cd "$_d" && ar rc "$1/$_name" debian-binary control.tar.xz data.tar.xz) || return 1
	done
	rm -rf "$_d"
	echo "$1/linux-binary-unsigned-${_v}_$2-1_amd64.deb"
}

# fake_tree DIR [VERSION]: a built kernel tree (bzImage + .config)
fake_tree() {
	mkdir -p "$1/arch/x86/boot"
	fake_image "${2:-6.50.0-tree}" "$1/arch/x86/boot/bzImage"
	printf 'CONFIG_SCHED_CLASS_EXT=y\nCONFIG_DEBUG_INFO_BTF=y\n' >"$1/.config"
}

# key_of VERSION_PREFIX: the cache key of the entry with that version
key_of() { ls "$KTSTR_CACHE_DIR" | grep "^$1" | head -1; }

# fake_deb_trixie DIR VERSION: trixie's packaging of a -cloud-amd64 kernel, one
# linux-image-V-cloud-amd64-unsigned .deb with boot/vmlinuz-V and boot/config-V,
# built without sched_ext (as trixie's 6.12 is)
fake_deb_trixie() {
	_v="$2-cloud-amd64"
	_d="$T/debt.$$"
	rm -rf "$_d"
	mkdir -p "$_d/img/boot" "$_d/img/usr/lib/modules/$_v" "$_d/ctl" "$1"
	fake_image "$_v" "$_d/img/boot/vmlinuz-$_v" || return 1
	printf 'CONFIG_SMP=y\nCONFIG_BPF_SYSCALL=y\nCONFIG_DEBUG_INFO_BTF=y\n# CONFIG_SCHED_CLASS_EXT is not set\n' \
		>"$_d/img/boot/config-$_v"
	: >"$_d/img/usr/lib/modules/$_v/modules.order"
	echo "Package: fake" >"$_d/ctl/control"
	echo 2.0 >"$_d/debian-binary"
	tar -C "$_d/img" -cJf "$_d/data.tar.xz" ./boot ./usr || return 1
	tar -C "$_d/ctl" -cJf "$_d/control.tar.xz" ./control || return 1
	_name="linux-image-${_v}-unsigned_$2-1_amd64.deb"
	rm -f "$1/$_name"
	(cd "$_d" && ar rc "$1/$_name" debian-binary control.tar.xz data.tar.xz) || return 1
	rm -rf "$_d"
	echo "$1/$_name"
}
