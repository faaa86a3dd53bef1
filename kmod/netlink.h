/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "vmmig" generic netlink family: requests and events.
 */
#ifndef _VMMIG_NETLINK_H
#define _VMMIG_NETLINK_H

#include <linux/types.h>

struct vmmig_session;

int vmmig_nl_init(void);
void vmmig_nl_exit(void);

void vmmig_nl_notify_state(struct vmmig_session *s, u32 old_state);
void vmmig_nl_notify_del(struct vmmig_session *s, u32 reason);
void vmmig_nl_notify_set(struct vmmig_session *s);

#endif /* _VMMIG_NETLINK_H */
