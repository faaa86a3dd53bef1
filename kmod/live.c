// SPDX-License-Identifier: GPL-2.0
/*
 * Live migration, source side: iterative pre-copy while the guest runs,
 * convergence, switchover.
 *
 * Round 0 sends every page; each later round sends what the guest dirtied
 * meanwhile (dirty.c harvests KVM's dirty rings into a bitmap between
 * batches).  After each round the worker measures the round's bandwidth
 * and dirty rate; once what is left would take no longer than downtime-ms
 * to send, the session is ready (an event tells the VMM) and keeps sending
 * what is dirtied until the VMM has paused its vCPUs and called
 * session-switchover.  Then the worker harvests once more, sends the rest
 * and the VMM's blob, and completes when the destination acknowledged.
 *
 * "What is left" counts what is in flight too: bytes sent that the
 * destination has not read yet (socket buffers on both sides, the
 * network) must reach it before its ACK, so after the pause.  The
 * destination answers every ROUND with the stream bytes it has read
 * (PROGRESS); when the pages left fit but not with the data in flight,
 * the worker sends a ROUND and waits for the answer.  The source also
 * sends a ROUND every VMMIG_LIVE_ASK_BYTES within a round: the answers
 * give the bandwidth as the destination sees it (bytes read over time),
 * not as the source's socket buffers take it in, which for a round of a
 * few megabytes can be many times the link; intervals in which the
 * destination waited for the source (a slow guest paces the round) are
 * left out (converge.h: struct vmmig_conv_bw).
 *
 * A guest that dirties memory faster than half the link carries is slowed
 * at its ring-full exits (vmmig_live_ring_full()): the VMM's vCPU thread
 * is held for a share of the time it ran since its last exit, the share
 * that brings its rate down to half the link (vmmig_conv_throttle_next(),
 * from the first round that shows it), never longer than throttle-max-ms
 * per exit.  While throttling, the worker harvests only between rounds so
 * that the rings do fill up.
 *
 * Every failure before the destination's acknowledgment returns a reason;
 * the worker then hands the dirty rings back (drained and reset) and the
 * source VM can resume with its memory untouched (vmmig only ever reads
 * it, and never changes a memslot: dirty logging is the VMM's to turn on
 * and off, see dirty.h).
 */
#include <linux/kthread.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <net/netlink.h>

#include "compat.h"
#include "converge.h"
#include "dirty.h"
#include "mem.h"
#include "session.h"
#include "state.h"
#include "xfer.h"

#define VMMIG_LIVE_IDLE_MS	10	/* harvest period with nothing to send */
#define VMMIG_LIVE_ASK_BYTES	SZ_2M	/* sent between two ROUNDs in a round */

struct vmmig_live {
	struct vmmig_session *s;
	struct vmmig_channel *ch;
	struct vmmig_mem *mem;
	struct page **pages;
	u32 round;		/* current round */
	bool in_round;		/* @round's sweep has begun */
	bool final_early;	/* ... after ready: the final round's start */
	u64 bandwidth;		/* bytes/s, last good sample */
	u64 dirty_rate;		/* bytes/s the guest dirtied last round */
	bool fits;		/* what the last round left fitted downtime */
	bool fitted;		/* so did what an earlier round left */
	ktime_t round_start;
	u64 round_bytes;	/* stats.bytes at round start */
	u64 round_pages;	/* stats.pages at round start */
	u64 round_dirty;	/* pages dirty when the round began */
	ktime_t paced_since;	/* bandwidth cap: start of accounting */
	u64 paced_bytes;
	ktime_t last_sent;	/* last record sent (keepalive) */
	struct vmmig_peer peer;	/* what the destination sent back */
	ktime_t peer_at;	/* when its last PROGRESS came, 0: none yet */
	u64 peer_sent;		/* ch->sent then */
	u64 asked_sent;		/* ch->sent when the last ROUND went out */
	struct vmmig_conv_bw bw;	/* the destination's busy intervals */
	u32 params_gen;		/* of the tunables in force (session-set) */
};

static bool vmmig_live_ended(struct vmmig_session *s)
{
	return vmmig_state_is_final(READ_ONCE(s->state));
}

/* The worker must stop: cancelled, ended or asked to stop. */
static bool vmmig_live_stopping(struct vmmig_session *s)
{
	return kthread_should_stop() || vmmig_live_ended(s);
}

/*
 * Take up what session-set changed.  The tunables are read with READ_ONCE
 * wherever they are used; a decision to announce ready names the
 * generation it was made under (vmmig_session_ready()).  Whether an
 * earlier round's leftovers fitted was said of the old downtime-ms.
 */
static void vmmig_live_retune(struct vmmig_live *l)
{
	/* Pairs with session-set's release: the tunables are this new. */
	u32 gen = smp_load_acquire(&l->s->params_gen);

	if (gen == l->params_gen)
		return;
	l->params_gen = gen;
	l->fits = false;
	l->fitted = false;
}

/* Announce ready, unless session-set changed the tunables meanwhile. */
static bool vmmig_live_ready(struct vmmig_live *l)
{
	return vmmig_session_ready(l->s, l->params_gen);
}

static bool vmmig_live_switching(struct vmmig_session *s)
{
	return READ_ONCE(s->state) == VMMIG_STATE_SWITCHOVER;
}

static u32 vmmig_live_send_round(struct vmmig_live *l, u64 remaining)
{
	struct vmmig_wire_round r = {
		.round = cpu_to_be32(l->round),
		.remaining = cpu_to_be64(remaining),
	};
	int err;

	l->peer.round_sent = l->round;
	if (l->peer.features & VMMIG_WIRE_F_PROGRESS)
		l->peer.asked++;
	/*
	 * The destination answers it (PROGRESS): it ends the burst.  A
	 * corked TCP tail goes out at the next ACK anyway, but a kTLS
	 * record that MSG_MORE holds open goes out only with the next send.
	 */
	err = vmmig_send_rec(l->ch, VMMIG_WIRE_ROUND, 0, 0, 0, &r, sizeof(r),
			     false);
	l->last_sent = ktime_get();
	l->asked_sent = l->ch->sent;
	return err ? vmmig_channel_reason(err) : VMMIG_REASON_NONE;
}

static u32 vmmig_live_harvest(struct vmmig_live *l)
{
	u64 ns;
	int n = vmmig_dirty_harvest(&l->s->dirty, &ns);

	atomic64_add(ns, &l->s->stats.harvest_ns);
	if (n == -ESTALE)
		return VMMIG_REASON_MEMSLOT_CHANGED;
	if (n == -EINTR)
		return VMMIG_REASON_CANCEL;	/* the worker is being stopped */
	if (n < 0)
		return VMMIG_REASON_DIRTY_LOG;
	atomic64_add(n, &l->s->stats.dirty_pages);
	atomic64_set(&l->s->stats.remaining,
		     vmmig_dirty_remaining(&l->s->dirty));
	return VMMIG_REASON_NONE;
}

/*
 * Read what the destination sent back, without blocking.  A new answer
 * ends a bandwidth interval (see struct vmmig_conv_bw).
 */
static u32 vmmig_live_peer(struct vmmig_live *l)
{
	u64 bytes = l->peer.bytes;
	ktime_t now;
	u32 reason;

	if (!(l->peer.features & VMMIG_WIRE_F_PROGRESS))
		return VMMIG_REASON_NONE;
	reason = vmmig_send_peer_rx(l->ch, &l->peer, false);
	if (l->peer.bytes != bytes) {
		now = ktime_get();
		if (l->peer_at)
			vmmig_conv_bw_interval(&l->bw, l->peer.bytes - bytes,
					       ktime_to_ns(ktime_sub(now, l->peer_at)),
					       vmmig_conv_busy(l->peer.bytes,
							       l->peer_sent));
		l->peer_at = now;
		l->peer_sent = l->ch->sent;
	}
	if (reason || !l->peer.acked)
		return reason;
	return vmmig_send_ack_early(&l->peer,
				    atomic64_read(&l->s->stats.pages));
}

/* Time for a ROUND within a round, so that an answer measures the link? */
static bool vmmig_live_ask(const struct vmmig_live *l)
{
	return (l->peer.features & VMMIG_WIRE_F_PROGRESS) &&
	       l->ch->sent - l->asked_sent >= VMMIG_LIVE_ASK_BYTES;
}

/* Bytes sent that the destination has not reported reading yet. */
static u64 vmmig_live_inflight(const struct vmmig_live *l)
{
	if (!(l->peer.features & VMMIG_WIRE_F_PROGRESS))
		return 0;
	return l->ch->sent - l->peer.bytes;
}

/*
 * After a round: another one, wait for the data in flight, or ready
 * (vmmig_conv_next()).  In flight counts from the last answer, so it errs
 * on the safe side.
 */
static enum vmmig_conv_next vmmig_live_next(const struct vmmig_live *l,
					    u64 remaining)
{
	return vmmig_conv_next(remaining * PAGE_SIZE, vmmig_live_inflight(l),
			       l->bandwidth, l->dirty_rate,
			       READ_ONCE(l->s->params.downtime_ms), l->fitted);
}

/* Stay under max-bandwidth: sleep until the bytes sent are due. */
static void vmmig_live_pace(struct vmmig_live *l, u64 bytes)
{
	u64 cap, due_ns, spent_ns;

	vmmig_live_retune(l);
	cap = READ_ONCE(l->s->params.max_bandwidth);
	if (!cap)
		return;
	l->paced_bytes += bytes;
	due_ns = vmmig_conv_due_ns(l->paced_bytes, cap);
	spent_ns = ktime_to_ns(ktime_sub(ktime_get(), l->paced_since));
	/* A new cap (session-set) is applied at once. */
	if (due_ns > spent_ns)
		wait_event_interruptible_timeout(l->s->wq,
						 vmmig_live_stopping(l->s) ||
						 READ_ONCE(l->s->params_gen) !=
						 l->params_gen,
						 nsecs_to_jiffies(due_ns - spent_ns));
	/* Keep the window short so that a pause is not paid back later. */
	if (spent_ns > NSEC_PER_SEC) {
		l->paced_since = ktime_get();
		l->paced_bytes = 0;
	}
}

/* The round has sent twice what was dirty when it began (and a batch). */
static bool vmmig_live_chasing(const struct vmmig_live *l)
{
	u64 sent = atomic64_read(&l->s->stats.pages) - l->round_pages;

	return sent > 2 * l->round_dirty + VMMIG_WIRE_MAX_COUNT;
}

/*
 * One pass over every memslot, sending the pages dirty now or dirtied
 * ahead of the cursor meanwhile.  With @final (vCPUs paused) nothing stops
 * it but an error.
 */
static u32 vmmig_live_sweep(struct vmmig_live *l, bool final)
{
	struct vmmig_session *s = l->s;
	u32 si, reason;

	for (si = 0; si < l->mem->layout.nr_slots; si++) {
		u64 pos = 0;

		for (;;) {
			u64 before = atomic64_read(&s->stats.bytes);
			unsigned int n;
			int sent;

			if (vmmig_live_stopping(s))
				return VMMIG_REASON_CANCEL;
			if (!final && vmmig_live_switching(s))
				return VMMIG_REASON_NONE;
			/*
			 * Throttled, the rings are harvested once a round (and
			 * at ring-full exits), so that they do fill up and the
			 * vCPUs come to be held.  A round that has sent twice
			 * what was dirty when it began is chasing the guest
			 * (pages written just ahead of the cursor, a few per
			 * batch, for as long as the guest writes): it stops
			 * harvesting and ends at the end of memory, so that
			 * it is measured and the next one starts.
			 */
			if (final || (!READ_ONCE(s->throttle_pct) &&
				      !vmmig_live_chasing(l))) {
				reason = vmmig_live_harvest(l);
				if (reason)
					return reason;
			}
			n = vmmig_dirty_take(&s->dirty, si, &pos,
					     VMMIG_WIRE_MAX_COUNT);
			if (!n)
				break;
			sent = vmmig_send_pages(s, l->ch, l->mem, si, pos, n,
						l->pages);
			if (sent < 0)
				return sent == -EFAULT ? VMMIG_REASON_IO_ERROR :
					vmmig_channel_reason(sent);
			/* The taken pages must all go: a hole is an error. */
			if (sent != n)
				return VMMIG_REASON_IO_ERROR;
			l->last_sent = ktime_get();
			pos += n;
			reason = vmmig_live_peer(l);
			if (!reason && vmmig_live_ask(l)) {
				u64 left = vmmig_dirty_remaining(&s->dirty);

				reason = vmmig_live_send_round(l, left);
			}
			if (reason)
				return reason;
			if (!final)
				vmmig_live_pace(l, atomic64_read(&s->stats.bytes) -
						before);
			cond_resched();
		}
	}
	return VMMIG_REASON_NONE;
}

/* Measure the round that just ended; true if the session is ready. */
static bool vmmig_live_measure(struct vmmig_live *l)
{
	struct vmmig_session *s = l->s;
	u64 ns = max_t(u64, ktime_to_ns(ktime_sub(ktime_get(), l->round_start)), 1);
	u64 bytes = atomic64_read(&s->stats.bytes) - l->round_bytes;
	u64 newly = vmmig_dirty_newly(&s->dirty);
	u64 remaining = vmmig_dirty_remaining(&s->dirty);
	u64 dirty_rate = vmmig_conv_rate(newly * PAGE_SIZE, ns);
	u64 bw = vmmig_conv_bw_round(&l->bw);
	u64 expected_ms, cap;
	u32 pct;

	vmmig_live_retune(l);
	cap = READ_ONCE(s->params.max_bandwidth);

	/*
	 * By the destination's answers; until they add up to a sample (no
	 * answers over a file, a first round too short), by what the source
	 * sent.
	 */
	if (bw)
		l->bandwidth = bw;
	else if (bytes >= VMMIG_CONV_MIN_SAMPLE || !l->bandwidth)
		l->bandwidth = vmmig_conv_rate(bytes, ns);
	/* Under max-bandwidth, what the VMM allows is the rate. */
	if (cap)
		l->bandwidth = min(l->bandwidth, cap);
	expected_ms = vmmig_conv_ms(remaining * PAGE_SIZE +
				    vmmig_live_inflight(l), l->bandwidth);

	l->dirty_rate = dirty_rate;
	l->fits = vmmig_conv_fits(remaining * PAGE_SIZE, l->bandwidth,
				  READ_ONCE(s->params.downtime_ms));
	atomic64_set(&s->stats.bandwidth, l->bandwidth);
	atomic64_set(&s->stats.dirty_rate, vmmig_conv_rate(newly, ns));
	atomic64_set(&s->stats.remaining, remaining);
	atomic64_set(&s->stats.expected_downtime_ms,
		     min_t(u64, expected_ms, 1000000000ULL));

	/* Throttle (auto-converge) a guest that outpaces the link. */
	if (READ_ONCE(s->params.throttle_max_ms)) {
		pct = READ_ONCE(s->throttle_pct);
		WRITE_ONCE(s->throttle_pct,
			   vmmig_conv_throttle_next(pct, dirty_rate,
						    l->bandwidth));
	}
	return vmmig_live_next(l, remaining) == VMMIG_CONV_READY;
}

/* Has pre-copy reached max-rounds or max-time-ms? */
static bool vmmig_live_limit(struct vmmig_live *l)
{
	const struct vmmig_params *p = &l->s->params;
	s64 ms = ktime_ms_delta(ktime_get(), l->s->started);
	u32 max_time_ms = READ_ONCE(p->max_time_ms);

	return l->round + 1 >= READ_ONCE(p->max_rounds) ||
	       (max_time_ms && ms >= max_time_ms);
}

/*
 * Pre-copy hit its limit and fails: not-converged, unless the destination
 * failed first.  A destination that failed stops answering and sends its
 * ACK, which may still be on its way after rounds that sent little: wait
 * for the answers to the ROUNDs asked (a live destination gives them at
 * once), at most a peer timeout, and take its reason if it has one.
 */
static u32 vmmig_live_limit_reason(struct vmmig_live *l)
{
	struct vmmig_session *s = l->s;
	ktime_t start = ktime_get();
	u32 reason;

	for (;;) {
		reason = vmmig_live_peer(l);
		if (reason)
			return reason;
		if (l->peer.answered == l->peer.asked ||
		    ktime_ms_delta(ktime_get(), start) >=
		    s->params.peer_timeout_ms)
			return VMMIG_REASON_NOT_CONVERGED;
		wait_event_interruptible_timeout(s->wq, vmmig_live_stopping(s),
						 msecs_to_jiffies(VMMIG_LIVE_IDLE_MS));
		if (vmmig_live_stopping(s))
			return VMMIG_REASON_CANCEL;
	}
}

/*
 * Nothing dirty, or not ready only for what is in flight: wait for the
 * guest, the destination, the switchover or the end.  Announces ready
 * (*@announced) once the destination has read enough.
 */
static u32 vmmig_live_idle(struct vmmig_live *l, bool *announced)
{
	struct vmmig_session *s = l->s;
	u32 keepalive_ms = s->params.peer_timeout_ms / 3, reason;
	enum vmmig_conv_next next;
	ktime_t asked = 0;
	u64 remaining;

	for (;;) {
		vmmig_live_retune(l);
		remaining = vmmig_dirty_remaining(&s->dirty);
		next = vmmig_live_next(l, remaining);
		if (!*announced && next == VMMIG_CONV_READY)
			*announced = vmmig_live_ready(l);
		if (remaining && (*announced || next != VMMIG_CONV_DRAIN))
			return VMMIG_REASON_NONE;
		/* Ask where the destination is: it answers this ROUND. */
		if (!*announced && vmmig_live_inflight(l)) {
			if (!asked) {
				reason = vmmig_live_send_round(l, remaining);
				if (reason)
					return reason;
				asked = ktime_get();
			} else if (ktime_ms_delta(ktime_get(), asked) >=
				   s->params.peer_timeout_ms) {
				return VMMIG_REASON_PEER_TIMEOUT;
			}
		}
		wait_event_interruptible_timeout(s->wq,
						 vmmig_live_stopping(s) ||
						 vmmig_live_switching(s),
						 msecs_to_jiffies(VMMIG_LIVE_IDLE_MS));
		if (vmmig_live_stopping(s))
			return VMMIG_REASON_CANCEL;
		if (vmmig_live_switching(s))
			return VMMIG_REASON_NONE;
		reason = vmmig_live_harvest(l);
		if (!reason)
			reason = vmmig_live_peer(l);
		if (reason)
			return reason;
		/* Keep a silent link from looking dead to the destination. */
		if (ktime_ms_delta(ktime_get(), l->last_sent) >= keepalive_ms) {
			reason = vmmig_live_send_round(l, 0);
			if (reason)
				return reason;
		}
	}
	return VMMIG_REASON_NONE;
}

/* Pre-copy rounds until the VMM switches over (or something fails). */
static u32 vmmig_live_precopy(struct vmmig_live *l)
{
	struct vmmig_session *s = l->s;
	bool announced = false;
	u32 reason;

	vmmig_dirty_mark_all(&s->dirty);
	for (;;) {
		l->fitted |= l->fits;
		l->final_early = announced;
		l->round_start = ktime_get();
		l->round_bytes = atomic64_read(&s->stats.bytes);
		l->round_pages = atomic64_read(&s->stats.pages);
		l->round_dirty = vmmig_dirty_remaining(&s->dirty);
		vmmig_dirty_newly(&s->dirty);
		atomic_set(&s->stats.round, l->round);
		l->in_round = true;
		reason = vmmig_live_send_round(l, vmmig_dirty_remaining(&s->dirty));
		if (!reason)
			reason = vmmig_live_sweep(l, false);
		if (reason || vmmig_live_switching(s))
			return reason;
		reason = vmmig_live_harvest(l);
		if (reason)
			return reason;

		if (!announced && vmmig_live_measure(l)) {
			announced = vmmig_live_ready(l);
		} else if (!announced && vmmig_live_limit(l)) {
			if (s->params.on_limit == VMMIG_ON_LIMIT_FAIL)
				return vmmig_live_limit_reason(l);
			announced = vmmig_live_ready(l);
		} else if (announced) {
			vmmig_live_measure(l);
		}
		l->round++;
		l->in_round = false;
		reason = vmmig_live_idle(l, &announced);
		if (reason || vmmig_live_switching(s))
			return reason;
	}
}

/* The guest is paused: send the rest and the blob; wait for the ACK. */
static u32 vmmig_live_switchover(struct vmmig_live *l)
{
	struct vmmig_session *s = l->s;
	ktime_t paused;
	u32 reason;

	reason = vmmig_live_harvest(l);
	if (reason)
		return reason;
	/*
	 * The final round: the next number, unless no round began since the
	 * last one ended, or the one under way began after ready: sending on
	 * while the VMM paused its vCPUs, the worker had started the final
	 * round already (its sweep now starts over, with the vCPUs held).
	 */
	if (l->in_round && !l->final_early)
		l->round++;
	atomic_set(&s->stats.round, l->round);
	reason = vmmig_live_send_round(l, vmmig_dirty_remaining(&s->dirty));
	if (!reason)
		reason = vmmig_live_sweep(l, true);
	/*
	 * The last harvest: VMM writes reported from here on are refused
	 * (-EBUSY), those reported before are in the bitmap now.
	 */
	vmmig_dirty_close(&s->dirty);
	if (!reason)
		reason = vmmig_live_harvest(l);
	if (!reason && vmmig_dirty_remaining(&s->dirty))
		reason = vmmig_live_sweep(l, true);
	/* Nothing may be left behind: END says the stream is whole. */
	if (!reason && vmmig_dirty_remaining(&s->dirty))
		reason = VMMIG_REASON_INCOMPLETE;
	if (!reason && s->blob_file)
		reason = vmmig_send_blob(s, l->ch);
	if (!reason)
		reason = vmmig_send_end(s, l->ch, &l->peer);
	if (!reason) {
		mutex_lock(&s->lock);
		paused = s->switchover_at;
		mutex_unlock(&s->lock);
		atomic64_set(&s->stats.downtime_ms,
			     ktime_ms_delta(ktime_get(), paused));
		atomic64_set(&s->stats.remaining, 0);
		reason = vmmig_send_commit(s, l->ch);
	}
	return reason;
}

/**
 * vmmig_live_run() - live migration, source side.
 * @s: a started live source session; runs in its worker with the VMM's mm.
 *
 * Return: VMMIG_REASON_NONE once the destination acknowledged the stream
 * after the switchover (the session completed then); else why not.  The
 * rings are the VMM's again on return.
 */
u32 vmmig_live_run(struct vmmig_session *s)
{
	struct vmmig_live l = {
		.s = s,
		.ch = &s->channels[0],
		.paced_since = ktime_get(),
	};
	u32 reason = VMMIG_REASON_IO_ERROR;

	l.pages = kvmalloc_array(VMMIG_WIRE_MAX_COUNT, sizeof(*l.pages),
				 GFP_KERNEL);
	if (!l.pages)
		return reason;
	l.mem = vmmig_dirty_start(&s->dirty);
	if (IS_ERR(l.mem)) {
		switch (PTR_ERR(l.mem)) {
		case -ENODATA:
			reason = VMMIG_REASON_NOT_LOGGING;
			break;
		case -ENOENT:
		case -E2BIG:
			reason = VMMIG_REASON_LAYOUT_MISMATCH;
			break;
		case -ENOMEM:
			reason = VMMIG_REASON_IO_ERROR;
			break;
		case -EINTR:
			reason = VMMIG_REASON_CANCEL;
			break;
		default:
			reason = VMMIG_REASON_DIRTY_LOG;
			break;
		}
		goto out_pages;
	}
	l.peer.features = VMMIG_WIRE_F_LIVE;
	if (!vmmig_channel_is_file(l.ch))
		l.peer.features |= VMMIG_WIRE_F_PROGRESS | VMMIG_WIRE_F_COMMIT;
	if (s->params.checksum == VMMIG_CHECKSUM_CRC32C)
		l.peer.features |= VMMIG_WIRE_F_CSUM;
	reason = vmmig_send_hello(l.ch, l.mem, l.peer.features);
	atomic64_set(&s->stats.setup_ms, ktime_ms_delta(ktime_get(), s->started));
	if (!reason)
		reason = vmmig_live_precopy(&l);
	if (!reason && vmmig_live_switching(s))
		reason = vmmig_live_switchover(&l);
	else if (!reason)
		reason = VMMIG_REASON_CANCEL;
	vmmig_dirty_stop(&s->dirty);
	/* Release vCPUs held in session-ring-full. */
	wake_up_all(&s->wq);
	vmmig_mem_free(l.mem);
out_pages:
	kvfree(l.pages);
	return reason;
}

/**
 * vmmig_live_ring_full() - session-ring-full: a vCPU's dirty ring is full.
 * @s: the session.
 * @vcpu_id: the vCPU's id (KVM_CREATE_VCPU's argument).
 * @attr: the vcpu attribute, for error reports.
 * @extack: error report.
 *
 * Runs in the VMM's vCPU thread.  Harvests and resets the rings, so the
 * vCPU may run again, after holding it as the throttle decides.
 *
 * Return: 0 (also when the session does not track the rings: nothing is
 * held then), -EOPNOTSUPP for a session that is not a live source,
 * -ENOENT for an unknown vCPU, -EINTR (a signal is pending: call again).
 */
int vmmig_live_ring_full(struct vmmig_session *s, u32 vcpu_id,
			 const struct nlattr *attr,
			 struct netlink_ext_ack *extack)
{
	struct kvm_vcpu *vcpu;
	u64 t0 = ktime_get_ns(), last, hold_ns = 0, harvest_ns;
	u32 max_ms = READ_ONCE(s->params.throttle_max_ms);
	int n;

	if (s->role != VMMIG_ROLE_SOURCE || s->params.mode != VMMIG_MODE_LIVE) {
		NL_SET_ERR_MSG(extack, "session is not a live migration source");
		return -EOPNOTSUPP;
	}
	vcpu = kvm_get_vcpu_by_id(s->vm.kvm, vcpu_id);
	if (!vcpu) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "vcpu: no vCPU of that id");
		return -ENOENT;
	}
	atomic64_inc(&s->stats.ring_full);
	/*
	 * A signal pending in the vCPU thread: nothing was reset, the VMM
	 * handles its signal and calls again.  Other failures fail the
	 * session (the worker sees them too); the vCPU just goes on.
	 */
	n = vmmig_dirty_harvest(&s->dirty, &harvest_ns);
	atomic64_add(harvest_ns, &s->stats.harvest_ns);
	if (n == -EINTR)
		return -EINTR;
	if (n > 0)
		atomic64_add(n, &s->stats.dirty_pages);

	last = vmmig_dirty_note_exit(&s->dirty, vcpu->vcpu_idx, 0);
	if (last && t0 > last)
		hold_ns = vmmig_conv_hold_ns(t0 - last,
					     READ_ONCE(s->throttle_pct), max_ms);
	if (hold_ns)
		wait_event_interruptible_timeout(s->wq,
						 vmmig_live_ended(s) ||
						 vmmig_live_switching(s),
						 nsecs_to_jiffies(hold_ns));
	vmmig_dirty_note_exit(&s->dirty, vcpu->vcpu_idx, ktime_get_ns());
	atomic64_add(ktime_get_ns() - t0, &s->stats.throttle_ns);
	return 0;
}

/**
 * vmmig_live_report_dirty() - session-dirty: the VMM wrote guest memory.
 * @s: the session.
 * @r: what it wrote (ranges, bitmaps).
 * @n: how many reports.
 * @bad: with -ERANGE, set to the index of the first report at fault.
 * @extack: error report (but for -ERANGE: the caller knows the attribute).
 *
 * Return: 0, -EOPNOTSUPP for a session that is not a live source, -EBUSY
 * once the switchover's last harvest began or tracking stopped (the write
 * is not migrated), -ERANGE if a page named is not guest memory (nothing
 * is taken then).
 */
int vmmig_live_report_dirty(struct vmmig_session *s,
			    const struct vmmig_dirty_report *r, unsigned int n,
			    unsigned int *bad, struct netlink_ext_ack *extack)
{
	u32 state = READ_ONCE(s->state);
	u64 pages;
	int err;

	if (s->role != VMMIG_ROLE_SOURCE || s->params.mode != VMMIG_MODE_LIVE) {
		NL_SET_ERR_MSG(extack, "session is not a live migration source");
		return -EOPNOTSUPP;
	}
	if (vmmig_state_is_final(state)) {
		NL_SET_ERR_MSG(extack,
			       "session has ended: report writes before session-switchover");
		return -EBUSY;
	}
	err = vmmig_dirty_mark(&s->dirty, r, n, &pages, bad);
	if (err == -EBUSY) {
		NL_SET_ERR_MSG(extack,
			       "session is switching over or has stopped: this write is not migrated (report writes before session-switchover)");
		return err;
	}
	if (err == -ENOENT) {
		/* Not tracking (yet): check against the VM itself. */
		struct vmmig_mem *mem = vmmig_mem_snapshot(s->vm.kvm);

		if (IS_ERR(mem)) {
			*bad = 0;
			return -ERANGE;
		}
		err = vmmig_dirty_check(mem, r, n, bad);
		vmmig_mem_free(mem);
		/* Round 0 sends it anyway. */
		return err;
	}
	if (!err)
		atomic64_add(pages, &s->stats.reported_pages);
	return err;
}

/**
 * vmmig_live_check_logging() - session-start of a live source: is dirty
 * logging on for every memslot, as the VMM must set it up?
 * @s: the session.
 * @extack: error report.
 *
 * The worker checks again (reason not-logging): this is the early, clear
 * answer.
 *
 * Return: 0, or -EINVAL.
 */
int vmmig_live_check_logging(struct vmmig_session *s,
			     struct netlink_ext_ack *extack)
{
	struct vmmig_mem *mem = vmmig_mem_source(s->vm.kvm, &s->filter);
	int err = 0;
	u32 i;

	if (IS_ERR(mem))
		return 0;	/* the worker tells why */
	for (i = 0; i < mem->layout.nr_slots; i++) {
		if (!(mem->flags[i] & KVM_MEM_LOG_DIRTY_PAGES)) {
			NL_SET_ERR_MSG(extack,
				       "vm-fd: a memslot has dirty logging off: set KVM_MEM_LOG_DIRTY_PAGES on every memslot to migrate before session-start");
			err = -EINVAL;
			break;
		}
	}
	vmmig_mem_free(mem);
	return err;
}
