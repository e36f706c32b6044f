// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the KVP message handler: every op, every pool, hostile sizes and
 * strings. The first two bytes pick the operation and pool so the fuzzer
 * reaches each handler quickly; the rest fills the message body.
 */
#include "fuzz_common.h"

#include "common/log.h"
#include "kvp/kvp_daemon.h"

static struct kvp_daemon daemon_state;
static char *scratch;

static int fuzz_collect(void *ctx, struct kvp_iface *out, unsigned int max)
{
	(void)ctx;
	if (max < 1)
		return 0;
	memset(out, 0, sizeof(*out));
	strcpy(out->name, "eth0");
	strcpy(out->mac, "00:15:5D:01:02:03");
	out->ifindex = 2;
	out->addr[0] = (struct kvp_addr){ AF_INET, "10.0.0.5", 24 };
	out->addr[1] = (struct kvp_addr){ AF_INET6, "2001:db8::5", 64 };
	out->addr_count = 2;
	out->gateway[0] = (struct kvp_addr){ AF_INET, "10.0.0.1", 0 };
	out->gateway_count = 1;
	return 1;
}

static int fuzz_reload(void *ctx, int ifindex)
{
	(void)ctx;
	(void)ifindex;
	return 0;
}

static int fuzz_no_resolved(void *ctx, int ifindex, struct kvp_addr *dns, unsigned int max)
{
	(void)ctx;
	(void)ifindex;
	(void)dns;
	(void)max;
	return -1;
}

static int fuzz_nm_activate(void *ctx, const char *path, const char *uuid, const char *ifname)
{
	(void)ctx;
	(void)path;
	(void)uuid;
	(void)ifname;
	return 0;
}

static int fuzz_nm_dhcp(void *ctx, const char *ifname)
{
	(void)ctx;
	(void)ifname;
	return -1;
}

static void init_once(void)
{
	struct kvp_config *c = &daemon_state.cfg;
	char path[4096];

	log_init("fuzz", LOG_TARGET_NONE);
	scratch = fuzz_scratch_dir();
	kvp_config_defaults(c);
	snprintf(c->pool_dir, PATH_MAX, "%s/pools", scratch);
	snprintf(c->os_release, PATH_MAX, "%s/os-release", scratch);
	snprintf(c->resolv_conf, PATH_MAX, "%s/resolv.conf", scratch);
	snprintf(c->sysfs_net, PATH_MAX, "%s/sys", scratch);
	snprintf(c->networkd_dir, PATH_MAX, "%s/networkd", scratch);
	snprintf(c->networkd_run, PATH_MAX, "%s/run", scratch);
	snprintf(c->networkd_leases, PATH_MAX, "%s/run/leases", scratch);
	snprintf(c->ifcfg_dir, PATH_MAX, "%s/ifcfg", scratch);
	snprintf(c->nm_dir, PATH_MAX, "%s/nm", scratch);
	snprintf(c->nm_run, PATH_MAX, "%s/nm-run", scratch);
	c->max_records = 32;
	fuzz_mkdir_p(c->networkd_dir);
	fuzz_mkdir_p(c->networkd_run);
	snprintf(path, sizeof(path), "%s/sys/eth0/device", scratch);
	fuzz_mkdir_p(path);
	snprintf(path, sizeof(path), "%s/sys/eth0/device/device_id", scratch);
	write_text_file(path, "{9f8e7d6c-5b4a-3921-8070-6a5b4c3d2e1f}\n");
	write_text_file(c->resolv_conf, "nameserver 10.0.0.2\n");
	daemon_state.collect = fuzz_collect;
	daemon_state.networkd_reload = fuzz_reload;
	daemon_state.dns_lookup = fuzz_no_resolved;
	daemon_state.nm_activate = fuzz_nm_activate;
	daemon_state.nm_dhcp = fuzz_nm_dhcp;
	if (kvp_daemon_init(&daemon_state))
		abort();
	daemon_state.registered = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t ops[] = { KVP_OP_GET, KVP_OP_SET, KVP_OP_DELETE, KVP_OP_ENUMERATE,
				       KVP_OP_GET_IP_INFO, KVP_OP_SET_IP_INFO, KVP_OP_REGISTER1, 77 };
	static struct hv_kvp_msg msg;
	size_t body = size > 2 ? size - 2 : 0;

	if (!scratch)
		init_once();
	memset(&msg, 0, sizeof(msg));
	if (size >= 1)
		msg.kvp_hdr.operation = ops[data[0] % sizeof(ops)];
	if (size >= 2)
		msg.kvp_hdr.pool = data[1] % 7;
	if (body > sizeof(msg.body))
		body = sizeof(msg.body);
	if (body)
		memcpy(&msg.body, data + 2, body);
	/* A size other than the message size must be refused, never read past. */
	if (size >= 1 && (data[0] & 0x80))
		kvp_handle_message(&daemon_state, &msg, size % sizeof(msg));
	else
		kvp_handle_message(&daemon_state, &msg, sizeof(msg));
	daemon_state.registered = true;
	return 0;
}
