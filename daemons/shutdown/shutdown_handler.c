// SPDX-License-Identifier: GPL-2.0-only
#include "shutdown_daemon.h"
#include "../common/config.h"
#include "../common/device.h"
#include "../common/hooks.h"
#include "../common/log.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *shutdown_action_name(enum shutdown_action action)
{
	switch (action) {
	case SHUTDOWN_POWEROFF: return "poweroff";
	case SHUTDOWN_REBOOT: return "reboot";
	case SHUTDOWN_HIBERNATE: return "hibernate";
	}
	return "unknown";
}

void shutdown_config_defaults(struct shutdown_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->device, "/dev/vmbus/hv_shutdown");
	strcpy(cfg->hook_dir, "/etc/hyperv-guest/shutdown-hooks.d");
	cfg->hook_timeout_ms = 30 * 1000;
	cfg->max_inhibit_wait_s = 30;
	cfg->method = SHUTDOWN_METHOD_AUTO;
	strcpy(cfg->shutdown_command, "/sbin/shutdown");
	strcpy(cfg->power_state, "/sys/power/state");
}

int shutdown_config_set(void *ctx, const char *key, const char *value)
{
	struct shutdown_config *cfg = ctx;
	unsigned int seconds;

	if (!strcmp(key, "device"))
		return value[0] == '/' ? config_set_string(cfg->device, PATH_MAX, value) : -1;
	if (!strcmp(key, "hook_dir"))
		return (!value[0] || value[0] == '/') ?
			config_set_string(cfg->hook_dir, PATH_MAX, value) : -1;
	if (!strcmp(key, "shutdown_command"))
		return value[0] == '/' ?
			config_set_string(cfg->shutdown_command, PATH_MAX, value) : -1;
	if (!strcmp(key, "power_state"))
		return value[0] == '/' ? config_set_string(cfg->power_state, PATH_MAX, value) : -1;
	if (!strcmp(key, "hook_timeout")) {
		if (config_set_uint(&seconds, value, 600) || seconds == 0)
			return -1;
		cfg->hook_timeout_ms = seconds * 1000;
		return 0;
	}
	if (!strcmp(key, "max_inhibit_wait"))
		return config_set_uint(&cfg->max_inhibit_wait_s, value, 3600);
	if (!strcmp(key, "method")) {
		if (!strcmp(value, "auto"))
			cfg->method = SHUTDOWN_METHOD_AUTO;
		else if (!strcmp(value, "logind"))
			cfg->method = SHUTDOWN_METHOD_LOGIND;
		else if (!strcmp(value, "exec"))
			cfg->method = SHUTDOWN_METHOD_EXEC;
		else
			return -1;
		return 0;
	}
	return -1;
}

void shutdown_daemon_init(struct shutdown_daemon *d)
{
	if (!d->ops.logind)
		d->ops.logind = shutdown_logind_perform;
	if (!d->ops.fallback) {
		d->ops.fallback = shutdown_exec_perform;
		d->ops.ctx = &d->cfg;
	}
	d->registered = false;
	d->version = 0;
}

int shutdown_send_register(struct shutdown_daemon *d, int fd)
{
	struct hv_shutdown_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.magic = htole32(HV_SHUTDOWN_MAGIC);
	msg.op = htole16(HV_SHUTDOWN_OP_REGISTER);
	msg.version = htole16(HV_SHUTDOWN_VERSION_CURRENT);
	msg.min_version = htole16(HV_SHUTDOWN_VERSION_1);
	d->registered = false;
	if (device_write(fd, &msg, sizeof(msg))) {
		log_msg(LOG_ERR, "registration failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static bool reserved_zero(const struct hv_shutdown_msg *m)
{
	size_t i;

	for (i = 0; i < sizeof(m->reserved); i++)
		if (m->reserved[i])
			return false;
	return true;
}

static __u32 perform(struct shutdown_daemon *d, enum shutdown_action action, bool force)
{
	struct hook_result hooks;
	int r = -EHOSTDOWN;

	if (!force) {
		hooks_run(d->cfg.hook_dir, shutdown_action_name(action), d->cfg.hook_timeout_ms,
			  false, false, &hooks);
		if (hooks.failed)
			log_msg(LOG_WARNING, "%u shutdown hook(s) failed; continuing", hooks.failed);
	}
	if (d->cfg.method != SHUTDOWN_METHOD_EXEC) {
		r = d->ops.logind(d->ops.ctx, action, force, force ? 0 : d->cfg.max_inhibit_wait_s);
		if (r == -EHOSTDOWN && d->cfg.method == SHUTDOWN_METHOD_AUTO)
			log_msg(LOG_INFO, "systemd-logind is not available; using %s",
				action == SHUTDOWN_HIBERNATE ? d->cfg.power_state
							     : d->cfg.shutdown_command);
	}
	if (r == -EHOSTDOWN && d->cfg.method != SHUTDOWN_METHOD_LOGIND)
		r = d->ops.fallback(d->ops.ctx, action, force);
	if (r == 0) {
		log_msg(LOG_INFO, "%s started at the host's request%s",
			shutdown_action_name(action), force ? " (forced)" : "");
		return HV_SHUTDOWN_S_OK;
	}
	log_msg(LOG_ERR, "%s failed: %s", shutdown_action_name(action), strerror(-r));
	return r == -ENOTSUP ? HV_SHUTDOWN_S_UNSUPPORTED : HV_SHUTDOWN_S_FAILED;
}

int shutdown_handle_message(struct shutdown_daemon *d, const void *buf, size_t len,
			    struct hv_shutdown_msg *reply)
{
	struct hv_shutdown_msg m;
	unsigned int op, flags, actions;
	enum shutdown_action action;

	if (len != sizeof(m)) {
		log_msg(LOG_ERR, "message of %zu bytes, expected %zu", len, sizeof(m));
		return -1;
	}
	memcpy(&m, buf, sizeof(m));
	if (le32toh(m.magic) != HV_SHUTDOWN_MAGIC) {
		log_msg(LOG_ERR, "message without the protocol magic");
		return -1;
	}
	op = le16toh(m.op);
	if (!d->registered) {
		unsigned int v = le16toh(m.version);

		if (op != HV_SHUTDOWN_OP_REGISTER_ACK) {
			log_msg(LOG_ERR, "op %u before the handshake", op);
			return -1;
		}
		if (le32toh(m.status) != HV_SHUTDOWN_S_OK || v < HV_SHUTDOWN_VERSION_1 ||
		    v > HV_SHUTDOWN_VERSION_CURRENT) {
			log_msg(LOG_ERR, "the kernel speaks no protocol version we know (%u, status %u)",
				v, le32toh(m.status));
			return -2;
		}
		d->version = v;
		d->registered = true;
		log_msg(LOG_INFO, "registered with the kernel, protocol version %u", v);
		return 0;
	}

	memset(reply, 0, sizeof(*reply));
	reply->magic = htole32(HV_SHUTDOWN_MAGIC);
	reply->version = htole16((__u16)d->version);
	reply->op = htole16(HV_SHUTDOWN_OP_REPLY);
	reply->seq = m.seq;

	flags = le32toh(m.flags);
	actions = flags & HV_SHUTDOWN_F_ACTIONS;
	if (op != HV_SHUTDOWN_OP_REQUEST || le16toh(m.version) != d->version ||
	    (flags & ~HV_SHUTDOWN_F_ALL) || !reserved_zero(&m) || m.status || m.min_version ||
	    (actions != HV_SHUTDOWN_F_POWEROFF && actions != HV_SHUTDOWN_F_REBOOT &&
	     actions != HV_SHUTDOWN_F_HIBERNATE)) {
		log_msg(LOG_ERR, "invalid request: op %u version %u flags 0x%x", op,
			le16toh(m.version), flags);
		reply->status = htole32(HV_SHUTDOWN_S_INVALID);
		return 1;
	}
	action = actions == HV_SHUTDOWN_F_POWEROFF ? SHUTDOWN_POWEROFF
		 : actions == HV_SHUTDOWN_F_REBOOT ? SHUTDOWN_REBOOT
						    : SHUTDOWN_HIBERNATE;
	reply->status = htole32(perform(d, action, flags & HV_SHUTDOWN_F_FORCE));
	return 1;
}

int shutdown_serve_one(struct shutdown_daemon *d, int fd)
{
	union {
		struct hv_shutdown_msg msg;
		unsigned char raw[sizeof(struct hv_shutdown_msg) + 1];
	} buf;
	struct hv_shutdown_msg reply;
	ssize_t len;
	int r;

	/* Reap a finished hibernation helper (see shutdown_exec_perform). */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	len = device_read(fd, &buf, sizeof(buf));
	if (len <= 0)
		return -1;
	r = shutdown_handle_message(d, &buf, (size_t)len, &reply);
	if (r <= 0)
		return r;
	return device_write(fd, &reply, sizeof(reply)) ? -1 : 0;
}

/* Run argv[0] with argv, no shell; wait up to 60 s for it. */
static int run_command(char *const argv[])
{
	char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	int status, waited = 0;
	pid_t pid = fork(), done;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execve(argv[0], argv, envp);
		_exit(127);
	}
	while ((done = waitpid(pid, &status, WNOHANG)) == 0 && waited < 60000) {
		usleep(10000);
		waited += 10;
	}
	if (done == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -ETIMEDOUT;
	}
	if (done < 0)
		return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -ENOENT;
	return (WIFEXITED(status) && WEXITSTATUS(status) == 0) ? 0 : -EIO;
}

int shutdown_exec_perform(void *ctx, enum shutdown_action action, bool force)
{
	const struct shutdown_config *cfg = ctx;
	char *poweroff[] = { (char *)cfg->shutdown_command, "-P", "now", NULL };
	char *reboot[] = { (char *)cfg->shutdown_command, "-r", "now", NULL };
	pid_t pid;
	int fd;

	(void)force;
	switch (action) {
	case SHUTDOWN_POWEROFF:
		return run_command(poweroff);
	case SHUTDOWN_REBOOT:
		return run_command(reboot);
	case SHUTDOWN_HIBERNATE:
		/* Writing "disk" returns only after resume: do it in a child so
		 * the reply goes out first. */
		fd = open(cfg->power_state, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return errno == ENOENT ? -ENOTSUP : -errno;
		pid = fork();
		if (pid < 0) {
			close(fd);
			return -errno;
		}
		if (pid == 0)
			_exit(write(fd, "disk", 4) == 4 ? 0 : 1);
		close(fd);
		return 0;
	}
	return -EINVAL;
}
