// SPDX-License-Identifier: GPL-2.0
/*
 * hid_hyperv: the synthetic HID device (Hyper-V's absolute mouse).
 *
 * The host describes the device once, after the protocol version is
 * agreed: vendor, product and version, a HID class descriptor and the
 * report descriptor (include/hv/input.h). The descriptor goes to the HID
 * core as a HID device on the virtual bus, so hid-input makes the input
 * device, hidraw and hiddev nodes exist as for a USB mouse, and the host's
 * input reports go to the HID core unchanged.
 *
 * Everything the host sends is checked before use: the pipe and message
 * sizes against the packet, the HID descriptor's length and type, the
 * report descriptor's length against the message and HID_MAX_DESCRIPTOR_SIZE,
 * each report's length against the message and HID_MAX_BUFFER_SIZE. What
 * fails is dropped with a rate-limited message; a device description that
 * fails makes the probe fail.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/hid.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <hv/classes.h>
#include <hv/input.h>
#include <hvg/vmbus.h>
#include <hvg_version.h>
#include "rx.h"

/* Upstream's ring sizes: 36 KiB of data each way, plus the header page. */
#define HVHID_RING_BYTES	(PAGE_SIZE + 36 * 1024)
#define HVHID_CONNECT_TIMEOUT	(5 * HZ)
/* The largest message: a device description with the largest descriptor. */
#define HVHID_MSG_MAX		(sizeof(struct hv_hid_device_info) + \
				 HID_MAX_DESCRIPTOR_SIZE)

/* What Hyper-V's mouse says it is (drivers/hid/hid-hyperv.c). */
#define HVHID_VENDOR		0x045e
#define HVHID_PRODUCT		0x0621

struct hvhid {
	struct hvin_rx rx;		/* rx.hdev: our VMBus device */
	struct hid_device *hid;
	spinlock_t lock;	/* hid_ready */
	bool hid_ready;		/* reports go to the HID core */
	struct completion responded;
	struct completion described;
	bool approved;
	bool resp_seen;		/* each comes once: a second is the host's error */
	bool info_seen;
	int info_status;	/* what the device description gave */
	struct hv_hid_dev_info info;
	u8 *rdesc;
	u32 rdesc_len;
	u8 *report;		/* HID_MAX_BUFFER_SIZE: the HID core pads in it */
	u8 buf[ALIGN(sizeof(struct hv_pkt_desc) + HVHID_MSG_MAX, 8)] __aligned(8);
};

/*
 * The device description (@body: @len bytes after the HID message header).
 * Kept only if all of it is sound; the probe waits for the verdict.
 */
static void hvhid_on_info(struct hvhid *hh, const u8 *body, u32 len)
{
	const struct hv_hid_descriptor *d;
	struct hv_hid_device_info_ack ack = {
		.pipe.type = cpu_to_le32(HV_PIPE_MSG_DATA),
		.pipe.size = cpu_to_le32(sizeof(ack) - sizeof(ack.pipe)),
		.hdr.type = cpu_to_le32(HV_HID_INITIAL_DEVICE_INFO_ACK),
		.hdr.size = cpu_to_le32(sizeof(ack.reserved)),
	};
	u32 dlen, rlen;
	int status = -EPROTO;

	if (hh->info_seen) {
		hvin_bad(&hh->rx, "a second device description");
		return;
	}
	hh->info_seen = true;
	if (len < sizeof(hh->info) + sizeof(*d)) {
		hvin_bad(&hh->rx, "device description of %u bytes", len);
		goto out;
	}
	d = (const void *)(body + sizeof(hh->info));
	dlen = d->length;
	rlen = le16_to_cpu(d->report_length);
	if (dlen < sizeof(*d) || d->type != HV_HID_DT_HID ||
	    !d->num_descriptors || d->report_type != HV_HID_DT_REPORT) {
		hvin_bad(&hh->rx, "HID descriptor of %u bytes, type %#x, %u descriptors, first %#x",
			 dlen, d->type, d->num_descriptors, d->report_type);
		goto out;
	}
	if (!rlen || rlen > HID_MAX_DESCRIPTOR_SIZE ||
	    sizeof(hh->info) + dlen + rlen > len) {
		hvin_bad(&hh->rx, "report descriptor of %u bytes in a %u-byte description",
			 rlen, len);
		goto out;
	}
	status = -ENOMEM;
	hh->rdesc = kmemdup(body + sizeof(hh->info) + dlen, rlen, GFP_ATOMIC);
	if (!hh->rdesc)
		goto out;
	hh->rdesc_len = rlen;
	memcpy(&hh->info, body, sizeof(hh->info));
	status = hvin_send(&hh->rx, &ack, sizeof(ack));
out:
	hh->info_status = status;
	complete(&hh->described);
}

static void hvhid_on_report(struct hvhid *hh, const u8 *report, u32 len)
{
	unsigned long flags;

	if (!len || len > HID_MAX_BUFFER_SIZE) {
		hvin_bad(&hh->rx, "input report of %u bytes", len);
		return;
	}
	spin_lock_irqsave(&hh->lock, flags);
	if (hh->hid_ready) {
		memcpy(hh->report, report, len);
		hid_input_report(hh->hid, HID_INPUT_REPORT, hh->report, len, 1);
	}
	spin_unlock_irqrestore(&hh->lock, flags);
	pm_wakeup_hard_event(&hh->rx.hdev->dev);
}

static void hvhid_on_msg(struct hvin_rx *rx, const u8 *msg, u32 len)
{
	struct hvhid *hh = container_of(rx, struct hvhid, rx);
	const struct hv_pipe_hdr *pipe = (const void *)msg;
	const struct hv_hid_hdr *hdr = (const void *)(pipe + 1);
	const u8 *body = (const u8 *)(hdr + 1);
	u32 psize, hsize, type;

	if (len < sizeof(*pipe) + sizeof(*hdr)) {
		hvin_bad(&hh->rx, "message of %u bytes", len);
		return;
	}
	psize = le32_to_cpu(pipe->size);
	hsize = le32_to_cpu(hdr->size);
	type = le32_to_cpu(hdr->type);
	if (le32_to_cpu(pipe->type) != HV_PIPE_MSG_DATA) {
		hvin_bad(&hh->rx, "pipe message type %u", le32_to_cpu(pipe->type));
		return;
	}
	if (psize > len - sizeof(*pipe) || psize < sizeof(*hdr) ||
	    hsize > psize - sizeof(*hdr)) {
		hvin_bad(&hh->rx, "sizes %u/%u in a %u-byte message", psize, hsize,
			 len);
		return;
	}
	switch (type) {
	case HV_HID_PROTOCOL_RESPONSE:
		if (hsize < sizeof(__le32) + 1) {
			hvin_bad(&hh->rx, "protocol response of %u bytes", hsize);
			return;
		}
		if (hh->resp_seen) {
			hvin_bad(&hh->rx, "protocol response never asked for");
			return;
		}
		hh->resp_seen = true;
		hh->approved = body[sizeof(__le32)];
		complete(&hh->responded);
		return;
	case HV_HID_INITIAL_DEVICE_INFO:
		hvhid_on_info(hh, body, hsize);
		return;
	case HV_HID_INPUT_REPORT:
		hvhid_on_report(hh, body, hsize);
		return;
	default:
		hvin_bad(&hh->rx, "message type %u", type);
	}
}

static void hvhid_on_channel(void *ctx)
{
	struct hvhid *hh = ctx;

	hvin_poll(&hh->rx);
}

static int hvhid_connect(struct hvhid *hh)
{
	struct hv_hid_protocol_request req = {
		.pipe.type = cpu_to_le32(HV_PIPE_MSG_DATA),
		.pipe.size = cpu_to_le32(sizeof(req) - sizeof(req.pipe)),
		.hdr.type = cpu_to_le32(HV_HID_PROTOCOL_REQUEST),
		.hdr.size = cpu_to_le32(sizeof(req.version)),
		.version = cpu_to_le32(HV_HID_VERSION),
	};
	struct device *dev = &hh->rx.hdev->dev;
	int ret;

	ret = hvin_send(&hh->rx, &req, sizeof(req));
	if (ret)
		return ret;
	if (!wait_for_completion_timeout(&hh->responded,
					 HVHID_CONNECT_TIMEOUT)) {
		dev_err(dev, "the host did not answer the protocol request\n");
		return -ETIMEDOUT;
	}
	if (!hh->approved) {
		dev_err(dev, "the host refused synthetic HID protocol 2.0\n");
		return -ENODEV;
	}
	if (!wait_for_completion_timeout(&hh->described,
					 HVHID_CONNECT_TIMEOUT)) {
		dev_err(dev, "the host did not describe the device\n");
		return -ETIMEDOUT;
	}
	if (hh->info_status)
		dev_err(dev, "the host's device description is unusable: %d\n",
			hh->info_status);
	return hh->info_status;
}

static int hvhid_ll_parse(struct hid_device *hid)
{
	struct hvhid *hh = hid->driver_data;

	return hid_parse_report(hid, hh->rdesc, hh->rdesc_len);
}

static int hvhid_ll_start(struct hid_device *hid)
{
	return 0;
}

static void hvhid_ll_stop(struct hid_device *hid)
{
}

static int hvhid_ll_open(struct hid_device *hid)
{
	return 0;
}

static void hvhid_ll_close(struct hid_device *hid)
{
}

/* The host has no feature or output reports: there is nothing to ask. */
static int hvhid_ll_raw_request(struct hid_device *hid, unsigned char num,
				__u8 *buf, size_t len, unsigned char rtype,
				int reqtype)
{
	return -EIO;
}

/* Not const: before 6.3 hid_device.ll_driver was not a const pointer. */
static struct hid_ll_driver hvhid_ll_driver = {
	.parse = hvhid_ll_parse,
	.start = hvhid_ll_start,
	.stop = hvhid_ll_stop,
	.open = hvhid_ll_open,
	.close = hvhid_ll_close,
	.raw_request = hvhid_ll_raw_request,
};

/*
 * The HID side: bind the host's mouse ourselves, so it works without
 * hid-generic loaded; the default probe parses the descriptor and
 * connects hid-input, hidraw and hiddev (HID_CONNECT_DEFAULT).
 */
static const struct hid_device_id hvhid_hid_ids[] = {
	{ HID_DEVICE(BUS_VIRTUAL, HID_GROUP_ANY, HVHID_VENDOR, HVHID_PRODUCT) },
	{ }
};
MODULE_DEVICE_TABLE(hid, hvhid_hid_ids);

static int hvhid_hid_probe(struct hid_device *hid,
			   const struct hid_device_id *id)
{
	int ret;

	/* Only devices of ours, not another driver's with the same ids. */
	if (hid->ll_driver != &hvhid_ll_driver)
		return -ENODEV;
	ret = hid_parse(hid);
	if (ret)
		return ret;
	return hid_hw_start(hid, HID_CONNECT_DEFAULT);
}

static struct hid_driver hvhid_hid_driver = {
	.name = "hid_hyperv",
	.id_table = hvhid_hid_ids,
	.probe = hvhid_hid_probe,
};

/*
 * Hyper-V's mouse descriptor says Logical Maximum (0x25) where it means
 * Usage Maximum (0x29) for its buttons (upstream's "SA-167" fix). Only
 * that item is mended: the byte after Usage Minimum (0x19 0x01).
 */
static void hvhid_fix_descriptor(struct hvhid *hh)
{
	if (hh->rdesc_len > 15 && hh->rdesc[12] == 0x19 &&
	    hh->rdesc[14] == 0x25)
		hh->rdesc[14] = 0x29;
}

static int hvhid_probe(struct hvg_device *hdev,
		       const struct hv_vmbus_device_id *id)
{
	struct hid_device *hid;
	struct hvhid *hh;
	int ret;

	hh = kzalloc(sizeof(*hh), GFP_KERNEL);
	if (!hh)
		return -ENOMEM;
	hh->report = kzalloc(HID_MAX_BUFFER_SIZE, GFP_KERNEL);
	if (!hh->report) {
		ret = -ENOMEM;
		goto err_free;
	}
	spin_lock_init(&hh->lock);
	init_completion(&hh->responded);
	init_completion(&hh->described);
	hvin_rx_init(&hh->rx, hdev, hvhid_on_msg, hh->buf, sizeof(hh->buf));
	dev_set_drvdata(&hdev->dev, hh);

	ret = hvg_channel_open(hdev->channel, HVHID_RING_BYTES,
			       HVHID_RING_BYTES, NULL, 0, hvhid_on_channel, hh);
	if (ret)
		goto err_free;
	ret = hvhid_connect(hh);
	if (ret)
		goto err_close;
	hvhid_fix_descriptor(hh);

	hid = hid_allocate_device();
	if (IS_ERR(hid)) {
		ret = PTR_ERR(hid);
		goto err_close;
	}
	hid->ll_driver = &hvhid_ll_driver;
	hid->driver_data = hh;
	hid->dev.parent = &hdev->dev;
	hid->bus = BUS_VIRTUAL;
	hid->vendor = le16_to_cpu(hh->info.vendor);
	hid->product = le16_to_cpu(hh->info.product);
	hid->version = le16_to_cpu(hh->info.version);
	strscpy(hid->name, "Microsoft Vmbus HID-compliant Mouse",
		sizeof(hid->name));
	strscpy(hid->phys, dev_name(&hdev->dev), sizeof(hid->phys));
	hh->hid = hid;
	ret = hid_add_device(hid);
	if (ret) {
		dev_err(&hdev->dev, "HID device not added: %d\n", ret);
		goto err_destroy;
	}
	spin_lock_irq(&hh->lock);
	hh->hid_ready = true;
	spin_unlock_irq(&hh->lock);
	device_init_wakeup(&hdev->dev, true);
	return 0;

err_destroy:
	hid_destroy_device(hid);
err_close:
	hvg_channel_close(hdev->channel);
err_free:
	dev_set_drvdata(&hdev->dev, NULL);
	kfree(hh->rdesc);
	kfree(hh->report);
	kfree(hh);
	return ret;
}

static void hvhid_remove(struct hvg_device *hdev)
{
	struct hvhid *hh = dev_get_drvdata(&hdev->dev);

	device_init_wakeup(&hdev->dev, false);
	spin_lock_irq(&hh->lock);
	hh->hid_ready = false;
	spin_unlock_irq(&hh->lock);
	hvg_channel_close(hdev->channel);
	hid_destroy_device(hh->hid);
	dev_set_drvdata(&hdev->dev, NULL);
	kfree(hh->rdesc);
	kfree(hh->report);
	kfree(hh);
}

static const struct hv_vmbus_device_id hvhid_ids[] = {
	{ .guid = HV_CLASS_MOUSE },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, hvhid_ids);

static struct hvg_driver hvhid_driver = {
	.name = "hid_hyperv",
	.id_table = hvhid_ids,
	.probe = hvhid_probe,
	.remove = hvhid_remove,
	.driver = {
		.probe_type = PROBE_PREFER_ASYNCHRONOUS,
	},
};

static int __init hvhid_init(void)
{
	int ret;

	ret = hid_register_driver(&hvhid_hid_driver);
	if (ret)
		return ret;
	ret = hvg_driver_register(&hvhid_driver);
	if (ret)
		hid_unregister_driver(&hvhid_hid_driver);
	return ret;
}

static void __exit hvhid_exit(void)
{
	hvg_driver_unregister(&hvhid_driver);
	hid_unregister_driver(&hvhid_hid_driver);
}

module_init(hvhid_init);
module_exit(hvhid_exit);

MODULE_DESCRIPTION("Hyper-V synthetic HID (mouse) for hyperv-guest's VMBus");
MODULE_LICENSE("GPL");
MODULE_VERSION(HVG_VERSION);
