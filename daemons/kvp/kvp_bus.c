// SPDX-License-Identifier: GPL-2.0-only
#include "kvp_bus.h"
#include "../common/log.h"

#include <string.h>
#include <systemd/sd-bus.h>

int kvp_networkd_reload(void *ctx, int ifindex)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus *bus = NULL;
	int r;

	(void)ctx;
	r = sd_bus_open_system(&bus);
	if (r >= 0)
		r = sd_bus_call_method(bus, "org.freedesktop.network1",
				       "/org/freedesktop/network1",
				       "org.freedesktop.network1.Manager", "Reload",
				       &error, NULL, "");
	if (r >= 0 && ifindex > 0)
		r = sd_bus_call_method(bus, "org.freedesktop.network1",
				       "/org/freedesktop/network1",
				       "org.freedesktop.network1.Manager",
				       "ReconfigureLink", &error, NULL, "i", ifindex);
	if (r < 0)
		log_msg(LOG_ERR, "networkd: %s", error.message ? error.message : strerror(-r));
	sd_bus_error_free(&error);
	sd_bus_unref(bus);
	return r < 0 ? -1 : 0;
}
