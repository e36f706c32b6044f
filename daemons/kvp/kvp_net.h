/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Network facts the KVP daemon reports (GET_IP_INFO, NetworkAddressIPv4/6)
 * and the interface filter for container hosts.
 *
 * Collection (kvp_netlink.c, libnl-route-3) is separate from formatting
 * (here), so the formatting and filtering can be tested with made-up
 * interfaces and the collector can be replaced in tests.
 */
#ifndef HVG_KVP_NET_H
#define HVG_KVP_NET_H

#include <arpa/inet.h>
#include <linux/hyperv.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "../common/strutil.h"

#define KVP_IFACE_MAX 64
#define KVP_ADDR_MAX 32
#define KVP_GATEWAY_MAX 8
#define KVP_DNS_MAX 8

struct kvp_addr {
	int family; /* AF_INET or AF_INET6 */
	char text[INET6_ADDRSTRLEN];
	unsigned int prefix;
};

struct kvp_iface {
	char name[IF_NAMESIZE];
	char mac[18]; /* "00:15:5D:AA:BB:CC", upper case as upstream compares */
	int ifindex;
	struct kvp_addr addr[KVP_ADDR_MAX];
	unsigned int addr_count;
	struct kvp_addr gateway[KVP_GATEWAY_MAX];
	unsigned int gateway_count;
};

struct kvp_iface_filter {
	struct pattern_list include; /* empty: every interface */
	struct pattern_list exclude;
};

/* Default exclusions: container, bridge and tunnel interfaces. */
#define KVP_DEFAULT_EXCLUDE \
	"veth* docker* cali* cilium* flannel* cni* vxlan* virbr* br-* " \
	"antrea-* kube-* weave* tun* tap* lxc* vnet* podman*"

/*
 * Collects the non-loopback interfaces with their addresses and default
 * gateways. Returns the number filled (<= max) or -1.
 */
typedef int (*kvp_collect_fn)(void *ctx, struct kvp_iface *out, unsigned int max);

bool kvp_iface_allowed(const struct kvp_iface_filter *filter, const char *name);

/* "a;b;c" of every address of @family on allowed interfaces; never truncates an address. */
void kvp_format_all_addresses(const struct kvp_iface *ifaces, unsigned int count,
			      const struct kvp_iface_filter *filter, int family,
			      char *out, size_t cap);

/* Normalise a MAC (any case, ':' or '-' separators) to "AA:BB:..."; -1 if invalid. */
int kvp_normalize_mac(const char *in, char out[18]);

/*
 * Read up to KVP_DNS_MAX valid "nameserver" addresses from a resolv.conf.
 * Returns the count (0 if the file is missing).
 */
unsigned int kvp_read_resolv_conf(const char *path, struct kvp_addr *dns,
				  unsigned int max);

/* DHCP state of an interface (networkd lease or ifcfg BOOTPROTO=dhcp). */
struct kvp_dhcp_sources {
	const char *networkd_leases_dir; /* /run/systemd/netif/leases */
	const char *ifcfg_dir;           /* /etc/sysconfig/network-scripts */
};
bool kvp_dhcp_enabled(const struct kvp_dhcp_sources *src, const struct kvp_iface *iface);

/*
 * Fill the GET_IP_INFO reply fields (UTF-8 in the u16 arrays, as the kernel
 * expects; it converts to UTF-16 with the field sizes as byte limits).
 */
void kvp_fill_ip_info(const struct kvp_iface *iface, const struct kvp_addr *dns,
		      unsigned int dns_count, bool dhcp,
		      struct hv_kvp_ipaddr_value *out);

#endif
