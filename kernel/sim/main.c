// SPDX-License-Identifier: GPL-2.0
/*
 * hv_sim: a simulated Hyper-V host, for tests and demos on machines that
 * are not Hyper-V.
 *
 * It registers the "sim" platform with hv_vmbus, which then connects to it
 * exactly as it would to Hyper-V, and offers the devices of a default
 * Generation 2 (or 1) VM. It refuses to load on real Hyper-V: there the real
 * host is the only one that may answer.
 *
 * Parameters:
 *   gen=         the VM generation whose devices are offered when
 *                devices= is not given: 2 (the default) has a synthetic
 *                SCSI controller and no IDE; 1 boots from IDE, whose
 *                synthetic channel storvsc also drives, and has no SCSI
 *                controller until one is added (Hyper-V's defaults)
 *   devices=     comma-separated device types to offer at load, instead
 *                of gen='s set ("echo" adds the test device; an empty
 *                string offers nothing)
 *   host=        the host generation: 2012r2 (VMBus 3.0), 2016 (4.0),
 *                2019 (5.2), 2022 or azure (5.3; the default)
 *   max_version= caps the VMBus version the host accepts below its
 *                generation's; a host capped below 5.0 is an old host and
 *                has no message connection id 4
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "sim.h"

static const char *const sim_gen_devices[] = {
	[1] = "ide,nic,keyboard,mouse,shutdown,timesync,heartbeat,kvp,vss,fcopy",
	[2] = "nic,scsi,keyboard,mouse,shutdown,timesync,heartbeat,kvp,vss,fcopy",
};

static unsigned int gen = 2;
module_param(gen, uint, 0444);
MODULE_PARM_DESC(gen, "VM generation whose devices are offered without devices= (1 or 2, default 2)");

static char *devices;
module_param(devices, charp, 0444);
MODULE_PARM_DESC(devices, "Device types offered at load, comma-separated (default: gen='s)");

struct sim_host sim = {
	.lock = __MUTEX_INITIALIZER(sim.lock),
	.channels = LIST_HEAD_INIT(sim.channels),
	.gpadls = LIST_HEAD_INIT(sim.gpadls),
	.chan_lock = __SPIN_LOCK_UNLOCKED(sim.chan_lock),
	.out_lock = __SPIN_LOCK_UNLOCKED(sim.out_lock),
	.out_msgs = LIST_HEAD_INIT(sim.out_msgs),
};

static int sim_post_message(struct hvg_platform *p, u32 conn_id,
			    const void *msg, u32 len)
{
	return sim_post_from_guest(conn_id, msg, len);
}

static void sim_signal_event(struct hvg_platform *p, u32 conn_id)
{
	sim_signal_from_guest(conn_id);
}

static u32 sim_vp_index(struct hvg_platform *p, unsigned int cpu)
{
	return sim_cpu_to_vp(cpu);
}

/*
 * The simulated partition reference counter: 100 ns ticks of the raw
 * monotonic clock, which neither the guest's settimeofday() nor its
 * adjtimex() frequency moves (the real counter is the hypervisor's), plus
 * sim_ref_warp (debugfs hv_sim/ic/timesync/ref_warp_s: the counter jumps
 * ahead as if that much time had passed). The host end of time sync
 * stamps its samples with the same counter.
 */
atomic64_t sim_ref_warp;

u64 sim_ref_counter(void)
{
	return div_u64(ktime_get_raw_ns(), 100) + atomic64_read(&sim_ref_warp);
}

static u64 sim_platform_ref_counter(struct hvg_platform *p)
{
	return sim_ref_counter();
}

/*
 * The guest is going down (reboot, power-off, kexec) and switches its
 * SynIC off: from now on the host's messages and events reach nothing.
 */
static void sim_platform_stop(struct hvg_platform *p)
{
	mutex_lock(&sim.lock);
	WRITE_ONCE(sim.synic_off, true);
	pr_info("the guest switched its SynIC off (%s)\n",
		sim.connected ? "still connected: it did not UNLOAD" :
		"after UNLOAD");
	mutex_unlock(&sim.lock);
}

struct hvg_platform sim_platform = {
	.name = "sim",
	.owner = THIS_MODULE,
	.post_message = sim_post_message,
	.signal_event = sim_signal_event,
	.vp_index = sim_vp_index,
	.ref_counter = sim_platform_ref_counter,
	.stop = sim_platform_stop,
};

static int sim_offer_defaults(void)
{
	char *list, *cur, *name;
	int ret = 0;

	list = kstrdup(devices ?: sim_gen_devices[gen], GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	cur = list;
	while ((name = strsep(&cur, ",")) != NULL) {
		const struct sim_device_type *type;

		name = strim(name);
		if (!*name)
			continue;
		type = sim_type_by_name(name);
		if (!type) {
			pr_err("unknown device type '%s' in devices=\n", name);
			ret = -EINVAL;
			break;
		}
		ret = sim_offer(type, 0, NULL);
		if (ret < 0)
			break;
		ret = 0;
	}
	kfree(list);
	return ret;
}

static int __init hvg_sim_init(void)
{
	int ret;

	if (hvg_running_on_hyperv()) {
		pr_err("refusing to load on Hyper-V: the real host is present\n");
		return -ENODEV;
	}
	if (gen != 1 && gen != 2) {
		pr_err("gen=%u: Hyper-V VMs are generation 1 or 2\n", gen);
		return -EINVAL;
	}
	ret = sim_host_init();
	if (ret)
		return ret;
	sim_irq_init(&sim.msg_irq, sim_msg_irq);
	sim_monitor_init();
	sim.msg_wq = alloc_ordered_workqueue("hv_sim_msg", 0);
	sim.chan_wq = alloc_workqueue("hv_sim_chan", WQ_UNBOUND, 0);
	if (!sim.msg_wq || !sim.chan_wq) {
		ret = -ENOMEM;
		goto fail;
	}
	sim_debugfs_init();
	ret = sim_storvsp_init(sim.debugfs);
	if (ret)
		goto fail_storage;
	ret = sim_ic_init();
	if (ret)
		goto fail_ic;
	sim_input_init(sim.debugfs);
	ret = sim_offer_defaults();
	if (ret)
		goto fail_offers;
	ret = hvg_platform_register(&sim_platform);
	if (ret)
		goto fail_offers;
	pr_info("simulated Hyper-V host ready\n");
	return 0;

fail_offers:
	sim_host_stop();
	sim_input_exit();
	sim_ic_exit();
fail_ic:
	sim_storvsp_exit();
fail_storage:
	sim_debugfs_exit();
fail:
	if (sim.msg_wq)
		destroy_workqueue(sim.msg_wq);
	if (sim.chan_wq)
		destroy_workqueue(sim.chan_wq);
	return ret;
}

static void __exit hvg_sim_exit(void)
{
	/* The guest unloads first: it still talks to us while doing so. */
	hvg_platform_unregister(&sim_platform);
	flush_workqueue(sim.msg_wq);
	sim_irq_sync(&sim.msg_irq);
	sim_host_stop();
	sim_input_exit();
	sim_ic_exit();
	sim_storvsp_exit();
	sim_debugfs_exit();
	destroy_workqueue(sim.msg_wq);
	destroy_workqueue(sim.chan_wq);
	/* Messages the guest never took (it is gone) are dropped. */
	sim_msg_irq(&sim.msg_irq);
}

module_init(hvg_sim_init);
module_exit(hvg_sim_exit);

MODULE_DESCRIPTION("Simulated Hyper-V host for testing hyperv-guest");
MODULE_LICENSE("GPL");
