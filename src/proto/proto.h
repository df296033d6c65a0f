/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The results channel between guest agent and host. Frames are text-safe so
 * they survive a UART as well as a virtio-serial port:
 *
 *   "KTSTR1 <type:4> <seq> <len> <crc32:8 hex>\n" <len payload bytes> "\n"
 *
 * The CRC (zlib crc32) covers the payload. Payloads are compact JSON (no raw
 * newline) except LOG and OUTP, which are short text. What each payload
 * holds, and its C struct, is in proto/msg.h.
 *
 * Readers resynchronise: a header whose type is unknown, whose length is
 * above its type's maximum, whose JSON payload holds a newline, or whose CRC
 * fails is dropped and the search for the next magic resumes one byte after
 * it, so console noise, a stray header or a torn frame costs only itself.
 * Every byte that is not part of a good frame is counted as dropped.
 */
#ifndef KTSTR_PROTO_H
#define KTSTR_PROTO_H

#include "util/util.h"

#define PROTO_MAGIC "KTSTR1"
#define PROTO_MAX_PAYLOAD (64u << 20)	/* the largest type maximum (RSLT) */
#define PROTO_MAX_HEADER 96

/* Message types, guest -> host unless said; payloads in proto/msg.h. */
#define MSG_HELLO "HELO"	/* agent up */
#define MSG_TOPO "TOPO"		/* the topology the kernel built */
#define MSG_SYMS "SYMS"		/* kernel symbols for the host monitor */
#define MSG_LOG "LOG "		/* agent log line (text: "<level>: message") */
#define MSG_EVENT "EVNT"	/* one timeline event, as it happens */
#define MSG_SCHED "SCHD"	/* scheduler state change / exit info */
#define MSG_RESULT "RSLT"	/* telemetry (proto/telemetry.h) */
#define MSG_BASELINE "BASE"	/* the EEVDF half's telemetry of a 'baseline: eevdf' test */
#define MSG_OUTPUT "OUTP"	/* captured output of a command (raw bytes) */
#define MSG_ARTIFACT "ARTF"	/* a file for the results directory */
#define MSG_DONE "DONE"		/* last frame */
#define MSG_READY "RDY "	/* a template's agent waits for its plan (snapshots) */
/* Host -> guest, to an agent that sent RDY (a VM restored from a snapshot). */
#define MSG_FILE "FILE"		/* a file for the guest's root filesystem */
#define MSG_PLAN "PLAN"		/* the run plan, a random seed and the host's time; last */

struct proto_msg {
	char type[5];
	uint64_t seq;
	char *payload;		/* NUL-terminated, owned */
	size_t len;
};

/*
 * The largest payload a type may carry (0: not a message type) and whether
 * it is text (may hold newlines) rather than JSON. Writers are held to it
 * and readers judge headers by it.
 */
size_t proto_type__max(const char *type, bool *text);

/*
 * Format one whole frame into buf (no allocation: the guest's crash handler
 * uses it). The frame's length, or -ENOSPC / -EINVAL (unknown type, payload
 * over its type's maximum, a newline in a JSON payload).
 */
int proto__frame(char *buf, size_t cap, const char *type, uint64_t seq, const void *payload,
		 size_t len);
/* Write one frame in one write (loops over short writes). 0 or -errno. */
int proto__write(int fd, const char *type, const void *payload, size_t len);

/* Incremental reader: feed bytes, pop complete, verified frames. */
struct proto_reader;
struct proto_reader *proto_reader__new(void);
void proto_reader__feed(struct proto_reader *r, const void *buf, size_t len);
/*
 * No more bytes will come (the writer is gone): a frame still waiting for
 * its payload is dropped, so the frames it seemed to swallow are read.
 */
void proto_reader__finish(struct proto_reader *r);
/* 1 = got a frame, 0 = need more bytes. Bad headers and CRCs are counted and skipped. */
int proto_reader__next(struct proto_reader *r, struct proto_msg *msg);
unsigned proto_reader__bad_frames(const struct proto_reader *r);
/* Bytes skipped so far: noise, bad headers, torn and corrupt frames. */
uint64_t proto_reader__dropped(const struct proto_reader *r);
void proto_reader__free(struct proto_reader *r);
void proto_msg__free(struct proto_msg *m);

#endif
