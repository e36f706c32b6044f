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
#include <sys/sysmacros.h>
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
	char *sysfs; /* the fake sysfs root; absent until make_fake_sysfs() */
	int sv[2];
	struct recorder rec;
	struct vss_daemon d;
	long long now;
};

static struct fixture *current;

/* Device numbers of the mount sources; anything else cannot be stat()ed. */
static const struct {
	const char *source;
	unsigned int major, minor;
} fake_nodes[] = {
	{ "/dev/sda1", 8, 1 },
	{ "/dev/sda2", 8, 2 },
	{ "/dev/loopy", 8, 16 },            /* a disk with a loop-like name */
	{ "/dev/loop0", 7, 0 },
	{ "/dev/hvg-disk", 7, 1 },          /* loop1 under another name */
	{ "/dev/loop6", 7, 6 },             /* no sysfs entry */
	{ "/dev/mapper/on-loop", 253, 0 },
	{ "/dev/mapper/on-dm-on-loop", 253, 1 },
	{ "/dev/mapper/on-disk", 253, 2 },
	{ "/dev/mapper/cycle", 253, 3 },
	{ "/dev/mapper/cycle-and-loop", 253, 4 },
	{ "/dev/mapper/fan-out", 253, 5 },
	{ "/dev/mapper/bad-slaves", 253, 6 },
	{ "/dev/mapper/deep", 253, 20 },    /* loop0 at the depth limit */
	{ "/dev/mapper/deeper", 253, 21 },  /* one level beyond */
};

static int fake_rdev(void *ctx, const char *source, dev_t *rdev)
{
	unsigned int i;

	(void)ctx;
	for (i = 0; i < sizeof(fake_nodes) / sizeof(fake_nodes[0]); i++) {
		if (!strcmp(source, fake_nodes[i].source)) {
			*rdev = makedev(fake_nodes[i].major, fake_nodes[i].minor);
			return 0;
		}
	}
	return ENOENT;
}

static void mkdir_p(const char *root, const char *rel)
{
	char *path = path_join(root, rel), *p;

	for (p = path + strlen(root) + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	}
	assert_int_equal(mkdir(path, 0755), 0);
	free(path);
}

static void symlink_at(const char *root, const char *rel, const char *target)
{
	char *path = path_join(root, rel);

	assert_int_equal(symlink(target, path), 0);
	free(path);
}

/*
 * Laid out like the real sysfs: /sys/dev/block/M:m links to the device's
 * directory, slaves/ entries link to the directories of the devices below.
 */
static void make_fake_sysfs(const char *root)
{
	static const char *const dirs[] = {
		"devices/pci0/block/sda/sda1",
		"devices/pci0/block/sda/sda2",
		"devices/pci0/block/sdb",
		"devices/virtual/block/loop0/loop",
		"devices/virtual/block/loop1/loop",
		"devices/virtual/block/dm-0/slaves",
		"devices/virtual/block/dm-1/slaves",
		"devices/virtual/block/dm-2/slaves",
		"devices/virtual/block/dm-3/slaves",
		"devices/virtual/block/dm-4/slaves",
		"devices/virtual/block/dm-5/slaves",
		"devices/virtual/block/dm-6",
		"dev/block",
	};
	static const char *const links[][2] = {
		{ "dev/block/8:1", "../../devices/pci0/block/sda/sda1" },
		{ "dev/block/8:2", "../../devices/pci0/block/sda/sda2" },
		{ "dev/block/8:16", "../../devices/pci0/block/sdb" },
		{ "dev/block/7:0", "../../devices/virtual/block/loop0" },
		{ "dev/block/7:1", "../../devices/virtual/block/loop1" },
		{ "dev/block/253:0", "../../devices/virtual/block/dm-0" },
		{ "dev/block/253:1", "../../devices/virtual/block/dm-1" },
		{ "dev/block/253:2", "../../devices/virtual/block/dm-2" },
		{ "dev/block/253:3", "../../devices/virtual/block/dm-3" },
		{ "dev/block/253:4", "../../devices/virtual/block/dm-4" },
		{ "dev/block/253:5", "../../devices/virtual/block/dm-5" },
		{ "dev/block/253:6", "../../devices/virtual/block/dm-6" },
		/* dm on loop, dm on dm on loop, dm on a partition */
		{ "devices/virtual/block/dm-0/slaves/loop0", "../../loop0" },
		{ "devices/virtual/block/dm-1/slaves/dm-0", "../../dm-0" },
		{ "devices/virtual/block/dm-2/slaves/sda2", "../../../../pci0/block/sda/sda2" },
		/* cycles sysfs never has: alone, with a loop device beside it, fanning out */
		{ "devices/virtual/block/dm-3/slaves/dm-3", "../../dm-3" },
		{ "devices/virtual/block/dm-4/slaves/dm-4", "../../dm-4" },
		{ "devices/virtual/block/dm-4/slaves/loop1", "../../loop1" },
		{ "devices/virtual/block/dm-5/slaves/a", "../../dm-5" },
		{ "devices/virtual/block/dm-5/slaves/b", "../../dm-5" },
		{ "devices/virtual/block/dm-5/slaves/c", "../../dm-5" },
		{ "devices/virtual/block/dm-5/slaves/d", "../../dm-5" },
	};
	unsigned int i;
	char *p;

	assert_int_equal(mkdir(root, 0755), 0);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		mkdir_p(root, dirs[i]);
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		symlink_at(root, links[i][0], links[i][1]);
	/*
	 * A chain: dm-deeper -> chain0 (dm-deep) -> chain1 -> ... ->
	 * chain<VSS_SLAVES_DEPTH_MAX - 1> -> loop0.
	 */
	for (i = 0; i < VSS_SLAVES_DEPTH_MAX; i++) {
		char rel[128], target[64];

		snprintf(rel, sizeof(rel), "devices/virtual/block/chain%u/slaves", i);
		mkdir_p(root, rel);
		if (i + 1 < VSS_SLAVES_DEPTH_MAX)
			snprintf(target, sizeof(target), "../../chain%u", i + 1);
		else
			snprintf(target, sizeof(target), "../../loop0");
		snprintf(rel, sizeof(rel), "devices/virtual/block/chain%u/slaves/next", i);
		symlink_at(root, rel, target);
	}
	mkdir_p(root, "devices/virtual/block/dm-deeper/slaves");
	symlink_at(root, "devices/virtual/block/dm-deeper/slaves/chain0", "../../chain0");
	symlink_at(root, "dev/block/253:20", "../../devices/virtual/block/chain0");
	symlink_at(root, "dev/block/253:21", "../../devices/virtual/block/dm-deeper");
	/* slaves/ that cannot be read as a directory */
	p = path_join(root, "devices/virtual/block/dm-6/slaves");
	write_text_file(p, "");
	free(p);
}

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
	f->sysfs = path_join(f->dir, "sys");
	f->d.probe.sysfs_root = f->sysfs;
	f->d.probe.source_rdev = fake_rdev;
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
	free(f->sysfs);
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

	assert_int_equal(vss_plan_from_mounts(MOUNTS, &f->d.cfg.exclude, &f->d.probe, &plan), 0);
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
					      "/dev/sda4 /z ext4 rw 0 0\n", NULL, NULL, &plan), 0);
	assert_int_equal(plan.count, 1);
	assert_string_equal(plan.mount[0].target, "/z");
}

static void test_exclude_list(void **state)
{
	struct fixture *f = *state;
	struct vss_plan plan;

	assert_int_equal(vss_config_set(&f->d.cfg, "exclude_mounts", "/var/lib/docker* /srv/*"), 0);
	assert_int_equal(vss_config_set(&f->d.cfg, "exclude_fstypes", "xfs"), 0);
	assert_int_equal(vss_plan_from_mounts(MOUNTS, &f->d.cfg.exclude, &f->d.probe, &plan), 0);
	assert_int_equal(plan.count, 1);
	assert_string_equal(plan.mount[0].target, "/");
}

#define PLAN_LIST_MAX 512

/* The plan's mount points, space-separated. */
static const char *plan_list(const struct vss_plan *plan)
{
	static char out[PLAN_LIST_MAX];
	unsigned int i;

	out[0] = '\0';
	for (i = 0; i < plan->count; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, plan->mount[i].target);
	}
	return out;
}

static enum vss_backing backing(struct fixture *f, const char *source)
{
	return vss_backing_of(&f->d.probe, source);
}

static void test_loop_plain_disk(void **state)
{
	struct fixture *f = *state;
	struct vss_plan plan;

	make_fake_sysfs(f->sysfs);
	assert_int_equal(backing(f, "/dev/sda1"), VSS_BACKING_PLAIN);
	assert_int_equal(backing(f, "/dev/sda2"), VSS_BACKING_PLAIN);
	/* sysfs decides, not the name */
	assert_int_equal(backing(f, "/dev/loopy"), VSS_BACKING_PLAIN);
	assert_int_equal(vss_plan_from_mounts("/dev/sda2 /home ext4 rw 0 0\n"
					      "/dev/loopy /data xfs rw 0 0\n"
					      "/dev/sda1 / ext4 rw 0 0\n",
					      NULL, &f->d.probe, &plan), 0);
	assert_string_equal(plan_list(&plan), "/home /data /");
}

static void test_loop_device_skipped(void **state)
{
	struct fixture *f = *state;
	struct vss_plan plan;

	make_fake_sysfs(f->sysfs);
	assert_int_equal(backing(f, "/dev/loop0"), VSS_BACKING_LOOP);
	/* a node of another name for a loop device */
	assert_int_equal(backing(f, "/dev/hvg-disk"), VSS_BACKING_LOOP);
	assert_int_equal(vss_plan_from_mounts("/dev/loop0 /snap squashfs rw 0 0\n"
					      "/dev/hvg-disk /mnt/img ext4 rw 0 0\n"
					      "/dev/sda1 / ext4 rw 0 0\n",
					      NULL, &f->d.probe, &plan), 0);
	assert_string_equal(plan_list(&plan), "/");
}

static void test_loop_dm_on_loop_skipped(void **state)
{
	struct fixture *f = *state;
	struct vss_plan plan;

	make_fake_sysfs(f->sysfs);
	assert_int_equal(backing(f, "/dev/mapper/on-loop"), VSS_BACKING_LOOP);
	assert_int_equal(backing(f, "/dev/mapper/on-dm-on-loop"), VSS_BACKING_LOOP);
	assert_int_equal(vss_plan_from_mounts("/dev/mapper/on-loop /a ext4 rw 0 0\n"
					      "/dev/mapper/on-dm-on-loop /b ext4 rw 0 0\n"
					      "/dev/mapper/on-disk /c ext4 rw 0 0\n",
					      NULL, &f->d.probe, &plan), 0);
	assert_string_equal(plan_list(&plan), "/c");
}

static void test_loop_dm_on_disk_frozen(void **state)
{
	struct fixture *f = *state;
	struct vss_plan plan;

	make_fake_sysfs(f->sysfs);
	assert_int_equal(backing(f, "/dev/mapper/on-disk"), VSS_BACKING_PLAIN);
	assert_int_equal(vss_plan_from_mounts("/dev/mapper/on-disk /srv ext4 rw 0 0\n",
					      NULL, &f->d.probe, &plan), 0);
	assert_string_equal(plan_list(&plan), "/srv");
}

#define NAME_RULE_MOUNTS \
	"/dev/loop0 /snap squashfs rw 0 0\n" \
	"/dev/hvg-disk /mnt/img ext4 rw 0 0\n" \
	"/dev/loop6 /mnt/six ext4 rw 0 0\n" \
	"/dev/loop9 /mnt/nine ext4 rw 0 0\n" \
	"/dev/root / ext4 rw 0 0\n" \
	"/dev/mapper/bad-slaves /bad ext4 rw 0 0\n" \
	"/dev/mapper/on-loop /srv ext4 rw 0 0\n"

static void test_loop_unreadable_sysfs_uses_name(void **state)
{
	struct fixture *f = *state;
	struct vss_blockdev_probe real_stat = { f->sysfs, NULL, NULL };
	struct vss_plan plan;
	char *file;

	/* No sysfs at all: every source is judged by its name. */
	assert_int_equal(backing(f, "/dev/loop0"), VSS_BACKING_UNKNOWN);
	assert_int_equal(backing(f, "/dev/sda1"), VSS_BACKING_UNKNOWN);
	assert_int_equal(vss_plan_from_mounts(NAME_RULE_MOUNTS, NULL, &f->d.probe, &plan), 0);
	assert_string_equal(plan_list(&plan), "/mnt/img /bad /srv /");
	/* The same with no probe. */
	assert_int_equal(vss_plan_from_mounts(NAME_RULE_MOUNTS, NULL, NULL, &plan), 0);
	assert_string_equal(plan_list(&plan), "/mnt/img /bad /srv /");

	/*
	 * With sysfs: a source that cannot be stat()ed (/dev/loop9, /dev/root),
	 * a device without a sysfs entry (/dev/loop6) or with an unreadable
	 * slaves/ fall back to the name; the others are decided by sysfs.
	 */
	make_fake_sysfs(f->sysfs);
	assert_int_equal(backing(f, "/dev/loop9"), VSS_BACKING_UNKNOWN);
	assert_int_equal(backing(f, "/dev/loop6"), VSS_BACKING_UNKNOWN);
	assert_int_equal(backing(f, "/dev/mapper/bad-slaves"), VSS_BACKING_UNKNOWN);
	assert_int_equal(vss_plan_from_mounts(NAME_RULE_MOUNTS, NULL, &f->d.probe, &plan), 0);
	assert_string_equal(plan_list(&plan), "/bad /");

	/* The default stat(): not a block device, or no such file. */
	file = path_join(f->dir, "regular");
	write_text_file(file, "");
	assert_int_equal(vss_backing_of(&real_stat, file), VSS_BACKING_UNKNOWN);
	assert_int_equal(vss_backing_of(&real_stat, "/dev/null"), VSS_BACKING_UNKNOWN);
	assert_int_equal(vss_backing_of(&real_stat, "/dev/hvg-no-such-node"),
			 VSS_BACKING_UNKNOWN);
	free(file);
}

static void test_loop_slaves_cycle_bounded(void **state)
{
	struct fixture *f = *state;
	struct vss_plan plan;
	struct timespec a, b;

	make_fake_sysfs(f->sysfs);
	/* A loop device at the depth limit is found; one level deeper is not. */
	assert_int_equal(backing(f, "/dev/mapper/deep"), VSS_BACKING_LOOP);
	assert_int_equal(backing(f, "/dev/mapper/deeper"), VSS_BACKING_UNKNOWN);
	/* Beyond the depth limit: unknown, so the name decides (frozen). */
	assert_int_equal(backing(f, "/dev/mapper/cycle"), VSS_BACKING_UNKNOWN);
	/* A loop device found on the way wins over the cut-off branch. */
	assert_int_equal(backing(f, "/dev/mapper/cycle-and-loop"), VSS_BACKING_LOOP);
	/* Four links back to itself per level: the visit limit stops it. */
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(backing(f, "/dev/mapper/fan-out"), VSS_BACKING_UNKNOWN);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(b.tv_sec - a.tv_sec < 2);
	assert_int_equal(vss_plan_from_mounts("/dev/mapper/cycle /a ext4 rw 0 0\n"
					      "/dev/mapper/cycle-and-loop /b ext4 rw 0 0\n"
					      "/dev/mapper/fan-out /c ext4 rw 0 0\n",
					      NULL, &f->d.probe, &plan), 0);
	assert_string_equal(plan_list(&plan), "/a /c");
}

/* The daemon's FREEZE uses its probe. */
static void test_freeze_skips_loop_backed(void **state)
{
	struct fixture *f = *state;
	static const char *const expected[] = {
		"freeze /srv", "freeze /", "thaw /srv", "thaw /",
	};

	make_fake_sysfs(f->sysfs);
	write_text_file(f->d.cfg.mounts, "/dev/sda1 / ext4 rw 0 0\n"
			"/dev/hvg-disk /mnt/img ext4 rw 0 0\n"
			"/dev/mapper/on-dm-on-loop /mnt/dm ext4 rw 0 0\n"
			"/dev/mapper/on-disk /srv ext4 rw 0 0\n");
	handshake(f);
	assert_int_equal(request(f, VSS_OP_FREEZE), HV_S_OK);
	assert_int_equal(request(f, VSS_OP_THAW), HV_S_OK);
	assert_calls(&f->rec, expected, 4);
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

/*
 * A THAW with nothing frozen by this daemon (an earlier one was killed
 * while frozen): every filesystem of the plan is thawed; EINVAL (not
 * frozen) is no failure, another error is.
 */
static void test_thaw_without_freeze_thaws_everything(void **state)
{
	struct fixture *f = *state;
	static const char *const expected[] = {
		"thaw /home", "thaw /srv/with space", "thaw /var/lib/docker",
		"thaw /home/bind", "thaw /",
	};

	f->rec.thaw_einval = true;
	handshake(f);
	assert_false(f->d.frozen);
	assert_int_equal(request(f, VSS_OP_THAW), HV_S_OK);
	assert_calls(&f->rec, expected, 5);
	assert_false(f->d.frozen);
	/* No mount list to read: the host hears of it. */
	unlink(f->d.cfg.mounts);
	assert_int_equal(request(f, VSS_OP_THAW), HV_E_FAIL);
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
		T(test_loop_plain_disk),
		T(test_loop_device_skipped),
		T(test_loop_dm_on_loop_skipped),
		T(test_loop_dm_on_disk_frozen),
		T(test_loop_unreadable_sysfs_uses_name),
		T(test_loop_slaves_cycle_bounded),
		T(test_freeze_skips_loop_backed),
		T(test_freeze_thaw_sequence),
		T(test_ebusy_freeze_einval_thaw_are_success),
		T(test_thaw_without_freeze_thaws_everything),
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
