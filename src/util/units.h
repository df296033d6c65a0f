/* SPDX-License-Identifier: GPL-2.0-only */
/* Parsers for the units specs use: durations, sizes, percentages, counts. */
#ifndef KTSTR_UNITS_H
#define KTSTR_UNITS_H

#include "util/util.h"

/* "500ms", "2s", "1.5m", "100us", "250ns", a bare number is seconds. 0 or -EINVAL. */
int parse_duration_ns(const char *s, uint64_t *ns);
/* "512M", "2G", "64K", "1T", bare number is MiB (memory is always given in MiB). */
int parse_size_mb(const char *s, uint64_t *mb);
/* "50%" -> 0.5; "0.5" -> 0.5 when allow_fraction. */
int parse_percent(const char *s, double *frac, bool allow_fraction);
int parse_u64(const char *s, uint64_t *v);
int parse_i64(const char *s, int64_t *v);
int parse_double(const char *s, double *v);
int parse_bool(const char *s, bool *v);
/* Format a duration the way specs write it ("1.5s", "250ms"). */
const char *fmt_duration(uint64_t ns, char *buf, size_t len);

#endif
