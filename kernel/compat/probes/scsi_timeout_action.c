// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_SCSI_TIMEOUT_ACTION: scsi_host_template.eh_timed_out returns enum
 * scsi_timeout_action (upstream 6.2; before, enum blk_eh_timer_return).
 */
#include <scsi/scsi_host.h>

static enum scsi_timeout_action probe_timed_out(struct scsi_cmnd *cmd)
{
	return SCSI_EH_RESET_TIMER;
}

struct scsi_host_template probe_sht = {
	.eh_timed_out = probe_timed_out,
};
