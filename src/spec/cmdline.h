/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest kernel's command line: the words the harness owns, and the rules
 * for what a spec or a plugin may add (kargs) or set (sysctls). One place,
 * used by the validator, the plugin loader, QEMU's -append and the guest.
 */
#ifndef KTSTR_SPEC_CMDLINE_H
#define KTSTR_SPEC_CMDLINE_H

#include <stddef.h>

/* The command line every ktstr VM boots with, NULL-terminated. */
extern const char *const spec_cmdline_base[];

/*
 * NULL when word may be added to the kernel command line, else why not
 * (malloc'ed): one argument of printable ASCII, a quoted value allowed
 * (name="a b"), and not a parameter the harness owns.
 */
char *spec_karg__check(const char *word);
/*
 * NULL when kv ("kernel.foo=1") may be set, else why not (malloc'ed): a
 * dotted or slash key of [A-Za-z0-9_.-/] with no empty, "." or ".."
 * component, a value without control characters, not a sysctl the harness
 * sets itself.
 */
char *spec_sysctl__check(const char *kv);
/* The /proc/sys path of a checked key: dots separate unless the key has a '/'. */
char *spec_sysctl__path(const char *key, size_t keylen);

#endif
