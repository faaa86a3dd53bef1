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

static const char * const vmmig_state_names[] = {
	[VMMIG_STATE_NEW]		= "new",
	[VMMIG_STATE_ACTIVE]		= "active",
	[VMMIG_STATE_READY]		= "ready",
	[VMMIG_STATE_SWITCHOVER]	= "switchover",
	[VMMIG_STATE_COMPLETED]		= "completed",
	[VMMIG_STATE_FAILED]		= "failed",
	[VMMIG_STATE_CANCELLED]		= "cancelled",
};

static_assert(ARRAY_SIZE(vmmig_state_names) == __VMMIG_STATE_MAX);

static const char * const vmmig_reason_names[] = {
	[VMMIG_REASON_NONE]		= "none",
	[VMMIG_REASON_CANCEL]		= "cancel",
	[VMMIG_REASON_OWNER_GONE]	= "owner-gone",
	[VMMIG_REASON_VM_GONE]		= "vm-gone",
	[VMMIG_REASON_NETNS_GONE]	= "netns-gone",
	[VMMIG_REASON_UNLOAD]		= "unload",
	[VMMIG_REASON_DESTROYED]	= "destroyed",
	[VMMIG_REASON_PEER_CLOSED]	= "peer-closed",
	[VMMIG_REASON_IO_ERROR]		= "io-error",
	[VMMIG_REASON_BAD_MAGIC]	= "bad-magic",
	[VMMIG_REASON_BAD_VERSION]	= "bad-version",
	[VMMIG_REASON_BAD_FEATURES]	= "bad-features",
	[VMMIG_REASON_LAYOUT_MISMATCH]	= "layout-mismatch",
	[VMMIG_REASON_BAD_RECORD_TYPE]	= "bad-record-type",
	[VMMIG_REASON_BAD_SLOT]		= "bad-slot",
	[VMMIG_REASON_BAD_GFN]		= "bad-gfn",
	[VMMIG_REASON_BAD_LENGTH]	= "bad-length",
	[VMMIG_REASON_BAD_RESERVED]	= "bad-reserved",
	[VMMIG_REASON_DUPLICATE_HELLO]	= "duplicate-hello",
	[VMMIG_REASON_TRUNCATED]	= "truncated",
	[VMMIG_REASON_TRAILING_DATA]	= "trailing-data",
	[VMMIG_REASON_INCOMPLETE]	= "incomplete",
	[VMMIG_REASON_PEER_TIMEOUT]	= "peer-timeout",
	[VMMIG_REASON_NOT_CONVERGED]	= "not-converged",
	[VMMIG_REASON_MEMSLOT_CHANGED]	= "memslot-changed",
	[VMMIG_REASON_DIRTY_LOG]	= "dirty-log",
	[VMMIG_REASON_NOT_LOGGING]	= "not-logging",
	[VMMIG_REASON_COMMIT_UNKNOWN]	= "commit-unknown",
	[VMMIG_REASON_PEER_ABORTED]	= "peer-aborted",
};

static_assert(ARRAY_SIZE(vmmig_reason_names) == __VMMIG_REASON_MAX);

static const char * const vmmig_role_names[] = {
	[VMMIG_ROLE_SOURCE]		= "source",
	[VMMIG_ROLE_DESTINATION]	= "destination",
};

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
