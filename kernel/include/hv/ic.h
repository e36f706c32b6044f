/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Integration components (ICs): the message framework that the shutdown,
 * time sync, heartbeat, KVP, VSS and guest-services (fcopy) channels share.
 * Every IC packet is an in-band VMBus packet whose payload starts with a
 * pipe header and an IC message header; the host sends requests with
 * "completion requested" and the guest answers in place with the same
 * transaction id and the RESPONSE flag.
 *
 * Source of every constant and layout here: include/linux/hyperv.h
 * (struct vmbuspipe_hdr, ic_version, icmsg_hdr, icmsg_negotiate,
 * shutdown_msg_data, heartbeat_msg_data, ictimesync_data,
 * ictimesync_ref_data, ICMSGTYPE_*, ICMSGHDRFLAG_*, ICTIMESYNCFLAG_*,
 * WLTIMEDELTA, IC_VERSION_NEGOTIATION_MAX_VER_COUNT) and
 * include/uapi/linux/hyperv.h (UTIL_FW_VERSION, HV_S_OK, HV_E_FAIL).
 * Service versions: drivers/hv/hv_util.c, hv_kvp.c, hv_snapshot.c,
 * hv_fcopy.c. kernel/tests/layout_check.c checks the layouts against the
 * kernel's own definitions.
 */
#ifndef HV_IC_H
#define HV_IC_H

#include <linux/types.h>
#include <linux/build_bug.h>

#define HV_IC_VERSION(maj, min)	((u32)(maj) << 16 | (min))

/* Framework versions. */
#define HV_IC_FW_1_0		HV_IC_VERSION(1, 0)	/* WS2008 */
#define HV_IC_FW_3_0		HV_IC_VERSION(3, 0)

/* Message types (icmsgtype). */
#define HV_ICMSG_NEGOTIATE	0
#define HV_ICMSG_HEARTBEAT	1
#define HV_ICMSG_KVP		2
#define HV_ICMSG_SHUTDOWN	3
#define HV_ICMSG_TIMESYNC	4
#define HV_ICMSG_VSS		5
#define HV_ICMSG_FCOPY		7

/* icflags */
#define HV_ICFLAG_TRANSACTION	1
#define HV_ICFLAG_REQUEST	2
#define HV_ICFLAG_RESPONSE	4

/* status */
#define HV_IC_S_OK		0x00000000
#define HV_IC_E_FAIL		0x80004005

/* A negotiate message lists at most this many versions of each kind. */
#define HV_IC_MAX_VERSIONS	100

struct hv_ic_pipe_hdr {
	u32 flags;
	u32 msgsize;
} __packed;

struct hv_ic_version {
	u16 major;
	u16 minor;
} __packed;

struct hv_ic_hdr {
	struct hv_ic_version fw;	/* icverframe */
	u16 msgtype;
	struct hv_ic_version msgver;	/* icvermsg */
	u16 msgsize;			/* bytes after this header */
	u32 status;
	u8 trans_id;
	u8 flags;
	u8 reserved[2];
} __packed;

/* Bytes before a service's message body. */
#define HV_IC_HDRS	(sizeof(struct hv_ic_pipe_hdr) + sizeof(struct hv_ic_hdr))

struct hv_ic_negotiate {
	u16 fw_count;
	u16 msg_count;
	u32 reserved;
	/* fw_count framework versions, then msg_count service versions */
	struct hv_ic_version versions[];
} __packed;

/*
 * The guest's answer to NEGOTIATE always says 0x10 bytes (the header and
 * two versions), whatever it holds: drivers/hv/channel_mgmt.c,
 * vmbus_prep_negotiate_resp(), sets icmsgsize = 0x10.
 */
#define HV_IC_NEGOTIATE_ANSWER_SIZE \
	(sizeof(struct hv_ic_negotiate) + 2 * sizeof(struct hv_ic_version))

/* Shutdown. */
#define HV_SHUTDOWN_FLAG_FORCE		0x1
#define HV_SHUTDOWN_FLAG_REBOOT		0x2
#define HV_SHUTDOWN_FLAG_HIBERNATE	0x4

struct hv_ic_shutdown {
	u32 reason_code;
	u32 timeout_seconds;
	u32 flags;
	u8 display_message[2048];
} __packed;

/* Heartbeat: the guest answers with seq_num + 1. */
struct hv_ic_heartbeat {
	u64 seq_num;
	u32 reserved[8];
} __packed;

/* Time sync. Times are 100 ns units since 1601-01-01 (Windows time). */
#define HV_TIMESYNC_PROBE	0
#define HV_TIMESYNC_SYNC	1
#define HV_TIMESYNC_SAMPLE	2
/* 1601-01-01 to 1970-01-01 in 100 ns units. */
#define HV_WLTIMEDELTA		116444736000000000ULL

/* Versions 1.0 and 3.0. */
struct hv_ic_timesync {
	u64 parenttime;
	u64 childtime;
	u64 roundtriptime;
	u8 flags;
} __packed;

/*
 * Version 4.0: vmreferencetime is the partition reference counter (100 ns
 * units) when the host read parenttime, so the guest can account for the
 * time the message spent in flight.
 */
struct hv_ic_timesync_ref {
	u64 parenttime;
	u64 vmreferencetime;
	u8 flags;
	char leapflags;
	char stratum;
	u8 reserved[3];
} __packed;

static_assert(sizeof(struct hv_ic_pipe_hdr) == 8);
static_assert(sizeof(struct hv_ic_hdr) == 20);
static_assert(sizeof(struct hv_ic_negotiate) == 8);
static_assert(HV_IC_NEGOTIATE_ANSWER_SIZE == 0x10);
static_assert(sizeof(struct hv_ic_shutdown) == 2060);
static_assert(sizeof(struct hv_ic_heartbeat) == 40);
static_assert(sizeof(struct hv_ic_timesync) == 25);
static_assert(sizeof(struct hv_ic_timesync_ref) == 22);

#endif /* HV_IC_H */
