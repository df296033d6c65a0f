#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Kept runs and result.json's context (one VM, TCG, ~15 s): an exec'd
# scheduler's run records the kernel release and cache key, the ktstr
# version and commit, the host, the start time and the sha256 of the
# plugin and of the binary it packs, each checked against what the host
# says itself (sha256sum, nproc, /proc/cpuinfo, git describe); runs that
# start in the same second are kept apart, never overwritten; a gauntlet
# test records its preset and profile; ktstr-stats list, show and compare
# read runs by name; --runs-dir none keeps nothing.
set -u
src=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KTSTR_BUILDDIR:-$src}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-runs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 14"
. "$src/tests/vm/kernel.sh"
kernel=$(test_kernel "$build")
[ -n "$kernel" ] || no_test_kernel "no kernel (set KTSTR_TEST_KERNEL)"
[ -x "$build/plugins/scx_ktstr_bin" ] || make -C "$build" plugins/scx_ktstr_bin >/dev/null 2>&1
[ -x "$build/plugins/scx_ktstr_bin" ] || no_test_kernel "plugins/scx_ktstr_bin not built"
echo "1..9"
runs=$tmp/runs
cat >"$tmp/exec.yaml" <<EOF
name: ctx-exec
topology: 1n1l2c1t
duration: 1s
scheduler:
  plugin: exec
  flags: [ops=ktstr]
  args: ["$build/plugins/scx_ktstr_bin", "--fifo"]
  watchdog_timeout: 4s
cgroups:
  - name: cg_0
    workers: 2
EOF
# a scheduler that cannot start: an ERROR before any VM boots, so three runs take a second
cat >"$tmp/bad.yaml" <<EOF
name: ctx-bad
topology: 1n1l2c1t
duration: 1s
scheduler:
  plugin: exec
  args: ["/nonexistent/sched"]
cgroups:
  - name: cg_0
    workers: 2
EOF
run() {
	KTSTR_TEST_KERNEL=$kernel "$build/src/ktstr-run" -q -j 1 --runs-dir "$runs" "$@" \
		>>"$tmp/run.out" 2>&1
}
run --results-dir "$tmp/res" "$tmp/exec.yaml" || sed 's/^/# /' "$tmp/run.out"
exec_run=$(ls "$runs")
for i in 1 2 3; do run --results-dir "$tmp/bad" "$tmp/bad.yaml"; done
run --results-dir "$tmp/g" --gauntlet -E 'ctx-bad/tiny-2llc' "$tmp/bad.yaml"

n=$(ls "$runs" | wc -l)
kept=$(ls "$runs"/*/ctx-bad/result.json 2>/dev/null | wc -l)
ids=$(python3 -c 'import json, os, sys
for d in sorted(os.listdir(sys.argv[1])):
    i = json.load(open(os.path.join(sys.argv[1], d, "run.json")))["context"]["run_id"]
    print("ok" if i == d else "run.json of %s says run_id %s" % (d, i))' "$runs" | grep -v '^ok$')
if [ "$n" = 5 ] && [ "$kept" = 3 ] && [ -z "$ids" ]; then
	echo "ok 1 - five runs, five directories: $(ls "$runs" | tr '\n' ' ')"
else
	echo "not ok 1 - want 5 run directories and 3 ctx-bad results, got $n and $kept; $ids"
	ls -R "$runs" | sed 's/^/# /'
fi

commit=$(cd "$src" && git describe --always --dirty --tags 2>/dev/null || true)
python3 - "$runs/$exec_run" "$build" "$commit" "$(nproc)" \
	"$(KTSTR_TEST_KERNEL=$kernel "$build/src/ktstr-kernel" -q resolve 2>/dev/null | head -n 1)" \
	"$("$build/src/ktstr-run" --version | awk '{print $NF}')" <<'PY'
import hashlib, json, os, re, sys, time
run, build, commit, ncpu, kimage, version = sys.argv[1:7]
d = json.load(open(os.path.join(run, 'ctx-exec', 'result.json')))
c = d.get('context') or {}
def sha(p):
    return hashlib.sha256(open(p, 'rb').read()).hexdigest()
bad = []
def want(cond, what):
    if not cond:
        bad.append(what)
want(d.get('minor_version', 0) >= 3, 'minor_version >= 3')
k = c.get('kernel', {})
want(k.get('release') and k['release'] in (d.get('kernel') or ''), 'kernel.release %r in %r' % (k.get('release'), d.get('kernel')))
want(k.get('cache_key') is None or k['cache_key'] in kimage or k['cache_key'] in (d.get('kernel') or ''), 'cache_key %r' % k.get('cache_key'))
want(c.get('ktstr', {}).get('version') == version, 'ktstr.version %r != %r' % (c.get('ktstr', {}).get('version'), version))
want((c.get('ktstr', {}).get('commit') or '') == commit, 'ktstr.commit %r != git describe %r' % (c.get('ktstr', {}).get('commit'), commit))
h = c.get('host', {})
want(h.get('cpus') == int(ncpu), 'host.cpus %r != nproc %s' % (h.get('cpus'), ncpu))
models = re.findall(r'^model name\s*:\s*(.*)$', open('/proc/cpuinfo').read(), re.M)
want(h.get('cpu_model') == (models[0] if models else None), 'host.cpu_model %r' % h.get('cpu_model'))
want(h.get('accel') in ('kvm', 'tcg') and (d.get('accel') or '').startswith(h.get('accel', '?')), 'host.accel %r vs %r' % (h.get('accel'), d.get('accel')))
t0 = time.mktime(time.strptime(c.get('started_at', ''), '%Y-%m-%dT%H:%M:%SZ')) - time.timezone if c.get('started_at') else 0
want(abs(time.time() - t0) < 3600, 'started_at %r is not now' % c.get('started_at'))
want(c.get('run_id') == os.path.basename(run), 'run_id %r names the directory %r' % (c.get('run_id'), os.path.basename(run)))
s = c.get('scheduler', {})
want(s.get('plugin') == 'exec' and s.get('flags') == ['ops=ktstr'] and s.get('args', [None])[1:] == ['--fifo'], 'scheduler plugin/flags/args %r' % s)
want(s.get('plugin_path') and s.get('plugin_sha256') == sha(s['plugin_path']), 'plugin_sha256 is the .so\'s')
binp = os.path.join(build, 'plugins', 'scx_ktstr_bin')
f = [x for x in s.get('files', []) if x.get('name') == 'scx_ktstr_bin']
want(f and f[0].get('sha256') == sha(binp), 'files[scx_ktstr_bin].sha256 is sha256sum of the binary: %r' % f)
if bad:
    print('not ok 2 - context: ' + '; '.join(bad))
else:
    print('ok 2 - context: kernel %s, ktstr %s %s, %s x%d %s, exec binary sha256 %s...' % (
        k['release'], version, commit or '(no git)', h['cpu_model'], h['cpus'], h['accel'], f[0]['sha256'][:12]))
PY

g=$(ls "$runs"/*/gauntlet_ctx-bad_tiny-2llc_default/result.json 2>/dev/null | head -n 1)
python3 - "${g:-/nonexistent}" <<'PY'
import json, sys
try:
    dim = json.load(open(sys.argv[1]))['context']['dimensions']
except Exception as e:
    print('not ok 3 - gauntlet result.json: %s' % e); sys.exit()
ok = dim.get('preset') == 'tiny-2llc' and dim.get('profile') == 'default' and dim.get('topology') == '1n2l2c1t'
print(('ok 3' if ok else 'not ok 3') + ' - gauntlet dimensions: %r' % dim)
PY

"$build/src/ktstr-stats" list --runs-dir "$runs" >"$tmp/list.out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/list.out"
lines=$(grep -c '^20' "$tmp/list.out")
if [ "$rc" = 0 ] && [ "$lines" = 5 ] && grep -q "^$exec_run .* 1    1    0    0    0 " "$tmp/list.out"; then
	echo "ok 4 - ktstr-stats list: five runs, the exec run passed"
else
	echo "not ok 4 - ktstr-stats list: exit $rc, $lines runs"
fi

KTSTR_RUNS_DIR=$runs "$build/src/ktstr-stats" show "$exec_run" >"$tmp/show.out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/show.out"
if [ "$rc" = 0 ] && grep -q "^PASS    ctx-exec  \[kernel .*, sched exec\]" "$tmp/show.out" &&
	grep -q "^host: .*, $(nproc) CPUs" "$tmp/show.out"; then
	echo "ok 5 - ktstr-stats show RUN (by name, from KTSTR_RUNS_DIR)"
else
	echo "not ok 5 - ktstr-stats show: exit $rc"
fi

"$build/src/ktstr-stats" show --runs-dir "$runs" no-such-run >/dev/null 2>"$tmp/err"
rc=$?
if [ "$rc" = 2 ] && grep -q "'no-such-run' is neither a directory nor a run in $runs" "$tmp/err"; then
	echo "ok 6 - an unknown run is exit 2, named"
else
	echo "not ok 6 - unknown run: exit $rc: $(cat "$tmp/err")"
fi

"$build/src/ktstr-stats" compare --runs-dir "$runs" "$exec_run" "$exec_run" >"$tmp/cmp.out" 2>&1
rc=$?
if [ "$rc" = 0 ] && grep -q "ctx-exec" "$tmp/cmp.out"; then
	echo "ok 7 - ktstr-stats compare takes run names"
else
	echo "not ok 7 - compare by run name: exit $rc"
	sed 's/^/# /' "$tmp/cmp.out"
fi

before=$(ls "$runs" | wc -l)
KTSTR_RUNS_DIR=none "$build/src/ktstr-run" -q --results-dir "$tmp/none" "$tmp/bad.yaml" >/dev/null 2>&1
XDG_DATA_HOME=$tmp/xdg "$build/src/ktstr-run" -q --runs-dir none --results-dir "$tmp/none" \
	"$tmp/bad.yaml" >/dev/null 2>&1
if [ "$(ls "$runs" | wc -l)" = "$before" ] && [ ! -e "$tmp/xdg" ]; then
	echo "ok 8 - KTSTR_RUNS_DIR=none and --runs-dir none keep nothing"
else
	echo "not ok 8 - 'none' kept a run"
fi

# the default: $XDG_DATA_HOME/ktstr/runs
env -u KTSTR_RUNS_DIR XDG_DATA_HOME="$tmp/xdg" "$build/src/ktstr-run" -q --results-dir "$tmp/none" \
	"$tmp/bad.yaml" >/dev/null 2>&1
if [ -f "$(ls -d "$tmp"/xdg/ktstr/runs/*/ 2>/dev/null | head -n 1)run.json" ]; then
	echo "ok 9 - the default runs directory is \$XDG_DATA_HOME/ktstr/runs"
else
	echo "not ok 9 - nothing kept under \$XDG_DATA_HOME/ktstr/runs"
fi
