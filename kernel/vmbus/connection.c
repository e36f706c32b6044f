// SPDX-License-Identifier: GPL-2.0
/*
 * The VMBus connection: message transport over the platform, the
 * INITIATE_CONTACT negotiation, REQUESTOFFERS and UNLOAD.
 *
 * Messages from the host arrive in interrupt context. Each is copied out of
 * the platform's buffer first (the host may still change it), checked for
 * a plausible size for its type, and then either handed to the thread
 * waiting for that response (responses never sleep) or queued, in arrival
 * order, for the offer/rescind worker.
 *
 * Sequence and rules: drivers/hv/connection.c (vmbus_connect,
 * vmbus_negotiate_version) and drivers/hv/channel_mgmt.c
 * (vmbus_request_offers, vmbus_initiate_unload).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/delay.h>
#include <hv/monitor.h>
#include <hv/version.h>
#include <asm/sync_bitops.h>
#include "vmbus.h"

struct hvg_conn hvg_conn = {
	.waiters_lock = __SPIN_LOCK_UNLOCKED(hvg_conn.waiters_lock),
	.waiters = LIST_HEAD_INIT(hvg_conn.waiters),
	.channels_lock = __MUTEX_INITIALIZER(hvg_conn.channels_lock),
	.channels = LIST_HEAD_INIT(hvg_conn.channels),
};

/* Seconds to wait for the host's answer before declaring it gone. */
#define HVG_RESPONSE_TIMEOUT	(10 * HZ)

struct hvg_queued_msg {
	struct work_struct work;
	u32 len;
	u8 msg[HV_MSG_PAYLOAD_MAX];
};

/* The smallest valid size of each message type the host may send. */
static const u16 hvg_min_size[HV_CHMSG_COUNT] = {
	[HV_CHMSG_OFFERCHANNEL] = sizeof(struct hv_chmsg_offer),
	[HV_CHMSG_RESCIND_CHANNELOFFER] = sizeof(struct hv_chmsg_rescind),
	[HV_CHMSG_ALLOFFERS_DELIVERED] = sizeof(struct hv_chmsg_header),
	[HV_CHMSG_OPENCHANNEL_RESULT] = sizeof(struct hv_chmsg_open_result),
	[HV_CHMSG_GPADL_CREATED] = sizeof(struct hv_chmsg_gpadl_created),
	[HV_CHMSG_GPADL_TORNDOWN] = sizeof(struct hv_chmsg_gpadl_torndown),
	[HV_CHMSG_VERSION_RESPONSE] = sizeof(struct hv_chmsg_version_response),
	[HV_CHMSG_UNLOAD_RESPONSE] = sizeof(struct hv_chmsg_header),
	[HV_CHMSG_MODIFYCHANNEL_RESPONSE] =
		sizeof(struct hv_chmsg_modifychannel_response),
};

/*
 * HvPostMessage with upstream's back-off while the host's buffers are
 * full (vmbus_post_msg()): up to 100 tries, waiting 1 us before the
 * second and twice as long before each next one up to 2^21 us (~2 s),
 * so about three minutes in all; sleeping where the caller can, waiting
 * in place where it cannot (panic).
 */
#define HVG_POST_TRIES		100
#define HVG_POST_DOUBLINGS	21

static int hvg_post_retry(const void *msg, u32 len, bool can_sleep)
{
	struct hvg_platform *p = hvg_conn.platform;
	unsigned long us = 1;
	int ret = -ENOBUFS, tries;

	if (!p)
		return -ENODEV;
	if (len > HV_MSG_PAYLOAD_MAX)
		return -EMSGSIZE;
	for (tries = 0; tries < HVG_POST_TRIES; tries++) {
		ret = p->post_message(p, hvg_conn.msg_conn_id, msg, len);
		if (ret != -ENOBUFS)
			return ret;
		if (can_sleep && us >= USEC_PER_MSEC)
			msleep(us / USEC_PER_MSEC);
		else if (can_sleep)
			usleep_range(us, 2 * us);
		else if (us < USEC_PER_MSEC)
			udelay(us);
		else
			mdelay(us / USEC_PER_MSEC);
		if (tries < HVG_POST_DOUBLINGS)
			us *= 2;
	}
	pr_err("the host's message buffers stayed full: message %u not posted\n",
	       ((const struct hv_chmsg_header *)msg)->msgtype);
	return ret;
}

/* From a context that may sleep: every caller but the panic path. */
int hvg_post(const void *msg, u32 len)
{
	might_sleep();
	return hvg_post_retry(msg, len, true);
}

void hvg_waiter_init(struct hvg_waiter *w, u32 msgtype, u32 key, u32 relid)
{
	memset(w, 0, sizeof(*w));
	w->msgtype = msgtype;
	w->key = key;
	w->relid = relid;
	init_completion(&w->done);
}

/*
 * Post @msg and wait for the response @w describes. The waiter is queued
 * before posting, so an answer that comes back at once is not missed.
 */
int hvg_post_and_wait(const void *msg, u32 len, struct hvg_waiter *w,
		      unsigned long timeout)
{
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&hvg_conn.waiters_lock, flags);
	list_add_tail(&w->node, &hvg_conn.waiters);
	spin_unlock_irqrestore(&hvg_conn.waiters_lock, flags);

	ret = hvg_post(msg, len);
	if (!ret && !wait_for_completion_timeout(&w->done, timeout))
		ret = -ETIMEDOUT;

	spin_lock_irqsave(&hvg_conn.waiters_lock, flags);
	list_del(&w->node);
	spin_unlock_irqrestore(&hvg_conn.waiters_lock, flags);
	if (!ret && w->cancelled)
		ret = -ENODEV;
	return ret;
}

/* The channel was rescinded: nobody will answer its pending requests. */
void hvg_cancel_waiters(u32 relid)
{
	struct hvg_waiter *w;
	unsigned long flags;

	spin_lock_irqsave(&hvg_conn.waiters_lock, flags);
	list_for_each_entry(w, &hvg_conn.waiters, node) {
		if (w->relid == relid && !completion_done(&w->done)) {
			w->cancelled = true;
			complete(&w->done);
		}
	}
	spin_unlock_irqrestore(&hvg_conn.waiters_lock, flags);
}

/* The field a response is matched on: its relid or its GPADL handle. */
static u32 hvg_response_key(u32 type, const u8 *msg)
{
	switch (type) {
	case HV_CHMSG_OPENCHANNEL_RESULT:
		return ((const struct hv_chmsg_open_result *)msg)->child_relid;
	case HV_CHMSG_GPADL_CREATED:
		return ((const struct hv_chmsg_gpadl_created *)msg)->gpadl;
	case HV_CHMSG_GPADL_TORNDOWN:
		return ((const struct hv_chmsg_gpadl_torndown *)msg)->gpadl;
	case HV_CHMSG_MODIFYCHANNEL_RESPONSE:
		return ((const struct hv_chmsg_modifychannel_response *)msg)->child_relid;
	default:
		return 0;
	}
}

static bool hvg_deliver_response(u32 type, const u8 *msg, u32 len)
{
	u32 key = hvg_response_key(type, msg);
	struct hvg_waiter *w;
	bool found = false;
	unsigned long flags;

	spin_lock_irqsave(&hvg_conn.waiters_lock, flags);
	list_for_each_entry(w, &hvg_conn.waiters, node) {
		if (w->msgtype != type || completion_done(&w->done))
			continue;
		if (!w->any_key && w->key != key)
			continue;
		memcpy(w->msg, msg, len);
		w->len = len;
		complete(&w->done);
		found = true;
		break;
	}
	spin_unlock_irqrestore(&hvg_conn.waiters_lock, flags);
	return found;
}

static void hvg_msg_work(struct work_struct *work)
{
	struct hvg_queued_msg *qm = container_of(work, struct hvg_queued_msg, work);
	const struct hv_chmsg_header *hdr = (const void *)qm->msg;

	switch (hdr->msgtype) {
	case HV_CHMSG_OFFERCHANNEL:
		hvg_handle_offer((const void *)qm->msg);
		break;
	case HV_CHMSG_RESCIND_CHANNELOFFER:
		hvg_handle_rescind(((const struct hv_chmsg_rescind *)qm->msg)->child_relid);
		break;
	case HV_CHMSG_ALLOFFERS_DELIVERED:
		complete(&hvg_conn.all_offers);
		break;
	}
	kfree(qm);
}

/**
 * hvg_vmbus_on_message() - a message from the host arrived
 * @msg: the platform's copy of the payload (may still be shared memory)
 * @len: payload bytes as the platform received them
 *
 * Called by the platform in interrupt context.
 */
void hvg_vmbus_on_message(const void *msg, u32 len)
{
	u8 copy[HV_MSG_PAYLOAD_MAX];
	struct hvg_queued_msg *qm;
	u32 type;

	if (len < sizeof(struct hv_chmsg_header) || len > HV_MSG_PAYLOAD_MAX) {
		pr_err_ratelimited("dropped a host message of %u bytes\n", len);
		return;
	}
	memcpy(copy, msg, len);
	type = ((struct hv_chmsg_header *)copy)->msgtype;
	if (type >= HV_CHMSG_COUNT || !hvg_min_size[type]) {
		pr_err_ratelimited("dropped a host message of unknown type %u\n",
				   type);
		return;
	}
	if (len < hvg_min_size[type]) {
		pr_err_ratelimited("dropped a short host message: type %u, %u bytes\n",
				   type, len);
		return;
	}

	switch (type) {
	case HV_CHMSG_OFFERCHANNEL:
	case HV_CHMSG_RESCIND_CHANNELOFFER:
	case HV_CHMSG_ALLOFFERS_DELIVERED:
		if (!hvg_conn.msg_wq || READ_ONCE(hvg_conn.tearing_down))
			return;
		qm = kmalloc(sizeof(*qm), GFP_ATOMIC);
		if (!qm) {
			pr_err_ratelimited("out of memory: dropped host message %u\n",
					   type);
			return;
		}
		memcpy(qm->msg, copy, len);
		qm->len = len;
		INIT_WORK(&qm->work, hvg_msg_work);
		queue_work(hvg_conn.msg_wq, &qm->work);
		return;
	default:
		if (!hvg_deliver_response(type, copy, len))
			pr_err_ratelimited("dropped an unexpected host response of type %u\n",
					   type);
	}
}
EXPORT_SYMBOL_GPL(hvg_vmbus_on_message);

/*
 * Signal the host that @ch has something for it. A channel offered with a
 * monitor id is signalled through the monitor page, a bit set that the
 * host collects on its next scan, unless its driver asked for low latency;
 * the others by HvSignalEvent (drivers/hv/channel.c, vmbus_setevent()).
 */
void hvg_signal_host(struct hvg_channel *ch)
{
	struct hvg_platform *p = hvg_conn.platform;
	struct hv_monitor_page *mp = hvg_conn.monitor_pages[1];
	u8 id = ch->offer.monitorid;

	atomic64_inc(&ch->events);
	/*
	 * Below 5.0 a channel without a dedicated interrupt also gets its bit
	 * in the interrupt page's second half (vmbus_send_interrupt()). From
	 * 5.0 the host never learns that page's address, so the atomic op is
	 * skipped there.
	 */
	if (hvg_conn.version < HV_VMBUS_VERSION_WIN10_V5 &&
	    !(ch->offer.dedicated_interrupt & 1) && hvg_conn.int_page)
		sync_set_bit(ch->relid,
			     (unsigned long *)(hvg_conn.int_page + PAGE_SIZE / 2));
	if (hvg_channel_monitored(ch) && !READ_ONCE(ch->low_latency) && mp) {
		/* The group's pending and armed words: 8 aligned bytes. */
		sync_set_bit(hv_monitor_bit(id),
			     (unsigned long *)&mp->trigger_group[hv_monitor_group(id)]);
		return;
	}
	if (p)
		p->signal_event(p, ch->conn_id);
}

static void hvg_free_conn_pages(void)
{
	free_page((unsigned long)hvg_conn.monitor_pages[0]);
	free_page((unsigned long)hvg_conn.monitor_pages[1]);
	free_page((unsigned long)hvg_conn.int_page);
	hvg_conn.monitor_pages[0] = NULL;
	hvg_conn.monitor_pages[1] = NULL;
	hvg_conn.int_page = NULL;
}

static int hvg_try_version(u32 version)
{
	struct hv_chmsg_initiate_contact msg = {};
	struct hv_chmsg_version_response *resp;
	struct hvg_platform *p = hvg_conn.platform;
	struct hvg_waiter *w;
	int ret;

	w = kmalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	hvg_waiter_init(w, HV_CHMSG_VERSION_RESPONSE, 0, U32_MAX);
	w->any_key = true;

	msg.header.msgtype = HV_CHMSG_INITIATE_CONTACT;
	msg.vmbus_version_requested = version;
	msg.target_vcpu = p->vp_index(p, HVG_CONNECT_CPU);
	/* The SINT from 5.0 on, the interrupt page before. */
	if (version >= HV_VMBUS_VERSION_WIN10_V5)
		msg.interrupt_page_or_sint = HV_VMBUS_MESSAGE_SINT;
	else
		msg.interrupt_page_or_sint = virt_to_phys(hvg_conn.int_page);
	msg.monitor_page1 = virt_to_phys(hvg_conn.monitor_pages[0]);
	msg.monitor_page2 = virt_to_phys(hvg_conn.monitor_pages[1]);

	/* INITIATE_CONTACT goes to id 4 from 5.0 on, to id 1 before. */
	hvg_conn.msg_conn_id = hvg_vmbus_message_conn_id(version);
	ret = hvg_post_and_wait(&msg, sizeof(msg), w, HVG_RESPONSE_TIMEOUT);
	if (ret) {
		kfree(w);
		/*
		 * A host older than 5.0 has no connection id 4: the post
		 * itself fails (HV_STATUS_INVALID_CONNECTION_ID). That says
		 * "not this version", as vmbus_post_msg() treats it.
		 */
		if (ret == -ENXIO && version >= HV_VMBUS_VERSION_WIN10_V5) {
			pr_debug("the host has no connection id 4: older than 5.0\n");
			return -EPROTONOSUPPORT;
		}
		return ret;
	}
	resp = (void *)w->msg;
	if (!resp->version_supported) {
		kfree(w);
		return -EPROTONOSUPPORT;
	}
	/* From 5.0 the host says where to post from now on. */
	if (version >= HV_VMBUS_VERSION_WIN10_V5)
		hvg_conn.msg_conn_id = resp->msg_conn_id;
	kfree(w);
	return 0;
}

int hvg_connect(u32 max_version)
{
	struct hv_chmsg_header req = { .msgtype = HV_CHMSG_REQUESTOFFERS };
	unsigned int i;
	u32 version;
	int ret = -EPROTONOSUPPORT;

	/* Zeroed: the host fills in only what it monitors. */
	hvg_conn.monitor_pages[0] = (void *)get_zeroed_page(GFP_KERNEL);
	hvg_conn.monitor_pages[1] = (void *)get_zeroed_page(GFP_KERNEL);
	hvg_conn.int_page = (void *)get_zeroed_page(GFP_KERNEL);
	if (!hvg_conn.monitor_pages[0] || !hvg_conn.monitor_pages[1] ||
	    !hvg_conn.int_page) {
		ret = -ENOMEM;
		goto fail;
	}

	for (i = 0; (version = hvg_vmbus_version_at(max_version, i)); i++) {
		ret = hvg_try_version(version);
		if (ret != -EPROTONOSUPPORT)
			break;
	}
	if (ret) {
		pr_err("no VMBus protocol version agreed with the host (%d)\n", ret);
		goto fail;
	}
	hvg_conn.version = version;
	hvg_conn.connected = true;
	pr_info("connected to the %s host, protocol %u.%u\n",
		hvg_conn.platform->name, HV_VMBUS_VERSION_MAJOR(version),
		HV_VMBUS_VERSION_MINOR(version));

	reinit_completion(&hvg_conn.all_offers);
	ret = hvg_post(&req, sizeof(req));
	if (ret)
		goto fail;
	if (!wait_for_completion_timeout(&hvg_conn.all_offers,
					 HVG_RESPONSE_TIMEOUT))
		pr_warn("the host did not say all offers were delivered\n");
	return 0;

fail:
	hvg_conn.connected = false;
	hvg_free_conn_pages();
	return ret;
}

u32 hvg_vmbus_version(void)
{
	return READ_ONCE(hvg_conn.connected) ? READ_ONCE(hvg_conn.version) : 0;
}
EXPORT_SYMBOL_GPL(hvg_vmbus_version);

/*
 * How long to wait for UNLOAD_RESPONSE. Upstream waits without limit on an
 * orderly unload and 100 s on a crash; Azure has been seen to take ~50 s.
 */
static unsigned int unload_timeout = 100;
module_param(unload_timeout, uint, 0644);
MODULE_PARM_DESC(unload_timeout,
		 "Seconds to wait for the host to answer UNLOAD (default 100)");

/*
 * Hosts before protocol 3.0 (Windows Server 2012) have no UNLOAD:
 * vmbus_initiate_unload() does not send it below VERSION_WIN8_1.
 */
static bool hvg_host_has_unload(void)
{
	return hvg_conn.version >= HV_VMBUS_VERSION_WIN8_1;
}

/*
 * Post UNLOAD and wait up to unload_timeout for UNLOAD_RESPONSE. Marks
 * the connection down whatever the outcome. Returns 0 if the host
 * answered (or has no UNLOAD), else the error.
 */
static int hvg_unload_wait(void)
{
	struct hv_chmsg_header msg = { .msgtype = HV_CHMSG_UNLOAD };
	struct hvg_waiter *w;
	int ret = -ENOMEM;

	if (!hvg_host_has_unload()) {
		hvg_conn.connected = false;
		return 0;
	}
	w = kmalloc(sizeof(*w), GFP_KERNEL);
	if (w) {
		hvg_waiter_init(w, HV_CHMSG_UNLOAD_RESPONSE, 0, U32_MAX);
		w->any_key = true;
		ret = hvg_post_and_wait(&msg, sizeof(msg), w,
					READ_ONCE(unload_timeout) * HZ);
		kfree(w);
	}
	hvg_conn.connected = false;
	return ret;
}

/*
 * Tell the host we are going away and wait until it has let go. Until it
 * answers, it may still write the monitor and interrupt pages: if it does
 * not answer in time, they are leaked rather than handed back to the
 * allocator.
 */
void hvg_disconnect(void)
{
	int ret;

	if (!hvg_conn.connected)
		return;
	ret = hvg_unload_wait();
	if (ret) {
		pr_warn("the host did not answer UNLOAD (%d): leaking the monitor and interrupt pages it may still write\n",
			ret);
		hvg_conn.monitor_pages[0] = NULL;
		hvg_conn.monitor_pages[1] = NULL;
		hvg_conn.int_page = NULL;
		return;
	}
	hvg_free_conn_pages();
}

/*
 * The machine is going down (reboot, power-off, kexec), after
 * device_shutdown(): the drivers have had their shutdown calls on a live
 * bus. Tell the host, wait for its answer, and keep every page: a kexec'd
 * kernel starts on memory the host no longer writes, and there is no one
 * left to reuse the pages before that.
 */
void hvg_shutdown_unload(void)
{
	int ret;

	if (!hvg_conn.connected)
		return;
	ret = hvg_unload_wait();
	if (ret)
		pr_warn("the host did not answer UNLOAD at shutdown (%d)\n", ret);
	else
		pr_info("the host let go of this guest (UNLOAD answered)\n");
}

/* Upstream's vmbus_wait_for_unload(): 100 s, polling every 10 ms. */
#define HVG_CRASH_UNLOAD_MS	(100 * 1000)

/*
 * Panic: nothing may sleep, other CPUs are stopped and no interrupt will
 * come. Post UNLOAD; where the platform can look for the answer without
 * interrupts, wait for it, so a kdump kernel finds a host that has let go
 * of this kernel's pages (upstream's vmbus_initiate_unload(true)).
 */
void hvg_unload_atomic(void)
{
	struct hv_chmsg_header msg = { .msgtype = HV_CHMSG_UNLOAD };
	struct hvg_platform *p = hvg_conn.platform;

	if (!hvg_conn.connected || !p)
		return;
	hvg_conn.connected = false;
	if (!hvg_host_has_unload())
		return;
	if (hvg_post_retry(&msg, sizeof(msg), false))
		return;
	if (!p->crash_unload_wait)
		return;
	if (p->crash_unload_wait(p, HVG_CRASH_UNLOAD_MS))
		pr_emerg("the host answered UNLOAD\n");
	else
		pr_emerg("continuing without the host's answer to UNLOAD\n");
}
