#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The spec commands (cmd_lint, cmd_list, cmd_dry_run) through the spec-tool
# driver: exit statuses, diagnostics on stderr, -E filtering, plans of the
# example specs.
. "$(dirname "$0")/lib.sh"

echo "TAP version 14"
echo "1..20"

"$tool" lint "$src"/specs/*.yaml "$src"/specs/*.ini >"$tmp/out" 2>"$tmp/err"
check "every example spec lints clean" '[ $? -eq 0 ] && ! grep -q "error:" "$tmp/err"'

"$tool" lint "$cases/0003-unknown-keys.yaml" "$cases/0001-minimal.yaml" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a bad spec among good ones: lint exits 1" '[ $rc -eq 1 ]'
check "all its problems are on stderr as file:line:col" \
	'[ $(grep -c "0003-unknown-keys.yaml:[0-9]*:[0-9]*: error:" "$tmp/err") -eq 8 ]'
check "the good spec is still reported ok" 'grep -q "0001-minimal.yaml: ok, 1 test" "$tmp/out"'

"$tool" list -E 'a(b' "$cases/0024-matrix.yaml" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a bad -E regex is a usage error (2) saying where" '[ $rc -eq 2 ] && grep -q "offset 3" "$tmp/err"'

"$tool" lint >"$tmp/out" 2>"$tmp/err"
check "no spec: usage error" '[ $? -eq 2 ]'

"$tool" list "$cases/0024-matrix.yaml" >"$tmp/out" 2>"$tmp/err"
check "list prints every expansion" '[ $(wc -l <"$tmp/out") -eq 6 ]'

"$tool" list -E 'topology=1n2l.*/flags=llc' "$cases/0024-matrix.yaml" >"$tmp/out" 2>"$tmp/err"
check "-E selects by expanded name" \
	'[ "$(cat "$tmp/out")" = "steady/topology=1n2l2c1t/flags=llc
steady/topology=1n2l2c1t/flags=llc+steal" ]'

"$tool" dry-run "$src"/specs/*.yaml "$src"/specs/*.ini >"$tmp/out" 2>"$tmp/err"
rc=$?
check "dry-run of the example specs succeeds" '[ $rc -eq 0 ]'
# as many plans as `list` names tests (13 examples today)
nex=$("$tool" list "$src"/specs/*.yaml "$src"/specs/*.ini 2>/dev/null | wc -l)
check "dry-run prints a plan per test ($nex)" '[ $nex -ge 13 ] && [ $(grep -c "^test " "$tmp/out") -eq $nex ]'
check "dry-run shows thresholds with their layer" \
	'grep -q "isolation  *true  *spec" "$tmp/out" && grep -q "max_gap_ms  *3000ms  *default" "$tmp/out"'
# The README quick start runs every example under TCG on 2 host cores: keep
# them small (at most 4 vCPUs) and short (at most 3 s each).
too_big() {
	awk '/^  vm: / && $3 + 0 > 4 { print }
	     /^  duration / { d = $2; sub(/,$/, "", d)
			      ms = d ~ /ms$/ ? d + 0 : d ~ /[0-9]s$/ ? (d + 0) * 1000 : 1e9
			      if (ms > 3000) print }' "$1"
}
check "every example test has at most 4 vCPUs and runs at most 3 s" '[ -z "$(too_big "$tmp/out")" ]'
check "dry-run says how the monitor treats its thresholds (judged for sched_ext, recorded for EEVDF), and only them" \
	'[ $(grep -c "^    [a-z_]*  .*monitor: \(judged\|recorded, not judged (EEVDF)\)\$" "$tmp/out") -eq $((nex * 7)) ] &&
	 grep -q "^    max_imbalance_ratio  *4x  *default  *monitor: recorded, not judged (EEVDF)\$" "$tmp/out" &&
	 grep -q "^    max_imbalance_ratio  *4x  *default  *monitor: judged\$" "$tmp/out"'

"$tool" dry-run --strict "$src/specs/steady.yaml" >"$tmp/out" 2>"$tmp/err"
check "--release-thresholds uses the release defaults" \
	'grep -q "max_gap_ms  *2000ms  *default" "$tmp/out" && grep -q "release defaults" "$tmp/out"'

cat >"$tmp/flags.yaml" <<EOT
name: flags
topology: 1n2l2c1t
scheduler:
  plugin: scx_ktstr
cgroups: [{name: cg_0}]
matrix:
  scheduler.flags: [[llc], [bogus]]
EOT
if KTSTR_PLUGIN_PATH= "$tool" lint "$tmp/flags.yaml" >"$tmp/out" 2>"$tmp/err"; then rc=0; else rc=$?; fi
if grep -q "cannot be read" "$tmp/err"; then
	n=$((n + 1)); echo "ok $n # SKIP scx_ktstr plugin not built"
else
	check "lint asks the plugin about flags, per expansion" \
		'[ $rc -eq 1 ] && grep -q "flags.yaml:4:3: error: .*bogus.*(in test flags/flags=bogus)" "$tmp/err"'
fi
sed 's/scx_ktstr/no_such_plugin/' "$tmp/flags.yaml" >"$tmp/flags2.yaml"
"$tool" lint "$tmp/flags2.yaml" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a plugin that cannot be read is one lint error" \
	'[ $rc -eq 1 ] && [ $(grep -c "error: scheduler plugin .no_such_plugin. cannot be read" "$tmp/err") -eq 1 ]'

# The same commands through ktstr-run itself.
if [ -x "$run" ]; then
	"$run" --lint "$src"/specs/*.yaml "$src"/specs/*.ini >"$tmp/out" 2>"$tmp/err"
	check "ktstr-run --lint accepts the example specs" '[ $? -eq 0 ]'
	"$run" --lint "$cases/0015-cpuset-misfit.yaml" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "ktstr-run --lint rejects a bad spec with every error" \
		'[ $rc -eq 1 ] && [ $(grep -c "^.*0015-cpuset-misfit.yaml:[0-9]*:[0-9]*: error:" "$tmp/err") -eq 9 ]'
else
	n=$((n + 1)); echo "ok $n # SKIP no src/ktstr-run"
	n=$((n + 1)); echo "ok $n # SKIP no src/ktstr-run"
fi

# A glob of the folder's files picks up its Makefile.inc: skipped, not invalid;
# the same plain text under a spec name stays an error. (specs/* would also
# name the catalog directory, which is not a spec file.)
"$tool" lint "$src"/specs/*.* >"$tmp/out" 2>"$tmp/err"
check "lint of specs/*: the Makefile.inc is skipped with a note, exit 0" \
	'[ $? -eq 0 ] && grep -q "Makefile.inc: skipped: not a spec" "$tmp/err" && ! grep -q "error:" "$tmp/err"'
cp "$src/specs/Makefile.inc" "$tmp/plain.yaml"
"$tool" lint "$tmp/plain.yaml" >"$tmp/out" 2>"$tmp/err"
check "plain text named .yaml is still an error" \
	'[ $? -eq 1 ] && grep -q "plain.yaml:[0-9]*:[0-9]*: error: the spec must be a map" "$tmp/err"'
