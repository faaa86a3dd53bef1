// SPDX-License-Identifier: GPL-2.0
/*
 * Channels: the sockets a session moves its stream over.
 */
#include <linux/file.h>
#include <linux/net.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "channel.h"

/**
 * vmmig_channel_init() - resolve @fd in the calling task to a connected
 * stream socket and hold it.
 * @ch: filled on success.
 * @fd: the VMM's socket file descriptor.
 * @attr: the netlink attribute @fd came from, for error reports.
 * @extack: error report.
 *
 * Return: 0, -EBADF, -ENOTSOCK, -EINVAL (not a stream socket) or
 * -ENOTCONN.
 */
int vmmig_channel_init(struct vmmig_channel *ch, int fd,
		       const struct nlattr *attr,
		       struct netlink_ext_ack *extack)
{
	struct socket *sock;
	struct file *file;
	int err;

	file = fget(fd);
	if (!file) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "sock-fd is not an open file descriptor");
		return -EBADF;
	}
	sock = sock_from_file(file);
	if (!sock) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "sock-fd is not a socket");
		err = -ENOTSOCK;
		goto err_put;
	}
	if (sock->type != SOCK_STREAM) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "sock-fd is not a stream socket");
		err = -EINVAL;
		goto err_put;
	}
	if (sock->state != SS_CONNECTED) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "sock-fd is not connected");
		err = -ENOTCONN;
		goto err_put;
	}
	ch->file = file;
	ch->sock = sock;
	return 0;

err_put:
	fput(file);
	return err;
}

void vmmig_channel_release(struct vmmig_channel *ch)
{
	if (ch->file)
		fput(ch->file);
	ch->file = NULL;
	ch->sock = NULL;
}
