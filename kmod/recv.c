// SPDX-License-Identifier: GPL-2.0
/*
 * Destination side: receive a stream straight into the VM's memory.
 *
 * Every record header is checked by vmmig_wire_rx_rec() before a byte of
 * its payload is read; PAGES payloads are then received with recvmsg()
 * directly into the guest pages the record names (through the VMM's
 * mapping, with its mm in use), so nothing is written outside a checked
 * record's pages.  The stream counts as complete only after END's totals
 * match; the source is then acknowledged, and over a socket the session
 * completes only on the source's COMMIT (see vmmig_wire.h): after its ACK
 * the destination no longer decides.
 */
#include <linux/fs.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "compat.h"
#include "mem.h"
#include "session.h"
#include "state.h"
#include "xfer.h"

/*
 * A receive result as a reason: the stream ending inside a record (at its
 * start too: its header came) is a cut stream.
 */
static u32 vmmig_recv_reason(int ret)
{
	return ret > 0 ? VMMIG_REASON_TRUNCATED : vmmig_channel_reason(ret);
}

/* With checksums on, does the record just received match its crc32c? */
static u32 vmmig_recv_check(const struct vmmig_channel *ch,
			    const struct vmmig_wire_rec *rec)
{
	return vmmig_channel_rx_ok(ch, rec) ? VMMIG_REASON_NONE :
					      VMMIG_REASON_BAD_CHECKSUM;
}

/*
 * A HELLO that asks for checksums (VMMIG_WIRE_F_CSUM) turns them on for
 * the rest of the stream, both ways, before anything else in it is
 * checked: the ACK that rejects it is checksummed too, as the source
 * expects.  Its own checksum is checked then.
 */
static u32 vmmig_recv_hello_csum(struct vmmig_channel *ch,
				 const struct vmmig_wire_rec *rec,
				 const void *buf, u32 len)
{
	const struct vmmig_wire_hello *h = buf;

	if (len < sizeof(*h) || !(be64_to_cpu(h->features) & VMMIG_WIRE_F_CSUM))
		return rec->csum ? VMMIG_REASON_BAD_RESERVED : VMMIG_REASON_NONE;
	if (vmmig_channel_csum_enable(ch, false))
		return VMMIG_REASON_IO_ERROR;
	return vmmig_rec_crc(rec, buf, len) == be32_to_cpu(rec->csum) ?
	       VMMIG_REASON_NONE : VMMIG_REASON_BAD_CHECKSUM;
}

static u32 vmmig_recv_hello(struct vmmig_session *s, struct vmmig_wire_rx *rx,
			    struct vmmig_channel *ch,
			    const struct vmmig_wire_rec *rec)
{
	u32 len = be32_to_cpu(rec->len);
	void *buf = kmalloc(len, GFP_KERNEL);
	u32 reason;
	int ret;

	if (!buf)
		return VMMIG_REASON_IO_ERROR;
	ret = vmmig_channel_recv(ch, buf, len);
	reason = ret ? vmmig_recv_reason(ret) :
		 vmmig_recv_hello_csum(ch, rec, buf, len);
	if (!reason)
		reason = vmmig_wire_rx_hello(rx, buf, len);
	kfree(buf);
	/* Over a socket the outcome is committed: the source must say so. */
	if (!reason && !vmmig_channel_is_file(ch) &&
	    !(rx->features & VMMIG_WIRE_F_COMMIT))
		reason = VMMIG_REASON_BAD_FEATURES;
	if (reason)
		return reason;
	if (rx->features & VMMIG_WIRE_F_CSUM)
		WRITE_ONCE(s->checksum, VMMIG_CHECKSUM_CRC32C);
	else if (s->params.checksum == VMMIG_CHECKSUM_CRC32C)
		return VMMIG_REASON_NO_CHECKSUM;
	return VMMIG_REASON_NONE;
}

#define VMMIG_BLOB_CHUNK	(64U << 10)

/*
 * The VMM's state: written to the destination VMM's blob file, if it gave
 * one, at offset *@pos (several BLOB records follow each other); read and
 * dropped otherwise.
 */
static u32 vmmig_recv_blob(struct vmmig_session *s, struct vmmig_channel *ch,
			   u32 len, loff_t *pos)
{
	void *buf = kvmalloc(min(len, VMMIG_BLOB_CHUNK), GFP_KERNEL);
	u32 reason = VMMIG_REASON_NONE;
	int ret;

	if (!buf)
		return VMMIG_REASON_IO_ERROR;
	while (len && !reason) {
		u32 n = min(len, VMMIG_BLOB_CHUNK);

		ret = vmmig_channel_recv_payload(ch, buf, n);
		if (ret)
			reason = vmmig_recv_reason(ret);
		else if (s->blob_file &&
			 kernel_write(s->blob_file, buf, n, pos) != n)
			reason = VMMIG_REASON_IO_ERROR;
		len -= n;
	}
	kvfree(buf);
	return reason;
}

/*
 * Does the user page at @uaddr read as zero?  1 if it does, 0 if not,
 * -EFAULT.  Read in place, a word at a time, stopping at the first word
 * that is not zero: no copy into a buffer that is then read again.  A
 * never-touched page of private anonymous memory faults in the shared
 * zero page here, as the userspace receiver's check does.
 */
static int vmmig_recv_user_zero(const void __user *uaddr)
{
	const unsigned long __user *w = uaddr;
	unsigned long v = 0;
	unsigned int i;

	if (!user_access_begin(uaddr, PAGE_SIZE))
		return -EFAULT;
	for (i = 0; i < PAGE_SIZE / sizeof(*w) && !v; i++)
		unsafe_get_user(v, w + i, efault);
	user_access_end();
	return !v;
efault:
	user_access_end();
	return -EFAULT;
}

/*
 * A ZERO record: make @count pages of layout slot @slot from page @off (at
 * @hva) read as zero.  Pages that already do are left alone: most of a
 * fresh destination was never touched, and writing those pages would
 * allocate and clear memory that reads as zero anyway.  Pages @zm knows to
 * read as zero are not even looked at.  Reading a page to find out costs
 * no memory in private anonymous memory (the shared zero page is mapped),
 * but would allocate one in shared file memory (memfd, shmem): there a page
 * the page cache does not hold is a hole, which reads as zero, and is not
 * read at all.
 */
static int vmmig_recv_zero(const struct vmmig_mem_zmap *zm, u32 slot,
			   u64 off, unsigned long hva, u64 count)
{
	struct mm_struct *mm = current->mm;

	if (vmmig_mem_zmap_all_zero(zm, slot, off, count))
		return 0;
	while (count) {
		struct file *file = NULL;
		struct vm_area_struct *vma;
		pgoff_t index = 0;
		int ret = 0;
		u64 n;

		mmap_read_lock(mm);
		vma = vma_lookup(mm, hva);
		if (!vma) {
			mmap_read_unlock(mm);
			return -EFAULT;
		}
		n = min_t(u64, count, (vma->vm_end - hva) >> PAGE_SHIFT);
		if (vma->vm_file && (vma->vm_flags & VM_SHARED)) {
			file = get_file(vma->vm_file);
			index = linear_page_index(vma, hva);
		}
		mmap_read_unlock(mm);

		for (; n && ret >= 0;
		     n--, count--, off++, hva += PAGE_SIZE, index++) {
			void __user *uaddr = (void __user *)hva;

			if (vmmig_mem_zmap_zero(zm, slot, off) ||
			    (file && !xa_load(&file->f_mapping->i_pages, index)))
				continue;
			ret = vmmig_recv_user_zero(uaddr);
			if (!ret && clear_user(uaddr, PAGE_SIZE))
				ret = -EFAULT;
			/* A hostile or whole-guest count is millions of pages. */
			cond_resched();
		}
		if (file)
			fput(file);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * PROGRESS: the answer to a ROUND, with the stream bytes read so far, so
 * that the source knows how much of what it sent is still in flight.
 */
static u32 vmmig_recv_progress(struct vmmig_channel *ch, u32 round)
{
	struct vmmig_wire_progress p = {
		.round = cpu_to_be32(round),
		.bytes = cpu_to_be64(ch->received),
	};
	int err;

	err = vmmig_send_rec(ch, VMMIG_WIRE_PROGRESS, 0, 0, 0, &p, sizeof(p),
			     false);
	return err ? vmmig_channel_reason(err) : VMMIG_REASON_NONE;
}

static u32 vmmig_recv_record(struct vmmig_session *s, struct vmmig_channel *ch,
			     struct vmmig_wire_rx *rx,
			     const struct vmmig_mem *mem,
			     struct vmmig_mem_zmap *zm,
			     const struct vmmig_wire_rec *rec, loff_t *blob_pos)
{
	struct vmmig_wire_commit commit;
	struct vmmig_wire_round round;
	struct vmmig_wire_dest d;
	struct vmmig_wire_end end;
	u32 len = be32_to_cpu(rec->len);
	unsigned long hva;
	u32 reason;
	int ret;

	reason = vmmig_wire_rx_rec(rx, rec, &d);
	if (reason)
		return reason;

	switch (rec->type) {
	case VMMIG_WIRE_HELLO:
		return vmmig_recv_hello(s, rx, ch, rec);
	case VMMIG_WIRE_PAGES:
		hva = vmmig_mem_hva(mem, d.slot_index, d.page_offset);
		vmmig_mem_zmap_written(zm, d.slot_index, d.page_offset,
				       d.count);
		ret = vmmig_channel_recv_user(ch, hva, len);
		if (ret)
			return ret == -EFAULT ? VMMIG_REASON_IO_ERROR :
						vmmig_recv_reason(ret);
		reason = vmmig_recv_check(ch, rec);
		if (reason)
			return reason;
		vmmig_wire_rx_done(rx, rec);
		atomic64_add(d.count, &s->stats.pages);
		atomic64_add(len, &s->stats.bytes);
		return VMMIG_REASON_NONE;
	case VMMIG_WIRE_ZERO:
		reason = vmmig_recv_check(ch, rec);
		if (reason)
			return reason;
		hva = vmmig_mem_hva(mem, d.slot_index, d.page_offset);
		if (vmmig_recv_zero(zm, d.slot_index, d.page_offset, hva,
				    d.count))
			return VMMIG_REASON_IO_ERROR;
		vmmig_wire_rx_done(rx, rec);
		atomic64_add(d.count, &s->stats.pages);
		atomic64_add(d.count, &s->stats.zero_pages);
		return VMMIG_REASON_NONE;
	case VMMIG_WIRE_BLOB:
		reason = vmmig_recv_blob(s, ch, len, blob_pos);
		if (!reason)
			reason = vmmig_recv_check(ch, rec);
		if (!reason) {
			vmmig_wire_rx_done(rx, rec);
			atomic64_add(len, &s->stats.blob_bytes);
		}
		return reason;
	case VMMIG_WIRE_ROUND:
		ret = vmmig_channel_recv_payload(ch, &round, sizeof(round));
		if (ret)
			return vmmig_recv_reason(ret);
		reason = vmmig_recv_check(ch, rec);
		if (!reason)
			reason = vmmig_wire_rx_round(rx, &round);
		if (reason)
			return reason;
		atomic_set(&s->stats.round, rx->round);
		atomic64_set(&s->stats.remaining, be64_to_cpu(round.remaining));
		if ((rx->features & VMMIG_WIRE_F_PROGRESS) &&
		    !vmmig_channel_is_file(ch))
			reason = vmmig_recv_progress(ch, rx->round);
		return reason;
	case VMMIG_WIRE_END:
		ret = vmmig_channel_recv_payload(ch, &end, sizeof(end));
		if (ret)
			return vmmig_recv_reason(ret);
		reason = vmmig_recv_check(ch, rec);
		return reason ? reason : vmmig_wire_rx_end(rx, &end);
	case VMMIG_WIRE_COMMIT:
		ret = vmmig_channel_recv_payload(ch, &commit, sizeof(commit));
		if (ret)
			return vmmig_recv_reason(ret);
		reason = vmmig_recv_check(ch, rec);
		return reason ? reason : vmmig_wire_rx_commit(rx, &commit);
	}
	return VMMIG_REASON_BAD_RECORD_TYPE;	/* vmmig_wire_rx_rec() let it by */
}

/* Tell the source how the stream ended (best effort on failure). */
static int vmmig_recv_ack(struct vmmig_channel *ch, u32 status, u64 pages)
{
	struct vmmig_wire_ack ack = {
		.status = cpu_to_be32(status),
		.pages = cpu_to_be64(pages),
	};

	return vmmig_send_rec(ch, VMMIG_WIRE_ACK, 0, 0, 0, &ack, sizeof(ack),
			      false);
}

/*
 * A stream saved to a file ends at END: bytes after it (an old, longer
 * file overwritten by a shorter save) make it suspect.
 */
static u32 vmmig_recv_file_eof(struct vmmig_channel *ch)
{
	u8 byte;
	int ret = vmmig_channel_recv(ch, &byte, 1);

	if (ret == VMMIG_RX_EOF)
		return VMMIG_REASON_NONE;
	return ret ? vmmig_recv_reason(ret) : VMMIG_REASON_TRAILING_DATA;
}

/*
 * END passed its checks: acknowledge the stream.  Over a socket the
 * destination is then committing (cancel refused) and waits for the
 * source's COMMIT; a session cancelled before this point says so instead.
 */
static u32 vmmig_recv_end(struct vmmig_session *s, struct vmmig_channel *ch,
			  struct vmmig_wire_rx *rx, bool *acked)
{
	int err;

	if (vmmig_channel_is_file(ch))
		return vmmig_recv_file_eof(ch);
	if (!vmmig_session_committing(s))
		return VMMIG_REASON_CANCEL;
	err = vmmig_recv_ack(ch, VMMIG_REASON_NONE, rx->pages);
	*acked = true;
	return err ? VMMIG_REASON_COMMIT_UNKNOWN : VMMIG_REASON_NONE;
}

/**
 * vmmig_recv_run() - destination side.
 * @s: a started destination session; runs in its worker with the VMM's mm.
 *
 * Return: VMMIG_REASON_NONE once the whole stream was received, checked,
 * acknowledged and committed by the source; else why not (before the ACK
 * the source is told the same reason; after it, anything but the source's
 * COMMIT leaves the outcome to the source: commit-unknown).
 */
u32 vmmig_recv_run(struct vmmig_session *s)
{
	struct vmmig_channel *ch = &s->channels[0];
	struct vmmig_mem_zmap *zm;
	struct vmmig_wire_rx *rx;
	struct vmmig_wire_rec rec;
	struct vmmig_mem *mem;
	u32 reason = VMMIG_REASON_NONE;
	bool acked = false;
	loff_t blob_pos = 0;
	int ret;

	/* The VMM's layout if it gave one, else the VM's memslots. */
	mem = s->layout ? vmmig_mem_dup(s->layout) :
			  vmmig_mem_snapshot(s->vm.kvm);
	if (IS_ERR(mem))
		return PTR_ERR(mem) == -ENOMEM ? VMMIG_REASON_IO_ERROR :
		       VMMIG_REASON_LAYOUT_MISMATCH;
	rx = kmalloc_obj(*rx, GFP_KERNEL);
	zm = vmmig_mem_zmap_create(mem);
	if (!rx || !zm) {
		vmmig_mem_zmap_free(zm, mem);
		kfree(rx);
		vmmig_mem_free(mem);
		return VMMIG_REASON_IO_ERROR;
	}
	vmmig_wire_rx_init(rx, &mem->layout);

	while (rx->state != VMMIG_WIRE_RX_DONE) {
		if (kthread_should_stop()) {
			reason = VMMIG_REASON_CANCEL;
			break;
		}
		ret = vmmig_channel_recv(ch, &rec, sizeof(rec));
		if (ret) {
			reason = ret == VMMIG_RX_EOF ?
				 vmmig_wire_rx_eof(rx, false) :
				 vmmig_recv_reason(ret);
			break;
		}
		vmmig_channel_rx_begin(ch, &rec);
		reason = vmmig_recv_record(s, ch, rx, mem, zm, &rec, &blob_pos);
		if (!reason && rec.type == VMMIG_WIRE_END)
			reason = vmmig_recv_end(s, ch, rx, &acked);
		if (reason)
			break;
		cond_resched();
	}
	/* After the ACK only the source's own word ends it either way. */
	if (acked && reason && reason != VMMIG_REASON_PEER_ABORTED)
		reason = VMMIG_REASON_COMMIT_UNKNOWN;

	/*
	 * A socket peer learns why the stream failed; a saved file has no
	 * reader.  A session ended from here (cancel, session-del, the VMM
	 * gone) just closes the channel: the source sees its peer go.
	 */
	if (!vmmig_channel_is_file(ch) && !acked && reason &&
	    !vmmig_state_is_final(READ_ONCE(s->state)))
		vmmig_recv_ack(ch, reason, rx->pages);
	kfree(rx);
	vmmig_mem_zmap_free(zm, mem);
	vmmig_mem_free(mem);
	return reason;
}
