#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Positive control (not part of make check): run the example specs under the
# default scheduler RUNS times in a row and print the pass rate. A healthy
# EEVDF kernel must pass every run; anything below 100% is a flaky check or
# a threshold that is too tight for this machine.
#
# usage: tests/bench/healthy-repeat.sh [-n RUNS] [SPEC...]
#   defaults: 5 runs of specs/*.yaml; KTSTR_TEST_KERNEL picks the kernel,
#   KTSTR_RUN the binary (default: the build tree's src/ktstr-run).
set -u
src=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KTSTR_BUILDDIR:-$src}
run=${KTSTR_RUN:-$build/src/ktstr-run}
runs=5
if [ "${1:-}" = -n ]; then
	runs=$2
	shift 2
fi
[ $# -gt 0 ] || set -- "$src"/specs/*.yaml
[ -e "$1" ] || { echo "healthy-repeat: no specs given and none in $src/specs" >&2; exit 2; }
out=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-healthy.XXXXXX")
pass=0 fail=0 skip=0 i=1
while [ $i -le "$runs" ]; do
	"$run" --tap -q --results-dir "$out/run$i" "$@" >"$out/run$i.tap" 2>"$out/run$i.txt"
	rc=$?
	p=$(grep -c '^ok .* # SKIP' "$out/run$i.tap")
	o=$(grep -c '^ok ' "$out/run$i.tap")
	f=$(grep -c '^not ok ' "$out/run$i.tap")
	skip=$((skip + p))
	pass=$((pass + o - p))
	fail=$((fail + f))
	echo "run $i/$runs: exit $rc, $((o - p)) passed, $f not passed, $p skipped"
	grep -A3 '^not ok ' "$out/run$i.tap" | sed 's/^/    /'
	i=$((i + 1))
done
total=$((pass + fail))
if [ $total -gt 0 ]; then
	echo "pass rate: $pass/$total ($((100 * pass / total))%) over $runs runs, $skip skipped; artifacts in $out"
else
	echo "pass rate: no test ran ($skip skipped); artifacts in $out"
fi
[ $fail -eq 0 ] && [ $total -gt 0 ]
