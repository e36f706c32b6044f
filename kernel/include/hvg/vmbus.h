/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hyperv-guest VMBus driver API, used by our device drivers.
 *
 * Naming decision (taken once, for the whole tree): the kernel's own
 * <linux/hyperv.h> defines the in-tree VMBus API (struct hv_device,
 * struct vmbus_channel, vmbus_driver_register ...), and kernel headers we
 * need can pull it in. Rather than shadowing that header and depending on
 * include order, everything of ours carries the hvg_ prefix, so both can
 * coexist in one translation unit and no definition depends on which
 * header came first. Wire formats (what Hyper-V defines) live in
 * include/hv/ with hv_ prefixes; this directory is our own API.
 *
 * The one upstream type we do use is struct hv_vmbus_device_id from
 * <linux/mod_devicetable.h>: modpost knows it, so MODULE_DEVICE_TABLE(vmbus,
 * ...) yields the same "vmbus:<class guid>" aliases as upstream, and udev
 * autoloads our drivers exactly as it would the in-tree ones.
 */
#ifndef HVG_VMBUS_H
#define HVG_VMBUS_H

#include <linux/device.h>
#include <linux/mod_devicetable.h>
#include <linux/uuid.h>

struct hvg_device {
	struct device dev;
	guid_t class_id;	/* device type, e.g. the synthetic NIC */
	guid_t instance_id;	/* this device; also its name on the bus */
	u16 vendor_id;
	u16 device_id;
	const char *driver_override;
};

#define to_hvg_device(d) container_of(d, struct hvg_device, dev)

struct hvg_driver {
	const char *name;
	const struct hv_vmbus_device_id *id_table;
	int (*probe)(struct hvg_device *dev,
		     const struct hv_vmbus_device_id *id);
	void (*remove)(struct hvg_device *dev);
	struct device_driver driver;
};

#define to_hvg_driver(d) container_of(d, struct hvg_driver, driver)

int __hvg_driver_register(struct hvg_driver *drv, struct module *owner,
			  const char *mod_name);
#define hvg_driver_register(drv) \
	__hvg_driver_register(drv, THIS_MODULE, KBUILD_MODNAME)
void hvg_driver_unregister(struct hvg_driver *drv);

#endif /* HVG_VMBUS_H */
