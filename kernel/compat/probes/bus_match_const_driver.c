// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_BUS_MATCH_CONST_DRIVER: bus_type.match takes a const device_driver
 * (changed upstream in 6.11).
 */
#include <linux/device.h>

static int probe_match(struct device *dev, const struct device_driver *drv)
{
	return 0;
}

struct bus_type probe_bus = {
	.match = probe_match,
};
