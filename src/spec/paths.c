// SPDX-License-Identifier: GPL-2.0-only
/* The spec files a command-line argument names: a file, or a directory's spec files, recursively. */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "spec/spec.h"

/* Directories deeper than this are refused (a symlink loop cannot recurse: symlinks are not followed). */
#define SPEC_MAX_DIR_DEPTH 16

static int walk(const char *dir, int depth, char ***out, size_t *n, char **err)
{
	struct dirent **ents = NULL;
	int nents, r = 0;

	if (depth > SPEC_MAX_DIR_DEPTH) {
		*err = xasprintf("%s: directories nest deeper than %d levels", dir, SPEC_MAX_DIR_DEPTH);
		return -ELOOP;
	}
	nents = scandir(dir, &ents, NULL, alphasort);
	if (nents < 0) {
		r = -errno;
		*err = xasprintf("%s: %s", dir, strerror(errno));
		return r;
	}
	for (int i = 0; i < nents; i++) {
		const char *name = ents[i]->d_name;
		_cleanup_free_ char *path = NULL;
		struct stat st;

		if (r || name[0] == '.')	/* ".", "..", and hidden files and directories */
			continue;
		path = xasprintf("%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
		if (lstat(path, &st)) {
			r = -errno;
			*err = xasprintf("%s: %s", path, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			r = walk(path, depth + 1, out, n, err);
		} else if (S_ISREG(st.st_mode) && spec_path__is_spec_name(path)) {
			*(char **)array_push(out, n, sizeof(char *)) = path;
			path = NULL;
		}
	}
	for (int i = 0; i < nents; i++)
		free(ents[i]);
	free(ents);
	return r;
}

int spec_paths__expand(const char *arg, char ***out, size_t *n, char **err)
{
	struct stat st;
	int r;

	*out = NULL;
	*n = 0;
	*err = NULL;
	if (stat(arg, &st) || !S_ISDIR(st.st_mode)) {	/* a file, or what spec_file__load reports */
		*(char **)array_push(out, n, sizeof(char *)) = xstrdup(arg);
		return 0;
	}
	r = walk(arg, 0, out, n, err);
	if (!r && !*n) {
		*err = xasprintf("%s: a directory without spec files (*.yaml, *.yml, *.ini)", arg);
		r = -ENOENT;
	}
	if (r) {
		for (size_t i = 0; i < *n; i++)
			free((*out)[i]);
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return r;
}
