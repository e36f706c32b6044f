// SPDX-License-Identifier: GPL-2.0-only
#include "kvp_daemon.h"
#include "kvp_dns.h"
#include "kvp_netlink.h"
#include "kvp_nm.h"
#include "../common/device.h"
#include "../common/log.h"
#include "../common/strutil.h"

#include <errno.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

int kvp_daemon_init(struct kvp_daemon *d)
{
	unsigned int i;

	for (i = 0; i < KVP_POOL_COUNT; i++)
		d->pool[i].fd = d->pool[i].dir_fd = -1;
	for (i = 0; i < KVP_POOL_COUNT; i++) {
		if (kvp_pool_open(&d->pool[i], d->cfg.pool_dir, i, d->cfg.max_records)) {
			kvp_daemon_fini(d);
			return -1;
		}
	}
	kvp_auto_collect(&d->auto_info, d->cfg.os_release, d->cfg.auto_value_max);
	if (!d->collect)
		d->collect = kvp_netlink_collect;
	if (!d->dns_lookup)
		d->dns_lookup = kvp_resolved_dns;
	if (!d->nm_activate)
		d->nm_activate = kvp_nm_activate;
	if (!d->nm_dhcp)
		d->nm_dhcp = kvp_nm_dhcp;
	d->registered = false;
	return 0;
}

void kvp_daemon_fini(struct kvp_daemon *d)
{
	unsigned int i;

	for (i = 0; i < KVP_POOL_COUNT; i++)
		kvp_pool_close(&d->pool[i]);
}

int kvp_send_register(struct kvp_daemon *d, int fd)
{
	struct hv_kvp_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = KVP_OP_REGISTER1;
	d->registered = false;
	if (device_write(fd, &msg, sizeof(msg))) {
		log_msg(LOG_ERR, "registration failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void handle_register(struct kvp_daemon *d, struct hv_kvp_msg *msg)
{
	const char *version = (const char *)msg->body.kvp_register.version;
	char raw[64];
	long len = str_bounded_len(version, sizeof(msg->body.kvp_register.version));

	/* The kernel writes "3.1"; anything odd is reported, not trusted. */
	if (len < 0 || (size_t)len >= sizeof(raw)) {
		strcpy(raw, "unknown");
		log_msg(LOG_WARNING, "kernel sent an unterminated or long version");
	} else {
		memcpy(raw, version, (size_t)len + 1);
	}
	str_sanitize_ascii(d->auto_info.integration_version,
			   sizeof(d->auto_info.integration_version), raw);
	d->registered = true;
	log_msg(LOG_INFO, "registered with the kernel, version %s",
		d->auto_info.integration_version);
}

/*
 * Check a key (and optionally a value) from the host: sizes within the
 * fields, a terminator within the declared size, non-empty key, UTF-8.
 */
static bool valid_string(const __u8 *buf, __u32 size, size_t field, bool allow_empty)
{
	long len;

	if (size == 0 || size > field)
		return false;
	len = str_bounded_len(buf, size);
	if (len < 0 || (len == 0 && !allow_empty))
		return false;
	return utf8_valid(buf, (size_t)len);
}

/* Store text NUL-padded in a field; returns the size including the NUL. */
static __u32 put_string(__u8 *field, size_t field_size, const char *text)
{
	size_t len = strlen(text);

	if (len >= field_size)
		len = field_size - 1;
	memset(field, 0, field_size);
	memcpy(field, text, len);
	return (__u32)(len + 1);
}

static __u32 map_pool_result(enum kvp_pool_result res, __u32 not_found)
{
	switch (res) {
	case KVP_POOL_OK:
		return HV_S_OK;
	case KVP_POOL_NOT_FOUND:
		return not_found;
	case KVP_POOL_FULL:
		return HV_ERROR_DISK_FULL;
	case KVP_POOL_IO_ERROR:
		break;
	}
	return HV_E_FAIL;
}

static __u32 op_set(struct kvp_daemon *d, struct kvp_pool *pool,
		    struct hv_kvp_exchg_msg_value *data)
{
	enum kvp_pool_result res;

	if (!valid_string(data->key, data->key_size, sizeof(data->key), false) ||
	    !valid_string(data->value, data->value_size, sizeof(data->value), true)) {
		log_msg(LOG_ERR, "SET: invalid key or value from the host");
		return HV_INVALIDARG;
	}
	(void)d;
	res = kvp_pool_lock_and_load(pool);
	if (res == KVP_POOL_OK) {
		res = kvp_pool_set(pool, (const char *)data->key, (const char *)data->value);
		kvp_pool_unlock(pool);
	}
	if (res == KVP_POOL_FULL)
		log_msg(LOG_ERR, "SET: pool %u is full", pool->index);
	return map_pool_result(res, HV_S_CONT);
}

static __u32 op_get(struct kvp_pool *pool, struct hv_kvp_exchg_msg_value *data)
{
	enum kvp_pool_result res;
	long slot;

	if (!valid_string(data->key, data->key_size, sizeof(data->key), false)) {
		log_msg(LOG_ERR, "GET: invalid key from the host");
		return HV_INVALIDARG;
	}
	res = kvp_pool_lock_and_load(pool);
	if (res != KVP_POOL_OK)
		return HV_E_FAIL;
	slot = kvp_pool_find(pool, (const char *)data->key);
	if (slot >= 0) {
		data->value_type = REG_SZ;
		data->value_size = put_string(data->value, sizeof(data->value),
					      pool->records[slot].value);
	}
	kvp_pool_unlock(pool);
	/* Not found is HV_S_CONT, as upstream answers. */
	return slot >= 0 ? HV_S_OK : HV_S_CONT;
}

static __u32 op_delete(struct kvp_pool *pool, struct hv_kvp_msg *msg)
{
	enum kvp_pool_result res;

	if (!valid_string(msg->body.kvp_delete.key, msg->body.kvp_delete.key_size,
			  sizeof(msg->body.kvp_delete.key), false)) {
		log_msg(LOG_ERR, "DELETE: invalid key from the host");
		return HV_INVALIDARG;
	}
	res = kvp_pool_lock_and_load(pool);
	if (res == KVP_POOL_OK) {
		res = kvp_pool_delete(pool, (const char *)msg->body.kvp_delete.key);
		kvp_pool_unlock(pool);
	}
	return map_pool_result(res, HV_S_CONT);
}

static int collect_ifaces(struct kvp_daemon *d, struct kvp_iface **out)
{
	struct kvp_iface *ifaces = calloc(KVP_IFACE_MAX, sizeof(*ifaces));
	int n;

	*out = ifaces;
	if (!ifaces)
		return -1;
	n = d->collect(d->collect_ctx, ifaces, KVP_IFACE_MAX);
	return n;
}

static __u32 op_enumerate_auto(struct kvp_daemon *d, struct hv_kvp_msg_enumerate *e)
{
	const struct kvp_auto_info *a = &d->auto_info;
	const char *key = kvp_auto_key_name((enum kvp_auto_index)e->index);
	const char *value = NULL;
	char addresses[HV_KVP_EXCHANGE_MAX_VALUE_SIZE];
	struct kvp_iface *ifaces = NULL;
	int n;

	if (!key)
		return HV_S_CONT;
	switch ((enum kvp_auto_index)e->index) {
	case KVP_AUTO_FQDN: value = a->fqdn; break;
	case KVP_AUTO_INTEGRATION_VERSION: value = a->integration_version; break;
	case KVP_AUTO_OS_BUILD: value = a->os_build; break;
	case KVP_AUTO_OS_NAME: value = a->os_name; break;
	case KVP_AUTO_OS_MAJOR: value = a->os_major; break;
	case KVP_AUTO_OS_MINOR: value = a->os_minor; break;
	case KVP_AUTO_OS_VERSION: value = a->os_version; break;
	case KVP_AUTO_ARCH: value = a->arch; break;
	case KVP_AUTO_IPV4:
	case KVP_AUTO_IPV6:
		addresses[0] = '\0';
		n = collect_ifaces(d, &ifaces);
		if (n > 0)
			kvp_format_all_addresses(ifaces, (unsigned int)n, &d->cfg.filter,
						 e->index == KVP_AUTO_IPV4 ? AF_INET : AF_INET6,
						 addresses, sizeof(addresses));
		free(ifaces);
		if (n < 0)
			return HV_E_FAIL;
		value = addresses;
		break;
	case KVP_AUTO_COUNT:
		return HV_S_CONT;
	}
	e->data.value_type = REG_SZ;
	e->data.key_size = put_string(e->data.key, sizeof(e->data.key), key);
	e->data.value_size = put_string(e->data.value, sizeof(e->data.value), value);
	return HV_S_OK;
}

static __u32 op_enumerate(struct kvp_daemon *d, unsigned int pool_index,
			  struct hv_kvp_msg_enumerate *e)
{
	struct kvp_pool *pool = &d->pool[pool_index];
	__u32 status = HV_S_CONT;

	if (pool_index == KVP_POOL_AUTO)
		return op_enumerate_auto(d, e);
	if (kvp_pool_lock_and_load(pool) != KVP_POOL_OK)
		return HV_E_FAIL;
	if (e->index < pool->count) {
		e->data.value_type = REG_SZ;
		e->data.key_size = put_string(e->data.key, sizeof(e->data.key),
					      pool->records[e->index].key);
		e->data.value_size = put_string(e->data.value, sizeof(e->data.value),
						pool->records[e->index].value);
		status = HV_S_OK;
	}
	kvp_pool_unlock(pool);
	return status;
}

static __u32 op_get_ip_info(struct kvp_daemon *d, struct hv_kvp_ipaddr_value *ip)
{
	struct kvp_dhcp_sources dhcp = { d->cfg.networkd_leases, d->cfg.ifcfg_dir };
	struct kvp_addr dns[KVP_DNS_MAX];
	struct kvp_iface *ifaces = NULL, *match = NULL;
	char adapter[MAX_ADAPTER_ID_SIZE * 2], mac[18];
	long len = str_bounded_len(ip->adapter_id, sizeof(ip->adapter_id));
	unsigned int dns_count;
	int n, i, found;

	if (len < 0 || (size_t)len >= sizeof(adapter)) {
		log_msg(LOG_ERR, "GET_IP_INFO: unterminated adapter id");
		return HV_INVALIDARG;
	}
	memcpy(adapter, ip->adapter_id, (size_t)len + 1);
	if (kvp_normalize_mac(adapter, mac)) {
		log_msg(LOG_ERR, "GET_IP_INFO: adapter id is not a MAC address");
		return HV_INVALIDARG;
	}
	n = collect_ifaces(d, &ifaces);
	for (i = 0; i < n; i++) {
		if (strcmp(ifaces[i].mac, mac) || !kvp_iface_allowed(&d->cfg.filter, ifaces[i].name))
			continue;
		/* An SR-IOV VF shares the synthetic NIC's MAC; prefer the one with addresses. */
		if (!match || (!match->addr_count && ifaces[i].addr_count))
			match = &ifaces[i];
	}
	if (!match) {
		free(ifaces);
		log_msg(LOG_INFO, "GET_IP_INFO: no interface with MAC %s", mac);
		return HV_E_FAIL;
	}
	found = d->dns_lookup(d->dns_ctx, match->ifindex, dns, KVP_DNS_MAX);
	dns_count = found >= 0 ? (unsigned int)found
			       : kvp_read_resolv_conf(d->cfg.resolv_conf, dns, KVP_DNS_MAX);
	/* DHCP state: NetworkManager if it manages the device, else lease/ifcfg files. */
	found = access(d->cfg.nm_run, F_OK) == 0 ? d->nm_dhcp(d->nm_ctx, match->name) : -1;
	kvp_fill_ip_info(match, dns, dns_count,
			 found >= 0 ? found == 1 : kvp_dhcp_enabled(&dhcp, match), ip);
	free(ifaces);
	return HV_S_OK;
}

static __u32 op_set_ip_info(struct kvp_daemon *d, struct hv_kvp_ipaddr_value *ip)
{
	struct kvp_ipconfig_env env = {
		.backend = d->cfg.ip_backend,
		.sysfs_net = d->cfg.sysfs_net,
		.networkd_dir = d->cfg.networkd_dir,
		.networkd_run = d->cfg.networkd_run,
		.ifcfg_dir = d->cfg.ifcfg_dir,
		.nm_dir = d->cfg.nm_dir,
		.nm_run = d->cfg.nm_run,
		.nm_activate = d->nm_activate,
		.nm_ctx = d->nm_ctx,
		.networkd_reload = d->networkd_reload,
		.reload_ctx = d->reload_ctx,
	};

	return kvp_set_ip_info(&env, ip);
}

int kvp_handle_message(struct kvp_daemon *d, struct hv_kvp_msg *msg, size_t len)
{
	unsigned int op, pool;
	__u32 status;

	if (len != sizeof(*msg)) {
		log_msg(LOG_ERR, "message of %zu bytes, expected %zu", len, sizeof(*msg));
		return -1;
	}
	op = msg->kvp_hdr.operation;
	pool = msg->kvp_hdr.pool;

	if (op == KVP_OP_REGISTER1 || (!d->registered && op == KVP_OP_REGISTER)) {
		handle_register(d, msg);
		return 0;
	}
	if (!d->registered) {
		log_msg(LOG_WARNING, "request (op %u) before the handshake; answering anyway", op);
		d->registered = true;
	}

	switch (op) {
	case KVP_OP_GET:
	case KVP_OP_SET:
	case KVP_OP_DELETE:
	case KVP_OP_ENUMERATE:
		if (pool >= KVP_POOL_COUNT) {
			/* Upstream indexes its pool array with this unchecked. */
			log_msg(LOG_ERR, "op %u on pool %u, which does not exist", op, pool);
			status = HV_INVALIDARG;
			break;
		}
		if (op == KVP_OP_GET)
			status = op_get(&d->pool[pool], &msg->body.kvp_get.data);
		else if (op == KVP_OP_SET)
			status = op_set(d, &d->pool[pool], &msg->body.kvp_set.data);
		else if (op == KVP_OP_DELETE)
			status = op_delete(&d->pool[pool], msg);
		else
			status = op_enumerate(d, pool, &msg->body.kvp_enum_data);
		break;
	case KVP_OP_GET_IP_INFO:
		status = op_get_ip_info(d, &msg->body.kvp_ip_val);
		break;
	case KVP_OP_SET_IP_INFO:
		status = op_set_ip_info(d, &msg->body.kvp_ip_val);
		break;
	default:
		log_msg(LOG_ERR, "unknown operation %u", op);
		status = HV_ERROR_NOT_SUPPORTED;
		break;
	}
	msg->error = (int)status;
	return 1;
}

int kvp_serve_one(struct kvp_daemon *d, int fd)
{
	/* One byte more than a message, so an oversized one shows as such. */
	struct hv_kvp_msg *msg = malloc(sizeof(*msg) + 1);
	ssize_t len;
	int ret = -1;

	if (!msg)
		return -1;
	len = device_read(fd, msg, sizeof(*msg) + 1);
	if (len <= 0) {
		log_msg(LOG_ERR, "device %s", len == 0 ? "closed" : strerror(errno));
		goto out;
	}
	switch (kvp_handle_message(d, msg, (size_t)len)) {
	case 0:
		ret = 0;
		break;
	case 1:
		if (device_write(fd, msg, sizeof(*msg)) == 0)
			ret = 0;
		else
			log_msg(LOG_ERR, "reply failed: %s", strerror(errno));
		break;
	default:
		break;
	}
out:
	free(msg);
	return ret;
}
