// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of session parameter defaults and cross-checks (params.c).
 */
#include <kunit/test.h>

#include "params.h"

static void vmmig_params_test_defaults(struct kunit *test)
{
	struct vmmig_params p;

	vmmig_params_init(&p, false);
	KUNIT_EXPECT_EQ(test, p.downtime_ms, VMMIG_DEFAULT_DOWNTIME_MS);
	KUNIT_EXPECT_EQ(test, p.max_rounds, VMMIG_DEFAULT_MAX_ROUNDS);
	KUNIT_EXPECT_EQ(test, p.max_time_ms, 0U);
	KUNIT_EXPECT_EQ(test, p.max_bandwidth, 0ULL);
	KUNIT_EXPECT_EQ(test, p.on_limit, (u32)VMMIG_ON_LIMIT_FAIL);
	KUNIT_EXPECT_EQ(test, p.require_encryption, 0U);
	KUNIT_EXPECT_EQ(test, vmmig_params_check(&p), 0);

	/* The host's default (module parameter require_encryption). */
	vmmig_params_init(&p, true);
	KUNIT_EXPECT_EQ(test, p.require_encryption, 1U);
	KUNIT_EXPECT_EQ(test, vmmig_params_check(&p), 0);
}

static void vmmig_params_test_time_vs_downtime(struct kunit *test)
{
	struct vmmig_params p;

	vmmig_params_init(&p, false);
	p.downtime_ms = 500;
	p.max_time_ms = 499;
	KUNIT_EXPECT_EQ(test, vmmig_params_check(&p), VMMIG_A_PARAMS_MAX_TIME_MS);

	p.max_time_ms = 500;
	KUNIT_EXPECT_EQ(test, vmmig_params_check(&p), 0);
	p.max_time_ms = 0;	/* no limit */
	KUNIT_EXPECT_EQ(test, vmmig_params_check(&p), 0);
}

static void vmmig_params_test_values(struct kunit *test)
{
	struct vmmig_params p;

	vmmig_params_init(&p, false);
	p.on_limit = VMMIG_ON_LIMIT_SWITCHOVER;
	KUNIT_EXPECT_EQ(test, vmmig_params_check(&p), 0);
	p.on_limit = 0;
	KUNIT_EXPECT_EQ(test, vmmig_params_check(&p), VMMIG_A_PARAMS_ON_LIMIT);

	vmmig_params_init(&p, false);
	p.downtime_ms = 0;
	KUNIT_EXPECT_EQ(test, vmmig_params_check(&p), VMMIG_A_PARAMS_DOWNTIME_MS);

	vmmig_params_init(&p, false);
	p.max_rounds = 0;
	KUNIT_EXPECT_EQ(test, vmmig_params_check(&p), VMMIG_A_PARAMS_MAX_ROUNDS);

	vmmig_params_init(&p, false);
	KUNIT_EXPECT_EQ(test, p.mode, (u32)VMMIG_MODE_QUICK);
	p.mode = VMMIG_MODE_LIVE;
	KUNIT_EXPECT_EQ(test, vmmig_params_check(&p), 0);
	p.mode = 0;
	KUNIT_EXPECT_EQ(test, vmmig_params_check(&p), VMMIG_A_PARAMS_MODE);

	vmmig_params_init(&p, false);
	KUNIT_EXPECT_EQ(test, p.checksum, (u32)VMMIG_CHECKSUM_NONE);
	p.checksum = VMMIG_CHECKSUM_CRC32C;
	KUNIT_EXPECT_EQ(test, vmmig_params_check(&p), 0);
	p.checksum = VMMIG_CHECKSUM_CRC32C + 1;
	KUNIT_EXPECT_EQ(test, vmmig_params_check(&p), VMMIG_A_PARAMS_CHECKSUM);
}

static struct kunit_case vmmig_params_cases[] = {
	KUNIT_CASE(vmmig_params_test_defaults),
	KUNIT_CASE(vmmig_params_test_time_vs_downtime),
	KUNIT_CASE(vmmig_params_test_values),
	{}
};

static struct kunit_suite vmmig_params_suite = {
	.name = "vmmig_params",
	.test_cases = vmmig_params_cases,
};

kunit_test_suite(vmmig_params_suite);
