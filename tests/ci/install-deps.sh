#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# .ci/install-deps is the fresh-machine install list: every file a documented
# make target needs must come from a package it names. Each file is mapped to
# its Debian package with dpkg -S, so the list cannot drift from the tools.
SRC=${KTSTR_SRCDIR:-.}
echo "TAP version 14"
if ! command -v dpkg >/dev/null 2>&1; then
	echo "1..0 # SKIP not a Debian system (no dpkg)"
	exit 0
fi
# the PKGS="..." assignment, one package a word
pkgs=" $(sed -n '/^PKGS="/,/"$/p' "$SRC/.ci/install-deps" | tr -d '"' | sed 's/^PKGS=//' | tr '\n' ' ') "
fuzz_rt=
command -v clang-19 >/dev/null 2>&1 &&
	fuzz_rt="$(clang-19 -print-resource-dir)/lib/linux/libclang_rt.fuzzer-x86_64.a"
n=0
failed=0
# need WHAT FILE: FILE (needed by WHAT) belongs to a package in the list
need() {
	n=$((n + 1))
	if [ -z "$2" ] || [ ! -e "$2" ]; then
		echo "ok $n - $1 # SKIP ${2:-its file} is not installed here"
		return
	fi
	pkg=$(dpkg -S "$2" 2>/dev/null | sed -n '1s/:.*//p' | sed 's/:[a-z0-9]*$//')
	case "$pkgs" in
	*" $pkg "*) echo "ok $n - $1: $2 comes from $pkg, which install-deps installs" ;;
	*)
		echo "not ok $n - $1: $2 comes from package '${pkg:-?}', missing in .ci/install-deps"
		failed=1
		;;
	esac
}
need "make bench (GNU time)" /usr/bin/time
need "make fuzz (libFuzzer runtime)" "$fuzz_rt"
need "BPF plugins (clang-19)" "$(command -v clang-19)"
need "BPF skeletons (bpftool)" "$(command -v bpftool || echo /usr/sbin/bpftool)"
need "test VMs (QEMU)" "$(command -v qemu-system-x86_64)"
need "payload examples (stress-ng)" /usr/bin/stress-ng
need "payload examples (fio)" /usr/bin/fio
echo "1..$n"
exit $failed
