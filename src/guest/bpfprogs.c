// SPDX-License-Identifier: GPL-2.0-only
/*
 * The attached scheduler's BPF programs as the kernel reports them: every
 * struct_ops program loaded since a mark taken before attach, with its
 * struct bpf_prog_info figures (the verifier's verified_insns among them).
 * Program ids come from the kernel's cyclic idr, so a program the scheduler
 * loads has an id above every id that existed before it started; that holds
 * for a dlopen-ed plugin and an exec'd binary alike.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "guest/guest.h"
#include "util/util.h"

/* Walk the loaded programs: the next id after id, 0 at the end, or -errno. */
static int next_id(uint32_t id, uint32_t *next)
{
	if (bpf_prog_get_next_id(id, next))
		return errno == ENOENT ? (*next = 0, 0) : -errno;
	return 0;
}

int guest_bpf_progs__mark(uint32_t *mark)
{
	uint32_t id = 0, next;
	int ret;

	while (!(ret = next_id(id, &next)) && next)
		id = next;
	*mark = id;
	return ret;
}

int guest_bpf_progs__collect(uint32_t mark, struct msg_bpf_prog **out, size_t *n)
{
	uint32_t id = mark, next;
	int ret;

	*out = NULL;
	*n = 0;
	while (!(ret = next_id(id, &next)) && next) {
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);
		struct msg_bpf_prog *p;
		int fd;

		id = next;
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0) {
			if (errno == ENOENT)	/* unloaded meanwhile: not the attached scheduler's */
				continue;
			ret = -errno;
			break;
		}
		memset(&info, 0, sizeof(info));
		ret = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
		close(fd);
		if (ret)
			break;
		if (info.type != BPF_PROG_TYPE_STRUCT_OPS)
			continue;
		p = array_push(out, n, sizeof(*p));
		*p = (struct msg_bpf_prog){
			.name = xstrndup(info.name, sizeof(info.name)), .id = info.id,
			.verified_insns = info.verified_insns,
			.xlated_len = info.xlated_prog_len, .jited_len = info.jited_prog_len,
			.run_cnt = info.run_cnt, .run_time_ns = info.run_time_ns,
			.recursion_misses = info.recursion_misses,
		};
	}
	if (ret) {
		msg_bpf_progs__free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return ret;
}
