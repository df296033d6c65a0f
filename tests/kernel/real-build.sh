#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# `make check-kernel-build`: build a real kernel with ktstr.kconfig and store
# it in the cache. The source is Debian's linux-source-7.3 from
# trixie-backports, fetched through the same private apt state as `fetch`.
# Slow: about an hour of CPU on 2 cores; not part of `make check`.
# Environment: KTSTR_SOURCE_SERIES (default 7.3), JOBS (default nproc),
# KTSTR_CACHE_DIR (default: the normal cache).
: "${KTSTR_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${KTSTR_BUILDDIR:=$KTSTR_SRCDIR}"
KK="$KTSTR_BUILDDIR/src/ktstr-kernel"
SERIES=${KTSTR_SOURCE_SERIES:-7.3}

missing=
for t in make gcc flex bison bc pahole; do
	command -v $t >/dev/null 2>&1 || missing="$missing $t"
done
if [ -n "$missing" ]; then
	echo "check-kernel-build: missing tools:$missing" >&2
	echo "  apt-get install build-essential flex bison bc dwarves libelf-dev libssl-dev" >&2
	exit 1
fi
echo "check-kernel-build: fetching linux-source-$SERIES and building it (this takes a while)"
"$KK" fetch --debian-source "$SERIES" -j "${JOBS:-$(nproc)}" || exit 1
"$KK" list
KEY=$("$KK" list --json | python3 -c '
import json, sys
v = [e for e in json.load(sys.stdin) if e["source_type"] == "deb-source" and not e["corrupt"]]
print(v[0]["key"] if v and v[0]["sched_ext"] and v[0]["btf"] else "")')
if [ -z "$KEY" ]; then
	echo "check-kernel-build: FAIL: no usable sched_ext+BTF entry from linux-source-$SERIES" >&2
	exit 1
fi
echo "check-kernel-build: PASS: $KEY"
