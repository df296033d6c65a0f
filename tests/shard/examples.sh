#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The shipped sharding examples (examples/sharding) are checked for syntax
# (sh -n; YAML through python3's yaml) and for the commands they run: each
# ktstr-run line runs for real with --list appended, once per shard index
# the engine would give it, and the shards' lists must partition the full
# list; each ktstr-report line must get past option parsing to the shard
# directories (which do not exist here). No VM boots.
set -u
src=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KTSTR_BUILDDIR:-$src}
ex=$src/examples/sharding
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; [ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'; fails=$((fails + 1)); fi; }
echo "TAP version 14"
python3 -c 'import yaml' 2>/dev/null || { echo "1..0 # SKIP python3 has no yaml module (apt-get install python3-yaml)"; exit 0; }
echo "1..10"

# ktstr-run and ktstr-report as the examples call them: the real binaries,
# ktstr-run only listing its shard, ktstr-report merge only parsing
mkdir -p "$tmp/bin"
cat >"$tmp/bin/ktstr-run" <<W
#!/bin/sh
echo "\$*" >>"$tmp/run-args"
exec "$build/src/ktstr-run" -q "\$@" --list
W
cat >"$tmp/bin/ktstr-report" <<W
#!/bin/sh
"$build/src/ktstr-report" "\$@" 2>"$tmp/report-err"
rc=\$?
[ \$rc = 2 ] && grep -q "not a shard's results directory" "$tmp/report-err" && exit 0
cat "$tmp/report-err" >&2
exit \$rc
W
chmod +x "$tmp/bin/ktstr-run" "$tmp/bin/ktstr-report"
cd "$src" || exit 99
"$build/src/ktstr-run" -q --list specs/*.yaml specs/*.ini | sort >"$tmp/full"
# partition FILE...: the shards' lists are disjoint and their union is the full list
partition() {
	sort "$@" >"$tmp/union"
	cmp -s "$tmp/union" "$tmp/full" && [ -z "$(uniq -d "$tmp/union")" ]
}

# Slurm: every array task's command, with the environment Slurm gives it
s=$ex/slurm-array.sbatch
sh -n "$s"; ok $? "slurm-array.sbatch: shell syntax"
range=$(sed -n 's/^#SBATCH --array=\([0-9]*\)-\([0-9]*\)$/\1 \2/p' "$s")
set -- $range
lo=${1:-0} hi=${2:--1} err=
for k in $(seq "$lo" "$hi"); do
	PATH=$tmp/bin:$PATH SLURM_ARRAY_TASK_ID=$k SLURM_ARRAY_TASK_MIN=$lo SLURM_ARRAY_TASK_MAX=$hi \
		SLURM_ARRAY_TASK_COUNT=$((hi - lo + 1)) RESULTS=$tmp/r KTSTR_CACHE_DIR=$tmp/c \
		sh "$s" >"$tmp/slurm-$k" 2>"$tmp/err" || err="$err task $k: $(cat "$tmp/err")"
done
[ -n "$range" ] && [ -z "$err" ] && partition "$tmp"/slurm-*
ok $? "slurm-array.sbatch: its $((hi - lo + 1)) array tasks' ktstr-run lines run and partition the list" "$err"
PATH=$tmp/bin:$PATH RESULTS=$tmp/r sh "$s" merge 2>"$tmp/err"
ok $? "slurm-array.sbatch merge: the ktstr-report merge line parses" "$(cat "$tmp/err")"

# Kubernetes: the manifest's shape, then each index's command
k=$ex/k8s-indexed-job.yaml
python3 - "$k" >"$tmp/k8s" 2>"$tmp/err" <<'PY'
import shlex, sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
assert len(docs) == 1 and docs[0]["kind"] == "Job", "one Job"
s = docs[0]["spec"]
assert s["completionMode"] == "Indexed", "an Indexed Job"
c = s["template"]["spec"]["containers"][0]
env = {e["name"]: e["value"] for e in c["env"]}
assert int(env["KTSTR_SHARDS"]) == s["completions"], "KTSTR_SHARDS must equal completions"
mounts = {m["name"]: m for m in c["volumeMounts"]}
vols = {v["name"] for v in s["template"]["spec"]["volumes"]}
assert set(mounts) <= vols, "every mount has its volume"
cache = [m for m in mounts.values() if m["mountPath"] == env["KTSTR_CACHE_DIR"]]
assert cache and cache[0].get("readOnly"), "the kernel cache is a read-only volume at KTSTR_CACHE_DIR"
assert any("/results" == m["mountPath"] for m in mounts.values()), "results on a volume"
assert c["command"][:2] == ["/bin/sh", "-c"]
print(s["completions"])
print(c["command"][2])
PY
ok $? "k8s-indexed-job.yaml: an Indexed Job, KTSTR_SHARDS = completions, cache and results on volumes" "$(cat "$tmp/err")"
count=$(sed -n 1p "$tmp/k8s")
cmd=$(sed -n '2,$p' "$tmp/k8s" | sed "s|/usr/local/share/ktstr/specs|$src/specs|g; s|/results/|$tmp/r/|g")
err=
for i in $(seq 0 $((${count:-1} - 1))); do
	PATH=$tmp/bin:$PATH JOB_COMPLETION_INDEX=$i KTSTR_SHARDS=$count sh -c "$cmd" >"$tmp/k8s-$i" 2>"$tmp/err" ||
		err="$err index $i: $(cat "$tmp/err")"
done
[ -n "$count" ] && [ -z "$err" ] && partition "$tmp"/k8s-[0-9]*
ok $? "k8s-indexed-job.yaml: each of its $count indexes' ktstr-run line runs and they partition the list" "$err"

# GitHub Actions: the matrix, the merge job, each shard's and the merge's commands
g=$ex/github-actions.yml
python3 - "$g" >"$tmp/gha" 2>"$tmp/err" <<'PY'
import re, sys, yaml
w = yaml.safe_load(open(sys.argv[1]))
jobs = w["jobs"]
shards = jobs["shard"]["strategy"]["matrix"]["shard"]
assert shards == list(range(1, len(shards) + 1)), "matrix.shard is 1..N"
assert jobs["merge"]["needs"] in ("shard", ["shard"]), "merge needs the shards"
assert jobs["merge"].get("if") == "always()", "merge runs even when a shard failed"
run = [s["run"] for s in jobs["shard"]["steps"] if "ktstr-run" in s.get("run", "")]
mrg = [s["run"] for s in jobs["merge"]["steps"] if "ktstr-report" in s.get("run", "")]
assert len(run) == 1 and len(mrg) == 1, "one ktstr-run step, one ktstr-report step"
n = len(shards)
assert re.search(r"--shard \$\{\{ matrix.shard \}\}/%d\b" % n, run[0]), "--shard K/%d matches the matrix" % n
print(n)
print(run[0].strip().replace("\n", " "))
print(mrg[0].strip().replace("\n", " "))
PY
ok $? "github-actions.yml: a 1..N shard matrix with --shard K/N and an always() merge job" "$(cat "$tmp/err")"
count=$(sed -n 1p "$tmp/gha")
err=
for i in $(seq 1 "${count:-0}"); do
	cmd=$(sed -n 2p "$tmp/gha" | sed "s|\${{ matrix.shard }}|$i|g; s|\./src/|$tmp/bin/|g; s|results/|$tmp/r/|g")
	sh -c "$cmd" >"$tmp/gha-$i" 2>"$tmp/err" || err="$err shard $i: $(cat "$tmp/err")"
done
[ -n "$count" ] && [ -z "$err" ] && partition "$tmp"/gha-[0-9]*
ok $? "github-actions.yml: its $count shards' ktstr-run lines run and partition the list" "$err"
cmd=$(sed -n 3p "$tmp/gha" | sed "s|\./src/|$tmp/bin/|g; s|results/|$tmp/r/|g")
sh -c "$cmd" 2>"$tmp/err"
ok $? "github-actions.yml: the merge job's ktstr-report line parses" "$(cat "$tmp/err")"

# every ktstr command line in the examples was exercised above
grep -c -- '--retries 2' "$tmp/run-args" | grep -qv '^0$'
ok $? "the examples' ktstr-run lines were run (with their --retries)"
grep -l 'ktstr-run\|ktstr-report' "$ex"/* | wc -l | grep -qx 3
ok $? "all three examples call ktstr"
exit $((fails > 0))
