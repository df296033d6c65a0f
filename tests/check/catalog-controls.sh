#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The catalog's controls (issue 13), on the shipped specs unchanged through
# the command-line overrides (--scheduler, --flags, --duration 1s).
# Negative: per category (all 11) one catalog scenario FAILs under a fault of
# the faulty scheduler, for the reason that fault causes (the regex).
# Positive: scenarios PASS, or SKIP with a stated reason, on scx_ktstr and
# EEVDF (a scenario that requires 'llc' runs on scx_ktstr with --flags llc).
#
# make check runs the slice: the 11 negatives and 3 positives on scx_ktstr,
# two VMs at a time (about 2 minutes under TCG). `make check-catalog`
# (KTSTR_CATALOG=whole) adds the positive control of every negative scenario
# on EEVDF and scx_ktstr; KTSTR_CATALOG=all runs the positive control over
# every catalog spec on both (about 120 VMs).
: "${KTSTR_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${KTSTR_BUILDDIR:=$KTSTR_SRCDIR}"
: "${KTSTR_RUN:=$KTSTR_BUILDDIR/src/ktstr-run}"
CAT="$KTSTR_SRCDIR/specs/catalog"
DUR=${KTSTR_CATALOG_DURATION:-1s}

# --one N: run job N of $CC_DIR/jobs (a child of xargs -P below)
if [ "${1:-}" = --one ]; then
	set -f
	id=$2
	# shellcheck disable=SC2034 # kind and re are the parent's
	read -r kind sched flags cat scen re <<EOF2
$(sed -n "${id}p" "$CC_DIR/jobs")
EOF2
	set -- --scheduler "$sched"
	[ "$flags" = - ] || set -- "$@" --flags "$flags"
	"$KTSTR_RUN" --accel tcg -j 1 --timeout 90s --runs-dir none --kernel "$VM_KERNEL" --results-dir "$CC_DIR/r$id" "$@" \
		--duration "$DUR" "$CAT/$cat/$scen.yaml" >"$CC_DIR/out$id" 2>&1
	exit 0
fi

. "$KTSTR_SRCDIR/tests/vm/lib.sh"
vm_require_kernel
CC_DIR=$VM_DIR
export CC_DIR VM_KERNEL KTSTR_SRCDIR KTSTR_BUILDDIR KTSTR_RUN DUR
MODE=${KTSTR_CATALOG:-slice}

# kind scheduler flags category scenario [reason-regex]
NEG='neg faulty concentrate basic cgroup_steady starved|work conservation
neg faulty escape-cpuset cpuset cgroup_cpuset_apply_midrun ran on unexpected CPUs
neg faulty error-after=50 stress cgroup_oversubscribed faulty: error-after: 50 events reached
neg faulty concentrate affinity cgroup_affinity_inherit imbalance ratio [0-9.]+ exceeded|unfair cgroup|starved|work conservation
neg faulty concentrate sched_class sched_batch starved|work conservation
neg faulty error-after=5 advanced cgroup_exhaust_reuse SCX_EXIT_ERROR_BPF: .*error-after: 5 events reached
neg faulty delay-dispatch-ms=500 stall stall_detect stuck [0-9]+ms on cpu
neg faulty error-after=50 dynamic cgroup_add_midrun faulty: error-after: 50 events reached
neg faulty escape-cpuset nested nested_cgroup_cpuset ran on unexpected CPUs
neg faulty borrow,concentrate interaction cgroup_add_during_imbalance starved|imbalance ratio|unfair cgroup|work conservation
neg faulty borrow,concentrate performance fan_out_wake starved|work conservation'
# performance needs ktstr's 'borrow' (or 'llc'): faulty accepts both as no-ops.
# The kernel watchdog's ejection (stall=1) takes 20 s of guest time and more
# under load, so the slice shows stalls as the harness's gap check and the
# watchdog only in the whole run:
EXTRA='neg faulty stall=1 interaction cgroup_cpuset_add_remove SCX_EXIT_ERROR_STALL: runnable task stall
neg faulty stall=1 stall stall_detect starved|runnable task stall'
# escape-cpuset is caught where the isolation check is on (ktstr's default is
# off): nested_cgroup_cpuset, and cgroup_cpuset_apply_midrun, whose grant
# changes mid-run, since the check judges each epoch between cpuset changes
# against its own grant, not against the union over the run.

# the scx_ktstr flags a spec needs: 'llc' where it requires it, else none
ktstr_flags() { grep -q '^required_flags:.*\bllc\b' "$CAT/$1/$2.yaml" && echo llc || echo -; }

jobs=$NEG
case $MODE in
slice)
	jobs="$jobs
pos scx_ktstr - basic cgroup_steady
pos scx_ktstr - nested nested_cgroup_cpuset
pos scx_ktstr llc performance cache_yield_wake_affine" ;;
whole | all)
	jobs="$jobs
$EXTRA"
	if [ "$MODE" = all ]; then
		list=$(cd "$CAT" && ls ./*/*.yaml | sed -E 's|^\./([^/]+)/(.*)\.yaml$|\1 \2|')
	else
		list=$(printf '%s\n' "$NEG" | awk '{ print $4, $5 }'; echo "performance cache_yield_wake_affine")
	fi
	while read -r cat scen; do
		jobs="$jobs
pos eevdf - $cat $scen
pos scx_ktstr $(ktstr_flags "$cat" "$scen") $cat $scen"
	done <<EOF2
$list
EOF2
	;;
*) echo "Bail out! KTSTR_CATALOG=$MODE: want slice, whole or all"; exit 1 ;;
esac
printf '%s\n' "$jobs" >"$CC_DIR/jobs"
n=$(wc -l <"$CC_DIR/jobs")

tap_plan "$n"
start=$(date +%s)
# two VMs at a time, each its own ktstr-run (its own scheduler and flags)
seq 1 "$n" | xargs -P 2 -n 1 sh "$0" --one
wall=$(($(date +%s) - start))

# row NAME FILE: the summary table's row (status, time, name, reason) of test NAME
row() { grep -E "^(PASS|FAIL|SKIP|ERROR|TIMEOUT) +[0-9.]+s +$1( |\$)" "$2" | head -1; }
i=0
while read -r kind sched flags cat scen re; do
	i=$((i + 1))
	r=$(row "$scen" "$CC_DIR/out$i")
	st=${r%% *}
	why=$(printf '%s\n' "$r" | sed -E 's/^[A-Z]+ +[0-9.]+s +[^ ]+ *//')
	on=$sched
	[ "$flags" = - ] || on="$sched --flags $flags"
	if [ "$kind" = neg ]; then
		[ "$st" = FAIL ] && printf '%s\n' "$why" | grep -Eq -- "$re"
		tap_ok $? "negative $cat/$scen under $on: ${r:+$st: $why}" \
			"want FAIL matching /$re/; got: ${r:-no result row}
$(tail -5 "$CC_DIR/out$i")"
	else
		[ "$st" = PASS ] || { [ "$st" = SKIP ] && [ -n "$why" ]; }
		tap_ok $? "positive $cat/$scen on $on: $st${why:+ ($why)}" \
			"want PASS or SKIP with a reason; got: ${r:-no result row}
$(tail -5 "$CC_DIR/out$i")"
	fi
done <"$CC_DIR/jobs"
echo "# catalog controls ($MODE): $n VMs, wall ${wall}s"
tap_done
