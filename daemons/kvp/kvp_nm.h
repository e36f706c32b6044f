/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * NetworkManager over D-Bus (org.freedesktop.NetworkManager, see
 * NetworkManager's D-Bus API reference):
 * - SET_IP_INFO: our keyfile (uuid = the NIC's VMBus GUID, so a repeated
 *   request updates the same profile) is loaded with
 *   Settings.LoadConnections and activated with ActivateConnection on the
 *   device found by GetDeviceByIpIface;
 * - GET_IP_INFO: the device's Dhcp4Config/Dhcp6Config object paths tell
 *   whether DHCP is in use ("/" means no).
 */
#ifndef HVG_KVP_NM_H
#define HVG_KVP_NM_H

#include <stdbool.h>

struct sd_bus;

/* Returns 0, or -1 (logged). */
int kvp_nm_activate_on_bus(struct sd_bus *bus, const char *keyfile_path,
			   const char *uuid, const char *ifname);
int kvp_nm_activate(void *ctx, const char *keyfile_path, const char *uuid,
		    const char *ifname);

/* 1 DHCP in use, 0 not, -1 unknown (NetworkManager not there or no device). */
int kvp_nm_dhcp_on_bus(struct sd_bus *bus, const char *ifname);
int kvp_nm_dhcp(void *ctx, const char *ifname);

#endif
