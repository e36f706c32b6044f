// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for VMBus protocol version selection (vmbus/version.c).
 */
#include <kunit/test.h>
#include <hv/version.h>
#include "../vmbus/vmbus.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* Uncapped, the order is newest first and every step goes down. */
static void version_order_newest_first(struct kunit *test)
{
	unsigned int i;
	u32 prev, v;

	prev = hvg_vmbus_version_at(0, 0);
	KUNIT_EXPECT_EQ(test, prev, (u32)HV_VMBUS_VERSION_WIN10_V5_3);
	for (i = 1; (v = hvg_vmbus_version_at(0, i)) != 0; i++) {
		KUNIT_EXPECT_LT(test, v, prev);
		prev = v;
	}
	KUNIT_EXPECT_EQ(test, i, 8U);
	KUNIT_EXPECT_EQ(test, prev, (u32)HV_VMBUS_VERSION_WIN8);
}

/* A cap equal to a known version starts the list at that version. */
static void version_cap_exact(struct kunit *test)
{
	static const u32 caps[] = {
		HV_VMBUS_VERSION_WIN10_V5_3, HV_VMBUS_VERSION_WIN10_V5_2,
		HV_VMBUS_VERSION_WIN10_V5_1, HV_VMBUS_VERSION_WIN10_V5,
		HV_VMBUS_VERSION_WIN10_V4_1, HV_VMBUS_VERSION_WIN10,
		HV_VMBUS_VERSION_WIN8_1, HV_VMBUS_VERSION_WIN8,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		KUNIT_EXPECT_EQ(test, hvg_vmbus_version_at(caps[i], 0), caps[i]);
		KUNIT_EXPECT_EQ(test, hvg_vmbus_version_check_cap(caps[i]), 0);
	}
	/* 2.4 is the last one: nothing follows it. */
	KUNIT_EXPECT_EQ(test, hvg_vmbus_version_at(HV_VMBUS_VERSION_WIN8, 1), 0U);
}

/* A cap between two versions starts at the next lower known one. */
static void version_cap_between(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hvg_vmbus_version_at(HV_VMBUS_VERSION(4, 7), 0),
			(u32)HV_VMBUS_VERSION_WIN10_V4_1);
	KUNIT_EXPECT_EQ(test, hvg_vmbus_version_at(HV_VMBUS_VERSION(9, 0), 0),
			(u32)HV_VMBUS_VERSION_WIN10_V5_3);
	KUNIT_EXPECT_EQ(test, hvg_vmbus_version_at(HV_VMBUS_VERSION(2, 9), 0),
			(u32)HV_VMBUS_VERSION_WIN8);
}

/* A cap below 2.4 leaves nothing to propose and is refused. */
static void version_cap_too_low(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hvg_vmbus_version_at(HV_VMBUS_VERSION(2, 3), 0), 0U);
	KUNIT_EXPECT_EQ(test, hvg_vmbus_version_at(HV_VMBUS_VERSION(1, 1), 0), 0U);
	KUNIT_EXPECT_EQ(test, hvg_vmbus_version_check_cap(HV_VMBUS_VERSION(1, 1)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, hvg_vmbus_version_check_cap(0), 0);
}

static void version_known(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, hvg_vmbus_version_known(HV_VMBUS_VERSION_WIN10_V5_2));
	KUNIT_EXPECT_TRUE(test, hvg_vmbus_version_known(HV_VMBUS_VERSION_WIN8));
	KUNIT_EXPECT_FALSE(test, hvg_vmbus_version_known(HV_VMBUS_VERSION(1, 1)));
	KUNIT_EXPECT_FALSE(test, hvg_vmbus_version_known(HV_VMBUS_VERSION(5, 4)));
	KUNIT_EXPECT_FALSE(test, hvg_vmbus_version_known(0));
}

/* Connection id 4 from 5.0 on, 1 before (drivers/hv/connection.c). */
static void version_conn_id(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hvg_vmbus_message_conn_id(HV_VMBUS_VERSION_WIN10_V5_3), 4U);
	KUNIT_EXPECT_EQ(test, hvg_vmbus_message_conn_id(HV_VMBUS_VERSION_WIN10_V5), 4U);
	KUNIT_EXPECT_EQ(test, hvg_vmbus_message_conn_id(HV_VMBUS_VERSION_WIN10_V4_1), 1U);
	KUNIT_EXPECT_EQ(test, hvg_vmbus_message_conn_id(HV_VMBUS_VERSION_WIN8), 1U);
}

static struct kunit_case hvg_vmbus_version_cases[] = {
	KUNIT_CASE(version_order_newest_first),
	KUNIT_CASE(version_cap_exact),
	KUNIT_CASE(version_cap_between),
	KUNIT_CASE(version_cap_too_low),
	KUNIT_CASE(version_known),
	KUNIT_CASE(version_conn_id),
	{}
};

static struct kunit_suite hvg_vmbus_version_suite = {
	.name = "hvg_vmbus_version",
	.test_cases = hvg_vmbus_version_cases,
};

kunit_test_suite(hvg_vmbus_version_suite);

MODULE_DESCRIPTION("KUnit tests for hv_vmbus version selection");
MODULE_LICENSE("GPL");
