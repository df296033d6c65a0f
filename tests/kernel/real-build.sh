#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# `make check-kernel-build`: build a real kernel (Debian's linux-source-7.3
# from trixie-backports, fetched through the same private apt state) with
# ktstr.kconfig and store it. Slow (tens of minutes on 2 cores) and needs
# pahole (apt-get install dwarves) for BTF; not part of `make check`.
# Uses the normal cache unless KTSTR_CACHE_DIR is set.
: "${KTSTR_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${KTSTR_BUILDDIR:=$KTSTR_SRCDIR}"
KK="$KTSTR_BUILDDIR/src/ktstr-kernel"
SERIES=${KTSTR_SOURCE_SERIES:-7.3}
set -e
echo "fetching linux-source-$SERIES and building it (this takes a while)"
"$KK" fetch --debian-source "$SERIES" -j "${JOBS:-$(nproc)}"
"$KK" list
