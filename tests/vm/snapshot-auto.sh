#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Snapshots by default ("auto"): a test restores from a snapshot when two
# boots of the run share its key, or when one is cached already; a test alone
# in its run with none cached boots afresh (a template for one boot costs more
# than the boot) and says why in timings.json; --no-snapshot and
# KTSTR_SNAPSHOT=0 boot afresh. The snapshots are this test's own: lib.sh
# points XDG_CACHE_HOME at a private dir (the kernel is resolved before).
. "${KTSTR_SRCDIR:-.}/tests/vm/lib.sh"

vm_require_kernel
tap_plan 8
unset KTSTR_SNAPSHOT

for n in a b; do
	printf 'name: auto-%s\ntopology: 1n1l2c1t\nduration: 1s\n' "$n" >"$VM_DIR/auto-$n.yaml"
done

run() {
	d=$1
	shift
	"$KTSTR_RUN" --kernel "$VM_KERNEL" -q --results-dir "$VM_DIR/$d" "$@" >"$VM_DIR/$d.out" 2>&1
}

# a bad KTSTR_SNAPSHOT is refused, naming the values it takes
KTSTR_SNAPSHOT=yes "$KTSTR_RUN" --lint "$VM_DIR/auto-a.yaml" >"$VM_DIR/env.out" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -q "KTSTR_SNAPSHOT='yes': want 1 (always), 0 (never) or auto" "$VM_DIR/env.out"
tap_ok $? "KTSTR_SNAPSHOT=yes is refused" "rc $rc: $(cat "$VM_DIR/env.out")"

# one test, nothing cached: a fresh boot, with the reason
run one "$VM_DIR/auto-a.yaml"
rc=$?
use=$(snap_use "$VM_DIR/one")
[ "$rc" -eq 0 ] && [ "$use" = "auto-a one test of this key in the run and no snapshot cached" ]
tap_ok $? "a test alone in its run, no snapshot cached: a fresh boot that says why" "rc $rc: $use"
[ -z "$(find "$VM_DIR/cache" -path '*/.snapshots/*/meta.json')" ]
tap_ok $? "no template was built for it"

# --no-snapshot: two tests of one key boot afresh
run never -j 2 --no-snapshot "$VM_DIR/auto-a.yaml" "$VM_DIR/auto-b.yaml"
rc=$?
use=$(snap_use "$VM_DIR/never")
[ "$rc" -eq 0 ] && [ "$(printf '%s\n' "$use" | grep -c ' off (--no-snapshot')" -eq 2 ]
tap_ok $? "--no-snapshot: two tests of one key boot afresh" "rc $rc: $use"

# the default: two tests of one key, one template, both restored
run auto -j 2 "$VM_DIR/auto-a.yaml" "$VM_DIR/auto-b.yaml"
rc=$?
use=$(snap_use "$VM_DIR/auto")
[ "$rc" -eq 0 ] && [ "$(printf '%s\n' "$use" | grep -c ' used$')" -eq 2 ]
tap_ok $? "by default two tests sharing a key are restored from a snapshot" "rc $rc: $use"

# now cached: a test alone restores it (no template to build)
run cached "$VM_DIR/auto-b.yaml"
rc=$?
use=$(snap_use "$VM_DIR/cached")
built=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["snapshot"]["built"])' \
	"$VM_DIR/cached/auto-b/timings.json" 2>&1)
[ "$rc" -eq 0 ] && [ "$use" = "auto-b used" ] && [ "$built" = False ]
tap_ok $? "a test alone restores a snapshot already cached" "rc $rc: $use, built $built"

# KTSTR_SNAPSHOT=0: afresh even with the snapshot cached
KTSTR_SNAPSHOT=0 run env0 "$VM_DIR/auto-b.yaml"
rc=$?
use=$(snap_use "$VM_DIR/env0")
[ "$rc" -eq 0 ] && printf '%s' "$use" | grep -q '^auto-b off '
tap_ok $? "KTSTR_SNAPSHOT=0 boots afresh with a snapshot cached" "rc $rc: $use"
vm_no_leftovers "auto snapshot runs"
tap_done
