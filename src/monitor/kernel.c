// SPDX-License-Identifier: GPL-2.0-only
/* The guest kernel's symbols (from the SYMS frame) and kernel-virtual -> guest-physical translation. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>

#include "kernel/kernel.h"
#include "monitor/monitor.h"

/* x86-64: the kernel image lives in the top 2 GiB (__START_KERNEL_map). */
#define START_KERNEL_MAP 0xffffffff80000000ULL
/* Kernel half of a 4-level address space; 5-level kernels sit below it. */
#define L4_KERNEL_START 0xffff800000000000ULL
#define PTE_PRESENT 0x1ULL
#define PTE_PSE 0x80ULL
#define PTE_ADDR 0x000ffffffffff000ULL

int monitor__pgwalk(const struct guestmem *g, uint64_t top_pa, bool la57, uint64_t va,
		    uint64_t *pa)
{
	static const unsigned shifts[] = { 48, 39, 30, 21, 12 };
	uint64_t table = top_pa;

	for (unsigned l = la57 ? 0 : 1; l < ARRAY_SIZE(shifts); l++) {
		unsigned shift = shifts[l];
		uint64_t e;
		int ret = guestmem__read(g, table + ((va >> shift) & 511) * 8, &e, sizeof(e));

		if (ret)
			return ret;
		if (!(e & PTE_PRESENT))
			return -EFAULT;
		if ((shift == 30 || shift == 21) && (e & PTE_PSE)) {
			uint64_t mask = (1ULL << shift) - 1;

			*pa = (e & PTE_ADDR & ~mask) | (va & mask);
			return 0;
		}
		table = e & PTE_ADDR;
	}
	*pa = table | (va & 0xfff);
	return 0;
}

int monitor_kernel__va_to_pa(const struct monitor_kernel *k, const struct guestmem *g,
			     uint64_t va, uint64_t *pa)
{
	if (va >= START_KERNEL_MAP) {
		*pa = va - k->text_va + k->text_pa;
		return 0;
	}
	if (k->page_offset && va >= k->page_offset &&
	    va - k->page_offset < guestmem__phys_end(g)) {
		*pa = va - k->page_offset;
		return 0;
	}
	if (!k->top_pgt_pa)
		return -EFAULT;
	return monitor__pgwalk(g, k->top_pgt_pa, k->la57, va, pa);
}

int monitor_kernel__read(const struct monitor_kernel *k, const struct guestmem *g,
			 uint64_t va, void *buf, size_t len)
{
	uint8_t *out = buf;

	/* page by page: a walked mapping is contiguous only within a page */
	while (len) {
		size_t chunk = MIN((uint64_t)len, 4096 - (va & 4095));
		uint64_t pa;
		int ret = monitor_kernel__va_to_pa(k, g, va, &pa);

		if (!ret)
			ret = guestmem__read(g, pa, out, chunk);
		if (ret)
			return ret;
		out += chunk;
		va += chunk;
		len -= chunk;
	}
	return 0;
}

int monitor_kernel__write_u64(const struct monitor_kernel *k, const struct guestmem *g,
			      uint64_t va, uint64_t v)
{
	uint64_t pa;
	int ret = monitor_kernel__va_to_pa(k, g, va, &pa);

	return ret ? ret : guestmem__write_u64(g, pa, v);
}

int monitor_kernel__init(struct monitor_kernel *k, const struct msg_syms *syms,
			 const struct guestmem *g, char **why)
{
	uint64_t top_pgt = 0, pob = 0;
	int ret;

	memset(k, 0, sizeof(*k));
	*why = NULL;
	if (!syms || !syms->nsyms) {
		*why = xstrdup("the guest sent no kernel symbols");
		return -ENOENT;
	}
	if (!msg_syms__get(syms, "_text", &k->text_va) || !syms->kernel_code) {
		*why = xstrdup("guest symbols lack _text or the kernel's physical address (/proc/iomem)");
		return -ENOENT;
	}
	k->text_pa = syms->kernel_code;
	{
		static const char *const need[] = { "runqueues", "__per_cpu_offset",
						     "page_offset_base" };
		uint64_t *dst[] = { &k->runqueues, &k->per_cpu_offset_va, &pob };

		for (size_t i = 0; i < ARRAY_SIZE(need); i++) {
			if (!msg_syms__get(syms, need[i], dst[i])) {
				*why = xasprintf("guest symbol %s missing (/proc/kallsyms)", need[i]);
				return -ENOENT;
			}
		}
		/* the direct map's base, randomised under KASLR: read it, never assume it */
		ret = monitor_kernel__read(k, g, pob, &k->page_offset, sizeof(k->page_offset));
		if (ret) {
			*why = xasprintf("page_offset_base at 0x%" PRIx64 " is outside guest RAM", pob);
			return -ENOENT;
		}
	}
	if (k->page_offset < 0xff00000000000000ULL || k->page_offset & 0x3fffffff) {
		*why = xasprintf("implausible page_offset_base 0x%" PRIx64, k->page_offset);
		return -ENOENT;
	}
	k->la57 = k->page_offset < L4_KERNEL_START;
	msg_syms__get(syms, "scx_root", &k->scx_root_va);
	msg_syms__get(syms, "jiffies_64", &k->jiffies_va);
	msg_syms__get(syms, "scx_watchdog_timeout", &k->wd_timeout_va);
	msg_syms__get(syms, "scx_watchdog_interval", &k->wd_interval_va);
	msg_syms__get(syms, "scx_watchdog_timestamp", &k->wd_timestamp_va);
	msg_syms__get(syms, "scx_watchdog_work", &k->wd_work_va);
	if (msg_syms__get(syms, "init_top_pgt", &top_pgt))
		k->top_pgt_pa = top_pgt - k->text_va + k->text_pa;
	k->ncpus = syms->ncpus;
	if (!k->ncpus || k->ncpus > MONITOR_MAX_CPUS) {
		*why = xasprintf("implausible CPU count %u", k->ncpus);
		return -ENOENT;
	}
	ret = monitor_kernel__read(k, g, k->per_cpu_offset_va, k->pcpu_off,
				   k->ncpus * sizeof(k->pcpu_off[0]));
	if (ret) {
		*why = xstrdup("__per_cpu_offset[] is outside guest RAM");
		return -ENOENT;
	}
	return 0;
}

/* 2: the watchdog override's symbols (jiffies_64, scx_watchdog_*) joined the list */
#define KSYMS_CACHE_VERSION 2

/*
 * The symbol cache of one kernel image: every symbol's distance from _text,
 * which KASLR does not change. With it the guest reads /proc/kallsyms only
 * up to _text (its first lines) instead of all of it (~1.6 s under TCG).
 */
char *monitor_ksyms__hint(const char *cache_path)
{
	/* a damaged cache would send the guest wrong addresses: only one its record vouches for */
	json_t *c = kernel_derived__usable(cache_path) ? json_load_file(cache_path, 0, NULL) : NULL;
	/* an older version lacks symbols the guest now asks for: a full pass saves them */
	json_t *offs = json_integer_value(json_object_get(c, "version")) == KSYMS_CACHE_VERSION ?
		       json_object_get(c, "offsets") : NULL;
	char *s = json_is_object(offs) && json_object_size(offs) ? json_dumps(offs, JSON_COMPACT) :
		  NULL;

	json_decref(c);
	return s;
}

int monitor_ksyms__save(const char *cache_path, const struct msg_syms *syms)
{
	json_t *offs, *c;
	_cleanup_free_ char *tmp = NULL;
	uint64_t text;
	int ret;

	if (!syms || syms->cached || !msg_syms__get(syms, "_text", &text))
		return -EINVAL;
	offs = json_object();
	for (size_t i = 0; i < syms->nsyms; i++) {
		const struct msg_ksym *s = &syms->syms[i];
		char hex[32];

		if (str_eq(s->name, "_text") || s->addr < text)
			continue;
		snprintf(hex, sizeof(hex), "0x%" PRIx64, s->addr - text);
		json_object_set_new(offs, s->name, json_string(hex));
	}
	tmp = xasprintf("%s.%d.%lx.tmp", cache_path, (int)getpid(), (unsigned long)pthread_self());
	c = json_pack("{s:i, s:o}", "version", KSYMS_CACHE_VERSION, "offsets", offs);
	ret = json_dump_file(c, tmp, JSON_INDENT(1)) ? -EIO : 0;
	json_decref(c);
	if (!ret)
		ret = kernel_derived__commit(tmp, cache_path);
	if (ret)
		unlink(tmp);
	return ret;
}

unsigned monitor__config_hz(const char *config_path)
{
	_cleanup_free_ char *text = NULL;
	const char *p;

	if (!config_path || read_file(config_path, &text, NULL))
		return 0;
	for (p = text; (p = strstr(p, "CONFIG_HZ=")); p++)
		if (p == text || p[-1] == '\n')
			return (unsigned)strtoul(p + 10, NULL, 10);
	return 0;
}
