// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_SCSI_INIT_CMD_PRIV: scsi_host_template.init_cmd_priv (upstream
 * 5.7); with it, the midlayer no longer clears a command's private data
 * before each submission.
 */
#include <scsi/scsi_host.h>

static int probe_init_cmd_priv(struct Scsi_Host *shost, struct scsi_cmnd *cmd)
{
	return 0;
}

struct scsi_host_template probe_sht = {
	.init_cmd_priv = probe_init_cmd_priv,
};
