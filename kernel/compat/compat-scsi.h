/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shims for the SCSI midlayer interfaces used by storage/ (hv_storvsc),
 * the only code that includes the SCSI headers. See compat.h for the
 * rules: each HAVE_ comes from a compile probe in compat/probes, and a
 * missing interface is given its upstream name here.
 */
#ifndef HVG_COMPAT_SCSI_H
#define HVG_COMPAT_SCSI_H

#include <linux/blk-mq.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_host.h>
#include "compat.h"

/* scsi_done(): since 5.16; before, the callback the midlayer stored. */
#ifndef HAVE_SCSI_DONE
static inline void scsi_done(struct scsi_cmnd *cmd)
{
	cmd->scsi_done(cmd);
}
#endif

/* scsi_cmd_to_rq(): since 5.15; the command is the request's payload. */
#ifndef HAVE_SCSI_CMD_TO_RQ
static inline struct request *scsi_cmd_to_rq(struct scsi_cmnd *cmd)
{
	return blk_mq_rq_from_pdu(cmd);
}
#endif

/* eh_timed_out's answer: enum scsi_timeout_action since 6.2. */
#ifndef HAVE_SCSI_TIMEOUT_ACTION
#define scsi_timeout_action	blk_eh_timer_return
#define SCSI_EH_DONE		BLK_EH_DONE
#define SCSI_EH_RESET_TIMER	BLK_EH_RESET_TIMER
/* Before 6.2, BLK_EH_DONE from eh_timed_out also meant "not handled". */
#define SCSI_EH_NOT_HANDLED	BLK_EH_DONE
#endif

/* scsi_host_alloc() takes a const template since 6.4. */
#ifdef HAVE_SCSI_HOST_TEMPLATE_CONST
#define hvg_sht_const const
#else
#define hvg_sht_const
#endif

/* scsi_rescan_device(): the scsi_device (and an error) since 6.5. */
#ifndef HAVE_SCSI_RESCAN_DEVICE_SDEV
#define scsi_rescan_device(sdev)	scsi_rescan_device(&(sdev)->sdev_gendev)
#endif

/* queuecommand's answer: enum scsi_qc_status after 6.12, int before. */
#ifdef HAVE_SCSI_QC_STATUS
#define hvg_qc_status enum scsi_qc_status
#else
#define hvg_qc_status int
#endif

/* bios_param: the gendisk after 6.12, the block_device before. */
#ifdef HAVE_SCSI_BIOS_PARAM_GENDISK
#define hvg_bios_disk struct gendisk
#else
#define hvg_bios_disk struct block_device
#endif

#endif /* HVG_COMPAT_SCSI_H */
