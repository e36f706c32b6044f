/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The synthetic keyboard and the synthetic HID (mouse) protocols.
 *
 * Sources of the constants and layouts:
 *  - keyboard: drivers/input/serio/hyperv-keyboard.c (message types,
 *    version 1.0, struct synth_kbd_keystroke and its info bits, the
 *    256-byte message limit, 40 KiB rings); the LED message, which
 *    upstream Linux never sends, from Microsoft's UEFI guest firmware
 *    (microsoft/mu_msvm, SynthKeyDxe: HK_MESSAGE_LED_INDICATORS_STATE,
 *    a USHORT LedFlags after the header, the whole struct sent, so 8
 *    bytes with its tail padding; the flags are ntddkbd.h's
 *    KEYBOARD_SCROLL_LOCK_ON 1, KEYBOARD_NUM_LOCK_ON 2,
 *    KEYBOARD_CAPS_LOCK_ON 4, "sent directly" from EFI's identical bits);
 *    the instance GUID Hyper-V offers it with, from lsvmbus output and the
 *    same firmware's HK_INSTANCE_GUID.
 *  - HID: drivers/hid/hid-hyperv.c (struct pipe_prt_msg, synthhid_*,
 *    hv_input_dev_info, version 2.0, 36 KiB rings); the HID descriptor is
 *    USB HID 1.11's class descriptor (include/linux/hid.h: struct
 *    hid_descriptor, HID_DT_HID, HID_DT_REPORT). The instance GUID is the
 *    one Hyper-V guests' lsvmbus shows for the synthetic mouse.
 *
 * kernel/tests/layout_check.c checks nothing here: the kernel keeps these
 * structures private to the two drivers.
 */
#ifndef HV_INPUT_H
#define HV_INPUT_H

#include <linux/types.h>
#include <linux/build_bug.h>
#include <linux/uuid.h>

/* ---- keyboard ---- */

#define HV_KBD_VERSION		0x00010000	/* 1.0 */

#define HV_KBD_INSTANCE	GUID_INIT(0xd34b2567, 0xb9b6, 0x42b9, 0x87, 0x78, \
				  0x0a, 0x4e, 0xc0, 0xb9, 0x55, 0xbf)

enum hv_kbd_msg_type {
	HV_KBD_PROTOCOL_REQUEST = 1,
	HV_KBD_PROTOCOL_RESPONSE = 2,
	HV_KBD_EVENT = 3,
	HV_KBD_SET_LEDS = 4,	/* guest to host */
};

/* The largest keyboard message either side sends. */
#define HV_KBD_MSG_MAX		256

struct hv_kbd_protocol_request {
	__le32 type;
	__le32 version;
} __packed;

#define HV_KBD_ACCEPTED		BIT(0)

struct hv_kbd_protocol_response {
	__le32 type;
	__le32 status;
} __packed;

#define HV_KBD_INFO_UNICODE	BIT(0)	/* make_code is a UTF-16 unit */
#define HV_KBD_INFO_BREAK	BIT(1)
#define HV_KBD_INFO_E0		BIT(2)
#define HV_KBD_INFO_E1		BIT(3)

struct hv_kbd_keystroke {
	__le32 type;
	__le16 make_code;
	__le16 reserved;
	__le32 info;
} __packed;

#define HV_KBD_LED_SCROLL	BIT(0)
#define HV_KBD_LED_NUM		BIT(1)
#define HV_KBD_LED_CAPS		BIT(2)

struct hv_kbd_leds {
	__le32 type;
	__le16 flags;
	__le16 reserved;
} __packed;

static_assert(sizeof(struct hv_kbd_protocol_request) == 8);
static_assert(sizeof(struct hv_kbd_protocol_response) == 8);
static_assert(sizeof(struct hv_kbd_keystroke) == 12);
static_assert(sizeof(struct hv_kbd_leds) == 8);

/* ---- synthetic HID (the mouse) ---- */

#define HV_HID_VERSION		0x00020000	/* 2.0 */

#define HV_MOUSE_INSTANCE GUID_INIT(0x58f75a6d, 0xd949, 0x4320, 0x99, 0xe1, \
				    0xa2, 0xa2, 0x57, 0x6d, 0x58, 0x1c)

/* Every HID message is wrapped in a pipe message of type DATA. */
#define HV_PIPE_MSG_DATA	1

struct hv_pipe_hdr {
	__le32 type;
	__le32 size;		/* bytes after this header */
} __packed;

enum hv_hid_msg_type {
	HV_HID_PROTOCOL_REQUEST = 0,
	HV_HID_PROTOCOL_RESPONSE = 1,
	HV_HID_INITIAL_DEVICE_INFO = 2,
	HV_HID_INITIAL_DEVICE_INFO_ACK = 3,
	HV_HID_INPUT_REPORT = 4,
};

struct hv_hid_hdr {
	__le32 type;
	__le32 size;		/* bytes after this header */
} __packed;

struct hv_hid_protocol_request {
	struct hv_pipe_hdr pipe;
	struct hv_hid_hdr hdr;
	__le32 version;
} __packed;

struct hv_hid_protocol_response {
	struct hv_pipe_hdr pipe;
	struct hv_hid_hdr hdr;
	__le32 version;
	u8 approved;
} __packed;

struct hv_hid_dev_info {
	__le32 size;
	__le16 vendor;
	__le16 product;
	__le16 version;
	__le16 reserved[11];
} __packed;

/* USB HID 1.11, 6.2.1, with the one class descriptor Hyper-V lists. */
#define HV_HID_DT_HID		0x21
#define HV_HID_DT_REPORT	0x22

struct hv_hid_descriptor {
	u8 length;		/* of this descriptor: 9 with one entry */
	u8 type;		/* HV_HID_DT_HID */
	__le16 bcd_hid;
	u8 country;
	u8 num_descriptors;
	u8 report_type;		/* HV_HID_DT_REPORT */
	__le16 report_length;	/* the report descriptor that follows */
} __packed;

/* INITIAL_DEVICE_INFO: this, then the report descriptor. */
struct hv_hid_device_info {
	struct hv_pipe_hdr pipe;
	struct hv_hid_hdr hdr;
	struct hv_hid_dev_info info;
	struct hv_hid_descriptor desc;
} __packed;

struct hv_hid_device_info_ack {
	struct hv_pipe_hdr pipe;
	struct hv_hid_hdr hdr;
	u8 reserved;
} __packed;

/* INPUT_REPORT: this, then hdr.size bytes of report. */
struct hv_hid_input_report {
	struct hv_pipe_hdr pipe;
	struct hv_hid_hdr hdr;
} __packed;

static_assert(sizeof(struct hv_hid_protocol_request) == 20);
static_assert(sizeof(struct hv_hid_protocol_response) == 21);
static_assert(sizeof(struct hv_hid_dev_info) == 32);
static_assert(sizeof(struct hv_hid_descriptor) == 9);
static_assert(sizeof(struct hv_hid_device_info) == 57);
static_assert(sizeof(struct hv_hid_device_info_ack) == 17);

#endif /* HV_INPUT_H */
