# SPDX-License-Identifier: GPL-2.0-only
# The kernel VM tests boot, in one place: KTSTR_TEST_KERNEL, else the one
# `ktstr-kernel fetch` cached (what the quick start does). Under CI a missing
# kernel is an error, never a silent skip.
# shellcheck shell=sh

# test_kernel BUILDDIR: print the kernel image, or nothing.
test_kernel() {
	if [ -n "${KTSTR_TEST_KERNEL:-}" ] && [ -r "$KTSTR_TEST_KERNEL" ]; then
		echo "$KTSTR_TEST_KERNEL"
		return
	fi
	_k=$("$1/src/ktstr-kernel" -q resolve 2>/dev/null | head -n 1)
	[ -n "$_k" ] && [ -r "$_k" ] && echo "$_k"
}

# no_test_kernel REASON: skip the whole TAP script, or bail out under CI.
no_test_kernel() {
	[ -z "${CI:-}" ] || { echo "Bail out! no kernel under CI (the quick start runs ktstr-kernel fetch first)"; exit 1; }
	echo "1..0 # SKIP $1"
	exit 0
}
