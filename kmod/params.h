/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Session parameters: defaults and the checks that span several attributes
 * (each attribute's own range is in the netlink policy).  Pure logic, tested
 * by KUnit under UML.
 */
#ifndef _VMMIG_PARAMS_H
#define _VMMIG_PARAMS_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/vmmig.h>

/*
 * Fixed once the session exists, but for the tunables of a live source
 * (session-set; see struct vmmig_session for how they change).
 */
struct vmmig_params {
	u32 downtime_ms;
	u32 max_rounds;
	u32 max_time_ms;	/* 0: no limit */
	u64 max_bandwidth;	/* bytes/s, 0: no cap */
	u32 on_limit;		/* enum vmmig_on_limit */
	u32 throttle_max_ms;
	u32 mode;		/* enum vmmig_mode */
	u32 peer_timeout_ms;
	u32 checksum;		/* enum vmmig_checksum */
	u32 require_encryption;	/* 0 or 1: kTLS sockets only */
};

#define VMMIG_DEFAULT_DOWNTIME_MS	300
#define VMMIG_DEFAULT_MAX_ROUNDS	30
#define VMMIG_DEFAULT_THROTTLE_MAX_MS	1000
#define VMMIG_DEFAULT_PEER_TIMEOUT_MS	10000

/* session-set: what may change (VMMIG_A_PARAMS_* bits), what decides ready. */
#define VMMIG_PARAMS_TUNABLE	(BIT(VMMIG_A_PARAMS_DOWNTIME_MS) |	\
				 BIT(VMMIG_A_PARAMS_MAX_ROUNDS) |	\
				 BIT(VMMIG_A_PARAMS_MAX_TIME_MS) |	\
				 BIT(VMMIG_A_PARAMS_MAX_BANDWIDTH) |	\
				 BIT(VMMIG_A_PARAMS_THROTTLE_MAX_MS))
#define VMMIG_PARAMS_CONVERGE	(BIT(VMMIG_A_PARAMS_DOWNTIME_MS) |	\
				 BIT(VMMIG_A_PARAMS_MAX_ROUNDS) |	\
				 BIT(VMMIG_A_PARAMS_MAX_TIME_MS))

void vmmig_params_init(struct vmmig_params *p, bool require_encryption);
int vmmig_params_check(const struct vmmig_params *p);

#endif /* _VMMIG_PARAMS_H */
