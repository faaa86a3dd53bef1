/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Do not edit: generated from uapi/netlink/vmmig.yaml by
 * scripts/names-gen.py (run by scripts/ynl-gen.sh).
 */
#ifndef _VMMIG_NAMES_GEN_H
#define _VMMIG_NAMES_GEN_H

#include <linux/compiler.h>
#include <linux/vmmig.h>

static const char * const vmmig_role_names[] __maybe_unused = {
	[VMMIG_ROLE_SOURCE]		= "source",
	[VMMIG_ROLE_DESTINATION]	= "destination",
};

static const char * const vmmig_state_names[] __maybe_unused = {
	[VMMIG_STATE_NEW]		= "new",
	[VMMIG_STATE_ACTIVE]		= "active",
	[VMMIG_STATE_READY]		= "ready",
	[VMMIG_STATE_SWITCHOVER]	= "switchover",
	[VMMIG_STATE_COMPLETED]		= "completed",
	[VMMIG_STATE_FAILED]		= "failed",
	[VMMIG_STATE_CANCELLED]		= "cancelled",
};

static const char * const vmmig_reason_names[] __maybe_unused = {
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
	[VMMIG_REASON_BAD_CHECKSUM]	= "bad-checksum",
	[VMMIG_REASON_NO_CHECKSUM]	= "no-checksum",
	[VMMIG_REASON_TLS_BAD_RECORD]	= "tls-bad-record",
	[VMMIG_REASON_TLS_ALERT]	= "tls-alert",
	[VMMIG_REASON_TLS_KEY_UPDATE]	= "tls-key-update",
	[VMMIG_REASON_TLS_HANDSHAKE]	= "tls-handshake",
};

static const char * const vmmig_on_limit_names[] __maybe_unused = {
	[VMMIG_ON_LIMIT_FAIL]		= "fail",
	[VMMIG_ON_LIMIT_SWITCHOVER]	= "switchover",
};

static const char * const vmmig_mode_names[] __maybe_unused = {
	[VMMIG_MODE_QUICK]	= "quick",
	[VMMIG_MODE_LIVE]	= "live",
};

static const char * const vmmig_checksum_names[] __maybe_unused = {
	[VMMIG_CHECKSUM_NONE]	= "none",
	[VMMIG_CHECKSUM_CRC32C]	= "crc32c",
};

#endif /* _VMMIG_NAMES_GEN_H */
