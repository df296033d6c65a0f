#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# More than one Debian kernel: trixie's own packaging (linux-image-V-unsigned,
# boot/vmlinuz-V) imports with sched_ext no; a real fetch of trixie's 6.12
# cloud kernel and of a 7.2 one from trixie-backports into a private cache,
# listed side by side. The network part skips cleanly when the archive is
# unreachable.
. "$(dirname "$0")/lib.sh"
plan 7

D=$(fake_deb_trixie "$T/debs" 6.80.3+deb13)
run "$KK" fetch --from-deb "$D"
ok $( [ $rc = 0 ] && has "6.80.3+deb13-cloud-amd64" && has "sched_ext no" && has "sched_ext specs will be skipped" && echo 0 || echo 1) \
	"trixie-packaged .deb (boot/vmlinuz-V): imported, marked sched_ext no"
run "$KK" info 6.80.3+deb13-cloud-amd64
ok $( [ $rc = 0 ] && has "sched_ext: no" && echo 0 || echo 1) "info on it says sched_ext: no"

export KTSTR_CACHE_DIR="$T/net"
run "$KK" fetch --list
if [ $rc != 0 ]; then
	if has "cannot reach"; then why="Debian archive unreachable: $(tail -1 "$T/out")"
	else why="fetch --list failed: $(tail -1 "$T/out")"; ok 1 "$why"; fi
	while [ $tap_n -lt 7 ]; do skip "$why"; done
	finish
fi
V612=$(grep -v '^ ' "$T/out" | grep '^6\.12\.' | head -1)
V72=$(grep -v '^ ' "$T/out" | grep '^7\.2\.' | tail -1)
ok $( [ -n "$V612" ] && [ -n "$V72" ] && grep -q '^7\.3\.' "$T/out" && echo 0 || echo 1) \
	"fetch --list offers trixie-backports' 7.3 and 7.2 ($V72) and trixie's 6.12 ($V612)"

# lists made by an older ktstr (trixie-backports only) are refreshed, not believed
sed -i '/ trixie main$/d' "$T/net/.apt/sources.list"
rm -f "$T/net/.apt/lists/"*_dists_trixie_*
run "$KK" fetch --list
ok $( [ $rc = 0 ] && grep -q '^6\.12\.' "$T/out" && echo 0 || echo 1) \
	"fresh lists for other suites are updated, 6.12 is found"

run "$KK" fetch 6.12
ok $( [ $rc = 0 ] && has "(${V612}, sched_ext no)" && echo 0 || echo 1) "fetch 6.12: $V612, sched_ext no"
run "$KK" fetch "${V72%%+*}"
ok $( [ $rc = 0 ] && has "(${V72}, sched_ext yes)" && echo 0 || echo 1) "fetch ${V72%%+*}: sched_ext yes"
run "$KK" list
ok $( [ "$(grep -c -- '-deb-' "$T/out")" = 2 ] && grep "^$V612-deb-" "$T/out" | grep -q ' no ' &&
	grep "^$V72-deb-" "$T/out" | grep -q ' yes ' && echo 0 || echo 1) "list shows both kernels"
finish
