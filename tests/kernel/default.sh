#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The kernel a run boots when none is named: the default release (what a
# bare `ktstr-kernel fetch` got) when cached, else the highest sched_ext
# version, never merely the last one fetched; and the reason is printed.
. "$(dirname "$0")/lib.sh"
plan 10

# fetch_fake VERSION [SCHED_EXT] [AGE-SECONDS]: import a fake kernel, built AGE s ago
fetch_fake() {
	rm -rf "$T/debs"
	_d=$(fake_debs "$T/debs" "$1" "${2:-y}") && "$KK" fetch --from-deb "$_d" >/dev/null 2>&1 || return 1
	_m="$KTSTR_CACHE_DIR/$(key_of "$1")/metadata.json"
	sed -i "s/\"built_epoch\": *[0-9]*/\"built_epoch\": $(($(date +%s) - ${3:-0}))/" "$_m"
}
# default_is VERSION DESC: `ktstr-kernel resolve` (no selector) picks VERSION's entry
default_is() {
	"$KK" resolve >"$T/stdout" 2>"$T/out"
	ok $( [ $? = 0 ] && [ "$(cat "$T/stdout")" = "$KTSTR_CACHE_DIR/$(key_of "$1")/bzImage" ] \
		&& echo 0 || echo 1) "$2"
}

# the reported case: 6.94.4 is the everyday kernel, 6.93.12 was fetched later to try it
fetch_fake 6.94.4 y 100 && fetch_fake 6.93.12 y 0
ok $? "two fake kernels cached, the older version fetched last"
default_is 6.94.4 "fetch order does not change the default: the higher version"
has "6.94.4-cloud-amd64 (the highest sched_ext version cached) from cache entry $(key_of 6.94.4)"
ok $? "the reason is printed: the highest sched_ext version"

fetch_fake 6.95.1 y 200
default_is 6.95.1 "a higher version wins, even fetched earlier"
fetch_fake 6.96.1 n 0
default_is 6.95.1 "a higher version without sched_ext does not"
# ktstr-run --dry-run says the same for a test that names no kernel
printf 'name: t\nduration: 1s\ntopology: 1n1l2c1t\n' >"$T/t.yaml"
run "$KTSTR_BUILDDIR/src/ktstr-run" --dry-run "$T/t.yaml"
has "  kernel chosen: 6.95.1-cloud-amd64 (the highest sched_ext version cached) from cache entry"
ok $? "--dry-run prints the kernel chosen and why"

# the default release (a bare fetch records it) wins over higher versions
key_of 6.94.4 >"$KTSTR_CACHE_DIR/.default"
default_is 6.94.4 "the default release, when cached, is the default (neither newest nor highest)"
has "6.94.4-cloud-amd64 (the default release, cached)"
ok $? "the reason says it is the default release"

echo 6.94.4-cloud-amd64-deb-gone >"$KTSTR_CACHE_DIR/.default"
default_is 6.95.1 "a default release no longer cached: the highest version"
has "(the highest sched_ext version cached; the default release 6.94.4-cloud-amd64-deb-gone is not cached)"
ok $? "and the reason says the default release is not cached"
finish
