// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libvmmig events: a handle subscribed to the "events" multicast group.
 *
 * Events are read with plain recvfrom() into the handle's buffer rather than
 * through nl_recvmsgs(), so that a receive-queue overrun reaches the caller
 * as -ENOBUFS (libnl would turn it into NLE_NOMEM) and so that no message of
 * a datagram is lost between calls.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "internal.h"

static int join_events(struct vmmig *h)
{
	int grp, err;

	grp = genl_ctrl_resolve_grp(h->sk, VMMIG_GENL_NAME, VMMIG_MCGRP_EVENTS);
	if (grp == -NLE_OBJ_NOTFOUND)
		return vmmig__errf(h, -ENOENT, "vmmig has no \"%s\" multicast group",
				   VMMIG_MCGRP_EVENTS);
	if (grp < 0)
		return vmmig__nlerr(h, grp);
	if (!setsockopt(nl_socket_get_fd(h->sk), SOL_NETLINK,
			NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)))
		return 0;
	err = -errno;
	if (err == -EPERM)
		return vmmig__errf(h, err, "joining the vmmig events group: "
				   "operation not permitted (needs CAP_NET_ADMIN)");
	return vmmig__err(h, err);
}

int vmmig_events_open(struct vmmig **out)
{
	struct vmmig *h;
	int rc;

	rc = vmmig_open(&h);
	if (rc) {
		*out = NULL;
		return rc;
	}
	rc = join_events(h);
	if (rc)
		return vmmig__open_fail(h, rc);
	/* Events are unsolicited (sequence number 0). */
	nl_socket_disable_seq_check(h->sk);
	h->events = true;
	*out = h;
	return 0;
}

int vmmig_event_fd(const struct vmmig *h)
{
	return nl_socket_get_fd(h->sk);
}

/* Fill @ev from @nlh if it is a vmmig event. */
static bool parse_event(const struct vmmig *h, struct nlmsghdr *nlh,
			struct vmmig_event *ev, bool set_events)
{
	struct nlattr *tb[VMMIG_A_SESSION_MAX + 1];
	const struct genlmsghdr *gnlh = nlmsg_data(nlh);

	if (nlh->nlmsg_type != h->family || !genlmsg_valid_hdr(nlh, 0))
		return false;
	if (gnlh->cmd != VMMIG_CMD_SESSION_STATE_NTF &&
	    gnlh->cmd != VMMIG_CMD_SESSION_DEL_NTF &&
	    (gnlh->cmd != VMMIG_CMD_SESSION_SET_NTF || !set_events))
		return false;
	if (genlmsg_parse(nlh, 0, tb, VMMIG_A_SESSION_MAX,
			  vmmig__session_policy) < 0 || !tb[VMMIG_A_SESSION_ID])
		return false;

	memset(ev, 0, sizeof(*ev));
	ev->cmd = gnlh->cmd;
	ev->id = nla_get_u32(tb[VMMIG_A_SESSION_ID]);
	vmmig__get_u32(tb[VMMIG_A_SESSION_ROLE], &ev->role);
	vmmig__get_u32(tb[VMMIG_A_SESSION_STATE], &ev->state);
	vmmig__get_u32(tb[VMMIG_A_SESSION_OLD_STATE], &ev->old_state);
	vmmig__get_u32(tb[VMMIG_A_SESSION_REASON], &ev->reason);
	return true;
}

/* Next event among the messages already received, if any. */
static bool next_buffered(struct vmmig *h, struct vmmig_event *ev,
			  bool set_events)
{
	while (h->evoff < h->evlen) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(h->evbuf + h->evoff);

		if (!nlmsg_ok(nlh, (int)(h->evlen - h->evoff)))
			break;
		h->evoff += NLMSG_ALIGN(nlh->nlmsg_len);
		if (parse_event(h, nlh, ev, set_events))
			return true;
	}
	h->evoff = h->evlen = 0;
	return false;
}

/* Receive one datagram without blocking; 0 also when there was none. */
static int fill(struct vmmig *h)
{
	struct sockaddr_nl sa;
	socklen_t salen = sizeof(sa);
	ssize_t n;

	n = recvfrom(nl_socket_get_fd(h->sk), h->evbuf, sizeof(h->evbuf),
		     MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&sa, &salen);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0 && errno == ENOBUFS)
		return vmmig__errf(h, -ENOBUFS,
				   "events were lost: the reader is too slow");
	if (n < 0)
		return vmmig__err(h, -errno);
	if ((size_t)n > sizeof(h->evbuf))
		return vmmig__errf(h, -EMSGSIZE, "event of %zd bytes dropped", n);
	if (sa.nl_pid == 0)		/* from the kernel */
		h->evlen = n;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Wait until readable: 1, 0 at @deadline (< 0: never), or -errno. */
static int wait_readable(struct vmmig *h, long long deadline)
{
	struct pollfd pfd = { .fd = nl_socket_get_fd(h->sk), .events = POLLIN };
	int timeout = -1, rc;

	if (deadline >= 0) {
		long long left = deadline - now_ms();

		timeout = left > 0 ? (int)left : 0;
	}
	rc = poll(&pfd, 1, timeout);
	if (rc < 0)
		return vmmig__err(h, -errno);
	return rc > 0;
}

/*
 * vmmig_event_next() of every version: @set_events is false for programs
 * built before session-set-ntf existed (compat.c).
 */
int vmmig__event_next(struct vmmig *h, struct vmmig_event *ev, int timeout_ms,
		      bool set_events)
{
	long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;

	if (!h->events)
		return vmmig__errf(h, -EINVAL,
				   "not an events handle; use vmmig_events_open()");
	for (;;) {
		int rc;

		if (next_buffered(h, ev, set_events))
			return 1;
		rc = wait_readable(h, deadline);
		if (rc <= 0)
			return rc;
		rc = fill(h);
		if (rc < 0)
			return rc;
	}
}

static bool state_is_final(uint32_t state)
{
	return state == VMMIG_STATE_COMPLETED || state == VMMIG_STATE_FAILED ||
	       state == VMMIG_STATE_CANCELLED;
}

int vmmig_event_next(struct vmmig *h, struct vmmig_event *ev, int timeout_ms)
{
	return vmmig__event_next(h, ev, timeout_ms, true);
}

int vmmig_session_wait(struct vmmig *h, uint32_t id, int timeout_ms,
		       struct vmmig_session_info *info)
{
	long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	struct vmmig_event ev;
	struct vmmig *evh;
	int rc;

	/* Subscribe first, then look: no state change can fall in between. */
	rc = vmmig_events_open(&evh);
	if (rc)
		return vmmig__errf(h, rc, "events: %s", vmmig_errmsg(NULL));
	for (;;) {
		int left;

		rc = vmmig_session_get(h, id, info);
		if (rc || state_is_final(info->state))
			break;
		left = deadline < 0 ? 1000 : (int)(deadline - now_ms());
		if (left <= 0) {
			rc = vmmig__errf(h, -ETIMEDOUT,
					 "session %u did not end in time", id);
			break;
		}
		/* Any event (or lost events, or a second) means: look again. */
		rc = vmmig_event_next(evh, &ev, left < 1000 ? left : 1000);
		if (rc < 0 && rc != -ENOBUFS)
			break;
	}
	vmmig_close(evh);
	return rc < 0 ? rc : 0;
}
