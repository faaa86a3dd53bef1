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
#include <linux/vmmig_wire.h>

struct netlink_ext_ack;
struct nlattr;
struct page;
struct vmmig_channel;
struct vmmig_dirty_report;
struct vmmig_mem;
struct vmmig_session;

/*
 * What the destination sends back on a source's socket channel: with
 * VMMIG_WIRE_F_PROGRESS a PROGRESS for every ROUND, then one ACK after END.
 * Read by the source's worker only: between batches without blocking
 * (live.c), and blocking for the ACK at the end.
 */
struct vmmig_peer {
	u64 features;		/* the stream's HELLO features */
	u32 round_sent;		/* last ROUND the source sent */
	u32 asked;		/* ROUNDs sent, each to be answered */
	u32 answered;		/* PROGRESS records received */
	u32 round;		/* last PROGRESS: the round it answered */
	u64 bytes;		/* last PROGRESS: stream bytes received */
	bool acked;		/* @buf holds the ACK */
	u32 have;		/* bytes of @buf filled */
	u8 buf[sizeof(struct vmmig_wire_rec) + sizeof(struct vmmig_wire_ack)];
};

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
u32 vmmig_send_end(struct vmmig_session *s, struct vmmig_channel *ch,
		   struct vmmig_peer *peer);
u32 vmmig_send_peer_rx(struct vmmig_channel *ch, struct vmmig_peer *peer,
		       bool wait);
u32 vmmig_send_ack_reason(const struct vmmig_peer *peer, u64 pages);
u32 vmmig_send_ack_early(const struct vmmig_peer *peer, u64 pages);
u32 vmmig_send_commit(struct vmmig_session *s, struct vmmig_channel *ch);

/* VMM calls into a live source session (live.c). */
int vmmig_live_ring_full(struct vmmig_session *s, u32 vcpu_id,
			 const struct nlattr *attr,
			 struct netlink_ext_ack *extack);
int vmmig_live_report_dirty(struct vmmig_session *s,
			    const struct vmmig_dirty_report *r, unsigned int n,
			    unsigned int *bad, struct netlink_ext_ack *extack);
int vmmig_live_check_logging(struct vmmig_session *s,
			     struct netlink_ext_ack *extack);

#endif /* _VMMIG_XFER_H */
