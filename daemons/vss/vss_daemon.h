/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VSS daemon's state machine, independent of main() for testing.
 *
 * Protocol (drivers/hv/hv_snapshot.c, tools/hv/hv_vss_daemon.c): the daemon
 * writes a struct hv_vss_msg with VSS_OP_REGISTER1; the kernel answers with
 * a bare __u32 (its version). Each later read is one hv_vss_msg whose
 * vss_hdr.operation is FREEZE, THAW or HOT_BACKUP; each gets the same
 * struct back with .error set.
 *
 * Freeze sequence: pre-freeze hooks ("freeze") -> log hold -> FIFREEZE all ->
 * reply. Thaw: FITHAW all -> log release -> reply -> post-thaw hooks
 * ("thaw", reverse order). Nothing is logged or written to a file between
 * the first FIFREEZE and the last FITHAW; messages wait in memory.
 */
#ifndef HVG_VSS_DAEMON_H
#define HVG_VSS_DAEMON_H

#include <limits.h>
#include <linux/hyperv.h>
#include <stdbool.h>
#include <stddef.h>

#include "vss_freeze.h"

_Static_assert(sizeof(struct hv_vss_msg) == 12, "struct hv_vss_msg layout");
_Static_assert(VSS_OP_REGISTER1 == 129, "VSS register op");

#define VSS_DEFAULT_CONFIG "/etc/hyperv-guest/vss.conf"

enum vss_hook_policy {
	VSS_HOOK_FAIL,   /* a failing pre-freeze hook fails the backup */
	VSS_HOOK_IGNORE, /* log it and freeze anyway */
};

struct vss_config {
	char device[PATH_MAX];
	char mounts[PATH_MAX];
	char hook_dir[PATH_MAX];
	unsigned int hook_timeout_ms;
	enum vss_hook_policy hook_policy;
	unsigned int watchdog_s;
	struct vss_exclude exclude;
};

void vss_config_defaults(struct vss_config *cfg);
int vss_config_set(void *cfg, const char *key, const char *value);

struct vss_daemon {
	struct vss_config cfg;
	struct vss_fs_ops ops;
	struct vss_blockdev_probe probe; /* zeroed: /sys and stat() */
	struct vss_plan plan;     /* what is frozen, while frozen */
	bool frozen;
	long long frozen_at_ms;   /* monotonic */
	bool registered;
	bool post_thaw_hooks_due; /* run after the THAW reply went out */
	long long (*clock_ms)(void); /* monotonic ms; tests replace it */
};

void vss_daemon_init(struct vss_daemon *d);
int vss_send_register(struct vss_daemon *d, int fd);

/*
 * Handle one message; returns 1 if msg (now the reply) must be written,
 * 0 for the handshake, -1 for a malformed message (reopen the device).
 */
int vss_handle_message(struct vss_daemon *d, void *buf, size_t len);

/* Work that must follow a reply (post-thaw hooks). */
void vss_after_reply(struct vss_daemon *d);

/* Thaw now (watchdog, failed reply, shutdown). Safe when not frozen. */
void vss_emergency_thaw(struct vss_daemon *d, const char *why);

/* Milliseconds until the watchdog fires; -1 if not frozen. */
int vss_watchdog_timeout_ms(const struct vss_daemon *d);

/*
 * Wait for one message (or the watchdog), handle it, reply. Returns 0, or
 * -1 if the device failed (the caller thaws through vss_emergency_thaw()
 * and reopens). *stop is polled between waits for signal-driven exit.
 */
int vss_serve_one(struct vss_daemon *d, int fd, volatile int *stop);

#endif
