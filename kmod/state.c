// SPDX-License-Identifier: GPL-2.0
/*
 * Session state machine.
 *
 * States only move forward:
 *
 *   new -> active -> ready -> switchover -> completed
 *           |  ^______/          |
 *           '--------------------'-> (quick migration: active -> completed)
 *
 * and from every state that is not final to failed or cancelled.  A session
 * that converged (ready) may fall back to active when the guest's dirty
 * rate rises again.  Completed carries no reason; failed and cancelled
 * always carry one, so an operator always learns why a session ended.
 */
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/kernel.h>

#include "names_gen.h"
#include "state.h"

bool vmmig_state_valid(u32 state)
{
	return state >= VMMIG_STATE_NEW && state <= VMMIG_STATE_MAX;
}

bool vmmig_state_is_final(u32 state)
{
	return state == VMMIG_STATE_COMPLETED || state == VMMIG_STATE_FAILED ||
	       state == VMMIG_STATE_CANCELLED;
}

static bool vmmig_reason_valid(u32 reason)
{
	return reason <= VMMIG_REASON_MAX;
}

/**
 * vmmig_state_check_move() - may a session go from @from to @to?
 * @from: current state.
 * @to: next state.
 * @reason: reason recorded with the move (VMMIG_REASON_NONE for progress).
 *
 * Return: 0 if legal, -EINVAL otherwise.
 */
int vmmig_state_check_move(u32 from, u32 to, u32 reason)
{
	if (!vmmig_state_valid(from) || !vmmig_state_valid(to) ||
	    !vmmig_reason_valid(reason))
		return -EINVAL;
	if (vmmig_state_is_final(from))
		return -EINVAL;

	switch (to) {
	case VMMIG_STATE_FAILED:
	case VMMIG_STATE_CANCELLED:
		return reason == VMMIG_REASON_NONE ? -EINVAL : 0;
	default:
		if (reason != VMMIG_REASON_NONE)
			return -EINVAL;
		break;
	}

	switch (from) {
	case VMMIG_STATE_NEW:
		return to == VMMIG_STATE_ACTIVE ? 0 : -EINVAL;
	case VMMIG_STATE_ACTIVE:
		return (to == VMMIG_STATE_READY ||
			to == VMMIG_STATE_SWITCHOVER ||
			to == VMMIG_STATE_COMPLETED) ? 0 : -EINVAL;
	case VMMIG_STATE_READY:
		return (to == VMMIG_STATE_ACTIVE ||
			to == VMMIG_STATE_SWITCHOVER) ? 0 : -EINVAL;
	case VMMIG_STATE_SWITCHOVER:
		return to == VMMIG_STATE_COMPLETED ? 0 : -EINVAL;
	}
	return -EINVAL;
}

/* The spec's names (kmod/names_gen.h), one for every value of the enums. */
static_assert(ARRAY_SIZE(vmmig_state_names) == __VMMIG_STATE_MAX);
static_assert(ARRAY_SIZE(vmmig_reason_names) == __VMMIG_REASON_MAX);
static_assert(ARRAY_SIZE(vmmig_role_names) == VMMIG_ROLE_DESTINATION + 1);

static const char *vmmig_name(const char * const *names, size_t n, u32 v)
{
	return v < n && names[v] ? names[v] : "unknown";
}

const char *vmmig_state_name(u32 state)
{
	return vmmig_name(vmmig_state_names, ARRAY_SIZE(vmmig_state_names),
			  state);
}

const char *vmmig_reason_name(u32 reason)
{
	return vmmig_name(vmmig_reason_names, ARRAY_SIZE(vmmig_reason_names),
			  reason);
}

const char *vmmig_role_name(u32 role)
{
	return vmmig_name(vmmig_role_names, ARRAY_SIZE(vmmig_role_names), role);
}
