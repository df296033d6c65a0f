#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The workload end to end through ktstr-run and the guest agent (q35, NUMA):
# cpusets per node, memory policies, and the telemetry in result.json.
. "${KTSTR_SRCDIR:-.}/tests/workload/vm-lib.sh"
S=$KTSTR_SRCDIR/tests/workload/specs
RUN=$KTSTR_BUILDDIR/src/ktstr-run

echo "TAP version 14"
if ! wl_find_kernel; then
	echo "1..0 # SKIP no test kernel (set KTSTR_TEST_KERNEL)"
	exit 0
fi
if [ ! -x "$RUN" ] || [ ! -x "$KTSTR_BUILDDIR/src/ktstr-guest" ]; then
	echo "1..0 # SKIP ktstr-run or ktstr-guest not built"
	exit 0
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/wl-run.XXXXXX")
[ -n "$WL_KEEP" ] || trap 'rm -rf "$W"' EXIT
"$RUN" -q --kernel "$WL_KERNEL" --results-dir "$W/res" "$S/wl-numa.yaml" > "$W/run.log" 2>&1
WL_N=1
if [ -s "$W/res/wl-numa/result.json" ]; then
	echo "ok 1 - ktstr-run wrote result.json (exit $?)"
else
	echo "not ok 1 - ktstr-run wrote no result.json"
	sed 's/^/# /' "$W/run.log" | tail -n 20
fi
"$WL_CHECK" "$W/res/wl-numa/result.json" noerror progress '*' within cg_0 0 within cg_1 1 \
	isolated '*' numa cg_0 0 80 numa cg_1 1 80 > "$W/check.tap" 2>&1
wl_tap "$W/check.tap" wl-numa
echo "1..$WL_N"
