// SPDX-License-Identifier: GPL-2.0-only
/*
 * VSS daemon unit tests. The freeze/thaw calls are replaced by a recorder,
 * so nothing on the build machine is ever frozen.
 */
#include "fake_device.h"

#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "common/config.h"
#include "common/hooks.h"
#include "common/log.h"
#include "vss/vss_daemon.h"

#define MOUNTS \
	"sysfs /sys sysfs rw,nosuid 0 0\n" \
	"/dev/sda1 / ext4 rw,relatime 0 0\n" \
	"/dev/sda2 /home xfs rw,relatime 0 0\n" \
	"/dev/sdb1 /boot/efi vfat rw 0 0\n" \
	"/dev/sdc1 /mnt/ro ext4 ro,relatime 0 0\n" \
	"/dev/loop0 /snap/core squashfs rw 0 0\n" \
	"tmpfs /tmp tmpfs rw 0 0\n" \
	"/dev/mapper/vg-data /srv/with\\040space ext4 rw 0 0\n" \
	"/dev/sdd1 /var/lib/docker ext4 rw,noatime 0 0\n" \
	"overlay /var/lib/docker/overlay2/x/merged overlay rw 0 0\n" \
	"/dev/sda2 /home/bind xfs rw,relatime 0 0\n"

struct recorder {
	char calls[64][300];
	unsigned int count;
	const char *fail_freeze_on; /* mount point whose freeze fails */
	int fail_errno;
	const char *busy_on;        /* freeze returns EBUSY here */
	bool log_held_during_freeze; /* every freeze call saw the log held */
	bool thaw_einval;
};

struct fixture {
	char *dir;
	int sv[2];
	struct recorder rec;
	struct vss_daemon d;
	long long now;
};

static struct fixture *current;

static int rec_freeze(void *ctx, const char *mp)
{
	struct recorder *r = ctx;

	snprintf(r->calls[r->count++], sizeof(r->calls[0]), "freeze %s", mp);
	if (!log_is_held())
		r->log_held_during_freeze = false;
	if (r->busy_on && !strcmp(mp, r->busy_on))
		return EBUSY;
	if (r->fail_freeze_on && !strcmp(mp, r->fail_freeze_on))
		return r->fail_errno;
	return 0;
}

static int rec_thaw(void *ctx, const char *mp)
{
	struct recorder *r = ctx;

	snprintf(r->calls[r->count++], sizeof(r->calls[0]), "thaw %s", mp);
	return r->thaw_einval ? EINVAL : 0;
}

static long long fake_clock(void)
{
	return current->now;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *p;

	log_init("test", LOG_TARGET_NONE);
	current = f;
	f->dir = make_temp_dir();
	assert_int_equal(fake_device_pair(f->sv), 0);
	vss_config_defaults(&f->d.cfg);
	p = path_join(f->dir, "mounts");
	write_text_file(p, MOUNTS);
	strcpy(f->d.cfg.mounts, p);
	free(p);
	p = path_join(f->dir, "hooks");
	mkdir(p, 0755);
	strcpy(f->d.cfg.hook_dir, p);
	free(p);
	f->d.cfg.hook_timeout_ms = 2000;
	f->rec.log_held_during_freeze = true;
	f->d.ops.freeze = rec_freeze;
	f->d.ops.thaw = rec_thaw;
	f->d.ops.ctx = &f->rec;
	f->d.clock_ms = fake_clock;
	f->now = 1000;
	vss_daemon_init(&f->d);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (log_is_held())
		log_release();
	close(f->sv[0]);
	if (f->sv[1] >= 0)
		close(f->sv[1]);
	remove_tree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void handshake(struct fixture *f)
{
	struct hv_vss_msg msg;
	uint32_t version = 1;

	assert_int_equal(vss_send_register(&f->d, f->sv[0]), 0);
	assert_int_equal(fake_recv(f->sv[1], &msg, sizeof(msg), 1000), sizeof(msg));
	assert_int_equal(msg.vss_hdr.operation, VSS_OP_REGISTER1);
	assert_int_equal(send(f->sv[1], &version, sizeof(version), 0), sizeof(version));
	assert_int_equal(vss_serve_one(&f->d, f->sv[0], NULL), 0);
	assert_true(f->d.registered);
	assert_int_equal(fake_recv(f->sv[1], &msg, sizeof(msg), 50), -1);
}

static uint32_t request(struct fixture *f, unsigned int op)
{
	struct hv_vss_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.vss_hdr.operation = (uint8_t)op;
	assert_int_equal(send(f->sv[1], &msg, sizeof(msg), 0), sizeof(msg));
	assert_int_equal(vss_serve_one(&f->d, f->sv[0], NULL), 0);
	assert_int_equal(fake_recv(f->sv[1], &msg, sizeof(msg), 1000), sizeof(msg));
	return (uint32_t)msg.error;
}

static void assert_calls(struct recorder *r, const char *const *expected, unsigned int n)
{
	unsigned int i;

	assert_int_equal(r->count, n);
	for (i = 0; i < n; i++)
		assert_string_equal(r->calls[i], expected[i]);
}

static void test_plan_rules_and_order(void **state)
{
	struct fixture *f = *state;
	struct vss_plan plan;

	assert_int_equal(vss_plan_from_mounts(MOUNTS, &f->d.cfg.exclude, &plan), 0);
	assert_int_equal(plan.count, 5);
	assert_string_equal(plan.mount[0].target, "/home");
	assert_string_equal(plan.mount[1].target, "/srv/with space");
	assert_string_equal(plan.mount[2].target, "/var/lib/docker");
	assert_string_equal(plan.mount[3].target, "/home/bind");
	assert_string_equal(plan.mount[4].target, "/"); /* root last */
}

/* Found by fuzz_vss_msg: short lines used to read an uninitialised field. */
static void test_short_mount_lines_skipped(void **state)
{
	struct vss_plan plan;

	(void)state;
	assert_int_equal(vss_plan_from_mounts("\x11\n/dev/sda1\n/dev/sda2 /x\n/dev/sda3 /y ext4\n"
					      "/dev/sda4 /z ext4 rw 0 0\n", NULL, &plan), 0);
	assert_int_equal(plan.count, 1);
	assert_string_equal(plan.mount[0].target, "/z");
}

static void test_exclude_list(void **state)
{
	struct fixture *f = *state;
	struct vss_plan plan;

	assert_int_equal(vss_config_set(&f->d.cfg, "exclude_mounts", "/var/lib/docker* /srv/*"), 0);
	assert_int_equal(vss_config_set(&f->d.cfg, "exclude_fstypes", "xfs"), 0);
	assert_int_equal(vss_plan_from_mounts(MOUNTS, &f->d.cfg.exclude, &plan), 0);
	assert_int_equal(plan.count, 1);
	assert_string_equal(plan.mount[0].target, "/");
}

static void test_freeze_thaw_sequence(void **state)
{
	struct fixture *f = *state;
	static const char *const expected[] = {
		"freeze /home", "freeze /srv/with space", "freeze /var/lib/docker",
		"freeze /home/bind", "freeze /",
		"thaw /home", "thaw /srv/with space", "thaw /var/lib/docker",
		"thaw /home/bind", "thaw /",
	};

	handshake(f);
	assert_int_equal(request(f, VSS_OP_FREEZE), HV_S_OK);
	assert_true(f->d.frozen);
	assert_true(log_is_held());
	assert_int_equal(request(f, VSS_OP_THAW), HV_S_OK);
	assert_false(f->d.frozen);
	assert_false(log_is_held());
	assert_calls(&f->rec, expected, 10);
	assert_true(f->rec.log_held_during_freeze);
}

static void test_ebusy_freeze_einval_thaw_are_success(void **state)
{
	struct fixture *f = *state;

	f->rec.busy_on = "/home/bind";
	f->rec.thaw_einval = true;
	handshake(f);
	assert_int_equal(request(f, VSS_OP_FREEZE), HV_S_OK);
	assert_int_equal(request(f, VSS_OP_THAW), HV_S_OK);
}

static void test_freeze_failure_thaws_everything(void **state)
{
	struct fixture *f = *state;
	static const char *const expected[] = {
		"freeze /home", "freeze /srv/with space", "freeze /var/lib/docker",
		"thaw /home", "thaw /srv/with space", "thaw /var/lib/docker",
		"thaw /home/bind", "thaw /",
	};

	f->rec.fail_freeze_on = "/var/lib/docker";
	f->rec.fail_errno = EOPNOTSUPP;
	handshake(f);
	assert_int_equal(request(f, VSS_OP_FREEZE), HV_E_FAIL);
	assert_false(f->d.frozen);
	assert_false(log_is_held());
	assert_calls(&f->rec, expected, 8);
}

static void test_watchdog_thaws(void **state)
{
	struct fixture *f = *state;
	struct hv_vss_msg msg;

	f->d.cfg.watchdog_s = 5;
	handshake(f);
	assert_int_equal(request(f, VSS_OP_FREEZE), HV_S_OK);
	assert_int_equal(vss_watchdog_timeout_ms(&f->d), 5000);
	f->now += 4000;
	assert_int_equal(vss_watchdog_timeout_ms(&f->d), 1000);
	f->now += 1001; /* the host never sends THAW */
	memset(&msg, 0, sizeof(msg));
	msg.vss_hdr.operation = VSS_OP_HOT_BACKUP;
	assert_int_equal(send(f->sv[1], &msg, sizeof(msg), 0), sizeof(msg));
	/* serve_one first notices the expired watchdog (timeout 0), thaws, then serves. */
	assert_int_equal(vss_serve_one(&f->d, f->sv[0], NULL), 0);
	assert_false(f->d.frozen);
	assert_false(log_is_held());
	assert_string_equal(f->rec.calls[f->rec.count - 1], "thaw /");
}

static void test_reply_failure_thaws(void **state)
{
	struct fixture *f = *state;
	struct hv_vss_msg msg;

	handshake(f);
	memset(&msg, 0, sizeof(msg));
	msg.vss_hdr.operation = VSS_OP_FREEZE;
	assert_int_equal(send(f->sv[1], &msg, sizeof(msg), 0), sizeof(msg));
	close(f->sv[1]); /* the kernel timed out and went away */
	f->sv[1] = -1;
	assert_int_equal(vss_serve_one(&f->d, f->sv[0], NULL), -1);
	assert_false(f->d.frozen);
	assert_string_equal(f->rec.calls[f->rec.count - 1], "thaw /");
}

static void test_unknown_op_and_bad_size(void **state)
{
	struct fixture *f = *state;
	char junk[3] = { 5, 0, 0 };

	handshake(f);
	assert_int_equal(request(f, 77), HV_ERROR_NOT_SUPPORTED);
	assert_int_equal(request(f, VSS_OP_HOT_BACKUP), HV_S_OK);
	assert_int_equal(f->rec.count, 0);
	assert_int_equal(send(f->sv[1], junk, sizeof(junk), 0), sizeof(junk));
	assert_int_equal(vss_serve_one(&f->d, f->sv[0], NULL), -1);
	assert_int_equal(f->rec.count, 0);
}

static void test_bad_handshake_reply(void **state)
{
	struct fixture *f = *state;
	struct hv_vss_msg msg;

	assert_int_equal(vss_send_register(&f->d, f->sv[0]), 0);
	assert_int_equal(fake_recv(f->sv[1], &msg, sizeof(msg), 1000), sizeof(msg));
	memset(&msg, 0, sizeof(msg));
	assert_int_equal(send(f->sv[1], &msg, sizeof(msg), 0), sizeof(msg));
	assert_int_equal(vss_serve_one(&f->d, f->sv[0], NULL), -1);
	assert_false(f->d.registered);
}

static void test_large_freeze_message_accepted_size_checked(void **state)
{
	struct fixture *f = *state;
	unsigned char big[6260];

	/* The kernel forwards only sizeof(hv_vss_msg); anything else is malformed. */
	handshake(f);
	memset(big, 0, sizeof(big));
	big[0] = VSS_OP_FREEZE;
	assert_int_equal(send(f->sv[1], big, sizeof(big), 0), sizeof(big));
	assert_int_equal(vss_serve_one(&f->d, f->sv[0], NULL), -1);
	assert_int_equal(f->rec.count, 0);
}

static void write_hook(struct fixture *f, const char *name, const char *body, mode_t mode)
{
	char *p = path_join(f->d.cfg.hook_dir, name);

	write_text_file(p, body);
	chmod(p, mode);
	free(p);
}

static void test_hooks_order_and_arguments(void **state)
{
	struct fixture *f = *state;
	char *log = path_join(f->dir, "hook.log"), script[600], *text;

	snprintf(script, sizeof(script), "#!/bin/sh\necho \"$(basename \"$0\") $1\" >> %s\n", log);
	write_hook(f, "10-db", script, 0755);
	write_hook(f, "20-app", script, 0755);
	write_hook(f, "30-disabled", script, 0644);    /* not executable */
	write_hook(f, "40-unsafe", script, 0777);      /* world-writable */
	write_hook(f, "50-old.dpkg-old", script, 0755); /* package leftover */
	handshake(f);
	assert_int_equal(request(f, VSS_OP_FREEZE), HV_S_OK);
	assert_int_equal(request(f, VSS_OP_THAW), HV_S_OK);
	text = read_whole_file(log, NULL);
	assert_non_null(text);
	assert_string_equal(text, "10-db freeze\n20-app freeze\n20-app thaw\n10-db thaw\n");
	free(text);
	free(log);
}

static void test_failing_hook_policy_fail(void **state)
{
	struct fixture *f = *state;
	char *log = path_join(f->dir, "hook.log"), script[600], *text;

	snprintf(script, sizeof(script), "#!/bin/sh\necho \"$1\" >> %s\n[ \"$1\" != freeze ]\n", log);
	write_hook(f, "10-fails", script, 0755);
	handshake(f);
	assert_int_equal(request(f, VSS_OP_FREEZE), HV_E_FAIL);
	assert_int_equal(f->rec.count, 0); /* nothing was frozen */
	text = read_whole_file(log, NULL);
	assert_string_equal(text, "freeze\nfreezefail\n");
	free(text);
	free(log);
}

static void test_failing_hook_policy_ignore(void **state)
{
	struct fixture *f = *state;

	write_hook(f, "10-fails", "#!/bin/sh\nexit 3\n", 0755);
	assert_int_equal(vss_config_set(&f->d.cfg, "hook_failure", "ignore"), 0);
	handshake(f);
	assert_int_equal(request(f, VSS_OP_FREEZE), HV_S_OK);
	assert_true(f->d.frozen);
	assert_int_equal(request(f, VSS_OP_THAW), HV_S_OK);
}

static void test_hook_timeout_kills(void **state)
{
	struct fixture *f = *state;
	struct hook_result res;
	struct timespec a, b;

	write_hook(f, "10-hangs", "#!/bin/sh\nsleep 30\n", 0755);
	clock_gettime(CLOCK_MONOTONIC, &a);
	hooks_run(f->d.cfg.hook_dir, "freeze", 300, false, true, &res);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_int_equal(res.run, 1);
	assert_int_equal(res.failed, 1);
	assert_true(b.tv_sec - a.tv_sec < 5);
}

static void test_missing_hook_dir_is_fine(void **state)
{
	struct hook_result res;

	(void)state;
	hooks_run("/nonexistent/hooks.d", "freeze", 100, false, true, &res);
	assert_int_equal(res.run, 0);
	assert_int_equal(res.failed, 0);
}

static void test_log_hold_buffers(void **state)
{
	(void)state;
	log_hold();
	log_msg(LOG_INFO, "one");
	log_msg(LOG_INFO, "two");
	assert_int_equal(log_held_count(), 2);
	log_release();
	assert_int_equal(log_held_count(), 0);
	assert_false(log_is_held());
}

static void test_config_values(void **state)
{
	struct vss_config cfg;

	(void)state;
	vss_config_defaults(&cfg);
	assert_string_equal(cfg.device, "/dev/vmbus/hv_vss");
	assert_int_equal(cfg.watchdog_s, 600);
	assert_int_equal(vss_config_set(&cfg, "watchdog", "1"), -1);
	assert_int_equal(vss_config_set(&cfg, "watchdog", "60"), 0);
	assert_int_equal(vss_config_set(&cfg, "hook_timeout", "0"), -1);
	assert_int_equal(vss_config_set(&cfg, "hook_failure", "maybe"), -1);
	assert_int_equal(vss_config_set(&cfg, "hook_dir", "relative"), -1);
	assert_int_equal(vss_config_set(&cfg, "nonsense", "1"), -1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_plan_rules_and_order),
		T(test_short_mount_lines_skipped),
		T(test_exclude_list),
		T(test_freeze_thaw_sequence),
		T(test_ebusy_freeze_einval_thaw_are_success),
		T(test_freeze_failure_thaws_everything),
		T(test_watchdog_thaws),
		T(test_reply_failure_thaws),
		T(test_unknown_op_and_bad_size),
		T(test_bad_handshake_reply),
		T(test_large_freeze_message_accepted_size_checked),
		T(test_hooks_order_and_arguments),
		T(test_failing_hook_policy_fail),
		T(test_failing_hook_policy_ignore),
		T(test_hook_timeout_kills),
		T(test_missing_hook_dir_is_fine),
		T(test_log_hold_buffers),
		T(test_config_values),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("vss", tests, NULL, NULL);
}
