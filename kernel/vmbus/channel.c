// SPDX-License-Identifier: GPL-2.0
/*
 * Channels: offers and rescinds, GPADLs, open/close, sending and
 * receiving packets, host events, and retargeting a channel's CPU.
 *
 * Message sequences: drivers/hv/channel_mgmt.c (offers, sub-channels,
 * rescind, RELID_RELEASED) and drivers/hv/channel.c (GPADL header/body,
 * OPENCHANNEL, CLOSECHANNEL, GPADL_TEARDOWN, MODIFYCHANNEL).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/rcupdate.h>
#include <hv/classes.h>
#include <hv/version.h>
#include "vmbus.h"

int hvg_validate_offer(const struct hv_chmsg_offer *offer)
{
	if (offer->child_relid == 0 || offer->child_relid >= HV_MAX_RELIDS)
		return -EINVAL;
	if ((offer->monitor_allocated & 1) &&
	    offer->monitorid >= HV_MONITOR_IDS)
		return -EINVAL;
	if (guid_is_null(&offer->offer.if_type) ||
	    guid_is_null(&offer->offer.if_instance))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hvg_validate_offer);

static struct hvg_channel *hvg_find_relid(u32 relid)
{
	if (relid >= HV_MAX_RELIDS)
		return NULL;
	return rcu_dereference_protected(hvg_conn.by_relid[relid],
					 lockdep_is_held(&hvg_conn.channels_lock));
}

static void hvg_channel_tasklet(unsigned long data);
static void hvg_register_work(struct work_struct *work);
static void hvg_rescind_work(struct work_struct *work);
static void hvg_sub_rescind_work(struct work_struct *work);
static void hvg_sub_work(struct work_struct *work);

struct hvg_channel *hvg_channel_alloc(const struct hv_chmsg_offer *offer)
{
	struct hvg_channel *ch = kzalloc(sizeof(*ch), GFP_KERNEL);

	if (!ch)
		return NULL;
	ch->offer = *offer;
	ch->relid = offer->child_relid;
	ch->conn_id = offer->connection_id;
	ch->sub_index = offer->offer.sub_channel_index;
	INIT_LIST_HEAD(&ch->sub_channels);
	INIT_LIST_HEAD(&ch->sub_node);
	mutex_init(&ch->lock);
	mutex_init(&ch->sub_lock);
	spin_lock_init(&ch->out_lock);
	spin_lock_init(&ch->in_lock);
	tasklet_init(&ch->tasklet, hvg_channel_tasklet, (unsigned long)ch);
	INIT_WORK(&ch->register_work, hvg_register_work);
	/*
	 * Two call sites, two lockdep classes: a primary's rescind waits
	 * for its sub-channels' rescind works (hvg_primary_remove()).
	 */
	if (ch->sub_index)
		INIT_WORK(&ch->rescind_work, hvg_sub_rescind_work);
	else
		INIT_WORK(&ch->rescind_work, hvg_rescind_work);
	INIT_WORK(&ch->sub_work, hvg_sub_work);
	xa_init_flags(&ch->requests, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_IRQ);
	ch->state = HVG_CH_OFFERED;
	return ch;
}
EXPORT_SYMBOL_IF_KUNIT(hvg_channel_alloc);

/*
 * Drop hv_vmbus's hold on a channel. Once it has been in sysfs its memory
 * belongs to its kobject, which a sysfs reader (or a delayed release,
 * CONFIG_DEBUG_KOBJECT_RELEASE) may still hold: the last kobject_put()
 * frees it (bus.c, hvg_chan_kobj_release()).
 */
void hvg_channel_free(struct hvg_channel *ch)
{
	/* A driver that kept rings frees them in remove; in case not: */
	if (WARN_ON(ch->ring_kept && ch->ring_pages))
		__free_pages(ch->ring_pages, ch->ring_order);
	xa_destroy(&ch->requests);
	if (ch->kobj_inited)
		kobject_put(&ch->kobj);
	else
		kfree(ch);
}
EXPORT_SYMBOL_IF_KUNIT(hvg_channel_free);

/*
 * Which CPU the host interrupts for a new channel. Storage and network
 * (and our echo test device, which stands in for them) are spread over
 * the online CPUs by relid; every other channel, the integration
 * services among them, stays on the CPU that receives VMBus messages, as
 * upstream's init_vp_index() does for devices that are not
 * perf_device in channel_mgmt.c's vmbus_devs[]. Either can be moved
 * later through channels/<relid>/cpu. Called with cpus_read_lock() held.
 */
static bool hvg_perf_device(const guid_t *class)
{
	static const guid_t perf[] = {
		HV_CLASS_IDE, HV_CLASS_SCSI, HV_CLASS_FC, HV_CLASS_NIC,
		HV_CLASS_ND, HV_CLASS_ECHO,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(perf); i++)
		if (guid_equal(class, &perf[i]))
			return true;
	return false;
}

static unsigned int hvg_pick_cpu(const struct hvg_channel *ch)
{
	unsigned int n = num_online_cpus(), cpu, i = ch->relid % n;

	if (!hvg_perf_device(&ch->offer.offer.if_type))
		return HVG_CONNECT_CPU;
	for_each_online_cpu(cpu)
		if (i-- == 0)
			return cpu;
	return HVG_CONNECT_CPU;
}

/*
 * Is an earlier device of this instance, rescinded, still in sysfs? A
 * host may offer a device again with the instance it had (Hyper-V does
 * so when an integration service is switched off and on), and the new
 * one's name must wait for the old one to leave.
 */
static bool hvg_instance_taken(struct hvg_channel *ch)
{
	struct hvg_channel *iter;
	bool taken = false;

	mutex_lock(&hvg_conn.channels_lock);
	list_for_each_entry(iter, &hvg_conn.channels, node) {
		if (iter != ch && !iter->primary && iter->rescinded &&
		    !iter->dev_gone &&
		    guid_equal(&iter->offer.offer.if_instance,
			       &ch->offer.offer.if_instance)) {
			taken = true;
			break;
		}
	}
	mutex_unlock(&hvg_conn.channels_lock);
	return taken;
}

static void hvg_register_work(struct work_struct *work)
{
	struct hvg_channel *ch = container_of(work, struct hvg_channel,
					      register_work);
	unsigned long end;
	int ret, gen;

	if (READ_ONCE(ch->rescinded))
		return;
	end = jiffies + 60 * HZ;
	for (;;) {
		/* Read before looking: a removal after it wakes us. */
		gen = atomic_read(&hvg_conn.unreg_gen);
		if (!hvg_instance_taken(ch))
			break;
		if (time_after(jiffies, end)) {
			pr_warn("relid %u: device %pUl still held by its last offer\n",
				ch->relid, &ch->offer.offer.if_instance);
			break;
		}
		wait_event_timeout(hvg_conn.unreg_wq,
				   atomic_read(&hvg_conn.unreg_gen) != gen, HZ);
	}
	ret = hvg_device_add(ch);
	if (ret)
		pr_err("cannot add the device for relid %u: %d\n", ch->relid, ret);
	else
		ch->registered = true;
}

void hvg_handle_offer(const struct hv_chmsg_offer *offer)
{
	struct hvg_channel *ch, *primary = NULL, *iter;

	if (hvg_validate_offer(offer)) {
		pr_err_ratelimited("refused an invalid offer (relid %u)\n",
				   offer->child_relid);
		return;
	}

	/* The CPU picked stays online until the channel is listed. */
	cpus_read_lock();
	mutex_lock(&hvg_conn.channels_lock);
	if (hvg_find_relid(offer->child_relid)) {
		pr_err_ratelimited("refused a second offer for relid %u\n",
				   offer->child_relid);
		goto out;
	}
	/*
	 * A device is offered once: a primary offer for a type and instance
	 * we have (and the host has not rescinded) is refused, as
	 * vmbus_process_offer() refuses it.
	 */
	if (!offer->offer.sub_channel_index) {
		list_for_each_entry(iter, &hvg_conn.channels, node) {
			if (!iter->primary && !iter->rescinded &&
			    guid_equal(&iter->offer.offer.if_type,
				       &offer->offer.if_type) &&
			    guid_equal(&iter->offer.offer.if_instance,
				       &offer->offer.if_instance)) {
				pr_err_ratelimited("refused relid %u: a second offer of device %pUl (relid %u)\n",
						   offer->child_relid,
						   &offer->offer.if_instance,
						   iter->relid);
				goto out;
			}
		}
	}
	if (offer->offer.sub_channel_index) {
		list_for_each_entry(iter, &hvg_conn.channels, node) {
			if (!iter->primary &&
			    guid_equal(&iter->offer.offer.if_instance,
				       &offer->offer.if_instance)) {
				primary = iter;
				break;
			}
		}
		if (!primary || primary->rescinded) {
			pr_err_ratelimited("refused sub-channel %u: no primary\n",
					   offer->child_relid);
			goto out;
		}
	}
	ch = hvg_channel_alloc(offer);
	if (!ch)
		goto out;
	ch->target_cpu = hvg_pick_cpu(ch);
	list_add_tail(&ch->node, &hvg_conn.channels);
	rcu_assign_pointer(hvg_conn.by_relid[ch->relid], ch);
	if (primary) {
		ch->primary = primary;
		ch->device = primary->device;
		list_add_tail(&ch->sub_node, &primary->sub_channels);
		if (primary->registered)
			hvg_channel_sysfs_add(ch);
		queue_work(hvg_conn.dev_wq, &ch->sub_work);
	} else {
		queue_work(hvg_conn.dev_wq, &ch->register_work);
	}
out:
	mutex_unlock(&hvg_conn.channels_lock);
	cpus_read_unlock();
}

/* Forget a channel; after a rescind, let the host reuse its relid. */
static void hvg_channel_release(struct hvg_channel *ch, bool tell_host)
{
	struct hv_chmsg_relid_released msg = {
		.header.msgtype = HV_CHMSG_RELID_RELEASED,
		.child_relid = ch->relid,
	};

	mutex_lock(&hvg_conn.channels_lock);
	list_del(&ch->sub_node);
	if (ch->released) {
		/* hvg_sub_release() did the rest. */
		mutex_unlock(&hvg_conn.channels_lock);
		return;
	}
	list_del(&ch->node);
	RCU_INIT_POINTER(hvg_conn.by_relid[ch->relid], NULL);
	mutex_unlock(&hvg_conn.channels_lock);
	synchronize_rcu();
	tasklet_kill(&ch->tasklet);
	if (tell_host)
		hvg_post(&msg, sizeof(msg));
}

/*
 * A rescinded sub-channel gives its relid back to the host as soon as it
 * is not open: at once if it was not, else when its driver closes it
 * (drivers/hv/channel_mgmt.c, vmbus_onoffer_rescind(), and channel.c,
 * vmbus_close_internal()). Its memory stays on the primary's list until
 * the primary goes, since the driver may still hold the pointer; it is
 * no longer in sysfs, in the relid table or in channel_vp_mapping.
 */
static void hvg_sub_release(struct hvg_channel *sc)
{
	struct hv_chmsg_relid_released msg = {
		.header.msgtype = HV_CHMSG_RELID_RELEASED,
		.child_relid = sc->relid,
	};

	mutex_lock(&hvg_conn.channels_lock);
	if (sc->released) {
		mutex_unlock(&hvg_conn.channels_lock);
		return;
	}
	sc->released = true;
	list_del_init(&sc->node);
	RCU_INIT_POINTER(hvg_conn.by_relid[sc->relid], NULL);
	hvg_channel_sysfs_del(sc);
	mutex_unlock(&hvg_conn.channels_lock);
	synchronize_rcu();
	tasklet_kill(&sc->tasklet);
	pr_info("relid %u: rescinded sub-channel released\n", sc->relid);
	hvg_post(&msg, sizeof(msg));
}

static void hvg_sub_rescinded(struct hvg_channel *sc)
{
	bool open;

	/* The driver's handler does not run for it after this. */
	cancel_work_sync(&sc->sub_work);
	/* An open attempt from now on fails: the channel is rescinded. */
	mutex_lock(&sc->lock);
	open = sc->state == HVG_CH_OPEN;
	mutex_unlock(&sc->lock);
	if (!open)
		hvg_sub_release(sc);
}

static void hvg_sub_work(struct work_struct *work)
{
	struct hvg_channel *sc = container_of(work, struct hvg_channel, sub_work);
	struct hvg_channel *primary = sc->primary;
	hvg_subchannel_cb cb;

	/* The primary's driver is bound (or not) once registration is done. */
	flush_work(&primary->register_work);
	/* sub_lock, not lock: the handler may open (lock) the sub-channel. */
	mutex_lock(&primary->sub_lock);
	cb = primary->sub_cb;
	if (cb && !READ_ONCE(sc->rescinded) &&
	    READ_ONCE(primary->state) == HVG_CH_OPEN)
		cb(primary, sc);
	mutex_unlock(&primary->sub_lock);
}

/* Setting NULL waits for a handler call in progress to finish. */
void hvg_channel_set_subchannel_cb(struct hvg_channel *primary,
				   hvg_subchannel_cb cb)
{
	mutex_lock(&primary->sub_lock);
	primary->sub_cb = cb;
	mutex_unlock(&primary->sub_lock);
}
EXPORT_SYMBOL_GPL(hvg_channel_set_subchannel_cb);

u16 hvg_channel_sub_index(const struct hvg_channel *ch)
{
	return ch->sub_index;
}
EXPORT_SYMBOL_GPL(hvg_channel_sub_index);

/*
 * Remove a primary channel, its device and its sub-channels. The device's
 * removal runs the driver's remove, which closes the channels; the final
 * put_device() frees the primary channel with the device (bus.c).
 */
static void hvg_primary_remove(struct hvg_channel *ch, bool tell_host)
{
	struct hvg_channel *sc, *tmp;

	flush_work(&ch->register_work);
	if (ch->registered)
		hvg_device_del(ch);
	mutex_lock(&hvg_conn.channels_lock);
	ch->dev_gone = true;
	mutex_unlock(&hvg_conn.channels_lock);
	atomic_inc(&hvg_conn.unreg_gen);
	wake_up_all(&hvg_conn.unreg_wq);
	list_for_each_entry_safe(sc, tmp, &ch->sub_channels, sub_node) {
		bool orphan;

		cancel_work_sync(&sc->sub_work);
		hvg_channel_close(sc);
		hvg_channel_sysfs_del(sc);
		/*
		 * The host rescinded the primary before this sub-channel: the
		 * relid is still the host's, and its own rescind will come.
		 * Until then it stays in the relid table, off the primary's
		 * list; that rescind releases and frees it. Releasing it now
		 * would hand back a relid the host still uses, and drop its
		 * later rescind as unknown.
		 */
		mutex_lock(&hvg_conn.channels_lock);
		orphan = tell_host && !sc->rescinded;
		if (orphan) {
			sc->orphan = true;
			list_del_init(&sc->sub_node);
		}
		mutex_unlock(&hvg_conn.channels_lock);
		if (orphan) {
			pr_info("relid %u: sub-channel waits for its own rescind\n",
				sc->relid);
			continue;
		}
		cancel_work_sync(&sc->rescind_work);
		hvg_channel_release(sc, tell_host);
		hvg_channel_free(sc);
	}
	hvg_channel_close(ch);
	hvg_channel_release(ch, tell_host);
	if (ch->registered)
		put_device(&ch->device->dev);
	else
		hvg_channel_free(ch);
}

static void hvg_rescind_work(struct work_struct *work)
{
	struct hvg_channel *ch = container_of(work, struct hvg_channel,
					      rescind_work);

	hvg_primary_remove(ch, true);
}

static void hvg_sub_rescind_work(struct work_struct *work)
{
	struct hvg_channel *sc = container_of(work, struct hvg_channel,
					      rescind_work);

	hvg_sub_rescinded(sc);
	/* Its primary is gone: nobody else holds it (hvg_primary_remove()). */
	if (sc->orphan)
		hvg_channel_free(sc);
}

void hvg_handle_rescind(u32 relid)
{
	struct hvg_channel *ch;

	mutex_lock(&hvg_conn.channels_lock);
	ch = hvg_find_relid(relid);
	if (!ch || ch->rescinded) {
		mutex_unlock(&hvg_conn.channels_lock);
		pr_err_ratelimited("rescind of unknown relid %u ignored\n", relid);
		return;
	}
	WRITE_ONCE(ch->rescinded, true);
	mutex_unlock(&hvg_conn.channels_lock);
	pr_info("relid %u rescinded\n", relid);
	/* Wake anyone waiting for this channel's answers: none will come. */
	hvg_cancel_waiters(relid);
	/*
	 * A primary goes with its device; a sub-channel is released once it
	 * is closed (hvg_sub_rescinded()).
	 */
	queue_work(hvg_conn.dev_wq, &ch->rescind_work);
}

/*
 * Disconnect: remove every channel the host has not rescinded. Offers and
 * rescinds still in flight are finished first; the caller has stopped new
 * ones from being queued. No RELID_RELEASED: UNLOAD releases them all.
 */
void hvg_remove_all_channels(void)
{
	struct hvg_channel *ch;

	flush_workqueue(hvg_conn.msg_wq);
	flush_workqueue(hvg_conn.dev_wq);
	for (;;) {
		mutex_lock(&hvg_conn.channels_lock);
		ch = list_first_entry_or_null(&hvg_conn.channels,
					      struct hvg_channel, node);
		/* Sub-channels follow their primary in the list. */
		while (ch && ch->primary && !ch->orphan)
			ch = ch->primary;
		mutex_unlock(&hvg_conn.channels_lock);
		if (!ch)
			break;
		if (ch->orphan) {
			/* UNLOAD gives its relid back with the rest. */
			hvg_channel_release(ch, false);
			hvg_channel_free(ch);
			continue;
		}
		hvg_primary_remove(ch, false);
	}
}

/* ---- GPADL ---- */

/*
 * Build the GPADL_HEADER and GPADL_BODY messages describing @npfns pages,
 * into @msgs (@maxmsgs slots of HV_MSG_PAYLOAD_MAX bytes). Returns the
 * number of messages.
 */
int hvg_gpadl_build(u32 gpadl, u32 relid, const u64 *pfns, u32 npfns,
		    u8 *msgs, u32 *lens, u32 maxmsgs)
{
	struct hv_chmsg_gpadl_header *hdr;
	struct hv_chmsg_gpadl_body *body;
	struct hv_gpa_range *range;
	u32 n, done, nmsg = 0;

	if (!npfns || (u64)npfns * PAGE_SIZE > U32_MAX || !maxmsgs)
		return -EINVAL;

	n = min_t(u32, npfns, HV_GPADL_HEADER_PFNS);
	hdr = (void *)msgs;
	memset(hdr, 0, HV_MSG_PAYLOAD_MAX);
	hdr->header.msgtype = HV_CHMSG_GPADL_HEADER;
	hdr->child_relid = relid;
	hdr->gpadl = gpadl;
	hdr->rangecount = 1;
	hdr->range_buflen = sizeof(struct hv_gpa_range) + npfns * sizeof(u64);
	range = (void *)hdr->range;
	range->byte_count = npfns * PAGE_SIZE;
	range->byte_offset = 0;
	memcpy(range->pfn_array, pfns, n * sizeof(u64));
	lens[nmsg++] = sizeof(*hdr) + sizeof(struct hv_gpa_range) +
		       n * sizeof(u64);

	for (done = n; done < npfns; done += n) {
		if (nmsg >= maxmsgs)
			return -E2BIG;
		n = min_t(u32, npfns - done, HV_GPADL_BODY_PFNS);
		body = (void *)(msgs + nmsg * HV_MSG_PAYLOAD_MAX);
		memset(body, 0, HV_MSG_PAYLOAD_MAX);
		body->header.msgtype = HV_CHMSG_GPADL_BODY;
		body->msgnumber = nmsg;
		body->gpadl = gpadl;
		memcpy(body->pfn, pfns + done, n * sizeof(u64));
		lens[nmsg++] = sizeof(*body) + n * sizeof(u64);
	}
	return nmsg;
}
EXPORT_SYMBOL_IF_KUNIT(hvg_gpadl_build);

static int hvg_gpadl_create(struct hvg_channel *ch, struct page *pages,
			    u32 npages, u32 *gpadl_out)
{
	struct hv_chmsg_gpadl_created *created;
	u8 *msgs;
	struct hvg_waiter *w;
	u32 *lens, gpadl, i, maxmsgs;
	u64 *pfns;
	int nmsg, ret;

	maxmsgs = 2 + npages / HV_GPADL_BODY_PFNS;
	pfns = kcalloc(npages, sizeof(*pfns), GFP_KERNEL);
	msgs = kcalloc(maxmsgs, HV_MSG_PAYLOAD_MAX, GFP_KERNEL);
	lens = kcalloc(maxmsgs, sizeof(*lens), GFP_KERNEL);
	w = kmalloc(sizeof(*w), GFP_KERNEL);
	if (!pfns || !msgs || !lens || !w) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < npages; i++)
		pfns[i] = page_to_pfn(pages + i);
	gpadl = atomic_inc_return(&hvg_conn.next_gpadl);
	nmsg = hvg_gpadl_build(gpadl, ch->relid, pfns, npages, msgs, lens,
			       maxmsgs);
	if (nmsg < 0) {
		ret = nmsg;
		goto out;
	}
	hvg_waiter_init(w, HV_CHMSG_GPADL_CREATED, gpadl, ch->relid);
	/* The header and all but the last body go first; wait on the last. */
	for (i = 0; i + 1 < nmsg; i++) {
		ret = hvg_post(msgs + i * HV_MSG_PAYLOAD_MAX, lens[i]);
		if (ret)
			goto out;
	}
	ret = hvg_post_and_wait(msgs + (nmsg - 1) * HV_MSG_PAYLOAD_MAX,
				lens[nmsg - 1], w,
				10 * HZ);
	if (ret)
		goto out;
	created = (void *)w->msg;
	if (created->creation_status) {
		pr_err("host refused GPADL %u for relid %u: status %#x\n",
		       gpadl, ch->relid, created->creation_status);
		ret = -EIO;
		goto out;
	}
	*gpadl_out = gpadl;
out:
	kfree(w);
	kfree(lens);
	kfree(msgs);
	kfree(pfns);
	return ret;
}

static int hvg_gpadl_teardown(struct hvg_channel *ch, u32 gpadl)
{
	struct hv_chmsg_gpadl_teardown msg = {
		.header.msgtype = HV_CHMSG_GPADL_TEARDOWN,
		.child_relid = ch->relid,
		.gpadl = gpadl,
	};
	struct hvg_waiter *w;
	int ret;

	w = kmalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	hvg_waiter_init(w, HV_CHMSG_GPADL_TORNDOWN, gpadl, ch->relid);
	ret = hvg_post_and_wait(&msg, sizeof(msg), w, 10 * HZ);
	kfree(w);
	return ret;
}

/* ---- open and close ---- */

/* Kept rings (hvg_channel_alloc_ring()) stay for the next open. */
static void hvg_rings_free(struct hvg_channel *ch)
{
	hvg_ring_unmap(&ch->out);
	hvg_ring_unmap(&ch->in);
	if (ch->ring_kept)
		return;
	if (ch->ring_pages)
		__free_pages(ch->ring_pages, ch->ring_order);
	ch->ring_pages = NULL;
}

/*
 * The host did not confirm that it let go of the rings' GPADL: it may
 * still read and write those pages, so they never go back to the
 * allocator (upstream's rule: leak rather than free under the host).
 */
static void hvg_rings_leak(struct hvg_channel *ch)
{
	hvg_ring_unmap(&ch->out);
	hvg_ring_unmap(&ch->in);
	if (ch->ring_pages)
		pr_warn("relid %u: leaking %lu KiB of ring memory the host did not release\n",
			ch->relid, (PAGE_SIZE << ch->ring_order) >> 10);
	ch->ring_pages = NULL;
}

/*
 * The host did not answer OPENCHANNEL in time, but may still open the
 * channel and start using its rings. It takes our messages in order, so a
 * CLOSECHANNEL now closes what a late open opened before the GPADL
 * teardown that follows asks for the rings back (a host refuses to tear
 * down the GPADL of an open channel). Upstream waits for the answer
 * without a limit instead.
 */
static void hvg_open_timed_out(struct hvg_channel *ch)
{
	struct hv_chmsg_close msg = {
		.header.msgtype = HV_CHMSG_CLOSECHANNEL,
		.child_relid = ch->relid,
	};

	pr_warn("relid %u: no answer to OPENCHANNEL in 10 s: closing it\n",
		ch->relid);
	hvg_post(&msg, sizeof(msg));
}

int hvg_channel_open(struct hvg_channel *ch, u32 send_ring_bytes,
		     u32 recv_ring_bytes, const void *userdata, u32 userlen,
		     hvg_channel_cb cb, void *ctx)
{
	struct hv_chmsg_open msg = {};
	struct hv_chmsg_open_result *result;
	struct hvg_platform *p = hvg_conn.platform;
	struct page **map = NULL;
	struct hvg_waiter *w = NULL;
	u32 send_pages, recv_pages, npages, i;
	bool gpadl_made = false;
	int ret;

	if (!PAGE_ALIGNED(send_ring_bytes) || !PAGE_ALIGNED(recv_ring_bytes) ||
	    send_ring_bytes < 2 * PAGE_SIZE || recv_ring_bytes < 2 * PAGE_SIZE ||
	    userlen > sizeof(msg.userdata) || !cb)
		return -EINVAL;

	mutex_lock(&ch->lock);
	if (ch->state != HVG_CH_OFFERED) {
		ret = -EBUSY;
		goto unlock;
	}
	if (READ_ONCE(ch->rescinded) || !p) {
		ret = -ENODEV;
		goto unlock;
	}

	send_pages = send_ring_bytes >> PAGE_SHIFT;
	recv_pages = recv_ring_bytes >> PAGE_SHIFT;
	npages = send_pages + recv_pages;
	if (ch->ring_kept) {
		/* Leaked after a close the host did not confirm: gone. */
		if (!ch->ring_pages) {
			ret = -ENOMEM;
			goto unlock;
		}
		if (send_ring_bytes != ch->kept_send ||
		    recv_ring_bytes != ch->kept_recv) {
			ret = -EINVAL;
			goto unlock;
		}
		/* A host opens a ring with zero indices: start afresh. */
		memset(page_address(ch->ring_pages), 0,
		       (size_t)npages << PAGE_SHIFT);
	} else {
		ch->ring_order = get_order(npages * PAGE_SIZE);
		ch->ring_pages = alloc_pages(GFP_KERNEL | __GFP_ZERO,
					     ch->ring_order);
	}
	map = kcalloc(npages, sizeof(*map), GFP_KERNEL);
	w = kmalloc(sizeof(*w), GFP_KERNEL);
	if (!ch->ring_pages || !map || !w) {
		ret = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < npages; i++)
		map[i] = ch->ring_pages + i;
	ret = hvg_ring_map(&ch->out, map, send_pages);
	if (!ret)
		ret = hvg_ring_map(&ch->in, map + send_pages, recv_pages);
	if (ret)
		goto fail;
	hvg_ring_init_header(&ch->out);
	hvg_ring_init_header(&ch->in);
	ch->send_pages = send_pages;

	ret = hvg_gpadl_create(ch, ch->ring_pages, npages, &ch->gpadl);
	if (ret)
		goto fail;
	gpadl_made = true;

	ch->callback = cb;
	ch->callback_ctx = ctx;

	msg.header.msgtype = HV_CHMSG_OPENCHANNEL;
	msg.child_relid = ch->relid;
	msg.openid = ch->relid;
	msg.ringbuffer_gpadl = ch->gpadl;
	msg.target_vp = p->vp_index(p, ch->target_cpu);
	msg.downstream_ring_page_offset = send_pages;
	if (userlen)
		memcpy(msg.userdata, userdata, userlen);
	hvg_waiter_init(w, HV_CHMSG_OPENCHANNEL_RESULT, ch->relid, ch->relid);
	ret = hvg_post_and_wait(&msg, sizeof(msg), w, 10 * HZ);
	if (ret == -ETIMEDOUT)
		hvg_open_timed_out(ch);
	if (ret)
		goto fail;
	result = (void *)w->msg;
	if (result->openid != ch->relid || result->status) {
		pr_err("host refused to open relid %u: status %#x\n",
		       ch->relid, result->status);
		ret = -EIO;
		goto fail;
	}
	ch->state = HVG_CH_OPEN;
	/*
	 * The host may write (and signal) as soon as it has opened the
	 * channel, before its answer reached us; that interrupt found the
	 * channel not open yet. Look at the ring once now.
	 */
	tasklet_schedule(&ch->tasklet);
	kfree(w);
	kfree(map);
	mutex_unlock(&ch->lock);
	return 0;

fail:
	ch->callback = NULL;
	if (gpadl_made && !READ_ONCE(ch->rescinded) &&
	    hvg_gpadl_teardown(ch, ch->gpadl))
		hvg_rings_leak(ch);
	else
		hvg_rings_free(ch);
	kfree(w);
	kfree(map);
unlock:
	mutex_unlock(&ch->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(hvg_channel_open);

void hvg_channel_close(struct hvg_channel *ch)
{
	struct hv_chmsg_close msg = {
		.header.msgtype = HV_CHMSG_CLOSECHANNEL,
		.child_relid = ch->relid,
	};
	unsigned long flags;

	mutex_lock(&ch->lock);
	if (ch->state != HVG_CH_OPEN) {
		mutex_unlock(&ch->lock);
		return;
	}
	/* No callbacks after this point. */
	ch->callback = NULL;
	tasklet_kill(&ch->tasklet);
	/*
	 * Senders and readers check the state under their ring's lock: say
	 * closed under each lock before the rings go, so none of them is
	 * still inside, or comes later, to touch an unmapped ring.
	 */
	spin_lock_irqsave(&ch->out_lock, flags);
	ch->state = HVG_CH_OFFERED;
	spin_unlock_irqrestore(&ch->out_lock, flags);
	spin_lock_irqsave(&ch->in_lock, flags);
	spin_unlock_irqrestore(&ch->in_lock, flags);
	/*
	 * Close even after a rescind, as upstream's vmbus_close_internal()
	 * does. But a rescinded channel's GPADLs are gone on the host's side
	 * already: no GPADL_TEARDOWN for them (vmbus_teardown_gpadl() skips
	 * it), and no answer to wait for.
	 */
	hvg_post(&msg, sizeof(msg));
	if (!READ_ONCE(ch->rescinded) && hvg_gpadl_teardown(ch, ch->gpadl)) {
		pr_warn("relid %u: GPADL %u teardown unanswered\n",
			ch->relid, ch->gpadl);
		hvg_rings_leak(ch);
	} else {
		hvg_rings_free(ch);
	}
	/* Requests still outstanding will never complete; forget them. */
	xa_destroy(&ch->requests);
	mutex_unlock(&ch->lock);
	if (ch->primary && READ_ONCE(ch->rescinded))
		hvg_sub_release(ch);
}
EXPORT_SYMBOL_GPL(hvg_channel_close);

int hvg_channel_alloc_ring(struct hvg_channel *ch, u32 send_ring_bytes,
			   u32 recv_ring_bytes)
{
	u32 order;
	int ret = 0;

	if (!PAGE_ALIGNED(send_ring_bytes) || !PAGE_ALIGNED(recv_ring_bytes) ||
	    send_ring_bytes < 2 * PAGE_SIZE || recv_ring_bytes < 2 * PAGE_SIZE)
		return -EINVAL;
	order = get_order((size_t)send_ring_bytes + recv_ring_bytes);
	mutex_lock(&ch->lock);
	if (ch->ring_kept || ch->state != HVG_CH_OFFERED) {
		ret = -EBUSY;
		goto out;
	}
	/* Compound: a user mapping's reference holds the whole of it. */
	ch->ring_pages = alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_COMP,
				     order);
	if (!ch->ring_pages) {
		ret = -ENOMEM;
		goto out;
	}
	ch->ring_order = order;
	ch->ring_kept = true;
	ch->kept_send = send_ring_bytes;
	ch->kept_recv = recv_ring_bytes;
out:
	mutex_unlock(&ch->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(hvg_channel_alloc_ring);

void hvg_channel_free_ring(struct hvg_channel *ch)
{
	mutex_lock(&ch->lock);
	if (WARN_ON(ch->state == HVG_CH_OPEN)) {
		mutex_unlock(&ch->lock);
		return;
	}
	if (ch->ring_kept && ch->ring_pages)
		__free_pages(ch->ring_pages, ch->ring_order);
	ch->ring_pages = NULL;
	ch->ring_kept = false;
	mutex_unlock(&ch->lock);
}
EXPORT_SYMBOL_GPL(hvg_channel_free_ring);

void *hvg_channel_ring(struct hvg_channel *ch, u32 *bytes)
{
	void *ring = NULL;

	mutex_lock(&ch->lock);
	if (ch->ring_kept && ch->ring_pages) {
		ring = page_address(ch->ring_pages);
		*bytes = ch->kept_send + ch->kept_recv;
	}
	mutex_unlock(&ch->lock);
	return ring;
}
EXPORT_SYMBOL_GPL(hvg_channel_ring);

/*
 * mmap of channels/<relid>/ring (bus.c): the kept rings, while the
 * channel is open, as upstream's hv_uio_ring_mmap() allows. The pages are
 * inserted now, each with its own reference, so the mapping needs nothing
 * of the channel afterwards.
 */
int hvg_ring_file_mmap(struct hvg_channel *ch, struct vm_area_struct *vma)
{
	unsigned long len = vma->vm_end - vma->vm_start, off;
	int ret = 0;

	mutex_lock(&ch->lock);
	if (ch->state != HVG_CH_OPEN || !ch->ring_kept || !ch->ring_pages) {
		ret = -ENODEV;
		goto out;
	}
	if (vma->vm_pgoff ||
	    len > (unsigned long)ch->kept_send + ch->kept_recv) {
		ret = -EINVAL;
		goto out;
	}
	for (off = 0; off < len && !ret; off += PAGE_SIZE)
		ret = vm_insert_page(vma, vma->vm_start + off,
				     ch->ring_pages + (off >> PAGE_SHIFT));
out:
	mutex_unlock(&ch->lock);
	return ret;
}

void hvg_channel_signal(struct hvg_channel *ch)
{
	unsigned long flags;

	spin_lock_irqsave(&ch->out_lock, flags);
	if (ch->state == HVG_CH_OPEN)
		hvg_signal_host(ch);
	spin_unlock_irqrestore(&ch->out_lock, flags);
}
EXPORT_SYMBOL_GPL(hvg_channel_signal);

void hvg_channel_set_interrupts(struct hvg_channel *ch, bool on)
{
	unsigned long flags;

	spin_lock_irqsave(&ch->in_lock, flags);
	if (ch->state == HVG_CH_OPEN) {
		if (on)
			hvg_ring_unmask(&ch->in);
		else
			hvg_ring_mask(&ch->in);
	}
	spin_unlock_irqrestore(&ch->in_lock, flags);
}
EXPORT_SYMBOL_GPL(hvg_channel_set_interrupts);

bool hvg_channel_opened(const struct hvg_channel *ch)
{
	return READ_ONCE(ch->state) == HVG_CH_OPEN;
}
EXPORT_SYMBOL_GPL(hvg_channel_opened);

bool hvg_channel_rescinded(const struct hvg_channel *ch)
{
	return READ_ONCE(ch->rescinded);
}
EXPORT_SYMBOL_GPL(hvg_channel_rescinded);

u32 hvg_channel_relid(const struct hvg_channel *ch)
{
	return ch->relid;
}
EXPORT_SYMBOL_GPL(hvg_channel_relid);

unsigned int hvg_channel_target_cpu(const struct hvg_channel *ch)
{
	return READ_ONCE(ch->target_cpu);
}
EXPORT_SYMBOL_GPL(hvg_channel_target_cpu);

/*
 * A hint for choosing among channels, read without the writers' lock:
 * the host's read index is untrusted and checked as every reader of it
 * is (a corrupt one reads as a full ring).
 */
unsigned int hvg_channel_write_avail_percent(struct hvg_channel *ch)
{
	struct hvg_ring *ring = &ch->out;
	u32 read, write;

	if (ch->state != HVG_CH_OPEN || !ring->hdr || !ring->size)
		return 0;
	read = READ_ONCE(ring->hdr->read_index);
	write = READ_ONCE(ring->hdr->write_index);
	if (read >= ring->size || write >= ring->size || !IS_ALIGNED(read, 8))
		return 0;
	return div_u64((u64)hvg_ring_avail_write(write, read, ring->size) * 100,
		       ring->size);
}
EXPORT_SYMBOL_GPL(hvg_channel_write_avail_percent);

void hvg_channel_set_low_latency(struct hvg_channel *ch, bool on)
{
	WRITE_ONCE(ch->low_latency, on);
}
EXPORT_SYMBOL_GPL(hvg_channel_set_low_latency);

void hvg_channel_set_direct(struct hvg_channel *ch, bool on)
{
	WRITE_ONCE(ch->direct, on);
}
EXPORT_SYMBOL_GPL(hvg_channel_set_direct);

bool hvg_channel_monitored(const struct hvg_channel *ch)
{
	return ch->offer.monitor_allocated & 1;
}
EXPORT_SYMBOL_GPL(hvg_channel_monitored);

/* ---- data path ---- */

static int hvg_send_kvec(struct hvg_channel *ch, struct kvec *kv,
			 unsigned int nkv)
{
	unsigned long flags;
	bool signal;
	int ret;

	if (READ_ONCE(ch->rescinded))
		return -ENODEV;
	spin_lock_irqsave(&ch->out_lock, flags);
	if (ch->state != HVG_CH_OPEN)
		ret = -EINVAL;
	else
		ret = hvg_ring_write(&ch->out, kv, nkv, false, &signal);
	spin_unlock_irqrestore(&ch->out_lock, flags);
	if (!ret && signal)
		hvg_signal_host(ch);
	return ret;
}

static const u64 hvg_zeros;

int hvg_channel_send(struct hvg_channel *ch, const void *data, u32 len,
		     u64 trans_id, enum hv_pkt_type type, u16 flags)
{
	struct hv_pkt_desc desc;
	u32 total = sizeof(desc) + len, padded = ALIGN(total, 8);
	struct kvec kv[3];

	if (padded / 8 > U16_MAX)
		return -EMSGSIZE;
	desc.type = type;
	desc.offset8 = sizeof(desc) / 8;
	desc.len8 = padded / 8;
	desc.flags = flags;
	desc.trans_id = trans_id;
	kv[0].iov_base = &desc;
	kv[0].iov_len = sizeof(desc);
	kv[1].iov_base = (void *)data;
	kv[1].iov_len = len;
	kv[2].iov_base = (void *)&hvg_zeros;
	kv[2].iov_len = padded - total;
	return hvg_send_kvec(ch, kv, 3);
}
EXPORT_SYMBOL_GPL(hvg_channel_send);

/*
 * A GPA-direct packet: the descriptor with a range count, @rbytes of range
 * descriptions (page ranges or one multi-page range), then @data.
 */
static int hvg_send_ranges(struct hvg_channel *ch, const void *ranges,
			   u32 rbytes, u32 rangecount, const void *data,
			   u32 len, u64 trans_id)
{
	struct hv_pkt_gpa_direct desc;
	u32 dlen = sizeof(desc) + rbytes;
	u32 total = dlen + len, padded = ALIGN(total, 8);
	struct kvec kv[4];

	if (!IS_ALIGNED(rbytes, 8) || padded / 8 > U16_MAX)
		return -EINVAL;
	desc.desc.type = HV_PKT_DATA_USING_GPA_DIRECT;
	desc.desc.offset8 = dlen / 8;
	desc.desc.len8 = padded / 8;
	desc.desc.flags = HV_PKT_FLAG_COMPLETION_REQUESTED;
	desc.desc.trans_id = trans_id;
	desc.reserved = 0;
	desc.rangecount = rangecount;
	kv[0].iov_base = &desc;
	kv[0].iov_len = sizeof(desc);
	kv[1].iov_base = (void *)ranges;
	kv[1].iov_len = rbytes;
	kv[2].iov_base = (void *)data;
	kv[2].iov_len = len;
	kv[3].iov_base = (void *)&hvg_zeros;
	kv[3].iov_len = padded - total;
	return hvg_send_kvec(ch, kv, 4);
}

int hvg_channel_send_pages(struct hvg_channel *ch,
			   const struct hv_pkt_page_range *pb, u32 count,
			   const void *data, u32 len, u64 trans_id)
{
	if (!count || count > 64)
		return -EINVAL;
	return hvg_send_ranges(ch, pb, count * sizeof(*pb), count, data, len,
			       trans_id);
}
EXPORT_SYMBOL_GPL(hvg_channel_send_pages);

/* The hv_pkt_mpb layout: one range, its PFNs inline. */
int hvg_channel_send_mpb(struct hvg_channel *ch,
			 const struct hv_mpb_range *range, u32 range_bytes,
			 const void *data, u32 len, u64 trans_id)
{
	if (range_bytes < sizeof(*range))
		return -EINVAL;
	return hvg_send_ranges(ch, range, range_bytes, 1, data, len, trans_id);
}
EXPORT_SYMBOL_GPL(hvg_channel_send_mpb);

int hvg_channel_recv(struct hvg_channel *ch, void *buf, u32 buflen,
		     u32 *needed)
{
	unsigned long flags;
	bool signal = false;
	int ret;

	spin_lock_irqsave(&ch->in_lock, flags);
	if (ch->state != HVG_CH_OPEN)
		ret = -EINVAL;
	else
		ret = hvg_ring_read(&ch->in, buf, buflen, needed, &signal);
	spin_unlock_irqrestore(&ch->in_lock, flags);
	if (ret == -EIO)
		pr_err_ratelimited("relid %u: corrupt inbound ring\n", ch->relid);
	if (signal)
		hvg_signal_host(ch);
	return ret;
}
EXPORT_SYMBOL_GPL(hvg_channel_recv);

/*
 * Requests are allocated by senders in any context and completed from the
 * channel callback (softirq): the table's lock is taken irq-safe.
 */
static void *hvg_request_take(struct hvg_channel *ch, unsigned long id)
{
	unsigned long flags;
	void *ctx;

	xa_lock_irqsave(&ch->requests, flags);
	ctx = __xa_erase(&ch->requests, id);
	xa_unlock_irqrestore(&ch->requests, flags);
	return ctx;
}

int hvg_channel_send_request(struct hvg_channel *ch, const void *data,
			     u32 len, void *request_ctx)
{
	unsigned long flags;
	u32 id;
	int ret;

	xa_lock_irqsave(&ch->requests, flags);
	ret = __xa_alloc(&ch->requests, &id, request_ctx, xa_limit_31b,
			 GFP_ATOMIC);
	xa_unlock_irqrestore(&ch->requests, flags);
	if (ret)
		return ret;
	ret = hvg_channel_send(ch, data, len, id, HV_PKT_DATA_INBAND,
			       HV_PKT_FLAG_COMPLETION_REQUESTED);
	if (ret)
		hvg_request_take(ch, id);
	return ret;
}
EXPORT_SYMBOL_GPL(hvg_channel_send_request);

void *hvg_channel_complete(struct hvg_channel *ch, u64 trans_id)
{
	void *ctx;

	if (!trans_id || trans_id > U32_MAX) {
		pr_err_ratelimited("relid %u: completion with bad id %llu\n",
				   ch->relid, trans_id);
		return NULL;
	}
	ctx = hvg_request_take(ch, (unsigned long)trans_id);
	if (!ctx)
		pr_err_ratelimited("relid %u: completion for unknown request %llu\n",
				   ch->relid, trans_id);
	return ctx;
}
EXPORT_SYMBOL_GPL(hvg_channel_complete);

/* ---- events from the host ---- */

#define HVG_CALLBACK_BUDGET	64

static void hvg_channel_tasklet(unsigned long data)
{
	struct hvg_channel *ch = (struct hvg_channel *)data;
	unsigned int rounds = 0;
	hvg_channel_cb cb;

	if (ch->state != HVG_CH_OPEN)
		return;
	/*
	 * Direct: the driver may leave packets in the ring until it can
	 * take them; polling on would spin in softirq until then.
	 */
	if (READ_ONCE(ch->direct)) {
		cb = READ_ONCE(ch->callback);
		if (cb)
			cb(ch->callback_ctx);
		return;
	}
	for (;;) {
		cb = READ_ONCE(ch->callback);
		if (!cb)
			return;
		/* Polling now: the host need not signal until we unmask. */
		hvg_ring_mask(&ch->in);
		cb(ch->callback_ctx);
		if (!hvg_ring_unmask(&ch->in))
			return;
		/* More arrived while masked; do not hog this CPU forever. */
		if (++rounds >= HVG_CALLBACK_BUDGET) {
			tasklet_schedule(&ch->tasklet);
			return;
		}
	}
}

/**
 * hvg_vmbus_on_channel_event() - the host signalled a channel
 * @relid: the channel whose event flag was set
 *
 * Called by the platform in interrupt context.
 */
void hvg_vmbus_on_channel_event(u32 relid)
{
	struct hvg_channel *ch;

	if (relid >= HV_MAX_RELIDS)
		return;
	rcu_read_lock();
	ch = rcu_dereference(hvg_conn.by_relid[relid]);
	if (ch) {
		atomic64_inc(&ch->interrupts);
		if (READ_ONCE(ch->callback))
			tasklet_schedule(&ch->tasklet);
	}
	rcu_read_unlock();
}
EXPORT_SYMBOL_GPL(hvg_vmbus_on_channel_event);

int hvg_channel_retarget(struct hvg_channel *ch, unsigned int cpu)
{
	struct hv_chmsg_modifychannel msg = {
		.header.msgtype = HV_CHMSG_MODIFYCHANNEL,
		.child_relid = ch->relid,
	};
	struct hv_chmsg_modifychannel_response *resp;
	struct hvg_platform *p = hvg_conn.platform;
	struct hvg_waiter *w;
	int ret = 0;

	if (cpu >= nr_cpu_ids)
		return -EINVAL;
	/* MODIFYCHANNEL exists from 4.1 (drivers/hv/vmbus_drv.c). */
	if (hvg_conn.version < HV_VMBUS_VERSION_WIN10_V4_1)
		return -EOPNOTSUPP;
	if (!p)
		return -ENODEV;

	/* The CPU must stay online until the host has moved the channel. */
	cpus_read_lock();
	if (!cpu_online(cpu)) {
		cpus_read_unlock();
		return -EINVAL;
	}
	mutex_lock(&ch->lock);
	if (READ_ONCE(ch->rescinded)) {
		ret = -ENODEV;
		goto out;
	}
	/*
	 * Hyper-V ignores MODIFYCHANNEL for a channel that is not open (a
	 * 5.3 host would never answer): refuse it here, as upstream's
	 * target_cpu_store() does.
	 */
	if (ch->state != HVG_CH_OPEN) {
		ret = -EIO;
		goto out;
	}
	if (cpu == ch->target_cpu)
		goto out;
	msg.target_vp = p->vp_index(p, cpu);
	if (hvg_conn.version < HV_VMBUS_VERSION_WIN10_V5_3) {
		/* Before 5.3 the host does not acknowledge. */
		ret = hvg_post(&msg, sizeof(msg));
	} else {
		w = kmalloc(sizeof(*w), GFP_KERNEL);
		if (!w) {
			ret = -ENOMEM;
			goto out;
		}
		hvg_waiter_init(w, HV_CHMSG_MODIFYCHANNEL_RESPONSE, ch->relid,
				ch->relid);
		ret = hvg_post_and_wait(&msg, sizeof(msg), w, 10 * HZ);
		resp = (void *)w->msg;
		if (!ret && resp->status)
			ret = -EIO;
		kfree(w);
	}
	if (!ret)
		WRITE_ONCE(ch->target_cpu, cpu);
out:
	mutex_unlock(&ch->lock);
	cpus_read_unlock();
	return ret;
}

/*
 * CPU hotplug: the host interrupts a channel's CPU and sends every
 * message to the CPU named at INITIATE_CONTACT, and neither can be moved
 * once the CPU is gone. Offlining such a CPU is refused (-EBUSY) while
 * connected, as upstream's hv_synic_cleanup() does; channels are moved
 * off it first through channels/<relid>/cpu. Runs in the hotplug
 * thread, hotplug lock held: no channel is added or moved meanwhile.
 */
static int hvg_cpu_offline(unsigned int cpu)
{
	struct hvg_channel *ch;
	int ret = 0;

	mutex_lock(&hvg_conn.channels_lock);
	if (!READ_ONCE(hvg_conn.connected))
		goto out;
	if (cpu == HVG_CONNECT_CPU) {
		pr_notice("CPU %u receives VMBus messages: it stays online\n",
			  cpu);
		ret = -EBUSY;
		goto out;
	}
	list_for_each_entry(ch, &hvg_conn.channels, node) {
		if (READ_ONCE(ch->target_cpu) == cpu) {
			pr_notice("CPU %u takes the interrupts of channel %u: move it (channels/%u/cpu) first\n",
				  cpu, ch->relid, ch->relid);
			ret = -EBUSY;
			break;
		}
	}
out:
	mutex_unlock(&hvg_conn.channels_lock);
	return ret;
}

static int hvg_cpu_online(unsigned int cpu)
{
	return 0;
}

static int hvg_cpuhp_state;

/*
 * After the platform's own hotplug state (hyperv.c's SynIC), so that it
 * is torn down first: a refused offline never reaches the SynIC.
 */
int hvg_cpuhp_init(void)
{
	int ret;

	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "hvg/vmbus:channels",
					hvg_cpu_online, hvg_cpu_offline);
	if (ret < 0)
		return ret;
	hvg_cpuhp_state = ret;
	return 0;
}

void hvg_cpuhp_exit(void)
{
	if (hvg_cpuhp_state > 0)
		cpuhp_remove_state_nocalls(hvg_cpuhp_state);
	hvg_cpuhp_state = 0;
}

int hvg_channels_init(void)
{
	hvg_conn.msg_wq = alloc_ordered_workqueue("hvg_msg", 0);
	hvg_conn.dev_wq = alloc_workqueue("hvg_dev", WQ_UNBOUND, 0);
	if (!hvg_conn.msg_wq || !hvg_conn.dev_wq) {
		hvg_channels_exit();
		return -ENOMEM;
	}
	return 0;
}

void hvg_channels_exit(void)
{
	if (hvg_conn.msg_wq)
		destroy_workqueue(hvg_conn.msg_wq);
	if (hvg_conn.dev_wq)
		destroy_workqueue(hvg_conn.dev_wq);
	hvg_conn.msg_wq = NULL;
	hvg_conn.dev_wq = NULL;
}
