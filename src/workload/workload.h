/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running a spec's workload in the guest: cgroups, cpusets, workers, steps
 * and ops, and collecting each worker's telemetry.
 */
#ifndef KTSTR_WORKLOAD_H
#define KTSTR_WORKLOAD_H

#include "spec/spec.h"
#include "spec/topo.h"
#include "proto/telemetry.h"

struct workload_hooks {
	void *ctx;
	/* Each op and phase boundary, as it happens (the agent forwards it). */
	void (*event)(void *ctx, const struct timeline_event *ev);
	/* Called about every 100 ms; nonzero aborts the scenario (e.g. scheduler died). */
	int (*tick)(void *ctx);
};

/*
 * Run test t on the guest's topology; cgroup_root is the cgroup v2 directory
 * to work under ("/sys/fs/cgroup/ktstr"). Fills *out even on failure (with
 * out->error set); returns 0 or -errno.
 */
int workload__run(const struct spec_test *t, const struct topo *topo, const char *cgroup_root,
		  const struct workload_hooks *hooks, struct telemetry *out);

#endif
