/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What hyperv_keyboard and hid_hyperv share: taking the host's packets.
 * Each copies a packet out of the ring into its own buffer, skips one too
 * large for any message of its protocol, checks the descriptor's data
 * offset, ignores the host's completions of our messages and hands the
 * in-band payload to the driver; anything else is dropped and counted,
 * with a rate-limited message. Static functions: the two drivers are
 * separate modules and share no object.
 */
#ifndef HVG_INPUT_RX_H
#define HVG_INPUT_RX_H

#include <linux/device.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <hv/ring.h>
#include <hvg/vmbus.h>

/* Packets looked at per callback; the bus calls again for more. */
#define HVIN_RX_BUDGET		64

struct hvin_rx {
	struct hvg_device *hdev;
	/* The driver's handler of one in-band payload. */
	void (*on_msg)(struct hvin_rx *rx, const u8 *msg, u32 len);
	u8 *buf;		/* descriptor and payload */
	u32 buflen;
	u64 bad;		/* dropped host packets (callback only) */
	struct ratelimit_state rs;
};

static inline void hvin_rx_init(struct hvin_rx *rx, struct hvg_device *hdev,
				void (*on_msg)(struct hvin_rx *rx,
					       const u8 *msg, u32 len),
				u8 *buf, u32 buflen)
{
	rx->hdev = hdev;
	rx->on_msg = on_msg;
	rx->buf = buf;
	rx->buflen = buflen;
	ratelimit_state_init(&rx->rs, 5 * HZ, 10);
}

static inline __printf(2, 3)
void hvin_bad(struct hvin_rx *rx, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	rx->bad++;
	if (!__ratelimit(&rx->rs))
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	dev_warn(&rx->hdev->dev, "host packet dropped: %pV (%llu so far)\n",
		 &vaf, rx->bad);
	va_end(args);
}

/* Read a packet too large for @rx->buf, and drop it. */
static inline bool hvin_skip(struct hvin_rx *rx, u32 needed)
{
	void *buf = kmalloc(needed, GFP_ATOMIC);
	int len;

	if (!buf)
		return false;
	len = hvg_channel_recv(rx->hdev->channel, buf, needed, NULL);
	kfree(buf);
	if (len < 0)
		return false;
	hvin_bad(rx, "packet of %d bytes", len);
	return true;
}

/* The channel callback's work. */
static inline void hvin_poll(struct hvin_rx *rx)
{
	const struct hv_pkt_desc *desc = (const void *)rx->buf;
	unsigned int budget = HVIN_RX_BUDGET;
	u32 needed = 0, off;
	int len;

	while (budget--) {
		len = hvg_channel_recv(rx->hdev->channel, rx->buf, rx->buflen,
				       &needed);
		if (len == -ENOBUFS) {
			if (!hvin_skip(rx, needed))
				return;
			continue;
		}
		if (len < 0)
			return;	/* -EAGAIN: drained; -EIO: the bus said it */
		off = (u32)desc->offset8 * 8;
		if (off < sizeof(*desc) || off > (u32)len) {
			hvin_bad(rx, "data offset %u", off);
			continue;
		}
		switch (desc->type) {
		case HV_PKT_COMP:
			/* The host completing a message of ours. */
			break;
		case HV_PKT_DATA_INBAND:
			rx->on_msg(rx, rx->buf + off, len - off);
			break;
		default:
			hvin_bad(rx, "packet type %u", desc->type);
		}
	}
}

/* A message to the host; it completes each (we ignore the completions). */
static inline int hvin_send(struct hvin_rx *rx, const void *msg, u32 len)
{
	return hvg_channel_send(rx->hdev->channel, msg, len, 0,
				HV_PKT_DATA_INBAND,
				HV_PKT_FLAG_COMPLETION_REQUESTED);
}

#endif /* HVG_INPUT_RX_H */
