// SPDX-License-Identifier: GPL-2.0
/*
 * The "hyperv" platform: VMBus over the real Hyper-V SynIC.
 *
 * Guest to host: HvPostMessage (a hypercall with the message in the
 * per-CPU input page) and HvSignalEvent (a fast hypercall with the
 * channel's connection id). Host to guest: the hypervisor raises
 * HYPERVISOR_CALLBACK_VECTOR, and we look at SINT 2 of this CPU's SynIC
 * message page (one message slot) and event-flags page (one bit per
 * relid).
 *
 * Kept small on purpose: only real Hyper-V exercises it, so everything
 * above it is shared with the simulated platform and tested there. It
 * needs the kernel's own Hyper-V support (CONFIG_HYPERV: hypercall page,
 * VP indices, the callback vector). Confidential (isolated) VMs are not
 * supported yet: their SynIC pages are provided by the paravisor.
 *
 * Sources: drivers/hv/hv.c (hv_synic_enable_regs, hv_post_message),
 * drivers/hv/vmbus_drv.c (vmbus_isr, vmbus_chan_sched),
 * include/asm-generic/mshyperv.h (vmbus_signal_eom) and the TLFS.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/cpuhotplug.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/percpu.h>
#include <asm/msr.h>
#include <asm/sync_bitops.h>
#include <hv/hypercall.h>
#include "compat-mshyperv.h"
#include "vmbus.h"

struct hvg_synic {
	void *msg_page;
	void *event_page;
};

static DEFINE_PER_CPU(struct hvg_synic, hvg_synic);
static int hvg_cpuhp_state;

/* One HvPostMessage; hv_vmbus retries when the host is busy. */
static int hvg_hyperv_post(struct hvg_platform *p, u32 conn_id,
			   const void *msg, u32 len)
{
	struct hv_post_message_input *in;
	unsigned long flags;
	u64 status;

	local_irq_save(flags);
	/*
	 * A per-CPU pointer to each CPU's input page. RHEL 8 declares it
	 * void __percpu ** (the address space one level off, which sparse
	 * reports in its own code too); the cast says what it is, and is
	 * no change where the declaration is upstream's.
	 */
	in = *this_cpu_ptr((__force void * __percpu *)hyperv_pcpu_input_arg);
	in->connection_id = conn_id;
	in->reserved = 0;
	in->message_type = HV_POST_MESSAGE_TYPE_VMBUS;
	in->payload_size = len;
	memcpy(in->payload, msg, len);
	status = hv_do_hypercall(HVCALL_POST_MESSAGE, in, NULL);
	local_irq_restore(flags);
	switch (hv_result(status)) {
	case HV_STATUS_SUCCESS:
		return 0;
	case HV_STATUS_INSUFFICIENT_MEMORY:
	case HV_STATUS_INSUFFICIENT_BUFFERS:
		return -ENOBUFS;
	case HV_STATUS_INVALID_CONNECTION_ID:
		/*
		 * No such port on this host: a host older than 5.0 answers
		 * INITIATE_CONTACT on id 4 so, and the caller tries the next
		 * version (vmbus_post_msg()).
		 */
		return -ENXIO;
	default:
		pr_err_ratelimited("HvPostMessage failed: %#llx\n", status);
		return -EIO;
	}
}

static void hvg_hyperv_signal(struct hvg_platform *p, u32 conn_id)
{
	hv_do_fast_hypercall8(HVCALL_SIGNAL_EVENT, conn_id);
}

static u32 hvg_hyperv_vp_index(struct hvg_platform *p, unsigned int cpu)
{
	return hv_vp_index ? hv_vp_index[cpu] : cpu;
}

static u64 hvg_hyperv_ref_counter(struct hvg_platform *p)
{
	u64 val;

	rdmsrq(HVG_MSR_REF_COUNT, val);
	return val;
}

static int hvg_synic_offline(unsigned int cpu);

static void hvg_synic_off_here(void *unused)
{
	hvg_synic_offline(smp_processor_id());
}

/* Shutdown or kexec, after UNLOAD: SynIC off on every CPU. */
static void hvg_hyperv_stop(struct hvg_platform *p)
{
	on_each_cpu(hvg_synic_off_here, NULL, 1);
}

/* Upstream's vmbus_wait_for_unload(): one look every 10 ms. */
#define HVG_CRASH_POLL_MS	10
#define HVG_CRASH_NOTICE_MS	5000

/*
 * Panic: look at every CPU's message slot for UNLOAD_RESPONSE, freeing
 * each slot we look at (the EOM goes to this CPU's SynIC, as upstream
 * does), then leave every slot empty for the next kernel and switch this
 * CPU's SynIC off (hv_crash_handler()). The other CPUs are stopped: their
 * SynIC registers are the next kernel's to reset.
 */
static bool hvg_hyperv_crash_unload_wait(struct hvg_platform *p,
					 unsigned int ms)
{
	const struct hv_chmsg_header *hdr;
	struct hv_message *msg;
	unsigned int cpu, waited;
	bool answered = false;
	u32 type;

	for (waited = 0; !answered && waited < ms;
	     waited += HVG_CRASH_POLL_MS) {
		for_each_present_cpu(cpu) {
			struct hvg_synic *s = per_cpu_ptr(&hvg_synic, cpu);

			if (!s->msg_page)
				continue;
			msg = (struct hv_message *)s->msg_page +
			      HV_VMBUS_MESSAGE_SINT;
			type = READ_ONCE(msg->header.message_type);
			if (type == HVMSG_NONE)
				continue;
			hdr = (const void *)msg->u.payload;
			if (READ_ONCE(msg->header.payload_size) >= sizeof(*hdr) &&
			    READ_ONCE(hdr->msgtype) == HV_CHMSG_UNLOAD_RESPONSE)
				answered = true;
			vmbus_signal_eom(msg, type);
		}
		if (answered)
			break;
		if (waited && !(waited % HVG_CRASH_NOTICE_MS))
			pr_emerg("still waiting for the host to answer UNLOAD\n");
		mdelay(HVG_CRASH_POLL_MS);
	}
	for_each_present_cpu(cpu) {
		struct hvg_synic *s = per_cpu_ptr(&hvg_synic, cpu);

		if (!s->msg_page)
			continue;
		msg = (struct hv_message *)s->msg_page + HV_VMBUS_MESSAGE_SINT;
		WRITE_ONCE(msg->header.message_type, HVMSG_NONE);
	}
	hvg_synic_offline(smp_processor_id());
	return answered;
}

static struct hvg_platform hvg_hyperv_platform = {
	.name = "hyperv",
	.owner = THIS_MODULE,
	.post_message = hvg_hyperv_post,
	.signal_event = hvg_hyperv_signal,
	.vp_index = hvg_hyperv_vp_index,
	.ref_counter = hvg_hyperv_ref_counter,
	.stop = hvg_hyperv_stop,
	.crash_unload_wait = hvg_hyperv_crash_unload_wait,
};

/*
 * One look at a CPU's SynIC event and message pages for SINT 2. Apart from
 * the interrupt handler so that KUnit can hand it pages of its own
 * (tests/synic_test.c); on Hyper-V the callbacks are hv_vmbus's.
 */
VISIBLE_IF_KUNIT void hvg_synic_scan(void *event_page, void *msg_page,
				     void (*on_event)(u32 relid),
				     void (*on_message)(const void *msg,
							u32 len))
{
	union hv_synic_event_flags *ev;
	struct hv_message *msg;
	unsigned long *bits;
	u32 relid, type, len;

	/*
	 * Events: one bit per relid in SINT 2's flags, shared with the host.
	 * Relid 0 is no channel, but its bit is cleared like the others
	 * (vmbus_chan_sched()), or it would stay set for ever.
	 */
	ev = (union hv_synic_event_flags *)event_page + HV_VMBUS_MESSAGE_SINT;
	bits = (unsigned long *)ev->flags;
	for_each_set_bit(relid, bits, HV_MAX_RELIDS)
		if (sync_test_and_clear_bit(relid, bits) && relid)
			on_event(relid);

	/* A message: copy it out (hv_vmbus does), then free the slot. */
	msg = (struct hv_message *)msg_page + HV_VMBUS_MESSAGE_SINT;
	type = READ_ONCE(msg->header.message_type);
	if (type == HVMSG_NONE)
		return;
	/* A payload that cannot fit the slot is dropped, not truncated. */
	len = READ_ONCE(msg->header.payload_size);
	if (len > HV_MSG_PAYLOAD_MAX)
		pr_err_ratelimited("dropped a host message with payload_size %u\n",
				   len);
	else
		on_message(msg->u.payload, len);
	vmbus_signal_eom(msg, type);
}
EXPORT_SYMBOL_IF_KUNIT(hvg_synic_scan);

/* The callback vector's handler: hard interrupt context. */
static void hvg_hyperv_isr(void)
{
	struct hvg_synic *s = this_cpu_ptr(&hvg_synic);

	if (!s->msg_page)
		return;
	hvg_synic_scan(s->event_page, s->msg_page, hvg_vmbus_on_channel_event,
		       hvg_vmbus_on_message);
}

static int hvg_synic_online(unsigned int cpu)
{
	struct hvg_synic *s = per_cpu_ptr(&hvg_synic, cpu);
	union hv_synic_simp simp;
	union hv_synic_siefp siefp;
	union hv_synic_sint sint;
	union hv_synic_scontrol sctrl;

	if (!s->msg_page)
		s->msg_page = (void *)get_zeroed_page(GFP_KERNEL);
	if (!s->event_page)
		s->event_page = (void *)get_zeroed_page(GFP_KERNEL);
	if (!s->msg_page || !s->event_page)
		return -ENOMEM;

	simp.as_uint64 = hv_get_msr(HV_MSR_SIMP);
	simp.simp_enabled = 1;
	simp.base_simp_gpa = virt_to_phys(s->msg_page) >> HV_HYP_PAGE_SHIFT;
	hv_set_msr(HV_MSR_SIMP, simp.as_uint64);

	siefp.as_uint64 = hv_get_msr(HV_MSR_SIEFP);
	siefp.siefp_enabled = 1;
	siefp.base_siefp_gpa = virt_to_phys(s->event_page) >> HV_HYP_PAGE_SHIFT;
	hv_set_msr(HV_MSR_SIEFP, siefp.as_uint64);

	sint.as_uint64 = 0;
	sint.vector = HYPERVISOR_CALLBACK_VECTOR;
	sint.masked = false;
	sint.auto_eoi = !(ms_hyperv.hints & HV_DEPRECATING_AEOI_RECOMMENDED);
	hv_set_msr(HV_MSR_SINT0 + HV_VMBUS_MESSAGE_SINT, sint.as_uint64);

	sctrl.as_uint64 = hv_get_msr(HV_MSR_SCONTROL);
	sctrl.enable = 1;
	hv_set_msr(HV_MSR_SCONTROL, sctrl.as_uint64);
	return 0;
}

/* Runs on the CPU going offline (an AP hotplug state). */
static int hvg_synic_offline(unsigned int cpu)
{
	union hv_synic_scontrol sctrl;
	union hv_synic_simp simp;
	union hv_synic_siefp siefp;
	union hv_synic_sint sint;

	sint.as_uint64 = hv_get_msr(HV_MSR_SINT0 + HV_VMBUS_MESSAGE_SINT);
	sint.masked = 1;
	hv_set_msr(HV_MSR_SINT0 + HV_VMBUS_MESSAGE_SINT, sint.as_uint64);

	simp.as_uint64 = hv_get_msr(HV_MSR_SIMP);
	simp.simp_enabled = 0;
	simp.base_simp_gpa = 0;
	hv_set_msr(HV_MSR_SIMP, simp.as_uint64);

	siefp.as_uint64 = hv_get_msr(HV_MSR_SIEFP);
	siefp.siefp_enabled = 0;
	siefp.base_siefp_gpa = 0;
	hv_set_msr(HV_MSR_SIEFP, siefp.as_uint64);

	sctrl.as_uint64 = hv_get_msr(HV_MSR_SCONTROL);
	sctrl.enable = 0;
	hv_set_msr(HV_MSR_SCONTROL, sctrl.as_uint64);
	return 0;
}

static void hvg_synic_free(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct hvg_synic *s = per_cpu_ptr(&hvg_synic, cpu);

		free_page((unsigned long)s->msg_page);
		free_page((unsigned long)s->event_page);
		s->msg_page = NULL;
		s->event_page = NULL;
	}
}

int hvg_hyperv_init(void)
{
	int ret;

	if (!hv_is_hyperv_initialized()) {
		pr_err("Hyper-V detected but its hypercall interface is not set up\n");
		return -ENODEV;
	}
	if (hv_is_isolation_supported()) {
		pr_err("isolated (confidential) VMs are not supported yet\n");
		return -EOPNOTSUPP;
	}
	/* The reference counter MSR exists only where the host says so. */
	if (!(ms_hyperv.features & HV_MSR_TIME_REF_COUNT_AVAILABLE))
		hvg_hyperv_platform.ref_counter = NULL;
	hv_setup_vmbus_handler(hvg_hyperv_isr);
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "hvg/synic:online",
				hvg_synic_online, hvg_synic_offline);
	if (ret < 0)
		goto fail;
	hvg_cpuhp_state = ret;
	ret = hvg_platform_register(&hvg_hyperv_platform);
	if (ret)
		goto fail_cpuhp;
	return 0;

fail_cpuhp:
	cpuhp_remove_state(hvg_cpuhp_state);
fail:
	hv_remove_vmbus_handler();
	hvg_synic_free();
	return ret;
}

void hvg_hyperv_exit(void)
{
	hvg_platform_unregister(&hvg_hyperv_platform);
	cpuhp_remove_state(hvg_cpuhp_state);
	hv_remove_vmbus_handler();
	hvg_synic_free();
}
