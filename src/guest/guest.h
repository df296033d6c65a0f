/* SPDX-License-Identifier: GPL-2.0-only */
/* The guest agent's pieces other guest code may reuse. */
#ifndef KTSTR_GUEST_H
#define KTSTR_GUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "proto/msg.h"

/*
 * Open the results channel: the virtio-serial port named "ktstr" when the
 * hint is a /dev/vport path (or NULL), else the hinted device (a UART, set
 * to raw mode). Returns an fd or -errno.
 */
int guest__open_channel(const char *hint);

/*
 * Read "ADDR TYPE NAME" lines of /proc/kallsyms from f into syms for the names in want (the first of each; module
 * symbols skipped), until all are found or, when to_text, until _text is
 * (the host knows the rest from their distance to it). Returns how many.
 */
size_t guest_ksyms__scan(FILE *f, const char *const *want, size_t nwant, bool to_text,
			 struct msg_syms *syms);

/*
 * The attached scheduler's struct_ops programs (src/guest/bpfprogs.c).
 * __mark() notes the highest program id loaded now, before attach;
 * __collect() returns, in *out (freed by the caller, names included), every
 * BPF_PROG_TYPE_STRUCT_OPS program loaded after that mark with its
 * bpf_prog_info figures. Both return 0 or -errno (nothing in *out then).
 */
int guest_bpf_progs__mark(uint32_t *mark);
int guest_bpf_progs__collect(uint32_t mark, struct msg_bpf_prog **out, size_t *n);

/*
 * Auto-repro (probe.c): put kprobe events on funcs (NULL-terminated) and
 * enable the scheduling tracepoints, then start tracing. *header (caller
 * frees) says which probes took and which the kernel refused, as "# "
 * lines. Returns 0 or -errno (tracefs unusable).
 */
int probe__setup(char *const *funcs, char **header);
/* Stop tracing; *out = header + the trace (caller frees). 0 or -errno. */
int probe__collect(const char *header, char **out, size_t *len);

#endif
