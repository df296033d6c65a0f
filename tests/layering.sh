#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The folder rules of doc/architecture.md, read from the sources: each folder
# of src/ is one library (common, contract, host or guest) at one level;
# includes run from a higher level to a lower one only, host and guest never
# include each other, and a folder's Makefile.inc builds only its own files
# into its own library. Prints TAP.
set -u
top=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top/src" || exit 99

# folder  library   level   (one row per folder of src/)
LAYERS='
util      common    0
spec      common    1
plugin    common    2
proto     contract  3
kernel    host      4
result    host      4
monitor   host      5
vm        host      6
check     host      7
report    host      8
cmd       host      9
workload  guest     4
guest     guest     5
'
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); fail=1; echo "not ok $n - $1"; shift
	for l; do printf '%s\n' "$l" | sed 's/^/# /'; done
}

row() { echo "$LAYERS" | awk -v f="$1" '$1 == f { print $2, $3 }'; }

# Every folder has a row, every row a folder.
missing=""
for d in */; do
	d=${d%/}
	[ -n "$(row "$d")" ] || missing="$missing $d"
done
if [ -z "$missing" ]; then ok "every folder of src/ has a layer"; else not_ok "folders without a layer:$missing"; fi

# Includes: lower level only; host and guest apart.
bad=""
edges=""
for d in */; do
	d=${d%/}
	set -- $(row "$d")
	lib=${1:-?}; lvl=${2:-99}
	for f in "$d"/*.[ch]; do
		[ -f "$f" ] || continue
		for inc in $(sed -n 's|^#[[:space:]]*include[[:space:]]*"\([a-z_]*\)/.*|\1|p' "$f" | sort -u); do
			[ "$inc" = "$d" ] && continue
			[ -d "$inc" ] || continue
			set -- $(row "$inc")
			ilib=${1:-?}; ilvl=${2:-99}
			edges="$edges $d $inc"
			why=""
			if [ "$ilvl" -ge "$lvl" ]; then why="level $lvl includes level $ilvl"; fi
			case "$lib/$ilib" in
			host/guest|guest/host) why="$lib includes $ilib" ;;
			common/host|common/guest|common/contract|contract/host|contract/guest)
				why="$lib includes $ilib" ;;
			esac
			[ -n "$why" ] && bad="$bad
$f includes $inc/: $why"
		done
	done
done
if [ -z "$bad" ]; then ok "includes run from higher layers to lower ones"
else not_ok "includes against the layers" "$(echo "$bad" | sed 1d)"; fi

# No folder-level cycle (tsort names one).
loop=$(echo "$edges" | tsort 2>&1 >/dev/null)
if [ -z "$loop" ]; then ok "no folder-level include cycle"; else not_ok "folder include cycle" "$loop"; fi

# Build files follow the folders: src/X/Makefile.inc names only src/X/ files
# and adds them to X's library.
bad=""
for d in */; do
	d=${d%/}
	mk=$d/Makefile.inc
	[ -f "$mk" ] || continue
	set -- $(row "$d")
	lib=${1:-?}
	for p in $(grep -o 'src/[a-z_]*/[A-Za-z0-9_.-]*\.[ch]' "$mk" | sort -u); do
		case "$p" in src/$d/*) ;; *) bad="$bad $mk:$p" ;; esac
	done
	for l in $(grep -o 'src_libktstr_[a-z]*_a_SOURCES' "$mk" | sort -u); do
		want=$lib
		[ "$lib" = contract ] && want=common
		case "$l" in src_libktstr_${want}_a_SOURCES) ;; *) bad="$bad $mk:$l" ;; esac
	done
done
if [ -z "$bad" ]; then ok "each Makefile.inc builds its own folder into its own library"
else not_ok "Makefile.inc outside its folder or library" $bad; fi

echo "1..$n"
exit $fail
