// SPDX-License-Identifier: GPL-2.0
/*
 * The "vmbus" bus type: one device per channel offer, named by instance
 * GUID, matched to drivers by class GUID.
 *
 * The bus name, device names and the modalias format follow upstream's
 * documented ABI (Documentation/ABI/stable/sysfs-bus-vmbus) so that udev
 * rules, lsvmbus and other existing tools work unchanged: the modalias is
 * "vmbus:" followed by the 16 bytes of the class GUID in hex, as the
 * in-tree drivers/hv/vmbus_drv.c emits and scripts/mod/file2alias.c
 * generates for MODULE_DEVICE_TABLE(vmbus, ...).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/slab.h>
#include <hvg/vmbus.h>
#include "vmbus.h"

static const struct hv_vmbus_device_id *
hvg_match_id(const struct hv_vmbus_device_id *id, const guid_t *class_id)
{
	if (!id)
		return NULL;
	for (; !guid_is_null(&id->guid); id++)
		if (guid_equal(&id->guid, class_id))
			return id;
	return NULL;
}

static int hvg_bus_match(struct device *dev, hvg_match_driver *drv)
{
	struct hvg_device *hdev = to_hvg_device(dev);
	const struct hvg_driver *hdrv = to_hvg_driver(drv);

	/* driver_override, when set, is the only driver allowed to bind. */
	if (hdev->driver_override)
		return !strcmp(hdev->driver_override, drv->name);
	return !!hvg_match_id(hdrv->id_table, &hdev->class_id);
}

static int hvg_bus_uevent(hvg_uevent_device *dev, struct kobj_uevent_env *env)
{
	const struct hvg_device *hdev = to_hvg_device(dev);

	return add_uevent_var(env, "MODALIAS=vmbus:%*phN",
			      (int)sizeof(hdev->class_id), &hdev->class_id);
}

static int hvg_bus_probe(struct device *dev)
{
	struct hvg_device *hdev = to_hvg_device(dev);
	struct hvg_driver *hdrv = to_hvg_driver(dev->driver);
	const struct hv_vmbus_device_id *id;
	static const struct hv_vmbus_device_id no_id;

	id = hvg_match_id(hdrv->id_table, &hdev->class_id);
	if (!id && hdev->driver_override)
		id = &no_id;	/* bound by override: no table entry */
	if (!id || !hdrv->probe)
		return -ENODEV;
	return hdrv->probe(hdev, id);
}

static void hvg_bus_remove(struct device *dev)
{
	struct hvg_driver *hdrv = to_hvg_driver(dev->driver);

	if (hdrv->remove)
		hdrv->remove(to_hvg_device(dev));
}

static struct bus_type hvg_bus = {
	.name = "vmbus",
	.match = hvg_bus_match,
	.uevent = hvg_bus_uevent,
	.probe = hvg_bus_probe,
	.remove = hvg_bus_remove,
};

int __hvg_driver_register(struct hvg_driver *drv, struct module *owner,
			  const char *mod_name)
{
	drv->driver.name = drv->name;
	drv->driver.bus = &hvg_bus;
	drv->driver.owner = owner;
	drv->driver.mod_name = mod_name;
	return driver_register(&drv->driver);
}
EXPORT_SYMBOL_GPL(__hvg_driver_register);

void hvg_driver_unregister(struct hvg_driver *drv)
{
	driver_unregister(&drv->driver);
}
EXPORT_SYMBOL_GPL(hvg_driver_unregister);

int hvg_bus_init(void)
{
	return bus_register(&hvg_bus);
}

void hvg_bus_exit(void)
{
	bus_unregister(&hvg_bus);
}
