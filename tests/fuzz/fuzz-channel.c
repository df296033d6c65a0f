// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: any bytes through the results channel's decoders. The
 * input is fed to the frame reader in chunks (sizes from the input itself),
 * every frame found goes through the host's dispatcher (HELO ... DONE,
 * telemetry JSON included), and the whole input is also handed to each
 * payload decoder directly (RSLT, SYMS, the plan). Whatever decodes must
 * encode and decode again.
 */
#include "proto/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROUND_TRIP(T, dec, enc, fr)					\
	do {								\
		T v_;							\
		if (!dec((const char *)data, size, &v_, NULL)) {	\
			char *s_ = enc(&v_);				\
			T w_;						\
			if (dec(s_, strlen(s_), &w_, NULL))		\
				abort();	/* its own encoding must decode */ \
			fr(&w_);					\
			fr(&v_);					\
			free(s_);					\
		}							\
	} while (0)

static void no_free(void *p)
{
	(void)p;
}

static int h_hello(void *c, const struct msg_hello *m) { (void)c; (void)m; return 0; }
static int h_topo(void *c, const struct topo *t) { (void)c; (void)t; return 0; }
static int h_syms(void *c, const struct msg_syms *m) { (void)c; (void)m; return 0; }
static int h_log(void *c, const struct msg_log *m) { (void)c; (void)m; return 0; }
static int h_event(void *c, const struct timeline_event *e) { (void)c; (void)e; return 0; }
static int h_sched(void *c, const struct msg_sched *m) { (void)c; (void)m; return 0; }
static int h_result(void *c, struct telemetry *t) { (void)c; (void)t; return 0; }
static int h_output(void *c, const void *d, size_t n) { (void)c; (void)d; (void)n; return 0; }
static int h_artifact(void *c, const struct msg_artifact *m) { (void)c; (void)m; return 0; }
static int h_done(void *c, const struct msg_done *m) { (void)c; (void)m; return 0; }

static const struct proto_handlers handlers = {
	.hello = h_hello, .topo = h_topo, .syms = h_syms, .log = h_log, .event = h_event,
	.sched = h_sched, .result = h_result, .output = h_output, .artifact = h_artifact,
	.done = h_done,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_reader *r = proto_reader__new();
	struct proto_msg m;
	size_t step = size ? data[0] % 97 + 1 : 1, fed = 0;

	/* the frame reader, torn anywhere, then the end of the stream */
	while (fed < size) {
		size_t n = MIN(step, size - fed);

		proto_reader__feed(r, data + fed, n);
		fed += n;
		if (fed == size)
			proto_reader__finish(r);
		while (proto_reader__next(r, &m) == 1) {
			char *err = NULL;

			proto_dispatch(&m, &handlers, NULL, &err);
			free(err);
			proto_msg__free(&m);
		}
	}
	if (proto_reader__dropped(r) > size)
		abort();	/* cannot drop more than it was given */
	proto_reader__free(r);

	/* each payload decoder on the raw bytes */
	ROUND_TRIP(struct telemetry, msg_result__decode, msg_result__encode, telemetry__free);
	ROUND_TRIP(struct msg_syms, msg_syms__decode, msg_syms__encode, msg_syms__free);
	ROUND_TRIP(struct run_plan, run_plan__decode, run_plan__encode, run_plan__free);
	ROUND_TRIP(struct msg_artifact, msg_artifact__decode, msg_artifact__encode,
		   msg_artifact__free);
	ROUND_TRIP(struct msg_done, msg_done__decode, msg_done__encode, msg_done__free);
	ROUND_TRIP(struct timeline_event, msg_event__decode, msg_event__encode,
		   timeline_event__free);
	ROUND_TRIP(struct topo, msg_topo__decode, msg_topo__encode, no_free);
	return 0;
}
