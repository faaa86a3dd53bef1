// SPDX-License-Identifier: GPL-2.0
/* Do not edit directly, auto-generated from: */
/*	uapi/netlink/vmmig.yaml */
/* YNL-GEN kernel source */
/* To regenerate run: scripts/ynl-gen.sh KSRC */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netlink_gen.h"

#include <uapi/linux/vmmig.h>

/* Common nested types */
const struct nla_policy vmmig_dirty_bitmap_nl_policy[VMMIG_A_DIRTY_BITMAP_BITS + 1] = {
	[VMMIG_A_DIRTY_BITMAP_GPA] = { .type = NLA_U64, },
	[VMMIG_A_DIRTY_BITMAP_BITS] = NLA_POLICY_MIN_LEN(1),
};

const struct nla_policy vmmig_params_nl_policy[VMMIG_A_PARAMS_REQUIRE_ENCRYPTION + 1] = {
	[VMMIG_A_PARAMS_DOWNTIME_MS] = NLA_POLICY_RANGE(NLA_U32, 1, 30000),
	[VMMIG_A_PARAMS_MAX_ROUNDS] = NLA_POLICY_RANGE(NLA_U32, 1, 10000),
	[VMMIG_A_PARAMS_MAX_TIME_MS] = { .type = NLA_U32, },
	[VMMIG_A_PARAMS_MAX_BANDWIDTH] = { .type = NLA_U64, },
	[VMMIG_A_PARAMS_ON_LIMIT] = NLA_POLICY_RANGE(NLA_U32, 1, 2),
	[VMMIG_A_PARAMS_THROTTLE_MAX_MS] = NLA_POLICY_MAX(NLA_U32, 30000),
	[VMMIG_A_PARAMS_MODE] = NLA_POLICY_RANGE(NLA_U32, 1, 2),
	[VMMIG_A_PARAMS_PEER_TIMEOUT_MS] = NLA_POLICY_RANGE(NLA_U32, 100, 30000),
	[VMMIG_A_PARAMS_CHECKSUM] = NLA_POLICY_MAX(NLA_U32, 1),
	[VMMIG_A_PARAMS_REQUIRE_ENCRYPTION] = NLA_POLICY_MAX(NLA_U32, 1),
};

const struct nla_policy vmmig_region_nl_policy[VMMIG_A_REGION_HVA + 1] = {
	[VMMIG_A_REGION_SLOT] = { .type = NLA_U32, },
	[VMMIG_A_REGION_GPA] = { .type = NLA_U64, },
	[VMMIG_A_REGION_SIZE] = NLA_POLICY_MIN(NLA_U64, 1),
	[VMMIG_A_REGION_HVA] = { .type = NLA_U64, },
};

/* VMMIG_CMD_SESSION_NEW - do */
const struct nla_policy vmmig_session_new_nl_policy[VMMIG_A_SESSION_MIGRATE_SLOT + 1] = {
	[VMMIG_A_SESSION_ROLE] = NLA_POLICY_RANGE(NLA_U32, 1, 2),
	[VMMIG_A_SESSION_VM_FD] = NLA_POLICY_MIN(NLA_S32, 0),
	[VMMIG_A_SESSION_SOCK_FD] = NLA_POLICY_MIN(NLA_S32, 0),
	[VMMIG_A_SESSION_PARAMS] = NLA_POLICY_NESTED(vmmig_params_nl_policy),
	[VMMIG_A_SESSION_FILE_FD] = NLA_POLICY_MIN(NLA_S32, 0),
	[VMMIG_A_SESSION_BLOB_FD] = NLA_POLICY_MIN(NLA_S32, 0),
	[VMMIG_A_SESSION_REGION] = NLA_POLICY_NESTED(vmmig_region_nl_policy),
	[VMMIG_A_SESSION_MIGRATE_SLOT] = { .type = NLA_U32, },
};

/* VMMIG_CMD_SESSION_GET - do */
const struct nla_policy vmmig_session_get_nl_policy[VMMIG_A_SESSION_ID + 1] = {
	[VMMIG_A_SESSION_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* VMMIG_CMD_SESSION_START - do */
const struct nla_policy vmmig_session_start_nl_policy[VMMIG_A_SESSION_ID + 1] = {
	[VMMIG_A_SESSION_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* VMMIG_CMD_SESSION_CANCEL - do */
const struct nla_policy vmmig_session_cancel_nl_policy[VMMIG_A_SESSION_ID + 1] = {
	[VMMIG_A_SESSION_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* VMMIG_CMD_SESSION_DEL - do */
const struct nla_policy vmmig_session_del_nl_policy[VMMIG_A_SESSION_ID + 1] = {
	[VMMIG_A_SESSION_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* VMMIG_CMD_HOST_GET - do */
const struct nla_policy vmmig_host_get_nl_policy[VMMIG_A_HOST_WIRE_VERSION + 1] = {
	[VMMIG_A_HOST_WIRE_VERSION] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* VMMIG_CMD_SESSION_SWITCHOVER - do */
const struct nla_policy vmmig_session_switchover_nl_policy[VMMIG_A_SESSION_ID + 1] = {
	[VMMIG_A_SESSION_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* VMMIG_CMD_SESSION_RING_FULL - do */
const struct nla_policy vmmig_session_ring_full_nl_policy[VMMIG_A_SESSION_VCPU + 1] = {
	[VMMIG_A_SESSION_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[VMMIG_A_SESSION_VCPU] = { .type = NLA_U32, },
};

/* VMMIG_CMD_SESSION_DIRTY - do */
const struct nla_policy vmmig_session_dirty_nl_policy[VMMIG_A_SESSION_DIRTY_BITMAP + 1] = {
	[VMMIG_A_SESSION_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[VMMIG_A_SESSION_GPA] = { .type = NLA_U64, },
	[VMMIG_A_SESSION_LENGTH] = NLA_POLICY_MIN(NLA_U64, 1),
	[VMMIG_A_SESSION_DIRTY_BITMAP] = NLA_POLICY_NESTED(vmmig_dirty_bitmap_nl_policy),
};

/* VMMIG_CMD_SESSION_SET - do */
const struct nla_policy vmmig_session_set_nl_policy[VMMIG_A_SESSION_PARAMS + 1] = {
	[VMMIG_A_SESSION_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[VMMIG_A_SESSION_PARAMS] = NLA_POLICY_NESTED(vmmig_params_nl_policy),
};

/* Ops table for vmmig */
const struct genl_ops vmmig_nl_ops[10] = {
	{
		.cmd		= VMMIG_CMD_SESSION_NEW,
		.doit		= vmmig_nl_session_new_doit,
		.policy		= vmmig_session_new_nl_policy,
		.maxattr	= VMMIG_A_SESSION_MIGRATE_SLOT,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= VMMIG_CMD_SESSION_GET,
		.doit		= vmmig_nl_session_get_doit,
		.dumpit		= vmmig_nl_session_get_dumpit,
		.policy		= vmmig_session_get_nl_policy,
		.maxattr	= VMMIG_A_SESSION_ID,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= VMMIG_CMD_SESSION_START,
		.doit		= vmmig_nl_session_start_doit,
		.policy		= vmmig_session_start_nl_policy,
		.maxattr	= VMMIG_A_SESSION_ID,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= VMMIG_CMD_SESSION_CANCEL,
		.doit		= vmmig_nl_session_cancel_doit,
		.policy		= vmmig_session_cancel_nl_policy,
		.maxattr	= VMMIG_A_SESSION_ID,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= VMMIG_CMD_SESSION_DEL,
		.doit		= vmmig_nl_session_del_doit,
		.policy		= vmmig_session_del_nl_policy,
		.maxattr	= VMMIG_A_SESSION_ID,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= VMMIG_CMD_HOST_GET,
		.doit		= vmmig_nl_host_get_doit,
		.policy		= vmmig_host_get_nl_policy,
		.maxattr	= VMMIG_A_HOST_WIRE_VERSION,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= VMMIG_CMD_SESSION_SWITCHOVER,
		.doit		= vmmig_nl_session_switchover_doit,
		.policy		= vmmig_session_switchover_nl_policy,
		.maxattr	= VMMIG_A_SESSION_ID,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= VMMIG_CMD_SESSION_RING_FULL,
		.doit		= vmmig_nl_session_ring_full_doit,
		.policy		= vmmig_session_ring_full_nl_policy,
		.maxattr	= VMMIG_A_SESSION_VCPU,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= VMMIG_CMD_SESSION_DIRTY,
		.doit		= vmmig_nl_session_dirty_doit,
		.policy		= vmmig_session_dirty_nl_policy,
		.maxattr	= VMMIG_A_SESSION_DIRTY_BITMAP,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= VMMIG_CMD_SESSION_SET,
		.doit		= vmmig_nl_session_set_doit,
		.policy		= vmmig_session_set_nl_policy,
		.maxattr	= VMMIG_A_SESSION_PARAMS,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
};
