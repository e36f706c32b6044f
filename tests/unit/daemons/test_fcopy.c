// SPDX-License-Identifier: GPL-2.0-only
/* fcopy daemon unit tests over a fake /dev/vmbus/hv_fcopy. */
#include "fake_device.h"

#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "common/log.h"
#include "fcopy/fcopy_daemon.h"

struct fixture {
	char *dir;
	char *dest;
	int sv[2];
	struct fcopy_daemon d;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	log_init("test", LOG_TARGET_NONE);
	f->dir = make_temp_dir();
	f->dest = path_join(f->dir, "dest");
	mkdir(f->dest, 0755);
	assert_int_equal(fake_device_pair(f->sv), 0);
	fcopy_config_defaults(&f->d.cfg);
	assert_int_equal(fcopy_config_set(&f->d.cfg, "destinations", f->dest), 0);
	fcopy_daemon_init(&f->d);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fcopy_abort(&f->d);
	close(f->sv[0]);
	if (f->sv[1] >= 0)
		close(f->sv[1]);
	chmod(f->dest, 0755);
	remove_tree(f->dir);
	free(f->dest);
	free(f->dir);
	free(f);
	return 0;
}

static void handshake(struct fixture *f)
{
	uint32_t version = 0x10000;
	int sent;

	assert_int_equal(fcopy_send_register(&f->d, f->sv[0]), 0);
	assert_int_equal(fake_recv(f->sv[1], &sent, sizeof(sent), 1000), sizeof(int));
	assert_int_equal(sent, FCOPY_CURRENT_VERSION);
	assert_int_equal(send(f->sv[1], &version, sizeof(version), 0), sizeof(version));
	assert_int_equal(fcopy_serve_one(&f->d, f->sv[0]), 0);
	assert_true(f->d.registered);
}

static uint32_t transact(struct fixture *f, const void *msg, size_t len)
{
	int status;

	assert_int_equal(send(f->sv[1], msg, len, 0), (ssize_t)len);
	assert_int_equal(fcopy_serve_one(&f->d, f->sv[0]), 0);
	assert_int_equal(fake_recv(f->sv[1], &status, sizeof(status), 1000), sizeof(status));
	return (uint32_t)status;
}

static void fill_start(struct hv_start_fcopy *m, const char *path, const char *name,
		       uint32_t flags, uint64_t size)
{
	memset(m, 0, sizeof(*m));
	m->hdr.operation = START_FILE_COPY;
	memcpy(m->path_name, path, strlen(path) + 1);
	memcpy(m->file_name, name, strlen(name) + 1);
	m->copy_flags = flags;
	m->file_size = size;
}

static uint32_t start(struct fixture *f, const char *path, const char *name, uint32_t flags,
		      uint64_t size)
{
	struct hv_start_fcopy m;

	fill_start(&m, path, name, flags, size);
	return transact(f, &m, sizeof(m));
}

static uint32_t write_data(struct fixture *f, uint64_t offset, const char *data, uint32_t len)
{
	static struct hv_do_fcopy m;

	memset(&m, 0, sizeof(m));
	m.hdr.operation = WRITE_TO_FILE;
	m.offset = offset;
	m.size = len;
	memcpy(m.data, data, len < DATA_FRAGMENT ? len : DATA_FRAGMENT);
	return transact(f, &m, sizeof(m));
}

static uint32_t simple_op(struct fixture *f, uint32_t op)
{
	struct hv_fcopy_hdr h;

	memset(&h, 0, sizeof(h));
	h.operation = op;
	return transact(f, &h, sizeof(h));
}

/* Number of directory entries other than . and .. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_full_copy(void **state)
{
	struct fixture *f = *state;
	char *target = path_join(f->dest, "hello.txt"), *text;
	struct stat st;

	handshake(f);
	assert_int_equal(start(f, f->dest, "hello.txt", 0, 11), HV_S_OK);
	assert_int_equal(write_data(f, 0, "hello ", 6), HV_S_OK);
	/* Nothing under the final name until COMPLETE. */
	assert_int_equal(access(target, F_OK), -1);
	assert_int_equal(entries(f->dest), 1);
	assert_int_equal(write_data(f, 6, "world", 5), HV_S_OK);
	assert_int_equal(simple_op(f, COMPLETE_FCOPY), HV_S_OK);
	text = read_whole_file(target, NULL);
	assert_string_equal(text, "hello world");
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(entries(f->dest), 1);
	free(text);
	free(target);
}

static void test_cancel_leaves_nothing(void **state)
{
	struct fixture *f = *state;

	handshake(f);
	assert_int_equal(start(f, f->dest, "big.bin", 0, 100), HV_S_OK);
	assert_int_equal(write_data(f, 0, "partial", 7), HV_S_OK);
	assert_int_equal(simple_op(f, CANCEL_FCOPY), HV_S_OK);
	assert_int_equal(entries(f->dest), 0);
	assert_int_equal(simple_op(f, COMPLETE_FCOPY), HV_E_FAIL);
}

static void test_device_vanishes_mid_copy(void **state)
{
	struct fixture *f = *state;

	handshake(f);
	assert_int_equal(start(f, f->dest, "x.bin", 0, 100), HV_S_OK);
	assert_int_equal(write_data(f, 0, "abc", 3), HV_S_OK);
	close(f->sv[1]);
	f->sv[1] = -1;
	assert_int_equal(fcopy_serve_one(&f->d, f->sv[0]), -1);
	assert_int_equal(entries(f->dest), 0);
}

static void test_new_start_abandons_previous(void **state)
{
	struct fixture *f = *state;

	handshake(f);
	assert_int_equal(start(f, f->dest, "first", 0, 10), HV_S_OK);
	assert_int_equal(start(f, f->dest, "second", 0, 0), HV_S_OK);
	assert_int_equal(simple_op(f, COMPLETE_FCOPY), HV_S_OK);
	assert_int_equal(entries(f->dest), 1);
	{
		char *p = path_join(f->dest, "second");

		assert_int_equal(file_size(p), 0);
		free(p);
	}
}

static void test_overwrite_flag(void **state)
{
	struct fixture *f = *state;
	char *target = path_join(f->dest, "cfg"), *text;

	write_text_file(target, "old");
	handshake(f);
	assert_int_equal(start(f, f->dest, "cfg", 0, 3), HV_ERROR_ALREADY_EXISTS);
	assert_int_equal(start(f, f->dest, "cfg", OVER_WRITE, 3), HV_S_OK);
	assert_int_equal(write_data(f, 0, "new", 3), HV_S_OK);
	assert_int_equal(simple_op(f, COMPLETE_FCOPY), HV_S_OK);
	text = read_whole_file(target, NULL);
	assert_string_equal(text, "new");
	free(text);
	free(target);
}

static void test_file_appearing_during_copy_not_replaced(void **state)
{
	struct fixture *f = *state;
	char *target = path_join(f->dest, "race"), *text;

	handshake(f);
	assert_int_equal(start(f, f->dest, "race", 0, 1), HV_S_OK);
	write_text_file(target, "theirs");
	assert_int_equal(write_data(f, 0, "x", 1), HV_S_OK);
	assert_int_equal(simple_op(f, COMPLETE_FCOPY), HV_ERROR_ALREADY_EXISTS);
	text = read_whole_file(target, NULL);
	assert_string_equal(text, "theirs");
	assert_int_equal(entries(f->dest), 1);
	free(text);
	free(target);
}

static void test_create_path_flag(void **state)
{
	struct fixture *f = *state;
	char *deep = path_join(f->dest, "a/b/c"), *target;

	handshake(f);
	assert_int_equal(start(f, deep, "f", 0, 0), HV_E_FAIL);
	assert_int_equal(start(f, deep, "f", CREATE_PATH, 0), HV_S_OK);
	assert_int_equal(simple_op(f, COMPLETE_FCOPY), HV_S_OK);
	target = path_join(deep, "f");
	assert_int_equal(access(target, F_OK), 0);
	free(target);
	free(deep);
}

static void test_traversal_refused(void **state)
{
	struct fixture *f = *state;
	char path[600];

	handshake(f);
	snprintf(path, sizeof(path), "%s/../..", f->dest);
	assert_int_equal(start(f, path, "evil", CREATE_PATH, 1), HVG_E_ACCESSDENIED);
	snprintf(path, sizeof(path), "%s/./x", f->dest);
	assert_int_equal(start(f, path, "evil", CREATE_PATH, 1), HVG_E_ACCESSDENIED);
	assert_int_equal(start(f, "/etc", "evil", 0, 1), HVG_E_ACCESSDENIED);
	assert_int_equal(start(f, "relative/dir", "evil", 0, 1), HVG_E_ACCESSDENIED);
	assert_int_equal(start(f, f->dest, "../evil", 0, 1), HV_INVALIDARG);
	assert_int_equal(start(f, f->dest, "..", 0, 1), HV_INVALIDARG);
	assert_int_equal(start(f, f->dest, "", 0, 1), HV_INVALIDARG);
	/* A sibling whose name merely starts with the allowed one. */
	snprintf(path, sizeof(path), "%sination", f->dest);
	mkdir(path, 0755);
	assert_int_equal(start(f, path, "evil", 0, 1), HVG_E_ACCESSDENIED);
	assert_int_equal(entries(path), 0);
}

static void test_symlink_in_path_refused(void **state)
{
	struct fixture *f = *state;
	char *link = path_join(f->dest, "link"), *outside = path_join(f->dir, "outside");

	mkdir(outside, 0755);
	assert_int_equal(symlink(outside, link), 0);
	handshake(f);
	assert_int_equal(start(f, link, "evil", 0, 1), HVG_E_ACCESSDENIED);
	assert_int_equal(entries(outside), 0);
	free(link);
	free(outside);
}

static void test_hostile_names(void **state)
{
	struct fixture *f = *state;
	struct hv_start_fcopy m;

	handshake(f);
	assert_int_equal(start(f, f->dest, "bad\xff\xfe", 0, 1), HV_INVALIDARG);
	assert_int_equal(start(f, f->dest, "new\nline", 0, 1), HV_INVALIDARG);
	fill_start(&m, f->dest, "x", 0, 1);
	memset(m.file_name, 'A', sizeof(m.file_name)); /* unterminated */
	assert_int_equal(transact(f, &m, sizeof(m)), HV_INVALIDARG);
	fill_start(&m, f->dest, "x", 0, 1);
	memset(m.path_name, '/', sizeof(m.path_name));
	assert_int_equal(transact(f, &m, sizeof(m)), HV_INVALIDARG);
	assert_int_equal(start(f, f->dest, "x", 0x80, 1), HV_INVALIDARG);
	assert_int_equal(entries(f->dest), 0);
}

static void test_write_bounds(void **state)
{
	struct fixture *f = *state;
	static struct hv_do_fcopy m;

	handshake(f);
	assert_int_equal(write_data(f, 0, "x", 1), HV_E_FAIL); /* no START */
	assert_int_equal(start(f, f->dest, "b", 0, 10), HV_S_OK);
	assert_int_equal(write_data(f, 8, "abc", 3), HV_INVALIDARG);
	assert_int_equal(entries(f->dest), 0); /* the copy was abandoned */
	assert_int_equal(start(f, f->dest, "b", 0, 10), HV_S_OK);
	assert_int_equal(write_data(f, UINT64_MAX - 1, "abc", 3), HV_INVALIDARG);
	assert_int_equal(start(f, f->dest, "b", 0, 100000), HV_S_OK);
	memset(&m, 0, sizeof(m));
	m.hdr.operation = WRITE_TO_FILE;
	m.size = DATA_FRAGMENT + 1;
	assert_int_equal(transact(f, &m, sizeof(m)), HV_INVALIDARG);
	assert_int_equal(entries(f->dest), 0);
}

static void test_max_file_size(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(fcopy_config_set(&f->d.cfg, "max_file_size", "1000"), 0);
	handshake(f);
	assert_int_equal(start(f, f->dest, "huge", 0, 1001), HV_ERROR_DISK_FULL);
	assert_int_equal(start(f, f->dest, "ok", 0, 1000), HV_S_OK);
}

/* Runs in a child: a file size limit makes pwrite fail with EFBIG. */
static void test_disk_full_reported(void **state)
{
	struct fixture *f = *state;
	pid_t pid;
	int status;

	handshake(f);
	assert_int_equal(start(f, f->dest, "full", 0, 8192), HV_S_OK);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 100, 100 };

		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		_exit(write_data(f, 0, "0123456789012345678901234567890123456789"
				 "0123456789012345678901234567890123456789"
				 "0123456789012345678901234567890123456789", 120)
		      == HV_ERROR_DISK_FULL && entries(f->dest) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Runs in a child without privileges: the destination is not writable. */
static void test_permission_denied_reported(void **state)
{
	struct fixture *f = *state;
	pid_t pid;
	int status;

	chmod(f->dest, 0555);
	handshake(f);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(2);
		_exit(start(f, f->dest, "denied", 0, 1) == HVG_E_ACCESSDENIED ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_unknown_op_and_sizes(void **state)
{
	struct fixture *f = *state;
	struct hv_start_fcopy m;
	char tiny[8] = { 0 };

	handshake(f);
	assert_int_equal(simple_op(f, 9), HV_ERROR_NOT_SUPPORTED);
	fill_start(&m, f->dest, "x", 0, 1);
	assert_int_equal(send(f->sv[1], &m, sizeof(m) - 1, 0), (ssize_t)sizeof(m) - 1);
	assert_int_equal(fcopy_serve_one(&f->d, f->sv[0]), -1);
	assert_int_equal(send(f->sv[1], tiny, sizeof(tiny), 0), (ssize_t)sizeof(tiny));
	assert_int_equal(fcopy_serve_one(&f->d, f->sv[0]), -1);
}

static void test_bad_handshake(void **state)
{
	struct fixture *f = *state;
	int sent;
	char junk[10] = { 0 };

	assert_int_equal(fcopy_send_register(&f->d, f->sv[0]), 0);
	assert_int_equal(fake_recv(f->sv[1], &sent, sizeof(sent), 1000), sizeof(int));
	assert_int_equal(send(f->sv[1], junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	assert_int_equal(fcopy_serve_one(&f->d, f->sv[0]), -1);
	assert_false(f->d.registered);
}

static void test_config(void **state)
{
	struct fcopy_config cfg;

	(void)state;
	fcopy_config_defaults(&cfg);
	assert_string_equal(cfg.device, "/dev/vmbus/hv_fcopy");
	assert_int_equal(fcopy_config_set(&cfg, "destinations", "/tmp relative"), -1);
	assert_int_equal(fcopy_config_set(&cfg, "max_file_size", "12x"), -1);
	assert_int_equal(fcopy_config_set(&cfg, "bogus", "1"), -1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_full_copy),
		T(test_cancel_leaves_nothing),
		T(test_device_vanishes_mid_copy),
		T(test_new_start_abandons_previous),
		T(test_overwrite_flag),
		T(test_file_appearing_during_copy_not_replaced),
		T(test_create_path_flag),
		T(test_traversal_refused),
		T(test_symlink_in_path_refused),
		T(test_hostile_names),
		T(test_write_bounds),
		T(test_max_file_size),
		T(test_disk_full_reported),
		T(test_permission_denied_reported),
		T(test_unknown_op_and_sizes),
		T(test_bad_handshake),
		T(test_config),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("fcopy", tests, NULL, NULL);
}
