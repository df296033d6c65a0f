#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A real fetch of Debian's trixie-backports cloud kernel through the host's
# apt with a private state. Skips cleanly when the archive is unreachable.
. "$(dirname "$0")/lib.sh"
plan 11

ORIG_MIRROR=${KTSTR_DEBIAN_MIRROR-}
# offline: a mirror on a loopback port nobody listens on (runs without network)
CLOSED=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
KTSTR_CACHE_DIR="$T/offline" KTSTR_DEBIAN_MIRROR="http://127.0.0.1:$CLOSED/debian" "$KK" fetch >"$T/out" 2>&1
rc=$?
ok $( [ $rc = 1 ] && has "cannot reach the Debian mirror" && has "offline" && [ -z "$(ls "$T/offline" | grep -v '^\.')" ] \
	&& echo 0 || echo 1) "unreachable mirror: a clear offline error, no entry"

# offline with a cached kernel: fetch still succeeds from the cache
D=$(fake_debs "$T/debs" 6.90.1)
export KTSTR_DEBIAN_MIRROR="http://127.0.0.1:$CLOSED/debian"
KTSTR_CACHE_DIR="$T/off2" "$KK" fetch --from-deb "$D" >/dev/null 2>&1
KTSTR_CACHE_DIR="$T/off2" "$KK" fetch >"$T/stdout" 2>"$T/out"
ok $( [ $? = 0 ] && grep -q "/6.90.1-cloud-amd64-deb-" "$T/stdout" && echo 0 || echo 1) \
	"offline, kernel cached: fetch uses the cache"
KTSTR_CACHE_DIR="$T/off3" "$KK" fetch --from-deb "$D" >/dev/null 2>&1
KTSTR_CACHE_DIR="$T/off3" "$KK" fetch 6.90.1 >"$T/stdout" 2>"$T/out"
ok $( [ $? = 0 ] && [ ! -s "$T/out" ] && [ ! -e "$T/off3/.apt" ] && echo 0 || echo 1) \
	"a named version already cached needs no apt at all"
KTSTR_CACHE_DIR="$T/off2" "$KK" fetch 6.91 >"$T/stdout" 2>"$T/out"
ok $( [ $? = 1 ] && has "cannot reach the Debian mirror" && echo 0 || echo 1) \
	"offline, version not cached: the offline error"
if [ -n "$ORIG_MIRROR" ]; then export KTSTR_DEBIAN_MIRROR="$ORIG_MIRROR"; else unset KTSTR_DEBIAN_MIRROR; fi

run "$KK" fetch --list
if [ $rc != 0 ] && ! has "cannot reach"; then
	ok 1 "fetch --list failed for another reason than being offline"
	for i in 2 3 4 5 6 7; do skip "fetch --list failed"; done
	finish
fi
if [ $rc != 0 ]; then
	why=$(tail -1 "$T/out")
	for i in 1 2 3 4 5 6 7; do skip "Debian archive unreachable: $why"; done
	finish
fi
NEWEST=$(grep -v '^ ' "$T/out" | grep -- '-cloud-amd64$' | head -1)
ok $( [ -n "$NEWEST" ] && echo 0 || echo 1) "fetch --list: newest is $NEWEST"
run "$KK" fetch
ok $rc "fetch (default: newest) downloads and stores it"
run "$KK" list
grep "^$NEWEST-deb-" "$T/out" | grep -q " yes "
ok $? "list shows it with sched_ext yes"
start=$(date +%s%N)
"$KK" fetch >"$T/stdout" 2>"$T/out"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
ok $( [ $rc = 0 ] && [ ! -s "$T/out" ] && [ $ms -lt 5000 ] && echo 0 || echo 1) "second fetch: a quiet cache hit (${ms} ms)"
run "$KK" resolve
has "$NEWEST"
ok $? "discovery picks it with no kernel setting"
# a later fetch of an older kernel does not change that: the bare fetch recorded its default
grep -q "^$NEWEST-deb-" "$KTSTR_CACHE_DIR/.default" && has "(the default release, cached)"
ok $? "the bare fetch recorded it as the default release, and discovery says so"
"$KK" btf "$NEWEST" "$T/vmlinux.btf" >"$T/out" 2>&1 && bpftool btf dump file "$T/vmlinux.btf" format c 2>/dev/null |
	grep -q 'struct sched_ext_ops {'
ok $? "its BTF extracts and knows struct sched_ext_ops"
finish
