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

#endif /* _VMMIG_CONVERGE_H */
