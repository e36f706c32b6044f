/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv_sim's storage host, shared between the VSTOR host end (storvsp.c)
 * and its control files (storvsp_ctl.c).
 */
#ifndef HVG_SIM_STORVSP_H
#define HVG_SIM_STORVSP_H

#include <linux/list.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/uuid.h>
#include <hv/vstor.h>
#include "scsi_target.h"

#define SVSP_LUN_TARGETS	HV_VSTOR_SCSI_MAX_TARGETS

enum svsp_state {
	SVSP_NEW,		/* opened, no BEGIN_INITIALIZATION yet */
	SVSP_BEGUN,
	SVSP_VERSIONED,		/* a version was accepted */
	SVSP_READY,		/* END_INITIALIZATION done */
};

struct svsp_lun {
	struct list_head node;
	u8 target;
	u8 lun;
	struct sim_scsi_disk *disk;
};

struct svsp_disk {
	struct list_head node;
	char name[32];
	u32 block_size;
	struct sim_scsi_disk *disk;
};

/* One controller: a SCSI channel's instance, or one Generation 1 IDE disk. */
struct svsp_ctrl {
	struct list_head node;
	guid_t instance;
	u32 number;		/* also its initiator number */
	bool ide;
	bool fc;		/* a synthetic Fibre Channel adapter */
	bool fc_secondary;	/* its second set of names is the active one */
	u8 ide_target;		/* IDE: the target the guest derives (below) */
	struct list_head luns;	/* under svsp.lock */
	/* the open channels, primary first */
	spinlock_t chan_lock;
	struct list_head chans;
	enum svsp_state state;	/* of the primary; under chan_lock */
	u16 version;
	bool subs_requested;
	/* faults (debugfs) */
	u32 delay_ms;
	u32 reorder;
	atomic_t drop;
	atomic_t dup;
	atomic_t badlen;
	atomic_t bogus;
	atomic_t sent;		/* completions counted for reorder */
	/* counters */
	atomic64_t srbs;
	atomic64_t resets;
	atomic64_t refused;
	atomic64_t unsolicited;
};

/* The storage host: its disks and controllers. */
struct svsp_host {
	/*
	 * Disks, controllers, LUN tables: read by every SCSI request (of
	 * any channel, at once), written by the control commands.
	 */
	struct rw_semaphore lock;
	struct list_head disks;
	struct list_head ctrls;
	u32 next_ctrl;
	/* boot_disk=: given to the first SCSI controller made */
	struct svsp_disk *boot;
	bool boot_given;
	atomic_t ide_slots;
	struct dentry *dir;
};

extern struct svsp_host svsp;

/* storvsp_ctl.c, under svsp.lock written */
int svsp_disk_add(char **argv, int argc);
struct svsp_disk *svsp_disk_find(const char *name);

/* storvsp.c */
struct svsp_ctrl *svsp_ctrl_get(const guid_t *instance,
				const struct sim_device_type *type);
struct svsp_lun *svsp_lun_find(struct svsp_ctrl *c, u8 target, u8 lun);
void svsp_notify(struct svsp_ctrl *c, u32 op);
void svsp_fc_switch(struct svsp_ctrl *c);
int svsp_ctrl_channels(struct svsp_ctrl *c);

#endif /* HVG_SIM_STORVSP_H */
