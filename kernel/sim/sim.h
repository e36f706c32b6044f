/* SPDX-License-Identifier: GPL-2.0 */
/* hv_sim internals. */
#ifndef HVG_SIM_H
#define HVG_SIM_H

#include <linux/debugfs.h>
#include <linux/smp.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <hv/channel_msg.h>
#include <hvg/platform.h>
#include "ring.h"

struct sim_channel;

/* The largest IC message body (after the headers) the host sends or takes. */
#define HVU_SIM_IC_BODY_MAX	(4 * 4096)

/* Largest packet a simulated device takes: 16 KiB of payload and more. */
#define SIM_PKT_MAX	(PAGE_SIZE * 5)

/*
 * A simulated interrupt: fn runs in IPI (hardirq) context on the chosen
 * CPU, as a SynIC interrupt would. Raising one that is already pending
 * does nothing, as with a real interrupt line.
 */
struct sim_irq {
	call_single_data_t csd;
	atomic_t pending;
	void (*fn)(struct sim_irq *si);
};

void sim_irq_init(struct sim_irq *si, void (*fn)(struct sim_irq *si));
void sim_irq_raise(struct sim_irq *si, unsigned int cpu);
void sim_irq_sync(struct sim_irq *si);

/* What a simulated device does with the packets the guest sends it. */
struct sim_device_type {
	const char *name;
	guid_t class_id;
	/* Called from the channel's host worker when the guest signalled. */
	void (*process)(struct sim_channel *ch);
	/* Optional: the guest opened / closed (or lost) the channel. */
	void (*opened)(struct sim_channel *ch);
	void (*closed)(struct sim_channel *ch);
	/* Optional: the channel is being freed (its worker is idle). */
	void (*release)(struct sim_channel *ch);
	/*
	 * Optional: the instance GUID of a new offer (sub-channels take
	 * their primary's), when neither the caller nor .instance names one.
	 */
	void (*make_instance)(guid_t *instance);
	/* Offered with monitored notification (network, storage, echo). */
	bool monitored;
	/*
	 * Optional: the instance GUID Hyper-V always offers this device
	 * with (otherwise a new one per offer). Programs hard-code some.
	 */
	const guid_t *instance;
};

struct sim_gpadl {
	struct list_head node;
	u32 handle;
	u32 relid;
	u32 npfns;		/* announced in the header */
	u32 received;		/* PFNs received so far */
	u32 next_msgnumber;
	u64 *pfns;
	bool in_use;		/* backs an open channel's rings */
};

struct sim_channel {
	struct list_head node;
	const struct sim_device_type *type;
	guid_t instance;
	u32 relid;
	u32 conn_id;
	u16 sub_index;
	bool open;
	bool rescinded;		/* RESCIND sent; waiting for RELID_RELEASED */
	struct sim_gpadl *gpadl;
	unsigned int target_cpu;
	int monitor_id;		/* -1: none */
	bool monitored;		/* the offer carried monitor_allocated */
	bool monitor_polled;	/* open and counted by the monitor scan */

	struct sim_ring out;	/* guest to host: we read it */
	struct sim_ring in;	/* host to guest: we write it */
	struct work_struct work;
	struct sim_irq irq;
	/* echo: a reply that did not fit, retried on the next signal */
	u8 *stalled;
	u32 stalled_len;
	u8 *buf;
	void *priv;		/* the device's own state (storvsp.c) */

	/* counters, in debugfs */
	atomic64_t signals;	/* guest-to-host, by HvSignalEvent */
	atomic64_t monitor_signals;	/* guest-to-host, seen by a monitor scan */
	atomic64_t interrupts;	/* host-to-guest */
	atomic64_t msgs;	/* channel messages about this channel */
	u64 bytes_in;
	u64 bytes_out;
	u64 packets_in;
	u64 packets_out;
	struct dentry *dir;
};

struct sim_host {
	struct mutex lock;	/* channels, gpadls, connection state */
	struct list_head channels;
	struct list_head gpadls;
	spinlock_t chan_lock;	/* lookups from signal_event */
	u32 version;		/* agreed, 0 before */
	u32 next_relid;
	bool connected;
	u64 violations;		/* guest protocol errors seen */
	/*
	 * Below 5.0, the guest's interrupt page from INITIATE_CONTACT: its
	 * second half holds a bit per relid that the guest sets before it
	 * signals a channel.
	 */
	unsigned long *send_int_bits;
	atomic64_t unknown_conn_posts;	/* posts failed: unknown connection id */
	/*
	 * A busy host (debugfs busy_every, busy_burst): after every
	 * busy_every posts it accepts, it refuses busy_burst with
	 * HV_STATUS_INSUFFICIENT_BUFFERS. 0 in either: never.
	 */
	u32 busy_every;
	u32 busy_burst;
	atomic_t posts_seen;
	atomic64_t busy_refusals;
	u32 unload_delay_ms;	/* answer UNLOAD this late (debugfs) */
	bool synic_off;		/* the guest stopped taking interrupts */
	unsigned int msg_cpu;	/* INITIATE_CONTACT's target VP, as a CPU */
	u32 teardown_delay_ms;	/* answer GPADL_TEARDOWN this late (debugfs) */
	u32 open_delay_ms;	/* answer OPENCHANNEL this late (debugfs) */

	struct workqueue_struct *msg_wq;	/* ordered: the host's message loop */
	struct workqueue_struct *chan_wq;	/* channel workers */
	spinlock_t out_lock;	/* messages to the guest */
	struct list_head out_msgs;
	struct sim_irq msg_irq;
	atomic64_t msgs_in;
	atomic64_t msgs_out;
	atomic64_t monitor_scans;
	struct dentry *debugfs;
};

extern struct sim_host sim;
extern struct hvg_platform sim_platform;
u64 sim_ref_counter(void);
extern atomic64_t sim_ref_warp;	/* 100 ns ticks added to the counter */

/* host.c */
int sim_host_init(void);
/* The newest VMBus version the host generation being played speaks. */
u32 sim_host_max_version(void);
void *sim_guest_page(u64 gpa);
int sim_post_from_guest(u32 conn_id, const void *msg, u32 len);
void sim_signal_from_guest(u32 conn_id);
void sim_send_to_guest(const void *msg, u32 len);
void sim_interrupt_guest(struct sim_channel *ch);
int sim_ring_drain(struct sim_channel *ch,
		   bool (*take)(struct sim_channel *ch, u32 len));
void sim_ring_violation(struct sim_channel *ch, struct sim_ring *r, int err);
int sim_offer(const struct sim_device_type *type, u16 sub_index,
	      const guid_t *instance);
int sim_rescind(u32 relid);
int sim_rescind_alone(u32 relid);
u32 sim_cpu_to_vp(unsigned int cpu);
int sim_offer_duplicate(u32 relid);
/* The instance and type of the channel @relid; -ENOENT if none. */
int sim_channel_instance(u32 relid, guid_t *instance,
			 const struct sim_device_type **type);
void sim_host_stop(void);
void sim_violation(const char *fmt, ...) __printf(1, 2);
void sim_msg_irq(struct sim_irq *si);

/* monitor.c: monitored notification (MNF) */
void sim_monitor_init(void);
void sim_monitor_connect(u64 page1, u64 page2);
bool sim_monitor_pages_held(void);
void sim_monitor_disconnect(void);
void sim_monitor_alloc(struct sim_channel *ch);
void sim_monitor_free(struct sim_channel *ch);
bool sim_monitor_offer(struct sim_channel *ch);
void sim_monitor_opened(struct sim_channel *ch);
void sim_monitor_closed(struct sim_channel *ch);

/* echo.c and devices.c */
extern const struct sim_device_type sim_echo_type;
const struct sim_device_type *sim_type_by_name(const char *name);

/*
 * ic.c: the host end of the integration components (shutdown, time sync,
 * heartbeat, KVP, VSS, fcopy). When the guest opens an IC channel the
 * host negotiates versions; then services send requests with
 * sim_ic_transact().
 */
struct sim_ic_reply {
	u32 status;		/* the guest's icmsg status */
	u32 srv_version;	/* agreed service version, HV_IC_VERSION() */
	u32 len;		/* bytes of body */
	u16 msgsize;		/* what the guest's IC header says of it */
	u8 body[HVU_SIM_IC_BODY_MAX];
};

/*
 * Send the @type_name service ("kvp", ...) one message of @msgtype whose
 * body (after the pipe and IC headers) is @body, and wait up to
 * @timeout_ms for the guest's answer, copied into @reply. Serialised per
 * service (a host has one transaction outstanding). Returns 0, -ENODEV
 * (the guest has not opened that channel or not negotiated yet),
 * -ETIMEDOUT, -EPROTO (malformed answer; also counted as a violation) or
 * -EINTR.
 */
int sim_ic_transact(const char *type_name, u16 msgtype, const void *body,
		    u32 body_len, struct sim_ic_reply *reply,
		    unsigned int timeout_ms);
/*
 * A text the host keeps for tests to read in debugfs, such as a service's
 * last answer: built under its lock with sim_ic_text_add() after a
 * sim_ic_text_reset(), or replaced whole with sim_ic_text_set(); read
 * whole through the file sim_ic_text_file() creates.
 */
struct sim_ic_text {
	struct mutex lock;	/* buf, len */
	char *buf;
	size_t size;
	size_t len;
};

int sim_ic_text_init(struct sim_ic_text *t, size_t size);
void sim_ic_text_free(struct sim_ic_text *t);
void sim_ic_text_reset(struct sim_ic_text *t);
void sim_ic_text_add(struct sim_ic_text *t, const char *fmt, ...) __printf(2, 3);
__printf(2, 0)
void sim_ic_text_vadd(struct sim_ic_text *t, const char *fmt, va_list args);
void sim_ic_text_set(struct sim_ic_text *t, const char *fmt, ...) __printf(2, 3);
void sim_ic_text_file(const char *name, struct dentry *dir,
		      struct sim_ic_text *t);

/* Agreed service version of @type_name, 0 if not negotiated. */
u32 sim_ic_version(const char *type_name);
int sim_ic_init(void);
void sim_ic_exit(void);
const struct sim_device_type *sim_ic_type_by_name(const char *name);
/* ic_util.c: shutdown, time sync and heartbeat. */
int sim_ic_util_init(struct dentry *shutdown, struct dentry *timesync,
		     struct dentry *heartbeat);
void sim_ic_util_exit(void);
/* Per-service host ends: triggers and records in hv_sim/ic/<name>/. */
int sim_ic_kvp_init(struct dentry *dir);
void sim_ic_kvp_exit(void);
int sim_ic_vss_init(struct dentry *dir);
void sim_ic_vss_exit(void);
int sim_ic_fcopy_init(struct dentry *dir);
void sim_ic_fcopy_exit(void);

/* storvsp.c: the storage host (SCSI and Generation 1 IDE controllers). */
extern const struct sim_device_type sim_storvsp_scsi_type;
extern const struct sim_device_type sim_storvsp_ide_type;
extern const struct sim_device_type sim_storvsp_fc_type;
int sim_storvsp_init(struct dentry *dir);
void sim_storvsp_exit(void);

/* input.c: the synthetic keyboard and mouse (hv_sim/input/). */
extern const struct sim_device_type sim_keyboard_type;
extern const struct sim_device_type sim_mouse_type;
void sim_input_init(struct dentry *root);
void sim_input_exit(void);

/* debugfs.c */
void sim_debugfs_init(void);
void sim_debugfs_exit(void);
void sim_debugfs_channel(struct sim_channel *ch);

#endif /* HVG_SIM_H */
