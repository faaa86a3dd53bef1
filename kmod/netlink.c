// SPDX-License-Identifier: GPL-2.0
/*
 * The "vmmig" generic netlink family.
 *
 * Attribute types and ranges are checked by the per-operation policies that
 * YNL generates from uapi/netlink/vmmig.yaml (netlink_gen.c).  What a policy
 * cannot express (required attributes, counts, values that must be checked
 * against each other) is checked by each request's *_precheck(), and every
 * -EINVAL carries an extack message naming the attribute.  Requests that
 * name a session find it once, in vmmig_nl_pre_doit(), and hand it to the
 * handler in info->user_ptr[0].
 *
 * Permissions: all operations run in parallel (no genl_mutex) and need
 * CAP_NET_ADMIN in the user namespace of the caller's network namespace.
 * Sessions are only visible from the network namespace they were created
 * in, and max_sessions counts per namespace.  What a session touches is
 * the caller's own: its VM (only the process that created the VM may
 * create a session for it, start it or drive it; an operator's tool may
 * watch, cancel or delete it), the sockets and files it passed by fd, and
 * the worker runs with its credentials, limits and cgroups.  So a session
 * gives nobody access to more than they had.
 */
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sort.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "compat.h"
#include "dirty.h"
#include "mem.h"
#include "netlink.h"
#include "netlink_gen.h"
#include "session.h"
#include "state.h"
#include "wire.h"
#include "xfer.h"

enum vmmig_nlgrp {
	VMMIG_NLGRP_EVENTS,
};

static const struct genl_multicast_group vmmig_nl_mcgrps[] = {
	[VMMIG_NLGRP_EVENTS] = {
		.name	= VMMIG_MCGRP_EVENTS,
		.flags	= GENL_MCAST_CAP_NET_ADMIN,
	},
};

static int vmmig_nl_pre_doit(const struct vmmig_genl_split_ops *ops,
			     struct sk_buff *skb, struct genl_info *info);
static void vmmig_nl_post_doit(const struct vmmig_genl_split_ops *ops,
			       struct sk_buff *skb, struct genl_info *info);

static struct genl_family vmmig_nl_family __ro_after_init = {
	.name		= VMMIG_GENL_NAME,
	.version	= VMMIG_GENL_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= vmmig_nl_ops,
	.n_ops		= ARRAY_SIZE(vmmig_nl_ops),
	.pre_doit	= vmmig_nl_pre_doit,
	.post_doit	= vmmig_nl_post_doit,
	.mcgrps		= vmmig_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(vmmig_nl_mcgrps),
};

static int vmmig_nl_put_params(struct sk_buff *skb,
			       const struct vmmig_params *p)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, VMMIG_A_SESSION_PARAMS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, VMMIG_A_PARAMS_DOWNTIME_MS, p->downtime_ms) ||
	    nla_put_u32(skb, VMMIG_A_PARAMS_MAX_ROUNDS, p->max_rounds) ||
	    nla_put_u32(skb, VMMIG_A_PARAMS_MAX_TIME_MS, p->max_time_ms) ||
	    nla_put_u64_64bit(skb, VMMIG_A_PARAMS_MAX_BANDWIDTH,
			      p->max_bandwidth, VMMIG_A_PARAMS_UNSPEC) ||
	    nla_put_u32(skb, VMMIG_A_PARAMS_ON_LIMIT, p->on_limit) ||
	    nla_put_u32(skb, VMMIG_A_PARAMS_THROTTLE_MAX_MS,
			p->throttle_max_ms) ||
	    nla_put_u32(skb, VMMIG_A_PARAMS_MODE, p->mode) ||
	    nla_put_u32(skb, VMMIG_A_PARAMS_PEER_TIMEOUT_MS,
			p->peer_timeout_ms) ||
	    nla_put_u32(skb, VMMIG_A_PARAMS_CHECKSUM, p->checksum) ||
	    nla_put_u32(skb, VMMIG_A_PARAMS_REQUIRE_ENCRYPTION,
			p->require_encryption)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * A session on kTLS sockets: their TLS version and cipher.  Its channels
 * are set up at session-new and never change; every one of them has the
 * first one's TLS (multichannel: see vmmig_nl_add_channels()).
 */
static int vmmig_nl_put_tls(struct sk_buff *skb,
			    const struct vmmig_session *s)
{
	const struct vmmig_channel *ch = &s->channels[0];

	if (!s->nr_channels || !vmmig_channel_is_tls(ch))
		return 0;
	if (nla_put_u32(skb, VMMIG_A_SESSION_TLS_VERSION, ch->tls_version) ||
	    nla_put_u32(skb, VMMIG_A_SESSION_TLS_CIPHER, ch->tls_cipher))
		return -EMSGSIZE;
	return 0;
}

static u64 vmmig_elapsed_ms(ktime_t started, ktime_t ended)
{
	if (!started)
		return 0;
	return ktime_ms_delta(ended ? ended : ktime_get(), started);
}

static int vmmig_nl_put_stats(struct sk_buff *skb, struct vmmig_session *s,
			      u64 elapsed_ms)
{
	const struct vmmig_stats *st = &s->stats;
	const struct {
		int attr;
		const atomic64_t *val;
	} u64s[] = {
		{ VMMIG_A_STATS_BYTES,			&st->bytes },
		{ VMMIG_A_STATS_PAGES,			&st->pages },
		{ VMMIG_A_STATS_ZERO_PAGES,		&st->zero_pages },
		{ VMMIG_A_STATS_CPU_NS,			&st->cpu_ns },
		{ VMMIG_A_STATS_BLOB_BYTES,		&st->blob_bytes },
		{ VMMIG_A_STATS_REMAINING,		&st->remaining },
		{ VMMIG_A_STATS_DIRTY_RATE,		&st->dirty_rate },
		{ VMMIG_A_STATS_BANDWIDTH,		&st->bandwidth },
		{ VMMIG_A_STATS_EXPECTED_DOWNTIME_MS,	&st->expected_downtime_ms },
		{ VMMIG_A_STATS_DOWNTIME_MS,		&st->downtime_ms },
		{ VMMIG_A_STATS_SETUP_MS,		&st->setup_ms },
		{ VMMIG_A_STATS_DIRTY_PAGES,		&st->dirty_pages },
		{ VMMIG_A_STATS_REPORTED_PAGES,		&st->reported_pages },
		{ VMMIG_A_STATS_RING_FULL,		&st->ring_full },
		{ VMMIG_A_STATS_THROTTLE_NS,		&st->throttle_ns },
		{ VMMIG_A_STATS_HARVEST_NS,		&st->harvest_ns },
	};
	struct nlattr *nest;
	unsigned int i;

	nest = nla_nest_start(skb, VMMIG_A_SESSION_STATS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, VMMIG_A_STATS_ELAPSED_MS, elapsed_ms,
			      VMMIG_A_STATS_PAD) ||
	    nla_put_u32(skb, VMMIG_A_STATS_ROUND, atomic_read(&st->round)))
		goto cancel;
	for (i = 0; i < ARRAY_SIZE(u64s); i++)
		if (nla_put_u64_64bit(skb, u64s[i].attr,
				      atomic64_read(u64s[i].val),
				      VMMIG_A_STATS_PAD))
			goto cancel;
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* Where each vCPU's dirty ring stands, once a live source ended. */
static int vmmig_nl_put_rings(struct sk_buff *skb, struct vmmig_session *s)
{
	const struct vmmig_dirty *d = &s->dirty;
	struct nlattr *nest;
	unsigned int i;

	/*
	 * Set by the worker as it lets go of the VM, after the session
	 * ended (session-get settles first); final from then on.
	 */
	if (!vmmig_state_is_final(READ_ONCE(s->state)) ||
	    !vmmig_session_worker_is_done(s) || !d->ends)
		return 0;
	for (i = 0; i < d->nr_ends; i++) {
		nest = nla_nest_start(skb, VMMIG_A_SESSION_RING);
		if (!nest)
			return -EMSGSIZE;
		if (nla_put_u32(skb, VMMIG_A_RING_VCPU, d->ends[i].vcpu_id) ||
		    nla_put_u32(skb, VMMIG_A_RING_INDEX, d->ends[i].index)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(skb, nest);
	}
	return 0;
}

/* One session-get message for @s. */
static int vmmig_nl_fill_session(struct sk_buff *skb, struct vmmig_session *s,
				 u32 portid, u32 seq, int flags,
				 struct netlink_callback *cb)
{
	struct vmmig_params params;
	u32 state, reason, tid = 0;
	u64 elapsed_ms;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &vmmig_nl_family, flags,
			  VMMIG_CMD_SESSION_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	mutex_lock(&s->lock);
	state = s->state;
	reason = s->reason;
	elapsed_ms = vmmig_elapsed_ms(s->started, s->ended);
	params = s->params;
	/* Held by the session (get_task_struct) once set; 0 once reaped. */
	if (s->worker && !vmmig_session_worker_is_done(s))
		tid = task_pid_vnr(s->worker);
	mutex_unlock(&s->lock);

	if (nla_put_u32(skb, VMMIG_A_SESSION_ID, s->id) ||
	    nla_put_u32(skb, VMMIG_A_SESSION_ROLE, s->role) ||
	    nla_put_u32(skb, VMMIG_A_SESSION_STATE, state) ||
	    nla_put_u32(skb, VMMIG_A_SESSION_REASON, reason) ||
	    nla_put_u32(skb, VMMIG_A_SESSION_VMM_PID, pid_vnr(s->vmm_pid)) ||
	    nla_put_u32(skb, VMMIG_A_SESSION_CHANNELS, s->nr_channels) ||
	    vmmig_nl_put_params(skb, &params) ||
	    vmmig_nl_put_stats(skb, s, elapsed_ms) ||
	    vmmig_nl_put_rings(skb, s) ||
	    (tid && nla_put_u32(skb, VMMIG_A_SESSION_WORKER_TID, tid)) ||
	    nla_put_u32(skb, VMMIG_A_SESSION_CHECKSUM,
			READ_ONCE(s->checksum)) ||
	    vmmig_nl_put_tls(skb, s)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * Every request but session-new and host-get names a session: find it in
 * the caller's namespace, once, for the handler (info->user_ptr[0]).
 */
static int vmmig_nl_pre_doit(const struct vmmig_genl_split_ops *ops,
			     struct sk_buff *skb, struct genl_info *info)
{
	struct vmmig_session *s;
	u32 id;

	info->user_ptr[0] = NULL;
	if (ops->cmd == VMMIG_CMD_SESSION_NEW || ops->cmd == VMMIG_CMD_HOST_GET)
		return 0;
	if (GENL_REQ_ATTR_CHECK(info, VMMIG_A_SESSION_ID))
		return -EINVAL;
	id = nla_get_u32(info->attrs[VMMIG_A_SESSION_ID]);
	s = vmmig_session_lookup(genl_info_net(info), id);
	if (!s) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VMMIG_A_SESSION_ID],
				    "no session with this id in this network namespace");
		return -ENOENT;
	}
	info->user_ptr[0] = s;
	return 0;
}

static void vmmig_nl_post_doit(const struct vmmig_genl_split_ops *ops,
			       struct sk_buff *skb, struct genl_info *info)
{
	vmmig_session_put(info->user_ptr[0]);
}

/*
 * Requests that drive the VM (start, switchover, ring-full, dirty) come
 * from the process that owns it, as KVM's own ioctls must.
 */
static int vmmig_nl_vmm_only(struct vmmig_session *s, struct genl_info *info)
{
	if (vmmig_vm_is_vmm(&s->vm))
		return 0;
	NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VMMIG_A_SESSION_ID],
			    "only the process that owns the session's VM may drive it");
	return -EPERM;
}

/*
 * The parameters of a parsed params nest (@tb) onto @p; returns the
 * VMMIG_A_PARAMS_* bits of those it set.
 */
static u32 vmmig_nl_params_apply(struct nlattr **tb, struct vmmig_params *p)
{
	struct {
		int attr;
		u32 *val;
	} u32s[] = {
		{ VMMIG_A_PARAMS_DOWNTIME_MS,		&p->downtime_ms },
		{ VMMIG_A_PARAMS_MAX_ROUNDS,		&p->max_rounds },
		{ VMMIG_A_PARAMS_MAX_TIME_MS,		&p->max_time_ms },
		{ VMMIG_A_PARAMS_ON_LIMIT,		&p->on_limit },
		{ VMMIG_A_PARAMS_THROTTLE_MAX_MS,	&p->throttle_max_ms },
		{ VMMIG_A_PARAMS_MODE,			&p->mode },
		{ VMMIG_A_PARAMS_PEER_TIMEOUT_MS,	&p->peer_timeout_ms },
		{ VMMIG_A_PARAMS_CHECKSUM,		&p->checksum },
		{ VMMIG_A_PARAMS_REQUIRE_ENCRYPTION,	&p->require_encryption },
	};
	unsigned int i;
	u32 given = 0;

	for (i = 0; i < ARRAY_SIZE(u32s); i++) {
		if (!tb[u32s[i].attr])
			continue;
		*u32s[i].val = nla_get_u32(tb[u32s[i].attr]);
		given |= BIT(u32s[i].attr);
	}
	if (tb[VMMIG_A_PARAMS_MAX_BANDWIDTH]) {
		p->max_bandwidth = nla_get_u64(tb[VMMIG_A_PARAMS_MAX_BANDWIDTH]);
		given |= BIT(VMMIG_A_PARAMS_MAX_BANDWIDTH);
	}
	return given;
}

/* session-new's parameters: the defaults, then what the request sets. */
static int vmmig_nl_parse_params(struct genl_info *info, struct nlattr **tb,
				 struct vmmig_params *p)
{
	int err;

	vmmig_params_init(p, READ_ONCE(vmmig_require_encryption));
	memset(tb, 0, sizeof(*tb) * (VMMIG_A_PARAMS_MAX + 1));
	if (!info->attrs[VMMIG_A_SESSION_PARAMS])
		return 0;
	err = nla_parse_nested(tb, VMMIG_A_PARAMS_MAX,
			       info->attrs[VMMIG_A_SESSION_PARAMS],
			       vmmig_params_nl_policy, info->extack);
	if (err)
		return err;
	vmmig_nl_params_apply(tb, p);
	return 0;
}

/*
 * What vmmig_params_check() finds wrong with @p, said of the attribute at
 * fault (@tb) or else of the whole nest.
 */
static int vmmig_nl_params_check(struct genl_info *info, struct nlattr **tb,
				 const struct vmmig_params *p)
{
	struct netlink_ext_ack *extack = info->extack;
	int attr = vmmig_params_check(p);
	const struct nlattr *bad;

	bad = tb[attr] ? tb[attr] : info->attrs[VMMIG_A_SESSION_PARAMS];
	switch (attr) {
	case 0:
		return 0;
	case VMMIG_A_PARAMS_MAX_TIME_MS:
		NL_SET_ERR_MSG_ATTR(extack, bad,
				    "params max-time-ms is shorter than downtime-ms");
		break;
	case VMMIG_A_PARAMS_ON_LIMIT:
		NL_SET_ERR_MSG_ATTR(extack, bad,
				    "params on-limit is not a known policy");
		break;
	case VMMIG_A_PARAMS_MODE:
		NL_SET_ERR_MSG_ATTR(extack, bad,
				    "params mode is not a known mode");
		break;
	case VMMIG_A_PARAMS_DOWNTIME_MS:
		NL_SET_ERR_MSG_ATTR(extack, bad,
				    "params downtime-ms must be at least 1");
		break;
	case VMMIG_A_PARAMS_CHECKSUM:
		NL_SET_ERR_MSG_ATTR(extack, bad,
				    "params checksum is not a known checksum");
		break;
	default:
		NL_SET_ERR_MSG_ATTR(extack, bad,
				    "params max-rounds must be at least 1");
		break;
	}
	return -EINVAL;
}

/* session-new checks that the policy cannot express; fills @params. */
static int vmmig_nl_session_new_precheck(struct genl_info *info,
					 struct vmmig_params *params)
{
	struct nlattr *tb[VMMIG_A_PARAMS_MAX + 1];
	struct netlink_ext_ack *extack = info->extack;
	const struct nlattr *attr, *bad;
	unsigned int nr_socks = 0;
	int rem, err;

	if (GENL_REQ_ATTR_CHECK(info, VMMIG_A_SESSION_ROLE) ||
	    GENL_REQ_ATTR_CHECK(info, VMMIG_A_SESSION_VM_FD))
		return -EINVAL;

	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != VMMIG_A_SESSION_SOCK_FD)
			continue;
		if (++nr_socks > VMMIG_MAX_CHANNELS) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "too many sock-fd (max-channels is 16)");
			return -EINVAL;
		}
	}
	if (nr_socks && info->attrs[VMMIG_A_SESSION_FILE_FD]) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[VMMIG_A_SESSION_FILE_FD],
				    "file-fd and sock-fd exclude each other");
		return -EINVAL;
	}
	if (!nr_socks && !info->attrs[VMMIG_A_SESSION_FILE_FD]) {
		NL_SET_ERR_MSG(extack,
			       "missing sock-fd (at least one socket) or file-fd");
		NL_SET_ERR_ATTR_MISS(extack, NULL, VMMIG_A_SESSION_SOCK_FD);
		return -EINVAL;
	}

	err = vmmig_nl_parse_params(info, tb, params);
	if (!err)
		err = vmmig_nl_params_check(info, tb, params);
	if (err)
		return err;
	if (info->attrs[VMMIG_A_SESSION_MIGRATE_SLOT] &&
	    nla_get_u32(info->attrs[VMMIG_A_SESSION_ROLE]) !=
	    VMMIG_ROLE_SOURCE) {
		NL_SET_ERR_MSG_ATTR(extack,
				    info->attrs[VMMIG_A_SESSION_MIGRATE_SLOT],
				    "migrate-slot: for source sessions");
		return -EINVAL;
	}
	if (info->attrs[VMMIG_A_SESSION_REGION] &&
	    nla_get_u32(info->attrs[VMMIG_A_SESSION_ROLE]) !=
	    VMMIG_ROLE_DESTINATION) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[VMMIG_A_SESSION_REGION],
				    "region: a layout is for destination sessions");
		return -EINVAL;
	}
	bad = tb[VMMIG_A_PARAMS_MODE];
	if (params->mode == VMMIG_MODE_LIVE &&
	    nla_get_u32(info->attrs[VMMIG_A_SESSION_ROLE]) != VMMIG_ROLE_SOURCE) {
		NL_SET_ERR_MSG_ATTR(extack, bad,
				    "params mode live is for source sessions only");
		return -EINVAL;
	}
	if (params->mode == VMMIG_MODE_LIVE &&
	    info->attrs[VMMIG_A_SESSION_FILE_FD]) {
		NL_SET_ERR_MSG_ATTR(extack, bad,
				    "params mode live needs sock-fd, not file-fd");
		return -EINVAL;
	}
	return 0;
}

/*
 * A destination's layout from the VMM: every region nest, checked against
 * the others and against the VMM's own mappings (the caller is the VMM).
 */
static int vmmig_nl_layout(struct vmmig_session *s, struct genl_info *info)
{
	struct nlattr *tb[VMMIG_A_REGION_MAX + 1];
	struct netlink_ext_ack *extack = info->extack;
	const struct nlattr *attr;
	struct vmmig_mem *mem;
	int rem, err = 0;

	mem = vmmig_mem_alloc();
	if (!mem)
		return -ENOMEM;
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		struct vmmig_wire_mslot ms;
		u64 gpa, size, hva;

		if (nla_type(attr) != VMMIG_A_SESSION_REGION)
			continue;
		err = nla_parse_nested(tb, VMMIG_A_REGION_MAX, attr,
				       vmmig_region_nl_policy, extack);
		if (err)
			goto out_free;
		if (NL_REQ_ATTR_CHECK(extack, attr, tb, VMMIG_A_REGION_SLOT) ||
		    NL_REQ_ATTR_CHECK(extack, attr, tb, VMMIG_A_REGION_GPA) ||
		    NL_REQ_ATTR_CHECK(extack, attr, tb, VMMIG_A_REGION_SIZE) ||
		    NL_REQ_ATTR_CHECK(extack, attr, tb, VMMIG_A_REGION_HVA)) {
			NL_SET_ERR_MSG(extack,
				       "region: needs slot, gpa, size and hva");
			err = -EINVAL;
			goto out_free;
		}
		gpa = nla_get_u64(tb[VMMIG_A_REGION_GPA]);
		size = nla_get_u64(tb[VMMIG_A_REGION_SIZE]);
		hva = nla_get_u64(tb[VMMIG_A_REGION_HVA]);
		if (!PAGE_ALIGNED(gpa) || !PAGE_ALIGNED(size) ||
		    !PAGE_ALIGNED(hva)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "region: gpa, size and hva must be page aligned");
			err = -EINVAL;
			goto out_free;
		}
		ms = (struct vmmig_wire_mslot) {
			.slot		= nla_get_u32(tb[VMMIG_A_REGION_SLOT]),
			.base_gfn	= gpa >> PAGE_SHIFT,
			.npages		= size >> PAGE_SHIFT,
		};
		err = vmmig_mem_add(mem, &ms, hva);
		switch (err) {
		case 0:
			break;
		case -E2BIG:
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "region: more than 512 memslots");
			goto out_free;
		case -EINVAL:
			NL_SET_ERR_MSG_ATTR(extack, tb[VMMIG_A_REGION_SLOT],
					    "region slot: not a KVM address space and user memslot id");
			goto out_free;
		case -EEXIST:
			NL_SET_ERR_MSG_ATTR(extack, tb[VMMIG_A_REGION_SLOT],
					    "region slot: given twice");
			err = -EINVAL;
			goto out_free;
		case -EADDRINUSE:
			NL_SET_ERR_MSG_ATTR(extack, tb[VMMIG_A_REGION_GPA],
					    "region gpa: overlaps another region of the address space");
			err = -EINVAL;
			goto out_free;
		default:
			NL_SET_ERR_MSG_ATTR(extack, tb[VMMIG_A_REGION_SIZE],
					    "region gpa, size: past the end of guest addresses");
			goto out_free;
		}
		err = vmmig_mem_check_hva(hva, size);
		if (err == -EACCES) {
			NL_SET_ERR_MSG_ATTR(extack, tb[VMMIG_A_REGION_HVA],
					    "region hva: memory is not writable");
			goto out_free;
		} else if (err == -EINVAL) {
			NL_SET_ERR_MSG_ATTR(extack, tb[VMMIG_A_REGION_HVA],
					    "region hva: I/O or PFN-mapped memory has no pages to write");
			goto out_free;
		} else if (err) {
			NL_SET_ERR_MSG_ATTR(extack, tb[VMMIG_A_REGION_HVA],
					    "region hva, size: not all mapped in the VMM");
			goto out_free;
		}
	}
	s->layout = mem;
	return 0;

out_free:
	vmmig_mem_free(mem);
	return err;
}

static int vmmig_u32_cmp(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* A source's migrate-slot list: checked, sorted, without duplicates. */
static int vmmig_nl_filter(struct vmmig_session *s, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	const struct nlattr *attr;
	unsigned int n = 0, i;
	int rem;
	u32 *slots;

	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		u32 slot;

		if (nla_type(attr) != VMMIG_A_SESSION_MIGRATE_SLOT)
			continue;
		slot = nla_get_u32(attr);
		if (n == VMMIG_WIRE_MAX_SLOTS) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "migrate-slot: more than 512");
			return -EINVAL;
		}
		if ((slot >> 16) >= VMMIG_KVM_MAX_AS ||
		    (slot & 0xffff) >= KVM_USER_MEM_SLOTS) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "migrate-slot: not a KVM address space and user memslot id");
			return -EINVAL;
		}
		n++;
	}
	slots = kmalloc_array(n, sizeof(*slots), GFP_KERNEL_ACCOUNT);
	if (!slots)
		return -ENOMEM;
	n = 0;
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem)
		if (nla_type(attr) == VMMIG_A_SESSION_MIGRATE_SLOT)
			slots[n++] = nla_get_u32(attr);
	sort(slots, n, sizeof(*slots), vmmig_u32_cmp, NULL);
	for (i = 1; i < n; i++) {
		if (slots[i] == slots[i - 1]) {
			kfree(slots);
			NL_SET_ERR_MSG_ATTR(extack,
					    info->attrs[VMMIG_A_SESSION_MIGRATE_SLOT],
					    "migrate-slot: a memslot is listed twice");
			return -EINVAL;
		}
	}
	s->filter.slots = slots;
	s->filter.n = n;
	return 0;
}

/*
 * Resolve and hold every sock-fd of the request, in order; with
 * require-encryption each must be a kTLS socket.
 */
static int vmmig_nl_add_channels(struct vmmig_session *s,
				 struct genl_info *info)
{
	const struct nlattr *attr;
	unsigned int i;
	int rem, err;

	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		struct vmmig_channel *ch = &s->channels[s->nr_channels];

		if (nla_type(attr) != VMMIG_A_SESSION_SOCK_FD)
			continue;
		err = vmmig_channel_init(ch, nla_get_s32(attr), attr,
					 info->extack);
		if (err)
			return err;
		s->nr_channels++;
		if (s->params.require_encryption &&
		    !vmmig_channel_is_tls(ch)) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "sock-fd is not a kTLS socket and params require-encryption is set");
			return -EPERM;
		}
		if (ch->tls_version != s->channels[0].tls_version ||
		    ch->tls_cipher != s->channels[0].tls_cipher) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "sock-fd: the sockets of a session must all be plaintext or all kTLS with one cipher");
			return -EINVAL;
		}
		for (i = 0; i + 1 < s->nr_channels; i++) {
			if (s->channels[i].file == ch->file) {
				NL_SET_ERR_MSG_ATTR(info->extack, attr,
						    "sock-fd names the same socket twice");
				return -EINVAL;
			}
		}
	}
	return 0;
}

int vmmig_nl_session_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vmmig_params params;
	struct vmmig_session *s;
	struct sk_buff *msg;
	void *hdr;
	int err;

	err = vmmig_nl_session_new_precheck(info, &params);
	if (err)
		return err;

	s = vmmig_session_alloc(nla_get_u32(info->attrs[VMMIG_A_SESSION_ROLE]));
	if (!s)
		return -ENOMEM;
	s->params = params;
	/* A destination learns its stream's from the HELLO. */
	if (s->role == VMMIG_ROLE_SOURCE)
		s->checksum = params.checksum;

	err = vmmig_vm_init(&s->vm,
			    nla_get_s32(info->attrs[VMMIG_A_SESSION_VM_FD]),
			    info->attrs[VMMIG_A_SESSION_VM_FD], info->extack);
	if (err)
		goto out_put;
	if (info->attrs[VMMIG_A_SESSION_REGION]) {
		err = vmmig_nl_layout(s, info);
		if (err)
			goto out_put;
	}
	if (info->attrs[VMMIG_A_SESSION_MIGRATE_SLOT]) {
		err = vmmig_nl_filter(s, info);
		if (err)
			goto out_put;
	}
	if (params.mode == VMMIG_MODE_LIVE && !vmmig_vm_has_dirty_ring(&s->vm)) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[VMMIG_A_SESSION_VM_FD],
				    "vm-fd: live migration needs the KVM dirty ring (KVM_CAP_DIRTY_LOG_RING, enabled before the vCPUs are created)");
		err = -EOPNOTSUPP;
		goto out_put;
	}
	if (info->attrs[VMMIG_A_SESSION_FILE_FD] &&
	    params.require_encryption) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[VMMIG_A_SESSION_FILE_FD],
				    "file-fd: a saved stream is not encrypted and params require-encryption is set");
		err = -EPERM;
		goto out_put;
	}
	if (info->attrs[VMMIG_A_SESSION_FILE_FD]) {
		struct nlattr *attr = info->attrs[VMMIG_A_SESSION_FILE_FD];

		err = vmmig_channel_init_file(&s->channels[0],
					      nla_get_s32(attr),
					      s->role == VMMIG_ROLE_SOURCE,
					      attr, info->extack);
		if (!err)
			s->nr_channels = 1;
	} else {
		err = vmmig_nl_add_channels(s, info);
	}
	if (err)
		goto out_put;
	if (info->attrs[VMMIG_A_SESSION_BLOB_FD]) {
		struct nlattr *attr = info->attrs[VMMIG_A_SESSION_BLOB_FD];
		struct file *blob;

		blob = vmmig_blob_file_get(nla_get_s32(attr),
					   s->role == VMMIG_ROLE_SOURCE,
					   attr, info->extack);
		if (IS_ERR(blob)) {
			err = PTR_ERR(blob);
			goto out_put;
		}
		s->blob_file = blob;
	}

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		err = -ENOMEM;
		goto out_put;
	}
	err = vmmig_session_register(s, genl_info_net(info), info->snd_portid,
				     info->extack);
	if (err)
		goto out_free_msg;

	hdr = genlmsg_put_reply(msg, info, &vmmig_nl_family, 0,
				info->genlhdr->cmd);
	if (!hdr || nla_put_u32(msg, VMMIG_A_SESSION_ID, s->id)) {
		/* Cannot happen with a fresh NLMSG_GOODSIZE message. */
		vmmig_session_destroy(s);
		err = -EMSGSIZE;
		goto out_free_msg;
	}
	genlmsg_end(msg, hdr);
	vmmig_session_put(s);
	return genlmsg_reply(msg, info);

out_free_msg:
	nlmsg_free(msg);
out_put:
	vmmig_session_put(s);
	return err;
}

int vmmig_nl_session_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vmmig_session *s = info->user_ptr[0];
	struct sk_buff *msg;
	int err;

	/* An ended session's rings are reported once they are back. */
	vmmig_session_settle(s);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = vmmig_nl_fill_session(msg, s, info->snd_portid, info->snd_seq, 0,
				    NULL);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * cb->args[0]: the next session id to dump.  A dump that sessions came or
 * went under is marked NLM_F_DUMP_INTR (the registry's generation).
 */
int vmmig_nl_session_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	unsigned long id = cb->args[0];
	struct vmmig_session *s;
	int err = 0;

	cb->seq = vmmig_sessions_generation();
	while ((s = vmmig_session_next(net, &id))) {
		err = vmmig_nl_fill_session(skb, s,
					    NETLINK_CB(cb->skb).portid,
					    cb->nlh->nlmsg_seq, NLM_F_MULTI,
					    cb);
		vmmig_session_put(s);
		if (err)
			break;
		id++;
	}
	cb->args[0] = id;
	/* A full skb ends this round; the dump resumes at @id. */
	return err == -EMSGSIZE ? skb->len : err;
}

/* Every memslot the VMM listed to migrate exists by session-start. */
static int vmmig_nl_check_filter(struct vmmig_session *s,
				 struct genl_info *info)
{
	struct vmmig_mem *mem = vmmig_mem_source(s->vm.kvm, &s->filter);

	if (PTR_ERR_OR_ZERO(mem) == -ENXIO) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VMMIG_A_SESSION_ID],
				    "migrate-slot: a memslot listed at session-new does not exist");
		return -ENXIO;
	}
	if (!IS_ERR(mem))
		vmmig_mem_free(mem);
	return 0;	/* other errors: the worker tells why */
}

int vmmig_nl_session_start_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vmmig_session *s = info->user_ptr[0];
	int err;

	err = vmmig_nl_vmm_only(s, info);
	if (!err)
		err = vmmig_vm_check(&s->vm, info->attrs[VMMIG_A_SESSION_ID],
				     info->extack);
	if (!err && s->filter.n)
		err = vmmig_nl_check_filter(s, info);
	if (!err && s->params.mode == VMMIG_MODE_LIVE)
		err = vmmig_live_check_logging(s, info->extack);
	if (!err)
		err = vmmig_session_start(s, info->extack);
	return err;
}

int vmmig_nl_session_cancel_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vmmig_session_cancel(info->user_ptr[0], info->extack);
}

int vmmig_nl_session_switchover_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct vmmig_session *s = info->user_ptr[0];
	int err;

	err = vmmig_nl_vmm_only(s, info);
	return err ? err : vmmig_session_switchover(s, info->extack);
}

int vmmig_nl_session_ring_full_doit(struct sk_buff *skb,
				    struct genl_info *info)
{
	struct vmmig_session *s = info->user_ptr[0];
	int err;

	if (GENL_REQ_ATTR_CHECK(info, VMMIG_A_SESSION_VCPU))
		return -EINVAL;
	err = vmmig_nl_vmm_only(s, info);
	if (err)
		return err;
	return vmmig_live_ring_full(s,
				    nla_get_u32(info->attrs[VMMIG_A_SESSION_VCPU]),
				    info->attrs[VMMIG_A_SESSION_VCPU],
				    info->extack);
}

/*
 * session-dirty's reports: one range (gpa, length), or every dirty-bitmap
 * nest in order.  Returns how many, or -errno.
 */
static int vmmig_nl_dirty_reports(struct genl_info *info,
				  struct vmmig_dirty_report **out)
{
	struct nlattr *tb[VMMIG_A_DIRTY_BITMAP_MAX + 1];
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **a = info->attrs;
	struct vmmig_dirty_report *r;
	const struct nlattr *attr;
	int rem, n = 0, err;
	u64 gpa, len;

	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem)
		n += nla_type(attr) == VMMIG_A_SESSION_DIRTY_BITMAP;
	if (n && (a[VMMIG_A_SESSION_GPA] || a[VMMIG_A_SESSION_LENGTH])) {
		NL_SET_ERR_MSG_ATTR(extack, a[VMMIG_A_SESSION_DIRTY_BITMAP],
				    "dirty-bitmap: give either gpa and length or bitmaps");
		return -EINVAL;
	}
	if (!n && (GENL_REQ_ATTR_CHECK(info, VMMIG_A_SESSION_GPA) ||
		   GENL_REQ_ATTR_CHECK(info, VMMIG_A_SESSION_LENGTH)))
		return -EINVAL;

	r = kvmalloc_array(max(n, 1), sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	*out = r;
	if (!n) {
		gpa = nla_get_u64(a[VMMIG_A_SESSION_GPA]);
		len = nla_get_u64(a[VMMIG_A_SESSION_LENGTH]);
		/* The policy has len >= 1; the last byte must not wrap. */
		if (len - 1 > U64_MAX - gpa) {
			NL_SET_ERR_MSG_ATTR(extack, a[VMMIG_A_SESSION_GPA],
					    "gpa, length: range wraps around");
			err = -ERANGE;
			goto err_free;
		}
		r[0] = (struct vmmig_dirty_report) {
			.gfn	= gpa >> PAGE_SHIFT,
			.npages	= ((gpa + len - 1) >> PAGE_SHIFT) -
				  (gpa >> PAGE_SHIFT) + 1,
		};
		return 1;
	}
	n = 0;
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != VMMIG_A_SESSION_DIRTY_BITMAP)
			continue;
		err = nla_parse_nested(tb, VMMIG_A_DIRTY_BITMAP_MAX, attr,
				       vmmig_dirty_bitmap_nl_policy, extack);
		if (err)
			goto err_free;
		if (NL_REQ_ATTR_CHECK(extack, attr, tb,
				      VMMIG_A_DIRTY_BITMAP_GPA) ||
		    NL_REQ_ATTR_CHECK(extack, attr, tb,
				      VMMIG_A_DIRTY_BITMAP_BITS)) {
			NL_SET_ERR_MSG(extack, "dirty-bitmap: needs gpa and bits");
			err = -EINVAL;
			goto err_free;
		}
		gpa = nla_get_u64(tb[VMMIG_A_DIRTY_BITMAP_GPA]);
		if (offset_in_page(gpa)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[VMMIG_A_DIRTY_BITMAP_GPA],
					    "dirty-bitmap gpa: not page aligned");
			err = -EINVAL;
			goto err_free;
		}
		r[n++] = (struct vmmig_dirty_report) {
			.gfn	= gpa >> PAGE_SHIFT,
			.npages	= (u64)nla_len(tb[VMMIG_A_DIRTY_BITMAP_BITS]) * 8,
			.bits	= nla_data(tb[VMMIG_A_DIRTY_BITMAP_BITS]),
		};
	}
	return n;

err_free:
	kvfree(r);
	return err;
}

int vmmig_nl_session_dirty_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vmmig_session *s = info->user_ptr[0];
	struct vmmig_dirty_report *r;
	const struct nlattr *attr = info->attrs[VMMIG_A_SESSION_GPA];
	unsigned int bad = 0;
	int rem;
	int n, err;

	err = vmmig_nl_vmm_only(s, info);
	if (err)
		return err;
	n = vmmig_nl_dirty_reports(info, &r);
	if (n < 0)
		return n;
	err = vmmig_live_report_dirty(s, r, n, &bad, info->extack);
	if (err == -ERANGE && r[bad].bits) {
		/* The bad-th dirty-bitmap nest, as the reports were taken. */
		nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem)
			if (nla_type(attr) == VMMIG_A_SESSION_DIRTY_BITMAP &&
			    !bad--)
				break;
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "dirty-bitmap: a page set is not guest memory");
	} else if (err == -ERANGE) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "gpa, length: range is not all guest memory");
	}
	kvfree(r);
	return err;
}

/*
 * session-set: any caller that may see the session may tune it (an
 * operator's tool as well as the VMM), as it may cancel it.
 */
int vmmig_nl_session_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vmmig_session *s = info->user_ptr[0];
	struct nlattr *tb[VMMIG_A_PARAMS_MAX + 1];
	struct vmmig_params p;
	unsigned int i;
	u32 given, gen;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, VMMIG_A_SESSION_PARAMS))
		return -EINVAL;
	err = nla_parse_nested(tb, VMMIG_A_PARAMS_MAX,
			       info->attrs[VMMIG_A_SESSION_PARAMS],
			       vmmig_params_nl_policy, info->extack);
	if (err)
		return err;
	for (i = 1; i <= VMMIG_A_PARAMS_MAX; i++) {
		if (tb[i] && !(BIT(i) & VMMIG_PARAMS_TUNABLE)) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[i],
					    "params: only downtime-ms, max-rounds, max-time-ms, max-bandwidth and throttle-max-ms can change after session-new");
			return -EINVAL;
		}
	}
	/* Another session-set in between: merge onto what it left. */
	do {
		gen = vmmig_session_params(s, &p);
		given = vmmig_nl_params_apply(tb, &p);
		if (!given) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[VMMIG_A_SESSION_PARAMS],
					    "params: no parameter to change");
			return -EINVAL;
		}
		err = vmmig_nl_params_check(info, tb, &p);
		if (!err)
			err = vmmig_session_set(s, &p, gen,
						given & VMMIG_PARAMS_CONVERGE,
						info->extack);
	} while (err == -EAGAIN);
	return err;
}

int vmmig_nl_session_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	vmmig_session_destroy(info->user_ptr[0]);
	return 0;
}

int vmmig_nl_host_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	u32 wire = VMMIG_WIRE_VERSION;
	struct sk_buff *msg;
	void *hdr;

	if (info->attrs[VMMIG_A_HOST_WIRE_VERSION])
		wire = min_t(u32, wire,
			     nla_get_u32(info->attrs[VMMIG_A_HOST_WIRE_VERSION]));

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &vmmig_nl_family, 0,
				info->genlhdr->cmd);
	if (!hdr ||
	    nla_put_u32(msg, VMMIG_A_HOST_MAX_SESSIONS,
			READ_ONCE(vmmig_max_sessions)) ||
	    nla_put_u32(msg, VMMIG_A_HOST_SESSIONS,
			vmmig_sessions_count(genl_info_net(info))) ||
	    nla_put_u32(msg, VMMIG_A_HOST_WIRE_VERSION, wire)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static void vmmig_nl_multicast(struct vmmig_session *s, struct sk_buff *msg)
{
	struct net *net = vmmig_session_net(s);

	/* Nobody can listen in a namespace that is being dismantled. */
	if (!check_net(net)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast_netns(&vmmig_nl_family, net, msg, 0,
				VMMIG_NLGRP_EVENTS, GFP_KERNEL);
}

/**
 * vmmig_nl_notify_state() - announce that @s entered its current state.
 * @s: the session; its lock is held so events leave in order (for the
 *     first, "new", the registry lock: nobody else sees @s yet).
 * @old_state: the state it left, 0 for a new session.
 */
void vmmig_nl_notify_state(struct vmmig_session *s, u32 old_state)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &vmmig_nl_family, 0,
			  VMMIG_CMD_SESSION_STATE_NTF);
	if (!hdr ||
	    nla_put_u32(msg, VMMIG_A_SESSION_ID, s->id) ||
	    nla_put_u32(msg, VMMIG_A_SESSION_ROLE, s->role) ||
	    nla_put_u32(msg, VMMIG_A_SESSION_STATE, READ_ONCE(s->state)) ||
	    (old_state &&
	     nla_put_u32(msg, VMMIG_A_SESSION_OLD_STATE, old_state)) ||
	    nla_put_u32(msg, VMMIG_A_SESSION_REASON, READ_ONCE(s->reason))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	vmmig_nl_multicast(s, msg);
}

/**
 * vmmig_nl_notify_del() - announce that @s was destroyed.
 * @s: the session (already unlinked).
 * @reason: why it was destroyed.
 */
void vmmig_nl_notify_del(struct vmmig_session *s, u32 reason)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &vmmig_nl_family, 0,
			  VMMIG_CMD_SESSION_DEL_NTF);
	if (!hdr ||
	    nla_put_u32(msg, VMMIG_A_SESSION_ID, s->id) ||
	    nla_put_u32(msg, VMMIG_A_SESSION_REASON, reason)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	vmmig_nl_multicast(s, msg);
}

/**
 * vmmig_nl_notify_set() - announce the parameters session-set put in force.
 * @s: the session; its lock is held, so that events leave in order.
 */
void vmmig_nl_notify_set(struct vmmig_session *s)
{
	struct sk_buff *msg;
	void *hdr;

	lockdep_assert_held(&s->lock);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &vmmig_nl_family, 0,
			  VMMIG_CMD_SESSION_SET_NTF);
	if (!hdr || nla_put_u32(msg, VMMIG_A_SESSION_ID, s->id) ||
	    vmmig_nl_put_params(msg, &s->params)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	vmmig_nl_multicast(s, msg);
}

/* The creating socket of a session is its owner: its release ends it. */
static int vmmig_nl_release(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC)
		vmmig_sessions_owner_gone(n->net, n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block vmmig_nl_notifier = {
	.notifier_call = vmmig_nl_release,
};

int vmmig_nl_init(void)
{
	int err;

	err = netlink_register_notifier(&vmmig_nl_notifier);
	if (err)
		return err;
	err = genl_register_family(&vmmig_nl_family);
	if (err)
		goto err_notifier;
	return 0;

err_notifier:
	netlink_unregister_notifier(&vmmig_nl_notifier);
	return err;
}

void vmmig_nl_exit(void)
{
	genl_unregister_family(&vmmig_nl_family);
	netlink_unregister_notifier(&vmmig_nl_notifier);
}
