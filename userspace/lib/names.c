// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libvmmig names: the uapi enums as the YAML spec spells them (the tables
 * are generated from it: names_gen.c), and what each reason means to an
 * operator.
 */
#include <stddef.h>

#include "libvmmig.h"
#include "names_gen.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

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
	[VMMIG_REASON_PEER_CLOSED] =
		"the peer closed the connection before the stream was complete",
	[VMMIG_REASON_IO_ERROR] =
		"sending or receiving on a channel failed",
	[VMMIG_REASON_BAD_MAGIC] =
		"the stream does not start with a vmmig HELLO (not a vmmig peer?)",
	[VMMIG_REASON_BAD_VERSION] =
		"the peer speaks a stream version this host does not (see vmmigctl host)",
	[VMMIG_REASON_BAD_FEATURES] =
		"the stream uses features this host does not know",
	[VMMIG_REASON_LAYOUT_MISMATCH] =
		"the destination VM's memory layout differs from the source's",
	[VMMIG_REASON_BAD_RECORD_TYPE] =
		"the stream has a record of unknown or misplaced type",
	[VMMIG_REASON_BAD_SLOT] =
		"a record names a memslot the VM does not have",
	[VMMIG_REASON_BAD_GFN] =
		"a record's pages lie outside their memslot",
	[VMMIG_REASON_BAD_LENGTH] =
		"a record's length or count is wrong or too large",
	[VMMIG_REASON_BAD_RESERVED] =
		"a reserved field or unknown flag is set in the stream",
	[VMMIG_REASON_DUPLICATE_HELLO] =
		"the stream has a second HELLO",
	[VMMIG_REASON_TRUNCATED] =
		"the stream was cut before its end",
	[VMMIG_REASON_TRAILING_DATA] =
		"data followed the end of the stream",
	[VMMIG_REASON_INCOMPLETE] =
		"the stream's end totals differ from what arrived",
	[VMMIG_REASON_PEER_TIMEOUT] =
		"the peer neither sent nor read anything for longer than the peer timeout (hung or unreachable?)",
	[VMMIG_REASON_NOT_CONVERGED] =
		"pre-copy hit max-rounds or max-time before the rest fit the downtime limit; the VM runs on at the source",
	[VMMIG_REASON_MEMSLOT_CHANGED] =
		"the VMM changed the VM's memory slots (hotplug?) during live migration",
	[VMMIG_REASON_DIRTY_LOG] =
		"resetting the dirty rings failed or was interrupted, or someone else harvested them",
	[VMMIG_REASON_NOT_LOGGING] =
		"a memslot had dirty logging off at session-start (the VMM turns KVM_MEM_LOG_DIRTY_PAGES on first)",
	[VMMIG_REASON_COMMIT_UNKNOWN] =
		"the stream was complete but the source's commit never came: ask the source session before resuming or discarding the VM",
	[VMMIG_REASON_PEER_ABORTED] =
		"the source gave the migration up after the destination acknowledged it; the VM runs on at the source",
	[VMMIG_REASON_BAD_CHECKSUM] =
		"a record's checksum does not match: the stream was corrupted on the way (NIC, relay, memory?); the destination VM must not run",
	[VMMIG_REASON_NO_CHECKSUM] =
		"the destination requires checksummed records and the source did not checksum its stream",
	[VMMIG_REASON_TLS_BAD_RECORD] =
		"a TLS record failed authentication or was no TLS record (tampered stream, wrong keys, or a plaintext peer); the destination VM must not run",
	[VMMIG_REASON_TLS_ALERT] =
		"the peer sent a TLS alert",
	[VMMIG_REASON_TLS_KEY_UPDATE] =
		"the peer sent a TLS KeyUpdate: keys must not change while a session runs",
	[VMMIG_REASON_TLS_HANDSHAKE] =
		"a TLS handshake message (a session ticket?) or another non-data record came after the socket was handed over",
};
_Static_assert(sizeof(reason_texts) / sizeof(reason_texts[0]) ==
	       __VMMIG_REASON_MAX, "a reason without a text");

static const char *lookup(const char *const *tbl, size_t n, uint32_t v,
			  const char *unknown)
{
	return v < n && tbl[v] ? tbl[v] : unknown;
}

static const char *known(const char *name)
{
	return name ? name : "unknown";
}

const char *vmmig_state_name(uint32_t state)
{
	return known(vmmig__name_state(state));
}

const char *vmmig_role_name(uint32_t role)
{
	return known(vmmig__name_role(role));
}

const char *vmmig_reason_name(uint32_t reason)
{
	return known(vmmig__name_reason(reason));
}

const char *vmmig_on_limit_name(uint32_t on_limit)
{
	return known(vmmig__name_on_limit(on_limit));
}

const char *vmmig_mode_name(uint32_t mode)
{
	return known(vmmig__name_mode(mode));
}

const char *vmmig_checksum_name(uint32_t checksum)
{
	return known(vmmig__name_checksum(checksum));
}

/*
 * kTLS: TLS_1_2_VERSION / TLS_1_3_VERSION and TLS_CIPHER_* of
 * <linux/tls.h> (uapi: their values never change).
 */
static const struct {
	uint32_t version;
	uint32_t cipher;
	const char *name;
} ciphers[] = {
	{ 0x0304, 51, "tls1.3-aes-gcm-128" },
	{ 0x0304, 52, "tls1.3-aes-gcm-256" },
	{ 0x0304, 53, "tls1.3-aes-ccm-128" },
	{ 0x0304, 54, "tls1.3-chacha20-poly1305" },
	{ 0x0304, 55, "tls1.3-sm4-gcm" },
	{ 0x0304, 56, "tls1.3-sm4-ccm" },
	{ 0x0303, 51, "tls1.2-aes-gcm-128" },
	{ 0x0303, 52, "tls1.2-aes-gcm-256" },
	{ 0x0303, 53, "tls1.2-aes-ccm-128" },
	{ 0x0303, 54, "tls1.2-chacha20-poly1305" },
	{ 0x0303, 57, "tls1.2-aria-gcm-128" },
	{ 0x0303, 58, "tls1.2-aria-gcm-256" },
};

const char *vmmig_cipher_name(uint32_t tls_version, uint32_t tls_cipher)
{
	size_t i;

	if (!tls_version)
		return "none";
	for (i = 0; i < ARRAY_SIZE(ciphers); i++)
		if (ciphers[i].version == tls_version &&
		    ciphers[i].cipher == tls_cipher)
			return ciphers[i].name;
	return "tls-unknown";
}

const char *vmmig_reason_text(uint32_t reason)
{
	return lookup(reason_texts, ARRAY_SIZE(reason_texts), reason,
		      "unknown reason (the module is newer than this library)");
}
