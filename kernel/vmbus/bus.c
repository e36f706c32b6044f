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
#include <linux/dma-mapping.h>
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

/*
 * Class GUIDs an administrator adds to a driver by writing them to
 * /sys/bus/vmbus/drivers/<driver>/new_id (and takes back through
 * remove_id), as upstream's vmbus_drv.c allows: how uio_hv_generic is
 * usually given a device. They are matched before the driver's table.
 */
struct hvg_dynid {
	struct list_head node;
	struct hv_vmbus_device_id id;
};

/* Called with dynids_lock. */
static struct hvg_dynid *hvg_find_dynid(struct hvg_driver *hdrv,
					const guid_t *class_id)
{
	struct hvg_dynid *d;

	list_for_each_entry(d, &hdrv->dynids, node)
		if (guid_equal(&d->id.guid, class_id))
			return d;
	return NULL;
}

/*
 * The dynamic ids first, then the driver's table. A copy, not a pointer:
 * remove_id may free an entry while a probe still looks at its id.
 */
static bool hvg_driver_match(struct hvg_driver *hdrv, const guid_t *class_id,
			     struct hv_vmbus_device_id *out)
{
	const struct hv_vmbus_device_id *id;
	struct hvg_dynid *d;

	spin_lock(&hdrv->dynids_lock);
	d = hvg_find_dynid(hdrv, class_id);
	if (d)
		*out = d->id;
	spin_unlock(&hdrv->dynids_lock);
	if (d)
		return true;
	id = hvg_match_id(hdrv->id_table, class_id);
	if (id)
		*out = *id;
	return id;
}

static int hvg_bus_match(struct device *dev, hvg_match_driver *drv)
{
	struct hvg_device *hdev = to_hvg_device(dev);
	struct hvg_driver *hdrv = to_hvg_driver(drv);
	struct hv_vmbus_device_id id;

	/* driver_override, when set, is the only driver allowed to bind. */
	if (hdev->driver_override)
		return !strcmp(hdev->driver_override, drv->name);
	return hvg_driver_match(hdrv, &hdev->class_id, &id);
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
	struct hv_vmbus_device_id id;

	if (!hvg_driver_match(hdrv, &hdev->class_id, &id)) {
		if (!hdev->driver_override)
			return -ENODEV;
		/* bound by override: no table entry */
		memset(&id, 0, sizeof(id));
	}
	if (!hdrv->probe)
		return -ENODEV;
	return hdrv->probe(hdev, &id);
}

static hvg_bus_remove_t hvg_bus_remove(struct device *dev)
{
	struct hvg_driver *hdrv = to_hvg_driver(dev->driver);

	if (hdrv->remove)
		hdrv->remove(to_hvg_device(dev));
	return HVG_BUS_REMOVE_DONE;
}

static void hvg_bus_shutdown(struct device *dev)
{
	struct hvg_driver *hdrv;

	if (!dev->driver)
		return;
	hdrv = to_hvg_driver(dev->driver);
	if (hdrv->shutdown)
		hdrv->shutdown(to_hvg_device(dev));
}

static const struct attribute_group *hvg_dev_groups[];
static const struct attribute_group *hvg_drv_groups[];

static struct bus_type hvg_bus = {
	.name = "vmbus",
	.match = hvg_bus_match,
	.uevent = hvg_bus_uevent,
	.probe = hvg_bus_probe,
	.remove = hvg_bus_remove,
	.shutdown = hvg_bus_shutdown,
	.dev_groups = hvg_dev_groups,
	.drv_groups = hvg_drv_groups,
};

int __hvg_driver_register(struct hvg_driver *drv, struct module *owner,
			  const char *mod_name)
{
	spin_lock_init(&drv->dynids_lock);
	INIT_LIST_HEAD(&drv->dynids);
	drv->driver.name = drv->name;
	drv->driver.bus = &hvg_bus;
	drv->driver.owner = owner;
	drv->driver.mod_name = mod_name;
	return driver_register(&drv->driver);
}
EXPORT_SYMBOL_GPL(__hvg_driver_register);

void hvg_driver_unregister(struct hvg_driver *drv)
{
	struct hvg_dynid *d, *n;

	driver_unregister(&drv->driver);
	list_for_each_entry_safe(d, n, &drv->dynids, node) {
		list_del(&d->node);
		kfree(d);
	}
}
EXPORT_SYMBOL_GPL(hvg_driver_unregister);

/* ---- driver attributes: new_id, remove_id ---- */

static ssize_t new_id_store(struct device_driver *drv, const char *buf,
			    size_t count)
{
	struct hvg_driver *hdrv = to_hvg_driver(drv);
	struct hvg_dynid *d;
	guid_t guid;
	int ret;

	ret = guid_parse(buf, &guid);
	if (ret)
		return ret;
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->id.guid = guid;
	spin_lock(&hdrv->dynids_lock);
	if (hvg_find_dynid(hdrv, &guid)) {
		spin_unlock(&hdrv->dynids_lock);
		kfree(d);
		return -EEXIST;
	}
	list_add_tail(&d->node, &hdrv->dynids);
	spin_unlock(&hdrv->dynids_lock);
	/* Bind the unbound devices of that class now. */
	ret = driver_attach(drv);
	return ret ? ret : count;
}
static DRIVER_ATTR_WO(new_id);

static ssize_t remove_id_store(struct device_driver *drv, const char *buf,
			       size_t count)
{
	struct hvg_driver *hdrv = to_hvg_driver(drv);
	struct hvg_dynid *found;
	guid_t guid;
	int ret;

	ret = guid_parse(buf, &guid);
	if (ret)
		return ret;
	spin_lock(&hdrv->dynids_lock);
	found = hvg_find_dynid(hdrv, &guid);
	if (found)
		list_del(&found->node);
	spin_unlock(&hdrv->dynids_lock);
	/* Devices bound through it stay bound, as upstream leaves them. */
	kfree(found);
	return found ? count : -ENODEV;
}
static DRIVER_ATTR_WO(remove_id);

static struct attribute *hvg_drv_attrs[] = {
	&driver_attr_new_id.attr,
	&driver_attr_remove_id.attr,
	NULL,
};
ATTRIBUTE_GROUPS(hvg_drv);

/* ---- device attributes (Documentation/ABI/stable/sysfs-bus-vmbus) ---- */

static struct hvg_channel *hvg_dev_channel(struct device *dev)
{
	return to_hvg_device(dev)->channel;
}

static ssize_t id_show(struct device *dev, struct device_attribute *attr,
		       char *buf)
{
	return sysfs_emit(buf, "%u\n", hvg_dev_channel(dev)->relid);
}
static DEVICE_ATTR_RO(id);

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	/* Upstream prints its channel state enum: 1 offered, 3 opened. */
	return sysfs_emit(buf, "%d\n",
			  hvg_dev_channel(dev)->state == HVG_CH_OPEN ? 3 : 1);
}
static DEVICE_ATTR_RO(state);

static ssize_t class_id_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "{%pUl}\n", &to_hvg_device(dev)->class_id);
}
static DEVICE_ATTR_RO(class_id);

static ssize_t device_id_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "{%pUl}\n", &to_hvg_device(dev)->instance_id);
}
static DEVICE_ATTR_RO(device_id);

static ssize_t monitor_id_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", hvg_dev_channel(dev)->offer.monitorid);
}
static DEVICE_ATTR_RO(monitor_id);

/*
 * What the host published for a monitored channel in one monitor page
 * (include/hv/monitor.h): page 0 is the server's, 1 the client's.
 */
enum hvg_monitor_field { HVG_MON_PENDING, HVG_MON_LATENCY, HVG_MON_CONN_ID };

static ssize_t hvg_monitor_show(struct hvg_channel *ch, unsigned int page,
				enum hvg_monitor_field field, char *buf)
{
	struct hv_monitor_page *mp = READ_ONCE(hvg_conn.monitor_pages[page]);
	unsigned int g = hv_monitor_group(ch->offer.monitorid);
	unsigned int b = hv_monitor_bit(ch->offer.monitorid);

	if (!hvg_channel_monitored(ch) || !mp)
		return -ENODEV;
	switch (field) {
	case HVG_MON_PENDING:
		return sysfs_emit(buf, "%u\n",
				  (READ_ONCE(mp->trigger_group[g].pending) >> b) & 1);
	case HVG_MON_LATENCY:
		return sysfs_emit(buf, "%u\n", READ_ONCE(mp->latency[g][b]));
	case HVG_MON_CONN_ID:
		return sysfs_emit(buf, "%u\n",
				  READ_ONCE(mp->parameter[g][b].connection_id) &
				  HV_MONITOR_CONN_ID_MASK);
	}
	return -EINVAL;
}

#define HVG_MONITOR_ATTR(name, page, field)				\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return hvg_monitor_show(hvg_dev_channel(dev), page, field, buf); \
}									\
static DEVICE_ATTR_RO(name)

HVG_MONITOR_ATTR(server_monitor_pending, 0, HVG_MON_PENDING);
HVG_MONITOR_ATTR(client_monitor_pending, 1, HVG_MON_PENDING);
HVG_MONITOR_ATTR(server_monitor_latency, 0, HVG_MON_LATENCY);
HVG_MONITOR_ATTR(client_monitor_latency, 1, HVG_MON_LATENCY);
HVG_MONITOR_ATTR(server_monitor_conn_id, 0, HVG_MON_CONN_ID);
HVG_MONITOR_ATTR(client_monitor_conn_id, 1, HVG_MON_CONN_ID);

static ssize_t modalias_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "vmbus:%*phN\n", (int)sizeof(guid_t),
			  &to_hvg_device(dev)->class_id);
}
static DEVICE_ATTR_RO(modalias);

static ssize_t numa_node_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  cpu_to_node(hvg_dev_channel(dev)->target_cpu));
}
static DEVICE_ATTR_RO(numa_node);

static ssize_t vendor_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "0x%x\n", to_hvg_device(dev)->vendor_id);
}
static DEVICE_ATTR_RO(vendor);

static ssize_t device_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "0x%x\n", to_hvg_device(dev)->device_id);
}
static DEVICE_ATTR_RO(device);

static ssize_t channel_vp_mapping_show(struct device *dev,
				       struct device_attribute *attr, char *buf)
{
	struct hvg_channel *ch = hvg_dev_channel(dev), *sc;
	int n;

	mutex_lock(&hvg_conn.channels_lock);
	n = sysfs_emit(buf, "%u:%u\n", ch->relid, ch->target_cpu);
	list_for_each_entry(sc, &ch->sub_channels, sub_node)
		if (!sc->released)
			n += sysfs_emit_at(buf, n, "%u:%u\n", sc->relid,
					   sc->target_cpu);
	mutex_unlock(&hvg_conn.channels_lock);
	return n;
}
static DEVICE_ATTR_RO(channel_vp_mapping);

/*
 * Set the one driver a device may bind to, or clear it (an empty string or
 * a lone newline): what the kernel's driver_set_override() does from 5.19
 * on. Older kernels lack it and 7.x replaced it, so hv_vmbus keeps its own.
 */
static int hvg_set_override(struct hvg_device *hdev, const char *s,
			    size_t len)
{
	const char *old;
	char *new = NULL, *nl;

	if (len >= PAGE_SIZE)
		return -EINVAL;
	if (len) {
		new = kstrndup(s, len, GFP_KERNEL);
		if (!new)
			return -ENOMEM;
		nl = strchr(new, '\n');
		if (nl)
			*nl = '\0';
		if (!*new) {
			kfree(new);
			new = NULL;
		}
	}
	device_lock(&hdev->dev);
	old = hdev->driver_override;
	hdev->driver_override = new;
	device_unlock(&hdev->dev);
	kfree(old);
	return 0;
}

static ssize_t driver_override_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t count)
{
	int ret;

	ret = hvg_set_override(to_hvg_device(dev), buf, count);
	return ret ? ret : count;
}

static ssize_t driver_override_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	ssize_t len;

	device_lock(dev);
	len = sysfs_emit(buf, "%s\n", to_hvg_device(dev)->driver_override ?: "");
	device_unlock(dev);
	return len;
}
static DEVICE_ATTR_RW(driver_override);

int hvg_device_set_override(struct hvg_device *hdev, const char *drv_name)
{
	const char *name = drv_name ?: "";

	return hvg_set_override(hdev, name, strlen(name));
}
EXPORT_SYMBOL_GPL(hvg_device_set_override);

static int hvg_class_match(struct device *dev, const void *class_id)
{
	return guid_equal(&to_hvg_device(dev)->class_id, class_id);
}

struct hvg_device *hvg_find_device(const guid_t *class_id)
{
	struct device *dev = bus_find_device(&hvg_bus, NULL, class_id,
					     hvg_class_match);

	return dev ? to_hvg_device(dev) : NULL;
}
EXPORT_SYMBOL_GPL(hvg_find_device);

/* in_* and out_*: the rings as seen now (absent while closed). */
#define HVG_RING_ATTR(name, outbound, expr)				\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	struct hvg_channel *ch = hvg_dev_channel(dev);			\
	struct hvg_ring *r = (outbound) ? &ch->out : &ch->in;		\
	ssize_t n = -EINVAL;						\
									\
	mutex_lock(&ch->lock);						\
	if (ch->state == HVG_CH_OPEN)					\
		n = sysfs_emit(buf, "%u\n", (u32)(expr));		\
	mutex_unlock(&ch->lock);					\
	return n;							\
}									\
static DEVICE_ATTR_RO(name)

HVG_RING_ATTR(out_intr_mask, true, READ_ONCE(r->hdr->interrupt_mask));
HVG_RING_ATTR(out_read_index, true, READ_ONCE(r->hdr->read_index));
HVG_RING_ATTR(out_write_index, true, READ_ONCE(r->hdr->write_index));
HVG_RING_ATTR(out_read_bytes_avail, true, hvg_ring_bytes_to_read(r));
HVG_RING_ATTR(out_write_bytes_avail, true, r->size - hvg_ring_bytes_to_read(r));
HVG_RING_ATTR(in_intr_mask, false, READ_ONCE(r->hdr->interrupt_mask));
HVG_RING_ATTR(in_read_index, false, READ_ONCE(r->hdr->read_index));
HVG_RING_ATTR(in_write_index, false, READ_ONCE(r->hdr->write_index));
HVG_RING_ATTR(in_read_bytes_avail, false, hvg_ring_bytes_to_read(r));
HVG_RING_ATTR(in_write_bytes_avail, false, r->size - hvg_ring_bytes_to_read(r));

static struct attribute *hvg_dev_attrs[] = {
	&dev_attr_id.attr,
	&dev_attr_state.attr,
	&dev_attr_class_id.attr,
	&dev_attr_device_id.attr,
	&dev_attr_monitor_id.attr,
	&dev_attr_server_monitor_pending.attr,
	&dev_attr_client_monitor_pending.attr,
	&dev_attr_server_monitor_latency.attr,
	&dev_attr_client_monitor_latency.attr,
	&dev_attr_server_monitor_conn_id.attr,
	&dev_attr_client_monitor_conn_id.attr,
	&dev_attr_modalias.attr,
	&dev_attr_numa_node.attr,
	&dev_attr_vendor.attr,
	&dev_attr_device.attr,
	&dev_attr_channel_vp_mapping.attr,
	&dev_attr_driver_override.attr,
	&dev_attr_out_intr_mask.attr,
	&dev_attr_out_read_index.attr,
	&dev_attr_out_write_index.attr,
	&dev_attr_out_read_bytes_avail.attr,
	&dev_attr_out_write_bytes_avail.attr,
	&dev_attr_in_intr_mask.attr,
	&dev_attr_in_read_index.attr,
	&dev_attr_in_write_index.attr,
	&dev_attr_in_read_bytes_avail.attr,
	&dev_attr_in_write_bytes_avail.attr,
	NULL,
};

static bool hvg_is_monitor_attr(const struct attribute *a)
{
	return a == &dev_attr_monitor_id.attr ||
	       a == &dev_attr_server_monitor_pending.attr ||
	       a == &dev_attr_client_monitor_pending.attr ||
	       a == &dev_attr_server_monitor_latency.attr ||
	       a == &dev_attr_client_monitor_latency.attr ||
	       a == &dev_attr_server_monitor_conn_id.attr ||
	       a == &dev_attr_client_monitor_conn_id.attr;
}

/* As upstream: the monitor attributes exist only for monitored channels. */
static umode_t hvg_dev_attr_visible(struct kobject *kobj,
				    struct attribute *a, int n)
{
	struct device *dev = kobj_to_dev(kobj);

	if (hvg_is_monitor_attr(a) && !hvg_channel_monitored(hvg_dev_channel(dev)))
		return 0;
	return a->mode;
}

static const struct attribute_group hvg_dev_group = {
	.attrs = hvg_dev_attrs,
	.is_visible = hvg_dev_attr_visible,
};

static const struct attribute_group *hvg_dev_groups[] = {
	&hvg_dev_group,
	NULL,
};

/* ---- channels/<relid>/ ---- */

struct hvg_chan_attr {
	struct attribute attr;
	ssize_t (*show)(struct hvg_channel *ch, char *buf);
	ssize_t (*store)(struct hvg_channel *ch, const char *buf, size_t n);
};

#define to_hvg_channel(k) container_of(k, struct hvg_channel, kobj)

static ssize_t hvg_chan_attr_show(struct kobject *kobj,
				  struct attribute *attr, char *buf)
{
	struct hvg_chan_attr *a = container_of(attr, struct hvg_chan_attr, attr);

	return a->show ? a->show(to_hvg_channel(kobj), buf) : -EIO;
}

static ssize_t hvg_chan_attr_store(struct kobject *kobj,
				   struct attribute *attr, const char *buf,
				   size_t n)
{
	struct hvg_chan_attr *a = container_of(attr, struct hvg_chan_attr, attr);

	return a->store ? a->store(to_hvg_channel(kobj), buf, n) : -EIO;
}

static const struct sysfs_ops hvg_chan_sysfs_ops = {
	.show = hvg_chan_attr_show,
	.store = hvg_chan_attr_store,
};

static ssize_t chan_cpu_show(struct hvg_channel *ch, char *buf)
{
	return sysfs_emit(buf, "%u\n", ch->target_cpu);
}

static ssize_t chan_cpu_store(struct hvg_channel *ch, const char *buf,
			      size_t n)
{
	unsigned int cpu;
	int ret;

	if (kstrtouint(buf, 0, &cpu))
		return -EINVAL;
	ret = hvg_channel_retarget(ch, cpu);
	return ret ? ret : n;
}

#define HVG_CHAN_SHOW(name, fmt, expr)					\
static ssize_t chan_##name##_show(struct hvg_channel *ch, char *buf)	\
{									\
	return sysfs_emit(buf, fmt "\n", expr);				\
}

#define HVG_CHAN_RING_SHOW(name, expr)					\
static ssize_t chan_##name##_show(struct hvg_channel *ch, char *buf)	\
{									\
	ssize_t n = -EINVAL;						\
									\
	mutex_lock(&ch->lock);						\
	if (ch->state == HVG_CH_OPEN)					\
		n = sysfs_emit(buf, "%u\n", (u32)(expr));		\
	mutex_unlock(&ch->lock);					\
	return n;							\
}

HVG_CHAN_RING_SHOW(in_mask, READ_ONCE(ch->in.hdr->interrupt_mask))
HVG_CHAN_RING_SHOW(out_mask, READ_ONCE(ch->out.hdr->interrupt_mask))
HVG_CHAN_RING_SHOW(read_avail, hvg_ring_bytes_to_read(&ch->in))
HVG_CHAN_RING_SHOW(write_avail, ch->out.size - hvg_ring_bytes_to_read(&ch->out))
HVG_CHAN_RING_SHOW(pending_sz, READ_ONCE(ch->out.hdr->pending_send_sz))
HVG_CHAN_SHOW(events, "%lld", atomic64_read(&ch->events))
HVG_CHAN_SHOW(interrupts, "%lld", atomic64_read(&ch->interrupts))
HVG_CHAN_SHOW(subchannel_id, "%u", ch->sub_index)
HVG_CHAN_SHOW(monitor_id, "%u", ch->offer.monitorid)
HVG_CHAN_SHOW(out_full_total, "%llu", ch->out.full_events)

static ssize_t chan_latency_show(struct hvg_channel *ch, char *buf)
{
	return hvg_monitor_show(ch, 1, HVG_MON_LATENCY, buf);
}

static ssize_t chan_pending_show(struct hvg_channel *ch, char *buf)
{
	return hvg_monitor_show(ch, 1, HVG_MON_PENDING, buf);
}

#define HVG_CHAN_ATTR_RO(_name)						\
static struct hvg_chan_attr chan_attr_##_name = {			\
	.attr = { .name = #_name, .mode = 0444 },			\
	.show = chan_##_name##_show,					\
}

static struct hvg_chan_attr chan_attr_cpu = {
	.attr = { .name = "cpu", .mode = 0644 },
	.show = chan_cpu_show,
	.store = chan_cpu_store,
};
HVG_CHAN_ATTR_RO(in_mask);
HVG_CHAN_ATTR_RO(out_mask);
HVG_CHAN_ATTR_RO(read_avail);
HVG_CHAN_ATTR_RO(write_avail);
HVG_CHAN_ATTR_RO(pending_sz);
HVG_CHAN_ATTR_RO(events);
HVG_CHAN_ATTR_RO(interrupts);
HVG_CHAN_ATTR_RO(subchannel_id);
HVG_CHAN_ATTR_RO(monitor_id);
HVG_CHAN_ATTR_RO(out_full_total);
HVG_CHAN_ATTR_RO(latency);
HVG_CHAN_ATTR_RO(pending);

static struct attribute *hvg_chan_attrs[] = {
	&chan_attr_cpu.attr,
	&chan_attr_in_mask.attr,
	&chan_attr_out_mask.attr,
	&chan_attr_read_avail.attr,
	&chan_attr_write_avail.attr,
	&chan_attr_pending_sz.attr,
	&chan_attr_events.attr,
	&chan_attr_interrupts.attr,
	&chan_attr_subchannel_id.attr,
	&chan_attr_monitor_id.attr,
	&chan_attr_out_full_total.attr,
	&chan_attr_latency.attr,
	&chan_attr_pending.attr,
	NULL,
};

static umode_t hvg_chan_attr_visible(struct kobject *kobj,
				     struct attribute *a, int n)
{
	if ((a == &chan_attr_monitor_id.attr || a == &chan_attr_latency.attr ||
	     a == &chan_attr_pending.attr) &&
	    !hvg_channel_monitored(to_hvg_channel(kobj)))
		return 0;
	return a->mode;
}

static const struct attribute_group hvg_chan_group = {
	.attrs = hvg_chan_attrs,
	.is_visible = hvg_chan_attr_visible,
};
__ATTRIBUTE_GROUPS(hvg_chan);

static void hvg_chan_kobj_release(struct kobject *kobj)
{
	/* The last reference: hv_vmbus has let go (hvg_channel_free()). */
	kfree(to_hvg_channel(kobj));
}

static const struct kobj_type hvg_chan_ktype = {
	.sysfs_ops = &hvg_chan_sysfs_ops,
	.default_groups = hvg_chan_groups,
	.release = hvg_chan_kobj_release,
};

/* ---- channels/<relid>/ring ---- */

static int hvg_ring_attr_mmap(struct file *file, struct kobject *kobj,
			      hvg_bin_attr *attr, struct vm_area_struct *vma)
{
	return hvg_ring_file_mmap(to_hvg_channel(kobj), vma);
}

/* Called with channels_lock: the file appears once both are ready. */
static void hvg_ring_file_add(struct hvg_channel *ch)
{
	if (!ch->ring_file || ch->ring_file_added || !ch->kobj_added)
		return;
	sysfs_bin_attr_init(&ch->ring_attr);
	ch->ring_attr.attr.name = "ring";
	ch->ring_attr.attr.mode = 0600;
	ch->ring_attr.size = ch->kept_send + ch->kept_recv;
	ch->ring_attr.mmap = hvg_ring_attr_mmap;
	if (sysfs_create_bin_file(&ch->kobj, &ch->ring_attr))
		pr_warn("relid %u: no ring file in sysfs\n", ch->relid);
	else
		ch->ring_file_added = true;
}

int hvg_channel_show_ring(struct hvg_channel *ch)
{
	if (!ch->ring_kept)
		return -EINVAL;
	mutex_lock(&hvg_conn.channels_lock);
	ch->ring_file = true;
	/* Before the device's channels/ exists, hvg_channel_sysfs_add() adds it. */
	hvg_ring_file_add(ch);
	mutex_unlock(&hvg_conn.channels_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(hvg_channel_show_ring);

void hvg_channel_hide_ring(struct hvg_channel *ch)
{
	mutex_lock(&hvg_conn.channels_lock);
	ch->ring_file = false;
	/* Waits for mmap calls still inside (kernfs drains them). */
	if (ch->ring_file_added)
		sysfs_remove_bin_file(&ch->kobj, &ch->ring_attr);
	ch->ring_file_added = false;
	mutex_unlock(&hvg_conn.channels_lock);
}
EXPORT_SYMBOL_GPL(hvg_channel_hide_ring);

/* A channel is shown once: a channel taken out is not put back. */
int hvg_channel_sysfs_add(struct hvg_channel *ch)
{
	struct hvg_device *hdev = ch->device;
	int ret;

	if (!hdev || !hdev->channels_kobj || ch->kobj_inited)
		return 0;
	/* Initialised even on failure: hvg_channel_free() puts it. */
	ch->kobj_inited = true;
	ret = kobject_init_and_add(&ch->kobj, (struct kobj_type *)&hvg_chan_ktype,
				   hdev->channels_kobj, "%u", ch->relid);
	if (ret)
		return ret;
	ch->kobj_added = true;
	kobject_uevent(&ch->kobj, KOBJ_ADD);
	hvg_ring_file_add(ch);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hvg_channel_sysfs_add);

/* Out of sysfs; the memory goes with the last reference. */
void hvg_channel_sysfs_del(struct hvg_channel *ch)
{
	if (!ch->kobj_added)
		return;
	ch->kobj_added = false;
	/* Takes the ring file with it. */
	ch->ring_file_added = false;
	kobject_del(&ch->kobj);
}
EXPORT_SYMBOL_IF_KUNIT(hvg_channel_sysfs_del);

/* ---- devices ---- */

/* Microsoft's PCI-style vendor id, shown as "vendor" (upstream). */
#define HVG_VENDOR_MICROSOFT	0x1414

static void hvg_device_release(struct device *dev)
{
	struct hvg_device *hdev = to_hvg_device(dev);

	if (hdev->channel)
		hvg_channel_free(hdev->channel);
	kfree(hdev->driver_override);
	kfree(hdev);
}

int hvg_device_add(struct hvg_channel *ch)
{
	struct hvg_device *hdev;
	struct hvg_channel *sc;
	int ret;

	hdev = kzalloc(sizeof(*hdev), GFP_KERNEL);
	if (!hdev)
		return -ENOMEM;
	hdev->class_id = ch->offer.offer.if_type;
	hdev->instance_id = ch->offer.offer.if_instance;
	hdev->vendor_id = HVG_VENDOR_MICROSOFT;
	hdev->channel = ch;
	hdev->dev.bus = &hvg_bus;
	hdev->dev.parent = hvg_root_device();
	hdev->dev.release = hvg_device_release;
	hdev->dev.dma_mask = &hdev->dma_mask;
	hdev->dev.dma_parms = &hdev->dma_parms;
	device_initialize(&hdev->dev);
	dma_set_mask_and_coherent(&hdev->dev, DMA_BIT_MASK(64));
	/* Named by instance GUID, as upstream names vmbus devices. */
	dev_set_name(&hdev->dev, "%pUl", &hdev->instance_id);
	ch->device = hdev;

	ret = device_add(&hdev->dev);
	if (ret) {
		ch->device = NULL;
		hdev->channel = NULL;
		put_device(&hdev->dev);
		return ret;
	}
	hdev->channels_kobj = kobject_create_and_add("channels", &hdev->dev.kobj);
	if (hdev->channels_kobj) {
		mutex_lock(&hvg_conn.channels_lock);
		hvg_channel_sysfs_add(ch);
		list_for_each_entry(sc, &ch->sub_channels, sub_node) {
			sc->device = hdev;
			if (!sc->released)
				hvg_channel_sysfs_add(sc);
		}
		mutex_unlock(&hvg_conn.channels_lock);
	}
	return 0;
}

/* Unregister the device; the caller drops the last reference later. */
void hvg_device_del(struct hvg_channel *ch)
{
	struct hvg_device *hdev = ch->device;
	struct hvg_channel *sc;

	device_del(&hdev->dev);
	mutex_lock(&hvg_conn.channels_lock);
	list_for_each_entry(sc, &ch->sub_channels, sub_node)
		hvg_channel_sysfs_del(sc);
	mutex_unlock(&hvg_conn.channels_lock);
	hvg_channel_sysfs_del(ch);
	kobject_put(hdev->channels_kobj);
	hdev->channels_kobj = NULL;
}

int hvg_bus_init(void)
{
	return bus_register(&hvg_bus);
}

void hvg_bus_exit(void)
{
	bus_unregister(&hvg_bus);
}
