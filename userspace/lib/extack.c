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
#include "names_gen.h"


/* An attribute set: the name of each of its attributes. */
typedef const char *(*attr_set)(uint32_t type);

/* The attribute set inside a session attribute of type @nest, if any. */
static attr_set nested_set(uint32_t nest)
{
	switch (nest) {
	case VMMIG_A_SESSION_PARAMS:
		return vmmig__attr_params;
	case VMMIG_A_SESSION_DIRTY_BITMAP:
		return vmmig__attr_dirty_bitmap;
	case VMMIG_A_SESSION_REGION:
		return vmmig__attr_region;
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
	attr_set set = vmmig__attr_session;

	if (nest)
		set = nested_set(nest);
	else if (cmd == VMMIG_CMD_HOST_GET)
		set = vmmig__attr_host;
	return set ? set(type) : NULL;
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
