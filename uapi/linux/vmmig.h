/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/* Do not edit directly, auto-generated from: */
/*	uapi/netlink/vmmig.yaml */
/* YNL-GEN uapi header */
/* To regenerate run: scripts/ynl-gen.sh KSRC */

#ifndef _UAPI_LINUX_VMMIG_H
#define _UAPI_LINUX_VMMIG_H

#define VMMIG_GENL_NAME		"vmmig"
#define VMMIG_GENL_VERSION	1

#define VMMIG_MAX_CHANNELS	16
#define VMMIG_MCGRP_EVENTS	"events"

/**
 * enum vmmig_role - Which end of a migration a session is.
 * @VMMIG_ROLE_SOURCE: Sends the VM's memory.
 * @VMMIG_ROLE_DESTINATION: Receives memory into a VM created for it.
 */
enum vmmig_role {
	VMMIG_ROLE_SOURCE = 1,
	VMMIG_ROLE_DESTINATION,
};

/**
 * enum vmmig_state - Session state. Sessions move forward only; completed,
 *   failed and cancelled are final.
 * @VMMIG_STATE_NEW: Created, not started yet.
 * @VMMIG_STATE_ACTIVE: Started; moving memory.
 * @VMMIG_STATE_READY: Live migration converged; waiting for the VMM to switch
 *   over.
 * @VMMIG_STATE_SWITCHOVER: Final round with the guest paused.
 * @VMMIG_STATE_COMPLETED: The destination acknowledged the whole stream.
 * @VMMIG_STATE_FAILED: Ended by an error; the reason attribute says which.
 * @VMMIG_STATE_CANCELLED: Ended on request or because what it depends on went
 *   away.
 */
enum vmmig_state {
	VMMIG_STATE_NEW = 1,
	VMMIG_STATE_ACTIVE,
	VMMIG_STATE_READY,
	VMMIG_STATE_SWITCHOVER,
	VMMIG_STATE_COMPLETED,
	VMMIG_STATE_FAILED,
	VMMIG_STATE_CANCELLED,

	/* private: */
	__VMMIG_STATE_MAX,
	VMMIG_STATE_MAX = (__VMMIG_STATE_MAX - 1)
};

/**
 * enum vmmig_reason - Why a session left the normal path (set together with a
 *   final state).
 * @VMMIG_REASON_CANCEL: Cancelled through the session-cancel command.
 * @VMMIG_REASON_OWNER_GONE: The netlink socket that created the session was
 *   closed.
 * @VMMIG_REASON_VM_GONE: Every file descriptor of the VM other than vmmig's
 *   was closed.
 * @VMMIG_REASON_NETNS_GONE: Not reported any more: a session holds its network
 *   namespace, which therefore cannot be removed before the session is.
 * @VMMIG_REASON_UNLOAD: The vmmig module was unloaded.
 * @VMMIG_REASON_DESTROYED: Destroyed through the session-del command before it
 *   ended.
 * @VMMIG_REASON_PEER_CLOSED: The peer closed the channel before the stream was
 *   complete.
 * @VMMIG_REASON_IO_ERROR: Sending or receiving on a channel failed.
 * @VMMIG_REASON_BAD_MAGIC: The stream does not start with a vmmig HELLO.
 * @VMMIG_REASON_BAD_VERSION: The stream's format version is not one this
 *   module speaks.
 * @VMMIG_REASON_BAD_FEATURES: The stream uses feature bits this module does
 *   not know.
 * @VMMIG_REASON_LAYOUT_MISMATCH: The HELLO's memslots or page size differ from
 *   the destination VM's.
 * @VMMIG_REASON_BAD_RECORD_TYPE: A record of unknown type, or of a type not
 *   allowed there.
 * @VMMIG_REASON_BAD_SLOT: A record names a memslot that is not in the layout.
 * @VMMIG_REASON_BAD_GFN: A record's pages are not all inside its memslot.
 * @VMMIG_REASON_BAD_LENGTH: A record's length or count does not fit its type
 *   or a bound.
 * @VMMIG_REASON_BAD_RESERVED: A reserved field or unknown flag bit is not
 *   zero.
 * @VMMIG_REASON_DUPLICATE_HELLO: A second HELLO on the same stream.
 * @VMMIG_REASON_TRUNCATED: The stream ended in the middle of a record or
 *   before END.
 * @VMMIG_REASON_TRAILING_DATA: Data follows END.
 * @VMMIG_REASON_INCOMPLETE: END's totals differ from what the destination
 *   received.
 * @VMMIG_REASON_PEER_TIMEOUT: The peer neither read nor wrote for longer than
 *   peer-timeout-ms.
 * @VMMIG_REASON_NOT_CONVERGED: Pre-copy reached max-rounds or max-time-ms
 *   without the remaining pages fitting downtime-ms, and on-limit is fail.
 * @VMMIG_REASON_MEMSLOT_CHANGED: The VMM changed the VM's memory slots (added,
 *   removed, moved one, or changed its flags, dirty logging included) during
 *   live migration.
 * @VMMIG_REASON_DIRTY_LOG: KVM refused to reset the dirty rings, a reset was
 *   interrupted by a signal (its pages may not have been protected again), or
 *   another harvester took ring entries.
 * @VMMIG_REASON_NOT_LOGGING: A memslot did not have KVM_MEM_LOG_DIRTY_PAGES
 *   when live migration began: the VMM turns dirty logging on for every
 *   memslot before session-start.
 * @VMMIG_REASON_COMMIT_UNKNOWN: Destination: the stream was complete and
 *   acknowledged, but the source's commit never came (the connection was lost
 *   or timed out). The outcome is the source session's: the VMM must neither
 *   resume nor discard the VM before it knows it.
 * @VMMIG_REASON_PEER_ABORTED: Destination: the source gave the migration up
 *   after the destination had acknowledged the stream (its reason is in the
 *   source session).
 * @VMMIG_REASON_BAD_CHECKSUM: A record's crc32c does not match its contents
 *   (checksum crc32c): the stream was corrupted between the two ends. A
 *   destination may have written that record's pages: its VM must not run.
 * @VMMIG_REASON_NO_CHECKSUM: Destination: the session requires checksummed
 *   records (checksum crc32c) and the source's stream is not checksummed.
 * @VMMIG_REASON_TLS_BAD_RECORD: kTLS: a record failed authentication (tampered
 *   with, or sealed with another key) or is no TLS record at all (a peer that
 *   sends plaintext, a mangled record header). A destination clears the pages
 *   of the vmmig record it was receiving; its VM must not run.
 * @VMMIG_REASON_TLS_ALERT: kTLS: the peer sent a TLS alert (close_notify
 *   included).
 * @VMMIG_REASON_TLS_KEY_UPDATE: kTLS: the peer sent a TLS 1.3 KeyUpdate. vmmig
 *   cannot take new keys in the middle of a stream: the VMM must not update
 *   keys while a session runs on the socket.
 * @VMMIG_REASON_TLS_HANDSHAKE: kTLS: a TLS handshake message other than
 *   KeyUpdate (a NewSessionTicket the VMM left unread, a renegotiation) or
 *   another record that is not application data came after the socket was
 *   handed over.
 */
enum vmmig_reason {
	VMMIG_REASON_NONE,
	VMMIG_REASON_CANCEL,
	VMMIG_REASON_OWNER_GONE,
	VMMIG_REASON_VM_GONE,
	VMMIG_REASON_NETNS_GONE,
	VMMIG_REASON_UNLOAD,
	VMMIG_REASON_DESTROYED,
	VMMIG_REASON_PEER_CLOSED,
	VMMIG_REASON_IO_ERROR,
	VMMIG_REASON_BAD_MAGIC,
	VMMIG_REASON_BAD_VERSION,
	VMMIG_REASON_BAD_FEATURES,
	VMMIG_REASON_LAYOUT_MISMATCH,
	VMMIG_REASON_BAD_RECORD_TYPE,
	VMMIG_REASON_BAD_SLOT,
	VMMIG_REASON_BAD_GFN,
	VMMIG_REASON_BAD_LENGTH,
	VMMIG_REASON_BAD_RESERVED,
	VMMIG_REASON_DUPLICATE_HELLO,
	VMMIG_REASON_TRUNCATED,
	VMMIG_REASON_TRAILING_DATA,
	VMMIG_REASON_INCOMPLETE,
	VMMIG_REASON_PEER_TIMEOUT,
	VMMIG_REASON_NOT_CONVERGED,
	VMMIG_REASON_MEMSLOT_CHANGED,
	VMMIG_REASON_DIRTY_LOG,
	VMMIG_REASON_NOT_LOGGING,
	VMMIG_REASON_COMMIT_UNKNOWN,
	VMMIG_REASON_PEER_ABORTED,
	VMMIG_REASON_BAD_CHECKSUM,
	VMMIG_REASON_NO_CHECKSUM,
	VMMIG_REASON_TLS_BAD_RECORD,
	VMMIG_REASON_TLS_ALERT,
	VMMIG_REASON_TLS_KEY_UPDATE,
	VMMIG_REASON_TLS_HANDSHAKE,

	/* private: */
	__VMMIG_REASON_MAX,
	VMMIG_REASON_MAX = (__VMMIG_REASON_MAX - 1)
};

/**
 * enum vmmig_on_limit - What a live migration does when it reaches max-rounds
 *   or max-time-ms.
 * @VMMIG_ON_LIMIT_FAIL: End the session as failed; the source VM keeps
 *   running.
 * @VMMIG_ON_LIMIT_SWITCHOVER: Announce ready anyway and let the VMM switch
 *   over.
 */
enum vmmig_on_limit {
	VMMIG_ON_LIMIT_FAIL = 1,
	VMMIG_ON_LIMIT_SWITCHOVER,
};

/**
 * enum vmmig_mode - How a source session moves memory.
 * @VMMIG_MODE_QUICK: Stop-and-copy: the VMM has paused the VM; one pass over
 *   memory, then the blob.
 * @VMMIG_MODE_LIVE: Pre-copy while the VM runs, tracking writes with the KVM
 *   dirty ring, until the VMM switches over.
 */
enum vmmig_mode {
	VMMIG_MODE_QUICK = 1,
	VMMIG_MODE_LIVE,
};

/**
 * enum vmmig_checksum - How the records of a stream are checked for integrity.
 * @VMMIG_CHECKSUM_NONE: Not checked beyond TCP's own checksum (a file: not at
 *   all).
 * @VMMIG_CHECKSUM_CRC32C: Every record, both ways, carries the crc32c of its
 *   header and payload (wire feature VMMIG_WIRE_F_CSUM); the receiver checks
 *   it and fails the session with bad-checksum on a mismatch. A live source
 *   then sends a copy of each page instead of the page itself (the guest may
 *   write it while it is in flight), so this costs a copy and a checksum pass
 *   on each end.
 */
enum vmmig_checksum {
	VMMIG_CHECKSUM_NONE,
	VMMIG_CHECKSUM_CRC32C,
};

enum {
	VMMIG_A_PARAMS_UNSPEC,
	VMMIG_A_PARAMS_DOWNTIME_MS,
	VMMIG_A_PARAMS_MAX_ROUNDS,
	VMMIG_A_PARAMS_MAX_TIME_MS,
	VMMIG_A_PARAMS_MAX_BANDWIDTH,
	VMMIG_A_PARAMS_ON_LIMIT,
	VMMIG_A_PARAMS_THROTTLE_MAX_MS,
	VMMIG_A_PARAMS_MODE,
	VMMIG_A_PARAMS_PEER_TIMEOUT_MS,
	VMMIG_A_PARAMS_CHECKSUM,
	VMMIG_A_PARAMS_REQUIRE_ENCRYPTION,

	__VMMIG_A_PARAMS_MAX,
	VMMIG_A_PARAMS_MAX = (__VMMIG_A_PARAMS_MAX - 1)
};

enum {
	VMMIG_A_STATS_UNSPEC,
	VMMIG_A_STATS_PAD,
	VMMIG_A_STATS_ELAPSED_MS,
	VMMIG_A_STATS_BYTES,
	VMMIG_A_STATS_PAGES,
	VMMIG_A_STATS_ZERO_PAGES,
	VMMIG_A_STATS_ROUND,
	VMMIG_A_STATS_CPU_NS,
	VMMIG_A_STATS_BLOB_BYTES,
	VMMIG_A_STATS_REMAINING,
	VMMIG_A_STATS_DIRTY_RATE,
	VMMIG_A_STATS_BANDWIDTH,
	VMMIG_A_STATS_EXPECTED_DOWNTIME_MS,
	VMMIG_A_STATS_DOWNTIME_MS,
	VMMIG_A_STATS_SETUP_MS,
	VMMIG_A_STATS_DIRTY_PAGES,
	VMMIG_A_STATS_REPORTED_PAGES,
	VMMIG_A_STATS_RING_FULL,
	VMMIG_A_STATS_THROTTLE_NS,
	VMMIG_A_STATS_HARVEST_NS,

	__VMMIG_A_STATS_MAX,
	VMMIG_A_STATS_MAX = (__VMMIG_A_STATS_MAX - 1)
};

enum {
	VMMIG_A_RING_UNSPEC,
	VMMIG_A_RING_VCPU,
	VMMIG_A_RING_INDEX,

	__VMMIG_A_RING_MAX,
	VMMIG_A_RING_MAX = (__VMMIG_A_RING_MAX - 1)
};

enum {
	VMMIG_A_REGION_UNSPEC,
	VMMIG_A_REGION_SLOT,
	VMMIG_A_REGION_GPA,
	VMMIG_A_REGION_SIZE,
	VMMIG_A_REGION_HVA,

	__VMMIG_A_REGION_MAX,
	VMMIG_A_REGION_MAX = (__VMMIG_A_REGION_MAX - 1)
};

enum {
	VMMIG_A_DIRTY_BITMAP_UNSPEC,
	VMMIG_A_DIRTY_BITMAP_GPA,
	VMMIG_A_DIRTY_BITMAP_BITS,

	__VMMIG_A_DIRTY_BITMAP_MAX,
	VMMIG_A_DIRTY_BITMAP_MAX = (__VMMIG_A_DIRTY_BITMAP_MAX - 1)
};

enum {
	VMMIG_A_SESSION_UNSPEC,
	VMMIG_A_SESSION_ID,
	VMMIG_A_SESSION_ROLE,
	VMMIG_A_SESSION_VM_FD,
	VMMIG_A_SESSION_SOCK_FD,
	VMMIG_A_SESSION_PARAMS,
	VMMIG_A_SESSION_STATE,
	VMMIG_A_SESSION_REASON,
	VMMIG_A_SESSION_STATS,
	VMMIG_A_SESSION_VMM_PID,
	VMMIG_A_SESSION_CHANNELS,
	VMMIG_A_SESSION_OLD_STATE,
	VMMIG_A_SESSION_FILE_FD,
	VMMIG_A_SESSION_BLOB_FD,
	VMMIG_A_SESSION_VCPU,
	VMMIG_A_SESSION_GPA,
	VMMIG_A_SESSION_LENGTH,
	VMMIG_A_SESSION_RING,
	VMMIG_A_SESSION_WORKER_TID,
	VMMIG_A_SESSION_REGION,
	VMMIG_A_SESSION_MIGRATE_SLOT,
	VMMIG_A_SESSION_DIRTY_BITMAP,
	VMMIG_A_SESSION_CHECKSUM,
	VMMIG_A_SESSION_TLS_VERSION,
	VMMIG_A_SESSION_TLS_CIPHER,

	__VMMIG_A_SESSION_MAX,
	VMMIG_A_SESSION_MAX = (__VMMIG_A_SESSION_MAX - 1)
};

enum {
	VMMIG_A_HOST_UNSPEC,
	VMMIG_A_HOST_MAX_SESSIONS,
	VMMIG_A_HOST_SESSIONS,
	VMMIG_A_HOST_WIRE_VERSION,

	__VMMIG_A_HOST_MAX,
	VMMIG_A_HOST_MAX = (__VMMIG_A_HOST_MAX - 1)
};

enum {
	VMMIG_CMD_UNSPEC,
	VMMIG_CMD_SESSION_NEW,
	VMMIG_CMD_SESSION_GET,
	VMMIG_CMD_SESSION_START,
	VMMIG_CMD_SESSION_CANCEL,
	VMMIG_CMD_SESSION_DEL,
	VMMIG_CMD_HOST_GET,
	VMMIG_CMD_SESSION_STATE_NTF,
	VMMIG_CMD_SESSION_DEL_NTF,
	VMMIG_CMD_SESSION_SWITCHOVER,
	VMMIG_CMD_SESSION_RING_FULL,
	VMMIG_CMD_SESSION_DIRTY,
	VMMIG_CMD_SESSION_SET,
	VMMIG_CMD_SESSION_SET_NTF,

	__VMMIG_CMD_MAX,
	VMMIG_CMD_MAX = (__VMMIG_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_VMMIG_H */
