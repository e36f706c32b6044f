// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_SCSI_DONE: scsi_done() completes a command (upstream 5.16; before,
 * the midlayer's callback in scsi_cmnd.scsi_done).
 */
#include <scsi/scsi_cmnd.h>

void probe_scsi_done(struct scsi_cmnd *cmd);
void probe_scsi_done(struct scsi_cmnd *cmd)
{
	scsi_done(cmd);
}
