// SPDX-License-Identifier: GPL-2.0
/*
 * hv_utils: the integration components (shutdown, time sync, heartbeat,
 * KVP, VSS, fcopy) and the IC message framework they share.
 *
 * Sources for the framework's rules: drivers/hv/channel_mgmt.c
 * (vmbus_prep_negotiate_resp: for each of our versions, newest first,
 * look for it among the host's; answer one framework and one service
 * version, or counts of zero when nothing matches) and drivers/hv/hv_util.c
 * (answers go back in the request's own buffer with TRANSACTION | RESPONSE
 * and the request's transaction id).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <hv/classes.h>
#include <hvg_version.h>
#include "hvu.h"

static const struct hvu_service *const hvu_services[] = {
	&hvu_shutdown, &hvu_timesync, &hvu_heartbeat,
	&hvu_kvp, &hvu_vss, &hvu_fcopy,
};

static const struct hv_vmbus_device_id hvu_ids[] = {
	{ .guid = HV_CLASS_SHUTDOWN, .driver_data = 0 },
	{ .guid = HV_CLASS_TIMESYNC, .driver_data = 1 },
	{ .guid = HV_CLASS_HEARTBEAT, .driver_data = 2 },
	{ .guid = HV_CLASS_KVP, .driver_data = 3 },
	{ .guid = HV_CLASS_VSS, .driver_data = 4 },
	{ .guid = HV_CLASS_FCOPY, .driver_data = 5 },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, hvu_ids);

static struct workqueue_struct *hvu_wq;
static struct hvg_driver hvu_driver;

/*
 * fcopy: who serves the host's file copies (Copy-VMFile).
 *   kernel  hv_utils, through /dev/vmbus/hv_fcopy: the fcopy daemons of
 *           tools/hv up to Linux 6.9 (Debian 12's, RHEL's) and ours;
 *   uio     the daemon itself, through uio_hv_generic: tools/hv's
 *           hv_fcopy_uio_daemon, the only one from Linux 6.10 on, which
 *           has no fcopy in the kernel (Debian 13, Ubuntu 24.10+, Fedora).
 * Writable at run time: the device moves from one driver to the other,
 * refused (EBUSY) while a daemon has it open.
 */
enum { HVU_FCOPY_KERNEL, HVU_FCOPY_UIO };
static const char *const hvu_fcopy_modes[] = { "kernel", "uio" };
static int hvu_fcopy_mode = HVU_FCOPY_KERNEL;
static bool hvu_live;			/* the driver is registered */
static DEFINE_MUTEX(hvu_fcopy_lock);	/* mode, hvu_live, moves */
static struct work_struct hvu_fcopy_work;

static bool hvu_fcopy_busy(struct hvg_device *hdev)
{
	struct device *dev = &hdev->dev;
	struct hvu_dev *ud;
	bool busy = false;

	device_lock(dev);
	if (dev->driver == &hvu_driver.driver) {
		ud = dev_get_drvdata(dev);
		busy = ud->svc->busy && ud->svc->busy(ud);
	} else if (dev->driver) {
		/* uio_hv_generic opens the channel for its first user. */
		busy = hvg_channel_opened(hdev->channel);
	}
	device_unlock(dev);
	return busy;
}

/* Give the fcopy device to the mode's driver; hvu_fcopy_lock held. */
static int hvu_fcopy_move(void)
{
	static const guid_t fcopy = HV_CLASS_FCOPY;
	const char *to = hvu_fcopy_mode == HVU_FCOPY_UIO ?
			 "uio_hv_generic" : hvu_driver.name;
	struct hvg_device *hdev = hvg_find_device(&fcopy);
	struct device *dev;
	int ret;

	if (!hdev)
		return 0;
	dev = &hdev->dev;
	if (hvu_fcopy_busy(hdev)) {
		ret = -EBUSY;
		goto out;
	}
	if (hvu_fcopy_mode == HVU_FCOPY_UIO)
		request_module("uio_hv_generic");
	ret = hvg_device_set_override(hdev, to);
	if (ret)
		goto out;
	if (dev->driver && strcmp(dev->driver->name, to))
		device_release_driver(dev);
	ret = device_attach(dev);
	if (ret < 0)
		dev_warn(dev, "fcopy: not bound to %s: %d\n", to, ret);
	else if (!ret)
		dev_info(dev, "fcopy: left for %s, which is not loaded\n", to);
	else
		dev_info(dev, "fcopy: served by %s\n", to);
	ret = 0;
out:
	put_device(dev);
	return ret;
}

/* hv_utils declined fcopy in its probe; move it from outside the probe. */
static void hvu_fcopy_work_fn(struct work_struct *work)
{
	mutex_lock(&hvu_fcopy_lock);
	if (hvu_live && hvu_fcopy_mode == HVU_FCOPY_UIO)
		hvu_fcopy_move();
	mutex_unlock(&hvu_fcopy_lock);
}

static int hvu_fcopy_set(const char *val, const struct kernel_param *kp)
{
	int mode, old, ret = 0;

	mode = sysfs_match_string(hvu_fcopy_modes, val);
	if (mode < 0)
		return -EINVAL;
	mutex_lock(&hvu_fcopy_lock);
	old = hvu_fcopy_mode;
	hvu_fcopy_mode = mode;
	if (hvu_live && mode != old) {
		ret = hvu_fcopy_move();
		if (ret)
			hvu_fcopy_mode = old;
	}
	mutex_unlock(&hvu_fcopy_lock);
	return ret;
}

static int hvu_fcopy_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", hvu_fcopy_modes[READ_ONCE(hvu_fcopy_mode)]);
}

static const struct kernel_param_ops hvu_fcopy_ops = {
	.set = hvu_fcopy_set,
	.get = hvu_fcopy_get,
};
module_param_cb(fcopy, &hvu_fcopy_ops, NULL, 0644);
MODULE_PARM_DESC(fcopy, "who serves file copies: kernel (/dev/vmbus/hv_fcopy, default) or uio (uio_hv_generic, for hv_fcopy_uio_daemon)");

static void hvu_malformed(struct hvu_dev *ud, const char *why)
{
	ud->malformed++;
	dev_warn_ratelimited(&ud->hdev->dev, "%s: host message dropped: %s\n",
			     ud->svc->name, why);
}

/* Send the current message back with @status; called with ud->lock. */
static void hvu_send_reply(struct hvu_dev *ud, u32 status)
{
	struct hv_ic_hdr *hdr = ud->msg.hdr;
	u32 len = HV_IC_HDRS + ud->msg.body_len;
	int ret;

	hdr->status = status;
	hdr->flags = HV_ICFLAG_TRANSACTION | HV_ICFLAG_RESPONSE;
	ret = hvg_channel_send(ud->hdev->channel, (u8 *)hdr -
			       sizeof(struct hv_ic_pipe_hdr), len,
			       ud->msg.trans_id, HV_PKT_DATA_INBAND, 0);
	if (ret)
		dev_warn_ratelimited(&ud->hdev->dev, "%s: reply not sent: %d\n",
				     ud->svc->name, ret);
}

static bool hvu_version_listed(const struct hv_ic_version *v, u32 n, u32 want)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (HV_IC_VERSION(v[i].major, v[i].minor) == want)
			return true;
	return false;
}

static u32 hvu_pick(const u32 *ours, unsigned int count, u32 cap,
		    const struct hv_ic_version *theirs, u32 n)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		if ((!cap || ours[i] <= cap) &&
		    hvu_version_listed(theirs, n, ours[i]))
			return ours[i];
	return 0;
}

/* Answer NEGOTIATE in place. Returns the status, or -EINVAL if malformed. */
static int hvu_negotiate(struct hvu_dev *ud, struct hvu_msg *m)
{
	const struct hvu_service *svc = ud->svc;
	struct hv_ic_negotiate *neg = m->body;
	u32 n, fw, srv;

	if (m->body_len < sizeof(*neg))
		return -EINVAL;
	n = (u32)neg->fw_count + neg->msg_count;
	if (neg->fw_count > HV_IC_MAX_VERSIONS ||
	    neg->msg_count > HV_IC_MAX_VERSIONS ||
	    m->body_len < sizeof(*neg) + max(n, 2U) * sizeof(neg->versions[0]))
		return -EINVAL;
	/* Fixed, even with no version in common (the host reads 0x10). */
	m->hdr->msgsize = HV_IC_NEGOTIATE_ANSWER_SIZE;
	fw = hvu_pick(svc->fw_versions, svc->fw_count, 0, neg->versions,
		      neg->fw_count);
	srv = hvu_pick(svc->srv_versions, svc->srv_count, ud->srv_cap,
		       neg->versions + neg->fw_count, neg->msg_count);
	if (!fw || !srv) {
		dev_warn(&ud->hdev->dev, "%s: no version in common with the host\n",
			 svc->name);
		neg->fw_count = 0;
		neg->msg_count = 0;
		return HV_IC_S_OK;
	}
	neg->fw_count = 1;
	neg->msg_count = 1;
	neg->versions[0].major = fw >> 16;
	neg->versions[0].minor = fw & 0xffff;
	neg->versions[1].major = srv >> 16;
	neg->versions[1].minor = srv & 0xffff;
	if (ud->fw_version != fw || ud->srv_version != srv)
		dev_info(&ud->hdev->dev, "%s: IC framework %u.%u, service %u.%u\n",
			 svc->name, fw >> 16, fw & 0xffff, srv >> 16,
			 srv & 0xffff);
	ud->fw_version = fw;
	ud->srv_version = srv;
	if (svc->negotiated)
		svc->negotiated(ud);
	return HV_IC_S_OK;
}

/*
 * Validate the packet in ud->pkt and fill ud->msg. Returns false if it
 * cannot be answered at all (no readable IC header).
 */
static bool hvu_parse(struct hvu_dev *ud, u32 len)
{
	const struct hv_pkt_desc *desc = (void *)ud->pkt;
	struct hvu_msg *m = &ud->msg;
	u32 off = desc->offset8 * 8;

	if (desc->type != HV_PKT_DATA_INBAND) {
		hvu_malformed(ud, "not an in-band packet");
		return false;
	}
	if (off < sizeof(*desc) || off > len || len - off < HV_IC_HDRS) {
		hvu_malformed(ud, "shorter than the IC headers");
		return false;
	}
	m->hdr = (void *)(ud->pkt + off + sizeof(struct hv_ic_pipe_hdr));
	m->body = (u8 *)m->hdr + sizeof(struct hv_ic_hdr);
	m->body_len = len - off - HV_IC_HDRS;
	m->trans_id = desc->trans_id;
	return true;
}

/* Handle one message. Returns true if it was deferred. */
static bool hvu_dispatch(struct hvu_dev *ud)
{
	const struct hvu_service *svc = ud->svc;
	struct hvu_msg *m = &ud->msg;
	u32 status = HV_IC_E_FAIL;
	int ret;

	ud->received++;
	if (m->hdr->msgsize > m->body_len) {
		hvu_malformed(ud, "message size beyond the packet");
	} else if (m->hdr->msgtype == HV_ICMSG_NEGOTIATE) {
		ret = hvu_negotiate(ud, m);
		if (ret < 0)
			hvu_malformed(ud, "bad negotiate message");
		else
			status = ret;
	} else if (m->hdr->msgtype != svc->msgtype) {
		hvu_malformed(ud, "unexpected message type");
	} else if (!ud->fw_version) {
		hvu_malformed(ud, "request before version negotiation");
	} else {
		ret = svc->handle(ud, m, &status);
		if (ret == HVU_DEFER)
			return true;
	}
	mutex_lock(&ud->lock);
	if (!ud->stopping)
		hvu_send_reply(ud, status);
	ud->deferred = false;
	mutex_unlock(&ud->lock);
	return false;
}

static void hvu_work(struct work_struct *work)
{
	struct hvu_dev *ud = container_of(work, struct hvu_dev, work);
	u32 needed;
	int len;

	for (;;) {
		mutex_lock(&ud->lock);
		if (ud->deferred || ud->hold || ud->starting || ud->stopping) {
			mutex_unlock(&ud->lock);
			return;
		}
		len = hvg_channel_recv(ud->hdev->channel, ud->pkt, HVU_PKT_MAX,
				       &needed);
		if (len < 0) {
			mutex_unlock(&ud->lock);
			/* -ENOBUFS cannot happen: the ring is smaller. */
			if (len != -EAGAIN)
				dev_err_ratelimited(&ud->hdev->dev,
						    "%s: channel unreadable: %d\n",
						    ud->svc->name, len);
			return;
		}
		if (!hvu_parse(ud, len)) {
			mutex_unlock(&ud->lock);
			continue;
		}
		/* In flight: hvu_reply() may come before handle() returns. */
		ud->deferred = true;
		mutex_unlock(&ud->lock);
		hvu_dispatch(ud);
	}
}

void hvu_reply(struct hvu_dev *ud, u32 status)
{
	mutex_lock(&ud->lock);
	if (!ud->deferred) {
		mutex_unlock(&ud->lock);
		dev_warn(&ud->hdev->dev, "%s: reply with nothing pending\n",
			 ud->svc->name);
		return;
	}
	ud->deferred = false;
	if (!ud->stopping) {
		hvu_send_reply(ud, status);
		queue_work(hvu_wq, &ud->work);
	}
	mutex_unlock(&ud->lock);
}

void hvu_hold(struct hvu_dev *ud, bool hold)
{
	mutex_lock(&ud->lock);
	ud->hold = hold;
	if (!hold && !ud->stopping)
		queue_work(hvu_wq, &ud->work);
	mutex_unlock(&ud->lock);
}

bool hvu_deferred(struct hvu_dev *ud)
{
	bool ret;

	mutex_lock(&ud->lock);
	ret = ud->deferred;
	mutex_unlock(&ud->lock);
	return ret;
}

/* Softirq, on the channel's CPU: the host wrote to our ring. */
static void hvu_channel_cb(void *ctx)
{
	struct hvu_dev *ud = ctx;

	queue_work(hvu_wq, &ud->work);
}

static int hvu_probe(struct hvg_device *hdev,
		     const struct hv_vmbus_device_id *id)
{
	struct hvu_dev *ud;
	int ret;

	if (id->driver_data >= ARRAY_SIZE(hvu_services))
		return -ENODEV;
	if (hvu_services[id->driver_data] == &hvu_fcopy &&
	    READ_ONCE(hvu_fcopy_mode) == HVU_FCOPY_UIO) {
		queue_work(hvu_wq, &hvu_fcopy_work);
		return -ENODEV;
	}
	ud = kzalloc(sizeof(*ud), GFP_KERNEL);
	if (!ud)
		return -ENOMEM;
	ud->pkt = kmalloc(HVU_PKT_MAX, GFP_KERNEL);
	if (!ud->pkt) {
		kfree(ud);
		return -ENOMEM;
	}
	ud->hdev = hdev;
	ud->svc = hvu_services[id->driver_data];
	ud->starting = true;
	mutex_init(&ud->lock);
	INIT_WORK(&ud->work, hvu_work);
	dev_set_drvdata(&hdev->dev, ud);
	if (ud->svc->probe) {
		ret = ud->svc->probe(ud);
		if (ret)
			goto err_free;
	}
	/*
	 * Integration services read one message at a time, and KVP, VSS and
	 * fcopy leave one unread while their daemon works (or is awaited):
	 * a callback per interrupt, never polling (upstream's util_probe()
	 * sets HV_CALL_DIRECT for the same reason).
	 */
	hvg_channel_set_direct(hdev->channel, true);
	ret = hvg_channel_open(hdev->channel, HVU_RING_BYTES, HVU_RING_BYTES,
			       NULL, 0, hvu_channel_cb, ud);
	if (ret) {
		dev_err(&hdev->dev, "%s: cannot open the channel: %d\n",
			ud->svc->name, ret);
		goto err_stop;
	}
	if (ud->svc->start) {
		ret = ud->svc->start(ud);
		if (ret) {
			dev_err(&hdev->dev, "%s: cannot start: %d\n",
				ud->svc->name, ret);
			goto err_close;
		}
	}
	/* What the host sent while we started waits in the ring: read it. */
	mutex_lock(&ud->lock);
	ud->starting = false;
	queue_work(hvu_wq, &ud->work);
	mutex_unlock(&ud->lock);
	return 0;

err_close:
	mutex_lock(&ud->lock);
	ud->stopping = true;
	mutex_unlock(&ud->lock);
	hvg_channel_close(hdev->channel);
err_stop:
	mutex_lock(&ud->lock);
	ud->stopping = true;
	mutex_unlock(&ud->lock);
	/* Whoever queued the worker, it is gone before ud is. */
	cancel_work_sync(&ud->work);
	if (ud->svc->remove)
		ud->svc->remove(ud);
err_free:
	kfree(ud->pkt);
	kfree(ud);
	return ret;
}

static void hvu_remove(struct hvg_device *hdev)
{
	struct hvu_dev *ud = dev_get_drvdata(&hdev->dev);

	mutex_lock(&ud->lock);
	ud->stopping = true;
	mutex_unlock(&ud->lock);
	/* No more callbacks, then no worker, then the service goes. */
	hvg_channel_close(hdev->channel);
	cancel_work_sync(&ud->work);
	if (ud->svc->remove)
		ud->svc->remove(ud);
	kfree(ud->pkt);
	kfree(ud);
}

static struct hvg_driver hvu_driver = {
	.name = "hv_utils",
	.id_table = hvu_ids,
	.probe = hvu_probe,
	.remove = hvu_remove,
};

static int __init hvu_init(void)
{
	int ret;

	hvu_wq = alloc_workqueue("hv_utils", 0, 0);
	if (!hvu_wq)
		return -ENOMEM;
	INIT_WORK(&hvu_fcopy_work, hvu_fcopy_work_fn);
	mutex_lock(&hvu_fcopy_lock);
	hvu_live = true;
	mutex_unlock(&hvu_fcopy_lock);
	ret = hvg_driver_register(&hvu_driver);
	if (ret) {
		mutex_lock(&hvu_fcopy_lock);
		hvu_live = false;
		mutex_unlock(&hvu_fcopy_lock);
		cancel_work_sync(&hvu_fcopy_work);
		destroy_workqueue(hvu_wq);
	}
	return ret;
}

static void __exit hvu_exit(void)
{
	mutex_lock(&hvu_fcopy_lock);
	hvu_live = false;
	mutex_unlock(&hvu_fcopy_lock);
	cancel_work_sync(&hvu_fcopy_work);
	hvg_driver_unregister(&hvu_driver);
	destroy_workqueue(hvu_wq);
}

module_init(hvu_init);
module_exit(hvu_exit);
MODULE_DESCRIPTION("Hyper-V integration services: shutdown, time sync, heartbeat, KVP, VSS, file copy");
MODULE_LICENSE("GPL");
/* The tree's version (../VERSION, written by kernel/Makefile): modinfo. */
MODULE_VERSION(HVG_VERSION);
