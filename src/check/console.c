// SPDX-License-Identifier: GPL-2.0-only
/* The kernel console gate: built-in deny patterns plus the spec's expect/forbid/allow (pcre2). */
#include <ctype.h>
#include <errno.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "check/check.h"

/*
 * What a kernel prints when something went wrong. Order matters: a line is
 * charged to the first entry it matches, so the specific kinds (KASAN,
 * lockdep, lockups, stalls) come before the generic BUG:/WARNING: shapes
 * they also print. The sched_ext entry follows kernel/sched/ext.c: on exit
 * it prints 'sched_ext: BPF scheduler "NAME" disabled (REASON)' at error
 * level for runtime errors, scx_bpf_error() and the watchdog's "runnable
 * task stall", and at info level for the clean reasons ("unregistered from
 * user space/BPF/the main kernel", "disabled by sysrq-S"), which are a
 * normal detach and must not fail a test. Older kernels said '... errored,
 * disabling'.
 */
static const struct console_deny {
	const char *what;
	const char *re;
} deny_table[] = {
	{ "KASAN report", "\\bKASAN: \\S" },
	{ "UBSAN report", "\\bUBSAN: \\S" },
	{ "lockdep splat", "possible circular locking dependency|possible recursive locking|"
			   "inconsistent lock state|possible irq lock inversion|"
			   "suspicious RCU usage|bad unlock balance|"
			   "INFO: trying to register non-static key|INFO: lockdep is turned off|"
			   "INFO: possible|held lock freed|lock held when returning to user space|"
			   "nested lock was not taken" },
	{ "soft/hard lockup", "soft lockup - CPU#|hard LOCKUP" },
	{ "RCU stall", "rcu_\\w+ self-detected stall|rcu: INFO: rcu_\\w+ detected (expedited )?stalls|"
		       "self-detected stall on CPU|detected stalls on CPUs/tasks" },
	{ "hung task", "blocked for more than \\d+ seconds" },
	{ "sched_ext error", "sched_ext: BPF scheduler \"[^\"]*\" disabled \\((?!unregistered from|disabled by sysrq)|"
			     "sched_ext: BPF scheduler \"[^\"]*\" errored|sched_ext: ops error detected" },
	{ "kernel panic", "Kernel panic" },
	{ "general protection fault", "general protection fault" },
	{ "kernel oops", "\\bOops:" },
	{ "kernel BUG", "kernel BUG at |\\bBUG: " },
	{ "kernel warning", "WARNING: CPU: |\\bWARNING: at " },
};

#define CONSOLE_QUOTE_MAX 200

struct pattern {
	pcre2_code *code;
	const char *src;
	unsigned hits;		/* matching lines */
	unsigned first_line;
	char *first;		/* quoted first matching line */
};

static pcre2_code *compile(const char *re, uint32_t opts, char *err, size_t errlen)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *p = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, opts, &code, &off, NULL);

	if (!p) {
		PCRE2_UCHAR msg[160];

		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, errlen, "%s at offset %zu", (const char *)msg, (size_t)off);
	}
	return p;
}

static bool match(pcre2_code *p, pcre2_match_data *md, const char *s, size_t len)
{
	return pcre2_match(p, (PCRE2_SPTR)s, len, 0, 0, md, NULL) >= 0;
}

/* A console line made safe to quote: trimmed, printable, bounded. */
static char *quote_line(const char *s, size_t len)
{
	char *q;
	size_t n = 0;

	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	q = xmalloc(MIN(len, (size_t)CONSOLE_QUOTE_MAX) + 4);
	for (size_t i = 0; i < len && n < CONSOLE_QUOTE_MAX; i++)
		q[n++] = isprint((unsigned char)s[i]) ? s[i] : '?';
	if (len > CONSOLE_QUOTE_MAX) {
		memcpy(q + n, "...", 3);
		n += 3;
	}
	q[n] = '\0';
	return q;
}

static void pattern_hit(struct pattern *p, unsigned lineno, const char *s, size_t len)
{
	if (!p->hits++) {
		p->first_line = lineno;
		p->first = quote_line(s, len);
	}
}

static void patterns_free(struct pattern *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		pcre2_code_free(v[i].code);
		free(v[i].first);
	}
	free(v);
}

/* Compile the spec's patterns of one kind; a bad one becomes a detail. */
static struct pattern *compile_spec(const struct spec_pattern *sp, size_t n, const char *kind,
				    uint32_t opts, struct run_result *r, int *bad)
{
	struct pattern *v = xcalloc(n ? n : 1, sizeof(*v));

	for (size_t i = 0; i < n; i++) {
		char err[200];

		v[i].src = sp[i].regex;
		v[i].code = compile(sp[i].regex, opts, err, sizeof(err));
		if (!v[i].code) {
			run_result__add_detail(r, DETAIL_CONSOLE, "console", NULL,
					       "console: invalid %s pattern /%s/: %s", kind, sp[i].regex, err);
			(*bad)++;
		}
	}
	return v;
}

static const char *more(unsigned hits, char *buf, size_t len)
{
	if (hits <= 1)
		return "";
	snprintf(buf, len, " (+%u more line%s)", hits - 1, hits > 2 ? "s" : "");
	return buf;
}

/*
 * Every pattern is matched against one line at a time, without its line
 * ending (serial consoles write CRLF), so ^ and $ anchor to the line.
 */
int check__console(const struct spec_console *c, const char *console, size_t len,
		   struct run_result *r)
{
	static const struct spec_console none;
	struct pattern deny[ARRAY_SIZE(deny_table)] = { 0 };
	struct pattern *allow, *forbid, *expect;
	pcre2_match_data *md;
	size_t before = r->ndetails;
	unsigned lineno = 0;
	int bad = 0;
	char buf[64];

	if (!c)
		c = &none;
	if (!console || !len) {
		run_result__add_detail(r, DETAIL_CONSOLE, "console", NULL,
				       "console log missing or empty: kernel errors cannot be ruled out");
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(deny_table); i++) {
		char err[200];

		deny[i].src = deny_table[i].re;
		deny[i].code = compile(deny_table[i].re, 0, err, sizeof(err));
		if (!deny[i].code)
			abort();	/* a built-in pattern is a program constant */
	}
	allow = compile_spec(c->allow, c->nallow, "allow", 0, r, &bad);
	forbid = compile_spec(c->forbid, c->nforbid, "forbid", 0, r, &bad);
	expect = compile_spec(c->expect, c->nexpect, "expect", 0, r, &bad);
	md = pcre2_match_data_create(4, NULL);

	for (const char *p = console, *end = console + len; p < end;) {
		const char *nl = memchr(p, '\n', end - p);
		size_t l = (nl ? nl : end) - p;
		bool allowed = false;

		lineno++;
		if (l && p[l - 1] == '\r')
			l--;
		for (size_t i = 0; i < c->nallow && !allowed; i++)
			allowed = allow[i].code && match(allow[i].code, md, p, l);
		for (size_t i = 0; i < ARRAY_SIZE(deny_table) && !allowed; i++) {
			if (match(deny[i].code, md, p, l)) {
				pattern_hit(&deny[i], lineno, p, l);
				break;
			}
		}
		for (size_t i = 0; i < c->nforbid; i++)
			if (forbid[i].code && match(forbid[i].code, md, p, l))
				pattern_hit(&forbid[i], lineno, p, l);
		for (size_t i = 0; i < c->nexpect; i++)
			if (expect[i].code && !expect[i].hits && match(expect[i].code, md, p, l))
				pattern_hit(&expect[i], lineno, p, l);
		p = nl ? nl + 1 : end;
	}

	for (size_t i = 0; i < ARRAY_SIZE(deny_table); i++)
		if (deny[i].hits)
			run_result__add_detail(r, DETAIL_CONSOLE, "console", NULL,
					       "%s on console (line %u): \"%s\"%s", deny_table[i].what,
					       deny[i].first_line, deny[i].first,
					       more(deny[i].hits, buf, sizeof(buf)));
	for (size_t i = 0; i < c->nforbid; i++)
		if (forbid[i].hits)
			run_result__add_detail(r, DETAIL_CONSOLE, "console", NULL,
					       "console: forbidden pattern /%s/ matched (line %u): \"%s\"%s",
					       forbid[i].src, forbid[i].first_line, forbid[i].first,
					       more(forbid[i].hits, buf, sizeof(buf)));
	for (size_t i = 0; i < c->nexpect; i++)
		if (expect[i].code && !expect[i].hits)
			run_result__add_detail(r, DETAIL_CONSOLE, "console", NULL,
					       "console: expected pattern /%s/ never appeared (%u lines)",
					       expect[i].src, lineno);

	pcre2_match_data_free(md);
	for (size_t i = 0; i < ARRAY_SIZE(deny_table); i++) {
		pcre2_code_free(deny[i].code);
		free(deny[i].first);
	}
	patterns_free(allow, c->nallow);
	patterns_free(forbid, c->nforbid);
	patterns_free(expect, c->nexpect);
	return bad ? -EINVAL : (int)(r->ndetails - before);
}
