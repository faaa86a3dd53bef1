// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libvmmig core: handles, error reporting and the request/reply engine.
 *
 * Every request is sent with NLM_F_ACK and read until its NLMSG_ERROR
 * (do) or NLMSG_DONE (dump).  The kernel's errno is taken from that message
 * as is, together with its extended-ack text, so that callers see -EPERM,
 * -EBADF, ... and not libnl's NLE_* codes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "internal.h"

/* Message of the last failed vmmig_open()/vmmig_events_open() per thread. */
static __thread char open_errmsg[VMMIG_ERRMSG_LEN] = "no error";

/* libnl's own failures as errnos (NLE_* -> E*); unknown ones are EIO. */
static const int nle_errno[] = {
	[NLE_INTR]		= EINTR,
	[NLE_BAD_SOCK]		= EBADF,
	[NLE_AGAIN]		= EAGAIN,
	[NLE_NOMEM]		= ENOMEM,
	[NLE_EXIST]		= EEXIST,
	[NLE_INVAL]		= EINVAL,
	[NLE_RANGE]		= ERANGE,
	[NLE_MSGSIZE]		= EMSGSIZE,
	[NLE_OPNOTSUPP]		= EOPNOTSUPP,
	[NLE_AF_NOSUPPORT]	= EAFNOSUPPORT,
	[NLE_OBJ_NOTFOUND]	= ENOENT,
	[NLE_NOATTR]		= ENODATA,
	[NLE_MISSING_ATTR]	= EINVAL,
	[NLE_AF_MISMATCH]	= EINVAL,
	[NLE_SEQ_MISMATCH]	= EPROTO,
	[NLE_MSG_OVERFLOW]	= EOVERFLOW,
	[NLE_MSG_TRUNC]		= EMSGSIZE,
	[NLE_NOADDR]		= EADDRNOTAVAIL,
	[NLE_MSG_TOOSHORT]	= EBADMSG,
	[NLE_MSGTYPE_NOSUPPORT]	= EOPNOTSUPP,
	[NLE_BUSY]		= EBUSY,
	[NLE_PROTO_MISMATCH]	= EPROTONOSUPPORT,
	[NLE_NOACCESS]		= EACCES,
	[NLE_PERM]		= EPERM,
	[NLE_PARSE_ERR]		= EBADMSG,
	[NLE_NODEV]		= ENODEV,
	[NLE_DUMP_INTR]		= EINTR,
	[NLE_ATTRSIZE]		= EBADMSG,
};

int vmmig__errf(struct vmmig *h, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->errmsg, sizeof(h->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

bool vmmig__opts_valid(struct vmmig *h, const void *opts, size_t sz,
		       size_t known, const char *what)
{
	const unsigned char *p = opts;
	size_t i;

	if (sz < sizeof(size_t)) {
		vmmig__errf(h, -EINVAL, "%s: sz %zu is too small", what, sz);
		return false;
	}
	for (i = known; i < sz; i++) {
		if (p[i]) {
			vmmig__errf(h, -EINVAL,
				    "%s: byte %zu is not 0 (set a field this libvmmig does not know)",
				    what, i);
			return false;
		}
	}
	return true;
}

/* Fail with @err (negative errno) described by strerror. */
int vmmig__err(struct vmmig *h, int err)
{
	char buf[64];

	return vmmig__errf(h, err, "%s", strerror_r(-err, buf, sizeof(buf)));
}

/* Fail with the errno that best matches libnl error @nlerr (negative). */
int vmmig__nlerr(struct vmmig *h, int nlerr)
{
	unsigned int e = -nlerr;
	int err = e < sizeof(nle_errno) / sizeof(nle_errno[0]) && nle_errno[e] ?
		  nle_errno[e] : EIO;

	return vmmig__errf(h, -err, "netlink: %s", nl_geterror(nlerr));
}

/* Fail an open: keep the message for vmmig_errmsg(NULL), free @h. */
int vmmig__open_fail(struct vmmig *h, int err)
{
	snprintf(open_errmsg, sizeof(open_errmsg), "%s", h->errmsg);
	vmmig_close(h);
	return err;
}

const char *vmmig_errmsg(const struct vmmig *h)
{
	return h ? h->errmsg : open_errmsg;
}

static int seq_cb(struct nl_msg *msg, void *arg)
{
	const struct vmmig *h = arg;

	/* Skip leftovers of an earlier request that ended in an I/O error. */
	return nlmsg_hdr(msg)->nlmsg_seq == h->req->seq ? NL_OK : NL_SKIP;
}

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct vmmig *h = arg;
	struct vmmig_req *req = h->req;
	const struct vmmig_reply *reply = req->reply;
	struct nlattr *tb[VMMIG_TB_MAX + 1];
	int rc;

	if (req->err || !reply)
		return NL_OK;	/* keep reading up to the end of the reply */
	req->cur = nlmsg_hdr(msg);
	if (genlmsg_parse(req->cur, 0, tb, reply->maxattr, reply->policy) < 0)
		rc = vmmig__errf(h, -EBADMSG, "malformed reply from vmmig");
	else
		rc = reply->parse(h, tb, reply->arg);
	req->cur = NULL;
	if (rc < 0) {
		req->err = rc;
		req->have_msg = true;
	}
	return NL_OK;
}

static int dump_intr_cb(struct nl_msg *msg, void *arg)
{
	struct vmmig *h = arg;

	(void)msg;
	h->req->intr = true;
	return NL_OK;
}

static int ack_cb(struct nl_msg *msg, void *arg)
{
	struct vmmig *h = arg;

	(void)msg;
	h->req->done = true;
	return NL_STOP;
}

/* NLMSG_DONE of a dump: an int errno, then extended-ack attributes. */
static int finish_cb(struct nl_msg *msg, void *arg)
{
	struct vmmig *h = arg;
	struct vmmig_req *req = h->req;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int error;

	req->done = true;
	if (nlmsg_datalen(nlh) < (int)sizeof(error))
		return NL_STOP;
	memcpy(&error, nlmsg_data(nlh), sizeof(error));
	if (error < 0 && !req->err) {
		req->err = error;
		vmmig__extack(h, req, nlh, sizeof(error));
	}
	return NL_STOP;
}

static int err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct vmmig *h = arg;
	struct vmmig_req *req = h->req;
	/* libnl hands over the payload of the NLMSG_ERROR message. */
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	size_t off = sizeof(*e);

	(void)nla;
	req->done = true;
	if (req->err)
		return NL_STOP;
	req->err = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len > NLMSG_HDRLEN)
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;	/* echoed request */
	vmmig__extack(h, req, nlh, off);
	return NL_STOP;
}

static int setup_callbacks(struct vmmig *h)
{
	h->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!h->cb)
		return vmmig__err(h, -ENOMEM);
	nl_cb_set(h->cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, seq_cb, h);
	nl_cb_set(h->cb, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, h);
	nl_cb_set(h->cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, dump_intr_cb, h);
	nl_cb_set(h->cb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, h);
	nl_cb_set(h->cb, NL_CB_FINISH, NL_CB_CUSTOM, finish_cb, h);
	nl_cb_err(h->cb, NL_CB_CUSTOM, err_cb, h);
	return 0;
}

static int connect_family(struct vmmig *h)
{
	int one = 1, fd, rc;

	h->sk = nl_socket_alloc();
	if (!h->sk)
		return vmmig__err(h, -ENOMEM);
	rc = genl_connect(h->sk);
	if (rc < 0)
		return vmmig__nlerr(h, rc);
	fd = nl_socket_get_fd(h->sk);
	/* Best effort: without them errors just carry no text. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

	/* The kernel loads vmmig.ko through its family alias if needed. */
	rc = genl_ctrl_resolve(h->sk, VMMIG_GENL_NAME);
	if (rc == -NLE_OBJ_NOTFOUND)
		return vmmig__errf(h, -ENOENT,
				   "vmmig kernel module not loaded (modprobe vmmig)");
	if (rc < 0)
		return vmmig__nlerr(h, rc);
	h->family = rc;
	return 0;
}

int vmmig_open(struct vmmig **out)
{
	struct vmmig *h;
	int rc;

	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(open_errmsg, sizeof(open_errmsg), "%s",
			 "out of memory");
		return -ENOMEM;
	}
	snprintf(h->errmsg, sizeof(h->errmsg), "%s", "no error");
	rc = setup_callbacks(h);
	if (!rc)
		rc = connect_family(h);
	if (rc)
		return vmmig__open_fail(h, rc);
	*out = h;
	return 0;
}

void vmmig_close(struct vmmig *h)
{
	if (!h)
		return;
	nl_socket_free(h->sk);	/* closes the socket; NULL is fine */
	nl_cb_put(h->cb);
	free(h);
}

/* A new request message for @cmd; the caller adds attributes. */
int vmmig__msg(struct vmmig *h, uint8_t cmd, int flags, struct nl_msg **out)
{
	return vmmig__msg_sized(h, cmd, flags, 0, out);
}

/* As vmmig__msg(), with room for @size bytes (0: libnl's default). */
int vmmig__msg_sized(struct vmmig *h, uint8_t cmd, int flags, size_t size,
		     struct nl_msg **out)
{
	struct nl_msg *msg;

	if (h->events)
		return vmmig__errf(h, -EINVAL,
				   "an events handle cannot send requests; use vmmig_open()");
	msg = size ? nlmsg_alloc_size(size) : nlmsg_alloc();
	if (!msg)
		return vmmig__err(h, -ENOMEM);
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, h->family, 0, flags,
			 cmd, VMMIG_GENL_VERSION)) {
		nlmsg_free(msg);
		return vmmig__err(h, -ENOMEM);
	}
	*out = msg;
	return 0;
}

static void receive(struct vmmig *h, struct vmmig_req *req)
{
	h->req = req;
	for (;;) {
		/* The callbacks stop libnl at the end of the reply. */
		int rc = nl_recvmsgs(h->sk, h->cb);

		if (req->done)
			break;
		if (rc < 0) {
			if (!req->err) {
				req->err = vmmig__nlerr(h, rc);
				req->have_msg = true;
			}
			break;
		}
	}
	h->req = NULL;
}

/*
 * Send @msg (consumed) and read its reply, handing each reply message to
 * @reply (NULL: none expected).  A dump that the kernel marked inconsistent
 * returns -EINTR after having been read to its end.
 */
int vmmig__request(struct vmmig *h, struct nl_msg *msg,
		   const struct vmmig_reply *reply)
{
	struct vmmig_req req = { .msg = msg, .reply = reply };
	int rc;

	rc = nl_send_auto(h->sk, msg);
	if (rc < 0) {
		nlmsg_free(msg);
		return vmmig__nlerr(h, rc);
	}
	req.seq = nlmsg_hdr(msg)->nlmsg_seq;
	receive(h, &req);
	nlmsg_free(msg);

	if (!req.err && req.intr)
		return vmmig__errf(h, -EINTR,
				   "dump interrupted by concurrent changes");
	if (req.err && !req.have_msg)
		vmmig__err(h, req.err);
	return req.err;
}
