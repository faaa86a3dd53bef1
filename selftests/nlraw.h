/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw generic netlink requests for the control-plane selftests: build any
 * message, malformed on purpose, send it and capture the kernel's errno and
 * extended ack (message, offending attribute offset, missing attribute).
 */
#ifndef VMMIG_NLRAW_H
#define VMMIG_NLRAW_H

#include <stdint.h>
#include <netlink/msg.h>

struct nlraw {
	struct nl_sock *sk;
	int family;
};

struct nlraw_reply {
	int err;		/* 0 or negative errno from the ack */
	char msg[256];		/* NLMSGERR_ATTR_MSG, "" if none */
	int off;		/* NLMSGERR_ATTR_OFFS, -1 if none */
	int miss_type;		/* NLMSGERR_ATTR_MISS_TYPE, -1 if none */
	uint32_t id;		/* VMMIG_A_SESSION_ID of a reply, 0 if none */
	int done;		/* the ack (or error) arrived */
};

int nlraw_open(struct nlraw *r);
void nlraw_close(struct nlraw *r);
struct nl_msg *nlraw_msg(struct nlraw *r, uint8_t cmd);
/* Append an attribute; returns its offset from the start of the message. */
int nlraw_put(struct nl_msg *m, int type, const void *data, int len);
int nlraw_put_u32(struct nl_msg *m, int type, uint32_t v);
int nlraw_nest_start(struct nl_msg *m, int type, struct nlattr **nest);
void nlraw_nest_end(struct nl_msg *m, struct nlattr *nest);
/* Send @m (consumed) and wait for its ack. */
int nlraw_send(struct nlraw *r, struct nl_msg *m, struct nlraw_reply *rep);

#endif
