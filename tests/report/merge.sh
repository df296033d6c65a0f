#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# ktstr-report merge without a VM: shards written as ktstr-run --shard writes
# them (shard.json, each test's result.json), split by ktstr-run --list --shard
# itself, merge into the whole list with the exit status of the worst verdict;
# a missing shard, a duplicate, a foreign shard, a test in two shards and a
# shard that died before its results are refused or reported, each by name.
set -u
src=${KTSTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KTSTR_BUILDDIR:-$src}
run=$build/src/ktstr-run
rep=$build/src/ktstr-report
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=$((fails + 1)); fi; }
echo "TAP version 14"
echo "1..12"

specs="$src/specs/cgroup_add.yaml $src/specs/nested_steady.yaml $src/specs/affinity_change.yaml $src/specs/steady.yaml"
"$run" -q --list $specs | sort >"$tmp/full"
# shard K of 3: the names from --list --shard, the hash from a real shard.json's recipe
hash=$(python3 -c 'import hashlib,sys; print(hashlib.sha256(("".join(l for l in sorted(open(sys.argv[1]))) + sys.argv[2]).encode()).hexdigest())' "$tmp/full" "$("$run" --version | cut -d' ' -f2)")
mkshard() { # dir K N hash status-of-first-test
	d=$1; mkdir -p "$d"
	"$run" -q --list --shard "$2/$3" $specs >"$d/list"
	names=$(sed 's/.*/"&"/' "$d/list" | paste -sd, -)
	cat >"$d/shard.json" <<J
{"kind": "ktstr-shard", "version": 1, "shard": $2, "shards": $3, "engine": "manual",
 "list_hash": "$4", "list_count": $(wc -l <"$tmp/full"), "tests": [$names],
 "kernel": null, "ktstr_version": "x"}
J
	st=$5
	while read -r t; do
		mkdir -p "$d/$t"
		echo "{\"kind\": \"ktstr-result\", \"version\": 1, \"name\": \"$t\", \"status\": \"$st\", \"reason\": null, \"elapsed_ns\": 2000000000, \"runs\": [{\"status\": \"$st\", \"phase\": null, \"details\": []}]}" >"$d/$t/result.json"
		st=PASS
	done <"$d/list"
}
mkshard "$tmp/s1" 1 3 "$hash" PASS
mkshard "$tmp/s2" 2 3 "$hash" FAIL
mkshard "$tmp/s3" 3 3 "$hash" PASS

"$rep" merge -q --tap "$tmp/s3" "$tmp/s1" "$tmp/s2" --out "$tmp/m" >"$tmp/tap" 2>"$tmp/err"
rc=$?
ok $([ $rc = 1 ] && echo 0 || echo 1) "a FAIL in shard 2 makes the merge exit 1 (got $rc)"
sed -n 's/^\(not \)*ok [0-9]* - \([^ ]*\).*/\2/p' "$tmp/tap" | sort >"$tmp/merged"
cmp -s "$tmp/full" "$tmp/merged"; ok $? "the merged TAP lists exactly the unsharded list"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["list_count"] == int(sys.argv[2]) and len(d["tests"]) == d["list_count"]' "$tmp/m/results.json" "$(wc -l <"$tmp/full")"
ok $? "results.json holds every test once"
grep -c '<testcase' "$tmp/m/junit.xml" | grep -qx "$(wc -l <"$tmp/full")"; ok $? "junit.xml has a testcase per test"

"$rep" merge "$tmp/s1" "$tmp/s3" --out "$tmp/m2" 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "shard 2/3 is missing" "$tmp/err"; ok $? "a missing shard is named: $(cat "$tmp/err")"
"$rep" merge "$tmp/s1" "$tmp/s2" "$tmp/s3" "$tmp/s2" --out "$tmp/m2" 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "$tmp/s2: a duplicate of shard 2/3" "$tmp/err"; ok $? "a duplicate shard is named"
mkshard "$tmp/f2" 2 3 0000000000000000000000000000000000000000000000000000000000000000 PASS
"$rep" merge "$tmp/s1" "$tmp/f2" "$tmp/s3" --out "$tmp/m2" 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "$tmp/f2: a foreign shard" "$tmp/err"; ok $? "a foreign shard (another list) is named"
mkshard "$tmp/c2" 2 3 "$hash" PASS
cp "$tmp/s1/list" "$tmp/c2/list"; rm -rf "$tmp/c2"; mkshard "$tmp/c2" 1 3 "$hash" PASS
sed -i 's/"shard": 1,/"shard": 2,/' "$tmp/c2/shard.json"
"$rep" merge "$tmp/s1" "$tmp/c2" "$tmp/s3" --out "$tmp/m2" 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "is in shard 1 and shard 2" "$tmp/err"; ok $? "a test in two shards is refused"
rm -rf "$tmp/s3/$(head -1 "$tmp/s3/list")"
"$rep" merge -q "$tmp/s1" "$tmp/s2" "$tmp/s3" --out "$tmp/m3" >"$tmp/out" 2>&1; rc=$?
[ $rc = 99 ] && grep -q "shard 3/3 left no result" "$tmp/out"; ok $? "a test whose shard died is an ERROR naming the shard (exit $rc)"
"$rep" merge "$tmp/s1" --out "$tmp/m4" 2>/dev/null; rc=$?
"$rep" merge "$tmp/nope" --out "$tmp/m4" 2>"$tmp/err"; rc2=$?
[ $rc = 2 ] && [ $rc2 = 2 ] && grep -q "shard.json" "$tmp/err"; ok $? "one shard alone, or a dir that is no shard, is refused"

# FLAKY carried through: a shard whose only failure passed on its retry
mkshard "$tmp/k1" 1 3 "$hash" PASS
mkshard "$tmp/k3" 3 3 "$hash" PASS
mkshard "$tmp/k2" 2 3 "$hash" PASS
ft=$(head -1 "$tmp/k2/list")
cat >"$tmp/k2/$ft/result.json" <<J
{"kind": "ktstr-result", "version": 1, "name": "$ft", "status": "FLAKY",
 "reason": "passed on attempt 2; attempt 1: FAIL: stuck", "elapsed_ns": 4000000000,
 "runs": [{"status": "PASS", "phase": null, "details": []}],
 "attempts": [{"attempt": 1, "status": "FAIL", "reason": "stuck", "dir": "/r/$ft/attempt-1", "elapsed_ns": 2000000000},
              {"attempt": 2, "status": "PASS", "reason": null, "dir": "/r/$ft", "elapsed_ns": null}]}
J
"$rep" merge --junit "$tmp/k.xml" "$tmp/k1" "$tmp/k2" "$tmp/k3" --out "$tmp/k" >"$tmp/out" 2>&1; rc=$?
[ $rc = 0 ] && grep -q "passed (1 flaky)" "$tmp/out" && grep -q "<flakyFailure type=\"FAIL\" message=\"stuck\"" "$tmp/k.xml"
ok $? "a FLAKY shard result merges as passed (exit $rc), flaky in the summary and JUnit"
python3 -c 'import json,sys; r=[t for t in json.load(open(sys.argv[1]))["tests"] if t["name"] == sys.argv[2]][0]; assert r["status"] == "FLAKY" and [a["status"] for a in r["attempts"]] == ["FAIL"], r' "$tmp/k/results.json" "$ft" 2>"$tmp/err"
ok $? "the merged results.json keeps FLAKY and its failed attempt $(cat "$tmp/err")"
exit $((fails > 0))
