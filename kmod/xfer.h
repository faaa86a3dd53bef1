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

struct netlink_ext_ack;
struct nlattr;
struct page;
struct vmmig_channel;
struct vmmig_mem;
struct vmmig_session;

/* Module parameter: send all-zero pages as header-only ZERO records. */
extern bool vmmig_zero_detect;

u32 vmmig_send_run(struct vmmig_session *s);
u32 vmmig_recv_run(struct vmmig_session *s);
u32 vmmig_live_run(struct vmmig_session *s);

/* Building blocks of the source side (send.c), shared by live.c. */
int vmmig_send_rec(struct vmmig_channel *ch, u8 type, u32 slot, u64 gfn,
		   u16 count, const void *payload, u32 len, bool more);
int vmmig_send_pages(struct vmmig_session *s, struct vmmig_channel *ch,
		     const struct vmmig_mem *mem, u32 si, u64 off,
		     unsigned int n, struct page **pages);
u32 vmmig_send_hello(struct vmmig_channel *ch, const struct vmmig_mem *mem,
		     u64 features);
u32 vmmig_send_blob(struct vmmig_session *s, struct vmmig_channel *ch);
u32 vmmig_send_end(struct vmmig_session *s, struct vmmig_channel *ch);
u32 vmmig_send_wait_ack(struct vmmig_channel *ch, u64 pages);

/* VMM calls into a live source session (live.c). */
int vmmig_live_ring_full(struct vmmig_session *s, u32 vcpu_id,
			 const struct nlattr *attr,
			 struct netlink_ext_ack *extack);
int vmmig_live_report_dirty(struct vmmig_session *s, u64 gpa, u64 len,
			    const struct nlattr *attr,
			    struct netlink_ext_ack *extack);

#endif /* _VMMIG_XFER_H */
