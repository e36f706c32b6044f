// SPDX-License-Identifier: GPL-2.0-only
#include "kvp_netlink.h"
#include "../common/log.h"

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <string.h>

static struct kvp_iface *find_iface(struct kvp_iface *ifaces, unsigned int count,
				    int ifindex)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		if (ifaces[i].ifindex == ifindex)
			return &ifaces[i];
	return NULL;
}

static bool addr_to_text(struct nl_addr *addr, struct kvp_addr *out)
{
	int family = nl_addr_get_family(addr);
	size_t want = family == AF_INET ? 4 : 16;

	if ((family != AF_INET && family != AF_INET6) ||
	    nl_addr_get_len(addr) != want)
		return false;
	out->family = family;
	out->prefix = nl_addr_get_prefixlen(addr);
	return inet_ntop(family, nl_addr_get_binary_addr(addr), out->text,
			 sizeof(out->text)) != NULL;
}

static void collect_links(struct nl_cache *links, struct kvp_iface *out,
			  unsigned int max, unsigned int *count)
{
	struct nl_object *obj;

	for (obj = nl_cache_get_first(links); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_link *link = (struct rtnl_link *)obj;
		struct nl_addr *mac = rtnl_link_get_addr(link);
		const char *name = rtnl_link_get_name(link);
		struct kvp_iface *iface;
		char mac_text[32];

		if (*count == max)
			return;
		if ((rtnl_link_get_flags(link) & IFF_LOOPBACK) || !name ||
		    strlen(name) >= IF_NAMESIZE)
			continue;
		iface = &out[(*count)++];
		memset(iface, 0, sizeof(*iface));
		strcpy(iface->name, name);
		iface->ifindex = rtnl_link_get_ifindex(link);
		if (mac && nl_addr_get_len(mac) == 6 &&
		    nl_addr2str(mac, mac_text, sizeof(mac_text)) &&
		    kvp_normalize_mac(mac_text, iface->mac) < 0)
			iface->mac[0] = '\0';
	}
}

static void collect_addrs(struct nl_cache *addrs, struct kvp_iface *ifaces,
			  unsigned int count)
{
	struct nl_object *obj;

	for (obj = nl_cache_get_first(addrs); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *addr = (struct rtnl_addr *)obj;
		struct kvp_iface *iface = find_iface(ifaces, count,
						     rtnl_addr_get_ifindex(addr));
		struct nl_addr *local = rtnl_addr_get_local(addr);

		if (!iface || !local || iface->addr_count == KVP_ADDR_MAX)
			continue;
		if (addr_to_text(local, &iface->addr[iface->addr_count])) {
			iface->addr[iface->addr_count].prefix =
				(unsigned int)rtnl_addr_get_prefixlen(addr);
			iface->addr_count++;
		}
	}
}

struct gateway_walk {
	struct kvp_iface *ifaces;
	unsigned int count;
};

static void collect_nexthop(struct rtnl_nexthop *nh, void *arg)
{
	struct gateway_walk *walk = arg;
	struct kvp_iface *iface = find_iface(walk->ifaces, walk->count,
					     rtnl_route_nh_get_ifindex(nh));
	struct nl_addr *gw = rtnl_route_nh_get_gateway(nh);

	if (!iface || !gw || iface->gateway_count == KVP_GATEWAY_MAX)
		return;
	if (addr_to_text(gw, &iface->gateway[iface->gateway_count]))
		iface->gateway_count++;
}

static void collect_gateways(struct nl_cache *routes, struct kvp_iface *ifaces,
			     unsigned int count)
{
	struct gateway_walk walk = { ifaces, count };
	struct nl_object *obj;

	for (obj = nl_cache_get_first(routes); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_route *route = (struct rtnl_route *)obj;
		struct nl_addr *dst = rtnl_route_get_dst(route);

		/* Only default routes in the main table, as `ip route | awk /default/`. */
		if (rtnl_route_get_table(route) != RT_TABLE_MAIN ||
		    (dst && nl_addr_get_prefixlen(dst) != 0))
			continue;
		rtnl_route_foreach_nexthop(route, collect_nexthop, &walk);
	}
}

int kvp_netlink_collect(void *ctx, struct kvp_iface *out, unsigned int max)
{
	struct nl_cache *links = NULL, *addrs = NULL, *routes = NULL;
	struct nl_sock *sock = nl_socket_alloc();
	unsigned int count = 0;
	int err;

	(void)ctx;
	if (!sock)
		return -1;
	err = nl_connect(sock, NETLINK_ROUTE);
	if (!err)
		err = rtnl_link_alloc_cache(sock, AF_UNSPEC, &links);
	if (!err)
		err = rtnl_addr_alloc_cache(sock, &addrs);
	if (!err)
		err = rtnl_route_alloc_cache(sock, AF_UNSPEC, 0, &routes);
	if (err) {
		log_msg(LOG_ERR, "rtnetlink query failed: %s", nl_geterror(err));
	} else {
		collect_links(links, out, max, &count);
		collect_addrs(addrs, out, count);
		collect_gateways(routes, out, count);
	}
	if (routes)
		nl_cache_free(routes);
	if (addrs)
		nl_cache_free(addrs);
	if (links)
		nl_cache_free(links);
	nl_socket_free(sock);
	return err ? -1 : (int)count;
}
