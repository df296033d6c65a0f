#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# ktstr's scenario catalog (specs/catalog): every spec lints and plans, is
# named after its file, is tagged with its category, names only ktstr's
# built-in flags, the catalog has ktstr's 81 + 14 scenarios, and the CpuSpin
# cgroups of ktstr's steady (data-driven) scenarios are swappable. No VM.
. "$(dirname "$0")/lib.sh"
cat=$src/specs/catalog

echo "TAP version 14"
echo "1..9"

"$tool" lint "$cat"/*/*.yaml >"$tmp/out" 2>"$tmp/err"
check "the whole catalog lints clean" \
	'[ $? -eq 0 ] && ! grep -q "error:\|warning:" "$tmp/err"'

"$tool" dry-run "$cat"/*/*.yaml >"$tmp/out" 2>"$tmp/err"
check "the whole catalog plans (--dry-run)" '[ $? -eq 0 ] && [ $(grep -c "^test " "$tmp/out") -eq 95 ]'

check "81 catalog scenarios in ktstr's 11 categories, 14 canned" \
	'[ $(ls "$cat"/*/*.yaml | grep -vc /canned/) -eq 81 ] &&
	 [ $(ls "$cat"/canned/*.yaml | wc -l) -eq 14 ] &&
	 [ "$(cd "$cat" && ls -d */ | tr -d / | sort | tr "\n" " ")" = "advanced affinity basic canned cpuset dynamic interaction nested performance sched_class stall stress " ]'

: >"$tmp/err"
for f in "$cat"/*/*.yaml; do
	base=$(basename "$f" .yaml) dir=$(basename "$(dirname "$f")")
	grep -qx "name: $base" "$f" || echo "$f: name is not $base" >>"$tmp/err"
	grep -qx "tags: \[catalog, $dir\]" "$f" || echo "$f: tags are not [catalog, $dir]" >>"$tmp/err"
done
check "each spec is named after its file and tagged [catalog, CATEGORY]" '[ ! -s "$tmp/err" ]'

sed -n 's/^\(required\|excluded\)_flags: \[\(.*\)\]$/\2/p' "$cat"/*/*.yaml | tr ', ' '\n\n' |
	grep -v '^$' | sort -u >"$tmp/out"
check "required/excluded flags are ktstr's built-in flags" \
	'[ -s "$tmp/out" ] && ! grep -vx "llc\|borrow\|steal\|rebal\|reject-pin\|no-ctrl" "$tmp/out"'

# A required flag the scheduler lacks is a SKIP naming it; with it, no SKIP.
"$tool" dry-run "$cat/advanced/cgroup_llc_overflow.yaml" >"$tmp/out" 2>"$tmp/err"
check "a scenario needing llc+steal plans a SKIP on EEVDF, saying why" \
	'grep -q "SKIP: needs scheduler flag .llc. (required_flags); eevdf runs with flags: none" "$tmp/out"'
"$tool" dry-run "$cat/basic/cgroup_steady.yaml" >"$tmp/out" 2>"$tmp/err"
check "a scenario without flag requirements plans no SKIP" '! grep -q "SKIP:" "$tmp/out"'

# ktstr applies --work-type to the CpuSpin works of its 33 steady scenarios
# (run_scenario: resolve_work_type(.., is CpuSpin, ..)) and to no cgroup of
# its custom and canned ones (CgroupDef::swappable, false in all of them).
steady="cgroup_steady cgroup_cpuset_llc_steady cgroup_cpuset_cross_llc_steady
cgroup_cpuset_overlap_steady cgroup_partial_cpus_steady cgroup_uneven_steady
cgroup_oversubscribed cgroup_affinity_inherit cgroup_affinity_random
cgroup_affinity_spanning cgroup_affinity_pinned sched_batch sched_idle sched_fifo
sched_rr cgroup_idle_overloaded cgroup_all_loaded cgroup_llc_overflow
cgroup_load_imbalance stall_detect cgroup_cpuset_llc_affinity stall_recovery
cgroup_cpuset_overlap_imbalance cgroup_cpuset_overlap_load_imbalance
cgroup_bursty_imbalance cgroup_bursty_load_shift mutex_contention_light
mutex_contention_heavy fork_exit_churn nice_sweep affinity_churn page_fault_churn
policy_churn"
: >"$tmp/err"
for f in "$cat"/*/*.yaml; do
	sn=$(basename "$f" .yaml)
	case " $(echo $steady) " in *" $sn "*) want=1 ;; *) want=0 ;; esac
	[ "${f#"$cat"/canned/}" != "$f" ] && want=0
	# per top-level cgroup: "swappable? cpu_spin?" (no type: is CpuSpin)
	awk -v f="$f" -v want="$want" '
		function done() { if (name != "") {
			spin = (type == "" || type == "cpu_spin")
			if (want && spin && !swap) print f ": " name " runs CpuSpin but is not swappable"
			if ((!want || !spin) && swap) print f ": " name " is swappable, ktstr'"'"'s is not" } }
		/^  - name:/ { done(); name = $3; type = ""; swap = 0; next }
		/^    type:/ { type = $2 }
		/^    swappable: true/ { swap = 1 }
		/^[^ #]/ && !/^cgroups:/ { done(); name = "" }
		END { done() }' "$f" >>"$tmp/err"
done
check "the CpuSpin cgroups of ktstr's steady scenarios are swappable, no others" \
	'[ ! -s "$tmp/err" ]'
"$run" --dry-run --work-type yield_heavy "$cat/basic/cgroup_steady.yaml" \
	"$cat/cpuset/cgroup_cpuset_swap_disjoint.yaml" >"$tmp/out" 2>"$tmp/err"
check "--work-type replaces a steady scenario's work, not a custom one's" \
	'[ "$(grep -E "^ +work [a-z_]+ x" "$tmp/out" | awk "{ print \$2 }" | tr "\n" " ")" = \
	   "yield_heavy yield_heavy cpu_spin cpu_spin " ]'
