// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libvmmig requests: session-new/get/start/cancel/del, the live-migration
 * calls session-switchover/ring-full/dirty, and host-get.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/genl/genl.h>

#include "internal.h"

#define DUMP_TRIES	4	/* attempts at a dump the kernel calls inconsistent */

const struct nla_policy vmmig__session_policy[VMMIG_A_SESSION_MAX + 1] = {
	[VMMIG_A_SESSION_ID]		= { .type = NLA_U32 },
	[VMMIG_A_SESSION_ROLE]		= { .type = NLA_U32 },
	[VMMIG_A_SESSION_PARAMS]	= { .type = NLA_NESTED },
	[VMMIG_A_SESSION_STATE]		= { .type = NLA_U32 },
	[VMMIG_A_SESSION_REASON]	= { .type = NLA_U32 },
	[VMMIG_A_SESSION_STATS]		= { .type = NLA_NESTED },
	[VMMIG_A_SESSION_VMM_PID]	= { .type = NLA_U32 },
	[VMMIG_A_SESSION_CHANNELS]	= { .type = NLA_U32 },
	[VMMIG_A_SESSION_OLD_STATE]	= { .type = NLA_U32 },
	[VMMIG_A_SESSION_VCPU]		= { .type = NLA_U32 },
	[VMMIG_A_SESSION_GPA]		= { .type = NLA_U64 },
	[VMMIG_A_SESSION_LENGTH]	= { .type = NLA_U64 },
	[VMMIG_A_SESSION_RING]		= { .type = NLA_NESTED },
	[VMMIG_A_SESSION_WORKER_TID]	= { .type = NLA_U32 },
	[VMMIG_A_SESSION_CHECKSUM]	= { .type = NLA_U32 },
	[VMMIG_A_SESSION_TLS_VERSION]	= { .type = NLA_U32 },
	[VMMIG_A_SESSION_TLS_CIPHER]	= { .type = NLA_U32 },
};

static const struct nla_policy params_policy[VMMIG_A_PARAMS_MAX + 1] = {
	[VMMIG_A_PARAMS_DOWNTIME_MS]	 = { .type = NLA_U32 },
	[VMMIG_A_PARAMS_MAX_ROUNDS]	 = { .type = NLA_U32 },
	[VMMIG_A_PARAMS_MAX_TIME_MS]	 = { .type = NLA_U32 },
	[VMMIG_A_PARAMS_MAX_BANDWIDTH]	 = { .type = NLA_U64 },
	[VMMIG_A_PARAMS_ON_LIMIT]	 = { .type = NLA_U32 },
	[VMMIG_A_PARAMS_THROTTLE_MAX_MS] = { .type = NLA_U32 },
	[VMMIG_A_PARAMS_MODE]		 = { .type = NLA_U32 },
	[VMMIG_A_PARAMS_PEER_TIMEOUT_MS] = { .type = NLA_U32 },
	[VMMIG_A_PARAMS_REQUIRE_ENCRYPTION] = { .type = NLA_U32 },
};

static const struct nla_policy stats_policy[VMMIG_A_STATS_MAX + 1] = {
	[VMMIG_A_STATS_ELAPSED_MS]	= { .type = NLA_U64 },
	[VMMIG_A_STATS_BYTES]		= { .type = NLA_U64 },
	[VMMIG_A_STATS_PAGES]		= { .type = NLA_U64 },
	[VMMIG_A_STATS_ZERO_PAGES]	= { .type = NLA_U64 },
	[VMMIG_A_STATS_ROUND]		= { .type = NLA_U32 },
	[VMMIG_A_STATS_CPU_NS]		= { .type = NLA_U64 },
	[VMMIG_A_STATS_BLOB_BYTES]	= { .type = NLA_U64 },
	[VMMIG_A_STATS_REMAINING]	= { .type = NLA_U64 },
	[VMMIG_A_STATS_DIRTY_RATE]	= { .type = NLA_U64 },
	[VMMIG_A_STATS_BANDWIDTH]	= { .type = NLA_U64 },
	[VMMIG_A_STATS_EXPECTED_DOWNTIME_MS] = { .type = NLA_U64 },
	[VMMIG_A_STATS_DOWNTIME_MS]	= { .type = NLA_U64 },
	[VMMIG_A_STATS_SETUP_MS]	= { .type = NLA_U64 },
	[VMMIG_A_STATS_DIRTY_PAGES]	= { .type = NLA_U64 },
	[VMMIG_A_STATS_REPORTED_PAGES]	= { .type = NLA_U64 },
	[VMMIG_A_STATS_RING_FULL]	= { .type = NLA_U64 },
	[VMMIG_A_STATS_THROTTLE_NS]	= { .type = NLA_U64 },
	[VMMIG_A_STATS_HARVEST_NS]	= { .type = NLA_U64 },
};

static const struct nla_policy host_policy[VMMIG_A_HOST_MAX + 1] = {
	[VMMIG_A_HOST_MAX_SESSIONS]	= { .type = NLA_U32 },
	[VMMIG_A_HOST_SESSIONS]		= { .type = NLA_U32 },
	[VMMIG_A_HOST_WIRE_VERSION]	= { .type = NLA_U32 },
};

static int bad_reply(struct vmmig *h, const char *what)
{
	return vmmig__errf(h, -EBADMSG, "malformed reply from vmmig: %s", what);
}

/* The params nest; require-encryption is not in struct vmmig_params. */
static int parse_params(struct vmmig *h, struct nlattr *nest,
			struct vmmig_params *p, uint32_t *require_enc)
{
	struct nlattr *tb[VMMIG_A_PARAMS_MAX + 1];

	if (nla_parse_nested(tb, VMMIG_A_PARAMS_MAX, nest, params_policy) < 0)
		return bad_reply(h, "params");
	vmmig__get_u32(tb[VMMIG_A_PARAMS_DOWNTIME_MS], &p->downtime_ms);
	vmmig__get_u32(tb[VMMIG_A_PARAMS_MAX_ROUNDS], &p->max_rounds);
	vmmig__get_u32(tb[VMMIG_A_PARAMS_MAX_TIME_MS], &p->max_time_ms);
	vmmig__get_u64(tb[VMMIG_A_PARAMS_MAX_BANDWIDTH], &p->max_bandwidth);
	vmmig__get_u32(tb[VMMIG_A_PARAMS_ON_LIMIT], &p->on_limit);
	vmmig__get_u32(tb[VMMIG_A_PARAMS_THROTTLE_MAX_MS], &p->throttle_max_ms);
	vmmig__get_u32(tb[VMMIG_A_PARAMS_MODE], &p->mode);
	vmmig__get_u32(tb[VMMIG_A_PARAMS_PEER_TIMEOUT_MS], &p->peer_timeout_ms);
	vmmig__get_u32(tb[VMMIG_A_PARAMS_REQUIRE_ENCRYPTION], require_enc);
	return 0;
}

static int parse_stats(struct vmmig *h, struct nlattr *nest,
		       struct vmmig_stats *s)
{
	struct nlattr *tb[VMMIG_A_STATS_MAX + 1];

	if (nla_parse_nested(tb, VMMIG_A_STATS_MAX, nest, stats_policy) < 0)
		return bad_reply(h, "stats");
	vmmig__get_u64(tb[VMMIG_A_STATS_ELAPSED_MS], &s->elapsed_ms);
	vmmig__get_u64(tb[VMMIG_A_STATS_BYTES], &s->bytes);
	vmmig__get_u64(tb[VMMIG_A_STATS_PAGES], &s->pages);
	vmmig__get_u64(tb[VMMIG_A_STATS_ZERO_PAGES], &s->zero_pages);
	vmmig__get_u32(tb[VMMIG_A_STATS_ROUND], &s->round);
	vmmig__get_u64(tb[VMMIG_A_STATS_CPU_NS], &s->cpu_ns);
	vmmig__get_u64(tb[VMMIG_A_STATS_BLOB_BYTES], &s->blob_bytes);
	vmmig__get_u64(tb[VMMIG_A_STATS_REMAINING], &s->remaining);
	vmmig__get_u64(tb[VMMIG_A_STATS_DIRTY_RATE], &s->dirty_rate);
	vmmig__get_u64(tb[VMMIG_A_STATS_BANDWIDTH], &s->bandwidth);
	vmmig__get_u64(tb[VMMIG_A_STATS_EXPECTED_DOWNTIME_MS],
		       &s->expected_downtime_ms);
	vmmig__get_u64(tb[VMMIG_A_STATS_DOWNTIME_MS], &s->downtime_ms);
	vmmig__get_u64(tb[VMMIG_A_STATS_SETUP_MS], &s->setup_ms);
	vmmig__get_u64(tb[VMMIG_A_STATS_DIRTY_PAGES], &s->dirty_pages);
	vmmig__get_u64(tb[VMMIG_A_STATS_REPORTED_PAGES], &s->reported_pages);
	vmmig__get_u64(tb[VMMIG_A_STATS_RING_FULL], &s->ring_full);
	vmmig__get_u64(tb[VMMIG_A_STATS_THROTTLE_NS], &s->throttle_ns);
	vmmig__get_u64(tb[VMMIG_A_STATS_HARVEST_NS], &s->harvest_ns);
	return 0;
}

static int parse_info(struct vmmig *h, struct nlattr **tb,
		      struct vmmig_session_info *info)
{
	int rc = 0;

	memset(info, 0, sizeof(*info));
	if (!tb[VMMIG_A_SESSION_ID])
		return bad_reply(h, "no session id");
	info->id = nla_get_u32(tb[VMMIG_A_SESSION_ID]);
	vmmig__get_u32(tb[VMMIG_A_SESSION_ROLE], &info->role);
	vmmig__get_u32(tb[VMMIG_A_SESSION_STATE], &info->state);
	vmmig__get_u32(tb[VMMIG_A_SESSION_REASON], &info->reason);
	vmmig__get_u32(tb[VMMIG_A_SESSION_VMM_PID], &info->vmm_pid);
	vmmig__get_u32(tb[VMMIG_A_SESSION_CHANNELS], &info->channels);
	vmmig__get_u32(tb[VMMIG_A_SESSION_WORKER_TID], &info->worker_tid);
	vmmig__get_u32(tb[VMMIG_A_SESSION_CHECKSUM], &info->checksum);
	vmmig__get_u32(tb[VMMIG_A_SESSION_TLS_VERSION], &info->tls_version);
	vmmig__get_u32(tb[VMMIG_A_SESSION_TLS_CIPHER], &info->tls_cipher);
	if (tb[VMMIG_A_SESSION_PARAMS])
		rc = parse_params(h, tb[VMMIG_A_SESSION_PARAMS], &info->params,
				  &info->require_encryption);
	if (!rc && tb[VMMIG_A_SESSION_STATS])
		rc = parse_stats(h, tb[VMMIG_A_SESSION_STATS], &info->stats);
	return rc;
}

/* A @cmd message with the session id; the caller adds the rest. */
static int id_msg(struct vmmig *h, uint8_t cmd, uint32_t id,
		  struct nl_msg **out)
{
	int rc;

	rc = vmmig__msg(h, cmd, 0, out);
	if (rc)
		return rc;
	rc = nla_put_u32(*out, VMMIG_A_SESSION_ID, id);
	if (rc < 0) {
		nlmsg_free(*out);
		return vmmig__nlerr(h, rc);
	}
	return 0;
}

/* A message carrying only the session id. */
static int id_request(struct vmmig *h, uint8_t cmd, uint32_t id,
		      const struct vmmig_reply *reply)
{
	struct nl_msg *msg;
	int rc;

	rc = id_msg(h, cmd, id, &msg);
	return rc ?: vmmig__request(h, msg, reply);
}

static int put_nz_u32(struct nl_msg *msg, int type, uint32_t v)
{
	return v ? nla_put_u32(msg, type, v) : 0;
}

static int put_nz_u64(struct nl_msg *msg, int type, uint64_t v)
{
	return v ? nla_put_u64(msg, type, v) : 0;
}

/*
 * Zero fields are left out: the module applies its default.  @p may be
 * NULL (all defaults); @checksum is enum vmmig_checksum; @require_enc 1
 * requires kTLS sockets (0: the host's default).
 */
static int put_params(struct nl_msg *msg, const struct vmmig_params *p,
		      uint32_t checksum, uint32_t require_enc)
{
	static const struct vmmig_params defaults;
	struct nlattr *nest = nla_nest_start(msg, VMMIG_A_SESSION_PARAMS);
	int rc;

	if (!nest)
		return -NLE_NOMEM;
	if (!p)
		p = &defaults;
	rc = put_nz_u32(msg, VMMIG_A_PARAMS_DOWNTIME_MS, p->downtime_ms);
	rc = rc ?: put_nz_u32(msg, VMMIG_A_PARAMS_MAX_ROUNDS, p->max_rounds);
	rc = rc ?: put_nz_u32(msg, VMMIG_A_PARAMS_MAX_TIME_MS, p->max_time_ms);
	rc = rc ?: put_nz_u64(msg, VMMIG_A_PARAMS_MAX_BANDWIDTH, p->max_bandwidth);
	rc = rc ?: put_nz_u32(msg, VMMIG_A_PARAMS_ON_LIMIT, p->on_limit);
	rc = rc ?: put_nz_u32(msg, VMMIG_A_PARAMS_THROTTLE_MAX_MS,
			      p->throttle_max_ms);
	rc = rc ?: put_nz_u32(msg, VMMIG_A_PARAMS_MODE, p->mode);
	rc = rc ?: put_nz_u32(msg, VMMIG_A_PARAMS_PEER_TIMEOUT_MS,
			      p->peer_timeout_ms);
	rc = rc ?: put_nz_u32(msg, VMMIG_A_PARAMS_CHECKSUM, checksum);
	rc = rc ?: put_nz_u32(msg, VMMIG_A_PARAMS_REQUIRE_ENCRYPTION,
			      require_enc);
	/* An empty nest is dropped by nla_nest_end(). */
	return rc ?: nla_nest_end(msg, nest);
}

/* The region nests of a destination's layout. */
static int put_regions(struct nl_msg *msg, const struct vmmig_region *r,
		       unsigned int n)
{
	unsigned int i;
	int rc = 0;

	for (i = 0; !rc && i < n; i++) {
		struct nlattr *nest = nla_nest_start(msg, VMMIG_A_SESSION_REGION);

		if (!nest)
			return -NLE_NOMEM;
		rc = nla_put_u32(msg, VMMIG_A_REGION_SLOT, r[i].slot);
		rc = rc ?: nla_put_u64(msg, VMMIG_A_REGION_GPA, r[i].gpa);
		rc = rc ?: nla_put_u64(msg, VMMIG_A_REGION_SIZE, r[i].size);
		rc = rc ?: nla_put_u64(msg, VMMIG_A_REGION_HVA, r[i].hva);
		rc = rc ?: nla_nest_end(msg, nest);
	}
	return rc;
}

/* session-new from @o, whose fields past o->sz are taken as 0. */
static int put_new(struct nl_msg *msg, uint32_t role, int vm_fd,
		   const struct vmmig_new_opts *o)
{
	unsigned int i;
	int rc;

	rc = nla_put_u32(msg, VMMIG_A_SESSION_ROLE, role);
	rc = rc ?: nla_put_s32(msg, VMMIG_A_SESSION_VM_FD, vm_fd);
	for (i = 0; !rc && i < o->nr_socks; i++)
		rc = nla_put_s32(msg, VMMIG_A_SESSION_SOCK_FD, o->sock_fds[i]);
	if (!rc && (o->flags & VMMIG_NEW_FILE))
		rc = nla_put_s32(msg, VMMIG_A_SESSION_FILE_FD, o->file_fd);
	if (!rc && (o->flags & VMMIG_NEW_BLOB))
		rc = nla_put_s32(msg, VMMIG_A_SESSION_BLOB_FD, o->blob_fd);
	if (!rc)
		rc = put_params(msg, o->params,
				o->flags & VMMIG_NEW_CHECKSUM ?
				VMMIG_CHECKSUM_CRC32C : VMMIG_CHECKSUM_NONE,
				!!(o->flags & VMMIG_NEW_REQUIRE_ENCRYPTION));
	if (!rc && o->nr_regions)
		rc = put_regions(msg, o->regions, o->nr_regions);
	for (i = 0; !rc && i < o->nr_migrate_slots; i++)
		rc = nla_put_u32(msg, VMMIG_A_SESSION_MIGRATE_SLOT,
				 o->migrate_slots[i]);
	return rc;
}

static int parse_id(struct vmmig *h, struct nlattr **tb, void *arg)
{
	(void)h;
	vmmig__get_u32(tb[VMMIG_A_SESSION_ID], arg);
	return 0;
}

int vmmig_session_new(struct vmmig *h, uint32_t role, int vm_fd,
		      const struct vmmig_new_opts *opts, uint32_t *id)
{
	const struct vmmig_reply reply = {
		vmmig__session_policy, VMMIG_A_SESSION_MAX, parse_id, id
	};
	struct vmmig_new_opts o = { 0 };
	struct nl_msg *msg;
	int rc;

	if (!opts)
		return vmmig__errf(h, -EINVAL, "struct vmmig_new_opts is NULL");
	if (!vmmig__opts_valid(h, opts, opts->sz, sizeof(*opts),
			       "struct vmmig_new_opts"))
		return -EINVAL;
	/* What the caller's struct has; the rest stays 0. */
	memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if (o.flags & ~VMMIG_NEW_KNOWN)
		return vmmig__errf(h, -EINVAL,
				   "struct vmmig_new_opts: unknown flags %#x",
				   o.flags & ~VMMIG_NEW_KNOWN);
	if (o.nr_socks > VMMIG_MAX_CHANNELS || (o.nr_socks && !o.sock_fds))
		return vmmig__errf(h, -EINVAL, "sock-fd: at most %d sockets",
				   VMMIG_MAX_CHANNELS);
	if (o.nr_regions > VMMIG_MAX_REGIONS || (o.nr_regions && !o.regions))
		return vmmig__errf(h, -EINVAL, "region: at most %d regions",
				   VMMIG_MAX_REGIONS);
	if (o.nr_migrate_slots > VMMIG_MAX_REGIONS ||
	    (o.nr_migrate_slots && !o.migrate_slots))
		return vmmig__errf(h, -EINVAL,
				   "migrate-slot: at most %d memslots",
				   VMMIG_MAX_REGIONS);
	rc = vmmig__msg_sized(h, VMMIG_CMD_SESSION_NEW, 0,
			      4096 + o.nr_regions * 64 +
			      o.nr_migrate_slots * 8, &msg);
	if (rc)
		return rc;
	rc = put_new(msg, role, vm_fd, &o);
	if (rc < 0) {
		nlmsg_free(msg);
		return vmmig__nlerr(h, rc);
	}
	*id = 0;
	rc = vmmig__request(h, msg, &reply);
	if (!rc && !*id)
		rc = bad_reply(h, "no session id");
	return rc;
}

int vmmig_session_create_cfg(struct vmmig *h,
			     const struct vmmig_session_cfg *cfg, uint32_t *id)
{
	struct vmmig_new_opts o = VMMIG_NEW_OPTS(.sock_fds = cfg->sock_fds,
						 .nr_socks = cfg->nr_socks,
						 .file_fd = cfg->file_fd,
						 .blob_fd = cfg->blob_fd,
						 .params = cfg->params);

	o.flags = (cfg->file_fd >= 0 ? VMMIG_NEW_FILE : 0) |
		  (cfg->blob_fd >= 0 ? VMMIG_NEW_BLOB : 0);
	return vmmig_session_new(h, cfg->role, cfg->vm_fd, &o, id);
}

int vmmig_session_create(struct vmmig *h, uint32_t role, int vm_fd,
			 const int *sock_fds, unsigned int nr_socks,
			 const struct vmmig_params *params, uint32_t *id)
{
	const struct vmmig_session_cfg cfg = {
		.role = role, .vm_fd = vm_fd, .sock_fds = sock_fds,
		.nr_socks = nr_socks, .file_fd = -1, .blob_fd = -1,
		.params = params,
	};

	if (!sock_fds || !nr_socks)
		return vmmig__errf(h, -EINVAL, "sock-fd: need 1 to %d sockets",
				   VMMIG_MAX_CHANNELS);
	return vmmig_session_create_cfg(h, &cfg, id);
}

int vmmig_session_create_file(struct vmmig *h, uint32_t role, int vm_fd,
			      int file_fd, const struct vmmig_params *params,
			      uint32_t *id)
{
	const struct vmmig_session_cfg cfg = {
		.role = role, .vm_fd = vm_fd, .file_fd = file_fd,
		.blob_fd = -1, .params = params,
	};

	if (file_fd < 0)
		return vmmig__errf(h, -EBADF, "file-fd: not a file descriptor");
	return vmmig_session_create_cfg(h, &cfg, id);
}

struct get_ctx {
	struct vmmig_session_info *info;
	bool found;
};

static int parse_one(struct vmmig *h, struct nlattr **tb, void *arg)
{
	struct get_ctx *ctx = arg;

	ctx->found = true;
	return parse_info(h, tb, ctx->info);
}

int vmmig_session_get(struct vmmig *h, uint32_t id,
		      struct vmmig_session_info *info)
{
	struct get_ctx ctx = { .info = info };
	const struct vmmig_reply reply = {
		vmmig__session_policy, VMMIG_A_SESSION_MAX, parse_one, &ctx
	};
	int rc;

	rc = id_request(h, VMMIG_CMD_SESSION_GET, id, &reply);
	if (!rc && !ctx.found)
		rc = bad_reply(h, "no session");
	return rc;
}

struct list_ctx {
	struct vmmig_session_info *v;
	unsigned int n, cap;
};

static int parse_append(struct vmmig *h, struct nlattr **tb, void *arg)
{
	struct list_ctx *ctx = arg;
	struct vmmig_session_info *v;
	int rc;

	if (ctx->n == ctx->cap) {
		unsigned int cap = ctx->cap ? 2 * ctx->cap : 16;

		v = reallocarray(ctx->v, cap, sizeof(*v));
		if (!v)
			return vmmig__err(h, -ENOMEM);
		ctx->v = v;
		ctx->cap = cap;
	}
	rc = parse_info(h, tb, &ctx->v[ctx->n]);
	if (!rc)
		ctx->n++;
	return rc;
}

static int dump_sessions(struct vmmig *h, struct list_ctx *ctx)
{
	const struct vmmig_reply reply = {
		vmmig__session_policy, VMMIG_A_SESSION_MAX, parse_append, ctx
	};
	struct nl_msg *msg;
	int rc;

	ctx->n = 0;
	rc = vmmig__msg(h, VMMIG_CMD_SESSION_GET, NLM_F_DUMP, &msg);
	if (rc)
		return rc;
	return vmmig__request(h, msg, &reply);
}

int vmmig_session_list(struct vmmig *h, struct vmmig_session_info **out,
		       unsigned int *count)
{
	struct list_ctx ctx = { 0 };
	int rc = 0, tries;

	for (tries = 0; tries < DUMP_TRIES; tries++) {
		rc = dump_sessions(h, &ctx);
		if (rc != -EINTR)
			break;
	}

	if (rc || !ctx.n) {
		free(ctx.v);
		ctx.v = NULL;
		ctx.n = 0;
	}
	*out = ctx.v;
	*count = ctx.n;
	return rc;
}

int vmmig_session_start(struct vmmig *h, uint32_t id)
{
	return id_request(h, VMMIG_CMD_SESSION_START, id, NULL);
}

int vmmig_session_cancel(struct vmmig *h, uint32_t id)
{
	return id_request(h, VMMIG_CMD_SESSION_CANCEL, id, NULL);
}

int vmmig_session_destroy(struct vmmig *h, uint32_t id)
{
	return id_request(h, VMMIG_CMD_SESSION_DEL, id, NULL);
}

int vmmig_session_switchover(struct vmmig *h, uint32_t id)
{
	return id_request(h, VMMIG_CMD_SESSION_SWITCHOVER, id, NULL);
}

/* The kernel answers once the vCPU's dirty ring was harvested and reset. */
int vmmig_session_ring_full(struct vmmig *h, uint32_t id, uint32_t vcpu)
{
	struct nl_msg *msg;
	int rc;

	rc = id_msg(h, VMMIG_CMD_SESSION_RING_FULL, id, &msg);
	if (rc)
		return rc;
	rc = nla_put_u32(msg, VMMIG_A_SESSION_VCPU, vcpu);
	if (rc < 0) {
		nlmsg_free(msg);
		return vmmig__nlerr(h, rc);
	}
	return vmmig__request(h, msg, NULL);
}

int vmmig_session_dirty(struct vmmig *h, uint32_t id, uint64_t gpa,
			uint64_t length)
{
	struct nl_msg *msg;
	int rc;

	rc = id_msg(h, VMMIG_CMD_SESSION_DIRTY, id, &msg);
	if (rc)
		return rc;
	rc = nla_put_u64(msg, VMMIG_A_SESSION_GPA, gpa);
	rc = rc ?: nla_put_u64(msg, VMMIG_A_SESSION_LENGTH, length);
	if (rc < 0) {
		nlmsg_free(msg);
		return vmmig__nlerr(h, rc);
	}
	return vmmig__request(h, msg, NULL);
}

/* The fields of struct vmmig_tune, in VMMIG_TUNE_* bit order. */
#define TUNE_FIELD(bit, attr, field, is64)				\
	{ bit, attr, offsetof(struct vmmig_tune, field),		\
	  offsetof(struct vmmig_tune, field) +				\
	  sizeof(((struct vmmig_tune *)0)->field), is64 }

static const struct tune_field {
	uint32_t bit;
	int attr;
	size_t off, end;
	bool is64;
} tune_fields[] = {
	TUNE_FIELD(VMMIG_TUNE_DOWNTIME_MS, VMMIG_A_PARAMS_DOWNTIME_MS,
		   downtime_ms, false),
	TUNE_FIELD(VMMIG_TUNE_MAX_ROUNDS, VMMIG_A_PARAMS_MAX_ROUNDS,
		   max_rounds, false),
	TUNE_FIELD(VMMIG_TUNE_MAX_TIME_MS, VMMIG_A_PARAMS_MAX_TIME_MS,
		   max_time_ms, false),
	TUNE_FIELD(VMMIG_TUNE_MAX_BANDWIDTH, VMMIG_A_PARAMS_MAX_BANDWIDTH,
		   max_bandwidth, true),
	TUNE_FIELD(VMMIG_TUNE_THROTTLE_MAX_MS, VMMIG_A_PARAMS_THROTTLE_MAX_MS,
		   throttle_max_ms, false),
};

/* The params nest of session-set; 0 or a libnl error. */
static int put_tune(struct vmmig *h, struct nl_msg *msg,
		    const struct vmmig_tune *t)
{
	const unsigned char *base = (const unsigned char *)t;
	uint32_t set = t->set, known = 0;
	struct nlattr *nest;
	unsigned int i;
	int rc = 0;

	for (i = 0; i < sizeof(tune_fields) / sizeof(tune_fields[0]); i++)
		known |= tune_fields[i].bit;
	if (set & ~known)
		return vmmig__errf(h, -EINVAL,
				   "struct vmmig_tune: unknown set bits %#x",
				   set & ~known);
	if (!set)
		return vmmig__errf(h, -EINVAL, "struct vmmig_tune: nothing set");
	nest = nla_nest_start(msg, VMMIG_A_SESSION_PARAMS);
	if (!nest)
		return vmmig__nlerr(h, -NLE_NOMEM);
	for (i = 0; !rc && i < sizeof(tune_fields) / sizeof(tune_fields[0]); i++) {
		const struct tune_field *f = &tune_fields[i];
		uint64_t v64;
		uint32_t v32;

		if (!(set & f->bit))
			continue;
		if (t->sz < f->end)
			return vmmig__errf(h, -EINVAL,
					   "struct vmmig_tune: set bit %#x names a field past sz %zu",
					   f->bit, t->sz);
		if (f->is64) {
			memcpy(&v64, base + f->off, sizeof(v64));
			rc = nla_put_u64(msg, f->attr, v64);
		} else {
			memcpy(&v32, base + f->off, sizeof(v32));
			rc = nla_put_u32(msg, f->attr, v32);
		}
	}
	rc = rc ?: nla_nest_end(msg, nest);
	return rc < 0 ? vmmig__nlerr(h, rc) : 0;
}

int vmmig_session_set(struct vmmig *h, uint32_t id,
		      const struct vmmig_tune *tune)
{
	struct nl_msg *msg;
	int rc;

	if (!tune)
		return vmmig__errf(h, -EINVAL, "struct vmmig_tune is NULL");
	if (!vmmig__opts_valid(h, tune, tune->sz, sizeof(*tune),
			       "struct vmmig_tune"))
		return -EINVAL;
	if (!VMMIG_OPTS_HAS(tune, set))
		return vmmig__errf(h, -EINVAL,
				   "struct vmmig_tune: sz %zu leaves out set",
				   tune->sz);
	rc = id_msg(h, VMMIG_CMD_SESSION_SET, id, &msg);
	if (rc)
		return rc;
	rc = put_tune(h, msg, tune);
	if (rc) {
		nlmsg_free(msg);
		return rc;
	}
	return vmmig__request(h, msg, NULL);
}

struct rings_ctx {
	struct vmmig_ring_index *rings;
	unsigned int max, count;
};

/* Every ring nest of the reply (multi-attr: tb[] holds only the last). */
static int parse_rings(struct vmmig *h, struct nlattr **tb, void *arg)
{
	static const struct nla_policy ring_policy[VMMIG_A_RING_MAX + 1] = {
		[VMMIG_A_RING_VCPU]	= { .type = NLA_U32 },
		[VMMIG_A_RING_INDEX]	= { .type = NLA_U32 },
	};
	struct rings_ctx *ctx = arg;
	struct nlattr *nla;
	int rem;

	(void)tb;
	nla_for_each_attr(nla, genlmsg_attrdata(nlmsg_data(h->req->cur), 0),
			  genlmsg_attrlen(nlmsg_data(h->req->cur), 0), rem) {
		struct nlattr *rt[VMMIG_A_RING_MAX + 1];

		if (nla_type(nla) != VMMIG_A_SESSION_RING)
			continue;
		if (nla_parse_nested(rt, VMMIG_A_RING_MAX, nla, ring_policy) < 0 ||
		    !rt[VMMIG_A_RING_VCPU] || !rt[VMMIG_A_RING_INDEX])
			return bad_reply(h, "malformed ring");
		if (ctx->count < ctx->max)
			ctx->rings[ctx->count] = (struct vmmig_ring_index) {
				.vcpu = nla_get_u32(rt[VMMIG_A_RING_VCPU]),
				.index = nla_get_u32(rt[VMMIG_A_RING_INDEX]),
			};
		ctx->count++;
	}
	return 0;
}

int vmmig_session_rings(struct vmmig *h, uint32_t id,
			struct vmmig_ring_index *rings, unsigned int max,
			unsigned int *count)
{
	struct rings_ctx ctx = { .rings = rings, .max = max };
	const struct vmmig_reply reply = {
		vmmig__session_policy, VMMIG_A_SESSION_MAX, parse_rings, &ctx
	};
	int rc;

	rc = id_request(h, VMMIG_CMD_SESSION_GET, id, &reply);
	if (!rc)
		*count = ctx.count;
	return rc;
}

struct host_ctx {
	struct vmmig_host_info *info;
	bool found;
};

static int parse_host(struct vmmig *h, struct nlattr **tb, void *arg)
{
	struct host_ctx *ctx = arg;

	(void)h;
	ctx->found = true;
	vmmig__get_u32(tb[VMMIG_A_HOST_MAX_SESSIONS], &ctx->info->max_sessions);
	vmmig__get_u32(tb[VMMIG_A_HOST_SESSIONS], &ctx->info->sessions);
	vmmig__get_u32(tb[VMMIG_A_HOST_WIRE_VERSION], &ctx->info->wire_version);
	return 0;
}

int vmmig_host_get(struct vmmig *h, uint32_t wire_version,
		   struct vmmig_host_info *info)
{
	struct host_ctx ctx = { .info = info };
	const struct vmmig_reply reply = {
		host_policy, VMMIG_A_HOST_MAX, parse_host, &ctx
	};
	struct nl_msg *msg;
	int rc;

	memset(info, 0, sizeof(*info));
	rc = vmmig__msg(h, VMMIG_CMD_HOST_GET, 0, &msg);
	if (rc)
		return rc;
	/* Optional: the attribute's policy rejects 0. */
	if (wire_version) {
		rc = nla_put_u32(msg, VMMIG_A_HOST_WIRE_VERSION, wire_version);
		if (rc < 0) {
			nlmsg_free(msg);
			return vmmig__nlerr(h, rc);
		}
	}
	rc = vmmig__request(h, msg, &reply);
	if (!rc && !ctx.found)
		rc = bad_reply(h, "no host attributes");
	return rc;
}
