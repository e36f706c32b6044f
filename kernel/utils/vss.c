// SPDX-License-Identifier: GPL-2.0
/*
 * VSS: host-initiated backup. The host asks the guest to freeze its file
 * systems before it takes a snapshot and to thaw them afterwards; a daemon
 * (hv_vss_daemon) does the freezing, reached through /dev/vmbus/hv_vss.
 *
 * Protocol facts, from Linux 6.1 drivers/hv/hv_snapshot.c unless said
 * otherwise:
 *  - framework version 3.0 (UTIL_FW_VERSION), service version 5.0
 *    (VSS_VERSION);
 *  - the service is not offered to hosts older than Windows 8.1 (VMBus
 *    3.0);
 *  - the host's message is struct hv_vss_msg of include/uapi/linux/hyperv.h;
 *    a FREEZE may carry up to 6,260 bytes of LUN data after it (the
 *    comment above struct hv_vss_msg), which we do not use;
 *  - FREEZE, THAW and HOT_BACKUP go to the daemon; the kernel answers
 *    GET_DM_INFO itself with dm_info.flags = 0, and every other operation
 *    with success;
 *  - the answer to HOT_BACKUP carries vss_cf.flags =
 *    VSS_HBU_NO_AUTO_RECOVERY, whatever the daemon said;
 *  - the daemon waits 15 minutes for a FREEZE (VSS_FREEZE_TIMEOUT) and
 *    HV_UTIL_TIMEOUT (30 s) for anything else;
 *  - daemon handshake: it writes a struct hv_vss_msg with operation
 *    VSS_OP_REGISTER1 and is answered with a u32 (upstream sends the value
 *    VSS_OP_REGISTER1); VSS_OP_REGISTER (legacy) gets no answer; a
 *    registration while a request is with the daemon is refused;
 *  - every write from the daemon is exactly one struct hv_vss_msg; an
 *    answer carries the status in the "error" field, which overlays the
 *    operation byte (tools/hv/hv_vss_daemon.c writes it there), so an
 *    answer's operation cannot be checked;
 *  - with no daemon, or a daemon that closes the device or does not answer
 *    in time, the host gets HV_E_FAIL.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": vss: " fmt

#include <linux/slab.h>
#include <uapi/linux/hyperv.h>
#include <hv/classes.h>
#include <hv/version.h>
#include "hvu.h"

/* include/uapi/linux/hyperv.h: the daemon ABI and the wire format agree. */
static_assert(sizeof(struct hv_vss_msg) == 12);

#define VSS_FREEZE_TIMEOUT_S	(15 * 60)

static const u32 vss_fw[] = { HV_IC_FW_3_0 };
static const u32 vss_srv[] = { HV_IC_VERSION(5, 0) };

struct vss_priv {
	struct hvu_dev *ud;
	struct hvu_transport *transport;
	struct delayed_work timeout;
	struct mutex lock;	/* everything below */
	bool registered;	/* the daemon holding the device registered */
	struct hv_vss_msg *req;	/* host message with the daemon, or NULL */
};

/*
 * Take the request that is with the daemon, if any, so that exactly one
 * of the daemon's answer, its close, the timeout or removal answers it.
 */
static struct hv_vss_msg *vss_take_req(struct vss_priv *vp)
{
	struct hv_vss_msg *req;

	mutex_lock(&vp->lock);
	req = vp->req;
	vp->req = NULL;
	mutex_unlock(&vp->lock);
	return req;
}

static void vss_timeout(struct work_struct *work)
{
	struct vss_priv *vp = container_of(to_delayed_work(work),
					   struct vss_priv, timeout);
	struct hv_vss_msg *req = vss_take_req(vp);

	if (!req)
		return;
	pr_warn("the daemon did not answer operation %u in time\n",
		req->vss_hdr.operation);
	hvu_reply(vp->ud, HV_E_FAIL);
}

static int vss_register(struct vss_priv *vp, u8 op)
{
	/* hv_snapshot.c answers VSS_OP_REGISTER1 with that value as a u32. */
	u32 answer = VSS_OP_REGISTER1;
	int ret;

	if (vp->req)
		return -EINVAL;
	if (op == VSS_OP_REGISTER1) {
		ret = hvu_transport_send(vp->transport, &answer,
					 sizeof(answer));
		if (ret)
			return ret;
	}
	vp->registered = true;
	pr_info("daemon registered (operation %u)\n", op);
	return 0;
}

static int vss_on_write(void *ctx, const void *buf, size_t len)
{
	struct vss_priv *vp = ctx;
	struct hv_vss_msg msg;
	struct hv_vss_msg *req;
	int ret;

	if (len != sizeof(msg))
		return -EINVAL;
	memcpy(&msg, buf, sizeof(msg));

	mutex_lock(&vp->lock);
	if (msg.vss_hdr.operation == VSS_OP_REGISTER ||
	    msg.vss_hdr.operation == VSS_OP_REGISTER1) {
		ret = vss_register(vp, msg.vss_hdr.operation);
		mutex_unlock(&vp->lock);
		return ret;
	}
	req = vp->req;
	if (!req) {
		/* Late (timed out) or unsolicited: the daemon resets. */
		mutex_unlock(&vp->lock);
		return -EINVAL;
	}
	if (req->vss_hdr.operation == VSS_OP_HOT_BACKUP)
		req->vss_cf.flags = VSS_HBU_NO_AUTO_RECOVERY;
	vp->req = NULL;
	mutex_unlock(&vp->lock);

	/* No new request can start before hvu_reply(): no stale timeout. */
	cancel_delayed_work_sync(&vp->timeout);
	hvu_reply(vp->ud, (u32)msg.error);
	return 0;
}

static void vss_on_release(void *ctx)
{
	struct vss_priv *vp = ctx;
	struct hv_vss_msg *req;

	mutex_lock(&vp->lock);
	vp->registered = false;
	req = vp->req;
	vp->req = NULL;
	mutex_unlock(&vp->lock);

	if (!req)
		return;
	pr_warn("the daemon closed the device with operation %u pending\n",
		req->vss_hdr.operation);
	cancel_delayed_work_sync(&vp->timeout);
	hvu_reply(vp->ud, HV_E_FAIL);
}

static const struct hvu_transport_ops vss_transport_ops = {
	.on_write = vss_on_write,
	.on_release = vss_on_release,
};

/* Pass @req to the daemon. Returns HVU_DEFER or a status for the host. */
static int vss_to_daemon(struct vss_priv *vp, struct hv_vss_msg *req,
			 u32 *status)
{
	struct hv_vss_msg out = { };
	unsigned long timeout;
	int ret;

	out.vss_hdr.operation = req->vss_hdr.operation;
	timeout = req->vss_hdr.operation == VSS_OP_FREEZE ?
		  VSS_FREEZE_TIMEOUT_S : HVU_TIMEOUT_S;

	mutex_lock(&vp->lock);
	if (!vp->registered) {
		mutex_unlock(&vp->lock);
		pr_warn_ratelimited("no daemon for operation %u\n",
				    req->vss_hdr.operation);
		*status = HV_E_FAIL;
		return 0;
	}
	ret = hvu_transport_send(vp->transport, &out, sizeof(out));
	if (ret) {
		mutex_unlock(&vp->lock);
		pr_warn_ratelimited("cannot pass operation %u to the daemon: %d\n",
				    req->vss_hdr.operation, ret);
		*status = HV_E_FAIL;
		return 0;
	}
	vp->req = req;
	schedule_delayed_work(&vp->timeout, timeout * HZ);
	mutex_unlock(&vp->lock);
	return HVU_DEFER;
}

static int vss_handle(struct hvu_dev *ud, struct hvu_msg *m, u32 *status)
{
	struct vss_priv *vp = ud->priv;
	struct hv_vss_msg *req = m->body;

	if (m->body_len < sizeof(*req)) {
		pr_warn_ratelimited("host message of %u bytes is too short\n",
				    m->body_len);
		*status = HV_E_FAIL;
		return 0;
	}

	switch (req->vss_hdr.operation) {
	case VSS_OP_FREEZE:
	case VSS_OP_THAW:
	case VSS_OP_HOT_BACKUP:
		return vss_to_daemon(vp, req, status);
	case VSS_OP_GET_DM_INFO:
		req->dm_info.flags = 0;
		break;
	default:
		break;
	}
	*status = HV_S_OK;
	return 0;
}

static int vss_probe(struct hvu_dev *ud)
{
	struct vss_priv *vp;

	/*
	 * Hosts older than Windows 8.1 (VMBus 3.0) do not get the service,
	 * as upstream (hv_vss_init() in drivers/hv/hv_snapshot.c).
	 */
	if (hvg_vmbus_version() < HV_VMBUS_VERSION_WIN8_1) {
		dev_warn(&ud->hdev->dev,
			 "VSS (backup) is not supported by this host's VMBus %u.%u\n",
			 HV_VMBUS_VERSION_MAJOR(hvg_vmbus_version()),
			 HV_VMBUS_VERSION_MINOR(hvg_vmbus_version()));
		return -EOPNOTSUPP;
	}
	vp = kzalloc(sizeof(*vp), GFP_KERNEL);
	if (!vp)
		return -ENOMEM;
	vp->ud = ud;
	mutex_init(&vp->lock);
	INIT_DELAYED_WORK(&vp->timeout, vss_timeout);
	ud->priv = vp;
	return 0;
}

/* The channel is open: now a daemon may come. */
static int vss_start(struct hvu_dev *ud)
{
	struct vss_priv *vp = ud->priv;
	struct hvu_transport *t;

	t = hvu_transport_create(&ud->hdev->dev, "hv_vss", &vss_transport_ops,
				 vp);
	if (IS_ERR(t))
		return PTR_ERR(t);
	vp->transport = t;
	return 0;
}

static void vss_remove(struct hvu_dev *ud)
{
	struct vss_priv *vp = ud->priv;

	/* No on_write/on_release after this, so no new timeout either. */
	hvu_transport_destroy(vp->transport);
	cancel_delayed_work_sync(&vp->timeout);
	if (vss_take_req(vp))
		hvu_reply(ud, HV_E_FAIL);
	mutex_destroy(&vp->lock);
	kfree(vp);
	ud->priv = NULL;
}

const struct hvu_service hvu_vss = {
	.name = "vss",
	.class_id = HV_CLASS_VSS,
	.msgtype = HV_ICMSG_VSS,
	.fw_versions = vss_fw,
	.fw_count = ARRAY_SIZE(vss_fw),
	.srv_versions = vss_srv,
	.srv_count = ARRAY_SIZE(vss_srv),
	.probe = vss_probe,
	.start = vss_start,
	.remove = vss_remove,
	.handle = vss_handle,
};
