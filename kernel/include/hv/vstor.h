/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VSTOR: the synthetic storage protocol between a guest's storage driver
 * (the VSC) and the host's storage provider (the VSP), carried on the
 * channels of the SCSI, IDE and Fibre Channel device classes.
 *
 * Every message is one struct hv_vstor_packet. The guest sends requests
 * with "completion requested"; the host answers each with a completion
 * packet (HV_PKT_COMP) carrying the same transaction id whose body is a
 * vstor packet with operation COMPLETE_IO and a status. A SCSI command
 * (EXECUTE_SRB) with data travels as a GPA-direct multi-page buffer
 * packet (struct hv_pkt_mpb): one byte range over guest page numbers,
 * then the vstor packet. The host also sends unsolicited packets with
 * transaction id 0: ENUMERATE_BUS and REMOVE_DEVICE ask the guest to
 * rescan, FCHBA_DATA brings new world-wide names.
 *
 * The initialisation sequence (on the primary channel): BEGIN_INITIALIZATION,
 * QUERY_PROTOCOL_VERSION newest first until the host's status is 0,
 * QUERY_PROPERTIES, FCHBA_DATA (Fibre Channel only), END_INITIALIZATION,
 * then CREATE_SUB_CHANNELS if the properties allowed multi-channel.
 * Sub-channels are opened with the same ring sizes and carry only
 * EXECUTE_SRB.
 *
 * Source of every constant, layout and sequence here:
 * drivers/scsi/storvsc_drv.c (VMSTOR_PROTO_VERSION_*, enum
 * vstor_packet_operation, struct vstor_packet, struct vmscsi_request,
 * struct vmstorage_channel_properties, struct vmstorage_protocol_version,
 * struct hv_fc_wwn_packet, SRB_FLAGS_*, SRB_STATUS_*,
 * STORAGE_CHANNEL_*, REQUEST_COMPLETION_FLAG, enum storvsc_request_type,
 * storvsc_channel_init(), handle_multichannel_storage(), storvsc_do_io(),
 * storvsc_on_channel_callback(), storvsc_probe()'s limits). The 52-byte
 * SRB is the one hosts have used since Windows 8 (protocol 5.1), the
 * oldest version the guest offers.
 */
#ifndef HV_VSTOR_H
#define HV_VSTOR_H

#include <linux/types.h>
#include <linux/build_bug.h>

#define HV_VSTOR_VERSION(maj, min)	((u16)(((maj) & 0xff) << 8 | ((min) & 0xff)))
#define HV_VSTOR_WIN8		HV_VSTOR_VERSION(5, 1)
#define HV_VSTOR_WIN8_1		HV_VSTOR_VERSION(6, 0)
#define HV_VSTOR_WIN10		HV_VSTOR_VERSION(6, 2)

enum hv_vstor_op {
	HV_VSTOR_OP_COMPLETE_IO = 1,
	HV_VSTOR_OP_REMOVE_DEVICE = 2,
	HV_VSTOR_OP_EXECUTE_SRB = 3,
	HV_VSTOR_OP_RESET_LUN = 4,
	HV_VSTOR_OP_RESET_ADAPTER = 5,
	HV_VSTOR_OP_RESET_BUS = 6,
	HV_VSTOR_OP_BEGIN_INIT = 7,
	HV_VSTOR_OP_END_INIT = 8,
	HV_VSTOR_OP_QUERY_VERSION = 9,
	HV_VSTOR_OP_QUERY_PROPERTIES = 10,
	HV_VSTOR_OP_ENUMERATE_BUS = 11,
	HV_VSTOR_OP_FCHBA_DATA = 12,
	HV_VSTOR_OP_CREATE_SUB_CHANNELS = 13,
};

/* hv_vstor_packet.flags: the guest wants a completion. */
#define HV_VSTOR_FLAG_REQUEST_COMPLETION	0x1

/* A SCSI request block, patterned on Windows' SCSI_PASS_THROUGH. */
#define HV_VSTOR_CDB_MAX	16
#define HV_VSTOR_SENSE_MAX	20	/* since Windows 8 */

/* hv_vstor_srb.data_in */
#define HV_VSTOR_WRITE		0
#define HV_VSTOR_READ		1
#define HV_VSTOR_NO_DATA	2

/* hv_vstor_srb.srb_flags (those a guest sets) */
#define HV_SRB_FLAGS_QUEUE_ACTION_ENABLE	0x00000002
#define HV_SRB_FLAGS_DISABLE_SYNCH_TRANSFER	0x00000008
#define HV_SRB_FLAGS_DATA_IN			0x00000040
#define HV_SRB_FLAGS_DATA_OUT			0x00000080
#define HV_SRB_FLAGS_NO_DATA_TRANSFER		0x00000000
#define HV_SRB_FLAGS_NO_QUEUE_FREEZE		0x00000100

/* hv_vstor_srb.queue_tag and queue_action for a tagged device */
#define HV_SRB_UNTAGGED		0xff
#define HV_SRB_SIMPLE_TAG	0x20

/*
 * hv_vstor_srb.srb_status: the two high bits are flags, the rest a code.
 * The host's answer to a command for a LUN that is not there is
 * INVALID_LUN; with SRB_STATUS_AUTOSENSE_VALID the sense data is in the
 * SRB's cdb/sense area.
 */
#define HV_SRB_STATUS_AUTOSENSE_VALID	0x80
#define HV_SRB_STATUS_QUEUE_FROZEN	0x40
#define HV_SRB_STATUS(s)	((s) & 0x3f)
#define HV_SRB_STATUS_SUCCESS		0x01
#define HV_SRB_STATUS_ABORTED		0x02
#define HV_SRB_STATUS_ERROR		0x04
#define HV_SRB_STATUS_INVALID_REQUEST	0x06
#define HV_SRB_STATUS_TIMEOUT		0x09
#define HV_SRB_STATUS_SELECTION_TIMEOUT	0x0a
#define HV_SRB_STATUS_BUS_RESET		0x0e
#define HV_SRB_STATUS_DATA_OVERRUN	0x12
#define HV_SRB_STATUS_INVALID_LUN	0x20
#define HV_SRB_STATUS_INTERNAL_ERROR	0x30

struct hv_vstor_srb {
	u16 length;		/* sizeof(struct hv_vstor_srb) */
	u8 srb_status;
	u8 scsi_status;
	u8 port_number;
	u8 path_id;		/* the SCSI channel */
	u8 target_id;
	u8 lun;
	u8 cdb_length;
	u8 sense_info_length;
	u8 data_in;		/* HV_VSTOR_WRITE, _READ, _NO_DATA */
	u8 reserved;
	u32 data_transfer_length;	/* asked; the host answers what moved */
	union {
		u8 cdb[HV_VSTOR_CDB_MAX];
		u8 sense_data[HV_VSTOR_SENSE_MAX];
	};
	/* from Windows 8 on */
	u16 reserve;
	u8 queue_tag;
	u8 queue_action;
	u32 srb_flags;
	u32 time_out_value;	/* seconds */
	u32 queue_sort_key;
} __packed;

/* hv_vstor_properties.flags */
#define HV_VSTOR_PROP_MULTI_CHANNEL	0x1

struct hv_vstor_properties {
	u32 reserved;
	u16 max_channel_cnt;	/* sub-channels the host can give */
	u16 reserved1;
	u32 flags;
	u32 max_transfer_bytes;
	u64 reserved2;
} __packed;

struct hv_vstor_version {
	u16 major_minor;	/* HV_VSTOR_VERSION() */
	u16 revision;		/* Windows only; 0 */
} __packed;

struct hv_vstor_fc_wwn {
	u8 primary_active;
	u8 reserved1[3];
	u8 primary_port_wwn[8];
	u8 primary_node_wwn[8];
	u8 secondary_port_wwn[8];
	u8 secondary_node_wwn[8];
} __packed;

#define HV_VSTOR_PAYLOAD	0x34

struct hv_vstor_packet {
	u32 operation;		/* enum hv_vstor_op */
	u32 flags;
	u32 status;		/* the host's answer: 0 is success */
	union {
		struct hv_vstor_srb srb;
		struct hv_vstor_properties props;
		struct hv_vstor_version version;
		struct hv_vstor_fc_wwn wwn;
		u16 sub_channel_count;
		u8 buffer[HV_VSTOR_PAYLOAD];
	};
} __packed;

/*
 * The smallest unsolicited host packet a guest can act on: the operation
 * alone (upstream checks no more for transaction id 0).
 */
#define HV_VSTOR_UNSOLICITED_MIN	sizeof(u32)

/* Limits upstream's driver applies (storvsc_probe()). */
#define HV_VSTOR_SCSI_MAX_LUNS		255
#define HV_VSTOR_SCSI_MAX_TARGETS	2
#define HV_VSTOR_SCSI_MAX_CHANNELS	8
#define HV_VSTOR_IDE_MAX_LUNS		64
#define HV_VSTOR_IDE_MAX_TARGETS	1
#define HV_VSTOR_IDE_MAX_CHANNELS	1
#define HV_VSTOR_FC_MAX_XFER		(512 * 1024)
#define HV_VSTOR_FC_MAX_TARGETS		128

static_assert(sizeof(struct hv_vstor_srb) == HV_VSTOR_PAYLOAD);
static_assert(sizeof(struct hv_vstor_properties) == 24);
static_assert(sizeof(struct hv_vstor_fc_wwn) == 36);
static_assert(sizeof(struct hv_vstor_packet) == 12 + HV_VSTOR_PAYLOAD);

#endif /* HV_VSTOR_H */
