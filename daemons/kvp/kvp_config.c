// SPDX-License-Identifier: GPL-2.0-only
#include "kvp_daemon.h"
#include "../common/config.h"

#include <string.h>

void kvp_config_defaults(struct kvp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->device, "/dev/vmbus/hv_kvp");
	strcpy(cfg->pool_dir, "/var/lib/hyperv");
	strcpy(cfg->os_release, "/etc/os-release");
	strcpy(cfg->resolv_conf, "/etc/resolv.conf");
	strcpy(cfg->sysfs_net, "/sys/class/net");
	strcpy(cfg->networkd_dir, "/etc/systemd/network");
	strcpy(cfg->networkd_run, "/run/systemd/netif");
	strcpy(cfg->networkd_leases, "/run/systemd/netif/leases");
	strcpy(cfg->ifcfg_dir, "/etc/sysconfig/network-scripts");
	strcpy(cfg->nm_dir, "/etc/NetworkManager/system-connections");
	strcpy(cfg->nm_run, "/run/NetworkManager");
	cfg->ip_backend = KVP_IP_BACKEND_AUTO;
	pattern_list_set(&cfg->filter.include, "");
	pattern_list_set(&cfg->filter.exclude, KVP_DEFAULT_EXCLUDE);
	cfg->max_records = 100000;
	cfg->auto_value_max = 128;
}

int kvp_config_set(void *ctx, const char *key, const char *value)
{
	struct kvp_config *cfg = ctx;
	static const struct {
		const char *key;
		size_t offset;
	} paths[] = {
		{ "device", offsetof(struct kvp_config, device) },
		{ "pool_dir", offsetof(struct kvp_config, pool_dir) },
		{ "os_release", offsetof(struct kvp_config, os_release) },
		{ "resolv_conf", offsetof(struct kvp_config, resolv_conf) },
		{ "sysfs_net", offsetof(struct kvp_config, sysfs_net) },
		{ "networkd_dir", offsetof(struct kvp_config, networkd_dir) },
		{ "networkd_run", offsetof(struct kvp_config, networkd_run) },
		{ "networkd_leases", offsetof(struct kvp_config, networkd_leases) },
		{ "ifcfg_dir", offsetof(struct kvp_config, ifcfg_dir) },
		{ "nm_dir", offsetof(struct kvp_config, nm_dir) },
		{ "nm_run", offsetof(struct kvp_config, nm_run) },
	};
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (!strcmp(key, paths[i].key))
			return value[0] == '/' ?
				config_set_string((char *)cfg + paths[i].offset, PATH_MAX, value) :
				-1;
	if (!strcmp(key, "include_interfaces"))
		return pattern_list_set(&cfg->filter.include, value);
	if (!strcmp(key, "exclude_interfaces"))
		return pattern_list_set(&cfg->filter.exclude, value);
	if (!strcmp(key, "max_records"))
		return config_set_uint(&cfg->max_records, value, 10000000);
	if (!strcmp(key, "auto_value_max")) {
		if (config_set_uint(&cfg->auto_value_max, value, KVP_AUTO_TEXT_MAX))
			return -1;
		return cfg->auto_value_max >= 16 ? 0 : -1;
	}
	if (!strcmp(key, "ip_config")) {
		if (!strcmp(value, "auto"))
			cfg->ip_backend = KVP_IP_BACKEND_AUTO;
		else if (!strcmp(value, "networkmanager"))
			cfg->ip_backend = KVP_IP_BACKEND_NETWORKMANAGER;
		else if (!strcmp(value, "networkd"))
			cfg->ip_backend = KVP_IP_BACKEND_NETWORKD;
		else if (!strcmp(value, "ifcfg"))
			cfg->ip_backend = KVP_IP_BACKEND_IFCFG;
		else if (!strcmp(value, "none"))
			cfg->ip_backend = KVP_IP_BACKEND_NONE;
		else
			return -1;
		return 0;
	}
	return -1;
}
