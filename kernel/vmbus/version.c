// SPDX-License-Identifier: GPL-2.0
/*
 * Which VMBus protocol versions we offer, in which order.
 *
 * The guest proposes versions newest first and takes the first one the host
 * accepts (drivers/hv/connection.c does the same). max_version caps the
 * list, which is how tests and cautious administrators pin an older
 * protocol.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/kernel.h>
#include <linux/errno.h>
#include <hv/version.h>
#include "vmbus.h"

static const u32 hvg_vmbus_versions[] = {
	HV_VMBUS_VERSION_WIN10_V5_3,
	HV_VMBUS_VERSION_WIN10_V5_2,
	HV_VMBUS_VERSION_WIN10_V5_1,
	HV_VMBUS_VERSION_WIN10_V5,
	HV_VMBUS_VERSION_WIN10_V4_1,
	HV_VMBUS_VERSION_WIN10,
	HV_VMBUS_VERSION_WIN8_1,
	HV_VMBUS_VERSION_WIN8,
};

/**
 * hvg_vmbus_version_at() - the versions to propose, in order
 * @cap: highest version we may propose (0: no cap)
 * @index: position in the proposal order, from 0
 *
 * Return: the @index'th version not above @cap, or 0 once the list is
 * exhausted.
 */
u32 hvg_vmbus_version_at(u32 cap, unsigned int index)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hvg_vmbus_versions); i++) {
		if (cap && hvg_vmbus_versions[i] > cap)
			continue;
		if (index-- == 0)
			return hvg_vmbus_versions[i];
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hvg_vmbus_version_at);

/**
 * hvg_vmbus_version_known() - is @version one we can speak?
 * @version: encoded major << 16 | minor
 */
bool hvg_vmbus_version_known(u32 version)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hvg_vmbus_versions); i++)
		if (hvg_vmbus_versions[i] == version)
			return true;
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(hvg_vmbus_version_known);

/**
 * hvg_vmbus_version_check_cap() - validate the max_version parameter
 * @cap: the parameter's value (0 means none)
 *
 * A cap below the oldest version we speak would leave nothing to propose;
 * refuse it at load time with a clear message instead of failing later.
 */
int hvg_vmbus_version_check_cap(u32 cap)
{
	if (cap && !hvg_vmbus_version_at(cap, 0))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hvg_vmbus_version_check_cap);

/**
 * hvg_vmbus_message_conn_id() - connection id for INITIATE_CONTACT
 * @version: the version being proposed
 */
u32 hvg_vmbus_message_conn_id(u32 version)
{
	if (version >= HV_VMBUS_VERSION_WIN10_V5)
		return HV_VMBUS_MESSAGE_CONNECTION_ID_4;
	return HV_VMBUS_MESSAGE_CONNECTION_ID;
}
EXPORT_SYMBOL_IF_KUNIT(hvg_vmbus_message_conn_id);
