// SPDX-License-Identifier: GPL-2.0
/*
 * Live migration's arithmetic (see converge.h).
 */
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/time64.h>

#include "converge.h"

/* The high 64 bits of the 128-bit product @a * @b. */
static u64 vmmig_mul_hi(u64 a, u64 b)
{
	u64 al = lower_32_bits(a), ah = upper_32_bits(a);
	u64 bl = lower_32_bits(b), bh = upper_32_bits(b);
	u64 ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	u64 mid = upper_32_bits(ll) + lower_32_bits(lh) + lower_32_bits(hl);

	return hh + upper_32_bits(lh) + upper_32_bits(hl) + upper_32_bits(mid);
}

/**
 * vmmig_conv_muldiv() - @a * @b / @c without overflow in between.
 * @a: a factor.
 * @b: the other.
 * @c: the divisor.
 *
 * Return: the quotient, rounded down; U64_MAX if it does not fit in 64
 * bits or @c is 0 (and @a * @b is not).
 */
u64 vmmig_conv_muldiv(u64 a, u64 b, u64 c)
{
	if (!a || !b)
		return 0;
	/* The quotient fits iff the product's high half is below @c. */
	if (!c || vmmig_mul_hi(a, b) >= c)
		return U64_MAX;
	return mul_u64_u64_div_u64(a, b, c);
}

/* @amount per @ns, as amount per second; @ns 0 counts as 1. */
u64 vmmig_conv_rate(u64 amount, u64 ns)
{
	return vmmig_conv_muldiv(amount, NSEC_PER_SEC, max_t(u64, ns, 1));
}

/* Milliseconds to send @bytes at @bandwidth bytes/s (U64_MAX: never). */
u64 vmmig_conv_ms(u64 bytes, u64 bandwidth)
{
	return vmmig_conv_muldiv(bytes, MSEC_PER_SEC, bandwidth);
}

/* When @bytes are due at @cap bytes/s, ns from the start of pacing. */
u64 vmmig_conv_due_ns(u64 bytes, u64 cap)
{
	return vmmig_conv_muldiv(bytes, NSEC_PER_SEC, cap);
}

/*
 * Did the guest dirty more in a round than half of what the link carried
 * meanwhile?  Then it outpaces the migration and is throttled.
 */
bool vmmig_conv_outpaced(u64 newly_bytes, u64 sent_bytes)
{
	return newly_bytes > sent_bytes / 2;
}

/* The throttle after a round that was outpaced: 20%, then +10% a round. */
u32 vmmig_conv_throttle_next(u32 pct)
{
	if (!pct)
		return VMMIG_THROTTLE_FIRST_PCT;
	return min_t(u32, pct + VMMIG_THROTTLE_STEP_PCT, VMMIG_THROTTLE_MAX_PCT);
}

/**
 * vmmig_conv_hold_ns() - how long to hold a vCPU at a ring-full exit.
 * @ran_ns: how long it ran since its last exit.
 * @pct: the throttle: the share of its time to hold it, 0..99.
 * @max_ms: the most per exit, 0: never hold.
 *
 * Holding @ran_ns * @pct / (100 - @pct) makes the vCPU spend @pct percent
 * of its time held.
 */
u64 vmmig_conv_hold_ns(u64 ran_ns, u32 pct, u32 max_ms)
{
	if (!pct || !max_ms)
		return 0;
	pct = min_t(u32, pct, VMMIG_THROTTLE_MAX_PCT);
	return min_t(u64, vmmig_conv_muldiv(ran_ns, pct, 100 - pct),
		     (u64)max_ms * NSEC_PER_MSEC);
}

/**
 * vmmig_conv_bw_sample() - one of TCP's delivery-rate samples.
 * @bw: the estimate.
 * @rate: bytes/s, 0: no sample yet.
 * @app_limited: taken while the sender had nothing queued.
 */
void vmmig_conv_bw_sample(struct vmmig_conv_bw *bw, u64 rate,
			  bool app_limited)
{
	if (app_limited && rate <= vmmig_conv_bw_get(bw))
		return;
	bw->cur = max(bw->cur, rate);
}

/* A round begins: samples older than the round before are forgotten. */
void vmmig_conv_bw_next_round(struct vmmig_conv_bw *bw)
{
	bw->prev = bw->cur;
	bw->cur = 0;
}

/* Bytes/s the link carries, by the samples of the last two rounds. */
u64 vmmig_conv_bw_get(const struct vmmig_conv_bw *bw)
{
	return max(bw->cur, bw->prev);
}
