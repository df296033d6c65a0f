#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# ktstr-run's overrides, gauntlet and flag profiles through --list and
# --dry-run (no VM): precedence per value, tags, directory arguments, and
# the catalog's gauntlet size against the product worked out by hand.
. "$(dirname "$0")/lib.sh"

echo "TAP version 14"
echo "1..16"

cat >"$tmp/t.yaml" <<'Y'
name: demo
tags: [basic, quick]
duration: 1s
scheduler:
  plugin: scx_ktstr
  flags: [fifo]
cgroups:
  - name: cg_0
    swappable: true
    type: yield_heavy
  - name: cg_1
    type: yield_heavy
Y

"$run" --dry-run "$tmp/t.yaml" >"$tmp/out" 2>"$tmp/err"
check "without overrides each value is the spec's or the default" \
	'grep -q "scheduler: scx_ktstr (spec)" "$tmp/out" && grep -q "duration: 1s (spec)" "$tmp/out" &&
	 grep -q "workers: 2 per cgroup (default)" "$tmp/out" && grep -q "topology: 1n1l2c1t (default)" "$tmp/out"'

"$run" --dry-run --scheduler eevdf --flags "" --duration 3s --workers 3 --topology tiny-2llc \
	--work-type cpu_spin "$tmp/t.yaml" >"$tmp/out" 2>"$tmp/err"
check "the command line wins over the spec, value by value" \
	'grep -q "scheduler: eevdf (command line)" "$tmp/out" && grep -q "duration: 3s (command line)" "$tmp/out" &&
	 grep -q "workers: 3 per cgroup (command line)" "$tmp/out" &&
	 grep -q "topology: 1n2l2c1t (command line)" "$tmp/out" && grep -q "flags: none (command line)" "$tmp/out"'
check "--topology NAME boots the preset's shape" 'grep -q "vm: 1n2l2c1t, 4 CPUs" "$tmp/out"'
check "--work-type replaces only the swappable cgroup's work" \
	'[ $(grep -c "work cpu_spin" "$tmp/out") -eq 1 ] && [ $(grep -c "work yield_heavy" "$tmp/out") -eq 1 ]'

"$run" --dry-run --scheduler exec --flags "" --sched-args "/path/scx_foo --verbose" "$tmp/t.yaml" >"$tmp/out" 2>"$tmp/err"
check "--sched-args for exec, split on white space" \
	'grep -q "sched-args: /path/scx_foo --verbose (command line)" "$tmp/out" && grep -q "scheduler: exec (command line)" "$tmp/out"'

"$run" --lint --duration soon "$tmp/t.yaml" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a bad override is the spec's error, naming the value" '[ $rc -eq 1 ] && grep -q "soon" "$tmp/err"'

"$run" --lint --work-type nosuch "$tmp/t.yaml" >"$tmp/out" 2>"$tmp/err"
check "an unknown --work-type is a usage error" '[ $? -eq 2 ] && grep -q "nosuch" "$tmp/err"'

"$run" --list --gauntlet --topology tiny-1llc "$tmp/t.yaml" >"$tmp/out" 2>"$tmp/err"
check "--gauntlet and --topology together are a usage error" '[ $? -eq 2 ]'

"$run" --list --gauntlet "$tmp/t.yaml" >"$tmp/out" 2>"$tmp/err"
# all 15 of ktstr's default presets boot here (at most 252 vCPUs); scx_ktstr's boolean
# flags llc and fifo with fifo from the spec forced in: profiles fifo and llc+fifo
check "--gauntlet: 15 presets x 2 profiles, names gauntlet/test/preset/profile" \
	'[ $(wc -l <"$tmp/out") -eq 30 ] && grep -qx "gauntlet/demo/tiny-1llc/fifo" "$tmp/out" &&
	 grep -qx "gauntlet/demo/medium-8llc-nosmt/llc+fifo" "$tmp/out" && ! grep -q "/default$" "$tmp/out"'

"$run" --dry-run --gauntlet -E "smt-2llc/llc" "$tmp/t.yaml" >"$tmp/out" 2>"$tmp/err"
check "--dry-run names the preset and profile as the gauntlet's" \
	'grep -q "topology: smt-2llc = 1n2l2c2t (gauntlet)" "$tmp/out" && grep -q "flags: llc fifo, profile llc+fifo (gauntlet)" "$tmp/out"'

"$run" --list --gauntlet --flags llc "$tmp/t.yaml" >"$tmp/out" 2>"$tmp/err"
check "the command line's flags are forced into every profile" \
	'[ $(wc -l <"$tmp/out") -eq 30 ] && grep -qx "gauntlet/demo/tiny-1llc/llc" "$tmp/out"'

"$run" --list --profiles "$tmp/t.yaml" >"$tmp/out" 2>"$tmp/err"
check "--profiles alone: test/profile on the spec's topology" \
	'[ "$(cat "$tmp/out")" = "demo/fifo
demo/llc+fifo" ]'

mkdir -p "$tmp/d/sub" "$tmp/d/.hidden"
cp "$tmp/t.yaml" "$tmp/d/sub/b.yaml"
sed 's/name: demo/name: other/; s/basic, quick/slow/' "$tmp/t.yaml" >"$tmp/d/a.yaml"
cp "$tmp/t.yaml" "$tmp/d/.hidden/c.yaml"
echo "not a spec" >"$tmp/d/README"
"$run" --list "$tmp/d" >"$tmp/out" 2>"$tmp/err"
check "a directory means its spec files, recursively and sorted, hidden ones skipped" \
	'[ "$(cat "$tmp/out")" = "other
demo" ]'
"$run" --list --tag quick "$tmp/d" >"$tmp/out" 2>"$tmp/err"
check "--tag keeps the tests with that tag" '[ "$(cat "$tmp/out")" = "demo" ]'
"$run" --list --exclude-tag quick "$tmp/d" >"$tmp/out" 2>"$tmp/err"
check "--exclude-tag drops them" '[ "$(cat "$tmp/out")" = "other" ]'

# The catalog under --gauntlet on EEVDF (one profile). Worked out by hand from
# the preset table: ktstr's default constraints keep 15 presets, all bootable
# (at most 252 vCPUs, APIC IDs to 254; only max-cpu* are not, and the
# defaults drop them). min_cpus 8 drops tiny-1llc and tiny-2llc (13 left),
# min_cpus 6 the same (13), min_llcs 2 drops tiny-1llc (14), numa nodes 2..4
# keeps numa2-4llc, numa2-8llc, numa2-8llc-nosmt, numa4-8llc, numa4-12llc (5).
# 86 specs without constraints, 4 with min_cpus 8, 3 with min_llcs 2, 1 with
# min_cpus 6, 1 with numa 2..4.
expected=$((86 * 15 + 4 * 13 + 3 * 14 + 1 * 13 + 1 * 5))
"$run" --list --gauntlet --scheduler exec --sched-args /path/scx_foo "$src/specs/catalog" >"$tmp/out" 2>"$tmp/err"
got=$(wc -l <"$tmp/out")
echo "# catalog gauntlet: $got tests (expected $expected)"
check "the catalog's gauntlet against an external scheduler is the product ($expected)" \
	'[ "$got" -eq "$expected" ] && ! grep -q "error:" "$tmp/err"'
