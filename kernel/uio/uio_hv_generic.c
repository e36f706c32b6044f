// SPDX-License-Identifier: GPL-2.0
/*
 * uio_hv_generic: a VMBus device driven from user space through UIO.
 *
 * What user space sees is upstream's (facts from drivers/uio/
 * uio_hv_generic.c and from the program that uses it most,
 * tools/hv/hv_fcopy_uio_daemon.c with tools/hv/vmbus_bufring.c):
 * - map 0, "txrx_rings": the channel's outbound ring, then its inbound
 *   ring, each a 4 KiB header page followed by its data;
 * - channels/<relid>/ring: the same rings, so its size is twice one
 *   ring's (the fcopy daemon sizes its rings from it);
 * - the channel is opened on the first open of /dev/uioN and closed on
 *   the last close;
 * - a read of /dev/uioN waits for the host's next interrupt; writing 1
 *   lets the host interrupt again and signals it (the daemon writes 1
 *   after each answer), writing 0 stops its interrupts;
 * - the fcopy channel's rings carry 16 KiB of data (upstream's
 *   vmbus_devs[] pref_ring_size 0x4000), every other channel's 2 MiB.
 *
 * The driver has no table of its own: it is given a device by new_id or
 * driver_override, or by hv_utils handing over fcopy (fcopy=uio).
 *
 * Where it differs from upstream: the rings are mapped by page
 * reference, so a mapping that outlives the device keeps its pages
 * instead of pointing at freed memory; the channel is closed when the
 * device goes even if user space still holds /dev/uioN. Not here yet:
 * upstream's interrupt and monitor page maps (1, 2), the receive and
 * send buffers (3, 4) DPDK's netvsc driver uses, and sub-channels.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uio_driver.h>
#include <hv/classes.h>
#include <hvg/vmbus.h>
#include <hvg_version.h>

#define HV_UIO_VERSION		"1.0"
/* One header page, then the data (upstream's VMBUS_RING_SIZE()). */
#define HV_UIO_RING_BYTES(data)	(PAGE_SIZE + PAGE_ALIGN(data))
#define HV_UIO_FCOPY_DATA	0x4000
#define HV_UIO_DEFAULT_DATA	SZ_2M

struct hv_uio {
	struct uio_info info;
	struct hvg_device *hdev;
	u32 ring_bytes;		/* each direction */
	struct mutex lock;	/* opens */
	unsigned int opens;
};

/* Softirq: the host wrote to the inbound ring (direct mode: once). */
static void hv_uio_channel_cb(void *ctx)
{
	struct hv_uio *hu = ctx;

	uio_event_notify(&hu->info);
}

static int hv_uio_irqcontrol(struct uio_info *info, s32 on)
{
	struct hv_uio *hu = info->priv;
	struct hvg_channel *ch = hu->hdev->channel;

	hvg_channel_set_interrupts(ch, on);
	/* The host looks at the rings again: new answers, or room. */
	if (on)
		hvg_channel_signal(ch);
	return 0;
}

static int hv_uio_open(struct uio_info *info, struct inode *inode)
{
	struct hv_uio *hu = info->priv;
	struct hvg_channel *ch = hu->hdev->channel;
	int ret = 0;

	mutex_lock(&hu->lock);
	if (!hu->opens) {
		/* User space reads when it likes: one callback per interrupt. */
		hvg_channel_set_direct(ch, true);
		ret = hvg_channel_open(ch, hu->ring_bytes, hu->ring_bytes,
				       NULL, 0, hv_uio_channel_cb, hu);
		if (ret)
			dev_err(&hu->hdev->dev, "cannot open the channel: %d\n",
				ret);
	}
	if (!ret)
		hu->opens++;
	mutex_unlock(&hu->lock);
	return ret;
}

static int hv_uio_release(struct uio_info *info, struct inode *inode)
{
	struct hv_uio *hu = info->priv;

	mutex_lock(&hu->lock);
	if (hu->opens && !--hu->opens)
		hvg_channel_close(hu->hdev->channel);
	mutex_unlock(&hu->lock);
	return 0;
}

static int hv_uio_probe(struct hvg_device *hdev,
			const struct hv_vmbus_device_id *id)
{
	static const guid_t fcopy = HV_CLASS_FCOPY;
	struct hvg_channel *ch = hdev->channel;
	struct hv_uio *hu;
	void *ring;
	u32 bytes;
	int ret;

	hu = kzalloc(sizeof(*hu), GFP_KERNEL);
	if (!hu)
		return -ENOMEM;
	hu->hdev = hdev;
	mutex_init(&hu->lock);
	hu->ring_bytes = HV_UIO_RING_BYTES(guid_equal(&hdev->class_id, &fcopy) ?
					   HV_UIO_FCOPY_DATA :
					   HV_UIO_DEFAULT_DATA);
	ret = hvg_channel_alloc_ring(ch, hu->ring_bytes, hu->ring_bytes);
	if (ret)
		goto err_free;
	ring = hvg_channel_ring(ch, &bytes);
	if (!ring) {
		ret = -ENOMEM;
		goto err_ring;
	}

	hu->info.name = "uio_hv_generic";
	hu->info.version = HV_UIO_VERSION;
	hu->info.irq = UIO_IRQ_CUSTOM;
	hu->info.irqcontrol = hv_uio_irqcontrol;
	hu->info.open = hv_uio_open;
	hu->info.release = hv_uio_release;
	hu->info.priv = hu;
	hu->info.mem[0].name = "txrx_rings";
	hu->info.mem[0].addr = (phys_addr_t)(uintptr_t)ring;
	hu->info.mem[0].size = bytes;
	/* Faulted in page by page, each with a reference (uio_vma_fault). */
	hu->info.mem[0].memtype = UIO_MEM_LOGICAL;

	dev_set_drvdata(&hdev->dev, hu);
	ret = uio_register_device(&hdev->dev, &hu->info);
	if (ret) {
		dev_err(&hdev->dev, "cannot register the UIO device: %d\n", ret);
		goto err_ring;
	}
	ret = hvg_channel_show_ring(ch);
	if (ret)
		goto err_uio;
	return 0;

err_uio:
	uio_unregister_device(&hu->info);
err_ring:
	hvg_channel_free_ring(ch);
err_free:
	kfree(hu);
	return ret;
}

static void hv_uio_remove(struct hvg_device *hdev)
{
	struct hv_uio *hu = dev_get_drvdata(&hdev->dev);
	struct hvg_channel *ch = hdev->channel;

	/* Readers wake with -EIO; no open or release reaches us after. */
	uio_unregister_device(&hu->info);
	hvg_channel_hide_ring(ch);
	mutex_lock(&hu->lock);
	hu->opens = 0;
	hvg_channel_close(ch);
	mutex_unlock(&hu->lock);
	hvg_channel_free_ring(ch);
	kfree(hu);
}

static struct hvg_driver hv_uio_driver = {
	.name = "uio_hv_generic",
	.probe = hv_uio_probe,
	.remove = hv_uio_remove,
};

static int __init hv_uio_init(void)
{
	return hvg_driver_register(&hv_uio_driver);
}

static void __exit hv_uio_exit(void)
{
	hvg_driver_unregister(&hv_uio_driver);
}

module_init(hv_uio_init);
module_exit(hv_uio_exit);
MODULE_DESCRIPTION("Generic UIO driver for VMBus devices");
MODULE_LICENSE("GPL");
/* The tree's version (../VERSION, written by kernel/Makefile): modinfo. */
MODULE_VERSION(HVG_VERSION);
