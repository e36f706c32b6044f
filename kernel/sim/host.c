// SPDX-License-Identifier: GPL-2.0
/*
 * The host end of VMBus: INITIATE_CONTACT, offers, GPADLs, open/close,
 * rescind, MODIFYCHANNEL and UNLOAD, as a Hyper-V host answers them.
 *
 * Messages from the guest are copied and handled in order on one ordered
 * workqueue, the way a host's VMBus server works through its queue.
 * Messages to the guest are queued and delivered from an IPI, so the
 * guest receives them in interrupt context as it would from the SynIC.
 *
 * Host behaviour follows the protocol as drivers/hv/connection.c,
 * channel.c and channel_mgmt.c expect it. Where the guest breaks a rule
 * (wrong connection id, a malformed GPADL, an unknown relid), the host
 * counts a violation (debugfs "violations") so tests can insist on zero.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/io.h>
#include <linux/delay.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <hv/version.h>
#include <asm/sync_bitops.h>
#include "compat.h"
#include "sim.h"

/* The connection id we hand out from 5.0 on (any value the host likes). */
#define SIM_MSG_CONN_ID		0x1b
/* Channel connection ids: relid plus this, as a host numbers its ports. */
#define SIM_CHANNEL_CONN_BASE	0x100

static unsigned int max_version = HV_VMBUS_VERSION_WIN10_V5_3;
module_param(max_version, uint, 0444);
MODULE_PARM_DESC(max_version,
		 "Highest VMBus version the simulated host accepts (major << 16 | minor); default: the host generation's");

/*
 * Host generations and the newest VMBus version each speaks. Source: the
 * version table in include/linux/hyperv.h (3.0 Windows Server 2012 R2,
 * 4.0 Windows 10 / Server 2016, 5.2 Server 2019, 5.3 Server 2022);
 * Azure hosts are taken to speak 5.3 as Server 2022 does.
 */
static const struct {
	const char *name;
	u32 version;
} sim_generations[] = {
	{ "2012r2", HV_VMBUS_VERSION_WIN8_1 },
	{ "2016", HV_VMBUS_VERSION_WIN10 },
	{ "2019", HV_VMBUS_VERSION_WIN10_V5_2 },
	{ "2022", HV_VMBUS_VERSION_WIN10_V5_3 },
	{ "azure", HV_VMBUS_VERSION_WIN10_V5_3 },
};

/*
 * The hypervisor names CPUs by VP index, which need not be the guest's
 * CPU number (the TLFS gives no such promise; Linux keeps hv_vp_index[]
 * for that reason). hv_sim numbers them in reverse, so a guest that
 * sends a CPU number where a VP index belongs talks about the wrong CPU
 * (with one CPU the two agree).
 */
static bool vp_reverse = true;
module_param(vp_reverse, bool, 0444);
MODULE_PARM_DESC(vp_reverse,
		 "Number virtual processors in reverse of the guest's CPUs (default on; off: VP = CPU)");

u32 sim_cpu_to_vp(unsigned int cpu)
{
	return vp_reverse ? nr_cpu_ids - 1 - cpu : cpu;
}

/* The CPU a VP index names, or -1 if none is online. */
static int sim_vp_to_cpu(u32 vp)
{
	unsigned int cpu;

	if (vp >= nr_cpu_ids)
		return -1;
	/* Either numbering is its own inverse. */
	cpu = sim_cpu_to_vp(vp);
	return cpu_online(cpu) ? cpu : -1;
}

static char *host = "azure";
module_param(host, charp, 0444);
MODULE_PARM_DESC(host,
		 "Host generation to play: 2012r2, 2016, 2019, 2022 or azure (default)");

/* The newest version this host speaks: its generation's, or max_version. */
static u32 sim_host_version;

u32 sim_host_max_version(void)
{
	return sim_host_version;
}

int sim_host_init(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sim_generations); i++) {
		if (!strcmp(host, sim_generations[i].name))
			break;
	}
	if (i == ARRAY_SIZE(sim_generations)) {
		pr_err("unknown host generation '%s'\n", host);
		return -EINVAL;
	}
	sim_host_version = min_t(u32, sim_generations[i].version, max_version);
	pr_info("playing a %s host: VMBus up to %u.%u\n", host,
		HV_VMBUS_VERSION_MAJOR(sim_host_version),
		HV_VMBUS_VERSION_MINOR(sim_host_version));
	return 0;
}

/* A page of the guest's RAM named by its physical address, or NULL. */
void *sim_guest_page(u64 gpa)
{
	if (!gpa || !PAGE_ALIGNED(gpa) || !pfn_valid(PHYS_PFN(gpa)))
		return NULL;
	return phys_to_virt(gpa);
}

/*
 * The message connection ids this host has ports for. Every host knows id
 * 1; id 4, and the id handed out in VERSION_RESPONSE, exist only on hosts
 * that speak 5.0 (drivers/hv/connection.c: a host of 4.0 or older fails
 * INITIATE_CONTACT on id 4 with HV_STATUS_INVALID_CONNECTION_ID).
 */
static bool sim_msg_conn_known(u32 conn_id)
{
	if (conn_id == HV_VMBUS_MESSAGE_CONNECTION_ID)
		return true;
	if (sim_host_version < HV_VMBUS_VERSION_WIN10_V5)
		return false;
	return conn_id == HV_VMBUS_MESSAGE_CONNECTION_ID_4 ||
	       conn_id == SIM_MSG_CONN_ID;
}

struct sim_msg {
	struct list_head node;
	struct work_struct work;
	u32 conn_id;
	u32 len;
	u8 data[HV_MSG_PAYLOAD_MAX];
};

void sim_violation(const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err_ratelimited("guest protocol violation: %pV\n", &vaf);
	va_end(args);
	sim.violations++;
}

static bool sim_version_known(u32 v)
{
	switch (v) {
	case HV_VMBUS_VERSION_WIN8:
	case HV_VMBUS_VERSION_WIN8_1:
	case HV_VMBUS_VERSION_WIN10:
	case HV_VMBUS_VERSION_WIN10_V4_1:
	case HV_VMBUS_VERSION_WIN10_V5:
	case HV_VMBUS_VERSION_WIN10_V5_1:
	case HV_VMBUS_VERSION_WIN10_V5_2:
	case HV_VMBUS_VERSION_WIN10_V5_3:
		return true;
	}
	return false;
}

/* ---- simulated interrupts ---- */

static void sim_irq_fire(void *info)
{
	struct sim_irq *si = info;

	/* The csd is free again already (async IPIs unlock before the call). */
	atomic_set(&si->pending, 0);
	si->fn(si);
}

void sim_irq_init(struct sim_irq *si, void (*fn)(struct sim_irq *si))
{
	INIT_CSD(&si->csd, sim_irq_fire, si);
	atomic_set(&si->pending, 0);
	si->fn = fn;
}

void sim_irq_raise(struct sim_irq *si, unsigned int cpu)
{
	if (atomic_xchg(&si->pending, 1))
		return;
	/*
	 * A VP whose CPU is offline has its SynIC off (upstream's
	 * hv_synic_cleanup() on the way down): the hypervisor delivers
	 * nothing there, and nothing elsewhere instead.
	 */
	if (!cpu_online(cpu)) {
		atomic_set(&si->pending, 0);
		sim_violation("an interrupt for VP %u, whose CPU %u is offline, is lost",
			      sim_cpu_to_vp(cpu), cpu);
		return;
	}
	if (smp_call_function_single_async(cpu, &si->csd))
		atomic_set(&si->pending, 0);
}

/* Wait until no handler of @si is pending or running. */
void sim_irq_sync(struct sim_irq *si)
{
	while (atomic_read(&si->pending))
		cpu_relax();
	/* Handlers run with interrupts off: a grace period outlasts them. */
	synchronize_rcu();
}

/* ---- to the guest ---- */

void sim_msg_irq(struct sim_irq *si)
{
	struct sim_msg *m;
	unsigned long flags;

	for (;;) {
		spin_lock_irqsave(&sim.out_lock, flags);
		m = list_first_entry_or_null(&sim.out_msgs, struct sim_msg, node);
		if (m)
			list_del(&m->node);
		spin_unlock_irqrestore(&sim.out_lock, flags);
		if (!m)
			return;
		hvg_vmbus_on_message(m->data, m->len);
		kfree(m);
	}
}

void sim_send_to_guest(const void *msg, u32 len)
{
	struct sim_msg *m = kzalloc(sizeof(*m), GFP_KERNEL);
	unsigned long flags;

	if (WARN_ON(!m || len > HV_MSG_PAYLOAD_MAX)) {
		kfree(m);
		return;
	}
	/* A SynIC switched off takes no messages: they go nowhere. */
	if (READ_ONCE(sim.synic_off)) {
		pr_info("dropped message %u: the guest's SynIC is off\n",
			((const struct hv_chmsg_header *)msg)->msgtype);
		kfree(m);
		return;
	}
	memcpy(m->data, msg, len);
	m->len = len;
	spin_lock_irqsave(&sim.out_lock, flags);
	list_add_tail(&m->node, &sim.out_msgs);
	spin_unlock_irqrestore(&sim.out_lock, flags);
	atomic64_inc(&sim.msgs_out);
	/* Messages go to the VP named in INITIATE_CONTACT. */
	sim_irq_raise(&sim.msg_irq, READ_ONCE(sim.msg_cpu));
}

static void sim_chan_irq(struct sim_irq *si)
{
	struct sim_channel *ch = container_of(si, struct sim_channel, irq);

	hvg_vmbus_on_channel_event(ch->relid);
}

void sim_interrupt_guest(struct sim_channel *ch)
{
	if (READ_ONCE(sim.synic_off))
		return;
	atomic64_inc(&ch->interrupts);
	sim_irq_raise(&ch->irq, ch->target_cpu);
}

/*
 * Take every packet the guest has put in @ch's outbound ring, the host's
 * way: with the ring masked (the guest need not signal while we drain
 * it). @take gets each packet in ch->buf and may return false to stop
 * (the ring is then unmasked: the guest's next signal resumes us).
 * Returns 0 when the ring is empty and still masked, for the caller to
 * poll or unmask (sim_ring_unmask() says if more came meanwhile); -EBUSY
 * when @take stopped; -EPROTO or -EMSGSIZE, counted as a violation, for a
 * ring the guest broke or a packet larger than a device takes.
 */
int sim_ring_drain(struct sim_channel *ch,
		   bool (*take)(struct sim_channel *ch, u32 len))
{
	bool signal;
	int len;

	sim_ring_mask(&ch->out);
	for (;;) {
		len = sim_ring_get(&ch->out, ch->buf, SIM_PKT_MAX, &signal);
		if (len < 0)
			break;
		/* We freed the space a waiting guest asked for. */
		if (signal)
			sim_interrupt_guest(ch);
		ch->bytes_in += len;
		ch->packets_in++;
		if (!take(ch, len)) {
			sim_ring_unmask(&ch->out);
			return -EBUSY;
		}
	}
	if (len == -EAGAIN)
		return 0;
	if (len == -EMSGSIZE)
		sim_violation("%s relid %u: a packet over the %lu bytes the device takes",
			      ch->type->name, ch->relid, SIM_PKT_MAX);
	else
		sim_ring_violation(ch, &ch->out, len);
	sim_ring_unmask(&ch->out);
	return len;
}

/*
 * Count a ring the guest broke (once: it stays broken until the channel
 * is opened again) or another write error.
 */
void sim_ring_violation(struct sim_channel *ch, struct sim_ring *r, int err)
{
	if (err != -EPROTO) {
		pr_err_ratelimited("%s relid %u: ring error %d\n",
				   ch->type->name, ch->relid, err);
		return;
	}
	if (r->why[0]) {
		sim_violation("%s relid %u: %s ring: %s", ch->type->name,
			      ch->relid, r->host_writes ? "inbound" : "outbound",
			      r->why);
		r->why[0] = 0;
	}
}

/* ---- channel bookkeeping ---- */

static struct sim_channel *sim_find_relid(u32 relid)
{
	struct sim_channel *ch;

	list_for_each_entry(ch, &sim.channels, node)
		if (ch->relid == relid)
			return ch;
	return NULL;
}

/* The first relid after @from that no channel uses (they wrap below the limit). */
static u32 sim_free_relid(u32 from)
{
	do {
		from = from % (HV_MAX_RELIDS - 1) + 1;
	} while (sim_find_relid(from));
	return from;
}

static struct sim_gpadl *sim_find_gpadl(u32 handle)
{
	struct sim_gpadl *g;

	list_for_each_entry(g, &sim.gpadls, node)
		if (g->handle == handle)
			return g;
	return NULL;
}

static void sim_chan_work(struct work_struct *work)
{
	struct sim_channel *ch = container_of(work, struct sim_channel, work);

	if (READ_ONCE(ch->open) && !READ_ONCE(ch->rescinded) && ch->type->process)
		ch->type->process(ch);
}

static void sim_send_offer(struct sim_channel *ch)
{
	struct hv_chmsg_offer o = {};

	o.header.msgtype = HV_CHMSG_OFFERCHANNEL;
	o.offer.if_type = ch->type->class_id;
	o.offer.if_instance = ch->instance;
	o.offer.sub_channel_index = ch->sub_index;
	o.child_relid = ch->relid;
	o.connection_id = ch->conn_id;
	/* Network, storage and echo: monitored notification (monitor.c). */
	if (sim_monitor_offer(ch)) {
		o.monitor_allocated = 1;
		o.monitorid = ch->monitor_id;
	}
	sim_send_to_guest(&o, sizeof(o));
}

/*
 * A misbehaving host: offer @relid's device again, as a primary on a new
 * relid. The guest must refuse it; the host keeps no state for it.
 */
int sim_channel_instance(u32 relid, guid_t *instance,
			 const struct sim_device_type **type)
{
	struct sim_channel *ch;
	int ret = -ENOENT;

	mutex_lock(&sim.lock);
	ch = sim_find_relid(relid);
	if (ch) {
		*instance = ch->instance;
		*type = ch->type;
		ret = 0;
	}
	mutex_unlock(&sim.lock);
	return ret;
}

int sim_offer_duplicate(u32 relid)
{
	struct hv_chmsg_offer o = {};
	struct sim_channel *ch;
	u32 dup;
	int ret = 0;

	mutex_lock(&sim.lock);
	ch = sim_find_relid(relid);
	if (!ch || !sim.connected) {
		ret = -ENOENT;
		goto out;
	}
	dup = sim_free_relid(sim.next_relid);
	o.header.msgtype = HV_CHMSG_OFFERCHANNEL;
	o.offer.if_type = ch->type->class_id;
	o.offer.if_instance = ch->instance;
	o.child_relid = dup;
	o.connection_id = SIM_CHANNEL_CONN_BASE + dup;
	sim_send_to_guest(&o, sizeof(o));
	ret = dup;
out:
	mutex_unlock(&sim.lock);
	return ret;
}

int sim_offer(const struct sim_device_type *type, u16 sub_index,
	      const guid_t *instance)
{
	struct sim_channel *ch;
	unsigned long flags;

	ch = kzalloc(sizeof(*ch), GFP_KERNEL);
	if (!ch)
		return -ENOMEM;
	ch->buf = kmalloc(SIM_PKT_MAX, GFP_KERNEL);
	ch->stalled = kmalloc(SIM_PKT_MAX, GFP_KERNEL);
	if (!ch->buf || !ch->stalled) {
		kfree(ch->buf);
		kfree(ch->stalled);
		kfree(ch);
		return -ENOMEM;
	}
	ch->type = type;
	ch->sub_index = sub_index;
	if (instance)
		ch->instance = *instance;
	else if (type->instance)
		ch->instance = *type->instance;
	else if (type->make_instance)
		type->make_instance(&ch->instance);
	else
		guid_gen(&ch->instance);
	INIT_WORK(&ch->work, sim_chan_work);
	sim_irq_init(&ch->irq, sim_chan_irq);

	mutex_lock(&sim.lock);
	sim_monitor_alloc(ch);
	/* relids start at 1 and wrap below the event-flags limit */
	sim.next_relid = sim_free_relid(sim.next_relid);
	ch->relid = sim.next_relid;
	ch->conn_id = SIM_CHANNEL_CONN_BASE + ch->relid;
	spin_lock_irqsave(&sim.chan_lock, flags);
	list_add_tail(&ch->node, &sim.channels);
	spin_unlock_irqrestore(&sim.chan_lock, flags);
	sim_debugfs_channel(ch);
	if (sim.connected)
		sim_send_offer(ch);
	mutex_unlock(&sim.lock);
	return ch->relid;
}

static void sim_close_rings(struct sim_channel *ch)
{
	/* The device stops writing the rings before they go away. */
	if (ch->open && ch->type->closed)
		ch->type->closed(ch);
	WRITE_ONCE(ch->open, false);
	sim_monitor_closed(ch);
	cancel_work_sync(&ch->work);
	sim_irq_sync(&ch->irq);
	sim_ring_detach(&ch->out);
	sim_ring_detach(&ch->in);
	ch->stalled_len = 0;
	if (ch->gpadl)
		ch->gpadl->in_use = false;
	ch->gpadl = NULL;
}

static void sim_free_channel(struct sim_channel *ch)
{
	unsigned long flags;

	sim_close_rings(ch);
	sim_monitor_free(ch);
	spin_lock_irqsave(&sim.chan_lock, flags);
	list_del(&ch->node);
	spin_unlock_irqrestore(&sim.chan_lock, flags);
	debugfs_remove_recursive(ch->dir);
	if (ch->type->release)
		ch->type->release(ch);
	kfree(ch->buf);
	kfree(ch->stalled);
	kfree(ch);
}

static void sim_rescind_locked(struct sim_channel *ch);

int sim_rescind(u32 relid)
{
	struct sim_channel *ch;
	int ret = 0;

	mutex_lock(&sim.lock);
	ch = sim_find_relid(relid);
	if (!ch || ch->rescinded) {
		ret = -ENOENT;
		goto out;
	}
	/* A primary's sub-channels go first, as the host would do it. */
	if (!ch->sub_index) {
		struct sim_channel *sc, *tmp;

		list_for_each_entry_safe(sc, tmp, &sim.channels, node) {
			if (sc->sub_index && !sc->rescinded &&
			    guid_equal(&sc->instance, &ch->instance))
				sim_rescind_locked(sc);
		}
	}
	sim_rescind_locked(ch);
out:
	mutex_unlock(&sim.lock);
	return ret;
}

/* One channel only, whatever its sub-channels (debugfs rescind_alone). */
int sim_rescind_alone(u32 relid)
{
	struct sim_channel *ch;
	int ret = 0;

	mutex_lock(&sim.lock);
	ch = sim_find_relid(relid);
	if (!ch || ch->rescinded)
		ret = -ENOENT;
	else
		sim_rescind_locked(ch);
	mutex_unlock(&sim.lock);
	return ret;
}

/* Forget every GPADL of @relid, as the host does on rescind. */
static void sim_drop_gpadls(u32 relid)
{
	struct sim_gpadl *g, *gt;

	list_for_each_entry_safe(g, gt, &sim.gpadls, node) {
		if (g->relid != relid)
			continue;
		list_del(&g->node);
		kfree(g->pfns);
		kfree(g);
	}
}

static void sim_rescind_locked(struct sim_channel *ch)
{
	struct hv_chmsg_rescind msg = {
		.header.msgtype = HV_CHMSG_RESCIND_CHANNELOFFER,
		.child_relid = ch->relid,
	};

	/* The host stops touching the rings before it says so. */
	ch->rescinded = true;
	if (ch->open && ch->type->closed)
		ch->type->closed(ch);
	WRITE_ONCE(ch->open, false);
	sim_monitor_closed(ch);
	cancel_work_sync(&ch->work);
	sim_irq_sync(&ch->irq);
	/*
	 * The host tears the channel's GPADLs down itself: the guest must not
	 * send GPADL_TEARDOWN for them any more (vmbus_teardown_gpadl()
	 * skips it once the channel is rescinded).
	 */
	sim_ring_detach(&ch->out);
	sim_ring_detach(&ch->in);
	ch->stalled_len = 0;
	ch->gpadl = NULL;
	sim_drop_gpadls(ch->relid);
	if (sim.connected)
		sim_send_to_guest(&msg, sizeof(msg));
	else
		sim_free_channel(ch);
}

/* ---- from the guest ---- */

static void sim_handle_contact(struct sim_msg *m)
{
	struct hv_chmsg_initiate_contact *c = (void *)m->data;
	struct hv_chmsg_version_response r = {
		.header.msgtype = HV_CHMSG_VERSION_RESPONSE,
	};
	u32 v = c->vmbus_version_requested;
	u32 want_conn = v >= HV_VMBUS_VERSION_WIN10_V5 ?
			HV_VMBUS_MESSAGE_CONNECTION_ID_4 :
			HV_VMBUS_MESSAGE_CONNECTION_ID;
	void *int_page;
	int msg_cpu;

	if (m->conn_id != want_conn)
		sim_violation("INITIATE_CONTACT %#x on connection id %u, not %u",
			      v, m->conn_id, want_conn);
	if (v < HV_VMBUS_VERSION_WIN10_V5 &&
	    (!c->monitor_page1 || !c->monitor_page2))
		sim_violation("INITIATE_CONTACT without monitor pages");
	/*
	 * Below 5.0 the field is the guest's interrupt page, which the host
	 * reads when the guest signals (drivers/hv/connection.c passes
	 * int_page there; vmbus_set_event() sets the relid's bit in its
	 * second half).
	 */
	int_page = v < HV_VMBUS_VERSION_WIN10_V5 ?
		   sim_guest_page(c->interrupt_page_or_sint) : NULL;
	if (v < HV_VMBUS_VERSION_WIN10_V5 && !int_page)
		sim_violation("INITIATE_CONTACT %#x: interrupt page %#llx is not a page of RAM",
			      v, c->interrupt_page_or_sint);
	if (v >= HV_VMBUS_VERSION_WIN10_V5 &&
	    (c->interrupt_page_or_sint & 0xff) != HV_VMBUS_MESSAGE_SINT)
		sim_violation("INITIATE_CONTACT names SINT %llu",
			      c->interrupt_page_or_sint & 0xff);

	msg_cpu = sim_vp_to_cpu(c->target_vcpu);
	if (msg_cpu < 0) {
		sim_violation("INITIATE_CONTACT: target VP %u", c->target_vcpu);
		msg_cpu = cpumask_first(cpu_online_mask);
	}

	if (sim_version_known(v) && v <= sim_host_version && !sim.connected) {
		r.version_supported = 1;
		WRITE_ONCE(sim.msg_cpu, msg_cpu);
		sim.version = v;
		sim.connected = true;
		if (int_page)
			WRITE_ONCE(sim.send_int_bits, int_page + PAGE_SIZE / 2);
		if (v >= HV_VMBUS_VERSION_WIN10_V5)
			r.msg_conn_id = SIM_MSG_CONN_ID;
		sim_monitor_connect(c->monitor_page1, c->monitor_page2);
		pr_info("guest connected with protocol %u.%u\n",
			HV_VMBUS_VERSION_MAJOR(v), HV_VMBUS_VERSION_MINOR(v));
	}
	sim_send_to_guest(&r, sizeof(r));
}

static void sim_handle_request_offers(void)
{
	struct hv_chmsg_header done = {
		.msgtype = HV_CHMSG_ALLOFFERS_DELIVERED,
	};
	struct sim_channel *ch;

	list_for_each_entry(ch, &sim.channels, node)
		if (!ch->rescinded)
			sim_send_offer(ch);
	sim_send_to_guest(&done, sizeof(done));
}

static void sim_gpadl_created(struct sim_gpadl *g, u32 status)
{
	struct hv_chmsg_gpadl_created r = {
		.header.msgtype = HV_CHMSG_GPADL_CREATED,
		.child_relid = g->relid,
		.gpadl = g->handle,
		.creation_status = status,
	};
	u32 i;

	if (!status) {
		/* Every page must be real guest memory. */
		for (i = 0; i < g->npfns; i++) {
			if (!pfn_valid(g->pfns[i])) {
				sim_violation("GPADL %u: PFN %#llx is not RAM",
					      g->handle, g->pfns[i]);
				r.creation_status = 0xc0000001;
				break;
			}
		}
	}
	sim_send_to_guest(&r, sizeof(r));
	if (r.creation_status) {
		list_del(&g->node);
		kfree(g->pfns);
		kfree(g);
	}
}

static void sim_handle_gpadl_header(struct sim_msg *m)
{
	struct hv_chmsg_gpadl_header *h = (void *)m->data;
	struct hv_gpa_range *range = (void *)h->range;
	struct sim_gpadl *g;
	u32 npfns, inmsg;

	if (h->rangecount != 1 || m->len < sizeof(*h) + sizeof(*range)) {
		sim_violation("GPADL header with %u ranges", h->rangecount);
		return;
	}
	if (range->byte_offset >= PAGE_SIZE || !range->byte_count) {
		sim_violation("GPADL %u: range offset %u count %u", h->gpadl,
			      range->byte_offset, range->byte_count);
		return;
	}
	npfns = DIV_ROUND_UP(range->byte_offset + (u64)range->byte_count,
			     PAGE_SIZE);
	if (h->range_buflen != sizeof(struct hv_gpa_range) + npfns * sizeof(u64)) {
		sim_violation("GPADL %u: range_buflen %u for %u pages", h->gpadl,
			      h->range_buflen, npfns);
		return;
	}
	if (sim_find_gpadl(h->gpadl) || !sim_find_relid(h->child_relid)) {
		sim_violation("GPADL %u for relid %u: duplicate or unknown",
			      h->gpadl, h->child_relid);
		return;
	}
	inmsg = (m->len - sizeof(*h) - sizeof(struct hv_gpa_range)) / sizeof(u64);
	if (inmsg > npfns || (inmsg < npfns && inmsg < HV_GPADL_HEADER_PFNS)) {
		sim_violation("GPADL %u: header carries %u of %u PFNs",
			      h->gpadl, inmsg, npfns);
		return;
	}
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return;
	g->pfns = kcalloc(npfns, sizeof(u64), GFP_KERNEL);
	if (!g->pfns) {
		kfree(g);
		return;
	}
	g->handle = h->gpadl;
	g->relid = h->child_relid;
	g->npfns = npfns;
	memcpy(g->pfns, range->pfn_array, inmsg * sizeof(u64));
	g->received = inmsg;
	g->next_msgnumber = 1;
	list_add_tail(&g->node, &sim.gpadls);
	if (g->received == g->npfns)
		sim_gpadl_created(g, 0);
}

static void sim_handle_gpadl_body(struct sim_msg *m)
{
	struct hv_chmsg_gpadl_body *b = (void *)m->data;
	struct sim_gpadl *g = sim_find_gpadl(b->gpadl);
	u32 n = (m->len - sizeof(*b)) / sizeof(u64);

	if (!g || g->received == g->npfns) {
		sim_violation("GPADL body for unknown or complete GPADL %u",
			      b->gpadl);
		return;
	}
	if (b->msgnumber != g->next_msgnumber || !n ||
	    n > g->npfns - g->received) {
		sim_violation("GPADL %u: body %u with %u PFNs (%u of %u so far)",
			      b->gpadl, b->msgnumber, n, g->received, g->npfns);
		sim_gpadl_created(g, 0xc000000d);
		return;
	}
	memcpy(g->pfns + g->received, b->pfn, n * sizeof(u64));
	g->received += n;
	g->next_msgnumber++;
	if (g->received == g->npfns)
		sim_gpadl_created(g, 0);
}

static void sim_handle_open(struct sim_msg *m)
{
	struct hv_chmsg_open *o = (void *)m->data;
	struct hv_chmsg_open_result r = {
		.header.msgtype = HV_CHMSG_OPENCHANNEL_RESULT,
		.child_relid = o->child_relid,
		.openid = o->openid,
	};
	struct sim_channel *ch = sim_find_relid(o->child_relid);
	struct sim_gpadl *g = sim_find_gpadl(o->ringbuffer_gpadl);
	u32 off = o->downstream_ring_page_offset;
	u32 delay = READ_ONCE(sim.open_delay_ms);
	int cpu, ret;

	/* A slow host: everything after this message waits too. */
	if (delay)
		msleep(delay);

	if (!ch || ch->rescinded || ch->open) {
		sim_violation("OPENCHANNEL for relid %u: unknown, rescinded or open",
			      o->child_relid);
		r.status = 0xc0000001;
		goto reply;
	}
	if (!g || g->relid != ch->relid || g->received != g->npfns ||
	    g->in_use) {
		sim_violation("OPENCHANNEL relid %u: bad GPADL %u", ch->relid,
			      o->ringbuffer_gpadl);
		r.status = 0xc0000001;
		goto reply;
	}
	/* Each ring needs its header page and at least one data page. */
	if (off < 2 || off > g->npfns - 2) {
		sim_violation("OPENCHANNEL relid %u: ring split at page %u of %u",
			      ch->relid, off, g->npfns);
		r.status = 0xc000000d;
		goto reply;
	}
	cpu = sim_vp_to_cpu(o->target_vp);
	if (cpu < 0) {
		sim_violation("OPENCHANNEL relid %u: target VP %u", ch->relid,
			      o->target_vp);
		ch->target_cpu = cpumask_first(cpu_online_mask);
	} else {
		ch->target_cpu = cpu;
	}
	ret = sim_ring_attach(&ch->out, g->pfns, off, false);
	if (!ret)
		ret = sim_ring_attach(&ch->in, g->pfns + off, g->npfns - off,
				      true);
	if (ret) {
		if (ret == -EPROTO)
			sim_violation("OPENCHANNEL relid %u: %s", ch->relid,
				      ch->out.broken ? ch->out.why : ch->in.why);
		sim_ring_detach(&ch->out);
		sim_ring_detach(&ch->in);
		r.status = ret == -EPROTO ? 0xc000000d : 0xc000009a;
		goto reply;
	}
	g->in_use = true;
	ch->gpadl = g;
	ch->stalled_len = 0;
	WRITE_ONCE(ch->open, true);
	sim_monitor_opened(ch);
reply:
	sim_send_to_guest(&r, sizeof(r));
	if (!r.status && ch->type->opened)
		ch->type->opened(ch);
}

static void sim_handle_close(struct sim_msg *m)
{
	struct hv_chmsg_close *c = (void *)m->data;
	struct sim_channel *ch = sim_find_relid(c->child_relid);

	if (!ch || (!ch->open && !ch->rescinded)) {
		sim_violation("CLOSECHANNEL for relid %u that is not open",
			      c->child_relid);
		return;
	}
	sim_close_rings(ch);
}

static void sim_handle_teardown(struct sim_msg *m)
{
	struct hv_chmsg_gpadl_teardown *t = (void *)m->data;
	struct hv_chmsg_gpadl_torndown r = {
		.header.msgtype = HV_CHMSG_GPADL_TORNDOWN,
		.gpadl = t->gpadl,
	};
	struct sim_gpadl *g = sim_find_gpadl(t->gpadl);
	struct sim_channel *ch = sim_find_relid(t->child_relid);

	if (ch && ch->rescinded) {
		sim_violation("GPADL_TEARDOWN of GPADL %u after rescind of relid %u",
			      t->gpadl, t->child_relid);
		return;
	}
	if (!g || g->relid != t->child_relid) {
		sim_violation("GPADL_TEARDOWN of unknown GPADL %u (relid %u)",
			      t->gpadl, t->child_relid);
		return;
	}
	if (g->in_use) {
		sim_violation("GPADL_TEARDOWN of GPADL %u while its channel is open",
			      t->gpadl);
		if (ch)
			sim_close_rings(ch);
	}
	/*
	 * A slow host: the answer comes this late, and until it does the
	 * GPADL's pages are the host's. The first page of each block the
	 * guest allocates carries its reference: it must not be free.
	 */
	if (READ_ONCE(sim.teardown_delay_ms)) {
		msleep(READ_ONCE(sim.teardown_delay_ms));
		if (g->npfns && pfn_valid(g->pfns[0]) &&
		    !page_count(pfn_to_page(g->pfns[0])))
			sim_violation("guest freed GPADL %u before GPADL_TORNDOWN",
				      t->gpadl);
	}
	list_del(&g->node);
	kfree(g->pfns);
	kfree(g);
	/* A rescinded channel's GPADL goes quietly: nobody waits for it. */
	if (!ch || !ch->rescinded)
		sim_send_to_guest(&r, sizeof(r));
}

static void sim_handle_relid_released(struct sim_msg *m)
{
	struct hv_chmsg_relid_released *rr = (void *)m->data;
	struct sim_channel *ch = sim_find_relid(rr->child_relid);

	if (!ch || !ch->rescinded) {
		sim_violation("RELID_RELEASED for relid %u not rescinded",
			      rr->child_relid);
		return;
	}
	sim_free_channel(ch);
}

static void sim_handle_modify(struct sim_msg *m)
{
	struct hv_chmsg_modifychannel *mc = (void *)m->data;
	struct hv_chmsg_modifychannel_response r = {
		.header.msgtype = HV_CHMSG_MODIFYCHANNEL_RESPONSE,
		.child_relid = mc->child_relid,
	};
	struct sim_channel *ch = sim_find_relid(mc->child_relid);
	int cpu;

	if (sim.version < HV_VMBUS_VERSION_WIN10_V4_1)
		sim_violation("MODIFYCHANNEL under protocol %#x", sim.version);
	/* Hyper-V ignores MODIFYCHANNEL for a channel that is not open. */
	if (ch && !ch->open) {
		sim_violation("MODIFYCHANNEL for relid %u, which is not open",
			      mc->child_relid);
		return;
	}
	cpu = sim_vp_to_cpu(mc->target_vp);
	if (!ch || cpu < 0) {
		sim_violation("MODIFYCHANNEL relid %u to VP %u", mc->child_relid,
			      mc->target_vp);
		r.status = 0xc000000d;
	} else {
		sim_irq_sync(&ch->irq);
		ch->target_cpu = cpu;
	}
	/* Only 5.3 hosts acknowledge (drivers/hv/channel.c). */
	if (sim.version >= HV_VMBUS_VERSION_WIN10_V5_3)
		sim_send_to_guest(&r, sizeof(r));
}

/* UNLOAD: forget the guest's channels state and GPADLs, keep the devices. */
static void sim_reset(void)
{
	struct sim_channel *ch, *tmp;
	struct sim_gpadl *g, *gt;

	/* Sub-channels exist only for the connection that asked for them. */
	list_for_each_entry_safe(ch, tmp, &sim.channels, node) {
		if (ch->rescinded || ch->sub_index)
			sim_free_channel(ch);
		else
			sim_close_rings(ch);
	}
	list_for_each_entry_safe(g, gt, &sim.gpadls, node) {
		list_del(&g->node);
		kfree(g->pfns);
		kfree(g);
	}
	sim_monitor_disconnect();
	WRITE_ONCE(sim.send_int_bits, NULL);
	sim.connected = false;
	sim.version = 0;
}

static void sim_handle_unload(void)
{
	struct hv_chmsg_header r = { .msgtype = HV_CHMSG_UNLOAD_RESPONSE };
	u32 delay = READ_ONCE(sim.unload_delay_ms);
	unsigned long *bits = READ_ONCE(sim.send_int_bits);

	/* Hosts before 3.0 have no UNLOAD (vmbus_initiate_unload()). */
	if (sim.version < HV_VMBUS_VERSION_WIN8_1) {
		sim_violation("UNLOAD at protocol %u.%u: hosts before 3.0 have none",
			      HV_VMBUS_VERSION_MAJOR(sim.version),
			      HV_VMBUS_VERSION_MINOR(sim.version));
		return;
	}
	/*
	 * A slow host: its message loop is busy this long before it answers
	 * (Azure has been seen to take ~50 s). Until the answer the pages
	 * are the host's to write: the guest must not have freed them.
	 */
	if (delay) {
		msleep(delay);
		if (!sim_monitor_pages_held() ||
		    (bits && !page_count(virt_to_page(bits))))
			sim_violation("guest freed a shared page before UNLOAD_RESPONSE");
	}
	sim_reset();
	sim_send_to_guest(&r, sizeof(r));
	pr_info("answered UNLOAD\n");
}

/* The smallest valid size of each message the guest may send. */
static const u16 sim_min_size[HV_CHMSG_COUNT] = {
	[HV_CHMSG_REQUESTOFFERS] = sizeof(struct hv_chmsg_header),
	[HV_CHMSG_OPENCHANNEL] = sizeof(struct hv_chmsg_open),
	[HV_CHMSG_CLOSECHANNEL] = sizeof(struct hv_chmsg_close),
	[HV_CHMSG_GPADL_HEADER] = sizeof(struct hv_chmsg_gpadl_header),
	[HV_CHMSG_GPADL_BODY] = sizeof(struct hv_chmsg_gpadl_body),
	[HV_CHMSG_GPADL_TEARDOWN] = sizeof(struct hv_chmsg_gpadl_teardown),
	[HV_CHMSG_RELID_RELEASED] = sizeof(struct hv_chmsg_relid_released),
	[HV_CHMSG_INITIATE_CONTACT] = sizeof(struct hv_chmsg_initiate_contact),
	[HV_CHMSG_UNLOAD] = sizeof(struct hv_chmsg_header),
	[HV_CHMSG_MODIFYCHANNEL] = sizeof(struct hv_chmsg_modifychannel),
};

static void sim_msg_work(struct work_struct *work)
{
	struct sim_msg *m = container_of(work, struct sim_msg, work);
	u32 type = ((struct hv_chmsg_header *)m->data)->msgtype;
	u32 want_conn;

	mutex_lock(&sim.lock);
	if (type != HV_CHMSG_INITIATE_CONTACT) {
		want_conn = sim.version >= HV_VMBUS_VERSION_WIN10_V5 ?
			    SIM_MSG_CONN_ID : HV_VMBUS_MESSAGE_CONNECTION_ID;
		if (!sim.connected)
			sim_violation("message %u before INITIATE_CONTACT", type);
		else if (m->conn_id != want_conn)
			sim_violation("message %u on connection id %u, not %u",
				      type, m->conn_id, want_conn);
	}
	switch (type) {
	case HV_CHMSG_INITIATE_CONTACT:
		sim_handle_contact(m);
		break;
	case HV_CHMSG_REQUESTOFFERS:
		sim_handle_request_offers();
		break;
	case HV_CHMSG_GPADL_HEADER:
		sim_handle_gpadl_header(m);
		break;
	case HV_CHMSG_GPADL_BODY:
		sim_handle_gpadl_body(m);
		break;
	case HV_CHMSG_OPENCHANNEL:
		sim_handle_open(m);
		break;
	case HV_CHMSG_CLOSECHANNEL:
		sim_handle_close(m);
		break;
	case HV_CHMSG_GPADL_TEARDOWN:
		sim_handle_teardown(m);
		break;
	case HV_CHMSG_RELID_RELEASED:
		sim_handle_relid_released(m);
		break;
	case HV_CHMSG_MODIFYCHANNEL:
		sim_handle_modify(m);
		break;
	case HV_CHMSG_UNLOAD:
		sim_handle_unload();
		break;
	}
	mutex_unlock(&sim.lock);
	kfree(m);
}

/* Is the host's message queue full for this post (debugfs busy_*)? */
static bool sim_post_busy(void)
{
	u32 every = READ_ONCE(sim.busy_every), burst = READ_ONCE(sim.busy_burst);
	u32 n;

	if (!every || !burst)
		return false;
	n = (u32)atomic_inc_return(&sim.posts_seen);
	return n % (every + burst) >= every;
}

/* HvPostMessage: copy, check the size, queue for the message loop. */
int sim_post_from_guest(u32 conn_id, const void *msg, u32 len)
{
	struct sim_msg *m;
	u32 type;

	if (len < sizeof(struct hv_chmsg_header) || len > HV_MSG_PAYLOAD_MAX)
		return -EINVAL;
	/*
	 * HvPostMessage to a port the host does not have fails at once, with
	 * HV_STATUS_INVALID_CONNECTION_ID: the message is not delivered. A
	 * guest probing an older host with INITIATE_CONTACT on id 4 expects
	 * this; anything else on an unknown id is the guest's mistake.
	 */
	type = ((const struct hv_chmsg_header *)msg)->msgtype;
	if (!sim_msg_conn_known(conn_id)) {
		atomic64_inc(&sim.unknown_conn_posts);
		if (type != HV_CHMSG_INITIATE_CONTACT)
			sim_violation("message %u posted on unknown connection id %u",
				      type, conn_id);
		return -ENXIO;
	}
	if (sim_post_busy()) {
		atomic64_inc(&sim.busy_refusals);
		return -ENOBUFS;
	}
	/* Callers may be atomic (panic). */
	m = kzalloc(sizeof(*m), GFP_ATOMIC);
	if (!m)
		return -ENOMEM;
	memcpy(m->data, msg, len);
	m->len = len;
	m->conn_id = conn_id;
	type = ((struct hv_chmsg_header *)m->data)->msgtype;
	if (type >= HV_CHMSG_COUNT || !sim_min_size[type] ||
	    len < sim_min_size[type]) {
		sim_violation("message type %u of %u bytes", type, len);
		kfree(m);
		/* A real host answers HV_STATUS_INVALID_PARAMETER. */
		return -EINVAL;
	}
	atomic64_inc(&sim.msgs_in);
	/*
	 * Recorded as it is posted: on panic the guest posts UNLOAD from its
	 * panic notifier and nothing runs after it, not even our workqueue.
	 */
	if (type == HV_CHMSG_UNLOAD)
		pr_info("guest posted UNLOAD\n");
	INIT_WORK(&m->work, sim_msg_work);
	queue_work(sim.msg_wq, &m->work);
	return 0;
}

/* HvSignalEvent: wake the channel's host worker. */
void sim_signal_from_guest(u32 conn_id)
{
	struct sim_channel *ch;
	unsigned long flags;

	spin_lock_irqsave(&sim.chan_lock, flags);
	list_for_each_entry(ch, &sim.channels, node) {
		if (ch->conn_id == conn_id) {
			unsigned long *bits = READ_ONCE(sim.send_int_bits);

			/*
			 * Below 5.0 a channel without a dedicated interrupt
			 * (none of ours has one) is signalled by its relid's
			 * bit in the interrupt page as well; the host takes
			 * the bit. Assumption, the documentation being
			 * silent: the host still finds the channel by its
			 * connection id, and counts the missing bit.
			 */
			if (bits && !sync_test_and_clear_bit(ch->relid, bits))
				sim_violation("relid %u signalled, no interrupt page bit",
					      ch->relid);
			atomic64_inc(&ch->signals);
			if (READ_ONCE(ch->open))
				queue_work(sim.chan_wq, &ch->work);
			break;
		}
	}
	spin_unlock_irqrestore(&sim.chan_lock, flags);
}

void sim_host_stop(void)
{
	struct sim_channel *ch, *tmp;

	mutex_lock(&sim.lock);
	sim_reset();
	list_for_each_entry_safe(ch, tmp, &sim.channels, node)
		sim_free_channel(ch);
	mutex_unlock(&sim.lock);
}
