// SPDX-License-Identifier: GPL-2.0
/*
 * hv_vmbus: module entry, platform registration.
 *
 * At load we register the vmbus bus type and wait for a platform: on
 * Hyper-V the hypercall/SynIC platform, elsewhere the simulated host
 * (hv_sim), which registers itself when it loads. Only one platform is
 * active at a time; it cannot be unloaded while registered, because its
 * module reference is held until it unregisters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/mutex.h>
#include <hvg/platform.h>
#include <hv/version.h>
#include "vmbus.h"

#ifdef CONFIG_X86
#include <asm/hypervisor.h>
#endif

static unsigned int max_version;
module_param(max_version, uint, 0444);
MODULE_PARM_DESC(max_version,
		 "Highest VMBus protocol version to propose, encoded major << 16 | minor (0: newest known)");

static DEFINE_MUTEX(hvg_platform_lock);
static struct hvg_platform *hvg_active_platform;

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

int hvg_platform_register(struct hvg_platform *platform)
{
	int ret = 0;

	mutex_lock(&hvg_platform_lock);
	if (hvg_active_platform) {
		pr_err("platform %s refused: %s is already registered\n",
		       platform->name, hvg_active_platform->name);
		ret = -EBUSY;
	} else {
		hvg_active_platform = platform;
		pr_info("platform %s registered\n", platform->name);
	}
	mutex_unlock(&hvg_platform_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(hvg_platform_register);

void hvg_platform_unregister(struct hvg_platform *platform)
{
	mutex_lock(&hvg_platform_lock);
	if (hvg_active_platform == platform) {
		hvg_active_platform = NULL;
		pr_info("platform %s unregistered\n", platform->name);
	} else {
		WARN(1, "platform %s was not registered\n", platform->name);
	}
	mutex_unlock(&hvg_platform_lock);
}
EXPORT_SYMBOL_GPL(hvg_platform_unregister);

static int __init hvg_vmbus_init(void)
{
	int ret;

	if (hvg_vmbus_version_check_cap(max_version)) {
		pr_err("max_version %#x is below the oldest version we speak (2.4)\n",
		       max_version);
		return -EINVAL;
	}

	ret = hvg_bus_init();
	if (ret)
		return ret;

	if (hvg_running_on_hyperv())
		pr_info("running on Hyper-V, waiting for the hyperv platform\n");
	else
		pr_info("not running on Hyper-V, waiting for a platform (hv_sim)\n");
	return 0;
}

static void __exit hvg_vmbus_exit(void)
{
	hvg_bus_exit();
}

module_init(hvg_vmbus_init);
module_exit(hvg_vmbus_exit);

MODULE_DESCRIPTION("Microsoft Hyper-V VMBus (hyperv-guest)");
MODULE_LICENSE("GPL");
