#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The hostile-input suite: each tests/hostile/cases/NNNN-topic/ holds a
# `cmd` file, the inputs it names and `expected` (the exit status and the
# output, merged and normalised). No case boots a VM: it lints, lists,
# dry-runs, or runs with a kernel that does not exist.
#
# cmd lines:
#   # WHAT                   the first one describes the case (TAP name)
#   setup mkfifo NAME        a FIFO
#   setup mkdir NAME         a directory
#   setup sparse SIZE NAME   a sparse file (truncate -s SIZE)
#   setup repeat N TEXT NAME a file of N lines of TEXT
#   setup append FILE NAME   FILE added at the end of NAME
#   setup symlink TARGET NAME
#   setup plugin NAME SRC    a shared object built from SRC with the plugin
#                            header on the include path
#   run ARGS...              ktstr-run's arguments (shell words)
#   expect-exit N            instead of `expected`: the exit status ...
#   expect-grep ERE          ... and a line the output must have
#
# Each case runs in a private box (its cwd; TMPDIR, HOME and the caches
# inside it) with canaries beside and above it, and must: not crash (exit
# below 128), not hang (20 s), print at most 64 KiB, leave every canary
# (above the box, in it, and eight in TMPDIR) and input in place, write nothing outside the box's ktstr-results/,
# results/ and tmp/, and leave no temp dir behind in tmp/.
# Cases named in tests/hostile/pending wait for a fix another branch
# makes: a mismatch there is TAP "# TODO", and a pass is an XPASS that asks
# for the name to be removed from the list. UPDATE=1 rewrites the
# `expected` files of the other cases (review the diff before committing).
src=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KTSTR_BUILDDIR:-$src}
run=$build/src/ktstr-run
cases=$src/tests/hostile/cases
pending=$src/tests/hostile/pending
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
CC=${CC:-cc}

list=$(cd "$cases" && ls | sort)
echo "TAP version 14"
echo "1..$(echo "$list" | wc -w)"

# What a case may leave: new paths only under these (relative to the box).
allowed() { case "$1" in ./ktstr-results|./ktstr-results/*|./results|./results/*|./tmp|./tmp/*) return 0;; esac; return 1; }

setup() {
	case "$1" in
	mkfifo) mkfifo "$2" ;;
	mkdir) mkdir -p "$2" ;;
	sparse) truncate -s "$2" "$3" ;;
	repeat) awk -v n="$2" -v t="$3" 'BEGIN { for (i = 0; i < n; i++) print t }' >"$4" ;;
	append) cat "$2" >>"$3" ;;
	symlink) ln -s "$2" "$3" ;;
	plugin) $CC -shared -fPIC -I"$src/include" -o "$2" "$3" 2>&1 ;;
	*) echo "unknown setup $1"; return 1 ;;
	esac
}

# Paths, timings, the accelerator's reason (whether /dev/kvm exists
# and opens) and the kernel discovery finds differ between machines and runs.
normalise() {
	sed -e "s|$box|@BOX@|g" -e "s|$build|@BUILD@|g" -e "s|$src|@SRC@|g" \
	    -e 's/[0-9][0-9]*\.[0-9][0-9]*s\b/N.NNs/g' \
	    -e 's/^  accelerator: .*/  accelerator: @ACCEL@ (kvm or tcg, and why)/' \
	    -e 's/^  kernel chosen: .*/  kernel chosen: @KERNEL@ (the one discovery finds, and why)/'
}

i=0
for c in $list; do
	i=$((i + 1))
	dir=$cases/$c
	outer=$tmp/$c
	box=$outer/box
	mkdir -p "$box/tmp" "$box/home"
	(cd "$dir" && for f in * .[!.]* ..?*; do
		[ -e "$f" ] || continue
		case "$f" in cmd|expected) ;; *) cp -R "$f" "$box/" ;; esac
	done)
	echo above >"$outer/canary"
	echo beside >"$box/canary"
	for k in 1 2 3 4 5 6 7 8; do echo inside >"$box/tmp/canary$k"; done
	what=$(sed -n '1s/^# *//p' "$dir/cmd")
	args= xexit= xgrep= problems=
	while read -r verb rest; do
		case "$verb" in
		setup) (cd "$box" && eval "setup $rest") >"$outer/setup.log" 2>&1 ||
			problems="$problems setup failed: $rest: $(head -3 "$outer/setup.log");" ;;
		run) args=$rest ;;
		expect-exit) xexit=$rest ;;
		expect-grep) xgrep=$rest ;;
		esac
	done <"$dir/cmd"
	(cd "$box" && find . -print | sort >"$outer/before")
	(
		cd "$box" || exit 99
		ulimit -f 2048
		export TMPDIR="$box/tmp" HOME="$box/home" XDG_CACHE_HOME="$box/cache" \
			KTSTR_CACHE_DIR="$box/cache" KTSTR_BUILDDIR="$build"
		unset KTSTR_KERNEL KTSTR_TEST_KERNEL KTSTR_PLUGIN_PATH
		eval "exec timeout -k 5 20 \"\$run\" $args" </dev/null >"$outer/raw" 2>&1
	)
	rc=$?
	# the safety rules hold for every case, pending or not
	[ $rc -eq 124 ] || [ $rc -eq 137 ] && problems="$problems hung (killed after 20 s);"
	[ $rc -ge 128 ] && problems="$problems crashed or killed (exit $rc);"
	size=$(wc -c <"$outer/raw")
	[ "$size" -gt 65536 ] && problems="$problems printed $size bytes (more than 64 KiB);"
	[ -f "$outer/canary" ] && [ -f "$box/canary" ] &&
		[ "$(ls "$box/tmp" 2>/dev/null | grep -c '^canary[1-8]$')" -eq 8 ] ||
		problems="$problems a canary was removed;"
	[ "$(ls -A "$outer" | grep -v -x -e box -e canary -e before -e raw -e setup.log)" ] &&
		problems="$problems wrote beside the box: $(ls -A "$outer" | tr '\n' ' ');"
	(cd "$box" && find . -print | sort >"$outer/after")
	gone=$(comm -23 "$outer/before" "$outer/after" | grep -v '^\./tmp/ktstr-run\.')
	[ -n "$gone" ] && problems="$problems removed $(echo $gone);"
	for p in $(comm -13 "$outer/before" "$outer/after"); do
		allowed "$p" || problems="$problems wrote $p outside results/ and tmp/;"
	done
	[ -n "$(ls "$box/tmp" 2>/dev/null | grep -v -x 'canary[1-8]')" ] && problems="$problems left $(ls "$box/tmp" | tr '\n' ' ')in TMPDIR;"
	{ echo "exit $rc"; normalise <"$outer/raw"; } >"$outer/out"
	mismatch=
	if [ -n "$xexit" ]; then
		[ "$rc" = "$xexit" ] || mismatch="exit $rc, want $xexit"
		[ -n "$xgrep" ] && ! grep -E -q -e "$xgrep" "$outer/out" &&
			mismatch="$mismatch; no line matches /$xgrep/"
	else
		[ -n "$UPDATE" ] && [ -z "$problems" ] && cp "$outer/out" "$dir/expected"
		if [ ! -f "$dir/expected" ]; then
			mismatch="no expected file (UPDATE=1 writes it)"
		elif ! diff -u "$dir/expected" "$outer/out" >"$outer/diff"; then
			mismatch="output differs"
		fi
	fi
	todo=
	grep -q -x -e "$c" "$pending" 2>/dev/null && todo=" # TODO waits for a fix on another branch (tests/hostile/pending)"
	if [ -z "$problems$mismatch" ]; then
		echo "ok $i - $c: $what$todo"
	else
		echo "not ok $i - $c: $what$todo"
		[ -n "$problems" ] && echo "#$problems"
		[ -n "$mismatch" ] && echo "# $mismatch"
		[ -f "$outer/diff" ] && sed 's/^/# /' "$outer/diff" | head -40
		[ -n "$xexit" ] && sed 's/^/# | /' "$outer/out" | head -20
	fi
done
