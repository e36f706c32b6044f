// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_SCSI_VIRT_BOUNDARY_MASK: scsi_host_template.virt_boundary_mask
 * (upstream 5.2; before, drivers set the queue's virt boundary).
 */
#include <scsi/scsi_host.h>

struct scsi_host_template probe_sht = {
	.virt_boundary_mask = 4095,
};
