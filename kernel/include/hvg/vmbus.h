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
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/mod_devicetable.h>
#include <linux/uuid.h>
#include <hv/ring.h>

struct hvg_channel;

struct hvg_device {
	struct device dev;
	guid_t class_id;	/* device type, e.g. the synthetic NIC */
	guid_t instance_id;	/* this device; also its name on the bus */
	u16 vendor_id;
	u16 device_id;
	const char *driver_override;
	struct hvg_channel *channel;	/* the primary channel */
	struct kobject *channels_kobj;	/* sysfs channels/ */
	/*
	 * The host reaches guest memory by guest physical address: 64-bit
	 * DMA, as upstream's vmbus_device_register() sets it up.
	 */
	u64 dma_mask;
	struct device_dma_parameters dma_parms;
};

#define to_hvg_device(d) container_of(d, struct hvg_device, dev)

struct hvg_driver {
	const char *name;
	const struct hv_vmbus_device_id *id_table;
	int (*probe)(struct hvg_device *dev,
		     const struct hv_vmbus_device_id *id);
	void (*remove)(struct hvg_device *dev);
	/*
	 * Optional: the machine is going down. Called with the bus still
	 * connected (UNLOAD comes after every driver's shutdown), so a
	 * driver can flush what its device holds.
	 */
	void (*shutdown)(struct hvg_device *dev);
	struct device_driver driver;
	/* class GUIDs added through the driver's new_id file (bus.c) */
	spinlock_t dynids_lock;
	struct list_head dynids;
};

#define to_hvg_driver(d) container_of(d, struct hvg_driver, driver)

int __hvg_driver_register(struct hvg_driver *drv, struct module *owner,
			  const char *mod_name);
#define hvg_driver_register(drv) \
	__hvg_driver_register(drv, THIS_MODULE, KBUILD_MODNAME)
void hvg_driver_unregister(struct hvg_driver *drv);

/*
 * The first device of a class (with a reference: put_device() it), and
 * the driver it may bind to from now on (NULL: any that matches), as
 * writing its driver_override file would set.
 */
struct hvg_device *hvg_find_device(const guid_t *class_id);
int hvg_device_set_override(struct hvg_device *hdev, const char *drv_name);

/*
 * Channels. A driver opens its device's primary channel in probe and
 * closes it in remove. The callback runs in softirq context on the
 * channel's target CPU when the host has written to the inbound ring; it
 * drains the ring with hvg_channel_recv().
 */
typedef void (*hvg_channel_cb)(void *ctx);

int hvg_channel_open(struct hvg_channel *ch, u32 send_ring_bytes,
		     u32 recv_ring_bytes, const void *userdata, u32 userlen,
		     hvg_channel_cb cb, void *ctx);
void hvg_channel_close(struct hvg_channel *ch);
bool hvg_channel_rescinded(const struct hvg_channel *ch);
bool hvg_channel_opened(const struct hvg_channel *ch);
u32 hvg_channel_relid(const struct hvg_channel *ch);
/* The CPU the host interrupts for this channel (its target VP). */
unsigned int hvg_channel_target_cpu(const struct hvg_channel *ch);
/* Percentage of the outbound ring free to write now (0..100). */
unsigned int hvg_channel_write_avail_percent(struct hvg_channel *ch);
/* The VMBus version agreed with the host (major << 16 | minor), 0 if none. */
u32 hvg_vmbus_version(void);
/*
 * A channel the host offered with a monitor id is signalled through the
 * monitor page: cheap, but the host sees it only on its next scan (about
 * 100 us on Hyper-V). A driver whose channel carries latency-sensitive
 * traffic can ask for direct signals instead (upstream's low_latency).
 */
void hvg_channel_set_low_latency(struct hvg_channel *ch, bool on);
bool hvg_channel_monitored(const struct hvg_channel *ch);
/*
 * By default the callback is called again while the inbound ring holds
 * packets (batched reading, with interrupts masked meanwhile). A driver
 * that may leave a packet unread on purpose, such as hv_utils waiting
 * for a daemon, asks for direct mode before opening: one call per host
 * interrupt, and the driver reads the rest when it is ready (upstream's
 * HV_CALL_DIRECT).
 */
void hvg_channel_set_direct(struct hvg_channel *ch, bool on);

/*
 * Sub-channels. Devices such as storage and network ask the host, in
 * their own protocol, for extra channels; the host then offers them with
 * the primary's instance GUID. A driver that wants them registers a
 * handler on the primary; it is called in process context for each new
 * sub-channel (it may open it there). Sub-channels are closed and freed
 * with their primary; a driver closes the ones it opened in remove.
 */
typedef void (*hvg_subchannel_cb)(struct hvg_channel *primary,
				  struct hvg_channel *sub);
void hvg_channel_set_subchannel_cb(struct hvg_channel *primary,
				   hvg_subchannel_cb cb);
u16 hvg_channel_sub_index(const struct hvg_channel *ch);

/*
 * Rings that outlive an open, for a driver that hands them to user space
 * (uio_hv_generic): allocated before the channel is opened, reused by
 * every hvg_channel_open() with the same sizes, freed by
 * hvg_channel_free_ring() once the channel is closed. They are one
 * compound allocation, so a user mapping of them holds its own reference
 * and outlives nothing it does not own. hvg_channel_ring() gives their
 * kernel address and total size (outbound ring first), NULL when the host
 * kept them after a failed close (they are leaked, never reused).
 */
int hvg_channel_alloc_ring(struct hvg_channel *ch, u32 send_ring_bytes,
			   u32 recv_ring_bytes);
void hvg_channel_free_ring(struct hvg_channel *ch);
void *hvg_channel_ring(struct hvg_channel *ch, u32 *bytes);
/*
 * channels/<relid>/ring: the kept rings, mappable by user space while the
 * channel is open (upstream's hv_create_ring_sysfs()). Shown until
 * hvg_channel_hide_ring(), which waits for mappers still inside.
 */
int hvg_channel_show_ring(struct hvg_channel *ch);
void hvg_channel_hide_ring(struct hvg_channel *ch);
/*
 * For a ring written or read outside the kernel: tell the host that the
 * outbound ring has data (or the inbound room), and let it interrupt us
 * for inbound data or not (the inbound ring's interrupt mask). Both do
 * nothing on a channel that is not open.
 */
void hvg_channel_signal(struct hvg_channel *ch);
void hvg_channel_set_interrupts(struct hvg_channel *ch, bool on);

/* In-band data: a descriptor of @type, then @len bytes of @data. */
int hvg_channel_send(struct hvg_channel *ch, const void *data, u32 len,
		     u64 trans_id, enum hv_pkt_type type, u16 flags);
/* GPA direct: @count page ranges (struct hv_pkt_page_range), then @data. */
int hvg_channel_send_pages(struct hvg_channel *ch,
			   const struct hv_pkt_page_range *pb, u32 count,
			   const void *data, u32 len, u64 trans_id);
/* One multi-page range (@range_bytes of struct hv_mpb_range), then @data. */
int hvg_channel_send_mpb(struct hvg_channel *ch,
			 const struct hv_mpb_range *range, u32 range_bytes,
			 const void *data, u32 len, u64 trans_id);

/*
 * Copy the next inbound packet, descriptor included, into @buf. Returns
 * its length, -EAGAIN when none is waiting, -ENOBUFS (with *@needed) when
 * @buf is too small, -EIO when the ring is corrupt.
 */
int hvg_channel_recv(struct hvg_channel *ch, void *buf, u32 buflen,
		     u32 *needed);

/*
 * Requests whose completion the host echoes by transaction id. The ids
 * are ours: a completion carrying an id we did not hand out, or one
 * already completed, is refused (the host is untrusted).
 */
int hvg_channel_send_request(struct hvg_channel *ch, const void *data,
			     u32 len, void *request_ctx);
void *hvg_channel_complete(struct hvg_channel *ch, u64 trans_id);

#endif /* HVG_VMBUS_H */
