// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_BUS_REMOVE_VOID: bus_type.remove returns void (upstream 5.15;
 * before, int).
 */
#include <linux/device.h>

static void probe_remove(struct device *dev)
{
}

struct bus_type probe_bus = {
	.remove = probe_remove,
};
