#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The HTML report in a real browser: one ktstr-run (TCG) of the wake
# negative control's matrix -- faulty with delay-dispatch-ms=200 (FAIL) and
# the same sched_ext scheduler without it (PASS, with monitor samples) --
# writes --html; headless Chromium opens it. The page script sets its title
# to "ok:N charts drawn" only after finding drawn pixels in every canvas;
# any uncaught JavaScript error is logged as a CONSOLE line and makes the
# title "error:...". A deliberately broken copy of the page must be caught
# by both, so the detectors are known to work. The report and a screenshot
# are kept in tests/report/html-browser.d/ of the build tree.
# neg-wake runs with 'baseline: eevdf', so its page has a ratio table.
# A gauntlet slice -- the catalog's cgroup_steady under scx_ktstr over the
# presets tiny-1llc and tiny-2llc and the profiles default and llc, four
# VMs -- must show its scenario x topology x profile grid with all four
# cells, the run context, and drawn charts (gauntlet.png).
# Without chromium or a kernel the script is skipped; under CI=true that is
# a failure instead.
set -u
src=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KTSTR_BUILDDIR:-$src}
out=$build/tests/report/html-browser.d
rm -rf "$out"
mkdir -p "$out"

echo "TAP version 14"
chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chrome" ]; then
	[ -z "${CI:-}" ] || { echo "Bail out! chromium not installed under CI (.ci/install-deps installs it)"; exit 1; }
	echo "1..0 # SKIP chromium not installed (apt-get install chromium)"
	exit 0
fi
. "$src/tests/vm/kernel.sh"
kernel=$(test_kernel "$build")
[ -n "$kernel" ] || no_test_kernel "no kernel (set KTSTR_TEST_KERNEL)"
[ -e "$build/plugins/faulty.la" ] || no_test_kernel "plugins/faulty.la not built"
echo "1..15"

# browse PAGE NAME: the DOM title after the scripts ran, and a screenshot;
# Chromium's log (with the page's console) goes to NAME.log.
browse() {
	"$chrome" --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 \
		--virtual-time-budget=5000 --dump-dom "file://$1" \
		>"$out/$2.dom" 2>"$out/$2.log"
	"$chrome" --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 \
		--virtual-time-budget=5000 --hide-scrollbars --window-size=1280,3600 \
		--screenshot="$out/$2.png" "file://$1" >/dev/null 2>>"$out/$2.log"
	sed -n 's:.*<title>\([^<]*\)</title>.*:\1:p' "$out/$2.dom" | head -n 1
}
# JavaScript errors and warnings the page logged (Chromium: "CONSOLE(line)").
js_errors() {
	grep -E 'CONSOLE|Uncaught' "$out/$1.log"
}

KTSTR_TEST_KERNEL=$kernel "$build/src/ktstr-run" -q -j 1 --results-dir "$out/results" \
	--html "$out/report.html" "$src/tests/check/vm/neg-wake.yaml" >"$out/run.out" 2>&1
rc=$?
if [ "$rc" = 1 ] && [ -s "$out/report.html" ]; then
	echo "ok 1 - ktstr-run exits 1 (one FAIL) and writes the report"
else
	echo "not ok 1 - ktstr-run exited $rc, report $(ls -l "$out/report.html" 2>&1)"
	sed 's/^/# /' "$out/run.out"
fi
# Self-contained: no resource is fetched when the page opens.
if grep -Eiq '<(script|img|link|iframe)[^>]*(src|href)=' "$out/report.html"; then
	echo "not ok 2 - the report loads external resources:"
	grep -Eio '<(script|img|link|iframe)[^>]*(src|href)=[^>]*' "$out/report.html" | sed 's/^/# /'
else
	echo "ok 2 - the report references no external resource"
fi
if grep -q '"complete":true' "$out/report.html"; then
	echo "ok 3 - the final rewrite marks the report complete"
else
	echo "not ok 3 - the report is not marked complete"
fi

title=$(browse "$out/report.html" report)
# 2 tests x (run queues, worker timeline, wake CDF, CPU time)
case $title in
ok:8\ charts\ drawn) echo "ok 4 - Chromium drew every chart: $title" ;;
*) echo "not ok 4 - page title '$title' (want 'ok:8 charts drawn')" ;;
esac
if js_errors report >/dev/null; then
	echo "not ok 5 - JavaScript logged errors:"
	js_errors report | sed 's/^/# /'
else
	echo "ok 5 - no JavaScript error logged"
fi
size=$(wc -c <"$out/report.png" 2>/dev/null || echo 0)
if [ "$size" -gt 20000 ]; then
	echo "ok 6 - screenshot kept: $out/report.png ($size bytes)"
else
	echo "not ok 6 - screenshot missing or blank ($size bytes)"
fi
for s in 'neg-wake/flags=delay-dispatch-ms=200' 'p99 wake latency' 'Run context' \
	'Against EEVDF in the same boot' 'p99_wake_latency_us' 'faulty flags=delay-dispatch-ms=200 sha256'; do
	grep -qF "$s" "$out/report.dom" || { echo "not ok 7 - '$s' not in the rendered page"; s=; break; }
done
[ -z "$s" ] || echo "ok 7 - the rendered page names the failing test, its reason, the run context and the ratios to EEVDF"

# The detectors catch a broken page: the monitor's series renamed makes the
# run-queue chart throw.
sed 's/"nr_running":\[\[/"nr_runninX":[[/g' "$out/report.html" >"$out/broken.html"
title=$(browse "$out/broken.html" broken)
case $title in
error:*) echo "ok 8 - a broken page is caught by its title: $title" ;;
*) echo "not ok 8 - broken page's title '$title' (want error:...)" ;;
esac
if js_errors broken >/dev/null; then
	echo "ok 9 - a broken page's JavaScript error is logged"
else
	echo "not ok 9 - no JavaScript error logged for a broken page"
fi

# A gauntlet slice: one catalog scenario, two small presets, two profiles.
KTSTR_TEST_KERNEL=$kernel "$build/src/ktstr-run" -q -j 1 --results-dir "$out/gresults" \
	--gauntlet --scheduler scx_ktstr -E '^gauntlet/cgroup_steady/tiny-(1llc|2llc)/(default|llc)$' \
	--html "$out/gauntlet.html" "$src/specs/catalog/basic/cgroup_steady.yaml" >"$out/grun.out" 2>&1
rc=$?
n=$(grep -o '"name":"gauntlet/cgroup_steady/[^"]*"' "$out/gauntlet.html" 2>/dev/null | sort -u | wc -l)
if [ "$rc" -le 1 ] && [ "$n" = 4 ]; then
	echo "ok 10 - the gauntlet slice ran 4 tests (exit $rc) and wrote its report"
else
	echo "not ok 10 - gauntlet slice: exit $rc, $n tests in the report"
	sed 's/^/# /' "$out/grun.out" | tail -40
fi
title=$(browse "$out/gauntlet.html" gauntlet)
case $title in
ok:[1-9]*) echo "ok 11 - Chromium drew every chart of the gauntlet page: $title" ;;
*) echo "not ok 11 - gauntlet page title '$title' (want 'ok:N charts drawn')" ;;
esac
if js_errors gauntlet >/dev/null; then
	echo "not ok 12 - the gauntlet page logged JavaScript errors:"
	js_errors gauntlet | sed 's/^/# /'
else
	echo "ok 12 - no JavaScript error logged on the gauntlet page"
fi
# The grid: one row (the scenario), the presets over the profiles, each
# cell a status; a cell without its test would be empty.
missing=
for cell in tiny-1llc\|default tiny-1llc\|llc tiny-2llc\|default tiny-2llc\|llc; do
	grep -Eq "<td class=\"st-(pass|fail|error|timeout|skip|flaky)\" data-cell=\"cgroup_steady\|$cell\"><a [^>]*>(PASS|FAIL|ERROR|TIMEOUT|SKIP|FLAKY)</a></td>" \
		"$out/gauntlet.dom" || missing="$missing $cell"
done
if [ -z "$missing" ] && grep -q 'scenario × topology × profile' "$out/gauntlet.dom" &&
   grep -Eq '<th colspan="2">tiny-1llc</th><th colspan="2">tiny-2llc</th>' "$out/gauntlet.dom"; then
	echo "ok 13 - the grid is scenario x topology x profile with all four cells"
else
	echo "not ok 13 - grid cells missing:${missing:- (header)}"
fi
if grep -q 'Run context' "$out/gauntlet.dom" && grep -q 'scx_ktstr flags=llc sha256' "$out/gauntlet.dom"; then
	echo "ok 14 - the gauntlet page shows the run context with each profile's scheduler identity"
else
	echo "not ok 14 - no run context with 'scx_ktstr flags=llc sha256' on the gauntlet page"
fi
size=$(wc -c <"$out/gauntlet.png" 2>/dev/null || echo 0)
if [ "$size" -gt 20000 ]; then
	echo "ok 15 - gauntlet screenshot kept: $out/gauntlet.png ($size bytes)"
else
	echo "not ok 15 - gauntlet screenshot missing or blank ($size bytes)"
fi
