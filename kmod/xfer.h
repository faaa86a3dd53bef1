/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Moving a stream: the source sends guest memory (send.c), the destination
 * receives it into its VM (recv.c), over sockets or to/from a file.  Both
 * run in a session's worker thread with the VMM's mm in use
 * (kthread_use_mm), and return VMMIG_REASON_NONE when the destination
 * acknowledged (source) or checked (destination) the whole stream, or the
 * reason they stopped.
 */
#ifndef _VMMIG_XFER_H
#define _VMMIG_XFER_H

#include <linux/types.h>

struct vmmig_session;

/* Module parameter: send all-zero pages as header-only ZERO records. */
extern bool vmmig_zero_detect;

u32 vmmig_send_run(struct vmmig_session *s);
u32 vmmig_recv_run(struct vmmig_session *s);

#endif /* _VMMIG_XFER_H */
