// SPDX-License-Identifier: GPL-2.0-only
/*
 * Differential test: the same host request sequence is sent to the
 * distribution's hv_kvp_daemon (written upstream, not here) and to ours,
 * both unmodified binaries talking to a fake /dev/vmbus/hv_kvp through an
 * LD_PRELOAD shim. Replies and the resulting pool records must agree, and
 * ours must read the pool files the stock daemon wrote.
 *
 * Needs (from the environment, set by the suite or `make check`):
 *   HVG_STOCK_KVP   the stock daemon (Debian: /usr/sbin/hv_kvp_daemon)
 *   HVG_OUR_KVP     our hv_kvp_daemon
 *   HVG_PRELOAD     preload_device.so
 * A missing one is a failure, not a skip.
 *
 * Deliberate differences:
 * - GET: upstream copies value_size bytes of the stored value, and the
 *   kernel's GET request carries value_size 0, so upstream always answers
 *   an empty value; we answer the stored value. Checked explicitly below.
 * - Not in the sequence: invalid input (we answer HV_INVALIDARG where
 *   upstream answers HV_S_CONT or reads out of bounds) and padding bytes
 *   (we zero them; upstream leaves earlier contents).
 */
#include "fake_device.h"

#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "common/log.h"
#include "kvp/kvp_pool.h"

#define MAX_STEPS 64

struct step {
	struct hv_kvp_msg msg;
};

struct run_result {
	uint32_t status[MAX_STEPS];
	char key[MAX_STEPS][HV_KVP_EXCHANGE_MAX_KEY_SIZE];
	char value[MAX_STEPS][HV_KVP_EXCHANGE_MAX_VALUE_SIZE];
	unsigned int count;
};

static struct step steps[MAX_STEPS];
static unsigned int step_count;

static void add(unsigned int op, unsigned int pool, const char *key, const char *value,
		uint32_t index)
{
	struct hv_kvp_msg *m = &steps[step_count++].msg;

	memset(m, 0, sizeof(*m));
	m->kvp_hdr.operation = (uint8_t)op;
	m->kvp_hdr.pool = (uint8_t)pool;
	switch (op) {
	case KVP_OP_SET:
	case KVP_OP_GET:
		strcpy((char *)m->body.kvp_set.data.key, key);
		m->body.kvp_set.data.key_size = (uint32_t)strlen(key) + 1;
		m->body.kvp_set.data.value_type = REG_SZ;
		if (value) {
			strcpy((char *)m->body.kvp_set.data.value, value);
			m->body.kvp_set.data.value_size = (uint32_t)strlen(value) + 1;
		}
		break;
	case KVP_OP_DELETE:
		strcpy((char *)m->body.kvp_delete.key, key);
		m->body.kvp_delete.key_size = (uint32_t)strlen(key) + 1;
		break;
	case KVP_OP_ENUMERATE:
		m->body.kvp_enum_data.index = index;
		break;
	}
}

static void build_sequence(void)
{
	static char long_key[HV_KVP_EXCHANGE_MAX_KEY_SIZE], long_value[HV_KVP_EXCHANGE_MAX_VALUE_SIZE];
	unsigned int i;

	memset(long_key, 'k', sizeof(long_key) - 1);
	memset(long_value, 'v', sizeof(long_value) - 1);
	step_count = 0;
	add(KVP_OP_SET, 1, "Key1", "Value1", 0);
	add(KVP_OP_SET, 1, "Key2", "Value2", 0);
	add(KVP_OP_SET, 1, "Key1", "V1b", 0); /* shorter value over a longer one */
	add(KVP_OP_GET, 1, "Key1", NULL, 0);
	add(KVP_OP_GET, 1, "Missing", NULL, 0);
	for (i = 0; i < 3; i++)
		add(KVP_OP_ENUMERATE, 1, NULL, NULL, i);
	add(KVP_OP_DELETE, 1, "Key1", NULL, 0);
	add(KVP_OP_DELETE, 1, "Missing", NULL, 0);
	add(KVP_OP_ENUMERATE, 1, NULL, NULL, 0);
	add(KVP_OP_ENUMERATE, 1, NULL, NULL, 1);
	add(KVP_OP_SET, 0, long_key, long_value, 0);
	add(KVP_OP_GET, 0, long_key, NULL, 0);
	add(KVP_OP_SET, 3, "ключ-€", "значение ✓", 0);
	add(KVP_OP_SET, 4, "a", "1", 0);
	add(KVP_OP_SET, 4, "b", "2", 0);
	add(KVP_OP_SET, 4, "c", "3", 0);
	add(KVP_OP_DELETE, 4, "b", NULL, 0);
	add(KVP_OP_DELETE, 4, "c", NULL, 0);
	add(KVP_OP_SET, 4, "d", "", 0);
	add(KVP_OP_ENUMERATE, 4, NULL, NULL, 1);
	/* Auto pool: keys in upstream's order and values from this machine. */
	for (i = 0; i <= 10; i++)
		add(KVP_OP_ENUMERATE, KVP_POOL_AUTO, NULL, NULL, i);
}

/* The value the sequence last SET for the key that step i reads. */
static const char *last_set_value(unsigned int i)
{
	const struct hv_kvp_msg *get = &steps[i].msg;
	unsigned int j;

	for (j = i; j-- > 0;) {
		const struct hv_kvp_msg *m = &steps[j].msg;

		if (m->kvp_hdr.operation == KVP_OP_SET && m->kvp_hdr.pool == get->kvp_hdr.pool &&
		    !strcmp((const char *)m->body.kvp_set.data.key,
			    (const char *)get->body.kvp_get.data.key))
			return (const char *)m->body.kvp_set.data.value;
	}
	return "(never set)";
}

static const char *need_env(const char *name)
{
	const char *v = getenv(name);

	if (!v || access(v, R_OK)) {
		print_error("%s is not set or not readable (%s)\n", name, v ? v : "unset");
		fail();
	}
	return v;
}

/* Run one daemon binary through the whole sequence. */
static void run_daemon(const char *binary, const char *pool_dir, const char *config,
		       const struct step *seq, unsigned int n, struct run_result *out)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct hv_kvp_msg msg;
	char sock_path[256];
	int listener, dev, status;
	unsigned int i;
	pid_t pid;

	need_env("HVG_PRELOAD");
	snprintf(sock_path, sizeof(sock_path), "%s/../dev-%d.sock", pool_dir, (int)getpid());
	unlink(sock_path);
	strcpy(addr.sun_path, sock_path);
	listener = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_true(listener >= 0);
	assert_int_equal(bind(listener, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(listener, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDERR_FILENO);
		if (!getenv("HVG_PRELOAD"))
			_exit(126);
		setenv("LD_PRELOAD", getenv("HVG_PRELOAD"), 1);
		setenv("HVG_FAKE_DEVICE", sock_path, 1);
		setenv("HVG_POOL_DIR", pool_dir, 1);
		if (config)
			execl(binary, binary, "-n", "-c", config, (char *)NULL);
		else
			execl(binary, binary, "-n", (char *)NULL);
		_exit(127);
	}
	{
		struct pollfd pfd = { .fd = listener, .events = POLLIN };

		assert_int_equal(poll(&pfd, 1, 20000), 1);
	}
	dev = accept(listener, NULL, NULL);
	assert_true(dev >= 0);
	assert_int_equal(fake_recv(dev, &msg, sizeof(msg), 20000), sizeof(msg));
	assert_int_equal(msg.kvp_hdr.operation, KVP_OP_REGISTER1);
	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = KVP_OP_REGISTER1;
	strcpy((char *)msg.body.kvp_register.version, "3.1");
	assert_int_equal(send(dev, &msg, sizeof(msg), 0), sizeof(msg));
	for (i = 0; i < n; i++) {
		struct hv_kvp_msg reply;
		unsigned int op = seq[i].msg.kvp_hdr.operation;

		assert_int_equal(send(dev, &seq[i].msg, sizeof(msg), 0), sizeof(msg));
		assert_int_equal(fake_recv(dev, &reply, sizeof(reply), 20000), sizeof(reply));
		out->status[i] = (uint32_t)reply.error;
		out->key[i][0] = out->value[i][0] = '\0';
		if (op == KVP_OP_ENUMERATE && reply.error == HV_S_OK) {
			memcpy(out->key[i], reply.body.kvp_enum_data.data.key, HV_KVP_EXCHANGE_MAX_KEY_SIZE);
			out->key[i][HV_KVP_EXCHANGE_MAX_KEY_SIZE - 1] = '\0';
		}
		if ((op == KVP_OP_ENUMERATE || op == KVP_OP_GET) && reply.error == HV_S_OK) {
			memcpy(out->value[i], reply.body.kvp_get.data.value, HV_KVP_EXCHANGE_MAX_VALUE_SIZE);
			out->value[i][HV_KVP_EXCHANGE_MAX_VALUE_SIZE - 1] = '\0';
		}
	}
	out->count = n;
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	close(dev);
	close(listener);
	unlink(sock_path);
}

struct fixture {
	char *dir;
	char *stock_pools;
	char *our_pools;
	char *our_config;
	struct run_result stock, ours;
};

static char *make_config(const char *dir, const char *name, const char *pools)
{
	char *path = path_join(dir, name), text[1024];

	snprintf(text, sizeof(text), "pool_dir = %s\nexclude_interfaces =\n", pools);
	write_text_file(path, text);
	return path;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	log_init("test", LOG_TARGET_NONE);
	f->dir = make_temp_dir();
	f->stock_pools = path_join(f->dir, "stock");
	f->our_pools = path_join(f->dir, "ours");
	mkdir(f->stock_pools, 0755);
	mkdir(f->our_pools, 0755);
	f->our_config = make_config(f->dir, "ours.conf", f->our_pools);
	build_sequence();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	remove_tree(f->dir);
	free(f->dir);
	free(f->stock_pools);
	free(f->our_pools);
	free(f->our_config);
	free(f);
	return 0;
}

static struct kvp_record *load_records(const char *dir, unsigned int pool, size_t *count,
				       long *size)
{
	char name[32], *path;
	unsigned char *image;
	unsigned int dropped;
	size_t len = 0;
	bool error;
	struct kvp_record *r;

	snprintf(name, sizeof(name), ".kvp_pool_%u", pool);
	path = path_join(dir, name);
	image = (unsigned char *)read_whole_file(path, &len);
	assert_non_null(image);
	*size = (long)len;
	r = kvp_pool_decode(image, len, count, &dropped, &error);
	assert_false(error);
	assert_int_equal(dropped, 0);
	free(image);
	free(path);
	return r;
}

static void test_same_replies_and_pool_records(void **state)
{
	struct fixture *f = *state;
	const char *stock = need_env("HVG_STOCK_KVP"), *ours = need_env("HVG_OUR_KVP");
	unsigned int i, pool;

	run_daemon(stock, f->stock_pools, NULL, steps, step_count, &f->stock);
	run_daemon(ours, f->our_pools, f->our_config, steps, step_count, &f->ours);
	for (i = 0; i < step_count; i++) {
		if (f->stock.status[i] != f->ours.status[i] ||
		    strcmp(f->stock.key[i], f->ours.key[i]) ||
		    strcmp(f->stock.value[i], f->ours.value[i]))
			print_error("(differs, may be expected) step %u (op %u pool %u): stock 0x%x \"%s\"=\"%.60s\" ours 0x%x \"%s\"=\"%.60s\"\n",
				    i, steps[i].msg.kvp_hdr.operation, steps[i].msg.kvp_hdr.pool,
				    f->stock.status[i], f->stock.key[i], f->stock.value[i],
				    f->ours.status[i], f->ours.key[i], f->ours.value[i]);
	}
	for (i = 0; i < step_count; i++) {
		assert_int_equal(f->stock.status[i], f->ours.status[i]);
		assert_string_equal(f->stock.key[i], f->ours.key[i]);
		if (steps[i].msg.kvp_hdr.operation == KVP_OP_GET && f->stock.status[i] == HV_S_OK) {
			/* The documented GET difference: upstream answers "". */
			assert_string_equal(f->stock.value[i], "");
			assert_string_equal(f->ours.value[i], last_set_value(i));
			continue;
		}
		assert_string_equal(f->stock.value[i], f->ours.value[i]);
	}
	for (pool = 0; pool < KVP_POOL_COUNT; pool++) {
		size_t n_stock, n_ours, r;
		long size_stock, size_ours;
		struct kvp_record *a = load_records(f->stock_pools, pool, &n_stock, &size_stock);
		struct kvp_record *b = load_records(f->our_pools, pool, &n_ours, &size_ours);

		assert_int_equal(size_stock, size_ours);
		assert_int_equal(n_stock, n_ours);
		for (r = 0; r < n_stock; r++) {
			assert_string_equal(a[r].key, b[r].key);
			assert_string_equal(a[r].value, b[r].value);
		}
		free(a);
		free(b);
	}
}

/* Our daemon reads what the stock daemon wrote (and the other way round). */
static void test_pool_files_interchangeable(void **state)
{
	struct fixture *f = *state;
	const char *stock = need_env("HVG_STOCK_KVP"), *ours = need_env("HVG_OUR_KVP");
	struct run_result *first = calloc(1, sizeof(*first)), *second = calloc(1, sizeof(*second));
	struct step *reads = calloc(8, sizeof(*reads));
	char *config;
	unsigned int i;

	run_daemon(stock, f->stock_pools, NULL, steps, step_count, &f->stock);
	/* Enumerate pools 1 and 4 with ours on the stock daemon's files ... */
	for (i = 0; i < 4; i++) {
		reads[i].msg = steps[0].msg;
		memset(&reads[i].msg, 0, sizeof(reads[i].msg));
		reads[i].msg.kvp_hdr.operation = KVP_OP_ENUMERATE;
		reads[i].msg.kvp_hdr.pool = i < 2 ? 1 : 4;
		reads[i].msg.body.kvp_enum_data.index = i % 2;
	}
	config = make_config(f->dir, "on-stock.conf", f->stock_pools);
	run_daemon(ours, f->stock_pools, config, reads, 4, first);
	/* ... and with stock on ours. */
	run_daemon(ours, f->our_pools, f->our_config, steps, step_count, &f->ours);
	run_daemon(stock, f->our_pools, NULL, reads, 4, second);
	for (i = 0; i < 4; i++)
		if (first->status[i] != second->status[i] || strcmp(first->key[i], second->key[i]))
			print_error("read %u: ours-on-stock 0x%x \"%s\" stock-on-ours 0x%x \"%s\"\n", i,
				    first->status[i], first->key[i], second->status[i], second->key[i]);
	for (i = 0; i < 4; i++) {
		assert_int_equal(first->status[i], second->status[i]);
		assert_string_equal(first->key[i], second->key[i]);
		assert_string_equal(first->value[i], second->value[i]);
	}
	assert_string_equal(first->key[0], "Key2");
	free(config);
	free(reads);
	free(first);
	free(second);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_same_replies_and_pool_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_files_interchangeable, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("differential", tests, NULL, NULL);
}
