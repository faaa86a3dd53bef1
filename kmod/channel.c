// SPDX-License-Identifier: GPL-2.0
/*
 * Channels: the sockets (or the file) a session moves its stream over, and
 * the I/O on them, for both directions.
 *
 * Receive helpers return an enum vmmig_rx_end or a negative errno, so that
 * a stream cut inside a record is told apart from one that ended between
 * records.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/net.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/vmmig.h>
#include <linux/vmmig_wire.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tls.h>

#include "channel.h"
#include "compat.h"

/*
 * Unsent bytes a TCP socket may queue (TCP_NOTSENT_LOWAT): data queued
 * but not sent crosses after the pause too, and at a live switchover it
 * is on the downtime's critical path.  Enough to keep the link busy.
 */
#define VMMIG_NOTSENT_LOWAT	SZ_1M

/* A record's bio_vecs: its header and at most VMMIG_WIRE_MAX_COUNT pages. */
#define VMMIG_REC_BVECS		(1 + VMMIG_WIRE_MAX_COUNT)

/* File channels: a saved stream, written and read at @ch->pos. */

static int vmmig_file_send(struct vmmig_channel *ch, const void *buf,
			   size_t len, bool more)
{
	ssize_t ret;

	while (len) {
		ret = kernel_write(ch->file, buf, len, &ch->pos);
		if (ret <= 0)
			return ret ? ret : -EIO;
		ch->sent += ret;
		buf += ret;
		len -= ret;
	}
	return 0;
}

static int vmmig_file_send_rec(struct vmmig_channel *ch, const void *hdr,
			       size_t len, struct page **pages,
			       unsigned int nr, bool more)
{
	unsigned int i;
	int err;

	err = vmmig_file_send(ch, hdr, len, true);
	for (i = 0; i < nr && !err; i++) {
		void *p = kmap_local_page(pages[i]);

		err = vmmig_file_send(ch, p, PAGE_SIZE, true);
		kunmap_local(p);
	}
	return err;
}

static int vmmig_file_recv(struct vmmig_channel *ch, struct iov_iter *iter)
{
	size_t want = iov_iter_count(iter);
	ssize_t ret;

	while (iov_iter_count(iter)) {
		ret = vfs_iter_read(ch->file, iter, &ch->pos, 0);
		if (ret < 0)
			return ret;
		if (!ret)
			return iov_iter_count(iter) == want ? VMMIG_RX_EOF :
							      VMMIG_RX_CUT;
		ch->received += ret;
	}
	return VMMIG_RX_FULL;
}

static const struct vmmig_channel_ops vmmig_file_ops = {
	.send = vmmig_file_send,
	.send_rec = vmmig_file_send_rec,
	.recv = vmmig_file_recv,
};

/* Socket channels. */

static int vmmig_sock_send(struct vmmig_channel *ch, const void *buf,
			   size_t len, bool more)
{
	struct msghdr msg = {
		.msg_flags = MSG_NOSIGNAL | (more ? MSG_MORE : 0),
	};
	struct kvec vec = { .iov_base = (void *)buf, .iov_len = len };
	int ret;

	iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, &vec, 1, len);
	while (msg_data_left(&msg)) {
		ret = sock_sendmsg(ch->sock, &msg);
		if (ret <= 0)
			return ret ? ret : -EPIPE;
		ch->sent += ret;
	}
	return 0;
}

/*
 * @msg over a record: a copy of its @len bytes of header, from the
 * channel's page fragments so that the stack can hold it by reference as
 * it holds the pages, then the @nr pages.  Return: the header's copy, for
 * page_frag_free() once sent, or NULL.  *@splice: whether every page may
 * be taken by reference; a page that may not (sendpage_ok()) makes the
 * stack copy the record instead, as nvme-tcp does.
 */
static void *vmmig_rec_msg(struct vmmig_channel *ch, struct msghdr *msg,
			   const void *hdr, size_t len, struct page **pages,
			   unsigned int nr, bool more, bool *splice)
{
	void *h = page_frag_alloc(&ch->frag, len, GFP_KERNEL);
	unsigned int i;

	if (!h)
		return NULL;
	memcpy(h, hdr, len);
	*splice = true;
	bvec_set_page(&ch->bvec[0], virt_to_page(h), len, offset_in_page(h));
	for (i = 0; i < nr; i++) {
		bvec_set_page(&ch->bvec[1 + i], pages[i], PAGE_SIZE, 0);
		*splice &= sendpage_ok(pages[i]);
	}
	msg->msg_flags = MSG_NOSIGNAL | (more ? MSG_MORE : 0);
	iov_iter_bvec(&msg->msg_iter, ITER_SOURCE, ch->bvec, 1 + nr,
		      len + (size_t)nr * PAGE_SIZE);
	return h;
}

/* Send all of @msg, a record vmmig_rec_msg() set up; 0 or an errno. */
static int vmmig_sock_push(struct vmmig_channel *ch, struct msghdr *msg,
			   bool splice)
{
	int ret;

	while (msg_data_left(msg)) {
		ret = splice ? vmmig_sock_splice(ch->sock, msg) :
			       sock_sendmsg(ch->sock, msg);
		if (ret <= 0)
			return ret ? ret : -EPIPE;
		ch->sent += ret;
	}
	return 0;
}

/* One sendmsg() per record on >= 6.5: the socket lock is taken once. */
static int vmmig_sock_send_rec(struct vmmig_channel *ch, const void *hdr,
			       size_t len, struct page **pages,
			       unsigned int nr, bool more)
{
	struct msghdr msg = { };
	bool splice;
	void *h;
	int err;

	h = vmmig_rec_msg(ch, &msg, hdr, len, pages, nr, more, &splice);
	if (!h)
		return -ENOMEM;
	err = vmmig_sock_push(ch, &msg, splice);
	page_frag_free(h);
	return err;
}

static int vmmig_sock_recv(struct vmmig_channel *ch, struct iov_iter *iter)
{
	struct msghdr msg = { .msg_iter = *iter };
	size_t want = msg_data_left(&msg);
	int ret;

	while (msg_data_left(&msg)) {
		ret = sock_recvmsg(ch->sock, &msg, MSG_WAITALL);
		if (ret < 0)
			return ret;
		if (!ret)
			return msg_data_left(&msg) == want ? VMMIG_RX_EOF :
							     VMMIG_RX_CUT;
		ch->received += ret;
	}
	return VMMIG_RX_FULL;
}

static int vmmig_sock_recv_some(struct vmmig_channel *ch, void *buf,
				size_t len, int flags)
{
	struct kvec vec = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { };
	int ret;

	ret = kernel_recvmsg(ch->sock, &msg, &vec, 1, len, flags);
	if (ret > 0)
		ch->received += ret;
	return ret;
}

static const struct vmmig_channel_ops vmmig_sock_ops = {
	.send = vmmig_sock_send,
	.send_rec = vmmig_sock_send_rec,
	.recv = vmmig_sock_recv,
	.recv_some = vmmig_sock_recv_some,
};

/*
 * A plain TCP socket where a record would otherwise take a call and a
 * socket lock hold per page (6.1, compat.h): the record's header and
 * pages go under one hold.  ACKs that queued in the backlog meanwhile are
 * processed every 16 pages, as tcp_sendmsg_locked() does.  A ULP
 * installed since the channel was set up (sk_prot no longer TCP's,
 * checked under the lock) gets the socket path.
 */
static int vmmig_tcp_send_rec(struct vmmig_channel *ch, const void *hdr,
			      size_t len, struct page **pages,
			      unsigned int nr, bool more)
{
	struct sock *sk = ch->sock->sk;
	struct msghdr msg = { };
	unsigned int calls = 0;
	bool splice;
	void *h;
	int ret = 0;

	h = vmmig_rec_msg(ch, &msg, hdr, len, pages, nr, more, &splice);
	if (!h)
		return -ENOMEM;
	lock_sock(sk);
	if (!vmmig_sock_plain_tcp(ch->sock)) {
		release_sock(sk);
		ret = vmmig_sock_push(ch, &msg, splice);
		goto out;
	}
	while (msg_data_left(&msg)) {
		ret = splice ? vmmig_tcp_splice_locked(sk, &msg) :
			       tcp_sendmsg_locked(sk, &msg,
						  msg_data_left(&msg));
		if (ret <= 0) {
			ret = ret ? ret : -EPIPE;
			break;
		}
		ch->sent += ret;
		ret = 0;
		if (++calls % 16 == 0)
			sk_flush_backlog(sk);
	}
	release_sock(sk);
out:
	page_frag_free(h);
	return ret;
}

static const struct vmmig_channel_ops vmmig_tcp_ops = {
	.send = vmmig_sock_send,
	.send_rec = vmmig_tcp_send_rec,
	.recv = vmmig_sock_recv,
	.recv_some = vmmig_sock_recv_some,
};

/*
 * kTLS sockets: TLS (tls_sw) encrypts what is sent through the socket's
 * own sendmsg (or 6.1's sendpage) and decrypts in its recvmsg; TCP's
 * locked entry points would bypass it and put plaintext on the wire, so
 * this kind never takes them.
 *
 * Send: a record's pages go by reference (sendmsg(MSG_SPLICE_PAGES),
 * 6.1's sendpage); TLS reads them when it seals each TLS record.  The
 * header of a record of at least VMMIG_TLS_ALIGN_PAGES pages ends a TLS
 * record of its own: its pages then start a TLS record, and every full
 * one the receiver decrypts straight into guest memory (tls_sw_recvmsg()
 * does that only for a whole record that fits the destination), for 22
 * bytes and a TLS record more.  Smaller records (scattered dirty pages)
 * are packed into full TLS records instead, as MSG_MORE says: a TLS
 * record per 4 KiB page and per header would cost an AEAD operation and
 * a push each, and the receiver copies what it decrypts of those.
 *
 * Receive: a record that is not application data is never returned
 * without a control buffer (tls_sw_recvmsg() fails with -EIO and copies
 * nothing, so it never lands in guest memory); vmmig_ktls_error() then
 * reads it with one to say what it was.
 */

/* A record's pages fill at least one TLS record (16 KiB) of their own. */
#define VMMIG_TLS_ALIGN_PAGES	(SZ_16K / PAGE_SIZE)

/* TLS record content types (RFC 8446 5.1) and handshake types (4). */
#define VMMIG_TLS_ALERT			21
#define VMMIG_TLS_HANDSHAKE		22
#define VMMIG_TLS_DATA			23
#define VMMIG_TLS_HS_KEY_UPDATE		24

/* What the non-data record a receive stopped at is, as an errno. */
static int vmmig_ktls_control(struct vmmig_channel *ch)
{
	u8 cbuf[CMSG_SPACE(sizeof(u8))] __aligned(sizeof(long));
	struct msghdr msg = {
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = (struct cmsghdr *)cbuf;
	u8 buf[8] = { };
	struct kvec vec = { .iov_base = buf, .iov_len = sizeof(buf) };
	int ret;

	ret = kernel_recvmsg(ch->sock, &msg, &vec, 1, sizeof(buf),
			     MSG_DONTWAIT);
	if (ret <= 0 || msg.msg_controllen > sizeof(cbuf) - CMSG_LEN(1) ||
	    cm->cmsg_level != SOL_TLS || cm->cmsg_type != TLS_GET_RECORD_TYPE)
		return -EIO;
	switch (*(u8 *)CMSG_DATA(cm)) {
	case VMMIG_TLS_DATA:		/* not what stopped the receive */
		return -EIO;
	case VMMIG_TLS_ALERT:
		return -EREMOTEIO;
	case VMMIG_TLS_HANDSHAKE:
		return buf[0] == VMMIG_TLS_HS_KEY_UPDATE ? -EKEYEXPIRED :
							   -EPROTO;
	default:
		return -EPROTO;
	}
}

/*
 * A kTLS receive's error as what the peer did (struct vmmig_channel_ops).
 * -EINVAL and -EMSGSIZE: tls_rx_msg_size() found no TLS record header
 * (a plaintext peer, a mangled stream); -EBADMSG: authentication failed;
 * -EKEYEXPIRED (7.x): a KeyUpdate was read and decryption is paused.
 */
static int vmmig_ktls_error(struct vmmig_channel *ch, int err)
{
	switch (err) {
	case -EINVAL:
	case -EMSGSIZE:
	case -EBADMSG:
		return -EBADMSG;
	case -EIO:
		return vmmig_ktls_control(ch);
	default:
		return err;
	}
}

static int vmmig_ktls_send_rec(struct vmmig_channel *ch, const void *hdr,
			       size_t len, struct page **pages,
			       unsigned int nr, bool more)
{
	struct msghdr msg = {
		.msg_flags = MSG_NOSIGNAL | (more ? MSG_MORE : 0),
	};
	unsigned int i;
	bool splice = true;
	int err;

	err = vmmig_sock_send(ch, hdr, len,
			      nr ? nr < VMMIG_TLS_ALIGN_PAGES : more);
	if (err || !nr)
		return err;
	for (i = 0; i < nr; i++) {
		bvec_set_page(&ch->bvec[i], pages[i], PAGE_SIZE, 0);
		splice &= sendpage_ok(pages[i]);
	}
	if (splice) {
		iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, ch->bvec, nr,
			      (size_t)nr * PAGE_SIZE);
		return vmmig_sock_push(ch, &msg, true);
	}
	/* TLS would take a bio_vec's pages by reference too: copy them. */
	for (i = 0; i < nr && !err; i++) {
		void *p = kmap_local_page(pages[i]);

		err = vmmig_sock_send(ch, p, PAGE_SIZE, more || i + 1 < nr);
		kunmap_local(p);
	}
	return err;
}

static int vmmig_ktls_recv(struct vmmig_channel *ch, struct iov_iter *iter)
{
	int ret = vmmig_sock_recv(ch, iter);

	return ret < 0 ? vmmig_ktls_error(ch, ret) : ret;
}

static int vmmig_ktls_recv_some(struct vmmig_channel *ch, void *buf,
				size_t len, int flags)
{
	int ret = vmmig_sock_recv_some(ch, buf, len, flags);

	return ret < 0 && ret != -EAGAIN ? vmmig_ktls_error(ch, ret) : ret;
}

static const struct vmmig_channel_ops vmmig_ktls_ops = {
	.send = vmmig_sock_send,
	.send_rec = vmmig_ktls_send_rec,
	.recv = vmmig_ktls_recv,
	.recv_some = vmmig_ktls_recv_some,
};

/*
 * What TLS a socket has, under its lock: 0 with *@version 0 if none (no
 * ULP, or another one), 0 with its version and cipher if both directions
 * are keyed in software; -ENOKEY if the tls ULP is there but a direction
 * is not keyed, -EOPNOTSUPP for device offload (TLS_HW: the NIC reads the
 * plaintext again on retransmit, so it may not be guest memory).  Keys are
 * set once per direction, under the socket lock, and never taken away
 * while the socket lives (7.x may replace them, with the same version and
 * cipher, on a KeyUpdate).
 */
static int vmmig_ktls_kind(struct sock *sk, u16 *version, u16 *cipher)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	const struct tls_context *ctx;

	sock_owned_by_me(sk);
	*version = 0;
	*cipher = 0;
	if (!sk_is_tcp(sk) || !inet_csk_has_ulp(sk) ||
	    strcmp(icsk->icsk_ulp_ops->name, "tls"))
		return 0;
	ctx = tls_get_ctx(sk);
	if (!ctx || ctx->tx_conf == TLS_BASE || ctx->rx_conf == TLS_BASE)
		return -ENOKEY;
	if (ctx->tx_conf != TLS_SW || ctx->rx_conf != TLS_SW)
		return -EOPNOTSUPP;
	*version = ctx->prot_info.version;
	*cipher = ctx->prot_info.cipher_type;
	return 0;
}

/* vmmig_ktls_kind() of a channel's socket, taking its lock. */
static int vmmig_channel_tls_kind(struct vmmig_channel *ch,
				  const struct nlattr *attr,
				  struct netlink_ext_ack *extack)
{
	struct sock *sk = ch->sock->sk;
	int err;

	lock_sock(sk);
	err = vmmig_ktls_kind(sk, &ch->tls_version, &ch->tls_cipher);
	release_sock(sk);
	if (err == -ENOKEY)
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "sock-fd has the tls ULP but not both directions keyed (TLS_TX and TLS_RX)");
	else if (err)
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "sock-fd is a kTLS socket with device offload: only software kTLS is supported");
	return err;
}

/**
 * vmmig_channel_init() - resolve @fd in the calling task to a connected
 * stream socket and hold it.
 * @ch: filled on success.
 * @fd: the VMM's socket file descriptor.
 * @attr: the netlink attribute @fd came from, for error reports.
 * @extack: error report.
 *
 * Return: 0, -EBADF, -ENOTSOCK, -EINVAL (not a stream socket),
 * -ENOTCONN or -ENOMEM.
 */
int vmmig_channel_init(struct vmmig_channel *ch, int fd,
		       const struct nlattr *attr,
		       struct netlink_ext_ack *extack)
{
	struct socket *sock;
	struct file *file;
	int err;

	file = fget(fd);
	if (!file) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "sock-fd is not an open file descriptor");
		return -EBADF;
	}
	sock = sock_from_file(file);
	if (!sock) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "sock-fd is not a socket");
		err = -ENOTSOCK;
		goto err_put;
	}
	if (sock->type != SOCK_STREAM) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "sock-fd is not a stream socket");
		err = -EINVAL;
		goto err_put;
	}
	/*
	 * Connected: SS_CONNECTED for TCP; AF_UNIX socketpair() stream
	 * sockets only say so in sk_state from 7.x on.
	 */
	if (sock->state != SS_CONNECTED &&
	    READ_ONCE(sock->sk->sk_state) != TCP_ESTABLISHED) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "sock-fd is not connected");
		err = -ENOTCONN;
		goto err_put;
	}
	ch->bvec = kvmalloc_array(VMMIG_REC_BVECS, sizeof(*ch->bvec),
				  GFP_KERNEL);
	if (!ch->bvec) {
		err = -ENOMEM;
		goto err_put;
	}
	ch->file = file;
	ch->sock = sock;
	err = vmmig_channel_tls_kind(ch, attr, extack);
	if (err)
		goto err_free;
	if (vmmig_channel_is_tls(ch))
		ch->ops = &vmmig_ktls_ops;
	else if (vmmig_sock_plain_tcp(sock))
		ch->ops = &vmmig_tcp_ops;
	else
		ch->ops = &vmmig_sock_ops;
	return 0;

err_free:
	ch->file = NULL;
	ch->sock = NULL;
	kvfree(ch->bvec);
	ch->bvec = NULL;
err_put:
	fput(file);
	return err;
}

/**
 * vmmig_channel_claim() - make a socket channel's socket the session's
 * while its worker runs.
 * @ch: the channel; a file channel needs no claim.
 * @extack: error report.
 *
 * Claimed through sk_user_data, as ovpn claims its sockets: a socket that
 * another running session or another kernel user (sockmap, an
 * encapsulation) holds is refused, and they are kept off it meanwhile.
 * Its TLS must be what it was at session-new, when the channel's I/O was
 * picked for it (a ULP installed since would leave the stream plaintext,
 * or keyed the other way).
 *
 * Return: 0, -EBUSY or -EINVAL.
 */
int vmmig_channel_claim(struct vmmig_channel *ch,
			struct netlink_ext_ack *extack)
{
	u16 version, cipher;
	struct sock *sk;
	int err = 0;

	if (vmmig_channel_is_file(ch))
		return 0;
	sk = ch->sock->sk;
	lock_sock(sk);
	if (vmmig_ktls_kind(sk, &version, &cipher) ||
	    version != ch->tls_version || cipher != ch->tls_cipher) {
		NL_SET_ERR_MSG(extack,
			       "sock-fd: its kTLS keys changed since session-new");
		err = -EINVAL;
	} else if (rcu_access_pointer(__sk_user_data(sk))) {
		NL_SET_ERR_MSG(extack,
			       "sock-fd is in use by another running session or kernel user");
		err = -EBUSY;
	} else {
		rcu_assign_sk_user_data(sk, ch);
	}
	release_sock(sk);
	return err;
}

/**
 * vmmig_channel_unclaim() - give up vmmig_channel_claim()'s claim, if it
 * stands; may be called again.
 * @ch: the channel.
 */
void vmmig_channel_unclaim(struct vmmig_channel *ch)
{
	struct sock *sk;

	if (vmmig_channel_is_file(ch))
		return;
	sk = ch->sock->sk;
	lock_sock(sk);
	if (rcu_access_pointer(__sk_user_data(sk)) == ch)
		rcu_assign_sk_user_data(sk, NULL);
	release_sock(sk);
}

/**
 * vmmig_channel_init_file() - resolve @fd to a regular file to save a
 * stream to (@write) or restore one from, and hold it.
 * @ch: filled on success.
 * @fd: the VMM's file descriptor.
 * @write: the source saves (needs write access), else restore (read).
 * @attr: the netlink attribute @fd came from, for error reports.
 * @extack: error report.
 *
 * Return: 0, -EBADF (not open, or not open for the access needed) or
 * -EINVAL (not a regular file).
 */
int vmmig_channel_init_file(struct vmmig_channel *ch, int fd, bool write,
			    const struct nlattr *attr,
			    struct netlink_ext_ack *extack)
{
	struct file *file;

	file = fget(fd);
	if (!file) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "file-fd is not an open file descriptor");
		return -EBADF;
	}
	if (!S_ISREG(file_inode(file)->i_mode)) {
		fput(file);
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "file-fd is not a regular file");
		return -EINVAL;
	}
	if (!(file->f_mode & (write ? FMODE_WRITE : FMODE_READ))) {
		fput(file);
		if (write)
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "file-fd is not open for writing (source saves)");
		else
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "file-fd is not open for reading (destination restores)");
		return -EBADF;
	}
	ch->file = file;
	ch->sock = NULL;
	ch->ops = &vmmig_file_ops;
	ch->pos = 0;
	return 0;
}

/**
 * vmmig_blob_file_get() - the file of the VMM's state blob: one the source
 * reads the blob from (@read), or the destination writes it to.
 * @fd: the VMM's file descriptor (a regular file or memfd).
 * @read: source side.
 * @attr: the netlink attribute @fd came from, for error reports.
 * @extack: error report.
 *
 * Return: the file with a reference, or ERR_PTR(-EBADF / -EINVAL).
 */
struct file *vmmig_blob_file_get(int fd, bool read, const struct nlattr *attr,
				 struct netlink_ext_ack *extack)
{
	struct file *file = fget(fd);

	if (!file) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "blob-fd is not an open file descriptor");
		return ERR_PTR(-EBADF);
	}
	if (!S_ISREG(file_inode(file)->i_mode)) {
		fput(file);
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "blob-fd is not a regular file or memfd");
		return ERR_PTR(-EINVAL);
	}
	if (!(file->f_mode & (read ? FMODE_READ : FMODE_WRITE))) {
		fput(file);
		if (read)
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "blob-fd is not open for reading (source)");
		else
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "blob-fd is not open for writing (destination)");
		return ERR_PTR(-EBADF);
	}
	return file;
}

void vmmig_channel_release(struct vmmig_channel *ch)
{
	/* A worker stopped before it ever ran could not give it back. */
	vmmig_channel_unclaim(ch);
	if (ch->file)
		fput(ch->file);
	ch->file = NULL;
	ch->sock = NULL;
	kvfree(ch->bvec);
	ch->bvec = NULL;
	kvfree(ch->copy);
	ch->copy = NULL;
	vmmig_page_frag_cache_drain(&ch->frag);
}

/* How a channel error ends a session. */
u32 vmmig_channel_reason(int err)
{
	switch (err) {
	case -EPIPE:
	case -ECONNRESET:
	case -ESHUTDOWN:
		return VMMIG_REASON_PEER_CLOSED;
	case -EAGAIN:		/* SO_SNDTIMEO / SO_RCVTIMEO ran out */
		return VMMIG_REASON_PEER_TIMEOUT;
	case -EBADMSG:		/* kTLS channels only (vmmig_ktls_error()) */
		return VMMIG_REASON_TLS_BAD_RECORD;
	case -EREMOTEIO:
		return VMMIG_REASON_TLS_ALERT;
	case -EKEYEXPIRED:
		return VMMIG_REASON_TLS_KEY_UPDATE;
	case -EPROTO:
		return VMMIG_REASON_TLS_HANDSHAKE;
	default:
		return VMMIG_REASON_IO_ERROR;
	}
}

/*
 * Record checksums (VMMIG_WIRE_F_CSUM): the crc32c of a record's header,
 * its csum field taken as 0, followed by its payload, with the kernel's
 * crc32c library (the CPU's crc32 instruction where there is one).
 */
#define VMMIG_CRC_SEED	(~0U)

static u32 vmmig_rec_crc_hdr(const struct vmmig_wire_rec *rec)
{
	struct vmmig_wire_rec h = *rec;

	h.csum = 0;
	return crc32c(VMMIG_CRC_SEED, &h, sizeof(h));
}

/**
 * vmmig_rec_crc() - the checksum of a record whose payload is in a kernel
 * buffer.
 * @rec: its header (rec->csum is ignored).
 * @payload: its payload; may be NULL if @len is 0.
 * @len: payload bytes.
 */
u32 vmmig_rec_crc(const struct vmmig_wire_rec *rec, const void *payload,
		  u32 len)
{
	u32 crc = vmmig_rec_crc_hdr(rec);

	return len ? crc32c(crc, payload, len) : crc;
}

/**
 * vmmig_channel_csum_enable() - every record of this stream carries its
 * crc32c from now on, both ways.
 * @ch: the channel.
 * @copy: a live source: send a copy of each record's pages (see struct
 *	vmmig_channel).
 *
 * Return: 0 or -ENOMEM.
 */
int vmmig_channel_csum_enable(struct vmmig_channel *ch, bool copy)
{
	size_t size = copy ? VMMIG_WIRE_MAX_COUNT * PAGE_SIZE : PAGE_SIZE;

	if (ch->csum)
		return 0;
	/* A receiver reads its pages back a page at a time through it. */
	ch->copy = kvmalloc(size, GFP_KERNEL);
	if (!ch->copy)
		return -ENOMEM;
	ch->copy_pages = copy;
	ch->csum = true;
	return 0;
}

/**
 * vmmig_channel_send() - send all of @buf (copied).
 * @ch: the channel.
 * @buf: data.
 * @len: its length.
 * @more: more data follows at once (MSG_MORE).
 *
 * Return: 0 or a negative errno.
 */
int vmmig_channel_send(struct vmmig_channel *ch, const void *buf, size_t len,
		       bool more)
{
	return ch->ops->send(ch, buf, len, more);
}

/**
 * vmmig_channel_send_rec() - send a record: its header, then whole pages;
 * the pages zero-copy on sockets (the stack takes its own references, the
 * caller may unpin on return).
 * @ch: the channel.
 * @rec: the header (copied); with checksums on, its csum is set here.
 * @pages: the pages.
 * @nr: how many, at most VMMIG_WIRE_MAX_COUNT; may be 0.
 * @more: more data follows at once.
 *
 * With checksums on, the pages are checksummed where they are, and still
 * sent by reference: the VM is paused (quick migration, save) and they
 * stay as they are.  A live source's guest writes on meanwhile: its pages
 * are copied, checksummed and sent as that copy, so that what goes out is
 * what was checksummed.
 *
 * Return: 0 or a negative errno.
 */
int vmmig_channel_send_rec(struct vmmig_channel *ch,
			   struct vmmig_wire_rec *rec, struct page **pages,
			   unsigned int nr, bool more)
{
	unsigned int i;
	u32 crc;
	int err;

	if (!ch->csum)
		return ch->ops->send_rec(ch, rec, sizeof(*rec), pages, nr,
					 more);
	crc = vmmig_rec_crc_hdr(rec);
	if (!ch->copy_pages || !nr) {
		for (i = 0; i < nr; i++) {
			void *p = kmap_local_page(pages[i]);

			crc = crc32c(crc, p, PAGE_SIZE);
			kunmap_local(p);
		}
		rec->csum = cpu_to_be32(crc);
		return ch->ops->send_rec(ch, rec, sizeof(*rec), pages, nr,
					 more);
	}
	for (i = 0; i < nr; i++)
		memcpy_from_page(ch->copy + i * PAGE_SIZE, pages[i], 0,
				 PAGE_SIZE);
	rec->csum = cpu_to_be32(crc32c(crc, ch->copy, nr * PAGE_SIZE));
	err = ch->ops->send(ch, rec, sizeof(*rec), true);
	return err ? err : ch->ops->send(ch, ch->copy, nr * PAGE_SIZE, more);
}

/**
 * vmmig_channel_recv() - read exactly @len bytes into a kernel buffer.
 * @ch: the channel.
 * @buf: destination.
 * @len: bytes to read.
 *
 * Return: an enum vmmig_rx_end or a negative errno.
 */
int vmmig_channel_recv(struct vmmig_channel *ch, void *buf, size_t len)
{
	struct kvec vec = { .iov_base = buf, .iov_len = len };
	struct iov_iter iter;

	iov_iter_kvec(&iter, ITER_DEST, &vec, 1, len);
	return ch->ops->recv(ch, &iter);
}

/**
 * vmmig_channel_rx_begin() - a record header came: with checksums on, its
 * crc32c is taken up to here.
 * @ch: the channel.
 * @rec: the header.
 */
void vmmig_channel_rx_begin(struct vmmig_channel *ch,
			    const struct vmmig_wire_rec *rec)
{
	if (ch->csum)
		ch->rx_crc = vmmig_rec_crc_hdr(rec);
}

/**
 * vmmig_channel_recv_payload() - read exactly @len bytes of the current
 * record's payload into a kernel buffer.
 * @ch: the channel.
 * @buf: destination.
 * @len: bytes to read.
 *
 * Return: as vmmig_channel_recv().
 */
int vmmig_channel_recv_payload(struct vmmig_channel *ch, void *buf,
			       size_t len)
{
	int ret = vmmig_channel_recv(ch, buf, len);

	if (!ret && ch->csum)
		ch->rx_crc = crc32c(ch->rx_crc, buf, len);
	return ret;
}

/**
 * vmmig_channel_rx_ok() - with checksums on, does the record received
 * since vmmig_channel_rx_begin() match its checksum?
 * @ch: the channel.
 * @rec: its header.
 */
bool vmmig_channel_rx_ok(const struct vmmig_channel *ch,
			 const struct vmmig_wire_rec *rec)
{
	return !ch->csum || ch->rx_crc == be32_to_cpu(rec->csum);
}

/* The crc32c of what was just received into user memory, read back. */
static int vmmig_channel_crc_user(struct vmmig_channel *ch,
				  unsigned long uaddr, size_t len)
{
	while (len) {
		size_t n = min_t(size_t, len, PAGE_SIZE);

		if (copy_from_user(ch->copy, (const void __user *)uaddr, n))
			return -EFAULT;
		ch->rx_crc = crc32c(ch->rx_crc, ch->copy, n);
		uaddr += n;
		len -= n;
	}
	return 0;
}

/**
 * vmmig_channel_recv_some() - read what a socket channel has, up to @len
 * bytes into a kernel buffer.
 * @ch: the channel; a socket.
 * @buf: destination.
 * @len: most bytes to read, at least 1.
 * @wait: block until at least one byte came (or the peer timeout).
 *
 * Return: bytes read, 0 if the peer closed the channel, -EAGAIN if
 * nothing is there (without @wait: at once; with it: after the peer
 * timeout), or another negative errno.
 */
int vmmig_channel_recv_some(struct vmmig_channel *ch, void *buf, size_t len,
			    bool wait)
{
	return ch->ops->recv_some(ch, buf, len, wait ? 0 : MSG_DONTWAIT);
}

/**
 * vmmig_channel_recv_user() - read exactly @len bytes of the current
 * record's payload straight into user memory (the VMM's, with its mm in
 * use).
 * @ch: the channel.
 * @uaddr: destination in the VMM's address space.
 * @len: bytes to read.
 *
 * With checksums on, what landed is read back for the record's crc32c:
 * the destination VM does not run, so it is what came.  On a kTLS channel
 * a record that fails authentication (-EBADMSG) leaves @len bytes of zeros
 * rather than what it decrypted to.
 *
 * Return: as vmmig_channel_recv(), or -EFAULT.
 */
int vmmig_channel_recv_user(struct vmmig_channel *ch, unsigned long uaddr,
			    size_t len)
{
	struct iov_iter iter;
	int ret;

	iov_iter_ubuf(&iter, ITER_DEST, (void __user *)uaddr, len);
	ret = ch->ops->recv(ch, &iter);
	/*
	 * kTLS decrypts a record straight into @uaddr and checks its tag
	 * after: what a record that failed authentication left is cleared.
	 */
	if (ret == -EBADMSG && clear_user((void __user *)uaddr, len))
		return -EFAULT;
	if (!ret && ch->csum)
		ret = vmmig_channel_crc_user(ch, uaddr, len);
	return ret;
}

/**
 * vmmig_channel_sync() - a saved stream is on stable storage (files only).
 * @ch: the channel.
 */
int vmmig_channel_sync(struct vmmig_channel *ch)
{
	return vmmig_channel_is_file(ch) ? vfs_fsync(ch->file, 0) : 0;
}

/**
 * vmmig_channel_shutdown() - wake a worker blocked on a socket channel.
 * @ch: the channel; a file channel never blocks for long.
 */
void vmmig_channel_shutdown(struct vmmig_channel *ch)
{
	if (ch->sock)
		kernel_sock_shutdown(ch->sock, SHUT_RDWR);
}

/**
 * vmmig_channel_prepare() - set a socket channel up for the stream.
 * @ch: the channel; a file channel has no peer and is left as it is.
 * @timeout_ms: fail a send or receive the peer leaves blocked for this
 *	long (SO_SNDTIMEO and SO_RCVTIMEO), at least 1.
 *
 * The VMM handed the socket over, so vmmig sets what its stream needs,
 * and leaves it so: the timeouts, and TCP_NODELAY on a TCP socket.  Every
 * record but the last of a burst is sent with MSG_MORE, so full segments
 * go out as they fill and the last partial one goes with the send that
 * ends the burst; with Nagle's algorithm that one would wait for the
 * peer's (delayed) ACK of the data before it, up to 40 ms: the END record
 * and the ACK are on the switchover's critical path.  The kernel's other
 * users of a stream protocol over TCP (nvme-tcp, iSCSI) do the same.
 */
void vmmig_channel_prepare(struct vmmig_channel *ch, u32 timeout_ms)
{
	struct sock *sk;

	if (vmmig_channel_is_file(ch))
		return;
	sk = ch->sock->sk;
	lock_sock(sk);
	sk->sk_sndtimeo = msecs_to_jiffies(timeout_ms);
	sk->sk_rcvtimeo = msecs_to_jiffies(timeout_ms);
	if (sk_is_tcp(sk)) {
		WRITE_ONCE(tcp_sk(sk)->notsent_lowat, VMMIG_NOTSENT_LOWAT);
		sk->sk_write_space(sk);
	}
	release_sock(sk);
	if (sk_is_tcp(sk))
		tcp_sock_set_nodelay(sk);
	/*
	 * vmmig's peer is a kernel's kTLS, which never pads TLS 1.3
	 * records: then tls_sw decrypts a record straight into guest memory
	 * (without the option it cannot know the record's length in
	 * advance).  The option takes the socket lock itself.
	 */
	if (ch->tls_version == TLS_1_3_VERSION) {
		int one = 1;

		ch->sock->ops->setsockopt(ch->sock, SOL_TLS,
					  TLS_RX_EXPECT_NO_PAD,
					  KERNEL_SOCKPTR(&one), sizeof(one));
	}
}
