#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Workload VM tests (TCG): every work type, cpuset isolation, a cpuset change
# that moves a worker, ktstr's cpuset_resize / cgroup_add / affinity_change
# and nested cgroup shapes, and every other op, run under a real cgroup v2
# root by vm-driver; the telemetry is checked on the host. Two boots.
. "${KTSTR_SRCDIR:-.}/tests/workload/vm-lib.sh"
S=$KTSTR_SRCDIR/tests/workload/specs

echo "TAP version 14"
if ! wl_find_kernel; then
	no_test_kernel "no test kernel (set KTSTR_TEST_KERNEL)"
fi
if ! command -v "$WL_QEMU" >/dev/null || [ ! -x /usr/bin/busybox ] || [ ! -x "$WL_DRIVER" ]; then
	echo "1..0 # SKIP needs $WL_QEMU, /usr/bin/busybox and vm-driver"
	exit 0
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/wl-vm.XXXXXX")
[ -n "$WL_KEEP" ] || trap 'rm -rf "$W"' EXIT
mkdir -p "$W/a" "$W/b"

# Boot 1: 2 CPUs.
wl_boot "$W/a" 2 1 "$S/wl-isolation.yaml" "$S/wl-types.yaml" "$S/wl-churn.yaml" \
	"$S/wl-cpuset-change.yaml"
wl_check "$W/a" wl-isolation noerror progress '*' \
	oncpu cg_spin 90 within cg_spin 0 within cg_pair 1 within cg_bursty 1 isolated '*' \
	wake cg_pair 3 offcpu cg_bursty 30 wake cg_bursty 2
wl_check "$W/a" wl-types noerror workers '*' 18 progress '*' \
	wake futex_fan_out 1 wake fan_out_compute 1 wake mutex_contention 1 wake cache_pipe 1 \
	wake io_sync 1 wake sequence 1
wl_check "$W/a" wl-churn noerror workers '*' 5 progress '*' wake fork_exit 1 wake nice_sweep 1
wl_check "$W/a" wl-cpuset-change noerror progress cg_0 event op set_cpuset \
	migrated-after cg_0 set_cpuset 1

# Boot 2: 4 CPUs in 2 LLCs (usable 0-2).
wl_boot "$W/b" 4 2 "$S/wl-cpuset-resize.yaml" "$S/wl-cgroup-add.yaml" \
	"$S/wl-affinity-change.yaml" "$S/wl-ops.yaml" "$S/wl-nested.yaml"
wl_check "$W/b" wl-cpuset-resize noerror progress '*' event step_start shrink \
	event op set_cpuset within cg_0 0 migrated-after cg_1 shrink 2
wl_check "$W/b" wl-cgroup-add noerror progress '*' workers cg_1 2 workers cg_2 2 \
	started-after cg_1 second started-after cg_2 third within cg_1 2-3 event op add_cgroup event op spawn
wl_check "$W/b" wl-affinity-change noerror progress '*' event op set_affinity \
	event step_start pinned moves-after cg_0 pinned 1
wl_check "$W/b" wl-ops noerror progress '*' workers '<host>' 1 \
	event op swap_cpusets event op move_all_tasks event op clear_cpuset event op spawn_host \
	event op stop_cgroup event op run_payload event op kill_payload event op remove_cgroup \
	detail payload hello-from-payload event op wait_payload detail payload 'exit code 3' \
	detail payload done-waiting
wl_check "$W/b" wl-nested noerror progress '*' workers cg_p/a 0 workers cg_p/b 2 \
	within '*' 2-3 event op move_all_tasks migrated-after cg_p/b moved 3
echo "1..$WL_N"
