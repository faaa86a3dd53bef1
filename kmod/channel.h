/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A channel: what one stream runs over.  Either a connected stream socket
 * to the peer (a session has 1..VMMIG_MAX_CHANNELS of them), or a regular
 * file that the source saves its stream to and the destination restores
 * from (then it is the session's only channel).
 *
 * Lifetime: vmmig_channel_init*() hold the struct file until
 * vmmig_channel_release(); the VMM may close its own fd at any time.  The
 * I/O helpers are used by the session's worker only; file offsets live
 * here (@pos), never in the shared struct file, and so do the counts of
 * the stream's bytes.
 */
#ifndef _VMMIG_CHANNEL_H
#define _VMMIG_CHANNEL_H

#include <linux/types.h>

struct file;
struct page;
struct socket;
struct netlink_ext_ack;
struct nlattr;

struct vmmig_channel {
	struct file *file;
	struct socket *sock;	/* NULL for a file channel */
	/* Sends pages; picked for the channel's kind when it is set up. */
	int (*send_pages)(struct vmmig_channel *ch, struct page **pages,
			  unsigned int nr, bool more);
	loff_t pos;		/* file channel: next offset */
	u64 sent;		/* stream bytes sent */
	u64 received;		/* stream bytes received */
};

int vmmig_channel_init(struct vmmig_channel *ch, int fd,
		       const struct nlattr *attr,
		       struct netlink_ext_ack *extack);
int vmmig_channel_init_file(struct vmmig_channel *ch, int fd, bool write,
			    const struct nlattr *attr,
			    struct netlink_ext_ack *extack);
void vmmig_channel_release(struct vmmig_channel *ch);
struct file *vmmig_blob_file_get(int fd, bool read, const struct nlattr *attr,
				 struct netlink_ext_ack *extack);

static inline bool vmmig_channel_is_file(const struct vmmig_channel *ch)
{
	return !ch->sock;
}

int vmmig_channel_send(struct vmmig_channel *ch, const void *buf, size_t len,
		       bool more);
int vmmig_channel_send_pages(struct vmmig_channel *ch, struct page **pages,
			     unsigned int nr, bool more);
int vmmig_channel_recv(struct vmmig_channel *ch, void *buf, size_t len);
int vmmig_channel_recv_some(struct vmmig_channel *ch, void *buf, size_t len,
			    bool wait);
int vmmig_channel_recv_user(struct vmmig_channel *ch, unsigned long uaddr,
			    size_t len);
int vmmig_channel_sync(struct vmmig_channel *ch);
void vmmig_channel_shutdown(struct vmmig_channel *ch);
void vmmig_channel_prepare(struct vmmig_channel *ch, u32 timeout_ms);
u32 vmmig_channel_reason(int err);

#endif /* _VMMIG_CHANNEL_H */
