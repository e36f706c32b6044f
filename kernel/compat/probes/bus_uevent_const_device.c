// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_BUS_UEVENT_CONST_DEVICE: bus_type.uevent takes a const device
 * (changed upstream in 6.3).
 */
#include <linux/device.h>

static int probe_uevent(const struct device *dev, struct kobj_uevent_env *env)
{
	return 0;
}

struct bus_type probe_bus = {
	.uevent = probe_uevent,
};
