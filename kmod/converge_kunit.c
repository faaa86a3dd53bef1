// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of live migration's arithmetic (converge.c).
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
	u32 pct = 0;
	int i;

	KUNIT_EXPECT_FALSE(test, vmmig_conv_outpaced(50, 100));
	KUNIT_EXPECT_TRUE(test, vmmig_conv_outpaced(51, 100));
	pct = vmmig_conv_throttle_next(pct);
	KUNIT_EXPECT_EQ(test, pct, 20U);
	for (i = 0; i < 20; i++)
		pct = vmmig_conv_throttle_next(pct);
	KUNIT_EXPECT_EQ(test, pct, 99U);

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

/*
 * A guest that dirties slowly: the destination reads at the guest's rate,
 * TCP's samples while the sender idles are app-limited.  The estimate
 * must be the link's, not the guest's.
 */
static void vmmig_conv_test_bw(struct kunit *test)
{
	struct vmmig_conv_bw bw = { };

	KUNIT_EXPECT_EQ(test, vmmig_conv_bw_get(&bw), 0ULL);
	/* App-limited samples are lower bounds: they only raise it. */
	vmmig_conv_bw_sample(&bw, 2000000, true);
	KUNIT_EXPECT_EQ(test, vmmig_conv_bw_get(&bw), 2000000ULL);
	vmmig_conv_bw_sample(&bw, 50000000, false);
	vmmig_conv_bw_sample(&bw, 1000000, true);
	vmmig_conv_bw_sample(&bw, 2000000, true);
	KUNIT_EXPECT_EQ(test, vmmig_conv_bw_get(&bw), 50000000ULL);
	/* The next round keeps the last one's... */
	vmmig_conv_bw_next_round(&bw);
	vmmig_conv_bw_sample(&bw, 3000000, true);
	KUNIT_EXPECT_EQ(test, vmmig_conv_bw_get(&bw), 50000000ULL);
	/* ...a link that slowed down shows after two rounds. */
	vmmig_conv_bw_sample(&bw, 12500000, false);
	vmmig_conv_bw_next_round(&bw);
	KUNIT_EXPECT_EQ(test, vmmig_conv_bw_get(&bw), 12500000ULL);
	vmmig_conv_bw_next_round(&bw);
	KUNIT_EXPECT_EQ(test, vmmig_conv_bw_get(&bw), 0ULL);
}

static struct kunit_case vmmig_converge_cases[] = {
	KUNIT_CASE(vmmig_conv_test_muldiv),
	KUNIT_CASE(vmmig_conv_test_rate_large_round),
	KUNIT_CASE(vmmig_conv_test_ms_edges),
	KUNIT_CASE(vmmig_conv_test_throttle),
	KUNIT_CASE(vmmig_conv_test_bw),
	{}
};

static struct kunit_suite vmmig_converge_suite = {
	.name = "vmmig-converge",
	.test_cases = vmmig_converge_cases,
};

kunit_test_suite(vmmig_converge_suite);

MODULE_LICENSE("GPL");
