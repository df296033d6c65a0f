// SPDX-License-Identifier: GPL-2.0-only
/* Framing for the results channel: text-safe headers, CRC-checked payloads. */
#include <errno.h>
#include <inttypes.h>
#include <zlib.h>

#include "vm/proto.h"

struct proto_reader {
	char *buf;
	size_t len, cap;
	unsigned bad;
};

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

int proto__write(int fd, const char *type, const void *payload, size_t len)
{
	static uint64_t seq;
	char hdr[96];
	uLong crc = crc32(0L, Z_NULL, 0);
	int n, ret;

	if (strlen(type) != 4 || len > PROTO_MAX_PAYLOAD)
		return -EINVAL;
	crc = crc32(crc, payload, len);
	n = snprintf(hdr, sizeof(hdr), PROTO_MAGIC " %s %" PRIu64 " %zu %08lx\n", type,
		     seq++, len, (unsigned long)crc);
	/* one buffer, one write: frames from one writer never interleave */
	{
		char *frame = xmalloc(n + len + 1);

		memcpy(frame, hdr, n);
		memcpy(frame + n, payload, len);
		frame[n + len] = '\n';
		ret = write_all(fd, frame, n + len + 1);
		free(frame);
	}
	return ret;
}

struct proto_reader *proto_reader__new(void)
{
	return xcalloc(1, sizeof(struct proto_reader));
}

void proto_reader__feed(struct proto_reader *r, const void *buf, size_t len)
{
	if (r->len + len + 1 > r->cap) {
		r->cap = MAX(r->cap * 2, r->len + len + 1);
		r->buf = xrealloc(r->buf, r->cap);
	}
	memcpy(r->buf + r->len, buf, len);
	r->len += len;
}

static void consume(struct proto_reader *r, size_t n)
{
	memmove(r->buf, r->buf + n, r->len - n);
	r->len -= n;
}

int proto_reader__next(struct proto_reader *r, struct proto_msg *msg)
{
	const size_t mlen = strlen(PROTO_MAGIC);

	for (;;) {
		char *start = r->len >= mlen ? memmem(r->buf, r->len, PROTO_MAGIC " ", mlen + 1) : NULL;
		char *nl, type[5];
		uint64_t seq;
		size_t plen, hlen;
		unsigned long crc;
		int got;

		if (!start) {
			/* keep a tail that might be the start of a header */
			if (r->len > mlen)
				consume(r, r->len - mlen);
			return 0;
		}
		consume(r, start - r->buf);
		nl = memchr(r->buf, '\n', MIN(r->len, (size_t)96));
		if (!nl) {
			if (r->len >= 96) {	/* no header fits: garbage */
				r->bad++;
				consume(r, 1);
				continue;
			}
			return 0;
		}
		*nl = '\0';
		got = sscanf(r->buf, PROTO_MAGIC " %4c %" SCNu64 " %zu %8lx", type, &seq, &plen, &crc);
		*nl = '\n';
		type[4] = '\0';
		if (got != 4 || plen > PROTO_MAX_PAYLOAD) {
			r->bad++;
			consume(r, 1);
			continue;
		}
		hlen = nl - r->buf + 1;
		if (r->len < hlen + plen + 1)
			return 0;
		if (crc32(crc32(0L, Z_NULL, 0), (const Bytef *)r->buf + hlen, plen) != crc ||
		    r->buf[hlen + plen] != '\n') {
			r->bad++;
			consume(r, 1);
			continue;
		}
		memcpy(msg->type, type, 5);
		msg->seq = seq;
		msg->len = plen;
		msg->payload = xstrndup(r->buf + hlen, plen);
		consume(r, hlen + plen + 1);
		return 1;
	}
}

unsigned proto_reader__bad_frames(const struct proto_reader *r)
{
	return r->bad;
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
