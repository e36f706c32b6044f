// SPDX-License-Identifier: GPL-2.0-only
/* Shared building blocks: config reader, string checks, log hold, hooks, device I/O. */
#include "fake_device.h"

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/config.h"
#include "common/daemon.h"
#include "common/device.h"
#include "common/hooks.h"
#include "common/log.h"
#include "common/strutil.h"

struct kv_seen {
	char keys[8][32];
	char values[8][64];
	int n;
};

static int record_kv(void *ctx, const char *key, const char *value)
{
	struct kv_seen *s = ctx;

	if (s->n == 8 || !strcmp(key, "reject"))
		return -1;
	snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", key);
	snprintf(s->values[s->n], sizeof(s->values[0]), "%s", value);
	s->n++;
	return 0;
}

static void test_config_trimming_and_comments(void **state)
{
	char text[] = "  # comment\n\n  a =  1  \nb=two words\r\nc = x = y\n";
	struct kv_seen s = { .n = 0 };

	(void)state;
	assert_int_equal(config_parse_text("t", text, record_kv, &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.keys[0], "a");
	assert_string_equal(s.values[0], "1");
	assert_string_equal(s.values[1], "two words");
	assert_string_equal(s.keys[2], "c");
	assert_string_equal(s.values[2], "x = y");
}

static void test_config_errors(void **state)
{
	char no_eq[] = "key\n", empty_key[] = " = v\n", rejected[] = "reject = 1\n";
	struct kv_seen s = { .n = 0 };
	char *dir = make_temp_dir(), *path = path_join(dir, "c.conf");
	FILE *fp;

	(void)state;
	assert_int_equal(config_parse_text("t", no_eq, record_kv, &s), -1);
	assert_int_equal(config_parse_text("t", empty_key, record_kv, &s), -1);
	assert_int_equal(config_parse_text("t", rejected, record_kv, &s), -1);
	fp = fopen(path, "w");
	fwrite("a = 1\0b = 2\n", 1, 12, fp);
	fclose(fp);
	assert_int_equal(config_parse_file(path, false, record_kv, &s), -1);
	remove_tree(dir);
	free(path);
	free(dir);
}

static void test_config_value_helpers(void **state)
{
	unsigned int u = 0;
	bool b = false;
	char small[4];

	(void)state;
	assert_int_equal(config_set_uint(&u, "42", 100), 0);
	assert_int_equal(u, 42);
	assert_int_equal(config_set_uint(&u, "101", 100), -1);
	assert_int_equal(config_set_uint(&u, "-1", 100), -1);
	assert_int_equal(config_set_uint(&u, "4x", 100), -1);
	assert_int_equal(config_set_uint(&u, "99999999999999999999", 100), -1);
	assert_int_equal(config_set_bool(&b, "yes"), 0);
	assert_true(b);
	assert_int_equal(config_set_bool(&b, "0"), 0);
	assert_false(b);
	assert_int_equal(config_set_bool(&b, "maybe"), -1);
	assert_int_equal(config_set_string(small, sizeof(small), "abc"), 0);
	assert_int_equal(config_set_string(small, sizeof(small), "abcd"), -1);
}

static void test_strings(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(str_bounded_len("abc\0def", 7), 3);
	assert_int_equal(str_bounded_len("abcdefg", 7), -1);
	assert_int_equal(str_bounded_len("", 1), 0);
	str_sanitize_ascii(out, sizeof(out), "a\tb\x80long-string");
	assert_string_equal(out, "a_b_lon");
	assert_int_equal(str_format(out, sizeof(out), "%s", "1234567"), 0);
	assert_int_equal(str_format(out, sizeof(out), "%s", "12345678"), -1);
}

static void test_pattern_list(void **state)
{
	struct pattern_list l;
	char many[PATTERN_TEXT_MAX];
	int i;

	(void)state;
	assert_int_equal(pattern_list_set(&l, "veth*, docker* ,eth[01]"), 0);
	assert_int_equal(l.count, 3);
	assert_true(pattern_list_match(&l, "veth9"));
	assert_true(pattern_list_match(&l, "eth1"));
	assert_false(pattern_list_match(&l, "eth2"));
	assert_int_equal(pattern_list_set(&l, ""), 0);
	assert_false(pattern_list_match(&l, "anything"));
	many[0] = '\0';
	for (i = 0; i < PATTERN_LIST_MAX + 1; i++)
		strcat(many, "a ");
	assert_int_equal(pattern_list_set(&l, many), -1);
	memset(many, 'x', sizeof(many) - 1);
	many[sizeof(many) - 1] = '\0';
	assert_int_equal(pattern_list_set(&l, many), 0); /* 511 bytes fit */
	{
		char longer[PATTERN_TEXT_MAX + 1];

		memset(longer, 'x', sizeof(longer) - 1);
		longer[sizeof(longer) - 1] = '\0';
		assert_int_equal(pattern_list_set(&l, longer), -1);
	}
}

static void test_log_hold_overflow(void **state)
{
	int i;

	(void)state;
	log_init("test", LOG_TARGET_NONE);
	log_hold();
	for (i = 0; i < 200; i++)
		log_msg(LOG_INFO, "message %d", i);
	assert_int_equal(log_held_count(), 64);
	log_release();
	assert_int_equal(log_held_count(), 0);
}

static void test_hook_eligibility(void **state)
{
	char *dir = make_temp_dir(), *p;
	struct hook_result r;
	static const char *const names[] = { "ok", ".hidden", "backup~", "x.dpkg-new", "y.rpmsave" };
	unsigned int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		p = path_join(dir, names[i]);
		write_text_file(p, "#!/bin/sh\nexit 0\n");
		chmod(p, 0755);
		free(p);
	}
	p = path_join(dir, "subdir");
	mkdir(p, 0755);
	free(p);
	hooks_run(dir, "x", 1000, false, false, &r);
	assert_int_equal(r.run, 1);
	assert_int_equal(r.failed, 0);
	assert_int_equal(r.skipped, 5);
	remove_tree(dir);
	free(dir);
}

static void test_device_helpers(void **state)
{
	int sv[2];
	char buf[16];

	(void)state;
	log_init("test", LOG_TARGET_NONE);
	assert_int_equal(fake_device_pair(sv), 0);
	assert_int_equal(device_write(sv[1], "hello", 5), 0);
	assert_int_equal(device_read(sv[0], buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	close(sv[1]);
	assert_int_equal(device_read(sv[0], buf, sizeof(buf)), 0);
	assert_int_equal(device_write(sv[0], "x", 1), -1);
	close(sv[0]);
	assert_int_equal(device_open("/nonexistent/device"), -1);
}

static void test_daemon_args(void **state)
{
	struct daemon_options o;
	char *a1[] = { "d", "-n", NULL };
	char *a2[] = { "d", "--config", "/x.conf", NULL };
	char *a3[] = { "d", "extra", NULL };

	(void)state;
	assert_int_equal(daemon_parse_args(2, a1, "/def", &o), 0);
	assert_true(o.foreground);
	assert_string_equal(o.config, "/def");
	assert_false(o.config_given);
	assert_int_equal(daemon_parse_args(3, a2, "/def", &o), 0);
	assert_false(o.foreground);
	assert_string_equal(o.config, "/x.conf");
	assert_true(o.config_given);
	assert_int_equal(daemon_parse_args(2, a3, "/def", &o), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_trimming_and_comments),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_config_value_helpers),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_pattern_list),
		cmocka_unit_test(test_log_hold_overflow),
		cmocka_unit_test(test_hook_eligibility),
		cmocka_unit_test(test_device_helpers),
		cmocka_unit_test(test_daemon_args),
	};

	log_init("test", LOG_TARGET_NONE);
	return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
