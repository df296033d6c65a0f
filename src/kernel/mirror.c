// SPDX-License-Identifier: GPL-2.0-only
/* The host's Debian mirror and keyring, read (never changed) from its apt sources. */
#include <errno.h>
#include <glob.h>

#include "kernel/internal.h"

struct mirror {
	char *uri;
	char *signed_by;
};

/* Keep the first candidate, but let a ".../debian" archive displace a third-party one. */
static void offer(struct mirror *best, const char *uri, size_t ulen, const char *sb, size_t sblen)
{
	bool debian = (ulen >= 7 && !strncmp(uri + ulen - 7, "/debian", 7)) ||
		      (ulen >= 8 && !strncmp(uri + ulen - 8, "/debian/", 8));
	bool best_debian = best->uri && (str_endswith(best->uri, "/debian") ||
					 str_endswith(best->uri, "/debian/"));

	if (!ulen || memmem(uri, ulen, "security", 8))
		return;
	if (best->uri && (best_debian || !debian))
		return;
	free(best->uri);
	free(best->signed_by);
	best->uri = xstrndup(uri, ulen);
	best->signed_by = sb && sblen ? xstrndup(sb, sblen) : NULL;
}

static bool has_word(const char *s, const char *word)
{
	size_t l = strlen(word);

	for (s += strspn(s, " \t"); *s; s += strspn(s, " \t")) {
		size_t n = strcspn(s, " \t");

		if (n == l && !strncmp(s, word, l))
			return true;
		s += n;
	}
	return false;
}

/* deb822 stanzas: Types, URIs (first one), Signed-By (a path); blank lines separate. */
static void parse_deb822(char *text, struct mirror *best)
{
	char *uris = NULL, *sb = NULL, *line;
	bool deb = false, end = false;

	while (!end) {
		line = strsep(&text, "\n");
		end = !line;
		line = line ? str_trim(line) : NULL;
		if (!line || !*line) {
			if (deb && uris)
				offer(best, uris, strcspn(uris, " \t"), sb, sb ? strcspn(sb, " \t") : 0);
			uris = sb = NULL;
			deb = false;
			continue;
		}
		if (line[0] == '#')
			continue;
		if (str_startswith(line, "Types:"))
			deb = has_word(line + 6, "deb");
		else if (str_startswith(line, "URIs:"))
			uris = line + 5 + strspn(line + 5, " \t");
		else if (str_startswith(line, "Signed-By:"))
			sb = line + 10 + strspn(line + 10, " \t");
	}
}

/* One-line format: "deb [opt=v signed-by=/k.gpg] URI suite components". */
static void parse_list(char *text, struct mirror *best)
{
	char *line;

	while ((line = strsep(&text, "\n"))) {
		char *l = str_trim(line), *sb = NULL, *opts_end;
		size_t sblen = 0;

		if (!str_startswith(l, "deb ") && !str_startswith(l, "deb\t"))
			continue;
		l += 4;
		l += strspn(l, " \t");
		if (*l == '[') {
			opts_end = strchr(l, ']');
			if (!opts_end)
				continue;
			*opts_end = '\0';
			sb = strstr(l, "signed-by=");
			if (sb) {
				sb += 10;
				sblen = strcspn(sb, " \t");
			}
			l = opts_end + 1;
			l += strspn(l, " \t");
		}
		offer(best, l, strcspn(l, " \t"), sb, sblen);
	}
}

/* Feed every file matching @pattern (a glob) to @parse. */
static void parse_files(const char *pattern, void (*parse)(char *, struct mirror *), struct mirror *best)
{
	glob_t g;
	char *text;

	if (glob(pattern, 0, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		if (read_file(g.gl_pathv[i], &text, NULL) < 0)
			continue;
		parse(text, best);
		free(text);
	}
	globfree(&g);
}

int kernel_apt_mirror(const char *etc, char **uri, char **signed_by)
{
	struct mirror best = { 0 };
	_cleanup_free_ char *pat = xasprintf("%s/sources.list.d/*.sources", etc);
	_cleanup_free_ char *list = xasprintf("%s/sources.list", etc);
	_cleanup_free_ char *lpat = xasprintf("%s/sources.list.d/*.list", etc);

	parse_files(pat, parse_deb822, &best);
	parse_files(list, parse_list, &best);
	parse_files(lpat, parse_list, &best);
	*uri = best.uri;
	*signed_by = best.signed_by;
	return best.uri ? 0 : -ENOENT;
}
