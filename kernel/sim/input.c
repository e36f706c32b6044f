// SPDX-License-Identifier: GPL-2.0
/*
 * The host ends of the synthetic keyboard and mouse, with debugfs panels
 * to type, click and misbehave (hv_sim/input/keyboard/, .../mouse/):
 *
 * keyboard/
 *   keys     write key strokes, separated by blanks: [+|-][e0:|e1:]HEX is a
 *            set 1 make code pressed (+), released (-) or both (no sign),
 *            with the E0 or E1 prefix flag; u+HEX is a UTF-16 unit sent
 *            as a Unicode stroke, pressed and released
 *   type     write text (UTF-8, up to U+FFFF): each character as a
 *            Unicode stroke, pressed and released
 *   leds     the LED state the guest last sent: "flags 0xN messages M"
 *   state    "agreed 0|1 requests N packets_dropped M"
 *   accept   1 (default): the host takes the guest's protocol request;
 *            0: it refuses the next one
 *   raw      write hex bytes: sent as one in-band packet's payload,
 *            unchecked (for truncated and malformed messages)
 *   keys_delay_ms  0 (default): keys are sent as they are written; N: a
 *            write to keys returns at once and its strokes are sent N ms
 *            later from a kernel worker (one such write at a time), for
 *            a guest that is suspended meanwhile
 * mouse/
 *   report   write "X Y [BUTTONS [WHEEL]]": one input report of Hyper-V's
 *            mouse (X and Y absolute, 0..32767; buttons bit 0 left,
 *            1 right, 2 middle; wheel signed)
 *   state    "described 0|1 acked 0|1 reports N"
 *   accept   as the keyboard's
 *   desc_fault  how the next device description is wrong: none (the
 *            default), oversize (its report descriptor length runs past
 *            the message), huge (longer than HID allows), short (a HID
 *            descriptor of 5 bytes), zero (an empty report descriptor)
 *   fixed_desc  0 (default): the report descriptor as Hyper-V sends it,
 *            with Logical Maximum where it means Usage Maximum (the guest
 *            mends it); 1: the corrected one
 *   raw      as the keyboard's
 *
 * Protocol facts are in include/hv/input.h. What the host side does beyond
 * them is this file's assumption, kept strict: a request for another
 * version is refused, nothing is sent to the guest before the protocol is
 * agreed (the mouse: before the description is acknowledged), a message
 * the guest should not send is a violation, and every packet the guest
 * sends with "completion requested" is completed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <hv/classes.h>
#include <hv/input.h>
#include "sim.h"

#define SIM_INPUT_WRITE_MAX	(32 * 1024)

struct sim_input {
	spinlock_t lock;	/* everything below */
	struct sim_channel *ch;	/* the open channel, if any */
	bool agreed;		/* protocol accepted */
	bool described;		/* mouse: description sent */
	bool acked;		/* mouse: the guest acknowledged it */
	bool refuse;		/* refuse the next protocol request */
	u16 leds;
	u64 led_msgs;
	u64 requests;
	u64 reports;
	u64 dropped;		/* injections refused: not agreed, ring full */
	u32 desc_fault;
	bool fixed_desc;
};

static struct sim_input sim_kbd = {
	.lock = __SPIN_LOCK_UNLOCKED(sim_kbd.lock),
};

static struct sim_input sim_mouse = {
	.lock = __SPIN_LOCK_UNLOCKED(sim_mouse.lock),
};

static struct dentry *sim_input_dir;

/* keys written with keys_delay_ms set, sent by sim_kbd_later. */
static u32 sim_kbd_delay_ms;
static DEFINE_MUTEX(sim_kbd_later_lock);	/* sim_kbd_later_keys */
static char *sim_kbd_later_keys;
static void sim_kbd_later_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(sim_kbd_later, sim_kbd_later_fn);

enum {
	SIM_DESC_OK,
	SIM_DESC_OVERSIZE,
	SIM_DESC_HUGE,
	SIM_DESC_SHORT,
	SIM_DESC_ZERO,
};

static const char *const sim_desc_faults[] = {
	"none", "oversize", "huge", "short", "zero",
};

/*
 * Hyper-V's mouse report descriptor: five buttons, X and Y absolute
 * (0..32767, 16 bits each), a relative 16-bit wheel; a 7-byte report.
 * Byte 14 is Logical Maximum (0x25) where Usage Maximum (0x29) belongs,
 * as the host sends it (drivers/hid/hid-hyperv.c mends it).
 */
static const u8 sim_mouse_rdesc[] = {
	0x05, 0x01,		/* Usage Page (Generic Desktop) */
	0x09, 0x02,		/* Usage (Mouse) */
	0xa1, 0x01,		/* Collection (Application) */
	0x09, 0x01,		/*  Usage (Pointer) */
	0xa1, 0x00,		/*  Collection (Physical) */
	0x05, 0x09,		/*   Usage Page (Button) */
	0x19, 0x01,		/*   Usage Minimum (1) */
	0x25, 0x05,		/*   (Usage Maximum (5), mis-encoded) */
	0x15, 0x00,		/*   Logical Minimum (0) */
	0x25, 0x01,		/*   Logical Maximum (1) */
	0x95, 0x05,		/*   Report Count (5) */
	0x75, 0x01,		/*   Report Size (1) */
	0x81, 0x02,		/*   Input (Data, Variable, Absolute) */
	0x95, 0x01,		/*   Report Count (1) */
	0x75, 0x03,		/*   Report Size (3) */
	0x81, 0x01,		/*   Input (Constant): padding */
	0x05, 0x01,		/*   Usage Page (Generic Desktop) */
	0x09, 0x30,		/*   Usage (X) */
	0x09, 0x31,		/*   Usage (Y) */
	0x15, 0x00,		/*   Logical Minimum (0) */
	0x26, 0xff, 0x7f,	/*   Logical Maximum (32767) */
	0x75, 0x10,		/*   Report Size (16) */
	0x95, 0x02,		/*   Report Count (2) */
	0x81, 0x02,		/*   Input (Data, Variable, Absolute) */
	0x05, 0x01,		/*   Usage Page (Generic Desktop) */
	0x09, 0x38,		/*   Usage (Wheel) */
	0x16, 0x01, 0x80,	/*   Logical Minimum (-32767) */
	0x26, 0xff, 0x7f,	/*   Logical Maximum (32767) */
	0x75, 0x10,		/*   Report Size (16) */
	0x95, 0x01,		/*   Report Count (1) */
	0x81, 0x06,		/*   Input (Data, Variable, Relative) */
	0xc0,			/*  End Collection */
	0xc0,			/* End Collection */
};

#define SIM_MOUSE_USAGE_MAX_AT	14

static struct sim_input *sim_input_of(struct sim_channel *ch)
{
	return guid_equal(&ch->type->class_id, &HV_CLASS_KEYBOARD) ?
		&sim_kbd : &sim_mouse;
}

/* One in-band packet (@payload padded to 8 bytes); with in->lock held. */
static int sim_input_put(struct sim_input *in, enum hv_pkt_type type,
			 u16 flags, u64 trans_id, const void *payload, u32 len)
{
	static const u8 zeros[8];
	struct hv_pkt_desc desc = {
		.type = type,
		.offset8 = sizeof(desc) / 8,
		.len8 = (sizeof(desc) + ALIGN(len, 8)) / 8,
		.flags = flags,
		.trans_id = trans_id,
	};
	struct kvec kv[3] = {
		{ .iov_base = &desc, .iov_len = sizeof(desc) },
		{ .iov_base = (void *)payload, .iov_len = len },
		{ .iov_base = (void *)zeros, .iov_len = ALIGN(len, 8) - len },
	};
	struct sim_channel *ch = in->ch;
	bool signal;
	int ret;

	if (!ch)
		return -ENODEV;
	ret = sim_ring_put(&ch->in, kv, 3, false, &signal);
	if (ret == -EPROTO)
		sim_ring_violation(ch, &ch->in, ret);
	if (ret) {
		in->dropped++;
		return ret == -EAGAIN ? -EBUSY : ret;
	}
	ch->bytes_out += desc.len8 * 8;
	ch->packets_out++;
	if (signal)
		sim_interrupt_guest(ch);
	return 0;
}

static int sim_input_send(struct sim_input *in, const void *msg, u32 len)
{
	return sim_input_put(in, HV_PKT_DATA_INBAND, 0, 0, msg, len);
}

/* ---- keyboard ---- */

static void sim_kbd_request(struct sim_input *in, const u8 *msg, u32 len)
{
	const struct hv_kbd_protocol_request *req = (const void *)msg;
	struct hv_kbd_protocol_response resp = {
		.type = cpu_to_le32(HV_KBD_PROTOCOL_RESPONSE),
	};

	in->requests++;
	if (len != sizeof(*req)) {
		sim_violation("keyboard: protocol request of %u bytes", len);
		return;
	}
	if (le32_to_cpu(req->version) == HV_KBD_VERSION && !in->refuse)
		resp.status = cpu_to_le32(HV_KBD_ACCEPTED);
	in->refuse = false;
	in->agreed = !!resp.status;
	sim_input_send(in, &resp, sizeof(resp));
}

static void sim_kbd_msg(struct sim_input *in, const u8 *msg, u32 len)
{
	const struct hv_kbd_leds *leds = (const void *)msg;
	u32 type;

	if (len < sizeof(__le32)) {
		sim_violation("keyboard: message of %u bytes", len);
		return;
	}
	type = le32_to_cpu(*(const __le32 *)msg);
	switch (type) {
	case HV_KBD_PROTOCOL_REQUEST:
		sim_kbd_request(in, msg, len);
		return;
	case HV_KBD_SET_LEDS:
		if (len != sizeof(*leds) || !in->agreed) {
			sim_violation("keyboard: LED message of %u bytes%s", len,
				      in->agreed ? "" : " before the protocol");
			return;
		}
		in->leds = le16_to_cpu(leds->flags);
		in->led_msgs++;
		return;
	default:
		sim_violation("keyboard: message type %u from the guest", type);
	}
}

/* ---- mouse ---- */

static void sim_mouse_describe(struct sim_input *in)
{
	u32 rlen = sizeof(sim_mouse_rdesc);
	struct hv_hid_device_info *m;
	u32 total = sizeof(*m) + rlen;
	u8 *rdesc;

	m = kzalloc(total, GFP_ATOMIC);
	if (!m)
		return;
	m->pipe.type = cpu_to_le32(HV_PIPE_MSG_DATA);
	m->pipe.size = cpu_to_le32(total - sizeof(m->pipe));
	m->hdr.type = cpu_to_le32(HV_HID_INITIAL_DEVICE_INFO);
	m->hdr.size = cpu_to_le32(total - sizeof(m->pipe) - sizeof(m->hdr));
	m->info.size = cpu_to_le32(sizeof(m->info));
	m->info.vendor = cpu_to_le16(0x045e);
	m->info.product = cpu_to_le16(0x0621);
	m->info.version = cpu_to_le16(1);
	m->desc.length = sizeof(m->desc);
	m->desc.type = HV_HID_DT_HID;
	m->desc.bcd_hid = cpu_to_le16(0x0101);
	m->desc.num_descriptors = 1;
	m->desc.report_type = HV_HID_DT_REPORT;
	m->desc.report_length = cpu_to_le16(rlen);
	rdesc = (u8 *)(m + 1);
	memcpy(rdesc, sim_mouse_rdesc, rlen);
	if (in->fixed_desc)
		rdesc[SIM_MOUSE_USAGE_MAX_AT] = 0x29;
	switch (in->desc_fault) {
	case SIM_DESC_OVERSIZE:
		m->desc.report_length = cpu_to_le16(rlen + 64);
		break;
	case SIM_DESC_HUGE:
		m->desc.report_length = cpu_to_le16(0xffff);
		break;
	case SIM_DESC_SHORT:
		m->desc.length = 5;
		break;
	case SIM_DESC_ZERO:
		m->desc.report_length = 0;
		break;
	}
	if (!sim_input_send(in, m, total))
		in->described = true;
	kfree(m);
}

static void sim_mouse_msg(struct sim_input *in, const u8 *msg, u32 len)
{
	const struct hv_hid_protocol_request *req = (const void *)msg;
	struct hv_hid_protocol_response resp = {
		.pipe.type = cpu_to_le32(HV_PIPE_MSG_DATA),
		.pipe.size = cpu_to_le32(sizeof(resp) - sizeof(resp.pipe)),
		.hdr.type = cpu_to_le32(HV_HID_PROTOCOL_RESPONSE),
		.hdr.size = cpu_to_le32(sizeof(resp) - sizeof(resp.pipe) -
					sizeof(resp.hdr)),
	};
	u32 type;

	/* The packet is padded to 8 bytes: the pipe header has the size. */
	if (len < sizeof(req->pipe) + sizeof(req->hdr) ||
	    le32_to_cpu(req->pipe.type) != HV_PIPE_MSG_DATA ||
	    le32_to_cpu(req->pipe.size) > len - sizeof(req->pipe) ||
	    len - sizeof(req->pipe) - le32_to_cpu(req->pipe.size) >= 8) {
		sim_violation("mouse: malformed pipe message of %u bytes", len);
		return;
	}
	len = sizeof(req->pipe) + le32_to_cpu(req->pipe.size);
	type = le32_to_cpu(req->hdr.type);
	switch (type) {
	case HV_HID_PROTOCOL_REQUEST:
		in->requests++;
		if (len != sizeof(*req) ||
		    le32_to_cpu(req->hdr.size) != sizeof(req->version)) {
			sim_violation("mouse: protocol request of %u bytes", len);
			return;
		}
		resp.version = req->version;
		resp.approved = le32_to_cpu(req->version) == HV_HID_VERSION &&
				!in->refuse;
		in->refuse = false;
		in->agreed = resp.approved;
		in->described = false;
		in->acked = false;
		if (sim_input_send(in, &resp, sizeof(resp)) || !in->agreed)
			return;
		sim_mouse_describe(in);
		return;
	case HV_HID_INITIAL_DEVICE_INFO_ACK:
		if (len != sizeof(struct hv_hid_device_info_ack) ||
		    !in->described || in->acked) {
			sim_violation("mouse: device info ack of %u bytes%s", len,
				      in->described ? "" : " for no description");
			return;
		}
		in->acked = true;
		return;
	default:
		sim_violation("mouse: message type %u from the guest", type);
	}
}

/* ---- the channel ---- */

/* Serve @ch from now on; with in->lock held. */
static void sim_input_attach(struct sim_input *in, struct sim_channel *ch)
{
	in->ch = ch;
	in->agreed = false;
	in->described = false;
	in->acked = false;
}

static bool sim_input_take(struct sim_channel *ch, u32 len)
{
	struct sim_input *in = sim_input_of(ch);
	struct hv_pkt_desc *desc = (void *)ch->buf;
	u32 off = desc->offset8 * 8;

	spin_lock(&in->lock);
	/*
	 * The guest may write as soon as it has the open's answer, before
	 * the host's message loop has called sim_input_opened(): the first
	 * packet of an open channel opens it here.
	 */
	if (!in->ch && READ_ONCE(ch->open))
		sim_input_attach(in, ch);
	if (in->ch != ch)
		goto out;
	if (desc->type != HV_PKT_DATA_INBAND || off < sizeof(*desc) ||
	    off > len) {
		sim_violation("%s: packet type %u, data offset %u of %u",
			      ch->type->name, desc->type, off, len);
		goto out;
	}
	if (in == &sim_kbd)
		sim_kbd_msg(in, ch->buf + off, len - off);
	else
		sim_mouse_msg(in, ch->buf + off, len - off);
	if (desc->flags & HV_PKT_FLAG_COMPLETION_REQUESTED)
		sim_input_put(in, HV_PKT_COMP, 0, desc->trans_id, NULL, 0);
out:
	spin_unlock(&in->lock);
	return true;
}

static void sim_input_process(struct sim_channel *ch)
{
	do {
		if (sim_ring_drain(ch, sim_input_take))
			return;
	} while (sim_ring_unmask(&ch->out));
}

static void sim_input_opened(struct sim_channel *ch)
{
	struct sim_input *in = sim_input_of(ch);

	spin_lock(&in->lock);
	if (!in->ch)
		sim_input_attach(in, ch);
	else if (in->ch != ch)
		pr_info("%s: a second channel (relid %u) is not served\n",
			ch->type->name, ch->relid);
	/* in->ch == ch: its first packet came first and attached it. */
	spin_unlock(&in->lock);
}

static void sim_input_closed(struct sim_channel *ch)
{
	struct sim_input *in = sim_input_of(ch);

	spin_lock(&in->lock);
	if (in->ch == ch) {
		in->ch = NULL;
		in->agreed = false;
		in->described = false;
		in->acked = false;
	}
	spin_unlock(&in->lock);
}

static const guid_t sim_kbd_instance = HV_KBD_INSTANCE;
static const guid_t sim_mouse_instance = HV_MOUSE_INSTANCE;

const struct sim_device_type sim_keyboard_type = {
	.name = "keyboard",
	.class_id = HV_CLASS_KEYBOARD,
	.process = sim_input_process,
	.opened = sim_input_opened,
	.closed = sim_input_closed,
	.instance = &sim_kbd_instance,
};

const struct sim_device_type sim_mouse_type = {
	.name = "mouse",
	.class_id = HV_CLASS_MOUSE,
	.process = sim_input_process,
	.opened = sim_input_opened,
	.closed = sim_input_closed,
	.instance = &sim_mouse_instance,
};

/* ---- debugfs ---- */

static char *sim_input_copy(const char __user *ubuf, size_t len)
{
	if (!len || len > SIM_INPUT_WRITE_MAX)
		return ERR_PTR(-EINVAL);
	return memdup_user_nul(ubuf, len);
}

static int sim_kbd_stroke(u16 code, u32 info)
{
	struct hv_kbd_keystroke ks = {
		.type = cpu_to_le32(HV_KBD_EVENT),
		.make_code = cpu_to_le16(code),
		.info = cpu_to_le32(info),
	};
	int ret;

	spin_lock(&sim_kbd.lock);
	if (!sim_kbd.agreed)
		ret = -ENODEV;
	else
		ret = sim_input_send(&sim_kbd, &ks, sizeof(ks));
	spin_unlock(&sim_kbd.lock);
	return ret;
}

/* Press and release. */
static int sim_kbd_tap(u16 code, u32 info)
{
	int ret = sim_kbd_stroke(code, info);

	return ret ?: sim_kbd_stroke(code, info | HV_KBD_INFO_BREAK);
}

/* One token of keys: [+|-][e0:|e1:]HEX or u+HEX. */
static int sim_kbd_token(char *tok)
{
	bool press = true, release = true;
	u32 info = 0;
	u16 code;
	int ret;

	if (!strncasecmp(tok, "u+", 2)) {
		if (kstrtou16(tok + 2, 16, &code))
			return -EINVAL;
		return sim_kbd_tap(code, HV_KBD_INFO_UNICODE);
	}
	if (*tok == '+' || *tok == '-') {
		press = *tok == '+';
		release = !press;
		tok++;
	}
	if (!strncasecmp(tok, "e0:", 3) || !strncasecmp(tok, "e1:", 3)) {
		info = tok[1] == '0' ? HV_KBD_INFO_E0 : HV_KBD_INFO_E1;
		tok += 3;
	}
	if (kstrtou16(tok, 16, &code))
		return -EINVAL;
	ret = press ? sim_kbd_stroke(code, info) : 0;
	if (!ret && release)
		ret = sim_kbd_stroke(code, info | HV_KBD_INFO_BREAK);
	return ret;
}

/* Send every token of @buf (modified); stops at the first error. */
static int sim_kbd_keys(char *buf)
{
	char *cur = buf, *tok;
	int ret = 0;

	while (!ret && (tok = strsep(&cur, " \t\n")) != NULL)
		if (*tok)
			ret = sim_kbd_token(tok);
	return ret;
}

static void sim_kbd_later_fn(struct work_struct *work)
{
	int ret;

	mutex_lock(&sim_kbd_later_lock);
	ret = sim_kbd_keys(sim_kbd_later_keys);
	kfree(sim_kbd_later_keys);
	sim_kbd_later_keys = NULL;
	mutex_unlock(&sim_kbd_later_lock);
	pr_info("keyboard: delayed keys sent: %d\n", ret);
}

static ssize_t sim_kbd_keys_write(struct file *f, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	char *buf = sim_input_copy(ubuf, len);
	u32 delay = READ_ONCE(sim_kbd_delay_ms);
	int ret;

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	if (delay) {
		mutex_lock(&sim_kbd_later_lock);
		if (sim_kbd_later_keys) {
			mutex_unlock(&sim_kbd_later_lock);
			kfree(buf);
			return -EBUSY;
		}
		sim_kbd_later_keys = buf;
		schedule_delayed_work(&sim_kbd_later, msecs_to_jiffies(delay));
		mutex_unlock(&sim_kbd_later_lock);
		return len;
	}
	ret = sim_kbd_keys(buf);
	kfree(buf);
	return ret ?: len;
}

static const struct file_operations sim_kbd_keys_fops = {
	.owner = THIS_MODULE,
	.write = sim_kbd_keys_write,
};

/* The next UTF-8 character of @s as a UTF-16 unit (BMP only); 0: bad. */
static u16 sim_utf8_next(const u8 **s)
{
	const u8 *p = *s;
	u16 c;

	if (p[0] < 0x80) {
		*s += 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
		*s += 2;
		return (p[0] & 0x1f) << 6 | (p[1] & 0x3f);
	}
	if ((p[0] & 0xf0) == 0xe0 && (p[1] & 0xc0) == 0x80 &&
	    (p[2] & 0xc0) == 0x80) {
		c = (p[0] & 0x0f) << 12 | (p[1] & 0x3f) << 6 | (p[2] & 0x3f);
		*s += 3;
		return c;
	}
	return 0;
}

static ssize_t sim_kbd_type_write(struct file *f, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	char *buf = sim_input_copy(ubuf, len);
	const u8 *p;
	int ret = 0;
	u16 c;

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	p = buf;
	while (!ret && *p) {
		c = sim_utf8_next(&p);
		ret = c ? sim_kbd_tap(c, HV_KBD_INFO_UNICODE) : -EINVAL;
	}
	kfree(buf);
	return ret ?: len;
}

static const struct file_operations sim_kbd_type_fops = {
	.owner = THIS_MODULE,
	.write = sim_kbd_type_write,
};

/* raw: hex bytes (blanks between them allowed) as one packet's payload. */
static ssize_t sim_input_raw_write(struct file *f, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	struct sim_input *in = f->private_data;
	char *buf = sim_input_copy(ubuf, len), *p;
	char pair[3] = {};
	u8 *bytes;
	u32 n = 0;
	int ret;

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	bytes = kmalloc(len / 2 + 1, GFP_KERNEL);
	ret = bytes ? 0 : -ENOMEM;
	for (p = buf; !ret && *p; ) {
		if (isspace(*p)) {
			p++;
			continue;
		}
		pair[0] = p[0];
		pair[1] = p[1];
		if (!isxdigit(pair[0]) || !isxdigit(pair[1]) ||
		    kstrtou8(pair, 16, &bytes[n]))
			ret = -EINVAL;
		n++;
		p += 2;
	}
	if (!ret && !n)
		ret = -EINVAL;
	if (!ret) {
		spin_lock(&in->lock);
		ret = sim_input_send(in, bytes, n);
		spin_unlock(&in->lock);
	}
	kfree(bytes);
	kfree(buf);
	return ret ?: len;
}

static const struct file_operations sim_input_raw_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = sim_input_raw_write,
};

static ssize_t sim_mouse_report_write(struct file *f, const char __user *ubuf,
				      size_t len, loff_t *ppos)
{
	struct {
		struct hv_hid_input_report h;
		u8 buttons;
		__le16 x;
		__le16 y;
		__le16 wheel;
	} __packed r = {};
	char *buf = sim_input_copy(ubuf, len);
	unsigned int x, y, buttons = 0;
	int wheel = 0, n, ret;

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	n = sscanf(buf, "%u %u %u %d", &x, &y, &buttons, &wheel);
	kfree(buf);
	if (n < 2 || x > 32767 || y > 32767 || buttons > 0x1f ||
	    wheel < -32767 || wheel > 32767)
		return -EINVAL;
	r.h.pipe.type = cpu_to_le32(HV_PIPE_MSG_DATA);
	r.h.pipe.size = cpu_to_le32(sizeof(r) - sizeof(r.h.pipe));
	r.h.hdr.type = cpu_to_le32(HV_HID_INPUT_REPORT);
	r.h.hdr.size = cpu_to_le32(sizeof(r) - sizeof(r.h));
	r.buttons = buttons;
	r.x = cpu_to_le16(x);
	r.y = cpu_to_le16(y);
	r.wheel = cpu_to_le16((u16)(s16)wheel);
	spin_lock(&sim_mouse.lock);
	if (!sim_mouse.acked) {
		ret = -ENODEV;
	} else {
		ret = sim_input_send(&sim_mouse, &r, sizeof(r));
		if (!ret)
			sim_mouse.reports++;
	}
	spin_unlock(&sim_mouse.lock);
	return ret ?: len;
}

static const struct file_operations sim_mouse_report_fops = {
	.owner = THIS_MODULE,
	.write = sim_mouse_report_write,
};

static int sim_kbd_state_show(struct seq_file *s, void *unused)
{
	spin_lock(&sim_kbd.lock);
	seq_printf(s, "agreed %d requests %llu packets_dropped %llu\n",
		   sim_kbd.agreed, sim_kbd.requests, sim_kbd.dropped);
	spin_unlock(&sim_kbd.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sim_kbd_state);

static int sim_kbd_leds_show(struct seq_file *s, void *unused)
{
	spin_lock(&sim_kbd.lock);
	seq_printf(s, "flags %#x messages %llu\n", sim_kbd.leds,
		   sim_kbd.led_msgs);
	spin_unlock(&sim_kbd.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sim_kbd_leds);

static int sim_mouse_state_show(struct seq_file *s, void *unused)
{
	spin_lock(&sim_mouse.lock);
	seq_printf(s, "described %d acked %d reports %llu\n",
		   sim_mouse.described, sim_mouse.acked, sim_mouse.reports);
	spin_unlock(&sim_mouse.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sim_mouse_state);

/* accept: 1 takes the next protocol request, 0 refuses it. */
static ssize_t sim_input_accept_write(struct file *f, const char __user *ubuf,
				      size_t len, loff_t *ppos)
{
	struct sim_input *in = f->private_data;
	bool accept;
	int ret = kstrtobool_from_user(ubuf, len, &accept);

	if (ret)
		return ret;
	spin_lock(&in->lock);
	in->refuse = !accept;
	spin_unlock(&in->lock);
	return len;
}

static const struct file_operations sim_input_accept_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = sim_input_accept_write,
};

static ssize_t sim_mouse_fault_write(struct file *f, const char __user *ubuf,
				     size_t len, loff_t *ppos)
{
	char *buf = sim_input_copy(ubuf, len);
	int i;

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	i = sysfs_match_string(sim_desc_faults, strim(buf));
	kfree(buf);
	if (i < 0)
		return i;
	spin_lock(&sim_mouse.lock);
	sim_mouse.desc_fault = i;
	spin_unlock(&sim_mouse.lock);
	return len;
}

static int sim_mouse_fault_show(struct seq_file *s, void *unused)
{
	seq_printf(s, "%s\n", sim_desc_faults[READ_ONCE(sim_mouse.desc_fault)]);
	return 0;
}

static int sim_mouse_fault_open(struct inode *inode, struct file *f)
{
	return single_open(f, sim_mouse_fault_show, NULL);
}

static const struct file_operations sim_mouse_fault_fops = {
	.owner = THIS_MODULE,
	.open = sim_mouse_fault_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = sim_mouse_fault_write,
};

void sim_input_init(struct dentry *root)
{
	struct dentry *k, *m;

	sim_input_dir = debugfs_create_dir("input", root);
	k = debugfs_create_dir("keyboard", sim_input_dir);
	debugfs_create_file("keys", 0200, k, NULL, &sim_kbd_keys_fops);
	debugfs_create_file("type", 0200, k, NULL, &sim_kbd_type_fops);
	debugfs_create_file("leds", 0444, k, NULL, &sim_kbd_leds_fops);
	debugfs_create_file("state", 0444, k, NULL, &sim_kbd_state_fops);
	debugfs_create_file("accept", 0200, k, &sim_kbd,
			    &sim_input_accept_fops);
	debugfs_create_file("raw", 0200, k, &sim_kbd, &sim_input_raw_fops);
	debugfs_create_u32("keys_delay_ms", 0644, k, &sim_kbd_delay_ms);

	m = debugfs_create_dir("mouse", sim_input_dir);
	debugfs_create_file("report", 0200, m, NULL, &sim_mouse_report_fops);
	debugfs_create_file("state", 0444, m, NULL, &sim_mouse_state_fops);
	debugfs_create_file("accept", 0200, m, &sim_mouse,
			    &sim_input_accept_fops);
	debugfs_create_file("desc_fault", 0644, m, NULL, &sim_mouse_fault_fops);
	debugfs_create_bool("fixed_desc", 0644, m, &sim_mouse.fixed_desc);
	debugfs_create_file("raw", 0200, m, &sim_mouse, &sim_input_raw_fops);
}

void sim_input_exit(void)
{
	debugfs_remove_recursive(sim_input_dir);
	/* No more writers: a queued send runs now or never. */
	if (cancel_delayed_work_sync(&sim_kbd_later)) {
		kfree(sim_kbd_later_keys);
		sim_kbd_later_keys = NULL;
	}
	sim_input_dir = NULL;
}
