/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMBus channel management messages: what the guest and the host exchange
 * through the SynIC message slot (HvPostMessage one way, SINT 2 the other)
 * to connect, learn about devices and open channels.
 *
 * Source of every constant and layout here: include/linux/hyperv.h
 * (enum vmbus_channel_message_type, struct vmbus_channel_*) and
 * drivers/hv/hyperv_vmbus.h (VMBUS_MESSAGE_SINT, MAX_CHANNEL_RELIDS);
 * tests/layout checks these against the kernel's own definitions.
 */
#ifndef HV_CHANNEL_MSG_H
#define HV_CHANNEL_MSG_H

#include <linux/types.h>
#include <linux/uuid.h>
#include <linux/build_bug.h>

/* A SynIC message carries at most 240 bytes of payload. */
#define HV_MSG_PAYLOAD_MAX	240

/* The SINT on which the host delivers VMBus messages. */
#define HV_VMBUS_MESSAGE_SINT	2

/* One event-flags page holds 2048 bits, one per relid. */
#define HV_MAX_RELIDS		2048

enum hv_chmsg_type {
	HV_CHMSG_INVALID = 0,
	HV_CHMSG_OFFERCHANNEL = 1,
	HV_CHMSG_RESCIND_CHANNELOFFER = 2,
	HV_CHMSG_REQUESTOFFERS = 3,
	HV_CHMSG_ALLOFFERS_DELIVERED = 4,
	HV_CHMSG_OPENCHANNEL = 5,
	HV_CHMSG_OPENCHANNEL_RESULT = 6,
	HV_CHMSG_CLOSECHANNEL = 7,
	HV_CHMSG_GPADL_HEADER = 8,
	HV_CHMSG_GPADL_BODY = 9,
	HV_CHMSG_GPADL_CREATED = 10,
	HV_CHMSG_GPADL_TEARDOWN = 11,
	HV_CHMSG_GPADL_TORNDOWN = 12,
	HV_CHMSG_RELID_RELEASED = 13,
	HV_CHMSG_INITIATE_CONTACT = 14,
	HV_CHMSG_VERSION_RESPONSE = 15,
	HV_CHMSG_UNLOAD = 16,
	HV_CHMSG_UNLOAD_RESPONSE = 17,
	HV_CHMSG_MODIFYCHANNEL = 22,
	HV_CHMSG_MODIFYCHANNEL_RESPONSE = 24,
	HV_CHMSG_COUNT = 25,
};

struct hv_chmsg_header {
	u32 msgtype;
	u32 padding;
} __packed;

#define HV_OFFER_USER_DEFINED_BYTES	120

struct hv_chmsg_offer_body {
	guid_t if_type;
	guid_t if_instance;
	u64 reserved1;
	u64 reserved2;
	u16 chn_flags;
	u16 mmio_megabytes;
	u8 user_def[HV_OFFER_USER_DEFINED_BYTES];
	u16 sub_channel_index;	/* 0: primary channel */
	u16 reserved3;
} __packed;

struct hv_chmsg_offer {
	struct hv_chmsg_header header;
	struct hv_chmsg_offer_body offer;
	u32 child_relid;
	u8 monitorid;
	u8 monitor_allocated;	/* bit 0; the other bits are reserved */
	u16 dedicated_interrupt; /* bit 0; the other bits are reserved */
	u32 connection_id;
} __packed;

struct hv_chmsg_rescind {
	struct hv_chmsg_header header;
	u32 child_relid;
} __packed;

struct hv_chmsg_open {
	struct hv_chmsg_header header;
	u32 child_relid;
	u32 openid;
	u32 ringbuffer_gpadl;
	u32 target_vp;
	/* pages of the GPADL before the host-to-guest ring */
	u32 downstream_ring_page_offset;
	u8 userdata[HV_OFFER_USER_DEFINED_BYTES];
} __packed;

struct hv_chmsg_open_result {
	struct hv_chmsg_header header;
	u32 child_relid;
	u32 openid;
	u32 status;
} __packed;

struct hv_chmsg_close {
	struct hv_chmsg_header header;
	u32 child_relid;
} __packed;

struct hv_gpa_range {
	u32 byte_count;
	u32 byte_offset;
	u64 pfn_array[];
} __packed;

struct hv_chmsg_gpadl_header {
	struct hv_chmsg_header header;
	u32 child_relid;
	u32 gpadl;
	u16 range_buflen;	/* bytes of range[], including pfn_array */
	u16 rangecount;
	/* rangecount struct hv_gpa_range, each followed by its PFNs */
	u8 range[];
} __packed;

struct hv_chmsg_gpadl_body {
	struct hv_chmsg_header header;
	u32 msgnumber;
	u32 gpadl;
	u64 pfn[];
} __packed;

/* PFNs that fit in one GPADL_HEADER (one range) and in one GPADL_BODY. */
#define HV_GPADL_HEADER_PFNS \
	((HV_MSG_PAYLOAD_MAX - sizeof(struct hv_chmsg_gpadl_header) - \
	  sizeof(struct hv_gpa_range)) / sizeof(u64))
#define HV_GPADL_BODY_PFNS \
	((HV_MSG_PAYLOAD_MAX - sizeof(struct hv_chmsg_gpadl_body)) / sizeof(u64))

struct hv_chmsg_gpadl_created {
	struct hv_chmsg_header header;
	u32 child_relid;
	u32 gpadl;
	u32 creation_status;
} __packed;

struct hv_chmsg_gpadl_teardown {
	struct hv_chmsg_header header;
	u32 child_relid;
	u32 gpadl;
} __packed;

struct hv_chmsg_gpadl_torndown {
	struct hv_chmsg_header header;
	u32 gpadl;
} __packed;

struct hv_chmsg_relid_released {
	struct hv_chmsg_header header;
	u32 child_relid;
} __packed;

struct hv_chmsg_initiate_contact {
	struct hv_chmsg_header header;
	u32 vmbus_version_requested;
	u32 target_vcpu;	/* the VP the host sends its messages to */
	/*
	 * Before 5.0: the guest physical address of the interrupt page.
	 * From 5.0: byte 0 is the SINT for messages, byte 1 the VTL.
	 */
	u64 interrupt_page_or_sint;
	u64 monitor_page1;
	u64 monitor_page2;
} __packed;

struct hv_chmsg_version_response {
	struct hv_chmsg_header header;
	u8 version_supported;
	u8 connection_state;
	u16 padding;
	u32 msg_conn_id;	/* from 5.0: the connection id to post to */
} __packed;

struct hv_chmsg_modifychannel {
	struct hv_chmsg_header header;
	u32 child_relid;
	u32 target_vp;
} __packed;

struct hv_chmsg_modifychannel_response {
	struct hv_chmsg_header header;
	u32 child_relid;
	u32 status;
} __packed;

/* Sizes pinned: these cross the guest/host boundary. */
static_assert(sizeof(struct hv_chmsg_header) == 8);
static_assert(sizeof(struct hv_chmsg_offer_body) == 176);
static_assert(sizeof(struct hv_chmsg_offer) == 196);
static_assert(sizeof(struct hv_chmsg_rescind) == 12);
static_assert(sizeof(struct hv_chmsg_open) == 148);
static_assert(sizeof(struct hv_chmsg_open_result) == 20);
static_assert(sizeof(struct hv_chmsg_close) == 12);
static_assert(sizeof(struct hv_gpa_range) == 8);
static_assert(sizeof(struct hv_chmsg_gpadl_header) == 20);
static_assert(sizeof(struct hv_chmsg_gpadl_body) == 16);
static_assert(sizeof(struct hv_chmsg_gpadl_created) == 20);
static_assert(sizeof(struct hv_chmsg_gpadl_teardown) == 16);
static_assert(sizeof(struct hv_chmsg_gpadl_torndown) == 12);
static_assert(sizeof(struct hv_chmsg_relid_released) == 12);
static_assert(sizeof(struct hv_chmsg_initiate_contact) == 40);
static_assert(sizeof(struct hv_chmsg_version_response) == 16);
static_assert(sizeof(struct hv_chmsg_modifychannel) == 16);
static_assert(sizeof(struct hv_chmsg_modifychannel_response) == 16);
static_assert(HV_GPADL_HEADER_PFNS == 26);
static_assert(HV_GPADL_BODY_PFNS == 28);

#endif /* HV_CHANNEL_MSG_H */
