/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DNS servers for GET_IP_INFO from systemd-resolved (org.freedesktop.resolve1,
 * Manager property "DNS", type a(iiay): ifindex, address family, address).
 * When resolved runs, /etc/resolv.conf usually names only its local stub
 * (127.0.0.53), which is useless to the host; resolved knows the real ones.
 */
#ifndef HVG_KVP_DNS_H
#define HVG_KVP_DNS_H

#include "kvp_net.h"

struct sd_bus;

/*
 * Servers that apply to ifindex: the global ones (ifindex 0) and the link's
 * own. Returns the count, or -1 if resolved cannot be asked (the caller
 * then reads resolv.conf).
 */
int kvp_resolved_dns_on_bus(struct sd_bus *bus, int ifindex, struct kvp_addr *dns,
			    unsigned int max);

/* The same on the system bus; a kvp_dns_fn. */
int kvp_resolved_dns(void *ctx, int ifindex, struct kvp_addr *dns, unsigned int max);

#endif
