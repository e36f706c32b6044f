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
 *
 * Beyond upstream (which has the same gap): the file systems never stay
 * frozen because the daemon died. The kernel remembers that a freeze is
 * outstanding. A THAW that finds no daemon then waits VSS_THAW_WAIT_S for
 * one to register (our daemon and upstream's thaw every frozen mount on a
 * THAW); if none comes, and also if no THAW comes within VSS_ORPHAN_S of
 * the daemon's death, the kernel thaws every frozen file system itself,
 * with a critical message. A request that finds the daemon's mailbox busy
 * (a FREEZE right after it registered) waits for it, as KVP's do.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": vss: " fmt

#include <linux/slab.h>
#include <linux/sysrq.h>
#include <uapi/linux/hyperv.h>
#include <hv/classes.h>
#include <hv/version.h>
#include "compat.h"
#include "hvu.h"

/* include/uapi/linux/hyperv.h: the daemon ABI and the wire format agree. */
static_assert(sizeof(struct hv_vss_msg) == 12);

#define VSS_FREEZE_TIMEOUT_S	(15 * 60)
/* How often to offer a request again while the daemon's mailbox is full. */
#define VSS_RETRY_MS		10
/*
 * The file systems must never stay frozen because the daemon died. A
 * THAW that finds no daemon while a freeze is outstanding waits this long
 * for one to register (systemd restarts it); then the kernel thaws.
 */
#define VSS_THAW_WAIT_S		10
/* A freeze whose daemon died, and no THAW or new FREEZE came: thaw after this. */
#define VSS_ORPHAN_S		60

static const u32 vss_fw[] = { HV_IC_FW_3_0 };
static const u32 vss_srv[] = { HV_IC_VERSION(5, 0) };

struct vss_priv {
	struct hvu_dev *ud;
	struct hvu_transport *transport;
	struct delayed_work req_work;	/* resend, hand over or time out req */
	struct delayed_work orphan;	/* thaw a freeze nobody will thaw */
	struct mutex lock;	/* everything below */
	bool registered;	/* the daemon holding the device registered */
	/*
	 * A FREEZE was answered S_OK (or its daemon died working on it) and
	 * no THAW has been answered since: something may be frozen.
	 */
	bool frozen;
	struct hv_vss_msg *req;	/* the host's request we answer, or NULL */
	bool sent;		/* the daemon has it in its mailbox */
	bool held;		/* a THAW waiting for a daemon to register */
	unsigned long deadline;	/* when req fails (or is thawed for) */
	/* late answers to come for requests that timed out with the daemon */
	unsigned int owed;
};

/* Take the request, so exactly one path answers it; vp->lock held. */
static struct hv_vss_msg *vss_take_req(struct vss_priv *vp)
{
	struct hv_vss_msg *req = vp->req;

	vp->req = NULL;
	vp->sent = false;
	vp->held = false;
	return req;
}

/* SysRq's emergency thaw is allowed (kernel.sysrq 1, or its bit 0x40). */
static bool vss_sysrq_thaw_allowed(void)
{
#ifdef HAVE_SYSRQ_MASK
	int mask = sysrq_mask();

	return mask == 1 || (mask & SYSRQ_ENABLE_SIGNAL);
#else
	/* The kernel does not say what kernel.sysrq allows: assume not. */
	return false;
#endif
}

/*
 * The last resort: no daemon is left to thaw what a daemon froze. The
 * kernel cannot list the file systems the daemon froze, so it thaws every
 * frozen one, as SysRq-j does (an administrator's own fsfreeze too, which
 * is why it is the last resort and says so). handle_sysrq() obeys
 * kernel.sysrq, whose Debian default (438) leaves this function out:
 * then only the message is left. Returns false if nothing was thawed.
 */
static bool vss_kernel_thaw(struct vss_priv *vp, const char *why)
{
	if (!IS_ENABLED(CONFIG_MAGIC_SYSRQ) || !vss_sysrq_thaw_allowed()) {
		dev_crit(&vp->ud->hdev->dev,
			 "file systems may stay frozen (%s): no daemon to thaw them, and kernel.sysrq does not allow its emergency thaw (bit 0x40); run fsfreeze -u on each\n",
			 why);
		return false;
	}
	dev_crit(&vp->ud->hdev->dev,
		 "%s: no VSS daemon to thaw the file systems frozen for a backup; thawing every frozen file system (emergency thaw)\n",
		 why);
	handle_sysrq('j');
	return true;
}

/*
 * The kernel could not thaw: remember the freeze, so that the host's next
 * THAW is held for a daemon again rather than answered as if nothing were
 * frozen.
 */
static void vss_still_frozen(struct vss_priv *vp)
{
	mutex_lock(&vp->lock);
	vp->frozen = true;
	mutex_unlock(&vp->lock);
}

static void vss_orphan_work(struct work_struct *work)
{
	struct vss_priv *vp = container_of(to_delayed_work(work),
					   struct vss_priv, orphan);
	bool thaw;

	/*
	 * Still frozen: no THAW was answered and no new FREEZE went to a
	 * daemon since the old one died (a new daemon does not know what the
	 * old one froze).
	 */
	mutex_lock(&vp->lock);
	thaw = vp->frozen;
	vp->frozen = false;
	mutex_unlock(&vp->lock);
	if (thaw &&
	    !vss_kernel_thaw(vp, "the VSS daemon died during a backup and no THAW came"))
		vss_still_frozen(vp);
}

/* Offer the request to the daemon; vp->lock held. 0, -EBUSY or an error. */
static int vss_send(struct vss_priv *vp)
{
	struct hv_vss_msg out = { };
	int ret;

	out.vss_hdr.operation = vp->req->vss_hdr.operation;
	ret = hvu_transport_send(vp->transport, &out, sizeof(out));
	if (!ret) {
		vp->sent = true;
		mod_delayed_work(system_wq, &vp->req_work,
				 vp->deadline - jiffies);
	} else if (ret == -EBUSY) {
		/* The mailbox holds the registration answer, say: soon. */
		mod_delayed_work(system_wq, &vp->req_work,
				 msecs_to_jiffies(VSS_RETRY_MS));
	}
	return ret;
}

static unsigned long vss_timeout_of(u8 op)
{
	return (op == VSS_OP_FREEZE ? VSS_FREEZE_TIMEOUT_S : HVU_TIMEOUT_S) *
	       HZ;
}

/*
 * The request's delayed work: hand a held THAW to a daemon that has
 * registered, offer a request again while the daemon's mailbox is full,
 * and at the deadline fail it (or, for a held THAW, thaw from the kernel).
 */
static void vss_req_work(struct work_struct *work)
{
	struct vss_priv *vp = container_of(to_delayed_work(work),
					   struct vss_priv, req_work);
	struct hv_vss_msg *req;
	bool expired, held, sent;
	u32 status;
	int ret;
	u8 op;

	mutex_lock(&vp->lock);
	if (!vp->req)
		goto out;
	expired = !time_before(jiffies, vp->deadline);
	if (vp->held && !expired) {
		if (!vp->registered)
			goto out;	/* a stale run: still no daemon */
		vp->held = false;
		vp->deadline = jiffies + HVU_TIMEOUT_S * HZ;
		dev_info(&vp->ud->hdev->dev, "THAW handed to the daemon that registered\n");
	}
	if (!expired) {
		if (!vp->sent) {
			ret = vss_send(vp);
			if (ret && ret != -EBUSY)
				goto fail;	/* the daemon is gone */
		}
		goto out;
	}
fail:
	held = vp->held;
	/* Read by the daemon (not withdrawn): its answer will come late. */
	sent = vp->sent && !hvu_transport_withdraw(vp->transport);
	if (sent)
		vp->owed++;
	req = vss_take_req(vp);
	op = req->vss_hdr.operation;
	status = HV_E_FAIL;
	if (held) {
		/* Nobody came to thaw: the kernel does, and the host hears so. */
		vp->frozen = false;
		mutex_unlock(&vp->lock);
		cancel_delayed_work(&vp->orphan);
		if (vss_kernel_thaw(vp, "THAW with no VSS daemon"))
			status = HV_S_OK;
		else
			vss_still_frozen(vp);
	} else {
		/* A FREEZE the daemon sat on may have frozen something. */
		if (op == VSS_OP_FREEZE && sent)
			vp->frozen = true;
		mutex_unlock(&vp->lock);
		pr_warn("the daemon did not answer operation %u in time\n",
			op);
	}
	hvu_reply(vp->ud, status);
	return;
out:
	mutex_unlock(&vp->lock);
}

static int vss_register(struct vss_priv *vp, u8 op)
{
	/* hv_snapshot.c answers VSS_OP_REGISTER1 with that value as a u32. */
	u32 answer = VSS_OP_REGISTER1;
	int ret;

	if (vp->req && !vp->held)
		return -EINVAL;
	if (op == VSS_OP_REGISTER1) {
		ret = hvu_transport_send(vp->transport, &answer,
					 sizeof(answer));
		if (ret)
			return ret;
	}
	vp->registered = true;
	pr_info("daemon registered (operation %u)\n", op);
	/* A THAW waited for a daemon: this one gets it. */
	if (vp->req && vp->held)
		mod_delayed_work(system_wq, &vp->req_work, 0);
	return 0;
}

static int vss_on_write(void *ctx, const void *buf, size_t len)
{
	struct vss_priv *vp = ctx;
	struct hv_vss_msg msg;
	struct hv_vss_msg *req;
	u8 op;
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
	/* The daemon answers in order: a late answer comes first. */
	if (vp->owed) {
		vp->owed--;
		mutex_unlock(&vp->lock);
		pr_info_ratelimited("dropped the daemon's late answer to a request that timed out\n");
		return 0;
	}
	if (!vp->req || !vp->sent) {
		/* Unsolicited or unread: the daemon resets. */
		mutex_unlock(&vp->lock);
		return -EINVAL;
	}
	req = vss_take_req(vp);
	op = req->vss_hdr.operation;
	if (op == VSS_OP_HOT_BACKUP)
		req->vss_cf.flags = VSS_HBU_NO_AUTO_RECOVERY;
	/* msg.error overlays the operation: the status is all we learn. */
	if (op == VSS_OP_FREEZE && msg.error == HV_S_OK)
		vp->frozen = true;
	else if (op == VSS_OP_THAW && msg.error == HV_S_OK)
		vp->frozen = false;
	mutex_unlock(&vp->lock);

	if (op == VSS_OP_THAW)
		cancel_delayed_work(&vp->orphan);
	/* No new request can start before hvu_reply(): no stale work. */
	cancel_delayed_work_sync(&vp->req_work);
	hvu_reply(vp->ud, (u32)msg.error);
	return 0;
}

static void vss_on_release(void *ctx)
{
	struct vss_priv *vp = ctx;
	struct hv_vss_msg *req = NULL;
	bool frozen;

	mutex_lock(&vp->lock);
	vp->registered = false;
	vp->owed = 0;
	/* A held THAW waits on for the next daemon. */
	if (vp->req && !vp->held) {
		req = vss_take_req(vp);
		/* It may have frozen part of the file systems, or all. */
		if (req->vss_hdr.operation == VSS_OP_FREEZE)
			vp->frozen = true;
	}
	frozen = vp->frozen;
	mutex_unlock(&vp->lock);

	if (frozen) {
		dev_warn(&vp->ud->hdev->dev, "the VSS daemon closed its device with file systems frozen: the next daemon or the host's THAW thaws them, or the kernel in %d s\n",
			 VSS_ORPHAN_S);
		mod_delayed_work(system_wq, &vp->orphan, VSS_ORPHAN_S * HZ);
	}
	if (!req)
		return;
	pr_warn("the daemon closed the device with operation %u pending\n",
		req->vss_hdr.operation);
	cancel_delayed_work_sync(&vp->req_work);
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
	u8 op = req->vss_hdr.operation;
	int ret;

	mutex_lock(&vp->lock);
	if (!vp->registered) {
		if (op == VSS_OP_THAW && vp->frozen) {
			/* Kept for the next daemon, or thawed by us. */
			vp->req = req;
			vp->held = true;
			vp->deadline = jiffies + VSS_THAW_WAIT_S * HZ;
			mod_delayed_work(system_wq, &vp->req_work,
					 VSS_THAW_WAIT_S * HZ);
			mutex_unlock(&vp->lock);
			dev_warn(&vp->ud->hdev->dev, "THAW with file systems frozen and no daemon: waiting %d s for one\n",
				 VSS_THAW_WAIT_S);
			return HVU_DEFER;
		}
		mutex_unlock(&vp->lock);
		pr_warn_ratelimited("no daemon for operation %u\n", op);
		*status = HV_E_FAIL;
		return 0;
	}
	/* A new freeze: what a dead daemon left frozen is this one's now. */
	if (op == VSS_OP_FREEZE)
		cancel_delayed_work(&vp->orphan);
	vp->req = req;
	vp->deadline = jiffies + vss_timeout_of(op);
	ret = vss_send(vp);
	if (ret && ret != -EBUSY) {
		vss_take_req(vp);
		mutex_unlock(&vp->lock);
		pr_warn_ratelimited("cannot pass operation %u to the daemon: %d\n",
				    op, ret);
		*status = HV_E_FAIL;
		return 0;
	}
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
	INIT_DELAYED_WORK(&vp->req_work, vss_req_work);
	INIT_DELAYED_WORK(&vp->orphan, vss_orphan_work);
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
	struct hv_vss_msg *req;
	bool frozen;

	/* No on_write/on_release after this, so no new work either. */
	hvu_transport_destroy(vp->transport);
	cancel_delayed_work_sync(&vp->req_work);
	cancel_delayed_work_sync(&vp->orphan);
	mutex_lock(&vp->lock);
	req = vss_take_req(vp);
	frozen = vp->frozen;
	mutex_unlock(&vp->lock);
	if (req)
		hvu_reply(ud, HV_E_FAIL);
	/* Going away with a freeze outstanding: nobody else would thaw. */
	if (frozen)
		vss_kernel_thaw(vp, "hv_utils is going away during a backup");
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
