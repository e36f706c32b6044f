// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_SCSI_HOST_TEMPLATE_CONST: scsi_host_alloc() takes a const
 * scsi_host_template (upstream 6.4; before, the midlayer wrote to it).
 */
#include <scsi/scsi_host.h>

struct Scsi_Host *(*probe_alloc)(const struct scsi_host_template *, int) =
	scsi_host_alloc;
