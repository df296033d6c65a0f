/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Turning telemetry into verdicts: one row per check in check_table[],
 * failure messages in ktstr's manner, per-cgroup statistics, and the
 * kernel console gate.
 */
#ifndef KTSTR_CHECK_H
#define KTSTR_CHECK_H

#include "spec/spec.h"
#include "check/result.h"

/*
 * Judge one run: fills r->details, r->cgroups and sets r->status to PASS or
 * FAIL. Console gate: console may be NULL (missing log), which fails.
 */
int check__evaluate(const struct spec_test *t, const struct thresholds *th,
		    const struct telemetry *tel, const char *console, size_t console_len,
		    struct run_result *r);

#endif
