// SPDX-License-Identifier: GPL-2.0
/*
 * Migration stream: encoding and the checks on every received record.
 *
 * The destination reads a record header, asks vmmig_wire_rx_rec() whether
 * it may read the payload and where it goes, and only then reads it: into
 * guest memory for PAGES, nowhere for ZERO (the receiver zeroes the pages),
 * into a bounded buffer for HELLO, BLOB and END, whose contents are checked
 * in turn.  Every check fails with its own enum vmmig_reason so that the
 * operator learns what was wrong with a stream, and the receiver ends the
 * session as failed without writing anything more.
 */
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/byteorder.h>

#include "wire.h"

static_assert(sizeof(struct vmmig_wire_rec) == 24);
static_assert(sizeof(struct vmmig_wire_hello) == 32);
static_assert(sizeof(struct vmmig_wire_slot) == 24);
static_assert(sizeof(struct vmmig_wire_end) == 16);
static_assert(sizeof(struct vmmig_wire_ack) == 16);
static_assert(sizeof(struct vmmig_wire_progress) == 16);
static_assert(sizeof(struct vmmig_wire_commit) == 16);

/**
 * vmmig_wire_rx_init() - start receiving a stream into a VM.
 * @rx: receive state.
 * @layout: the destination VM's memory layout; must outlive @rx.
 */
void vmmig_wire_rx_init(struct vmmig_wire_rx *rx,
			const struct vmmig_wire_layout *layout)
{
	u32 i;

	memset(rx, 0, sizeof(*rx));
	rx->state = VMMIG_WIRE_RX_HELLO;
	rx->layout = layout;
	for (i = 0; i < layout->nr_slots; i++)
		rx->layout_pages += layout->slots[i].npages;
}

/* Index of memslot @slot in @layout (ascending order), or -1. */
static int vmmig_wire_find_slot(const struct vmmig_wire_layout *layout,
				u32 slot)
{
	u32 lo = 0, hi = layout->nr_slots;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (layout->slots[mid].slot == slot)
			return mid;
		if (layout->slots[mid].slot < slot)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* PAGES and ZERO: slot, gfn range, count and length. */
static u32 vmmig_wire_rx_pages(struct vmmig_wire_rx *rx,
			       const struct vmmig_wire_rec *rec,
			       struct vmmig_wire_dest *dest)
{
	const struct vmmig_wire_layout *layout = rx->layout;
	u32 count = be16_to_cpu(rec->count);
	u32 len = be32_to_cpu(rec->len);
	u64 gfn = be64_to_cpu(rec->gfn);
	const struct vmmig_wire_mslot *ms;
	int idx;

	if (!count || count > VMMIG_WIRE_MAX_COUNT)
		return VMMIG_REASON_BAD_LENGTH;
	if (rec->type == VMMIG_WIRE_PAGES ?
	    len != count * layout->page_size : len != 0)
		return VMMIG_REASON_BAD_LENGTH;
	idx = vmmig_wire_find_slot(layout, be32_to_cpu(rec->slot));
	if (idx < 0)
		return VMMIG_REASON_BAD_SLOT;
	ms = &layout->slots[idx];
	/* gfn - base + count <= npages, without overflow. */
	if (gfn < ms->base_gfn || ms->npages < count ||
	    gfn - ms->base_gfn > ms->npages - count)
		return VMMIG_REASON_BAD_GFN;

	dest->slot_index = idx;
	dest->page_offset = gfn - ms->base_gfn;
	dest->count = count;
	return VMMIG_REASON_NONE;
}

/**
 * vmmig_wire_rx_rec() - check a record header before its payload is read.
 * @rx: receive state.
 * @rec: the header as received.
 * @dest: for PAGES and ZERO, where the pages go.
 *
 * On success the caller reads exactly rec->len payload bytes (into guest
 * memory at @dest for PAGES) and, for HELLO, ROUND, END and COMMIT, passes
 * them to vmmig_wire_rx_hello(), _round(), _end() or _commit(); once it has
 * a PAGES, ZERO or BLOB record's payload, it counts it with
 * vmmig_wire_rx_done().
 *
 * Return: VMMIG_REASON_NONE, or why the stream must be rejected.
 */
u32 vmmig_wire_rx_rec(struct vmmig_wire_rx *rx,
		      const struct vmmig_wire_rec *rec,
		      struct vmmig_wire_dest *dest)
{
	u32 len = be32_to_cpu(rec->len);
	bool paged = rec->type == VMMIG_WIRE_PAGES ||
		     rec->type == VMMIG_WIRE_ZERO;

	if (rx->state == VMMIG_WIRE_RX_DONE)
		return VMMIG_REASON_TRAILING_DATA;
	if (rx->state == VMMIG_WIRE_RX_HELLO && rec->type != VMMIG_WIRE_HELLO)
		return VMMIG_REASON_BAD_MAGIC;
	/* After END only the COMMIT, and the COMMIT only then. */
	if (rx->state == VMMIG_WIRE_RX_COMMIT ?
	    rec->type != VMMIG_WIRE_COMMIT : rec->type == VMMIG_WIRE_COMMIT)
		return VMMIG_REASON_BAD_RECORD_TYPE;

	/* ACK and PROGRESS go the other way. */
	if (rec->type < VMMIG_WIRE_HELLO || rec->type > VMMIG_WIRE_COMMIT ||
	    rec->type == VMMIG_WIRE_ACK || rec->type == VMMIG_WIRE_PROGRESS ||
	    (rec->type == VMMIG_WIRE_ROUND &&
	     !(rx->features & VMMIG_WIRE_F_LIVE)))
		return VMMIG_REASON_BAD_RECORD_TYPE;
	/* A HELLO's csum is checked once its features are known. */
	if (rec->flags || (rec->csum && rec->type != VMMIG_WIRE_HELLO &&
			   !(rx->features & VMMIG_WIRE_F_CSUM)))
		return VMMIG_REASON_BAD_RESERVED;
	if (!paged && (rec->count || rec->slot || rec->gfn))
		return VMMIG_REASON_BAD_RESERVED;

	switch (rec->type) {
	case VMMIG_WIRE_HELLO:
		if (rx->state != VMMIG_WIRE_RX_HELLO)
			return VMMIG_REASON_DUPLICATE_HELLO;
		if (len < sizeof(struct vmmig_wire_hello) ||
		    len > sizeof(struct vmmig_wire_hello) +
			  VMMIG_WIRE_MAX_SLOTS * sizeof(struct vmmig_wire_slot))
			return VMMIG_REASON_BAD_LENGTH;
		return VMMIG_REASON_NONE;
	case VMMIG_WIRE_PAGES:
	case VMMIG_WIRE_ZERO:
		return vmmig_wire_rx_pages(rx, rec, dest);
	case VMMIG_WIRE_BLOB:
		/* The bound is on the stream's BLOB bytes, all records. */
		if (!len || len > VMMIG_WIRE_MAX_BLOB - rx->blob_bytes)
			return VMMIG_REASON_BAD_LENGTH;
		return VMMIG_REASON_NONE;
	case VMMIG_WIRE_END:
		if (len != sizeof(struct vmmig_wire_end))
			return VMMIG_REASON_BAD_LENGTH;
		return VMMIG_REASON_NONE;
	case VMMIG_WIRE_COMMIT:
		if (len != sizeof(struct vmmig_wire_commit))
			return VMMIG_REASON_BAD_LENGTH;
		return VMMIG_REASON_NONE;
	case VMMIG_WIRE_ROUND:
		if (len != sizeof(struct vmmig_wire_round))
			return VMMIG_REASON_BAD_LENGTH;
		return VMMIG_REASON_NONE;
	}
	return VMMIG_REASON_BAD_RECORD_TYPE;
}

/**
 * vmmig_wire_rx_done() - a record's payload was received: count it.
 * @rx: receive state.
 * @rec: the record, which passed vmmig_wire_rx_rec().
 *
 * Only what arrived counts (the ACK reports it), not what headers
 * announced.
 */
void vmmig_wire_rx_done(struct vmmig_wire_rx *rx,
			const struct vmmig_wire_rec *rec)
{
	if (rec->type == VMMIG_WIRE_PAGES || rec->type == VMMIG_WIRE_ZERO)
		rx->pages += be16_to_cpu(rec->count);
	else if (rec->type == VMMIG_WIRE_BLOB)
		rx->blob_bytes += be32_to_cpu(rec->len);
}

/**
 * vmmig_wire_rx_round() - check a ROUND's payload.
 * @rx: receive state; the record passed vmmig_wire_rx_rec().
 * @round: the payload.
 *
 * Rounds go forward one at a time (a ROUND within a round repeats its
 * number), and no more pages can remain than the layout has.
 *
 * Return: VMMIG_REASON_NONE, or why the stream must be rejected.
 */
u32 vmmig_wire_rx_round(struct vmmig_wire_rx *rx,
			const struct vmmig_wire_round *round)
{
	u32 r = be32_to_cpu(round->round);

	if (round->reserved)
		return VMMIG_REASON_BAD_RESERVED;
	if (rx->rounds ? r != rx->round && r - rx->round != 1 : r > 1)
		return VMMIG_REASON_BAD_RECORD_TYPE;
	if (be64_to_cpu(round->remaining) > rx->layout_pages)
		return VMMIG_REASON_BAD_LENGTH;
	rx->round = r;
	rx->rounds = true;
	return VMMIG_REASON_NONE;
}

/**
 * vmmig_wire_rx_hello() - check a HELLO's payload against the VM's layout.
 * @rx: receive state, expecting HELLO.
 * @payload: the HELLO payload.
 * @len: its length, as vmmig_wire_rx_rec() accepted it.
 *
 * Return: VMMIG_REASON_NONE, or why the stream must be rejected.
 */
u32 vmmig_wire_rx_hello(struct vmmig_wire_rx *rx, const void *payload,
			u32 len)
{
	const struct vmmig_wire_layout *layout = rx->layout;
	const struct vmmig_wire_hello *h = payload;
	const struct vmmig_wire_slot *s = payload + sizeof(*h);
	u32 i, nr_slots = be16_to_cpu(h->nr_slots);

	if (be32_to_cpu(h->magic) != VMMIG_WIRE_MAGIC)
		return VMMIG_REASON_BAD_MAGIC;
	if (be16_to_cpu(h->version) != VMMIG_WIRE_VERSION)
		return VMMIG_REASON_BAD_VERSION;
	if (be64_to_cpu(h->features) & ~VMMIG_WIRE_F_KNOWN)
		return VMMIG_REASON_BAD_FEATURES;
	/* Only live streams have ROUNDs to answer. */
	if ((be64_to_cpu(h->features) &
	     (VMMIG_WIRE_F_LIVE | VMMIG_WIRE_F_PROGRESS)) ==
	    VMMIG_WIRE_F_PROGRESS)
		return VMMIG_REASON_BAD_FEATURES;
	if (len != sizeof(*h) + nr_slots * sizeof(*s))
		return VMMIG_REASON_BAD_LENGTH;
	if (be16_to_cpu(h->nr_channels) != 1 || h->channel)
		return VMMIG_REASON_BAD_FEATURES;
	if (be32_to_cpu(h->page_size) != layout->page_size ||
	    nr_slots != layout->nr_slots)
		return VMMIG_REASON_LAYOUT_MISMATCH;
	for (i = 0; i < nr_slots; i++) {
		const struct vmmig_wire_mslot *ms = &layout->slots[i];

		if (s[i].flags)
			return VMMIG_REASON_BAD_RESERVED;
		if (be32_to_cpu(s[i].slot) != ms->slot ||
		    be64_to_cpu(s[i].base_gfn) != ms->base_gfn ||
		    be64_to_cpu(s[i].npages) != ms->npages)
			return VMMIG_REASON_LAYOUT_MISMATCH;
	}
	rx->stream_id = be64_to_cpu(h->stream_id);
	rx->features = be64_to_cpu(h->features);
	rx->state = VMMIG_WIRE_RX_RECORDS;
	return VMMIG_REASON_NONE;
}

/**
 * vmmig_wire_rx_end() - check END's totals; the stream is then complete.
 * @rx: receive state.
 * @end: END's payload.
 *
 * Return: VMMIG_REASON_NONE, or VMMIG_REASON_INCOMPLETE.
 */
u32 vmmig_wire_rx_end(struct vmmig_wire_rx *rx,
		      const struct vmmig_wire_end *end)
{
	if (be64_to_cpu(end->pages) != rx->pages ||
	    be64_to_cpu(end->blob_bytes) != rx->blob_bytes)
		return VMMIG_REASON_INCOMPLETE;
	rx->state = rx->features & VMMIG_WIRE_F_COMMIT ?
		    VMMIG_WIRE_RX_COMMIT : VMMIG_WIRE_RX_DONE;
	return VMMIG_REASON_NONE;
}

/**
 * vmmig_wire_rx_commit() - check the source's COMMIT; with status 0 the
 * stream is then complete and the VM the destination's.
 * @rx: receive state, after END.
 * @commit: COMMIT's payload.
 *
 * Return: VMMIG_REASON_NONE, VMMIG_REASON_PEER_ABORTED (the source gave
 * the migration up), or why the record is malformed.
 */
u32 vmmig_wire_rx_commit(struct vmmig_wire_rx *rx,
			 const struct vmmig_wire_commit *commit)
{
	if (commit->reserved)
		return VMMIG_REASON_BAD_RESERVED;
	if (commit->status)
		return VMMIG_REASON_PEER_ABORTED;
	if (be64_to_cpu(commit->pages) != rx->pages)
		return VMMIG_REASON_INCOMPLETE;
	rx->state = VMMIG_WIRE_RX_DONE;
	return VMMIG_REASON_NONE;
}

/**
 * vmmig_wire_rx_eof() - the channel ended (peer closed, file ended).
 * @rx: receive state.
 * @mid_record: the end came inside a record header or payload.
 *
 * Return: VMMIG_REASON_NONE if the stream was complete, else
 * VMMIG_REASON_TRUNCATED: a cut stream never counts as complete.
 */
u32 vmmig_wire_rx_eof(const struct vmmig_wire_rx *rx, bool mid_record)
{
	if (mid_record || rx->state != VMMIG_WIRE_RX_DONE)
		return VMMIG_REASON_TRUNCATED;
	return VMMIG_REASON_NONE;
}

/**
 * vmmig_wire_peer_rec() - check the header of a record the destination
 * sent back to the source, before its payload is read.
 * @rec: the header as received.
 * @features: the stream's HELLO features.
 *
 * The destination sends an ACK after END and, with VMMIG_WIRE_F_PROGRESS,
 * a PROGRESS for every ROUND; both have a 16-byte payload.
 *
 * Return: VMMIG_REASON_NONE, or why the source must give up the stream.
 */
u32 vmmig_wire_peer_rec(const struct vmmig_wire_rec *rec, u64 features)
{
	if (rec->type != VMMIG_WIRE_ACK &&
	    (rec->type != VMMIG_WIRE_PROGRESS ||
	     !(features & VMMIG_WIRE_F_PROGRESS)))
		return VMMIG_REASON_BAD_RECORD_TYPE;
	if (rec->flags || rec->count || rec->slot || rec->gfn ||
	    (rec->csum && !(features & VMMIG_WIRE_F_CSUM)))
		return VMMIG_REASON_BAD_RESERVED;
	if (be32_to_cpu(rec->len) != sizeof(struct vmmig_wire_ack))
		return VMMIG_REASON_BAD_LENGTH;
	return VMMIG_REASON_NONE;
}

/**
 * vmmig_wire_peer_progress() - check a PROGRESS payload against what the
 * source sent, and take it.
 * @p: the payload; its header passed vmmig_wire_peer_rec().
 * @round_sent: the last ROUND the source sent.
 * @bytes_sent: stream bytes the source sent.
 * @unanswered: ROUNDs sent that no PROGRESS answered yet.
 * @round: in: the previous PROGRESS's round (0 if none); out: this one's.
 * @bytes: in: the previous PROGRESS's bytes (0 if none); out: this one's.
 *
 * Answers come in order, one for each ROUND that was sent (an unsolicited
 * one, or a flood, is refused), and never count more bytes than were
 * sent.
 *
 * Return: VMMIG_REASON_NONE, or why the source must give up the stream.
 */
u32 vmmig_wire_peer_progress(const struct vmmig_wire_progress *p,
			     u32 round_sent, u64 bytes_sent, u32 unanswered,
			     u32 *round, u64 *bytes)
{
	u32 r = be32_to_cpu(p->round);
	u64 b = be64_to_cpu(p->bytes);

	if (p->reserved)
		return VMMIG_REASON_BAD_RESERVED;
	if (!unanswered)
		return VMMIG_REASON_BAD_RECORD_TYPE;
	if (r < *round || r > round_sent)
		return VMMIG_REASON_BAD_RECORD_TYPE;
	if (b < *bytes || b > bytes_sent)
		return VMMIG_REASON_BAD_LENGTH;
	*round = r;
	*bytes = b;
	return VMMIG_REASON_NONE;
}

/**
 * vmmig_wire_hello_len() - payload length of the HELLO for @layout.
 * @layout: the source VM's layout.
 */
u32 vmmig_wire_hello_len(const struct vmmig_wire_layout *layout)
{
	return sizeof(struct vmmig_wire_hello) +
	       layout->nr_slots * sizeof(struct vmmig_wire_slot);
}

/**
 * vmmig_wire_put_hello() - encode a HELLO payload.
 * @buf: vmmig_wire_hello_len(@layout) bytes.
 * @layout: the source VM's layout.
 * @stream_id: random id of this migration.
 * @features: VMMIG_WIRE_F_* bits the stream uses.
 */
void vmmig_wire_put_hello(void *buf, const struct vmmig_wire_layout *layout,
			  u64 stream_id, u64 features)
{
	struct vmmig_wire_hello *h = buf;
	struct vmmig_wire_slot *s = buf + sizeof(*h);
	u32 i;

	*h = (struct vmmig_wire_hello) {
		.magic		= cpu_to_be32(VMMIG_WIRE_MAGIC),
		.version	= cpu_to_be16(VMMIG_WIRE_VERSION),
		.nr_slots	= cpu_to_be16(layout->nr_slots),
		.features	= cpu_to_be64(features),
		.stream_id	= cpu_to_be64(stream_id),
		.page_size	= cpu_to_be32(layout->page_size),
		.channel	= cpu_to_be16(0),
		.nr_channels	= cpu_to_be16(1),
	};
	for (i = 0; i < layout->nr_slots; i++)
		s[i] = (struct vmmig_wire_slot) {
			.slot		= cpu_to_be32(layout->slots[i].slot),
			.flags		= 0,
			.base_gfn	= cpu_to_be64(layout->slots[i].base_gfn),
			.npages		= cpu_to_be64(layout->slots[i].npages),
		};
}

/**
 * vmmig_wire_put_rec() - encode a record header.
 * @rec: the header to fill.
 * @type: enum vmmig_wire_type.
 * @slot: memslot (PAGES, ZERO), else 0.
 * @gfn: first page (PAGES, ZERO), else 0.
 * @count: pages (PAGES, ZERO), else 0.
 * @len: payload bytes.
 */
void vmmig_wire_put_rec(struct vmmig_wire_rec *rec, u8 type, u32 slot,
			u64 gfn, u16 count, u32 len)
{
	*rec = (struct vmmig_wire_rec) {
		.type	= type,
		.count	= cpu_to_be16(count),
		.len	= cpu_to_be32(len),
		.slot	= cpu_to_be32(slot),
		.gfn	= cpu_to_be64(gfn),
	};
}
