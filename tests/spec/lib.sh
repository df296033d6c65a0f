# SPDX-License-Identifier: GPL-2.0-only
# Shared setup of the spec test scripts: where things are, a private temp dir.
src=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KTSTR_BUILDDIR:-$src}
tool=$build/tests/spec/spec-tool
cases=$src/tests/spec/cases
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
