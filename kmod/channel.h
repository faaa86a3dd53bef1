/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A channel: what one stream runs over.  Either a connected stream socket
 * to the peer (a session has 1..VMMIG_MAX_CHANNELS of them), or a regular
 * file that the source saves its stream to and the destination restores
 * from (then it is the session's only channel).
 *
 * Lifetime: vmmig_channel_init*() hold the struct file until
 * vmmig_channel_release(); the VMM may close its own fd at any time.  While
 * the session's worker runs, a socket is also claimed (sk_user_data): a
 * second running session, or another kernel user of sk_user_data, is
 * refused it.  The
 * I/O helpers are used by the session's worker only; file offsets live
 * here (@pos), never in the shared struct file, and so do the counts of
 * the stream's bytes.
 */
#ifndef _VMMIG_CHANNEL_H
#define _VMMIG_CHANNEL_H

#include <linux/mm_types_task.h>
#include <linux/types.h>

struct bio_vec;
struct file;
struct iov_iter;
struct page;
struct socket;
struct netlink_ext_ack;
struct nlattr;
struct vmmig_channel;
struct vmmig_wire_rec;

/*
 * How a receive into a buffer ended: filled, or the channel ended before
 * the first byte (between records) or in the middle (a cut stream).
 */
enum vmmig_rx_end {
	VMMIG_RX_FULL,
	VMMIG_RX_EOF,
	VMMIG_RX_CUT,
};

/*
 * A channel's I/O, picked for its kind when it is set up (a file, a
 * socket, on 6.1 a plain TCP socket, or a kTLS socket) and never tested
 * again per call.
 * @send: send all of @buf (copied); @more: more follows at once.
 * @send_rec: send a record: @len bytes of header (copied) and then @nr
 *	whole pages (@nr may be 0), by reference on a socket: the stack
 *	takes its own page references, the caller may unpin on return.
 * @recv: fill @iter completely.
 * @recv_some: read what there is, up to @len bytes (sockets only; see
 *	vmmig_channel_recv_some()).
 * Return: 0 or a negative errno; @recv an enum vmmig_rx_end or a negative
 * errno.
 *
 * A kTLS channel's errors say what the peer did, as errnos that no TCP
 * socket returns (vmmig_channel_reason() names them): -EBADMSG a record
 * that failed authentication or is no TLS record, -EREMOTEIO an alert,
 * -EKEYEXPIRED a KeyUpdate, -EPROTO another record that is not data.
 */
struct vmmig_channel_ops {
	int (*send)(struct vmmig_channel *ch, const void *buf, size_t len,
		    bool more);
	int (*send_rec)(struct vmmig_channel *ch, const void *hdr, size_t len,
			struct page **pages, unsigned int nr, bool more);
	int (*recv)(struct vmmig_channel *ch, struct iov_iter *iter);
	int (*recv_some)(struct vmmig_channel *ch, void *buf, size_t len,
			 int flags);
};

struct vmmig_channel {
	const struct vmmig_channel_ops *ops;
	struct file *file;
	struct socket *sock;	/* NULL for a file channel */
	/*
	 * A kTLS socket, both directions keyed in software: its TLS version
	 * and cipher (TLS_1_3_VERSION, TLS_CIPHER_* of <linux/tls.h>); 0 for
	 * any other channel.  Found at init, found the same at claim.
	 */
	u16 tls_version;
	u16 tls_cipher;
	/*
	 * A record as one send: its header (a copy in @frag, so that a
	 * socket can take it by reference too) and its pages.  Allocated
	 * with the channel; used by the sending worker only.
	 */
	struct bio_vec *bvec;
	struct page_frag_cache frag;
	loff_t pos;		/* file channel: next offset */
	u64 sent;		/* stream bytes sent */
	u64 received;		/* stream bytes received */
	/*
	 * Record checksums (VMMIG_WIRE_F_CSUM), switched on once per stream
	 * by vmmig_channel_csum_enable() before the first checksummed record
	 * goes or comes, by the worker (which alone uses them).  @copy (a
	 * live source) holds the pages of the record being sent: the guest
	 * writes on while they are in flight, so the pages sent are a copy,
	 * the one checksummed (@copy_pages); a receiver reads the pages it
	 * received back through a page of it.  @rx_crc: the crc32c of the
	 * record being received, so far.
	 */
	bool csum;
	bool copy_pages;
	void *copy;
	u32 rx_crc;
};

int vmmig_channel_init(struct vmmig_channel *ch, int fd,
		       const struct nlattr *attr,
		       struct netlink_ext_ack *extack);
int vmmig_channel_init_file(struct vmmig_channel *ch, int fd, bool write,
			    const struct nlattr *attr,
			    struct netlink_ext_ack *extack);
void vmmig_channel_release(struct vmmig_channel *ch);
int vmmig_channel_claim(struct vmmig_channel *ch,
			struct netlink_ext_ack *extack);
void vmmig_channel_unclaim(struct vmmig_channel *ch);
struct file *vmmig_blob_file_get(int fd, bool read, const struct nlattr *attr,
				 struct netlink_ext_ack *extack);

static inline bool vmmig_channel_is_file(const struct vmmig_channel *ch)
{
	return !ch->sock;
}

/* Is the channel a kTLS socket (every record encrypted and authenticated)? */
static inline bool vmmig_channel_is_tls(const struct vmmig_channel *ch)
{
	return ch->tls_version;
}

int vmmig_channel_csum_enable(struct vmmig_channel *ch, bool copy);
u32 vmmig_rec_crc(const struct vmmig_wire_rec *rec, const void *payload,
		  u32 len);
int vmmig_channel_send(struct vmmig_channel *ch, const void *buf, size_t len,
		       bool more);
int vmmig_channel_send_rec(struct vmmig_channel *ch,
			   struct vmmig_wire_rec *rec, struct page **pages,
			   unsigned int nr, bool more);
int vmmig_channel_recv(struct vmmig_channel *ch, void *buf, size_t len);
void vmmig_channel_rx_begin(struct vmmig_channel *ch,
			    const struct vmmig_wire_rec *rec);
int vmmig_channel_recv_payload(struct vmmig_channel *ch, void *buf,
			       size_t len);
bool vmmig_channel_rx_ok(const struct vmmig_channel *ch,
			 const struct vmmig_wire_rec *rec);
int vmmig_channel_recv_some(struct vmmig_channel *ch, void *buf, size_t len,
			    bool wait);
int vmmig_channel_recv_user(struct vmmig_channel *ch, unsigned long uaddr,
			    size_t len);
int vmmig_channel_sync(struct vmmig_channel *ch);
void vmmig_channel_shutdown(struct vmmig_channel *ch);
void vmmig_channel_prepare(struct vmmig_channel *ch, u32 timeout_ms);
u32 vmmig_channel_reason(int err);

#endif /* _VMMIG_CHANNEL_H */
