/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMBus protocol versions as they travel in INITIATE_CONTACT: major in the
 * high 16 bits, minor in the low 16.
 *
 * Source: include/linux/hyperv.h (VERSION_WIN8 ... VERSION_WIN10_V5_3) and
 * drivers/hv/connection.c (the list negotiated newest first; WS2008 and
 * WIN7 are no longer supported there, nor here).
 */
#ifndef HV_VERSION_H
#define HV_VERSION_H

#define HV_VMBUS_VERSION(major, minor) (((major) << 16) | (minor))
#define HV_VMBUS_VERSION_MAJOR(v) ((v) >> 16)
#define HV_VMBUS_VERSION_MINOR(v) ((v) & 0xffff)

#define HV_VMBUS_VERSION_WIN8		HV_VMBUS_VERSION(2, 4)
#define HV_VMBUS_VERSION_WIN8_1		HV_VMBUS_VERSION(3, 0)
#define HV_VMBUS_VERSION_WIN10		HV_VMBUS_VERSION(4, 0)
#define HV_VMBUS_VERSION_WIN10_V4_1	HV_VMBUS_VERSION(4, 1)
#define HV_VMBUS_VERSION_WIN10_V5	HV_VMBUS_VERSION(5, 0)
#define HV_VMBUS_VERSION_WIN10_V5_1	HV_VMBUS_VERSION(5, 1)
#define HV_VMBUS_VERSION_WIN10_V5_2	HV_VMBUS_VERSION(5, 2)
#define HV_VMBUS_VERSION_WIN10_V5_3	HV_VMBUS_VERSION(5, 3)

/*
 * Message connection ids. From protocol 5.0 on the guest sends its first
 * INITIATE_CONTACT on connection id 4 and then uses the id the host returns
 * in VERSION_RESPONSE; before 5.0 it always uses id 1.
 * Source: drivers/hv/connection.c (vmbus_negotiate_version) and
 * include/linux/hyperv.h (VMBUS_MESSAGE_CONNECTION_ID{,_4}).
 */
#define HV_VMBUS_MESSAGE_CONNECTION_ID		1
#define HV_VMBUS_MESSAGE_CONNECTION_ID_4	4

#endif /* HV_VERSION_H */
