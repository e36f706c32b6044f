// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_SCSI_QC_STATUS: scsi_host_template.queuecommand returns enum
 * scsi_qc_status (a change after 6.12; before, int).
 */
#include <scsi/scsi.h>
#include <scsi/scsi_host.h>

static enum scsi_qc_status probe_queuecommand(struct Scsi_Host *shost,
					      struct scsi_cmnd *cmd)
{
	return 0;
}

struct scsi_host_template probe_sht = {
	.queuecommand = probe_queuecommand,
};
