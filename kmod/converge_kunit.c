// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of live migration's model (converge.c).
 */
#include <kunit/test.h>
#include <linux/sizes.h>
#include <linux/time64.h>

#include "converge.h"

static void vmmig_conv_test_muldiv(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vmmig_conv_muldiv(6, 7, 3), 14ULL);
	KUNIT_EXPECT_EQ(test, vmmig_conv_muldiv(0, 7, 0), 0ULL);
	KUNIT_EXPECT_EQ(test, vmmig_conv_muldiv(1, 7, 0), U64_MAX);
	/* 2^64 does not fit; 2^64 - 1 does. */
	KUNIT_EXPECT_EQ(test, vmmig_conv_muldiv(1ULL << 32, 1ULL << 32, 1),
			U64_MAX);
	KUNIT_EXPECT_EQ(test, vmmig_conv_muldiv(U64_MAX, 3, 3), U64_MAX);
	KUNIT_EXPECT_EQ(test, vmmig_conv_muldiv(U64_MAX - 1, 3, 3),
			U64_MAX - 1);
	KUNIT_EXPECT_EQ(test, vmmig_conv_muldiv(U64_MAX, U64_MAX, U64_MAX),
			U64_MAX);
	KUNIT_EXPECT_EQ(test, vmmig_conv_muldiv(U64_MAX, U64_MAX - 1, U64_MAX),
			U64_MAX - 1);
}

/*
 * F13 of the December review: a round of more than 17.2 GiB made
 * bytes * NSEC_PER_SEC wrap, and the bandwidth came out as garbage.
 */
static void vmmig_conv_test_rate_large_round(struct kunit *test)
{
	u64 bytes = 20ULL * SZ_1G;
	u64 bw = vmmig_conv_rate(bytes, 10 * NSEC_PER_SEC);

	KUNIT_EXPECT_EQ(test, bw, 2ULL * SZ_1G);
	/* 64 GiB at 2 GiB/s: 32 s. */
	KUNIT_EXPECT_EQ(test, vmmig_conv_ms(64ULL * SZ_1G, bw), 32000ULL);
	/* 1 TiB in 100 s. */
	KUNIT_EXPECT_EQ(test, vmmig_conv_rate(1ULL << 40, 100 * NSEC_PER_SEC),
			(1ULL << 40) / 100);
	/* Pacing at a 40 GB/s cap, 100 GiB sent. */
	KUNIT_EXPECT_EQ(test, vmmig_conv_due_ns(100ULL * SZ_1G, 40000000000ULL),
			100ULL * SZ_1G * 25 / 1000);
}

static void vmmig_conv_test_ms_edges(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vmmig_conv_ms(0, 0), 0ULL);
	KUNIT_EXPECT_EQ(test, vmmig_conv_ms(1, 0), U64_MAX);
	KUNIT_EXPECT_EQ(test, vmmig_conv_ms(1000, 1000), 1000ULL);
	KUNIT_EXPECT_EQ(test, vmmig_conv_rate(5, 0), 5 * NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, vmmig_conv_rate(U64_MAX, 1), U64_MAX);
}

static void vmmig_conv_test_throttle(struct kunit *test)
{
	u64 bw = 100 * SZ_1M;
	u32 pct;

	/* Half the link is not outpacing it; nothing measured, no verdict. */
	KUNIT_EXPECT_FALSE(test, vmmig_conv_outpaced(bw / 2, bw));
	KUNIT_EXPECT_TRUE(test, vmmig_conv_outpaced(bw / 2 + 1, bw));
	KUNIT_EXPECT_FALSE(test, vmmig_conv_outpaced(bw, 0));
	KUNIT_EXPECT_EQ(test, vmmig_conv_throttle_next(0, bw / 2, bw), 0U);
	KUNIT_EXPECT_EQ(test, vmmig_conv_throttle_next(30, bw / 4, bw), 30U);

	/*
	 * From the first round, in proportion: a guest dirtying twice the
	 * link runs a quarter of the time, one at 10 times it 5%.
	 */
	KUNIT_EXPECT_EQ(test, vmmig_conv_throttle_next(0, 2 * bw, bw), 75U);
	KUNIT_EXPECT_EQ(test, vmmig_conv_throttle_next(0, 10 * bw, bw), 95U);
	/* Just over half the link: the least share. */
	KUNIT_EXPECT_EQ(test, vmmig_conv_throttle_next(0, bw / 2 + bw / 10, bw),
			20U);
	/*
	 * Held 75% and still at the link's rate: it would dirty 4 times the
	 * link unheld, so it must run 12.5% of the time (rounded down: 12).
	 */
	pct = vmmig_conv_throttle_next(75, bw, bw);
	KUNIT_EXPECT_EQ(test, pct, 88U);
	/* Still outpacing: always more than before, never over 99. */
	KUNIT_EXPECT_EQ(test, vmmig_conv_throttle_next(98, bw, bw), 99U);
	KUNIT_EXPECT_EQ(test, vmmig_conv_throttle_next(99, bw, bw), 99U);
	KUNIT_EXPECT_EQ(test, vmmig_conv_throttle_next(0, U64_MAX, 1), 99U);
	KUNIT_EXPECT_EQ(test, vmmig_conv_throttle_next(0, U64_MAX, U64_MAX),
			50U);

	/* 20%: held a quarter of the time it ran. */
	KUNIT_EXPECT_EQ(test, vmmig_conv_hold_ns(4000000, 20, 1000), 1000000ULL);
	/* Capped per exit. */
	KUNIT_EXPECT_EQ(test, vmmig_conv_hold_ns(10 * NSEC_PER_SEC, 99, 1000),
			1000ULL * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, vmmig_conv_hold_ns(U64_MAX, 99, 30000),
			30000ULL * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, vmmig_conv_hold_ns(4000000, 0, 1000), 0ULL);
	KUNIT_EXPECT_EQ(test, vmmig_conv_hold_ns(4000000, 20, 0), 0ULL);
	/* A share of 100% would divide by zero: clamped. */
	KUNIT_EXPECT_EQ(test, vmmig_conv_hold_ns(1000, 100, 1000), 99000ULL);
}

/* vmmig_conv_next() in MB and MB/s, downtime-ms 500. */
static enum vmmig_conv_next vmmig_conv_test_next(u64 left, u64 inflight,
						 u64 bw, u64 dirty,
						 bool fitted)
{
	return vmmig_conv_next(left * 1000000, inflight * 1000000,
			       bw * 1000000, dirty * 1000000, 500, fitted);
}

/* The ready rule: what is left and what is in flight, within downtime. */
static void vmmig_conv_test_fits(struct kunit *test)
{
	/* 50 MB at 100 MB/s: 500 ms. */
	KUNIT_EXPECT_TRUE(test, vmmig_conv_fits(50000000, 100000000, 500));
	KUNIT_EXPECT_FALSE(test, vmmig_conv_fits(50000001 + 100000, 100000000,
						 500));
	/* Not measured yet: nothing but nothing fits. */
	KUNIT_EXPECT_FALSE(test, vmmig_conv_fits(1, 0, 60000));
	KUNIT_EXPECT_TRUE(test, vmmig_conv_fits(0, 0, 1));
	KUNIT_EXPECT_FALSE(test, vmmig_conv_fits(U64_MAX, U64_MAX / 2, 1000));

	/* 10 MB left and 30 MB in flight at 100 MB/s: 400 ms. */
	KUNIT_EXPECT_EQ(test, vmmig_conv_test_next(10, 0, 100, 60, false),
			VMMIG_CONV_READY);
	KUNIT_EXPECT_EQ(test, vmmig_conv_test_next(30, 30, 100, 200, false),
			VMMIG_CONV_DRAIN);
	KUNIT_EXPECT_EQ(test, vmmig_conv_test_next(60, 0, 100, 200, false),
			VMMIG_CONV_ROUND);
	/* A guest slower than the link: waiting for the data shortens it. */
	KUNIT_EXPECT_EQ(test, vmmig_conv_test_next(1, 30, 100, 1, false),
			VMMIG_CONV_DRAIN);
	/* One at the link's rate or faster gains nothing by the wait. */
	KUNIT_EXPECT_EQ(test, vmmig_conv_test_next(10, 30, 100, 100, false),
			VMMIG_CONV_READY);
	KUNIT_EXPECT_EQ(test, vmmig_conv_next(0, 0, 0, 0, 1, false),
			VMMIG_CONV_READY);
}

/*
 * At the first round whose leftovers fit, one more round still pays if
 * the guest does not outpace the link and what is left takes more than
 * an eighth of downtime-ms; only one.
 */
static void vmmig_conv_test_another_round(struct kunit *test)
{
	/* 60 MB at 600 MB/s: 100 ms > 500 / 8; the guest at 53 MB/s. */
	KUNIT_EXPECT_EQ(test, vmmig_conv_test_next(60, 0, 600, 53, false),
			VMMIG_CONV_ROUND);
	/* Only one such round: after it, ready at the first fit. */
	KUNIT_EXPECT_EQ(test, vmmig_conv_test_next(60, 0, 600, 53, true),
			VMMIG_CONV_READY);
	/* What that round leaves, 5.3 MB (9 ms): ready. */
	KUNIT_EXPECT_EQ(test, vmmig_conv_next(5300000, 0, 600000000,
					      53000000, 500, false),
			VMMIG_CONV_READY);
	/* At the floor (62 ms of 500): ready. */
	KUNIT_EXPECT_EQ(test, vmmig_conv_next(37200000, 0, 600000000, 0, 500,
					      false), VMMIG_CONV_READY);
	KUNIT_EXPECT_EQ(test, vmmig_conv_next(37200001 + 600000, 0, 600000000,
					      0, 500, false), VMMIG_CONV_ROUND);
	/* A guest at half the link: still a round; faster: the first fit. */
	KUNIT_EXPECT_EQ(test, vmmig_conv_test_next(60, 0, 600, 300, false),
			VMMIG_CONV_ROUND);
	KUNIT_EXPECT_EQ(test, vmmig_conv_next(60000000, 0, 600000000,
					      300000001, 500, false),
			VMMIG_CONV_READY);
	/* Data in flight does not hold that round back. */
	KUNIT_EXPECT_EQ(test, vmmig_conv_test_next(60, 30, 600, 1, false),
			VMMIG_CONV_ROUND);
	/* Not measured yet: a round, never a divide by zero. */
	KUNIT_EXPECT_EQ(test, vmmig_conv_next(1, 0, 0, 0, 500, false),
			VMMIG_CONV_ROUND);
}

/*
 * The bandwidth from the destination's answers.  A guest that dirties
 * slowly: the destination reads at the guest's pace, so intervals in
 * which it read what was sent after they began do not count, and the
 * link's rate from the busy ones stands.
 */
static void vmmig_conv_test_bw(struct kunit *test)
{
	struct vmmig_conv_bw bw = { };

	KUNIT_EXPECT_TRUE(test, vmmig_conv_busy(100, 100));
	KUNIT_EXPECT_FALSE(test, vmmig_conv_busy(101, 100));
	KUNIT_EXPECT_EQ(test, vmmig_conv_bw_round(&bw), 0ULL);

	/* Round 0: 4 MiB read in 50 ms while data waited: 80 MiB/s. */
	vmmig_conv_bw_interval(&bw, 2 * SZ_1M, 20 * NSEC_PER_MSEC, true);
	vmmig_conv_bw_interval(&bw, 2 * SZ_1M, 30 * NSEC_PER_MSEC, true);
	/* The destination caught up and waited: left out. */
	vmmig_conv_bw_interval(&bw, SZ_64K, 500 * NSEC_PER_MSEC, false);
	KUNIT_EXPECT_EQ(test, vmmig_conv_bw_round(&bw), 80ULL * SZ_1M);

	/* A round at the guest's pace: the estimate stands. */
	vmmig_conv_bw_interval(&bw, SZ_1M, NSEC_PER_SEC, false);
	vmmig_conv_bw_interval(&bw, SZ_64K, NSEC_PER_MSEC, true);
	KUNIT_EXPECT_EQ(test, vmmig_conv_bw_round(&bw), 80ULL * SZ_1M);

	/* A link that slowed down shows in the next busy round. */
	vmmig_conv_bw_interval(&bw, 4 * SZ_1M, 200 * NSEC_PER_MSEC, true);
	KUNIT_EXPECT_EQ(test, vmmig_conv_bw_round(&bw), 20ULL * SZ_1M);
	/* A zero-length interval is no sample. */
	vmmig_conv_bw_interval(&bw, 8 * SZ_1M, 0, true);
	KUNIT_EXPECT_EQ(test, vmmig_conv_bw_round(&bw), 20ULL * SZ_1M);
}

static struct kunit_case vmmig_converge_cases[] = {
	KUNIT_CASE(vmmig_conv_test_muldiv),
	KUNIT_CASE(vmmig_conv_test_rate_large_round),
	KUNIT_CASE(vmmig_conv_test_ms_edges),
	KUNIT_CASE(vmmig_conv_test_throttle),
	KUNIT_CASE(vmmig_conv_test_fits),
	KUNIT_CASE(vmmig_conv_test_another_round),
	KUNIT_CASE(vmmig_conv_test_bw),
	{}
};

static struct kunit_suite vmmig_converge_suite = {
	.name = "vmmig_converge",
	.test_cases = vmmig_converge_cases,
};

kunit_test_suite(vmmig_converge_suite);

MODULE_LICENSE("GPL");
