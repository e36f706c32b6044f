/* SPDX-License-Identifier: GPL-2.0 */
/* hv_vmbus internals shared between its files. */
#ifndef HVG_VMBUS_INTERNAL_H
#define HVG_VMBUS_INTERNAL_H

#include <linux/types.h>
#include <kunit/visibility.h>
#include "compat.h"

/* version.c */
u32 hvg_vmbus_version_at(u32 cap, unsigned int index);
bool hvg_vmbus_version_known(u32 version);
int hvg_vmbus_version_check_cap(u32 cap);
u32 hvg_vmbus_message_conn_id(u32 version);

/* bus.c */
int hvg_bus_init(void);
void hvg_bus_exit(void);

#endif /* HVG_VMBUS_INTERNAL_H */
