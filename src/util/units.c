// SPDX-License-Identifier: GPL-2.0-only
/* Parsers for durations, sizes, percentages and plain numbers in specs. */
#include <ctype.h>
#include <errno.h>
#include <math.h>

#include "util/units.h"

int parse_double(const char *s, double *v)
{
	char *end;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtod(s, &end);
	if (errno || *end || !isfinite(*v))
		return -EINVAL;
	return 0;
}

int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

int parse_i64(const char *s, int64_t *v)
{
	char *end;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

int parse_bool(const char *s, bool *v)
{
	static const char *const yes[] = { "true", "yes", "on", "1", "y" };
	static const char *const no[] = { "false", "no", "off", "0", "n" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*v = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*v = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Split "12.5ms" into 12.5 and "ms". */
static int split_num(const char *s, double *num, const char **unit)
{
	char *end;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	*num = strtod(s, &end);
	if (errno || end == s || !isfinite(*num) || *num < 0)
		return -EINVAL;
	while (*end == ' ')
		end++;
	*unit = end;
	return 0;
}

int parse_duration_ns(const char *s, uint64_t *ns)
{
	static const struct { const char *u; double mult; } units[] = {
		{ "", 1e9 }, { "s", 1e9 }, { "sec", 1e9 }, { "ms", 1e6 }, { "us", 1e3 },
		{ "ns", 1 }, { "m", 60e9 }, { "min", 60e9 }, { "h", 3600e9 },
	};
	const char *unit;
	double num;

	if (split_num(s, &num, &unit))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (!strcmp(unit, units[i].u)) {
			double v = num * units[i].mult;

			if (v > 1e18)
				return -ERANGE;
			*ns = (uint64_t)llround(v);
			return 0;
		}
	}
	return -EINVAL;
}

int parse_size_mb(const char *s, uint64_t *mb)
{
	static const struct { const char *u; double mult; } units[] = {
		{ "", 1 }, { "M", 1 }, { "MB", 1 }, { "MiB", 1 }, { "G", 1024 },
		{ "GB", 1024 }, { "GiB", 1024 }, { "K", 1.0 / 1024 }, { "KB", 1.0 / 1024 },
		{ "KiB", 1.0 / 1024 }, { "T", 1024 * 1024 }, { "TiB", 1024 * 1024 },
	};
	const char *unit;
	double num;

	if (split_num(s, &num, &unit))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (!strcasecmp(unit, units[i].u)) {
			double v = num * units[i].mult;

			if (v > 1e12)
				return -ERANGE;
			*mb = (uint64_t)ceil(v);
			return 0;
		}
	}
	return -EINVAL;
}

int parse_percent(const char *s, double *frac, bool allow_fraction)
{
	size_t len = s ? strlen(s) : 0;
	double v;

	if (!len)
		return -EINVAL;
	if (s[len - 1] == '%') {
		_cleanup_free_ char *num = xstrndup(s, len - 1);

		if (parse_double(num, &v) || v < 0)
			return -EINVAL;
		*frac = v / 100.0;
		return 0;
	}
	if (!allow_fraction || parse_double(s, &v) || v < 0)
		return -EINVAL;
	*frac = v;
	return 0;
}

const char *fmt_duration(uint64_t ns, char *buf, size_t len)
{
	if (ns >= NSEC_PER_SEC && ns % (NSEC_PER_SEC / 1000) == 0)
		snprintf(buf, len, "%gs", ns / 1e9);
	else if (ns >= NSEC_PER_MSEC)
		snprintf(buf, len, "%gms", ns / 1e6);
	else if (ns >= NSEC_PER_USEC)
		snprintf(buf, len, "%gus", ns / 1e3);
	else
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	return buf;
}
