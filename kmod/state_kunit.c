// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the session state machine (state.c).
 *
 * The expected transition table below is written out in full, so adding a
 * state or a move without updating it fails the suite.
 */
#include <kunit/test.h>

#include "state.h"

#define NS	(VMMIG_STATE_MAX + 1)

/* expect[from][to]: may a session move from -> to with no reason? */
static const bool expect_progress[NS][NS] = {
	[VMMIG_STATE_NEW][VMMIG_STATE_ACTIVE]		= true,
	[VMMIG_STATE_ACTIVE][VMMIG_STATE_READY]		= true,
	[VMMIG_STATE_ACTIVE][VMMIG_STATE_SWITCHOVER]	= true,
	[VMMIG_STATE_ACTIVE][VMMIG_STATE_COMPLETED]	= true,
	[VMMIG_STATE_READY][VMMIG_STATE_ACTIVE]		= true,
	[VMMIG_STATE_READY][VMMIG_STATE_SWITCHOVER]	= true,
	[VMMIG_STATE_SWITCHOVER][VMMIG_STATE_COMPLETED]	= true,
};

static bool is_final(u32 s)
{
	return s == VMMIG_STATE_COMPLETED || s == VMMIG_STATE_FAILED ||
	       s == VMMIG_STATE_CANCELLED;
}

static void vmmig_state_test_progress(struct kunit *test)
{
	u32 from, to;

	for (from = VMMIG_STATE_NEW; from < NS; from++)
		for (to = VMMIG_STATE_NEW; to < NS; to++) {
			bool ok = !vmmig_state_check_move(from, to,
							  VMMIG_REASON_NONE);

			if (to == VMMIG_STATE_FAILED ||
			    to == VMMIG_STATE_CANCELLED) {
				KUNIT_EXPECT_FALSE_MSG(test, ok,
						       "%s -> %s without a reason",
						       vmmig_state_name(from),
						       vmmig_state_name(to));
				continue;
			}
			KUNIT_EXPECT_EQ_MSG(test, ok, expect_progress[from][to],
					    "%s -> %s", vmmig_state_name(from),
					    vmmig_state_name(to));
		}
}

static void vmmig_state_test_endings(struct kunit *test)
{
	u32 from, reason;

	for (from = VMMIG_STATE_NEW; from < NS; from++)
		for (reason = VMMIG_REASON_CANCEL;
		     reason <= VMMIG_REASON_MAX; reason++) {
			int f = vmmig_state_check_move(from, VMMIG_STATE_FAILED,
						       reason);
			int c = vmmig_state_check_move(from,
						       VMMIG_STATE_CANCELLED,
						       reason);

			KUNIT_EXPECT_EQ(test, f, is_final(from) ? -EINVAL : 0);
			KUNIT_EXPECT_EQ(test, c, is_final(from) ? -EINVAL : 0);
			/* Progress never carries a reason. */
			KUNIT_EXPECT_EQ(test,
					vmmig_state_check_move(from,
							       VMMIG_STATE_ACTIVE,
							       reason),
					-EINVAL);
		}
}

static void vmmig_state_test_bad_values(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vmmig_state_check_move(0, VMMIG_STATE_ACTIVE, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vmmig_state_check_move(VMMIG_STATE_NEW, NS, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vmmig_state_check_move(VMMIG_STATE_NEW,
						     VMMIG_STATE_FAILED,
						     VMMIG_REASON_MAX + 1),
			-EINVAL);
	KUNIT_EXPECT_FALSE(test, vmmig_state_valid(0));
	KUNIT_EXPECT_FALSE(test, vmmig_state_valid(NS));
}

static void vmmig_state_test_names(struct kunit *test)
{
	u32 v;

	for (v = VMMIG_STATE_NEW; v < NS; v++)
		KUNIT_EXPECT_STRNEQ(test, vmmig_state_name(v), "unknown");
	for (v = VMMIG_REASON_NONE; v <= VMMIG_REASON_MAX; v++)
		KUNIT_EXPECT_STRNEQ(test, vmmig_reason_name(v), "unknown");
	KUNIT_EXPECT_STREQ(test, vmmig_role_name(VMMIG_ROLE_SOURCE), "source");
	KUNIT_EXPECT_STREQ(test, vmmig_role_name(VMMIG_ROLE_DESTINATION),
			   "destination");
	KUNIT_EXPECT_STREQ(test, vmmig_state_name(0), "unknown");
	KUNIT_EXPECT_STREQ(test, vmmig_state_name(NS), "unknown");
	KUNIT_EXPECT_STREQ(test, vmmig_reason_name(VMMIG_REASON_MAX + 1),
			   "unknown");
	KUNIT_EXPECT_STREQ(test, vmmig_role_name(0), "unknown");
}

static struct kunit_case vmmig_state_cases[] = {
	KUNIT_CASE(vmmig_state_test_progress),
	KUNIT_CASE(vmmig_state_test_endings),
	KUNIT_CASE(vmmig_state_test_bad_values),
	KUNIT_CASE(vmmig_state_test_names),
	{}
};

static struct kunit_suite vmmig_state_suite = {
	.name = "vmmig_state",
	.test_cases = vmmig_state_cases,
};

kunit_test_suite(vmmig_state_suite);
