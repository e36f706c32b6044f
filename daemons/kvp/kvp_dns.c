// SPDX-License-Identifier: GPL-2.0-only
#include "kvp_dns.h"
#include "../common/log.h"

#include <string.h>
#include <systemd/sd-bus.h>

int kvp_resolved_dns_on_bus(sd_bus *bus, int ifindex, struct kvp_addr *dns,
			    unsigned int max)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	unsigned int n = 0;
	int r;

	r = sd_bus_get_property(bus, "org.freedesktop.resolve1", "/org/freedesktop/resolve1",
				"org.freedesktop.resolve1.Manager", "DNS", &error, &reply,
				"a(iiay)");
	if (r >= 0)
		r = sd_bus_message_enter_container(reply, 'a', "(iiay)");
	while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "iiay")) > 0) {
		const void *bytes;
		size_t len;
		int link, family;

		r = sd_bus_message_read(reply, "ii", &link, &family);
		if (r >= 0)
			r = sd_bus_message_read_array(reply, 'y', &bytes, &len);
		if (r >= 0)
			r = sd_bus_message_exit_container(reply);
		if (r < 0)
			break;
		/* Check the size against the family: resolved is trusted, but not blindly. */
		if ((link != 0 && link != ifindex) || n == max ||
		    !((family == AF_INET && len == 4) || (family == AF_INET6 && len == 16)))
			continue;
		if (!inet_ntop(family, bytes, dns[n].text, sizeof(dns[n].text)))
			continue;
		dns[n].family = family;
		dns[n].prefix = 0;
		n++;
	}
	if (r < 0 && !sd_bus_error_is_set(&error))
		log_msg(LOG_WARNING, "systemd-resolved: malformed DNS property");
	sd_bus_error_free(&error);
	sd_bus_message_unref(reply);
	return r < 0 ? -1 : (int)n;
}

int kvp_resolved_dns(void *ctx, int ifindex, struct kvp_addr *dns, unsigned int max)
{
	sd_bus *bus = NULL;
	int r;

	(void)ctx;
	if (sd_bus_open_system(&bus) < 0)
		return -1;
	r = kvp_resolved_dns_on_bus(bus, ifindex, dns, max);
	sd_bus_flush_close_unref(bus);
	return r;
}
