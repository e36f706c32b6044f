// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the VSS side: the message handler (with a freeze that only
 * records) and the mount-table parser that decides what gets frozen,
 * over a small fake sysfs for the loop-device rule.
 */
#include "fuzz_common.h"

#include <sys/sysmacros.h>

#include "common/log.h"
#include "vss/vss_daemon.h"

static struct vss_daemon daemon_state;
static char *scratch;
static int frozen_count;
static char sysfs_root[PATH_MAX];
static struct vss_blockdev_probe probe;

static int fake_freeze(void *ctx, const char *mp)
{
	(void)ctx;
	(void)mp;
	frozen_count++;
	return 0;
}

static int fake_thaw(void *ctx, const char *mp)
{
	(void)ctx;
	(void)mp;
	frozen_count--;
	return 0;
}

/*
 * A fake sysfs: a plain disk, a loop device, dm on each, and two slaves
 * cycles (one with a way out to the loop device). Each source name maps
 * to one of them, or to a device without a sysfs entry, or fails.
 */
static const char *const fake_devs[] = { "8:0", "7:0", "253:0", "253:1", "253:2", "253:3" };

static void make_fake_sysfs(const char *root)
{
	static const char *const links[][2] = {
		{ "253:0/slaves/loop0", "../../7:0" },
		{ "253:1/slaves/sda", "../../8:0" },
		{ "253:2/slaves/self", "../../253:2" },
		{ "253:3/slaves/self", "../../253:3" },
		{ "253:3/slaves/loop0", "../../7:0" },
	};
	char path[PATH_MAX];
	unsigned int i;

	for (i = 0; i < sizeof(fake_devs) / sizeof(fake_devs[0]); i++) {
		snprintf(path, sizeof(path), "%s/dev/block/%s/slaves", root, fake_devs[i]);
		fuzz_mkdir_p(path);
	}
	snprintf(path, sizeof(path), "%s/dev/block/7:0/loop", root);
	fuzz_mkdir_p(path);
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "%s/dev/block/%s", root, links[i][0]);
		if (symlink(links[i][1], path))
			abort();
	}
}

static int fake_rdev(void *ctx, const char *source, dev_t *rdev)
{
	unsigned int h = 0, maj, min;

	(void)ctx;
	while (*source)
		h = h * 31 + (unsigned char)*source++;
	h %= 8;
	if (h == 7)
		return ENOENT;
	if (h == 6) {
		*rdev = makedev(1, 1); /* no sysfs entry */
		return 0;
	}
	if (sscanf(fake_devs[h], "%u:%u", &maj, &min) != 2)
		abort();
	*rdev = makedev(maj, min);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vss_plan *plan;
	char *text;
	unsigned int i;

	if (!scratch) {
		log_init("fuzz", LOG_TARGET_NONE);
		scratch = fuzz_scratch_dir();
		snprintf(sysfs_root, sizeof(sysfs_root), "%s/sys", scratch);
		make_fake_sysfs(sysfs_root);
		probe.sysfs_root = sysfs_root;
		probe.source_rdev = fake_rdev;
		vss_config_defaults(&daemon_state.cfg);
		snprintf(daemon_state.cfg.mounts, PATH_MAX, "%s/mounts", scratch);
		write_text_file(daemon_state.cfg.mounts, "/dev/sda1 / ext4 rw 0 0\n/dev/sdb1 /data xfs rw 0 0\n");
		daemon_state.cfg.hook_dir[0] = '\0';
		daemon_state.ops.freeze = fake_freeze;
		daemon_state.ops.thaw = fake_thaw;
		daemon_state.probe = probe;
		vss_daemon_init(&daemon_state);
	}
	if (size && (data[0] & 1)) {
		/* Mount table text. */
		plan = malloc(sizeof(*plan));
		text = malloc(size);
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		if (vss_plan_from_mounts(text, NULL, &probe, plan) == 0) {
			for (i = 0; i < plan->count; i++)
				if (plan->mount[i].target[0] != '/' ||
				    (i + 1 < plan->count && !strcmp(plan->mount[i].target, "/")))
					abort(); /* root must come last */
		}
		free(text);
		free(plan);
		return 0;
	}
	{
		unsigned char buf[64];
		size_t len = size > 1 ? size - 1 : 0;

		if (len > sizeof(buf))
			len = sizeof(buf);
		memset(buf, 0, sizeof(buf));
		if (len)
			memcpy(buf, data + 1, len);
		daemon_state.registered = size > 1 && (data[1] & 0x80);
		vss_handle_message(&daemon_state, buf, len);
		/* Never left frozen by a message sequence the fuzzer cannot finish. */
		vss_emergency_thaw(&daemon_state, "fuzz iteration end");
		if (frozen_count > 0 || log_is_held())
			abort();
		frozen_count = 0;
	}
	return 0;
}
