#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# ktstr-run(1) documents every long option ktstr-run accepts, and every exit status.
set -u
src=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
man=$src/man/ktstr-run.1
opts=$(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", [a-z_]*_argument.*/\1/p' "$src/src/cmd/ktstr-run.c")
n=0
echo "TAP version 14"
echo "1..$(($(echo "$opts" | wc -w) + 1))"
for o in $opts; do
	n=$((n + 1))
	if grep -q "Fl Fl $o\\b" "$man"; then
		echo "ok $n - ktstr-run.1 documents --$o"
	else
		echo "not ok $n - ktstr-run.1 documents --$o"
	fi
done
n=$((n + 1))
missing=
for s in 0 1 2 77 99 130; do
	sed -n '/^\.Sh EXIT STATUS/,/^\.Sh/p' "$man" | grep -qx "\.It $s" || missing="$missing $s"
done
if [ -z "$missing" ]; then
	echo "ok $n - EXIT STATUS lists 0 1 2 77 99 130"
else
	echo "not ok $n - EXIT STATUS lacks$missing"
fi
