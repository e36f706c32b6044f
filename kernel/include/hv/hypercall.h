/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HvPostMessage input block, as the hyperv platform builds it in the
 * per-CPU hypercall input page.
 *
 * Source: drivers/hv/hyperv_vmbus.h (struct hv_input_post_message,
 * hv_post_message() uses message type 1 for VMBus channel messages) and
 * the Hyper-V TLFS (HvPostMessage).
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <linux/types.h>
#include <linux/build_bug.h>
#include <hv/channel_msg.h>

#define HV_POST_MESSAGE_TYPE_VMBUS	1

/*
 * The partition reference counter MSR: 100 ns units since the partition
 * started (TLFS "Partition Reference Counter"; HV_X64_MSR_TIME_REF_COUNT
 * in the kernel's asm/hyperv-tlfs.h).
 */
#define HVG_MSR_REF_COUNT		0x40000020

struct hv_post_message_input {
	u32 connection_id;
	u32 reserved;
	u32 message_type;
	u32 payload_size;
	u64 payload[HV_MSG_PAYLOAD_MAX / sizeof(u64)];
} __packed;

static_assert(sizeof(struct hv_post_message_input) == 256);

#endif /* HV_HYPERCALL_H */
