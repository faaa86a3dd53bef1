/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The vmmig migration stream, version 1.
 *
 * One stream runs over each channel (a connected stream socket, or a file
 * for save/restore) from the source to the destination:
 *
 *	HELLO  (PAGES | ZERO | BLOB | ROUND)*  END  [COMMIT]
 *
 * and the destination answers an END with one ACK on the same channel
 * (and, with VMMIG_WIRE_F_PROGRESS, every ROUND with a PROGRESS before it).
 *
 * The commit (VMMIG_WIRE_F_COMMIT, every stream over a socket): exactly
 * one side must end up owning the VM.  The destination checks the whole
 * stream, sends ACK with status 0 and waits; the source, on that ACK,
 * completes (the commit point: from here the VM is the destination's and
 * the source VMM must not resume it) and sends COMMIT with status 0.  The
 * destination completes on COMMIT.  A source that gave up before the ACK
 * reached it sends COMMIT with its reason, or nothing; a destination that
 * gets no COMMIT (the connection lost, the peer timeout) fails with reason
 * commit-unknown: the outcome is then the source session's, and the
 * destination VMM must neither resume nor discard the VM before it knows
 * it.  A stream saved to a file ends at END: the file is complete once it
 * is on storage, and nothing may follow END in it.
 * Every record is a struct vmmig_wire_rec followed by exactly rec.len
 * payload bytes.  All integers are big-endian; reserved fields and unknown
 * flag bits must be zero, and a receiver rejects a stream that sets them,
 * so they can be given a meaning later without ambiguity.
 *
 * Versioning: HELLO carries the format version and a feature bit mask.  A
 * receiver rejects a version it does not speak and any feature bit it does
 * not know; host-get tells a VMM beforehand which version both ends speak.
 * New record types and flags come with a feature bit (e.g. compressed
 * pages, several channels per migration); the layout of the header and of
 * the records below never changes within a version.
 *
 * The receiver treats every byte as hostile: see kmod/wire.c for the checks
 * a record must pass before any guest memory is written.
 */
#ifndef _UAPI_LINUX_VMMIG_WIRE_H
#define _UAPI_LINUX_VMMIG_WIRE_H

#include <linux/const.h>
#include <linux/types.h>

#define VMMIG_WIRE_MAGIC	0x564d4d47	/* "VMMG" */
#define VMMIG_WIRE_VERSION	1

/* Bounds a receiver enforces. */
#define VMMIG_WIRE_MAX_SLOTS	512	/* memslots in a HELLO */
#define VMMIG_WIRE_MAX_COUNT	512	/* pages in one PAGES/ZERO record */
#define VMMIG_WIRE_MAX_BLOB	(64U << 20)	/* BLOB bytes in a stream */

/*
 * HELLO.features.
 * @VMMIG_WIRE_F_LIVE: a live migration: the same page may come again in a
 *	later round (the last copy wins), and ROUND records may appear.
 * @VMMIG_WIRE_F_PROGRESS: (with VMMIG_WIRE_F_LIVE, on a socket) the
 *	destination answers every ROUND, once it has read it, with a
 *	PROGRESS record: the source then knows how much of what it sent is
 *	still in flight (socket buffers, the network), which the switchover
 *	would have to wait for too.
 * @VMMIG_WIRE_F_COMMIT: (on a socket) after its ACK the destination
 *	waits for the source's COMMIT before it completes (see above).
 * @VMMIG_WIRE_F_CSUM: every record of the stream, in both directions and
 *	this HELLO included, carries in rec.csum the crc32c (Castagnoli,
 *	seed ~0, no final inversion: the kernel's crc32c(~0, ...)) of its
 *	header, with rec.csum taken as 0, followed by its payload.  The
 *	receiver checks it once it has the whole record; a mismatch ends
 *	the stream (reason bad-checksum).  Without it rec.csum must be 0.
 */
#define VMMIG_WIRE_F_LIVE	_BITULL(0)
#define VMMIG_WIRE_F_PROGRESS	_BITULL(1)
#define VMMIG_WIRE_F_COMMIT	_BITULL(2)
#define VMMIG_WIRE_F_CSUM	_BITULL(3)
#define VMMIG_WIRE_F_KNOWN	(VMMIG_WIRE_F_LIVE | VMMIG_WIRE_F_PROGRESS | \
				 VMMIG_WIRE_F_COMMIT | VMMIG_WIRE_F_CSUM)

/**
 * enum vmmig_wire_type - record types.
 * @VMMIG_WIRE_HELLO: first record of a stream; payload struct
 *	vmmig_wire_hello, then hello.nr_slots struct vmmig_wire_slot.
 * @VMMIG_WIRE_PAGES: rec.count guest pages starting at rec.gfn of memslot
 *	rec.slot; payload is their contents, rec.len = count * page_size.
 * @VMMIG_WIRE_ZERO: rec.count pages at rec.gfn of rec.slot that are all
 *	zero; no payload.
 * @VMMIG_WIRE_BLOB: opaque VMM state (vCPU and device state) handed to the
 *	destination VMM unchanged; payload rec.len bytes.
 * @VMMIG_WIRE_END: last record; payload struct vmmig_wire_end.
 * @VMMIG_WIRE_ACK: destination to source, after END; payload struct
 *	vmmig_wire_ack.
 * @VMMIG_WIRE_ROUND: (VMMIG_WIRE_F_LIVE) a pre-copy round begins, or, with
 *	the same round number again, a keepalive while the source has nothing
 *	to send; payload struct vmmig_wire_round.
 * @VMMIG_WIRE_PROGRESS: (VMMIG_WIRE_F_PROGRESS) destination to source, the
 *	answer to a ROUND; payload struct vmmig_wire_progress.
 * @VMMIG_WIRE_COMMIT: (VMMIG_WIRE_F_COMMIT) source to destination, after
 *	the ACK; payload struct vmmig_wire_commit.
 */
enum vmmig_wire_type {
	VMMIG_WIRE_HELLO = 1,
	VMMIG_WIRE_PAGES,
	VMMIG_WIRE_ZERO,
	VMMIG_WIRE_BLOB,
	VMMIG_WIRE_END,
	VMMIG_WIRE_ACK,
	VMMIG_WIRE_ROUND,
	VMMIG_WIRE_PROGRESS,
	VMMIG_WIRE_COMMIT,
};

/**
 * struct vmmig_wire_rec - header of every record (24 bytes).
 * @type: enum vmmig_wire_type.
 * @flags: none defined in version 1; must be 0.
 * @count: pages (PAGES, ZERO), 1..VMMIG_WIRE_MAX_COUNT; 0 otherwise.
 * @len: payload bytes that follow this header.
 * @slot: memslot, (address space << 16) | slot id (PAGES, ZERO); else 0.
 * @csum: with VMMIG_WIRE_F_CSUM the record's crc32c, else 0.
 * @gfn: first guest frame number (PAGES, ZERO); else 0.
 */
struct vmmig_wire_rec {
	__u8	type;
	__u8	flags;
	__be16	count;
	__be32	len;
	__be32	slot;
	__be32	csum;
	__be64	gfn;
};

/**
 * struct vmmig_wire_hello - payload of HELLO (32 bytes, then the slots).
 * @magic: VMMIG_WIRE_MAGIC.
 * @version: VMMIG_WIRE_VERSION.
 * @nr_slots: number of struct vmmig_wire_slot that follow, in ascending
 *	@slot order, 1..VMMIG_WIRE_MAX_SLOTS.
 * @features: VMMIG_WIRE_F_* bits this stream uses.
 * @stream_id: random; the same on every channel of one migration.
 * @page_size: guest page size in bytes (4096 on x86).
 * @channel: index of this channel, 0..@nr_channels - 1.
 * @nr_channels: channels of this migration (1 in version 1).
 *
 * A BLOB record carries at most VMMIG_WIRE_MAX_BLOB bytes, and so do all
 * BLOB records of a stream together.
 *
 * The destination's VM must have exactly this memslot layout.
 */
struct vmmig_wire_hello {
	__be32	magic;
	__be16	version;
	__be16	nr_slots;
	__be64	features;
	__be64	stream_id;
	__be32	page_size;
	__be16	channel;
	__be16	nr_channels;
};

/**
 * struct vmmig_wire_slot - one memslot of the source VM (24 bytes).
 * @slot: (address space << 16) | slot id.
 * @flags: must be 0.
 * @base_gfn: first guest frame number.
 * @npages: size in pages, at least 1.
 */
struct vmmig_wire_slot {
	__be32	slot;
	__be32	flags;
	__be64	base_gfn;
	__be64	npages;
};

/**
 * struct vmmig_wire_end - payload of END: what this channel carried, so a
 * receiver can tell a complete stream from one that lost records.
 * @pages: pages in PAGES and ZERO records.
 * @blob_bytes: payload bytes of BLOB records.
 */
struct vmmig_wire_end {
	__be64	pages;
	__be64	blob_bytes;
};

/**
 * struct vmmig_wire_ack - payload of ACK.
 * @status: 0 when the whole stream was received and checked; otherwise
 *	the destination's enum vmmig_reason.
 * @reserved: must be 0.
 * @pages: pages the destination received.
 */
struct vmmig_wire_ack {
	__be32	status;
	__be32	reserved;
	__be64	pages;
};

/**
 * struct vmmig_wire_round - payload of ROUND.
 * @round: pre-copy round, 0 for the first full pass; the same as the last
 *	ROUND's (within a round, a keepalive) or the next.
 * @reserved: must be 0.
 * @remaining: pages the source knows dirty at this point (informational),
 *	at most the pages of the layout.
 */
struct vmmig_wire_round {
	__be32	round;
	__be32	reserved;
	__be64	remaining;
};

/**
 * struct vmmig_wire_progress - payload of PROGRESS.
 * @round: the round of the ROUND record it answers; never decreases.
 * @reserved: must be 0.
 * @bytes: bytes of the stream the destination had read when it read that
 *	ROUND, from the first byte of HELLO to the last of that ROUND.
 */
struct vmmig_wire_progress {
	__be32	round;
	__be32	reserved;
	__be64	bytes;
};

/**
 * struct vmmig_wire_commit - payload of COMMIT.
 * @status: 0: the source completed, the VM is the destination's; else the
 *	source's enum vmmig_reason: it gave the migration up.
 * @reserved: must be 0.
 * @pages: pages the source sent (the END's count).
 */
struct vmmig_wire_commit {
	__be32	status;
	__be32	reserved;
	__be64	pages;
};

#endif /* _UAPI_LINUX_VMMIG_WIRE_H */
