/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMBus ring buffers and the packets that travel in them.
 *
 * A channel has two rings, each a header page followed by the data area,
 * shared with the host as one GPADL: guest-to-host first, host-to-guest
 * after it. Each packet is a descriptor, its payload padded to 8 bytes,
 * and a trailing u64 holding the writer's start index in its high half.
 *
 * Source: include/linux/hyperv.h (struct hv_ring_buffer,
 * struct vmpacket_descriptor, enum vmbus_packet_type,
 * struct vmbus_channel_packet_page_buffer, struct hv_pkt_page_range,
 * struct hv_mpb_array, VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED) and
 * drivers/hv/ring_buffer.c (the signalling rules, see vmbus/ring.c).
 */
#ifndef HV_RING_H
#define HV_RING_H

#include <linux/types.h>
#include <linux/build_bug.h>

#define HV_RING_HEADER_SIZE	4096

struct hv_ring_header {
	u32 write_index;	/* byte offset into the data area */
	u32 read_index;
	/* set by the reader: "do not signal me, I am polling" */
	u32 interrupt_mask;
	/* set by a blocked writer: "signal me when this much is free" */
	u32 pending_send_sz;
	u32 reserved1[12];
	u32 feature_bits;	/* bit 0: the reader honours pending_send_sz */
	u8 reserved2[HV_RING_HEADER_SIZE - 68];
} __packed;

#define HV_RING_FEAT_PENDING_SEND_SZ	BIT(0)

enum hv_pkt_type {
	HV_PKT_INVALID = 0,
	HV_PKT_SYNCH = 1,
	HV_PKT_ADD_XFER_PAGESET = 2,
	HV_PKT_RM_XFER_PAGESET = 3,
	HV_PKT_ESTABLISH_GPADL = 4,
	HV_PKT_TEARDOWN_GPADL = 5,
	HV_PKT_DATA_INBAND = 6,
	HV_PKT_DATA_USING_XFER_PAGES = 7,
	HV_PKT_DATA_USING_GPADL = 8,
	HV_PKT_DATA_USING_GPA_DIRECT = 9,
	HV_PKT_CANCEL_REQUEST = 10,
	HV_PKT_COMP = 11,
	HV_PKT_DATA_USING_ADDITIONAL_PKT = 12,
	HV_PKT_ADDITIONAL_DATA = 13,
};

#define HV_PKT_FLAG_COMPLETION_REQUESTED	1

struct hv_pkt_desc {
	u16 type;
	u16 offset8;	/* descriptor length, in 8-byte units */
	u16 len8;	/* whole packet without the trailer, in 8-byte units */
	u16 flags;
	u64 trans_id;
} __packed;

/* One page-sized piece of a GPA-direct packet. */
struct hv_pkt_page_range {
	u32 len;
	u32 offset;
	u64 pfn;
} __packed;

struct hv_pkt_gpa_direct {
	struct hv_pkt_desc desc;
	u32 reserved;
	u32 rangecount;
	struct hv_pkt_page_range range[];
} __packed;

/* A multi-page buffer: one byte range over consecutive-in-range PFNs. */
struct hv_mpb_range {
	u32 len;
	u32 offset;
	u64 pfn_array[];
} __packed;

struct hv_pkt_mpb {
	struct hv_pkt_desc desc;
	u32 reserved;
	u32 rangecount;	/* always 1 */
	struct hv_mpb_range range;
} __packed;

static_assert(sizeof(struct hv_ring_header) == HV_RING_HEADER_SIZE);
static_assert(sizeof(struct hv_pkt_desc) == 16);
static_assert(sizeof(struct hv_pkt_page_range) == 16);
static_assert(sizeof(struct hv_pkt_gpa_direct) == 24);
static_assert(sizeof(struct hv_pkt_mpb) == 32);

#endif /* HV_RING_H */
