#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Benchmark (not a test; `make bench`): what ktstr adds to a VM boot.
#
#  bare:  QEMU with ktstr's exact command line (same kernel, machine,
#         topology, memory, kernel arguments) but a trivial static /init
#         that ends the VM at once;
#  ktstr: ktstr-run on a spec with an empty workload, same topology.
#
# Prints the median wall time of each, their ratio, and the host
# preparation time of a cold and of a cached (second) run.
# Environment: KTSTR_TEST_KERNEL, BENCH_RUNS (default 3), BENCH_TOPOLOGY
# (default 1n1l2c1t), KTSTR_MACHINE (q35|microvm, as for ktstr-run).
. "${KTSTR_SRCDIR:-.}/tests/vm/lib.sh"

RUNS=${BENCH_RUNS:-3}
SHAPE=${BENCH_TOPOLOGY:-1n1l2c1t}
CC=${CC:-cc}
vm_find_kernel || { echo "boot-overhead: no kernel (set KTSTR_TEST_KERNEL)" >&2; exit 77; }
[ -x "$KTSTR_RUN" ] || { echo "boot-overhead: build ktstr-run first" >&2; exit 77; }

# timed OUT-FILE CMD...: appends "wall cpu" (cpu = user + sys of CMD and its children)
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "boot-overhead: needs GNU time (/usr/bin/time)" >&2; exit 77; }
timed() {
	out=$1; shift
	"$TIME" -f '%e %U %S' -o "$VM_DIR/time.tmp" "$@"
	rc=$?
	awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$VM_DIR/time.tmp" >>"$out"
	return $rc
}
# median of column $1
median() { awk -v c="${1:-1}" '{ print $c }' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ms() { awk -v s="$1" 'BEGIN { printf "%.0f", s * 1000 }'; }

# the trivial init, statically linked, in its own initramfs
mkdir -p "$VM_DIR/bare/dev"
"$CC" -static -O2 -o "$VM_DIR/bare/init" "$KTSTR_SRCDIR/tests/bench/bare-init.c" ||
	{ echo "boot-overhead: cannot build a static init (libc6-dev?)" >&2; exit 77; }
(cd "$VM_DIR/bare" && printf 'init\ndev\n' | cpio -o -H newc --quiet | gzip -1) >"$VM_DIR/bare.cpio.gz"

cat >"$VM_DIR/empty.yaml" <<EOF
# an empty workload: boot, check topology, attach EEVDF, run nothing, power off
name: bench-empty
topology: $SHAPE
duration: 1ms
EOF

ktstr_once() {
	rm -rf "$VM_RESULTS"
	timed "$1" "$KTSTR_RUN" -q --kernel "$VM_KERNEL" --results-dir "$VM_RESULTS" \
		"$VM_DIR/empty.yaml" >"$VM_DIR/out" 2>"$VM_DIR/err" ||
		{ echo "boot-overhead: ktstr-run failed" >&2; cat "$VM_DIR/out" "$VM_DIR/err" >&2; exit 99; }
}

prep_ns() { sed -n 's/.*"host_prep_ns": *\([0-9]*\).*/\1/p' "$(vm_result_dir bench-empty)/timings.json"; }

# first run: cold initramfs cache (and the vmlinux extracted for PVH)
ktstr_once "$VM_DIR/cold.times"
cold=$(median 1 <"$VM_DIR/cold.times")
cold_prep=$(prep_ns)
# the exact QEMU command line ktstr used, for the bare boots (initrd, console
# file, the unread channel's backend and the RAM's memfd swapped)
cmdline=$(cat "$(vm_result_dir bench-empty)/qemu.cmdline")
: >"$VM_DIR/ktstr.times"
: >"$VM_DIR/bare.times"
: >"$VM_DIR/prep.times"
i=0
while [ $i -lt "$RUNS" ]; do
	ktstr_once "$VM_DIR/ktstr.times"
	prep_ns >>"$VM_DIR/prep.times"
	eval "set -- $cmdline"
	bare_args=
	for a in "$@"; do
		case $prev in -initrd) a=$VM_DIR/bare.cpio.gz ;; esac
		case $a in
		file,id=con,path=*) a=file,id=con,path=$VM_DIR/bare-console.log ;;
		# nobody reads the channel: a stdio chardev at EOF would make QEMU spin
		stdio,id=ktstr,*) a=null,id=ktstr ;;
		# the RAM is a memfd ktstr-run hands QEMU as an fd: let QEMU make its own
		memory-backend-file,*mem-path=/proc/self/fd/*)
			a=$(printf '%s\n' "$a" | sed 's/^memory-backend-file,/memory-backend-memfd,/; s/,mem-path=[^,]*//') ;;
		esac
		bare_args="$bare_args '$a'"
		prev=$a
	done
	eval "timed '$VM_DIR/bare.times' $bare_args" </dev/null >/dev/null 2>"$VM_DIR/bare.err"
	grep -q "bare-init: up" "$VM_DIR/bare-console.log" ||
		{ echo "boot-overhead: bare boot did not reach init" >&2; tail "$VM_DIR/bare-console.log" >&2; exit 99; }
	i=$((i + 1))
done

bare=$(median 1 <"$VM_DIR/bare.times")
ktstr=$(median 1 <"$VM_DIR/ktstr.times")
bare_cpu=$(median 2 <"$VM_DIR/bare.times")
ktstr_cpu=$(median 2 <"$VM_DIR/ktstr.times")
warm_prep=$(median 1 <"$VM_DIR/prep.times")
machine=$(echo "$cmdline" | sed -n 's/.* -machine \([a-z0-9]*\).*/\1/p')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "boot-overhead: kernel $VM_KERNEL"
echo "boot-overhead: topology $SHAPE, machine $machine, $RUNS runs each (median), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "                                 wall        CPU (user+sys, QEMU included)"
echo "  bare QEMU boot, trivial init:  $(ms "$bare") ms    $(ms "$bare_cpu") ms"
echo "  ktstr-run, empty workload:     $(ms "$ktstr") ms    $(ms "$ktstr_cpu") ms   (first run, cold caches: $(ms "$cold") ms wall)"
echo "  ratio ktstr / bare:            $(ratio "$ktstr" "$bare")        $(ratio "$ktstr_cpu" "$bare_cpu")"
echo "  host prep, cold cache:         $((cold_prep / 1000000)) ms"
echo "  host prep, cached:             $((warm_prep / 1000000)) ms"
