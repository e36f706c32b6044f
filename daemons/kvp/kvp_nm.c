// SPDX-License-Identifier: GPL-2.0-only
#include "kvp_nm.h"
#include "../common/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#define NM_SERVICE "org.freedesktop.NetworkManager"
#define NM_PATH "/org/freedesktop/NetworkManager"
#define NM_IFACE "org.freedesktop.NetworkManager"
#define NM_SETTINGS_PATH "/org/freedesktop/NetworkManager/Settings"
#define NM_SETTINGS_IFACE "org.freedesktop.NetworkManager.Settings"
#define NM_DEVICE_IFACE "org.freedesktop.NetworkManager.Device"

static int device_path(sd_bus *bus, const char *ifname, char **path, sd_bus_error *error)
{
	sd_bus_message *reply = NULL;
	const char *p;
	int r;

	r = sd_bus_call_method(bus, NM_SERVICE, NM_PATH, NM_IFACE, "GetDeviceByIpIface",
			       error, &reply, "s", ifname);
	if (r >= 0)
		r = sd_bus_message_read(reply, "o", &p);
	if (r >= 0) {
		*path = strdup(p);
		r = *path ? 0 : -ENOMEM;
	}
	sd_bus_message_unref(reply);
	return r;
}

int kvp_nm_activate_on_bus(sd_bus *bus, const char *keyfile_path, const char *uuid,
			   const char *ifname)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	char *device = NULL, *connection = NULL;
	const char *p;
	int r;

	/* LoadConnections(as filenames) -> (b status, as failures) */
	r = sd_bus_call_method(bus, NM_SERVICE, NM_SETTINGS_PATH, NM_SETTINGS_IFACE,
			       "LoadConnections", &error, &reply, "as", 1, keyfile_path);
	if (r >= 0) {
		int ok = 0;

		r = sd_bus_message_read(reply, "b", &ok);
		if (r >= 0 && !ok)
			r = -EINVAL;
	}
	reply = sd_bus_message_unref(reply);
	if (r >= 0)
		r = sd_bus_call_method(bus, NM_SERVICE, NM_SETTINGS_PATH, NM_SETTINGS_IFACE,
				       "GetConnectionByUuid", &error, &reply, "s", uuid);
	if (r >= 0)
		r = sd_bus_message_read(reply, "o", &p);
	if (r >= 0 && !(connection = strdup(p)))
		r = -ENOMEM;
	reply = sd_bus_message_unref(reply);
	if (r >= 0)
		r = device_path(bus, ifname, &device, &error);
	if (r >= 0)
		r = sd_bus_call_method(bus, NM_SERVICE, NM_PATH, NM_IFACE, "ActivateConnection",
				       &error, NULL, "ooo", connection, device, "/");
	if (r < 0)
		log_msg(LOG_ERR, "NetworkManager: %s",
			error.message ? error.message : strerror(-r));
	sd_bus_error_free(&error);
	free(device);
	free(connection);
	return r < 0 ? -1 : 0;
}

int kvp_nm_activate(void *ctx, const char *keyfile_path, const char *uuid, const char *ifname)
{
	sd_bus *bus = NULL;
	int r;

	(void)ctx;
	if (sd_bus_open_system(&bus) < 0) {
		log_msg(LOG_ERR, "NetworkManager: no system bus");
		return -1;
	}
	r = kvp_nm_activate_on_bus(bus, keyfile_path, uuid, ifname);
	sd_bus_flush_close_unref(bus);
	return r;
}

int kvp_nm_dhcp_on_bus(sd_bus *bus, const char *ifname)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	char *device = NULL;
	int r, dhcp = 0;
	const char *prop[2] = { "Dhcp4Config", "Dhcp6Config" };
	unsigned int i;

	r = device_path(bus, ifname, &device, &error);
	for (i = 0; r >= 0 && i < 2; i++) {
		sd_bus_message *reply = NULL;
		const char *config;

		/* Object-path properties: "/" when that DHCP client is not in use. */
		r = sd_bus_get_property(bus, NM_SERVICE, device, NM_DEVICE_IFACE, prop[i],
					&error, &reply, "o");
		if (r >= 0)
			r = sd_bus_message_read(reply, "o", &config);
		if (r >= 0 && strcmp(config, "/"))
			dhcp = 1;
		sd_bus_message_unref(reply);
	}
	sd_bus_error_free(&error);
	free(device);
	return r < 0 ? -1 : dhcp;
}

int kvp_nm_dhcp(void *ctx, const char *ifname)
{
	sd_bus *bus = NULL;
	int r;

	(void)ctx;
	if (sd_bus_open_system(&bus) < 0)
		return -1;
	r = kvp_nm_dhcp_on_bus(bus, ifname);
	sd_bus_flush_close_unref(bus);
	return r;
}
