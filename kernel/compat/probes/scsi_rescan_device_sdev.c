// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_SCSI_RESCAN_DEVICE_SDEV: scsi_rescan_device() takes the
 * scsi_device and returns an error (upstream 6.5, also in Debian's 6.1;
 * before, the device's struct device and void).
 */
#include <scsi/scsi_device.h>
#include <scsi/scsi_host.h>

int probe_rescan(struct scsi_device *sdev);
int probe_rescan(struct scsi_device *sdev)
{
	return scsi_rescan_device(sdev);
}
