// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Extended-ack decoding: turn the NLMSGERR_ATTR_* of an error into the
 * handle's message, naming the offending attribute of the request when the
 * kernel points at one (NLMSGERR_ATTR_OFFS or NLMSGERR_ATTR_MISS_TYPE).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <netlink/genl/genl.h>

#include "internal.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct attr_set {
	const char *const *names;
	size_t n;
};

static const char *const session_names[] = {
	[VMMIG_A_SESSION_ID]		= "id",
	[VMMIG_A_SESSION_ROLE]		= "role",
	[VMMIG_A_SESSION_VM_FD]		= "vm-fd",
	[VMMIG_A_SESSION_SOCK_FD]	= "sock-fd",
	[VMMIG_A_SESSION_PARAMS]	= "params",
	[VMMIG_A_SESSION_STATE]		= "state",
	[VMMIG_A_SESSION_REASON]	= "reason",
	[VMMIG_A_SESSION_STATS]		= "stats",
	[VMMIG_A_SESSION_VMM_PID]	= "vmm-pid",
	[VMMIG_A_SESSION_CHANNELS]	= "channels",
	[VMMIG_A_SESSION_OLD_STATE]	= "old-state",
	[VMMIG_A_SESSION_FILE_FD]	= "file-fd",
	[VMMIG_A_SESSION_BLOB_FD]	= "blob-fd",
	[VMMIG_A_SESSION_VCPU]		= "vcpu",
	[VMMIG_A_SESSION_GPA]		= "gpa",
	[VMMIG_A_SESSION_LENGTH]	= "length",
	[VMMIG_A_SESSION_RING]		= "ring",
	[VMMIG_A_SESSION_WORKER_TID]	= "worker-tid",
	[VMMIG_A_SESSION_REGION]	= "region",
	[VMMIG_A_SESSION_MIGRATE_SLOT]	= "migrate-slot",
	[VMMIG_A_SESSION_DIRTY_BITMAP]	= "dirty-bitmap",
};

_Static_assert(sizeof(session_names) / sizeof(session_names[0]) ==
	       VMMIG_A_SESSION_MAX + 1, "a session attribute without a name");

static const char *const params_names[] = {
	[VMMIG_A_PARAMS_DOWNTIME_MS]	 = "downtime-ms",
	[VMMIG_A_PARAMS_MAX_ROUNDS]	 = "max-rounds",
	[VMMIG_A_PARAMS_MAX_TIME_MS]	 = "max-time-ms",
	[VMMIG_A_PARAMS_MAX_BANDWIDTH]	 = "max-bandwidth",
	[VMMIG_A_PARAMS_ON_LIMIT]	 = "on-limit",
	[VMMIG_A_PARAMS_THROTTLE_MAX_MS] = "throttle-max-ms",
	[VMMIG_A_PARAMS_MODE]		 = "mode",
	[VMMIG_A_PARAMS_PEER_TIMEOUT_MS] = "peer-timeout-ms",
};

_Static_assert(ARRAY_SIZE(params_names) == VMMIG_A_PARAMS_MAX + 1,
	       "a params attribute without a name");

static const char *const host_names[] = {
	[VMMIG_A_HOST_MAX_SESSIONS]	= "max-sessions",
	[VMMIG_A_HOST_SESSIONS]		= "sessions",
	[VMMIG_A_HOST_WIRE_VERSION]	= "wire-version",
};

static const char *const region_names[] = {
	[VMMIG_A_REGION_SLOT]	= "slot",
	[VMMIG_A_REGION_GPA]	= "gpa",
	[VMMIG_A_REGION_SIZE]	= "size",
	[VMMIG_A_REGION_HVA]	= "hva",
};

_Static_assert(ARRAY_SIZE(region_names) == VMMIG_A_REGION_MAX + 1,
	       "a region attribute without a name");

static const char *const dirty_bitmap_names[] = {
	[VMMIG_A_DIRTY_BITMAP_GPA]	= "gpa",
	[VMMIG_A_DIRTY_BITMAP_BITS]	= "bits",
};

_Static_assert(ARRAY_SIZE(dirty_bitmap_names) == VMMIG_A_DIRTY_BITMAP_MAX + 1,
	       "a dirty-bitmap attribute without a name");

static const struct attr_set session_set = { session_names, ARRAY_SIZE(session_names) };
static const struct attr_set params_set = { params_names, ARRAY_SIZE(params_names) };
static const struct attr_set host_set = { host_names, ARRAY_SIZE(host_names) };
static const struct attr_set region_set = {
	region_names, ARRAY_SIZE(region_names)
};
static const struct attr_set dirty_bitmap_set = {
	dirty_bitmap_names, ARRAY_SIZE(dirty_bitmap_names)
};

/* The attribute set inside a session attribute of type @nest, if any. */
static const struct attr_set *nested_set(uint32_t nest)
{
	switch (nest) {
	case VMMIG_A_SESSION_PARAMS:
		return &params_set;
	case VMMIG_A_SESSION_DIRTY_BITMAP:
		return &dirty_bitmap_set;
	case VMMIG_A_SESSION_REGION:
		return &region_set;
	default:
		return NULL;
	}
}

/*
 * Name of attribute @type of a @cmd request: at the top level (@nest 0)
 * or inside a session attribute of type @nest.
 */
static const char *attr_name(uint8_t cmd, uint32_t nest, uint32_t type)
{
	const struct attr_set *set = &session_set;

	if (nest)
		set = nested_set(nest);
	else if (cmd == VMMIG_CMD_HOST_GET)
		set = &host_set;
	return set && type < set->n ? set->names[type] : NULL;
}

static uint32_t offset_in(const struct nlmsghdr *nlh, const struct nlattr *nla)
{
	return (const char *)nla - (const char *)nlh;
}

/*
 * The attribute at byte @off of request @nlh (nests: one level), and in
 * *@nest the type of the session attribute it is inside (0: none).
 */
static struct nlattr *attr_at(struct nlmsghdr *nlh, uint32_t off,
			      uint32_t *nest)
{
	struct genlmsghdr *gnlh = nlmsg_data(nlh);
	struct nlattr *nla, *pos;
	int rem, prem;

	*nest = 0;
	nla_for_each_attr(nla, genlmsg_attrdata(gnlh, 0),
			  genlmsg_attrlen(gnlh, 0), rem) {
		if (offset_in(nlh, nla) == off)
			return nla;
		if (gnlh->cmd == VMMIG_CMD_HOST_GET ||
		    !nested_set(nla_type(nla)))
			continue;
		nla_for_each_nested(pos, nla, prem) {
			if (offset_in(nlh, pos) == off) {
				*nest = nla_type(nla);
				return pos;
			}
		}
	}
	return NULL;
}

static const char *bad_attr(struct nlmsghdr *req, struct nlattr **tb)
{
	const struct genlmsghdr *gnlh = nlmsg_data(req);
	struct nlattr *nla;
	uint32_t nest = 0, outer;

	if (tb[NLMSGERR_ATTR_MISS_TYPE]) {
		/* Missing inside a nest: the nest's own type says which set. */
		if (tb[NLMSGERR_ATTR_MISS_NEST]) {
			nla = attr_at(req, nla_get_u32(tb[NLMSGERR_ATTR_MISS_NEST]),
				      &outer);
			if (!nla || outer)
				return NULL;
			nest = nla_type(nla);
		}
		return attr_name(gnlh->cmd, nest,
				 nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]));
	}
	if (tb[NLMSGERR_ATTR_OFFS]) {
		nla = attr_at(req, nla_get_u32(tb[NLMSGERR_ATTR_OFFS]), &nest);
		return nla ? attr_name(gnlh->cmd, nest, nla_type(nla)) : NULL;
	}
	return NULL;
}

static bool is_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* Does @text already name attribute @name (as a whole word)? */
static bool mentions(const char *text, const char *name)
{
	size_t len = strlen(name);
	const char *p;

	for (p = strstr(text, name); p; p = strstr(p + 1, name)) {
		if ((p == text || !is_word_char(p[-1])) && !is_word_char(p[len]))
			return true;
	}
	return false;
}

/*
 * Describe req->err from the extended-ack attributes of @nlh (an
 * NLMSG_ERROR or NLMSG_DONE), which start @off bytes into its payload.
 * Leaves the message alone when the kernel sent no such attributes.
 */
void vmmig__extack(struct vmmig *h, struct vmmig_req *req,
		   struct nlmsghdr *nlh, size_t off)
{
	static const struct nla_policy policy[NLMSGERR_ATTR_MAX + 1] = {
		[NLMSGERR_ATTR_MSG]		= { .type = NLA_STRING },
		[NLMSGERR_ATTR_OFFS]		= { .type = NLA_U32 },
		[NLMSGERR_ATTR_MISS_TYPE]	= { .type = NLA_U32 },
		[NLMSGERR_ATTR_MISS_NEST]	= { .type = NLA_U32 },
	};
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	int len = nlmsg_datalen(nlh);
	const char *text, *name;

	off = NLMSG_ALIGN(off);
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off > (size_t)len ||
	    nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlmsg_data(nlh) + off),
		      len - off, policy) < 0)
		return;

	name = bad_attr(nlmsg_hdr(req->msg), tb);
	text = tb[NLMSGERR_ATTR_MSG] ? nla_data(tb[NLMSGERR_ATTR_MSG]) : NULL;
	if (!text && !name)
		return;
	if (!text) {
		char buf[64];

		vmmig__errf(h, req->err, "%s: %s", name,
			    strerror_r(-req->err, buf, sizeof(buf)));
	} else if (name && !mentions(text, name)) {
		vmmig__errf(h, req->err, "%s: %s", name, text);
	} else {
		vmmig__errf(h, req->err, "%s", text);
	}
	req->have_msg = true;
}
