#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The HTML report's payload table and auto-repro section in a real browser,
# without a VM: tests/report/test-html writes its synthetic page (a payload
# with a passed and a failed check, an auto-repro rerun with one task's
# events) and headless Chromium opens it. The page must run without a
# JavaScript error, draw its charts, and hold both parts, the auto-repro
# section collapsed. Without chromium it is skipped (a failure under CI=true).
set -u
src=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KTSTR_BUILDDIR:-$src}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-html-fixture.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 14"
chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chrome" ]; then
	[ -z "${CI:-}" ] || { echo "Bail out! chromium not installed under CI (.ci/install-deps installs it)"; exit 1; }
	echo "1..0 # SKIP chromium not installed (apt-get install chromium)"
	exit 0
fi
echo "1..4"
n=0
fail=0
check() {
	n=$((n + 1))
	if eval "$1"; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi
}

"$build/tests/report/test-html" "$tmp/page.html" >"$tmp/unit.out" 2>&1
check "test -s '$tmp/page.html'" "test-html wrote its page"
"$chrome" --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 \
	--virtual-time-budget=5000 --dump-dom "file://$tmp/page.html" >"$tmp/dom" 2>"$tmp/log"
title=$(sed -n 's:.*<title>\([^<]*\)</title>.*:\1:p' "$tmp/dom" | head -n 1)
check "case '$title' in ok:*) ! grep -qE 'CONSOLE|Uncaught' '$tmp/log';; *) false;; esac" \
	"the page runs without a JavaScript error and draws its charts ($title)"
check "grep -q '<td>stress</td><td>metrics.0.bogo-ops</td><td>41.20</td><td>higher_better</td><td>max 10</td><td><span class=\"v-regression\">failed</span></td>' '$tmp/dom' &&
       grep -q '<td>stress</td><td>exit</td><td>0</td><td>-</td><td>exit code 0</td>' '$tmp/dom'" \
	"the payload table: each check with its value, polarity and verdict, and the exit code"
check "grep -q '<details class=\"auto-repro\"><summary>auto-repro: rerun FAIL: stall; 2 events of 1 tasks before the failure</summary>' '$tmp/dom' &&
       grep -q '<h4>task 103 init (named by the failure): 2 events</h4>' '$tmp/dom' &&
       grep -q '<td>-12.500</td><td>1</td><td>scx_do_enqueue_task</td><td>ops.enqueue</td>' '$tmp/dom' &&
       grep -q 'balance_one (not a probeable kernel function here)' '$tmp/dom'" \
	"the auto-repro section, collapsed: the rerun, the refused probe, each task's events"
if [ $fail -ne 0 ]; then
	sed 's/^/# /' "$tmp/log" | tail -20
	grep -o '<section.*' "$tmp/dom" | head -c 3000 | sed 's/^/# /'
fi
exit 0
