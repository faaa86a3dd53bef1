/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kTLS for the tests, set up as a VMM would before it hands a socket to
 * vmmig: a TLS 1.3 handshake with GnuTLS over the connected socket (the
 * peers authenticate each other with a pre-shared key, or the client
 * checks the server's certificate), then both directions' keys into the
 * kernel (setsockopt TCP_ULP "tls", SOL_TLS TLS_TX and TLS_RX), then
 * nothing more on the socket from userspace.  docs/vmm-integration.md
 * walks through the same steps.
 *
 * Debian 12's GnuTLS (3.7.9) is built without its own kTLS support, and
 * OpenSSL 3.0 keys only the sending direction of TLS 1.3: the keys are
 * taken from the GnuTLS session (gnutls_record_get_state()) and installed
 * here.
 */
#ifndef VMMIG_SELFTEST_KTLS_H
#define VMMIG_SELFTEST_KTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <gnutls/gnutls.h>

enum ktls_cipher {
	KTLS_AES_GCM_128,	/* PSK, TLS_AES_128_GCM_SHA256 */
	KTLS_AES_GCM_256,	/* x509, TLS_AES_256_GCM_SHA384 */
};

/* Which directions get kernel keys (the rest stays with GnuTLS). */
#define KTLS_TX		(1u << 0)
#define KTLS_RX		(1u << 1)
#define KTLS_BOTH	(KTLS_TX | KTLS_RX)
#define KTLS_ULP	(1u << 2)	/* just the ULP, no key (with 0) */

/*
 * A TLS 1.3 handshake between @cfd (the client: a migration source) and
 * @sfd (the server: its destination), the server's side in a thread, then
 * kernel keys on @cfd for @ckeys and on @sfd for @skeys (KTLS_*; 0 leaves
 * that socket plaintext after the handshake).  Return 0 or a negative
 * errno; -EPROTO for a GnuTLS failure (printed).
 */
int __ktls_pair(int cfd, int sfd, enum ktls_cipher c, unsigned int ckeys,
		unsigned int skeys);

/* kTLS on both ends of a fresh TCP pair between the test namespaces. */
int __ktls_pair_veth(int fds[2], enum ktls_cipher c, uint16_t port);

/*
 * Send a TLS record of content type @type (21 alert, 22 handshake) with
 * @len bytes from @buf on kTLS socket @fd.  Return 0 or a negative errno.
 */
int __ktls_send_record(int fd, uint8_t type, const void *buf, size_t len);

/*
 * Userspace TLS, as QEMU's TLS migration does it: the same handshake, and
 * the VMM then encrypts and decrypts with GnuTLS (gnutls_record_send(),
 * gnutls_record_recv() on @s), no kTLS.
 */
struct tls_user {
	gnutls_session_t s;
	gnutls_certificate_credentials_t xc;
	gnutls_psk_server_credentials_t ps;
	gnutls_psk_client_credentials_t pc;
};

int __tls_pair_user(int cfd, int sfd, enum ktls_cipher c,
		    struct tls_user *cu, struct tls_user *su);
/* Free the session (sends nothing) and its credentials; may be repeated. */
void tls_user_free(struct tls_user *u);

/*
 * All of @iov through GnuTLS, one gnutls_record_send() per buffer (records
 * of at most 16 KiB), as QEMU's TLS channel writes an iovec.  0 or -EIO.
 */
int tls_user_sendv(gnutls_session_t s, const struct iovec *iov, int n);
/* Up to @len bytes, at most one record's: > 0, 0 at the peer's end, -EIO. */
ssize_t tls_user_recv(gnutls_session_t s, void *buf, size_t len);

/* TLS_CIPHER_* of <linux/tls.h> that @c negotiates. */
uint16_t ktls_cipher_type(enum ktls_cipher c);

#endif
