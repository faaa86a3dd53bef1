// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Do not edit: generated from uapi/netlink/vmmig.yaml by
 * scripts/names-gen.py (run by scripts/ynl-gen.sh).
 */
#include <stddef.h>
#include <linux/vmmig.h>

#include "names_gen.h"

static const char *const name_role[] = {
	[VMMIG_ROLE_SOURCE] = "source",
	[VMMIG_ROLE_DESTINATION] = "destination",
};

const char *vmmig__name_role(uint32_t v)
{
	if (v >= sizeof(name_role) / sizeof(name_role[0]))
		return NULL;
	return name_role[v];
}

static const char *const name_state[] = {
	[VMMIG_STATE_NEW] = "new",
	[VMMIG_STATE_ACTIVE] = "active",
	[VMMIG_STATE_READY] = "ready",
	[VMMIG_STATE_SWITCHOVER] = "switchover",
	[VMMIG_STATE_COMPLETED] = "completed",
	[VMMIG_STATE_FAILED] = "failed",
	[VMMIG_STATE_CANCELLED] = "cancelled",
};

const char *vmmig__name_state(uint32_t v)
{
	if (v >= sizeof(name_state) / sizeof(name_state[0]))
		return NULL;
	return name_state[v];
}

static const char *const name_reason[] = {
	[VMMIG_REASON_NONE] = "none",
	[VMMIG_REASON_CANCEL] = "cancel",
	[VMMIG_REASON_OWNER_GONE] = "owner-gone",
	[VMMIG_REASON_VM_GONE] = "vm-gone",
	[VMMIG_REASON_NETNS_GONE] = "netns-gone",
	[VMMIG_REASON_UNLOAD] = "unload",
	[VMMIG_REASON_DESTROYED] = "destroyed",
	[VMMIG_REASON_PEER_CLOSED] = "peer-closed",
	[VMMIG_REASON_IO_ERROR] = "io-error",
	[VMMIG_REASON_BAD_MAGIC] = "bad-magic",
	[VMMIG_REASON_BAD_VERSION] = "bad-version",
	[VMMIG_REASON_BAD_FEATURES] = "bad-features",
	[VMMIG_REASON_LAYOUT_MISMATCH] = "layout-mismatch",
	[VMMIG_REASON_BAD_RECORD_TYPE] = "bad-record-type",
	[VMMIG_REASON_BAD_SLOT] = "bad-slot",
	[VMMIG_REASON_BAD_GFN] = "bad-gfn",
	[VMMIG_REASON_BAD_LENGTH] = "bad-length",
	[VMMIG_REASON_BAD_RESERVED] = "bad-reserved",
	[VMMIG_REASON_DUPLICATE_HELLO] = "duplicate-hello",
	[VMMIG_REASON_TRUNCATED] = "truncated",
	[VMMIG_REASON_TRAILING_DATA] = "trailing-data",
	[VMMIG_REASON_INCOMPLETE] = "incomplete",
	[VMMIG_REASON_PEER_TIMEOUT] = "peer-timeout",
	[VMMIG_REASON_NOT_CONVERGED] = "not-converged",
	[VMMIG_REASON_MEMSLOT_CHANGED] = "memslot-changed",
	[VMMIG_REASON_DIRTY_LOG] = "dirty-log",
	[VMMIG_REASON_NOT_LOGGING] = "not-logging",
	[VMMIG_REASON_COMMIT_UNKNOWN] = "commit-unknown",
	[VMMIG_REASON_PEER_ABORTED] = "peer-aborted",
	[VMMIG_REASON_BAD_CHECKSUM] = "bad-checksum",
	[VMMIG_REASON_NO_CHECKSUM] = "no-checksum",
	[VMMIG_REASON_TLS_BAD_RECORD] = "tls-bad-record",
	[VMMIG_REASON_TLS_ALERT] = "tls-alert",
	[VMMIG_REASON_TLS_KEY_UPDATE] = "tls-key-update",
	[VMMIG_REASON_TLS_HANDSHAKE] = "tls-handshake",
};

const char *vmmig__name_reason(uint32_t v)
{
	if (v >= sizeof(name_reason) / sizeof(name_reason[0]))
		return NULL;
	return name_reason[v];
}

static const char *const name_on_limit[] = {
	[VMMIG_ON_LIMIT_FAIL] = "fail",
	[VMMIG_ON_LIMIT_SWITCHOVER] = "switchover",
};

const char *vmmig__name_on_limit(uint32_t v)
{
	if (v >= sizeof(name_on_limit) / sizeof(name_on_limit[0]))
		return NULL;
	return name_on_limit[v];
}

static const char *const name_mode[] = {
	[VMMIG_MODE_QUICK] = "quick",
	[VMMIG_MODE_LIVE] = "live",
};

const char *vmmig__name_mode(uint32_t v)
{
	if (v >= sizeof(name_mode) / sizeof(name_mode[0]))
		return NULL;
	return name_mode[v];
}

static const char *const name_checksum[] = {
	[VMMIG_CHECKSUM_NONE] = "none",
	[VMMIG_CHECKSUM_CRC32C] = "crc32c",
};

const char *vmmig__name_checksum(uint32_t v)
{
	if (v >= sizeof(name_checksum) / sizeof(name_checksum[0]))
		return NULL;
	return name_checksum[v];
}

static const char *const attr_params[] = {
	[VMMIG_A_PARAMS_DOWNTIME_MS] = "downtime-ms",
	[VMMIG_A_PARAMS_MAX_ROUNDS] = "max-rounds",
	[VMMIG_A_PARAMS_MAX_TIME_MS] = "max-time-ms",
	[VMMIG_A_PARAMS_MAX_BANDWIDTH] = "max-bandwidth",
	[VMMIG_A_PARAMS_ON_LIMIT] = "on-limit",
	[VMMIG_A_PARAMS_THROTTLE_MAX_MS] = "throttle-max-ms",
	[VMMIG_A_PARAMS_MODE] = "mode",
	[VMMIG_A_PARAMS_PEER_TIMEOUT_MS] = "peer-timeout-ms",
	[VMMIG_A_PARAMS_CHECKSUM] = "checksum",
	[VMMIG_A_PARAMS_REQUIRE_ENCRYPTION] = "require-encryption",
};

const char *vmmig__attr_params(uint32_t v)
{
	if (v >= sizeof(attr_params) / sizeof(attr_params[0]))
		return NULL;
	return attr_params[v];
}

static const char *const attr_stats[] = {
	[VMMIG_A_STATS_PAD] = "pad",
	[VMMIG_A_STATS_ELAPSED_MS] = "elapsed-ms",
	[VMMIG_A_STATS_BYTES] = "bytes",
	[VMMIG_A_STATS_PAGES] = "pages",
	[VMMIG_A_STATS_ZERO_PAGES] = "zero-pages",
	[VMMIG_A_STATS_ROUND] = "round",
	[VMMIG_A_STATS_CPU_NS] = "cpu-ns",
	[VMMIG_A_STATS_BLOB_BYTES] = "blob-bytes",
	[VMMIG_A_STATS_REMAINING] = "remaining",
	[VMMIG_A_STATS_DIRTY_RATE] = "dirty-rate",
	[VMMIG_A_STATS_BANDWIDTH] = "bandwidth",
	[VMMIG_A_STATS_EXPECTED_DOWNTIME_MS] = "expected-downtime-ms",
	[VMMIG_A_STATS_DOWNTIME_MS] = "downtime-ms",
	[VMMIG_A_STATS_SETUP_MS] = "setup-ms",
	[VMMIG_A_STATS_DIRTY_PAGES] = "dirty-pages",
	[VMMIG_A_STATS_REPORTED_PAGES] = "reported-pages",
	[VMMIG_A_STATS_RING_FULL] = "ring-full",
	[VMMIG_A_STATS_THROTTLE_NS] = "throttle-ns",
	[VMMIG_A_STATS_HARVEST_NS] = "harvest-ns",
};

const char *vmmig__attr_stats(uint32_t v)
{
	if (v >= sizeof(attr_stats) / sizeof(attr_stats[0]))
		return NULL;
	return attr_stats[v];
}

static const char *const attr_ring[] = {
	[VMMIG_A_RING_VCPU] = "vcpu",
	[VMMIG_A_RING_INDEX] = "index",
};

const char *vmmig__attr_ring(uint32_t v)
{
	if (v >= sizeof(attr_ring) / sizeof(attr_ring[0]))
		return NULL;
	return attr_ring[v];
}

static const char *const attr_region[] = {
	[VMMIG_A_REGION_SLOT] = "slot",
	[VMMIG_A_REGION_GPA] = "gpa",
	[VMMIG_A_REGION_SIZE] = "size",
	[VMMIG_A_REGION_HVA] = "hva",
};

const char *vmmig__attr_region(uint32_t v)
{
	if (v >= sizeof(attr_region) / sizeof(attr_region[0]))
		return NULL;
	return attr_region[v];
}

static const char *const attr_dirty_bitmap[] = {
	[VMMIG_A_DIRTY_BITMAP_GPA] = "gpa",
	[VMMIG_A_DIRTY_BITMAP_BITS] = "bits",
};

const char *vmmig__attr_dirty_bitmap(uint32_t v)
{
	if (v >= sizeof(attr_dirty_bitmap) / sizeof(attr_dirty_bitmap[0]))
		return NULL;
	return attr_dirty_bitmap[v];
}

static const char *const attr_session[] = {
	[VMMIG_A_SESSION_ID] = "id",
	[VMMIG_A_SESSION_ROLE] = "role",
	[VMMIG_A_SESSION_VM_FD] = "vm-fd",
	[VMMIG_A_SESSION_SOCK_FD] = "sock-fd",
	[VMMIG_A_SESSION_PARAMS] = "params",
	[VMMIG_A_SESSION_STATE] = "state",
	[VMMIG_A_SESSION_REASON] = "reason",
	[VMMIG_A_SESSION_STATS] = "stats",
	[VMMIG_A_SESSION_VMM_PID] = "vmm-pid",
	[VMMIG_A_SESSION_CHANNELS] = "channels",
	[VMMIG_A_SESSION_OLD_STATE] = "old-state",
	[VMMIG_A_SESSION_FILE_FD] = "file-fd",
	[VMMIG_A_SESSION_BLOB_FD] = "blob-fd",
	[VMMIG_A_SESSION_VCPU] = "vcpu",
	[VMMIG_A_SESSION_GPA] = "gpa",
	[VMMIG_A_SESSION_LENGTH] = "length",
	[VMMIG_A_SESSION_RING] = "ring",
	[VMMIG_A_SESSION_WORKER_TID] = "worker-tid",
	[VMMIG_A_SESSION_REGION] = "region",
	[VMMIG_A_SESSION_MIGRATE_SLOT] = "migrate-slot",
	[VMMIG_A_SESSION_DIRTY_BITMAP] = "dirty-bitmap",
	[VMMIG_A_SESSION_CHECKSUM] = "checksum",
	[VMMIG_A_SESSION_TLS_VERSION] = "tls-version",
	[VMMIG_A_SESSION_TLS_CIPHER] = "tls-cipher",
};

const char *vmmig__attr_session(uint32_t v)
{
	if (v >= sizeof(attr_session) / sizeof(attr_session[0]))
		return NULL;
	return attr_session[v];
}

static const char *const attr_host[] = {
	[VMMIG_A_HOST_MAX_SESSIONS] = "max-sessions",
	[VMMIG_A_HOST_SESSIONS] = "sessions",
	[VMMIG_A_HOST_WIRE_VERSION] = "wire-version",
};

const char *vmmig__attr_host(uint32_t v)
{
	if (v >= sizeof(attr_host) / sizeof(attr_host[0]))
		return NULL;
	return attr_host[v];
}
