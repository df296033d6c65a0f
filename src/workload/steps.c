// SPDX-License-Identifier: GPL-2.0-only
/* The steps and ops runner: workload__run() drives one spec test in the guest. */
#include <errno.h>

#include "workload/workload.h"

int workload__run(const struct spec_test *t, const struct topo *topo, const char *cgroup_root,
		  const struct workload_hooks *hooks, struct telemetry *out)
{
	memset(out, 0, sizeof(*out));
	out->error = xstrdup("workload runner not built yet");
	return -ENOSYS;
}
