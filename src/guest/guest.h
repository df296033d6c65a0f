/* SPDX-License-Identifier: GPL-2.0-only */
/* The guest agent's pieces other guest code may reuse. */
#ifndef KTSTR_GUEST_H
#define KTSTR_GUEST_H

/*
 * Open the results channel: the virtio-serial port named "ktstr" when the
 * hint is a /dev/vport path (or NULL), else the hinted device (a UART, set
 * to raw mode). Returns an fd or -errno.
 */
int guest__open_channel(const char *hint);

#endif
