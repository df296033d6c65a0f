#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Data-driven spec cases: each tests/spec/cases/NNNN-topic.{yaml,ini} is run
# through `spec-tool case` and compared with NNNN-topic.expected (the exact
# diagnostics, or the plan). An INI case whose first line reads
# "; equivalent: OTHER.yaml" must also print exactly what OTHER.yaml prints.
# UPDATE=1 rewrites the .expected files (review the diff before committing).
. "$(dirname "$0")/lib.sh"

list=$(cd "$cases" && ls *.yaml *.ini 2>/dev/null | sort)
n=0
for c in $list; do
	n=$((n + 1))
	if grep -q '^; equivalent:' "$cases/$c"; then
		n=$((n + 1))
	fi
done
echo "TAP version 14"
echo "1..$n"
i=0
for c in $list; do
	base=${c%.*}
	i=$((i + 1))
	(cd "$cases" && "$tool" case "$c") >"$tmp/out" 2>&1
	if [ -n "$UPDATE" ]; then
		cp "$tmp/out" "$cases/$base.expected"
	fi
	if [ ! -f "$cases/$base.expected" ]; then
		echo "not ok $i - $c: no $base.expected"
	elif diff -u "$cases/$base.expected" "$tmp/out" >"$tmp/diff"; then
		echo "ok $i - $c"
	else
		echo "not ok $i - $c"
		sed 's/^/# /' "$tmp/diff"
	fi
	other=$(sed -n 's/^; equivalent: *//p' "$cases/$c")
	if [ -n "$other" ]; then
		i=$((i + 1))
		(cd "$cases" && "$tool" case "$other") >"$tmp/other" 2>&1
		if diff -u "$tmp/other" "$tmp/out" >"$tmp/diff"; then
			echo "ok $i - $c plans exactly like $other"
		else
			echo "not ok $i - $c plans exactly like $other"
			sed 's/^/# /' "$tmp/diff"
		fi
	fi
done
