/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SET_IP_INFO: the host asks for a static (or DHCP) configuration of the
 * NIC whose VMBus instance GUID is adapter_id. Upstream writes an ifcfg and
 * an NM keyfile and runs a shell script; its parser can overflow a stack
 * buffer and lets an invalid netmask through into a file that is sourced by
 * a shell (daemons.md section 2). Here every token is parsed with
 * inet_pton, re-formatted by us, and only our own text is written; no
 * program is run.
 *
 * Backends: a systemd-networkd .network file, or a RHEL-style ifcfg file.
 * Activation (asking networkd to reload) is a callback, so tests need no
 * bus.
 */
#ifndef HVG_KVP_IPCONFIG_H
#define HVG_KVP_IPCONFIG_H

#include <linux/hyperv.h>
#include <stdbool.h>

#include "kvp_net.h"

struct kvp_ip_config {
	bool dhcp;
	struct kvp_addr addr[KVP_ADDR_MAX]; /* prefix from the matching sub_net */
	unsigned int addr_count;
	struct kvp_addr gateway[KVP_GATEWAY_MAX];
	unsigned int gateway_count;
	struct kvp_addr dns[KVP_DNS_MAX];
	unsigned int dns_count;
};

enum kvp_ip_backend {
	KVP_IP_BACKEND_AUTO,
	KVP_IP_BACKEND_NETWORKMANAGER,
	KVP_IP_BACKEND_NETWORKD,
	KVP_IP_BACKEND_IFCFG,
	KVP_IP_BACKEND_NONE, /* refuse SET_IP_INFO */
};

struct kvp_ipconfig_env {
	enum kvp_ip_backend backend;
	const char *sysfs_net;     /* /sys/class/net */
	const char *networkd_dir;  /* /etc/systemd/network */
	const char *networkd_run;  /* /run/systemd/netif: present if networkd runs */
	const char *ifcfg_dir;     /* /etc/sysconfig/network-scripts */
	const char *nm_dir;        /* /etc/NetworkManager/system-connections */
	const char *nm_run;        /* /run/NetworkManager: present if NM runs */
	/* Load and activate a keyfile in NetworkManager; returns 0 or -1. */
	int (*nm_activate)(void *ctx, const char *keyfile_path, const char *uuid,
			   const char *ifname);
	void *nm_ctx;
	/* Called after a networkd file was written; returns 0 or -1. */
	int (*networkd_reload)(void *ctx, int ifindex);
	void *reload_ctx;
};

/*
 * Validate and parse the host's strings. Returns HV_S_OK or HV_INVALIDARG
 * (with a logged reason).
 */
unsigned int kvp_parse_ip_request(const struct hv_kvp_ipaddr_value *req,
				  struct kvp_ip_config *cfg);

/* "{1234abcd-...}" (braces optional, any case) -> lower case, no braces. */
int kvp_normalize_guid(const char *in, char out[37]);

/* Find the interface whose device/device_id holds this GUID. */
int kvp_find_iface_by_guid(const char *sysfs_net, const char *guid,
			   char ifname[IF_NAMESIZE], int *ifindex, char mac[18]);

/* Render a .network / ifcfg file into buf. Returns 0 or -1 if it does not fit. */
int kvp_render_networkd(const struct kvp_ip_config *cfg, const char *ifname,
			const char *mac, char *buf, size_t cap);
/* NetworkManager keyfile; uuid is the NIC's GUID (a repeated request updates it). */
int kvp_render_nm_keyfile(const struct kvp_ip_config *cfg, const char *ifname,
			  const char *mac, const char *uuid, char *buf, size_t cap);
int kvp_render_ifcfg(const struct kvp_ip_config *cfg, const char *ifname,
		     const char *mac, char *buf, size_t cap);

/* The whole operation; returns an HV_* status for the host. */
unsigned int kvp_set_ip_info(const struct kvp_ipconfig_env *env,
			     const struct hv_kvp_ipaddr_value *req);

/* Write a file atomically (temp file in the same directory, fsync, rename). */
int kvp_write_file_atomic(const char *dir, const char *name, const char *text,
			  unsigned int mode);

#endif
