// SPDX-License-Identifier: GPL-2.0
/*
 * A corrupting relay between two sessions: see relay.h.
 *
 * One thread moves both directions.  A send never blocks for good: a
 * session that failed shuts its socket down but leaves what it did not
 * read unread (no reset), so the relay waits for room with poll(), serves
 * the other direction meanwhile, and gives a direction up once its
 * receiver is gone or the relay is stopped.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/vmmig_wire.h>

#include "relay.h"

static bool relay_stopped(struct relay *r)
{
	return __atomic_load_n(&r->stop, __ATOMIC_ACQUIRE);
}

static int relay_back(struct relay *r);

/*
 * All of @buf to @fd; while it has no room, what the destination says
 * still goes back to the source.  0, or -1 if @fd's receiver is gone.
 */
static int relay_send(struct relay *r, int fd, const void *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		struct pollfd p[2] = {
			{ .fd = fd, .events = POLLOUT },
			{ .fd = fd == r->dst_fd && r->dst_open ? r->dst_fd : -1,
			  .events = POLLIN },
		};

		if (n > 0) {
			buf = (const uint8_t *)buf + n;
			len -= n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (relay_stopped(r))
			return -1;
		if (poll(p, 2, 100) > 0 && p[1].revents && relay_back(r))
			return -1;	/* the destination is gone */
	}
	return 0;
}

/*
 * Destination to source, one read: 0, or -1 once the destination's end is
 * done (its end goes on to the source).
 */
static int relay_back(struct relay *r)
{
	uint8_t buf[4096];
	ssize_t n = read(r->dst_fd, buf, sizeof(buf));

	if (n > 0 && !relay_send(r, r->src_fd, buf, n))
		return 0;
	r->dst_open = false;
	shutdown(r->src_fd, SHUT_WR);
	return -1;
}

/*
 * Source to destination, record by record: a header is forwarded once it
 * is whole (a header bit can then be flipped), a payload as it comes.
 */
struct relay_rx {
	struct vmmig_wire_rec rec;
	size_t have;		/* header bytes so far */
	uint64_t left;		/* payload bytes still to come */
	uint64_t pos;		/* payload bytes so far */
	bool target;		/* the record to flip in */
	uint64_t at;		/* payload byte to flip there */
};

/* A whole header came: is its record the one, and where in it? */
static void relay_header(struct relay *r, struct relay_rx *x)
{
	const struct relay_flip *f = r->flip;
	uint64_t gfn = be64toh(x->rec.gfn);

	x->left = be32toh(x->rec.len);
	x->pos = 0;
	x->target = false;
	x->at = f ? f->off : 0;
	if (x->rec.type != VMMIG_WIRE_PAGES)
		return;
	if (f && f->gfn) {
		x->target = !r->flipped && f->gfn >= gfn &&
			    f->gfn < gfn + be16toh(x->rec.count);
		x->at += (f->gfn - gfn) * 4096;
	} else if (f) {
		x->target = r->page_recs == f->rec;
	}
	r->page_recs++;
	if (x->target && f->in_header && f->off < sizeof(x->rec)) {
		((uint8_t *)&x->rec)[f->off] ^= 1u << f->bit;
		r->flipped = true;
	}
}

/* relay_forth() of a stream that is not parsed (relay_flip.raw). */
static int relay_forth_raw(struct relay *r, uint8_t *buf, size_t size)
{
	const struct relay_flip *f = r->flip;
	ssize_t n = read(r->src_fd, buf, size);
	size_t len;

	if (n <= 0)
		return -1;
	if (r->cut)
		return 0;	/* dropped: the destination saw its end */
	len = n;
	if (f->off >= r->bytes && f->off < r->bytes + n) {
		if (f->cut)
			len = f->off - r->bytes;
		else
			buf[f->off - r->bytes] ^= 1u << f->bit;
		r->flipped = true;
		r->cut = f->cut;
	}
	r->bytes += len;
	if (len && relay_send(r, r->dst_fd, buf, len))
		r->dst_open = false;
	/* The destination's answer still goes back to the source. */
	if (r->cut)
		shutdown(r->dst_fd, SHUT_WR);
	return 0;
}

/* One read from the source: 0, or -1 once the source's end is done. */
static int relay_forth(struct relay *r, struct relay_rx *x, uint8_t *buf,
		       size_t size)
{
	const struct relay_flip *f = r->flip;
	ssize_t n;

	if (!r->dst_open) {
		/* Dropped: the source must not block on a full socket. */
		n = read(r->src_fd, buf, size);
		return n > 0 ? 0 : -1;
	}
	if (f && f->raw)
		return relay_forth_raw(r, buf, size);
	if (!x->left) {
		n = read(r->src_fd, (uint8_t *)&x->rec + x->have,
			 sizeof(x->rec) - x->have);
		if (n <= 0)
			return -1;
		x->have += n;
		if (x->have < sizeof(x->rec))
			return 0;
		x->have = 0;
		relay_header(r, x);
		r->bytes += sizeof(x->rec);
		if (relay_send(r, r->dst_fd, &x->rec, sizeof(x->rec)))
			r->dst_open = false;
		return 0;
	}
	n = read(r->src_fd, buf, x->left < size ? x->left : size);
	if (n <= 0)
		return -1;
	if (x->target && !f->in_header && x->at >= x->pos &&
	    x->at < x->pos + n) {
		buf[x->at - x->pos] ^= 1u << f->bit;
		r->flipped = true;
	}
	x->pos += n;
	x->left -= n;
	r->bytes += n;
	if (relay_send(r, r->dst_fd, buf, n))
		r->dst_open = false;
	return 0;
}

/*
 * Both ways until both ends are done.  Once the destination is gone, what
 * the source still sends is read and dropped: it learns of the end from
 * the destination's ACK, or from the connection's end, as with a real
 * peer.
 */
static void *relay_thread(void *arg)
{
	static __thread uint8_t buf[1 << 16];
	struct relay *r = arg;
	struct relay_rx x = { 0 };
	bool src_open = true;

	while ((src_open || r->dst_open) && !relay_stopped(r)) {
		struct pollfd p[2] = {
			{ .fd = src_open ? r->src_fd : -1, .events = POLLIN },
			{ .fd = r->dst_open ? r->dst_fd : -1, .events = POLLIN },
		};
		int ready = poll(p, 2, 100);

		if (ready < 0 && errno != EINTR)
			break;
		if (ready <= 0)
			continue;
		if (p[1].revents)
			relay_back(r);
		if (p[0].revents && relay_forth(r, &x, buf, sizeof(buf))) {
			src_open = false;
			shutdown(r->dst_fd, SHUT_WR);
		}
	}
	shutdown(r->src_fd, SHUT_RDWR);
	shutdown(r->dst_fd, SHUT_RDWR);
	return NULL;
}

int __relay_start(struct relay *r, int src_fd, int dst_fd,
		  const struct relay_flip *flip)
{
	memset(r, 0, sizeof(*r));
	r->src_fd = src_fd;
	r->dst_fd = dst_fd;
	r->flip = flip;
	r->dst_open = true;
	return -pthread_create(&r->thread, NULL, relay_thread, r);
}

void relay_stop(struct relay *r)
{
	__atomic_store_n(&r->stop, true, __ATOMIC_RELEASE);
	pthread_join(r->thread, NULL);
}
