// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_SCSI_BIOS_PARAM_GENDISK: scsi_host_template.bios_param takes the
 * gendisk (a change after 6.12; before, the block_device).
 */
#include <scsi/scsi_host.h>

struct gendisk;

static int probe_bios_param(struct scsi_device *sdev, struct gendisk *disk,
			    sector_t capacity, int geom[])
{
	return 0;
}

struct scsi_host_template probe_sht = {
	.bios_param = probe_bios_param,
};
