#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The out-of-tree example plugin builds against the installed header and
# ktstr-plugin.pc (installed with DESTDIR into a temp root), installs into
# the plugin directory pkg-config names, and loads through the loader.
set -u
src=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KTSTR_BUILDDIR:-$src}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-plugin-example.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }

echo "TAP version 14"
echo "1..7"
root=$tmp/root
make -s -C "$build" install-include_ktstrHEADERS install-pkgconfigDATA DESTDIR="$root" \
	>"$tmp/install.log" 2>&1
ok $? "make install of the header and ktstr-plugin.pc into a DESTDIR"
pc=$(find "$root" -name ktstr-plugin.pc | head -1)
hdr=$(find "$root" -path '*/ktstr/plugin.h' | head -1)
[ -n "$pc" ] && [ -n "$hdr" ]
ok $? "installed: ${pc#"$root"} and ${hdr#"$root"}"

export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_LIBDIR=
cflags=$(pkg-config --cflags ktstr-plugin)
case $cflags in
*"$root"*) ok 0 "pkg-config --cflags points into the installed tree ($cflags)" ;;
*) ok 1 "pkg-config --cflags points into the installed tree ($cflags)" ;;
esac

# A copy of the example, so the build does not depend on the source tree.
cp "$src/tests/plugin/example/example.c" "$src/tests/plugin/example/Makefile" "$tmp/"
make -s -C "$tmp" >"$tmp/build.log" 2>&1
rc=$?
[ $rc = 0 ] || sed 's/^/# /' "$tmp/build.log"
ok $rc "the example builds with its Makefile and pkg-config"
# pkgconf applies the sysroot to the plugindir variable too: no DESTDIR here.
make -s -C "$tmp" install >>"$tmp/build.log" 2>&1
so=$(find "$root" -name example.so -path '*/ktstr/plugins/*' | head -1)
[ -n "$so" ] && [ "$so" = "$(pkg-config --variable=plugindir ktstr-plugin)/example.so" ]
ok $? "make install puts it into the plugin directory (${so#"$root"})"

out=$(KTSTR_PLUGIN_PATH=$(dirname "${so:-/nonexistent}") "$build/tests/plugin/plugin-run" \
	-d 1 -l 0 -f greet -f loud example 2>&1)
echo "$out" | sed 's/^/# /'
echo "$out" | grep -q "^open: example " && echo "$out" | grep -q "HELLO FROM" &&
	echo "$out" | grep -q "^health: RUNNING" && echo "$out" | grep -q '^stats: {"polls":'
ok $? "ktstr loads it by name from KTSTR_PLUGIN_PATH and runs its lifecycle"

out=$("$build/tests/plugin/plugin-run" -d 0 -l 0 -f loud "${so:-/nonexistent}" 2>&1)
echo "$out" | grep -q "flag 'loud' requires flag 'greet'"
ok $? "its flag declarations are enforced ($out)"
exit $failed
