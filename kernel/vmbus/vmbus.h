/* SPDX-License-Identifier: GPL-2.0 */
/* hv_vmbus internals shared between its files. */
#ifndef HVG_VMBUS_INTERNAL_H
#define HVG_VMBUS_INTERNAL_H

#include <linux/types.h>
#include <linux/completion.h>
#include <linux/interrupt.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <hv/channel_msg.h>
#include <hv/monitor.h>
#include <hvg/ring.h>
#include <hvg/vmbus.h>
#include <hvg/platform.h>
#include "compat.h"

/* The CPU named in INITIATE_CONTACT: it receives every VMBus message. */
#define HVG_CONNECT_CPU	0

enum hvg_channel_state {
	HVG_CH_OFFERED,
	HVG_CH_OPEN,
};

struct hvg_channel {
	struct hv_chmsg_offer offer;	/* validated copy of the offer */
	u32 relid;
	u32 conn_id;
	u16 sub_index;
	struct hvg_channel *primary;	/* NULL for a primary channel */
	struct hvg_device *device;	/* the device of the primary */
	struct list_head node;		/* in hvg_conn.channels */
	struct list_head sub_channels;	/* of a primary */
	struct list_head sub_node;

	struct mutex lock;		/* open, close, retarget */
	enum hvg_channel_state state;
	bool rescinded;
	bool registered;		/* device_add() done (primary) */
	bool dev_gone;			/* device_del() done (channels_lock) */
	bool released;			/* rescinded sub-channel: relid given back */
	/*
	 * A sub-channel whose primary was rescinded first: off the
	 * primary's list, closed, waiting for its own rescind, which
	 * releases and frees it (channels_lock).
	 */
	bool orphan;
	struct work_struct register_work;
	struct work_struct rescind_work;
	struct work_struct sub_work;	/* tell the driver of a sub-channel */
	struct mutex sub_lock;		/* sub_cb, and calls of it */
	hvg_subchannel_cb sub_cb;	/* of a primary */

	/* rings: one GPADL, outbound pages first */
	struct page *ring_pages;
	u32 ring_order;
	/*
	 * Rings that outlive an open (hvg_channel_alloc_ring()): one
	 * compound allocation of kept_send + kept_recv bytes, freed only by
	 * hvg_channel_free_ring() (or leaked, if the host kept them).
	 */
	bool ring_kept;
	u32 kept_send;
	u32 kept_recv;
	/* channels/<relid>/ring: the kept rings, mappable while open */
	bool ring_file;			/* wanted (channels_lock) */
	bool ring_file_added;		/* in sysfs (channels_lock) */
	struct bin_attribute ring_attr;
	u32 send_pages;
	u32 gpadl;
	struct hvg_ring out;
	struct hvg_ring in;
	spinlock_t out_lock;		/* writers of the outbound ring */
	spinlock_t in_lock;		/* readers of the inbound ring */

	hvg_channel_cb callback;
	void *callback_ctx;
	struct tasklet_struct tasklet;
	unsigned int target_cpu;
	bool low_latency;		/* signal by hypercall even if monitored */
	bool direct;			/* one callback per interrupt, no polling */

	struct xarray requests;		/* trans_id -> request context */
	u32 next_request;

	/* counters (sysfs channels/<relid>/) */
	atomic64_t interrupts;		/* host-to-guest events */
	atomic64_t events;		/* guest-to-host signals */

	/*
	 * channels/<relid>. Once initialised it owns the channel's memory:
	 * hvg_channel_free() drops hv_vmbus's reference.
	 */
	struct kobject kobj;
	bool kobj_inited;
	bool kobj_added;		/* in sysfs now */
};

/* A thread waiting for the host's answer to a channel message. */
struct hvg_waiter {
	struct list_head node;
	u32 msgtype;			/* the response type awaited */
	u32 key;			/* relid or gpadl it must carry */
	bool any_key;
	bool cancelled;			/* the channel went away */
	struct completion done;
	u8 msg[HV_MSG_PAYLOAD_MAX];
	u32 len;
	u32 relid;			/* channel, to cancel on rescind */
};

struct hvg_conn {
	struct hvg_platform *platform;
	u32 version;
	u32 msg_conn_id;
	bool connected;
	bool tearing_down;		/* drop new offers and rescinds */

	spinlock_t waiters_lock;		/* protects waiters */
	struct list_head waiters;

	struct workqueue_struct *msg_wq;	/* ordered: offers, rescinds */
	struct workqueue_struct *dev_wq;	/* device add/remove */
	struct work_struct connect_work;

	struct mutex channels_lock;		/* channels, by_relid, sub-lists */
	struct list_head channels;
	struct hvg_channel __rcu *by_relid[HV_MAX_RELIDS];
	struct completion all_offers;
	/* a rescinded device has left sysfs (see hvg_register_work()) */
	wait_queue_head_t unreg_wq;
	atomic_t unreg_gen;
	atomic_t next_gpadl;

	/* MNF (include/hv/monitor.h): [0] server, [1] client page */
	struct hv_monitor_page *monitor_pages[2];
	/*
	 * The interrupt page, named to hosts older than 5.0 in
	 * INITIATE_CONTACT: its second half has a bit per relid, set before
	 * signalling a channel without a dedicated interrupt.
	 */
	void *int_page;
};

extern struct hvg_conn hvg_conn;

/* version.c */
u32 hvg_vmbus_version_at(u32 cap, unsigned int index);
bool hvg_vmbus_version_known(u32 version);
int hvg_vmbus_version_check_cap(u32 cap);
u32 hvg_vmbus_message_conn_id(u32 version);

/* connection.c */
int hvg_post(const void *msg, u32 len);
void hvg_waiter_init(struct hvg_waiter *w, u32 msgtype, u32 key, u32 relid);
int hvg_post_and_wait(const void *msg, u32 len, struct hvg_waiter *w,
		      unsigned long timeout);
void hvg_cancel_waiters(u32 relid);
int hvg_connect(u32 max_version);
void hvg_disconnect(void);
int hvg_cpuhp_init(void);
struct device *hvg_root_device(void);
void hvg_cpuhp_exit(void);
void hvg_shutdown_unload(void);
void hvg_signal_host(struct hvg_channel *ch);
void hvg_unload_atomic(void);

/* channel.c */
void hvg_channel_free(struct hvg_channel *ch);
struct hvg_channel *hvg_channel_alloc(const struct hv_chmsg_offer *offer);
void hvg_handle_offer(const struct hv_chmsg_offer *offer);
void hvg_handle_rescind(u32 relid);
void hvg_remove_all_channels(void);
int hvg_channel_retarget(struct hvg_channel *ch, unsigned int cpu);
int hvg_channels_init(void);
void hvg_channels_exit(void);
int hvg_validate_offer(const struct hv_chmsg_offer *offer);
int hvg_gpadl_build(u32 gpadl, u32 relid, const u64 *pfns, u32 npfns,
		    u8 *msgs, u32 *lens, u32 maxmsgs);

/* hyperv.c: the real Hyper-V platform, where the kernel supports it */
#if IS_ENABLED(CONFIG_HYPERV) && defined(CONFIG_X86)
int hvg_hyperv_init(void);
void hvg_hyperv_exit(void);
#ifdef HVG_KUNIT
void hvg_synic_scan(void *event_page, void *msg_page,
		    void (*on_event)(u32 relid),
		    void (*on_message)(const void *msg, u32 len));
#endif
#else
static inline int hvg_hyperv_init(void) { return -ENODEV; }
static inline void hvg_hyperv_exit(void) { }
#endif

/* bus.c */
int hvg_bus_init(void);
void hvg_bus_exit(void);
int hvg_device_add(struct hvg_channel *ch);
void hvg_device_del(struct hvg_channel *ch);
int hvg_channel_sysfs_add(struct hvg_channel *ch);
void hvg_channel_sysfs_del(struct hvg_channel *ch);
int hvg_ring_file_mmap(struct hvg_channel *ch, struct vm_area_struct *vma);

#endif /* HVG_VMBUS_INTERNAL_H */
