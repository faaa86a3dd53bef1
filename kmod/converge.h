/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live migration's model: the link's bandwidth, the ready rule, pacing
 * and the throttle.  Pure logic (no KVM, no sockets), tested by KUnit
 * under UML; live.c feeds it what it measures.
 *
 * Byte counts of a whole migration times NSEC_PER_SEC overflow 64 bits
 * past 17.2 GiB, so every product goes through vmmig_conv_muldiv(), which
 * keeps 128 bits in between and saturates instead of wrapping.
 */
#ifndef _VMMIG_CONVERGE_H
#define _VMMIG_CONVERGE_H

#include <linux/sizes.h>
#include <linux/types.h>

#define VMMIG_THROTTLE_FIRST_PCT	20	/* the least share held */
#define VMMIG_THROTTLE_MAX_PCT		99
#define VMMIG_CONV_MIN_SAMPLE		SZ_1M	/* bytes for a bandwidth */
#define VMMIG_CONV_FLOOR_DIV		8	/* see vmmig_conv_next() */

enum vmmig_conv_next {
	VMMIG_CONV_ROUND,	/* another round */
	VMMIG_CONV_DRAIN,	/* wait for the data in flight */
	VMMIG_CONV_READY,	/* switch over */
};

u64 vmmig_conv_muldiv(u64 a, u64 b, u64 c);
u64 vmmig_conv_rate(u64 amount, u64 ns);
u64 vmmig_conv_ms(u64 bytes, u64 bandwidth);
u64 vmmig_conv_due_ns(u64 bytes, u64 cap);
bool vmmig_conv_fits(u64 bytes, u64 bandwidth, u32 downtime_ms);
enum vmmig_conv_next vmmig_conv_next(u64 left, u64 inflight, u64 bandwidth,
				     u64 dirty_rate, u32 downtime_ms,
				     bool fitted);
bool vmmig_conv_outpaced(u64 dirty_rate, u64 bandwidth);
u32 vmmig_conv_throttle_next(u32 pct, u64 dirty_rate, u64 bandwidth);
u64 vmmig_conv_hold_ns(u64 ran_ns, u32 pct, u32 max_ms);

/*
 * The bandwidth: how fast the destination reads the stream while it is
 * never short of data.  The destination answers each ROUND with the
 * stream bytes it has read; between two answers it read (r1, r2].  If
 * the source had sent r2 bytes already when the first answer came, all of
 * it was waiting there (in socket buffers or on the wire) and the
 * interval measures the link and the destination, whichever is slower:
 * the interval is busy.  If not, the destination waited for the source
 * some of the time (a guest that dirties slowly paces the round), and the
 * interval measures the guest: it is left out.  The rate is that of the
 * busy intervals of the last round that had enough of them.
 *
 * TCP's own delivery-rate samples are no substitute: they measure how
 * fast the peer's socket buffer takes data in, which on a fast link is
 * far above what the destination reads (over veth, gigabytes per second
 * against tens of megabytes).
 */
struct vmmig_conv_bw {
	u64 bytes;	/* busy intervals of this round: bytes read */
	u64 ns;		/* and their length */
	u64 rate;	/* bytes/s, 0: none yet */
};

bool vmmig_conv_busy(u64 read_end, u64 sent_at_start);
void vmmig_conv_bw_interval(struct vmmig_conv_bw *bw, u64 bytes, u64 ns,
			    bool busy);
u64 vmmig_conv_bw_round(struct vmmig_conv_bw *bw);

#endif /* _VMMIG_CONVERGE_H */
