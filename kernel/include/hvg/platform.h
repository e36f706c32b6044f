/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The platform layer: how hv_vmbus reaches the host and how the host
 * reaches hv_vmbus.
 *
 * Two implementations exist: "hyperv" (hypercalls and SynIC pages, on real
 * Hyper-V) and "sim" (the simulated host in kernel/sim, for machines that
 * are not Hyper-V). hv_vmbus talks to whichever registered, and everything
 * above this layer runs unchanged on both.
 *
 * Guest to host: post_message() is HvPostMessage (a channel message of at
 * most HV_MSG_PAYLOAD_MAX bytes to a connection id) and signal_event() is
 * HvSignalEvent (a channel's connection id). post_message() makes one
 * attempt and returns 0, -ENXIO if the host has no such connection id
 * (HV_STATUS_INVALID_CONNECTION_ID), -ENOBUFS if its buffers are full
 * (HV_STATUS_INSUFFICIENT_BUFFERS or _MEMORY; hv_vmbus backs off and
 * retries, as vmbus_post_msg() does), or another negative errno.
 * Host to guest: the platform calls hvg_vmbus_on_message() when a message
 * arrives on the VMBus SINT and hvg_vmbus_on_channel_event() for each
 * channel whose event flag it found set, both from interrupt context on
 * the CPU the host targeted.
 */
#ifndef HVG_PLATFORM_H
#define HVG_PLATFORM_H

#include <linux/module.h>
#include <linux/types.h>

struct hvg_platform {
	const char *name;
	struct module *owner;
	int (*post_message)(struct hvg_platform *p, u32 conn_id,
			    const void *msg, u32 len);
	void (*signal_event)(struct hvg_platform *p, u32 conn_id);
	/* The host's name for a CPU (its VP index). */
	u32 (*vp_index)(struct hvg_platform *p, unsigned int cpu);
	/*
	 * Optional: the partition reference counter (100 ns units since the
	 * partition started; Hyper-V TLFS, HV_X64_MSR_TIME_REF_COUNT), which
	 * the host also reads to stamp time samples.
	 */
	u64 (*ref_counter)(struct hvg_platform *p);
	/*
	 * Optional: the machine is going down (reboot, power-off, kexec) and
	 * the host has answered UNLOAD, or not in time. Stop taking the
	 * host's interrupts on every CPU (SynIC off), so that a kexec'd
	 * kernel does not inherit pages the host writes. May sleep.
	 */
	void (*stop)(struct hvg_platform *p);
	/*
	 * Optional, for a panic after UNLOAD was posted: other CPUs are
	 * stopped and no interrupt will come. Look for UNLOAD_RESPONSE in
	 * the message slots directly for up to @ms, then empty every CPU's
	 * slot and switch this CPU's SynIC off. True if the answer came.
	 */
	bool (*crash_unload_wait)(struct hvg_platform *p, unsigned int ms);
};

int hvg_platform_register(struct hvg_platform *platform);
void hvg_platform_unregister(struct hvg_platform *platform);
bool hvg_running_on_hyperv(void);
/* Read the platform's reference counter; false if it has none. */
bool hvg_ref_counter(u64 *val);

void hvg_vmbus_on_message(const void *msg, u32 len);
void hvg_vmbus_on_channel_event(u32 relid);

#endif /* HVG_PLATFORM_H */
