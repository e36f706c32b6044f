// SPDX-License-Identifier: GPL-2.0
/*
 * hv_sim: a simulated Hyper-V host, for tests and demos on machines that
 * are not Hyper-V.
 *
 * It registers the "sim" platform with hv_vmbus, which then connects to it
 * exactly as it would to Hyper-V. It refuses to load on real Hyper-V: there
 * the real host is the only one that may answer.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <hvg/platform.h>

static struct hvg_platform hvg_sim_platform = {
	.name = "sim",
	.owner = THIS_MODULE,
};

static int __init hvg_sim_init(void)
{
	int ret;

	if (hvg_running_on_hyperv()) {
		pr_err("refusing to load on Hyper-V: the real host is present\n");
		return -ENODEV;
	}
	ret = hvg_platform_register(&hvg_sim_platform);
	if (ret)
		return ret;
	pr_info("simulated Hyper-V host ready\n");
	return 0;
}

static void __exit hvg_sim_exit(void)
{
	hvg_platform_unregister(&hvg_sim_platform);
}

module_init(hvg_sim_init);
module_exit(hvg_sim_exit);

MODULE_DESCRIPTION("Simulated Hyper-V host for testing hyperv-guest");
MODULE_LICENSE("GPL");
