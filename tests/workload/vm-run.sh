#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The workload end to end through ktstr-run and the guest agent (q35, NUMA):
# cpusets per node, memory policies, a NUMA cpuset swap with its op timeline,
# all read back from the result.json files.
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
"$RUN" -q --kernel "$WL_KERNEL" --results-dir "$W/res" "$S/wl-numa.yaml" "$S/wl-numa-swap.yaml" \
	> "$W/run.log" 2>&1
WL_N=0
# wl_run_check NAME ASSERTION...: check one test's result.json from ktstr-run.
wl_run_check() {
	name=$1; shift
	WL_N=$((WL_N + 1))
	if [ -s "$W/res/$name/result.json" ]; then
		echo "ok $WL_N - $name: ktstr-run wrote result.json"
	else
		echo "not ok $WL_N - $name: ktstr-run wrote no result.json"
		sed 's/^/# /' "$W/run.log" | tail -n 20
	fi
	"$WL_CHECK" "$W/res/$name/result.json" "$@" > "$W/$name.tap" 2>&1
	wl_tap "$W/$name.tap" "$name"
}
wl_run_check wl-numa noerror progress '*' within cg_0 0 within cg_1 1 \
	isolated '*' numa cg_0 0 80 numa cg_1 1 80
wl_run_check wl-numa-swap noerror progress '*' event step_start swapped event op swap_cpusets \
	migrated-after cg_0 swap_cpusets 1 migrated-after cg_1 swap_cpusets 0
echo "1..$WL_N"
