/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The results channel between guest agent and host. Frames are text-safe so
 * they survive a UART as well as a virtio-serial port:
 *
 *   "KTSTR1 <type:4> <seq> <len> <crc32:8 hex>\n" <len payload bytes> "\n"
 *
 * The CRC (zlib crc32) covers the payload. Payloads are JSON except LOG.
 * Readers skip bytes until a header matches, so console noise or a torn
 * frame costs only that frame.
 */
#ifndef KTSTR_PROTO_H
#define KTSTR_PROTO_H

#include "util/util.h"

#define PROTO_MAGIC "KTSTR1"
#define PROTO_MAX_PAYLOAD (64u << 20)

/* Message types, guest -> host. */
#define MSG_HELLO "HELO"	/* agent up: {"version","kernel","uptime_ns"} */
#define MSG_TOPO "TOPO"		/* the topology the kernel built */
#define MSG_SYMS "SYMS"		/* kernel symbols for the host monitor: {"syms":{name:"0x.."},"kernel_code":"0x..","ncpus"} */
#define MSG_LOG "LOG "		/* agent log line (text) */
#define MSG_EVENT "EVNT"	/* one timeline event, as it happens */
#define MSG_SCHED "SCHD"	/* scheduler state change / exit info */
#define MSG_RESULT "RSLT"	/* telemetry (workload/telemetry.h) */
#define MSG_OUTPUT "OUTP"	/* captured output of a command / payload / scheduler */
#define MSG_ARTIFACT "ARTF"	/* {"name","data"}: a file for the results directory */
#define MSG_DONE "DONE"		/* {"status":"ok"|"error","error":...}; last frame */

struct proto_msg {
	char type[5];
	uint64_t seq;
	char *payload;		/* NUL-terminated, owned */
	size_t len;
};

/* Write one frame (loops over short writes). 0 or -errno. */
int proto__write(int fd, const char *type, const void *payload, size_t len);

/* Incremental reader: feed bytes, pop complete, verified frames. */
struct proto_reader;
struct proto_reader *proto_reader__new(void);
void proto_reader__feed(struct proto_reader *r, const void *buf, size_t len);
/* 1 = got a frame, 0 = need more bytes. Bad CRCs are counted and skipped. */
int proto_reader__next(struct proto_reader *r, struct proto_msg *msg);
unsigned proto_reader__bad_frames(const struct proto_reader *r);
void proto_reader__free(struct proto_reader *r);
void proto_msg__free(struct proto_msg *m);

#endif
