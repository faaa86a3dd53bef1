// SPDX-License-Identifier: GPL-2.0
/*
 * Live-migration benchmark (not a test): the stamp guest (migrate.h) keeps
 * dirtying memory at a chosen rate while it is migrated, in the same
 * test-host boot, by
 *
 *   vmmig         __mig_live(): the source and destination sessions run in
 *                 the kernel; the source worker harvests the dirty rings
 *                 and sends guest pages zero-copy, the destination worker
 *                 receives them straight into guest memory.
 *   userspace     the path VMMs use today (QEMU's pre-copy with the dirty
 *                 ring): a migration thread of the VMM turns dirty logging
 *                 on, sends every page, then harvests every vCPU's ring
 *                 into a bitmap, resets the rings, copies the dirty pages
 *                 with a small header into the socket, round after round;
 *                 once what is left fits the downtime target at the
 *                 measured bandwidth (or after max-rounds) it pauses the
 *                 vCPUs, sends the rest and the vCPU state and waits for
 *                 the destination's ack.  A receive thread copies the
 *                 pages into the destination VM.
 *   userspace-zc  the same with MSG_ZEROCOPY on the source socket, the
 *                 way QEMU's zero-copy-send (multifd only) moves pages: a
 *                 packet header with the list of up to 64 pages (copied),
 *                 then those pages zero-copy from guest memory.
 *                 Completions are reaped from the error queue as they
 *                 come and all of them at the end of each round (QEMU
 *                 flushes at each sync).  Between two network namespaces
 *                 of one host the stack must copy the pages anyway when
 *                 it delivers them (the completions say so: zc_copied),
 *                 so this path pays for pinning and completions and gains
 *                 no copy; on a NIC it would.
 *   vmmig+crc32c  (only when --paths names it) vmmig with record checksums
 *                 (VMMIG_NEW_CHECKSUM): the source copies each page it
 *                 sends and checksums the copy, the destination reads
 *                 what it received back for the checksum; what integrity
 *                 costs.
 *   vmmig+ktls    (only when --paths names it) vmmig over kTLS sockets
 *                 (TLS 1.3, AES-GCM-128, keys from a GnuTLS handshake):
 *                 pages still sent by reference, TLS seals them in the
 *                 kernel, the destination decrypts into guest memory.
 *   userspace+tls (only when --paths names it) the userspace path with
 *                 its stream in TLS done by GnuTLS in the VMM, as QEMU's
 *                 TLS migration does it: the same handshake, then
 *                 gnutls_record_send() of each header and page (QEMU's
 *                 qio_channel_tls writes each buffer of its iovec), and
 *                 gnutls_record_recv() on the destination.
 *
 * All paths use a TCP connection over veth between the network namespaces
 * vmmig-src and vmmig-dst, the same guest, the same downtime target
 * (500 ms) and round limit (30, then switch over anyway), and are verified
 * the same way: every page of the paused source equals the destination,
 * and the resumed destination guest (its delay set to 0) sweeps its
 * working set twice without finding a lost write.  A run that fails either
 * check or times out is reported as failed, not dropped.
 *
 * The guest first sweeps its working set once at full speed, then runs at
 * the delay asked for (spin loops after each page); the rate reported is
 * its own count of pages written over 1 s just before the migration
 * starts (dirty logging off).  --calibrate finds the delays for fractions
 * of the fastest rate.
 *
 * Figures per run (one JSON object per line with --jsonl, appended):
 * total_ms (start to the destination's ack), downtime_ms (vmmig: from
 * session-switchover; userspace: from pausing the vCPUs; to the ack),
 * final_pages (pages sent after that point: what downtime is made of),
 * mig_rate_pps (pages/s the guest wrote from the start to the pause: a
 * path that takes CPU from the guest, as every thread in the test host
 * shares its cores, makes it write less and so leaves less for the final
 * round), rounds, bytes and pages sent, src_cpu_ms (vmmig: the source session's
 * kernel worker; userspace: the migration thread), dst_cpu_ms (the
 * destination's worker or receive thread), host_cpu_ms (the test host's
 * whole non-guest CPU over the migration, see host_busy_ms()), harvested
 * ring entries and harvest_ns spent harvesting and resetting the rings
 * (every thread that did), ring_full exits and throttle_ms (vmmig holds
 * vCPUs at ring-full exits; the userspace paths, as QEMU by default, do
 * not), zc_sends/zc_copied (MSG_ZEROCOPY sends and how many of them the
 * kernel had to copy anyway).
 *
 * --transport S measures the link itself for S seconds per mode: a fresh
 * connection of the same kind, 1 MiB writes from one buffer (write, then
 * MSG_ZEROCOPY) into a receiver that reads into a 256 KiB buffer.
 *
 * --src-skew N: the source VM's RAM starts N pages past a 2 MiB boundary
 * (default 1, every path alike), the destination's at a boundary: the test
 * host's TCG runs a copy between two addresses at the same offset within
 * 2 MiB several times slower (vmm.h, docs/bench/tcg-tlb.md).
 *
 * usage: bench_live [--mib N] [--vcpus N] [--runs R] [--run-base K]
 *                   [--delays D1,D2,..] [--paths P1,P2,..] [--timeout S]
 *                   [--jsonl PATH] [--calibrate F1,F2,..] [--transport S]
 *                   [--src-skew N]
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "migrate.h"
#include "util.h"

#define MAX_RATES	8
#define BATCH_PAGES	256	/* pages sent between two harvests */
#define MAX_ROUNDS	30
#define MIN_SAMPLE	(1 << 20)	/* bytes for a bandwidth sample, as vmmig */

/*
 * vmmig+crc32c: vmmig with record checksums (what they cost); vmmig+ktls
 * and userspace+tls: encrypted, in the kernel and in the VMM.
 */
enum { P_VMMIG, P_USER, P_USER_ZC, P_VMMIG_CSUM, P_VMMIG_TLS, P_USER_TLS,
       NR_PATHS };
static const char *const path_name[NR_PATHS] = {
	"vmmig", "userspace", "userspace-zc", "vmmig+crc32c", "vmmig+ktls",
	"userspace+tls"
};

struct res {
	bool ok;
	char fail[96];
	double rate;		/* pages/s written by the guest before */
	double mig_rate;	/* and from the start to the pause */
	uint64_t final_pages;	/* pages sent once the guest was paused */
	double total_ms, downtime_ms, setup_ms, src_cpu_ms, dst_cpu_ms;
	double host_cpu_ms;
	uint64_t rounds, bytes, pages, zero_pages, ring_full, throttle_ms;
	uint64_t harvested, harvest_ns;
	uint64_t zc_sends, zc_copied;
	uint64_t diff_pages, guest_errors;
};

static uint16_t next_port = 7950;

static double now_ms(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_live: %s: %s\n", what, strerror(err));
	exit(1);
}

/* ---- the guest ---------------------------------------------------------- */

static uint64_t guest_writes(struct mig_guest *g)
{
	uint64_t w = 0;
	unsigned int i;

	for (i = 0; i < g->nr_vcpus; i++)
		w += __atomic_load_n(&vmm_stamp_ctl(&g->vm, i)->writes,
				     __ATOMIC_RELAXED);
	return w;
}

/* Pages per second the running guest writes, over about @ms. */
static double guest_rate(struct mig_guest *g, unsigned int ms)
{
	double t0 = now_ms(CLOCK_MONOTONIC), t1;
	uint64_t w0 = guest_writes(g), w1;

	usleep(ms * 1000);
	w1 = guest_writes(g);
	t1 = now_ms(CLOCK_MONOTONIC);
	return (w1 - w0) * 1e3 / (t1 - t0);
}

static void guest_set_delay(struct mig_guest *g, uint32_t delay)
{
	unsigned int i;

	for (i = 0; i < g->nr_vcpus; i++)
		__atomic_store_n(&vmm_stamp_ctl(&g->vm, i)->delay, delay,
				 __ATOMIC_RELAXED);
}

/* ---- userspace path: source --------------------------------------------- */

enum { R_PAGE, R_ZERO, R_STATE, R_END, R_BATCH };

struct rec {
	uint64_t page;		/* guest page frame number (R_BATCH: pages) */
	uint32_t type;		/* R_* */
	uint32_t len;		/* bytes after the header (R_PAGE, R_STATE,
				 * R_BATCH: its page list) */
};

struct us_src {
	struct mig_guest *g;
	uint64_t *bm;		/* dirty pages, by gfn; atomic */
	uint64_t nbits, nwords;
	int active;		/* dirty logging on: ring-full is ours */
	uint64_t *rfbuf[VMM_MAX_VCPUS];	/* a vCPU thread's harvest */
	uint64_t harvested;	/* ring entries; atomic */
	uint64_t harvest_ns;	/* atomic */
	int sock;
	gnutls_session_t tls;	/* userspace+tls: GnuTLS does the stream */
	bool zc;		/* MSG_ZEROCOPY */
	unsigned long zc_sends;	/* notifications to come */
	uint64_t zc_done, zc_copied;
	uint64_t bytes, pages, zero_pages;
};

struct rf_ctx {
	struct us_src *s;
	unsigned int idx, n;
};

static uint64_t slot_gfn(const struct vmm_vm *vm, uint32_t slot,
			 uint64_t offset)
{
	unsigned int k;

	for (k = 0; k < vm->nr_slots; k++)
		if (vm->slots[k].slot == slot)
			return vm->slots[k].gpa / VMM_PAGE + offset;
	return ~0ULL;
}

static uint8_t *gfn_hva(const struct vmm_vm *vm, uint64_t gfn)
{
	unsigned int k;

	for (k = 0; k < vm->nr_slots; k++) {
		uint64_t base = vm->slots[k].gpa / VMM_PAGE;

		if (gfn >= base && gfn < base + vm->slots[k].npages)
			return vm->mem[k] + (gfn - base) * VMM_PAGE;
	}
	return NULL;
}

static void bm_set(struct us_src *s, uint64_t gfn)
{
	if (gfn < s->nbits)
		__atomic_fetch_or(&s->bm[gfn / 64], 1ULL << (gfn % 64),
				  __ATOMIC_RELEASE);
}

/* Migration thread's harvest: marked before the reset, taken after it. */
static void mark_cb(void *ctx, uint32_t slot, uint64_t offset)
{
	struct us_src *s = ctx;

	bm_set(s, slot_gfn(&s->g->vm, slot, offset));
}

static void rf_flush(struct rf_ctx *c)
{
	unsigned int i;

	/* A page may be read only after the reset that covers its entry. */
	__vmm_vm_reset_rings(&c->s->g->vm);
	for (i = 0; i < c->n; i++)
		bm_set(c->s, c->s->rfbuf[c->idx][i]);
	c->n = 0;
}

static void rf_cb(void *ctx, uint32_t slot, uint64_t offset)
{
	struct rf_ctx *c = ctx;

	if (c->n == c->s->g->vm.ring_entries)
		rf_flush(c);
	c->s->rfbuf[c->idx][c->n++] = slot_gfn(&c->s->g->vm, slot, offset);
}

/*
 * KVM_EXIT_DIRTY_RING_FULL during a userspace migration: the vCPU thread
 * harvests its ring into a buffer, resets the rings, then marks the
 * bitmap.  Without a migration, let the runner drop the entries.
 */
static int us_ring_full(void *ctx, unsigned int idx)
{
	struct us_src *s = ctx;
	struct rf_ctx c = { .s = s, .idx = idx };
	uint64_t t0;
	int n;

	if (!__atomic_load_n(&s->active, __ATOMIC_ACQUIRE))
		return 1;
	t0 = now_ns();
	n = vmm_vcpu_ring_harvest(&s->g->vcpus[idx], rf_cb, &c);
	if (n > 0)
		__atomic_add_fetch(&s->harvested, n, __ATOMIC_RELAXED);
	rf_flush(&c);
	__atomic_add_fetch(&s->harvest_ns, now_ns() - t0, __ATOMIC_RELAXED);
	return 0;
}

static const struct vmm_runner_ops us_ops = { .ring_full = us_ring_full };

/* Every vCPU's ring into the bitmap, then the reset. */
static int harvest_all(struct us_src *s)
{
	uint64_t t0 = now_ns();
	unsigned int i;
	int n;

	for (i = 0; i < s->g->nr_vcpus; i++) {
		n = vmm_vcpu_ring_harvest(&s->g->vcpus[i], mark_cb, s);
		if (n < 0)
			return n;
		__atomic_add_fetch(&s->harvested, n, __ATOMIC_RELAXED);
	}
	n = __vmm_vm_reset_rings(&s->g->vm);
	__atomic_add_fetch(&s->harvest_ns, now_ns() - t0, __ATOMIC_RELAXED);
	return n < 0 ? n : 0;
}

static uint64_t bm_count(struct us_src *s)
{
	uint64_t n = 0, w;

	for (w = 0; w < s->nwords; w++)
		n += __builtin_popcountll(__atomic_load_n(&s->bm[w],
							  __ATOMIC_RELAXED));
	return n;
}

static bool page_is_zero(const uint8_t *p)
{
	const uint64_t *w = (const uint64_t *)p;
	unsigned int i;

	for (i = 0; i < VMM_PAGE / 8; i++)
		if (w[i])
			return false;
	return true;
}

/*
 * MSG_ZEROCOPY completions from the socket's error queue: each notifies a
 * range of sendmsg() calls whose pages the stack no longer holds (or
 * copied: SO_EE_CODE_ZEROCOPY_COPIED, as it must when the receiver is on
 * the same host).  @all: wait until every send so far completed.
 */
static int zc_reap(struct us_src *s, bool all)
{
	while (s->zc_done < s->zc_sends) {
		char ctrl[CMSG_SPACE(sizeof(struct sock_extended_err)) + 64];
		struct msghdr m = {
			.msg_control = ctrl, .msg_controllen = sizeof(ctrl),
		};
		struct pollfd pfd = { .fd = s->sock };	/* POLLERR only */
		struct cmsghdr *c;

		if (recvmsg(s->sock, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
			if (!all)
				return 0;
			if (poll(&pfd, 1, 30000) == 0)
				return -ETIMEDOUT;
			continue;
		}
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			struct sock_extended_err e;
			uint64_t n;

			if (!(c->cmsg_level == SOL_IP &&
			      c->cmsg_type == IP_RECVERR))
				continue;
			memcpy(&e, CMSG_DATA(c), sizeof(e));
			if (e.ee_origin != SO_EE_ORIGIN_ZEROCOPY || e.ee_errno)
				return -EIO;
			n = e.ee_data - e.ee_info + 1;
			s->zc_done += n;
			if (e.ee_code & SO_EE_CODE_ZEROCOPY_COPIED)
				s->zc_copied += n;
		}
	}
	return 0;
}

/* sendmsg() hit the optmem limit: wait for completions to come. */
static int zc_nobufs(void *ctx)
{
	struct us_src *s = ctx;
	struct pollfd pfd = { .fd = s->sock };	/* POLLERR only */

	if (poll(&pfd, 1, 30000) == 0)
		return -ETIMEDOUT;
	return zc_reap(s, false);
}

/* All of @iov to the destination: into the socket, or through GnuTLS. */
static int us_send(struct us_src *s, struct iovec *iov, int n)
{
	if (!s->tls)
		return send_all(s->sock, iov, n);
	return tls_user_sendv(s->tls, iov, n);
}

/* Up to @len bytes from the peer: recv(), or a TLS record's worth. */
static ssize_t us_recv(int sock, gnutls_session_t tls, void *buf, size_t len,
		       int flags)
{
	ssize_t r;

	if (!tls)
		return recv(sock, buf, len, flags);
	r = tls_user_recv(tls, buf, len);
	if (r < 0) {
		errno = EIO;
		return -1;
	}
	return r;
}

/*
 * Up to 64 dirty pages (one bitmap word), QEMU's legacy pre-copy style: a
 * header per page, zero pages as a header alone, pages copied into the
 * socket with the headers.
 */
static int send_pages(struct us_src *s, const uint64_t *gfns, int nr)
{
	struct iovec iov[128];
	struct rec hdr[64];
	int i, n = 0;

	for (i = 0; i < nr; i++) {
		uint8_t *p = gfn_hva(&s->g->vm, gfns[i]);

		hdr[i] = (struct rec){ .page = gfns[i] };
		iov[n++] = (struct iovec){ &hdr[i], sizeof(hdr[i]) };
		if (page_is_zero(p)) {
			hdr[i].type = R_ZERO;
			s->zero_pages++;
		} else {
			hdr[i].type = R_PAGE;
			hdr[i].len = VMM_PAGE;
			iov[n++] = (struct iovec){ p, VMM_PAGE };
			s->bytes += VMM_PAGE;
		}
		s->bytes += sizeof(hdr[i]);
	}
	s->pages += nr;
	return us_send(s, iov, n);
}

/*
 * The same pages as QEMU's multifd with zero-copy-send moves them: one
 * packet header with the page list (copied: it is small, and reused),
 * then the non-zero pages with MSG_ZEROCOPY, straight from guest memory.
 * The list's entries are gfns, ZC_ZERO marks a zero page (no payload).
 */
#define ZC_ZERO	(1ULL << 63)

static int send_pages_zc(struct us_src *s, const uint64_t *gfns, int nr)
{
	struct rec hdr = { .type = R_BATCH, .len = nr * 8 };
	struct iovec iov[64], head[2];
	uint64_t list[64];
	int i, n = 0, err;

	for (i = 0; i < nr; i++) {
		uint8_t *p = gfn_hva(&s->g->vm, gfns[i]);

		list[i] = gfns[i];
		if (page_is_zero(p)) {
			list[i] |= ZC_ZERO;
			s->zero_pages++;
		} else {
			iov[n++] = (struct iovec){ p, VMM_PAGE };
		}
	}
	hdr.page = n;
	head[0] = (struct iovec){ &hdr, sizeof(hdr) };
	head[1] = (struct iovec){ list, nr * 8 };
	s->bytes += sizeof(hdr) + nr * 8 + (uint64_t)n * VMM_PAGE;
	s->pages += nr;
	err = send_all(s->sock, head, 2);
	if (!err && n)
		err = sendmsg_all(s->sock, iov, n, MSG_ZEROCOPY, &s->zc_sends,
				  zc_nobufs, s);
	return err ? err : zc_reap(s, false);
}

/*
 * One pass over the bitmap: send every page found dirty, harvesting and
 * resetting the rings every BATCH_PAGES pages (bits are only ever taken
 * after a reset that covers them).  With MSG_ZEROCOPY the round ends when
 * every send of it completed, as QEMU flushes at each sync.
 */
static int send_round(struct us_src *s, double deadline)
{
	unsigned int since = 0;
	uint64_t w, gfns[64];
	int err;

	for (w = 0; w < s->nwords; w++) {
		uint64_t bits = __atomic_exchange_n(&s->bm[w], 0,
						    __ATOMIC_ACQUIRE);
		int k = 0;

		while (bits) {
			uint64_t gfn = w * 64 + __builtin_ctzll(bits);

			bits &= bits - 1;
			if (gfn_hva(&s->g->vm, gfn))
				gfns[k++] = gfn;
		}
		if (k) {
			err = s->zc ? send_pages_zc(s, gfns, k) :
				      send_pages(s, gfns, k);
			if (err)
				return err;
			since += k;
		}
		if (since >= BATCH_PAGES) {
			since = 0;
			err = harvest_all(s);
			if (err)
				return err;
			if (now_ms(CLOCK_MONOTONIC) > deadline)
				return -ETIMEDOUT;
		}
	}
	return s->zc ? zc_reap(s, true) : 0;
}

/* ---- userspace path: destination ---------------------------------------- */

struct us_dst {
	struct mig_guest *g;
	int sock, blob;
	gnutls_session_t tls;	/* userspace+tls */
	uint8_t *buf;
	size_t cap, head, tail;
	double cpu_ms;
	int err;
};

#define RBUF	(256 << 10)

/* @len bytes of the stream into @to (NULL: into @out, a bounce). */
static int rd(struct us_dst *d, void *to, size_t len)
{
	uint8_t *p = to;

	while (len) {
		size_t have = d->tail - d->head, n;
		ssize_t r;

		if (have) {
			n = have < len ? have : len;
			memcpy(p, d->buf + d->head, n);
			d->head += n;
			p += n;
			len -= n;
			continue;
		}
		d->head = d->tail = 0;
		if (len >= VMM_PAGE) {
			/* A page (or its rest) straight into guest memory. */
			r = us_recv(d->sock, d->tls, p, len, MSG_WAITALL);
			if (r <= 0)
				return r < 0 ? -errno : -ECONNRESET;
			p += r;
			len -= r;
			continue;
		}
		r = us_recv(d->sock, d->tls, d->buf, d->cap, 0);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return r < 0 ? -errno : -ECONNRESET;
		}
		d->tail = r;
	}
	return 0;
}

/* A zero page: leave it alone if it is (as QEMU: keep it unmapped). */
static void put_zero(uint8_t *p)
{
	if (!page_is_zero(p))
		memset(p, 0, VMM_PAGE);
}

/* R_BATCH (send_pages_zc()): the page list, then the non-zero pages. */
static int recv_batch(struct us_dst *d, const struct rec *h)
{
	uint64_t list[64], data = 0;
	unsigned int i, nr = h->len / 8;
	int err;

	if (h->len % 8 || !nr || nr > 64)
		return -EPROTO;
	err = rd(d, list, h->len);
	for (i = 0; !err && i < nr; i++) {
		uint8_t *p = gfn_hva(&d->g->vm, list[i] & ~ZC_ZERO);

		if (!p)
			return -EPROTO;
		if (list[i] & ZC_ZERO) {
			put_zero(p);
		} else {
			err = rd(d, p, VMM_PAGE);
			data++;
		}
	}
	return err ? err : data == h->page ? 0 : -EPROTO;
}

static void *us_receiver(void *arg)
{
	struct us_dst *d = arg;
	double c0 = now_ms(CLOCK_THREAD_CPUTIME_ID);
	uint8_t *state = NULL;
	struct rec h;
	char ack = 1;
	int err;

	for (;;) {
		uint8_t *p;

		err = rd(d, &h, sizeof(h));
		if (err)
			break;
		if (h.type == R_END)
			break;
		if (h.type == R_STATE) {
			state = realloc(state, h.len);
			err = !state ? -ENOMEM : rd(d, state, h.len);
			if (!err && pwrite(d->blob, state, h.len, 0) != h.len)
				err = -EIO;
			if (err)
				break;
			continue;
		}
		if (h.type == R_BATCH) {
			err = recv_batch(d, &h);
			if (err)
				break;
			continue;
		}
		p = gfn_hva(&d->g->vm, h.page);
		if (!p || (h.type == R_PAGE && h.len != VMM_PAGE) ||
		    (h.type != R_PAGE && h.type != R_ZERO)) {
			err = -EPROTO;
			break;
		}
		if (h.type == R_PAGE)
			err = rd(d, p, VMM_PAGE);
		else
			put_zero(p);
		if (err)
			break;
	}
	if (!err && (d->tls ? gnutls_record_send(d->tls, &ack, 1) :
			      send(d->sock, &ack, 1, MSG_NOSIGNAL)) != 1)
		err = errno ? -errno : -EIO;
	free(state);
	d->err = err;
	d->cpu_ms = now_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
	return NULL;
}

static void sock_timeouts(int fd, unsigned int s)
{
	struct timeval tv = { .tv_sec = s };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static uint64_t ring_full_total(struct mig_guest *g)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < g->nr_vcpus; i++)
		n += vmm_runner_ring_full(&g->runner, i);
	return n;
}

/*
 * The userspace migration of running @src (started with us_ops and @s as
 * its context) into fresh @dst; the calling thread is the VMM's migration
 * thread.  Verifies like __mig_live().
 */
static void run_user(struct us_src *s, struct mig_guest *dst,
		     const struct mig_opts *o, bool tls, struct res *r)
{
	struct tls_user cu = { 0 }, su = { 0 };
	struct mig_guest *src = s->g;
	struct us_dst d = { .g = dst, .blob = -1, .cap = RBUF };
	int fds[2] = { -1, -1 }, sblob, err, one = 1;
	double t0, tp = 0, c0, h0, deadline, bw = 0, rstart;
	uint64_t rf0, rbytes, remaining, n, w0;
	bool paused = false, thread = false;
	unsigned int round = 0, i;
	struct rec end[2];
	struct iovec iov[3];
	uint8_t *state = NULL;
	size_t slen = vmm_vcpus_blob_size(src->nr_vcpus);
	pthread_t td;
	char ack;

	sblob = memfd_create("us-src-state", MFD_CLOEXEC);
	d.blob = memfd_create("us-dst-state", MFD_CLOEXEC);
	d.buf = malloc(RBUF);
	state = malloc(slen);
	err = sblob < 0 || d.blob < 0 || !d.buf || !state ? -ENOMEM : 0;
	if (!err)
		err = __vmm_tcp_pair_netns(fds, "vmmig-src", "vmmig-dst",
					   "10.99.0.2", next_port++);
	if (!err && s->zc &&
	    setsockopt(fds[0], SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
		err = -errno;
	if (!err && tls) {
		err = __tls_pair_user(fds[0], fds[1], KTLS_AES_GCM_128, &cu,
				      &su);
		s->tls = cu.s;
		d.tls = su.s;
	}
	if (err) {
		snprintf(r->fail, sizeof(r->fail), "setup: %s", strerror(-err));
		goto out;
	}
	sock_timeouts(fds[0], 30);
	sock_timeouts(fds[1], 30);
	s->sock = fds[0];
	d.sock = fds[1];
	{
		err = -pthread_create(&td, NULL, us_receiver, &d);
		if (err)
			goto fail;
		thread = true;

		rf0 = ring_full_total(src);
		t0 = now_ms(CLOCK_MONOTONIC);
		w0 = guest_writes(src);
		c0 = now_ms(CLOCK_THREAD_CPUTIME_ID);
		h0 = host_busy_ms();
		deadline = t0 + o->timeout_s * 1e3;

		/* Dirty logging on: every page's next write pushes an entry. */
		err = __vmm_vm_set_dirty_logging(&src->vm, true);
		if (err)
			goto fail;
		__atomic_store_n(&s->active, 1, __ATOMIC_RELEASE);
		memset(s->bm, 0xff, s->nwords * 8);
		if (s->nbits % 64)
			s->bm[s->nwords - 1] = (1ULL << (s->nbits % 64)) - 1;
		r->setup_ms = now_ms(CLOCK_MONOTONIC) - t0;

		for (;;) {
			rstart = now_ms(CLOCK_MONOTONIC);
			rbytes = s->bytes;
			err = send_round(s, deadline);
			if (!err)
				err = harvest_all(s);
			if (err)
				goto fail;
			remaining = bm_count(s);
			n = s->bytes - rbytes;
			if (n >= MIN_SAMPLE || !bw)
				bw = n * 1e3 /
				     (now_ms(CLOCK_MONOTONIC) - rstart + 1e-3);
			if ((bw && remaining * VMM_PAGE * 1e3 / bw <=
				   o->params.downtime_ms) ||
			    round + 1 >= MAX_ROUNDS)
				break;
			round++;
			if (now_ms(CLOCK_MONOTONIC) > deadline) {
				err = -ETIMEDOUT;
				goto fail;
			}
		}

		/* Switchover: the guest stops; what it wrote is in the rings. */
		tp = now_ms(CLOCK_MONOTONIC);
		vmm_runner_pause(&src->runner);
		paused = true;
		r->mig_rate = (guest_writes(src) - w0) * 1e3 / (tp - t0);
		round++;
		err = harvest_all(s);
		r->final_pages = s->pages;
		if (!err)
			err = send_round(s, deadline + 60e3);
		r->final_pages = s->pages - r->final_pages;
		if (!err)
			err = __vmm_vcpus_save(src->vcpus, src->nr_vcpus, sblob);
		if (!err && pread(sblob, state, slen, 0) != (ssize_t)slen)
			err = -EIO;
		if (err)
			goto fail;
		end[0] = (struct rec){ .type = R_STATE, .len = slen };
		end[1] = (struct rec){ .type = R_END };
		iov[0] = (struct iovec){ &end[0], sizeof(end[0]) };
		iov[1] = (struct iovec){ state, slen };
		iov[2] = (struct iovec){ &end[1], sizeof(end[1]) };
		s->bytes += 2 * sizeof(end[0]) + slen;
		err = us_send(s, iov, 3);
		if (!err && us_recv(s->sock, s->tls, &ack, 1, MSG_WAITALL) != 1)
			err = errno ? -errno : -ECONNRESET;
		if (err)
			goto fail;
		r->downtime_ms = now_ms(CLOCK_MONOTONIC) - tp;
		r->total_ms = now_ms(CLOCK_MONOTONIC) - t0;
		r->src_cpu_ms = now_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
		r->host_cpu_ms = host_busy_ms() - h0;
		__atomic_store_n(&s->active, 0, __ATOMIC_RELEASE);
		pthread_join(td, NULL);
		thread = false;
		err = d.err;
		if (err)
			goto fail;
		r->dst_cpu_ms = d.cpu_ms;
		r->rounds = round;
		r->bytes = s->bytes;
		r->pages = s->pages;
		r->zero_pages = s->zero_pages;
		r->ring_full = ring_full_total(src) - rf0;
		r->harvested = s->harvested;
		r->harvest_ns = s->harvest_ns;
		r->zc_sends = s->zc_sends;
		r->zc_copied = s->zc_copied;

		/* Verify as __mig_live() does. */
		r->diff_pages = vmm_vm_diff_pages(&src->vm, &dst->vm);
		vmm_runner_stop(&src->runner);
		src->running = false;
		err = __vmm_vcpus_restore(dst->vcpus, dst->nr_vcpus, d.blob);
		for (i = 0; o->dst_delay >= 0 && i < dst->nr_vcpus; i++)
			vmm_stamp_ctl(&dst->vm, i)->delay = o->dst_delay;
		if (!err)
			err = __mig_guest_start(dst);
		if (!err)
			err = __mig_guest_check(dst, 2, 120000,
						&r->guest_errors);
		if (err)
			snprintf(r->fail, sizeof(r->fail), "destination guest: %s",
				 strerror(-err));
		else if (r->diff_pages || r->guest_errors)
			snprintf(r->fail, sizeof(r->fail),
				 "%llu pages differ, %llu guest errors",
				 (unsigned long long)r->diff_pages,
				 (unsigned long long)r->guest_errors);
		else
			r->ok = true;
		goto out;
fail:
		snprintf(r->fail, sizeof(r->fail), "%s in round %u",
			 err == -ETIMEDOUT || err == -EAGAIN ? "timeout" :
			 strerror(-err), round);
		__atomic_store_n(&s->active, 0, __ATOMIC_RELEASE);
		if (fds[0] >= 0)
			shutdown(fds[0], SHUT_RDWR);
		if (fds[1] >= 0)
			shutdown(fds[1], SHUT_RDWR);
		if (thread)
			pthread_join(td, NULL);
		__vmm_vm_set_dirty_logging(&src->vm, false);
		if (paused)
			vmm_runner_resume(&src->runner);
	}
out:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (sblob >= 0)
		close(sblob);
	if (d.blob >= 0)
		close(d.blob);
	free(d.buf);
	free(state);
	tls_user_free(&cu);
	tls_user_free(&su);
}

/* ---- one run ------------------------------------------------------------- */

/* What run_vmmig() learns from __mig_live()'s callbacks. */
struct vm_ctx {
	struct vmmig *h;
	struct mig_guest *src;
	double t0;
	uint64_t w0;
	struct res *r;
	uint64_t switch_pages;	/* the source's pages at session-switchover */
};

static void vm_started(void *ctx, uint32_t sid, uint32_t did)
{
	struct vm_ctx *c = ctx;

	c->t0 = now_ms(CLOCK_MONOTONIC);
	c->w0 = guest_writes(c->src);
}

/* Called once the guest is paused and session-switchover was asked. */
static void vm_switched(void *ctx, uint32_t sid, uint32_t did)
{
	struct vm_ctx *c = ctx;
	struct vmmig_session_info si;

	c->r->mig_rate = (guest_writes(c->src) - c->w0) * 1e3 /
			 (now_ms(CLOCK_MONOTONIC) - c->t0);
	if (!vmmig_session_get(c->h, sid, &si))
		c->switch_pages = si.stats.pages;
}

static void run_vmmig(struct vmmig *h, struct mig_guest *src,
		      struct mig_guest *dst, const struct mig_opts *o0,
		      struct res *r)
{
	struct vm_ctx c = { .h = h, .src = src, .r = r };
	struct mig_opts o = *o0;
	struct mig_result m;
	int err;

	o.started = vm_started;
	o.switched = vm_switched;
	o.ctx = &c;
	err = __mig_live(h, src, dst, &o, next_port++, &m);
	if (c.switch_pages)
		r->final_pages = m.src.stats.pages - c.switch_pages;

	r->total_ms = m.total_ms;
	r->downtime_ms = m.src.stats.downtime_ms;
	r->setup_ms = m.src.stats.setup_ms;
	r->rounds = m.src.stats.round;
	r->bytes = m.src.stats.bytes;
	r->pages = m.src.stats.pages;
	r->zero_pages = m.src.stats.zero_pages;
	r->src_cpu_ms = m.src.stats.cpu_ns / 1e6;
	r->dst_cpu_ms = m.dst.stats.cpu_ns / 1e6;
	r->host_cpu_ms = m.host_cpu_ms;
	r->ring_full = m.ring_full;
	r->throttle_ms = m.src.stats.throttle_ns / 1000000;
	r->harvested = m.src.stats.dirty_pages;
	r->harvest_ns = m.src.stats.harvest_ns;
	r->diff_pages = m.diff_pages;
	r->guest_errors = m.guest_errors;
	if (err)
		snprintf(r->fail, sizeof(r->fail), "%s%s%s",
			 m.stage ? m.stage : "", m.stage ? ": " : "",
			 err == -ETIMEDOUT ? "timeout" : strerror(-err));
	else if (m.src.state != VMMIG_STATE_COMPLETED ||
		 m.dst.state != VMMIG_STATE_COMPLETED)
		snprintf(r->fail, sizeof(r->fail), "source %s, destination %s",
			 vmmig_reason_name(m.src.reason),
			 vmmig_reason_name(m.dst.reason));
	else if (m.diff_pages || m.guest_errors)
		snprintf(r->fail, sizeof(r->fail),
			 "%llu pages differ, %llu guest errors",
			 (unsigned long long)m.diff_pages,
			 (unsigned long long)m.guest_errors);
	else
		r->ok = true;
}

/*
 * A source guest warmed up (one sweep of its working set at full speed,
 * then @delay) and running.  Its ring-full exits go to vmmig's session
 * while there is one (mig_guest's own runner ops), or to the userspace
 * path's handler (@s).
 */
static int start_source(struct mig_guest *g, const struct mig_opts *o,
			uint32_t delay, struct us_src *s)
{
	uint64_t errs;
	int err;

	err = __mig_guest_create(g, o, true);
	if (err)
		return err;
	if (s) {
		err = __vmm_runner_start(&g->runner, &g->vm, g->vcpus,
					 g->nr_vcpus, &us_ops, s);
		g->running = !err;
	} else {
		err = __mig_guest_start(g);
	}
	if (!err)
		err = __mig_guest_check(g, 1, 120000, &errs);
	if (!err && errs)
		err = -EIO;
	if (!err) {
		guest_set_delay(g, delay);
		usleep(100000);		/* every vCPU is at @delay now */
	}
	return err;
}

static void run_one(struct vmmig *h, const struct mig_opts *o0, int path,
		    uint32_t delay, struct res *r)
{
	struct mig_opts o = *o0;
	struct mig_guest src, dst;
	struct us_src s = { .g = &src, .zc = path == P_USER_ZC };
	bool kernel = path == P_VMMIG || path == P_VMMIG_CSUM ||
		      path == P_VMMIG_TLS;
	unsigned int i;
	int err;

	memset(r, 0, sizeof(*r));
	o.delay = 0;
	o.dst_delay = 0;
	if (!kernel) {
		/* __mig_guest_create(): two memslots covering [0, mem_mib). */
		s.nbits = ((uint64_t)o.mem_mib << 20) / VMM_PAGE;
		s.nwords = (s.nbits + 63) / 64;
		s.bm = calloc(s.nwords, 8);
		for (i = 0; i < o.nr_vcpus; i++)
			s.rfbuf[i] = calloc(o.ring_entries, 8);
		if (!s.bm)
			die("userspace path", ENOMEM);
	}
	memset(&dst, 0, sizeof(dst));
	err = start_source(&src, &o, delay, kernel ? NULL : &s);
	if (err) {
		snprintf(r->fail, sizeof(r->fail), "source guest: %s",
			 strerror(-err));
		goto out;
	}
	err = __mig_guest_create(&dst, &o, false);
	if (err) {
		snprintf(r->fail, sizeof(r->fail), "destination guest: %s",
			 strerror(-err));
		goto out;
	}
	r->rate = guest_rate(&src, 1000);

	o.checksum = path == P_VMMIG_CSUM;
	o.tls = path == P_VMMIG_TLS;
	o.cipher = KTLS_AES_GCM_128;
	if (kernel)
		run_vmmig(h, &src, &dst, &o, r);
	else
		run_user(&s, &dst, &o, path == P_USER_TLS, r);
out:
	mig_guest_destroy(&dst);
	mig_guest_destroy(&src);
	free(s.bm);
	for (i = 0; i < VMM_MAX_VCPUS; i++)
		free(s.rfbuf[i]);
}

/*
 * Spin delays for @nr fractions of the fastest rate: per page, the guest
 * takes t0 + delay * c seconds; measure at 0 and at a trial delay.
 */
static void calibrate(const struct mig_opts *o0, const double *frac,
		      unsigned int nr)
{
	struct mig_opts o = *o0;
	struct mig_guest g;
	double r0, r1 = 0, t0, c;
	uint32_t trial = 2000, used = 0;
	unsigned int i;
	int err;

	err = start_source(&g, &o, 0, NULL);
	if (err)
		die("calibration guest", -err);
	r0 = guest_rate(&g, 1000);
	for (i = 0; i < 4; i++, trial *= 8) {
		used = trial;
		guest_set_delay(&g, trial);
		guest_rate(&g, 100);	/* let every vCPU see it */
		r1 = guest_rate(&g, 1000);
		if (r1 < r0 * 0.5)
			break;
	}
	mig_guest_destroy(&g);
	t0 = 1 / r0;
	c = (1 / r1 - t0) / used;
	if (c <= 0)
		c = t0 / 1000;
	fprintf(stderr, "calibration: %.0f pages/s at delay 0, %.0f at delay %u\n",
		r0, r1, used);
	printf("delays");
	for (i = 0; i < nr; i++)
		printf(" %u", frac[i] >= 1 ? 0 :
		       (uint32_t)((t0 / frac[i] - t0) / c + 0.5));
	printf("\n");
}

/* ---- the link alone ------------------------------------------------------ */

struct sink {
	int sock;
	uint64_t bytes;
};

static void *sink_thread(void *arg)
{
	struct sink *k = arg;
	char *buf = malloc(RBUF);
	ssize_t n;

	while (buf && (n = recv(k->sock, buf, RBUF, 0)) > 0)
		k->bytes += n;
	free(buf);
	return NULL;
}

/*
 * Bytes per second one connection of the kind the paths use carries for
 * @secs: 1 MiB sendmsg()s of the same buffer, with @zc MSG_ZEROCOPY,
 * received into a 256 KiB buffer.  The sender's CPU time comes with it.
 */
static void transport(double secs, bool zc, FILE *jf)
{
	struct us_src s = { .zc = zc };
	struct sink k = { 0 };
	int fds[2], err, one = 1;
	double t0, c0, h0, t, c, hc;
	size_t len = 1 << 20;
	char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	pthread_t td;
	struct iovec iov;

	if (buf == MAP_FAILED)
		die("transport buffer", errno);
	memset(buf, 0x5a, len);
	err = __vmm_tcp_pair_netns(fds, "vmmig-src", "vmmig-dst", "10.99.0.2",
				   next_port++);
	if (err)
		die("transport connection", -err);
	if (zc && setsockopt(fds[0], SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
		die("SO_ZEROCOPY", errno);
	s.sock = fds[0];
	k.sock = fds[1];
	if (pthread_create(&td, NULL, sink_thread, &k))
		die("transport receiver", EAGAIN);
	t0 = now_ms(CLOCK_MONOTONIC);
	c0 = now_ms(CLOCK_THREAD_CPUTIME_ID);
	h0 = host_busy_ms();
	do {
		iov = (struct iovec){ buf, len };
		err = sendmsg_all(s.sock, &iov, 1, zc ? MSG_ZEROCOPY : 0,
				  &s.zc_sends, zc_nobufs, &s);
		if (!err && zc)
			err = zc_reap(&s, false);
		if (err)
			die("transport send", -err);
	} while (now_ms(CLOCK_MONOTONIC) - t0 < secs * 1e3);
	if (zc && zc_reap(&s, true))
		die("transport completions", EIO);
	shutdown(fds[0], SHUT_WR);
	pthread_join(td, NULL);
	t = now_ms(CLOCK_MONOTONIC) - t0;
	c = now_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
	hc = host_busy_ms() - h0;
	close(fds[0]);
	close(fds[1]);
	munmap(buf, len);
	printf("transport %-9s %.1f MiB/s over %.1f s, sender CPU %.0f ms, host CPU %.0f ms%s\n",
	       zc ? "zerocopy" : "write", k.bytes / 1048576.0 / (t / 1e3),
	       t / 1e3, c, hc, zc && s.zc_copied ? " (completions: copied)" : "");
	if (jf)
		fprintf(jf, "{\"path\":\"transport%s\",\"ok\":true,\"fail\":\"\","
			"\"total_ms\":%.1f,\"bytes\":%llu,\"src_cpu_ms\":%.1f,"
			"\"host_cpu_ms\":%.1f,\"zc_sends\":%lu,\"zc_copied\":%llu}\n",
			zc ? "-zc" : "", t, (unsigned long long)k.bytes, c, hc,
			s.zc_sends, (unsigned long long)s.zc_copied);
}

/* ---- output -------------------------------------------------------------- */

static void put_json(FILE *f, const struct mig_opts *o, int path,
		     uint32_t delay, int run, const struct res *r)
{
	fprintf(f, "{\"path\":\"%s\",\"mib\":%u,\"vcpus\":%u,\"delay\":%u,\"run\":%d,"
		"\"ok\":%s,\"fail\":\"%s\",\"rate_pps\":%.0f,"
		"\"mig_rate_pps\":%.0f,\"final_pages\":%llu,"
		"\"total_ms\":%.1f,\"downtime_ms\":%.1f,\"setup_ms\":%.1f,"
		"\"rounds\":%llu,\"bytes\":%llu,\"pages\":%llu,\"zero_pages\":%llu,"
		"\"src_cpu_ms\":%.1f,\"dst_cpu_ms\":%.1f,\"host_cpu_ms\":%.1f,"
		"\"harvested\":%llu,\"harvest_ns\":%llu,"
		"\"ring_full\":%llu,\"throttle_ms\":%llu,"
		"\"zc_sends\":%llu,\"zc_copied\":%llu,"
		"\"diff_pages\":%llu,\"guest_errors\":%llu,"
		"\"ws_pages\":%u,\"ring_entries\":%u,\"downtime_target_ms\":%u,"
		"\"max_rounds\":%u,\"src_skew\":%u}\n",
		path_name[path], o->mem_mib, o->nr_vcpus, delay, run,
		r->ok ? "true" : "false", r->fail, r->rate, r->mig_rate,
		(unsigned long long)r->final_pages, r->total_ms,
		r->downtime_ms, r->setup_ms, (unsigned long long)r->rounds,
		(unsigned long long)r->bytes, (unsigned long long)r->pages,
		(unsigned long long)r->zero_pages, r->src_cpu_ms, r->dst_cpu_ms,
		r->host_cpu_ms, (unsigned long long)r->harvested,
		(unsigned long long)r->harvest_ns,
		(unsigned long long)r->ring_full,
		(unsigned long long)r->throttle_ms,
		(unsigned long long)r->zc_sends,
		(unsigned long long)r->zc_copied,
		(unsigned long long)r->diff_pages,
		(unsigned long long)r->guest_errors, o->ws_pages,
		o->ring_entries, o->params.downtime_ms, MAX_ROUNDS, o->src_skew);
	fflush(f);
}

static int parse_list(const char *s, double *v, int max)
{
	int n = 0;
	char *end;

	while (*s && n < max) {
		v[n++] = strtod(s, &end);
		if (end == s)
			return -1;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return n;
}

static int parse_paths(const char *s)
{
	int mask = 0, p;

	while (*s) {
		size_t len = strcspn(s, ",");

		for (p = 0; p < NR_PATHS; p++)
			if (strlen(path_name[p]) == len &&
			    !strncmp(s, path_name[p], len))
				break;
		if (p == NR_PATHS)
			return -1;
		mask |= 1 << p;
		s += len + (s[len] == ',');
	}
	return mask;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--mib N] [--vcpus N] [--runs R] [--run-base K] [--delays D1,D2,..]\n"
		"          [--paths vmmig,userspace,userspace-zc,vmmig+crc32c,vmmig+ktls,userspace+tls]\n"
		"          [--timeout S] [--jsonl PATH]\n"
		"          [--src-skew PAGES]   (the source's RAM past a 2 MiB boundary, default 1)\n"
		"       %s --calibrate F1,F2,..   (prints the delays for these fractions of the fastest rate)\n"
		"       %s --transport SECONDS [--jsonl PATH]\n"
		"  Runs alternate the order of the paths; --run-base numbers them from K.\n",
		argv0, argv0, argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	double dv[MAX_RATES], frac[MAX_RATES], secs = 0;
	int ndelays = 1, nfrac = 0, runs = 1, base = 1, paths = 7, i, k, j;
	const char *jsonl = NULL;
	struct mig_opts o;
	struct vmmig *h;
	FILE *jf = NULL;

	mig_opts_default(&o);
	o.timeout_s = 120;
	dv[0] = 0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage(argv[0]);
		i++;
		if (!strcmp(a, "--mib"))
			o.mem_mib = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--vcpus"))
			o.nr_vcpus = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--runs"))
			runs = atoi(v);
		else if (!strcmp(a, "--run-base"))
			base = atoi(v);
		else if (!strcmp(a, "--timeout"))
			o.timeout_s = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--jsonl"))
			jsonl = v;
		else if (!strcmp(a, "--transport"))
			secs = strtod(v, NULL);
		else if (!strcmp(a, "--paths"))
			paths = parse_paths(v);
		else if (!strcmp(a, "--calibrate"))
			nfrac = parse_list(v, frac, MAX_RATES);
		else if (!strcmp(a, "--delays"))
			ndelays = parse_list(v, dv, MAX_RATES);
		else if (!strcmp(a, "--src-skew"))
			o.src_skew = strtoul(v, NULL, 0);
		else
			usage(argv[0]);
	}
	if (runs < 1 || o.mem_mib < 128 || !o.timeout_s || ndelays < 1 ||
	    nfrac < 0 || paths <= 0 || !o.nr_vcpus ||
	    o.nr_vcpus > VMM_MAX_VCPUS)
		usage(argv[0]);
	for (i = 0; i < nfrac; i++)
		if (frac[i] <= 0 || frac[i] > 1)
			usage(argv[0]);
	o.params.max_rounds = MAX_ROUNDS;
	o.params.on_limit = VMMIG_ON_LIMIT_SWITCHOVER;
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (jsonl && !(jf = fopen(jsonl, "a")))
		die(jsonl, errno);

	if (nfrac) {
		calibrate(&o, frac, nfrac);
		return 0;
	}
	if (secs > 0) {
		transport(secs, false, jf);
		transport(secs, true, jf);
		return jf && fclose(jf) ? 1 : 0;
	}
	if (vmmig_open(&h))
		die(vmmig_errmsg(NULL), ENOENT);
	for (i = 0; i < ndelays; i++) {
		for (k = 0; k < runs; k++) {
			/* Rotate the order: drift in the host hits every path. */
			for (j = 0; j < NR_PATHS; j++) {
				int p = (j + base + k) % NR_PATHS;
				struct res r;

				if (!(paths & (1 << p)))
					continue;
				run_one(h, &o, p, dv[i], &r);
				printf("%u MiB %u vCPU delay %u run %d %-12s %s: rate %.0f pages/s (%.0f migrating), total %.0f ms, downtime %.0f ms (%llu pages), "
				       "%llu rounds, %.1f MiB, CPU src %.0f dst %.0f host %.0f ms, harvest %.0f ns/page, ring-full %llu%s%s\n",
				       o.mem_mib, o.nr_vcpus, (uint32_t)dv[i],
				       base + k, path_name[p],
				       r.ok ? "ok" : "FAILED", r.rate, r.mig_rate,
				       r.total_ms, r.downtime_ms,
				       (unsigned long long)r.final_pages,
				       (unsigned long long)r.rounds,
				       r.bytes / 1048576.0, r.src_cpu_ms,
				       r.dst_cpu_ms, r.host_cpu_ms,
				       r.harvested ? (double)r.harvest_ns / r.harvested : 0,
				       (unsigned long long)r.ring_full,
				       r.ok ? "" : ": ", r.fail);
				if (jf)
					put_json(jf, &o, p, dv[i], base + k, &r);
			}
		}
	}
	vmmig_close(h);
	return jf && fclose(jf) ? 1 : 0;
}
