// SPDX-License-Identifier: GPL-2.0
/*
 * kTLS for the tests: a GnuTLS handshake, then the keys into the kernel
 * (see ktls.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <linux/tls.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "ktls.h"
#include "vmm.h"

#ifndef SOL_TLS
#define SOL_TLS		282
#endif

#define KTLS_PSK_USER	"vmmig"
#define KTLS_HOST	"vmmig-test"

/*
 * TLS 1.3 only, one cipher; the PSK with (EC)DHE for forward secrecy.
 * Without an explicit cipher GnuTLS picks ChaCha20-Poly1305 for PSK.
 */
static const char *const ktls_prio[] = {
	[KTLS_AES_GCM_128] = "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+ECDHE-PSK:+DHE-PSK",
	[KTLS_AES_GCM_256] = "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-256-GCM",
};

/* The credentials both ends use, made once per process. */
static pthread_once_t ktls_once = PTHREAD_ONCE_INIT;
static int ktls_cred_err;
static uint8_t ktls_psk[32];
static gnutls_x509_crt_t ktls_crt;
static gnutls_x509_privkey_t ktls_key;

/* A fresh PSK and a self-signed ECDSA certificate for KTLS_HOST. */
static void ktls_creds_make(void)
{
	time_t now = time(NULL);
	int rc;

	rc = gnutls_rnd(GNUTLS_RND_KEY, ktls_psk, sizeof(ktls_psk));
	rc = rc ?: gnutls_x509_privkey_init(&ktls_key);
	rc = rc ?: gnutls_x509_privkey_generate(ktls_key, GNUTLS_PK_ECDSA,
			GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
	rc = rc ?: gnutls_x509_crt_init(&ktls_crt);
	rc = rc ?: gnutls_x509_crt_set_version(ktls_crt, 3);
	rc = rc ?: gnutls_x509_crt_set_serial(ktls_crt, "\x01", 1);
	rc = rc ?: gnutls_x509_crt_set_activation_time(ktls_crt, now - 86400);
	rc = rc ?: gnutls_x509_crt_set_expiration_time(ktls_crt, now + 86400);
	rc = rc ?: gnutls_x509_crt_set_dn_by_oid(ktls_crt,
			GNUTLS_OID_X520_COMMON_NAME, 0, KTLS_HOST,
			strlen(KTLS_HOST));
	rc = rc ?: gnutls_x509_crt_set_subject_alt_name(ktls_crt,
			GNUTLS_SAN_DNSNAME, KTLS_HOST, strlen(KTLS_HOST),
			GNUTLS_FSAN_SET);
	rc = rc ?: gnutls_x509_crt_set_basic_constraints(ktls_crt, 1, -1);
	rc = rc ?: gnutls_x509_crt_set_key_usage(ktls_crt,
			GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_CERT_SIGN);
	rc = rc ?: gnutls_x509_crt_set_key(ktls_crt, ktls_key);
	rc = rc ?: gnutls_x509_crt_sign2(ktls_crt, ktls_crt, ktls_key,
					 GNUTLS_DIG_SHA256, 0);
	if (rc)
		fprintf(stderr, "ktls: credentials: %s\n", gnutls_strerror(rc));
	ktls_cred_err = rc ? -EPROTO : 0;
}

/* The server's PSK callback: the one user, the one key. */
static int ktls_psk_lookup(gnutls_session_t s, const char *user,
			   gnutls_datum_t *key)
{
	(void)s;
	if (strcmp(user, KTLS_PSK_USER))
		return -1;
	key->data = gnutls_malloc(sizeof(ktls_psk));
	if (!key->data)
		return -1;
	memcpy(key->data, ktls_psk, sizeof(ktls_psk));
	key->size = sizeof(ktls_psk);
	return 0;
}

/* One direction's keys (@read: receive) from @s into socket @fd. */
static int ktls_install_dir(gnutls_session_t s, int fd, bool read)
{
	union {
		struct tls12_crypto_info_aes_gcm_128 a;
		struct tls12_crypto_info_aes_gcm_256 b;
	} ci;
	gnutls_datum_t mac, iv, key;
	unsigned char seq[8];
	socklen_t len;
	int rc;

	memset(&ci, 0, sizeof(ci));
	rc = gnutls_record_get_state(s, read, &mac, &iv, &key, seq);
	if (rc) {
		fprintf(stderr, "ktls: record state: %s\n", gnutls_strerror(rc));
		return -EPROTO;
	}
	/* TLS 1.3's 12-byte IV: a 4-byte salt and the 8 bytes XORed with
	 * the sequence number, which the kernel counts from @seq. */
	switch (gnutls_cipher_get(s)) {
	case GNUTLS_CIPHER_AES_128_GCM:
		ci.a.info.version = TLS_1_3_VERSION;
		ci.a.info.cipher_type = TLS_CIPHER_AES_GCM_128;
		memcpy(ci.a.salt, iv.data, 4);
		memcpy(ci.a.iv, iv.data + 4, 8);
		memcpy(ci.a.key, key.data, 16);
		memcpy(ci.a.rec_seq, seq, 8);
		len = sizeof(ci.a);
		break;
	case GNUTLS_CIPHER_AES_256_GCM:
		ci.b.info.version = TLS_1_3_VERSION;
		ci.b.info.cipher_type = TLS_CIPHER_AES_GCM_256;
		memcpy(ci.b.salt, iv.data, 4);
		memcpy(ci.b.iv, iv.data + 4, 8);
		memcpy(ci.b.key, key.data, 32);
		memcpy(ci.b.rec_seq, seq, 8);
		len = sizeof(ci.b);
		break;
	default:
		fprintf(stderr, "ktls: unexpected cipher %s\n",
			gnutls_cipher_get_name(gnutls_cipher_get(s)));
		return -EPROTO;
	}
	rc = setsockopt(fd, SOL_TLS, read ? TLS_RX : TLS_TX, &ci, len);
	memset(&ci, 0, sizeof(ci));
	return rc ? -errno : 0;
}

/* Hand @s's keys to the kernel for @keys (KTLS_*) on @fd. */
static int ktls_install(gnutls_session_t s, int fd, unsigned int keys)
{
	int err = 0;

	if (!keys)
		return 0;
	/* Nothing may be left in GnuTLS's buffers: it would be lost. */
	if (gnutls_record_check_pending(s))
		return -EPROTO;
	if (setsockopt(fd, SOL_TCP, TCP_ULP, "tls", sizeof("tls")))
		return -errno;
	if (keys & KTLS_TX)
		err = ktls_install_dir(s, fd, false);
	if (!err && (keys & KTLS_RX))
		err = ktls_install_dir(s, fd, true);
	return err;
}

struct ktls_end {
	int fd;
	bool server;
	enum ktls_cipher c;
	unsigned int keys;
	struct tls_user *keep;	/* userspace TLS: the session goes there */
	int err;
};

/* A session and its credentials, once done with. */
static void ktls_session_free(gnutls_session_t s,
			      gnutls_certificate_credentials_t xc,
			      gnutls_psk_server_credentials_t ps,
			      gnutls_psk_client_credentials_t pc)
{
	if (s)
		gnutls_deinit(s);
	if (ps)
		gnutls_psk_free_server_credentials(ps);
	if (pc)
		gnutls_psk_free_client_credentials(pc);
	if (xc)
		gnutls_certificate_free_credentials(xc);
}

/* One end's handshake and key installation (or kept session): e->err. */
static void *ktls_end_run(void *arg)
{
	gnutls_certificate_credentials_t xc = NULL;
	gnutls_psk_server_credentials_t ps = NULL;
	gnutls_psk_client_credentials_t pc = NULL;
	struct ktls_end *e = arg;
	gnutls_session_t s = NULL;
	int rc;

	rc = gnutls_init(&s, (e->server ? GNUTLS_SERVER : GNUTLS_CLIENT) |
			 GNUTLS_NO_TICKETS);
	rc = rc ?: gnutls_priority_set_direct(s, ktls_prio[e->c], NULL);
	if (!rc && e->c == KTLS_AES_GCM_128 && e->server) {
		rc = gnutls_psk_allocate_server_credentials(&ps);
		if (!rc)
			gnutls_psk_set_server_credentials_function(ps,
							ktls_psk_lookup);
		rc = rc ?: gnutls_credentials_set(s, GNUTLS_CRD_PSK, ps);
	} else if (!rc && e->c == KTLS_AES_GCM_128) {
		gnutls_datum_t k = { ktls_psk, sizeof(ktls_psk) };

		rc = gnutls_psk_allocate_client_credentials(&pc);
		rc = rc ?: gnutls_psk_set_client_credentials(pc, KTLS_PSK_USER,
							     &k,
							     GNUTLS_PSK_KEY_RAW);
		rc = rc ?: gnutls_credentials_set(s, GNUTLS_CRD_PSK, pc);
	} else if (!rc) {
		rc = gnutls_certificate_allocate_credentials(&xc);
		if (!rc && e->server)
			rc = gnutls_certificate_set_x509_key(xc, &ktls_crt, 1,
							     ktls_key);
		/* The client trusts that certificate, for that name. */
		if (!rc && !e->server) {
			rc = gnutls_certificate_set_x509_trust(xc, &ktls_crt, 1);
			rc = rc < 0 ? rc : 0;
			rc = rc ?: gnutls_server_name_set(s, GNUTLS_NAME_DNS,
							  KTLS_HOST,
							  strlen(KTLS_HOST));
			if (!rc)
				gnutls_session_set_verify_cert(s, KTLS_HOST, 0);
		}
		rc = rc ?: gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE,
						  xc);
	}
	if (!rc) {
		gnutls_transport_set_int(s, e->fd);
		gnutls_handshake_set_timeout(s, 20000);
		do
			rc = gnutls_handshake(s);
		while (rc < 0 && !gnutls_error_is_fatal(rc));
	}
	if (rc) {
		fprintf(stderr, "ktls: %s handshake: %s\n",
			e->server ? "server" : "client", gnutls_strerror(rc));
		e->err = -EPROTO;
	} else if (gnutls_protocol_get_version(s) != GNUTLS_TLS1_3) {
		e->err = -EPROTO;
	} else if (e->keep) {
		*e->keep = (struct tls_user){ s, xc, ps, pc };
		return NULL;
	} else {
		e->err = ktls_install(s, e->fd, e->keys);
	}
	/* Deinit sends nothing: the socket's TLS is the kernel's now. */
	ktls_session_free(s, xc, ps, pc);
	return NULL;
}

/* The handshake of __ktls_pair() and __tls_pair_user(). */
static int ktls_handshake(struct ktls_end *client, struct ktls_end *server)
{
	pthread_t t;
	int err;

	pthread_once(&ktls_once, ktls_creds_make);
	if (ktls_cred_err)
		return ktls_cred_err;
	err = -pthread_create(&t, NULL, ktls_end_run, server);
	if (err)
		return err;
	ktls_end_run(client);
	pthread_join(t, NULL);
	return client->err ?: server->err;
}

int __tls_pair_user(int cfd, int sfd, enum ktls_cipher c,
		    struct tls_user *cu, struct tls_user *su)
{
	struct ktls_end client = { cfd, false, c, 0, cu, 0 };
	struct ktls_end server = { sfd, true, c, 0, su, 0 };
	int err;

	memset(cu, 0, sizeof(*cu));
	memset(su, 0, sizeof(*su));
	err = ktls_handshake(&client, &server);
	if (err) {
		tls_user_free(cu);
		tls_user_free(su);
	}
	return err;
}

int tls_user_sendv(gnutls_session_t s, const struct iovec *iov, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		const char *p = iov[i].iov_base;
		size_t len = iov[i].iov_len;

		while (len) {
			ssize_t w = gnutls_record_send(s, p, len);

			if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED)
				continue;
			if (w < 0)
				return -EIO;
			p += w;
			len -= w;
		}
	}
	return 0;
}

ssize_t tls_user_recv(gnutls_session_t s, void *buf, size_t len)
{
	ssize_t r;

	do
		r = gnutls_record_recv(s, buf, len);
	while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
	return r < 0 ? -EIO : r;
}

void tls_user_free(struct tls_user *u)
{
	ktls_session_free(u->s, u->xc, u->ps, u->pc);
	memset(u, 0, sizeof(*u));
}

int __ktls_pair(int cfd, int sfd, enum ktls_cipher c, unsigned int ckeys,
		unsigned int skeys)
{
	struct ktls_end client = { cfd, false, c, ckeys, NULL, 0 };
	struct ktls_end server = { sfd, true, c, skeys, NULL, 0 };

	return ktls_handshake(&client, &server);
}

int __ktls_pair_veth(int fds[2], enum ktls_cipher c, uint16_t port)
{
	int err = __vmm_tcp_pair_netns(fds, "vmmig-src", "vmmig-dst",
				       "10.99.0.2", port);

	return err ?: __ktls_pair(fds[0], fds[1], c, KTLS_BOTH, KTLS_BOTH);
}

int __ktls_send_record(int fd, uint8_t type, const void *buf, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(type))] = { 0 };
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_TLS;
	cm->cmsg_type = TLS_SET_RECORD_TYPE;
	cm->cmsg_len = CMSG_LEN(sizeof(type));
	memcpy(CMSG_DATA(cm), &type, sizeof(type));
	return sendmsg(fd, &msg, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -errno;
}

uint16_t ktls_cipher_type(enum ktls_cipher c)
{
	return c == KTLS_AES_GCM_256 ? TLS_CIPHER_AES_GCM_256 :
				       TLS_CIPHER_AES_GCM_128;
}
