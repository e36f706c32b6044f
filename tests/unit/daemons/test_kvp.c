// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVP daemon unit tests: the daemon is driven over a fake device exactly as
 * the kernel drives it, and the pool files are checked byte by byte.
 */
#include "fake_device.h"

#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "common/config.h"
#include "common/log.h"
#include "common/strutil.h"
#include "kvp/kvp_daemon.h"
#include "kvp/kvp_netlink.h"
#include "kvp/kvp_dns.h"
#include "kvp/kvp_nm.h"
#include "fake_bus.h"

struct fixture {
	char *dir;
	int sv[2];
	struct kvp_daemon d;
	int reload_calls;
	int reload_ifindex;
	int nm_calls;
	char nm_keyfile[4096];
	char nm_uuid[64];
	char nm_ifname[32];
	int nm_dhcp_answer;
};

static int fake_nm_activate(void *ctx, const char *keyfile, const char *uuid, const char *ifname)
{
	struct fixture *f = ctx;

	f->nm_calls++;
	snprintf(f->nm_keyfile, sizeof(f->nm_keyfile), "%s", keyfile);
	snprintf(f->nm_uuid, sizeof(f->nm_uuid), "%s", uuid);
	snprintf(f->nm_ifname, sizeof(f->nm_ifname), "%s", ifname);
	return 0;
}

static int fake_nm_dhcp(void *ctx, const char *ifname)
{
	struct fixture *f = ctx;

	return strcmp(ifname, "eth0") ? -1 : f->nm_dhcp_answer;
}

/* A host with an Ethernet NIC, a Docker bridge and a veth. */
static int fake_collect(void *ctx, struct kvp_iface *out, unsigned int max)
{
	static const struct kvp_iface ifaces[] = {
		{ .name = "eth0", .mac = "00:15:5D:01:02:03", .ifindex = 2,
		  .addr = { { AF_INET, "10.0.0.5", 24 }, { AF_INET6, "fe80::215:5dff:fe01:203", 64 },
			    { AF_INET, "10.0.1.7", 16 } },
		  .addr_count = 3,
		  .gateway = { { AF_INET, "10.0.0.1", 0 }, { AF_INET6, "fe80::1", 0 } },
		  .gateway_count = 2 },
		{ .name = "docker0", .mac = "02:42:AC:11:00:01", .ifindex = 3,
		  .addr = { { AF_INET, "172.17.0.1", 16 } }, .addr_count = 1 },
		{ .name = "veth1234", .mac = "0A:00:00:00:00:01", .ifindex = 4,
		  .addr = { { AF_INET6, "fe80::8", 64 } }, .addr_count = 1 },
	};
	unsigned int n = sizeof(ifaces) / sizeof(ifaces[0]);

	(void)ctx;
	if (n > max)
		n = max;
	memcpy(out, ifaces, n * sizeof(ifaces[0]));
	return (int)n;
}

static int fake_reload(void *ctx, int ifindex)
{
	struct fixture *f = ctx;

	f->reload_calls++;
	f->reload_ifindex = ifindex;
	return 0;
}

/* systemd-resolved is "not running" unless a test says otherwise. */
static int no_resolved(void *ctx, int ifindex, struct kvp_addr *dns, unsigned int max)
{
	(void)ctx;
	(void)ifindex;
	(void)dns;
	(void)max;
	return -1;
}

static int one_resolved_server(void *ctx, int ifindex, struct kvp_addr *dns, unsigned int max)
{
	(void)ctx;
	if (ifindex != 2 || max < 1)
		return 0;
	dns[0] = (struct kvp_addr){ AF_INET6, "2001:db8::53", 0 };
	return 1;
}

static void mkdir_p(const char *base, const char *rel)
{
	char path[4096], *p;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	for (p = path + strlen(base) + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	}
	mkdir(path, 0755);
}

static void write_rel(const char *base, const char *rel, const char *text)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	assert_int_equal(write_text_file(path, text), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	log_init("test", LOG_TARGET_NONE);
	f->dir = make_temp_dir();
	assert_non_null(f->dir);
	assert_int_equal(fake_device_pair(f->sv), 0);
	kvp_config_defaults(&f->d.cfg);
	snprintf(f->d.cfg.pool_dir, PATH_MAX, "%s/pools", f->dir);
	snprintf(f->d.cfg.os_release, PATH_MAX, "%s/os-release", f->dir);
	snprintf(f->d.cfg.resolv_conf, PATH_MAX, "%s/resolv.conf", f->dir);
	snprintf(f->d.cfg.sysfs_net, PATH_MAX, "%s/sys/class/net", f->dir);
	snprintf(f->d.cfg.networkd_dir, PATH_MAX, "%s/etc/systemd/network", f->dir);
	snprintf(f->d.cfg.networkd_run, PATH_MAX, "%s/run/systemd/netif", f->dir);
	snprintf(f->d.cfg.networkd_leases, PATH_MAX, "%s/run/systemd/netif/leases", f->dir);
	snprintf(f->d.cfg.ifcfg_dir, PATH_MAX, "%s/etc/sysconfig/network-scripts", f->dir);
	snprintf(f->d.cfg.nm_dir, PATH_MAX, "%s/etc/NetworkManager/system-connections", f->dir);
	snprintf(f->d.cfg.nm_run, PATH_MAX, "%s/run/NetworkManager", f->dir);
	f->d.nm_activate = fake_nm_activate;
	f->d.nm_dhcp = fake_nm_dhcp;
	f->d.nm_ctx = f;
	f->nm_dhcp_answer = -1;
	write_rel(f->dir, "os-release", "PRETTY_NAME=\"Debian GNU/Linux 12\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n");
	write_rel(f->dir, "resolv.conf", "# generated\nnameserver 10.0.0.2\nnameserver bogus;rm\nnameserver fe80::53%eth0\nsearch example.com\n");
	f->d.collect = fake_collect;
	f->d.networkd_reload = fake_reload;
	f->d.dns_lookup = no_resolved;
	f->d.reload_ctx = f;
	assert_int_equal(kvp_daemon_init(&f->d), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	kvp_daemon_fini(&f->d);
	close(f->sv[0]);
	if (f->sv[1] >= 0)
		close(f->sv[1]);
	remove_tree(f->dir);
	free(f->dir);
	free(f);
	kvp_pool_crash_hook = NULL;
	return 0;
}

/* The kernel's side of the handshake. */
static void handshake(struct fixture *f)
{
	struct hv_kvp_msg msg;

	assert_int_equal(kvp_send_register(&f->d, f->sv[0]), 0);
	assert_int_equal(fake_recv(f->sv[1], &msg, sizeof(msg), 1000), sizeof(msg));
	assert_int_equal(msg.kvp_hdr.operation, KVP_OP_REGISTER1);
	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = KVP_OP_REGISTER1;
	strcpy((char *)msg.body.kvp_register.version, "3.1");
	assert_int_equal(send(f->sv[1], &msg, sizeof(msg), 0), sizeof(msg));
	assert_int_equal(kvp_serve_one(&f->d, f->sv[0]), 0);
	/* No reply to the handshake. */
	assert_int_equal(fake_recv(f->sv[1], &msg, sizeof(msg), 50), -1);
	assert_true(f->d.registered);
}

/* Send a request, let the daemon serve it, return the reply's status. */
static uint32_t transact(struct fixture *f, struct hv_kvp_msg *msg)
{
	assert_int_equal(send(f->sv[1], msg, sizeof(*msg), 0), sizeof(*msg));
	assert_int_equal(kvp_serve_one(&f->d, f->sv[0]), 0);
	assert_int_equal(fake_recv(f->sv[1], msg, sizeof(*msg), 1000), sizeof(*msg));
	return (uint32_t)msg->error;
}

static void fill_kv(struct hv_kvp_exchg_msg_value *data, const char *key, const char *value)
{
	memset(data, 0, sizeof(*data));
	data->value_type = REG_SZ;
	strcpy((char *)data->key, key);
	data->key_size = (uint32_t)strlen(key) + 1;
	if (value) {
		strcpy((char *)data->value, value);
		data->value_size = (uint32_t)strlen(value) + 1;
	}
}

static uint32_t do_set(struct fixture *f, unsigned int pool, const char *key, const char *value)
{
	struct hv_kvp_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = KVP_OP_SET;
	msg.kvp_hdr.pool = (uint8_t)pool;
	fill_kv(&msg.body.kvp_set.data, key, value);
	return transact(f, &msg);
}

static uint32_t do_get(struct fixture *f, unsigned int pool, const char *key, char *value_out)
{
	struct hv_kvp_msg msg;
	uint32_t status;

	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = KVP_OP_GET;
	msg.kvp_hdr.pool = (uint8_t)pool;
	fill_kv(&msg.body.kvp_get.data, key, NULL);
	status = transact(f, &msg);
	if (value_out)
		strcpy(value_out, (char *)msg.body.kvp_get.data.value);
	return status;
}

static uint32_t do_delete(struct fixture *f, unsigned int pool, const char *key)
{
	struct hv_kvp_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = KVP_OP_DELETE;
	msg.kvp_hdr.pool = (uint8_t)pool;
	strcpy((char *)msg.body.kvp_delete.key, key);
	msg.body.kvp_delete.key_size = (uint32_t)strlen(key) + 1;
	return transact(f, &msg);
}

static uint32_t do_enumerate(struct fixture *f, unsigned int pool, unsigned int index,
			     char *key, char *value)
{
	struct hv_kvp_msg msg;
	uint32_t status;

	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = KVP_OP_ENUMERATE;
	msg.kvp_hdr.pool = (uint8_t)pool;
	msg.body.kvp_enum_data.index = index;
	status = transact(f, &msg);
	strcpy(key, (char *)msg.body.kvp_enum_data.data.key);
	strcpy(value, (char *)msg.body.kvp_enum_data.data.value);
	return status;
}

static char *pool_path(struct fixture *f, unsigned int pool)
{
	char name[32];

	snprintf(name, sizeof(name), "pools/.kvp_pool_%u", pool);
	return path_join(f->dir, name);
}

/* Write raw records the way an external writer (cloud-init) does. */
static void append_raw_record(const char *path, const char *key, const char *value)
{
	struct kvp_record r;
	FILE *fp = fopen(path, "ab");

	memset(&r, 0, sizeof(r));
	strncpy(r.key, key, sizeof(r.key) - 1);
	strncpy(r.value, value, sizeof(r.value) - 1);
	assert_non_null(fp);
	assert_int_equal(fwrite(&r, sizeof(r), 1, fp), 1);
	fclose(fp);
}

/* ---- handshake and transport ---- */

static void test_handshake_sets_version(void **state)
{
	struct fixture *f = *state;
	char key[600], value[2100];

	handshake(f);
	assert_int_equal(do_enumerate(f, KVP_POOL_AUTO, 1, key, value), HV_S_OK);
	assert_string_equal(key, "IntegrationServicesVersion");
	assert_string_equal(value, "3.1");
}

static void test_pool_files_created(void **state)
{
	struct fixture *f = *state;
	unsigned int i;

	for (i = 0; i < KVP_POOL_COUNT; i++) {
		char *p = pool_path(f, i);
		struct stat st;

		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_size, 0);
		free(p);
	}
}

static void test_wrong_size_message_reopens(void **state)
{
	struct fixture *f = *state;
	char small[100] = { 0 }, *big = calloc(1, sizeof(struct hv_kvp_msg) + 8);
	struct hv_kvp_msg reply;

	handshake(f);
	assert_int_equal(send(f->sv[1], small, sizeof(small), 0), sizeof(small));
	assert_int_equal(kvp_serve_one(&f->d, f->sv[0]), -1);
	assert_int_equal(fake_recv(f->sv[1], &reply, sizeof(reply), 50), -1);
	/* Oversized: must not be taken for a whole message. */
	assert_int_equal(send(f->sv[1], big, sizeof(struct hv_kvp_msg) + 8, 0),
			 sizeof(struct hv_kvp_msg) + 8);
	assert_int_equal(kvp_serve_one(&f->d, f->sv[0]), -1);
	assert_int_equal(fake_recv(f->sv[1], &reply, sizeof(reply), 50), -1);
	free(big);
}

static void test_device_vanishes_before_reply(void **state)
{
	struct fixture *f = *state;
	struct hv_kvp_msg msg;
	char value[2100];

	handshake(f);
	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = KVP_OP_SET;
	msg.kvp_hdr.pool = 1;
	fill_kv(&msg.body.kvp_set.data, "survivor", "yes");
	assert_int_equal(send(f->sv[1], &msg, sizeof(msg), 0), sizeof(msg));
	close(f->sv[1]); /* the kernel side goes away mid-request */
	f->sv[1] = -1;
	assert_int_equal(kvp_serve_one(&f->d, f->sv[0]), -1);
	assert_int_equal(kvp_serve_one(&f->d, f->sv[0]), -1); /* EOF now */
	/* Nothing lost: a new "device" sees the committed value. */
	close(f->sv[0]);
	assert_int_equal(fake_device_pair(f->sv), 0);
	handshake(f);
	assert_int_equal(do_get(f, 1, "survivor", value), HV_S_OK);
	assert_string_equal(value, "yes");
}

static void test_unknown_op_answered(void **state)
{
	struct fixture *f = *state;
	struct hv_kvp_msg msg;

	handshake(f);
	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = 42;
	assert_int_equal(transact(f, &msg), HV_ERROR_NOT_SUPPORTED);
}

static void test_bad_pool_index(void **state)
{
	struct fixture *f = *state;

	handshake(f);
	assert_int_equal(do_set(f, 7, "k", "v"), HV_INVALIDARG);
	assert_int_equal(do_get(f, 200, "k", NULL), HV_INVALIDARG);
}

/* ---- pool operations and file format ---- */

static void test_set_get_file_layout(void **state)
{
	struct fixture *f = *state;
	char value[2100], *p = pool_path(f, 1), *image;
	size_t len;

	handshake(f);
	assert_int_equal(do_set(f, 1, "Key1", "Value1"), HV_S_OK);
	assert_int_equal(do_get(f, 1, "Key1", value), HV_S_OK);
	assert_string_equal(value, "Value1");
	image = read_whole_file(p, &len);
	assert_non_null(image);
	assert_int_equal(len, 2560);
	assert_string_equal(image, "Key1");
	assert_string_equal(image + 512, "Value1");
	/* Padding is all zero, as upstream and cloud-init write it. */
	for (size_t i = 5; i < 512; i++)
		assert_int_equal(image[i], 0);
	for (size_t i = 512 + 7; i < 2560; i++)
		assert_int_equal(image[i], 0);
	free(image);
	free(p);
}

static void test_set_existing_modifies_in_place(void **state)
{
	struct fixture *f = *state;
	char value[2100], *p = pool_path(f, 0);

	handshake(f);
	assert_int_equal(do_set(f, 0, "a", "1"), HV_S_OK);
	assert_int_equal(do_set(f, 0, "b", "2"), HV_S_OK);
	assert_int_equal(do_set(f, 0, "a", "3"), HV_S_OK);
	assert_int_equal(file_size(p), 2 * 2560);
	assert_int_equal(do_get(f, 0, "a", value), HV_S_OK);
	assert_string_equal(value, "3");
	free(p);
}

static void test_delete_keeps_order(void **state)
{
	struct fixture *f = *state;
	char key[600], value[2100], *p = pool_path(f, 1), *image;

	handshake(f);
	assert_int_equal(do_set(f, 1, "a", "1"), HV_S_OK);
	assert_int_equal(do_set(f, 1, "b", "2"), HV_S_OK);
	assert_int_equal(do_set(f, 1, "c", "3"), HV_S_OK);
	assert_int_equal(do_delete(f, 1, "b"), HV_S_OK);
	image = read_whole_file(p, NULL);
	assert_int_equal(file_size(p), 2 * 2560);
	assert_string_equal(image, "a");
	assert_string_equal(image + 2560, "c");
	assert_string_equal(image + 2560 + 512, "3");
	free(image);
	assert_int_equal(do_enumerate(f, 1, 1, key, value), HV_S_OK);
	assert_string_equal(key, "c");
	assert_int_equal(do_delete(f, 1, "c"), HV_S_OK);
	assert_int_equal(do_delete(f, 1, "a"), HV_S_OK);
	assert_int_equal(file_size(p), 0);
	free(p);
}

static void test_missing_key_is_s_cont(void **state)
{
	struct fixture *f = *state;

	handshake(f);
	assert_int_equal(do_get(f, 1, "nothing", NULL), HV_S_CONT);
	assert_int_equal(do_delete(f, 1, "nothing"), HV_S_CONT);
}

static void test_enumerate_pool(void **state)
{
	struct fixture *f = *state;
	char key[600], value[2100];

	handshake(f);
	assert_int_equal(do_set(f, 3, "x", "10"), HV_S_OK);
	assert_int_equal(do_set(f, 3, "y", "20"), HV_S_OK);
	assert_int_equal(do_enumerate(f, 3, 0, key, value), HV_S_OK);
	assert_string_equal(key, "x");
	assert_string_equal(value, "10");
	assert_int_equal(do_enumerate(f, 3, 1, key, value), HV_S_OK);
	assert_string_equal(key, "y");
	assert_int_equal(do_enumerate(f, 3, 2, key, value), HV_S_CONT);
	assert_int_equal(do_enumerate(f, 3, 0xffffffffu, key, value), HV_S_CONT);
}

static void test_external_writer_seen(void **state)
{
	struct fixture *f = *state;
	char value[2100], *p = pool_path(f, 1);

	handshake(f);
	assert_int_equal(do_set(f, 1, "mine", "1"), HV_S_OK);
	append_raw_record(p, "cloud-init-event", "{\"result\":\"SUCCESS\"}");
	assert_int_equal(do_get(f, 1, "cloud-init-event", value), HV_S_OK);
	assert_string_equal(value, "{\"result\":\"SUCCESS\"}");
	free(p);
}

static void test_torn_tail_repaired(void **state)
{
	struct fixture *f = *state;
	char value[2100], *p = pool_path(f, 1);
	FILE *fp;

	append_raw_record(p, "one", "1");
	append_raw_record(p, "two", "2");
	fp = fopen(p, "ab");
	fwrite("torn-record-bytes", 1, 17, fp);
	fclose(fp);
	handshake(f);
	assert_int_equal(do_get(f, 1, "two", value), HV_S_OK);
	assert_string_equal(value, "2");
	assert_int_equal(file_size(p), 2 * 2560);
	assert_int_equal(f->d.pool[1].repairs, 1);
	free(p);
}

static void test_corrupt_record_dropped_others_kept(void **state)
{
	struct fixture *f = *state;
	char key[600], value[2100], *p = pool_path(f, 4);
	struct kvp_record bad;
	FILE *fp;

	append_raw_record(p, "first", "1");
	memset(&bad, 'A', sizeof(bad)); /* key without a terminator */
	fp = fopen(p, "ab");
	fwrite(&bad, sizeof(bad), 1, fp);
	fclose(fp);
	append_raw_record(p, "", "orphan value"); /* empty key */
	append_raw_record(p, "last", "3");
	handshake(f);
	assert_int_equal(do_enumerate(f, 4, 0, key, value), HV_S_OK);
	assert_string_equal(key, "first");
	assert_int_equal(do_enumerate(f, 4, 1, key, value), HV_S_OK);
	assert_string_equal(key, "last");
	assert_int_equal(do_enumerate(f, 4, 2, key, value), HV_S_CONT);
	assert_int_equal(file_size(p), 2 * 2560);
	free(p);
}

static void test_unterminated_value_kept(void **state)
{
	struct fixture *f = *state;
	char value[2100], *p = pool_path(f, 1);
	struct kvp_record r;
	FILE *fp;

	memset(&r, 0, sizeof(r));
	strcpy(r.key, "full");
	memset(r.value, 'v', sizeof(r.value));
	fp = fopen(p, "ab");
	fwrite(&r, sizeof(r), 1, fp);
	fclose(fp);
	handshake(f);
	assert_int_equal(do_get(f, 1, "full", value), HV_S_OK);
	assert_int_equal(strlen(value), 2047);
	free(p);
}

static bool crash_after_journal(const char *stage)
{
	return !strcmp(stage, "journal-written");
}

/*
 * Unchanged files are not re-read (ENUMERATE over many keys), but any
 * change by another writer, even one keeping the size, is seen.
 */
static void test_unchanged_pool_not_reread(void **state)
{
	struct fixture *f = *state;
	char key[600], value[2100], *p = pool_path(f, 1);
	struct kvp_record r;
	unsigned int reads;
	int fd;

	append_raw_record(p, "a", "1");
	append_raw_record(p, "b", "2");
	sleep(2); /* let the file's ctime fall a safe distance behind */
	handshake(f);
	assert_int_equal(do_enumerate(f, 1, 0, key, value), HV_S_OK);
	reads = f->d.pool[1].reads;
	assert_int_equal(do_enumerate(f, 1, 1, key, value), HV_S_OK);
	assert_string_equal(key, "b");
	assert_int_equal(do_get(f, 1, "a", value), HV_S_OK);
	assert_int_equal(f->d.pool[1].reads, reads);
	/* Same size, different value, written in place by someone else. */
	memset(&r, 0, sizeof(r));
	strcpy(r.key, "b");
	strcpy(r.value, "changed");
	fd = open(p, O_WRONLY);
	assert_int_equal(pwrite(fd, &r, sizeof(r), sizeof(r)), sizeof(r));
	close(fd);
	assert_int_equal(do_get(f, 1, "b", value), HV_S_OK);
	assert_string_equal(value, "changed");
	assert_int_equal(f->d.pool[1].reads, reads + 1);
	free(p);
}

static void test_crash_after_journal_is_replayed(void **state)
{
	struct fixture *f = *state;
	char value[2100], *p = pool_path(f, 1);

	handshake(f);
	assert_int_equal(do_set(f, 1, "before", "1"), HV_S_OK);
	kvp_pool_crash_hook = crash_after_journal;
	assert_int_equal(do_set(f, 1, "during", "2"), HV_E_FAIL);
	kvp_pool_crash_hook = NULL;
	assert_int_equal(file_size(p), 2560); /* pool not yet touched */
	assert_int_equal(do_get(f, 1, "during", value), HV_S_OK);
	assert_string_equal(value, "2");
	assert_int_equal(file_size(p), 2 * 2560);
	free(p);
}

static void test_torn_journal_discarded(void **state)
{
	struct fixture *f = *state;
	char value[2100], *p = pool_path(f, 1), *j;

	handshake(f);
	assert_int_equal(do_set(f, 1, "keep", "1"), HV_S_OK);
	kvp_pool_crash_hook = crash_after_journal;
	assert_int_equal(do_set(f, 1, "keep", "overwritten"), HV_E_FAIL);
	kvp_pool_crash_hook = NULL;
	assert_int_equal(asprintf(&j, "%s.journal", p) > 0, 1);
	assert_int_equal(truncate(j, file_size(j) - 100), 0); /* torn journal */
	assert_int_equal(do_get(f, 1, "keep", value), HV_S_OK);
	assert_string_equal(value, "1");
	assert_int_equal(access(j, F_OK), -1);
	free(j);
	free(p);
}

static void test_pool_full(void **state)
{
	struct fixture *f = *state;
	char value[2100];

	f->d.pool[1].max_records = 2;
	handshake(f);
	assert_int_equal(do_set(f, 1, "a", "1"), HV_S_OK);
	assert_int_equal(do_set(f, 1, "b", "2"), HV_S_OK);
	assert_int_equal(do_set(f, 1, "c", "3"), HV_ERROR_DISK_FULL);
	assert_int_equal(do_set(f, 1, "a", "changed"), HV_S_OK);
	assert_int_equal(do_get(f, 1, "a", value), HV_S_OK);
	assert_string_equal(value, "changed");
}

/* Runs in a child: a file size limit makes the journal write fail (EFBIG, like ENOSPC). */
static void test_disk_full_reported_pool_intact(void **state)
{
	struct fixture *f = *state;
	char value[2100], *p = pool_path(f, 1);
	pid_t pid;
	int status;

	handshake(f);
	assert_int_equal(do_set(f, 1, "before", "1"), HV_S_OK);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 1000, 1000 };

		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		_exit(do_set(f, 1, "after", "2") == HV_ERROR_DISK_FULL ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(file_size(p), 2560);
	assert_int_equal(do_get(f, 1, "after", value), HV_S_CONT);
	assert_int_equal(do_get(f, 1, "before", value), HV_S_OK);
	free(p);
}

/* Another process holds the lock; our GET must wait and then see its write. */
static void test_waits_for_lock_holder(void **state)
{
	struct fixture *f = *state;
	char value[2100], *p = pool_path(f, 1);
	int ready[2];
	pid_t child;

	handshake(f);
	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int fd = open(p, O_RDWR);
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		struct kvp_record r;

		if (fd < 0 || fcntl(fd, F_SETLKW, &fl) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		usleep(300 * 1000);
		memset(&r, 0, sizeof(r));
		strcpy(r.key, "late");
		strcpy(r.value, "arrived");
		if (pwrite(fd, &r, sizeof(r), 0) != sizeof(r))
			_exit(1);
		_exit(0); /* exit releases the lock */
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], value, 1), 1);
	assert_int_equal(do_get(f, 1, "late", value), HV_S_OK);
	assert_string_equal(value, "arrived");
	close(ready[0]);
	waitpid(child, NULL, 0);
	free(p);
}

/* ---- hostile strings ---- */

static void test_unterminated_key_rejected(void **state)
{
	struct fixture *f = *state;
	struct hv_kvp_msg msg;
	char *p = pool_path(f, 1);

	handshake(f);
	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = KVP_OP_SET;
	msg.kvp_hdr.pool = 1;
	memset(msg.body.kvp_set.data.key, 'K', sizeof(msg.body.kvp_set.data.key));
	msg.body.kvp_set.data.key_size = 512;
	strcpy((char *)msg.body.kvp_set.data.value, "v");
	msg.body.kvp_set.data.value_size = 2;
	assert_int_equal(transact(f, &msg), HV_INVALIDARG);
	assert_int_equal(file_size(p), 0);
	free(p);
}

static void test_oversized_sizes_rejected(void **state)
{
	struct fixture *f = *state;
	struct hv_kvp_msg msg;

	handshake(f);
	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = KVP_OP_SET;
	msg.kvp_hdr.pool = 1;
	fill_kv(&msg.body.kvp_set.data, "k", "v");
	msg.body.kvp_set.data.key_size = 513;
	assert_int_equal(transact(f, &msg), HV_INVALIDARG);
	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = KVP_OP_SET;
	msg.kvp_hdr.pool = 1;
	fill_kv(&msg.body.kvp_set.data, "k", "v");
	msg.body.kvp_set.data.value_size = 0xffffffffu;
	assert_int_equal(transact(f, &msg), HV_INVALIDARG);
	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = KVP_OP_DELETE;
	msg.kvp_hdr.pool = 1;
	msg.body.kvp_delete.key_size = 0;
	assert_int_equal(transact(f, &msg), HV_INVALIDARG);
}

static void test_value_terminator_beyond_size_rejected(void **state)
{
	struct fixture *f = *state;
	struct hv_kvp_msg msg;

	handshake(f);
	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = KVP_OP_SET;
	msg.kvp_hdr.pool = 1;
	fill_kv(&msg.body.kvp_set.data, "k", "value-longer-than-declared");
	msg.body.kvp_set.data.value_size = 5; /* no NUL within 5 bytes */
	assert_int_equal(transact(f, &msg), HV_INVALIDARG);
}

static void test_invalid_utf8_rejected(void **state)
{
	struct fixture *f = *state;

	handshake(f);
	assert_int_equal(do_set(f, 1, "bad\xc3\x28key", "v"), HV_INVALIDARG);
	assert_int_equal(do_set(f, 1, "k", "overlong\xc0\xaf"), HV_INVALIDARG);
	assert_int_equal(do_set(f, 1, "k", "surrogate\xed\xa0\x80"), HV_INVALIDARG);
	assert_int_equal(do_set(f, 1, "ключ", "значение"), HV_S_OK);
}

static void test_empty_key_rejected(void **state)
{
	struct fixture *f = *state;

	handshake(f);
	assert_int_equal(do_set(f, 1, "", "v"), HV_INVALIDARG);
}

static void test_max_length_key_value(void **state)
{
	struct fixture *f = *state;
	char key[512], value[2048], got[2100];

	memset(key, 'k', sizeof(key) - 1);
	key[511] = '\0';
	memset(value, 'v', sizeof(value) - 1);
	value[2047] = '\0';
	handshake(f);
	assert_int_equal(do_set(f, 1, key, value), HV_S_OK);
	assert_int_equal(do_get(f, 1, key, got), HV_S_OK);
	assert_string_equal(got, value);
}

/* ---- auto pool ---- */

static void test_auto_pool_keys_in_order(void **state)
{
	struct fixture *f = *state;
	static const char *const keys[] = {
		"FullyQualifiedDomainName", "IntegrationServicesVersion",
		"NetworkAddressIPv4", "NetworkAddressIPv6", "OSBuildNumber", "OSName",
		"OSMajorVersion", "OSMinorVersion", "OSVersion", "ProcessorArchitecture",
	};
	char key[600], value[2100];
	unsigned int i;

	handshake(f);
	for (i = 0; i < 10; i++) {
		assert_int_equal(do_enumerate(f, KVP_POOL_AUTO, i, key, value), HV_S_OK);
		assert_string_equal(key, keys[i]);
		if (i == 2)
			assert_string_equal(value, "10.0.0.5;10.0.1.7");
		if (i == 3)
			assert_string_equal(value, "fe80::215:5dff:fe01:203");
		if (i == 5)
			assert_string_equal(value, "Debian GNU/Linux");
		if (i == 6)
			assert_string_equal(value, "12");
		if (i == 8)
			assert_null(strchr(value, '-'));
	}
	assert_int_equal(do_enumerate(f, KVP_POOL_AUTO, 10, key, value), HV_S_CONT);
}

static void test_auto_values_sanitised_and_capped(void **state)
{
	struct fixture *f = *state;
	struct kvp_auto_info info;
	char long_name[600];

	memset(long_name, 'x', sizeof(long_name));
	strcpy(long_name, "NAME=\"Evil\x01\x1b[31mOS");
	long_name[strlen(long_name)] = 'x';
	long_name[590] = '"';
	long_name[591] = '\n';
	long_name[592] = '\0';
	write_rel(f->dir, "os-release", long_name);
	kvp_auto_collect(&info, f->d.cfg.os_release, 64);
	assert_int_equal(strlen(info.os_name), 63);
	assert_memory_equal(info.os_name, "Evil__[31mOS", 12);
	assert_true(strlen(info.os_build) <= 63);
}

static void test_os_version_cut(void **state)
{
	char out[64];

	(void)state;
	kvp_os_version_from_release("6.1.0-18-amd64", out, sizeof(out));
	assert_string_equal(out, "6.1.0");
	kvp_os_version_from_release("6.12.9", out, sizeof(out));
	assert_string_equal(out, "6.12.9");
}

static void test_interface_filter(void **state)
{
	struct fixture *f = *state;
	char key[600], value[2100];

	assert_int_equal(pattern_list_set(&f->d.cfg.filter.include, "docker*"), 0);
	assert_int_equal(pattern_list_set(&f->d.cfg.filter.exclude, ""), 0);
	handshake(f);
	assert_int_equal(do_enumerate(f, KVP_POOL_AUTO, 2, key, value), HV_S_OK);
	assert_string_equal(value, "172.17.0.1");
	assert_int_equal(do_enumerate(f, KVP_POOL_AUTO, 3, key, value), HV_S_OK);
	assert_string_equal(value, "");
}

/* ---- GET_IP_INFO ---- */

static uint32_t get_ip_info(struct fixture *f, const char *adapter, struct hv_kvp_msg *msg)
{
	memset(msg, 0, sizeof(*msg));
	msg->kvp_hdr.operation = KVP_OP_GET_IP_INFO;
	strcpy((char *)msg->body.kvp_ip_val.adapter_id, adapter);
	return transact(f, msg);
}

static void test_get_ip_info(void **state)
{
	struct fixture *f = *state;
	struct hv_kvp_msg msg;
	struct hv_kvp_ipaddr_value *ip = &msg.body.kvp_ip_val;

	mkdir_p(f->dir, "run/systemd/netif/leases");
	write_rel(f->dir, "run/systemd/netif/leases/2", "ADDRESS=10.0.0.5\n");
	handshake(f);
	assert_int_equal(get_ip_info(f, "00:15:5d:01:02:03", &msg), HV_S_OK);
	assert_string_equal((char *)ip->ip_addr, "10.0.0.5;fe80::215:5dff:fe01:203;10.0.1.7");
	assert_string_equal((char *)ip->sub_net, "255.255.255.0;/64;255.255.0.0");
	assert_string_equal((char *)ip->gate_way, "10.0.0.1;fe80::1");
	/* The invalid and zone-scoped resolv.conf lines are dropped / cleaned. */
	assert_string_equal((char *)ip->dns_addr, "10.0.0.2;fe80::53");
	assert_int_equal(ip->addr_family, ADDR_FAMILY_IPV4 | ADDR_FAMILY_IPV6);
	assert_int_equal(ip->dhcp_enabled, 1);
}

static void test_get_ip_info_dns_from_resolved(void **state)
{
	struct fixture *f = *state;
	struct hv_kvp_msg msg;

	f->d.dns_lookup = one_resolved_server;
	handshake(f);
	assert_int_equal(get_ip_info(f, "00:15:5D:01:02:03", &msg), HV_S_OK);
	assert_string_equal((char *)msg.body.kvp_ip_val.dns_addr, "2001:db8::53");
}

/* A fake systemd-resolved: the Manager's DNS property. */
static int resolved_dns_property(sd_bus *bus, const char *path, const char *interface,
				 const char *property, sd_bus_message *reply, void *userdata,
				 sd_bus_error *error)
{
	static const unsigned char v4[] = { 10, 0, 0, 53 }, v4_other[] = { 192, 168, 9, 9 };
	static const unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x53 };
	static const unsigned char bad[3] = { 1, 2, 3 };
	int r;

	(void)bus; (void)path; (void)interface; (void)property; (void)userdata; (void)error;
	r = sd_bus_message_open_container(reply, 'a', "(iiay)");
	/* global, this link, another link, and a malformed entry */
	if (r >= 0) r = sd_bus_message_append(reply, "(iiay)", 0, AF_INET, 4, v4[0], v4[1], v4[2], v4[3]);
	if (r >= 0) {
		r = sd_bus_message_open_container(reply, 'r', "iiay");
		if (r >= 0) r = sd_bus_message_append(reply, "ii", 2, AF_INET6);
		if (r >= 0) r = sd_bus_message_append_array(reply, 'y', v6, sizeof(v6));
		if (r >= 0) r = sd_bus_message_close_container(reply);
	}
	if (r >= 0) r = sd_bus_message_append(reply, "(iiay)", 3, AF_INET, 4, v4_other[0], v4_other[1], v4_other[2], v4_other[3]);
	if (r >= 0) {
		r = sd_bus_message_open_container(reply, 'r', "iiay");
		if (r >= 0) r = sd_bus_message_append(reply, "ii", 2, AF_INET);
		if (r >= 0) r = sd_bus_message_append_array(reply, 'y', bad, sizeof(bad));
		if (r >= 0) r = sd_bus_message_close_container(reply);
	}
	if (r >= 0) r = sd_bus_message_close_container(reply);
	return r;
}

static const sd_bus_vtable fake_resolved_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("DNS", "a(iiay)", resolved_dns_property, 0, 0),
	SD_BUS_VTABLE_END
};

static void test_resolved_dns_over_bus(void **state)
{
	struct fake_bus fb;
	struct kvp_addr dns[KVP_DNS_MAX];

	(void)state;
	assert_int_equal(fake_bus_start(&fb, "/org/freedesktop/resolve1",
					"org.freedesktop.resolve1.Manager", fake_resolved_vtable, NULL), 0);
	assert_int_equal(kvp_resolved_dns_on_bus(fb.client, 2, dns, KVP_DNS_MAX), 2);
	assert_string_equal(dns[0].text, "10.0.0.53");
	assert_string_equal(dns[1].text, "2001:db8::53");
	assert_int_equal(kvp_resolved_dns_on_bus(fb.client, 3, dns, KVP_DNS_MAX), 2);
	assert_string_equal(dns[1].text, "192.168.9.9");
	assert_int_equal(kvp_resolved_dns_on_bus(fb.client, 2, dns, 1), 1);
	fake_bus_stop(&fb);
}

static void test_get_ip_info_dhcp_from_ifcfg(void **state)
{
	struct fixture *f = *state;
	struct hv_kvp_msg msg;

	mkdir_p(f->dir, "etc/sysconfig/network-scripts");
	write_rel(f->dir, "etc/sysconfig/network-scripts/ifcfg-eth0", "DEVICE=eth0\nBOOTPROTO=\"dhcp\"\n");
	handshake(f);
	assert_int_equal(get_ip_info(f, "00-15-5D-01-02-03", &msg), HV_S_OK);
	assert_int_equal(msg.body.kvp_ip_val.dhcp_enabled, 1);
	write_rel(f->dir, "etc/sysconfig/network-scripts/ifcfg-eth0", "DEVICE=eth0\nBOOTPROTO=none\n");
	assert_int_equal(get_ip_info(f, "00:15:5D:01:02:03", &msg), HV_S_OK);
	assert_int_equal(msg.body.kvp_ip_val.dhcp_enabled, 0);
}

static void test_get_ip_info_errors(void **state)
{
	struct fixture *f = *state;
	struct hv_kvp_msg msg;

	handshake(f);
	assert_int_equal(get_ip_info(f, "00:15:5D:99:99:99", &msg), HV_E_FAIL);
	assert_int_equal(get_ip_info(f, "not-a-mac", &msg), HV_INVALIDARG);
	/* An excluded interface is not reported even when asked for by MAC. */
	assert_int_equal(get_ip_info(f, "02:42:ac:11:00:01", &msg), HV_E_FAIL);
	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = KVP_OP_GET_IP_INFO;
	memset(msg.body.kvp_ip_val.adapter_id, 'A', sizeof(msg.body.kvp_ip_val.adapter_id));
	assert_int_equal(transact(f, &msg), HV_INVALIDARG);
}

static void test_ip_info_capacity(void **state)
{
	struct kvp_iface iface;
	struct hv_kvp_ipaddr_value out;
	unsigned int i;

	(void)state;
	memset(&iface, 0, sizeof(iface));
	for (i = 0; i < KVP_ADDR_MAX; i++) {
		iface.addr[i].family = AF_INET6;
		snprintf(iface.addr[i].text, sizeof(iface.addr[i].text),
			 "2001:db8:1234:5678:9abc:def0:1234:%04x", i);
		iface.addr[i].prefix = 64;
	}
	iface.addr_count = KVP_ADDR_MAX;
	kvp_fill_ip_info(&iface, NULL, 0, false, &out);
	/* The kernel converts at most MAX_IP_ADDR_SIZE bytes: stay below, whole entries only. */
	assert_true(strlen((char *)out.ip_addr) < MAX_IP_ADDR_SIZE);
	assert_int_equal(strlen((char *)out.ip_addr) % 39, 38 % 39);
	assert_int_equal((strlen((char *)out.ip_addr) + 1) / 39,
			 (strlen((char *)out.sub_net) + 1) / 4);
}

/* ---- SET_IP_INFO ---- */

#define NIC_GUID "{9F8E7D6C-5B4A-3921-8070-6A5B4C3D2E1F}"

static void make_sysfs_nic(struct fixture *f)
{
	mkdir_p(f->dir, "sys/class/net/eth0/device");
	write_rel(f->dir, "sys/class/net/eth0/device/device_id", NIC_GUID "\n");
	write_rel(f->dir, "sys/class/net/eth0/ifindex", "2\n");
	write_rel(f->dir, "sys/class/net/eth0/address", "00:15:5d:01:02:03\n");
	mkdir_p(f->dir, "sys/class/net/lo");
}

static uint32_t set_ip_info(struct fixture *f, const char *guid, int dhcp, const char *ip,
			    const char *mask, const char *gw, const char *dns)
{
	struct hv_kvp_msg msg;
	struct hv_kvp_ipaddr_value *v = &msg.body.kvp_ip_val;

	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = KVP_OP_SET_IP_INFO;
	strcpy((char *)v->adapter_id, guid);
	v->dhcp_enabled = (uint8_t)dhcp;
	strcpy((char *)v->ip_addr, ip);
	strcpy((char *)v->sub_net, mask);
	strcpy((char *)v->gate_way, gw);
	strcpy((char *)v->dns_addr, dns);
	return transact(f, &msg);
}

static void test_set_ip_info_networkd(void **state)
{
	struct fixture *f = *state;
	char *path, *text;

	make_sysfs_nic(f);
	mkdir_p(f->dir, "etc/systemd/network");
	mkdir_p(f->dir, "run/systemd/netif");
	handshake(f);
	assert_int_equal(set_ip_info(f, NIC_GUID, 0, "192.168.1.10; 2001:db8::10",
				     "255.255.255.0;64", "192.168.1.1", "192.168.1.2;2001:db8::53"),
			 HV_S_OK);
	path = path_join(f->dir, "etc/systemd/network/50-hyperv-eth0.network");
	text = read_whole_file(path, NULL);
	assert_non_null(text);
	assert_string_equal(text,
			    "# Written by hv_kvp_daemon (hyperv-guest) for a Hyper-V SET_IP_INFO request.\n"
			    "[Match]\nName=eth0\nMACAddress=00:15:5D:01:02:03\n\n[Network]\nDHCP=no\n"
			    "Address=192.168.1.10/24\nAddress=2001:db8::10/64\n"
			    "Gateway=192.168.1.1\nDNS=192.168.1.2\nDNS=2001:db8::53\n");
	assert_int_equal(f->reload_calls, 1);
	assert_int_equal(f->reload_ifindex, 2);
	free(text);
	free(path);
}

static void test_set_ip_info_ifcfg(void **state)
{
	struct fixture *f = *state;
	char *path, *text;

	make_sysfs_nic(f);
	mkdir_p(f->dir, "etc/sysconfig/network-scripts");
	handshake(f);
	assert_int_equal(set_ip_info(f, "9f8e7d6c-5b4a-3921-8070-6a5b4c3d2e1f", 0,
				     "10.1.1.5;10.1.2.5;2001:db8::1;2001:db8::2",
				     "255.255.255.0;/16;/64;/64", "10.1.1.1", "10.1.1.2"),
			 HV_S_OK);
	path = path_join(f->dir, "etc/sysconfig/network-scripts/ifcfg-eth0");
	text = read_whole_file(path, NULL);
	assert_non_null(text);
	assert_string_equal(text,
			    "# Written by hv_kvp_daemon (hyperv-guest) for a Hyper-V SET_IP_INFO request.\n"
			    "DEVICE=eth0\nONBOOT=yes\nBOOTPROTO=none\nHWADDR=00:15:5D:01:02:03\n"
			    "IPADDR0=10.1.1.5\nPREFIX0=24\nIPADDR1=10.1.2.5\nPREFIX1=16\n"
			    "IPV6INIT=yes\nIPV6ADDR=2001:db8::1/64\n"
			    "IPV6ADDR_SECONDARIES=\"2001:db8::2/64\"\n"
			    "GATEWAY=10.1.1.1\nDNS1=10.1.1.2\n");
	assert_int_equal(f->reload_calls, 0);
	free(text);
	free(path);
}

static void test_set_ip_info_networkmanager(void **state)
{
	struct fixture *f = *state;
	char *path, *text;
	struct stat st;

	make_sysfs_nic(f);
	mkdir_p(f->dir, "etc/NetworkManager/system-connections");
	mkdir_p(f->dir, "run/NetworkManager");
	mkdir_p(f->dir, "run/systemd/netif"); /* NetworkManager wins when both run */
	handshake(f);
	assert_int_equal(set_ip_info(f, NIC_GUID, 0, "192.168.1.10;2001:db8::10",
				     "255.255.255.0;64", "192.168.1.1;2001:db8::1", "192.168.1.2"),
			 HV_S_OK);
	path = path_join(f->dir, "etc/NetworkManager/system-connections/hyperv-eth0.nmconnection");
	text = read_whole_file(path, NULL);
	assert_non_null(text);
	assert_string_equal(text,
			    "# Written by hv_kvp_daemon (hyperv-guest) for a Hyper-V SET_IP_INFO request.\n"
			    "[connection]\nid=hyperv-eth0\nuuid=9f8e7d6c-5b4a-3921-8070-6a5b4c3d2e1f\n"
			    "type=ethernet\ninterface-name=eth0\nautoconnect=true\n"
			    "\n[ethernet]\nmac-address=00:15:5D:01:02:03\n"
			    "\n[ipv4]\nmethod=manual\naddress1=192.168.1.10/24\ngateway=192.168.1.1\n"
			    "dns=192.168.1.2;\n"
			    "\n[ipv6]\nmethod=manual\naddress1=2001:db8::10/64\ngateway=2001:db8::1\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(f->nm_calls, 1);
	assert_string_equal(f->nm_keyfile, path);
	assert_string_equal(f->nm_uuid, "9f8e7d6c-5b4a-3921-8070-6a5b4c3d2e1f");
	assert_string_equal(f->nm_ifname, "eth0");
	assert_int_equal(f->reload_calls, 0);
	/* DHCP: both families automatic. */
	assert_int_equal(set_ip_info(f, NIC_GUID, 1, "", "", "", ""), HV_S_OK);
	free(text);
	text = read_whole_file(path, NULL);
	assert_non_null(strstr(text, "[ipv4]\nmethod=auto\n"));
	assert_non_null(strstr(text, "[ipv6]\nmethod=auto\n"));
	free(text);
	free(path);
}

static void test_get_ip_info_dhcp_from_nm(void **state)
{
	struct fixture *f = *state;
	struct hv_kvp_msg msg;

	mkdir_p(f->dir, "run/NetworkManager");
	handshake(f);
	f->nm_dhcp_answer = 1;
	assert_int_equal(get_ip_info(f, "00:15:5D:01:02:03", &msg), HV_S_OK);
	assert_int_equal(msg.body.kvp_ip_val.dhcp_enabled, 1);
	f->nm_dhcp_answer = 0;
	assert_int_equal(get_ip_info(f, "00:15:5D:01:02:03", &msg), HV_S_OK);
	assert_int_equal(msg.body.kvp_ip_val.dhcp_enabled, 0);
	/* NetworkManager does not know the device: the files decide. */
	mkdir_p(f->dir, "run/systemd/netif/leases");
	write_rel(f->dir, "run/systemd/netif/leases/2", "ADDRESS=10.0.0.5\n");
	f->nm_dhcp_answer = -1;
	assert_int_equal(get_ip_info(f, "00:15:5D:01:02:03", &msg), HV_S_OK);
	assert_int_equal(msg.body.kvp_ip_val.dhcp_enabled, 1);
}

/* A fake NetworkManager: root object, Settings, one device. */
struct fake_nm {
	char loaded[512];
	char activated[3][128];
	const char *dhcp4;
};

static int nm_get_device(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	const char *ifname;
	int r = sd_bus_message_read(m, "s", &ifname);

	(void)userdata;
	if (r < 0)
		return r;
	if (strcmp(ifname, "eth0"))
		return sd_bus_error_set(err, "org.freedesktop.NetworkManager.UnknownDevice", "no");
	return sd_bus_reply_method_return(m, "o", "/org/freedesktop/NetworkManager/Devices/2");
}

static int nm_activate_connection(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	struct fake_nm *nm = userdata;
	const char *a, *b, *c;
	int r = sd_bus_message_read(m, "ooo", &a, &b, &c);

	(void)err;
	if (r < 0)
		return r;
	snprintf(nm->activated[0], 128, "%s", a);
	snprintf(nm->activated[1], 128, "%s", b);
	snprintf(nm->activated[2], 128, "%s", c);
	return sd_bus_reply_method_return(m, "o", "/org/freedesktop/NetworkManager/ActiveConnection/1");
}

static int nm_load_connections(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	struct fake_nm *nm = userdata;
	char **files = NULL;
	int r = sd_bus_message_read_strv(m, &files);

	(void)err;
	if (r < 0)
		return r;
	snprintf(nm->loaded, sizeof(nm->loaded), "%s", files && files[0] ? files[0] : "");
	for (char **p = files; p && *p; p++)
		free(*p);
	free(files);
	return sd_bus_reply_method_return(m, "bas", 1, 0);
}

static int nm_get_by_uuid(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	const char *uuid;
	int r = sd_bus_message_read(m, "s", &uuid);

	(void)userdata;
	if (r < 0)
		return r;
	if (strcmp(uuid, "9f8e7d6c-5b4a-3921-8070-6a5b4c3d2e1f"))
		return sd_bus_error_set(err, "org.freedesktop.NetworkManager.Settings.InvalidConnection", "no");
	return sd_bus_reply_method_return(m, "o", "/org/freedesktop/NetworkManager/Settings/7");
}

static int nm_dhcp_prop(sd_bus *bus, const char *path, const char *interface, const char *property,
			sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	struct fake_nm *nm = userdata;

	(void)bus; (void)path; (void)interface; (void)error;
	return sd_bus_message_append(reply, "o", !strcmp(property, "Dhcp4Config") ? nm->dhcp4 : "/");
}

static const sd_bus_vtable nm_root_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("GetDeviceByIpIface", "s", "o", nm_get_device, 0),
	SD_BUS_METHOD("ActivateConnection", "ooo", "o", nm_activate_connection, 0),
	SD_BUS_VTABLE_END
};

static const sd_bus_vtable nm_settings_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("LoadConnections", "as", "bas", nm_load_connections, 0),
	SD_BUS_METHOD("GetConnectionByUuid", "s", "o", nm_get_by_uuid, 0),
	SD_BUS_VTABLE_END
};

static const sd_bus_vtable nm_device_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Dhcp4Config", "o", nm_dhcp_prop, 0, 0),
	SD_BUS_PROPERTY("Dhcp6Config", "o", nm_dhcp_prop, 0, 0),
	SD_BUS_VTABLE_END
};

static void test_networkmanager_over_bus(void **state)
{
	static const struct fake_object objects[] = {
		{ "/org/freedesktop/NetworkManager", "org.freedesktop.NetworkManager", nm_root_vtable },
		{ "/org/freedesktop/NetworkManager/Settings",
		  "org.freedesktop.NetworkManager.Settings", nm_settings_vtable },
		{ "/org/freedesktop/NetworkManager/Devices/2",
		  "org.freedesktop.NetworkManager.Device", nm_device_vtable },
	};
	struct fake_nm nm = { .dhcp4 = "/org/freedesktop/NetworkManager/DHCP4Config/3" };
	struct fake_bus fb;

	(void)state;
	assert_int_equal(fake_bus_start_objects(&fb, objects, 3, &nm), 0);
	assert_int_equal(kvp_nm_activate_on_bus(fb.client, "/etc/x/hyperv-eth0.nmconnection",
						"9f8e7d6c-5b4a-3921-8070-6a5b4c3d2e1f", "eth0"), 0);
	assert_string_equal(nm.loaded, "/etc/x/hyperv-eth0.nmconnection");
	assert_string_equal(nm.activated[0], "/org/freedesktop/NetworkManager/Settings/7");
	assert_string_equal(nm.activated[1], "/org/freedesktop/NetworkManager/Devices/2");
	assert_string_equal(nm.activated[2], "/");
	assert_int_equal(kvp_nm_activate_on_bus(fb.client, "/x", "00000000-0000-0000-0000-000000000000",
						"eth0"), -1);
	assert_int_equal(kvp_nm_dhcp_on_bus(fb.client, "eth0"), 1);
	nm.dhcp4 = "/";
	assert_int_equal(kvp_nm_dhcp_on_bus(fb.client, "eth0"), 0);
	assert_int_equal(kvp_nm_dhcp_on_bus(fb.client, "eth9"), -1);
	fake_bus_stop(&fb);
}

static void test_set_ip_info_dhcp(void **state)
{
	struct fixture *f = *state;
	char *path, *text;

	make_sysfs_nic(f);
	mkdir_p(f->dir, "etc/systemd/network");
	f->d.cfg.ip_backend = KVP_IP_BACKEND_NETWORKD;
	handshake(f);
	assert_int_equal(set_ip_info(f, NIC_GUID, 1, "", "", "", ""), HV_S_OK);
	path = path_join(f->dir, "etc/systemd/network/50-hyperv-eth0.network");
	text = read_whole_file(path, NULL);
	assert_non_null(strstr(text, "DHCP=yes\n"));
	assert_null(strstr(text, "\nAddress="));
	free(text);
	free(path);
}

static void test_set_ip_info_hostile(void **state)
{
	struct fixture *f = *state;
	char *dir;
	struct hv_kvp_msg msg;

	make_sysfs_nic(f);
	mkdir_p(f->dir, "etc/systemd/network");
	f->d.cfg.ip_backend = KVP_IP_BACKEND_NETWORKD;
	handshake(f);
	/* Shell metacharacters, a mask with holes, counts that disagree. */
	assert_int_equal(set_ip_info(f, NIC_GUID, 0, "10.0.0.1$(reboot)", "255.255.255.0", "", ""),
			 HV_INVALIDARG);
	assert_int_equal(set_ip_info(f, NIC_GUID, 0, "10.0.0.1", "255.0.255.0", "", ""),
			 HV_INVALIDARG);
	assert_int_equal(set_ip_info(f, NIC_GUID, 0, "10.0.0.1", "`id`", "", ""), HV_INVALIDARG);
	assert_int_equal(set_ip_info(f, NIC_GUID, 0, "10.0.0.1;10.0.0.2", "24", "", ""),
			 HV_INVALIDARG);
	assert_int_equal(set_ip_info(f, NIC_GUID, 0, "2001:db8::1", "129", "", ""), HV_INVALIDARG);
	assert_int_equal(set_ip_info(f, NIC_GUID, 0, "10.0.0.1", "24", "10.0.0.1\nDNS=6.6.6.6", ""),
			 HV_INVALIDARG);
	assert_int_equal(set_ip_info(f, NIC_GUID, 0, "", "", "", ""), HV_INVALIDARG);
	assert_int_equal(set_ip_info(f, NIC_GUID, 2, "", "", "", ""), HV_INVALIDARG);
	assert_int_equal(set_ip_info(f, "../../etc/passwd", 1, "", "", "", ""), HV_INVALIDARG);
	assert_int_equal(set_ip_info(f, "{00000000-0000-0000-0000-000000000000}", 1, "", "", "", ""),
			 HV_GUID_NOTFOUND);
	assert_int_equal(set_ip_info(f, NIC_GUID, 0, "10.0.0.1\xff", "24", "", ""), HV_INVALIDARG);
	/* An unterminated field. */
	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = KVP_OP_SET_IP_INFO;
	strcpy((char *)msg.body.kvp_ip_val.adapter_id, NIC_GUID);
	memset(msg.body.kvp_ip_val.dns_addr, '1', sizeof(msg.body.kvp_ip_val.dns_addr));
	strcpy((char *)msg.body.kvp_ip_val.ip_addr, "10.0.0.1");
	strcpy((char *)msg.body.kvp_ip_val.sub_net, "24");
	assert_int_equal(transact(f, &msg), HV_INVALIDARG);
	/* None of these wrote a file or reloaded networkd. */
	dir = path_join(f->dir, "etc/systemd/network/50-hyperv-eth0.network");
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(f->reload_calls, 0);
	free(dir);
}

static void test_set_ip_info_no_backend(void **state)
{
	struct fixture *f = *state;

	make_sysfs_nic(f);
	handshake(f); /* neither networkd nor an ifcfg directory exists */
	assert_int_equal(set_ip_info(f, NIC_GUID, 1, "", "", "", ""), HV_ERROR_NOT_SUPPORTED);
}

/* ---- building blocks ---- */

static void test_utf8_validation(void **state)
{
	(void)state;
	assert_true(utf8_valid("plain", 5));
	assert_true(utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
	assert_false(utf8_valid("\x80", 1));
	assert_false(utf8_valid("\xc3", 1));
	assert_false(utf8_valid("\xe2\x82", 2));
	assert_false(utf8_valid("\xc1\xbf", 2));
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4));
	assert_false(utf8_valid("\xed\xbf\xbf", 3));
}

static void test_config_file(void **state)
{
	struct fixture *f = *state;
	struct kvp_config cfg;
	char *path = path_join(f->dir, "kvp.conf");

	kvp_config_defaults(&cfg);
	assert_string_equal(cfg.pool_dir, "/var/lib/hyperv");
	assert_string_equal(cfg.device, "/dev/vmbus/hv_kvp");
	assert_true(pattern_list_match(&cfg.filter.exclude, "veth0abc"));
	assert_true(pattern_list_match(&cfg.filter.exclude, "cali12345"));
	assert_false(pattern_list_match(&cfg.filter.exclude, "eth0"));
	write_text_file(path, "# comment\n\npool_dir = /tmp/pools\nexclude_interfaces = foo*, bar\n"
			      "ip_config = ifcfg\nmax_records = 10\n");
	assert_int_equal(config_parse_file(path, false, kvp_config_set, &cfg), 0);
	assert_string_equal(cfg.pool_dir, "/tmp/pools");
	assert_true(pattern_list_match(&cfg.filter.exclude, "foo1"));
	assert_false(pattern_list_match(&cfg.filter.exclude, "veth0"));
	assert_int_equal(cfg.ip_backend, KVP_IP_BACKEND_IFCFG);
	assert_int_equal(cfg.max_records, 10);
	write_text_file(path, "no_such_key = 1\n");
	assert_int_equal(config_parse_file(path, false, kvp_config_set, &cfg), -1);
	write_text_file(path, "pool_dir = relative/path\n");
	assert_int_equal(config_parse_file(path, false, kvp_config_set, &cfg), -1);
	write_text_file(path, "just words\n");
	assert_int_equal(config_parse_file(path, false, kvp_config_set, &cfg), -1);
	unlink(path);
	assert_int_equal(config_parse_file(path, true, kvp_config_set, &cfg), 0);
	assert_int_equal(config_parse_file(path, false, kvp_config_set, &cfg), -1);
	free(path);
}

/* The real rtnetlink collector, on this machine: never reports loopback. */
static void test_netlink_collect_real(void **state)
{
	struct kvp_iface *ifaces = calloc(KVP_IFACE_MAX, sizeof(*ifaces));
	int n, i;

	(void)state;
	n = kvp_netlink_collect(NULL, ifaces, KVP_IFACE_MAX);
	assert_true(n >= 0);
	for (i = 0; i < n; i++) {
		assert_string_not_equal(ifaces[i].name, "lo");
		assert_true(ifaces[i].ifindex > 0);
		for (unsigned int a = 0; a < ifaces[i].addr_count; a++)
			assert_true(ifaces[i].addr[a].family == AF_INET ||
				    ifaces[i].addr[a].family == AF_INET6);
	}
	free(ifaces);
}

static void test_pool_decode_direct(void **state)
{
	unsigned char image[2560 * 2 + 10];
	unsigned int dropped;
	size_t count;
	bool error;
	struct kvp_record *r;

	(void)state;
	memset(image, 0, sizeof(image));
	strcpy((char *)image, "k1");
	strcpy((char *)image + 2560, "k2");
	r = kvp_pool_decode(image, sizeof(image), &count, &dropped, &error);
	assert_false(error);
	assert_int_equal(count, 2);
	assert_int_equal(dropped, 1);
	free(r);
	r = kvp_pool_decode(image, 0, &count, &dropped, &error);
	assert_int_equal(count, 0);
	assert_int_equal(dropped, 0);
	free(r);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_handshake_sets_version),
		T(test_pool_files_created),
		T(test_wrong_size_message_reopens),
		T(test_device_vanishes_before_reply),
		T(test_unknown_op_answered),
		T(test_bad_pool_index),
		T(test_set_get_file_layout),
		T(test_set_existing_modifies_in_place),
		T(test_delete_keeps_order),
		T(test_missing_key_is_s_cont),
		T(test_enumerate_pool),
		T(test_external_writer_seen),
		T(test_torn_tail_repaired),
		T(test_corrupt_record_dropped_others_kept),
		T(test_unterminated_value_kept),
		T(test_unchanged_pool_not_reread),
		T(test_crash_after_journal_is_replayed),
		T(test_torn_journal_discarded),
		T(test_pool_full),
		T(test_disk_full_reported_pool_intact),
		T(test_waits_for_lock_holder),
		T(test_unterminated_key_rejected),
		T(test_oversized_sizes_rejected),
		T(test_value_terminator_beyond_size_rejected),
		T(test_invalid_utf8_rejected),
		T(test_empty_key_rejected),
		T(test_max_length_key_value),
		T(test_auto_pool_keys_in_order),
		T(test_auto_values_sanitised_and_capped),
		T(test_os_version_cut),
		T(test_interface_filter),
		T(test_get_ip_info),
		T(test_get_ip_info_dns_from_resolved),
		T(test_resolved_dns_over_bus),
		T(test_get_ip_info_dhcp_from_ifcfg),
		T(test_get_ip_info_errors),
		T(test_ip_info_capacity),
		T(test_set_ip_info_networkd),
		T(test_set_ip_info_ifcfg),
		T(test_set_ip_info_networkmanager),
		T(test_get_ip_info_dhcp_from_nm),
		T(test_networkmanager_over_bus),
		T(test_set_ip_info_dhcp),
		T(test_set_ip_info_hostile),
		T(test_set_ip_info_no_backend),
		T(test_utf8_validation),
		T(test_config_file),
		T(test_pool_decode_direct),
		T(test_netlink_collect_real),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("kvp", tests, NULL, NULL);
}
