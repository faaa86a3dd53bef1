// SPDX-License-Identifier: GPL-2.0
/*
 * Quick migration data path, in the test host with real KVM and real TCP:
 * a paused VM's memory moves from a source session to a destination
 * session, and hostile streams sent to a destination session are each
 * rejected with their own reason without writing outside the pages of
 * records that passed the checks.
 *
 * The VMs have four memslots: one whose size is not a multiple of 64
 * pages and one above 4 GiB guest-physical.  Every source page is stamped
 * with its slot, its index and a per-run seed (so no lost or misplaced
 * write can hide), some are left zero, and the destination starts filled
 * with 0xaa so that zero pages must be cleared by the stream.
 */
#include <endian.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <linux/kvm.h>
#include <linux/vmmig.h>
#include <linux/vmmig_wire.h>

#include "kselftest_harness.h"
#include "libvmmig.h"
#include "ktls.h"
#include "relay.h"
#include "vmm.h"

#define PAGE		VMM_PAGE
#define NSLOTS		4

/* Sized for the hostile-stream tests; quick_big grows slot 2. */
static struct vmm_slot slots[NSLOTS] = {
	{ 0, 0x0, 256 },			/* 1 MiB */
	{ 1, 0x100000, 0x1f3 },			/* not a multiple of 64 */
	{ 2, 0x10000000, 12288 },		/* 48 MiB */
	{ 3, 0x100000000ULL, 2048 },		/* 8 MiB above 4 GiB */
};

static void vm_create(struct __test_metadata *_metadata, struct vmm_vm *vm,
		      uint8_t fill)
{
	int err = __vmm_vm_create(vm, slots, NSLOTS, fill);

	ASSERT_EQ(0, err) TH_LOG("VM: %s", strerror(-err));
}

/* Every 8th page stays zero (never touched), every 13th written zero. */
static uint64_t fill_source(struct vmm_vm *vm, uint64_t seed)
{
	uint64_t zero = 0, i;
	int s;

	for (s = 0; s < NSLOTS; s++)
		for (i = 0; i < slots[s].npages; i++) {
			uint8_t *p = vm->mem[s] + i * PAGE;

			if (i % 8 == 3) {
				zero++;
			} else if (i % 13 == 5) {
				memset(p, 0, PAGE);
				zero++;
			} else {
				vmm_stamp_page(p, s, i, seed);
			}
		}
	return zero;
}

static uint64_t total_pages(void)
{
	uint64_t n = 0;
	int s;

	for (s = 0; s < NSLOTS; s++)
		n += slots[s].npages;
	return n;
}

static int tcp_pair(int fds[2])
{
	return __vmm_tcp_pair(fds);
}

/* run_tests.sh joins vmmig-src (10.99.0.1) and vmmig-dst (10.99.0.2). */
static int tcp_pair_veth(int fds[2])
{
	return __vmm_tcp_pair_netns(fds, "vmmig-src", "vmmig-dst",
				    "10.99.0.2", 7777);
}

/* A memfd holding @len bytes of pseudo-random VMM state. */
static int blob_make(size_t len, uint64_t seed)
{
	int fd = memfd_create("vmm-state", MFD_CLOEXEC);
	uint8_t *buf = malloc(len);
	size_t i;

	for (i = 0; buf && i < len; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		buf[i] = seed >> 56;
	}
	if (fd < 0 || !buf || pwrite(fd, buf, len, 0) != (ssize_t)len)
		fd = -1;
	free(buf);
	return fd;
}

/* Are the first @len bytes of memfds @a and @b equal, and @b no longer? */
static bool blob_same(int a, int b, size_t len)
{
	uint8_t *x = malloc(len + 1), *y = malloc(len + 1);
	bool same = x && y && pread(a, x, len + 1, 0) == (ssize_t)len &&
		    pread(b, y, len + 1, 0) == (ssize_t)len &&
		    !memcmp(x, y, len);

	free(x);
	free(y);
	return same;
}

/* Wait for session @id to end (libvmmig's wait); returns its final state. */
static uint32_t wait_final(struct vmmig *h, uint32_t id, uint32_t *reason,
			   int timeout_s)
{
	struct vmmig_session_info si;

	if (vmmig_session_wait(h, id, timeout_s * 1000, &si))
		return 0;
	*reason = si.reason;
	return si.state;
}

/*
 * Create the destination and source sessions of @dcfg/@scfg, start both, and
 * expect both to complete within @timeout_s.
 */
static void migrate_pair(struct __test_metadata *_metadata, struct vmmig *h,
			 const struct vmmig_session_cfg *dcfg,
			 const struct vmmig_session_cfg *scfg,
			 uint32_t *dst_id, uint32_t *src_id, int timeout_s)
{
	uint32_t reason = 0;

	ASSERT_EQ(0, vmmig_session_create_cfg(h, dcfg, dst_id))
		TH_LOG("%s", vmmig_errmsg(h));
	ASSERT_EQ(0, vmmig_session_create_cfg(h, scfg, src_id))
		TH_LOG("%s", vmmig_errmsg(h));
	ASSERT_EQ(0, vmmig_session_start(h, *dst_id));
	ASSERT_EQ(0, vmmig_session_start(h, *src_id));
	EXPECT_EQ(VMMIG_STATE_COMPLETED,
		  wait_final(h, *src_id, &reason, timeout_s))
		TH_LOG("source: %s", vmmig_reason_name(reason));
	EXPECT_EQ(VMMIG_STATE_COMPLETED, wait_final(h, *dst_id, &reason, 60))
		TH_LOG("destination: %s", vmmig_reason_name(reason));
}

FIXTURE(quick) {
	struct vmmig *h, *ev;
	struct vmm_vm src, dst;
	int sk[2];
};

FIXTURE_SETUP(quick)
{
	ASSERT_EQ(0, vmmig_open(&self->h));
	ASSERT_EQ(0, vmmig_events_open(&self->ev));
	vm_create(_metadata, &self->src, 0);
	vm_create(_metadata, &self->dst, 0xaa);
	ASSERT_EQ(0, tcp_pair(self->sk));
}

/* Both fixtures hold the same things. */
static void env_free(struct vmmig *h, struct vmmig *ev, struct vmm_vm *src,
		     struct vmm_vm *dst, int sk[2])
{
	vmmig_close(ev);
	vmmig_close(h);
	vmm_vm_destroy(src);
	vmm_vm_destroy(dst);
	close(sk[0]);
	close(sk[1]);
}

FIXTURE_TEARDOWN(quick)
{
	env_free(self->h, self->ev, &self->src, &self->dst, self->sk);
}

TEST_F_TIMEOUT(quick, migrate_paused_vm, 300)
{
	uint64_t seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL;
	uint64_t zero = fill_source(&self->src, seed), bad;
	struct vmmig_session_info si, di;
	uint32_t src_id, dst_id;

	/* VMM state too: more than one 64 KiB chunk, not a multiple of it. */
	const size_t blob_len = 300001;
	int sblob = blob_make(blob_len, seed), dblob = memfd_create("d", 0);
	struct vmmig_session_cfg dcfg = {
		.role = VMMIG_ROLE_DESTINATION, .vm_fd = self->dst.fd,
		.sock_fds = &self->sk[1], .nr_socks = 1, .file_fd = -1,
		.blob_fd = dblob,
	};
	struct vmmig_session_cfg scfg = {
		.role = VMMIG_ROLE_SOURCE, .vm_fd = self->src.fd,
		.sock_fds = &self->sk[0], .nr_socks = 1, .file_fd = -1,
		.blob_fd = sblob,
	};

	ASSERT_LE(0, sblob);
	ASSERT_LE(0, dblob);
	migrate_pair(_metadata, self->h, &dcfg, &scfg, &dst_id, &src_id, 240);

	ASSERT_EQ(0, vmmig_session_get(self->h, src_id, &si));
	ASSERT_EQ(0, vmmig_session_get(self->h, dst_id, &di));
	EXPECT_EQ(total_pages(), si.stats.pages);
	EXPECT_EQ(total_pages(), di.stats.pages);
	EXPECT_EQ(zero, si.stats.zero_pages);
	EXPECT_EQ(zero, di.stats.zero_pages);
	EXPECT_EQ((total_pages() - zero) * PAGE, si.stats.bytes);
	EXPECT_EQ(blob_len, si.stats.blob_bytes);
	EXPECT_EQ(blob_len, di.stats.blob_bytes);
	EXPECT_TRUE(blob_same(sblob, dblob, blob_len));
	close(sblob);
	close(dblob);

	bad = vmm_vm_diff_pages(&self->src, &self->dst);
	EXPECT_EQ(0, bad) TH_LOG("%llu of %llu pages differ",
				 (unsigned long long)bad,
				 (unsigned long long)total_pages());
}

/* ---- hostile streams --------------------------------------------------- */

struct stream {
	uint8_t buf[1 << 16];
	size_t len;
};

static void put(struct stream *st, const void *p, size_t n)
{
	memcpy(st->buf + st->len, p, n);
	st->len += n;
}

static void put_rec(struct stream *st, uint8_t type, uint32_t slot,
		    uint64_t gfn, uint16_t count, uint32_t len)
{
	struct vmmig_wire_rec r = {
		.type = type, .count = htobe16(count), .len = htobe32(len),
		.slot = htobe32(slot), .gfn = htobe64(gfn),
	};

	put(st, &r, sizeof(r));
}

/* A HELLO with @features (a stream saved to a file has no commit). */
static void put_hello_f(struct stream *st, int nslots, uint64_t features)
{
	struct vmmig_wire_hello h = {
		.magic = htobe32(VMMIG_WIRE_MAGIC),
		.version = htobe16(VMMIG_WIRE_VERSION),
		.nr_slots = htobe16(nslots),
		.features = htobe64(features),
		.stream_id = htobe64(1),
		.page_size = htobe32(PAGE),
		.nr_channels = htobe16(1),
	};
	int i;

	put_rec(st, VMMIG_WIRE_HELLO, 0, 0, 0,
		sizeof(h) + nslots * sizeof(struct vmmig_wire_slot));
	put(st, &h, sizeof(h));
	for (i = 0; i < nslots; i++) {
		struct vmmig_wire_slot s = {
			.slot = htobe32(slots[i].slot),
			.base_gfn = htobe64(slots[i].gpa / PAGE),
			.npages = htobe64(slots[i].npages),
		};
		put(st, &s, sizeof(s));
	}
}

/* A HELLO as a source sends it over a socket. */
static void put_hello(struct stream *st, int nslots)
{
	put_hello_f(st, nslots, VMMIG_WIRE_F_COMMIT);
}

/* Where valid_stream()'s END ends: the COMMIT follows. */
static size_t end_at;

static void put_commit(struct stream *st, uint32_t status, uint64_t pages)
{
	struct vmmig_wire_commit c = {
		.status = htobe32(status), .pages = htobe64(pages),
	};

	put_rec(st, VMMIG_WIRE_COMMIT, 0, 0, 0, sizeof(c));
	put(st, &c, sizeof(c));
}

/*
 * A valid stream: 2 pages of 0x5c into slot 1 page 10, END, and the
 * source's COMMIT (which a destination reads once it sent its ACK).
 */
static void valid_stream(struct stream *st, size_t *pages_at)
{
	static uint8_t data[2 * PAGE];
	struct vmmig_wire_end end = { .pages = htobe64(2) };

	memset(data, 0x5c, sizeof(data));
	st->len = 0;
	put_hello(st, NSLOTS);
	put_rec(st, VMMIG_WIRE_PAGES, 1, slots[1].gpa / PAGE + 10, 2,
		sizeof(data));
	*pages_at = st->len;
	put(st, data, sizeof(data));
	put_rec(st, VMMIG_WIRE_END, 0, 0, 0, sizeof(end));
	put(st, &end, sizeof(end));
	end_at = st->len;
	put_commit(st, 0, 2);
}

/*
 * Feed @st to a fresh destination session and return its final reason.
 * The destination's memory must then hold 0xaa everywhere but in slot 1
 * pages 10..11, which may hold the record's bytes (0x5c) if it was
 * accepted before the stream broke.
 */
static uint32_t feed(struct __test_metadata *_metadata,
		     FIXTURE_DATA(quick) *self, const struct stream *st,
		     uint32_t *state)
{
	uint32_t id, reason = 0, i;
	uint64_t p, off;
	int s;

	ASSERT_EQ(0, vmmig_session_create(self->h, VMMIG_ROLE_DESTINATION,
					  self->dst.fd, &self->sk[1], 1, NULL,
					  &id)) TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_start(self->h, id));
	/* The receiver may stop reading early: a short write is fine. */
	for (off = 0; off < st->len; ) {
		ssize_t n = send(self->sk[0], st->buf + off, st->len - off,
				 MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += n;
	}
	shutdown(self->sk[0], SHUT_WR);
	*state = wait_final(self->h, id, &reason, 60);

	for (s = 0; s < NSLOTS; s++)
		for (p = 0; p < slots[s].npages; p++) {
			const uint8_t *pg = self->dst.mem[s] + p * PAGE;

			if (s == 1 && (p == 10 || p == 11))
				continue;
			for (i = 0; i < PAGE; i++)
				if (pg[i] != 0xaa) {
					EXPECT_EQ(0xaa, pg[i])
						TH_LOG("slot %d page %llu byte %u changed",
						       s, (unsigned long long)p, i);
					goto out;
				}
		}
out:
	vmmig_session_destroy(self->h, id);
	/* A fresh connection for the next stream. */
	close(self->sk[0]);
	close(self->sk[1]);
	ASSERT_EQ(0, tcp_pair(self->sk));
	return reason;
}

struct hostile {
	const char *what;
	uint32_t reason;
	void (*make)(struct stream *st);
};

static void h_bad_magic(struct stream *st)
{
	size_t at;

	valid_stream(st, &at);
	st->buf[sizeof(struct vmmig_wire_rec)] ^= 0xff;	/* hello.magic */
}

static void h_not_vmmig(struct stream *st)
{
	st->len = 0;
	put(st, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
}

static void h_bad_version(struct stream *st)
{
	size_t at;

	valid_stream(st, &at);
	st->buf[sizeof(struct vmmig_wire_rec) + 5] = 9;	/* version lsb */
}

static void h_bad_slot(struct stream *st)
{
	size_t at;

	valid_stream(st, &at);
	((struct vmmig_wire_rec *)(st->buf + at) - 1)->slot = htobe32(9);
}

static void h_bad_gfn(struct stream *st)
{
	size_t at;

	valid_stream(st, &at);
	((struct vmmig_wire_rec *)(st->buf + at) - 1)->gfn =
		htobe64(slots[1].gpa / PAGE + slots[1].npages - 1);
}

static void h_bad_length(struct stream *st)
{
	size_t at;

	valid_stream(st, &at);
	((struct vmmig_wire_rec *)(st->buf + at) - 1)->len = htobe32(PAGE);
}

static void h_bad_type(struct stream *st)
{
	size_t at;

	valid_stream(st, &at);
	((struct vmmig_wire_rec *)(st->buf + at) - 1)->type = 42;
}

static void h_layout(struct stream *st)
{
	struct vmmig_wire_end end = { 0 };

	st->len = 0;
	put_hello(st, NSLOTS - 1);
	put_rec(st, VMMIG_WIRE_END, 0, 0, 0, sizeof(end));
	put(st, &end, sizeof(end));
}

static void h_duplicate_hello(struct stream *st)
{
	st->len = 0;
	put_hello(st, NSLOTS);
	put_hello(st, NSLOTS);
}

static void h_incomplete(struct stream *st)
{
	size_t at;

	valid_stream(st, &at);
	st->buf[end_at - 9] = 3;	/* end.pages = 3, 2 came */
}

/* A source that gives up after the destination's ACK (the COMMIT says). */
static void h_aborted(struct stream *st)
{
	size_t at;

	valid_stream(st, &at);
	st->len = end_at;
	put_commit(st, VMMIG_REASON_CANCEL, 2);
}

/* Over a socket the outcome must be committed: a HELLO without it. */
static void h_no_commit(struct stream *st)
{
	size_t at;

	valid_stream(st, &at);
	st->buf[sizeof(struct vmmig_wire_rec) + 15] = 0;	/* features lsb */
}

TEST_F_TIMEOUT(quick, hostile_streams, 600)
{
	static const struct hostile cases[] = {
		{ "bad magic", VMMIG_REASON_BAD_MAGIC, h_bad_magic },
		{ "not vmmig", VMMIG_REASON_BAD_MAGIC, h_not_vmmig },
		{ "bad version", VMMIG_REASON_BAD_VERSION, h_bad_version },
		{ "slot out of range", VMMIG_REASON_BAD_SLOT, h_bad_slot },
		{ "gfn out of range", VMMIG_REASON_BAD_GFN, h_bad_gfn },
		{ "wrong length", VMMIG_REASON_BAD_LENGTH, h_bad_length },
		{ "unknown type", VMMIG_REASON_BAD_RECORD_TYPE, h_bad_type },
		{ "layout differs", VMMIG_REASON_LAYOUT_MISMATCH, h_layout },
		{ "duplicate hello", VMMIG_REASON_DUPLICATE_HELLO,
		  h_duplicate_hello },
		{ "end totals", VMMIG_REASON_INCOMPLETE, h_incomplete },
		{ "source aborts after the ACK", VMMIG_REASON_PEER_ABORTED,
		  h_aborted },
		{ "no commit over a socket", VMMIG_REASON_BAD_FEATURES,
		  h_no_commit },
	};
	static struct stream st;
	uint32_t state, reason;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cases[i].make(&st);
		reason = feed(_metadata, self, &st, &state);
		EXPECT_EQ(VMMIG_STATE_FAILED, state) TH_LOG("%s", cases[i].what);
		EXPECT_EQ(cases[i].reason, reason)
			TH_LOG("%s: got %s", cases[i].what,
			       vmmig_reason_name(reason));
	}
}

TEST_F_TIMEOUT(quick, truncated_streams, 900)
{
	static struct stream full, st;
	uint32_t state, reason;
	size_t at, cut;
	int tried = 0;

	valid_stream(&full, &at);
	/*
	 * Cut everywhere in the headers, and through the page payload: the
	 * stream is truncated.  Cut after END (in or before the COMMIT), the
	 * destination acknowledged a whole stream: it does not know the
	 * outcome, which is the source's.
	 */
	for (cut = 0; cut < full.len;
	     cut += cut < at || cut >= end_at ? 7 : 1021) {
		memcpy(st.buf, full.buf, cut);
		st.len = cut;
		reason = feed(_metadata, self, &st, &state);
		EXPECT_EQ(VMMIG_STATE_FAILED, state) TH_LOG("cut at %zu", cut);
		EXPECT_EQ(cut < end_at ? VMMIG_REASON_TRUNCATED :
			  VMMIG_REASON_COMMIT_UNKNOWN, reason)
			TH_LOG("cut at %zu: %s", cut, vmmig_reason_name(reason));
		tried++;
	}
	/* The uncut stream completes: the test can tell the difference. */
	reason = feed(_metadata, self, &full, &state);
	EXPECT_EQ(VMMIG_STATE_COMPLETED, state) TH_LOG("%s",
						       vmmig_reason_name(reason));
	EXPECT_LT(20, tried);
}

/* ---- cancel in the middle of a transfer -------------------------------- */

/*
 * Relay the source's stream to the destination through the test, so that
 * the transfer is exactly as far along as the test wants when it cancels:
 * after @cancel_after bytes, cancel session @victim, then keep relaying
 * (both ways) until both sides stop.
 */
static void relay_and_cancel(struct vmmig *h, int from_src, int to_dst,
			     size_t cancel_after, uint32_t victim)
{
	static uint8_t buf[65536];
	size_t moved = 0;
	bool cancelled = false;
	struct pollfd p[2] = {
		{ .fd = from_src, .events = POLLIN },
		{ .fd = to_dst, .events = POLLIN },
	};

	while (poll(p, 2, 5000) > 0) {
		ssize_t n;

		if (p[0].revents) {
			size_t want = cancelled ? sizeof(buf) :
				      (cancel_after - moved < sizeof(buf) ?
				       cancel_after - moved : sizeof(buf));

			n = read(from_src, buf, want);
			if (n <= 0 || send(to_dst, buf, n, MSG_NOSIGNAL) != n)
				break;
			moved += n;
		}
		if (p[1].revents) {
			n = read(to_dst, buf, sizeof(buf));
			if (n <= 0 || send(from_src, buf, n, MSG_NOSIGNAL) != n)
				break;
		}
		if (!cancelled && moved >= cancel_after) {
			vmmig_session_cancel(h, victim);
			cancelled = true;
		}
	}
	shutdown(from_src, SHUT_RDWR);
	shutdown(to_dst, SHUT_RDWR);
}

static void cancel_mid_transfer(struct __test_metadata *_metadata,
				FIXTURE_DATA(quick) *self, bool cancel_source)
{
	uint64_t seed = 0x5eed, bad = 0, i;
	struct vmmig_session_info si;
	uint32_t src_id, dst_id, st_src, st_dst, r_src = 0, r_dst = 0;
	int dsk[2], s;

	fill_source(&self->src, seed);
	ASSERT_EQ(0, tcp_pair(dsk));
	ASSERT_EQ(0, vmmig_session_create(self->h, VMMIG_ROLE_DESTINATION,
					  self->dst.fd, &dsk[1], 1, NULL,
					  &dst_id));
	ASSERT_EQ(0, vmmig_session_create(self->h, VMMIG_ROLE_SOURCE,
					  self->src.fd, &self->sk[0], 1, NULL,
					  &src_id));
	ASSERT_EQ(0, vmmig_session_start(self->h, dst_id));
	ASSERT_EQ(0, vmmig_session_start(self->h, src_id));

	/* About 8 MiB into a 64 MiB stream. */
	relay_and_cancel(self->h, self->sk[1], dsk[0], 8 << 20,
			 cancel_source ? src_id : dst_id);
	st_src = wait_final(self->h, src_id, &r_src, 60);
	st_dst = wait_final(self->h, dst_id, &r_dst, 60);

	if (cancel_source) {
		EXPECT_EQ(VMMIG_STATE_CANCELLED, st_src);
		EXPECT_EQ(VMMIG_REASON_CANCEL, r_src);
		EXPECT_EQ(VMMIG_STATE_FAILED, st_dst)
			TH_LOG("destination: %s", vmmig_reason_name(r_dst));
		EXPECT_TRUE(r_dst == VMMIG_REASON_TRUNCATED ||
			    r_dst == VMMIG_REASON_PEER_CLOSED)
			TH_LOG("destination: %s", vmmig_reason_name(r_dst));
	} else {
		EXPECT_EQ(VMMIG_STATE_CANCELLED, st_dst);
		EXPECT_EQ(VMMIG_REASON_CANCEL, r_dst);
		EXPECT_EQ(VMMIG_STATE_FAILED, st_src)
			TH_LOG("source: %s", vmmig_reason_name(r_src));
		EXPECT_TRUE(r_src == VMMIG_REASON_PEER_CLOSED ||
			    r_src == VMMIG_REASON_IO_ERROR ||
			    r_src == VMMIG_REASON_CANCEL)
			TH_LOG("source: %s", vmmig_reason_name(r_src));
	}
	/* It was cancelled in the middle, not after the end. */
	ASSERT_EQ(0, vmmig_session_get(self->h, src_id, &si));
	EXPECT_LT(si.stats.pages, total_pages());
	EXPECT_LT(0, si.stats.pages);

	/* The source VM's memory is intact: every stamp where it was. */
	for (s = 0; s < NSLOTS; s++)
		for (i = 0; i < slots[s].npages; i++) {
			uint8_t want[PAGE];

			if (i % 8 == 3 || i % 13 == 5)
				memset(want, 0, PAGE);
			else
				vmm_stamp_page(want, s, i, seed);
			bad += memcmp(want, self->src.mem[s] + i * PAGE, PAGE) != 0;
		}
	EXPECT_EQ(0, bad);
	close(dsk[0]);
	close(dsk[1]);
}

TEST_F_TIMEOUT(quick, cancel_source_mid_transfer, 300)
{
	cancel_mid_transfer(_metadata, self, true);
}

TEST_F_TIMEOUT(quick, cancel_destination_mid_transfer, 300)
{
	cancel_mid_transfer(_metadata, self, false);
}

/* ---- the commit point: a test plays the peer ---------------------------- */

/* Read exactly @n bytes (30 s at most); 0, or -1 on EOF, error, timeout. */
static int read_full(int fd, void *buf, size_t n)
{
	struct timeval tv = { .tv_sec = 30 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (n) {
		ssize_t r = recv(fd, buf, n, 0);

		if (r <= 0)
			return -1;
		buf = (uint8_t *)buf + r;
		n -= r;
	}
	return 0;
}

/* One record the peer sent: header and a 16-byte payload (ACK, COMMIT). */
static int read_small_rec(int fd, uint8_t type, void *payload)
{
	struct vmmig_wire_rec rec;

	if (read_full(fd, &rec, sizeof(rec)) || rec.type != type ||
	    be32toh(rec.len) != 16)
		return -1;
	return read_full(fd, payload, 16);
}

/*
 * Play a destination: read a source's stream up to and with its END,
 * skipping payloads; *@features gets the HELLO's.
 */
static int read_to_end(int fd, uint64_t *features)
{
	static uint8_t buf[1 << 16];
	struct vmmig_wire_rec rec;

	for (;;) {
		uint32_t len;

		if (read_full(fd, &rec, sizeof(rec)))
			return -1;
		len = be32toh(rec.len);
		if (rec.type == VMMIG_WIRE_HELLO) {
			struct vmmig_wire_hello h;

			if (len < sizeof(h) || read_full(fd, &h, sizeof(h)))
				return -1;
			*features = be64toh(h.features);
			len -= sizeof(h);
		}
		while (len) {
			uint32_t n = len < sizeof(buf) ? len : sizeof(buf);

			if (read_full(fd, buf, n))
				return -1;
			len -= n;
		}
		if (rec.type == VMMIG_WIRE_END)
			return 0;
	}
}

static void send_all(struct __test_metadata *_metadata, int fd,
		     const void *p, size_t n)
{
	ASSERT_EQ((ssize_t)n, send(fd, p, n, MSG_NOSIGNAL));
}

static void send_ack(struct __test_metadata *_metadata, int fd,
		     uint32_t status, uint64_t pages)
{
	struct stream st = { .len = 0 };
	struct vmmig_wire_ack ack = {
		.status = htobe32(status), .pages = htobe64(pages),
	};

	put_rec(&st, VMMIG_WIRE_ACK, 0, 0, 0, sizeof(ack));
	put(&st, &ack, sizeof(ack));
	send_all(_metadata, fd, st.buf, st.len);
}

/*
 * F9 of the December review, the destination's side: once it sent its ACK
 * the outcome is the source's.  A cancel is refused, the source's COMMIT
 * completes it; a source that goes silent leaves it failed with
 * commit-unknown, never completed.
 */
TEST_F_TIMEOUT(quick, commit_destination_waits_for_source, 120)
{
	struct vmmig_params p = { .peer_timeout_ms = 1000 };
	struct vmmig_wire_ack ack;
	struct vmmig_session_info si;
	static struct stream st, c;
	uint32_t id, reason = 0;
	size_t at;

	valid_stream(&st, &at);
	st.len = end_at;		/* up to END: no COMMIT yet */
	ASSERT_EQ(0, vmmig_session_create(self->h, VMMIG_ROLE_DESTINATION,
					  self->dst.fd, &self->sk[1], 1, NULL,
					  &id));
	ASSERT_EQ(0, vmmig_session_start(self->h, id));
	send_all(_metadata, self->sk[0], st.buf, st.len);
	ASSERT_EQ(0, read_small_rec(self->sk[0], VMMIG_WIRE_ACK, &ack));
	EXPECT_EQ(0, be32toh(ack.status));
	EXPECT_EQ(2, be64toh(ack.pages));
	/* Committing: the destination does not decide any more. */
	EXPECT_EQ(-EBUSY, vmmig_session_cancel(self->h, id));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "committing"));
	ASSERT_EQ(0, vmmig_session_get(self->h, id, &si));
	EXPECT_EQ(VMMIG_STATE_ACTIVE, si.state);
	put_commit(&c, 0, 2);
	send_all(_metadata, self->sk[0], c.buf, c.len);
	EXPECT_EQ(VMMIG_STATE_COMPLETED, wait_final(self->h, id, &reason, 30))
		TH_LOG("%s", vmmig_reason_name(reason));
	ASSERT_EQ(0, vmmig_session_destroy(self->h, id));

	/* The source never commits: after the peer timeout, unknown. */
	close(self->sk[0]);
	close(self->sk[1]);
	ASSERT_EQ(0, tcp_pair(self->sk));
	ASSERT_EQ(0, vmmig_session_create(self->h, VMMIG_ROLE_DESTINATION,
					  self->dst.fd, &self->sk[1], 1, &p,
					  &id));
	ASSERT_EQ(0, vmmig_session_start(self->h, id));
	send_all(_metadata, self->sk[0], st.buf, st.len);
	ASSERT_EQ(0, read_small_rec(self->sk[0], VMMIG_WIRE_ACK, &ack));
	EXPECT_EQ(VMMIG_STATE_FAILED, wait_final(self->h, id, &reason, 30));
	EXPECT_EQ(VMMIG_REASON_COMMIT_UNKNOWN, reason)
		TH_LOG("%s", vmmig_reason_name(reason));
}

/* One tiny VM of the test's own for a source the test reads itself. */
static void tiny_source(struct __test_metadata *_metadata, struct vmm_vm *vm)
{
	static const struct vmm_slot tiny = { 0, 0, 16 };

	ASSERT_EQ(0, __vmm_vm_create(vm, &tiny, 1, 0x11));
}

/*
 * F9, the source's side: it completes (commits) exactly when the
 * destination's ACK passed, and says so with COMMIT; cancelled before
 * that, it never sends COMMIT 0; a destination that never answers fails
 * it by the peer timeout, again without COMMIT.
 */
TEST_F_TIMEOUT(quick, commit_source_decides, 180)
{
	struct vmmig_params p = { .peer_timeout_ms = 1000 };
	struct vmmig_wire_commit commit;
	uint32_t id, reason = 0;
	uint64_t features = 0;
	struct vmm_vm vm;
	int phase;

	tiny_source(_metadata, &vm);
	for (phase = 0; phase < 3; phase++) {
		ASSERT_EQ(0, vmmig_session_create(self->h, VMMIG_ROLE_SOURCE,
						  vm.fd, &self->sk[0], 1, &p,
						  &id));
		ASSERT_EQ(0, vmmig_session_start(self->h, id));
		ASSERT_EQ(0, read_to_end(self->sk[1], &features));
		EXPECT_TRUE(features & VMMIG_WIRE_F_COMMIT);
		if (phase == 0) {
			send_ack(_metadata, self->sk[1], 0, 16);
			ASSERT_EQ(0, read_small_rec(self->sk[1],
						    VMMIG_WIRE_COMMIT,
						    &commit));
			EXPECT_EQ(0, be32toh(commit.status));
			EXPECT_EQ(16, be64toh(commit.pages));
			EXPECT_EQ(VMMIG_STATE_COMPLETED,
				  wait_final(self->h, id, &reason, 30));
			EXPECT_EQ(-EALREADY, vmmig_session_cancel(self->h, id));
		} else if (phase == 1) {
			/* Cancelled before the ACK reached it. */
			EXPECT_EQ(0, vmmig_session_cancel(self->h, id));
			send_ack(_metadata, self->sk[1], 0, 16);
			if (!read_small_rec(self->sk[1], VMMIG_WIRE_COMMIT,
					    &commit))
				EXPECT_NE(0, be32toh(commit.status));
			EXPECT_EQ(VMMIG_STATE_CANCELLED,
				  wait_final(self->h, id, &reason, 30));
		} else {
			/* No ACK at all. */
			EXPECT_EQ(VMMIG_STATE_FAILED,
				  wait_final(self->h, id, &reason, 30));
			EXPECT_EQ(VMMIG_REASON_PEER_TIMEOUT, reason)
				TH_LOG("%s", vmmig_reason_name(reason));
			EXPECT_NE(0, read_small_rec(self->sk[1],
						    VMMIG_WIRE_COMMIT,
						    &commit));
		}
		ASSERT_EQ(0, vmmig_session_destroy(self->h, id));
		close(self->sk[0]);
		close(self->sk[1]);
		ASSERT_EQ(0, tcp_pair(self->sk));
	}
	vmm_vm_destroy(&vm);
}

/*
 * The ACK of a destination that failed counts the pages that arrived, not
 * those a header announced: two pages announced, one sent, then the end.
 */
TEST_F_TIMEOUT(quick, ack_counts_what_arrived, 60)
{
	static uint8_t page[PAGE];
	struct vmmig_wire_ack ack;
	static struct stream st;
	uint32_t id, reason = 0;

	st.len = 0;
	put_hello(&st, NSLOTS);
	put_rec(&st, VMMIG_WIRE_PAGES, 1, slots[1].gpa / PAGE + 10, 2,
		2 * PAGE);
	put(&st, page, sizeof(page));
	ASSERT_EQ(0, vmmig_session_create(self->h, VMMIG_ROLE_DESTINATION,
					  self->dst.fd, &self->sk[1], 1, NULL,
					  &id));
	ASSERT_EQ(0, vmmig_session_start(self->h, id));
	send_all(_metadata, self->sk[0], st.buf, st.len);
	shutdown(self->sk[0], SHUT_WR);
	ASSERT_EQ(0, read_small_rec(self->sk[0], VMMIG_WIRE_ACK, &ack));
	EXPECT_EQ(VMMIG_REASON_TRUNCATED, be32toh(ack.status));
	EXPECT_EQ(0, be64toh(ack.pages));
	EXPECT_EQ(VMMIG_STATE_FAILED, wait_final(self->h, id, &reason, 30));
}

/*
 * F17 of the December review: BLOB bytes are bounded per stream, not per
 * record.  A saved stream (no commit, no peer): a first BLOB of the whole
 * bound, then one byte more.
 */
TEST_F_TIMEOUT(quick, blob_total_bounded, 180)
{
	static uint8_t zeros[1 << 16];
	char path[] = "/tmp/vmmig-blob.XXXXXX";
	struct vmmig_session_cfg c = { .role = VMMIG_ROLE_DESTINATION };
	static struct stream st;
	uint32_t id, reason = 0;
	int fd = mkstemp(path), dblob = memfd_create("dst-state", 0);
	size_t left;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, dblob);
	unlink(path);
	st.len = 0;
	put_hello_f(&st, NSLOTS, 0);
	put_rec(&st, VMMIG_WIRE_BLOB, 0, 0, 0, VMMIG_WIRE_MAX_BLOB);
	ASSERT_EQ((ssize_t)st.len, write(fd, st.buf, st.len));
	for (left = VMMIG_WIRE_MAX_BLOB; left; ) {
		size_t n = left < sizeof(zeros) ? left : sizeof(zeros);

		ASSERT_EQ((ssize_t)n, write(fd, zeros, n));
		left -= n;
	}
	st.len = 0;
	put_rec(&st, VMMIG_WIRE_BLOB, 0, 0, 0, 1);
	put(&st, zeros, 1);
	ASSERT_EQ((ssize_t)st.len, write(fd, st.buf, st.len));
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	c.vm_fd = self->dst.fd;
	c.file_fd = fd;
	c.blob_fd = dblob;
	ASSERT_EQ(0, vmmig_session_create_cfg(self->h, &c, &id))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_start(self->h, id));
	EXPECT_EQ(VMMIG_STATE_FAILED, wait_final(self->h, id, &reason, 60));
	EXPECT_EQ(VMMIG_REASON_BAD_LENGTH, reason)
		TH_LOG("%s", vmmig_reason_name(reason));
	close(dblob);
	close(fd);
}

/*
 * F19 of the December review: ZERO records into shared file memory (a
 * memfd, as vhost-user VMMs use) leave its holes alone; reading them would
 * allocate the whole guest.
 */
TEST_F_TIMEOUT(quick, zero_pages_into_memfd_allocate_nothing, 180)
{
	struct vmm_vm src, dst;
	uint32_t src_id, dst_id;
	uint64_t blocks = 0, bytes = 0;
	unsigned int i;
	struct vmmig_session_cfg dcfg = {
		.role = VMMIG_ROLE_DESTINATION, .sock_fds = &self->sk[1],
		.nr_socks = 1, .file_fd = -1, .blob_fd = -1,
	};
	struct vmmig_session_cfg scfg = {
		.role = VMMIG_ROLE_SOURCE, .sock_fds = &self->sk[0],
		.nr_socks = 1, .file_fd = -1, .blob_fd = -1,
	};

	/* A fresh source: every page zero, so every record is ZERO. */
	ASSERT_EQ(0, __vmm_vm_create(&src, slots, NSLOTS, 0));
	ASSERT_EQ(0, __vmm_vm_create_memfd(&dst, slots, NSLOTS));
	dcfg.vm_fd = dst.fd;
	scfg.vm_fd = src.fd;
	migrate_pair(_metadata, self->h, &dcfg, &scfg, &dst_id, &src_id, 120);
	for (i = 0; i < dst.nr_slots; i++) {
		struct stat stt;

		ASSERT_EQ(0, fstat(dst.memfd[i], &stt));
		blocks += stt.st_blocks;
		bytes += stt.st_size;
	}
	EXPECT_EQ(0, vmm_vm_diff_pages(&src, &dst));
	/* 512-byte blocks: nothing allocated (a page or two at most). */
	EXPECT_LE(blocks * 512, 2 * PAGE)
		TH_LOG("%llu of %llu bytes allocated",
		       (unsigned long long)blocks * 512,
		       (unsigned long long)bytes);
	vmm_vm_destroy(&src);
	vmm_vm_destroy(&dst);
}

/*
 * A fresh destination (private anonymous memory never touched): how many
 * of the pages @zero_page says the source had zero are mapped now.  A
 * ZERO record for such a page is not even read: reading it would map the
 * shared zero page (and cost a page fault and a page table).  Huge pages
 * are off so that mincore() counts pages, not the 2 MiB around a write.
 */
static uint64_t mapped_zero_pages(struct vmm_vm *vm,
				  bool (*zero_page)(int s, uint64_t i))
{
	uint64_t n = 0, i;
	unsigned char *vec;
	int s;

	for (s = 0; s < NSLOTS; s++) {
		vec = malloc(slots[s].npages);
		if (!vec || mincore(vm->mem[s], slots[s].npages * PAGE, vec)) {
			free(vec);
			return UINT64_MAX;
		}
		for (i = 0; i < slots[s].npages; i++)
			n += zero_page(s, i) && (vec[i] & 1);
		free(vec);
	}
	return n;
}

/* EINVAL: a kernel without transparent huge pages (the debug kernel). */
static void no_huge_pages(struct __test_metadata *_metadata, struct vmm_vm *vm)
{
	int s;

	for (s = 0; s < NSLOTS; s++)
		ASSERT_TRUE(!madvise(vm->mem[s], slots[s].npages * PAGE,
				     MADV_NOHUGEPAGE) || errno == EINVAL)
			TH_LOG("madvise: %s", strerror(errno));
}

static bool fill_source_zero(int s, uint64_t i)
{
	(void)s;
	return i % 8 == 3 || i % 13 == 5;
}

TEST_F_TIMEOUT(quick, zero_pages_into_fresh_memory_touch_nothing, 180)
{
	uint64_t zero = fill_source(&self->src, 0x2e40), mapped;
	struct vmmig_session_info di;
	uint32_t src_id, dst_id;
	struct vmm_vm dst;
	struct vmmig_session_cfg dcfg = {
		.role = VMMIG_ROLE_DESTINATION, .sock_fds = &self->sk[1],
		.nr_socks = 1, .file_fd = -1, .blob_fd = -1,
	};
	struct vmmig_session_cfg scfg = {
		.role = VMMIG_ROLE_SOURCE, .vm_fd = self->src.fd,
		.sock_fds = &self->sk[0], .nr_socks = 1, .file_fd = -1,
		.blob_fd = -1,
	};

	vm_create(_metadata, &dst, 0);
	no_huge_pages(_metadata, &dst);
	dcfg.vm_fd = dst.fd;
	migrate_pair(_metadata, self->h, &dcfg, &scfg, &dst_id, &src_id, 120);
	ASSERT_EQ(0, vmmig_session_get(self->h, dst_id, &di));
	EXPECT_EQ(zero, di.stats.zero_pages);
	/* Before the comparison, which reads (and so maps) every page. */
	mapped = mapped_zero_pages(&dst, fill_source_zero);
	EXPECT_EQ(0, mapped) TH_LOG("%llu of %llu zero pages mapped",
				    (unsigned long long)mapped,
				    (unsigned long long)zero);
	EXPECT_EQ(0, vmm_vm_diff_pages(&self->src, &dst));
	vmm_vm_destroy(&dst);
}

static bool slot1_page20(int s, uint64_t i)
{
	return s == 1 && i == 20;
}

/*
 * The destination skips ZERO records only for pages the stream has not
 * written: a page sent with data and then as zero (the guest cleared it
 * between rounds) reads as zero at the end, in fresh memory too.
 */
TEST_F_TIMEOUT(quick, zero_after_data_into_fresh_memory, 120)
{
	static uint8_t data[2 * PAGE];
	struct vmmig_wire_end end = { .pages = htobe64(4) };
	uint32_t id, state, reason = 0;
	struct stream *st;
	struct vmm_vm dst;
	uint64_t gfn = slots[1].gpa / PAGE;
	unsigned int i;

	st = calloc(1, sizeof(*st));
	ASSERT_NE(NULL, st);
	memset(data, 0x5c, sizeof(data));
	put_hello(st, NSLOTS);
	put_rec(st, VMMIG_WIRE_PAGES, 1, gfn + 10, 2, sizeof(data));
	put(st, data, sizeof(data));
	put_rec(st, VMMIG_WIRE_ZERO, 1, gfn + 10, 1, 0);
	put_rec(st, VMMIG_WIRE_ZERO, 1, gfn + 20, 1, 0);
	put_rec(st, VMMIG_WIRE_END, 0, 0, 0, sizeof(end));
	put(st, &end, sizeof(end));
	put_commit(st, 0, 4);

	vm_create(_metadata, &dst, 0);
	no_huge_pages(_metadata, &dst);
	ASSERT_EQ(0, vmmig_session_create(self->h, VMMIG_ROLE_DESTINATION,
					  dst.fd, &self->sk[1], 1, NULL, &id))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_start(self->h, id));
	ASSERT_EQ((ssize_t)st->len, send(self->sk[0], st->buf, st->len,
					 MSG_NOSIGNAL));
	state = wait_final(self->h, id, &reason, 60);
	EXPECT_EQ(VMMIG_STATE_COMPLETED, state)
		TH_LOG("%s", vmmig_reason_name(reason));
	/* Page 20 was never written: left alone (reading it maps it). */
	EXPECT_EQ(0, mapped_zero_pages(&dst, slot1_page20));
	for (i = 0; i < PAGE; i++) {
		ASSERT_EQ(0, dst.mem[1][10 * PAGE + i]) TH_LOG("byte %u", i);
		ASSERT_EQ(0x5c, dst.mem[1][11 * PAGE + i]) TH_LOG("byte %u", i);
		ASSERT_EQ(0, dst.mem[1][20 * PAGE + i]) TH_LOG("byte %u", i);
	}
	vmmig_session_destroy(self->h, id);
	vmm_vm_destroy(&dst);
	free(st);
}

/* ---- integrity: record checksums ---------------------------------------- */

/*
 * Where the corrupting relay flips a bit (relay.h).  The source sends its
 * slots in order, in runs of data and zero pages (runs of 1 to 7 data
 * pages here): some 50 PAGES records in slot 0, 95 in slot 1, then slot 2.
 */
static const struct relay_flip payload_flips[] = {
	{ .what = "first record, first bit", .rec = 0, .off = 0, .bit = 0 },
	{ .what = "first record, end of its first page", .rec = 0,
	  .off = PAGE - 1, .bit = 7 },
	{ .what = "slot 1, mid-page", .rec = 60, .off = 2049, .bit = 3 },
	{ .what = "slot 2", .rec = 400, .off = 17, .bit = 5 },
	{ .what = "slot 2, late", .rec = 2000, .off = 777, .bit = 1 },
	{ .what = "slot 3 (above 4 GiB)", .rec = 2500, .off = 4, .bit = 6 },
};

/* gfn's low bit: the pages land one page off, inside slot 2. */
static const struct relay_flip header_flip = {
	.what = "gfn low bit", .rec = 1000, .in_header = true,
	.off = offsetof(struct vmmig_wire_rec, gfn) + 7, .bit = 0,
};

struct csum_run {
	uint32_t src_id, dst_id;
	uint32_t st_src, st_dst, r_src, r_dst;
	struct relay relay;
};

/*
 * A quick migration from the source VM to the destination VM through the
 * corrupting relay, with record checksums at the source (@csum_src) and
 * required by the destination (@csum_dst).  The sessions are left for
 * the caller to look at, and destroyed by it.
 */
static void csum_migrate(struct __test_metadata *_metadata,
			 FIXTURE_DATA(quick) *self, bool csum_src,
			 bool csum_dst, const struct relay_flip *flip,
			 struct csum_run *run)
{
	struct vmmig_new_opts dopts, sopts;
	int a[2], b[2];

	memset(run, 0, sizeof(*run));
	ASSERT_EQ(0, tcp_pair(a));
	ASSERT_EQ(0, tcp_pair(b));
	dopts = VMMIG_NEW_OPTS(.sock_fds = &b[1], .nr_socks = 1,
			       .flags = csum_dst ? VMMIG_NEW_CHECKSUM : 0);
	sopts = VMMIG_NEW_OPTS(.sock_fds = &a[0], .nr_socks = 1,
			       .flags = csum_src ? VMMIG_NEW_CHECKSUM : 0);
	ASSERT_EQ(0, vmmig_session_new(self->h, VMMIG_ROLE_DESTINATION,
				       self->dst.fd, &dopts, &run->dst_id))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_new(self->h, VMMIG_ROLE_SOURCE,
				       self->src.fd, &sopts, &run->src_id))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, __relay_start(&run->relay, a[1], b[0], flip));
	ASSERT_EQ(0, vmmig_session_start(self->h, run->dst_id));
	ASSERT_EQ(0, vmmig_session_start(self->h, run->src_id));
	run->st_src = wait_final(self->h, run->src_id, &run->r_src, 120);
	run->st_dst = wait_final(self->h, run->dst_id, &run->r_dst, 60);
	relay_stop(&run->relay);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

static void csum_done(FIXTURE_DATA(quick) *self, struct csum_run *run)
{
	vmmig_session_destroy(self->h, run->src_id);
	vmmig_session_destroy(self->h, run->dst_id);
}

/* Checksummed, nothing flipped: it completes, and both ends say crc32c. */
TEST_F_TIMEOUT(quick, checksum_intact_stream_completes, 300)
{
	struct vmmig_session_info si, di;
	struct csum_run run;
	uint64_t bad;

	fill_source(&self->src, 0xc5c5);
	csum_migrate(_metadata, self, true, true, NULL, &run);
	EXPECT_EQ(VMMIG_STATE_COMPLETED, run.st_src)
		TH_LOG("source: %s", vmmig_reason_name(run.r_src));
	EXPECT_EQ(VMMIG_STATE_COMPLETED, run.st_dst)
		TH_LOG("destination: %s", vmmig_reason_name(run.r_dst));
	ASSERT_EQ(0, vmmig_session_get(self->h, run.src_id, &si));
	ASSERT_EQ(0, vmmig_session_get(self->h, run.dst_id, &di));
	EXPECT_EQ(VMMIG_CHECKSUM_CRC32C, si.checksum);
	EXPECT_EQ(VMMIG_CHECKSUM_CRC32C, di.checksum);
	EXPECT_STREQ("crc32c", vmmig_checksum_name(di.checksum));
	EXPECT_EQ(total_pages(), di.stats.pages);
	/* The relay parsed the same stream: the flip tests aim right. */
	EXPECT_LT(2500, run.relay.page_recs);
	bad = vmm_vm_diff_pages(&self->src, &self->dst);
	EXPECT_EQ(0, bad);
	csum_done(self, &run);
}

/*
 * One bit flipped on the way, in a page's contents or in a record header:
 * with checksums, the destination fails with bad-checksum and tells the
 * source, which fails with it too.
 */
TEST_F_TIMEOUT(quick, checksum_catches_flipped_bits, 900)
{
	unsigned int i, n = sizeof(payload_flips) / sizeof(payload_flips[0]);
	struct csum_run run;

	fill_source(&self->src, 0xf11b);
	for (i = 0; i <= n; i++) {
		const struct relay_flip *f = i < n ? &payload_flips[i] :
					     &header_flip;

		csum_migrate(_metadata, self, true, false, f, &run);
		EXPECT_TRUE(run.relay.flipped) TH_LOG("%s: not flipped", f->what);
		EXPECT_EQ(VMMIG_STATE_FAILED, run.st_dst) TH_LOG("%s", f->what);
		EXPECT_EQ(VMMIG_REASON_BAD_CHECKSUM, run.r_dst)
			TH_LOG("%s: destination %s", f->what,
			       vmmig_reason_name(run.r_dst));
		EXPECT_EQ(VMMIG_STATE_FAILED, run.st_src) TH_LOG("%s", f->what);
		EXPECT_EQ(VMMIG_REASON_BAD_CHECKSUM, run.r_src)
			TH_LOG("%s: source %s", f->what,
			       vmmig_reason_name(run.r_src));
		csum_done(self, &run);
	}
}

/*
 * What the option buys: without checksums the same corrupted streams
 * complete, and the destination VM has a wrong page.
 */
TEST_F_TIMEOUT(quick, no_checksum_misses_flipped_bits, 600)
{
	const struct relay_flip *flips[] = {
		&payload_flips[2], &payload_flips[4], &header_flip,
	};
	struct csum_run run;
	unsigned int i;
	uint64_t bad;

	fill_source(&self->src, 0x0b17);
	for (i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		csum_migrate(_metadata, self, false, false, flips[i], &run);
		EXPECT_TRUE(run.relay.flipped) TH_LOG("%s", flips[i]->what);
		EXPECT_EQ(VMMIG_STATE_COMPLETED, run.st_src)
			TH_LOG("%s: source %s", flips[i]->what,
			       vmmig_reason_name(run.r_src));
		EXPECT_EQ(VMMIG_STATE_COMPLETED, run.st_dst)
			TH_LOG("%s: destination %s", flips[i]->what,
			       vmmig_reason_name(run.r_dst));
		bad = vmm_vm_diff_pages(&self->src, &self->dst);
		if (flips[i]->in_header) {
			EXPECT_LE(1, bad) TH_LOG("%s", flips[i]->what);
		} else {
			EXPECT_EQ(1, bad) TH_LOG("%s", flips[i]->what);
		}
		csum_done(self, &run);
	}
}

/* A destination that requires checksums refuses a stream without them. */
TEST_F_TIMEOUT(quick, checksum_required_by_destination, 300)
{
	struct vmmig_session_info di;
	struct csum_run run;

	fill_source(&self->src, 0x4e4e);
	csum_migrate(_metadata, self, false, true, NULL, &run);
	EXPECT_EQ(VMMIG_STATE_FAILED, run.st_dst);
	EXPECT_EQ(VMMIG_REASON_NO_CHECKSUM, run.r_dst)
		TH_LOG("destination: %s", vmmig_reason_name(run.r_dst));
	EXPECT_EQ(VMMIG_STATE_FAILED, run.st_src);
	EXPECT_EQ(VMMIG_REASON_NO_CHECKSUM, run.r_src)
		TH_LOG("source: %s", vmmig_reason_name(run.r_src));
	/* Nothing but the HELLO was taken: no page written. */
	ASSERT_EQ(0, vmmig_session_get(self->h, run.dst_id, &di));
	EXPECT_EQ(0, di.stats.pages);
	EXPECT_EQ(VMMIG_CHECKSUM_NONE, di.checksum);
	csum_done(self, &run);
}

/* A saved, checksummed stream with one bit flipped on storage. */
TEST_F_TIMEOUT(quick, checksum_saved_file, 300)
{
	char path[] = "/tmp/vmmig-csum.XXXXXX", rpath[64];
	struct vmmig_new_opts o;
	uint32_t id, reason = 0;
	struct stat stt;
	uint8_t byte;
	off_t at;
	int fd, rfd, pass;

	fill_source(&self->src, 0x5a7e);
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	unlink(path);
	o = VMMIG_NEW_OPTS(.flags = VMMIG_NEW_FILE | VMMIG_NEW_CHECKSUM,
			   .file_fd = fd);
	ASSERT_EQ(0, vmmig_session_new(self->h, VMMIG_ROLE_SOURCE,
				       self->src.fd, &o, &id))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_start(self->h, id));
	ASSERT_EQ(VMMIG_STATE_COMPLETED, wait_final(self->h, id, &reason, 120))
		TH_LOG("save: %s", vmmig_reason_name(reason));
	ASSERT_EQ(0, vmmig_session_destroy(self->h, id));
	ASSERT_EQ(0, fstat(fd, &stt));
	snprintf(rpath, sizeof(rpath), "/proc/self/fd/%d", fd);

	/* Intact, then with one bit flipped two thirds in (page data). */
	at = stt.st_size / 3 * 2;
	for (pass = 0; pass < 2; pass++) {
		if (pass) {
			ASSERT_EQ(1, pread(fd, &byte, 1, at));
			byte ^= 0x10;
			ASSERT_EQ(1, pwrite(fd, &byte, 1, at));
		}
		rfd = open(rpath, O_RDONLY);
		ASSERT_LE(0, rfd);
		o = VMMIG_NEW_OPTS(.flags = VMMIG_NEW_FILE | VMMIG_NEW_CHECKSUM,
				   .file_fd = rfd);
		ASSERT_EQ(0, vmmig_session_new(self->h, VMMIG_ROLE_DESTINATION,
					       self->dst.fd, &o, &id))
			TH_LOG("%s", vmmig_errmsg(self->h));
		ASSERT_EQ(0, vmmig_session_start(self->h, id));
		if (!pass) {
			EXPECT_EQ(VMMIG_STATE_COMPLETED,
				  wait_final(self->h, id, &reason, 120))
				TH_LOG("restore: %s", vmmig_reason_name(reason));
			EXPECT_EQ(0, vmm_vm_diff_pages(&self->src, &self->dst));
		} else {
			EXPECT_EQ(VMMIG_STATE_FAILED,
				  wait_final(self->h, id, &reason, 120));
			EXPECT_EQ(VMMIG_REASON_BAD_CHECKSUM, reason)
				TH_LOG("restore: %s", vmmig_reason_name(reason));
		}
		ASSERT_EQ(0, vmmig_session_destroy(self->h, id));
		close(rfd);
	}
	close(fd);
}

/* ---- kTLS: encryption, require-encryption, hostile TLS streams --------- */

/* Ports of the kTLS cases' veth connections, one per migration. */
static uint16_t tls_port = 7800;

/*
 * The debug kernel (KASAN, lockdep) decrypts about 0.4 MB/s in the test
 * host (run_tests.sh sets VMMIG_TEST_PROFILE=debug there): its kTLS cases
 * stamp one page in 16 (the rest are zero pages, sent as records without
 * payload) and flip bits within that shorter stream.
 */
static bool tls_light(void)
{
	const char *p = getenv("VMMIG_TEST_PROFILE");

	return p && !strcmp(p, "debug");
}

/* The source for a kTLS case: fill_source(), or sparse on the debug kernel. */
static void tls_fill(struct vmm_vm *vm, uint64_t seed)
{
	uint64_t i;
	int s;

	fill_source(vm, seed);
	if (!tls_light())
		return;
	for (s = 0; s < NSLOTS; s++)
		for (i = 0; i < slots[s].npages; i++)
			if (i % 16)
				memset(vm->mem[s] + i * PAGE, 0, PAGE);
}

/*
 * Does every destination page hold the source's contents, its own fill
 * (0xaa: never written) or zeros (cleared), and nothing else: nothing from
 * a record that failed authentication?  Returns the pages that do not.
 */
static uint64_t pages_foreign(const struct vmm_vm *src,
			      const struct vmm_vm *dst)
{
	static uint8_t fill[PAGE], zero[PAGE];
	uint64_t bad = 0, i;
	int sl;

	memset(fill, 0xaa, PAGE);
	for (sl = 0; sl < NSLOTS; sl++)
		for (i = 0; i < slots[sl].npages; i++) {
			const uint8_t *d = dst->mem[sl] + i * PAGE;

			if (memcmp(d, src->mem[sl] + i * PAGE, PAGE) &&
			    memcmp(d, fill, PAGE) && memcmp(d, zero, PAGE))
				bad++;
		}
	return bad;
}

/* The destination as it was created: every page 0xaa. */
static void dst_refill(struct vmm_vm *dst)
{
	int sl;

	for (sl = 0; sl < NSLOTS; sl++)
		memset(dst->mem[sl], 0xaa, slots[sl].npages * PAGE);
}

/* Pages of the destination that were written at all (not 0xaa). */
static uint64_t pages_written(const struct vmm_vm *dst)
{
	static uint8_t fill[PAGE];
	uint64_t n = 0, i;
	int sl;

	memset(fill, 0xaa, PAGE);
	for (sl = 0; sl < NSLOTS; sl++)
		for (i = 0; i < slots[sl].npages; i++)
			n += !!memcmp(dst->mem[sl] + i * PAGE, fill, PAGE);
	return n;
}

/*
 * A quick migration over kTLS (both directions keyed after the handshake,
 * both sessions with require-encryption), between the two network
 * namespaces, the VMM state too: every page and byte equal, and both
 * sessions report TLS 1.3 and the cipher.
 */
static void tls_migrate_ok(struct __test_metadata *_metadata,
			   FIXTURE_DATA(quick) *self, enum ktls_cipher c)
{
	const size_t blob_len = 200003;
	uint64_t seed = (uint64_t)time(NULL) ^ (c + 1) * 0x9e3779b97f4a7c15ULL;
	int sblob = blob_make(blob_len, seed), dblob = memfd_create("d", 0);
	struct vmmig_new_opts dopts, sopts;
	struct vmmig_session_info si, di;
	uint32_t sid, did, rs = 0, rd = 0;
	int fds[2], err;

	tls_fill(&self->src, seed);
	err = __ktls_pair_veth(fds, c, tls_port++);
	ASSERT_EQ(0, err) TH_LOG("kTLS: %s", strerror(-err));
	dopts = VMMIG_NEW_OPTS(.sock_fds = &fds[1], .nr_socks = 1,
			       .blob_fd = dblob,
			       .flags = VMMIG_NEW_BLOB |
					VMMIG_NEW_REQUIRE_ENCRYPTION);
	sopts = VMMIG_NEW_OPTS(.sock_fds = &fds[0], .nr_socks = 1,
			       .blob_fd = sblob,
			       .flags = VMMIG_NEW_BLOB |
					VMMIG_NEW_REQUIRE_ENCRYPTION);
	ASSERT_EQ(0, vmmig_session_new(self->h, VMMIG_ROLE_DESTINATION,
				       self->dst.fd, &dopts, &did))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_new(self->h, VMMIG_ROLE_SOURCE,
				       self->src.fd, &sopts, &sid))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_start(self->h, did));
	ASSERT_EQ(0, vmmig_session_start(self->h, sid));
	EXPECT_EQ(VMMIG_STATE_COMPLETED, wait_final(self->h, sid, &rs, 240))
		TH_LOG("source: %s", vmmig_reason_name(rs));
	EXPECT_EQ(VMMIG_STATE_COMPLETED, wait_final(self->h, did, &rd, 60))
		TH_LOG("destination: %s", vmmig_reason_name(rd));
	ASSERT_EQ(0, vmmig_session_get(self->h, sid, &si));
	ASSERT_EQ(0, vmmig_session_get(self->h, did, &di));
	EXPECT_EQ(total_pages(), di.stats.pages);
	EXPECT_EQ(0, vmm_vm_diff_pages(&self->src, &self->dst));
	EXPECT_TRUE(blob_same(sblob, dblob, blob_len));
	EXPECT_EQ(0x0304, si.tls_version);
	EXPECT_EQ(0x0304, di.tls_version);
	EXPECT_EQ(ktls_cipher_type(c), si.tls_cipher);
	EXPECT_EQ(ktls_cipher_type(c), di.tls_cipher);
	EXPECT_EQ(1, si.require_encryption);
	EXPECT_EQ(1, di.require_encryption);
	EXPECT_STREQ(c == KTLS_AES_GCM_128 ? "tls1.3-aes-gcm-128" :
					     "tls1.3-aes-gcm-256",
		     vmmig_cipher_name(di.tls_version, di.tls_cipher));
	vmmig_session_destroy(self->h, sid);
	vmmig_session_destroy(self->h, did);
	close(fds[0]);
	close(fds[1]);
	close(sblob);
	close(dblob);
}

TEST_F_TIMEOUT(quick, ktls_aes_gcm_128_psk, 300)
{
	tls_migrate_ok(_metadata, self, KTLS_AES_GCM_128);
}

TEST_F_TIMEOUT(quick, ktls_aes_gcm_256_x509, 300)
{
	tls_migrate_ok(_metadata, self, KTLS_AES_GCM_256);
}

/* session-new on @fd; its errno, and the kernel's message in @msg. */
static int tls_new(FIXTURE_DATA(quick) *self, int fd, uint32_t role,
		   uint32_t flags, char *msg, size_t len)
{
	struct vmmig_new_opts o = VMMIG_NEW_OPTS(.sock_fds = &fd,
						 .nr_socks = 1,
						 .flags = flags);
	uint32_t id;
	int err;

	err = vmmig_session_new(self->h, role,
				role == VMMIG_ROLE_SOURCE ? self->src.fd :
							    self->dst.fd,
				&o, &id);
	snprintf(msg, len, "%s", err ? vmmig_errmsg(self->h) : "");
	if (!err)
		vmmig_session_destroy(self->h, id);
	return err;
}

static int module_param_set(const char *name, const char *val)
{
	char path[128];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/sys/module/vmmig/parameters/%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/*
 * require-encryption: a plaintext socket and a file are refused at
 * session-new (so is a socket keyed one way only, or with the ULP and no
 * keys, always: its stream would be neither); the host's default
 * (module parameter) refuses plaintext unless the session says 0.
 */
TEST_F_TIMEOUT(quick, ktls_require_encryption, 120)
{
	const struct {
		const char *what;
		unsigned int keys;
		uint32_t flags;
		int err;
		const char *msg;
	} cases[] = {
		{ "plaintext", 0, VMMIG_NEW_REQUIRE_ENCRYPTION, -EPERM,
		  "require-encryption" },
		{ "plaintext, not required", 0, 0, 0, "" },
		{ "sending keys only", KTLS_TX, VMMIG_NEW_REQUIRE_ENCRYPTION,
		  -ENOKEY, "not both directions keyed" },
		{ "receiving keys only", KTLS_RX, 0, -ENOKEY,
		  "not both directions keyed" },
		{ "ULP, no keys", KTLS_ULP, 0, -ENOKEY,
		  "not both directions keyed" },
		{ "both keyed", KTLS_BOTH, VMMIG_NEW_REQUIRE_ENCRYPTION, 0,
		  "" },
	};
	char msg[256], path[] = "/tmp/vmmig-tls.XXXXXX";
	struct vmmig_new_opts fo;
	unsigned int i;
	uint32_t id;
	int fds[2], err, fd;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned int k = cases[i].keys;

		ASSERT_EQ(0, tcp_pair(fds));
		err = k == KTLS_ULP ?
		      (setsockopt(fds[1], SOL_TCP, TCP_ULP, "tls", 4) ? -errno : 0) :
		      k ? __ktls_pair(fds[0], fds[1], KTLS_AES_GCM_128,
				      KTLS_BOTH, k) : 0;
		ASSERT_EQ(0, err) TH_LOG("%s: %s", cases[i].what,
					 strerror(-err));
		err = tls_new(self, fds[1], VMMIG_ROLE_DESTINATION,
			      cases[i].flags, msg, sizeof(msg));
		EXPECT_EQ(cases[i].err, err) TH_LOG("%s: %s", cases[i].what, msg);
		EXPECT_NE(NULL, strstr(msg, cases[i].msg))
			TH_LOG("%s: \"%s\"", cases[i].what, msg);
		close(fds[0]);
		close(fds[1]);
	}

	/* A saved stream is plaintext. */
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	unlink(path);
	fo = VMMIG_NEW_OPTS(.file_fd = fd,
			    .flags = VMMIG_NEW_FILE |
				     VMMIG_NEW_REQUIRE_ENCRYPTION);
	EXPECT_EQ(-EPERM, vmmig_session_new(self->h, VMMIG_ROLE_SOURCE,
					    self->src.fd, &fo, &id));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "file-fd"));
	close(fd);

	/* The host's default, and a session's explicit 0 over it. */
	ASSERT_EQ(0, tcp_pair(fds));
	ASSERT_EQ(0, module_param_set("require_encryption", "Y"));
	err = tls_new(self, fds[0], VMMIG_ROLE_SOURCE, 0, msg, sizeof(msg));
	EXPECT_EQ(-EPERM, err) TH_LOG("host default: %s", msg);
	ASSERT_EQ(0, module_param_set("require_encryption", "N"));
	err = tls_new(self, fds[0], VMMIG_ROLE_SOURCE, 0, msg, sizeof(msg));
	EXPECT_EQ(0, err) TH_LOG("%s", msg);
	close(fds[0]);
	close(fds[1]);
}

/*
 * A source that sends plaintext to a kTLS destination (the destination
 * VMM keyed its socket, the source's did not): the destination fails with
 * tls-bad-record and writes nothing.
 */
TEST_F_TIMEOUT(quick, ktls_plaintext_peer_writes_nothing, 120)
{
	struct vmmig_new_opts dopts, sopts;
	struct vmmig_session_info di;
	uint32_t sid, did, rs = 0, rd = 0;
	int fds[2], err;

	tls_fill(&self->src, 0x7e7e);
	ASSERT_EQ(0, tcp_pair(fds));
	err = __ktls_pair(fds[0], fds[1], KTLS_AES_GCM_128, 0, KTLS_BOTH);
	ASSERT_EQ(0, err) TH_LOG("kTLS: %s", strerror(-err));
	dopts = VMMIG_NEW_OPTS(.sock_fds = &fds[1], .nr_socks = 1,
			       .flags = VMMIG_NEW_REQUIRE_ENCRYPTION);
	sopts = VMMIG_NEW_OPTS(.sock_fds = &fds[0], .nr_socks = 1);
	ASSERT_EQ(0, vmmig_session_new(self->h, VMMIG_ROLE_DESTINATION,
				       self->dst.fd, &dopts, &did))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_new(self->h, VMMIG_ROLE_SOURCE,
				       self->src.fd, &sopts, &sid))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_start(self->h, did));
	ASSERT_EQ(0, vmmig_session_start(self->h, sid));
	EXPECT_EQ(VMMIG_STATE_FAILED, wait_final(self->h, did, &rd, 60));
	EXPECT_EQ(VMMIG_REASON_TLS_BAD_RECORD, rd)
		TH_LOG("destination: %s", vmmig_reason_name(rd));
	EXPECT_EQ(VMMIG_STATE_FAILED, wait_final(self->h, sid, &rs, 60))
		TH_LOG("source: %s", vmmig_reason_name(rs));
	ASSERT_EQ(0, vmmig_session_get(self->h, did, &di));
	EXPECT_EQ(0, di.stats.pages);
	EXPECT_EQ(0, pages_written(&self->dst));
	vmmig_session_destroy(self->h, sid);
	vmmig_session_destroy(self->h, did);
	close(fds[0]);
	close(fds[1]);
}

/*
 * A quick migration over kTLS through a relay that flips one ciphertext
 * bit, or cuts the stream inside a TLS record: the destination fails with
 * tls-bad-record (truncated for the cut), and after a flip no page holds
 * anything but the source's contents, its fill or zeros: nothing came
 * from the record that failed.
 */
TEST_F_TIMEOUT(quick, ktls_tampered_and_truncated, 900)
{
	/* The stream is some 47 MiB of ciphertext, 3 MiB with tls_light(). */
	const uint32_t mib = tls_light() ? 1 << 16 : 1 << 20;
	const struct relay_flip flips[] = {
		{ .what = "first data record", .raw = true, .off = 4000,
		  .bit = 1 },
		{ .what = "page data at 1 MiB", .raw = true,
		  .off = (1 << 20) + 333, .bit = 7 },
		{ .what = "page data at 30 MiB (debug: 1.9 MiB)", .raw = true,
		  .off = 30 * mib + 16500, .bit = 3 },
		{ .what = "cut at 5 MiB (debug: 320 KiB)", .raw = true,
		  .cut = true, .off = 5 * mib + 1001 },
	};
	unsigned int i;

	tls_fill(&self->src, 0x3a3a);
	for (i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		const struct relay_flip *f = &flips[i];
		uint32_t want = f->cut ? VMMIG_REASON_TRUNCATED :
					 VMMIG_REASON_TLS_BAD_RECORD;
		struct vmmig_new_opts dopts, sopts;
		struct vmmig_session_info di;
		uint32_t sid, did, rs = 0, rd = 0;
		struct relay relay;
		int a[2], b[2], err;

		dst_refill(&self->dst);
		ASSERT_EQ(0, tcp_pair(a));
		ASSERT_EQ(0, tcp_pair(b));
		ASSERT_EQ(0, __relay_start(&relay, a[1], b[0], f));
		err = __ktls_pair(a[0], b[1], KTLS_AES_GCM_128, KTLS_BOTH,
				  KTLS_BOTH);
		ASSERT_EQ(0, err) TH_LOG("kTLS: %s", strerror(-err));
		dopts = VMMIG_NEW_OPTS(.sock_fds = &b[1], .nr_socks = 1,
				       .flags = VMMIG_NEW_REQUIRE_ENCRYPTION);
		sopts = VMMIG_NEW_OPTS(.sock_fds = &a[0], .nr_socks = 1,
				       .flags = VMMIG_NEW_REQUIRE_ENCRYPTION);
		ASSERT_EQ(0, vmmig_session_new(self->h, VMMIG_ROLE_DESTINATION,
					       self->dst.fd, &dopts, &did))
			TH_LOG("%s", vmmig_errmsg(self->h));
		ASSERT_EQ(0, vmmig_session_new(self->h, VMMIG_ROLE_SOURCE,
					       self->src.fd, &sopts, &sid))
			TH_LOG("%s", vmmig_errmsg(self->h));
		ASSERT_EQ(0, vmmig_session_start(self->h, did));
		ASSERT_EQ(0, vmmig_session_start(self->h, sid));
		EXPECT_EQ(VMMIG_STATE_FAILED, wait_final(self->h, did, &rd, 120))
			TH_LOG("%s", f->what);
		EXPECT_EQ(want, rd) TH_LOG("%s: destination %s", f->what,
					   vmmig_reason_name(rd));
		EXPECT_EQ(VMMIG_STATE_FAILED, wait_final(self->h, sid, &rs, 120))
			TH_LOG("%s: source %s", f->what, vmmig_reason_name(rs));
		relay_stop(&relay);
		EXPECT_TRUE(relay.flipped) TH_LOG("%s: not reached", f->what);
		ASSERT_EQ(0, vmmig_session_get(self->h, did, &di));
		if (f->off > (1 << 20)) {
			EXPECT_LT(0, di.stats.pages) TH_LOG("%s", f->what);
		}
		EXPECT_GT(total_pages(), di.stats.pages) TH_LOG("%s", f->what);
		/*
		 * A cut stream may end inside a page (records under 4 pages
		 * share TLS records): that one page is the source's up to the
		 * cut.  A flipped bit must leave nothing of its record.
		 */
		EXPECT_GE(f->cut ? 1 : 0,
			  pages_foreign(&self->src, &self->dst))
			TH_LOG("%s", f->what);
		vmmig_session_destroy(self->h, sid);
		vmmig_session_destroy(self->h, did);
		close(a[0]);
		close(a[1]);
		close(b[0]);
		close(b[1]);
	}
}

/*
 * TLS records that are not data, from a peer VMM that kept its socket
 * (or a hostile one): each fails the destination with its own reason
 * before anything is written.
 */
TEST_F_TIMEOUT(quick, ktls_control_records, 120)
{
	static const uint8_t alert[] = { 2, 20 };	/* bad_record_mac */
	static const uint8_t key_update[] = { 24, 0, 0, 1, 0 };
	static const uint8_t ticket[] = { 4, 0, 0, 4, 0, 0, 0, 0 };
	const struct {
		const char *what;
		uint8_t type;
		const uint8_t *buf;
		size_t len;
		uint32_t reason;
	} cases[] = {
		{ "alert", 21, alert, sizeof(alert), VMMIG_REASON_TLS_ALERT },
		{ "KeyUpdate", 22, key_update, sizeof(key_update),
		  VMMIG_REASON_TLS_KEY_UPDATE },
		{ "NewSessionTicket", 22, ticket, sizeof(ticket),
		  VMMIG_REASON_TLS_HANDSHAKE },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmmig_new_opts dopts;
		struct vmmig_session_info di;
		uint32_t did, rd = 0;
		int fds[2], err;

		ASSERT_EQ(0, tcp_pair(fds));
		err = __ktls_pair(fds[0], fds[1], KTLS_AES_GCM_128, KTLS_BOTH,
				  KTLS_BOTH);
		ASSERT_EQ(0, err) TH_LOG("kTLS: %s", strerror(-err));
		dopts = VMMIG_NEW_OPTS(.sock_fds = &fds[1], .nr_socks = 1,
				       .flags = VMMIG_NEW_REQUIRE_ENCRYPTION);
		ASSERT_EQ(0, vmmig_session_new(self->h, VMMIG_ROLE_DESTINATION,
					       self->dst.fd, &dopts, &did))
			TH_LOG("%s", vmmig_errmsg(self->h));
		ASSERT_EQ(0, vmmig_session_start(self->h, did));
		err = __ktls_send_record(fds[0], cases[i].type, cases[i].buf,
					 cases[i].len);
		ASSERT_EQ(0, err) TH_LOG("%s: %s", cases[i].what,
					 strerror(-err));
		EXPECT_EQ(VMMIG_STATE_FAILED, wait_final(self->h, did, &rd, 60))
			TH_LOG("%s", cases[i].what);
		EXPECT_EQ(cases[i].reason, rd)
			TH_LOG("%s: %s", cases[i].what, vmmig_reason_name(rd));
		ASSERT_EQ(0, vmmig_session_get(self->h, did, &di));
		EXPECT_EQ(0, di.stats.pages);
		vmmig_session_destroy(self->h, did);
		close(fds[0]);
		close(fds[1]);
	}
	EXPECT_EQ(0, pages_written(&self->dst));
}

/* ---- save to a file, restore from it ----------------------------------- */

TEST_F_TIMEOUT(quick, save_and_restore, 300)
{
	uint64_t seed = 0xfeedULL << 20, bad;
	char path[] = "/tmp/vmmig-save.XXXXXX", rpath[64];
	uint32_t id, reason = 0;
	struct stat stt;
	int fd, rfd;

	fill_source(&self->src, seed);
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	unlink(path);

	ASSERT_EQ(0, vmmig_session_create_file(self->h, VMMIG_ROLE_SOURCE,
					       self->src.fd, fd, NULL, &id))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_start(self->h, id));
	EXPECT_EQ(VMMIG_STATE_COMPLETED,
		  wait_final(self->h, id, &reason, 120))
		TH_LOG("save: %s", vmmig_reason_name(reason));
	ASSERT_EQ(0, vmmig_session_destroy(self->h, id));
	ASSERT_EQ(0, fstat(fd, &stt));
	TH_LOG("saved %lld bytes for %llu pages", (long long)stt.st_size,
	       (unsigned long long)total_pages());

	/* Restore through a read-only descriptor of the same file. */
	snprintf(rpath, sizeof(rpath), "/proc/self/fd/%d", fd);
	rfd = open(rpath, O_RDONLY);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, vmmig_session_create_file(self->h, VMMIG_ROLE_DESTINATION,
					       self->dst.fd, rfd, NULL, &id))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_start(self->h, id));
	EXPECT_EQ(VMMIG_STATE_COMPLETED,
		  wait_final(self->h, id, &reason, 120))
		TH_LOG("restore: %s", vmmig_reason_name(reason));
	ASSERT_EQ(0, vmmig_session_destroy(self->h, id));

	bad = vmm_vm_diff_pages(&self->src, &self->dst);
	EXPECT_EQ(0, bad);

	/*
	 * F18 of the December review: a file with bytes after END (an old,
	 * longer save overwritten by a shorter one) is not restored.
	 */
	ASSERT_EQ(1, pwrite(fd, "x", 1, stt.st_size));
	close(rfd);
	rfd = open(rpath, O_RDONLY);
	ASSERT_EQ(0, vmmig_session_create_file(self->h, VMMIG_ROLE_DESTINATION,
					       self->dst.fd, rfd, NULL, &id));
	ASSERT_EQ(0, vmmig_session_start(self->h, id));
	EXPECT_EQ(VMMIG_STATE_FAILED, wait_final(self->h, id, &reason, 120));
	EXPECT_EQ(VMMIG_REASON_TRAILING_DATA, reason)
		TH_LOG("%s", vmmig_reason_name(reason));
	ASSERT_EQ(0, vmmig_session_destroy(self->h, id));

	/* The same file cut short never restores as complete. */
	ASSERT_EQ(0, ftruncate(fd, stt.st_size / 2));
	close(rfd);
	rfd = open(rpath, O_RDONLY);
	ASSERT_EQ(0, vmmig_session_create_file(self->h, VMMIG_ROLE_DESTINATION,
					       self->dst.fd, rfd, NULL, &id));
	ASSERT_EQ(0, vmmig_session_start(self->h, id));
	EXPECT_EQ(VMMIG_STATE_FAILED,
		  wait_final(self->h, id, &reason, 120));
	EXPECT_EQ(VMMIG_REASON_TRUNCATED, reason)
		TH_LOG("%s", vmmig_reason_name(reason));
	close(rfd);
	close(fd);
}

/*
 * F10 of the December review: the session's thread writes as the VMM
 * would, with its credentials and limits.  A save beyond the VMM's
 * RLIMIT_FSIZE fails; a write into a set-uid file strips the bit when the
 * VMM lacks CAP_FSETID (a kernel thread has it).
 */
static int drop_cap_fsetid(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[0].effective &= ~(1U << CAP_FSETID);
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

TEST_F_TIMEOUT(quick, save_as_the_vmm, 300)
{
	char path[] = "/tmp/vmmig-limits.XXXXXX";
	struct rlimit small = { 1 << 20, 1 << 20 }, old;
	uint32_t id, reason = 0;
	struct stat stt;
	int fd;

	fill_source(&self->src, 0x11);
	signal(SIGXFSZ, SIG_IGN);
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	unlink(path);
	ASSERT_EQ(0, getrlimit(RLIMIT_FSIZE, &old));
	ASSERT_EQ(0, setrlimit(RLIMIT_FSIZE, &small));
	ASSERT_EQ(0, vmmig_session_create_file(self->h, VMMIG_ROLE_SOURCE,
					       self->src.fd, fd, NULL, &id));
	ASSERT_EQ(0, setrlimit(RLIMIT_FSIZE, &old));
	ASSERT_EQ(0, vmmig_session_start(self->h, id));
	EXPECT_EQ(VMMIG_STATE_FAILED, wait_final(self->h, id, &reason, 120));
	EXPECT_EQ(VMMIG_REASON_IO_ERROR, reason)
		TH_LOG("%s", vmmig_reason_name(reason));
	ASSERT_EQ(0, fstat(fd, &stt));
	EXPECT_GE(1 << 20, stt.st_size);
	ASSERT_EQ(0, vmmig_session_destroy(self->h, id));
	close(fd);

	strcpy(path, "/tmp/vmmig-suid.XXXXXX");
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	unlink(path);
	ASSERT_EQ(0, fchmod(fd, 06755));
	ASSERT_EQ(0, drop_cap_fsetid());
	ASSERT_EQ(0, vmmig_session_create_file(self->h, VMMIG_ROLE_SOURCE,
					       self->src.fd, fd, NULL, &id));
	ASSERT_EQ(0, vmmig_session_start(self->h, id));
	EXPECT_EQ(VMMIG_STATE_COMPLETED, wait_final(self->h, id, &reason, 120))
		TH_LOG("%s", vmmig_reason_name(reason));
	ASSERT_EQ(0, fstat(fd, &stt));
	EXPECT_EQ(0, stt.st_mode & (S_ISUID | S_ISGID))
		TH_LOG("mode %o after the save", stt.st_mode & 07777);
	close(fd);
}

TEST_F(quick, bad_file_fds)
{
	char path[] = "/tmp/vmmig-bad.XXXXXX";
	int fd = mkstemp(path), ro, pipefd[2];
	uint32_t id;

	ASSERT_LE(0, fd);
	ro = open(path, O_RDONLY);
	unlink(path);
	ASSERT_EQ(0, pipe(pipefd));
	/* Saving needs write access, restoring read access. */
	EXPECT_EQ(-EBADF, vmmig_session_create_file(self->h, VMMIG_ROLE_SOURCE,
						    self->src.fd, ro, NULL,
						    &id));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "file-fd"));
	EXPECT_EQ(-EINVAL, vmmig_session_create_file(self->h,
						     VMMIG_ROLE_DESTINATION,
						     self->dst.fd, pipefd[0],
						     NULL, &id));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "regular file"));
	EXPECT_EQ(-EINVAL, vmmig_session_create_file(self->h, VMMIG_ROLE_SOURCE,
						     self->src.fd, self->sk[0],
						     NULL, &id));
	{
		/* The state file: a pipe is refused, and so is a destination
		 * state file it cannot write.
		 */
		struct vmmig_session_cfg c = {
			.role = VMMIG_ROLE_SOURCE, .vm_fd = self->src.fd,
			.sock_fds = &self->sk[0], .nr_socks = 1,
			.file_fd = -1, .blob_fd = pipefd[0],
		};

		EXPECT_EQ(-EINVAL, vmmig_session_create_cfg(self->h, &c, &id));
		EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "blob-fd"));
		c.role = VMMIG_ROLE_DESTINATION;
		c.vm_fd = self->dst.fd;
		c.blob_fd = ro;
		EXPECT_EQ(-EBADF, vmmig_session_create_cfg(self->h, &c, &id));
		EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "blob-fd"));
	}
	close(pipefd[0]);
	close(pipefd[1]);
	close(ro);
	close(fd);
}

/* ---- a running guest: pause, migrate with its vCPU state, resume ------- */

/*
 * Real-mode guest at 0x1000: fills 32 KiB at 0x3000 with a pattern, then
 * eax = sum of ecx = N..1 (mod 2^32), storing the running sum at 0x2000
 * after every step, then hlt.  Paused half-way,
 * its registers travel in the VMM blob and its code and memory in the
 * stream; resumed on the destination it must end with the exact sum.
 */
#define GUEST_N		400000000U

#define GUEST_FILL_AT	0x3000		/* 32 KiB the guest fills */
#define GUEST_FILL_DW	0x2000
#define GUEST_PATTERN	0xa5c3e10fU

static const uint8_t guest_code[] = {
	0xbf, 0x00, 0x30,			/* mov di, 0x3000 */
	0xb9, 0x00, 0x20,			/* mov cx, 0x2000 */
	0x66, 0xb8, GUEST_PATTERN & 0xff, (GUEST_PATTERN >> 8) & 0xff,
	(GUEST_PATTERN >> 16) & 0xff, GUEST_PATTERN >> 24,	/* mov eax, P */
	0xf3, 0x66, 0xab,			/* rep stosd */
	0x66, 0xb9, GUEST_N & 0xff, (GUEST_N >> 8) & 0xff,
	(GUEST_N >> 16) & 0xff, GUEST_N >> 24,	/* mov ecx, N */
	0x66, 0x31, 0xc0,			/* xor eax, eax */
	0x66, 0x01, 0xc8,			/* 1: add eax, ecx */
	0x66, 0xa3, 0x00, 0x20,			/* mov [0x2000], eax */
	0x66, 0x49,				/* dec ecx */
	0x75, 0xf5,				/* jnz 1b */
	0xf4,					/* hlt */
};

/* Did the guest's own pattern reach @mem (slot 0)? */
static bool guest_pattern_ok(const uint8_t *mem)
{
	const uint32_t *p = (const uint32_t *)(mem + GUEST_FILL_AT);
	unsigned int i;

	for (i = 0; i < GUEST_FILL_DW; i++)
		if (p[i] != GUEST_PATTERN)
			return false;
	return true;
}

static uint32_t expected_sum(void)
{
	uint64_t n = GUEST_N;

	return (uint32_t)(n * (n + 1) / 2);
}

/*
 * Run the guest, pause it, move it (over the fixture's TCP pair, or saved to
 * a file and restored from it), resume it on the destination.
 */
struct guest_env {
	struct vmmig *h, *ev;
	struct vmm_vm *src, *dst;
	int *sk;
};

static void run_pause_move_resume(struct __test_metadata *_metadata,
				  const struct guest_env *self, bool via_file)
{
	struct vmmig_session_cfg dcfg = {
		.role = VMMIG_ROLE_DESTINATION, .vm_fd = self->dst->fd,
		.sock_fds = &self->sk[1], .nr_socks = 1, .file_fd = -1,
	}, scfg = {
		.role = VMMIG_ROLE_SOURCE, .vm_fd = self->src->fd,
		.sock_fds = &self->sk[0], .nr_socks = 1, .file_fd = -1,
	};
	struct vmmig_session_info si;
	struct vmm_vcpu sv, dv;
	struct vmm_vcpu_state st;
	uint32_t src_id, dst_id, reason = 0, done;
	int sblob, dblob, ret;
	uint64_t bad;

	fill_source(self->src, 7);
	memcpy(self->src->mem[0] + 0x1000, guest_code, sizeof(guest_code));
	ASSERT_EQ(0, __vmm_vcpu_create(&sv, self->src));
	ASSERT_EQ(0, __vmm_vcpu_real_mode(&sv, 0x1000));

	/* Run the guest for a while, then pause it as a VMM does. */
	ret = __vmm_vcpu_run_for(&sv, 500);
	ASSERT_EQ(0, ret) TH_LOG("run: %d", ret);
	ASSERT_EQ(0, __vmm_vcpu_get_state(&sv, &st));
	done = GUEST_N - (uint32_t)st.regs.rcx;
	TH_LOG("paused after %u of %u steps", done, GUEST_N);
	ASSERT_LT(0, done);		/* the guest ran */
	ASSERT_GT(GUEST_N, done);	/* and had not finished */
	EXPECT_EQ((uint32_t)st.regs.rax,
		  *(uint32_t *)(self->src->mem[0] + 0x2000));
	EXPECT_TRUE(guest_pattern_ok(self->src->mem[0]));

	/* Its state goes in the blob, its memory in the stream. */
	sblob = memfd_create("state", 0);
	dblob = memfd_create("state", 0);
	ASSERT_EQ(sizeof(st), pwrite(sblob, &st, sizeof(st), 0));
	dcfg.blob_fd = dblob;
	scfg.blob_fd = sblob;
	if (via_file) {
		/* Save, then restore from the same file, read-only. */
		char path[] = "/tmp/vmmig-guest.XXXXXX";
		int wfd = mkstemp(path);

		ASSERT_LE(0, wfd);
		scfg.sock_fds = NULL;
		scfg.nr_socks = 0;
		scfg.file_fd = wfd;
		ASSERT_EQ(0, vmmig_session_create_cfg(self->h, &scfg, &src_id));
		ASSERT_EQ(0, vmmig_session_start(self->h, src_id));
		ASSERT_EQ(VMMIG_STATE_COMPLETED,
			  wait_final(self->h, src_id, &reason, 240))
			TH_LOG("save: %s", vmmig_reason_name(reason));
		dcfg.sock_fds = NULL;
		dcfg.nr_socks = 0;
		dcfg.file_fd = open(path, O_RDONLY);
		unlink(path);
		close(wfd);
		ASSERT_EQ(0, vmmig_session_create_cfg(self->h, &dcfg, &dst_id));
		ASSERT_EQ(0, vmmig_session_start(self->h, dst_id));
		ASSERT_EQ(VMMIG_STATE_COMPLETED,
			  wait_final(self->h, dst_id, &reason, 240))
			TH_LOG("%s", vmmig_reason_name(reason));
	} else {
		migrate_pair(_metadata, self->h, &dcfg, &scfg, &dst_id,
			     &src_id, 240);
	}
	ASSERT_EQ(0, vmmig_session_get(self->h, dst_id, &si));
	ASSERT_EQ(sizeof(st), si.stats.blob_bytes);

	/* Every page as it was at the pause, before the guest resumes. */
	bad = vmm_vm_diff_pages(self->src, self->dst);
	EXPECT_EQ(0, bad) TH_LOG("%llu pages differ", (unsigned long long)bad);

	/* Resume on the destination from the state that arrived. */
	memset(&st, 0, sizeof(st));
	ASSERT_EQ(sizeof(st), pread(dblob, &st, sizeof(st), 0));
	ASSERT_EQ(0, __vmm_vcpu_create(&dv, self->dst));
	ASSERT_EQ(0, __vmm_vcpu_set_state(&dv, &st));
	ret = vmm_vcpu_run(&dv);
	ASSERT_EQ(KVM_EXIT_HLT, ret) TH_LOG("exit %d", ret);
	ASSERT_EQ(0, __vmm_vcpu_get_state(&dv, &st));
	EXPECT_EQ(expected_sum(), (uint32_t)st.regs.rax);
	EXPECT_EQ(expected_sum(), *(uint32_t *)(self->dst->mem[0] + 0x2000));
	EXPECT_TRUE(guest_pattern_ok(self->dst->mem[0]));
	EXPECT_EQ(0, (uint32_t)st.regs.rcx);
	close(sblob);
	close(dblob);
	if (via_file)
		close(dcfg.file_fd);
}


/* ---- 512 MiB between two network namespaces over veth ------------------ */

FIXTURE(quick_big) {
	struct vmmig *h, *ev;
	struct vmm_vm src, dst;
	int sk[2];
};

FIXTURE_SETUP(quick_big)
{
	int err;

	/* 256 + 499 + 126221 + 4096 pages: 512 MiB in four memslots. */
	slots[2].npages = 126221;
	slots[3].npages = 4096;
	ASSERT_EQ(0, vmmig_open(&self->h));
	ASSERT_EQ(0, vmmig_events_open(&self->ev));
	vm_create(_metadata, &self->src, 0);
	vm_create(_metadata, &self->dst, 0xaa);
	err = tcp_pair_veth(self->sk);
	ASSERT_EQ(0, err) TH_LOG("veth pair: %s (run_tests.sh makes the namespaces)",
				 strerror(-err));
}

FIXTURE_TEARDOWN(quick_big)
{
	env_free(self->h, self->ev, &self->src, &self->dst, self->sk);
}

TEST_F_TIMEOUT(quick_big, running_guest_512m_over_veth, 900)
{
	const struct guest_env env = {
		self->h, self->ev, &self->src, &self->dst, self->sk,
	};

	run_pause_move_resume(_metadata, &env, false);
}

TEST_F_TIMEOUT(quick_big, running_guest_512m_saved_and_restored, 900)
{
	const struct guest_env env = {
		self->h, self->ev, &self->src, &self->dst, self->sk,
	};

	run_pause_move_resume(_metadata, &env, true);
}

TEST_F_TIMEOUT(quick_big, migrate_512m_over_veth, 900)
{
	uint64_t seed = 0xb16b00b5ULL, bad;
	uint32_t src_id, dst_id;
	struct vmmig_session_info si;

	EXPECT_EQ(512ULL << 20, total_pages() * PAGE);
	fill_source(&self->src, seed);
	const struct vmmig_session_cfg dcfg = {
		.role = VMMIG_ROLE_DESTINATION, .vm_fd = self->dst.fd,
		.sock_fds = &self->sk[1], .nr_socks = 1, .file_fd = -1,
		.blob_fd = -1,
	}, scfg = {
		.role = VMMIG_ROLE_SOURCE, .vm_fd = self->src.fd,
		.sock_fds = &self->sk[0], .nr_socks = 1, .file_fd = -1,
		.blob_fd = -1,
	};

	migrate_pair(_metadata, self->h, &dcfg, &scfg, &dst_id, &src_id, 800);
	ASSERT_EQ(0, vmmig_session_get(self->h, src_id, &si));
	TH_LOG("512 MiB over veth: %llu ms, %llu pages (%llu zero)",
	       (unsigned long long)si.stats.elapsed_ms,
	       (unsigned long long)si.stats.pages,
	       (unsigned long long)si.stats.zero_pages);
	bad = vmm_vm_diff_pages(&self->src, &self->dst);
	EXPECT_EQ(0, bad);
}

TEST_HARNESS_MAIN
