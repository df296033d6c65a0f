#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# ktstr-run --budget, --timings and the kernel dimension through --list (no
# VM): the budget line, the budget honoured, measured times changing the
# choice, bad arguments refused with what would be right.
. "$(dirname "$0")/lib.sh"

echo "TAP version 14"
echo "1..11"

"$run" --list --gauntlet --budget 20m "$src/specs/catalog" >"$tmp/out" 2>"$tmp/err"
line=$(grep '^budget:' "$tmp/err")
check "the budget line says tests, seconds and configurations" \
	'echo "$line" | grep -Eq "^budget: [0-9]+/[0-9]+ tests, [0-9]+/1200 s, [0-9]+/[0-9]+ configurations covered$"'
sel=$(echo "$line" | sed -E 's#budget: ([0-9]+)/.*#\1#')
total=$(echo "$line" | sed -E 's#budget: [0-9]+/([0-9]+) tests.*#\1#')
used=$(echo "$line" | sed -E 's#.* ([0-9]+)/1200 s.*#\1#')
all=$("$run" --list --gauntlet "$src/specs/catalog" 2>/dev/null | wc -l)
check "the selection is listed, a subset of the gauntlet, within 1200 s" \
	'[ "$(wc -l <"$tmp/out")" -eq "$sel" ] && [ "$total" -eq "$all" ] && [ "$sel" -lt "$all" ] && [ "$used" -le 1200 ]'
check "20 minutes cover every configuration of the catalog's gauntlet" \
	'echo "$line" | grep -Eq ", ([0-9]+)/\1 configurations covered$"'

"$run" --list --budget 1m "$src/specs/catalog" >"$tmp/out" 2>"$tmp/err"
check "a small budget covers part of them" \
	'grep -Eq "^budget: [0-9]+/95 tests, [0-9]+/60 s, ([0-9]+)/([0-9]+) configurations covered$" "$tmp/err" &&
	 ! grep -Eq ", ([0-9]+)/\1 configurations" "$tmp/err"'

# --dry-run honours the budget: its line, and the plans of the selected tests only
"$run" --dry-run --budget 1m "$src/specs/catalog" >"$tmp/dry" 2>"$tmp/dryerr"
check "--dry-run --budget prints the budget line and plans just the tests --list selects" \
	'grep -Eq "^budget: [0-9]+/95 tests" "$tmp/dryerr" &&
	 [ "$(grep "^test " "$tmp/dry" | sed "s/^test //" | sort)" = "$(sort "$tmp/out")" ]'

# measured times: a test measured as nearly free is chosen first
cp "$tmp/out" "$tmp/before"
last=$("$run" --list "$src/specs/catalog" 2>/dev/null | tail -1)
printf '{"%s": 0.01}\n' "$last" >"$tmp/t.json"
"$run" --list --budget 1m --timings "$tmp/t.json" "$src/specs/catalog" >"$tmp/out" 2>"$tmp/err"
check "a --timings entry changes the choice (the nearly free test is in)" \
	'! grep -qx "$last" "$tmp/before" && grep -qx "$last" "$tmp/out" && grep -q "1 of the .* estimates measured" "$tmp/err"'

"$run" --list --budget 1m --timings "$tmp/nothing" "$src/specs/catalog" >"$tmp/out" 2>"$tmp/err"
st=$?
check "a missing --timings path is a usage error naming it" \
	'[ $st -eq 2 ] && grep -q "nothing: No such file" "$tmp/err"'
"$run" --list --budget 0 "$src/specs/catalog" >"$tmp/out" 2>"$tmp/err"
st=$?
check "--budget 0 is refused" '[ $st -eq 2 ] && grep -q "not a positive duration" "$tmp/err"'

# the kernel dimension: every test once per kernel, labelled
"$run" --list --kernel 7.3.4 --kernel 6.12 "$src/specs/catalog/basic/cgroup_steady.yaml" >"$tmp/out" 2>"$tmp/err"
check "two --kernel run every test on each, named .../kernel-LABEL" \
	'[ "$(cat "$tmp/out")" = "$(printf "cgroup_steady/kernel-7.3.4\ncgroup_steady/kernel-6.12")" ]'
KTSTR_KERNEL_LIST=7.3.4,6.12 "$run" --list "$src/specs/catalog/basic/cgroup_steady.yaml" >"$tmp/out2" 2>"$tmp/err"
check "KTSTR_KERNEL_LIST is the same dimension" 'cmp -s "$tmp/out" "$tmp/out2"'
KTSTR_KERNEL_LIST=7.3.4,,6.12 "$run" --list "$src/specs/catalog/basic/cgroup_steady.yaml" >"$tmp/out2" 2>"$tmp/err"
st=$?
check "an empty KTSTR_KERNEL_LIST entry is refused" '[ $st -eq 2 ] && grep -q "empty entry" "$tmp/err"'
