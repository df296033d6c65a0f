// SPDX-License-Identifier: GPL-2.0-only
/* What the harness puts on the guest kernel's command line, and what a spec may add. */
#include <ctype.h>

#include "spec/cmdline.h"
#include "util/util.h"

/*
 * Every word the harness's own design relies on: the agent is /init, the
 * console log is ttyS0, a panic reboots at once and reboot=t ends QEMU,
 * lockdown would hide kallsyms and BPF from the agent and the monitor, the
 * sysctls are what the workload and plugins need.
 */
const char *const spec_cmdline_base[] = {
	"console=ttyS0", "panic=-1", "rdinit=/init", "quiet", "nokaslr",
	"sysctl.kernel.sched_schedstats=1", "mitigations=off", "no_timer_check",
	"random.trust_cpu=on", "i8042.noaux", "i8042.nomux", "i8042.nopnp", "i8042.dumbkbd",
	"reboot=t", "lockdown=none", "sysctl.kernel.unprivileged_bpf_disabled=0",
	NULL,
};

/*
 * Parameters the harness adds on some VMs (qemu__kernel_cmdline: microvm's
 * pci=off, TCG's tsc_early_khz, a memory-only tier's numa_balancing) or that
 * would replace its /init (init=). loglevel is not here: specs raise it to
 * see the boot, and -v's loglevel=7 comes after theirs.
 */
static const char *const harness_added[] = { "pci", "tsc_early_khz", "numa_balancing", "init", NULL };

/* Sysctls the guest agent sets itself (the console gate needs KERN_INFO). */
static const char *const harness_sysctls[] = { "kernel.printk", NULL };

/* Kernel parameter names compare with '-' and '_' alike (the kernel's parameq). */
static bool param_eq(const char *a, size_t la, const char *b, size_t lb)
{
	if (la != lb)
		return false;
	for (size_t i = 0; i < la; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return true;
}

static size_t name_len(const char *w)
{
	return strcspn(w, "=");
}

/* "console, panic, rdinit, ..." for the message. */
static char *harness_names(void)
{
	char *s = xstrdup("");

	for (size_t i = 0; spec_cmdline_base[i]; i++) {
		const char *w = spec_cmdline_base[i];
		char *n;

		if (str_startswith(w, "sysctl."))
			continue;
		n = xasprintf("%s%s%.*s", s, *s ? ", " : "", (int)name_len(w), w);
		free(s);
		s = n;
	}
	for (size_t i = 0; harness_added[i]; i++) {
		char *n = xasprintf("%s, %s", s, harness_added[i]);

		free(s);
		s = n;
	}
	return s;
}

static bool harness_owns(const char *name, size_t len)
{
	for (size_t i = 0; spec_cmdline_base[i]; i++)
		if (param_eq(name, len, spec_cmdline_base[i], name_len(spec_cmdline_base[i])))
			return true;
	for (size_t i = 0; harness_added[i]; i++)
		if (param_eq(name, len, harness_added[i], strlen(harness_added[i])))
			return true;
	return false;
}

/*
 * A value the kernel's parser (next_arg) keeps in one argument: no white
 * space, no '"', or a whole value in quotes with spaces allowed inside.
 */
static bool bad_value(const char *v)
{
	size_t len = strlen(v);
	bool quoted = *v == '"';

	if (quoted && (len < 2 || v[len - 1] != '"'))
		return true;
	for (size_t i = quoted; i < len - quoted; i++)
		if (v[i] == '"' || (unsigned char)v[i] > 0x7e || (unsigned char)v[i] < 0x20 ||
		    (v[i] == ' ' && !quoted))
			return true;
	return false;
}

char *spec_karg__check(const char *w)
{
	size_t nl = name_len(w);
	const char *v = w[nl] ? w + nl + 1 : NULL;

	if (!*w)
		return xstrdup("an empty kernel argument");
	if (str_eq(w, "--"))
		return xstrdup("'--' ends the kernel's arguments and hands the rest to init");
	for (size_t i = 0; i < nl; i++)
		if (!isalnum((unsigned char)w[i]) && !strchr("_-.", w[i]))
			return xasprintf("kernel argument '%s': a parameter name is letters, digits, "
					 "'_', '-' and '.'", w);
	if (!nl)
		return xasprintf("kernel argument '%s' has no name before '='", w);
	if (v && bad_value(v))
		return xasprintf("kernel argument '%.*s': the value must be printable ASCII without "
				 "white space or '\"', or a whole value in quotes (%.*s=\"a b\")",
				 (int)nl, w, (int)nl, w);
	if (str_startswith(w, "sysctl."))
		return xasprintf("kernel argument '%s' sets a sysctl: write it under 'sysctls' (%s), where "
				 "a value the kernel refuses fails the test", w, w + 7);
	if (harness_owns(w, nl)) {
		_cleanup_free_ char *names = harness_names();

		return xasprintf("kernel argument '%.*s' is the harness's own (ktstr sets %s); "
				 "a test cannot change it", (int)nl, w, names);
	}
	return NULL;
}

/* Keys compare with '/' and '.' alike (kernel/printk is kernel.printk). */
static bool sysctl_eq(const char *a, size_t la, const char *b, size_t lb)
{
	if (la != lb)
		return false;
	for (size_t i = 0; i < la; i++)
		if ((a[i] == '/' ? '.' : a[i]) != (b[i] == '/' ? '.' : b[i]))
			return false;
	return true;
}

/* Calls fn on each sysctl key the harness sets (spec_cmdline_base's, the agent's). */
static bool each_harness_sysctl(bool (*fn)(const char *k, size_t kl, void *arg), void *arg)
{
	for (size_t i = 0; spec_cmdline_base[i]; i++) {
		const char *b = spec_cmdline_base[i];

		if (str_startswith(b, "sysctl.") && fn(b + 7, name_len(b + 7), arg))
			return true;
	}
	for (size_t i = 0; harness_sysctls[i]; i++)
		if (fn(harness_sysctls[i], strlen(harness_sysctls[i]), arg))
			return true;
	return false;
}

struct key {
	const char *k;
	size_t kl;
};

static bool key_matches(const char *k, size_t kl, void *arg)
{
	const struct key *want = arg;

	return sysctl_eq(want->k, want->kl, k, kl);
}

static bool harness_sysctl(const char *k, size_t kl)
{
	struct key want = { k, kl };

	return each_harness_sysctl(key_matches, &want);
}

static bool key_append(const char *k, size_t kl, void *arg)
{
	char **s = arg, *n = xasprintf("%s%s%.*s", *s, **s ? ", " : "", (int)kl, k);

	free(*s);
	*s = n;
	return false;
}

static char *harness_sysctl_names(void)
{
	char *s = xstrdup("");

	each_harness_sysctl(key_append, &s);
	return s;
}

char *spec_sysctl__check(const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t kl = eq ? (size_t)(eq - kv) : strlen(kv);
	const char *sep = memchr(kv, '/', kl) ? "/" : ".";

	if (!eq || !kl)
		return xasprintf("sysctl '%s' must be written key=value (e.g. kernel.sched_autogroup_enabled=0)",
				 kv);
	for (size_t i = 0; i < kl; i++)
		if (!isalnum((unsigned char)kv[i]) && !strchr("_-./", kv[i]))
			return xasprintf("sysctl key '%.*s': a key is letters, digits, '_', '-', '.' and '/'",
					 (int)kl, kv);
	/* every component non-empty and not . or ..: the path stays below /proc/sys */
	for (size_t i = 0; i < kl;) {
		size_t n = strcspn(kv + i, sep);

		n = MIN(n, kl - i);
		if (!n || (n == 1 && kv[i] == '.') || (n == 2 && kv[i] == '.' && kv[i + 1] == '.'))
			return xasprintf("sysctl key '%.*s' has an empty, '.' or '..' component", (int)kl, kv);
		i += n + 1;
		if (i == kl)
			return xasprintf("sysctl key '%.*s' ends in '%s'", (int)kl, kv, sep);
	}
	if (!eq[1])
		return xasprintf("sysctl '%.*s' has an empty value", (int)kl, kv);
	for (const char *p = eq + 1; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return xasprintf("sysctl '%.*s': the value has a control character (0x%02x)",
					 (int)kl, kv, (unsigned char)*p);
	if (strlen(eq + 1) >= 4096)
		return xasprintf("sysctl '%.*s': the value is longer than 4095 bytes", (int)kl, kv);
	if (harness_sysctl(kv, kl)) {
		_cleanup_free_ char *names = harness_sysctl_names();

		return xasprintf("sysctl '%.*s' is the harness's own (ktstr sets %s); a test cannot change it",
				 (int)kl, kv, names);
	}
	return NULL;
}

char *spec_sysctl__path(const char *key, size_t keylen)
{
	char *p = xasprintf("/proc/sys/%.*s", (int)keylen, key);

	if (!memchr(key, '/', keylen))
		for (char *s = p + strlen("/proc/sys/"); *s; s++)
			if (*s == '.')
				*s = '/';
	return p;
}
