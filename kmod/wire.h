/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Migration stream format (uapi/linux/vmmig_wire.h): encoding, and the
 * receive-side state machine that checks every record before the receiver
 * touches guest memory.  Pure logic: no KVM, no sockets, tested by KUnit.
 */
#ifndef _VMMIG_WIRE_H
#define _VMMIG_WIRE_H

#include <linux/types.h>
#include <linux/vmmig.h>
#include <linux/vmmig_wire.h>

/* One memslot of a VM, as the stream describes it. */
struct vmmig_wire_mslot {
	u32 slot;		/* (address space << 16) | id */
	u64 base_gfn;
	u64 npages;
};

/*
 * A VM's memory layout: memslots in ascending @slot order.  The receiver
 * compares the source's HELLO with its own VM's layout.
 */
struct vmmig_wire_layout {
	u32 page_size;
	u32 nr_slots;
	struct vmmig_wire_mslot slots[VMMIG_WIRE_MAX_SLOTS];
};

enum vmmig_wire_rx_state {
	VMMIG_WIRE_RX_HELLO,	/* expecting HELLO */
	VMMIG_WIRE_RX_RECORDS,	/* expecting PAGES, ZERO, BLOB, ROUND or END */
	VMMIG_WIRE_RX_COMMIT,	/* END checked and acknowledged: COMMIT */
	VMMIG_WIRE_RX_DONE,	/* complete; nothing may follow */
};

/*
 * Receive state of one stream.  Owned by the receiving thread; no locking.
 */
struct vmmig_wire_rx {
	enum vmmig_wire_rx_state state;
	const struct vmmig_wire_layout *layout;	/* the destination VM's */
	u64 layout_pages;	/* pages of every slot of @layout */
	u64 stream_id;
	u64 features;		/* the HELLO's */
	u32 round;		/* last ROUND's */
	bool rounds;		/* a ROUND came */
	u64 pages;		/* received in PAGES and ZERO records */
	u64 blob_bytes;		/* received in BLOB records */
};

/* Where a checked PAGES or ZERO record goes. */
struct vmmig_wire_dest {
	u32 slot_index;		/* into layout->slots */
	u64 page_offset;	/* first page, relative to the slot's start */
	u32 count;
};

void vmmig_wire_rx_init(struct vmmig_wire_rx *rx,
			const struct vmmig_wire_layout *layout);
u32 vmmig_wire_rx_rec(struct vmmig_wire_rx *rx,
		      const struct vmmig_wire_rec *rec,
		      struct vmmig_wire_dest *dest);
u32 vmmig_wire_rx_hello(struct vmmig_wire_rx *rx, const void *payload,
			u32 len);
void vmmig_wire_rx_done(struct vmmig_wire_rx *rx,
			const struct vmmig_wire_rec *rec);
u32 vmmig_wire_rx_round(struct vmmig_wire_rx *rx,
			const struct vmmig_wire_round *round);
u32 vmmig_wire_rx_end(struct vmmig_wire_rx *rx,
		      const struct vmmig_wire_end *end);
u32 vmmig_wire_rx_commit(struct vmmig_wire_rx *rx,
			 const struct vmmig_wire_commit *commit);
u32 vmmig_wire_rx_eof(const struct vmmig_wire_rx *rx, bool mid_record);

u32 vmmig_wire_peer_rec(const struct vmmig_wire_rec *rec, u64 features);
u32 vmmig_wire_peer_progress(const struct vmmig_wire_progress *p,
			     u32 round_sent, u64 bytes_sent, u32 unanswered,
			     u32 *round, u64 *bytes);

u32 vmmig_wire_hello_len(const struct vmmig_wire_layout *layout);
void vmmig_wire_put_hello(void *buf, const struct vmmig_wire_layout *layout,
			  u64 stream_id, u64 features);
void vmmig_wire_put_rec(struct vmmig_wire_rec *rec, u8 type, u32 slot,
			u64 gfn, u16 count, u32 len);

#endif /* _VMMIG_WIRE_H */
