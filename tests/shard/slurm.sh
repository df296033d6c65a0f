#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A real engine: a single-node Slurm cluster from Debian's packages (munge,
# slurmctld, slurmd), started here without systemd, with its key, socket,
# configuration, state and spool in a temp dir, and stopped and removed
# whatever happens. Three short shipped specs run as an array job of three
# shards (sbatch --array=0-2 --wait, each task ktstr-run --shard auto), the
# shards merge with ktstr-report merge, and the merged list and verdicts
# must equal an unsharded run's. Without Slurm or munge it SKIPs saying so,
# except under CI=true, where a missing engine is a failure.
. "${KTSTR_SRCDIR:-.}/tests/vm/lib.sh"

src=${KTSTR_SRCDIR:-.}
rep=${KTSTR_BUILDDIR:-.}/src/ktstr-report
need_skip() {
	if [ "${CI:-}" = true ]; then
		echo "1..1"; echo "not ok 1 - Slurm test cannot run under CI=true: $1"; exit 1
	fi
	skip_all "$1"
}
vm_require_kernel
for b in munged mungekey slurmctld slurmd sbatch scontrol sinfo; do
	p=$(PATH=$PATH:/usr/sbin:/sbin command -v "$b") || need_skip "no $b (apt-get install munge slurmctld slurmd slurm-client)"
	eval "bin_$b=\$p"
done
[ "$(id -u)" = 0 ] || need_skip "slurmd runs jobs as their users and needs root"
[ -d /sys/fs/cgroup ] && [ -n "$(ls /sys/fs/cgroup 2>/dev/null)" ] ||
	need_skip "slurmd needs /sys/fs/cgroup mounted"

S=$VM_DIR/slurm
mkdir -p "$S/state" "$S/spool" "$S/munge" "$S/log" "$S/results"
chmod 0700 "$S/munge"
pids=""
stop_all() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$p" 2>/dev/null
	done
	vm_cleanup
}
trap stop_all EXIT
trap 'exit 130' INT TERM HUP

diag_logs() { for f in "$S"/log/*.log; do echo "# --- $f"; vm_diag "$f" 15; done; }

# munge: our own key and socket; --force because it runs as root here
"$bin_mungekey" -c -k "$S/munge/key" 2>"$S/log/mungekey.log" || need_skip "mungekey failed: $(cat "$S/log/mungekey.log")"
"$bin_munged" -F --force -S "$S/munge/sock" --key-file "$S/munge/key" \
	--pid-file "$S/munge/pid" --log-file "$S/log/munged.log" --seed-file "$S/munge/seed" \
	>/dev/null 2>&1 &
pids="$pids $!"

host=$(hostname -s)
# ports off Slurm's defaults, so a system Slurm on this host is not ours
base=$((20000 + $$ % 20000))
cpus=$(nproc)
cat >"$S/slurm.conf" <<C
ClusterName=ktstr
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$((base + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$S/munge/sock
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=ktstr1 NodeHostname=$(hostname) NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=ktstr Nodes=ktstr1 Default=YES MaxTime=INFINITE State=UP
C
export SLURM_CONF="$S/slurm.conf"
i=0
while [ ! -S "$S/munge/sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$S/munge/sock" ] || { diag_logs; need_skip "munged did not start: $(tail -1 "$S/log/munged.log" 2>/dev/null)"; }
"$bin_slurmctld" -D -i -f "$SLURM_CONF" >"$S/log/slurmctld.out" 2>&1 &
pids="$pids $!"
"$bin_slurmd" -D -N ktstr1 -f "$SLURM_CONF" >"$S/log/slurmd.out" 2>&1 &
pids="$pids $!"
# the node is up when sinfo says idle
i=0
while [ $i -lt 300 ]; do
	st=$("$bin_sinfo" -h -n ktstr1 -o %t 2>/dev/null)
	[ "$st" = idle ] && break
	sleep 0.1; i=$((i + 1))
done
[ "$st" = idle ] || { diag_logs; need_skip "the Slurm node did not come up (state '${st:-none}' after 30 s; logs above)"; }

tap_plan 5
tap_ok 0 "a single-node Slurm cluster is up (node ktstr1 idle, $cpus CPUs)"

specs="$src/specs/steady.yaml $src/specs/cgroup_add.yaml $src/specs/affinity_change.yaml"
common="--kernel $VM_KERNEL --duration 1s -j 1"
cat >"$S/job.sh" <<J
#!/bin/sh
exec "$KTSTR_RUN" -q $common --shard auto --results-dir "$S/results/\$SLURM_ARRAY_TASK_ID" $specs
J
chmod +x "$S/job.sh"
t0=$(date +%s)
"$bin_sbatch" --array=0-2 --wait -c 1 -o "$S/log/task-%a.log" "$S/job.sh" >"$S/sbatch.out" 2>&1
rc=$?
t1=$(date +%s)
tap_ok $([ $rc = 0 ] || [ $rc = 1 ]; echo $?) "sbatch --array=0-2 --wait ran three ktstr-run --shard auto tasks in $((t1 - t0)) s (exit $rc)" \
	"$(cat "$S/sbatch.out"; cat "$S"/log/task-*.log 2>/dev/null | tail -20)"
for k in 0 1 2; do
	grep -q '"engine": *"slurm"' "$S/results/$k/shard.json" 2>/dev/null || echo "task $k: no slurm shard.json"
done >"$S/noshard"
[ ! -s "$S/noshard" ]; tap_ok $? "each task wrote its shard.json, naming Slurm as the engine" "$(cat "$S/noshard")"

"$rep" merge -q "$S/results/0" "$S/results/1" "$S/results/2" --out "$S/merged" >"$S/merge.out" 2>&1
mrc=$?
# the same list, unsharded, on this machine
"$KTSTR_RUN" -q $common --results-dir "$S/whole" --junit "$S/whole.xml" $specs >"$S/whole.out" 2>&1
wrc=$?
python3 - "$S/merged/results.json" "$S/whole" $("$KTSTR_RUN" -q --list $specs) <<'PY' >"$S/cmp" 2>&1
import json, os, sys
merged = json.load(open(sys.argv[1]))
whole_dir, listed = sys.argv[2], sys.argv[3:]
m = {t["name"]: t["status"] for t in merged["tests"]}
w = {}
for n in listed:
    w[n] = json.load(open(os.path.join(whole_dir, n, "result.json")))["status"]
assert sorted(m) == sorted(listed), ("lists differ", sorted(m), sorted(listed))
bad = [(n, m[n], w[n]) for n in listed if (m[n] == "PASS") != (w[n] == "PASS")]
assert not bad, ("verdicts differ (merged, unsharded)", bad)
print("merged", m, "unsharded", w)
PY
tap_ok $? "the merged list equals the unsharded list exactly (merge exit $mrc)" "$(cat "$S/cmp" "$S/merge.out")"
[ "$mrc" = "$wrc" ]
tap_ok $? "the merge's exit status equals the unsharded run's ($mrc vs $wrc); $(tail -1 "$S/cmp")"
tap_done
