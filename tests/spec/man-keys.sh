#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# ktstr-spec(5) documents exactly the keys of the key table (per section),
# every work type with its parameters, and every threshold.
. "$(dirname "$0")/lib.sh"
man=$src/man/ktstr-spec.5

# What the man page documents, as "kind name" lines.
awk '
/^\.Sh / { sh = $2 " " $3; sub(/ $/, "", sh); next }
sh == "KEYS" && /^\.Ss Section / { sec = $3; next }
sh == "KEYS" && /^\.It Ic / { print "key " sec "." $3; next }
sh == "WORK TYPES" && /^\.It Ic / { type = $3; print "worktype " $3 " " $6; next }
sh == "WORK TYPES" && /^\.It Va / { print "param " type "." $3; next }
sh == "THRESHOLDS" && /^\.It Ic / { print "threshold " $3 }
' "$man" | sort >"$tmp/man"

# What the code has.
{
	"$tool" keys | cut -f1 | sed 's/^/key /'
	"$tool" worktypes | while read -r pascal snake params; do
		echo "worktype $snake $pascal"
		for p in $params; do echo "param $snake.$p"; done
	done
	"$tool" thresholds | sed 's/^/threshold /'
} | sort >"$tmp/code"

echo "TAP version 14"
echo "1..4"
i=0
for kind in key worktype param threshold; do
	i=$((i + 1))
	grep "^$kind " "$tmp/man" >"$tmp/m.$kind"
	grep "^$kind " "$tmp/code" >"$tmp/c.$kind"
	n=$(wc -l <"$tmp/c.$kind")
	if [ "$n" -gt 0 ] && diff "$tmp/c.$kind" "$tmp/m.$kind" >"$tmp/d"; then
		echo "ok $i - ktstr-spec(5) documents all $n ${kind}s, and no others"
	else
		echo "not ok $i - ktstr-spec(5) ${kind}s differ from the code (< code only, > man only)"
		sed 's/^/# /' "$tmp/d"
	fi
done
