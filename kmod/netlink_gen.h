/* SPDX-License-Identifier: GPL-2.0 */
/* Do not edit directly, auto-generated from: */
/*	uapi/netlink/vmmig.yaml */
/* YNL-GEN kernel header */
/* To regenerate run: scripts/ynl-gen.sh KSRC */

#ifndef _LINUX_VMMIG_GEN_H
#define _LINUX_VMMIG_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/vmmig.h>

/* Common nested types */
extern const struct nla_policy vmmig_dirty_bitmap_nl_policy[VMMIG_A_DIRTY_BITMAP_BITS + 1];
extern const struct nla_policy vmmig_params_nl_policy[VMMIG_A_PARAMS_REQUIRE_ENCRYPTION + 1];
extern const struct nla_policy vmmig_region_nl_policy[VMMIG_A_REGION_HVA + 1];

extern const struct nla_policy vmmig_session_new_nl_policy[VMMIG_A_SESSION_MIGRATE_SLOT + 1];

extern const struct nla_policy vmmig_session_get_nl_policy[VMMIG_A_SESSION_ID + 1];

extern const struct nla_policy vmmig_session_start_nl_policy[VMMIG_A_SESSION_ID + 1];

extern const struct nla_policy vmmig_session_cancel_nl_policy[VMMIG_A_SESSION_ID + 1];

extern const struct nla_policy vmmig_session_del_nl_policy[VMMIG_A_SESSION_ID + 1];

extern const struct nla_policy vmmig_host_get_nl_policy[VMMIG_A_HOST_WIRE_VERSION + 1];

extern const struct nla_policy vmmig_session_switchover_nl_policy[VMMIG_A_SESSION_ID + 1];

extern const struct nla_policy vmmig_session_ring_full_nl_policy[VMMIG_A_SESSION_VCPU + 1];

extern const struct nla_policy vmmig_session_dirty_nl_policy[VMMIG_A_SESSION_DIRTY_BITMAP + 1];

extern const struct nla_policy vmmig_session_set_nl_policy[VMMIG_A_SESSION_PARAMS + 1];

/* Ops table for vmmig */
extern const struct genl_ops vmmig_nl_ops[10];

int vmmig_nl_session_new_doit(struct sk_buff *skb, struct genl_info *info);
int vmmig_nl_session_get_doit(struct sk_buff *skb, struct genl_info *info);
int vmmig_nl_session_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb);
int vmmig_nl_session_start_doit(struct sk_buff *skb, struct genl_info *info);
int vmmig_nl_session_cancel_doit(struct sk_buff *skb, struct genl_info *info);
int vmmig_nl_session_del_doit(struct sk_buff *skb, struct genl_info *info);
int vmmig_nl_host_get_doit(struct sk_buff *skb, struct genl_info *info);
int vmmig_nl_session_switchover_doit(struct sk_buff *skb,
				     struct genl_info *info);
int vmmig_nl_session_ring_full_doit(struct sk_buff *skb,
				    struct genl_info *info);
int vmmig_nl_session_dirty_doit(struct sk_buff *skb, struct genl_info *info);
int vmmig_nl_session_set_doit(struct sk_buff *skb, struct genl_info *info);

#endif /* _LINUX_VMMIG_GEN_H */
