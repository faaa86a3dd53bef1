// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the stream format checks (wire.c): every rejection has its
 * own reason, and no accepted record ever points outside its memslot.
 */
#include <kunit/test.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "wire.h"

/* Four slots as the test VMM makes them: one odd-sized, one above 4 GiB. */
static const struct vmmig_wire_mslot test_slots[] = {
	{ .slot = 0, .base_gfn = 0x0, .npages = 0x100 },
	{ .slot = 1, .base_gfn = 0x100, .npages = 0x1f3 },	/* not 64-aligned */
	{ .slot = 2, .base_gfn = 0x10000, .npages = 0x400 },
	{ .slot = 0x10000, .base_gfn = 0x100000, .npages = 0x40 },	/* as 1, above 4 GiB */
};

struct wire_test {
	struct vmmig_wire_layout layout;
	struct vmmig_wire_rx rx;
	u8 hello[sizeof(struct vmmig_wire_hello) +
		 ARRAY_SIZE(test_slots) * sizeof(struct vmmig_wire_slot)];
};

static struct wire_test *wire_test_new(struct kunit *test)
{
	struct wire_test *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, w);
	w->layout.page_size = 4096;
	w->layout.nr_slots = ARRAY_SIZE(test_slots);
	for (i = 0; i < ARRAY_SIZE(test_slots); i++)
		w->layout.slots[i] = test_slots[i];
	KUNIT_ASSERT_EQ(test, vmmig_wire_hello_len(&w->layout),
			(u32)sizeof(w->hello));
	vmmig_wire_put_hello(w->hello, &w->layout, 0x1234, 0);
	vmmig_wire_rx_init(&w->rx, &w->layout);
	return w;
}

static u32 send_hello(struct wire_test *w, const void *payload, u32 len)
{
	struct vmmig_wire_rec rec;
	struct vmmig_wire_dest d;
	u32 r;

	vmmig_wire_put_rec(&rec, VMMIG_WIRE_HELLO, 0, 0, 0, len);
	r = vmmig_wire_rx_rec(&w->rx, &rec, &d);
	return r ? r : vmmig_wire_rx_hello(&w->rx, payload, len);
}

static struct wire_test *wire_test_started(struct kunit *test)
{
	struct wire_test *w = wire_test_new(test);

	KUNIT_ASSERT_EQ(test, send_hello(w, w->hello, sizeof(w->hello)),
			(u32)VMMIG_REASON_NONE);
	KUNIT_ASSERT_EQ(test, w->rx.stream_id, 0x1234ULL);
	return w;
}

static u32 pages(struct wire_test *w, u8 type, u32 slot, u64 gfn, u16 count,
		 u32 len, struct vmmig_wire_dest *d)
{
	struct vmmig_wire_rec rec;

	vmmig_wire_put_rec(&rec, type, slot, gfn, count, len);
	return vmmig_wire_rx_rec(&w->rx, &rec, d);
}

static void wire_test_stream(struct kunit *test)
{
	struct wire_test *w = wire_test_started(test);
	struct vmmig_wire_end end = {
		.pages = cpu_to_be64(0x1f3 + 1),
		.blob_bytes = cpu_to_be64(100),
	};
	struct vmmig_wire_rec rec;
	struct vmmig_wire_dest d;

	/* The last pages of the odd-sized slot, and one zero page above 4G. */
	KUNIT_EXPECT_EQ(test, pages(w, VMMIG_WIRE_PAGES, 1, 0x100, 0x1f3,
				    0x1f3 * 4096, &d), (u32)VMMIG_REASON_NONE);
	KUNIT_EXPECT_EQ(test, d.slot_index, 1U);
	KUNIT_EXPECT_EQ(test, d.page_offset, 0ULL);
	KUNIT_EXPECT_EQ(test, d.count, 0x1f3U);
	/* Counted once the payload arrived, not when the header passed. */
	KUNIT_EXPECT_EQ(test, w->rx.pages, 0ULL);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_PAGES, 1, 0x100, 0x1f3,
			   0x1f3 * 4096);
	vmmig_wire_rx_done(&w->rx, &rec);
	KUNIT_EXPECT_EQ(test, w->rx.pages, 0x1f3ULL);
	KUNIT_EXPECT_EQ(test, pages(w, VMMIG_WIRE_ZERO, 0x10000, 0x10003f, 1,
				    0, &d), (u32)VMMIG_REASON_NONE);
	KUNIT_EXPECT_EQ(test, d.slot_index, 3U);
	KUNIT_EXPECT_EQ(test, d.page_offset, 0x3fULL);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_ZERO, 0x10000, 0x10003f, 1, 0);
	vmmig_wire_rx_done(&w->rx, &rec);

	vmmig_wire_put_rec(&rec, VMMIG_WIRE_BLOB, 0, 0, 0, 100);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_NONE);
	vmmig_wire_rx_done(&w->rx, &rec);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_eof(&w->rx, false),
			(u32)VMMIG_REASON_TRUNCATED);

	vmmig_wire_put_rec(&rec, VMMIG_WIRE_END, 0, 0, 0, sizeof(end));
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_NONE);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_end(&w->rx, &end),
			(u32)VMMIG_REASON_NONE);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_eof(&w->rx, false),
			(u32)VMMIG_REASON_NONE);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_eof(&w->rx, true),
			(u32)VMMIG_REASON_TRUNCATED);
	/* Nothing after END. */
	KUNIT_EXPECT_EQ(test, pages(w, VMMIG_WIRE_ZERO, 0, 0, 1, 0, &d),
			(u32)VMMIG_REASON_TRAILING_DATA);
}

/* The commit: after END only COMMIT, and COMMIT only then. */
static void wire_test_commit(struct kunit *test)
{
	struct wire_test *w = wire_test_new(test);
	struct vmmig_wire_end end = { 0 };
	struct vmmig_wire_commit c = { 0 };
	struct vmmig_wire_rec rec;
	struct vmmig_wire_dest d;

	vmmig_wire_put_hello(w->hello, &w->layout, 7, VMMIG_WIRE_F_COMMIT);
	KUNIT_ASSERT_EQ(test, send_hello(w, w->hello, sizeof(w->hello)),
			(u32)VMMIG_REASON_NONE);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_COMMIT, 0, 0, 0, sizeof(c));
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_BAD_RECORD_TYPE);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_end(&w->rx, &end),
			(u32)VMMIG_REASON_NONE);
	KUNIT_EXPECT_EQ(test, w->rx.state, VMMIG_WIRE_RX_COMMIT);
	/* The stream is not complete before the COMMIT. */
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_eof(&w->rx, false),
			(u32)VMMIG_REASON_TRUNCATED);
	KUNIT_EXPECT_EQ(test, pages(w, VMMIG_WIRE_ZERO, 0, 0, 1, 0, &d),
			(u32)VMMIG_REASON_BAD_RECORD_TYPE);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_COMMIT, 0, 0, 0, 15);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_BAD_LENGTH);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_COMMIT, 0, 0, 0, sizeof(c));
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_NONE);
	c.reserved = cpu_to_be32(1);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_commit(&w->rx, &c),
			(u32)VMMIG_REASON_BAD_RESERVED);
	c.reserved = 0;
	c.pages = cpu_to_be64(1);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_commit(&w->rx, &c),
			(u32)VMMIG_REASON_INCOMPLETE);
	c.pages = 0;
	c.status = cpu_to_be32(VMMIG_REASON_CANCEL);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_commit(&w->rx, &c),
			(u32)VMMIG_REASON_PEER_ABORTED);
	KUNIT_EXPECT_EQ(test, w->rx.state, VMMIG_WIRE_RX_COMMIT);
	c.status = 0;
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_commit(&w->rx, &c),
			(u32)VMMIG_REASON_NONE);
	KUNIT_EXPECT_EQ(test, w->rx.state, VMMIG_WIRE_RX_DONE);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_eof(&w->rx, false),
			(u32)VMMIG_REASON_NONE);
}

/* F17 of the December review: BLOB bytes are bounded per stream. */
static void wire_test_blob_total(struct kunit *test)
{
	struct wire_test *w = wire_test_started(test);
	struct vmmig_wire_rec rec;
	struct vmmig_wire_dest d;

	vmmig_wire_put_rec(&rec, VMMIG_WIRE_BLOB, 0, 0, 0,
			   VMMIG_WIRE_MAX_BLOB - 4096);
	KUNIT_ASSERT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_NONE);
	vmmig_wire_rx_done(&w->rx, &rec);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_BLOB, 0, 0, 0, 4097);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_BAD_LENGTH);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_BLOB, 0, 0, 0, 4096);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_NONE);
	vmmig_wire_rx_done(&w->rx, &rec);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_BLOB, 0, 0, 0, 1);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_BAD_LENGTH);
	KUNIT_EXPECT_EQ(test, w->rx.blob_bytes, (u64)VMMIG_WIRE_MAX_BLOB);
}

static void wire_test_hello(struct kunit *test)
{
	struct vmmig_wire_hello *h;
	struct vmmig_wire_slot *s;
	struct wire_test *w;
	struct vmmig_wire_dest d;

	/* A stream that does not start with HELLO. */
	w = wire_test_new(test);
	KUNIT_EXPECT_EQ(test, pages(w, VMMIG_WIRE_PAGES, 0, 0, 1, 4096, &d),
			(u32)VMMIG_REASON_BAD_MAGIC);

#define HELLO_EXPECT(mutate, reason) do {				\
		w = wire_test_new(test);				\
		h = (void *)w->hello;					\
		s = (void *)(w->hello + sizeof(*h));			\
		mutate;							\
		KUNIT_EXPECT_EQ_MSG(test,				\
			send_hello(w, w->hello, sizeof(w->hello)),	\
			(u32)(reason), "%s", #mutate);			\
		KUNIT_EXPECT_EQ(test, w->rx.state,			\
				VMMIG_WIRE_RX_HELLO);			\
	} while (0)

	HELLO_EXPECT(h->magic = cpu_to_be32(0x47455420), VMMIG_REASON_BAD_MAGIC);
	HELLO_EXPECT(h->version = cpu_to_be16(2), VMMIG_REASON_BAD_VERSION);
	HELLO_EXPECT(h->version = 0, VMMIG_REASON_BAD_VERSION);
	HELLO_EXPECT(h->features = cpu_to_be64(2), VMMIG_REASON_BAD_FEATURES);
	HELLO_EXPECT(h->nr_channels = cpu_to_be16(2), VMMIG_REASON_BAD_FEATURES);
	HELLO_EXPECT(h->page_size = cpu_to_be32(8192),
		     VMMIG_REASON_LAYOUT_MISMATCH);
	HELLO_EXPECT(h->nr_slots = cpu_to_be16(3), VMMIG_REASON_BAD_LENGTH);
	HELLO_EXPECT(s[1].npages = cpu_to_be64(0x200),
		     VMMIG_REASON_LAYOUT_MISMATCH);
	HELLO_EXPECT(s[2].base_gfn = cpu_to_be64(0x10001),
		     VMMIG_REASON_LAYOUT_MISMATCH);
	HELLO_EXPECT(s[3].slot = cpu_to_be32(3), VMMIG_REASON_LAYOUT_MISMATCH);
	HELLO_EXPECT(s[0].flags = cpu_to_be32(1), VMMIG_REASON_BAD_RESERVED);
#undef HELLO_EXPECT

	/* A HELLO with fewer slots than the VM has, consistently encoded. */
	w = wire_test_new(test);
	w->layout.nr_slots = 3;
	vmmig_wire_put_hello(w->hello, &w->layout, 1, 0);
	w->layout.nr_slots = 4;
	KUNIT_EXPECT_EQ(test, send_hello(w, w->hello,
					 vmmig_wire_hello_len(&w->layout) -
					 sizeof(struct vmmig_wire_slot)),
			(u32)VMMIG_REASON_LAYOUT_MISMATCH);

	/* Lengths the header check refuses before reading the payload. */
	w = wire_test_new(test);
	KUNIT_EXPECT_EQ(test, send_hello(w, w->hello, 31),
			(u32)VMMIG_REASON_BAD_LENGTH);
	KUNIT_EXPECT_EQ(test, send_hello(w, w->hello, 32 + 513 * 24),
			(u32)VMMIG_REASON_BAD_LENGTH);

	/* A second HELLO. */
	w = wire_test_started(test);
	KUNIT_EXPECT_EQ(test, send_hello(w, w->hello, sizeof(w->hello)),
			(u32)VMMIG_REASON_DUPLICATE_HELLO);
}

static void wire_test_pages(struct kunit *test)
{
	struct wire_test *w = wire_test_started(test);
	struct vmmig_wire_dest d;

	KUNIT_EXPECT_EQ(test, pages(w, VMMIG_WIRE_PAGES, 7, 0, 1, 4096, &d),
			(u32)VMMIG_REASON_BAD_SLOT);
	KUNIT_EXPECT_EQ(test, pages(w, VMMIG_WIRE_PAGES, 1, 0xff, 1, 4096, &d),
			(u32)VMMIG_REASON_BAD_GFN);
	KUNIT_EXPECT_EQ(test, pages(w, VMMIG_WIRE_PAGES, 1, 0x2f3, 1, 4096, &d),
			(u32)VMMIG_REASON_BAD_GFN);
	KUNIT_EXPECT_EQ(test, pages(w, VMMIG_WIRE_PAGES, 1, 0x2f2, 2, 8192, &d),
			(u32)VMMIG_REASON_BAD_GFN);
	KUNIT_EXPECT_EQ(test, pages(w, VMMIG_WIRE_PAGES, 2, U64_MAX, 2, 8192,
				    &d), (u32)VMMIG_REASON_BAD_GFN);
	KUNIT_EXPECT_EQ(test, pages(w, VMMIG_WIRE_PAGES, 3 | 0x10000, 0, 1,
				    4096, &d), (u32)VMMIG_REASON_BAD_SLOT);
	KUNIT_EXPECT_EQ(test, pages(w, VMMIG_WIRE_PAGES, 0, 0, 0, 0, &d),
			(u32)VMMIG_REASON_BAD_LENGTH);
	KUNIT_EXPECT_EQ(test, pages(w, VMMIG_WIRE_PAGES, 2, 0x10000, 513,
				    513 * 4096, &d), (u32)VMMIG_REASON_BAD_LENGTH);
	KUNIT_EXPECT_EQ(test, pages(w, VMMIG_WIRE_PAGES, 0, 0, 2, 4096, &d),
			(u32)VMMIG_REASON_BAD_LENGTH);
	KUNIT_EXPECT_EQ(test, pages(w, VMMIG_WIRE_ZERO, 0, 0, 1, 4096, &d),
			(u32)VMMIG_REASON_BAD_LENGTH);
	/* Nothing was counted for refused records. */
	KUNIT_EXPECT_EQ(test, w->rx.pages, 0ULL);
}

static void wire_test_other_records(struct kunit *test)
{
	struct wire_test *w = wire_test_started(test);
	struct vmmig_wire_end end = { 0 };
	struct vmmig_wire_rec rec;
	struct vmmig_wire_dest d;

	vmmig_wire_put_rec(&rec, VMMIG_WIRE_BLOB, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_BAD_LENGTH);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_BLOB, 0, 0, 0,
			   VMMIG_WIRE_MAX_BLOB + 1);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_BAD_LENGTH);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_BLOB, 1, 0, 0, 10);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_BAD_RESERVED);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_BLOB, 0, 0, 0, 10);
	rec.flags = 0x80;
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_BAD_RESERVED);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_ZERO, 0, 0, 1, 0);
	rec.csum = cpu_to_be32(1);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_BAD_RESERVED);

	vmmig_wire_put_rec(&rec, 0, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_BAD_RECORD_TYPE);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_ACK, 0, 0, 0, 16);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_BAD_RECORD_TYPE);
	vmmig_wire_put_rec(&rec, 0xff, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_BAD_RECORD_TYPE);
	/* An unknown type is that, whatever else its header holds. */
	vmmig_wire_put_rec(&rec, 42, 1, 0x100, 2, 8192);
	rec.flags = 1;
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_BAD_RECORD_TYPE);

	vmmig_wire_put_rec(&rec, VMMIG_WIRE_END, 0, 0, 0, 15);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_BAD_LENGTH);
	/* END claiming a page that never came. */
	end.pages = cpu_to_be64(1);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_end(&w->rx, &end),
			(u32)VMMIG_REASON_INCOMPLETE);
	KUNIT_EXPECT_EQ(test, w->rx.state, VMMIG_WIRE_RX_RECORDS);
}

/*
 * Random headers: whatever is accepted must address pages inside its
 * memslot; the property the receiver's memory safety rests on.
 */
static void wire_test_random_headers(struct kunit *test)
{
	struct wire_test *w = wire_test_started(test);
	struct rnd_state rnd;
	unsigned int i, accepted = 0;

	prandom_seed_state(&rnd, 42);
	for (i = 0; i < 200000; i++) {
		struct vmmig_wire_rec rec;
		struct vmmig_wire_dest d;
		const struct vmmig_wire_mslot *ms;
		u32 slot = prandom_u32_state(&rnd) % 4;

		/* Mostly plausible values, so that some are accepted. */
		vmmig_wire_put_rec(&rec,
				   VMMIG_WIRE_PAGES + prandom_u32_state(&rnd) % 2,
				   test_slots[slot].slot ^
				   (prandom_u32_state(&rnd) % 8 ? 0 : 1),
				   test_slots[slot].base_gfn +
				   (prandom_u32_state(&rnd) % 0x500) - 0x20,
				   prandom_u32_state(&rnd) % 600,
				   0);
		if (rec.type == VMMIG_WIRE_PAGES)
			rec.len = cpu_to_be32(be16_to_cpu(rec.count) * 4096);
		if (vmmig_wire_rx_rec(&w->rx, &rec, &d))
			continue;
		accepted++;
		KUNIT_ASSERT_LT(test, d.slot_index, 4U);
		ms = &test_slots[d.slot_index];
		KUNIT_ASSERT_GT(test, d.count, 0U);
		KUNIT_ASSERT_LE(test, d.page_offset + d.count, ms->npages);
		KUNIT_ASSERT_EQ(test, be64_to_cpu(rec.gfn),
				ms->base_gfn + d.page_offset);
	}
	KUNIT_EXPECT_GT(test, accepted, 1000U);
}

/* ROUND: only in live streams, 16-byte payload, rounds never go back. */
static void wire_test_round(struct kunit *test)
{
	struct wire_test *w = wire_test_started(test);
	struct vmmig_wire_round round = { .round = cpu_to_be32(0) };
	struct vmmig_wire_rec rec;
	struct vmmig_wire_dest d;

	vmmig_wire_put_rec(&rec, VMMIG_WIRE_ROUND, 0, 0, 0, sizeof(round));
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_BAD_RECORD_TYPE);

	w = wire_test_new(test);
	vmmig_wire_put_hello(w->hello, &w->layout, 7, VMMIG_WIRE_F_LIVE);
	KUNIT_ASSERT_EQ(test, send_hello(w, w->hello, sizeof(w->hello)),
			(u32)VMMIG_REASON_NONE);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_NONE);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_round(&w->rx, &round),
			(u32)VMMIG_REASON_NONE);
	/* A keepalive repeats the round; then rounds go up one by one. */
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_round(&w->rx, &round),
			(u32)VMMIG_REASON_NONE);
	round.round = cpu_to_be32(1);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_round(&w->rx, &round),
			(u32)VMMIG_REASON_NONE);
	round.round = cpu_to_be32(2);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_round(&w->rx, &round),
			(u32)VMMIG_REASON_NONE);
	KUNIT_EXPECT_EQ(test, w->rx.round, 2U);
	round.round = cpu_to_be32(1);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_round(&w->rx, &round),
			(u32)VMMIG_REASON_BAD_RECORD_TYPE);
	round.round = cpu_to_be32(4);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_round(&w->rx, &round),
			(u32)VMMIG_REASON_BAD_RECORD_TYPE);
	round.round = cpu_to_be32(U32_MAX);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_round(&w->rx, &round),
			(u32)VMMIG_REASON_BAD_RECORD_TYPE);
	/* No more pages remain than the layout has. */
	round.round = cpu_to_be32(3);
	round.remaining = cpu_to_be64(0x100 + 0x1f3 + 0x400 + 0x40);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_round(&w->rx, &round),
			(u32)VMMIG_REASON_NONE);
	round.remaining = cpu_to_be64(0x100 + 0x1f3 + 0x400 + 0x40 + 1);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_round(&w->rx, &round),
			(u32)VMMIG_REASON_BAD_LENGTH);
	KUNIT_EXPECT_EQ(test, w->rx.round, 3U);
	round.remaining = 0;
	round.round = cpu_to_be32(4);
	round.reserved = cpu_to_be32(1);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_round(&w->rx, &round),
			(u32)VMMIG_REASON_BAD_RESERVED);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_ROUND, 0, 0, 0, 8);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_BAD_LENGTH);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_ROUND, 1, 0, 0, sizeof(round));
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_BAD_RESERVED);
	/* Unknown feature bits stay rejected: the lowest one. */
	w = wire_test_new(test);
	vmmig_wire_put_hello(w->hello, &w->layout, 7,
			     (VMMIG_WIRE_F_KNOWN + 1) & ~VMMIG_WIRE_F_KNOWN);
	KUNIT_EXPECT_EQ(test, send_hello(w, w->hello, sizeof(w->hello)),
			(u32)VMMIG_REASON_BAD_FEATURES);
}

/*
 * PROGRESS: only with F_LIVE, never towards the destination; at the
 * source only in streams that asked for it, in order, for what was sent.
 */
static void wire_test_progress(struct kunit *test)
{
	struct wire_test *w = wire_test_new(test);
	struct vmmig_wire_progress p = {
		.round = cpu_to_be32(2),
		.bytes = cpu_to_be64(1000),
	};
	const u64 f = VMMIG_WIRE_F_LIVE | VMMIG_WIRE_F_PROGRESS;
	struct vmmig_wire_rec rec;
	struct vmmig_wire_dest d;
	u32 round = 0;
	u64 bytes = 0;

	vmmig_wire_put_hello(w->hello, &w->layout, 7, VMMIG_WIRE_F_PROGRESS);
	KUNIT_EXPECT_EQ(test, send_hello(w, w->hello, sizeof(w->hello)),
			(u32)VMMIG_REASON_BAD_FEATURES);
	w = wire_test_new(test);
	vmmig_wire_put_hello(w->hello, &w->layout, 7, f);
	KUNIT_ASSERT_EQ(test, send_hello(w, w->hello, sizeof(w->hello)),
			(u32)VMMIG_REASON_NONE);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_PROGRESS, 0, 0, 0, sizeof(p));
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_BAD_RECORD_TYPE);

	/* The source's side. */
	KUNIT_EXPECT_EQ(test, vmmig_wire_peer_rec(&rec, f),
			(u32)VMMIG_REASON_NONE);
	KUNIT_EXPECT_EQ(test, vmmig_wire_peer_rec(&rec, VMMIG_WIRE_F_LIVE),
			(u32)VMMIG_REASON_BAD_RECORD_TYPE);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_ACK, 0, 0, 0, sizeof(p));
	KUNIT_EXPECT_EQ(test, vmmig_wire_peer_rec(&rec, 0),
			(u32)VMMIG_REASON_NONE);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_ROUND, 0, 0, 0, sizeof(p));
	KUNIT_EXPECT_EQ(test, vmmig_wire_peer_rec(&rec, f),
			(u32)VMMIG_REASON_BAD_RECORD_TYPE);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_PROGRESS, 0, 0, 0, 8);
	KUNIT_EXPECT_EQ(test, vmmig_wire_peer_rec(&rec, f),
			(u32)VMMIG_REASON_BAD_LENGTH);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_PROGRESS, 0, 1, 0, sizeof(p));
	KUNIT_EXPECT_EQ(test, vmmig_wire_peer_rec(&rec, f),
			(u32)VMMIG_REASON_BAD_RESERVED);

	KUNIT_EXPECT_EQ(test, vmmig_wire_peer_progress(&p, 2, 1000, 1, &round,
						       &bytes),
			(u32)VMMIG_REASON_NONE);
	KUNIT_EXPECT_EQ(test, round, 2U);
	KUNIT_EXPECT_EQ(test, bytes, 1000ULL);
	/* A round not sent yet, more bytes than sent, going back. */
	KUNIT_EXPECT_EQ(test, vmmig_wire_peer_progress(&p, 1, 1000, 1, &round,
						       &bytes),
			(u32)VMMIG_REASON_BAD_RECORD_TYPE);
	KUNIT_EXPECT_EQ(test, vmmig_wire_peer_progress(&p, 2, 999, 1, &round,
						       &bytes),
			(u32)VMMIG_REASON_BAD_LENGTH);
	p.round = cpu_to_be32(1);
	KUNIT_EXPECT_EQ(test, vmmig_wire_peer_progress(&p, 3, 2000, 1, &round,
						       &bytes),
			(u32)VMMIG_REASON_BAD_RECORD_TYPE);
	p.round = cpu_to_be32(3);
	p.bytes = cpu_to_be64(999);
	KUNIT_EXPECT_EQ(test, vmmig_wire_peer_progress(&p, 3, 2000, 1, &round,
						       &bytes),
			(u32)VMMIG_REASON_BAD_LENGTH);
	p.bytes = cpu_to_be64(1500);
	p.reserved = cpu_to_be32(1);
	KUNIT_EXPECT_EQ(test, vmmig_wire_peer_progress(&p, 3, 2000, 1, &round,
						       &bytes),
			(u32)VMMIG_REASON_BAD_RESERVED);
	KUNIT_EXPECT_EQ(test, round, 2U);
	KUNIT_EXPECT_EQ(test, bytes, 1000ULL);
	/*
	 * F14 of the December review: one answer per ROUND sent; a flood of
	 * valid-looking answers, or an unsolicited one, is refused.
	 */
	p.reserved = 0;
	p.round = cpu_to_be32(2);
	p.bytes = cpu_to_be64(1000);
	KUNIT_EXPECT_EQ(test, vmmig_wire_peer_progress(&p, 2, 1000, 0, &round,
						       &bytes),
			(u32)VMMIG_REASON_BAD_RECORD_TYPE);
}

/*
 * rec.csum: only a stream whose HELLO has VMMIG_WIRE_F_CSUM may set it;
 * a HELLO's own is for the receiver to check once it has the features.
 */
static void wire_test_csum(struct kunit *test)
{
	struct wire_test *w = wire_test_new(test);
	struct vmmig_wire_rec rec;
	struct vmmig_wire_dest d;
	u64 f = VMMIG_WIRE_F_COMMIT | VMMIG_WIRE_F_CSUM;

	vmmig_wire_put_rec(&rec, VMMIG_WIRE_HELLO, 0, 0, 0, sizeof(w->hello));
	rec.csum = cpu_to_be32(0xdeadbeef);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_NONE);
	vmmig_wire_put_hello(w->hello, &w->layout, 0x1234, f);
	KUNIT_ASSERT_EQ(test, vmmig_wire_rx_hello(&w->rx, w->hello,
						  sizeof(w->hello)),
			(u32)VMMIG_REASON_NONE);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_ZERO, 0, 0, 1, 0);
	rec.csum = cpu_to_be32(0xdeadbeef);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_NONE);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_ACK, 0, 0, 0, 16);
	rec.csum = cpu_to_be32(1);
	KUNIT_EXPECT_EQ(test, vmmig_wire_peer_rec(&rec, f),
			(u32)VMMIG_REASON_NONE);
	KUNIT_EXPECT_EQ(test, vmmig_wire_peer_rec(&rec, VMMIG_WIRE_F_COMMIT),
			(u32)VMMIG_REASON_BAD_RESERVED);

	/* Without the feature, the field is reserved. */
	w = wire_test_started(test);
	vmmig_wire_put_rec(&rec, VMMIG_WIRE_ZERO, 0, 0, 1, 0);
	rec.csum = cpu_to_be32(0x80000000);
	KUNIT_EXPECT_EQ(test, vmmig_wire_rx_rec(&w->rx, &rec, &d),
			(u32)VMMIG_REASON_BAD_RESERVED);
}

static struct kunit_case vmmig_wire_cases[] = {
	KUNIT_CASE(wire_test_round),
	KUNIT_CASE(wire_test_progress),
	KUNIT_CASE(wire_test_stream),
	KUNIT_CASE(wire_test_commit),
	KUNIT_CASE(wire_test_blob_total),
	KUNIT_CASE(wire_test_hello),
	KUNIT_CASE(wire_test_pages),
	KUNIT_CASE(wire_test_other_records),
	KUNIT_CASE(wire_test_random_headers),
	KUNIT_CASE(wire_test_csum),
	{}
};

static struct kunit_suite vmmig_wire_suite = {
	.name = "vmmig_wire",
	.test_cases = vmmig_wire_cases,
};

kunit_test_suite(vmmig_wire_suite);
