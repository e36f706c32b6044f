// SPDX-License-Identifier: GPL-2.0
/*
 * hv_storvsc's VSTOR channels: opening the primary, the initialisation
 * sequence, sub-channels, the receive path, control requests, and the
 * choice of a channel for each command.
 *
 * Protocol facts, all from drivers/scsi/storvsc_drv.c unless noted:
 *  - the sequence on the primary (storvsc_channel_init()): BEGIN_INIT,
 *    QUERY_VERSION newest first until the host answers status 0,
 *    QUERY_PROPERTIES, FCHBA_DATA for Fibre Channel, END_INIT; then
 *    CREATE_SUB_CHANNELS if the properties allow multi-channel
 *    (handle_multichannel_storage());
 *  - each request is an in-band packet with completion requested; each
 *    answer carries the request's transaction id, operation COMPLETE_IO
 *    and a status (storvsc_execute_vstor_op());
 *  - channels are opened with a zeroed properties structure as user data
 *    (storvsc_connect_to_vsp(), handle_sc_creation());
 *  - the host sends unsolicited packets with transaction id 0
 *    (storvsc_on_channel_callback()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include "storvsc.h"

/*
 * Devices by primary channel, for the sub-channel handler, which is
 * given only the channels. A device is listed from before its handler
 * is set until after it is cleared.
 */
static LIST_HEAD(hvs_devs);
static DEFINE_MUTEX(hvs_devs_lock);

/* Each direction: a header page, then the data area of the parameter. */
u32 hvs_ring_bytes(void)
{
	return PAGE_SIZE + PAGE_ALIGN(hvs_ringbuffer_size);
}

/*
 * How many commands one channel's outbound ring holds. As upstream's
 * storvsc_drv_init() does, a command is counted at the size of a GPA
 * direct packet with 32 frames (MAX_MULTIPAGE_BUFFER_COUNT: 128 KiB of
 * data) and its trailer; larger ones are rarer, and when the ring is
 * full a command is simply retried (SCSI_MLQUEUE_HOST_BUSY).
 */
#define HVS_SIZING_FRAMES	32

u32 hvs_cmds_per_channel(u32 ring_bytes)
{
	u32 pkt = ALIGN(sizeof(struct hv_pkt_gpa_direct) +
			sizeof(struct hv_mpb_range) +
			HVS_SIZING_FRAMES * sizeof(u64) +
			sizeof(struct hv_vstor_packet), 8) + sizeof(u64);

	return (ring_bytes - PAGE_SIZE) / pkt;
}

/* How often a control request tries a full ring again. */
#define HVS_CTL_RETRY	(HZ / 50)

/*
 * Packets handled per callback call; hv_vmbus calls again while the ring
 * has more, within its own budget, so a busy channel cannot hold its CPU
 * in softirq for ever (upstream bounds its loop at 2 jiffies).
 */
#define HVS_RX_BUDGET	256

static const char *hvs_op_name(u32 op)
{
	switch (op) {
	case HV_VSTOR_OP_BEGIN_INIT:
		return "BEGIN_INITIALIZATION";
	case HV_VSTOR_OP_QUERY_VERSION:
		return "QUERY_PROTOCOL_VERSION";
	case HV_VSTOR_OP_QUERY_PROPERTIES:
		return "QUERY_PROPERTIES";
	case HV_VSTOR_OP_FCHBA_DATA:
		return "FCHBA_DATA";
	case HV_VSTOR_OP_END_INIT:
		return "END_INITIALIZATION";
	case HV_VSTOR_OP_CREATE_SUB_CHANNELS:
		return "CREATE_SUB_CHANNELS";
	case HV_VSTOR_OP_RESET_BUS:
		return "RESET_BUS";
	default:
		return "request";
	}
}

/*
 * Send a control request on the primary and wait for its answer, which
 * replaces *@pkt. Returns 0 (whatever the answer says), -ETIMEDOUT,
 * -ENODEV when the device is rescinded meanwhile, or a send error.
 */
static int hvs_ctl_exec(struct hvs_dev *stor, struct hvs_ctl *ctl, u64 id,
			struct hv_vstor_packet *pkt)
{
	struct hvg_channel *ch = stor->hdev->channel;
	unsigned long left = HVS_CTL_TIMEOUT, slice;
	int ret;

	pkt->flags = HV_VSTOR_FLAG_REQUEST_COMPLETION;
	reinit_completion(&ctl->done);
	atomic_set(&ctl->pending, 1);
	/* A ring full of commands (a reset's case) drains as the host reads. */
	for (;;) {
		ret = hvg_channel_send(ch, pkt, sizeof(*pkt), id,
				       HV_PKT_DATA_INBAND,
				       HV_PKT_FLAG_COMPLETION_REQUESTED);
		if (ret != -EAGAIN || left < HVS_CTL_RETRY)
			break;
		msleep(jiffies_to_msecs(HVS_CTL_RETRY));
		left -= HVS_CTL_RETRY;
	}
	if (ret) {
		atomic_set(&ctl->pending, 0);
		return ret == -EAGAIN ? -ETIMEDOUT : ret;
	}
	/* In slices: a rescinded device answers nothing, so stop early. */
	for (;;) {
		slice = min_t(unsigned long, left, HZ);
		if (wait_for_completion_timeout(&ctl->done, slice))
			break;
		left -= slice;
		if (left && !hvg_channel_rescinded(ch))
			continue;
		if (atomic_xchg(&ctl->pending, 0))
			return left ? -ENODEV : -ETIMEDOUT;
		/* The answer came just now: it is being handed over. */
		wait_for_completion(&ctl->done);
		break;
	}
	*pkt = ctl->reply;
	return 0;
}

/* The callback: the answer to a control request. */
static void hvs_ctl_answer(struct hvs_chan *chan, struct hvs_ctl *ctl,
			   const struct hv_vstor_packet *pkt, u32 len)
{
	struct hvs_dev *stor = chan->stor;

	if (chan != stor->chans[0]) {
		dev_warn_ratelimited(&stor->hdev->dev,
				     "answer to a control request on a sub-channel: dropped\n");
		atomic64_inc(&stor->bad_packets);
		return;
	}
	if (!atomic_xchg(&ctl->pending, 0)) {
		dev_warn_ratelimited(&stor->hdev->dev,
				     "answer to no control request in progress: dropped\n");
		atomic64_inc(&stor->bad_packets);
		return;
	}
	ctl->reply = *pkt;
	if (len < sizeof(*pkt)) {
		/* The waiter sees an operation that is no answer and fails. */
		dev_warn_ratelimited(&stor->hdev->dev,
				     "answer of %u bytes to a control request, shorter than %zu\n",
				     len, sizeof(*pkt));
		atomic64_inc(&stor->bad_packets);
		ctl->reply.operation = 0;
	}
	complete(&ctl->done);
}

/* One initialisation step that must be answered COMPLETE_IO, status 0. */
static int hvs_init_step(struct hvs_dev *stor, struct hv_vstor_packet *pkt)
{
	u32 op = pkt->operation;
	int ret;

	ret = hvs_ctl_exec(stor, &stor->init_ctl, HVS_TRANS_INIT, pkt);
	if (ret == -ETIMEDOUT) {
		dev_err(&stor->hdev->dev, "%s: no answer from the host in %u s\n",
			hvs_op_name(op), HVS_CTL_TIMEOUT / HZ);
		return ret;
	}
	if (ret) {
		dev_err(&stor->hdev->dev, "%s: cannot send: %d\n",
			hvs_op_name(op), ret);
		return ret;
	}
	if (pkt->operation != HV_VSTOR_OP_COMPLETE_IO || pkt->status) {
		dev_err(&stor->hdev->dev,
			"%s refused by the host: operation %u, status %#x\n",
			hvs_op_name(op), pkt->operation, pkt->status);
		return -EIO;
	}
	return 0;
}

static u64 hvs_wwn(const u8 *wwn)
{
	u64 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | wwn[i];
	return v;
}

/* The active port's names (storvsc_drv.c: cache_wwn()). */
void hvs_cache_wwn(struct hvs_dev *stor, const struct hv_vstor_fc_wwn *wwn)
{
	if (wwn->primary_active) {
		WRITE_ONCE(stor->node_name, hvs_wwn(wwn->primary_node_wwn));
		WRITE_ONCE(stor->port_name, hvs_wwn(wwn->primary_port_wwn));
	} else {
		WRITE_ONCE(stor->node_name, hvs_wwn(wwn->secondary_node_wwn));
		WRITE_ONCE(stor->port_name, hvs_wwn(wwn->secondary_port_wwn));
	}
}

/*
 * Sub-channels to ask for (storvsc_drv.c, handle_multichannel_storage()):
 * one per online CPU besides the primary's, as many as the host offers.
 * A host can offer more than the guest has CPUs (maxcpus=); those would
 * share CPUs for nothing. storvsc_vcpus_per_sub_channel only sizes the
 * queue (main.c), as upstream's does.
 */
static u16 hvs_subs_to_ask(struct hvs_dev *stor)
{
	unsigned int others = num_online_cpus() - 1;

	return min_t(unsigned int, others, stor->host_max_subs);
}

static int hvs_negotiate(struct hvs_dev *stor)
{
	/* storvsc_drv.c: protocol_version[], newest first, down to WIN8. */
	static const u16 versions[] = {
		HV_VSTOR_WIN10, HV_VSTOR_WIN8_1, HV_VSTOR_WIN8,
	};
	struct hv_vstor_packet pkt;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(versions); i++) {
		memset(&pkt, 0, sizeof(pkt));
		pkt.operation = HV_VSTOR_OP_QUERY_VERSION;
		pkt.version.major_minor = versions[i];
		pkt.version.revision = 0;	/* Windows only */
		ret = hvs_ctl_exec(stor, &stor->init_ctl, HVS_TRANS_INIT, &pkt);
		if (ret) {
			dev_err(&stor->hdev->dev,
				"QUERY_PROTOCOL_VERSION: %s\n",
				ret == -ETIMEDOUT ? "no answer from the host" :
				"cannot send");
			return ret;
		}
		if (pkt.operation != HV_VSTOR_OP_COMPLETE_IO) {
			dev_err(&stor->hdev->dev,
				"QUERY_PROTOCOL_VERSION: answered with operation %u\n",
				pkt.operation);
			return -EIO;
		}
		/* A non-zero status means "not this one": try the next. */
		if (!pkt.status) {
			stor->proto = versions[i];
			return 0;
		}
	}
	dev_err(&stor->hdev->dev,
		"the host speaks none of VSTOR 6.2, 6.0, 5.1 (Windows Server 2012 or later is needed)\n");
	return -EPROTONOSUPPORT;
}

static int hvs_init_sequence(struct hvs_dev *stor)
{
	struct hv_vstor_packet pkt;
	int ret;

	memset(&pkt, 0, sizeof(pkt));
	pkt.operation = HV_VSTOR_OP_BEGIN_INIT;
	ret = hvs_init_step(stor, &pkt);
	if (ret)
		return ret;

	ret = hvs_negotiate(stor);
	if (ret)
		return ret;

	memset(&pkt, 0, sizeof(pkt));
	pkt.operation = HV_VSTOR_OP_QUERY_PROPERTIES;
	ret = hvs_init_step(stor, &pkt);
	if (ret)
		return ret;
	stor->host_max_subs = pkt.props.max_channel_cnt;
	stor->multi_channel = pkt.props.flags & HV_VSTOR_PROP_MULTI_CHANNEL;
	stor->host_max_xfer = pkt.props.max_transfer_bytes;

	if (stor->cls == HVS_CLASS_FC) {
		memset(&pkt, 0, sizeof(pkt));
		pkt.operation = HV_VSTOR_OP_FCHBA_DATA;
		ret = hvs_init_step(stor, &pkt);
		if (ret)
			return ret;
		hvs_cache_wwn(stor, &pkt.wwn);
	}

	memset(&pkt, 0, sizeof(pkt));
	pkt.operation = HV_VSTOR_OP_END_INIT;
	return hvs_init_step(stor, &pkt);
}

/* The callback: copy each packet out of the ring, then look at it. */
static void hvs_on_channel(void *ctx);

/* A packet larger than our buffer: read it into a temporary and drop it. */
static bool hvs_skip_oversized(struct hvs_chan *chan, u32 needed)
{
	struct hvs_dev *stor = chan->stor;
	void *buf = kmalloc(needed, GFP_ATOMIC);
	int len;

	if (!buf) {
		dev_err_ratelimited(&stor->hdev->dev,
				    "no memory to drop a %u-byte packet\n",
				    needed);
		return false;
	}
	len = hvg_channel_recv(chan->ch, buf, needed, NULL);
	kfree(buf);
	if (len < 0)
		return false;
	dev_warn_ratelimited(&stor->hdev->dev,
			     "dropped a %d-byte packet, larger than any VSTOR packet\n",
			     len);
	atomic64_inc(&stor->bad_packets);
	return true;
}

static void hvs_on_channel(void *ctx)
{
	struct hvs_chan *chan = ctx;
	struct hvs_dev *stor = chan->stor;
	const struct hv_pkt_desc *desc = (const void *)chan->rx_buf;
	struct hv_vstor_packet pkt;
	u32 needed = 0, off, plen, budget = HVS_RX_BUDGET;
	int len;

	while (budget--) {
		len = hvg_channel_recv(chan->ch, chan->rx_buf,
				       sizeof(chan->rx_buf), &needed);
		if (len == -ENOBUFS) {
			if (!hvs_skip_oversized(chan, needed))
				return;
			continue;
		}
		if (len < 0) {
			/* -EAGAIN: drained; -EIO was reported by the bus. */
			return;
		}
		off = (u32)desc->offset8 * 8;
		if (off > (u32)len) {
			atomic64_inc(&stor->bad_packets);
			continue;
		}
		/*
		 * Our own copy, zero-filled past what the host sent: nothing
		 * below reads a byte the host did not write for this packet.
		 */
		plen = len - off;
		memset(&pkt, 0, sizeof(pkt));
		memcpy(&pkt, (const u8 *)chan->rx_buf + off,
		       min_t(u32, plen, sizeof(pkt)));

		switch (desc->trans_id) {
		case 0:
			hvs_on_unsolicited(stor, &pkt, plen);
			break;
		case HVS_TRANS_INIT:
			hvs_ctl_answer(chan, &stor->init_ctl, &pkt, plen);
			break;
		case HVS_TRANS_RESET:
			hvs_ctl_answer(chan, &stor->reset_ctl, &pkt, plen);
			break;
		default:
			hvs_on_completion(stor, desc->trans_id, &pkt, plen);
			break;
		}
	}
}

/*
 * Which channel each CPU sends on first; chan_lock held. A CPU the host
 * interrupts for a channel no other CPU has taken gets that one (its
 * answers come back where it sent); every other CPU gets the channel
 * fewest CPUs use, so that all channels carry traffic even when the host
 * put several on one CPU.
 */
static void hvs_map_cpus(struct hvs_dev *stor)
{
	u32 n = stor->nchans, i;
	struct hvs_chan *best, *c;
	unsigned int cpu;

	for (i = 0; i < n; i++)
		stor->chans[i]->users = 0;
	for_each_possible_cpu(cpu) {
		best = NULL;
		for (i = 0; i < n && !best; i++) {
			c = stor->chans[i];
			if (!c->users && hvg_channel_target_cpu(c->ch) == cpu)
				best = c;
		}
		if (best)
			best->users++;
		WRITE_ONCE(stor->cpu_chan[cpu], best);
	}
	for_each_possible_cpu(cpu) {
		if (stor->cpu_chan[cpu])
			continue;
		best = stor->chans[0];
		for (i = 1; i < n; i++)
			if (stor->chans[i]->users < best->users)
				best = stor->chans[i];
		best->users++;
		WRITE_ONCE(stor->cpu_chan[cpu], best);
	}
}

static void hvs_add_chan(struct hvs_dev *stor, struct hvs_chan *chan)
{
	unsigned long flags;

	spin_lock_irqsave(&stor->chan_lock, flags);
	stor->chans[stor->nchans] = chan;
	/* The entry before the count that makes it visible. */
	smp_store_release(&stor->nchans, stor->nchans + 1);
	hvs_map_cpus(stor);
	spin_unlock_irqrestore(&stor->chan_lock, flags);
}

static int hvs_open_chan(struct hvs_dev *stor, struct hvs_chan *chan)
{
	/* storvsc_drv.c opens every channel with zeroed properties. */
	struct hv_vstor_properties props = {};

	return hvg_channel_open(chan->ch, stor->ring_bytes, stor->ring_bytes,
				&props, sizeof(props), hvs_on_channel, chan);
}

/*
 * hv_vmbus offers us a sub-channel of one of our devices (process
 * context; our remove clears the handler, which waits for this call).
 */
static void hvs_subchannel(struct hvg_channel *primary,
			   struct hvg_channel *sc)
{
	struct hvs_dev *stor = NULL, *iter;
	struct hvs_chan *chan;
	int ret;

	mutex_lock(&hvs_devs_lock);
	list_for_each_entry(iter, &hvs_devs, node) {
		if (iter->hdev->channel == primary) {
			stor = iter;
			break;
		}
	}
	mutex_unlock(&hvs_devs_lock);
	if (!stor || READ_ONCE(stor->removing))
		return;
	/* Only this handler adds channels: nchans is stable here. */
	if (READ_ONCE(stor->nchans) >= stor->max_chans) {
		dev_warn(&stor->hdev->dev,
			 "sub-channel (relid %u) not asked for: left closed\n",
			 hvg_channel_relid(sc));
		return;
	}
	chan = kzalloc(sizeof(*chan), GFP_KERNEL);
	if (!chan)
		return;
	chan->stor = stor;
	chan->ch = sc;
	ret = hvs_open_chan(stor, chan);
	if (ret) {
		/* storvsc_drv.c, handle_sc_creation(): run without it. */
		dev_err(&stor->hdev->dev,
			"cannot open sub-channel (relid %u): %d\n",
			hvg_channel_relid(sc), ret);
		kfree(chan);
		return;
	}
	hvs_add_chan(stor, chan);
	atomic_inc(&stor->subs_opened);
}

/*
 * Ask for sub-channels. The host offers them afterwards, each to
 * hvs_subchannel(); a refusal leaves the device on its primary alone,
 * as upstream's handle_multichannel_storage() does.
 */
static void hvs_ask_subchannels(struct hvs_dev *stor)
{
	struct hv_vstor_packet pkt;
	u16 want;

	if (!stor->multi_channel || stor->cls == HVS_CLASS_IDE)
		return;
	want = hvs_subs_to_ask(stor);
	if (!want)
		return;
	stor->max_chans = 1 + want;
	stor->subs_wanted = want;
	/* Before asking: the offers may come before the answer. */
	hvg_channel_set_subchannel_cb(stor->hdev->channel, hvs_subchannel);
	memset(&pkt, 0, sizeof(pkt));
	pkt.operation = HV_VSTOR_OP_CREATE_SUB_CHANNELS;
	pkt.sub_channel_count = want;
	if (hvs_init_step(stor, &pkt)) {
		stor->subs_wanted = 0;
		dev_warn(&stor->hdev->dev,
			 "continuing with the primary channel only\n");
	}
}

int hvs_vstor_connect(struct hvs_dev *stor)
{
	struct hvs_chan *chan;
	int ret = -ENOMEM;

	stor->ring_bytes = hvs_ring_bytes();
	stor->max_chans = 1;
	/* Room for any number of sub-channels the host may be asked for. */
	stor->chans = kcalloc(nr_cpu_ids + 1, sizeof(*stor->chans),
			      GFP_KERNEL);
	stor->cpu_chan = kcalloc(nr_cpu_ids, sizeof(*stor->cpu_chan),
				 GFP_KERNEL);
	chan = kzalloc(sizeof(*chan), GFP_KERNEL);
	if (!stor->chans || !stor->cpu_chan || !chan)
		goto err_free;
	chan->stor = stor;
	chan->ch = stor->hdev->channel;
	ret = hvs_open_chan(stor, chan);
	if (ret) {
		dev_err(&stor->hdev->dev, "cannot open the channel: %d\n", ret);
		goto err_free;
	}
	hvs_add_chan(stor, chan);
	mutex_lock(&hvs_devs_lock);
	list_add(&stor->node, &hvs_devs);
	mutex_unlock(&hvs_devs_lock);

	ret = hvs_init_sequence(stor);
	if (ret) {
		hvs_vstor_disconnect(stor);
		return ret;
	}
	hvs_ask_subchannels(stor);
	return 0;

err_free:
	kfree(chan);
	kfree(stor->cpu_chan);
	kfree(stor->chans);
	stor->cpu_chan = NULL;
	stor->chans = NULL;
	return ret;
}

/* Close every channel; no command may be at the host any more. */
void hvs_vstor_disconnect(struct hvs_dev *stor)
{
	u32 i;

	/* No sub-channel handler runs after this returns. */
	hvg_channel_set_subchannel_cb(stor->hdev->channel, NULL);
	mutex_lock(&hvs_devs_lock);
	list_del(&stor->node);
	mutex_unlock(&hvs_devs_lock);
	/* Sub-channels first, then the primary (upstream's order). */
	for (i = stor->nchans; i-- > 0;) {
		hvg_channel_close(stor->chans[i]->ch);
		kfree(stor->chans[i]);
		stor->chans[i] = NULL;
	}
	stor->nchans = 0;
	kfree(stor->cpu_chan);
	kfree(stor->chans);
	stor->cpu_chan = NULL;
	stor->chans = NULL;
}

/*
 * RESET_BUS on the primary, answered with its own id. Upstream's
 * storvsc_host_reset_handler() sets only the path id (always 0) and does
 * not look at the answer's status; a refusal is reported here.
 */
int hvs_vstor_reset_bus(struct hvs_dev *stor)
{
	struct hv_vstor_packet pkt;
	int ret;

	memset(&pkt, 0, sizeof(pkt));
	pkt.operation = HV_VSTOR_OP_RESET_BUS;
	pkt.srb.path_id = 0;
	ret = hvs_ctl_exec(stor, &stor->reset_ctl, HVS_TRANS_RESET, &pkt);
	if (ret)
		return ret;
	if (pkt.operation != HV_VSTOR_OP_COMPLETE_IO || pkt.status)
		dev_warn(&stor->hdev->dev,
			 "RESET_BUS answered with operation %u, status %#x\n",
			 pkt.operation, pkt.status);
	return 0;
}

static bool hvs_chan_roomy(struct hvs_chan *chan)
{
	return hvg_channel_write_avail_percent(chan->ch) >
	       (unsigned int)hvs_ring_lowater;
}

/*
 * The channel for a command from this CPU: its own while that has more
 * than ring_avail_percent_lowater of its ring free, else the next one
 * that has, else its own anyway (a full ring then says busy). This is
 * the idea of upstream's storvsc_do_io(), without its NUMA ordering.
 */
struct hvs_chan *hvs_pick_chan(struct hvs_dev *stor)
{
	unsigned int cpu = raw_smp_processor_id();
	struct hvs_chan *own, *chan;
	u32 n, i;

	/* The channels up to n are set (hvs_add_chan()). */
	n = smp_load_acquire(&stor->nchans);
	if (n <= 1)
		return stor->chans[0];
	own = READ_ONCE(stor->cpu_chan[cpu]);
	if (own && hvs_chan_roomy(own))
		return own;
	for (i = 1; i <= n; i++) {
		chan = stor->chans[(cpu + i) % n];
		if (chan != own && hvs_chan_roomy(chan))
			return chan;
	}
	return own ? own : stor->chans[0];
}

/* A command: one multi-page range over its frames, or in-band. */
int hvs_send_cmd(struct hvs_chan *chan, struct hvs_cmd *cmd, u32 nframes,
		 u64 trans_id)
{
	if (nframes)
		return hvg_channel_send_mpb(chan->ch, hvs_cmd_range(cmd),
					    sizeof(struct hv_mpb_range) +
					    nframes * sizeof(u64),
					    &cmd->pkt, sizeof(cmd->pkt),
					    trans_id);
	return hvg_channel_send(chan->ch, &cmd->pkt, sizeof(cmd->pkt),
				trans_id, HV_PKT_DATA_INBAND,
				HV_PKT_FLAG_COMPLETION_REQUESTED);
}
