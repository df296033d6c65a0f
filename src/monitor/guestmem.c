// SPDX-License-Identifier: GPL-2.0-only
/* Guest RAM seen from the host: memfd-backed node backends and q35's physical layout. */
#include <errno.h>
#include <sys/mman.h>

#include "monitor/monitor.h"

#define GIB (1ULL << 30)
#define FOUR_GIB (4 * GIB)

/*
 * QEMU 7.2 pc_q35_init(): lowmem = ram_size >= 0xb0000000 ? 2 GiB :
 * 0xb0000000 (max-ram-below-4g defaults to 4 GiB and does not lower it);
 * RAM up to lowmem is mapped at 0, the rest at 4 GiB.
 */
uint64_t guestmem__q35_below_4g(uint64_t total)
{
	uint64_t lowmem = total >= 0xb0000000ULL ? 2 * GIB : 0xb0000000ULL;

	return MIN(total, lowmem);
}

static void layout(struct guestmem *g)
{
	g->total = 0;
	for (unsigned i = 0; i < g->nnodes; i++)
		g->total += g->node[i].size;
}

int guestmem__create(const uint64_t *node_bytes, unsigned nnodes, struct guestmem **out)
{
	struct guestmem *g;
	int ret = 0;

	*out = NULL;
	if (!nnodes || nnodes > MONITOR_MAX_NODES)
		return -EINVAL;
	g = xcalloc(1, sizeof(*g));
	g->nnodes = nnodes;
	for (unsigned i = 0; i < nnodes; i++)
		g->node[i].fd = -1;
	for (unsigned i = 0; i < nnodes && !ret; i++) {
		char name[32];
		void *p;

		snprintf(name, sizeof(name), "ktstr-ram%u", i);
		g->node[i].fd = memfd_create(name, MFD_CLOEXEC);
		if (g->node[i].fd < 0) {
			ret = -errno;
			break;
		}
		g->node[i].size = node_bytes[i];
		if (ftruncate(g->node[i].fd, (off_t)node_bytes[i]) < 0) {
			ret = -errno;
			break;
		}
		/* read-only: the host never writes the guest's memory */
		p = mmap(NULL, node_bytes[i], PROT_READ, MAP_SHARED, g->node[i].fd, 0);
		if (p == MAP_FAILED) {
			ret = -errno;
			break;
		}
		g->node[i].map = p;
	}
	if (ret) {
		guestmem__free(g);
		return ret;
	}
	layout(g);
	g->below_4g = guestmem__q35_below_4g(g->total);
	*out = g;
	return 0;
}

struct guestmem *guestmem__from_buffers(const uint8_t *const *bufs, const uint64_t *sizes,
					unsigned nnodes, uint64_t below_4g)
{
	struct guestmem *g = xcalloc(1, sizeof(*g));

	g->nnodes = MIN(nnodes, (unsigned)MONITOR_MAX_NODES);
	g->borrowed = true;
	for (unsigned i = 0; i < g->nnodes; i++) {
		g->node[i].fd = -1;
		g->node[i].map = bufs[i];
		g->node[i].size = sizes[i];
	}
	layout(g);
	g->below_4g = MIN(below_4g, g->total);
	return g;
}

uint64_t guestmem__phys_end(const struct guestmem *g)
{
	if (g->total <= g->below_4g)
		return g->total;
	return FOUR_GIB + (g->total - g->below_4g);
}

/* Guest-physical -> offset in the concatenated RAM block; false in a hole. */
static bool ram_offset(const struct guestmem *g, uint64_t pa, uint64_t *off)
{
	if (pa < g->below_4g) {
		*off = pa;
		return true;
	}
	if (pa >= FOUR_GIB && pa - FOUR_GIB < g->total - g->below_4g) {
		*off = g->below_4g + (pa - FOUR_GIB);
		return true;
	}
	return false;
}

int guestmem__read(const struct guestmem *g, uint64_t pa, void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len) {
		uint64_t off, end_pa;
		size_t chunk;
		unsigned i;

		if (!ram_offset(g, pa, &off))
			return -EFAULT;
		/* stay inside the region (below or above 4 GiB) that pa is in */
		end_pa = pa < g->below_4g ? g->below_4g : guestmem__phys_end(g);
		for (i = 0; i < g->nnodes && off >= g->node[i].size; i++)
			off -= g->node[i].size;
		if (i == g->nnodes)
			return -EFAULT;
		chunk = MIN((uint64_t)len, g->node[i].size - off);
		chunk = MIN((uint64_t)chunk, end_pa - pa);
		if (!chunk)
			return -EFAULT;
		memcpy(out, g->node[i].map + off, chunk);
		out += chunk;
		pa += chunk;
		len -= chunk;
	}
	return 0;
}

int guestmem__write_u64(const struct guestmem *g, uint64_t pa, uint64_t v)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t off, pgoff;
	unsigned i;
	void *p;

	if (pa & 7)
		return -EINVAL;
	if (!ram_offset(g, pa, &off))
		return -EFAULT;
	for (i = 0; i < g->nnodes && off >= g->node[i].size; i++)
		off -= g->node[i].size;
	if (i == g->nnodes || off + 8 > g->node[i].size)
		return -EFAULT;
	if (g->borrowed) {
		__atomic_store_n((uint64_t *)(uintptr_t)(g->node[i].map + off), v, __ATOMIC_SEQ_CST);
		return 0;
	}
	/* the one page, writable for this store only; the memfd is QEMU's RAM, MAP_SHARED */
	pgoff = off & ~(uint64_t)(page - 1);
	p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, g->node[i].fd, (off_t)pgoff);
	if (p == MAP_FAILED)
		return -errno;
	__atomic_store_n((uint64_t *)((uint8_t *)p + (off - pgoff)), v, __ATOMIC_SEQ_CST);
	munmap(p, (size_t)page);
	return 0;
}

void guestmem__free(struct guestmem *g)
{
	if (!g)
		return;
	for (unsigned i = 0; i < g->nnodes && !g->borrowed; i++) {
		if (g->node[i].map)
			munmap((void *)g->node[i].map, g->node[i].size);
		if (g->node[i].fd >= 0)
			close(g->node[i].fd);
	}
	free(g);
}
