/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The KVP daemon's state and message handling, independent of how it is
 * started, so the unit tests drive it over a socketpair exactly as the
 * kernel drives it over /dev/vmbus/hv_kvp.
 *
 * Protocol (drivers/hv/hv_kvp.c, tools/hv/hv_kvp_daemon.c): the daemon
 * writes one struct hv_kvp_msg with kvp_hdr.operation = KVP_OP_REGISTER1;
 * the kernel answers with a message of the same op whose body carries its
 * version string ("3.1"), which becomes IntegrationServicesVersion. After
 * that every read is a request and every request gets exactly one
 * hv_kvp_msg back, whose first word (the union with kvp_hdr) is the status.
 */
#ifndef HVG_KVP_DAEMON_H
#define HVG_KVP_DAEMON_H

#include <limits.h>
#include <linux/hyperv.h>
#include <stdbool.h>
#include <stddef.h>

#include "kvp_auto.h"
#include "kvp_ipconfig.h"
#include "kvp_net.h"
#include "kvp_pool.h"

/* Pin the uapi layout we rely on (sizes from linux-libc-dev's header). */
_Static_assert(sizeof(struct hv_kvp_msg) == 7432, "struct hv_kvp_msg layout");
_Static_assert(sizeof(struct hv_kvp_ipaddr_value) == 7426, "ipaddr_value layout");
_Static_assert(HV_KVP_EXCHANGE_MAX_KEY_SIZE == 512, "key size");
_Static_assert(HV_KVP_EXCHANGE_MAX_VALUE_SIZE == 2048, "value size");
_Static_assert(KVP_OP_REGISTER1 == 100, "register op");

#define KVP_DEFAULT_CONFIG "/etc/hyperv-guest/kvp.conf"

struct kvp_config {
	char device[PATH_MAX];
	char pool_dir[PATH_MAX];
	char os_release[PATH_MAX];
	char resolv_conf[PATH_MAX];
	char sysfs_net[PATH_MAX];
	char networkd_dir[PATH_MAX];
	char networkd_run[PATH_MAX];
	char networkd_leases[PATH_MAX];
	char ifcfg_dir[PATH_MAX];
	char nm_dir[PATH_MAX];
	char nm_run[PATH_MAX];
	enum kvp_ip_backend ip_backend;
	struct kvp_iface_filter filter;
	unsigned int max_records;    /* per pool */
	unsigned int auto_value_max; /* bytes incl. NUL for generated values */
};

void kvp_config_defaults(struct kvp_config *cfg);
/* config_setter for kvp.conf; see hv_kvp_daemon(8) for the keys. */
int kvp_config_set(void *cfg, const char *key, const char *value);

struct kvp_daemon {
	struct kvp_config cfg;
	struct kvp_pool pool[KVP_POOL_COUNT];
	struct kvp_auto_info auto_info;
	kvp_collect_fn collect;      /* kvp_netlink_collect unless a test replaces it */
	void *collect_ctx;
	int (*networkd_reload)(void *ctx, int ifindex);
	void *reload_ctx;
	/* DNS servers of a link; < 0 means "ask resolv.conf". NULL: resolved over sd-bus. */
	int (*dns_lookup)(void *ctx, int ifindex, struct kvp_addr *dns, unsigned int max);
	void *dns_ctx;
	/* NetworkManager: activation for SET_IP_INFO, DHCP state (1/0, -1 unknown). */
	int (*nm_activate)(void *ctx, const char *keyfile_path, const char *uuid,
			   const char *ifname);
	int (*nm_dhcp)(void *ctx, const char *ifname);
	void *nm_ctx;
	bool registered;
};

/* Open (create) the pool files and gather the auto-pool facts. */
int kvp_daemon_init(struct kvp_daemon *d);
void kvp_daemon_fini(struct kvp_daemon *d);

/* Send the registration message. Returns 0 or -1. */
int kvp_send_register(struct kvp_daemon *d, int fd);

/*
 * Handle one message of len bytes in msg (modified in place into the
 * reply). Returns 1 if msg must be written back, 0 if no reply is due
 * (the handshake), -1 if the message is not a KVP message at all (wrong
 * size): the caller reopens the device, as upstream does.
 */
int kvp_handle_message(struct kvp_daemon *d, struct hv_kvp_msg *msg, size_t len);

/*
 * Read one message from fd, handle it, write the reply. Returns 0, or -1
 * when the device failed or went away (the caller reopens it).
 */
int kvp_serve_one(struct kvp_daemon *d, int fd);

#endif
