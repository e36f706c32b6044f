// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_SCSI_CMD_TO_RQ: scsi_cmd_to_rq() gives a command's block request
 * (upstream 5.15; before, scsi_cmnd.request).
 */
#include <scsi/scsi_cmnd.h>

struct request *probe_rq(struct scsi_cmnd *cmd);
struct request *probe_rq(struct scsi_cmnd *cmd)
{
	return scsi_cmd_to_rq(cmd);
}
