// SPDX-License-Identifier: GPL-2.0
/*
 * Layout check: our wire formats (include/hv/) against the kernel's own
 * <linux/hyperv.h>, for whichever kernel this is built against.
 *
 * Nothing here runs: every check is a static_assert, so building the
 * modules for a kernel (make modules, and the W=1/sparse lint of every
 * supported header set) fails if that kernel's definition of a message,
 * the ring header or a packet descriptor differs from ours. It guards
 * against the guest and hv_sim sharing one misreading of the protocol.
 * This module is never installed or loaded.
 */
#include <linux/module.h>
#include <linux/stddef.h>
#include <linux/hyperv.h>
#include <hv/channel_msg.h>
#include <hv/ring.h>
#include <hv/version.h>

/*
 * Same offset, ours (a) against the kernel's (b). With the total sizes
 * compared too, matching offsets of consecutive fields pin their sizes.
 */
#define SAME_FIELD(a, fa, b, fb) \
	static_assert(offsetof(struct a, fa) == offsetof(struct b, fb))
#define SAME_SIZE(a, b) static_assert(sizeof(struct a) == sizeof(struct b))
/* Same value; the casts compare enumerators of different enums. */
#define SAME_VALUE(a, b) static_assert((long)(a) == (long)(b))

SAME_SIZE(hv_chmsg_header, vmbus_channel_message_header);
SAME_FIELD(hv_chmsg_header, msgtype, vmbus_channel_message_header, msgtype);

SAME_SIZE(hv_chmsg_offer_body, vmbus_channel_offer);
SAME_FIELD(hv_chmsg_offer_body, if_type, vmbus_channel_offer, if_type);
SAME_FIELD(hv_chmsg_offer_body, if_instance, vmbus_channel_offer, if_instance);
SAME_FIELD(hv_chmsg_offer_body, chn_flags, vmbus_channel_offer, chn_flags);
SAME_FIELD(hv_chmsg_offer_body, mmio_megabytes, vmbus_channel_offer,
	   mmio_megabytes);
SAME_FIELD(hv_chmsg_offer_body, user_def, vmbus_channel_offer, u.std.user_def);
SAME_FIELD(hv_chmsg_offer_body, sub_channel_index, vmbus_channel_offer,
	   sub_channel_index);

SAME_SIZE(hv_chmsg_offer, vmbus_channel_offer_channel);
SAME_FIELD(hv_chmsg_offer, offer, vmbus_channel_offer_channel, offer);
SAME_FIELD(hv_chmsg_offer, child_relid, vmbus_channel_offer_channel,
	   child_relid);
SAME_FIELD(hv_chmsg_offer, monitorid, vmbus_channel_offer_channel, monitorid);
SAME_FIELD(hv_chmsg_offer, connection_id, vmbus_channel_offer_channel,
	   connection_id);

SAME_SIZE(hv_chmsg_rescind, vmbus_channel_rescind_offer);
SAME_FIELD(hv_chmsg_rescind, child_relid, vmbus_channel_rescind_offer,
	   child_relid);

SAME_SIZE(hv_chmsg_open, vmbus_channel_open_channel);
SAME_FIELD(hv_chmsg_open, child_relid, vmbus_channel_open_channel, child_relid);
SAME_FIELD(hv_chmsg_open, openid, vmbus_channel_open_channel, openid);
SAME_FIELD(hv_chmsg_open, ringbuffer_gpadl, vmbus_channel_open_channel,
	   ringbuffer_gpadlhandle);
SAME_FIELD(hv_chmsg_open, target_vp, vmbus_channel_open_channel, target_vp);
SAME_FIELD(hv_chmsg_open, downstream_ring_page_offset,
	   vmbus_channel_open_channel, downstream_ringbuffer_pageoffset);
SAME_FIELD(hv_chmsg_open, userdata, vmbus_channel_open_channel, userdata);

SAME_SIZE(hv_chmsg_open_result, vmbus_channel_open_result);
SAME_FIELD(hv_chmsg_open_result, child_relid, vmbus_channel_open_result,
	   child_relid);
SAME_FIELD(hv_chmsg_open_result, openid, vmbus_channel_open_result, openid);
SAME_FIELD(hv_chmsg_open_result, status, vmbus_channel_open_result, status);

SAME_SIZE(hv_chmsg_close, vmbus_channel_close_channel);
SAME_FIELD(hv_chmsg_close, child_relid, vmbus_channel_close_channel,
	   child_relid);

SAME_SIZE(hv_gpa_range, gpa_range);
SAME_FIELD(hv_gpa_range, byte_count, gpa_range, byte_count);
SAME_FIELD(hv_gpa_range, byte_offset, gpa_range, byte_offset);
static_assert(offsetof(struct hv_gpa_range, pfn_array) ==
	      offsetof(struct gpa_range, pfn_array));

SAME_SIZE(hv_chmsg_gpadl_header, vmbus_channel_gpadl_header);
SAME_FIELD(hv_chmsg_gpadl_header, child_relid, vmbus_channel_gpadl_header,
	   child_relid);
SAME_FIELD(hv_chmsg_gpadl_header, gpadl, vmbus_channel_gpadl_header, gpadl);
SAME_FIELD(hv_chmsg_gpadl_header, range_buflen, vmbus_channel_gpadl_header,
	   range_buflen);
SAME_FIELD(hv_chmsg_gpadl_header, rangecount, vmbus_channel_gpadl_header,
	   rangecount);
static_assert(offsetof(struct hv_chmsg_gpadl_header, range) ==
	      offsetof(struct vmbus_channel_gpadl_header, range));

SAME_SIZE(hv_chmsg_gpadl_body, vmbus_channel_gpadl_body);
SAME_FIELD(hv_chmsg_gpadl_body, msgnumber, vmbus_channel_gpadl_body, msgnumber);
SAME_FIELD(hv_chmsg_gpadl_body, gpadl, vmbus_channel_gpadl_body, gpadl);
static_assert(offsetof(struct hv_chmsg_gpadl_body, pfn) ==
	      offsetof(struct vmbus_channel_gpadl_body, pfn));

SAME_SIZE(hv_chmsg_gpadl_created, vmbus_channel_gpadl_created);
SAME_FIELD(hv_chmsg_gpadl_created, gpadl, vmbus_channel_gpadl_created, gpadl);
SAME_FIELD(hv_chmsg_gpadl_created, creation_status,
	   vmbus_channel_gpadl_created, creation_status);
SAME_SIZE(hv_chmsg_gpadl_teardown, vmbus_channel_gpadl_teardown);
SAME_FIELD(hv_chmsg_gpadl_teardown, gpadl, vmbus_channel_gpadl_teardown, gpadl);
SAME_SIZE(hv_chmsg_gpadl_torndown, vmbus_channel_gpadl_torndown);
SAME_FIELD(hv_chmsg_gpadl_torndown, gpadl, vmbus_channel_gpadl_torndown, gpadl);
SAME_SIZE(hv_chmsg_relid_released, vmbus_channel_relid_released);

SAME_SIZE(hv_chmsg_initiate_contact, vmbus_channel_initiate_contact);
SAME_FIELD(hv_chmsg_initiate_contact, vmbus_version_requested,
	   vmbus_channel_initiate_contact, vmbus_version_requested);
SAME_FIELD(hv_chmsg_initiate_contact, target_vcpu,
	   vmbus_channel_initiate_contact, target_vcpu);
SAME_FIELD(hv_chmsg_initiate_contact, interrupt_page_or_sint,
	   vmbus_channel_initiate_contact, interrupt_page);
static_assert(offsetof(struct hv_chmsg_initiate_contact,
		       interrupt_page_or_sint) ==
	      offsetof(struct vmbus_channel_initiate_contact, msg_sint));
SAME_FIELD(hv_chmsg_initiate_contact, monitor_page1,
	   vmbus_channel_initiate_contact, monitor_page1);
SAME_FIELD(hv_chmsg_initiate_contact, monitor_page2,
	   vmbus_channel_initiate_contact, monitor_page2);

SAME_SIZE(hv_chmsg_version_response, vmbus_channel_version_response);
SAME_FIELD(hv_chmsg_version_response, version_supported,
	   vmbus_channel_version_response, version_supported);
SAME_FIELD(hv_chmsg_version_response, connection_state,
	   vmbus_channel_version_response, connection_state);
SAME_FIELD(hv_chmsg_version_response, msg_conn_id,
	   vmbus_channel_version_response, msg_conn_id);

SAME_SIZE(hv_chmsg_modifychannel, vmbus_channel_modifychannel);
SAME_FIELD(hv_chmsg_modifychannel, target_vp, vmbus_channel_modifychannel,
	   target_vp);
SAME_SIZE(hv_chmsg_modifychannel_response,
	  vmbus_channel_modifychannel_response);
SAME_FIELD(hv_chmsg_modifychannel_response, status,
	   vmbus_channel_modifychannel_response, status);

/* The ring header: our struct is exactly what precedes the data. */
static_assert(sizeof(struct hv_ring_header) ==
	      offsetof(struct hv_ring_buffer, buffer));
SAME_FIELD(hv_ring_header, write_index, hv_ring_buffer, write_index);
SAME_FIELD(hv_ring_header, read_index, hv_ring_buffer, read_index);
SAME_FIELD(hv_ring_header, interrupt_mask, hv_ring_buffer, interrupt_mask);
SAME_FIELD(hv_ring_header, pending_send_sz, hv_ring_buffer, pending_send_sz);
SAME_FIELD(hv_ring_header, feature_bits, hv_ring_buffer, feature_bits);

SAME_SIZE(hv_pkt_desc, vmpacket_descriptor);
SAME_FIELD(hv_pkt_desc, type, vmpacket_descriptor, type);
SAME_FIELD(hv_pkt_desc, offset8, vmpacket_descriptor, offset8);
SAME_FIELD(hv_pkt_desc, len8, vmpacket_descriptor, len8);
SAME_FIELD(hv_pkt_desc, flags, vmpacket_descriptor, flags);
SAME_FIELD(hv_pkt_desc, trans_id, vmpacket_descriptor, trans_id);

SAME_SIZE(hv_pkt_page_range, hv_page_buffer);
SAME_FIELD(hv_pkt_page_range, len, hv_page_buffer, len);
SAME_FIELD(hv_pkt_page_range, offset, hv_page_buffer, offset);
SAME_FIELD(hv_pkt_page_range, pfn, hv_page_buffer, pfn);
SAME_FIELD(hv_pkt_gpa_direct, rangecount, vmbus_channel_packet_page_buffer,
	   rangecount);
static_assert(offsetof(struct hv_pkt_gpa_direct, range) ==
	      offsetof(struct vmbus_channel_packet_page_buffer, range));

SAME_FIELD(hv_mpb_range, len, hv_mpb_array, len);
SAME_FIELD(hv_mpb_range, offset, hv_mpb_array, offset);
static_assert(offsetof(struct hv_mpb_range, pfn_array) ==
	      offsetof(struct hv_mpb_array, pfn_array));
SAME_FIELD(hv_pkt_mpb, rangecount, vmbus_packet_mpb_array, rangecount);
static_assert(offsetof(struct hv_pkt_mpb, range) ==
	      offsetof(struct vmbus_packet_mpb_array, range));

/* Constants. */
SAME_VALUE(HV_CHMSG_OFFERCHANNEL, CHANNELMSG_OFFERCHANNEL);
SAME_VALUE(HV_CHMSG_RESCIND_CHANNELOFFER, CHANNELMSG_RESCIND_CHANNELOFFER);
SAME_VALUE(HV_CHMSG_REQUESTOFFERS, CHANNELMSG_REQUESTOFFERS);
SAME_VALUE(HV_CHMSG_ALLOFFERS_DELIVERED, CHANNELMSG_ALLOFFERS_DELIVERED);
SAME_VALUE(HV_CHMSG_OPENCHANNEL, CHANNELMSG_OPENCHANNEL);
SAME_VALUE(HV_CHMSG_OPENCHANNEL_RESULT, CHANNELMSG_OPENCHANNEL_RESULT);
SAME_VALUE(HV_CHMSG_CLOSECHANNEL, CHANNELMSG_CLOSECHANNEL);
SAME_VALUE(HV_CHMSG_GPADL_HEADER, CHANNELMSG_GPADL_HEADER);
SAME_VALUE(HV_CHMSG_GPADL_BODY, CHANNELMSG_GPADL_BODY);
SAME_VALUE(HV_CHMSG_GPADL_CREATED, CHANNELMSG_GPADL_CREATED);
SAME_VALUE(HV_CHMSG_GPADL_TEARDOWN, CHANNELMSG_GPADL_TEARDOWN);
SAME_VALUE(HV_CHMSG_GPADL_TORNDOWN, CHANNELMSG_GPADL_TORNDOWN);
SAME_VALUE(HV_CHMSG_RELID_RELEASED, CHANNELMSG_RELID_RELEASED);
SAME_VALUE(HV_CHMSG_INITIATE_CONTACT, CHANNELMSG_INITIATE_CONTACT);
SAME_VALUE(HV_CHMSG_VERSION_RESPONSE, CHANNELMSG_VERSION_RESPONSE);
SAME_VALUE(HV_CHMSG_UNLOAD, CHANNELMSG_UNLOAD);
SAME_VALUE(HV_CHMSG_UNLOAD_RESPONSE, CHANNELMSG_UNLOAD_RESPONSE);
SAME_VALUE(HV_CHMSG_MODIFYCHANNEL, CHANNELMSG_MODIFYCHANNEL);
SAME_VALUE(HV_CHMSG_MODIFYCHANNEL_RESPONSE, CHANNELMSG_MODIFYCHANNEL_RESPONSE);

SAME_VALUE(HV_PKT_DATA_INBAND, VM_PKT_DATA_INBAND);
SAME_VALUE(HV_PKT_DATA_USING_XFER_PAGES, VM_PKT_DATA_USING_XFER_PAGES);
SAME_VALUE(HV_PKT_DATA_USING_GPA_DIRECT, VM_PKT_DATA_USING_GPA_DIRECT);
SAME_VALUE(HV_PKT_COMP, VM_PKT_COMP);
SAME_VALUE(HV_PKT_FLAG_COMPLETION_REQUESTED, VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED);

SAME_VALUE(HV_VMBUS_VERSION_WIN8, VERSION_WIN8);
SAME_VALUE(HV_VMBUS_VERSION_WIN8_1, VERSION_WIN8_1);
SAME_VALUE(HV_VMBUS_VERSION_WIN10, VERSION_WIN10);
SAME_VALUE(HV_VMBUS_VERSION_WIN10_V4_1, VERSION_WIN10_V4_1);
SAME_VALUE(HV_VMBUS_VERSION_WIN10_V5, VERSION_WIN10_V5);
SAME_VALUE(HV_VMBUS_VERSION_WIN10_V5_1, VERSION_WIN10_V5_1);
SAME_VALUE(HV_VMBUS_VERSION_WIN10_V5_2, VERSION_WIN10_V5_2);
SAME_VALUE(HV_VMBUS_VERSION_WIN10_V5_3, VERSION_WIN10_V5_3);
SAME_VALUE(HV_OFFER_USER_DEFINED_BYTES, MAX_USER_DEFINED_BYTES);
SAME_VALUE(HV_MSG_PAYLOAD_MAX, HV_MESSAGE_PAYLOAD_BYTE_COUNT);
SAME_VALUE(HV_MAX_RELIDS, HV_EVENT_FLAGS_COUNT);

MODULE_DESCRIPTION("Build-time layout check against <linux/hyperv.h>");
MODULE_LICENSE("GPL");
