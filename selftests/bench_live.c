// SPDX-License-Identifier: GPL-2.0
/*
 * Live-migration benchmark (not a test): the stamp guest (migrate.h) keeps
 * dirtying memory at a few rates while it is migrated, in the same
 * test-host boot, by
 *
 *   vmmig      __mig_live(): the source and destination sessions run in
 *              the kernel; the source worker harvests the dirty rings and
 *              sends guest pages zero-copy.
 *   userspace  the path VMMs use today (QEMU's pre-copy with the dirty
 *              ring): a migration thread of the VMM turns dirty logging
 *              on, sends every page, then harvests every vCPU's ring into
 *              a bitmap, resets the rings, copies the dirty pages with a
 *              small header into the socket, round after round; once what
 *              is left fits the downtime target at the measured bandwidth
 *              (or after max-rounds) it pauses the vCPUs, sends the rest
 *              and the vCPU state and waits for the destination's ack.  A
 *              receive thread copies the pages into the destination VM.
 *
 * Both paths use the same TCP connection (veth between the network
 * namespaces vmmig-src and vmmig-dst), the same guest, the same downtime
 * target (500 ms) and round limit (30, then switch over anyway), and both
 * are verified the same way: every page of the paused source equals the
 * destination, and the resumed destination guest sweeps its working set
 * twice without finding a lost write.  A run that fails either check or
 * times out is reported as FAILED, not dropped.
 *
 * Dirty rates: the guest's spin delay after each page; 0 is the fastest,
 * the others are calibrated at start to about 1/4 and 1/20 of it (or given
 * with --delays).  The rate printed is the guest's own count of pages
 * written over 1 s before the migration starts (dirty logging off).
 *
 * usage: bench_live [--mib N] [--runs R] [--fractions 1,0.25,0.05]
 *                   [--delays D1,D2,..] [--timeout S] [--json PATH] [--smoke]
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "migrate.h"
#include "util.h"

#define MAX_RATES	8
#define MAX_RUNS	32
#define BATCH_PAGES	256	/* pages sent between two harvests */
#define MAX_ROUNDS	30
#define MIN_SAMPLE	(1 << 20)	/* bytes for a bandwidth sample, as vmmig */

enum { P_VMMIG, P_USER, NR_PATHS };
static const char *const path_name[NR_PATHS] = { "vmmig", "userspace" };

struct res {
	bool ok;
	char fail[96];
	double rate;		/* pages/s written by the guest before */
	double total_ms, downtime_ms, rounds, mib, src_cpu_ms, dst_cpu_ms;
	uint64_t bytes, pages, zero_pages, ring_full, throttle_ms;
	uint64_t diff_pages, guest_errors;
};

static struct res results[MAX_RATES][NR_PATHS][MAX_RUNS];
static uint16_t next_port = 7950;

static double now_ms(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
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

enum { R_PAGE, R_ZERO, R_STATE, R_END };

struct rec {
	uint64_t page;		/* guest page frame number */
	uint32_t type;		/* R_* */
	uint32_t len;		/* bytes after the header (R_PAGE, R_STATE) */
};

struct us_src {
	struct mig_guest *g;
	uint64_t *bm;		/* dirty pages, by gfn; atomic */
	uint64_t nbits, nwords;
	int active;		/* dirty logging on: ring-full is ours */
	uint64_t *rfbuf[VMM_MAX_VCPUS];	/* a vCPU thread's harvest */
	uint64_t harvested;	/* ring entries */
	int sock;
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
	int n;

	if (!__atomic_load_n(&s->active, __ATOMIC_ACQUIRE))
		return 1;
	n = vmm_vcpu_ring_harvest(&s->g->vcpus[idx], rf_cb, &c);
	if (n > 0)
		__atomic_add_fetch(&s->harvested, n, __ATOMIC_RELAXED);
	rf_flush(&c);
	return 0;
}

static const struct vmm_runner_ops us_ops = { .ring_full = us_ring_full };

/* Every vCPU's ring into the bitmap, then the reset. */
static int harvest_all(struct us_src *s)
{
	unsigned int i;
	int n;

	for (i = 0; i < s->g->nr_vcpus; i++) {
		n = vmm_vcpu_ring_harvest(&s->g->vcpus[i], mark_cb, s);
		if (n < 0)
			return n;
		s->harvested += n;
	}
	n = __vmm_vm_reset_rings(&s->g->vm);
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
 * One pass over the bitmap: send every page found dirty, harvesting and
 * resetting the rings every BATCH_PAGES pages (bits are only ever taken
 * after a reset that covers them).
 */
static int send_round(struct us_src *s, double deadline)
{
	struct rec hdr[64];
	struct iovec iov[128];
	unsigned int since = 0;
	uint64_t w;
	int err;

	for (w = 0; w < s->nwords; w++) {
		uint64_t bits = __atomic_exchange_n(&s->bm[w], 0,
						    __ATOMIC_ACQUIRE);
		int n = 0, k = 0;

		while (bits) {
			uint64_t gfn = w * 64 + __builtin_ctzll(bits);
			uint8_t *p = gfn_hva(&s->g->vm, gfn);

			bits &= bits - 1;
			if (!p)
				continue;
			hdr[k] = (struct rec){ .page = gfn };
			iov[n++] = (struct iovec){ &hdr[k], sizeof(hdr[k]) };
			if (page_is_zero(p)) {
				hdr[k].type = R_ZERO;
				s->zero_pages++;
				s->bytes += sizeof(hdr[k]);
			} else {
				hdr[k].type = R_PAGE;
				hdr[k].len = VMM_PAGE;
				iov[n++] = (struct iovec){ p, VMM_PAGE };
				s->bytes += sizeof(hdr[k]) + VMM_PAGE;
			}
			s->pages++;
			k++;
		}
		if (n) {
			err = send_all(s->sock, iov, n);
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
	return 0;
}

/* ---- userspace path: destination ---------------------------------------- */

struct us_dst {
	struct mig_guest *g;
	int sock, blob;
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
			r = recv(d->sock, p, len, MSG_WAITALL);
			if (r <= 0)
				return r < 0 ? -errno : -ECONNRESET;
			p += r;
			len -= r;
			continue;
		}
		r = recv(d->sock, d->buf, d->cap, 0);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return r < 0 ? -errno : -ECONNRESET;
		}
		d->tail = r;
	}
	return 0;
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
		p = gfn_hva(&d->g->vm, h.page);
		if (!p || (h.type == R_PAGE && h.len != VMM_PAGE) ||
		    (h.type != R_PAGE && h.type != R_ZERO)) {
			err = -EPROTO;
			break;
		}
		if (h.type == R_PAGE)
			err = rd(d, p, VMM_PAGE);
		else if (!page_is_zero(p))	/* as QEMU: keep zero pages unmapped */
			memset(p, 0, VMM_PAGE);
		if (err)
			break;
	}
	if (!err && send(d->sock, &ack, 1, MSG_NOSIGNAL) != 1)
		err = -errno;
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
		     const struct mig_opts *o, struct res *r)
{
	struct mig_guest *src = s->g;
	struct us_dst d = { .g = dst, .blob = -1, .cap = RBUF };
	int fds[2] = { -1, -1 }, sblob, err;
	double t0, tp = 0, c0, deadline, bw = 0, rstart;
	uint64_t rf0, rbytes, remaining, n;
	bool paused = false, thread = false;
	unsigned int round = 0;
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
		c0 = now_ms(CLOCK_THREAD_CPUTIME_ID);
		deadline = t0 + o->timeout_s * 1e3;

		/* Dirty logging on: every page's next write pushes an entry. */
		err = __vmm_vm_set_dirty_logging(&src->vm, true);
		if (err)
			goto fail;
		__atomic_store_n(&s->active, 1, __ATOMIC_RELEASE);
		memset(s->bm, 0xff, s->nwords * 8);
		if (s->nbits % 64)
			s->bm[s->nwords - 1] = (1ULL << (s->nbits % 64)) - 1;

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
		round++;
		err = harvest_all(s);
		if (!err)
			err = send_round(s, deadline + 60e3);
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
		err = send_all(s->sock, iov, 3);
		if (!err && recv(s->sock, &ack, 1, MSG_WAITALL) != 1)
			err = errno ? -errno : -ECONNRESET;
		if (err)
			goto fail;
		r->downtime_ms = now_ms(CLOCK_MONOTONIC) - tp;
		r->total_ms = now_ms(CLOCK_MONOTONIC) - t0;
		r->src_cpu_ms = now_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
		__atomic_store_n(&s->active, 0, __ATOMIC_RELEASE);
		pthread_join(td, NULL);
		thread = false;
		err = d.err;
		if (err)
			goto fail;
		r->dst_cpu_ms = d.cpu_ms;
		r->rounds = round;
		r->bytes = s->bytes;
		r->mib = s->bytes / 1048576.0;
		r->pages = s->pages;
		r->zero_pages = s->zero_pages;
		r->ring_full = ring_full_total(src) - rf0;

		/* Verify as __mig_live() does. */
		r->diff_pages = vmm_vm_diff_pages(&src->vm, &dst->vm);
		vmm_runner_stop(&src->runner);
		src->running = false;
		err = __vmm_vcpus_restore(dst->vcpus, dst->nr_vcpus, d.blob);
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
}

/* ---- one run ------------------------------------------------------------- */

static void run_vmmig(struct vmmig *h, struct mig_guest *src,
		      struct mig_guest *dst, const struct mig_opts *o,
		      struct res *r)
{
	struct mig_result m;
	int err = __mig_live(h, src, dst, o, next_port++, &m);

	r->total_ms = m.total_ms;
	r->downtime_ms = m.src.stats.downtime_ms;
	r->rounds = m.src.stats.round;
	r->bytes = m.src.stats.bytes;
	r->mib = r->bytes / 1048576.0;
	r->pages = m.src.stats.pages;
	r->zero_pages = m.src.stats.zero_pages;
	r->src_cpu_ms = m.src.stats.cpu_ns / 1e6;
	r->dst_cpu_ms = m.dst.stats.cpu_ns / 1e6;
	r->ring_full = m.ring_full;
	r->throttle_ms = m.src.stats.throttle_ns / 1000000;
	r->diff_pages = m.diff_pages;
	r->guest_errors = m.guest_errors;
	if (err)
		snprintf(r->fail, sizeof(r->fail), "%s",
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

static void run_one(struct vmmig *h, const struct mig_opts *o, int path,
		    struct res *r)
{
	struct mig_guest src, dst;
	struct us_src s = { .g = &src };
	uint64_t errs;
	unsigned int i;
	int err;

	memset(r, 0, sizeof(*r));
	err = __mig_guest_create(&src, o, true);
	if (err)
		die("source guest", -err);
	err = __mig_guest_create(&dst, o, false);
	if (err)
		die("destination guest", -err);
	if (path == P_USER) {
		s.nbits = vmm_vm_pages(&src.vm);
		for (i = 0; i < src.vm.nr_slots; i++)
			if (src.vm.slots[i].gpa / VMM_PAGE +
			    src.vm.slots[i].npages > s.nbits)
				s.nbits = src.vm.slots[i].gpa / VMM_PAGE +
					  src.vm.slots[i].npages;
		s.nwords = (s.nbits + 63) / 64;
		s.bm = calloc(s.nwords, 8);
		for (i = 0; i < src.nr_vcpus; i++)
			s.rfbuf[i] = calloc(src.vm.ring_entries, 8);
		err = __vmm_runner_start(&src.runner, &src.vm, src.vcpus,
					 src.nr_vcpus, &us_ops, &s);
		src.running = !err;
	} else {
		err = __mig_guest_start(&src);
	}
	if (err)
		die("start guest", -err);
	/* One sweep first: the working set is in its steady state. */
	err = __mig_guest_check(&src, 1, 120000, &errs);
	if (err || errs)
		die("source guest before migration", err ? -err : EIO);
	r->rate = guest_rate(&src, 1000);

	if (path == P_USER)
		run_user(&s, &dst, o, r);
	else
		run_vmmig(h, &src, &dst, o, r);

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
		      unsigned int nr, uint32_t *delays)
{
	struct mig_opts o = *o0;
	struct mig_guest g;
	double r0, r1 = 0, t0, c;
	uint32_t trial = 2000, used = 0;
	uint64_t errs;
	unsigned int i;
	int err;

	o.delay = 0;
	err = __mig_guest_create(&g, &o, true);
	if (!err)
		err = __mig_guest_start(&g);
	if (!err)
		err = __mig_guest_check(&g, 1, 120000, &errs);
	if (err)
		die("calibration guest", -err);
	r0 = guest_rate(&g, 1000);
	for (i = 0; i < 4; i++, trial *= 8) {
		used = trial;
		guest_set_delay(&g, trial);
		guest_rate(&g, 100);	/* let both vCPUs see it */
		r1 = guest_rate(&g, 1000);
		if (r1 < r0 * 0.5)
			break;
	}
	mig_guest_destroy(&g);
	t0 = 1 / r0;
	c = (1 / r1 - t0) / used;
	if (c <= 0)
		c = t0 / 1000;
	for (i = 0; i < nr; i++)
		delays[i] = frac[i] >= 1 ? 0 :
			    (uint32_t)((t0 / frac[i] - t0) / c + 0.5);
	printf("calibration: %.0f pages/s at delay 0, %.0f at delay %u\n",
	       r0, r1, used);
}

/* ---- report --------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct stat3 {
	double med, min, max;
	int n;
};

static struct stat3 stat_of(int rate, int path, int runs, size_t field,
			    bool all)
{
	struct stat3 s = { 0 };
	double v[MAX_RUNS];
	int i;

	for (i = 0; i < runs; i++) {
		const struct res *r = &results[rate][path][i];

		if (r->ok || all)
			v[s.n++] = *(const double *)((const char *)r + field);
	}
	if (!s.n)
		return s;
	qsort(v, s.n, sizeof(v[0]), cmp_double);
	s.min = v[0];
	s.max = v[s.n - 1];
	s.med = s.n % 2 ? v[s.n / 2] : (v[s.n / 2 - 1] + v[s.n / 2]) / 2;
	return s;
}

static const char *fmt(char *b, struct stat3 s, int prec)
{
	if (!s.n)
		snprintf(b, 40, "FAILED");
	else
		snprintf(b, 40, "%.*f (%.*f-%.*f)", prec, s.med, prec, s.min,
			 prec, s.max);
	return b;
}

static const char *ratio(char *b, struct stat3 a, struct stat3 u)
{
	if (!a.n || !u.n || u.med <= 0)
		snprintf(b, 40, "-");
	else
		snprintf(b, 40, "%.2fx", a.med / u.med);
	return b;
}

#define F(x)	offsetof(struct res, x)

static void report(const struct mig_opts *o, int nrates, const uint32_t *delays,
		   int runs)
{
	char b[6][40];
	int i, p, k;

	printf("\nlive migration, %u MiB guest, %u vCPUs (working set %u pages each, dirty ring %u), "
	       "downtime target %u ms, max %u rounds, %d run%s per path and rate\n",
	       o->mem_mib, o->nr_vcpus, o->ws_pages, o->ring_entries,
	       o->params.downtime_ms, MAX_ROUNDS, runs, runs > 1 ? "s" : "");
	printf("median (min-max) over the runs that passed verification\n");
	for (i = 0; i < nrates; i++) {
		struct stat3 rate = stat_of(i, P_VMMIG, runs, F(rate), true);
		struct stat3 ru = stat_of(i, P_USER, runs, F(rate), true);
		struct stat3 all;

		/* The rate before each run, over both paths. */
		all.n = rate.n + ru.n;
		all.min = rate.min < ru.min ? rate.min : ru.min;
		all.max = rate.max > ru.max ? rate.max : ru.max;
		printf("\nguest delay %u: %.0f pages/s (%.0f-%.0f) before migrating (vmmig runs %.0f, userspace runs %.0f)\n",
		       delays[i], (rate.med + ru.med) / 2, all.min, all.max,
		       rate.med, ru.med);
		printf("%-11s %-22s %-20s %-12s %-20s %-22s %s\n", "path",
		       "total ms", "downtime ms", "rounds", "MiB sent",
		       "src CPU ms", "passed");
		for (p = 0; p < NR_PATHS; p++) {
			int ok = 0;

			for (k = 0; k < runs; k++)
				ok += results[i][p][k].ok;
			printf("%-11s %-22s %-20s %-12s %-20s %-22s %d/%d\n",
			       path_name[p],
			       fmt(b[0], stat_of(i, p, runs, F(total_ms), false), 0),
			       fmt(b[1], stat_of(i, p, runs, F(downtime_ms), false), 0),
			       fmt(b[2], stat_of(i, p, runs, F(rounds), false), 0),
			       fmt(b[3], stat_of(i, p, runs, F(mib), false), 0),
			       fmt(b[4], stat_of(i, p, runs, F(src_cpu_ms), false), 0),
			       ok, runs);
		}
		printf("%-11s %-22s %-20s %-12s %-20s %-22s\n", "ratio",
		       ratio(b[0], stat_of(i, P_VMMIG, runs, F(total_ms), false),
			     stat_of(i, P_USER, runs, F(total_ms), false)),
		       ratio(b[1], stat_of(i, P_VMMIG, runs, F(downtime_ms), false),
			     stat_of(i, P_USER, runs, F(downtime_ms), false)),
		       "", "",
		       ratio(b[2], stat_of(i, P_VMMIG, runs, F(src_cpu_ms), false),
			     stat_of(i, P_USER, runs, F(src_cpu_ms), false)));
		for (p = 0; p < NR_PATHS; p++)
			for (k = 0; k < runs; k++)
				if (!results[i][p][k].ok)
					printf("  %s run %d FAILED: %s\n",
					       path_name[p], k + 1,
					       results[i][p][k].fail);
	}
	printf("\n(ratio: vmmig/userspace, lower is better.  total: start to the destination's ack; "
	       "downtime: vmmig from session-switchover, userspace from pausing the vCPUs, to the ack.  "
	       "src CPU: vmmig's source kernel worker (session cpu_ns; its ring-full handling and "
	       "throttling run in the vCPU threads and are not in it), userspace: the VMM's migration "
	       "thread (CLOCK_THREAD_CPUTIME_ID; not the ring-full harvests in the vCPU threads).  "
	       "vmmig throttles vCPUs at ring-full exits (auto-converge), the userspace path does not, "
	       "as QEMU by default.)\n");
}

static void write_json(const char *path, const struct mig_opts *o,
		       int nrates, const uint32_t *delays, int runs)
{
	FILE *f = fopen(path, "w");
	int i, p, k;
	bool first = true;

	if (!f)
		die(path, errno);
	fprintf(f, "{\"bench\":\"live\",\"mib\":%u,\"vcpus\":%u,\"ws_pages\":%u,"
		"\"ring_entries\":%u,\"downtime_target_ms\":%u,\"max_rounds\":%u,"
		"\"runs\":[", o->mem_mib, o->nr_vcpus, o->ws_pages,
		o->ring_entries, o->params.downtime_ms, MAX_ROUNDS);
	for (i = 0; i < nrates; i++)
		for (k = 0; k < runs; k++)
			for (p = 0; p < NR_PATHS; p++) {
				const struct res *r = &results[i][p][k];

				fprintf(f, "%s\n{\"delay\":%u,\"run\":%d,\"path\":\"%s\","
					"\"ok\":%s,\"fail\":\"%s\",\"rate_pps\":%.0f,"
					"\"total_ms\":%.1f,\"downtime_ms\":%.1f,\"rounds\":%.0f,"
					"\"bytes\":%llu,\"pages\":%llu,\"zero_pages\":%llu,"
					"\"src_cpu_ms\":%.1f,\"dst_cpu_ms\":%.1f,"
					"\"ring_full\":%llu,\"throttle_ms\":%llu,"
					"\"diff_pages\":%llu,\"guest_errors\":%llu}",
					first ? "" : ",", delays[i], k + 1,
					path_name[p], r->ok ? "true" : "false",
					r->fail, r->rate, r->total_ms,
					r->downtime_ms, r->rounds,
					(unsigned long long)r->bytes,
					(unsigned long long)r->pages,
					(unsigned long long)r->zero_pages,
					r->src_cpu_ms, r->dst_cpu_ms,
					(unsigned long long)r->ring_full,
					(unsigned long long)r->throttle_ms,
					(unsigned long long)r->diff_pages,
					(unsigned long long)r->guest_errors);
				first = false;
			}
	fprintf(f, "\n]}\n");
	if (fclose(f))
		die(path, errno);
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

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--mib N] [--runs 1..%d] [--fractions F1,F2,..] [--delays D1,D2,..]\n"
		"          [--timeout S] [--json PATH] [--smoke]\n"
		"  --fractions  dirty rates as fractions of the fastest (default 1,0.25,0.05);\n"
		"               the guest delays are calibrated at start\n"
		"  --delays     the guest's spin delays instead (no calibration)\n"
		"  --smoke      1 run at the fastest rate with a 256 MiB guest\n",
		argv0, MAX_RUNS);
	exit(2);
}

int main(int argc, char **argv)
{
	double frac[MAX_RATES] = { 1, 0.25, 0.05 }, dv[MAX_RATES];
	uint32_t delays[MAX_RATES];
	int nrates = 3, runs = 3, ndelays = 0, i, k;
	const char *json = NULL;
	struct mig_opts o;
	struct vmmig *h;
	bool smoke = false;

	mig_opts_default(&o);
	o.timeout_s = 120;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--smoke")) {
			smoke = true;
			continue;
		}
		if (!v)
			usage(argv[0]);
		i++;
		if (!strcmp(a, "--mib"))
			o.mem_mib = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--runs"))
			runs = atoi(v);
		else if (!strcmp(a, "--timeout"))
			o.timeout_s = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--json"))
			json = v;
		else if (!strcmp(a, "--fractions")) {
			nrates = parse_list(v, frac, MAX_RATES);
			if (nrates < 1)
				usage(argv[0]);
		} else if (!strcmp(a, "--delays")) {
			ndelays = parse_list(v, dv, MAX_RATES);
			if (ndelays < 1)
				usage(argv[0]);
		} else
			usage(argv[0]);
	}
	if (smoke) {
		runs = 1;
		o.mem_mib = 256;
		nrates = 1;
		if (ndelays)
			ndelays = 1;
	}
	if (runs < 1 || runs > MAX_RUNS || o.mem_mib < 128 || !o.timeout_s)
		usage(argv[0]);
	o.params.max_rounds = MAX_ROUNDS;
	o.params.on_limit = VMMIG_ON_LIMIT_SWITCHOVER;
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (vmmig_open(&h))
		die(vmmig_errmsg(NULL), ENOENT);

	if (ndelays) {
		nrates = ndelays;
		for (i = 0; i < nrates; i++)
			delays[i] = dv[i];
	} else {
		for (i = 0; i < nrates; i++)
			if (frac[i] <= 0 || frac[i] > 1)
				usage(argv[0]);
		calibrate(&o, frac, nrates, delays);
	}
	printf("guest delays:");
	for (i = 0; i < nrates; i++)
		printf(" %u", delays[i]);
	printf("\n");

	for (i = 0; i < nrates; i++) {
		o.delay = delays[i];
		for (k = 0; k < runs; k++) {
			/* Alternate the order: drift in the host hits both. */
			int first = k % 2 ? P_USER : P_VMMIG, j;

			for (j = 0; j < NR_PATHS; j++) {
				int p = j ? !first : first;
				struct res *r = &results[i][p][k];

				run_one(h, &o, p, r);
				printf("delay %u run %d %-9s %s rate %.0f pages/s total %.0f ms downtime %.0f ms rounds %.0f "
				       "%.1f MiB src CPU %.0f ms dst CPU %.0f ms ring-full %llu%s%s\n",
				       delays[i], k + 1, path_name[p],
				       r->ok ? "ok" : "FAILED", r->rate,
				       r->total_ms, r->downtime_ms, r->rounds,
				       r->mib, r->src_cpu_ms, r->dst_cpu_ms,
				       (unsigned long long)r->ring_full,
				       r->ok ? "" : ": ", r->fail);
			}
		}
	}
	report(&o, nrates, delays, runs);
	if (json)
		write_json(json, &o, nrates, delays, runs);
	vmmig_close(h);
	return 0;
}
