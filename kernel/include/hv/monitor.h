/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The monitor pages of the VMBus monitored notification facility (MNF).
 *
 * INITIATE_CONTACT hands the host two zeroed guest pages: monitor_page1,
 * the server's (host-to-guest) page, and monitor_page2, the client's
 * (guest-to-host) page. The host fills in, for each channel it offers
 * with monitor_allocated set, the latency (100 ns units) and the
 * connection id under the channel's monitor id: group = id / 32,
 * bit = id % 32. To signal such a channel the guest sets its bit in
 * trigger_group[group].pending of the client page instead of making a
 * HvSignalEvent hypercall; the host scans the pending bits every latency
 * period, so a busy guest's signals coalesce into one scan.
 *
 * Layout: struct hv_monitor_page and friends in include/linux/hyperv.h
 * (checked by kernel/tests/layout_check.c). Use: vmbus_setevent() in
 * drivers/hv/channel.c, and the server_/client_monitor_* attributes of
 * Documentation/ABI/stable/sysfs-bus-vmbus.
 */
#ifndef HV_MONITOR_H
#define HV_MONITOR_H

#include <linux/types.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>

#define HV_MONITOR_GROUPS	4
#define HV_MONITOR_BITS		32
#define HV_MONITOR_IDS		(HV_MONITOR_GROUPS * HV_MONITOR_BITS)

struct hv_monitor_trigger_group {
	u32 pending;		/* set by the signalling side, bit per id */
	u32 armed;
};

struct hv_monitor_parameter {
	u32 connection_id;	/* bits 0-23 the id, 24-31 reserved */
	u16 flag_number;
	u16 reserved;
};

struct hv_monitor_page {
	u32 trigger_state;	/* bits 0-3: group_enable */
	u32 reserved1;
	struct hv_monitor_trigger_group trigger_group[HV_MONITOR_GROUPS];
	u64 reserved2[3];
	s32 next_check_time[HV_MONITOR_GROUPS][HV_MONITOR_BITS];
	u16 latency[HV_MONITOR_GROUPS][HV_MONITOR_BITS];
	u64 reserved3[32];
	struct hv_monitor_parameter parameter[HV_MONITOR_GROUPS][HV_MONITOR_BITS];
	u8 reserved4[1984];
};

/* Natural alignment gives the host's layout; no packing needed. */
static_assert(sizeof(struct hv_monitor_parameter) == 8);
static_assert(offsetof(struct hv_monitor_page, trigger_group) == 0x8);
static_assert(offsetof(struct hv_monitor_page, latency) == 0x240);
static_assert(offsetof(struct hv_monitor_page, parameter) == 0x440);
static_assert(sizeof(struct hv_monitor_page) == 4096);

#define HV_MONITOR_CONN_ID_MASK	0x00ffffffU

static inline unsigned int hv_monitor_group(u8 monitor_id)
{
	return monitor_id / HV_MONITOR_BITS;
}

static inline unsigned int hv_monitor_bit(u8 monitor_id)
{
	return monitor_id % HV_MONITOR_BITS;
}

#endif /* HV_MONITOR_H */
