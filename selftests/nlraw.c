// SPDX-License-Identifier: GPL-2.0
/*
 * Raw generic netlink requests with extended-ack capture (see nlraw.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/vmmig.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "nlraw.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int nlraw_open(struct nlraw *r)
{
	int one = 1;

	r->sk = nl_socket_alloc();
	if (!r->sk)
		return -ENOMEM;
	if (genl_connect(r->sk))
		return -ECONNREFUSED;
	if (setsockopt(nl_socket_get_fd(r->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		       &one, sizeof(one)))
		return -errno;
	r->family = genl_ctrl_resolve(r->sk, VMMIG_GENL_NAME);
	return r->family < 0 ? -ENOENT : 0;
}

void nlraw_close(struct nlraw *r)
{
	nl_socket_free(r->sk);
	r->sk = NULL;
}

struct nl_msg *nlraw_msg(struct nlraw *r, uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc();

	if (m && !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, r->family, 0,
			      NLM_F_ACK, cmd, VMMIG_GENL_VERSION)) {
		nlmsg_free(m);
		m = NULL;
	}
	return m;
}

int nlraw_put(struct nl_msg *m, int type, const void *data, int len)
{
	struct nlmsghdr *h = nlmsg_hdr(m);
	int off = (int)NLMSG_ALIGN(h->nlmsg_len);

	if (nla_put(m, type, len, data))
		return -1;
	return off;
}

int nlraw_put_u32(struct nl_msg *m, int type, uint32_t v)
{
	return nlraw_put(m, type, &v, sizeof(v));
}

int nlraw_nest_start(struct nl_msg *m, int type, struct nlattr **nest)
{
	int off = (int)NLMSG_ALIGN(nlmsg_hdr(m)->nlmsg_len);

	*nest = nla_nest_start(m, type);
	return *nest ? off : -1;
}

void nlraw_nest_end(struct nl_msg *m, struct nlattr *nest)
{
	nla_nest_end(m, nest);
}

static int nlraw_err_cb(struct sockaddr_nl *who, struct nlmsgerr *e,
			void *arg)
{
	struct nlmsghdr *h = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlraw_reply *rep = arg;
	unsigned int ack_len;
	struct nlattr *a;
	int rem;

	(void)who;
	rep->done = 1;
	rep->err = e->error;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	ack_len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*e));
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		ack_len += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	if (ack_len > h->nlmsg_len)
		return NL_STOP;
	nla_for_each_attr(a, (struct nlattr *)((char *)h + ack_len),
			  h->nlmsg_len - ack_len, rem) {
		switch (nla_type(a)) {
		case NLMSGERR_ATTR_MSG:
			nla_strlcpy(rep->msg, a, sizeof(rep->msg));
			break;
		case NLMSGERR_ATTR_OFFS:
			rep->off = (int)nla_get_u32(a);
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			rep->miss_type = (int)nla_get_u32(a);
			break;
		}
	}
	return NL_STOP;
}

static int nlraw_ack_cb(struct nl_msg *m, void *arg)
{
	struct nlraw_reply *rep = arg;

	(void)m;
	rep->done = 1;
	return NL_STOP;
}

static int nlraw_valid_cb(struct nl_msg *m, void *arg)
{
	struct nlattr *tb[VMMIG_A_SESSION_MAX + 1];
	struct nlraw_reply *rep = arg;

	if (!genlmsg_parse(nlmsg_hdr(m), 0, tb, VMMIG_A_SESSION_MAX, NULL) &&
	    tb[VMMIG_A_SESSION_ID])
		rep->id = nla_get_u32(tb[VMMIG_A_SESSION_ID]);
	return NL_OK;
}

int nlraw_send(struct nlraw *r, struct nl_msg *m, struct nlraw_reply *rep)
{
	struct nl_cb *cb;
	int err;

	memset(rep, 0, sizeof(*rep));
	rep->off = -1;
	rep->miss_type = -1;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, nlraw_err_cb, rep);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, nlraw_ack_cb, rep);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, nlraw_valid_cb, rep);
	err = nl_send_auto(r->sk, m);
	nlmsg_free(m);
	/* nl_recvmsgs() returns after each non-multipart message: a reply
	 * comes before its ack, so read until the ack or error is in.
	 */
	while (err >= 0 && !rep->done)
		err = nl_recvmsgs(r->sk, cb);
	nl_cb_put(cb);
	if (err < 0 && !rep->err)
		return -EIO;
	return rep->err;
}
