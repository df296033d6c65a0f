# SPDX-License-Identifier: GPL-2.0-only
# Shared setup of the spec test scripts: where things are, a private temp dir.
src=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KTSTR_BUILDDIR:-$src}
tool=$build/tests/spec/spec-tool
cases=$src/tests/spec/cases
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

# TAP helpers: check NAME 'shell condition' prints ok or not ok (with the
# last command's $tmp/err and $tmp/out as diagnostics).
run=$build/src/ktstr-run
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; sed 's/^/# /' "$tmp/err" "$tmp/out" 2>/dev/null | head -40; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }
