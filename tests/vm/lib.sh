# SPDX-License-Identifier: GPL-2.0-only
# Shared helpers for VM tests (TAP shell scripts): find the built binaries and
# a kernel, private temp/results/cache dirs removed on exit, TAP output, and
# checks that a run left no QEMU process or temp file behind.
#
# Use:   . "$KTSTR_SRCDIR/tests/vm/lib.sh"
#        vm_require_kernel            # prints "1..0 # SKIP ..." and exits 0 without one
#                                     # (kernel: tests/vm/kernel.sh; bails out under CI)
#        tap_plan 3
#        vm_run --topo-only --topology 1n1l2c1t; tap_is "$VM_RC" 0 "boots"
# shellcheck shell=sh

: "${KTSTR_BUILDDIR:=$(pwd)}"
: "${KTSTR_SRCDIR:=$KTSTR_BUILDDIR}"
KTSTR_RUN=${KTSTR_RUN:-$KTSTR_BUILDDIR/src/ktstr-run}
VM_KERNEL=
VM_RC=
TAP_N=0
TAP_FAILED=0

. "$KTSTR_SRCDIR/tests/vm/kernel.sh"
VM_KERNEL=$(test_kernel "$KTSTR_BUILDDIR")

# Private dirs: temp files, results, the initramfs cache. Removed on exit.
VM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-vmtest.XXXXXX") || exit 99
VM_RESULTS=$VM_DIR/results
VM_TMP=$VM_DIR/tmp
mkdir -p "$VM_RESULTS" "$VM_TMP" "$VM_DIR/cache"
XDG_CACHE_HOME=$VM_DIR/cache
TMPDIR=$VM_TMP
export XDG_CACHE_HOME TMPDIR

vm_cleanup() {
	# a test that failed half-way must not leave VMs running
	for p in $(pgrep -f "qemu-system.*$VM_DIR" 2>/dev/null); do
		kill -9 "$p" 2>/dev/null
	done
	rm -rf "$VM_DIR"
}
trap vm_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tap_plan() { echo "TAP version 14"; echo "1..$1"; }

# tap_ok COND-EXIT-STATUS NAME [DIAG]: "ok" when the status is 0.
tap_ok() {
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $TAP_N - $2"
	else
		echo "not ok $TAP_N - $2"
		TAP_FAILED=$((TAP_FAILED + 1))
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
	fi
	return 0
}

# tap_is GOT WANT NAME
tap_is() {
	[ "$1" = "$2" ]
	tap_ok $? "$3" "got '$1', want '$2'"
}

tap_skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP ${2:-}"; }

tap_done() { [ "$TAP_FAILED" -eq 0 ]; exit $?; }

skip_all() { echo "1..0 # SKIP $1"; exit 0; }

# vm_find_kernel: VM_KERNEL from $KTSTR_TEST_KERNEL or `ktstr-kernel resolve`
# (resolved when this file is sourced, before the private cache dir is set).
vm_find_kernel() { [ -n "$VM_KERNEL" ]; }

vm_require_kernel() {
	[ -x "$KTSTR_RUN" ] || skip_all "ktstr-run not built ($KTSTR_RUN)"
	command -v "${KTSTR_QEMU:-${QEMU:-qemu-system-x86_64}}" >/dev/null 2>&1 ||
		skip_all "no QEMU"
	vm_find_kernel || no_test_kernel "no kernel: set KTSTR_TEST_KERNEL or run 'ktstr-kernel fetch'"
}

# vm_run ARGS...: ktstr-run with the test kernel and private results;
# sets VM_RC; stdout/stderr go to $VM_DIR/out and $VM_DIR/err.
vm_run() {
	"$KTSTR_RUN" --kernel "$VM_KERNEL" --results-dir "$VM_RESULTS" "$@" \
		>"$VM_DIR/out" 2>"$VM_DIR/err"
	VM_RC=$?
}

# vm_result_dir NAME: the per-test results directory (name sanitised as spec_test__dir_name does).
vm_result_dir() { echo "$VM_RESULTS/$(printf '%s' "$1" | tr -c 'A-Za-z0-9._+:=-' '_')"; }

# vm_no_leftovers NAME: no QEMU of ours still running, no ktstr-run temp dir left.
vm_no_leftovers() {
	left=$(pgrep -f "qemu-system.*$VM_DIR" 2>/dev/null | wc -l)
	tmps=$(find "$VM_TMP" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	[ "$left" -eq 0 ] && [ "$tmps" -eq 0 ]
	tap_ok $? "$1: no leftover processes or temp files" \
		"qemu processes: $left, temp entries: $(ls "$VM_TMP" 2>/dev/null)"
}

# vm_diag FILE: show a file as TAP diagnostics (for failures).
vm_diag() { [ -r "$1" ] && tail -n "${2:-20}" "$1" | sed 's/^/# /'; return 0; }

# snap_use DIR: snapshot use per test of a results dir (timings.json): "NAME used|REASON"
snap_use() {
	python3 - "$1" <<'PY'
import json, os, sys
for root, dirs, files in sorted(os.walk(sys.argv[1])):
    if 'timings.json' in files:
        s = json.load(open(os.path.join(root, 'timings.json'))).get('snapshot') or {}
        print(os.path.basename(root), 'used' if s.get('used') else s.get('reason'))
PY
}
