/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A channel: one connected stream socket between source and destination.
 * A session has 1..VMMIG_MAX_CHANNELS of them.
 *
 * Lifetime: vmmig_channel_init() holds the socket's struct file until
 * vmmig_channel_release(); the VMM may close its own fd at any time.
 */
#ifndef _VMMIG_CHANNEL_H
#define _VMMIG_CHANNEL_H

struct file;
struct socket;
struct netlink_ext_ack;
struct nlattr;

struct vmmig_channel {
	struct file *file;
	struct socket *sock;
};

int vmmig_channel_init(struct vmmig_channel *ch, int fd,
		       const struct nlattr *attr,
		       struct netlink_ext_ack *extack);
void vmmig_channel_release(struct vmmig_channel *ch);

#endif /* _VMMIG_CHANNEL_H */
