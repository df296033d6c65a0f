#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# --lint, --list and --dry-run run nothing from a plugin a spec names by path
# (ktstr-spec(5), SECURITY): a plugin whose constructor creates a marker file
# is linted, listed and planned from its ELF file, and the marker never
# appears. The flags and thresholds are still checked, also in a plugin
# linked with packed relative relocations (DT_RELR) when the linker can.
set -u
src=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KTSTR_BUILDDIR:-$src}
run=$build/src/ktstr-run
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-no-exec.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }

cat >"$tmp/marker.c" <<'EOT'
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <ktstr/plugin.h>

/* Runs on dlopen: the proof that something executed code from this file. */
__attribute__((constructor)) static void leave_mark(void)
{
	const char *m = getenv("MARKER");

	if (m)
		close(open(m, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
}

static const char *const deep_requires[] = { "fast", NULL };
static const struct ktstr_flag flags[] = {
	{ "fast", "go fast", NULL, NULL },
	{ "deep", "go deep", deep_requires, NULL },
	{ NULL },
};
static const struct ktstr_threshold thresholds[] = { { "max_gap_ms", "4321" }, { NULL, NULL } };

KTSTR_PLUGIN_EXPORT const struct ktstr_plugin ktstr_plugin = {
	.abi_version = KTSTR_PLUGIN_ABI_VERSION,
	.sz = sizeof(struct ktstr_plugin),
	.name = "marker",
	.flags = flags,
	.thresholds = thresholds,
};
EOT
cc=${CC:-cc}
$cc -shared -fPIC -fvisibility=hidden -I"$src/include" -o "$tmp/marker.so" "$tmp/marker.c" \
	>"$tmp/cc.log" 2>&1
rc=$?
[ $rc = 0 ] || sed 's/^/# /' "$tmp/cc.log"
ok $rc "a plugin with a constructor builds out of tree"
sos=$tmp/marker.so
if $cc -shared -fPIC -fvisibility=hidden -Wl,-z,pack-relative-relocs -I"$src/include" \
	-o "$tmp/marker-relr.so" "$tmp/marker.c" >/dev/null 2>&1 &&
	readelf -d "$tmp/marker-relr.so" 2>/dev/null | grep -q RELR; then
	sos="$sos $tmp/marker-relr.so"
else
	echo "# the linker cannot pack relative relocations: DT_RELR not covered"
fi

# Not vacuous: loading the file for real does run the constructor.
MARKER=$tmp/mark-dlopen "$build/tests/plugin/plugin-run" -d 0 -l 0 "$tmp/marker.so" >/dev/null 2>&1
[ -e "$tmp/mark-dlopen" ]
ok $? "dlopen (a real run) runs the constructor: the marker appears"

for so in $sos; do
	v=$(basename "$so" .so)
	cat >"$tmp/$v.yaml" <<EOT
name: $v
scheduler:
  plugin: $so
  flags: [fast, deep]
cgroups: [{name: cg_0}]
EOT
	sed 's/\[fast, deep\]/[fast, nosuch]/' "$tmp/$v.yaml" >"$tmp/$v-bad.yaml"
	sed 's/\[fast, deep\]/[deep]/' "$tmp/$v.yaml" >"$tmp/$v-req.yaml"

	export MARKER=$tmp/mark-$v-lint
	"$run" --lint "$tmp/$v.yaml" >"$tmp/out" 2>&1
	rc=$?
	[ $rc = 0 ] || sed 's/^/# /' "$tmp/out"
	[ $rc = 0 ] && [ ! -e "$MARKER" ]
	ok $? "$v: --lint accepts the spec and runs nothing (exit $rc)"

	export MARKER=$tmp/mark-$v-bad
	"$run" --lint "$tmp/$v-bad.yaml" >"$tmp/out" 2>&1
	rc=$?
	grep -q "$v-bad.yaml:3:3: error: scheduler 'marker' has no flag 'nosuch'" "$tmp/out" &&
		[ $rc = 1 ] && [ ! -e "$MARKER" ]
	ok $? "$v: an unknown flag is still a lint error (exit $rc: $(head -1 "$tmp/out"))"

	export MARKER=$tmp/mark-$v-req
	"$run" --lint "$tmp/$v-req.yaml" >"$tmp/out" 2>&1
	rc=$?
	grep -q "flag 'deep' requires flag 'fast'" "$tmp/out" && [ $rc = 1 ] && [ ! -e "$MARKER" ]
	ok $? "$v: requires is read from the file (exit $rc)"

	export MARKER=$tmp/mark-$v-list
	"$run" --list "$tmp/$v.yaml" >"$tmp/out" 2>&1
	rc=$?
	[ $rc = 0 ] && grep -qx "$v" "$tmp/out" && [ ! -e "$MARKER" ]
	ok $? "$v: --list runs nothing (exit $rc)"

	export MARKER=$tmp/mark-$v-dry
	"$run" --dry-run "$tmp/$v.yaml" >"$tmp/out" 2>&1
	rc=$?
	[ $rc = 0 ] || sed 's/^/# /' "$tmp/out"
	[ $rc = 0 ] && grep -q "max_gap_ms  *4321ms  *scheduler" "$tmp/out" && [ ! -e "$MARKER" ]
	ok $? "$v: --dry-run shows the plugin's threshold layer and runs nothing (exit $rc)"
done
echo "1..$n"
exit $failed
