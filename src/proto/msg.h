/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host-guest contract: every message the guest agent sends and the plan
 * the host gives it (/ktstr/run.json), each as a C struct with typed
 * encode/decode functions. The guest only calls the encoders, the host only
 * the decoders (through proto_dispatch), so a field is added in one place:
 * its struct, its encoder and its decoder here, and the round-trip test in
 * tests/unit/test-msg.c.
 *
 * Encoders return a malloc'd payload (compact JSON) and cannot fail.
 * Decoders return 0, or -EINVAL with *err (malloc'd, may be NULL) naming the
 * message type and the JSON path of the first problem; on failure the
 * output holds nothing to free. Every __free frees what the struct owns,
 * not the struct, and accepts a zeroed one.
 */
#ifndef KTSTR_MSG_H
#define KTSTR_MSG_H

#include "proto/proto.h"
#include "util/log.h"
#include "spec/topo.h"
#include "proto/telemetry.h"

#define RUN_PLAN_VERSION 1

/* HELO: the agent is up. */
struct msg_hello {
	char *version;		/* ktstr's */
	char *kernel;		/* uname -r */
	uint64_t uptime_ns;	/* CLOCK_BOOTTIME when it was sent */
};

/* A kernel symbol: an address (SYMS) or a distance from _text (the plan's hint). */
struct msg_ksym {
	char *name;
	uint64_t addr;
};

/* SYMS: what the host monitor needs to read guest RAM. */
struct msg_syms {
	struct msg_ksym *syms;
	size_t nsyms;
	uint64_t kernel_code;	/* physical address of _text; 0: unknown */
	unsigned ncpus;
	uint64_t read_ns;	/* the guest's time reading kallsyms */
	bool cached;		/* built from the host's hint, not a full kallsyms pass */
};

/* LOG: one agent log line. */
struct msg_log {
	enum log_level level;
	char *text;
};

/*
 * One BPF program of the attached scheduler as the kernel reports it
 * (struct bpf_prog_info): what the verifier did and what it costs to run.
 */
struct msg_bpf_prog {
	char *name;		/* the kernel's (at most 15 characters) */
	uint32_t id;
	uint32_t verified_insns;	/* instructions the verifier processed (limit 1M) */
	uint32_t xlated_len, jited_len;	/* bytes after translation and JIT */
	uint64_t run_cnt, run_time_ns;	/* with kernel.bpf_stats_enabled */
	uint64_t recursion_misses;
};

/* A copy of n programs (NULL for none); the free accepts NULL. */
struct msg_bpf_prog *msg_bpf_progs__dup(const struct msg_bpf_prog *v, size_t n);
void msg_bpf_progs__free(struct msg_bpf_prog *v, size_t n);

/* SCHD: the scheduler's state changed. */
struct msg_sched {
	char *state;		/* "running", "exited", "ejected" */
	char *name;		/* the plugin's, with "running"; else "" */
	char *exit_kind;	/* "" when none */
	char *reason;		/* "" when none */
	struct msg_bpf_prog *progs;	/* with "running": its struct_ops programs */
	size_t nprogs;
};

/* ARTF: a file for the results directory; any bytes. */
struct msg_artifact {
	char *name;		/* a plain file name (no '/', not starting with '.') */
	unsigned char *data;
	size_t len;
};

/* DONE: the last frame. */
struct msg_done {
	char *error;		/* NULL: status ok */
	int exit_code;		/* mode exec: the command's; -1 otherwise */
};

/* /ktstr/run.json, host -> guest. */
enum run_mode {
	RUN_MODE_RUN,		/* the spec test */
	RUN_MODE_EXEC,		/* run argv and report */
	RUN_MODE_TOPO,		/* only report the topology */
	RUN_MODE_SHELL,		/* the spec test's scheduler attached, a shell on /dev/hvc0 */
};

struct run_plan_plugin {
	char *name;
	char *path;		/* in the guest */
	char **flags, **args;	/* NULL-terminated */
	char *files_dir;
	uint64_t watchdog_timeout_ns;
	uint64_t attach_timeout_ms;	/* the spec's, or the accelerator's default */
};

struct run_plan {
	enum run_mode mode;
	char *name;		/* the job's name */
	char *test;		/* RUN: the expanded test name */
	char *spec;		/* RUN: the spec file as given */
	char **spec_set;	/* RUN: the test's overrides ("path=value"), replayed on the spec; may be NULL */
	char *format;		/* RUN: "yaml" or "ini" */
	char **exec;		/* EXEC: argv, NULL-terminated */
	char *channel;		/* a hint; the agent looks up the port named "ktstr" */
	bool relaxed;		/* TCG thresholds */
	bool no_ksyms;		/* no monitor: skip the kallsyms pass (no SYMS) */
	struct msg_ksym *ksyms;	/* the host's hint: each symbol's distance from _text */
	size_t nksyms;
	char *selftest;		/* harness self-test: "crash" or "exit"; NULL */
	unsigned attempt;	/* --retries: 1, 2, ... ($KTSTR_ATTEMPT in the guest); 0: not said */
	bool verifier;		/* RUN, --verifier: attach, report the programs, no workload */
	/*
	 * Auto-repro rerun: kernel functions to put kprobes on before the
	 * scheduler attaches (NULL-terminated); NULL: an ordinary run.
	 */
	char **probes;
	struct run_plan_plugin *plugin;	/* NULL: none */
	/* SHELL: the host terminal's $TERM and size, for the shell's tty (NULL, 0: unknown) */
	char *term;
	unsigned rows, cols;
};

char *msg_hello__encode(const struct msg_hello *m);
int msg_hello__decode(const char *s, size_t len, struct msg_hello *m, char **err);
void msg_hello__free(struct msg_hello *m);

/* TOPO: struct topo, encoded by topo__to_json. */
char *msg_topo__encode(const struct topo *t);
int msg_topo__decode(const char *s, size_t len, struct topo *t, char **err);

char *msg_syms__encode(const struct msg_syms *m);
int msg_syms__decode(const char *s, size_t len, struct msg_syms *m, char **err);
/* A symbol's address; false when it was not sent. */
bool msg_syms__get(const struct msg_syms *m, const char *name, uint64_t *addr);
void msg_syms__add(struct msg_syms *m, const char *name, uint64_t addr);
void msg_syms__free(struct msg_syms *m);
/* The plan's hint as a JSON object {name: "0x.."}, e.g. the host's symbol cache. */
int msg_ksyms__decode(const char *s, size_t len, struct msg_ksym **v, size_t *n, char **err);
void msg_ksyms__free(struct msg_ksym *v, size_t n);

/* LOG is text: "<level>: <message>". */
char *msg_log__encode(const struct msg_log *m);
int msg_log__decode(const char *s, size_t len, struct msg_log *m, char **err);
void msg_log__free(struct msg_log *m);

/* EVNT: one struct timeline_event, encoded as in RSLT's timeline. */
char *msg_event__encode(const struct timeline_event *e);
int msg_event__decode(const char *s, size_t len, struct timeline_event *e, char **err);

char *msg_sched__encode(const struct msg_sched *m);
int msg_sched__decode(const char *s, size_t len, struct msg_sched *m, char **err);
void msg_sched__free(struct msg_sched *m);

/* RSLT: struct telemetry (proto/telemetry.h). */
char *msg_result__encode(const struct telemetry *t);
int msg_result__decode(const char *s, size_t len, struct telemetry *t, char **err);

/* UTF-8 data goes as "data", anything else as "data_hex"; both decode to bytes. */
char *msg_artifact__encode(const struct msg_artifact *m);
int msg_artifact__decode(const char *s, size_t len, struct msg_artifact *m, char **err);
void msg_artifact__free(struct msg_artifact *m);

char *msg_done__encode(const struct msg_done *m);
int msg_done__decode(const char *s, size_t len, struct msg_done *m, char **err);
void msg_done__free(struct msg_done *m);

/* RDY: a template VM's agent is up and waits for FILE frames and a PLAN. */
struct msg_ready {
	uint64_t uptime_ns;	/* CLOCK_BOOTTIME when it was sent */
};

/* FILE (host -> guest): one file of the test (spec, payloads, their libraries). */
struct msg_file {
	char *path;		/* absolute, no ".." component */
	unsigned mode;		/* permission bits */
	unsigned char *data;
	size_t len;
};

#define MSG_PLAN_SEED_BYTES 32

/* PLAN (host -> guest): what run.json says, and what a restored guest must not share. */
struct msg_plan {
	struct run_plan plan;
	unsigned char seed[MSG_PLAN_SEED_BYTES];	/* mixed into the guest's RNG */
	uint64_t realtime_ns;	/* the host's CLOCK_REALTIME: the guest's clock is set to it */
};

char *msg_ready__encode(const struct msg_ready *m);
int msg_ready__decode(const char *s, size_t len, struct msg_ready *m, char **err);

char *msg_file__encode(const struct msg_file *m);
int msg_file__decode(const char *s, size_t len, struct msg_file *m, char **err);
void msg_file__free(struct msg_file *m);

char *msg_plan__encode(const struct msg_plan *m);
int msg_plan__decode(const char *s, size_t len, struct msg_plan *m, char **err);
void msg_plan__free(struct msg_plan *m);

char *run_plan__encode(const struct run_plan *p);	/* indented, for reading */
int run_plan__decode(const char *s, size_t len, struct run_plan *p, char **err);
void run_plan__free(struct run_plan *p);
const char *run_mode_name(enum run_mode m);

/*
 * The host's one dispatcher: decode a frame by type and call its typed
 * handler. A handler left NULL ignores its type; OUTP is passed as bytes.
 * Returns a handler's nonzero value (stop), 0, or -EINVAL when the payload
 * does not decode (*err says why; the frame is then ignored).
 */
struct proto_handlers {
	int (*hello)(void *ctx, const struct msg_hello *m);
	int (*topo)(void *ctx, const struct topo *t);
	int (*syms)(void *ctx, const struct msg_syms *m);
	int (*log)(void *ctx, const struct msg_log *m);
	int (*event)(void *ctx, const struct timeline_event *e);
	int (*sched)(void *ctx, const struct msg_sched *m);
	/* may keep the telemetry: copy the struct and zero *t */
	int (*result)(void *ctx, struct telemetry *t);
	/* BASE: the same payload as RSLT, measured under EEVDF before the scheduler; may keep it */
	int (*baseline)(void *ctx, struct telemetry *t);
	int (*output)(void *ctx, const void *data, size_t len);
	int (*artifact)(void *ctx, const struct msg_artifact *m);
	int (*done)(void *ctx, const struct msg_done *m);
	int (*ready)(void *ctx, const struct msg_ready *m);
};

int proto_dispatch(const struct proto_msg *m, const struct proto_handlers *h, void *ctx,
		   char **err);

#endif
