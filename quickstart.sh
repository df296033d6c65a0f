#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The README's quick start: install what is needed, build, fetch the default
# sched_ext kernel into the cache, then either run the shipped specs (`run`)
# or the test suite (`check`). Safe to run again: every step is idempotent.
set -eu
cd "$(dirname "$0")"
mode=${1:-run}
case "$mode" in
run|check) ;;
*) echo "usage: $0 run|check" >&2; exit 2 ;;
esac

step() { printf '\n==> %s\n' "$*"; }

step "installing build dependencies"
./.ci/install-deps

step "building ktstr"
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	./autogen.sh >/dev/null
fi
if [ ! -f Makefile ] || [ configure -nt config.status ]; then
	./configure -q
fi
make -j"$(nproc)" >/dev/null

step "fetching the default sched_ext kernel (cached after the first run)"
./src/ktstr-kernel fetch

case "$mode" in
run)
	step "running the shipped specs"
	exec ./src/ktstr-run specs/*.yaml specs/*.ini
	;;
check)
	step "running the test suite"
	rc=0
	make -j"$(nproc)" check || rc=$?
	if [ -f test-suite.log ]; then
		awk '/^# (PASS|FAIL|SKIP|ERROR|XFAIL|XPASS):/ { n[$2] = $3 }
		     END { printf "%d passed, %d failed, %d skipped\n",
			   n["PASS:"] + n["XFAIL:"], n["FAIL:"] + n["ERROR:"] + n["XPASS:"], n["SKIP:"] }' test-suite.log
	fi
	[ "$rc" = 0 ] || find . -name '*.log' -path './tests/*' -newer config.status -exec grep -l '^not ok\|^ERROR' {} + 2>/dev/null | head -20
	exit "$rc"
	;;
esac
