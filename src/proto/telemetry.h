/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the guest measures and sends home: one report per worker, grouped by
 * cgroup, plus the timeline of ops. The guest encodes it as JSON
 * (telemetry__to_json), the host decodes it (telemetry__from_json) and the
 * checks judge it. The JSON layout is documented in doc/results-format.md
 * and versioned by TELEMETRY_VERSION.
 */
#ifndef KTSTR_TELEMETRY_H
#define KTSTR_TELEMETRY_H

#include "util/util.h"
#include "util/cpumask.h"
#include "spec/worktype.h"

#define TELEMETRY_VERSION 1
#define TELEMETRY_MAX_WAKE_SAMPLES 100000
#define TELEMETRY_MAX_NUMA_NODES 8

struct migration {
	uint64_t at_ns;		/* since scenario start */
	int from_cpu;
	int to_cpu;
};

struct worker_report {
	int pid;
	int index;			/* worker index within its work group */
	char *cgroup;			/* owned */
	enum work_type type;
	uint64_t work_units;
	uint64_t iterations;
	uint64_t cpu_time_ns;
	uint64_t wall_time_ns;
	uint64_t off_cpu_ns;		/* wall - cpu */
	uint64_t start_ns;		/* since scenario start */
	uint64_t max_gap_ns;		/* longest time between progress checkpoints */
	int max_gap_cpu;
	uint64_t max_gap_at_ns;		/* since scenario start */
	uint64_t migration_count;
	struct migration *migrations;	/* owned; bounded */
	size_t nmigrations;
	struct cpumask cpus_used;
	struct cpumask cpus_outside;	/* used outside the cpuset granted at the time */
	uint64_t *wake_ns;		/* owned reservoir, <= TELEMETRY_MAX_WAKE_SAMPLES */
	size_t nwake;
	uint64_t wake_sample_total;	/* including samples the reservoir dropped */
	uint64_t schedstat_run_delay_ns;
	uint64_t schedstat_run_count;
	uint64_t schedstat_cpu_time_ns;
	uint64_t numa_pages[TELEMETRY_MAX_NUMA_NODES];
	uint64_t numa_pages_migrated;
	bool is_messenger;
	bool completed;			/* reported normally (false: killed / no report) */
	int exit_status;		/* wait status when !completed */
	struct cpumask allowed;		/* CPUs the harness's cpusets granted its cgroup(s) over the run */
};

enum event_kind {
	EVT_SCENARIO_START,
	EVT_STEP_START,
	EVT_STEP_END,
	EVT_OP,
	EVT_SCENARIO_END,
	EVT_NOTE,
};

struct timeline_event {
	uint64_t at_ns;			/* since scenario start */
	enum event_kind kind;
	int step;			/* -1 when none */
	char *label;			/* owned: op name, step name */
	char *detail;			/* owned: "cg_0 cpuset 0-1 -> 2-3" */
	int error;			/* 0 or -errno when the op failed */
};

/*
 * One run of a payload binary, reaped: its wait status and what it wrote,
 * stdout and stderr apart (a payload's metrics come from stdout, its
 * diagnostics from stderr), each cut at TELEMETRY_MAX_PAYLOAD_OUTPUT.
 */
#define TELEMETRY_MAX_PAYLOAD_OUTPUT (64 * 1024)
struct payload_report {
	char *name;			/* owned: the spec's payload name */
	char *cgroup;			/* owned: "" when none */
	int status;			/* wait status (exit code, signal) */
	uint64_t wall_ns;		/* started to reaped */
	char *out, *err;		/* owned: stdout, stderr ("" when none) */
	bool out_truncated, err_truncated;
};

struct telemetry {
	uint64_t duration_ns;		/* scenario wall time */
	struct worker_report *workers;
	size_t nworkers;
	struct timeline_event *events;
	size_t nevents;
	char *error;			/* owned: set when the workload itself failed */
	struct payload_report *payloads;	/* in the order they were reaped */
	size_t npayloads;
};

/* Encode/decode as the documented JSON. Returns malloc'd string / 0 or -EINVAL. */
char *telemetry__to_json(const struct telemetry *t);
int telemetry__from_json(const char *json, size_t len, struct telemetry *out, char **err);
void telemetry__free(struct telemetry *t);
/* One event as the EVNT frame and the timeline in RSLT carry it. */
char *timeline_event__to_json(const struct timeline_event *e);
int timeline_event__from_json(const char *json, size_t len, struct timeline_event *e,
			      char **err);
void worker_report__free(struct worker_report *w);
void timeline_event__free(struct timeline_event *e);
void payload_report__free(struct payload_report *p);
/* "scenario_start", "op", ... as written in the JSON. */
const char *event_kind_name(enum event_kind k);

/* Summary of a set of wake-to-run samples (ns). */
struct wake_stats {
	size_t n;
	uint64_t p50, p99, max;
	double mean;
	double cv;		/* stddev / mean; 0 when fewer than 2 samples */
};
void wake_stats__compute(const uint64_t *samples, size_t n, struct wake_stats *out);

#endif
