// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for channel-message building and checking (vmbus/channel.c):
 * the GPADL header/body sequence and offer validation.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <hv/channel_msg.h>
#include "../vmbus/vmbus.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

static u8 *alloc_msgs(struct kunit *test, u32 n)
{
	return kunit_kzalloc(test, n * HV_MSG_PAYLOAD_MAX, GFP_KERNEL);
}

/* Up to 26 PFNs fit in the header alone. */
static void gpadl_header_only(struct kunit *test)
{
	u8 *msgs = alloc_msgs(test, 4);
	struct hv_chmsg_gpadl_header *h = (void *)msgs;
	struct hv_gpa_range *r = (void *)h->range;
	u64 pfns[26];
	u32 lens[4], i;

	for (i = 0; i < 26; i++)
		pfns[i] = 0x1000 + i;
	KUNIT_ASSERT_EQ(test, hvg_gpadl_build(7, 3, pfns, 26, msgs, lens, 4), 1);
	KUNIT_EXPECT_EQ(test, h->header.msgtype, (u32)HV_CHMSG_GPADL_HEADER);
	KUNIT_EXPECT_EQ(test, h->gpadl, 7U);
	KUNIT_EXPECT_EQ(test, h->child_relid, 3U);
	KUNIT_EXPECT_EQ(test, h->rangecount, 1);
	KUNIT_EXPECT_EQ(test, h->range_buflen, 8 + 26 * 8);
	KUNIT_EXPECT_EQ(test, r->byte_count, 26U * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, r->byte_offset, 0U);
	KUNIT_EXPECT_EQ(test, r->pfn_array[25], 0x1000ULL + 25);
	/* 20-byte header, 8-byte range, 26 PFNs: 236 of the 240 bytes */
	KUNIT_EXPECT_EQ(test, lens[0], 236U);
}

/* 27..54 PFNs need one body; the body numbering starts at 1. */
static void gpadl_with_bodies(struct kunit *test)
{
	u8 *msgs = alloc_msgs(test, 8);
	struct hv_chmsg_gpadl_body *b;
	u32 lens[8], i, n = 26 + 28 + 5;
	u64 *pfns = kunit_kcalloc(test, n, sizeof(u64), GFP_KERNEL);

	for (i = 0; i < n; i++)
		pfns[i] = 0x5000 + i;
	KUNIT_ASSERT_EQ(test, hvg_gpadl_build(9, 4, pfns, n, msgs, lens, 8), 3);
	b = (void *)(msgs + HV_MSG_PAYLOAD_MAX);
	KUNIT_EXPECT_EQ(test, b->header.msgtype, (u32)HV_CHMSG_GPADL_BODY);
	KUNIT_EXPECT_EQ(test, b->msgnumber, 1U);
	KUNIT_EXPECT_EQ(test, b->gpadl, 9U);
	KUNIT_EXPECT_EQ(test, b->pfn[0], 0x5000ULL + 26);
	KUNIT_EXPECT_EQ(test, lens[1], (u32)HV_MSG_PAYLOAD_MAX);
	b = (void *)(msgs + 2 * HV_MSG_PAYLOAD_MAX);
	KUNIT_EXPECT_EQ(test, b->msgnumber, 2U);
	KUNIT_EXPECT_EQ(test, b->pfn[4], 0x5000ULL + n - 1);
	KUNIT_EXPECT_EQ(test, lens[2], 16U + 5 * 8);
}

/* Not enough room for the messages, or nothing to describe: refused. */
static void gpadl_bad_arguments(struct kunit *test)
{
	u8 *msgs = alloc_msgs(test, 2);
	u64 pfns[60] = {};
	u32 lens[2];

	KUNIT_EXPECT_EQ(test, hvg_gpadl_build(1, 1, pfns, 60, msgs, lens, 2),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, hvg_gpadl_build(1, 1, pfns, 0, msgs, lens, 2),
			-EINVAL);
}

static void offer_init(struct hv_chmsg_offer *o)
{
	memset(o, 0, sizeof(*o));
	o->header.msgtype = HV_CHMSG_OFFERCHANNEL;
	o->child_relid = 5;
	o->offer.if_type.b[0] = 1;
	o->offer.if_instance.b[0] = 2;
}

static void offer_validation(struct kunit *test)
{
	struct hv_chmsg_offer o;

	offer_init(&o);
	KUNIT_EXPECT_EQ(test, hvg_validate_offer(&o), 0);
	o.child_relid = 0;
	KUNIT_EXPECT_EQ(test, hvg_validate_offer(&o), -EINVAL);
	o.child_relid = HV_MAX_RELIDS;
	KUNIT_EXPECT_EQ(test, hvg_validate_offer(&o), -EINVAL);
	o.child_relid = HV_MAX_RELIDS - 1;
	KUNIT_EXPECT_EQ(test, hvg_validate_offer(&o), 0);
	o.monitor_allocated = 1;
	o.monitorid = 200;
	KUNIT_EXPECT_EQ(test, hvg_validate_offer(&o), -EINVAL);
	o.monitorid = 127;
	KUNIT_EXPECT_EQ(test, hvg_validate_offer(&o), 0);
	offer_init(&o);
	memset(&o.offer.if_type, 0, sizeof(o.offer.if_type));
	KUNIT_EXPECT_EQ(test, hvg_validate_offer(&o), -EINVAL);
}

/*
 * A channel that has been in sysfs lives as long as its kobject: a
 * reference taken by a sysfs reader, or held back by a delayed release
 * (CONFIG_DEBUG_KOBJECT_RELEASE), keeps the memory valid after
 * hvg_channel_free(). Before, the release was empty and free was kfree():
 * KASAN reports the read below as a use-after-free.
 */
static void channel_outlives_free_while_referenced(struct kunit *test)
{
	struct hvg_device *hdev = kunit_kzalloc(test, sizeof(*hdev), GFP_KERNEL);
	struct hv_chmsg_offer o;
	struct hvg_channel *ch;

	KUNIT_ASSERT_NOT_NULL(test, hdev);
	offer_init(&o);
	ch = hvg_channel_alloc(&o);
	KUNIT_ASSERT_NOT_NULL(test, ch);
	hdev->channels_kobj = kobject_create_and_add("hvg-kunit-channels",
						     kernel_kobj);
	KUNIT_ASSERT_NOT_NULL(test, hdev->channels_kobj);
	ch->device = hdev;
	KUNIT_ASSERT_EQ(test, hvg_channel_sysfs_add(ch), 0);
	kobject_get(&ch->kobj);
	hvg_channel_sysfs_del(ch);
	hvg_channel_free(ch);
	KUNIT_EXPECT_EQ(test, READ_ONCE(ch->relid), o.child_relid);
	kobject_put(&ch->kobj);
	kobject_put(hdev->channels_kobj);
}

/* Never in sysfs: freed at once, no kobject involved. */
static void channel_free_without_sysfs(struct kunit *test)
{
	struct hv_chmsg_offer o;
	struct hvg_channel *ch;

	offer_init(&o);
	ch = hvg_channel_alloc(&o);
	KUNIT_ASSERT_NOT_NULL(test, ch);
	KUNIT_EXPECT_FALSE(test, ch->kobj_inited);
	hvg_channel_free(ch);
}

static struct kunit_case hvg_channel_cases[] = {
	KUNIT_CASE(gpadl_header_only),
	KUNIT_CASE(gpadl_with_bodies),
	KUNIT_CASE(gpadl_bad_arguments),
	KUNIT_CASE(offer_validation),
	KUNIT_CASE(channel_outlives_free_while_referenced),
	KUNIT_CASE(channel_free_without_sysfs),
	{}
};

static struct kunit_suite hvg_channel_suite = {
	.name = "hvg_channel_msg",
	.test_cases = hvg_channel_cases,
};

kunit_test_suite(hvg_channel_suite);

MODULE_DESCRIPTION("KUnit tests for hyperv-guest VMBus channel messages");
MODULE_LICENSE("GPL");
