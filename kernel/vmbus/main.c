// SPDX-License-Identifier: GPL-2.0
/*
 * hv_vmbus: module entry, platform registration, UNLOAD on the way out.
 *
 * At load we register the vmbus bus type and wait for a platform: on
 * Hyper-V the hypercall/SynIC platform, elsewhere the simulated host
 * (hv_sim), which registers itself when it loads. When one registers we
 * connect to it (negotiate, request offers) from a worker; when it
 * unregisters we remove every device and send UNLOAD. A platform module
 * cannot go away while registered: unregistering is part of its exit.
 *
 * The host must hear UNLOAD before the guest's memory is reused, or it
 * keeps writing into rings that now belong to someone else. On reboot,
 * power-off and kexec that is the shutdown of the bus's root device,
 * which runs after every vmbus driver's shutdown, so those still find a
 * live bus (a disk can flush its cache), and before kexec's
 * machine_shutdown().
 * It waits for the host's answer, then the platform switches SynIC off
 * on every CPU (upstream's hv_kexec_handler()). On panic the panic
 * notifier posts UNLOAD and, where the platform can poll, waits without
 * sleeping (upstream's vmbus_initiate_unload(true)); on Hyper-V the
 * kernel runs panic notifiers before a kdump kernel
 * (crash_kexec_post_notifiers, set by arch/x86/kernel/cpu/mshyperv.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/platform_device.h>
#include <hv/version.h>
#include <hvg_version.h>
#include "vmbus.h"

#ifdef CONFIG_X86
#include <asm/hypervisor.h>
#endif

static unsigned int max_version;
module_param(max_version, uint, 0444);
MODULE_PARM_DESC(max_version,
		 "Highest VMBus protocol version to propose, encoded major << 16 | minor (0: newest known)");

static DEFINE_MUTEX(hvg_platform_lock);
static bool on_hyperv;

/**
 * hvg_running_on_hyperv() - is this machine a Hyper-V guest?
 *
 * Decided by the kernel's own hypervisor detection (CPUID leaves), the same
 * test the in-tree Hyper-V code relies on.
 */
bool hvg_running_on_hyperv(void)
{
#ifdef CONFIG_X86
	return hypervisor_is_type(X86_HYPER_MS_HYPERV);
#else
	return false;
#endif
}
EXPORT_SYMBOL_GPL(hvg_running_on_hyperv);

/**
 * hvg_ref_counter() - read the partition reference counter
 * @val: where to store it (100 ns units)
 *
 * Only meaningful while a platform is registered, which holds for any
 * caller that is a bound VMBus driver (the platform's devices go first).
 * Return: false if the platform has no reference counter.
 */
bool hvg_ref_counter(u64 *val)
{
	struct hvg_platform *p = READ_ONCE(hvg_conn.platform);

	if (!p || !p->ref_counter)
		return false;
	*val = p->ref_counter(p);
	return true;
}
EXPORT_SYMBOL_GPL(hvg_ref_counter);

static void hvg_connect_work(struct work_struct *work)
{
	mutex_lock(&hvg_platform_lock);
	if (hvg_conn.platform && !hvg_conn.connected)
		hvg_connect(max_version);
	mutex_unlock(&hvg_platform_lock);
}

int hvg_platform_register(struct hvg_platform *platform)
{
	int ret = 0;

	if (!platform->post_message || !platform->signal_event ||
	    !platform->vp_index)
		return -EINVAL;
	mutex_lock(&hvg_platform_lock);
	if (hvg_conn.platform) {
		pr_err("platform %s refused: %s is already registered\n",
		       platform->name, hvg_conn.platform->name);
		ret = -EBUSY;
	} else {
		hvg_conn.platform = platform;
		WRITE_ONCE(hvg_conn.tearing_down, false);
		pr_info("platform %s registered\n", platform->name);
		/* Not on dev_wq: unregistering flushes that under this lock. */
		schedule_work(&hvg_conn.connect_work);
	}
	mutex_unlock(&hvg_platform_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(hvg_platform_register);

void hvg_platform_unregister(struct hvg_platform *platform)
{
	cancel_work_sync(&hvg_conn.connect_work);
	mutex_lock(&hvg_platform_lock);
	if (hvg_conn.platform != platform) {
		mutex_unlock(&hvg_platform_lock);
		WARN(1, "platform %s was not registered\n", platform->name);
		return;
	}
	WRITE_ONCE(hvg_conn.tearing_down, true);
	hvg_remove_all_channels();
	hvg_disconnect();
	hvg_conn.platform = NULL;
	pr_info("platform %s unregistered\n", platform->name);
	mutex_unlock(&hvg_platform_lock);
}
EXPORT_SYMBOL_GPL(hvg_platform_unregister);

/* After every vmbus driver's shutdown: see the top of this file. */
static void hvg_shutdown(void)
{
	struct hvg_platform *p;

	mutex_lock(&hvg_platform_lock);
	p = hvg_conn.platform;
	if (p) {
		WRITE_ONCE(hvg_conn.tearing_down, true);
		hvg_shutdown_unload();
		if (p->stop)
			p->stop(p);
	}
	mutex_unlock(&hvg_platform_lock);
}

/*
 * The bus's root device: every vmbus device is its child, as upstream's
 * are children of the VMBus ACPI device. device_shutdown() shuts
 * children down before their parent, so this driver's shutdown runs
 * after every vmbus driver's, on reboot, power-off and kexec alike (a
 * syscore callback would not do: kernel_kexec() runs syscore_shutdown()
 * only since 6.7, and the reboot notifier runs before device_shutdown()).
 */
static struct platform_device *hvg_root_pdev;

static void hvg_root_shutdown(struct platform_device *pdev)
{
	hvg_shutdown();
}

static struct platform_driver hvg_root_driver = {
	.driver = {
		.name = "hv_vmbus",
		/* Unbound, it would miss the shutdown call. */
		.suppress_bind_attrs = true,
	},
	.shutdown = hvg_root_shutdown,
};

struct device *hvg_root_device(void)
{
	return &hvg_root_pdev->dev;
}

static int hvg_root_register(void)
{
	int ret;

	ret = platform_driver_register(&hvg_root_driver);
	if (ret)
		return ret;
	hvg_root_pdev = platform_device_register_simple("hv_vmbus",
							PLATFORM_DEVID_NONE,
							NULL, 0);
	if (IS_ERR(hvg_root_pdev)) {
		platform_driver_unregister(&hvg_root_driver);
		return PTR_ERR(hvg_root_pdev);
	}
	if (!hvg_root_pdev->dev.driver) {
		platform_device_unregister(hvg_root_pdev);
		platform_driver_unregister(&hvg_root_driver);
		return -ENODEV;
	}
	return 0;
}

static void hvg_root_unregister(void)
{
	platform_device_unregister(hvg_root_pdev);
	platform_driver_unregister(&hvg_root_driver);
}

static int hvg_panic_notify(struct notifier_block *nb, unsigned long code,
			    void *unused)
{
	hvg_unload_atomic();
	return NOTIFY_DONE;
}

static struct notifier_block hvg_panic_nb = {
	.notifier_call = hvg_panic_notify,
};

static int __init hvg_vmbus_init(void)
{
	int ret;

	if (hvg_vmbus_version_check_cap(max_version)) {
		pr_err("max_version %#x is below the oldest version we speak (2.4)\n",
		       max_version);
		return -EINVAL;
	}

	init_completion(&hvg_conn.all_offers);
	init_waitqueue_head(&hvg_conn.unreg_wq);
	INIT_WORK(&hvg_conn.connect_work, hvg_connect_work);
	ret = hvg_channels_init();
	if (ret)
		return ret;
	ret = hvg_bus_init();
	if (ret) {
		hvg_channels_exit();
		return ret;
	}
	ret = hvg_root_register();
	if (ret) {
		pr_err("cannot register the bus's root device: %d\n", ret);
		hvg_bus_exit();
		hvg_channels_exit();
		return ret;
	}
	atomic_notifier_chain_register(&panic_notifier_list, &hvg_panic_nb);

	if (hvg_running_on_hyperv()) {
		ret = hvg_hyperv_init();
		if (ret) {
			pr_err("cannot use the Hyper-V SynIC: %d\n", ret);
			goto fail;
		}
		on_hyperv = true;
		pr_info("running on Hyper-V, hyperv platform registered\n");
	} else {
		pr_info("not running on Hyper-V, waiting for a platform (hv_sim)\n");
	}
	ret = hvg_cpuhp_init();
	if (ret) {
		pr_err("cannot watch CPU hotplug: %d\n", ret);
		if (on_hyperv)
			hvg_hyperv_exit();
		goto fail;
	}
	return 0;

fail:
	atomic_notifier_chain_unregister(&panic_notifier_list, &hvg_panic_nb);
	hvg_root_unregister();
	hvg_bus_exit();
	hvg_channels_exit();
	return ret;
}

static void __exit hvg_vmbus_exit(void)
{
	hvg_cpuhp_exit();
	if (on_hyperv)
		hvg_hyperv_exit();
	atomic_notifier_chain_unregister(&panic_notifier_list, &hvg_panic_nb);
	hvg_root_unregister();
	hvg_bus_exit();
	hvg_channels_exit();
}

module_init(hvg_vmbus_init);
module_exit(hvg_vmbus_exit);

MODULE_DESCRIPTION("Microsoft Hyper-V VMBus (hyperv-guest)");
MODULE_LICENSE("GPL");
/* The tree's version (../VERSION, written by kernel/Makefile): modinfo. */
MODULE_VERSION(HVG_VERSION);
