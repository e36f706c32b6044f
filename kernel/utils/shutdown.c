// SPDX-License-Identifier: GPL-2.0
/*
 * Shutdown: the host asks the guest to power off, reboot or hibernate.
 *
 * Host side (drivers/hv/hv_util.c, shutdown_onchannelcallback): framework
 * 3.0/1.0, service 3.2/3.1/3.0/1.0; flags 0 and 1 (force) power off, 2 and
 * 3 reboot, 4 and 5 hibernate; the guest answers first and acts after.
 *
 * Guest side: when a daemon has registered on /dev/vmbus/hv_shutdown
 * (protocol in include/uapi/hyperv-guest/hv_shutdown.h) the request goes
 * to it, so the init system shuts down with its inhibitors and hooks; the
 * host is answered once the daemon has started the action (or refused it),
 * or after SD_ANSWER_S if the daemon is slower: upstream answers at once,
 * and no public source says how long a host waits, so the answer never
 * waits long. Once the host has been told yes, the shutdown happens: the
 * daemon has until SD_DAEMON_TIMEOUT_S to start it, and if it fails,
 * closes the device or does not answer, the kernel acts itself as
 * upstream does: orderly_poweroff(), orderly_reboot(), or a
 * "EVENT=hibernate" uevent when hibernation is available (not yet: see
 * sd_can_hibernate()). Nothing the host asks for is lost because a
 * daemon is missing.
 */
#include <linux/reboot.h>
#include <linux/slab.h>
#include <uapi/hyperv-guest/hv_shutdown.h>
#include <hv/classes.h>
#include "hvu.h"

/* How long a daemon has to start the action before the kernel does. */
#define SD_DAEMON_TIMEOUT_S	90
/* How long the host waits for its answer when the daemon is slow. */
#define SD_ANSWER_S		5

static const u32 sd_fw[] = { HV_IC_FW_3_0, HV_IC_FW_1_0 };
static const u32 sd_srv[] = {
	HV_IC_VERSION(3, 2), HV_IC_VERSION(3, 1), HV_IC_VERSION(3, 0),
	HV_IC_VERSION(1, 0),
};

enum sd_action { SD_NONE, SD_POWEROFF, SD_REBOOT, SD_HIBERNATE };

struct sd_state {
	struct hvu_dev *ud;
	struct hvu_transport *t;
	struct mutex lock;	/* below */
	bool registered;
	u16 version;
	bool pending;		/* a request waits for the daemon */
	bool answered;		/* ... and the host was told yes already */
	u32 seq;
	enum sd_action action;
	struct delayed_work timeout;
	struct delayed_work answer;
	struct work_struct act;	/* the kernel's own action */
	enum sd_action act_what;
};

static void sd_kernel_act(struct work_struct *work)
{
	struct sd_state *sd = container_of(work, struct sd_state, act);

	switch (READ_ONCE(sd->act_what)) {
	case SD_POWEROFF:
		orderly_poweroff(true);
		break;
	case SD_REBOOT:
		orderly_reboot();
		break;
	case SD_HIBERNATE:
		kobject_uevent_env(&sd->ud->hdev->dev.kobj, KOBJ_CHANGE,
				   (char *[]){ "EVENT=hibernate", NULL });
		break;
	default:
		break;
	}
}

/*
 * Hibernation needs the bus to close its channels before the image is
 * written and to connect again after resume (upstream's
 * vmbus_bus_suspend() and vmbus_bus_resume(), with syscore ops for the
 * SynIC). hv_vmbus cannot do that yet, and a guest that hibernated anyway
 * would resume with no SynIC and no GPADLs: every hibernate request is
 * refused, with a daemon or without, until it can. Then the answer is
 * upstream's hv_is_hibernation_supported().
 */
static bool sd_can_hibernate(void)
{
	return false;
}

/* The kernel does it; returns the status for the host. */
static u32 sd_kernel_request(struct sd_state *sd, enum sd_action a)
{
	if (a == SD_HIBERNATE && !sd_can_hibernate()) {
		dev_warn(&sd->ud->hdev->dev,
			 "hibernation requested but not available: hv_vmbus cannot suspend its channels yet\n");
		return HV_IC_E_FAIL;
	}
	dev_info(&sd->ud->hdev->dev, "host requested %s\n",
		 a == SD_POWEROFF ? "power off" :
		 a == SD_REBOOT ? "reboot" : "hibernation");
	WRITE_ONCE(sd->act_what, a);
	schedule_work(&sd->act);
	return HV_IC_S_OK;
}

static void sd_fill(struct hv_shutdown_msg *msg, u16 op, u16 version)
{
	memset(msg, 0, sizeof(*msg));
	msg->magic = cpu_to_le32(HV_SHUTDOWN_MAGIC);
	msg->op = cpu_to_le16(op);
	msg->version = cpu_to_le16(version);
}

static int sd_handle(struct hvu_dev *ud, struct hvu_msg *m, u32 *status)
{
	struct sd_state *sd = ud->priv;
	struct hv_ic_shutdown *req = m->body;
	struct hv_shutdown_msg msg;
	enum sd_action a;
	u32 flags;

	/* The display message is optional; the flags are not. */
	if (m->body_len < offsetof(struct hv_ic_shutdown, display_message)) {
		*status = HV_IC_E_FAIL;
		return 0;
	}
	switch (req->flags) {
	case 0:
	case HV_SHUTDOWN_FLAG_FORCE:
		a = SD_POWEROFF;
		flags = HV_SHUTDOWN_F_POWEROFF;
		break;
	case HV_SHUTDOWN_FLAG_REBOOT:
	case HV_SHUTDOWN_FLAG_REBOOT | HV_SHUTDOWN_FLAG_FORCE:
		a = SD_REBOOT;
		flags = HV_SHUTDOWN_F_REBOOT;
		break;
	case HV_SHUTDOWN_FLAG_HIBERNATE:
	case HV_SHUTDOWN_FLAG_HIBERNATE | HV_SHUTDOWN_FLAG_FORCE:
		a = SD_HIBERNATE;
		flags = HV_SHUTDOWN_F_HIBERNATE;
		break;
	default:
		dev_warn(&ud->hdev->dev, "unknown shutdown flags %#x\n",
			 req->flags);
		*status = HV_IC_E_FAIL;
		return 0;
	}
	if (req->flags & HV_SHUTDOWN_FLAG_FORCE)
		flags |= HV_SHUTDOWN_F_FORCE;
	/* Refused before any daemon hears of it. */
	if (a == SD_HIBERNATE && !sd_can_hibernate()) {
		*status = sd_kernel_request(sd, a);
		return 0;
	}

	mutex_lock(&sd->lock);
	if (sd->registered) {
		sd_fill(&msg, HV_SHUTDOWN_OP_REQUEST, sd->version);
		msg.seq = cpu_to_le32(++sd->seq);
		msg.flags = cpu_to_le32(flags);
		msg.timeout_s = cpu_to_le32(req->timeout_seconds);
		if (!hvu_transport_send(sd->t, &msg, sizeof(msg))) {
			sd->pending = true;
			sd->answered = false;
			sd->action = a;
			mod_delayed_work(system_wq, &sd->timeout,
					 SD_DAEMON_TIMEOUT_S * HZ);
			mod_delayed_work(system_wq, &sd->answer,
					 SD_ANSWER_S * HZ);
			mutex_unlock(&sd->lock);
			return HVU_DEFER;
		}
		dev_warn(&ud->hdev->dev, "shutdown daemon unreachable; acting in the kernel\n");
	}
	mutex_unlock(&sd->lock);
	*status = sd_kernel_request(sd, a);
	return 0;
}

/* The daemon did not finish the request: the kernel does it. Locked. */
static void sd_fallback(struct sd_state *sd, const char *why)
{
	u32 status;

	dev_warn(&sd->ud->hdev->dev, "shutdown daemon %s; acting in the kernel\n",
		 why);
	sd->pending = false;
	cancel_delayed_work(&sd->answer);
	status = sd_kernel_request(sd, sd->action);
	if (!sd->answered)
		hvu_reply(sd->ud, status);
}

/* The daemon is slow: tell the host yes now; the shutdown will happen. */
static void sd_answer(struct work_struct *work)
{
	struct sd_state *sd = container_of(to_delayed_work(work),
					   struct sd_state, answer);

	mutex_lock(&sd->lock);
	if (sd->pending && !sd->answered) {
		dev_info(&sd->ud->hdev->dev, "shutdown daemon still busy after %u s: the host is answered now\n",
			 SD_ANSWER_S);
		sd->answered = true;
		hvu_reply(sd->ud, HV_IC_S_OK);
	}
	mutex_unlock(&sd->lock);
}

static void sd_timeout(struct work_struct *work)
{
	struct sd_state *sd = container_of(to_delayed_work(work),
					   struct sd_state, timeout);

	mutex_lock(&sd->lock);
	if (sd->pending)
		sd_fallback(sd, "did not answer");
	mutex_unlock(&sd->lock);
}

static int sd_on_register(struct sd_state *sd, const struct hv_shutdown_msg *in)
{
	u16 hi = le16_to_cpu(in->version), lo = le16_to_cpu(in->min_version);
	struct hv_shutdown_msg ack;
	int ret;

	if (lo > hi)
		return -EINVAL;
	if (lo > HV_SHUTDOWN_VERSION_CURRENT || hi < HV_SHUTDOWN_VERSION_1) {
		sd_fill(&ack, HV_SHUTDOWN_OP_REGISTER_ACK, 0);
		ack.status = cpu_to_le32(HV_SHUTDOWN_S_VERSION);
		hvu_transport_send(sd->t, &ack, sizeof(ack));
		return 0;
	}
	sd->version = min_t(u16, hi, HV_SHUTDOWN_VERSION_CURRENT);
	sd_fill(&ack, HV_SHUTDOWN_OP_REGISTER_ACK, sd->version);
	ack.status = cpu_to_le32(HV_SHUTDOWN_S_OK);
	ret = hvu_transport_send(sd->t, &ack, sizeof(ack));
	if (ret)
		return ret;
	sd->registered = true;
	dev_info(&sd->ud->hdev->dev, "shutdown daemon registered (protocol %u)\n",
		 sd->version);
	return 0;
}

static int sd_on_reply(struct sd_state *sd, const struct hv_shutdown_msg *in)
{
	u32 st = le32_to_cpu(in->status);

	if (!sd->registered || !sd->pending ||
	    le32_to_cpu(in->seq) != sd->seq)
		return -EINVAL;
	if (st != HV_SHUTDOWN_S_OK)
		dev_warn(&sd->ud->hdev->dev, "shutdown daemon refused the request (status %u)\n",
			 st);
	if (sd->answered && st != HV_SHUTDOWN_S_OK) {
		/* The host was promised it: keep the promise. */
		cancel_delayed_work(&sd->timeout);
		sd_fallback(sd, "failed after the host was answered");
		return 0;
	}
	sd->pending = false;
	cancel_delayed_work(&sd->timeout);
	cancel_delayed_work(&sd->answer);
	if (!sd->answered)
		hvu_reply(sd->ud, st == HV_SHUTDOWN_S_OK ? HV_IC_S_OK :
			  HV_IC_E_FAIL);
	return 0;
}

static int sd_on_write(void *ctx, const void *buf, size_t len)
{
	const struct hv_shutdown_msg *in = buf;
	struct sd_state *sd = ctx;
	int ret = -EINVAL;

	if (len != sizeof(*in) || le32_to_cpu(in->magic) != HV_SHUTDOWN_MAGIC)
		return -EINVAL;
	mutex_lock(&sd->lock);
	switch (le16_to_cpu(in->op)) {
	case HV_SHUTDOWN_OP_REGISTER:
		if (!sd->registered)
			ret = sd_on_register(sd, in);
		break;
	case HV_SHUTDOWN_OP_REPLY:
		ret = sd_on_reply(sd, in);
		break;
	}
	mutex_unlock(&sd->lock);
	return ret;
}

static void sd_on_release(void *ctx)
{
	struct sd_state *sd = ctx;

	mutex_lock(&sd->lock);
	sd->registered = false;
	if (sd->pending) {
		cancel_delayed_work(&sd->timeout);
		sd_fallback(sd, "closed the device");
	}
	mutex_unlock(&sd->lock);
}

static const struct hvu_transport_ops sd_ops = {
	.on_write = sd_on_write,
	.on_release = sd_on_release,
};

static int sd_probe(struct hvu_dev *ud)
{
	struct sd_state *sd = kzalloc(sizeof(*sd), GFP_KERNEL);

	if (!sd)
		return -ENOMEM;
	sd->ud = ud;
	mutex_init(&sd->lock);
	INIT_DELAYED_WORK(&sd->timeout, sd_timeout);
	INIT_DELAYED_WORK(&sd->answer, sd_answer);
	INIT_WORK(&sd->act, sd_kernel_act);
	ud->priv = sd;
	return 0;
}

/* The channel is open: now a daemon may come. */
static int sd_start(struct hvu_dev *ud)
{
	struct sd_state *sd = ud->priv;
	struct hvu_transport *t;

	t = hvu_transport_create(&ud->hdev->dev, "hv_shutdown", &sd_ops, sd);
	if (IS_ERR(t))
		return PTR_ERR(t);
	sd->t = t;
	return 0;
}

static void sd_remove(struct hvu_dev *ud)
{
	struct sd_state *sd = ud->priv;

	hvu_transport_destroy(sd->t);
	cancel_delayed_work_sync(&sd->timeout);
	cancel_delayed_work_sync(&sd->answer);
	/* An action already started (power off ...) is not taken back. */
	flush_work(&sd->act);
	kfree(sd);
}

const struct hvu_service hvu_shutdown = {
	.name = "shutdown",
	.class_id = HV_CLASS_SHUTDOWN,
	.msgtype = HV_ICMSG_SHUTDOWN,
	.fw_versions = sd_fw,
	.fw_count = ARRAY_SIZE(sd_fw),
	.srv_versions = sd_srv,
	.srv_count = ARRAY_SIZE(sd_srv),
	.probe = sd_probe,
	.start = sd_start,
	.remove = sd_remove,
	.handle = sd_handle,
};
