// SPDX-License-Identifier: GPL-2.0-only
/*
 * The installed programs themselves (main loop, configuration, reopening
 * the device), driven over a fake device through preload_device.so:
 * - hv_kvp_daemon registers again after the device goes away and keeps
 *   its pool data;
 * - hv_fcopy_daemon receives a file;
 * - hv_shutdown_daemon performs a request with the shutdown(8) fallback
 *   (a stand-in script) and stops for good when the kernel refuses its
 *   protocol version;
 * - hv_vss_daemon runs its hooks around FREEZE/THAW and exits cleanly on
 *   SIGTERM (with an empty mount table, so nothing is really frozen).
 * Needs HVG_BIN_DIR (our binaries) and HVG_PRELOAD.
 */
#include "fake_device.h"

#include <endian.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <hyperv-guest/hv_shutdown.h>
#include <linux/hyperv.h>

struct harness {
	char *dir;
	char sock[256];
	int listener;
	pid_t pid;
};

static const char *need_env(const char *name)
{
	const char *v = getenv(name);

	if (!v || access(v, R_OK)) {
		print_error("%s is not set or not readable (%s)\n", name, v ? v : "unset");
		fail();
	}
	return v;
}

static void start(struct harness *h, const char *daemon, const char *config_text)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char binary[512], *config;

	snprintf(binary, sizeof(binary), "%s/%s", need_env("HVG_BIN_DIR"), daemon);
	need_env("HVG_PRELOAD");
	h->dir = make_temp_dir();
	config = path_join(h->dir, "daemon.conf");
	write_text_file(config, config_text);
	snprintf(h->sock, sizeof(h->sock), "%s/dev.sock", h->dir);
	strcpy(addr.sun_path, h->sock);
	h->listener = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(h->listener, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(h->listener, 4), 0);
	h->pid = fork();
	assert_true(h->pid >= 0);
	if (h->pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDERR_FILENO);
		setenv("LD_PRELOAD", getenv("HVG_PRELOAD"), 1);
		setenv("HVG_FAKE_DEVICE", h->sock, 1);
		execl(binary, binary, "-n", "-c", config, (char *)NULL);
		_exit(127);
	}
	free(config);
}

/* Accept the daemon's next connection ("open" of the device). */
static int accept_device(struct harness *h)
{
	struct pollfd pfd = { .fd = h->listener, .events = POLLIN };

	assert_int_equal(poll(&pfd, 1, 20000), 1);
	return accept(h->listener, NULL, NULL);
}

static int stop(struct harness *h)
{
	int status = 0;

	if (h->pid > 0) {
		kill(h->pid, SIGTERM);
		waitpid(h->pid, &status, 0);
	}
	close(h->listener);
	remove_tree(h->dir);
	free(h->dir);
	return status;
}

static void kvp_register(int dev)
{
	struct hv_kvp_msg msg;

	assert_int_equal(fake_recv(dev, &msg, sizeof(msg), 20000), sizeof(msg));
	assert_int_equal(msg.kvp_hdr.operation, KVP_OP_REGISTER1);
	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = KVP_OP_REGISTER1;
	strcpy((char *)msg.body.kvp_register.version, "3.1");
	assert_int_equal(send(dev, &msg, sizeof(msg), 0), sizeof(msg));
}

static uint32_t kvp_request(int dev, unsigned int op, const char *key, const char *value,
			    char *value_out)
{
	static struct hv_kvp_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = (uint8_t)op;
	msg.kvp_hdr.pool = 1;
	strcpy((char *)msg.body.kvp_set.data.key, key);
	msg.body.kvp_set.data.key_size = (uint32_t)strlen(key) + 1;
	if (value) {
		strcpy((char *)msg.body.kvp_set.data.value, value);
		msg.body.kvp_set.data.value_size = (uint32_t)strlen(value) + 1;
	}
	assert_int_equal(send(dev, &msg, sizeof(msg), 0), sizeof(msg));
	assert_int_equal(fake_recv(dev, &msg, sizeof(msg), 20000), sizeof(msg));
	if (value_out)
		strcpy(value_out, (char *)msg.body.kvp_get.data.value);
	return (uint32_t)msg.error;
}

static void test_kvp_reopens_after_device_loss(void **state)
{
	struct harness h;
	char text[1024], value[64];
	int dev;

	(void)state;
	h.dir = NULL;
	snprintf(text, sizeof(text), "pool_dir = /tmp/hvg-binaries-pools-%d\n", (int)getpid());
	start(&h, "hv_kvp_daemon", text);
	dev = accept_device(&h);
	kvp_register(dev);
	assert_int_equal(kvp_request(dev, KVP_OP_SET, "k", "kept", NULL), HV_S_OK);
	close(dev); /* the device goes away (hibernation, driver reload) */
	dev = accept_device(&h);
	kvp_register(dev);
	assert_int_equal(kvp_request(dev, KVP_OP_GET, "k", NULL, value), HV_S_OK);
	assert_string_equal(value, "kept");
	close(dev);
	stop(&h);
	snprintf(text, sizeof(text), "/tmp/hvg-binaries-pools-%d", (int)getpid());
	remove_tree(text);
}

static void test_fcopy_binary_receives_file(void **state)
{
	static struct hv_do_fcopy write_msg;
	struct hv_start_fcopy start_msg;
	struct hv_fcopy_hdr done;
	struct harness h;
	char text[1024], *dest, *target, *content;
	uint32_t version = 1;
	int dev, reply, sent;

	(void)state;
	dest = make_temp_dir();
	snprintf(text, sizeof(text), "destinations = %s\n", dest);
	start(&h, "hv_fcopy_daemon", text);
	dev = accept_device(&h);
	assert_int_equal(fake_recv(dev, &sent, sizeof(sent), 20000), sizeof(sent));
	assert_int_equal(sent, FCOPY_CURRENT_VERSION);
	assert_int_equal(send(dev, &version, sizeof(version), 0), sizeof(version));
	memset(&start_msg, 0, sizeof(start_msg));
	start_msg.hdr.operation = START_FILE_COPY;
	memcpy(start_msg.path_name, dest, strlen(dest) + 1);
	memcpy(start_msg.file_name, "report.txt", 11);
	start_msg.file_size = 5;
	assert_int_equal(send(dev, &start_msg, sizeof(start_msg), 0), sizeof(start_msg));
	assert_int_equal(fake_recv(dev, &reply, sizeof(reply), 20000), sizeof(reply));
	assert_int_equal(reply, HV_S_OK);
	memset(&write_msg, 0, sizeof(write_msg));
	write_msg.hdr.operation = WRITE_TO_FILE;
	write_msg.size = 5;
	memcpy(write_msg.data, "hello", 5);
	assert_int_equal(send(dev, &write_msg, sizeof(write_msg), 0), sizeof(write_msg));
	assert_int_equal(fake_recv(dev, &reply, sizeof(reply), 20000), sizeof(reply));
	assert_int_equal(reply, HV_S_OK);
	memset(&done, 0, sizeof(done));
	done.operation = COMPLETE_FCOPY;
	assert_int_equal(send(dev, &done, sizeof(done), 0), sizeof(done));
	assert_int_equal(fake_recv(dev, &reply, sizeof(reply), 20000), sizeof(reply));
	assert_int_equal(reply, HV_S_OK);
	target = path_join(dest, "report.txt");
	content = read_whole_file(target, NULL);
	assert_non_null(content);
	assert_string_equal(content, "hello");
	close(dev);
	stop(&h);
	free(content);
	free(target);
	remove_tree(dest);
	free(dest);
}

static struct hv_shutdown_msg shutdown_msg(unsigned int op, uint32_t seq, uint32_t flags,
					   uint32_t status)
{
	struct hv_shutdown_msg m;

	memset(&m, 0, sizeof(m));
	m.magic = htole32(HV_SHUTDOWN_MAGIC);
	m.version = htole16(1);
	m.op = htole16((uint16_t)op);
	m.seq = htole32(seq);
	m.flags = htole32(flags);
	m.status = htole32(status);
	return m;
}

static void test_shutdown_binary_exec_fallback(void **state)
{
	struct hv_shutdown_msg m;
	struct harness h;
	char text[2048], *scratch = make_temp_dir(), *script, *args, *out;
	int dev;

	(void)state;
	script = path_join(scratch, "fake-shutdown");
	args = path_join(scratch, "args");
	snprintf(text, sizeof(text), "#!/bin/sh\necho \"$@\" > %s\n", args);
	write_text_file(script, text);
	chmod(script, 0755);
	snprintf(text, sizeof(text), "method = exec\nshutdown_command = %s\nhook_dir =\n", script);
	start(&h, "hv_shutdown_daemon", text);
	dev = accept_device(&h);
	assert_int_equal(fake_recv(dev, &m, sizeof(m), 20000), sizeof(m));
	assert_int_equal(le16toh(m.op), HV_SHUTDOWN_OP_REGISTER);
	m = shutdown_msg(HV_SHUTDOWN_OP_REGISTER_ACK, 0, 0, HV_SHUTDOWN_S_OK);
	assert_int_equal(send(dev, &m, sizeof(m), 0), sizeof(m));
	m = shutdown_msg(HV_SHUTDOWN_OP_REQUEST, 41, HV_SHUTDOWN_F_REBOOT, 0);
	assert_int_equal(send(dev, &m, sizeof(m), 0), sizeof(m));
	assert_int_equal(fake_recv(dev, &m, sizeof(m), 20000), sizeof(m));
	assert_int_equal(le16toh(m.op), HV_SHUTDOWN_OP_REPLY);
	assert_int_equal(le32toh(m.seq), 41);
	assert_int_equal(le32toh(m.status), HV_SHUTDOWN_S_OK);
	out = read_whole_file(args, NULL);
	assert_non_null(out);
	assert_string_equal(out, "-r now\n");
	close(dev);
	stop(&h);
	free(out);
	free(script);
	free(args);
	remove_tree(scratch);
	free(scratch);
}

/*
 * The VSS program with an empty mount table (nothing on the build machine
 * is frozen): handshake, hooks around FREEZE/THAW, clean exit on SIGTERM.
 */
static void test_vss_binary_cycle(void **state)
{
	struct harness h;
	struct hv_vss_msg msg;
	char text[2048], *scratch = make_temp_dir(), *hooks, *hook, *log, *mounts, *out;
	uint32_t version = 1;
	int dev, status;

	(void)state;
	hooks = path_join(scratch, "hooks");
	mkdir(hooks, 0755);
	hook = path_join(hooks, "10-record");
	log = path_join(scratch, "hook.log");
	mounts = path_join(scratch, "mounts");
	write_text_file(mounts, "tmpfs /tmp tmpfs rw 0 0\n");
	snprintf(text, sizeof(text), "#!/bin/sh\necho \"$1\" >> %s\n", log);
	write_text_file(hook, text);
	chmod(hook, 0755);
	snprintf(text, sizeof(text), "mounts = %s\nhook_dir = %s\nhook_timeout = 5\n", mounts, hooks);
	start(&h, "hv_vss_daemon", text);
	dev = accept_device(&h);
	assert_int_equal(fake_recv(dev, &msg, sizeof(msg), 20000), sizeof(msg));
	assert_int_equal(msg.vss_hdr.operation, VSS_OP_REGISTER1);
	assert_int_equal(send(dev, &version, sizeof(version), 0), sizeof(version));
	memset(&msg, 0, sizeof(msg));
	msg.vss_hdr.operation = VSS_OP_FREEZE;
	assert_int_equal(send(dev, &msg, sizeof(msg), 0), sizeof(msg));
	assert_int_equal(fake_recv(dev, &msg, sizeof(msg), 20000), sizeof(msg));
	assert_int_equal(msg.error, HV_S_OK);
	memset(&msg, 0, sizeof(msg));
	msg.vss_hdr.operation = VSS_OP_THAW;
	assert_int_equal(send(dev, &msg, sizeof(msg), 0), sizeof(msg));
	assert_int_equal(fake_recv(dev, &msg, sizeof(msg), 20000), sizeof(msg));
	assert_int_equal(msg.error, HV_S_OK);
	/* Post-thaw hooks run after the reply; give them a moment. */
	for (int i = 0; i < 200 && file_size(log) < 12; i++)
		usleep(10000);
	out = read_whole_file(log, NULL);
	assert_non_null(out);
	assert_string_equal(out, "freeze\nthaw\n");
	kill(h.pid, SIGTERM);
	assert_int_equal(waitpid(h.pid, &status, 0), h.pid);
	h.pid = -1;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(dev);
	stop(&h);
	free(out);
	free(hooks);
	free(hook);
	free(log);
	free(mounts);
	remove_tree(scratch);
	free(scratch);
}

static void test_shutdown_binary_stops_on_version_refusal(void **state)
{
	struct hv_shutdown_msg m;
	struct harness h;
	int dev, status;

	(void)state;
	start(&h, "hv_shutdown_daemon", "hook_dir =\n");
	dev = accept_device(&h);
	assert_int_equal(fake_recv(dev, &m, sizeof(m), 20000), sizeof(m));
	m = shutdown_msg(HV_SHUTDOWN_OP_REGISTER_ACK, 0, 0, HV_SHUTDOWN_S_VERSION);
	assert_int_equal(send(dev, &m, sizeof(m), 0), sizeof(m));
	/* It exits on its own, without reopening the device. */
	assert_int_equal(waitpid(h.pid, &status, 0), h.pid);
	h.pid = -1;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	close(dev);
	stop(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kvp_reopens_after_device_loss),
		cmocka_unit_test(test_fcopy_binary_receives_file),
		cmocka_unit_test(test_shutdown_binary_exec_fallback),
		cmocka_unit_test(test_shutdown_binary_stops_on_version_refusal),
		cmocka_unit_test(test_vss_binary_cycle),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("binaries", tests, NULL, NULL);
}
