#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Benchmark (not a test; `make bench`): tests started from snapshots.
#
#  agent ready: timings.json's boot_ns of an empty spec, a fresh boot
#               (--no-snapshot) against a restore (--snapshot, template built);
#  suite:       the shipped specs' wall time with and without snapshots,
#               -j 1 and -j 2 (the snapshot runs after one run that built
#               the templates, whose own time is printed too);
#  per snapshot: disk (du of its directory) and the RAM a restored test fills.
# Environment: KTSTR_TEST_KERNEL, BENCH_RUNS (default 3), BENCH_SPECS (default
# specs/*.yaml specs/*.ini), BENCH_JOBS (default "1 2").
. "${KTSTR_SRCDIR:-.}/tests/vm/lib.sh"

RUNS=${BENCH_RUNS:-3}
JOBS=${BENCH_JOBS:-1 2}
SPECS=${BENCH_SPECS:-$(ls "$KTSTR_SRCDIR"/specs/*.yaml "$KTSTR_SRCDIR"/specs/*.ini 2>/dev/null)}
vm_find_kernel || { echo "snapshot bench: no kernel (set KTSTR_TEST_KERNEL)" >&2; exit 77; }
[ -x "$KTSTR_RUN" ] || { echo "snapshot bench: build ktstr-run first" >&2; exit 77; }

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
boot_ns() { sed -n 's/.*"boot_ns": *\([0-9]*\).*/\1/p' "$VM_RESULTS/bench-empty/timings.json"; }
fill_ns() { sed -n 's/.*"fill_ns": *\([0-9]*\).*/\1/p' "$VM_RESULTS/bench-empty/timings.json"; }
used() { grep -q '"used": true' "$VM_RESULTS/bench-empty/timings.json"; }

cat >"$VM_DIR/empty.yaml" <<EOF
name: bench-empty
topology: 1n1l2c1t
duration: 1ms
EOF

empty_once() {
	rm -rf "$VM_RESULTS"
	"$KTSTR_RUN" -q --kernel "$VM_KERNEL" --results-dir "$VM_RESULTS" "$@" "$VM_DIR/empty.yaml" \
		>"$VM_DIR/out" 2>&1 || { echo "snapshot bench: ktstr-run failed" >&2; cat "$VM_DIR/out" >&2; exit 99; }
}

# the template for the empty spec, built once
empty_once --snapshot
: >"$VM_DIR/fresh.ns"
: >"$VM_DIR/restore.ns"
: >"$VM_DIR/fill.ns"
i=0
while [ $i -lt "$RUNS" ]; do
	empty_once --no-snapshot
	boot_ns >>"$VM_DIR/fresh.ns"
	empty_once --snapshot
	used || { echo "snapshot bench: the restore was not used:" >&2; cat "$VM_RESULTS/bench-empty/timings.json" >&2; exit 99; }
	boot_ns >>"$VM_DIR/restore.ns"
	fill_ns >>"$VM_DIR/fill.ns"
	i=$((i + 1))
done
fresh=$(median <"$VM_DIR/fresh.ns")
restore=$(median <"$VM_DIR/restore.ns")
fill=$(median <"$VM_DIR/fill.ns")
# the restore's QEMU spawn to HELO; the RAM copy before it is printed apart
awk -v f="$fresh" -v r="$restore" -v m="$fill" -v n="$RUNS" 'BEGIN {
	printf "agent ready (median of %d): fresh boot %.2f s, restore %.2f s (+ RAM copy %.2f s), ratio %.3f (%.3f with the copy)\n",
	       n, f / 1e9, r / 1e9, m / 1e9, r / f, (r + m) / f }'

dir=$(find "$XDG_CACHE_HOME" -type d -path '*/.snapshots/*' ! -name '.tmp-*' | head -1)
if [ -n "$dir" ]; then
	disk=$(du -sk "$dir" | awk '{ print $1 }')
	python3 - "$dir/meta.json" "$disk" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
data = sum(r['data'] for r in m['ram'])
size = sum(r['size'] for r in m['ram'])
print('per snapshot: disk %.0f MiB (RAM file of %.0f MiB, sparse), a restored test fills %.0f MiB of its memfd'
      % (int(sys.argv[2]) / 1024, size / 2**20, data / 2**20))
PY
fi

suite() {
	start=$(date +%s.%N)
	# shellcheck disable=SC2086
	"$KTSTR_RUN" -q --kernel "$VM_KERNEL" --results-dir "$VM_DIR/suite" "$@" $SPECS \
		>"$VM_DIR/suite.out" 2>&1
	rc=$?
	end=$(date +%s.%N)
	# each test's status, kept per mode to compare fresh boots with restores
	python3 - "$VM_DIR/suite" >>"$VM_DIR/verdicts.$mode" <<'PY'
import json, os, sys
for root, dirs, files in sorted(os.walk(sys.argv[1])):
    if 'result.json' in files:
        r = json.load(open(os.path.join(root, 'result.json')))
        print(r['name'], r['status'])
PY
	rm -rf "$VM_DIR/suite"
	awk -v s="$start" -v e="$end" -v rc="$rc" 'BEGIN { printf "%.1f s (exit %d)", e - s, rc }'
}

echo "suite: $(echo "$SPECS" | wc -w) spec files"
: >"$VM_DIR/verdicts.on"
: >"$VM_DIR/verdicts.off"
mode=on
built=$(suite -j 2 --snapshot)
echo "  building the templates (--snapshot -j 2, cold): $built"
for j in $JOBS; do
	mode=off
	off=$(suite -j "$j" --no-snapshot)
	mode=on
	on=$(suite -j "$j" --snapshot)
	echo "  -j $j: fresh boots $off, from snapshots $on"
done
# the same status per test both ways (over every run of each mode: a test
# whose status varies shows as a difference too)
sort -u "$VM_DIR/verdicts.off" >"$VM_DIR/v.off"
sort -u "$VM_DIR/verdicts.on" >"$VM_DIR/v.on"
if cmp -s "$VM_DIR/v.off" "$VM_DIR/v.on"; then
	echo "  verdicts: the same $(wc -l <"$VM_DIR/v.on") test statuses with and without snapshots"
else
	echo "  verdicts differ (< fresh boots, > snapshots):"
	diff "$VM_DIR/v.off" "$VM_DIR/v.on" | sed -n 's/^[<>]/    &/p'
fi
