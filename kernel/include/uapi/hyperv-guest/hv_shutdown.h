/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/vmbus/hv_shutdown: hv_utils hands the host's shutdown requests to a
 * userspace daemon instead of calling orderly_poweroff() itself, so the
 * guest shuts down through its init system (systemd-logind), honouring
 * inhibitors and running hooks.
 *
 * Upstream has no such device: there hv_utils acts on the Shutdown
 * integration component itself (flags 0/1 poweroff, 2/3 reboot, 4/5 a
 * hibernate uevent; drivers/hv/hv_util.c). This protocol is ours.
 *
 * Transport: the device behaves like the other hv_utils transport devices
 * (drivers/hv/hv_utils_transport.c): one message per read() and per
 * write(), a second open() fails with EBUSY, a write of any size other
 * than sizeof(struct hv_shutdown_msg) fails with EINVAL.
 *
 * Every message is one struct hv_shutdown_msg, 32 bytes, all fields
 * little-endian, reserved bytes zero.
 *
 * Sequence:
 *  1. The daemon opens the device and writes REGISTER with version = the
 *     highest protocol version it speaks and min_version = the lowest.
 *  2. The kernel answers REGISTER_ACK: version = the version both will use
 *     (within [min_version, version] of the request) and status = OK, or
 *     status = VERSION if it speaks none of them (the daemon then stops).
 *     Requests arrive only after the ACK.
 *  3. For each host request the kernel sends REQUEST with a fresh seq and
 *     flags = exactly one of POWEROFF, REBOOT, HIBERNATE, optionally with
 *     FORCE (the host's "force" bit: skip hooks, do not wait for
 *     inhibitors). timeout_s is how long the host will wait (informational).
 *  4. The daemon answers REPLY with the same seq and a status: OK once the
 *     action has been started (not when it completes, which for poweroff
 *     never comes), INVALID for a malformed request, UNSUPPORTED if the
 *     guest cannot do it (e.g. hibernation not configured), FAILED if the
 *     attempt failed. The kernel reports failure to the host and may fall
 *     back to orderly_poweroff() if no daemon answers in time.
 *
 * If the daemon closes the device, the kernel fails the pending request
 * and handles later ones itself until a daemon registers again.
 */
#ifndef _UAPI_HYPERV_GUEST_HV_SHUTDOWN_H
#define _UAPI_HYPERV_GUEST_HV_SHUTDOWN_H

#include <linux/types.h>

/* Bytes 'V' 'H' 'S' 'D' in memory order (little-endian 0x44534856). */
#define HV_SHUTDOWN_MAGIC 0x44534856u

#define HV_SHUTDOWN_VERSION_1 1
#define HV_SHUTDOWN_VERSION_CURRENT HV_SHUTDOWN_VERSION_1

/* op */
#define HV_SHUTDOWN_OP_REGISTER 1      /* daemon -> kernel */
#define HV_SHUTDOWN_OP_REGISTER_ACK 2  /* kernel -> daemon */
#define HV_SHUTDOWN_OP_REQUEST 3       /* kernel -> daemon */
#define HV_SHUTDOWN_OP_REPLY 4         /* daemon -> kernel */

/* flags of a REQUEST */
#define HV_SHUTDOWN_F_POWEROFF 0x1u
#define HV_SHUTDOWN_F_REBOOT 0x2u
#define HV_SHUTDOWN_F_HIBERNATE 0x4u
#define HV_SHUTDOWN_F_FORCE 0x8u
#define HV_SHUTDOWN_F_ACTIONS \
	(HV_SHUTDOWN_F_POWEROFF | HV_SHUTDOWN_F_REBOOT | HV_SHUTDOWN_F_HIBERNATE)
#define HV_SHUTDOWN_F_ALL (HV_SHUTDOWN_F_ACTIONS | HV_SHUTDOWN_F_FORCE)

/* status of a REGISTER_ACK or REPLY */
#define HV_SHUTDOWN_S_OK 0
#define HV_SHUTDOWN_S_INVALID 1
#define HV_SHUTDOWN_S_UNSUPPORTED 2
#define HV_SHUTDOWN_S_FAILED 3
#define HV_SHUTDOWN_S_VERSION 4

struct hv_shutdown_msg {
	__le32 magic;       /* HV_SHUTDOWN_MAGIC */
	__le16 version;     /* REGISTER: highest spoken; otherwise the agreed version */
	__le16 op;          /* HV_SHUTDOWN_OP_* */
	__le32 seq;         /* REQUEST: chosen by the kernel; REPLY: echoed */
	__le32 flags;       /* REQUEST: HV_SHUTDOWN_F_*; otherwise 0 */
	__le32 status;      /* REGISTER_ACK, REPLY: HV_SHUTDOWN_S_*; otherwise 0 */
	__le32 timeout_s;   /* REQUEST: seconds the host waits; otherwise 0 */
	__le16 min_version; /* REGISTER: lowest spoken; otherwise 0 */
	__u8 reserved[6];   /* zero */
};

/*
 * Natural alignment gives this layout with no padding on every ABI.
 * static_assert comes from <linux/build_bug.h> in the kernel and from
 * <assert.h> (C11, C++11) in userspace.
 */
#ifdef __KERNEL__
#include <linux/build_bug.h>
#else
#include <assert.h>
#endif
static_assert(sizeof(struct hv_shutdown_msg) == 32, "hv_shutdown_msg is 32 bytes");

#endif /* _UAPI_HYPERV_GUEST_HV_SHUTDOWN_H */
