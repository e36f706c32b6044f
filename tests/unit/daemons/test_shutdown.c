// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shutdown daemon unit tests: the protocol over a fake /dev/vmbus/hv_shutdown,
 * the logind client against a fake logind on a private peer-to-peer bus,
 * and the shutdown(8) fallback against a stand-in script.
 */
#include "fake_device.h"

#include <endian.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <cmocka.h>

#include "common/log.h"
#include "shutdown/shutdown_daemon.h"
#include "fake_bus.h"

/* ---- injected power ops ---- */

struct power_calls {
	int logind_calls, fallback_calls;
	enum shutdown_action last_action;
	bool last_force;
	unsigned int last_wait;
	int logind_result, fallback_result;
	char *order_log; /* appended to, to check hooks run first */
};

static void note(struct power_calls *c, const char *what)
{
	FILE *fp;

	if (!c->order_log)
		return;
	fp = fopen(c->order_log, "a");
	fprintf(fp, "%s\n", what);
	fclose(fp);
}

static int fake_logind(void *ctx, enum shutdown_action a, bool force, unsigned int wait)
{
	struct power_calls *c = ctx;

	c->logind_calls++;
	c->last_action = a;
	c->last_force = force;
	c->last_wait = wait;
	note(c, "logind");
	return c->logind_result;
}

static int fake_fallback(void *ctx, enum shutdown_action a, bool force)
{
	struct power_calls *c = ctx;

	c->fallback_calls++;
	c->last_action = a;
	c->last_force = force;
	note(c, "fallback");
	return c->fallback_result;
}

struct fixture {
	char *dir;
	int sv[2];
	struct power_calls calls;
	struct shutdown_daemon d;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *hooks;

	log_init("test", LOG_TARGET_NONE);
	f->dir = make_temp_dir();
	assert_int_equal(fake_device_pair(f->sv), 0);
	shutdown_config_defaults(&f->d.cfg);
	hooks = path_join(f->dir, "hooks");
	mkdir(hooks, 0755);
	strcpy(f->d.cfg.hook_dir, hooks);
	free(hooks);
	f->d.ops.logind = fake_logind;
	f->d.ops.fallback = fake_fallback;
	f->d.ops.ctx = &f->calls;
	shutdown_daemon_init(&f->d);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->sv[0]);
	if (f->sv[1] >= 0)
		close(f->sv[1]);
	remove_tree(f->dir);
	free(f->calls.order_log);
	free(f->dir);
	free(f);
	return 0;
}

static struct hv_shutdown_msg make_msg(unsigned int op, unsigned int version, uint32_t seq,
				       uint32_t flags, uint32_t status)
{
	struct hv_shutdown_msg m;

	memset(&m, 0, sizeof(m));
	m.magic = htole32(HV_SHUTDOWN_MAGIC);
	m.op = htole16((uint16_t)op);
	m.version = htole16((uint16_t)version);
	m.seq = htole32(seq);
	m.flags = htole32(flags);
	m.status = htole32(status);
	return m;
}

static void handshake(struct fixture *f)
{
	struct hv_shutdown_msg m;

	assert_int_equal(shutdown_send_register(&f->d, f->sv[0]), 0);
	assert_int_equal(fake_recv(f->sv[1], &m, sizeof(m), 1000), sizeof(m));
	assert_int_equal(le32toh(m.magic), HV_SHUTDOWN_MAGIC);
	assert_int_equal(le16toh(m.op), HV_SHUTDOWN_OP_REGISTER);
	assert_int_equal(le16toh(m.version), HV_SHUTDOWN_VERSION_CURRENT);
	assert_int_equal(le16toh(m.min_version), HV_SHUTDOWN_VERSION_1);
	m = make_msg(HV_SHUTDOWN_OP_REGISTER_ACK, 1, 0, 0, HV_SHUTDOWN_S_OK);
	assert_int_equal(send(f->sv[1], &m, sizeof(m), 0), sizeof(m));
	assert_int_equal(shutdown_serve_one(&f->d, f->sv[0]), 0);
	assert_true(f->d.registered);
	assert_int_equal(f->d.version, 1);
}

/* Send a request; return the reply status (and check the echoed seq). */
static uint32_t request(struct fixture *f, struct hv_shutdown_msg m)
{
	struct hv_shutdown_msg reply;

	assert_int_equal(send(f->sv[1], &m, sizeof(m), 0), sizeof(m));
	assert_int_equal(shutdown_serve_one(&f->d, f->sv[0]), 0);
	assert_int_equal(fake_recv(f->sv[1], &reply, sizeof(reply), 1000), sizeof(reply));
	assert_int_equal(le32toh(reply.magic), HV_SHUTDOWN_MAGIC);
	assert_int_equal(le16toh(reply.op), HV_SHUTDOWN_OP_REPLY);
	assert_int_equal(reply.seq, m.seq);
	return le32toh(reply.status);
}

static uint32_t simple_request(struct fixture *f, uint32_t seq, uint32_t flags)
{
	return request(f, make_msg(HV_SHUTDOWN_OP_REQUEST, 1, seq, flags, 0));
}

static void test_uapi_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct hv_shutdown_msg), 32);
	assert_int_equal(offsetof(struct hv_shutdown_msg, seq), 8);
	assert_int_equal(offsetof(struct hv_shutdown_msg, min_version), 24);
}

static void test_poweroff_via_logind(void **state)
{
	struct fixture *f = *state;

	handshake(f);
	assert_int_equal(simple_request(f, 7, HV_SHUTDOWN_F_POWEROFF), HV_SHUTDOWN_S_OK);
	assert_int_equal(f->calls.logind_calls, 1);
	assert_int_equal(f->calls.fallback_calls, 0);
	assert_int_equal(f->calls.last_action, SHUTDOWN_POWEROFF);
	assert_false(f->calls.last_force);
	assert_int_equal(f->calls.last_wait, 30);
}

static void test_reboot_hibernate_force(void **state)
{
	struct fixture *f = *state;

	handshake(f);
	assert_int_equal(simple_request(f, 1, HV_SHUTDOWN_F_REBOOT), HV_SHUTDOWN_S_OK);
	assert_int_equal(f->calls.last_action, SHUTDOWN_REBOOT);
	assert_int_equal(simple_request(f, 2, HV_SHUTDOWN_F_HIBERNATE | HV_SHUTDOWN_F_FORCE),
			 HV_SHUTDOWN_S_OK);
	assert_int_equal(f->calls.last_action, SHUTDOWN_HIBERNATE);
	assert_true(f->calls.last_force);
	assert_int_equal(f->calls.last_wait, 0);
}

static void test_invalid_requests(void **state)
{
	struct fixture *f = *state;
	struct hv_shutdown_msg m;

	handshake(f);
	assert_int_equal(simple_request(f, 1, 0), HV_SHUTDOWN_S_INVALID);
	assert_int_equal(simple_request(f, 2, HV_SHUTDOWN_F_POWEROFF | HV_SHUTDOWN_F_REBOOT),
			 HV_SHUTDOWN_S_INVALID);
	assert_int_equal(simple_request(f, 3, HV_SHUTDOWN_F_FORCE), HV_SHUTDOWN_S_INVALID);
	assert_int_equal(simple_request(f, 4, HV_SHUTDOWN_F_POWEROFF | 0x100), HV_SHUTDOWN_S_INVALID);
	m = make_msg(HV_SHUTDOWN_OP_REQUEST, 1, 5, HV_SHUTDOWN_F_POWEROFF, 0);
	m.reserved[3] = 1;
	assert_int_equal(request(f, m), HV_SHUTDOWN_S_INVALID);
	m = make_msg(HV_SHUTDOWN_OP_REQUEST, 2, 6, HV_SHUTDOWN_F_POWEROFF, 0);
	assert_int_equal(request(f, m), HV_SHUTDOWN_S_INVALID);
	m = make_msg(99, 1, 7, HV_SHUTDOWN_F_POWEROFF, 0);
	assert_int_equal(request(f, m), HV_SHUTDOWN_S_INVALID);
	assert_int_equal(f->calls.logind_calls + f->calls.fallback_calls, 0);
}

static void test_malformed_messages(void **state)
{
	struct fixture *f = *state;
	struct hv_shutdown_msg m;
	char small[16] = { 0 };

	handshake(f);
	assert_int_equal(send(f->sv[1], small, sizeof(small), 0), sizeof(small));
	assert_int_equal(shutdown_serve_one(&f->d, f->sv[0]), -1);
	m = make_msg(HV_SHUTDOWN_OP_REQUEST, 1, 1, HV_SHUTDOWN_F_POWEROFF, 0);
	m.magic = 0;
	assert_int_equal(send(f->sv[1], &m, sizeof(m), 0), sizeof(m));
	assert_int_equal(shutdown_serve_one(&f->d, f->sv[0]), -1);
	close(f->sv[1]);
	f->sv[1] = -1;
	assert_int_equal(shutdown_serve_one(&f->d, f->sv[0]), -1);
	assert_int_equal(f->calls.logind_calls, 0);
}

static void test_handshake_refusals(void **state)
{
	struct fixture *f = *state;
	struct hv_shutdown_msg m, sent;

	assert_int_equal(shutdown_send_register(&f->d, f->sv[0]), 0);
	assert_int_equal(fake_recv(f->sv[1], &sent, sizeof(sent), 1000), sizeof(sent));
	/* A request before the ACK is a protocol error. */
	m = make_msg(HV_SHUTDOWN_OP_REQUEST, 1, 1, HV_SHUTDOWN_F_POWEROFF, 0);
	assert_int_equal(send(f->sv[1], &m, sizeof(m), 0), sizeof(m));
	assert_int_equal(shutdown_serve_one(&f->d, f->sv[0]), -1);
	m = make_msg(HV_SHUTDOWN_OP_REGISTER_ACK, 1, 0, 0, HV_SHUTDOWN_S_VERSION);
	assert_int_equal(send(f->sv[1], &m, sizeof(m), 0), sizeof(m));
	assert_int_equal(shutdown_serve_one(&f->d, f->sv[0]), -2);
	m = make_msg(HV_SHUTDOWN_OP_REGISTER_ACK, 9, 0, 0, HV_SHUTDOWN_S_OK);
	assert_int_equal(send(f->sv[1], &m, sizeof(m), 0), sizeof(m));
	assert_int_equal(shutdown_serve_one(&f->d, f->sv[0]), -2);
	assert_false(f->d.registered);
	assert_int_equal(f->calls.logind_calls, 0);
}

static void test_fallback_without_logind(void **state)
{
	struct fixture *f = *state;

	f->calls.logind_result = -EHOSTDOWN;
	handshake(f);
	assert_int_equal(simple_request(f, 1, HV_SHUTDOWN_F_REBOOT), HV_SHUTDOWN_S_OK);
	assert_int_equal(f->calls.logind_calls, 1);
	assert_int_equal(f->calls.fallback_calls, 1);
	assert_int_equal(f->calls.last_action, SHUTDOWN_REBOOT);
}

static void test_method_settings(void **state)
{
	struct fixture *f = *state;

	f->calls.logind_result = -EHOSTDOWN;
	assert_int_equal(shutdown_config_set(&f->d.cfg, "method", "logind"), 0);
	handshake(f);
	assert_int_equal(simple_request(f, 1, HV_SHUTDOWN_F_POWEROFF), HV_SHUTDOWN_S_FAILED);
	assert_int_equal(f->calls.fallback_calls, 0);
	assert_int_equal(shutdown_config_set(&f->d.cfg, "method", "exec"), 0);
	f->calls.logind_calls = 0;
	assert_int_equal(simple_request(f, 2, HV_SHUTDOWN_F_POWEROFF), HV_SHUTDOWN_S_OK);
	assert_int_equal(f->calls.logind_calls, 0);
	assert_int_equal(f->calls.fallback_calls, 1);
}

static void test_failure_statuses(void **state)
{
	struct fixture *f = *state;

	handshake(f);
	f->calls.logind_result = -ENOTSUP;
	assert_int_equal(simple_request(f, 1, HV_SHUTDOWN_F_HIBERNATE), HV_SHUTDOWN_S_UNSUPPORTED);
	f->calls.logind_result = -EACCES;
	assert_int_equal(simple_request(f, 2, HV_SHUTDOWN_F_POWEROFF), HV_SHUTDOWN_S_FAILED);
	assert_int_equal(f->calls.fallback_calls, 0);
}

static void test_hooks_run_first_unless_forced(void **state)
{
	struct fixture *f = *state;
	char *hook = path_join(f->d.cfg.hook_dir, "10-note"), script[700], *text;

	f->calls.order_log = path_join(f->dir, "order.log");
	snprintf(script, sizeof(script), "#!/bin/sh\necho \"hook $1\" >> %s\n", f->calls.order_log);
	write_text_file(hook, script);
	chmod(hook, 0755);
	handshake(f);
	assert_int_equal(simple_request(f, 1, HV_SHUTDOWN_F_POWEROFF), HV_SHUTDOWN_S_OK);
	assert_int_equal(simple_request(f, 2, HV_SHUTDOWN_F_REBOOT | HV_SHUTDOWN_F_FORCE),
			 HV_SHUTDOWN_S_OK);
	text = read_whole_file(f->calls.order_log, NULL);
	assert_string_equal(text, "hook poweroff\nlogind\nlogind\n");
	free(text);
	free(hook);
}

/* ---- shutdown(8) fallback with a stand-in command ---- */

static void test_exec_fallback(void **state)
{
	struct fixture *f = *state;
	struct shutdown_config cfg;
	char *cmd = path_join(f->dir, "fake-shutdown"), *out = path_join(f->dir, "args");
	char *power = path_join(f->dir, "power-state"), script[700], *text;
	int i;

	snprintf(script, sizeof(script), "#!/bin/sh\necho \"$@\" >> %s\n[ \"$1\" != -x ]\n", out);
	write_text_file(cmd, script);
	chmod(cmd, 0755);
	write_text_file(power, "");
	shutdown_config_defaults(&cfg);
	strcpy(cfg.shutdown_command, cmd);
	strcpy(cfg.power_state, power);
	assert_int_equal(shutdown_exec_perform(&cfg, SHUTDOWN_POWEROFF, false), 0);
	assert_int_equal(shutdown_exec_perform(&cfg, SHUTDOWN_REBOOT, true), 0);
	text = read_whole_file(out, NULL);
	assert_string_equal(text, "-P now\n-r now\n");
	free(text);
	assert_int_equal(shutdown_exec_perform(&cfg, SHUTDOWN_HIBERNATE, false), 0);
	for (i = 0; i < 100 && file_size(power) != 4; i++)
		usleep(10000);
	text = read_whole_file(power, NULL);
	assert_string_equal(text, "disk");
	free(text);
	strcpy(cfg.shutdown_command, "/nonexistent/shutdown");
	assert_int_equal(shutdown_exec_perform(&cfg, SHUTDOWN_POWEROFF, false), -ENOENT);
	strcpy(cfg.power_state, "/nonexistent/state");
	assert_int_equal(shutdown_exec_perform(&cfg, SHUTDOWN_HIBERNATE, false), -ENOTSUP);
	free(cmd);
	free(out);
	free(power);
}

/* ---- logind client against a fake logind on a private bus ---- */

struct fake_logind {
	struct fake_bus bus;
	int list_calls;
	int inhibited_lists;     /* ListInhibitors reports an inhibitor this many times */
	const char *inhibit_what;
	const char *can_hibernate;
	char called[32];
	int interactive;
	bool fail_action;
};

static int m_list(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	struct fake_logind *fl = userdata;
	sd_bus_message *reply = NULL;
	int r;

	(void)err;
	fl->list_calls++;
	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "(ssssuu)");
	if (r >= 0 && fl->inhibited_lists != 0) {
		if (fl->inhibited_lists > 0)
			fl->inhibited_lists--;
		r = sd_bus_message_append(reply, "(ssssuu)", fl->inhibit_what, "db", "flushing",
					  "delay", 0, 42);
	}
	if (r >= 0)
		r = sd_bus_message_append(reply, "(ssssuu)", "idle", "screensaver", "x", "block", 1000, 7);
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);
	sd_bus_message_unref(reply);
	return r;
}

static int m_action(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	struct fake_logind *fl = userdata;
	int interactive = -1, r;

	r = sd_bus_message_read(m, "b", &interactive);
	if (r < 0)
		return r;
	fl->interactive = interactive;
	snprintf(fl->called, sizeof(fl->called), "%s", sd_bus_message_get_member(m));
	if (fl->fail_action)
		return sd_bus_error_set(err, "org.freedesktop.login1.OperationInProgress", "busy");
	return sd_bus_reply_method_return(m, "");
}

static int m_can_hibernate(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	struct fake_logind *fl = userdata;

	(void)err;
	return sd_bus_reply_method_return(m, "s", fl->can_hibernate);
}

static const sd_bus_vtable fake_logind_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("ListInhibitors", "", "a(ssssuu)", m_list, 0),
	SD_BUS_METHOD("PowerOff", "b", "", m_action, 0),
	SD_BUS_METHOD("Reboot", "b", "", m_action, 0),
	SD_BUS_METHOD("Hibernate", "b", "", m_action, 0),
	SD_BUS_METHOD("CanHibernate", "", "s", m_can_hibernate, 0),
	SD_BUS_VTABLE_END
};

/* A fake logind on a private bus; returns the client end. */
static sd_bus *start_fake_logind(struct fake_logind *fl)
{
	assert_int_equal(fake_bus_start(&fl->bus, "/org/freedesktop/login1",
					"org.freedesktop.login1.Manager", fake_logind_vtable, fl), 0);
	return fl->bus.client;
}

static void stop_fake_logind(struct fake_logind *fl, sd_bus *client)
{
	(void)client;
	fake_bus_stop(&fl->bus);
}

static void test_logind_poweroff_waits_for_inhibitor(void **state)
{
	struct fake_logind fl = { .inhibited_lists = 2, .inhibit_what = "shutdown:sleep",
				  .can_hibernate = "yes" };
	sd_bus *bus;

	(void)state;
	bus = start_fake_logind(&fl);
	assert_int_equal(shutdown_logind_on_bus(bus, SHUTDOWN_POWEROFF, false, 10, 10), 0);
	stop_fake_logind(&fl, bus);
	assert_int_equal(fl.list_calls, 3);
	assert_string_equal(fl.called, "PowerOff");
	assert_int_equal(fl.interactive, 0);
}

static void test_logind_wait_is_capped(void **state)
{
	struct fake_logind fl = { .inhibited_lists = -1, .inhibit_what = "shutdown",
				  .can_hibernate = "yes" };
	struct timespec a, b;
	sd_bus *bus;
	double secs;

	(void)state;
	bus = start_fake_logind(&fl);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(shutdown_logind_on_bus(bus, SHUTDOWN_REBOOT, false, 1, 50), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	stop_fake_logind(&fl, bus);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	assert_true(secs >= 0.9 && secs < 5.0);
	assert_string_equal(fl.called, "Reboot");
}

static void test_logind_unrelated_inhibitor_and_force(void **state)
{
	struct fake_logind fl = { .inhibited_lists = -1, .inhibit_what = "sleep",
				  .can_hibernate = "yes" };
	sd_bus *bus;

	(void)state;
	bus = start_fake_logind(&fl);
	/* A sleep inhibitor does not hold up a poweroff. */
	assert_int_equal(shutdown_logind_on_bus(bus, SHUTDOWN_POWEROFF, false, 10, 10), 0);
	assert_int_equal(fl.list_calls, 1);
	/* FORCE does not look at inhibitors at all. */
	assert_int_equal(shutdown_logind_on_bus(bus, SHUTDOWN_HIBERNATE, true, 10, 10), 0);
	stop_fake_logind(&fl, bus);
	assert_int_equal(fl.list_calls, 1);
	assert_string_equal(fl.called, "Hibernate");
}

static void test_logind_hibernate_unsupported_and_errors(void **state)
{
	struct fake_logind fl = { .inhibited_lists = 0, .inhibit_what = "sleep",
				  .can_hibernate = "na" };
	sd_bus *bus;

	(void)state;
	bus = start_fake_logind(&fl);
	assert_int_equal(shutdown_logind_on_bus(bus, SHUTDOWN_HIBERNATE, false, 1, 10), -ENOTSUP);
	assert_string_equal(fl.called, "");
	fl.fail_action = true;
	assert_true(shutdown_logind_on_bus(bus, SHUTDOWN_POWEROFF, false, 1, 10) < 0);
	stop_fake_logind(&fl, bus);
	assert_string_equal(fl.called, "PowerOff");
}

static void test_config(void **state)
{
	struct shutdown_config cfg;

	(void)state;
	shutdown_config_defaults(&cfg);
	assert_string_equal(cfg.device, "/dev/vmbus/hv_shutdown");
	assert_int_equal(cfg.max_inhibit_wait_s, 30);
	assert_int_equal(shutdown_config_set(&cfg, "method", "systemctl"), -1);
	assert_int_equal(shutdown_config_set(&cfg, "shutdown_command", "shutdown"), -1);
	assert_int_equal(shutdown_config_set(&cfg, "max_inhibit_wait", "120"), 0);
	assert_int_equal(cfg.max_inhibit_wait_s, 120);
	assert_int_equal(shutdown_config_set(&cfg, "bogus", "1"), -1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_uapi_layout),
		T(test_poweroff_via_logind),
		T(test_reboot_hibernate_force),
		T(test_invalid_requests),
		T(test_malformed_messages),
		T(test_handshake_refusals),
		T(test_fallback_without_logind),
		T(test_method_settings),
		T(test_failure_statuses),
		T(test_hooks_run_first_unless_forced),
		T(test_exec_fallback),
		T(test_logind_poweroff_waits_for_inhibitor),
		T(test_logind_wait_is_capped),
		T(test_logind_unrelated_inhibitor_and_force),
		T(test_logind_hibernate_unsupported_and_errors),
		T(test_config),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("shutdown", tests, NULL, NULL);
}
