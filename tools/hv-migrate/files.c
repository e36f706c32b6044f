// SPDX-License-Identifier: GPL-2.0-or-later
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

int hvm_path_in_root(const char *root, const char *rel, char *out, size_t outsz)
{
	char rest[PATH_MAX * 2], cur[PATH_MAX], abs[PATH_MAX * 2], target[PATH_MAX];
	int links = 0;

	snprintf(rest, sizeof(rest), "%s", rel);
	cur[0] = '\0';
	while (rest[0]) {
		char comp[NAME_MAX + 1], *slash;
		size_t cl;
		struct stat st;
		ssize_t tl;

		slash = strchr(rest, '/');
		cl = slash ? (size_t)(slash - rest) : strlen(rest);
		if (cl > NAME_MAX)
			return -1;
		memcpy(comp, rest, cl);
		comp[cl] = '\0';
		memmove(rest, slash ? slash + 1 : rest + cl, strlen(slash ? slash + 1 : rest + cl) + 1);
		if (!cl || !strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			char *p = strrchr(cur, '/');

			if (p)
				*p = '\0';
			else
				cur[0] = '\0';
			continue;
		}
		if (strlen(cur) + cl + 2 > sizeof(cur))
			return -1;
		{
			size_t l = strlen(cur);

			if (l)
				cur[l++] = '/';
			memcpy(cur + l, comp, cl + 1);
		}
		snprintf(abs, sizeof(abs), "%s/%s", root, cur);
		if (lstat(abs, &st) < 0) {
			if (errno != ENOENT)
				return -1;
			/* the rest does not exist: append it as it is */
			if (rest[0]) {
				size_t l = strlen(cur);

				if (l + strlen(rest) + 2 > sizeof(cur))
					return -1;
				cur[l] = '/';
				strcpy(cur + l + 1, rest);
			}
			break;
		}
		if (!S_ISLNK(st.st_mode))
			continue;
		if (++links > 40)
			return -1;
		tl = readlink(abs, target, sizeof(target) - 1);
		if (tl < 0)
			return -1;
		target[tl] = '\0';
		/* drop the link itself; its target is looked up from its
		 * directory, or from root when absolute */
		{
			char *p = strrchr(cur, '/');

			if (p)
				*p = '\0';
			else
				cur[0] = '\0';
		}
		if (target[0] == '/')
			cur[0] = '\0';
		{
			char tmp[PATH_MAX * 2];
			size_t tl2 = strlen(target), rl = strlen(rest);

			if (tl2 + rl + 2 > sizeof(tmp))
				return -1;
			memcpy(tmp, target, tl2);
			if (rl) {
				tmp[tl2] = '/';
				memcpy(tmp + tl2 + 1, rest, rl + 1);
			} else {
				tmp[tl2] = '\0';
			}
			memcpy(rest, tmp, strlen(tmp) + 1);
		}
	}
	if (strlen(cur) + 1 > outsz)
		return -1;
	strcpy(out, cur);
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copy every extended attribute of src to dst. */
static int copy_xattrs(int src, int dst, char *err, size_t errsz)
{
	ssize_t ln = flistxattr(src, NULL, 0);
	char *names, *val = NULL;
	int ret = -1;

	if (ln < 0)
		return (errno == ENOTSUP) ? 0 : -1;
	if (ln == 0)
		return 0;
	names = malloc((size_t)ln);
	if (!names)
		return -1;
	ln = flistxattr(src, names, (size_t)ln);
	if (ln < 0)
		goto out;
	for (char *n = names; n < names + ln; n += strlen(n) + 1) {
		ssize_t vl = fgetxattr(src, n, NULL, 0);
		char *nv;

		if (vl < 0)
			goto out;
		nv = realloc(val, (size_t)vl + 1);
		if (!nv)
			goto out;
		val = nv;
		vl = fgetxattr(src, n, val, (size_t)vl);
		if (vl < 0)
			goto out;
		if (fsetxattr(dst, n, val, (size_t)vl, 0) < 0) {
			snprintf(err, errsz, "cannot copy extended attribute %s: %s", n,
				 strerror(errno));
			goto out;
		}
	}
	ret = 0;
out:
	free(names);
	free(val);
	return ret;
}

static int fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd, r;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/* A file in the same directory for the new content. */
static int make_temp(const char *path, char *tmp, size_t tmpsz)
{
	const char *slash = strrchr(path, '/');
	int fd;

	if (slash)
		snprintf(tmp, tmpsz, "%.*s.%s.hvm-XXXXXX", (int)(slash - path + 1), path,
			 slash + 1);
	else
		snprintf(tmp, tmpsz, ".%s.hvm-XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

/* Keep a copy of path: a hard link when the filesystem allows it (same
 * inode, so every attribute is kept), else a byte copy. */
static int make_backup(const char *path, int origfd, const struct stat *st,
		       char *backup, size_t backupsz)
{
	char buf[65536];
	int fd;

	for (int n = 0; n < 100; n++) {
		if (n == 0)
			snprintf(backup, backupsz, "%s.hv-migrate.bak", path);
		else
			snprintf(backup, backupsz, "%s.hv-migrate.bak.%d", path, n);
		if (link(path, backup) == 0)
			return 0;
		if (errno == EEXIST)
			continue;
		/* vfat (/boot/efi) has no hard links */
		fd = open(backup, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st->st_mode & 07777);
		if (fd < 0) {
			if (errno == EEXIST)
				continue;
			return -1;
		}
		if (lseek(origfd, 0, SEEK_SET) < 0)
			goto fail;
		for (;;) {
			ssize_t r = read(origfd, buf, sizeof(buf));

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				goto fail;
			if (r == 0)
				break;
			if (write_all(fd, buf, (size_t)r))
				goto fail;
		}
		if (fsync(fd) || close(fd)) {
			unlink(backup);
			return -1;
		}
		return 0;
fail:
		close(fd);
		unlink(backup);
		return -1;
	}
	errno = EEXIST;
	return -1;
}

int hvm_write_atomic(const char *path, const char *buf, size_t len,
		     char *backup, size_t backupsz, char *err, size_t errsz)
{
	char tmp[PATH_MAX + 32];
	struct stat st, tst;
	int orig, fd = -1;

	backup[0] = '\0';
	orig = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (orig < 0 || fstat(orig, &st) < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto fail;
	}
	fd = make_temp(path, tmp, sizeof(tmp));
	if (fd < 0) {
		snprintf(err, errsz, "cannot create a temporary file beside %s: %s", path,
			 strerror(errno));
		goto fail;
	}
	if (write_all(fd, buf, len) || fstat(fd, &tst) < 0) {
		snprintf(err, errsz, "writing %s: %s", tmp, strerror(errno));
		goto fail_tmp;
	}
	/* chown before chmod: chown clears set-id bits. Filesystems without
	 * owners (vfat) refuse both, so only ask for what differs. */
	if ((tst.st_uid != st.st_uid || tst.st_gid != st.st_gid) &&
	    fchown(fd, st.st_uid, st.st_gid) < 0) {
		snprintf(err, errsz, "cannot give %s its owner: %s", tmp, strerror(errno));
		goto fail_tmp;
	}
	if ((tst.st_mode & 07777) != (st.st_mode & 07777) &&
	    fchmod(fd, st.st_mode & 07777) < 0) {
		snprintf(err, errsz, "cannot give %s its mode: %s", tmp, strerror(errno));
		goto fail_tmp;
	}
	if (copy_xattrs(orig, fd, err, errsz)) {
		if (!err[0])
			snprintf(err, errsz, "extended attributes of %s: %s", path,
				 strerror(errno));
		goto fail_tmp;
	}
	if (fsync(fd) < 0) {
		snprintf(err, errsz, "fsync %s: %s", tmp, strerror(errno));
		goto fail_tmp;
	}
	if (make_backup(path, orig, &st, backup, backupsz) < 0) {
		snprintf(err, errsz, "cannot back up %s: %s", path, strerror(errno));
		backup[0] = '\0';
		goto fail_tmp;
	}
	if (rename(tmp, path) < 0) {
		snprintf(err, errsz, "rename %s: %s", tmp, strerror(errno));
		goto fail_tmp;
	}
	close(fd);
	close(orig);
	fsync_dir_of(path);
	return 0;
fail_tmp:
	close(fd);
	unlink(tmp);
fail:
	if (orig >= 0)
		close(orig);
	return -1;
}

int hvm_write_new(const char *path, const char *buf, size_t len, mode_t mode,
		  char *err, size_t errsz)
{
	char tmp[PATH_MAX + 32];
	int fd;

	fd = make_temp(path, tmp, sizeof(tmp));
	if (fd < 0) {
		snprintf(err, errsz, "cannot create a file beside %s: %s", path,
			 strerror(errno));
		return -1;
	}
	if (write_all(fd, buf, len) || fchmod(fd, mode) || fsync(fd)) {
		snprintf(err, errsz, "writing %s: %s", tmp, strerror(errno));
		goto fail;
	}
	/* link, unlike rename, fails if path appeared meanwhile */
	if (link(tmp, path) < 0) {
		snprintf(err, errsz, "creating %s: %s", path, strerror(errno));
		goto fail;
	}
	unlink(tmp);
	close(fd);
	fsync_dir_of(path);
	return 0;
fail:
	close(fd);
	unlink(tmp);
	return -1;
}
