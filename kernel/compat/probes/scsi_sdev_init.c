// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_SCSI_SDEV_INIT: scsi_host_template has sdev_init and
 * sdev_configure(sdev, queue_limits) (upstream 6.14 renamed slave_alloc
 * and merged slave_configure into it).
 */
#include <scsi/scsi_host.h>

static int probe_init(struct scsi_device *sdev)
{
	return 0;
}

static int probe_configure(struct scsi_device *sdev, struct queue_limits *lim)
{
	return 0;
}

struct scsi_host_template probe_sht = {
	.sdev_init = probe_init,
	.sdev_configure = probe_configure,
};
