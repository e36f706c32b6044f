// SPDX-License-Identifier: GPL-2.0
/*
 * The host side of monitored notification (MNF, include/hv/monitor.h).
 *
 * Hyper-V offers its performance-critical channels (storage, network)
 * with monitor_allocated set and a monitor id; the guest then signals
 * them by setting the id's bit in the client monitor page it gave in
 * INITIATE_CONTACT, and the host looks at those bits once per monitor
 * latency period, "currently around 100 usecs" (the comment above
 * low_latency in include/linux/hyperv.h). Several signals within one
 * period cost the host one wakeup.
 *
 * Here an hrtimer plays the hypervisor's scan: it runs while at least one
 * monitored channel is open, takes each trigger group's pending bits
 * with one atomic exchange and wakes the channels' host workers. Unlike
 * Hyper-V's fixed period, a scan that finds nothing doubles the next
 * period, up to 64 latencies (6.4 ms): an idle open channel would
 * otherwise cost an emulated guest 10,000 timer interrupts a second. The
 * first signal after a quiet spell therefore waits longer. The host
 * also fills in what a guest reads back through sysfs: the latency and
 * connection id of each monitored channel, in both pages, and the group
 * enable bits.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/bitmap.h>
#include <linux/hrtimer.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <hv/monitor.h>
#include <asm/sync_bitops.h>
#include "compat.h"
#include "sim.h"

static bool monitor = true;
module_param(monitor, bool, 0444);
MODULE_PARM_DESC(monitor,
		 "Offer network, storage and echo channels with monitored notification, as Hyper-V does (default: yes)");

static ushort monitor_latency = 1000;
module_param(monitor_latency, ushort, 0444);
MODULE_PARM_DESC(monitor_latency,
		 "Monitor scan period in 100 ns units (default 1000: 100 us)");

static struct {
	struct hv_monitor_page *page[2];	/* the guest's: server, client */
	DECLARE_BITMAP(used, HV_MONITOR_IDS);	/* under sim.lock */
	struct sim_channel *by_id[HV_MONITOR_IDS];	/* under sim.chan_lock */
	atomic_t polled;			/* open monitored channels */
	unsigned int backoff;			/* periods doubled since a find */
	struct hrtimer timer;
} sim_mon;

#define SIM_MONITOR_MAX_BACKOFF	6

static ktime_t sim_monitor_period(void)
{
	u64 ns = (u64)max_t(ushort, monitor_latency, 1) * 100;

	return ns_to_ktime(ns << READ_ONCE(sim_mon.backoff));
}

static enum hrtimer_restart sim_monitor_scan(struct hrtimer *t)
{
	struct hv_monitor_page *mp = READ_ONCE(sim_mon.page[1]);
	unsigned long *int_bits = READ_ONCE(sim.send_int_bits);
	struct sim_channel *ch;
	unsigned long flags;
	unsigned int g, b;
	bool found = false;
	u32 pending;

	if (!mp)
		return HRTIMER_NORESTART;
	atomic64_inc(&sim.monitor_scans);
	for (g = 0; g < HV_MONITOR_GROUPS; g++) {
		if (!READ_ONCE(mp->trigger_group[g].pending))
			continue;
		pending = xchg(&mp->trigger_group[g].pending, 0);
		found = true;
		spin_lock_irqsave(&sim.chan_lock, flags);
		while (pending) {
			b = __ffs(pending);
			pending &= pending - 1;
			ch = sim_mon.by_id[g * HV_MONITOR_BITS + b];
			if (!ch || !ch->monitored) {
				sim_violation("monitor bit %u:%u set for no monitored channel",
					      g, b);
				continue;
			}
			/* The guest set the interrupt page bit as well. */
			if (int_bits)
				sync_clear_bit(ch->relid, int_bits);
			atomic64_inc(&ch->monitor_signals);
			if (READ_ONCE(ch->open))
				queue_work(sim.chan_wq, &ch->work);
		}
		spin_unlock_irqrestore(&sim.chan_lock, flags);
	}
	if (!atomic_read(&sim_mon.polled))
		return HRTIMER_NORESTART;
	if (found)
		WRITE_ONCE(sim_mon.backoff, 0);
	else if (sim_mon.backoff < SIM_MONITOR_MAX_BACKOFF)
		WRITE_ONCE(sim_mon.backoff, sim_mon.backoff + 1);
	hrtimer_forward_now(t, sim_monitor_period());
	return HRTIMER_RESTART;
}

/* INITIATE_CONTACT was accepted: take the guest's monitor pages. */
void sim_monitor_connect(u64 page1, u64 page2)
{
	struct hv_monitor_page *p1 = sim_guest_page(page1);
	struct hv_monitor_page *p2 = sim_guest_page(page2);

	if (!p1 || !p2 || p1 == p2) {
		if (page1 || page2)
			sim_violation("monitor pages %#llx and %#llx are not two pages of RAM",
				      page1, page2);
		return;
	}
	WRITE_ONCE(sim_mon.page[0], p1);
	WRITE_ONCE(sim_mon.page[1], p2);
}

/*
 * The guest's monitor pages are still its own: allocated, not handed back
 * to the page allocator (a free page has no references).
 */
bool sim_monitor_pages_held(void)
{
	struct hv_monitor_page *p1 = READ_ONCE(sim_mon.page[0]);
	struct hv_monitor_page *p2 = READ_ONCE(sim_mon.page[1]);

	return (!p1 || page_count(virt_to_page(p1))) &&
	       (!p2 || page_count(virt_to_page(p2)));
}

/* UNLOAD or host stop: the guest frees its pages after our answer. */
void sim_monitor_disconnect(void)
{
	WRITE_ONCE(sim_mon.page[0], NULL);
	WRITE_ONCE(sim_mon.page[1], NULL);
	hrtimer_cancel(&sim_mon.timer);
}

/* A new channel of a monitored type gets a monitor id, if one is free. */
void sim_monitor_alloc(struct sim_channel *ch)
{
	unsigned long flags;
	unsigned int id;

	ch->monitor_id = -1;
	if (!monitor || !ch->type->monitored)
		return;
	id = find_first_zero_bit(sim_mon.used, HV_MONITOR_IDS);
	if (id >= HV_MONITOR_IDS)
		return;
	__set_bit(id, sim_mon.used);
	ch->monitor_id = id;
	spin_lock_irqsave(&sim.chan_lock, flags);
	sim_mon.by_id[id] = ch;
	spin_unlock_irqrestore(&sim.chan_lock, flags);
}

void sim_monitor_free(struct sim_channel *ch)
{
	unsigned long flags;

	if (ch->monitor_id < 0)
		return;
	spin_lock_irqsave(&sim.chan_lock, flags);
	sim_mon.by_id[ch->monitor_id] = NULL;
	spin_unlock_irqrestore(&sim.chan_lock, flags);
	__clear_bit(ch->monitor_id, sim_mon.used);
	ch->monitor_id = -1;
}

/*
 * About to offer @ch: if it has a monitor id and the guest gave us pages,
 * publish its latency and connection id there and say true (the offer
 * then carries monitor_allocated). Called under sim.lock.
 */
bool sim_monitor_offer(struct sim_channel *ch)
{
	unsigned int g, b, i;

	ch->monitored = false;
	if (ch->monitor_id < 0 || !sim_mon.page[0] || !sim_mon.page[1])
		return false;
	g = hv_monitor_group(ch->monitor_id);
	b = hv_monitor_bit(ch->monitor_id);
	for (i = 0; i < 2; i++) {
		struct hv_monitor_page *mp = sim_mon.page[i];

		WRITE_ONCE(mp->latency[g][b], monitor_latency);
		WRITE_ONCE(mp->parameter[g][b].connection_id,
			   ch->conn_id & HV_MONITOR_CONN_ID_MASK);
		WRITE_ONCE(mp->parameter[g][b].flag_number, 0);
		WRITE_ONCE(mp->trigger_state, mp->trigger_state | BIT(g));
	}
	ch->monitored = true;
	return true;
}

/* A monitored channel opened or closed: scan while any is open. */
void sim_monitor_opened(struct sim_channel *ch)
{
	if (!ch->monitored || ch->monitor_polled)
		return;
	ch->monitor_polled = true;
	WRITE_ONCE(sim_mon.backoff, 0);
	if (atomic_inc_return(&sim_mon.polled) == 1 && sim_mon.page[1])
		hrtimer_start(&sim_mon.timer, sim_monitor_period(),
			      HRTIMER_MODE_REL);
}

void sim_monitor_closed(struct sim_channel *ch)
{
	if (!ch->monitor_polled)
		return;
	ch->monitor_polled = false;
	atomic_dec(&sim_mon.polled);
}

void sim_monitor_init(void)
{
	hrtimer_setup(&sim_mon.timer, sim_monitor_scan, CLOCK_MONOTONIC,
		      HRTIMER_MODE_REL);
}
