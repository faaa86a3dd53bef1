/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live migration's arithmetic: rates, times to send, pacing and the
 * throttle.  Pure logic (no KVM, no sockets), tested by KUnit under UML.
 *
 * Byte counts of a whole migration times NSEC_PER_SEC overflow 64 bits
 * past 17.2 GiB, so every product goes through vmmig_conv_muldiv(), which
 * keeps 128 bits in between and saturates instead of wrapping.
 */
#ifndef _VMMIG_CONVERGE_H
#define _VMMIG_CONVERGE_H

#include <linux/types.h>

#define VMMIG_THROTTLE_FIRST_PCT	20	/* share held the first time */
#define VMMIG_THROTTLE_STEP_PCT		10	/* more each round after */
#define VMMIG_THROTTLE_MAX_PCT		99

u64 vmmig_conv_muldiv(u64 a, u64 b, u64 c);
u64 vmmig_conv_rate(u64 amount, u64 ns);
u64 vmmig_conv_ms(u64 bytes, u64 bandwidth);
u64 vmmig_conv_due_ns(u64 bytes, u64 cap);
bool vmmig_conv_outpaced(u64 newly_bytes, u64 sent_bytes);
u32 vmmig_conv_throttle_next(u32 pct);
u64 vmmig_conv_hold_ns(u64 ran_ns, u32 pct, u32 max_ms);

/*
 * The link's bandwidth from TCP's delivery-rate samples (tcp_info), over
 * the last two rounds.  Bytes read by the destination over time (its
 * PROGRESS answers) measure the link only while the source has more to
 * send than the link carries: a guest that dirties slowly makes a round
 * last as long as the guest takes, and that rate is the guest's, not the
 * link's (the final round, with the guest paused, goes as fast as the
 * link).  TCP knows which of its samples were application-limited: those
 * only say that the link carries at least that much, and count only when
 * they raise the estimate; the others measure it.  A windowed max, as BBR
 * keeps one.
 */
struct vmmig_conv_bw {
	u64 cur;	/* bytes/s: the highest sample of this round */
	u64 prev;	/* of the round before */
};

void vmmig_conv_bw_sample(struct vmmig_conv_bw *bw, u64 rate,
			  bool app_limited);
void vmmig_conv_bw_next_round(struct vmmig_conv_bw *bw);
u64 vmmig_conv_bw_get(const struct vmmig_conv_bw *bw);

#endif /* _VMMIG_CONVERGE_H */
