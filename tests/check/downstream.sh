#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The sample downstream project (tests/downstream) finds this build of ktstr
# through m4/ktstr.m4 and runs its specs with "make check": autoreconf,
# configure --with-ktstr=BUILDDIR, then make check with real VMs when a
# kernel is available (a pass and an expected failure), else with --lint.
set -u
src=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KTSTR_BUILDDIR:-$src}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-downstream.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; fail=1; }
check() { if eval "$1"; then ok "$2"; else notok "$2"; fi; }
show() { sed 's/^/# /' "$@" 2>/dev/null | tail -40; }

echo "TAP version 14"
echo "1..5"
for tool in autoreconf automake make; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "ok 1 # SKIP $tool not installed"
		exit 0
	fi
done

# The downstream build is its own project: do not leak the outer make's
# command-line variables (TESTS=...) into it.
unset MAKEFLAGS MFLAGS MAKELEVEL
cp -R "$src/tests/downstream" "$tmp/proj"
chmod -R u+w "$tmp/proj"
mkdir -p "$tmp/proj/m4"
cd "$tmp/proj" || exit 1
# As if ktstr.m4 were installed in aclocal's directory.
cp "$src/m4/ktstr.m4" m4/
if autoreconf -fi >"$tmp/autoreconf.log" 2>&1; then
	ok "autoreconf -fi with KTSTR_CHECK"
else
	notok "autoreconf -fi with KTSTR_CHECK"; show "$tmp/autoreconf.log"
fi
if ./configure --with-ktstr="$build" >"$tmp/configure.log" 2>&1; then
	ok "configure --with-ktstr=BUILDDIR"
else
	notok "configure --with-ktstr=BUILDDIR"; show "$tmp/configure.log"
fi
check "grep -qx 'KTSTR_RUN = $build/src/ktstr-run' Makefile" "KTSTR_CHECK found the built ktstr-run"
check "grep -q '^KTSTR_PLUGINDIR = $build/plugins/.libs' Makefile" "KTSTR_CHECK found the build tree's plugins"

. "$src/tests/vm/kernel.sh"
kernel=$(test_kernel "$build")
if [ -n "$kernel" ]; then
	# Two VMs: a.yaml must pass, forbidden-boot-line.yaml must fail (XFAIL).
	KTSTR_TEST_KERNEL=$kernel make check >"$tmp/check.log" 2>&1
	rc=$?
	check "test $rc -eq 0 && grep -q '^# PASS: *1\$' '$tmp/check.log' &&
	       grep -q '^# XFAIL: *1\$' '$tmp/check.log'" \
		"make check runs the specs: 1 PASS, 1 XFAIL (kernel $(basename "$(dirname "$kernel")"))"
	if [ $fail -ne 0 ]; then
		show "$tmp/check.log"
		for l in specs/*.log; do show "$l"; done
	fi
else
	# No kernel: prove the automake wiring with --lint, which boots nothing.
	make check YAML_LOG_FLAGS=--lint XFAIL_TESTS= >"$tmp/check.log" 2>&1
	check "grep -q '^# PASS: *2' '$tmp/check.log'" "make check wiring (no kernel: specs linted, not booted)"
	[ $fail -eq 0 ] || show "$tmp/check.log"
fi
exit 0
