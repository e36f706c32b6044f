// SPDX-License-Identifier: GPL-2.0
/*
 * hyperv_keyboard: the synthetic keyboard of Hyper-V Generation 2 VMs (and
 * of Generation 1 VMs next to their emulated i8042).
 *
 * The host sends key strokes as scan-code set 1 make codes with flags for
 * break, the E0 and E1 prefixes and Unicode (include/hv/input.h). They are
 * fed, prefixes first, into a serio port that looks like a keyboard behind
 * a translating i8042, so that atkbd does the key mapping as for any PC
 * keyboard and users' keymaps, setkeycodes and hwdb entries apply.
 *
 * Unlike upstream's driver, the port also answers atkbd's PS/2 commands as
 * such a keyboard would (ACK, the translated ID AB 41, the BAT code after
 * a reset). With a writable port atkbd drives the LEDs, and the state it
 * sets with SET LEDS goes to the host in the protocol's LED message, so
 * the host's idea of Caps Lock and Num Lock follows the guest's.
 *
 * A key stroke flagged Unicode carries a UTF-16 code unit, not a scan
 * code; upstream passes it on as a scan code (a wrong key). Here the
 * printable ASCII characters and newline, tab, backspace and escape become
 * the strokes of a US keyboard (Shift added where the character needs
 * it); anything else is dropped with a message. The kernel has no way to
 * deliver a character that is not a key.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/module.h>
#include <linux/serio.h>
#include <linux/slab.h>
#include <hv/classes.h>
#include <hv/input.h>
#include <hvg/vmbus.h>
#include <hvg_version.h>
#include "rx.h"

/* Upstream's ring sizes: ten pages each way. */
#define HVKBD_RING_BYTES	(10 * PAGE_SIZE)
#define HVKBD_CONNECT_TIMEOUT	(10 * HZ)

/* Scan-code set 1 bytes (include/linux/libps2.h, atkbd.c). */
#define HVKBD_E0		0xe0
#define HVKBD_E1		0xe1
#define HVKBD_RELEASE		0x80
#define HVKBD_LSHIFT		0x2a

/* PS/2 keyboard commands and answers atkbd uses (atkbd.c, libps2.c). */
#define PS2_SET_LEDS		0xed
#define PS2_ECHO		0xee
#define PS2_SCANSET		0xf0
#define PS2_GET_ID		0xf2
#define PS2_SET_REP		0xf3
#define PS2_RESET_BAT		0xff
#define PS2_ACK			0xfa
#define PS2_BAT_OK		0xaa
/* A keyboard's ID, AB 83, as a translating i8042 passes it on. */
#define PS2_ID_0		0xab
#define PS2_ID_1_XL		0x41
/* Scan-code set 2 as the translated answer to F0 00. */
#define PS2_SET2_XL		0x41
#define PS2_LED_MASK		0x07	/* scroll, num, caps: as the host's */

struct hvkbd {
	struct hvin_rx rx;		/* rx.hdev: our VMBus device */
	struct serio *serio;
	spinlock_t lock;	/* started, ps2_arg_for */
	bool started;
	u8 ps2_arg_for;		/* command whose argument byte comes next */
	struct completion connected;
	bool responded;
	u32 status;
	u8 buf[ALIGN(sizeof(struct hv_pkt_desc) + HV_KBD_MSG_MAX, 8)] __aligned(8);
};

/* Feed bytes to atkbd, if it listens; with kbd->lock held. */
static void hvkbd_feed(struct hvkbd *kbd, const u8 *bytes, unsigned int n)
{
	unsigned int i;

	if (!kbd->started)
		return;
	for (i = 0; i < n; i++)
		serio_interrupt(kbd->serio, bytes[i], 0);
}

/*
 * The US layout's set 1 key for each printable ASCII character: plain
 * and shifted character per key.
 */
static const struct {
	u8 code;
	char plain;
	char shifted;
} hvkbd_us_keys[] = {
	{ 0x02, '1', '!' }, { 0x03, '2', '@' }, { 0x04, '3', '#' },
	{ 0x05, '4', '$' }, { 0x06, '5', '%' }, { 0x07, '6', '^' },
	{ 0x08, '7', '&' }, { 0x09, '8', '*' }, { 0x0a, '9', '(' },
	{ 0x0b, '0', ')' }, { 0x0c, '-', '_' }, { 0x0d, '=', '+' },
	{ 0x10, 'q', 'Q' }, { 0x11, 'w', 'W' }, { 0x12, 'e', 'E' },
	{ 0x13, 'r', 'R' }, { 0x14, 't', 'T' }, { 0x15, 'y', 'Y' },
	{ 0x16, 'u', 'U' }, { 0x17, 'i', 'I' }, { 0x18, 'o', 'O' },
	{ 0x19, 'p', 'P' }, { 0x1a, '[', '{' }, { 0x1b, ']', '}' },
	{ 0x1e, 'a', 'A' }, { 0x1f, 's', 'S' }, { 0x20, 'd', 'D' },
	{ 0x21, 'f', 'F' }, { 0x22, 'g', 'G' }, { 0x23, 'h', 'H' },
	{ 0x24, 'j', 'J' }, { 0x25, 'k', 'K' }, { 0x26, 'l', 'L' },
	{ 0x27, ';', ':' }, { 0x28, '\'', '"' }, { 0x29, '`', '~' },
	{ 0x2b, '\\', '|' }, { 0x2c, 'z', 'Z' }, { 0x2d, 'x', 'X' },
	{ 0x2e, 'c', 'C' }, { 0x2f, 'v', 'V' }, { 0x30, 'b', 'B' },
	{ 0x31, 'n', 'N' }, { 0x32, 'm', 'M' }, { 0x33, ',', '<' },
	{ 0x34, '.', '>' }, { 0x35, '/', '?' }, { 0x39, ' ', ' ' },
};

/* The key (and Shift) for a character; false if there is none. */
static bool hvkbd_char_key(u16 c, u8 *code, bool *shift)
{
	unsigned int i;

	*shift = false;
	switch (c) {
	case '\b':
		*code = 0x0e;
		return true;
	case '\t':
		*code = 0x0f;
		return true;
	case '\r':
	case '\n':
		*code = 0x1c;
		return true;
	case 0x1b:
		*code = 0x01;
		return true;
	}
	for (i = 0; i < ARRAY_SIZE(hvkbd_us_keys); i++) {
		if (hvkbd_us_keys[i].plain == c) {
			*code = hvkbd_us_keys[i].code;
			return true;
		}
		if (hvkbd_us_keys[i].shifted == c) {
			*code = hvkbd_us_keys[i].code;
			*shift = true;
			return true;
		}
	}
	return false;
}

static void hvkbd_keystroke(struct hvkbd *kbd, const struct hv_kbd_keystroke *ks)
{
	u32 info = le32_to_cpu(ks->info);
	u16 code = le16_to_cpu(ks->make_code);
	bool brk = info & HV_KBD_INFO_BREAK, shift = false;
	u8 bytes[4], sc;
	unsigned int n = 0;
	unsigned long flags;

	if (info & HV_KBD_INFO_UNICODE) {
		if (!hvkbd_char_key(code, &sc, &shift)) {
			hvin_bad(&kbd->rx, "Unicode character U+%04X has no key here",
				 code);
			return;
		}
		if (shift && !brk)
			bytes[n++] = HVKBD_LSHIFT;
		bytes[n++] = sc | (brk ? HVKBD_RELEASE : 0);
		if (shift && brk)
			bytes[n++] = HVKBD_LSHIFT | HVKBD_RELEASE;
	} else {
		/* A make code is 7 bits: the eighth is what break adds. */
		if (code & ~0x7f) {
			hvin_bad(&kbd->rx, "make code %#x", code);
			return;
		}
		if (info & HV_KBD_INFO_E0)
			bytes[n++] = HVKBD_E0;
		if (info & HV_KBD_INFO_E1)
			bytes[n++] = HVKBD_E1;
		bytes[n++] = code | (brk ? HVKBD_RELEASE : 0);
	}
	spin_lock_irqsave(&kbd->lock, flags);
	hvkbd_feed(kbd, bytes, n);
	spin_unlock_irqrestore(&kbd->lock, flags);
	/*
	 * A key press wakes the VM from suspend-to-idle; a release does not
	 * (as upstream: the release of the Enter that started the suspend
	 * would end it at once).
	 */
	if (!brk)
		pm_wakeup_hard_event(&kbd->rx.hdev->dev);
}

static void hvkbd_on_msg(struct hvin_rx *rx, const u8 *msg, u32 len)
{
	struct hvkbd *kbd = container_of(rx, struct hvkbd, rx);
	const struct hv_kbd_protocol_response *resp = (const void *)msg;
	u32 type;

	if (len < sizeof(__le32)) {
		hvin_bad(&kbd->rx, "message of %u bytes", len);
		return;
	}
	type = le32_to_cpu(*(const __le32 *)msg);
	switch (type) {
	case HV_KBD_PROTOCOL_RESPONSE:
		if (len < sizeof(*resp)) {
			hvin_bad(&kbd->rx, "protocol response of %u bytes", len);
			return;
		}
		if (kbd->responded) {
			hvin_bad(&kbd->rx, "protocol response %#x never asked for",
				 le32_to_cpu(resp->status));
			return;
		}
		kbd->status = le32_to_cpu(resp->status);
		kbd->responded = true;
		complete(&kbd->connected);
		return;
	case HV_KBD_EVENT:
		if (len < sizeof(struct hv_kbd_keystroke)) {
			hvin_bad(&kbd->rx, "key stroke of %u bytes", len);
			return;
		}
		if (!kbd->responded || !(kbd->status & HV_KBD_ACCEPTED)) {
			hvin_bad(&kbd->rx, "key stroke before the protocol was agreed");
			return;
		}
		hvkbd_keystroke(kbd, (const void *)msg);
		return;
	default:
		hvin_bad(&kbd->rx, "message type %u", type);
	}
}

static void hvkbd_on_channel(void *ctx)
{
	struct hvkbd *kbd = ctx;

	hvin_poll(&kbd->rx);
}

static void hvkbd_send_leds(struct hvkbd *kbd, u8 leds)
{
	struct hv_kbd_leds msg = {
		.type = cpu_to_le32(HV_KBD_SET_LEDS),
		.flags = cpu_to_le16(leds & PS2_LED_MASK),
	};
	int ret = hvin_send(&kbd->rx, &msg, sizeof(msg));

	if (ret)
		dev_warn_ratelimited(&kbd->rx.hdev->dev,
				     "LED state %#x not sent to the host: %d\n",
				     leds, ret);
}

/*
 * atkbd writes a PS/2 command byte (or a command's argument). Answer as a
 * keyboard behind a translating i8042 does; pass the LED state on.
 */
static int hvkbd_serio_write(struct serio *serio, unsigned char byte)
{
	struct hvkbd *kbd = serio->port_data;
	u8 reply[3] = { PS2_ACK };
	unsigned int n = 1;
	unsigned long flags;
	int leds = -1;

	spin_lock_irqsave(&kbd->lock, flags);
	if (kbd->ps2_arg_for) {
		if (kbd->ps2_arg_for == PS2_SET_LEDS)
			leds = byte & PS2_LED_MASK;
		else if (kbd->ps2_arg_for == PS2_SCANSET && !byte)
			reply[n++] = PS2_SET2_XL;
		kbd->ps2_arg_for = 0;
	} else {
		switch (byte) {
		case PS2_SET_LEDS:
		case PS2_SET_REP:
		case PS2_SCANSET:
			kbd->ps2_arg_for = byte;
			break;
		case PS2_GET_ID:
			reply[n++] = PS2_ID_0;
			reply[n++] = PS2_ID_1_XL;
			break;
		case PS2_ECHO:
			reply[0] = PS2_ECHO;
			break;
		case PS2_RESET_BAT:
			reply[n++] = PS2_BAT_OK;
			break;
		}
	}
	hvkbd_feed(kbd, reply, n);
	spin_unlock_irqrestore(&kbd->lock, flags);
	if (leds >= 0)
		hvkbd_send_leds(kbd, leds);
	return 0;
}

static int hvkbd_serio_start(struct serio *serio)
{
	struct hvkbd *kbd = serio->port_data;
	unsigned long flags;

	spin_lock_irqsave(&kbd->lock, flags);
	kbd->started = true;
	kbd->ps2_arg_for = 0;
	spin_unlock_irqrestore(&kbd->lock, flags);
	return 0;
}

static void hvkbd_serio_stop(struct serio *serio)
{
	struct hvkbd *kbd = serio->port_data;
	unsigned long flags;

	spin_lock_irqsave(&kbd->lock, flags);
	kbd->started = false;
	spin_unlock_irqrestore(&kbd->lock, flags);
}

static int hvkbd_connect(struct hvkbd *kbd)
{
	struct hv_kbd_protocol_request req = {
		.type = cpu_to_le32(HV_KBD_PROTOCOL_REQUEST),
		.version = cpu_to_le32(HV_KBD_VERSION),
	};
	int ret;

	ret = hvin_send(&kbd->rx, &req, sizeof(req));
	if (ret)
		return ret;
	if (!wait_for_completion_timeout(&kbd->connected,
					 HVKBD_CONNECT_TIMEOUT)) {
		dev_err(&kbd->rx.hdev->dev, "the host did not answer the protocol request\n");
		return -ETIMEDOUT;
	}
	if (!(kbd->status & HV_KBD_ACCEPTED)) {
		dev_err(&kbd->rx.hdev->dev, "the host refused keyboard protocol 1.0 (status %#x)\n",
			kbd->status);
		return -ENODEV;
	}
	return 0;
}

static int hvkbd_probe(struct hvg_device *hdev,
		       const struct hv_vmbus_device_id *id)
{
	struct hvkbd *kbd;
	struct serio *serio;
	int ret;

	kbd = kzalloc(sizeof(*kbd), GFP_KERNEL);
	serio = kzalloc(sizeof(*serio), GFP_KERNEL);
	if (!kbd || !serio) {
		ret = -ENOMEM;
		goto err_free;
	}
	kbd->serio = serio;
	spin_lock_init(&kbd->lock);
	init_completion(&kbd->connected);
	hvin_rx_init(&kbd->rx, hdev, hvkbd_on_msg, kbd->buf, sizeof(kbd->buf));
	dev_set_drvdata(&hdev->dev, kbd);

	serio->id.type = SERIO_8042_XL;
	serio->port_data = kbd;
	serio->write = hvkbd_serio_write;
	serio->start = hvkbd_serio_start;
	serio->stop = hvkbd_serio_stop;
	serio->dev.parent = &hdev->dev;
	strscpy(serio->name, dev_name(&hdev->dev), sizeof(serio->name));
	strscpy(serio->phys, dev_name(&hdev->dev), sizeof(serio->phys));

	ret = hvg_channel_open(hdev->channel, HVKBD_RING_BYTES,
			       HVKBD_RING_BYTES, NULL, 0, hvkbd_on_channel, kbd);
	if (ret)
		goto err_free;
	ret = hvkbd_connect(kbd);
	if (ret)
		goto err_close;
	/* The port owns @serio from here; it frees it when unregistered. */
	serio_register_port(serio);
	device_init_wakeup(&hdev->dev, true);
	return 0;

err_close:
	hvg_channel_close(hdev->channel);
err_free:
	dev_set_drvdata(&hdev->dev, NULL);
	kfree(serio);
	kfree(kbd);
	return ret;
}

static void hvkbd_remove(struct hvg_device *hdev)
{
	struct hvkbd *kbd = dev_get_drvdata(&hdev->dev);

	device_init_wakeup(&hdev->dev, false);
	/* atkbd lets go of the port (stop) before it is gone. */
	serio_unregister_port(kbd->serio);
	hvg_channel_close(hdev->channel);
	dev_set_drvdata(&hdev->dev, NULL);
	kfree(kbd);
}

static const struct hv_vmbus_device_id hvkbd_ids[] = {
	{ .guid = HV_CLASS_KEYBOARD },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, hvkbd_ids);

static struct hvg_driver hvkbd_driver = {
	.name = "hyperv_keyboard",
	.id_table = hvkbd_ids,
	.probe = hvkbd_probe,
	.remove = hvkbd_remove,
	.driver = {
		.probe_type = PROBE_PREFER_ASYNCHRONOUS,
	},
};

static int __init hvkbd_init(void)
{
	return hvg_driver_register(&hvkbd_driver);
}

static void __exit hvkbd_exit(void)
{
	hvg_driver_unregister(&hvkbd_driver);
}

module_init(hvkbd_init);
module_exit(hvkbd_exit);

MODULE_DESCRIPTION("Hyper-V synthetic keyboard for hyperv-guest's VMBus");
MODULE_LICENSE("GPL");
MODULE_VERSION(HVG_VERSION);
