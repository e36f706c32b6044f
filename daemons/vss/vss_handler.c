// SPDX-License-Identifier: GPL-2.0-only
#include "vss_daemon.h"
#include "../common/config.h"
#include "../common/device.h"
#include "../common/hooks.h"
#include "../common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define VSS_MOUNTS_MAX_BYTES (1024 * 1024)

void vss_config_defaults(struct vss_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->device, "/dev/vmbus/hv_vss");
	strcpy(cfg->mounts, "/proc/self/mounts");
	strcpy(cfg->hook_dir, "/etc/hyperv-guest/vss-hooks.d");
	cfg->hook_timeout_ms = 30 * 1000;
	cfg->hook_policy = VSS_HOOK_FAIL;
	/* The host normally thaws within seconds; 10 minutes is generous and
	 * still below the kernel's 15-minute freeze timeout. */
	cfg->watchdog_s = 600;
	pattern_list_set(&cfg->exclude.mount_points, "");
	pattern_list_set(&cfg->exclude.fstypes, "");
}

int vss_config_set(void *ctx, const char *key, const char *value)
{
	struct vss_config *cfg = ctx;
	unsigned int seconds;

	if (!strcmp(key, "device"))
		return value[0] == '/' ? config_set_string(cfg->device, PATH_MAX, value) : -1;
	if (!strcmp(key, "mounts"))
		return value[0] == '/' ? config_set_string(cfg->mounts, PATH_MAX, value) : -1;
	if (!strcmp(key, "hook_dir"))
		return (!value[0] || value[0] == '/') ?
			config_set_string(cfg->hook_dir, PATH_MAX, value) : -1;
	if (!strcmp(key, "hook_timeout")) {
		if (config_set_uint(&seconds, value, 900) || seconds == 0)
			return -1;
		cfg->hook_timeout_ms = seconds * 1000;
		return 0;
	}
	if (!strcmp(key, "hook_failure")) {
		if (!strcmp(value, "fail"))
			cfg->hook_policy = VSS_HOOK_FAIL;
		else if (!strcmp(value, "ignore"))
			cfg->hook_policy = VSS_HOOK_IGNORE;
		else
			return -1;
		return 0;
	}
	if (!strcmp(key, "watchdog"))
		return (config_set_uint(&cfg->watchdog_s, value, 3600) || cfg->watchdog_s < 5) ? -1 : 0;
	if (!strcmp(key, "exclude_mounts"))
		return pattern_list_set(&cfg->exclude.mount_points, value);
	if (!strcmp(key, "exclude_fstypes"))
		return pattern_list_set(&cfg->exclude.fstypes, value);
	return -1;
}

static long long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void vss_daemon_init(struct vss_daemon *d)
{
	if (!d->ops.freeze)
		d->ops = vss_ioctl_ops;
	if (!d->clock_ms)
		d->clock_ms = monotonic_ms;
	d->frozen = false;
	d->registered = false;
	d->post_thaw_hooks_due = false;
}

int vss_send_register(struct vss_daemon *d, int fd)
{
	struct hv_vss_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.vss_hdr.operation = VSS_OP_REGISTER1;
	d->registered = false;
	if (device_write(fd, &msg, sizeof(msg))) {
		log_msg(LOG_ERR, "registration failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int load_mounts(const char *path, char **text)
{
	FILE *f = fopen(path, "re");
	size_t len;

	*text = NULL;
	if (!f)
		return -1;
	*text = malloc(VSS_MOUNTS_MAX_BYTES + 1);
	if (!*text) {
		fclose(f);
		return -1;
	}
	len = fread(*text, 1, VSS_MOUNTS_MAX_BYTES, f);
	fclose(f);
	(*text)[len] = '\0';
	return 0;
}

static __u32 do_freeze(struct vss_daemon *d)
{
	struct hook_result hooks;
	unsigned int failed = 0;
	char *mounts;
	int err;

	if (d->frozen) {
		/* A second FREEZE without THAW: thaw first so the new set is consistent. */
		vss_emergency_thaw(d, "FREEZE while already frozen");
	}
	hooks_run(d->cfg.hook_dir, "freeze", d->cfg.hook_timeout_ms, false,
		  d->cfg.hook_policy == VSS_HOOK_FAIL, &hooks);
	if (hooks.failed && d->cfg.hook_policy == VSS_HOOK_FAIL) {
		log_msg(LOG_ERR, "FREEZE refused: %u pre-freeze hook(s) failed", hooks.failed);
		hooks_run(d->cfg.hook_dir, "freezefail", d->cfg.hook_timeout_ms, true, false,
			  &hooks);
		return HV_E_FAIL;
	}
	if (load_mounts(d->cfg.mounts, &mounts) ||
	    vss_plan_from_mounts(mounts, &d->cfg.exclude, &d->probe, &d->plan)) {
		free(mounts);
		log_msg(LOG_ERR, "FREEZE refused: cannot list the mounted filesystems");
		hooks_run(d->cfg.hook_dir, "freezefail", d->cfg.hook_timeout_ms, true, false,
			  &hooks);
		return HV_E_FAIL;
	}
	free(mounts);

	log_hold(); /* from here until the thaw, no log output */
	err = vss_freeze_plan(&d->plan, &d->ops, &failed);
	if (err) {
		log_release();
		log_msg(LOG_ERR, "FREEZE of %s failed: %s; everything thawed",
			d->plan.mount[failed].target, strerror(err));
		hooks_run(d->cfg.hook_dir, "freezefail", d->cfg.hook_timeout_ms, true, false,
			  &hooks);
		return HV_E_FAIL;
	}
	d->frozen = true;
	d->frozen_at_ms = d->clock_ms();
	log_msg(LOG_INFO, "froze %u filesystem(s)", d->plan.count); /* held */
	return HV_S_OK;
}

static void thaw_now(struct vss_daemon *d)
{
	unsigned int failures = vss_thaw_plan(&d->plan, &d->ops);

	d->frozen = false;
	log_release();
	if (failures)
		log_msg(LOG_ERR, "%u filesystem(s) failed to thaw", failures);
}

void vss_emergency_thaw(struct vss_daemon *d, const char *why)
{
	if (!d->frozen)
		return;
	thaw_now(d);
	log_msg(LOG_WARNING, "thawed all filesystems: %s", why);
	d->post_thaw_hooks_due = true;
	vss_after_reply(d);
}

/*
 * A THAW for a freeze this daemon did not make: an earlier one may have
 * been killed with the filesystems frozen, and the kernel kept the host's
 * THAW for the next daemon. Thaw every filesystem we would freeze, as
 * upstream's daemon does on every THAW; one that is not frozen says
 * EINVAL, which is no failure.
 */
static __u32 thaw_unknown(struct vss_daemon *d)
{
	unsigned int failures;
	char *mounts;

	if (load_mounts(d->cfg.mounts, &mounts) ||
	    vss_plan_from_mounts(mounts, &d->cfg.exclude, &d->probe, &d->plan)) {
		free(mounts);
		log_msg(LOG_ERR, "THAW: cannot list the mounted filesystems");
		return HV_E_FAIL;
	}
	free(mounts);
	failures = vss_thaw_plan(&d->plan, &d->ops);
	if (failures) {
		log_msg(LOG_ERR, "THAW while not frozen: %u filesystem(s) failed to thaw",
			failures);
		return HV_E_FAIL;
	}
	log_msg(LOG_INFO, "THAW while not frozen here: thawed whatever was left frozen");
	return HV_S_OK;
}

static __u32 do_thaw(struct vss_daemon *d)
{
	if (!d->frozen)
		return thaw_unknown(d);
	thaw_now(d);
	log_msg(LOG_INFO, "thawed %u filesystem(s)", d->plan.count);
	d->post_thaw_hooks_due = true;
	return HV_S_OK;
}

void vss_after_reply(struct vss_daemon *d)
{
	struct hook_result hooks;

	if (!d->post_thaw_hooks_due)
		return;
	d->post_thaw_hooks_due = false;
	hooks_run(d->cfg.hook_dir, "thaw", d->cfg.hook_timeout_ms, true, false, &hooks);
	if (hooks.failed)
		log_msg(LOG_WARNING, "%u post-thaw hook(s) failed", hooks.failed);
}

int vss_handle_message(struct vss_daemon *d, void *buf, size_t len)
{
	struct hv_vss_msg *msg = buf;
	__u32 status;
	unsigned int op;

	if (!d->registered) {
		/* The kernel's answer to VSS_OP_REGISTER1 is a bare __u32. */
		if (len == sizeof(__u32)) {
			__u32 version;

			memcpy(&version, buf, sizeof(version));
			d->registered = true;
			log_msg(LOG_INFO, "registered with the kernel, version %u", version);
			return 0;
		}
		log_msg(LOG_ERR, "handshake reply of %zu bytes, expected 4", len);
		return -1;
	}
	if (len != sizeof(*msg)) {
		log_msg(LOG_ERR, "message of %zu bytes, expected %zu", len, sizeof(*msg));
		return -1;
	}
	op = msg->vss_hdr.operation;
	switch (op) {
	case VSS_OP_FREEZE:
		status = do_freeze(d);
		break;
	case VSS_OP_THAW:
		status = do_thaw(d);
		break;
	case VSS_OP_HOT_BACKUP:
		/* The kernel already answered the feature bits; nothing to do. */
		log_msg(LOG_INFO, "hot backup announced");
		status = HV_S_OK;
		break;
	default:
		log_msg(LOG_ERR, "unknown operation %u", op);
		status = HV_ERROR_NOT_SUPPORTED;
		break;
	}
	msg->error = (int)status;
	return 1;
}

int vss_watchdog_timeout_ms(const struct vss_daemon *d)
{
	long long left;

	if (!d->frozen)
		return -1;
	left = d->frozen_at_ms + (long long)d->cfg.watchdog_s * 1000 - d->clock_ms();
	return left < 0 ? 0 : (int)(left > 0x7fffffff ? 0x7fffffff : left);
}

int vss_serve_one(struct vss_daemon *d, int fd, volatile int *stop)
{
	/* FREEZE messages may carry up to 6,260 bytes (uapi hyperv.h comment). */
	union {
		struct hv_vss_msg msg;
		unsigned char raw[8192];
	} buf;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t len;
	int r;

	for (;;) {
		if (stop && *stop)
			return -1;
		/* Checked before waiting: a busy device must not starve the watchdog. */
		if (vss_watchdog_timeout_ms(d) == 0)
			vss_emergency_thaw(d, "the host did not send THAW in time");
		r = poll(&pfd, 1, vss_watchdog_timeout_ms(d));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			vss_emergency_thaw(d, "the host did not send THAW in time");
			continue;
		}
		break;
	}
	len = read(fd, &buf, sizeof(buf));
	if (len <= 0)
		return -1;
	r = vss_handle_message(d, &buf, (size_t)len);
	if (r <= 0)
		return r;
	if (device_write(fd, &buf.msg, sizeof(buf.msg))) {
		/* The kernel gave up on us (its timeout): never stay frozen. */
		vss_emergency_thaw(d, "the reply could not be delivered");
		return -1;
	}
	vss_after_reply(d);
	return 0;
}
