#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# ktstr's scenario catalog (specs/catalog): every spec lints and plans, is
# named after its file, is tagged with its category, names only ktstr's
# built-in flags, and the catalog has ktstr's 81 + 14 scenarios. No VM.
. "$(dirname "$0")/lib.sh"
cat=$src/specs/catalog

echo "TAP version 14"
echo "1..7"

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
