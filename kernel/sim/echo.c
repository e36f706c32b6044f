// SPDX-License-Identifier: GPL-2.0
/*
 * The echo device (test only): every packet the guest sends comes back
 * unchanged, descriptor and all. It exercises the ring machinery from the
 * host side with the host's rules: read while masked, unmask and look
 * again, reply without signalling a guest that is already busy, and when
 * the guest's inbound ring is full, ask for space with pending_send_sz
 * and wait for its signal.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <hv/classes.h>
#include "sim.h"

/*
 * How long the host worker keeps polling an empty ring, still masked,
 * before it unmasks and sleeps. Hyper-V's documentation is silent on how
 * its VSPs poll; this is the simulator's assumption, and a parameter so a
 * benchmark can show both: 0 means "sleep as soon as the ring is empty",
 * the worst case for the number of guest signals.
 */
static unsigned int poll_us;
module_param(poll_us, uint, 0644);
MODULE_PARM_DESC(poll_us, "Microseconds the echo host polls an empty ring before sleeping");

static bool sim_echo_poll(struct sim_channel *ch)
{
	ktime_t end = ktime_add_us(ktime_get(), READ_ONCE(poll_us));

	while (ktime_before(ktime_get(), end)) {
		if (sim_ring_unread(&ch->out))
			return true;
		cpu_relax();
	}
	return false;
}

/* Returns false when the guest's ring is full: try again on its signal. */
static bool sim_echo_reply(struct sim_channel *ch, void *pkt, u32 len)
{
	struct kvec kv = { .iov_base = pkt, .iov_len = len };
	bool signal;
	int ret;

	ret = sim_ring_put(&ch->in, &kv, 1, true, &signal);
	if (ret == -EAGAIN)
		return false;
	if (ret) {
		sim_ring_violation(ch, &ch->in, ret);
		return true;
	}
	ch->bytes_out += len;
	ch->packets_out++;
	if (signal)
		sim_interrupt_guest(ch);
	return true;
}

/* The guest's echo driver asks for sub-channels (tests/echo_test.c). */
#define SIM_ECHO_CTRL_SUBCHANNELS	0x43425553	/* "SUBC" */
#define SIM_ECHO_MAX_SUBCHANNELS	8

struct sim_subchannel_work {
	struct work_struct work;
	guid_t instance;
	u32 count;
};

static void sim_offer_subchannels(struct work_struct *work)
{
	struct sim_subchannel_work *sw =
		container_of(work, struct sim_subchannel_work, work);
	u32 i;

	for (i = 1; i <= sw->count; i++)
		if (sim_offer(&sim_echo_type, i, &sw->instance) < 0)
			break;
	kfree(sw);
}

/*
 * A control packet: answer with a completion carrying the same id, then
 * offer the sub-channels from the host's message loop (offers are
 * channel messages, and the loop owns the channel list).
 */
static bool sim_echo_control(struct sim_channel *ch, u8 *pkt, u32 len)
{
	struct hv_pkt_desc *desc = (void *)pkt;
	u32 off = desc->offset8 * 8, magic, count;
	struct sim_subchannel_work *sw;

	if (desc->type != HV_PKT_DATA_INBAND || ch->sub_index ||
	    len < off + 2 * sizeof(u32))
		return false;
	memcpy(&magic, pkt + off, sizeof(magic));
	if (magic != SIM_ECHO_CTRL_SUBCHANNELS)
		return false;
	memcpy(&count, pkt + off + sizeof(magic), sizeof(count));
	if (!count || count > SIM_ECHO_MAX_SUBCHANNELS) {
		sim_violation("echo: %u sub-channels requested", count);
		count = 0;
	}
	/* The reply is the request turned into a completion. */
	desc->type = HV_PKT_COMP;
	desc->flags = 0;
	sw = kzalloc(sizeof(*sw), GFP_KERNEL);
	if (sw && count) {
		sw->instance = ch->instance;
		sw->count = count;
		INIT_WORK(&sw->work, sim_offer_subchannels);
		queue_work(sim.msg_wq, &sw->work);
	} else {
		kfree(sw);
	}
	return true;
}

/* One packet from the guest, in ch->buf: send it back. */
static bool sim_echo_take(struct sim_channel *ch, u32 len)
{
	sim_echo_control(ch, ch->buf, len);
	if (sim_echo_reply(ch, ch->buf, len))
		return true;
	/* The guest's ring is full: keep it for its next signal. */
	memcpy(ch->stalled, ch->buf, len);
	ch->stalled_len = len;
	return false;
}

static void sim_echo_process(struct sim_channel *ch)
{
	if (ch->stalled_len) {
		if (!sim_echo_reply(ch, ch->stalled, ch->stalled_len))
			return;
		ch->stalled_len = 0;
	}
	for (;;) {
		if (sim_ring_drain(ch, sim_echo_take))
			return;
		if (sim_echo_poll(ch))
			continue;
		if (!sim_ring_unmask(&ch->out))
			return;
	}
}

const struct sim_device_type sim_echo_type = {
	.name = "echo",
	.class_id = HV_CLASS_ECHO,
	.process = sim_echo_process,
	.monitored = true,
};

/*
 * Devices of a default Generation 2 VM without a host protocol here yet
 * (the integration components are in ic.c). They accept open/close and
 * ignore packets, so the guest sees the
 * same bus as on Hyper-V and their drivers can be added one by one.
 */
static const struct sim_device_type sim_types[] = {
	{ .name = "nic", .class_id = HV_CLASS_NIC, .monitored = true },
};

const struct sim_device_type *sim_type_by_name(const char *name)
{
	unsigned int i;

	if (!strcmp(name, sim_echo_type.name))
		return &sim_echo_type;
	if (sim_ic_type_by_name(name))
		return sim_ic_type_by_name(name);
	if (!strcmp(name, sim_storvsp_scsi_type.name))
		return &sim_storvsp_scsi_type;
	if (!strcmp(name, sim_storvsp_ide_type.name))
		return &sim_storvsp_ide_type;
	if (!strcmp(name, sim_storvsp_fc_type.name))
		return &sim_storvsp_fc_type;
	if (!strcmp(name, sim_keyboard_type.name))
		return &sim_keyboard_type;
	if (!strcmp(name, sim_mouse_type.name))
		return &sim_mouse_type;
	for (i = 0; i < ARRAY_SIZE(sim_types); i++)
		if (!strcmp(name, sim_types[i].name))
			return &sim_types[i];
	return NULL;
}
