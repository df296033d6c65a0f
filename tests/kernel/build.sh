#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The build pipeline on a fake kernel tree: defconfig, the ktstr.kconfig
# merge, olddefconfig, verification, bzImage, and the cache entry.
. "$(dirname "$0")/lib.sh"
plan 15

SRC="$T/linux"
cp -r "$KDIR/fake-linux" "$SRC"
run "$KK" build --source "$SRC" -j 2
ok $rc "build --source on a fresh tree"
has "make -j2 defconfig" && has "merging" && has "make -j2 olddefconfig" && has "make -j2 bzImage" && has "CC      kernel/sched/ext.o"
ok $? "defconfig, merge, olddefconfig, bzImage, with make's output as progress"
KEY=$(key_of 6.99.0-fake-local)
ok $( [ -n "$KEY" ] && [ "$(tail -1 "$T/out")" = "$KTSTR_CACHE_DIR/$KEY/bzImage" ] && echo 0 || echo 1) "stored as $KEY"
C="$KTSTR_CACHE_DIR/$KEY/config"
grep -q '^CONFIG_SCHED_CLASS_EXT=y' "$C" && grep -q '^CONFIG_BPF_SYSCALL=y' "$C" && grep -q '^# CONFIG_SOUND is not set' "$C"
ok $? "the stored config has the fragment merged (SOUND turned off)"
ok $( [ "$(grep -c 'CONFIG_SOUND' "$C")" = 1 ] && echo 0 || echo 1) "merged options appear once"
run "$KK" list
grep "$KEY" "$T/out" | grep -q " yes "
ok $? "list: sched_ext yes, source is the tree"
"$KK" btf "$KEY" "$T/btf" >"$T/out" 2>&1
ok $( [ "$(cat "$T/btf")" = "FAKEBTF:6.99.0-fake" ] && echo 0 || echo 1) "btf extracts .BTF from the built bzImage"

{ cat "$KTSTR_SRCDIR/kconfig/ktstr.kconfig"; echo "# edited"; } >"$T/kc2"
KTSTR_KCONFIG="$T/kc2" "$KK" list >"$T/out" 2>&1
grep "$KEY" "$T/out" | grep -q "(stale kconfig)"
ok $? "an entry built with another ktstr.kconfig is listed as stale"
KTSTR_KCONFIG="$T/kc2" "$KK" resolve >"$T/stdout" 2>"$T/out"
ok $( [ $? = 0 ] && has "stale kconfig" && echo 0 || echo 1) "discovery still uses it, and says it is stale"

run "$KK" build "$SRC" -j 1
ok $( [ $rc = 0 ] && has "make -j1 olddefconfig" && ! has "make -j1 defconfig" && echo 0 || echo 1) \
	"an existing .config starts from olddefconfig, not defconfig"
ok $( [ "$(ls "$KTSTR_CACHE_DIR" | wc -l)" = 1 ] && echo 0 || echo 1) "rebuilding the same config reuses the entry"

rm -f "$SRC/.config"
FAKE_NO_PAHOLE=1 "$KK" build --source "$SRC" >"$T/out" 2>&1
rc=$?
ok $( [ $rc = 1 ] && has "did not stick" && has "CONFIG_DEBUG_INFO_BTF=unset (wanted y)" && echo 0 || echo 1) \
	"a required option that does not stick fails the build and says which"

printf 'CONFIG_SCHED_CLASS_EXT=y\n' >"$T/frag"
rm -f "$SRC/.config"
run "$KK" build --source "$SRC" --kconfig "$T/frag"
ok $( [ $rc = 1 ] && has "CONFIG_SCHED_CLASS_EXT=unset" && echo 0 || echo 1) \
	"a fragment missing a dependency is caught after olddefconfig"

mkdir -p "$T/notlinux"
run "$KK" build --source "$T/notlinux"
ok $( [ $rc = 1 ] && has "not a kernel source tree" && echo 0 || echo 1) "a directory without Makefile/Kconfig is refused"

grep -v '^#' "$KTSTR_SRCDIR/kconfig/ktstr.kconfig" | grep -c . >/dev/null
awk '/^CONFIG_|^# CONFIG_.* is not set/ { if (!c) bad = bad " " $0 } { c = ($0 ~ /^#/ && $0 !~ /is not set/) || (c && $0 ~ /^(CONFIG_|# CONFIG_.*is not set)/) } END { if (bad) { print bad; exit 1 } }' \
	"$KTSTR_SRCDIR/kconfig/ktstr.kconfig" >"$T/out"
ok $? "every option in ktstr.kconfig sits under a comment saying why"
finish
