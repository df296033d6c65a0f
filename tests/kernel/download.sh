#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Tarball downloads against a loopback HTTP server: checksum, failure,
# resume after truncation, restart when a resume cannot be trusted,
# HTTP errors, the offline error, and fetch --url building what it got.
. "$(dirname "$0")/lib.sh"
plan 19

SRV="$T/srv"
mkdir -p "$SRV" "$T/src"
cp -r "$KDIR/fake-linux" "$T/src/linux-6.99"
head -c 3000000 /dev/urandom >"$T/src/linux-6.99/blob"
tar -C "$T/src" -czf "$SRV/linux-6.99.tar.gz" linux-6.99
SHA=$(sha256sum "$SRV/linux-6.99.tar.gz" | cut -d' ' -f1)
SIZE=$(stat -c %s "$SRV/linux-6.99.tar.gz")

# start_server NAME [ENV...]: a loopback server on a random port; sets $port
start_server() {
	_n=$1
	shift
	env "$@" python3 "$KDIR/httpd.py" "$SRV" >"$T/$_n.port" 2>>"$T/$_n.log" &
	echo $! >"$T/$_n.pid"
	for _i in $(seq 200); do
		[ -s "$T/$_n.port" ] && break
		sleep 0.1
	done
	port=$(cat "$T/$_n.port")
}
cleanup_hook() {
	for f in "$T"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
}
start_server range
P1=$port
start_server norange KTSTR_HTTPD_NO_RANGE=1
P2=$port
ok $( [ -n "$P1" ] && [ -n "$P2" ] && echo 0 || echo 1) "loopback servers on ports $P1 and $P2"
URL="http://127.0.0.1:$P1/linux-6.99.tar.gz"
DL="$KTSTR_CACHE_DIR/.sources/linux-6.99.tar.gz"

run "$KK" fetch --url "$URL" --sha256 "$SHA" --download-only
ok $rc "download with a matching sha256"
ok $( [ "$(sha256sum <"$DL" | cut -d' ' -f1)" = "$SHA" ] && echo 0 || echo 1) "downloaded file is complete"
ok $( [ -f "$KTSTR_CACHE_DIR/.sources/linux-6.99/Makefile" ] && [ -f "$KTSTR_CACHE_DIR/.sources/linux-6.99/.ktstr-unpacked" ] \
	&& tail -1 "$T/out" | grep -q "/.sources/linux-6.99$" && echo 0 || echo 1) "unpacked with libarchive, tree printed"
has "linux-6.99.tar.gz"
ok $? "progress names the file"

rm -rf "$KTSTR_CACHE_DIR/.sources"
BAD=0000000000000000000000000000000000000000000000000000000000000000
run "$KK" fetch --url "$URL" --sha256 $BAD --download-only
ok $( [ $rc = 1 ] && has "sha256 mismatch" && has "expected $BAD" && echo 0 || echo 1) "a wrong sha256 fails clearly"
ok $( [ ! -e "$DL" ] && [ ! -e "$DL.part" ] && echo 0 || echo 1) "a failed checksum leaves nothing behind"

# resume: half the file already in .part
mkdir -p "$KTSTR_CACHE_DIR/.sources"
head -c $((SIZE / 2)) "$SRV/linux-6.99.tar.gz" >"$DL.part"
: >"$T/range.log"
run "$KK" fetch --url "$URL" --sha256 "$SHA" --download-only
ok $( [ $rc = 0 ] && has "resuming linux-6.99.tar.gz.part at $((SIZE / 2)) bytes" && echo 0 || echo 1) "a truncated download resumes"
grep -q "range=bytes=$((SIZE / 2))-" "$T/range.log"
ok $? "the server got a Range request"
ok $( [ "$(sha256sum <"$DL" | cut -d' ' -f1)" = "$SHA" ] && [ ! -e "$DL.part" ] && echo 0 || echo 1) "resumed file is complete"

# a .part that is not a prefix: the resumed result fails the checksum, refetch whole
rm -f "$DL"
head -c $((SIZE / 3)) /dev/urandom >"$DL.part"
run "$KK" fetch --url "$URL" --sha256 "$SHA" --download-only
ok $( [ $rc = 0 ] && has "checksum mismatch after resuming" && echo 0 || echo 1) "a bad resume restarts from scratch"
ok $( [ "$(sha256sum <"$DL" | cut -d' ' -f1)" = "$SHA" ] && echo 0 || echo 1) "restarted file is complete"

# a server without Range support: the .part restarts
rm -f "$DL"
head -c 1000 "$SRV/linux-6.99.tar.gz" >"$DL.part"
run "$KK" fetch --url "http://127.0.0.1:$P2/linux-6.99.tar.gz" --sha256 "$SHA" --download-only
ok $( [ $rc = 0 ] && { has "ignored the resume request" || has "cannot resume"; } && [ "$(sha256sum <"$DL" | cut -d' ' -f1)" = "$SHA" ] \
	&& echo 0 || echo 1) "a server ignoring Range: downloaded from the start"

# a real interruption: a signal in the middle of a slow transfer, then a rerun
start_server slow KTSTR_HTTPD_RATE=1000000
rm -rf "$KTSTR_CACHE_DIR/.sources"
"$KK" fetch --url "http://127.0.0.1:$port/linux-6.99.tar.gz" --sha256 "$SHA" --download-only >"$T/out" 2>&1 &
fp=$!
for i in $(seq 100); do
	[ "$(stat -c %s "$DL.part" 2>/dev/null || echo 0)" -gt 200000 ] && break
	sleep 0.05
done
kill -TERM $fp  # (background jobs of a script ignore SIGINT)
{ wait $fp; } 2>/dev/null
ok $( [ -s "$DL.part" ] && [ ! -e "$DL" ] && [ ! -e "$KTSTR_CACHE_DIR/.sources/linux-6.99" ] && echo 0 || echo 1) \
	"an interrupted download leaves only its .part ($(stat -c %s "$DL.part" 2>/dev/null) bytes)"
run "$KK" fetch --url "http://127.0.0.1:$port/linux-6.99.tar.gz" --sha256 "$SHA" --download-only
ok $( [ $rc = 0 ] && has "resuming" && [ "$(sha256sum <"$DL" | cut -d' ' -f1)" = "$SHA" ] && echo 0 || echo 1) \
	"the rerun resumes it to a complete, verified file"

run "$KK" fetch --url "http://127.0.0.1:$P1/missing.tar.gz" --download-only
ok $( [ $rc = 1 ] && has "HTTP 404" && echo 0 || echo 1) "HTTP 404 is reported"

# offline: a port nobody listens on
CLOSED=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
run "$KK" fetch --url "http://127.0.0.1:$CLOSED/linux.tar.gz" --download-only
ok $( [ $rc = 1 ] && has "offline" && echo 0 || echo 1) "a closed port gives the offline error"

# fetch --url without --download-only builds and stores the tree
run "$KK" fetch --url "$URL" --sha256 "$SHA"
ok $rc "fetch --url builds the downloaded tree"
run "$KK" list --json
python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert len(v) == 1 and v[0]["source_type"] == "tarball" and v[0]["source"] == sys.argv[2], v
assert v[0]["version"] == "6.99.0-fake" and v[0]["sched_ext"], v
' "$T/out" "$URL" >"$T/out2" 2>&1
ok $? "the entry records the tarball URL"
finish
