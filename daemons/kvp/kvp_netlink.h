/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef HVG_KVP_NETLINK_H
#define HVG_KVP_NETLINK_H

#include "kvp_net.h"

/*
 * kvp_collect_fn backed by rtnetlink through libnl-route-3: links (name,
 * index, MAC, loopback flag), addresses and default routes. ctx is unused.
 * No external program is ever run.
 */
int kvp_netlink_collect(void *ctx, struct kvp_iface *out, unsigned int max);

#endif
