/* SPDX-License-Identifier: GPL-2.0-only */
/* A tiny TAP 14 producer for unit tests (read by automake's tap-driver.sh). */
#ifndef KTSTR_TAP_H
#define KTSTR_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static inline void tap_plan(int n) { printf("TAP version 14\n1..%d\n", n); }

static inline __attribute__((format(printf, 2, 3))) int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

#define tap_is_int(got, want, name) \
	do { long long _g = (got), _w = (want); \
	     if (!tap_ok(_g == _w, "%s", name)) \
		printf("  ---\n  got: %lld\n  want: %lld\n  ...\n", _g, _w); } while (0)
#define tap_is_str(got, want, name) \
	do { const char *_g = (got), *_w = (want); \
	     if (!tap_ok(_g && _w && !strcmp(_g, _w), "%s", name)) \
		printf("  ---\n  got: '%s'\n  want: '%s'\n  ...\n", _g ? _g : "(null)", _w ? _w : "(null)"); } while (0)

static inline void tap_skip(const char *why) { printf("ok %d # SKIP %s\n", ++tap_n, why); }
static inline int tap_done(void) { return tap_failed ? 1 : 0; }

#endif
