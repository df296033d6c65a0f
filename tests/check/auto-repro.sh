#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Auto-repro in VMs (issue 16): the faulty scheduler's stall and error exits
# FAIL as before (the first run's verdict), and each report has a
# '--- auto-repro ---' section whose per-task events name the struct_ops
# callbacks and the backtrace's functions, written also to auto-repro.txt
# and auto-repro.json, and result.json has its record (auto_repro);
# 'auto_repro: false' leaves all of it out (auto_repro null). Boots 5 VMs (~100 s under TCG).
set -u
src=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KTSTR_BUILDDIR:-$src}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-repro.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 14"
. "$src/tests/vm/kernel.sh"
kernel=$(test_kernel "$build")
[ -n "$kernel" ] || no_test_kernel "no kernel (set KTSTR_TEST_KERNEL)"
[ -e "$build/plugins/faulty.la" ] || { echo "1..0 # SKIP no faulty plugin"; exit 0; }
KTSTR_TEST_KERNEL=$kernel "$build/src/ktstr-run" --accel tcg -j 1 --results-dir "$tmp/r" \
	"$src/tests/check/repro/auto-repro.yaml" "$src/tests/check/repro/auto-repro-off.yaml" \
	>"$tmp/out" 2>&1
echo "# ktstr-run exited $?"

python3 - "$tmp/out" "$tmp/r" <<'PY'
import json, os, re, sys

out = open(sys.argv[1], errors="replace").read()
rdir = sys.argv[2]
n = 0
bad = False

def ok(cond, what, why=""):
    global n, bad
    n += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (n, what))
    if not cond:
        bad = True
        for l in why.splitlines()[-15:]:
            print("# " + l)

# the text report: one block per failed test, from its header to its "artifacts:" line
def block(name):
    m = re.search(r"^ktstr '%s'.*?^artifacts: .*$" % re.escape(name), out, re.M | re.S)
    return m.group(0) if m else ""

def row(name):
    m = re.search(r"^(PASS|FAIL|ERROR|SKIP|TIMEOUT) +[0-9.]+s +%s +(.*)$" % re.escape(name), out, re.M)
    return m.groups() if m else ("", "")

def section(b):
    m = re.search(r"^--- auto-repro ---\n(.*?)(?=^--- |^artifacts: )", b, re.M | re.S)
    return m.group(1) if m else None

# the error's backtrace runs through the enqueue path, entered from a wakeup or a
# preemption: scx_do_enqueue_task (do_enqueue_task before 7.3) is in both
cases = [("auto-repro/flags=stall=1", "SCX_EXIT_ERROR_STALL", "scx_watchdog_workfn", None),
         ("auto-repro/flags=error-after=20", "error-after: 20 events reached",
          "(scx_)?do_enqueue_task", "faulty_enqueue")]
for name, why, fn, prog in cases:
    b = block(name)
    st, reason = row(name)
    ok(st == "FAIL" and why in reason, "%s: FAIL for the first run's reason (%s)" % (name, why),
       "row: %s %s" % (st, reason))
    s = section(b)
    ok(s is not None, "%s: the report has a '--- auto-repro ---' section" % name, b)
    s = s or ""
    tasks = re.findall(r"^task \d+ .*: \d+ events", s, re.M)
    events = re.findall(r"^ +[-+][0-9.]+ ms +cpu\d+ +(.*)$", s, re.M)
    cb = [e for e in events if re.search(r" ops\.(enqueue|select_cpu|running|stopping|runnable|dequeue|quiescent|tick)\b", e)]
    ok(tasks and cb, "%s: per-task events naming struct_ops callbacks (%d tasks, %d callback events)"
       % (name, len(tasks), len(cb)), s)
    # the backtrace's kernel functions (its BPF programs are marked), each probed in the rerun
    m = re.search(r"^backtrace: \d+ frames;(.*)$", s, re.M)
    words = (m.group(1) if m else "").replace(" (struct_ops program)", "").split()
    progs = re.findall(r"(\S+) \(struct_ops program\)", m.group(1) if m else "")
    funcs = [w for w in words if w not in progs]
    try:
        jev = [e["event"] for t in json.load(open(os.path.join(rdir, name.replace("/", "_"),
                                                               "auto-repro.json")))["tasks"]
               for e in t["events"]]
    except Exception:
        jev = []
    seen = [f for f in funcs if f in jev]
    ok(any(re.fullmatch(fn, f) for f in funcs) and seen, "%s: the backtrace's functions (%s) are probed and seen (%s)"
       % (name, " ".join(funcs), " ".join(seen)), s)
    if prog:
        ok(prog in progs, "%s: the backtrace names the struct_ops program %s" % (name, prog), s)
    if "stall" in name:
        # the stalled task's own last events, seconds before the window: where it was put
        m = re.search(r"^task \d+ .*\(named by the failure\).*\n((?: +[-+].*\n)+)", s, re.M)
        ok(m and re.search(r"ops\.enqueue", m.group(1)) and re.search(r"scx_bpf_dsq_insert dsq=", m.group(1)),
           "%s: the stalled task's enqueue and the DSQ it was put on" % name, s)
    ok(re.search(r"^rerun: (FAIL|PASS|ERROR|TIMEOUT)", s, re.M), "%s: the rerun's own outcome is noted" % name, s)
    d = os.path.join(rdir, name.replace("/", "_"))
    try:
        j = json.load(open(os.path.join(d, "auto-repro.json")))
        good = isinstance(j.get("tasks"), list) and j["tasks"] and all(
            "pid" in t and "comm" in t and all("cpu" in e and "t_ms" in e and "event" in e for e in t["events"])
            for t in j["tasks"])
    except Exception as e:
        good, j = False, str(e)
    ok(good and os.path.exists(os.path.join(d, "auto-repro.txt")) and
       os.path.exists(os.path.join(d, "auto-repro", "auto-repro-trace.txt")),
       "%s: auto-repro.txt, auto-repro.json and the rerun's trace in its results dir" % name, str(j)[:500])

    # result.json carries the rerun's record (not the trace), as auto-repro.json has it
    try:
        r = json.load(open(os.path.join(d, "result.json")))
        a = r.get("auto_repro") or {}
    except Exception as e:
        r, a = {}, {"error": str(e)}
    ok(r.get("minor_version", 0) >= 7 and re.match(r"(FAIL|PASS|ERROR|TIMEOUT)", a.get("rerun", "")) and
       a.get("probed") and set(funcs) & set(a["probed"]) and a.get("events", 0) > 0 and
       a.get("tasks") == (len(j.get("tasks", [])) if isinstance(j, dict) else -1) and
       isinstance(a.get("refused"), list) and
       os.path.realpath(a.get("artifacts", {}).get("json") or "/nonexistent") ==
       os.path.realpath(os.path.join(d, "auto-repro.json")) and "task_events" not in a,
       "%s: result.json's auto_repro: the rerun, probes, counts and artifact paths" % name, json.dumps(a)[:800])

name = "auto-repro-off"
st, reason = row(name)
b = block(name)
d = os.path.join(rdir, name)
ok(st == "FAIL" and "error-after: 20" in reason, "%s: FAILs as before" % name, "row: %s %s" % (st, reason))
try:
    off = json.load(open(os.path.join(d, "result.json")))
except Exception:
    off = {}
ok("auto_repro" in off and off["auto_repro"] is None, "%s: result.json's auto_repro is null" % name)
ok(b and section(b) is None and not os.path.exists(os.path.join(d, "auto-repro.txt"))
   and not os.path.exists(os.path.join(d, "auto-repro")),
   "%s: 'auto_repro: false' has no section, no rerun, no files" % name, b)
print("1..%d" % n)
sys.exit(1 if bad else 0)
PY
