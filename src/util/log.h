/* SPDX-License-Identifier: GPL-2.0-only */
/* One logging module with levels and a replaceable sink (libbpf_set_print style). */
#ifndef KTSTR_LOG_H
#define KTSTR_LOG_H

#include <stdarg.h>
#include "util/util.h"

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

typedef void (*log_fn_t)(enum log_level level, const char *fmt, va_list ap);

/* Replace the sink; returns the old one. NULL restores the stderr default. */
log_fn_t log_set_fn(log_fn_t fn);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_msg(enum log_level level, const char *fmt, ...) __printf(2, 3);
void log_vmsg(enum log_level level, const char *fmt, va_list ap);

#define pr_err(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
