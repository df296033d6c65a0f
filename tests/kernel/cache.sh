#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The kernel cache: import, list/path/clean --keep, atomic entries under
# concurrent fetches, corrupt entries detected, never used, and refetched.
. "$(dirname "$0")/lib.sh"
plan 38

D1=$(fake_debs "$T/debs" 6.90.1) && D2=$(fake_debs "$T/debs" 6.90.2) &&
	D3=$(fake_debs "$T/debs" 6.90.3 n)
ok $? "fake .debs built"

run "$KK" fetch --from-deb "$D1"
K1=$(key_of 6.90.1)
ok $(( rc != 0 )) "fetch --from-deb imports a .deb"
case $K1 in 6.90.1-cloud-amd64-deb-????????) r=0 ;; *) r=1 ;; esac
ok $r "key is version-source-cfghash8 ($K1)"
ok $( [ -s "$KTSTR_CACHE_DIR/$K1/bzImage" ] && [ -s "$KTSTR_CACHE_DIR/$K1/config" ] && echo 0 || echo 1) \
	"entry holds bzImage and config"
python3 - "$KTSTR_CACHE_DIR/$K1/metadata.json" <<'PY' >"$T/out" 2>&1
import json, sys, hashlib, os
m = json.load(open(sys.argv[1]))
d = os.path.dirname(sys.argv[1])
img = open(os.path.join(d, "bzImage"), "rb").read()
assert m["version"] == "6.90.1-cloud-amd64", m["version"]
assert m["source"]["type"] == "deb", m["source"]
assert m["source"]["desc"] == "linux-binary-unsigned-6.90.1-cloud-amd64 6.90.1-1", m["source"]
assert m["sched_ext"] is True and m["btf"] is True
assert m["image_sha256"] == hashlib.sha256(img).hexdigest()
assert m["image_size"] == len(img)
assert len(m["config_hash"]) == 8 and m["built_at"].endswith("Z")
PY
ok $? "metadata.json: version, deb source, sched_ext/btf, sha256, size, hash, date"

run "$KK" fetch --from-deb "$D1"
ok $(( rc != 0 || $(ls "$KTSTR_CACHE_DIR" | wc -l) != 1 )) "second fetch is a cache hit (one entry)"
"$KK" fetch --from-deb "$D1" 2>"$T/err" >/dev/null
ok $( [ ! -s "$T/err" ] && echo 0 || echo 1) "a cache hit is quiet on stderr"

run "$KK" list
ok $(( rc != 0 )) "list runs"
has "KEY" && has "SCHED_EXT" && has "$K1" && has "linux-binary-unsigned-6.90.1-cloud-amd64 6.90.1-1"
ok $? "list shows key, version, source columns"
grep "$K1" "$T/out" | grep -q ' yes '
ok $? "list shows sched_ext yes"

run "$KK" path "$K1"
ok $( [ $rc = 0 ] && [ "$(cat "$T/out")" = "$KTSTR_CACHE_DIR/$K1/bzImage" ] && echo 0 || echo 1) "path KEY prints the image"
run "$KK" path nope-key
ok $( [ $rc = 1 ] && has "no such cache entry" && echo 0 || echo 1) "path of an unknown key fails"

"$KK" fetch --from-deb "$D2" >/dev/null 2>&1
"$KK" fetch --from-deb "$D3" >/dev/null 2>&1
K3=$(key_of 6.90.3)
run "$KK" list --json
python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert len(v) == 3, v
s = {e["version"]: e["sched_ext"] for e in v}
assert s == {"6.90.1-cloud-amd64": True, "6.90.2-cloud-amd64": True, "6.90.3-cloud-amd64": False}, s
assert all(e["corrupt"] is None for e in v)
' "$T/out" >"$T/out2" 2>&1
ok $? "list --json: three entries with sched_ext flags"

# make 6.90.3 the oldest by date: the version, not the date, must decide
python3 -c '
import json, sys
m = json.load(open(sys.argv[1])); m["built_epoch"] = 1000
json.dump(m, open(sys.argv[1], "w"))' "$KTSTR_CACHE_DIR/$K3/metadata.json"
"$KK" resolve 6.90 >"$T/stdout" 2>"$T/out"
grep -q "6.90.3-cloud-amd64" "$T/stdout"
ok $? "a version prefix picks the highest matching version"
run "$KK" resolve
has "6.90.2-cloud-amd64"
ok $? "discovery prefers the newest sched_ext entry over a newer one without"

# --- corruption ---
E1="$KTSTR_CACHE_DIR/$K1"
cp "$E1/bzImage" "$T/good"
truncate -s 1000 "$E1/bzImage"
run "$KK" list
grep "$K1" "$T/out" | grep -q "(corrupt: image truncated"
ok $? "truncated image reported as corrupt in list"
run "$KK" path "$K1"
ok $( [ $rc = 1 ] && has "is corrupt" && echo 0 || echo 1) "path refuses a corrupt entry"
run "$KK" resolve "$K1"
ok $( [ $rc = 1 ] && has "ktstr-kernel fetch 6.90.1" && echo 0 || echo 1) \
	"resolve never uses a corrupt entry (asked by key) and says how to get it"
run "$KK" resolve 6.90.1
ok $( [ $rc = 1 ] && has "cache entry $E1 is corrupt (image truncated" && ! has "not in the cache" \
	&& echo 0 || echo 1) "asked by version: the corrupt entry is named, not 'not in the cache'"
# a cache whose only entry is corrupt: discovery names it (or says why another kernel stood in)
mkdir -p "$T/hold" && mv "$KTSTR_CACHE_DIR/$(key_of 6.90.2)" "$KTSTR_CACHE_DIR/$(key_of 6.90.3)" "$T/hold/"
(cd "$T" && "$KK" resolve) >"$T/out" 2>&1
ok $( has "cache entry $E1 is corrupt (image truncated: 1000 of" && ! has "no kernel found" && echo 0 || echo 1) \
	"discovery reports a corrupt entry as corrupt, not as 'no kernel found'"
mv "$T/hold/"* "$KTSTR_CACHE_DIR/"
run "$KK" fetch --from-deb "$D1"
run "$KK" list
ok $( [ $rc = 0 ] && has "$K1" && ! has corrupt && echo 0 || echo 1) "fetch replaces a truncated entry"
cmp -s "$E1/bzImage" "$T/good"
ok $? "refetched image is intact"

printf 'X' | dd of="$E1/bzImage" bs=1 seek=700 conv=notrunc 2>/dev/null
run "$KK" list
grep "$K1" "$T/out" | grep -q "(corrupt: image checksum mismatch)"
ok $? "flipped byte reported as checksum mismatch"
echo '{ "version": ' >"$E1/metadata.json"
run "$KK" list
grep "$K1" "$T/out" | grep -q "(corrupt: metadata unreadable"
ok $? "broken metadata reported as unreadable"
run "$KK" list --json
python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); assert [e for e in v if e["corrupt"]]' "$T/out" 2>/dev/null
ok $? "list --json carries the corrupt reason"
rm -f "$E1/bzImage"
"$KK" fetch --from-deb "$D2" >/dev/null 2>&1
run "$KK" list
grep "$K1" "$T/out" | grep -q "(corrupt: metadata unreadable"
ok $? "fetch of another version leaves the corrupt entry listed"
run "$KK" fetch --from-deb "$D1"
run "$KK" path "$K1"
ok $rc "fetch repairs an entry with unreadable metadata"

# --- concurrency: two processes, one entry ---
rm -rf "$KTSTR_CACHE_DIR"
KTSTR_TEST_STORE_DELAY_MS=400 "$KK" fetch --from-deb "$D2" >"$T/a" 2>&1 &
pa=$!
KTSTR_TEST_STORE_DELAY_MS=400 "$KK" fetch --from-deb "$D2" >"$T/b" 2>&1 &
pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
ok $(( ra != 0 || rb != 0 )) "two concurrent fetches both succeed"
ok $( [ "$(ls "$KTSTR_CACHE_DIR" | wc -l)" = 1 ] && [ "$(tail -1 "$T/a")" = "$(tail -1 "$T/b")" ] && echo 0 || echo 1) \
	"they leave exactly one entry and agree on it"
ok $( [ -d "$KTSTR_CACHE_DIR" ] && ! ls -a "$KTSTR_CACHE_DIR" | grep -q '^\.tmp' && echo 0 || echo 1) \
	"no temporary directories left"
run "$KK" list
ok $( [ $rc = 0 ] && has 6.90.2 && ! has corrupt && echo 0 || echo 1) "the entry is valid"

# --- clean ---
"$KK" fetch --from-deb "$D1" >/dev/null 2>&1
"$KK" fetch --from-deb "$D3" >/dev/null 2>&1
truncate -s 10 "$KTSTR_CACHE_DIR/$(key_of 6.90.1)/bzImage"
run "$KK" clean --keep 1
ok $( [ $rc = 0 ] && [ "$(ls "$KTSTR_CACHE_DIR")" = "$(key_of 6.90.3)" ] && echo 0 || echo 1) \
	"clean --keep 1 keeps the newest usable entry and drops corrupt ones"
mkdir -p "$KTSTR_CACHE_DIR/.tmp-x-999999999" "$KTSTR_CACHE_DIR/.tmp-y-$$" "$KTSTR_CACHE_DIR/.sources/a" "$KTSTR_CACHE_DIR/.apt"
run "$KK" clean
ok $( [ $rc = 0 ] && [ -z "$(ls "$KTSTR_CACHE_DIR")" ] && echo 0 || echo 1) "clean empties the cache"
ok $( [ ! -e "$KTSTR_CACHE_DIR/.tmp-x-999999999" ] && [ -e "$KTSTR_CACHE_DIR/.tmp-y-$$" ] && [ -e "$KTSTR_CACHE_DIR/.sources/a" ] \
	&& echo 0 || echo 1) "clean sweeps temporaries of dead processes only"
run "$KK" clean --all
ok $( [ $rc = 0 ] && [ ! -e "$KTSTR_CACHE_DIR/.sources" ] && [ ! -e "$KTSTR_CACHE_DIR/.apt" ] && echo 0 || echo 1) \
	"clean --all also drops downloads and the apt state"

# --- derived caches: never listed as entries, removed by clean unless --keep-derived ---
"$KK" fetch --from-deb "$D1" >/dev/null 2>&1
E1="$KTSTR_CACHE_DIR/$(key_of 6.90.1)"
derived() {
	mkdir -p "$KTSTR_CACHE_DIR/initramfs" "$KTSTR_CACHE_DIR/vmlinux" "$KTSTR_CACHE_DIR/.derived/x" \
		"$KTSTR_CACHE_DIR/.ikconfig"
	for f in initramfs/base-0.cpio vmlinux/vmlinux-0 .derived/x/vmlinux.btf .ikconfig/x.config \
		"$(basename "$E1")/vmlinux.btf" "$(basename "$E1")/kallsyms-offsets.json"; do
		echo x >"$KTSTR_CACHE_DIR/$f" && echo '{}' >"$KTSTR_CACHE_DIR/$f.sum"
	done
}
derived
run "$KK" list
ok $( [ $rc = 0 ] && ! has corrupt && ! grep -q '^initramfs\|^vmlinux' "$T/out" && echo 0 || echo 1) \
	"the initramfs and vmlinux caches under KTSTR_CACHE_DIR are not listed as (corrupt) entries"
run "$KK" clean --keep 1 --keep-derived
ok $( [ $rc = 0 ] && [ -e "$KTSTR_CACHE_DIR/initramfs/base-0.cpio" ] && [ -e "$E1/vmlinux.btf.sum" ] \
	&& echo 0 || echo 1) "clean --keep-derived keeps the derived caches"
run "$KK" clean --keep 1
left=$(cd "$KTSTR_CACHE_DIR" && find . -path ./.locks -prune -o -type f -print | sort | tr '\n' ' ')
ok $( [ $rc = 0 ] && has "the derived caches" && [ ! -e "$KTSTR_CACHE_DIR/initramfs" ] && \
	[ ! -e "$KTSTR_CACHE_DIR/vmlinux" ] && [ ! -e "$KTSTR_CACHE_DIR/.derived" ] && \
	[ ! -e "$KTSTR_CACHE_DIR/.ikconfig" ] && \
	[ "$left" = "./$(basename "$E1")/bzImage ./$(basename "$E1")/config ./$(basename "$E1")/metadata.json " ] \
	&& echo 0 || echo 1) "clean removes every derived cache and its records, keeps the entry (left: $left)"
finish
