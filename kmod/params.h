/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Session parameters: defaults and the checks that span several attributes
 * (each attribute's own range is in the netlink policy).  Pure logic, tested
 * by KUnit under UML.
 */
#ifndef _VMMIG_PARAMS_H
#define _VMMIG_PARAMS_H

#include <linux/types.h>
#include <linux/vmmig.h>

/* Immutable once the session exists. */
struct vmmig_params {
	u32 downtime_ms;
	u32 max_rounds;
	u32 max_time_ms;	/* 0: no limit */
	u64 max_bandwidth;	/* bytes/s, 0: no cap */
	u32 on_limit;		/* enum vmmig_on_limit */
	u32 throttle_max_ms;
	u32 mode;		/* enum vmmig_mode */
	u32 peer_timeout_ms;
};

#define VMMIG_DEFAULT_DOWNTIME_MS	300
#define VMMIG_DEFAULT_MAX_ROUNDS	30
#define VMMIG_DEFAULT_THROTTLE_MAX_MS	1000
#define VMMIG_DEFAULT_PEER_TIMEOUT_MS	10000

void vmmig_params_init(struct vmmig_params *p);
int vmmig_params_check(const struct vmmig_params *p);

#endif /* _VMMIG_PARAMS_H */
