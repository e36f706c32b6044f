/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The platform layer: how hv_vmbus reaches the host.
 *
 * Two implementations exist: "hyperv" (hypercalls and SynIC pages, on real
 * Hyper-V) and "sim" (the simulated host in kernel/sim, for machines that
 * are not Hyper-V). hv_vmbus talks to whichever registered, and everything
 * above this layer runs unchanged on both.
 */
#ifndef HVG_PLATFORM_H
#define HVG_PLATFORM_H

#include <linux/module.h>

struct hvg_platform {
	const char *name;
	struct module *owner;
};

int hvg_platform_register(struct hvg_platform *platform);
void hvg_platform_unregister(struct hvg_platform *platform);
bool hvg_running_on_hyperv(void);

#endif /* HVG_PLATFORM_H */
