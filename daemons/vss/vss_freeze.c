// SPDX-License-Identifier: GPL-2.0-only
#include "vss_freeze.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../common/log.h"

static int ioctl_on_mount(const char *mount_point, unsigned long request)
{
	int fd = open(mount_point, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	int ret = 0;

	if (fd < 0)
		return errno;
	if (ioctl(fd, request, 0) < 0)
		ret = errno;
	close(fd);
	return ret;
}

static int ioctl_freeze(void *ctx, const char *mount_point)
{
	(void)ctx;
	return ioctl_on_mount(mount_point, FIFREEZE);
}

static int ioctl_thaw(void *ctx, const char *mount_point)
{
	(void)ctx;
	return ioctl_on_mount(mount_point, FITHAW);
}

const struct vss_fs_ops vss_ioctl_ops = { ioctl_freeze, ioctl_thaw, NULL };

/* Decode the \ooo escapes of /proc/mounts fields in place. */
static void unescape_octal(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

static bool has_option(const char *options, const char *opt)
{
	size_t len = strlen(opt);
	const char *p = options;

	while ((p = strstr(p, opt))) {
		if ((p == options || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
			return true;
		p += len;
	}
	return false;
}

static int stat_rdev(void *ctx, const char *source, dev_t *rdev)
{
	struct stat st;

	(void)ctx;
	if (stat(source, &st))
		return errno;
	if (!S_ISBLK(st.st_mode))
		return ENOTBLK;
	*rdev = st.st_rdev;
	return 0;
}

struct slaves_walk {
	unsigned int visits_left;
	bool unknown; /* something could not be read or was out of bounds */
};

/*
 * Is the sysfs block device directory dev_fd a loop device, or stacked on
 * one? depth counts the slaves/ levels above it. Directory descriptors
 * rather than paths, so the depth never runs into PATH_MAX.
 */
static bool dev_dir_is_loop(int dev_fd, unsigned int depth, struct slaves_walk *w)
{
	struct dirent *e;
	bool loop = false;
	int fd;
	DIR *dir;

	if (!w->visits_left) {
		w->unknown = true;
		return false;
	}
	w->visits_left--;
	if (!faccessat(dev_fd, "loop", F_OK, 0))
		return true;
	if (errno != ENOENT)
		w->unknown = true;
	fd = openat(dev_fd, "slaves", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT) /* no slaves/: nothing below this device */
			w->unknown = true;
		return false;
	}
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		w->unknown = true;
		return false;
	}
	for (;;) {
		int slave_fd;

		errno = 0;
		e = readdir(dir);
		if (!e) {
			if (errno)
				w->unknown = true;
			break;
		}
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (depth >= VSS_SLAVES_DEPTH_MAX) {
			w->unknown = true;
			break;
		}
		slave_fd = openat(dirfd(dir), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (slave_fd < 0) {
			w->unknown = true;
			continue;
		}
		loop = dev_dir_is_loop(slave_fd, depth + 1, w);
		close(slave_fd);
		if (loop)
			break;
	}
	closedir(dir);
	return loop;
}

enum vss_backing vss_backing_of(const struct vss_blockdev_probe *probe, const char *source)
{
	struct slaves_walk walk = { VSS_SLAVES_VISIT_MAX, false };
	const char *root = probe->sysfs_root ? probe->sysfs_root : "/sys";
	char path[PATH_MAX];
	dev_t rdev;
	bool loop;
	int fd, n;

	if ((probe->source_rdev ? probe->source_rdev : stat_rdev)(probe->ctx, source, &rdev))
		return VSS_BACKING_UNKNOWN;
	n = snprintf(path, sizeof(path), "%s/dev/block/%u:%u", root, major(rdev), minor(rdev));
	if (n < 0 || (size_t)n >= sizeof(path))
		return VSS_BACKING_UNKNOWN;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return VSS_BACKING_UNKNOWN;
	loop = dev_dir_is_loop(fd, 0, &walk);
	close(fd);
	if (loop)
		return VSS_BACKING_LOOP;
	return walk.unknown ? VSS_BACKING_UNKNOWN : VSS_BACKING_PLAIN;
}

static bool loop_backed(const char *source, const struct vss_blockdev_probe *probe)
{
	enum vss_backing b = probe ? vss_backing_of(probe, source) : VSS_BACKING_UNKNOWN;

	if (b == VSS_BACKING_UNKNOWN) {
		if (probe)
			log_msg(LOG_INFO, "%s: sysfs does not tell whether it is on a loop device; "
				"going by its name", source);
		return !strncmp(source, "/dev/loop", 9);
	}
	return b == VSS_BACKING_LOOP;
}

static bool eligible(const char *source, const char *target, const char *fstype,
		     const char *options, const struct vss_exclude *exclude,
		     const struct vss_blockdev_probe *probe)
{
	if (strncmp(source, "/dev/", 5))
		return false;
	if (has_option(options, "ro") || !strcmp(fstype, "vfat"))
		return false;
	if (target[0] != '/')
		return false;
	if (exclude && (pattern_list_match(&exclude->mount_points, target) ||
			pattern_list_match(&exclude->fstypes, fstype)))
		return false;
	/* Last: the only rule that looks outside the mount table. */
	return !loop_backed(source, probe);
}

int vss_plan_from_mounts(const char *mounts_text, const struct vss_exclude *exclude,
			 const struct vss_blockdev_probe *probe, struct vss_plan *plan)
{
	char *copy = strdup(mounts_text), *line, *save = NULL;
	bool have_root = false;
	struct vss_mount root;
	int ret = 0;

	plan->count = 0;
	if (!copy)
		return -1;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *fields[4] = { NULL, NULL, NULL, NULL }, *fsave = NULL;
		struct vss_mount *m;
		unsigned int i;

		/* source, mount point, type, options; a short line is skipped. */
		fields[0] = strtok_r(line, " \t", &fsave);
		for (i = 1; i < 4 && fields[i - 1]; i++)
			fields[i] = strtok_r(NULL, " \t", &fsave);
		if (!fields[3])
			continue;
		for (i = 0; i < 4; i++)
			unescape_octal(fields[i]);
		if (strlen(fields[1]) >= sizeof(m->target) || strlen(fields[2]) >= sizeof(m->fstype))
			continue;
		if (!eligible(fields[0], fields[1], fields[2], fields[3], exclude, probe))
			continue;
		if (!strcmp(fields[1], "/")) {
			/* Root goes last; a later root mount replaces an earlier one. */
			strcpy(root.target, fields[1]);
			strcpy(root.fstype, fields[2]);
			have_root = true;
			continue;
		}
		if (plan->count == VSS_MOUNT_MAX - 1) {
			ret = -1;
			break;
		}
		m = &plan->mount[plan->count++];
		strcpy(m->target, fields[1]);
		strcpy(m->fstype, fields[2]);
	}
	if (ret == 0 && have_root)
		plan->mount[plan->count++] = root;
	free(copy);
	return ret;
}

unsigned int vss_thaw_plan(const struct vss_plan *plan, const struct vss_fs_ops *ops)
{
	unsigned int i, failures = 0;

	for (i = 0; i < plan->count; i++) {
		int err = ops->thaw(ops->ctx, plan->mount[i].target);

		if (err && err != EINVAL) /* EINVAL: it was not frozen */
			failures++;
	}
	return failures;
}

int vss_freeze_plan(const struct vss_plan *plan, const struct vss_fs_ops *ops,
		    unsigned int *failed_index)
{
	unsigned int i;

	for (i = 0; i < plan->count; i++) {
		int err = ops->freeze(ops->ctx, plan->mount[i].target);

		if (err && err != EBUSY) { /* EBUSY: frozen through another mount */
			*failed_index = i;
			vss_thaw_plan(plan, ops);
			return err;
		}
	}
	return 0;
}
