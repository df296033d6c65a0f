/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Finding and opening scheduler plugins: build tree, KTSTR_PLUGIN_PATH, the
 * installed plugin directory. ABI version and size are checked on open.
 */
#ifndef KTSTR_LOADER_H
#define KTSTR_LOADER_H

#include <ktstr/plugin.h>
#include "spec/thresholds.h"

/*
 * Every ABI 1 plugin has at least the ABI 1 struct (fields are only ever
 * appended); fields added later must be checked against ops->sz before use.
 */
#define PLUGIN_MIN_SZ (offsetof(struct ktstr_plugin, detach) + sizeof(void (*)(void)))

struct plugin {
	void *handle;			/* dlopen handle; NULL for an inspected plugin */
	const struct ktstr_plugin *ops;
	char *path;
	void **mem;			/* inspected: the copies ops points into (owned) */
	size_t nmem;
};

/*
 * name is a plugin name ("eevdf") or a path to a .so. plugin__open()
 * dlopen()s it: its constructors and, later, its host hooks run. Only a real
 * run opens a plugin.
 */
int plugin__open(const char *name, struct plugin **out, char **err);
/*
 * The same descriptor read from the ELF file without running anything in it
 * (src/plugin/inspect.c, host only): --lint, --list and --dry-run. Strings
 * and arrays are copied; every function pointer in ops is NULL.
 */
int plugin__inspect(const char *name, struct plugin **out, char **err);
/* The path plugin__open() and plugin__inspect() load for name (malloc'ed), or NULL with *err. */
char *plugin__resolve(const char *name, char **err);
/* The ABI checks both apply to a descriptor (version, size, name). */
int plugin__check_abi(const struct ktstr_plugin *ops, const char *path, char **err);
/* Its kargs and sysctls under the rules a spec's follow (spec/cmdline.h). */
int plugin__check_cmdline(const struct ktstr_plugin *ops, const char *path, char **err);
/* Where plugin__open would look, for error messages and --list-plugins. */
char *plugin__search_path(void);
/*
 * The scheduler layer of the threshold merge: a plugin's {name, value} list
 * ({NULL} terminated) read by threshold__parse(), the reader specs use, so a
 * value a spec may not give (max_spread_pct 500) is refused from a plugin
 * too. On error *err (malloc'd) names the plugin, the threshold and what
 * would be right, and -EINVAL is returned. plugin__thresholds() reads an
 * opened plugin's list; plugin_thresholds__parse() any list (e.g. one read
 * from a plugin file without running it).
 */
int plugin_thresholds__parse(const char *plugin, const struct ktstr_threshold *t,
			     struct thresholds *out, char **err);
int plugin__thresholds(const struct plugin *p, struct thresholds *out, char **err);
/* Check spec flags against the plugin's declarations (unknown, requires, excludes). */
int plugin__check_flags(const struct plugin *p, const char *const *flags, char **err);
void plugin__close(struct plugin *p);

/*
 * Host callbacks for code that runs a plugin outside the guest agent (tests,
 * host-side validation): logs go to util/log.h, artifacts and events to the
 * debug log. The guest agent passes its own, which forward over the channel.
 */
extern const struct ktstr_host plugin_default_host;

#endif
