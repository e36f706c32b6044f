/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which filesystems the VSS daemon freezes, and the freeze/thaw walk.
 *
 * Upstream's rules (tools/hv/hv_vss_daemon.c): only mounts whose source is
 * a /dev/ node, not backed by a loop device, not read-only, not vfat; FIFREEZE in
 * mount-table order with "/" last; EBUSY on freeze (already frozen: a
 * duplicate mount or a btrfs subvolume) and EINVAL on thaw (not frozen)
 * count as success; on the first real failure everything is thawed again.
 * We add a configurable exclude list of mount points and filesystem types.
 *
 * The freeze and thaw calls are an ops table so the tests never freeze the
 * machine they run on.
 */
#ifndef HVG_VSS_FREEZE_H
#define HVG_VSS_FREEZE_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "../common/strutil.h"

#define VSS_MOUNT_MAX 256

struct vss_mount {
	char target[PATH_MAX];
	char fstype[32];
};

struct vss_plan {
	struct vss_mount mount[VSS_MOUNT_MAX];
	unsigned int count;
};

struct vss_exclude {
	struct pattern_list mount_points; /* fnmatch on the mount point */
	struct pattern_list fstypes;
};

/* Returns 0 or a positive errno value. */
struct vss_fs_ops {
	int (*freeze)(void *ctx, const char *mount_point);
	int (*thaw)(void *ctx, const char *mount_point);
	void *ctx;
};

/* FIFREEZE / FITHAW on the mount point (needs CAP_SYS_ADMIN). */
extern const struct vss_fs_ops vss_ioctl_ops;

/*
 * Loop-backed filesystems are never frozen: freezing the filesystem that
 * holds the loop device's backing file first would block the loop device's
 * own writes (a deadlock). As upstream does, the mount source's device
 * number (st_rdev) is looked up in sysfs: the device is loop-backed if
 * <sysfs>/dev/block/<major>:<minor>/loop exists, or if that holds for any
 * device under its slaves/ directory, recursively (dm, md, ... stacked on
 * a loop device).
 *
 * The walk is bounded: at most VSS_SLAVES_DEPTH_MAX levels of slaves/ and
 * VSS_SLAVES_VISIT_MAX devices in all (sysfs has no cycles, but a broken
 * or fake tree may). A loop device found anywhere wins; otherwise if the
 * source cannot be stat()ed, is not a block device, or some part of the
 * tree cannot be read or lies beyond those bounds, the answer is unknown
 * and the caller falls back to the name rule (a /dev/loop* source).
 */
#define VSS_SLAVES_DEPTH_MAX 8
#define VSS_SLAVES_VISIT_MAX 256

enum vss_backing {
	VSS_BACKING_PLAIN,   /* no loop device under it */
	VSS_BACKING_LOOP,    /* a loop device, or stacked on one */
	VSS_BACKING_UNKNOWN, /* sysfs could not tell */
};

struct vss_blockdev_probe {
	const char *sysfs_root; /* NULL: "/sys"; tests use a fake tree */
	/*
	 * The device number of the block device source; 0 or a positive
	 * errno (ENOTBLK if it is not a block device). NULL: stat().
	 */
	int (*source_rdev)(void *ctx, const char *source, dev_t *rdev);
	void *ctx;
};

enum vss_backing vss_backing_of(const struct vss_blockdev_probe *probe, const char *source);

/*
 * Build the plan from /proc/self/mounts-format text (octal escapes such as
 * \040 decoded). probe decides which sources are loop-backed (see above);
 * with a NULL probe only the name rule is used. Returns 0, or -1 if there
 * are more than VSS_MOUNT_MAX eligible mounts (refuse rather than freeze a
 * partial set).
 */
int vss_plan_from_mounts(const char *mounts_text, const struct vss_exclude *exclude,
			 const struct vss_blockdev_probe *probe, struct vss_plan *plan);

/*
 * Freeze the plan in order. Returns 0 on success; on failure every
 * filesystem of the plan is thawed again and the errno of the failing
 * freeze is returned with *failed_index set.
 */
int vss_freeze_plan(const struct vss_plan *plan, const struct vss_fs_ops *ops,
		    unsigned int *failed_index);

/* Thaw the plan in order; returns the number of thaws that failed. */
unsigned int vss_thaw_plan(const struct vss_plan *plan, const struct vss_fs_ops *ops);

#endif
