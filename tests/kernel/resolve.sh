#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Discovery order: selector, KTSTR_TEST_KERNEL, KTSTR_KERNEL (tree, version,
# key), the cache, ./linux, ../linux, the running kernel; and a missing
# asked-for kernel is an error that says how to get it, never a substitute.
. "$(dirname "$0")/lib.sh"
plan 20

W="$T/work/sub"
mkdir -p "$W"
cd "$W" || exit 1
# what the host itself would offer at the bottom of the chain
R=$(uname -r)
HOSTK=
for f in "/lib/modules/$R/build/arch/x86/boot/bzImage" "/lib/modules/$R/vmlinuz" "/boot/vmlinuz-$R" /boot/vmlinuz; do
	[ -f "$f" ] && HOSTK=$f && break
done

# resolve_is EXPECTED-IMAGE DESC [ARGS]
resolve_is() {
	_want=$1 _desc=$2
	shift 2
	"$KK" resolve "$@" >"$T/stdout" 2>"$T/out"
	rc=$?
	ok $( [ $rc = 0 ] && [ "$(cat "$T/stdout")" = "$_want" ] && echo 0 || echo 1) "$_desc"
}

run "$KK" resolve
if [ -n "$HOSTK" ]; then
	ok $( [ $rc = 0 ] && has "$HOSTK" && echo 0 || echo 1) "empty cache: the running kernel's image"
else
	ok $( [ $rc = 1 ] && has "no kernel found" && has "ktstr-kernel fetch" && echo 0 || echo 1) \
		"nothing anywhere: an error naming ktstr-kernel fetch"
fi

fake_tree "$T/work/linux" 6.50.1-up
resolve_is "$T/work/linux/arch/x86/boot/bzImage" "../linux build tree"
has "build tree ../linux"
ok $? "why names ../linux"
fake_tree "$W/linux" 6.50.2-here
resolve_is "$W/linux/arch/x86/boot/bzImage" "./linux beats ../linux"

D=$(fake_debs "$T/debs" 6.91.1)
"$KK" fetch --from-deb "$D" >/dev/null 2>&1
KEY=$(key_of 6.91.1)
resolve_is "$KTSTR_CACHE_DIR/$KEY/bzImage" "the cache beats ./linux"
has "cache entry $KEY"
ok $? "why names the cache entry"

export KTSTR_KERNEL="$T/work/linux"
resolve_is "$T/work/linux/arch/x86/boot/bzImage" "KTSTR_KERNEL as a build tree path"
export KTSTR_KERNEL=6.91.1
resolve_is "$KTSTR_CACHE_DIR/$KEY/bzImage" "KTSTR_KERNEL as a version"
export KTSTR_KERNEL="$KEY"
resolve_is "$KTSTR_CACHE_DIR/$KEY/bzImage" "KTSTR_KERNEL as a cache key"
export KTSTR_KERNEL=7.3.4
run "$KK" resolve
ok $( [ $rc = 1 ] && has "not in the cache" && has "ktstr-kernel fetch 7.3.4" && echo 0 || echo 1) \
	"missing version: error with the fetch command, no substitute"
export KTSTR_KERNEL="$T/nowhere/linux"
run "$KK" resolve
ok $( [ $rc = 1 ] && has "no such file" && echo 0 || echo 1) "missing path: error"
mkdir -p "$T/unbuilt"
export KTSTR_KERNEL="$T/unbuilt"
run "$KK" resolve
ok $( [ $rc = 1 ] && has "build --source" && echo 0 || echo 1) "unbuilt tree: error says how to build it"

fake_image 6.60.0-direct "$T/direct.img"
export KTSTR_TEST_KERNEL="$T/direct.img"
resolve_is "$T/direct.img" "KTSTR_TEST_KERNEL beats KTSTR_KERNEL"
resolve_is "$W/linux/arch/x86/boot/bzImage" "an explicit selector beats the environment" "$W/linux"
unset KTSTR_TEST_KERNEL KTSTR_KERNEL

# a corrupt cache entry is skipped by discovery
truncate -s 100 "$KTSTR_CACHE_DIR/$KEY/bzImage"
resolve_is "$W/linux/arch/x86/boot/bzImage" "a corrupt cache entry is passed over"

run "$KK" info "$T/direct.img"
ok $( [ $rc = 0 ] && has "version:   6.60.0-direct" && has "console=" && echo 0 || echo 1) \
	"info IMAGE: version from the setup header, default cmdline"
# IKCONFIG: an image without a config file describes itself
printf 'CONFIG_SCHED_CLASS_EXT=y\nCONFIG_DEBUG_INFO_BTF=y\nCONFIG_IKCONFIG=y\n' >"$T/ik.config"
mkdir -p "$T/ik"
FAKE_IKCONFIG="$T/ik.config" fake_image 6.61.0-ik "$T/ik/vmlinuz"
run "$KK" info "$T/ik/vmlinuz"
ok $( [ $rc = 0 ] && has "sched_ext: yes" && has "/.ikconfig/" && echo 0 || echo 1) \
	"no config file: sched_ext read from the image's IKCONFIG"
ok $( cmp -s "$T/ik.config" "$KTSTR_CACHE_DIR"/.ikconfig/*.config && echo 0 || echo 1) \
	"the embedded config is kept in the cache, byte for byte"
run "$KK" info "$T/direct.img"
ok $( [ $rc = 0 ] && has "sched_ext: unknown" && ls "$KTSTR_CACHE_DIR"/.ikconfig/*.none >/dev/null 2>&1 \
	&& echo 0 || echo 1) "no config anywhere: unknown, and remembered"
"$KK" btf "$T/ik/vmlinuz" "$T/ik.btf" >"$T/out" 2>&1
ok $( [ "$(cat "$T/ik.btf")" = "FAKEBTF:6.61.0-ik" ] && echo 0 || echo 1) "btf of an image path"
finish
