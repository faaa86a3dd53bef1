// SPDX-License-Identifier: GPL-2.0
/*
 * libvmmig names: the uapi enums as the YAML spec spells them.
 */
#include <stddef.h>

#include "libvmmig.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define LOOKUP(tbl, v)	lookup(tbl, ARRAY_SIZE(tbl), v, "unknown")

static const char *const state_names[] = {
	[VMMIG_STATE_NEW]		= "new",
	[VMMIG_STATE_ACTIVE]		= "active",
	[VMMIG_STATE_READY]		= "ready",
	[VMMIG_STATE_SWITCHOVER]	= "switchover",
	[VMMIG_STATE_COMPLETED]		= "completed",
	[VMMIG_STATE_FAILED]		= "failed",
	[VMMIG_STATE_CANCELLED]		= "cancelled",
};

static const char *const role_names[] = {
	[VMMIG_ROLE_SOURCE]		= "source",
	[VMMIG_ROLE_DESTINATION]	= "destination",
};

static const char *const reason_names[] = {
	[VMMIG_REASON_NONE]		= "none",
	[VMMIG_REASON_CANCEL]		= "cancel",
	[VMMIG_REASON_OWNER_GONE]	= "owner-gone",
	[VMMIG_REASON_VM_GONE]		= "vm-gone",
	[VMMIG_REASON_NETNS_GONE]	= "netns-gone",
	[VMMIG_REASON_UNLOAD]		= "unload",
	[VMMIG_REASON_DESTROYED]	= "destroyed",
};

static const char *const on_limit_names[] = {
	[VMMIG_ON_LIMIT_FAIL]		= "fail",
	[VMMIG_ON_LIMIT_SWITCHOVER]	= "switchover",
};

static const char *const reason_texts[] = {
	[VMMIG_REASON_NONE] =
		"no reason recorded; if the session failed, the kernel log (dmesg) says why",
	[VMMIG_REASON_CANCEL] =
		"cancelled on request (session-cancel, e.g. vmmigctl cancel)",
	[VMMIG_REASON_OWNER_GONE] =
		"the process that created the session closed its vmmig handle or exited",
	[VMMIG_REASON_VM_GONE] =
		"the VMM closed the VM: no file descriptor of it but vmmig's is left",
	[VMMIG_REASON_NETNS_GONE] =
		"the session's network namespace was removed",
	[VMMIG_REASON_UNLOAD] =
		"the vmmig module was unloaded",
	[VMMIG_REASON_DESTROYED] =
		"destroyed (session-del) before it ended",
};

static const char *lookup(const char *const *tbl, size_t n, uint32_t v,
			  const char *unknown)
{
	return v < n && tbl[v] ? tbl[v] : unknown;
}

const char *vmmig_state_name(uint32_t state)
{
	return LOOKUP(state_names, state);
}

const char *vmmig_role_name(uint32_t role)
{
	return LOOKUP(role_names, role);
}

const char *vmmig_reason_name(uint32_t reason)
{
	return LOOKUP(reason_names, reason);
}

const char *vmmig_on_limit_name(uint32_t on_limit)
{
	return LOOKUP(on_limit_names, on_limit);
}

const char *vmmig_reason_text(uint32_t reason)
{
	return lookup(reason_texts, ARRAY_SIZE(reason_texts), reason,
		      "unknown reason (the module is newer than this library)");
}
