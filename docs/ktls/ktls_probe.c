// SPDX-License-Identifier: GPL-2.0
/*
 * Research probe for issue 15 (kTLS), kept as found (docs/ktls/README.md):
 * not built by make, not a test.  Build and run it in the test host:
 *   gcc -O2 -o ktls_probe ktls_probe.c -lgnutls -lssl -lcrypto -lpthread
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
 *       -keyout key.pem -out cert.pem -days 1 -subj /CN=vmmig
 *   modprobe tls && ./ktls_probe
 * (libgnutls28-dev, libssl-dev).  Output: results-*.txt.
 */
/* kTLS behaviour probe: GnuTLS manual key install + OpenSSL 3.0 kTLS. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <gnutls/gnutls.h>
#include <gnutls/socket.h>
#include <openssl/ssl.h>
#include <openssl/err.h>

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

static void pair(int *c, int *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t l = sizeof(a);
	int one = 1, L = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(L, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(L, (void *)&a, sizeof(a)) || listen(L, 1) ||
	    getsockname(L, (void *)&a, &l)) { perror("listen"); exit(1); }
	*c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(*c, (void *)&a, sizeof(a))) { perror("connect"); exit(1); }
	*s = accept(L, NULL, NULL);
	close(L);
}

/* ---------------- GnuTLS ---------------- */
static const char *hexkey = "00112233445566778899aabbccddeeff";
static gnutls_datum_t pskkey;

static int srv_psk(gnutls_session_t s, const char *user, gnutls_datum_t *key)
{
	(void)s; (void)user;
	key->data = gnutls_malloc(pskkey.size);
	memcpy(key->data, pskkey.data, pskkey.size);
	key->size = pskkey.size;
	return 0;
}

struct hs { gnutls_session_t s; int ret; };
static void *hs_thread(void *p)
{
	struct hs *h = p;
	do h->ret = gnutls_handshake(h->s);
	while (h->ret < 0 && !gnutls_error_is_fatal(h->ret));
	return NULL;
}

/* Install kTLS keys from a GnuTLS session; corrupt: flip a byte of the RX key */
static int install(gnutls_session_t s, int fd, int corrupt_rx)
{
	int ver = gnutls_protocol_get_version(s);
	int ciph = gnutls_cipher_get(s);
	for (int rd = 0; rd <= 1; rd++) {
		gnutls_datum_t mac, iv, key;
		unsigned char seq[8];
		int r = gnutls_record_get_state(s, rd, &mac, &iv, &key, seq);
		if (r < 0) { printf("  get_state: %s\n", gnutls_strerror(r)); return -1; }
		union {
			struct tls12_crypto_info_aes_gcm_128 g128;
			struct tls12_crypto_info_aes_gcm_256 g256;
		} ci;
		socklen_t len;
		memset(&ci, 0, sizeof(ci));
		unsigned short v = ver == GNUTLS_TLS1_3 ? TLS_1_3_VERSION : TLS_1_2_VERSION;
		if (ciph == GNUTLS_CIPHER_AES_128_GCM) {
			ci.g128.info.version = v;
			ci.g128.info.cipher_type = TLS_CIPHER_AES_GCM_128;
			memcpy(ci.g128.salt, iv.data, 4);
			if (v == TLS_1_3_VERSION) memcpy(ci.g128.iv, iv.data + 4, 8);
			else memcpy(ci.g128.iv, seq, 8);
			memcpy(ci.g128.rec_seq, seq, 8);
			memcpy(ci.g128.key, key.data, 16);
			if (rd && corrupt_rx) ci.g128.key[0] ^= 1;
			len = sizeof(ci.g128);
		} else {
			ci.g256.info.version = v;
			ci.g256.info.cipher_type = TLS_CIPHER_AES_GCM_256;
			memcpy(ci.g256.salt, iv.data, 4);
			if (v == TLS_1_3_VERSION) memcpy(ci.g256.iv, iv.data + 4, 8);
			else memcpy(ci.g256.iv, seq, 8);
			memcpy(ci.g256.rec_seq, seq, 8);
			memcpy(ci.g256.key, key.data, 32);
			if (rd && corrupt_rx) ci.g256.key[0] ^= 1;
			len = sizeof(ci.g256);
		}
		if (rd == 0 && setsockopt(fd, SOL_TCP, TCP_ULP, "tls", sizeof("tls"))) {
			printf("  TCP_ULP: %s\n", strerror(errno)); return -1;
		}
		if (setsockopt(fd, SOL_TLS, rd ? TLS_RX : TLS_TX, &ci, len)) {
			printf("  setsockopt %s: %s\n", rd ? "TLS_RX" : "TLS_TX", strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int gnutls_conn(const char *prio, int *cfd, int *sfd, gnutls_session_t *cs,
		       gnutls_session_t *ss, int corrupt_srv_rx)
{
	gnutls_psk_client_credentials_t cc;
	gnutls_psk_server_credentials_t sc;
	gnutls_datum_t hk = { (void *)hexkey, strlen(hexkey) };
	struct hs h;
	pthread_t t;
	int r;

	gnutls_hex_decode2(&hk, &pskkey);
	gnutls_psk_allocate_client_credentials(&cc);
	gnutls_psk_set_client_credentials(cc, "qemu", &hk, GNUTLS_PSK_KEY_HEX);
	gnutls_psk_allocate_server_credentials(&sc);
	gnutls_psk_set_server_credentials_function(sc, srv_psk);
	pair(cfd, sfd);
	gnutls_init(cs, GNUTLS_CLIENT);
	gnutls_init(ss, GNUTLS_SERVER);
	if ((r = gnutls_priority_set_direct(*cs, prio, NULL)) ||
	    (r = gnutls_priority_set_direct(*ss, prio, NULL))) {
		printf("  priority: %s\n", gnutls_strerror(r)); return -1;
	}
	if (strstr(prio, "PSK")) {
		gnutls_credentials_set(*cs, GNUTLS_CRD_PSK, cc);
		gnutls_credentials_set(*ss, GNUTLS_CRD_PSK, sc);
	} else {
		gnutls_certificate_credentials_t xc, xs;
		gnutls_certificate_allocate_credentials(&xc);
		gnutls_certificate_allocate_credentials(&xs);
		r = gnutls_certificate_set_x509_key_file(xs, "cert.pem", "key.pem", GNUTLS_X509_FMT_PEM);
		if (r < 0) printf("  x509 key file: %s\n", gnutls_strerror(r));
		gnutls_credentials_set(*cs, GNUTLS_CRD_CERTIFICATE, xc);
		gnutls_credentials_set(*ss, GNUTLS_CRD_CERTIFICATE, xs);
	}
	gnutls_transport_set_int(*cs, *cfd);
	gnutls_transport_set_int(*ss, *sfd);
	h.s = *ss;
	pthread_create(&t, NULL, hs_thread, &h);
	do r = gnutls_handshake(*cs);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0) shutdown(*cfd, SHUT_RDWR);
	pthread_join(t, NULL);
	if (r < 0 || h.ret < 0) {
		printf("  handshake failed: %s / %s\n", gnutls_strerror(r), gnutls_strerror(h.ret));
		return -1;
	}
	printf("  gnutls %s: %s %s, ktls_enabled(c)=%d pending(c)=%zu pending(s)=%zu\n",
	       gnutls_check_version(NULL),
	       gnutls_protocol_get_name(gnutls_protocol_get_version(*cs)),
	       gnutls_cipher_get_name(gnutls_cipher_get(*cs)),
	       (int)gnutls_transport_is_ktls_enabled(*cs),
	       gnutls_record_check_pending(*cs), gnutls_record_check_pending(*ss));
	if (install(*cs, *cfd, 0) || install(*ss, *sfd, corrupt_srv_rx))
		return -1;
	return 0;
}

static ssize_t send_rec(int fd, unsigned char type, const void *buf, size_t len)
{
	char cbuf[CMSG_SPACE(1)];
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_TLS; c->cmsg_type = TLS_SET_RECORD_TYPE;
	c->cmsg_len = CMSG_LEN(1); *CMSG_DATA(c) = type;
	m.msg_controllen = c->cmsg_len;
	return sendmsg(fd, &m, 0);
}

static ssize_t recv_rec(int fd, int *type, void *buf, size_t len, int flags)
{
	char cbuf[CMSG_SPACE(1)];
	struct iovec iov = { buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	ssize_t r = recvmsg(fd, &m, flags);
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	*type = -1;
	if (r >= 0 && c && c->cmsg_level == SOL_TLS && c->cmsg_type == TLS_GET_RECORD_TYPE)
		*type = *CMSG_DATA(c);
	return r;
}

#define E(r) ((r) < 0 ? strerror(errno) : "ok")

static void gnutls_tests(const char *name, const char *prio)
{
	int c, s, type, v;
	gnutls_session_t cs, ss;
	char buf[65536];
	ssize_t r;
	socklen_t l;

	printf("== GnuTLS %s\n", name);
	if (gnutls_conn(prio, &c, &s, &cs, &ss, 0)) return;

	r = send(c, "hello", 5, 0);
	r = recv(s, buf, sizeof(buf), 0);
	printf("  c->s data: recv=%zd %.*s\n", r, (int)(r > 0 ? r : 0), buf);
	r = send(s, "world", 5, 0);
	r = recv(c, buf, sizeof(buf), 0);
	printf("  s->c data: recv=%zd %.*s\n", r, (int)(r > 0 ? r : 0), buf);

	struct tls12_crypto_info_aes_gcm_256 gi;
	l = sizeof(struct tls_crypto_info);
	r = getsockopt(c, SOL_TLS, TLS_TX, &gi, &l);
	printf("  getsockopt TLS_TX (info only): %s ver=%#x cipher=%u\n", E(r), gi.info.version, gi.info.cipher_type);
	l = sizeof(struct tls_crypto_info);
	r = getsockopt(c, SOL_TLS, TLS_RX, &gi, &l);
	printf("  getsockopt TLS_RX (info only): %s ver=%#x cipher=%u\n", E(r), gi.info.version, gi.info.cipher_type);

	v = 1;
	r = setsockopt(s, SOL_TLS, TLS_RX_EXPECT_NO_PAD, &v, sizeof(v));
	printf("  setsockopt TLS_RX_EXPECT_NO_PAD: %s\n", E(r));

	/* bulk: 1 MiB with MSG_MORE then final */
	{
		static char big[1 << 20];
		size_t got = 0;
		memset(big, 'x', sizeof(big));
		r = send(c, big, sizeof(big) - 100, MSG_MORE);
		ssize_t r2 = send(c, big, 100, 0);
		while (got < sizeof(big)) {
			ssize_t k = recv(s, big, sizeof(big) - got, MSG_WAITALL);
			if (k <= 0) { printf("  bulk recv: %zd %s\n", k, E(k)); break; }
			got += k;
		}
		printf("  bulk 1MiB send=%zd+%zd recv=%zu\n", r, r2, got);
	}

	/* alert record (close_notify), no cmsg */
	r = send_rec(c, 21, "\x01\x00", 2);
	r = recv(s, buf, sizeof(buf), 0);
	printf("  alert rec, recv w/o cmsg: %zd (%s)\n", r, E(r));
	r = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
	printf("  again w/o cmsg: %zd (%s)\n", r, E(r));
	r = recv_rec(s, &type, buf, sizeof(buf), MSG_DONTWAIT);
	printf("  recvmsg with cmsg: %zd type=%d (%s)\n", r, type, E(r));

	/* data then NewSessionTicket-like handshake record, one recv call */
	send(c, "abc", 3, 0);
	send_rec(c, 22, "\x04\x00\x00\x00", 4);
	r = recv(s, buf, sizeof(buf), 0);
	printf("  data+hs recs, recv w/o cmsg: %zd (%s)\n", r, E(r));
	r = recv_rec(s, &type, buf, sizeof(buf), MSG_DONTWAIT);
	printf("  then recvmsg with cmsg: %zd type=%d\n", r, type);

	/* KeyUpdate (update_not_requested), then data with the SAME key */
	send_rec(c, 22, "\x18\x00\x00\x01\x00", 5);
	send(c, "after", 5, 0);
	r = recv_rec(s, &type, buf, sizeof(buf), 0);
	printf("  KeyUpdate rec: recvmsg=%zd type=%d\n", r, type);
	r = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
	printf("  next recv after KeyUpdate: %zd (%s)\n", r, E(r));
	if (r < 0 && errno == EKEYEXPIRED) {
		gnutls_datum_t mac, iv, key; unsigned char seq[8];
		struct tls12_crypto_info_aes_gcm_256 ci = {0};
		struct tls12_crypto_info_aes_gcm_128 *c128 = (void *)&ci;
		int is128 = gnutls_cipher_get(ss) == GNUTLS_CIPHER_AES_128_GCM;
		gnutls_record_get_state(ss, 1, &mac, &iv, &key, seq);
		/* same key, seq continues: 1MiB/16K + records so far; fetch seq via getsockopt */
		l = is128 ? sizeof(*c128) : sizeof(ci);
		getsockopt(s, SOL_TLS, TLS_RX, &ci, &l);
		if (is128) memcpy(c128->key, key.data, 16); else memcpy(ci.key, key.data, 32);
		r = setsockopt(s, SOL_TLS, TLS_RX, &ci, l);
		printf("  rekey TLS_RX (same key): %s\n", E(r));
		r = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
		printf("  recv after rekey: %zd (%s) %.*s\n", r, E(r), (int)(r > 0 ? r : 0), buf);
	} else {
		/* try re-setting TLS_RX on old kernels */
		struct tls12_crypto_info_aes_gcm_256 ci = {0};
		l = sizeof(ci);
		getsockopt(s, SOL_TLS, TLS_RX, &ci, &l);
		r = setsockopt(s, SOL_TLS, TLS_RX, &ci, l);
		printf("  re-set TLS_RX: %s\n", E(r));
	}

	/* SO_RCVTIMEO with a partial record in the TCP queue */
	{
		struct timeval tv = { 0, 300000 };
		struct timespec t0, t1;
		int raw, rs;
		gnutls_session_t a, b;
		close(c); close(s);
		if (gnutls_conn(prio, &c, &s, &a, &b, 0)) return;
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		(void)raw; (void)rs;
		send(c, "full", 4, 0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = recv(s, buf, 100, MSG_WAITALL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("  SO_RCVTIMEO 300ms, 4 bytes avail, MSG_WAITALL 100: %zd (%s) after %ld ms\n",
		       r, E(r), (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = recv(s, buf, 100, 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("  SO_RCVTIMEO 300ms, nothing avail: %zd (%s) after %ld ms\n",
		       r, E(r), (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
	}

	/* Bad MAC: server RX key corrupted */
	close(c); close(s);
	if (gnutls_conn(prio, &c, &s, &cs, &ss, 1)) return;
	send(c, "tampered", 8, 0);
	r = recv(s, buf, sizeof(buf), 0);
	printf("  bad key/MAC: recv=%zd (%s)\n", r, E(r));
	r = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
	printf("  bad key/MAC again: recv=%zd (%s)\n", r, E(r));
	r = send(s, "x", 1, MSG_DONTWAIT);
	printf("  send after bad MAC: %zd (%s)\n", r, E(r));

	/* Truncated record at EOF: kTLS receiver, raw writer */
	close(c); close(s);
	{
		int c2, s2;
		gnutls_session_t a, b;
		if (gnutls_conn(prio, &c2, &s2, &a, &b, 0)) return;
		/* replace the client side by raw writes: duplicate fd keeps TLS; use
		 * a fresh plain connection instead and install only RX on server */
		close(c2); close(s2);
	}
	{
		int cc, sc2;
		gnutls_session_t a, b;
		if (gnutls_conn(prio, &cc, &sc2, &a, &b, 0)) return;
		/* kTLS TX on cc encrypts; to write raw bytes we need a plain socket.
		 * Trick: write a full record then shutdown mid-next-record is not
		 * possible through kTLS TX, so just test EOF at a record boundary
		 * and EOF with partial record via a second plain connection below. */
		send(cc, "last", 4, 0);
		shutdown(cc, SHUT_WR);
		r = recv(sc2, buf, sizeof(buf), 0);
		ssize_t r2 = recv(sc2, buf, sizeof(buf), 0);
		printf("  EOF at record boundary: recv=%zd then %zd (%s)\n", r, r2, E(r2));
		close(cc); close(sc2);
	}
	{
		/* plain client socket, server with kTLS RX: partial record then EOF */
		int pc, ps;
		struct tls12_crypto_info_aes_gcm_128 ci = {0};
		pair(&pc, &ps);
		ci.info.version = TLS_1_3_VERSION; ci.info.cipher_type = TLS_CIPHER_AES_GCM_128;
		setsockopt(ps, SOL_TCP, TCP_ULP, "tls", 4);
		r = setsockopt(ps, SOL_TLS, TLS_RX, &ci, sizeof(ci));
		write(pc, "\x17\x03\x03\x00\x40" "0123456789", 15);
		shutdown(pc, SHUT_WR);
		r = recv(ps, buf, sizeof(buf), 0);
		printf("  truncated record then EOF: recv=%zd (%s)\n", r, E(r));
		r = recv(ps, buf, sizeof(buf), 0);
		printf("  again: recv=%zd (%s)\n", r, E(r));
		close(pc); close(ps);
		/* garbage header */
		pair(&pc, &ps);
		setsockopt(ps, SOL_TCP, TCP_ULP, "tls", 4);
		setsockopt(ps, SOL_TLS, TLS_RX, &ci, sizeof(ci));
		write(pc, "\x17\x03\x01\x00\x40", 5);
		r = recv(ps, buf, sizeof(buf), 0);
		printf("  bad version header: recv=%zd (%s)\n", r, E(r));
		close(pc); close(ps);
		pair(&pc, &ps);
		setsockopt(ps, SOL_TCP, TCP_ULP, "tls", 4);
		setsockopt(ps, SOL_TLS, TLS_RX, &ci, sizeof(ci));
		write(pc, "\x17\x03\x03\xff\xff", 5);
		r = recv(ps, buf, sizeof(buf), 0);
		printf("  oversize header: recv=%zd (%s)\n", r, E(r));
		close(pc); close(ps);
	}
}

/* ---------------- OpenSSL ---------------- */
struct ohs { SSL *s; int ret; };
static void *ossl_accept(void *p) { struct ohs *h = p; h->ret = SSL_accept(h->s); return NULL; }

static void openssl_test(int ver, const char *suite)
{
	SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	int c, s, r;
	pthread_t t;
	struct ohs h;
	char buf[100];

	printf("== OpenSSL %s %s %s\n", OpenSSL_version(OPENSSL_VERSION),
	       ver == TLS1_3_VERSION ? "TLS1.3" : "TLS1.2", suite);
	SSL_CTX_set_min_proto_version(sctx, ver); SSL_CTX_set_max_proto_version(sctx, ver);
	SSL_CTX_set_min_proto_version(cctx, ver); SSL_CTX_set_max_proto_version(cctx, ver);
	if (ver == TLS1_3_VERSION) {
		SSL_CTX_set_ciphersuites(sctx, suite); SSL_CTX_set_ciphersuites(cctx, suite);
	} else {
		SSL_CTX_set_cipher_list(sctx, suite); SSL_CTX_set_cipher_list(cctx, suite);
	}
	SSL_CTX_set_options(sctx, SSL_OP_ENABLE_KTLS);
	SSL_CTX_set_options(cctx, SSL_OP_ENABLE_KTLS);
	SSL_CTX_set_num_tickets(sctx, 0);
	if (SSL_CTX_use_certificate_file(sctx, "cert.pem", SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(sctx, "key.pem", SSL_FILETYPE_PEM) != 1) {
		printf("  cert load failed\n"); ERR_print_errors_fp(stdout); return;
	}
	pair(&c, &s);
	SSL *cs = SSL_new(cctx), *ss = SSL_new(sctx);
	SSL_set_fd(cs, c); SSL_set_fd(ss, s);
	h.s = ss;
	pthread_create(&t, NULL, ossl_accept, &h);
	r = SSL_connect(cs);
	pthread_join(t, NULL);
	if (r != 1 || h.ret != 1) { printf("  handshake failed %d %d\n", r, h.ret); ERR_print_errors_fp(stdout); return; }
	printf("  %s %s: client ktls send=%d recv=%d; server ktls send=%d recv=%d\n",
	       SSL_get_version(cs), SSL_get_cipher(cs),
	       BIO_get_ktls_send(SSL_get_wbio(cs)), BIO_get_ktls_recv(SSL_get_rbio(cs)),
	       BIO_get_ktls_send(SSL_get_wbio(ss)), BIO_get_ktls_recv(SSL_get_rbio(ss)));
	SSL_write(cs, "ping", 4);
	r = SSL_read(ss, buf, sizeof(buf));
	printf("  SSL_read=%d\n", r);
	struct tls_crypto_info ci; socklen_t l = sizeof(ci);
	r = getsockopt(c, SOL_TLS, TLS_TX, &ci, &l);
	printf("  client getsockopt TLS_TX: %s ver=%#x cipher=%u\n", r ? strerror(errno) : "ok", r ? 0 : ci.version, r ? 0 : ci.cipher_type);
	l = sizeof(ci);
	r = getsockopt(c, SOL_TLS, TLS_RX, &ci, &l);
	printf("  client getsockopt TLS_RX: %s\n", r ? strerror(errno) : "ok");
	SSL_free(cs); SSL_free(ss); close(c); close(s);
	SSL_CTX_free(sctx); SSL_CTX_free(cctx);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	gnutls_global_init();
	gnutls_tests("TLS1.3 AES-128-GCM",
		     "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+ECDHE-PSK:+DHE-PSK:+PSK");
	gnutls_tests("TLS1.3 AES-256-GCM (x509)",
		     "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-256-GCM");
	gnutls_tests("TLS1.3 PSK, QEMU-like default priority",
		     "NORMAL:+ECDHE-PSK:+DHE-PSK:+PSK");
	openssl_test(TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256");
	openssl_test(TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384");
	openssl_test(TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256");
	printf("== /proc/net/tls_stat\n");
	FILE *f = fopen("/proc/net/tls_stat", "r");
	char line[200];
	while (f && fgets(line, sizeof(line), f)) fputs(line, stdout);
	return 0;
}
