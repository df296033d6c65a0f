// SPDX-License-Identifier: GPL-2.0-only
/* The channel's frame reader under hostile input: stray headers, torn frames, garbage. */
#include <errno.h>

#include "proto/proto.h"
#include "tap.h"

/* A growing byte buffer of frames and noise. */
struct bytes {
	char *p;
	size_t len;
};

static void put(struct bytes *b, const void *data, size_t len)
{
	b->p = xrealloc(b->p, b->len + len);
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

static void put_frame(struct bytes *b, const char *type, const char *payload, uint64_t seq)
{
	size_t cap = strlen(payload) + PROTO_MAX_HEADER + 1;
	_cleanup_free_ char *f = xmalloc(cap);
	int n = proto__frame(f, cap, type, seq, payload, strlen(payload));

	if (n < 0)
		abort();
	put(b, f, n);
}

/* Feed b in chunks of step bytes (the channel tears frames anywhere); count frames read. */
static unsigned decode(const struct bytes *b, size_t step, bool finish, unsigned *bad,
		       uint64_t *dropped, char *types, size_t tcap)
{
	struct proto_reader *r = proto_reader__new();
	struct proto_msg m;
	unsigned n = 0;

	if (types)
		types[0] = '\0';
	for (size_t off = 0; off <= b->len; off += step) {
		proto_reader__feed(r, b->p + off, MIN(step, b->len - off));
		if (finish && off + step > b->len)
			proto_reader__finish(r);
		while (proto_reader__next(r, &m) == 1) {
			if (types && strlen(types) + 6 < tcap)
				strcat(strcat(types, m.type), ",");
			n++;
			proto_msg__free(&m);
		}
	}
	if (bad)
		*bad = proto_reader__bad_frames(r);
	if (dropped)
		*dropped = proto_reader__dropped(r);
	proto_reader__free(r);
	return n;
}

int main(void)
{
	struct bytes b = { 0 };
	char types[256], buf[512];
	unsigned bad, n;
	uint64_t dropped;
	static const char stray[] = "KTSTR1 RSLT 0 60000000 12345678\n";
	static const char big[] = "KTSTR1 LOG  0 99999999 12345678\n";
	static const char unknown[] = "KTSTR1 XXXX 0 10 12345678\n";
	static const char torn[] = "KTSTR1 RSLT 7 5000 0badc0de\n{\"version\":1,\"work";

	tap_plan(14);

	/* one stray header claiming 60 MB, then 1001 valid frames */
	put(&b, stray, strlen(stray));
	for (int i = 0; i < 1001; i++)
		put_frame(&b, MSG_EVENT, "{\"kind\":\"op\",\"at_ns\":1}", i);
	n = decode(&b, 4096, false, &bad, &dropped, NULL, 0);
	tap_is_int(n, 1001, "a stray RSLT header claiming 60 MB, then 1001 frames: all 1001 decoded");
	tap_ok(bad == 1 && dropped == strlen(stray), "the stray header is one bad frame of %zu "
	       "dropped bytes (%u, %llu)", strlen(stray), bad, (unsigned long long)dropped);

	/* a stray text header (LOG may hold newlines): found out when its length has come */
	b.len = 0;
	put(&b, "KTSTR1 LOG  0 4000 12345678\n", 28);
	for (int i = 0; i < 1001; i++)
		put_frame(&b, MSG_EVENT, "{\"kind\":\"op\",\"at_ns\":1}", i);
	tap_is_int(decode(&b, 100, false, NULL, NULL, NULL, 0), 1001,
		   "a stray LOG header, then 1001 frames: all 1001 decoded");

	/* lengths above the type's maximum, unknown types: not headers at all */
	b.len = 0;
	put(&b, big, strlen(big));
	put(&b, unknown, strlen(unknown));
	put_frame(&b, MSG_DONE, "{\"status\":\"ok\"}", 1);
	n = decode(&b, 7, false, &bad, NULL, types, sizeof(types));
	tap_ok(n == 1 && str_eq(types, "DONE,") && bad == 2,
	       "a LOG header over LOG's maximum and an unknown type are skipped at once (%s, %u bad)",
	       types, bad);

	/* the crash handler's DONE after a torn RSLT */
	b.len = 0;
	put_frame(&b, MSG_HELLO, "{}", 0);
	put(&b, torn, strlen(torn));
	put_frame(&b, MSG_DONE, "{\"status\":\"error\",\"error\":\"agent crashed: signal 11\"}", 1);
	n = decode(&b, 5, false, &bad, &dropped, types, sizeof(types));
	tap_ok(n == 2 && str_eq(types, "HELO,DONE,") && dropped == strlen(torn),
	       "torn RSLT, then DONE: DONE delivered without waiting (%s, %llu dropped)", types,
	       (unsigned long long)dropped);

	/* a torn text frame: its DONE comes once the stream has ended */
	b.len = 0;
	put(&b, "KTSTR1 OUTP 7 3000 0badc0de\nhalf a line\n", 40);
	put_frame(&b, MSG_DONE, "{\"status\":\"ok\"}", 1);
	tap_is_int(decode(&b, 64, false, NULL, NULL, NULL, 0), 0,
		   "torn OUTP, then DONE: waits while the stream may go on");
	tap_is_int(decode(&b, 64, true, NULL, NULL, NULL, 0), 1,
		   "... and delivers the DONE at the end of the stream");

	/* random garbage interleaved with 500 frames, fed in odd chunk sizes */
	b.len = 0;
	srandom(42);
	for (int i = 0; i < 500; i++) {
		size_t g = random() % 200;

		for (size_t k = 0; k < g; k++) {
			char c = random() % 3 ? (char)random() : "KTSTR1 \n"[random() % 8];

			put(&b, &c, 1);
		}
		if (random() % 10 == 0)
			put(&b, "KTSTR1 SCHD 1 77", 16);	/* a header cut short */
		snprintf(buf, sizeof(buf), "{\"state\":\"running\",\"i\":%d}", i);
		put_frame(&b, MSG_SCHED, buf, i);
	}
	n = decode(&b, 13, true, &bad, &dropped, NULL, 0);
	tap_is_int(n, 500, "500 frames among random garbage: all decoded");
	tap_ok(dropped > 0 && dropped < b.len, "the garbage is counted as dropped (%llu of %zu)",
	       (unsigned long long)dropped, b.len);

	/* a good frame's CRC broken: dropped, the next one read */
	b.len = 0;
	put_frame(&b, MSG_SCHED, "{\"state\":\"running\"}", 0);
	b.p[b.len - 3] ^= 1;
	put_frame(&b, MSG_DONE, "{\"status\":\"ok\"}", 1);
	n = decode(&b, 3, false, &bad, NULL, types, sizeof(types));
	tap_ok(n == 1 && str_eq(types, "DONE,") && bad == 1, "a CRC mismatch is one bad frame");

	/* writers are held to the same rules */
	tap_is_int(proto__frame(buf, sizeof(buf), MSG_DONE, 0, "{\n}", 3), -EINVAL,
		   "a JSON payload with a raw newline is refused");
	tap_is_int(proto__frame(buf, sizeof(buf), "ABCD", 0, "{}", 2), -EINVAL,
		   "an unknown type is refused");
	{
		size_t n5 = 5000;
		_cleanup_free_ char *p = xmalloc(n5), *f = xmalloc(n5 + 200);

		memset(p, 'x', n5);
		tap_is_int(proto__frame(f, n5 + 200, MSG_LOG, 0, p, n5), -EINVAL,
			   "a LOG over its 4 KiB maximum is refused");
	}
	tap_is_int(proto__frame(buf, 20, MSG_DONE, 0, "{}", 2), -ENOSPC,
		   "a frame that does not fit the buffer: -ENOSPC");
	free(b.p);
	return tap_done();
}
