#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Tests started from a snapshot of a booted guest (--snapshot) get the same
# verdicts as fresh boots: an example spec, a payload spec (its script goes
# over the channel), a negative control and a monitor control (guest RAM read
# by the host) run both ways; every snapshot run says it was restored. A
# snapshot whose RAM does not match its record falls back to a fresh boot
# with the reason in timings.json; two restored guests draw different random
# numbers and see the host's wall clock; megabytes of files (an exec's
# libraries, a 4 MiB payload checked by its sha256 in the guest) go over the
# channel to a restored guest.
. "${KTSTR_SRCDIR:-.}/tests/vm/lib.sh"

vm_require_kernel
tap_plan 13

src=$KTSTR_SRCDIR
# a payload small enough for the channel: a script that prints a random number and the time
printf '#!/bin/sh\ncat /proc/sys/kernel/random/uuid\nhead -c 16 /dev/urandom | od -An -tx1 | tr -d " \\n"\necho\ndate +%%s\n' \
	>"$VM_DIR/rand"
chmod +x "$VM_DIR/rand"
cat >"$VM_DIR/snap-payload.yaml" <<EOT
name: snap-payload
topology: 1n1l2c1t
duration: 2s
payloads:
  - name: rand
    path: $VM_DIR/rand
cgroups:
  - name: cg_0
steps:
  - name: start
    hold: 1s
    ops: [run_payload rand cg_0]
  - name: wait
    hold: 1s
    ops: [wait_payload rand cg_0]
EOT
specs="$src/specs/steady.yaml $VM_DIR/snap-payload.yaml $src/tests/check/vm/neg-eevdf.yaml"
[ -e "$KTSTR_BUILDDIR/plugins/faulty.la" ] && specs="$specs $src/tests/check/vm/neg-monitor-load.yaml"

# verdicts: per test, its status, the failing checks (check, cgroup) and the monitor's state
verdicts() {
	python3 - "$1" <<'PY'
import json, os, sys
for root, dirs, files in sorted(os.walk(sys.argv[1])):
    if 'result.json' not in files:
        continue
    r = json.load(open(os.path.join(root, 'result.json')))
    # Left out: the console check (under TCG on a loaded host a kernel warning,
    # an RCU stall, shows up in either kind of run now and then) and spread, a
    # side effect the faulty 'concentrate' control sits on the edge of (an ASan
    # make check saw cg_0's spread fail in the fresh run only). The status, the
    # other checks and the monitor's state must match. max_gap_ms by check
    # only: neg-eevdf fails it by design, but which of its cgroups cross the
    # gap limit flips between any two runs on a loaded host (seen both ways:
    # the fresh run with an extra cgroup, then the restored one).
    fails = sorted({(d['check'], '*' if d['check'] == 'max_gap_ms' else d['cgroup'] or '-')
                    for run in r['runs'] for d in run['details']
                    if d['check'] not in ('console', 'max_spread_pct')})
    mon = [(run.get('monitor') or {}).get('state') for run in r['runs']]
    print(r['name'], r['status'], fails, mon)
    if os.environ.get('MESSAGES'):
        for run in r['runs']:
            for d in run['details']:
                if d['check'] == 'console':
                    print('  console:', d['message'][:300].replace('\n', ' '))
PY
}

# shellcheck disable=SC2086
"$KTSTR_RUN" --kernel "$VM_KERNEL" -q -j 1 --no-snapshot --results-dir "$VM_DIR/fresh" $specs \
	>"$VM_DIR/fresh.out" 2>&1
fresh_rc=$?
# -j 2: two tests of one key wait for one template
# shellcheck disable=SC2086
"$KTSTR_RUN" --kernel "$VM_KERNEL" -q -j 2 --snapshot --results-dir "$VM_DIR/snap" $specs \
	>"$VM_DIR/snap.out" 2>&1
snap_rc=$?
verdicts "$VM_DIR/fresh" >"$VM_DIR/v.fresh"
verdicts "$VM_DIR/snap" >"$VM_DIR/v.snap"
tap_is "$snap_rc" "$fresh_rc" "ktstr-run exits the same with snapshots ($fresh_rc)"
[ -s "$VM_DIR/v.fresh" ] && cmp -s "$VM_DIR/v.fresh" "$VM_DIR/v.snap"
tap_ok $? "the same verdicts, failing checks and monitor states from snapshots" \
	"$(diff "$VM_DIR/v.fresh" "$VM_DIR/v.snap"; MESSAGES=1 verdicts "$VM_DIR/snap")"
grep -q "^neg-eevdf FAIL" "$VM_DIR/v.snap"
tap_ok $? "the negative control still fails" "$(cat "$VM_DIR/v.snap")"
snap_use "$VM_DIR/snap" >"$VM_DIR/u.snap"
! grep -qv ' used$' "$VM_DIR/u.snap" && [ -s "$VM_DIR/u.snap" ]
tap_ok $? "every --snapshot test was restored from a snapshot" "$(cat "$VM_DIR/u.snap")"
snap_use "$VM_DIR/fresh" | grep -qv ' off '
[ $? -ne 0 ]
tap_ok $? "--no-snapshot boots afresh and says so"
vm_no_leftovers "snapshot runs"

# randomness and wall clock: the payload of two guests restored from one snapshot
"$KTSTR_RUN" --kernel "$VM_KERNEL" -q --snapshot --results-dir "$VM_DIR/again" \
	"$VM_DIR/snap-payload.yaml" >"$VM_DIR/again.out" 2>&1
h=$(date +%s)
# the payload's output as wait_payload reported it: "UUID URANDOM-HEX SECONDS"
rand_out() {
	python3 - "$1/snap-payload/result.json" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))
for e in r['runs'][0]['telemetry']['events']:
    m = re.search(r'([0-9a-f-]{36})\s+([0-9a-f]{32})\s+(\d+)', e['detail'])
    if e['label'] == 'payload' and m:
        print(m.group(1), m.group(2), m.group(3))
PY
}
o1=$(rand_out "$VM_DIR/snap")
o2=$(rand_out "$VM_DIR/again")
used=$(snap_use "$VM_DIR/again")
[ -n "$o1" ] && [ -n "$o2" ] && [ "${o1%% *}" != "${o2%% *}" ] && printf '%s' "$used" | grep -q ' used$'
tap_ok $? "two restored guests draw different random numbers (uuid)" "$o1 / $o2 ($used)"
u1=$(printf '%s' "$o1" | cut -d' ' -f2)
u2=$(printf '%s' "$o2" | cut -d' ' -f2)
[ -n "$u1" ] && [ -n "$u2" ] && [ "$u1" != "$u2" ]
tap_ok $? "two restored guests read different /dev/urandom bytes" "$u1 / $u2"
g=${o2##* }
[ -n "$g" ] && [ $((h - g)) -ge 0 ] && [ $((h - g)) -le 60 ]
tap_ok $? "a restored guest's wall clock is the host's" "guest $g, host $h"

# a damaged RAM file: the restore refuses it and the test boots afresh, with the reason
key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["snapshot"]["key"])' \
	"$VM_DIR/snap/steady/timings.json")
ram=$(find "$VM_DIR/cache" -path "*/.snapshots/$key/ram0")
python3 - "$ram" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
off = os.lseek(fd, 0, os.SEEK_DATA)
b = os.pread(fd, 1, off + 100)
os.pwrite(fd, bytes([b[0] ^ 0xff]), off + 100)
PY
"$KTSTR_RUN" --kernel "$VM_KERNEL" -q --snapshot --results-dir "$VM_DIR/bad" \
	"$src/specs/steady.yaml" >"$VM_DIR/bad.out" 2>&1
bad_rc=$?
use=$(snap_use "$VM_DIR/bad")
[ "$bad_rc" -eq 0 ] && printf '%s' "$use" | grep -q 'restoring the RAM: .*do not match the record'
tap_ok $? "a damaged snapshot falls back to a fresh boot that passes" "rc $bad_rc: $use"
[ ! -e "$ram" ]
tap_ok $? "the damaged snapshot is removed (the next test builds it again)"

# big files over the channel (an ELF with its libraries, 4.9 MB of frames): restored, passes
"$KTSTR_RUN" --kernel "$VM_KERNEL" -q --snapshot --results-dir "$VM_DIR/big" \
	--topology 1n1l2c1t --exec -- /bin/echo big >"$VM_DIR/big.out" 2>&1
big_rc=$?
use=$(snap_use "$VM_DIR/big")
[ "$big_rc" -eq 0 ] && printf '%s' "$use" | grep -q ' used$'
tap_ok $? "an exec with its libraries is restored and passes" "rc $big_rc: $use"

# a 4 MiB binary payload (hex on the channel) reaches a restored guest intact: its sha256
{ printf '#!/bin/sh\nsha256sum "$0"\nexit 0\n'; head -c 4194304 /dev/urandom; } >"$VM_DIR/bigpay"
chmod +x "$VM_DIR/bigpay"
sed -e 's/snap-payload/big-payload/' -e "s|path: .*|path: $VM_DIR/bigpay|" -e 's/rand/bigpay/g' \
	"$VM_DIR/snap-payload.yaml" >"$VM_DIR/big-payload.yaml"
"$KTSTR_RUN" --kernel "$VM_KERNEL" -q --snapshot --results-dir "$VM_DIR/bigpay.d" \
	"$VM_DIR/big-payload.yaml" >"$VM_DIR/bigpay.out" 2>&1
bp_rc=$?
want=$(sha256sum "$VM_DIR/bigpay" | cut -d' ' -f1)
got=$(python3 - "$VM_DIR/bigpay.d/big-payload/result.json" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))
for e in r['runs'][0]['telemetry']['events']:
    m = re.search(r'\b([0-9a-f]{64})\b', e['detail'])
    if e['label'] == 'payload' and m:
        print(m.group(1))
PY
)
use=$(snap_use "$VM_DIR/bigpay.d")
[ "$bp_rc" -eq 0 ] && [ "$got" = "$want" ] && printf '%s' "$use" | grep -q ' used$'
tap_ok $? "a 4 MiB payload goes over a restored guest's channel intact (sha256)" \
	"rc $bp_rc: guest $got, host $want ($use)"
tap_done
