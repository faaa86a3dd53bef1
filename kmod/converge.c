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

/**
 * vmmig_conv_fits() - the ready rule: would @bytes (the pages left and
 * what is still in flight) reach the destination within @downtime_ms?
 * @bytes: to send.
 * @bandwidth: bytes/s; 0 (not measured yet) never fits.
 * @downtime_ms: the VMM's downtime target.
 */
bool vmmig_conv_fits(u64 bytes, u64 bandwidth, u32 downtime_ms)
{
	return vmmig_conv_ms(bytes, bandwidth) <= downtime_ms;
}

/*
 * Does the guest dirty memory faster than half the link carries?  Then
 * each round leaves at least half of it to the next, and it is throttled.
 */
bool vmmig_conv_outpaced(u64 dirty_rate, u64 bandwidth)
{
	return bandwidth && dirty_rate > bandwidth / 2;
}

/**
 * vmmig_conv_next() - the ready rule: after a round, what now.
 * @left: bytes of the pages left to send.
 * @inflight: bytes sent that the destination has not read yet.
 * @bandwidth: bytes/s the link carries.
 * @dirty_rate: bytes/s the guest dirtied in the last round.
 * @downtime_ms: the VMM's downtime target.
 * @fitted: what an earlier round left fitted downtime-ms already.
 *
 * What is left and what is in flight must both reach the destination
 * after the pause, so both must fit downtime-ms; until they do, another
 * round.  At the first round whose leftovers fit, one more round still
 * pays if the guest does not outpace the link (vmmig_conv_outpaced())
 * and what is left takes more than a VMMIG_CONV_FLOOR_DIV-th of
 * downtime-ms: that round sends it while the guest runs and leaves at
 * most half of it to the pause (a few times less, mostly), at the cost of
 * the pages sent twice.  Only one: each further round would gain less and
 * cost a round.  (QEMU pauses at the first fit: its downtime is all that
 * its last round left.)  Then, while data is in
 * flight and the guest dirties more slowly than the link drains it,
 * waiting makes the downtime shorter (an idle guest's is then only the
 * switchover itself); a guest that dirties as fast as the link or faster
 * gains nothing by the wait.
 *
 * Return: VMMIG_CONV_ROUND, VMMIG_CONV_DRAIN (wait for what is in
 * flight) or VMMIG_CONV_READY (the VMM should switch over now).
 */
enum vmmig_conv_next vmmig_conv_next(u64 left, u64 inflight, u64 bandwidth,
				     u64 dirty_rate, u32 downtime_ms,
				     bool fitted)
{
	if (!vmmig_conv_fits(left, bandwidth, downtime_ms))
		return VMMIG_CONV_ROUND;
	if (!fitted && !vmmig_conv_outpaced(dirty_rate, bandwidth) &&
	    vmmig_conv_ms(left, bandwidth) > downtime_ms / VMMIG_CONV_FLOOR_DIV)
		return VMMIG_CONV_ROUND;
	if (vmmig_conv_fits(left + inflight, bandwidth, downtime_ms) &&
	    (!inflight || dirty_rate >= bandwidth))
		return VMMIG_CONV_READY;
	return VMMIG_CONV_DRAIN;
}

/**
 * vmmig_conv_throttle_next() - the throttle after a round.
 * @pct: the share of its time each vCPU is held now, 0..99.
 * @dirty_rate: bytes/s the guest dirtied in the round (held as it was).
 * @bandwidth: bytes/s the link carries.
 *
 * A guest that outpaces the link is held for the share that brings its
 * rate down to half the link, from the first round that shows it, not
 * a step a round: running (100 - @pct)% of the time it dirtied
 * @dirty_rate, so running (100 - @pct) * @bandwidth / (2 * @dirty_rate)
 * percent it dirties half the link.  That is always more than @pct; at
 * least VMMIG_THROTTLE_FIRST_PCT, at most VMMIG_THROTTLE_MAX_PCT.  A guest
 * that no longer outpaces the link keeps its throttle (lifting it would
 * only let it outpace the link again).
 *
 * Return: the new share.
 */
u32 vmmig_conv_throttle_next(u32 pct, u64 dirty_rate, u64 bandwidth)
{
	u64 run;

	if (!vmmig_conv_outpaced(dirty_rate, bandwidth))
		return pct;
	pct = min_t(u32, pct, VMMIG_THROTTLE_MAX_PCT);
	/* Below 100 - pct: outpaced, the guest dirtied over half the link. */
	run = vmmig_conv_muldiv(100 - pct, bandwidth, dirty_rate) / 2;
	return clamp_t(u32, 100 - (u32)run, VMMIG_THROTTLE_FIRST_PCT,
		       VMMIG_THROTTLE_MAX_PCT);
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
 * vmmig_conv_busy() - was an interval between two answers busy?
 * @read_end: stream bytes the destination had read at the second answer.
 * @sent_at_start: stream bytes the source had sent at the first.
 *
 * Return: true if all the destination read in between was sent before
 * the interval began (see struct vmmig_conv_bw).
 */
bool vmmig_conv_busy(u64 read_end, u64 sent_at_start)
{
	return read_end <= sent_at_start;
}

/**
 * vmmig_conv_bw_interval() - the destination read @bytes in @ns.
 * @bw: the estimate.
 * @bytes: bytes read in the interval.
 * @ns: its length.
 * @busy: by vmmig_conv_busy(); other intervals are left out.
 */
void vmmig_conv_bw_interval(struct vmmig_conv_bw *bw, u64 bytes, u64 ns,
			    bool busy)
{
	if (!busy || !ns)
		return;
	bw->bytes += bytes;
	bw->ns += ns;
}

/**
 * vmmig_conv_bw_round() - a round ended: its busy intervals give the
 * bandwidth if they add up to VMMIG_CONV_MIN_SAMPLE bytes; otherwise the
 * last round's stands.
 * @bw: the estimate; its intervals start again.
 *
 * Return: the bandwidth, bytes/s; 0 if no round had enough yet.
 */
u64 vmmig_conv_bw_round(struct vmmig_conv_bw *bw)
{
	if (bw->bytes >= VMMIG_CONV_MIN_SAMPLE)
		bw->rate = vmmig_conv_rate(bw->bytes, bw->ns);
	bw->bytes = 0;
	bw->ns = 0;
	return bw->rate;
}
