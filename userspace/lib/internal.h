/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libvmmig internals shared by the library's source files.  Nothing here is
 * exported from libvmmig.so (see libvmmig.map).
 */
#ifndef VMMIG_INTERNAL_H
#define VMMIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include "libvmmig.h"

#define VMMIG_ERRMSG_LEN	256
#define VMMIG_EVBUF_LEN		8192

/* Largest attribute set of a reply; sizes the parse tables. */
#define VMMIG_TB_MAX		VMMIG_A_SESSION_MAX
_Static_assert((int)VMMIG_A_HOST_MAX <= (int)VMMIG_TB_MAX,
	       "VMMIG_TB_MAX too small");

struct vmmig;

/* How to parse the reply messages of a request. */
struct vmmig_reply {
	const struct nla_policy *policy;
	int maxattr;			/* <= VMMIG_TB_MAX */
	/* Called once per reply message; 0 or a negative errno (message set). */
	int (*parse)(struct vmmig *h, struct nlattr **tb, void *arg);
	void *arg;
};

/* A request in flight: what the receive callbacks work on. */
struct vmmig_req {
	struct nl_msg *msg;		/* what was sent (to name bad attributes) */
	struct nlmsghdr *cur;		/* the reply being parsed */
	unsigned int seq;
	const struct vmmig_reply *reply;
	int err;			/* first error: the kernel's or ours */
	bool have_msg;			/* h->errmsg already describes err */
	bool done;			/* ACK, NLMSG_ERROR or NLMSG_DONE seen */
	bool intr;			/* a dump message had NLM_F_DUMP_INTR */
};

struct vmmig {
	struct nl_sock *sk;
	struct nl_cb *cb;		/* request callbacks, arg = this handle */
	int family;
	bool events;			/* subscribed; not usable for requests */
	struct vmmig_req *req;
	size_t evlen, evoff;		/* undelivered part of evbuf */
	char errmsg[VMMIG_ERRMSG_LEN];
	_Alignas(struct nlmsghdr) unsigned char evbuf[VMMIG_EVBUF_LEN];
};

extern const struct nla_policy vmmig__session_policy[VMMIG_A_SESSION_MAX + 1];

int vmmig__errf(struct vmmig *h, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vmmig__err(struct vmmig *h, int err);
int vmmig__nlerr(struct vmmig *h, int nlerr);
int vmmig__open_fail(struct vmmig *h, int err);

int vmmig__msg(struct vmmig *h, uint8_t cmd, int flags, struct nl_msg **out);
int vmmig__msg_sized(struct vmmig *h, uint8_t cmd, int flags, size_t size,
		     struct nl_msg **out);
int vmmig__request(struct vmmig *h, struct nl_msg *msg,
		   const struct vmmig_reply *reply);

void vmmig__extack(struct vmmig *h, struct vmmig_req *req,
		   struct nlmsghdr *nlh, size_t off);

/*
 * Options structs (libbpf's OPTS): @opts->sz is the caller's sizeof.  A
 * field is the caller's if it lies within sz; what lies past the
 * library's own struct must be 0 (it asks for something not known here).
 */
#define VMMIG_OPTS_HAS(opts, field)					\
	((opts)->sz >= offsetof(__typeof__(*(opts)), field) +		\
		       sizeof((opts)->field))
bool vmmig__opts_valid(struct vmmig *h, const void *opts, size_t sz,
		       size_t known, const char *what);
int vmmig__event_next(struct vmmig *h, struct vmmig_event *ev,
		      int timeout_ms, bool set_events);

static inline void vmmig__get_u32(const struct nlattr *nla, uint32_t *dst)
{
	if (nla)
		*dst = nla_get_u32(nla);
}

static inline void vmmig__get_u64(const struct nlattr *nla, uint64_t *dst)
{
	if (nla)
		*dst = nla_get_u64(nla);
}

#endif /* VMMIG_INTERNAL_H */
