#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Catalog throughput on EEVDF: a fixed slice of the catalog (6 scenarios, one
# VM each, 1 s workloads) run with --budget large enough to select all of it,
# so ktstr-run prints the budget's predicted against actual time. Prints the
# tests per minute of wall time. `make bench-catalog` runs it.
: "${KTSTR_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${KTSTR_BUILDDIR:=$KTSTR_SRCDIR}"
RUN="$KTSTR_BUILDDIR/src/ktstr-run"
CAT="$KTSTR_SRCDIR/specs/catalog"
T=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
SLICE="basic/cgroup_steady basic/cgroup_cpuset_llc_steady affinity/cgroup_affinity_pinned
sched_class/sched_batch dynamic/cgroup_add_midrun nested/nested_cgroup_steady"
specs=
for s in $SLICE; do specs="$specs $CAT/$s.yaml"; done
start=$(date +%s%N)
# shellcheck disable=SC2086
"$RUN" --accel tcg --scheduler eevdf --duration 1s --budget 60m --results-dir "$T/r" $specs \
	>"$T/out" 2>"$T/err"
rc=$?
wall_ms=$(( ($(date +%s%N) - start) / 1000000 ))
n=$(grep -cE '^(PASS|FAIL|SKIP|ERROR|TIMEOUT) +[0-9.]+s ' "$T/out")
passed=$(grep -cE '^PASS +[0-9.]+s ' "$T/out")
grep '^budget:' "$T/err" "$T/out" 2>/dev/null | sed 's/^[^:]*:budget:/budget:/'
awk -v n="$n" -v p="$passed" -v ms="$wall_ms" -v rc="$rc" -v cpus="$(nproc)" 'BEGIN {
	printf "catalog slice on EEVDF: %d tests (%d passed), wall %.1f s, %.2f tests/minute " \
	       "(host: %d CPUs, TCG), ktstr-run exit %d\n", n, p, ms / 1000, n * 60000 / ms, cpus, rc }'
grep -E '^(FAIL|SKIP|ERROR|TIMEOUT) +[0-9.]+s ' "$T/out" | sed 's/^/not passed: /'
[ "$n" -gt 0 ] || { sed 's/^/# /' "$T/err" | tail -20; exit 1; }
