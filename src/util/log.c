// SPDX-License-Identifier: GPL-2.0-only
/* One logging module: levels and a replaceable sink. */
#include "util/log.h"

static const char *const level_names[] = { "error", "warning", "info", "debug" };
static enum log_level cur_level = LOG_INFO;

static void log_stderr(enum log_level level, const char *fmt, va_list ap)
{
	if (level <= LOG_WARN)
		fprintf(stderr, "ktstr: %s: ", level_names[level]);
	else
		fputs("ktstr: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static log_fn_t cur_fn = log_stderr;

log_fn_t log_set_fn(log_fn_t fn)
{
	log_fn_t old = cur_fn;

	cur_fn = fn ? fn : log_stderr;
	return old;
}

void log_set_level(enum log_level level) { cur_level = level; }
enum log_level log_get_level(void) { return cur_level; }

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	if (level > cur_level)
		return;
	cur_fn(level, fmt, ap);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
