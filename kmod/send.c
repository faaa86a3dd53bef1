// SPDX-License-Identifier: GPL-2.0
/*
 * Source side: send every page of a paused VM (quick migration).
 *
 * Pages are pinned a batch at a time (at most VMMIG_WIRE_MAX_COUNT), sorted
 * into runs of zero pages (a header-only ZERO record) and runs of data
 * pages (a PAGES header, then the pages themselves handed to the socket
 * without a copy), and unpinned once the stack holds its own references.
 */
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uio.h>

#include "compat.h"
#include "mem.h"
#include "session.h"
#include "xfer.h"

/**
 * vmmig_send_rec() - send a record whose payload is in a kernel buffer.
 * @ch: the channel.
 * @type: enum vmmig_wire_type.
 * @slot: memslot (ZERO), else 0.
 * @gfn: first page (ZERO), else 0.
 * @count: pages (ZERO), else 0.
 * @payload: @len bytes; NULL if @len is 0.
 * @len: payload bytes.
 * @more: more data follows at once.
 *
 * Return: 0 or a negative errno.
 */
int vmmig_send_rec(struct vmmig_channel *ch, u8 type, u32 slot, u64 gfn,
		   u16 count, const void *payload, u32 len, bool more)
{
	struct vmmig_wire_rec rec;
	int err;

	vmmig_wire_put_rec(&rec, type, slot, gfn, count, len);
	if (ch->csum)
		rec.csum = cpu_to_be32(vmmig_rec_crc(&rec, payload, len));
	err = vmmig_channel_send(ch, &rec, sizeof(rec), more || len);
	if (!err && len)
		err = vmmig_channel_send(ch, payload, len, more);
	return err;
}

/* A PAGES record of @nr pages from @gfn: header and pages in one send. */
static int vmmig_send_data(struct vmmig_channel *ch, u32 slot, u64 gfn,
			   struct page **pages, unsigned int nr)
{
	struct vmmig_wire_rec rec;

	vmmig_wire_put_rec(&rec, VMMIG_WIRE_PAGES, slot, gfn, nr,
			   nr * PAGE_SIZE);
	return vmmig_channel_send_rec(ch, &rec, pages, nr, true);
}

bool vmmig_zero_detect = true;
module_param_named(zero_detect, vmmig_zero_detect, bool, 0644);
MODULE_PARM_DESC(zero_detect,
		 "Send all-zero pages as header-only records (default on)");

static bool vmmig_page_is_zero(struct page *page)
{
	void *p;
	bool zero;

	if (!READ_ONCE(vmmig_zero_detect))
		return false;
	if (is_zero_pfn(page_to_pfn(page)))
		return true;
	p = kmap_local_page(page);
	zero = !memchr_inv(p, 0, PAGE_SIZE);
	kunmap_local(p);
	return zero;
}

/*
 * Send @nr pinned pages that start at @gfn of memslot @slot, as runs of
 * zero and data pages.  Each page is checked once: the page that ends a
 * run starts the next.
 */
static int vmmig_send_batch(struct vmmig_session *s, struct vmmig_channel *ch,
			    u32 slot, u64 gfn, struct page **pages,
			    unsigned int nr)
{
	bool zero = vmmig_page_is_zero(pages[0]), next = zero;
	unsigned int i = 0, j;
	int err = 0;

	while (i < nr && !err) {
		for (j = i + 1; j < nr; j++) {
			next = vmmig_page_is_zero(pages[j]);
			if (next != zero)
				break;
		}
		if (zero) {
			err = vmmig_send_rec(ch, VMMIG_WIRE_ZERO, slot,
					     gfn + i, j - i, NULL, 0, true);
			if (!err)
				atomic64_add(j - i, &s->stats.zero_pages);
		} else {
			err = vmmig_send_data(ch, slot, gfn + i, pages + i,
					      j - i);
			if (!err)
				atomic64_add((u64)(j - i) * PAGE_SIZE,
					     &s->stats.bytes);
		}
		if (!err)
			atomic64_add(j - i, &s->stats.pages);
		i = j;
		zero = next;
	}
	return err;
}

/**
 * vmmig_send_pages() - send @n pages of layout slot @si from page @off.
 * @s: the session.
 * @ch: the channel.
 * @mem: the layout.
 * @si: layout slot index.
 * @off: first page, relative to the slot.
 * @n: pages, at most VMMIG_WIRE_MAX_COUNT.
 * @pages: room for @n page pointers.
 *
 * Return: pages sent (fewer than @n only if the rest is not mapped), or a
 * negative errno.
 */
int vmmig_send_pages(struct vmmig_session *s, struct vmmig_channel *ch,
		     const struct vmmig_mem *mem, u32 si, u64 off,
		     unsigned int n, struct page **pages)
{
	int pinned, err;

	pinned = pin_user_pages_fast(vmmig_mem_hva(mem, si, off), n, 0, pages);
	if (pinned <= 0)
		return pinned ? pinned : -EFAULT;
	err = vmmig_send_batch(s, ch, mem->layout.slots[si].slot,
			       mem->layout.slots[si].base_gfn + off, pages,
			       pinned);
	unpin_user_pages(pages, pinned);
	return err ? err : pinned;
}

/*
 * An ACK before END: the destination gave up (a record it refused, a
 * checksum that did not match) and says why.  Looked for between batches
 * without blocking, so that the source stops at once rather than when its
 * sends stall on a peer that no longer reads.
 */
static u32 vmmig_send_peer_early(struct vmmig_session *s,
				 struct vmmig_channel *ch,
				 struct vmmig_peer *peer)
{
	u32 reason;

	if (vmmig_channel_is_file(ch))
		return VMMIG_REASON_NONE;
	reason = vmmig_send_peer_rx(ch, peer, false);
	if (reason || !peer->acked)
		return reason;
	return vmmig_send_ack_early(peer, atomic64_read(&s->stats.pages));
}

static u32 vmmig_send_memory(struct vmmig_session *s,
			     struct vmmig_channel *ch,
			     const struct vmmig_mem *mem, struct page **pages,
			     struct vmmig_peer *peer)
{
	const struct vmmig_wire_layout *layout = &mem->layout;
	u32 i, reason;

	for (i = 0; i < layout->nr_slots; i++) {
		const struct vmmig_wire_mslot *ms = &layout->slots[i];
		u64 off = 0;

		/* An alias's pages went as its canonical slot's. */
		if (mem->alias[i])
			continue;
		while (off < ms->npages) {
			unsigned int n = min_t(u64, ms->npages - off,
					       VMMIG_WIRE_MAX_COUNT);
			int sent;

			if (kthread_should_stop())
				return VMMIG_REASON_CANCEL;
			sent = vmmig_send_pages(s, ch, mem, i, off, n, pages);
			if (sent < 0)
				return sent == -EFAULT ? VMMIG_REASON_IO_ERROR :
					vmmig_channel_reason(sent);
			off += sent;
			reason = vmmig_send_peer_early(s, ch, peer);
			if (reason)
				return reason;
			cond_resched();
		}
	}
	return VMMIG_REASON_NONE;
}

#define VMMIG_BLOB_CHUNK	(64U << 10)

/*
 * A BLOB's header.  With checksums on, its crc32c covers the whole file,
 * read once for it before it is read again to be sent: a file that
 * changes in between (the VMM must not) fails the session on the other
 * end, never passes as intact.
 */
static int vmmig_send_blob_rec(struct vmmig_session *s,
			       struct vmmig_channel *ch, void *buf, u32 size)
{
	struct vmmig_wire_rec rec;
	loff_t pos = 0;
	u32 crc;

	vmmig_wire_put_rec(&rec, VMMIG_WIRE_BLOB, 0, 0, 0, size);
	if (ch->csum) {
		crc = vmmig_rec_crc(&rec, NULL, 0);
		while (pos < size) {
			ssize_t n = kernel_read(s->blob_file, buf,
						min_t(loff_t, size - pos,
						      VMMIG_BLOB_CHUNK), &pos);

			if (n <= 0)
				return n ? n : -EIO;
			crc = crc32c(crc, buf, n);
		}
		rec.csum = cpu_to_be32(crc);
	}
	return vmmig_channel_send(ch, &rec, sizeof(rec), true);
}

/* The VMM's state: the whole blob file, as one BLOB record. */
u32 vmmig_send_blob(struct vmmig_session *s, struct vmmig_channel *ch)
{
	loff_t size = i_size_read(file_inode(s->blob_file)), pos = 0;
	void *buf;
	int err;

	if (!size)
		return VMMIG_REASON_NONE;
	if (size > VMMIG_WIRE_MAX_BLOB)
		return VMMIG_REASON_BAD_LENGTH;
	buf = kvmalloc(VMMIG_BLOB_CHUNK, GFP_KERNEL);
	if (!buf)
		return VMMIG_REASON_IO_ERROR;
	err = vmmig_send_blob_rec(s, ch, buf, size);
	while (!err && pos < size) {
		ssize_t n = kernel_read(s->blob_file, buf,
					min_t(loff_t, size - pos,
					      VMMIG_BLOB_CHUNK), &pos);

		/* The file shrank under us: the record would be short. */
		err = n > 0 ? vmmig_channel_send(ch, buf, n, true) :
			      (n ? n : -EIO);
	}
	kvfree(buf);
	if (err)
		return vmmig_channel_reason(err);
	atomic64_set(&s->stats.blob_bytes, size);
	return VMMIG_REASON_NONE;
}

/**
 * vmmig_send_peer_rx() - read what the destination sent back.
 * @ch: a socket channel.
 * @peer: what was read so far; PROGRESS records update it.
 * @wait: block until the ACK came; else return when nothing more is
 *	there.
 *
 * Every record is checked before it counts (vmmig_wire_peer_rec(),
 * vmmig_wire_peer_progress()), and no more PROGRESS records are taken than
 * ROUNDs were sent: a destination cannot keep the source here.  The ACK stays in @peer->buf: only
 * vmmig_send_wait_ack() may take it, after END.
 *
 * Return: VMMIG_REASON_NONE, or why the stream must be given up.
 */
u32 vmmig_send_peer_rx(struct vmmig_channel *ch, struct vmmig_peer *peer,
		       bool wait)
{
	const u32 hlen = sizeof(struct vmmig_wire_rec);
	const struct vmmig_wire_rec *rec = (void *)peer->buf;
	u32 reason;
	int n;

	while (!peer->acked) {
		u32 want = peer->have < hlen ? hlen : sizeof(peer->buf);

		n = vmmig_channel_recv_some(ch, peer->buf + peer->have,
					    want - peer->have, wait);
		if (n == -EAGAIN && !wait)
			return VMMIG_REASON_NONE;
		if (n < 0)
			return vmmig_channel_reason(n);
		if (!n)
			return peer->have ? VMMIG_REASON_TRUNCATED :
					    VMMIG_REASON_PEER_CLOSED;
		peer->have += n;
		if (peer->have == hlen) {
			reason = vmmig_wire_peer_rec(rec, peer->features);
			if (reason)
				return reason;
		}
		if (peer->have < sizeof(peer->buf))
			continue;
		if (ch->csum &&
		    vmmig_rec_crc(rec, rec + 1, sizeof(peer->buf) - hlen) !=
		    be32_to_cpu(rec->csum))
			return VMMIG_REASON_BAD_CHECKSUM;
		if (rec->type == VMMIG_WIRE_ACK) {
			peer->acked = true;
			break;
		}
		reason = vmmig_wire_peer_progress((void *)(rec + 1),
						  peer->round_sent, ch->sent,
						  peer->asked - peer->answered,
						  &peer->round, &peer->bytes);
		if (reason)
			return reason;
		peer->answered++;
		peer->have = 0;
	}
	return VMMIG_REASON_NONE;
}

/* The destination's ACK (it may come early: the destination failed). */
u32 vmmig_send_ack_reason(const struct vmmig_peer *peer, u64 pages)
{
	const struct vmmig_wire_ack *ack = (void *)(peer->buf +
						    sizeof(struct vmmig_wire_rec));
	u32 why = be32_to_cpu(ack->status);

	if (why)
		return why <= VMMIG_REASON_MAX ? why : VMMIG_REASON_INCOMPLETE;
	if (ack->reserved)
		return VMMIG_REASON_BAD_RESERVED;
	if (be64_to_cpu(ack->pages) != pages)
		return VMMIG_REASON_INCOMPLETE;
	return VMMIG_REASON_NONE;
}

/*
 * An ACK before END: the destination gave up and says why (one that says
 * it completed cannot come before END).
 */
u32 vmmig_send_ack_early(const struct vmmig_peer *peer, u64 pages)
{
	u32 reason = vmmig_send_ack_reason(peer, pages);

	return reason ? reason : VMMIG_REASON_BAD_RECORD_TYPE;
}

/* Wait for the destination's ACK (after what it still had to say). */
static u32 vmmig_send_wait_ack(struct vmmig_channel *ch,
			       struct vmmig_peer *peer, u64 pages)
{
	u32 reason = vmmig_send_peer_rx(ch, peer, true);

	return reason ? reason : vmmig_send_ack_reason(peer, pages);
}

/**
 * vmmig_send_commit() - the destination acknowledged the whole stream:
 * commit (the source completes; the VM is the destination's now) and tell
 * it so, or, if the session was cancelled meanwhile, tell it that.
 * @s: a source session, from its worker.
 * @ch: its channel.
 *
 * A COMMIT that does not arrive leaves the destination without an
 * outcome (reason commit-unknown), never with a wrong one.
 *
 * Return: VMMIG_REASON_NONE if committed (the session completed), else
 * VMMIG_REASON_CANCEL.
 */
u32 vmmig_send_commit(struct vmmig_session *s, struct vmmig_channel *ch)
{
	bool committed = vmmig_session_commit(s);
	struct vmmig_wire_commit c = {
		.status = cpu_to_be32(committed ? VMMIG_REASON_NONE :
				      VMMIG_REASON_CANCEL),
		.pages = cpu_to_be64(atomic64_read(&s->stats.pages)),
	};

	if (!vmmig_channel_is_file(ch))
		vmmig_send_rec(ch, VMMIG_WIRE_COMMIT, 0, 0, 0, &c, sizeof(c),
			       false);
	return committed ? VMMIG_REASON_NONE : VMMIG_REASON_CANCEL;
}

/*
 * HELLO: the layout, and what the stream will use.  Checksums, if asked
 * for, cover every record from this one on.
 */
u32 vmmig_send_hello(struct vmmig_channel *ch, const struct vmmig_mem *mem,
		     u64 features)
{
	u32 len = vmmig_wire_hello_len(&mem->layout);
	void *hello;
	int err;

	if ((features & VMMIG_WIRE_F_CSUM) &&
	    vmmig_channel_csum_enable(ch, features & VMMIG_WIRE_F_LIVE))
		return VMMIG_REASON_IO_ERROR;
	hello = kmalloc(len, GFP_KERNEL);
	if (!hello)
		return VMMIG_REASON_IO_ERROR;
	vmmig_wire_put_hello(hello, &mem->layout, get_random_u64(), features);
	err = vmmig_send_rec(ch, VMMIG_WIRE_HELLO, 0, 0, 0, hello, len, true);
	kfree(hello);
	return err ? vmmig_channel_reason(err) : VMMIG_REASON_NONE;
}

/*
 * END with the stream's totals, then wait until the destination has it
 * all: its ACK on a socket (@peer: what it sent back so far), storage for
 * a file.
 */
u32 vmmig_send_end(struct vmmig_session *s, struct vmmig_channel *ch,
		   struct vmmig_peer *peer)
{
	struct vmmig_wire_end end;
	int err;

	end.pages = cpu_to_be64(atomic64_read(&s->stats.pages));
	end.blob_bytes = cpu_to_be64(atomic64_read(&s->stats.blob_bytes));
	err = vmmig_send_rec(ch, VMMIG_WIRE_END, 0, 0, 0, &end, sizeof(end),
			     false);
	if (!err)
		err = vmmig_channel_sync(ch);
	if (err)
		return vmmig_channel_reason(err);
	/* A saved stream is complete once it is on storage. */
	if (vmmig_channel_is_file(ch))
		return VMMIG_REASON_NONE;
	return vmmig_send_wait_ack(ch, peer, atomic64_read(&s->stats.pages));
}

/*
 * Sending failed: a destination that gave up first said why in an ACK
 * before it shut the connection down (a bad record, a checksum that did
 * not match).  Its reason, if it is there to read, says more than the
 * connection's end.
 */
static u32 vmmig_send_peer_why(struct vmmig_session *s,
			       struct vmmig_channel *ch,
			       struct vmmig_peer *peer, u32 reason)
{
	u32 why;

	if (peer->acked ||
	    (reason != VMMIG_REASON_PEER_CLOSED &&
	     reason != VMMIG_REASON_PEER_TIMEOUT &&
	     reason != VMMIG_REASON_IO_ERROR))
		return reason;
	why = vmmig_send_peer_early(s, ch, peer);
	return peer->acked ? why : reason;
}

/**
 * vmmig_send_run() - quick migration, source side: HELLO, every page, END,
 * then wait for the destination's acknowledgment and commit (or, saving
 * to a file, wait for the file to reach storage).
 * @s: a started source session; runs in its worker with the VMM's mm.
 *
 * Return: VMMIG_REASON_NONE once the destination acknowledged everything
 * (the session completed then).
 */
u32 vmmig_send_run(struct vmmig_session *s)
{
	struct vmmig_channel *ch = &s->channels[0];
	struct vmmig_peer peer = { };
	struct page **pages;
	struct vmmig_mem *mem;
	u32 reason;

	mem = vmmig_mem_source(s->vm.kvm, &s->filter);
	if (IS_ERR(mem))
		return VMMIG_REASON_LAYOUT_MISMATCH;
	reason = VMMIG_REASON_IO_ERROR;
	pages = kvmalloc_array(VMMIG_WIRE_MAX_COUNT, sizeof(*pages),
			       GFP_KERNEL);
	if (!pages)
		goto out;

	if (!vmmig_channel_is_file(ch))
		peer.features = VMMIG_WIRE_F_COMMIT;
	if (s->params.checksum == VMMIG_CHECKSUM_CRC32C)
		peer.features |= VMMIG_WIRE_F_CSUM;
	reason = vmmig_send_hello(ch, mem, peer.features);
	if (!reason)
		reason = vmmig_send_memory(s, ch, mem, pages, &peer);
	if (!reason && s->blob_file)
		reason = vmmig_send_blob(s, ch);
	if (!reason)
		reason = vmmig_send_end(s, ch, &peer);
	if (reason)
		reason = vmmig_send_peer_why(s, ch, &peer, reason);
	if (!reason)
		reason = vmmig_send_commit(s, ch);
out:
	kvfree(pages);
	vmmig_mem_free(mem);
	return reason;
}
