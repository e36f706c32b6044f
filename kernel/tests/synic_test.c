// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the real Hyper-V platform's interrupt path
 * (vmbus/hyperv.c, hvg_synic_scan()), which hv_sim does not go through:
 * a SynIC message page and event page of the test's own (layout from the
 * TLFS and include/asm-generic/hyperv-tlfs.h: 16 message slots of 256
 * bytes, 16 event flag pages of 256 bytes, SINT 2 for VMBus).
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include "compat-mshyperv.h"
#include "../vmbus/vmbus.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* Any message type but HVMSG_NONE (0) occupies the slot. */
#define T_MSGTYPE	1

static u32 seen_events[8];
static unsigned int n_events;
static u32 seen_len;
static unsigned int n_messages;

static void rec_event(u32 relid)
{
	if (n_events < ARRAY_SIZE(seen_events))
		seen_events[n_events] = relid;
	n_events++;
}

static void rec_message(const void *msg, u32 len)
{
	seen_len = len;
	n_messages++;
}

struct synic_pages {
	void *event;
	void *msg;
};

static struct synic_pages *pages(struct kunit *test)
{
	struct synic_pages *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	p->event = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	p->msg = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p->event);
	KUNIT_ASSERT_NOT_NULL(test, p->msg);
	n_events = 0;
	n_messages = 0;
	seen_len = 0;
	return p;
}

static struct hv_message *slot(struct synic_pages *p)
{
	return (struct hv_message *)p->msg + HV_VMBUS_MESSAGE_SINT;
}

static unsigned long *flags(struct synic_pages *p)
{
	return (unsigned long *)((union hv_synic_event_flags *)p->event +
				 HV_VMBUS_MESSAGE_SINT)->flags;
}

/* A full slot's 240 bytes are delivered, and the slot is freed. */
static void synic_message_full_slot(struct kunit *test)
{
	struct synic_pages *p = pages(test);

	slot(p)->header.message_type = T_MSGTYPE;
	slot(p)->header.payload_size = HV_MSG_PAYLOAD_MAX;
	hvg_synic_scan(p->event, p->msg, rec_event, rec_message);
	KUNIT_EXPECT_EQ(test, n_messages, 1U);
	KUNIT_EXPECT_EQ(test, seen_len, (u32)HV_MSG_PAYLOAD_MAX);
	KUNIT_EXPECT_EQ(test, slot(p)->header.message_type, (u32)HVMSG_NONE);
}

/* A payload_size past the slot is dropped, not truncated; slot freed. */
static void synic_message_oversized(struct kunit *test)
{
	struct synic_pages *p = pages(test);

	slot(p)->header.message_type = T_MSGTYPE;
	slot(p)->header.payload_size = HV_MSG_PAYLOAD_MAX + 1;
	hvg_synic_scan(p->event, p->msg, rec_event, rec_message);
	KUNIT_EXPECT_EQ(test, n_messages, 0U);
	KUNIT_EXPECT_EQ(test, slot(p)->header.message_type, (u32)HVMSG_NONE);
}

/* An empty slot delivers nothing. */
static void synic_message_none(struct kunit *test)
{
	struct synic_pages *p = pages(test);

	hvg_synic_scan(p->event, p->msg, rec_event, rec_message);
	KUNIT_EXPECT_EQ(test, n_messages, 0U);
	KUNIT_EXPECT_EQ(test, n_events, 0U);
}

/* Every set bit is cleared; relid 0 is no channel and is not delivered. */
static void synic_events(struct kunit *test)
{
	struct synic_pages *p = pages(test);
	unsigned long *bits = flags(p);

	__set_bit(0, bits);
	__set_bit(3, bits);
	__set_bit(130, bits);
	hvg_synic_scan(p->event, p->msg, rec_event, rec_message);
	KUNIT_EXPECT_EQ(test, n_events, 2U);
	KUNIT_EXPECT_EQ(test, seen_events[0], 3U);
	KUNIT_EXPECT_EQ(test, seen_events[1], 130U);
	KUNIT_EXPECT_FALSE(test, test_bit(0, bits));
	KUNIT_EXPECT_FALSE(test, test_bit(3, bits));
	KUNIT_EXPECT_FALSE(test, test_bit(130, bits));
}

static struct kunit_case synic_cases[] = {
	KUNIT_CASE(synic_message_full_slot),
	KUNIT_CASE(synic_message_oversized),
	KUNIT_CASE(synic_message_none),
	KUNIT_CASE(synic_events),
	{}
};

static struct kunit_suite synic_suite = {
	.name = "hvg_synic",
	.test_cases = synic_cases,
};

kunit_test_suite(synic_suite);

MODULE_DESCRIPTION("KUnit tests of hv_vmbus's Hyper-V interrupt path");
MODULE_LICENSE("GPL");
