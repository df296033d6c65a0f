// SPDX-License-Identifier: GPL-2.0-only
/*
 * What an exec'd scheduler binary is given, from its spec: which flags stay
 * the plugin's and which flag_args map to the binary's arguments, and the
 * argument vector with {config} replaced by the config file's guest path.
 */
#include <libgen.h>

#include "spec/spec-int.h"

static void push(char ***v, size_t *n, const char *s)
{
	*(char **)array_push(v, n, sizeof(char *)) = s ? xstrdup(s) : NULL;
}

const struct spec_flag_arg *spec_scheduler__flag_arg(const struct spec_scheduler *s,
						     const char *flag)
{
	size_t len = strcspn(flag, "=");

	for (size_t i = 0; i < s->nflag_args; i++)
		if (strlen(s->flag_args[i].flag) == len && !strncmp(s->flag_args[i].flag, flag, len))
			return &s->flag_args[i];
	return NULL;
}

char **spec_scheduler__plugin_flags(const struct spec_scheduler *s)
{
	char **v = NULL;
	size_t n = 0;

	for (char **f = s->flags; f && *f; f++)
		if (!spec_scheduler__flag_arg(s, *f))
			push(&v, &n, *f);
	push(&v, &n, NULL);
	return v;
}

char *spec_scheduler__config_guest_path(const struct spec_scheduler *s)
{
	_cleanup_free_ char *copy = s->config_file ? xstrdup(s->config_file) : NULL;

	return copy ? xasprintf(SPEC_INCLUDE_DIR "/%s", basename(copy)) : NULL;
}

/* a with every "{config}" replaced by cfg (a itself when cfg is NULL) */
static char *expand(const char *a, const char *cfg)
{
	char *out = xstrdup(""), *next;
	const char *p;

	while (cfg && (p = strstr(a, "{config}"))) {
		next = xasprintf("%s%.*s%s", out, (int)(p - a), a, cfg);
		free(out);
		out = next;
		a = p + strlen("{config}");
	}
	next = xasprintf("%s%s", out, a);
	free(out);
	return next;
}

char **spec_scheduler__argv(const struct spec_scheduler *s)
{
	_cleanup_free_ char *cfg = spec_scheduler__config_guest_path(s);
	char **v = NULL;
	size_t n = 0;

	for (char **a = s->args; a && *a; a++)
		*(char **)array_push(&v, &n, sizeof(char *)) = expand(*a, cfg);
	for (char **f = s->flags; f && *f; f++) {
		const struct spec_flag_arg *fa = spec_scheduler__flag_arg(s, *f);

		for (char **a = fa ? fa->args : NULL; a && *a; a++)
			*(char **)array_push(&v, &n, sizeof(char *)) = expand(*a, cfg);
	}
	push(&v, &n, NULL);
	return v;
}
