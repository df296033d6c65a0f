// SPDX-License-Identifier: GPL-2.0-only
/* Framing for the results channel: text-safe headers, CRC-checked payloads, resync. */
#include <errno.h>
#include <inttypes.h>
#include <zlib.h>

#include "proto/proto.h"

/*
 * Each type's largest payload. Generous for what the guest really sends (a
 * LOG line is cut at 2 KiB, OUTP comes in 4 KiB reads, a DONE or SCHD holds
 * one message), tight enough that a stray header cannot make the reader
 * wait for megabytes; only RSLT (every worker's wake samples) is big.
 */
static const struct {
	const char *type;
	size_t max;
	bool text;
} types[] = {
	{ MSG_HELLO, 4u << 10, false },
	{ MSG_TOPO, 1u << 20, false },
	{ MSG_SYMS, 64u << 10, false },
	{ MSG_LOG, 4u << 10, true },
	{ MSG_EVENT, 64u << 10, false },
	{ MSG_SCHED, 64u << 10, false },
	{ MSG_RESULT, PROTO_MAX_PAYLOAD, false },
	{ MSG_BASELINE, PROTO_MAX_PAYLOAD, false },
	{ MSG_OUTPUT, 4u << 10, true },
	{ MSG_ARTIFACT, 16u << 20, false },
	{ MSG_DONE, 1u << 20, false },
	{ MSG_READY, 4u << 10, false },
	{ MSG_FILE, PROTO_MAX_PAYLOAD, false },	/* a payload binary, hex when not UTF-8 */
	{ MSG_PLAN, 16u << 20, false },
};

struct proto_reader {
	char *buf;
	size_t off, len, cap;	/* unread bytes are buf[off, len) */
	unsigned bad;
	uint64_t dropped;
	/*
	 * Payload bytes of the frame at off already seen to hold no newline:
	 * a frame of megabytes arriving in 4 KiB reads (the guest's side of a
	 * virtio port) is scanned once, not once per read.
	 */
	size_t clean;
	bool eof;
};

size_t proto_type__max(const char *type, bool *text)
{
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		if (!memcmp(type, types[i].type, 4)) {
			if (text)
				*text = types[i].text;
			return types[i].max;
		}
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t r = write(fd, p, len);

		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		p += r;
		len -= r;
	}
	return 0;
}

int proto__frame(char *buf, size_t cap, const char *type, uint64_t seq, const void *payload,
		 size_t len)
{
	bool text;
	size_t max = strlen(type) == 4 ? proto_type__max(type, &text) : 0;
	unsigned long crc;
	int n;

	if (!max || len > max || (!text && memchr(payload, '\n', len)))
		return -EINVAL;
	crc = crc32(crc32(0L, Z_NULL, 0), payload, len);
	n = snprintf(buf, cap, PROTO_MAGIC " %s %" PRIu64 " %zu %08lx\n", type, seq, len, crc);
	if (n < 0 || (size_t)n + len + 1 > cap)
		return -ENOSPC;
	memcpy(buf + n, payload, len);
	buf[n + len] = '\n';
	return n + len + 1;
}

int proto__write(int fd, const char *type, const void *payload, size_t len)
{
	static uint64_t seq;
	size_t cap = len + PROTO_MAX_HEADER + 1;
	_cleanup_free_ char *frame = xmalloc(cap);
	int n = proto__frame(frame, cap, type, seq++, payload, len);

	/* one buffer, one write: frames from one writer never interleave */
	return n < 0 ? n : write_all(fd, frame, n);
}

struct proto_reader *proto_reader__new(void)
{
	return xcalloc(1, sizeof(struct proto_reader));
}

void proto_reader__feed(struct proto_reader *r, const void *buf, size_t len)
{
	if (r->off) {	/* compact only when feeding: skipping stays O(1) per byte */
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	if (r->len + len + 1 > r->cap) {
		r->cap = MAX(r->cap * 2, r->len + len + 1);
		r->buf = xrealloc(r->buf, r->cap);
	}
	memcpy(r->buf + r->len, buf, len);
	r->len += len;
}

void proto_reader__finish(struct proto_reader *r)
{
	r->eof = true;
}

static void drop(struct proto_reader *r, size_t n)
{
	r->off += n;
	r->dropped += n;
	if (n)
		r->clean = 0;
}

/* A bad frame: count it and look for the next magic after its first byte. */
static void reject(struct proto_reader *r)
{
	r->bad++;
	drop(r, 1);
}

/*
 * Parse the header line at p (ends at nl). Its type must be known and its
 * length within the type's maximum, or it is not a header at all.
 */
static bool parse_header(char *p, char *nl, struct proto_msg *h, unsigned long *crc, bool *text)
{
	int end = -1;
	bool ok;

	*nl = '\0';
	ok = sscanf(p, PROTO_MAGIC " %4c %" SCNu64 " %zu %8lx%n", h->type, &h->seq, &h->len, crc,
		    &end) == 4 && end == nl - p;
	*nl = '\n';
	h->type[4] = '\0';
	return ok && h->len <= proto_type__max(h->type, text);
}

int proto_reader__next(struct proto_reader *r, struct proto_msg *msg)
{
	const size_t mlen = strlen(PROTO_MAGIC);

	for (;;) {
		char *p = r->buf + r->off, *start, *nl, *body;
		size_t avail = r->len - r->off, hlen;
		struct proto_msg h = { 0 };
		unsigned long crc;
		bool text = false;

		start = avail > mlen ? memmem(p, avail, PROTO_MAGIC " ", mlen + 1) : NULL;
		if (!start) {
			/* keep a tail that might be the start of a header */
			if (avail > mlen || r->eof)
				drop(r, r->eof ? avail : avail - mlen);
			return 0;
		}
		drop(r, start - p);
		p = start;
		avail = r->len - r->off;
		nl = memchr(p, '\n', MIN(avail, (size_t)PROTO_MAX_HEADER));
		if (!nl) {
			if (avail < PROTO_MAX_HEADER && !r->eof)
				return 0;
			reject(r);	/* no header fits: garbage */
			continue;
		}
		if (!parse_header(p, nl, &h, &crc, &text)) {
			reject(r);
			continue;
		}
		hlen = nl - p + 1;
		body = p + hlen;
		/* a JSON payload has no raw newline: one before its end means a torn frame */
		if (!text) {
			size_t upto = MIN(avail - hlen, h.len);

			if (upto > r->clean && memchr(body + r->clean, '\n', upto - r->clean)) {
				reject(r);
				continue;
			}
			r->clean = upto;
		}
		if (avail < hlen + h.len + 1) {
			if (!r->eof)
				return 0;
			reject(r);	/* the writer is gone: it never finished this frame */
			continue;
		}
		if (crc32(crc32(0L, Z_NULL, 0), (const Bytef *)body, h.len) != crc ||
		    body[h.len] != '\n') {
			reject(r);
			continue;
		}
		memcpy(msg->type, h.type, 5);
		msg->seq = h.seq;
		msg->len = h.len;
		/* payloads may hold NUL bytes (OUTP): copy all len of them */
		msg->payload = xmalloc(h.len + 1);
		memcpy(msg->payload, body, h.len);
		msg->payload[h.len] = '\0';
		r->off += hlen + h.len + 1;
		r->clean = 0;
		return 1;
	}
}

unsigned proto_reader__bad_frames(const struct proto_reader *r)
{
	return r->bad;
}

uint64_t proto_reader__dropped(const struct proto_reader *r)
{
	return r->dropped;
}

void proto_reader__free(struct proto_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r);
}

void proto_msg__free(struct proto_msg *m)
{
	free(m->payload);
	m->payload = NULL;
}
