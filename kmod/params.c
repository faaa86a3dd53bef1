// SPDX-License-Identifier: GPL-2.0
/*
 * Session parameters.  The defaults follow QEMU where it has an equivalent
 * (downtime-limit 300 ms); a pre-copy that reaches its round or time limit
 * fails by default, which leaves the source VM running.
 */
#include <linux/errno.h>

#include "params.h"

/**
 * vmmig_params_init() - fill @p with the defaults.
 * @p: parameters to initialise.
 * @require_encryption: the host's default (module parameter).
 */
void vmmig_params_init(struct vmmig_params *p, bool require_encryption)
{
	*p = (struct vmmig_params) {
		.downtime_ms		= VMMIG_DEFAULT_DOWNTIME_MS,
		.max_rounds		= VMMIG_DEFAULT_MAX_ROUNDS,
		.max_time_ms		= 0,
		.max_bandwidth		= 0,
		.on_limit		= VMMIG_ON_LIMIT_FAIL,
		.throttle_max_ms	= VMMIG_DEFAULT_THROTTLE_MAX_MS,
		.mode			= VMMIG_MODE_QUICK,
		.peer_timeout_ms	= VMMIG_DEFAULT_PEER_TIMEOUT_MS,
		.checksum		= VMMIG_CHECKSUM_NONE,
		.require_encryption	= require_encryption,
	};
}

/**
 * vmmig_params_check() - check what the per-attribute policy cannot.
 * @p: parameters after defaults and the caller's values are merged.
 *
 * Return: 0 if @p is consistent, else the VMMIG_A_PARAMS_* attribute at
 * fault (netlink.c says what is wrong with it).
 */
int vmmig_params_check(const struct vmmig_params *p)
{
	if (p->max_time_ms && p->max_time_ms < p->downtime_ms)
		return VMMIG_A_PARAMS_MAX_TIME_MS;
	if (p->on_limit != VMMIG_ON_LIMIT_FAIL &&
	    p->on_limit != VMMIG_ON_LIMIT_SWITCHOVER)
		return VMMIG_A_PARAMS_ON_LIMIT;
	if (p->mode != VMMIG_MODE_QUICK && p->mode != VMMIG_MODE_LIVE)
		return VMMIG_A_PARAMS_MODE;
	if (p->checksum != VMMIG_CHECKSUM_NONE &&
	    p->checksum != VMMIG_CHECKSUM_CRC32C)
		return VMMIG_A_PARAMS_CHECKSUM;
	if (!p->downtime_ms)
		return VMMIG_A_PARAMS_DOWNTIME_MS;
	if (!p->max_rounds)
		return VMMIG_A_PARAMS_MAX_ROUNDS;
	return 0;
}
