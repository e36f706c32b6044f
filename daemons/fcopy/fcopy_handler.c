// SPDX-License-Identifier: GPL-2.0-only
#include "fcopy_daemon.h"
#include "../common/config.h"
#include "../common/device.h"
#include "../common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void fcopy_config_defaults(struct fcopy_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->device, "/dev/vmbus/hv_fcopy");
	strcpy(cfg->destinations, "/tmp /var/tmp /home /root /srv /opt");
	cfg->max_file_size = 0;
}

int fcopy_config_set(void *ctx, const char *key, const char *value)
{
	struct fcopy_config *cfg = ctx;

	if (!strcmp(key, "device"))
		return value[0] == '/' ? config_set_string(cfg->device, PATH_MAX, value) : -1;
	if (!strcmp(key, "destinations")) {
		struct pattern_list list;
		unsigned int i;

		if (pattern_list_set(&list, value))
			return -1;
		for (i = 0; i < list.count; i++)
			if (list.pattern[i][0] != '/')
				return -1;
		return config_set_string(cfg->destinations, sizeof(cfg->destinations), value);
	}
	if (!strcmp(key, "max_file_size")) {
		char *end;

		errno = 0;
		cfg->max_file_size = strtoull(value, &end, 10);
		return (errno || *end || !*value) ? -1 : 0;
	}
	return -1;
}

void fcopy_daemon_init(struct fcopy_daemon *d)
{
	d->registered = false;
	d->dir_fd = -1;
	d->tmp_fd = -1;
}

void fcopy_abort(struct fcopy_daemon *d)
{
	if (d->tmp_fd >= 0) {
		close(d->tmp_fd);
		unlinkat(d->dir_fd, d->tmp_name, 0);
		log_msg(LOG_INFO, "removed unfinished copy of %s", d->final_name);
	}
	if (d->dir_fd >= 0)
		close(d->dir_fd);
	d->tmp_fd = -1;
	d->dir_fd = -1;
}

int fcopy_send_register(struct fcopy_daemon *d, int fd)
{
	int version = FCOPY_CURRENT_VERSION;

	d->registered = false;
	if (device_write(fd, &version, sizeof(version))) {
		log_msg(LOG_ERR, "registration failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static __u32 errno_status(int err)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		return HV_ERROR_DISK_FULL;
	case EEXIST:
		return HV_ERROR_ALREADY_EXISTS;
	case EACCES:
	case EPERM:
	case EROFS:
	case ELOOP: /* a symbolic link where we refuse to follow one */
		return HVG_E_ACCESSDENIED;
	default:
		return HV_E_FAIL;
	}
}

/* Take a UTF-8 name field from the kernel: terminated, valid, no controls. */
static int take_name(const void *field, size_t field_size, char *out, size_t cap)
{
	long len = str_bounded_len(field, field_size);
	size_t i;

	if (len <= 0 || (size_t)len >= cap || !utf8_valid(field, (size_t)len))
		return -1;
	memcpy(out, field, (size_t)len + 1);
	for (i = 0; i < (size_t)len; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			return -1;
	return 0;
}

/*
 * Split an absolute path into components, refusing "." and "..". Returns the
 * component count or -1.
 */
static int split_path(char *path, char **comp, int max)
{
	char *save = NULL, *c;
	int n = 0;

	if (path[0] != '/')
		return -1;
	for (c = strtok_r(path, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, ".") || !strcmp(c, "..") || n == max)
			return -1;
		comp[n++] = c;
	}
	return n;
}

/*
 * Open the target directory: find the allowed destination that is a
 * component-wise prefix of the path, open it, then walk the rest with
 * O_NOFOLLOW, creating directories (0755) if create_path is set.
 * Returns a directory fd or -1 with errno set.
 */
static int open_target_dir(const struct fcopy_config *cfg, const char *path_in,
			   bool create_path)
{
	char path[PATH_MAX], dests_text[PATTERN_TEXT_MAX];
	char *comp[PATH_MAX / 2], *dcomp[PATH_MAX / 2];
	struct pattern_list dests;
	int n, i, best = -1, best_len = -1, fd;
	unsigned int k;

	if (strlen(path_in) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(path, path_in);
	n = split_path(path, comp, (int)(sizeof(comp) / sizeof(comp[0])));
	if (n < 0 || pattern_list_set(&dests, cfg->destinations)) {
		errno = EACCES;
		return -1;
	}
	for (k = 0; k < dests.count; k++) {
		int dn;

		strcpy(dests_text, dests.pattern[k]);
		dn = split_path(dests_text, dcomp, (int)(sizeof(dcomp) / sizeof(dcomp[0])));
		if (dn < 0 || dn > n || dn <= best_len)
			continue;
		for (i = 0; i < dn && !strcmp(dcomp[i], comp[i]); i++)
			;
		if (i == dn) {
			best = (int)k;
			best_len = dn;
		}
	}
	if (best < 0) {
		log_msg(LOG_ERR, "refused: %s is outside the allowed destinations", path_in);
		errno = EACCES;
		return -1;
	}
	fd = open(dests.pattern[best], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (i = best_len; fd >= 0 && i < n; i++) {
		int next = openat(fd, comp[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (next < 0 && errno == ENOENT && create_path) {
			if (mkdirat(fd, comp[i], 0755) < 0 && errno != EEXIST) {
				next = -1;
			} else {
				next = openat(fd, comp[i],
					      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			}
		}
		if (next < 0 && errno == ENOTDIR) {
			struct stat st;

			/* O_NOFOLLOW on a symlink to a directory reports ENOTDIR. */
			if (fstatat(fd, comp[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
				errno = ELOOP;
		}
		{
			int saved = errno;

			close(fd);
			errno = saved;
		}
		fd = next;
	}
	return fd;
}

static __u32 op_start(struct fcopy_daemon *d, const struct hv_start_fcopy *msg)
{
	char name[W_MAX_PATH * 2], path[W_MAX_PATH * 2];
	struct stat st;
	unsigned int attempt;

	fcopy_abort(d); /* a new START abandons an unfinished copy */
	if (take_name((const char *)msg->file_name, sizeof(msg->file_name), name, sizeof(name)) ||
	    take_name((const char *)msg->path_name, sizeof(msg->path_name), path, sizeof(path))) {
		log_msg(LOG_ERR, "START: unterminated, empty or invalid name");
		return HV_INVALIDARG;
	}
	if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
	    strlen(name) > NAME_MAX - 16) {
		log_msg(LOG_ERR, "START: file name is not a plain name");
		return HV_INVALIDARG;
	}
	if (msg->copy_flags & ~(__u32)(OVER_WRITE | CREATE_PATH)) {
		log_msg(LOG_ERR, "START: unknown flags 0x%x", msg->copy_flags);
		return HV_INVALIDARG;
	}
	if (d->cfg.max_file_size && msg->file_size > d->cfg.max_file_size) {
		log_msg(LOG_ERR, "START: %llu bytes is more than max_file_size",
			(unsigned long long)msg->file_size);
		return HV_ERROR_DISK_FULL;
	}
	d->dir_fd = open_target_dir(&d->cfg, path, msg->copy_flags & CREATE_PATH);
	if (d->dir_fd < 0) {
		int err = errno;

		log_msg(LOG_ERR, "START: cannot open %s: %s", path, strerror(err));
		return errno_status(err);
	}
	d->overwrite = msg->copy_flags & OVER_WRITE;
	if (!d->overwrite && fstatat(d->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		fcopy_abort(d);
		return HV_ERROR_ALREADY_EXISTS;
	}
	strcpy(d->final_name, name);
	d->file_size = msg->file_size;
	for (attempt = 0; attempt < 16; attempt++) {
		snprintf(d->tmp_name, sizeof(d->tmp_name), ".%.200s.hvcopy-%06lx", name,
			 (unsigned long)(random() & 0xffffff));
		d->tmp_fd = openat(d->dir_fd, d->tmp_name,
				   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (d->tmp_fd >= 0 || errno != EEXIST)
			break;
	}
	if (d->tmp_fd < 0) {
		int err = errno;

		log_msg(LOG_ERR, "START: cannot create a file in %s: %s", path, strerror(err));
		close(d->dir_fd);
		d->dir_fd = -1;
		return errno_status(err);
	}
	log_msg(LOG_INFO, "receiving %s/%s (%llu bytes)", path, name,
		(unsigned long long)d->file_size);
	return HV_S_OK;
}

static __u32 op_write(struct fcopy_daemon *d, const struct hv_do_fcopy *msg)
{
	const unsigned char *p = msg->data;
	unsigned long long offset = msg->offset;
	size_t left = msg->size;

	if (d->tmp_fd < 0) {
		log_msg(LOG_ERR, "WRITE without START");
		return HV_E_FAIL;
	}
	if (msg->size > DATA_FRAGMENT || offset > d->file_size ||
	    msg->size > d->file_size - offset) {
		log_msg(LOG_ERR, "WRITE of %u bytes at %llu is outside the file", msg->size, offset);
		fcopy_abort(d);
		return HV_INVALIDARG;
	}
	while (left) {
		ssize_t n = pwrite(d->tmp_fd, p, left, (off_t)offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : EIO;

			log_msg(LOG_ERR, "write of %s failed: %s", d->final_name, strerror(err));
			fcopy_abort(d);
			return errno_status(err);
		}
		p += n;
		left -= (size_t)n;
		offset += (unsigned long long)n;
	}
	return HV_S_OK;
}

static __u32 op_complete(struct fcopy_daemon *d)
{
	int r, err;

	if (d->tmp_fd < 0) {
		log_msg(LOG_ERR, "COMPLETE without START");
		return HV_E_FAIL;
	}
	if (fsync(d->tmp_fd) < 0) {
		err = errno;
		fcopy_abort(d);
		return errno_status(err);
	}
	if (d->overwrite)
		r = renameat(d->dir_fd, d->tmp_name, d->dir_fd, d->final_name);
	else
		r = renameat2(d->dir_fd, d->tmp_name, d->dir_fd, d->final_name, RENAME_NOREPLACE);
	if (r < 0) {
		err = errno;
		log_msg(LOG_ERR, "cannot put %s in place: %s", d->final_name, strerror(err));
		fcopy_abort(d);
		return errno_status(err);
	}
	fsync(d->dir_fd);
	close(d->tmp_fd);
	close(d->dir_fd);
	d->tmp_fd = -1;
	d->dir_fd = -1;
	log_msg(LOG_INFO, "received %s", d->final_name);
	return HV_S_OK;
}

int fcopy_handle_message(struct fcopy_daemon *d, const void *buf, size_t len,
			 __u32 *status)
{
	struct hv_fcopy_hdr hdr;

	if (!d->registered) {
		if (len != sizeof(__u32)) {
			log_msg(LOG_ERR, "handshake reply of %zu bytes, expected 4", len);
			return -1;
		}
		d->registered = true;
		return 0;
	}
	if (len < sizeof(hdr)) {
		log_msg(LOG_ERR, "message of %zu bytes is too short", len);
		return -1;
	}
	memcpy(&hdr, buf, sizeof(hdr));
	switch (hdr.operation) {
	case START_FILE_COPY:
		if (len != sizeof(struct hv_start_fcopy))
			break;
		*status = op_start(d, buf);
		return 1;
	case WRITE_TO_FILE:
		if (len != sizeof(struct hv_do_fcopy))
			break;
		*status = op_write(d, buf);
		return 1;
	case COMPLETE_FCOPY:
		*status = op_complete(d);
		return 1;
	case CANCEL_FCOPY:
		fcopy_abort(d);
		*status = HV_S_OK;
		return 1;
	default:
		log_msg(LOG_ERR, "unknown operation %u", hdr.operation);
		*status = HV_ERROR_NOT_SUPPORTED;
		return 1;
	}
	log_msg(LOG_ERR, "operation %u with %zu bytes: wrong size", hdr.operation, len);
	fcopy_abort(d);
	return -1;
}

int fcopy_serve_one(struct fcopy_daemon *d, int fd)
{
	static union {
		struct hv_do_fcopy write;
		struct hv_start_fcopy start;
		unsigned char raw[sizeof(struct hv_do_fcopy) + 1];
	} buf;
	ssize_t len = device_read(fd, &buf, sizeof(buf));
	__u32 status = HV_E_FAIL;
	int r, reply;

	if (len <= 0) {
		fcopy_abort(d); /* the device vanished mid-copy */
		return -1;
	}
	r = fcopy_handle_message(d, &buf, (size_t)len, &status);
	if (r <= 0)
		return r;
	reply = (int)status;
	if (device_write(fd, &reply, sizeof(reply))) {
		fcopy_abort(d);
		return -1;
	}
	return 0;
}
