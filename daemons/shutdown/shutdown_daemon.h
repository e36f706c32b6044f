/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shutdown daemon: reads requests from /dev/vmbus/hv_shutdown (our own
 * protocol, kernel/include/uapi/hyperv-guest/hv_shutdown.h) and performs
 * them through systemd-logind over sd-bus, or shutdown(8) without systemd.
 */
#ifndef HVG_SHUTDOWN_DAEMON_H
#define HVG_SHUTDOWN_DAEMON_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include <hyperv-guest/hv_shutdown.h>

#define SHUTDOWN_DEFAULT_CONFIG "/etc/hyperv-guest/shutdown.conf"

enum shutdown_action {
	SHUTDOWN_POWEROFF,
	SHUTDOWN_REBOOT,
	SHUTDOWN_HIBERNATE,
};

const char *shutdown_action_name(enum shutdown_action action);

/*
 * How actions are carried out; replaceable for tests. Each returns 0 when
 * the action was started, -ENOTSUP if the guest cannot do it, -EHOSTDOWN
 * (logind only) if logind is not there, another negative errno on failure.
 */
struct shutdown_power_ops {
	int (*logind)(void *ctx, enum shutdown_action action, bool force,
		      unsigned int max_inhibit_wait_s);
	int (*fallback)(void *ctx, enum shutdown_action action, bool force);
	void *ctx;
};

enum shutdown_method {
	SHUTDOWN_METHOD_AUTO,   /* logind, else the fallback */
	SHUTDOWN_METHOD_LOGIND, /* logind only */
	SHUTDOWN_METHOD_EXEC,   /* the fallback only */
};

struct shutdown_config {
	char device[PATH_MAX];
	char hook_dir[PATH_MAX];
	unsigned int hook_timeout_ms;
	unsigned int max_inhibit_wait_s;
	enum shutdown_method method;
	char shutdown_command[PATH_MAX]; /* shutdown(8) */
	char power_state[PATH_MAX];      /* /sys/power/state, for hibernation */
};

void shutdown_config_defaults(struct shutdown_config *cfg);
int shutdown_config_set(void *cfg, const char *key, const char *value);

struct shutdown_daemon {
	struct shutdown_config cfg;
	struct shutdown_power_ops ops;
	bool registered;
	unsigned int version;
};

void shutdown_daemon_init(struct shutdown_daemon *d);
int shutdown_send_register(struct shutdown_daemon *d, int fd);

/*
 * Handle one message (len bytes in buf). Returns 1 with *reply filled if a
 * reply must be written, 0 after a successful handshake, -1 on a malformed
 * message (reopen), -2 if the kernel refused every version we speak.
 */
int shutdown_handle_message(struct shutdown_daemon *d, const void *buf, size_t len,
			    struct hv_shutdown_msg *reply);

int shutdown_serve_one(struct shutdown_daemon *d, int fd);

/* Default ops: logind over the system bus; shutdown(8) / power_state. */
int shutdown_logind_perform(void *ctx, enum shutdown_action action, bool force,
			    unsigned int max_inhibit_wait_s);
int shutdown_exec_perform(void *ctx, enum shutdown_action action, bool force);

/*
 * The logind client on an already connected bus (tests pass a private
 * peer-to-peer bus with a fake logind on the other end).
 */
struct sd_bus;
int shutdown_logind_on_bus(struct sd_bus *bus, enum shutdown_action action, bool force,
			   unsigned int max_inhibit_wait_s, unsigned int poll_interval_ms);

#endif
