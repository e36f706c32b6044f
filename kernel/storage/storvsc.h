/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv_storvsc: the guest's end of Hyper-V synthetic storage (VSTOR, see
 * include/hv/vstor.h) for the SCSI, IDE and Fibre Channel device classes.
 *
 * Two layers, one file each:
 *   vstor.c  the VSTOR channels: open, the initialisation sequence,
 *            sub-channels, the receive path, control requests (init and
 *            bus reset), the choice of a channel for each command;
 *   scsi.c   the SCSI host: queuecommand, completion mapping, error
 *            handling, rescan and LUN removal work;
 *   main.c   probe and remove, module parameters, debugfs;
 *   fc.c     the Fibre Channel transport (kernels with it only).
 *
 * The host is untrusted: every packet is copied out of the ring before it
 * is looked at, and every id, length and count in it is checked.
 */
#ifndef HVS_STORVSC_H
#define HVS_STORVSC_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <hv/vstor.h>
#include <hvg/vmbus.h>
#include "compat-scsi.h"

/*
 * The host addresses guest memory in 4 KiB frames, whatever the guest's
 * PAGE_SIZE (storvsc_drv.c: HV_HYP_PAGE_SIZE throughout).
 */
#define HVS_FRAME_SHIFT		12
#define HVS_FRAME_SIZE		4096U

/*
 * The largest transfer we ever ask for, whatever the host allows: each
 * command keeps room for its frame list in its private data (no
 * allocation on the I/O path), so this bounds what every command costs.
 * The block layer splits larger requests.
 */
#define HVS_MAX_XFER		(2U * 1024 * 1024)
#define HVS_MAX_FRAMES		(HVS_MAX_XFER / HVS_FRAME_SIZE + 1)

/*
 * Transaction ids. 0 is the host's, for unsolicited packets
 * (storvsc_drv.c, storvsc_on_channel_callback()). A SCSI command's id is
 * its generation in the high half and its blk-mq unique tag + 1 in the
 * low half, so the low half is never 0; the two fixed ids below have a
 * low half no unique tag reaches (its hardware queue would be 0xffff).
 */
#define HVS_TRANS_INIT		(U64_MAX - 1)
#define HVS_TRANS_RESET		(U64_MAX - 2)

/*
 * How long a control request (an initialisation step, a bus reset) waits
 * for the host. storvsc_drv.c waits 180 s (storvsc_timeout); a host that
 * has not answered in 30 s is taken as gone, so a probe or an error
 * handler fails in a bounded time.
 */
#define HVS_CTL_TIMEOUT		(30 * HZ)
/* The block layer's timeout for our devices (storvsc_timeout, 180 s). */
#define HVS_RQ_TIMEOUT		(180 * HZ)
/* Seconds the host may take for one SRB (storvsc_queuecommand(): 60). */
#define HVS_SRB_TIMEOUT		60
/*
 * After a host reset, and when a device is removed, how long commands
 * still at the host are waited for before they are taken back.
 */
#define HVS_DRAIN_TIMEOUT	(30 * HZ)
/*
 * A command's timer is given again this many times before the error
 * handler (a bus reset) takes over: with the default 180 s timeout, nine
 * minutes for a host that is slow but alive.
 */
#define HVS_TIMER_RESETS	2

/* Every packet the host sends us is a vstor packet: this is plenty. */
#define HVS_RX_BUF		512

/* Queue depth limits: blk-mq's largest tag set, upstream's cmd_per_lun. */
#define HVS_MAX_CAN_QUEUE	10240
#define HVS_CMD_PER_LUN		2048

enum hvs_class {
	HVS_CLASS_SCSI,
	HVS_CLASS_IDE,
	HVS_CLASS_FC,
};

struct hvs_dev;
struct fc_rport;

/* One channel: the primary or a sub-channel. */
struct hvs_chan {
	struct hvs_dev *stor;
	struct hvg_channel *ch;
	unsigned int users;	/* CPUs sending on it first (chan_lock) */
	/* the callback's copy of the packet being handled */
	u64 rx_buf[HVS_RX_BUF / sizeof(u64)];
};

/* A control request in flight on the primary, answered by a fixed id. */
struct hvs_ctl {
	struct completion done;
	atomic_t pending;	/* 1 while an answer is awaited */
	struct hv_vstor_packet reply;
};

/* Logging levels (storvsc_drv.c's logging_level parameter). */
#define HVS_LOG_NONE		0
#define HVS_LOG_ERROR		1
#define HVS_LOG_WARN		2

/* Module parameters (main.c), under upstream's names. */
extern int hvs_ringbuffer_size;
extern int hvs_vcpus_per_sub_channel;
extern unsigned int hvs_max_hw_queues;
extern int hvs_ring_lowater;
extern int hvs_logging_level;

/* The driver's state for one controller: the Scsi_Host's private data. */
struct hvs_dev {
	struct hvg_device *hdev;
	struct Scsi_Host *shost;
	struct list_head node;	/* in vstor.c's list of devices */
	enum hvs_class cls;
	u16 proto;		/* the VSTOR version agreed, HV_VSTOR_VERSION() */
	u32 host_max_xfer;	/* max_transfer_bytes as the host said it */
	u32 max_xfer;		/* what we use: rounded down and capped */
	u16 host_max_subs;	/* max_channel_cnt as the host said it */
	bool multi_channel;	/* HV_VSTOR_PROP_MULTI_CHANNEL */
	u16 subs_wanted;	/* sub-channels asked for */
	u32 ide_target;		/* IDE: the target this controller shows */
	u32 ring_bytes;		/* each direction, header page included */

	/*
	 * Channels. chans[0] is the primary; sub-channels are added as the
	 * host offers them and stay until remove. nchans is published with
	 * a release store after the entry is set; cpu_chan[] maps each CPU
	 * to the channel it sends on first.
	 */
	struct hvs_chan **chans;
	u32 max_chans;
	u32 nchans;
	struct hvs_chan **cpu_chan;
	spinlock_t chan_lock;	/* writers of chans[], nchans, cpu_chan[] */

	struct hvs_ctl init_ctl;
	struct hvs_ctl reset_ctl;

	/*
	 * One slot per command tag (hardware queue * depth + tag), kept
	 * here because the midlayer may clear a command's private data
	 * before each submission. A slot holds the tag's generation
	 * shifted left by one, with bit 0 set while the command is at the
	 * host. Whoever clears bit 0 for the generation a completion names
	 * (a completion, or a path taking commands back) owns the
	 * command's end; any other completion is stale or a duplicate.
	 */
	atomic_t *slots;
	u32 slot_hwqs;
	u32 slot_depth;

	/* Commands at the host, and those waiting for them to be back. */
	atomic_t outstanding;
	wait_queue_head_t drain_wq;
	/*
	 * removing: remove has begun (no new work is queued); dead: the
	 * host will answer nothing more (rescinded, or given up on), so
	 * commands fail at once and those at the host are taken back.
	 */
	bool removing;
	bool dead;
	spinlock_t work_lock;	/* removing vs. queueing work */
	struct workqueue_struct *wq;
	struct work_struct scan_work;
	struct delayed_work reaper;
	s64 reaper_seen;	/* answers counted at the reaper's last look */

	/* Fibre Channel: the world-wide names (FCHBA_DATA). */
	u64 node_name;
	u64 port_name;
	bool fc_ready;		/* the fc_host is there to update */
	struct fc_rport *rport;

	struct dentry *debugfs;
	atomic_t subs_opened;
	atomic64_t commands;	/* sent */
	atomic64_t completed;	/* answered by the host */
	atomic64_t busy;	/* refused for a full ring */
	atomic64_t bad_packets;
};

/* A command's private data (the host template's cmd_size). */
struct hvs_cmd {
	struct hv_vstor_packet pkt;	/* the request as sent */
	u8 timeouts;			/* command timer expiries so far */
	/* struct hv_mpb_range, its frames (HVS_MAX_FRAMES) following */
	u64 range[];
};

#define HVS_CMD_SIZE	(sizeof(struct hvs_cmd) + \
			 sizeof(struct hv_mpb_range) + \
			 HVS_MAX_FRAMES * sizeof(u64))

static inline struct hv_mpb_range *hvs_cmd_range(struct hvs_cmd *cmd)
{
	return (struct hv_mpb_range *)cmd->range;
}

static inline bool hvs_log(int level)
{
	return READ_ONCE(hvs_logging_level) >= level;
}

/* vstor.c */
u32 hvs_ring_bytes(void);
u32 hvs_cmds_per_channel(u32 ring_bytes);
int hvs_vstor_connect(struct hvs_dev *stor);
void hvs_vstor_disconnect(struct hvs_dev *stor);
int hvs_vstor_reset_bus(struct hvs_dev *stor);
void hvs_cache_wwn(struct hvs_dev *stor, const struct hv_vstor_fc_wwn *wwn);
struct hvs_chan *hvs_pick_chan(struct hvs_dev *stor);
int hvs_send_cmd(struct hvs_chan *chan, struct hvs_cmd *cmd, u32 nframes,
		 u64 trans_id);

/* scsi.c */
extern hvg_sht_const struct scsi_host_template hvs_template;
void hvs_on_completion(struct hvs_dev *stor, u64 trans_id,
		       const struct hv_vstor_packet *pkt, u32 len);
void hvs_on_unsolicited(struct hvs_dev *stor,
			const struct hv_vstor_packet *pkt, u32 len);
void hvs_host_scan_work(struct work_struct *work);
void hvs_reaper_work(struct work_struct *work);
void hvs_take_back_all(struct hvs_dev *stor, int host_byte);
void hvs_mark_dead(struct hvs_dev *stor);
bool hvs_queue_work(struct hvs_dev *stor, struct work_struct *work);

/* fc.c, or nothing where the kernel has no FC transport */
#if IS_ENABLED(CONFIG_SCSI_FC_ATTRS)
int hvs_fc_init(void);
void hvs_fc_exit(void);
void hvs_fc_attach(struct hvs_dev *stor);
int hvs_fc_add(struct hvs_dev *stor);
void hvs_fc_remove(struct hvs_dev *stor);
void hvs_fc_update_names(struct hvs_dev *stor);
#else
static inline int hvs_fc_init(void) { return 0; }
static inline void hvs_fc_exit(void) { }
static inline void hvs_fc_attach(struct hvs_dev *stor) { }
static inline int hvs_fc_add(struct hvs_dev *stor) { return 0; }
static inline void hvs_fc_remove(struct hvs_dev *stor) { }
static inline void hvs_fc_update_names(struct hvs_dev *stor) { }
#endif

#endif /* HVS_STORVSC_H */
