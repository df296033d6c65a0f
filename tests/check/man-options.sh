#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# ktstr-run(1) documents every long option ktstr-run accepts, and every exit status;
# ktstr-report(1) every long option of ktstr-report.
set -u
src=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
man=$src/man/ktstr-run.1
opts=$(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", [a-z_]*_argument.*/\1/p' "$src/src/cmd/ktstr-run.c")
ropts=$(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", [a-z_]*_argument.*/\1/p' "$src/src/cmd/ktstr-report.c")
n=0
echo "TAP version 14"
echo "1..$(($(echo "$opts" | wc -w) + $(echo "$ropts" | wc -w) + 1))"
# documents PAGE OPTION...: a line per option, ok when PAGE has "Fl Fl OPTION"
documents() {
	page=$1
	shift
	for o in "$@"; do
		n=$((n + 1))
		if grep -q "Fl Fl $o\\b" "$src/man/$page"; then
			echo "ok $n - $page documents --$o"
		else
			echo "not ok $n - $page documents --$o"
		fi
	done
}
documents ktstr-report.1 $ropts
documents ktstr-run.1 $opts
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
