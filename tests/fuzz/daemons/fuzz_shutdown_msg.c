// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the shutdown protocol handler. The power actions are fakes that
 * count; an action may only happen for a well-formed request.
 */
#include "fuzz_common.h"

#include <endian.h>

#include "common/log.h"
#include "shutdown/shutdown_daemon.h"

static struct shutdown_daemon daemon_state;
static int actions;

static int fake_logind(void *ctx, enum shutdown_action a, bool force, unsigned int wait)
{
	(void)ctx;
	(void)a;
	(void)force;
	(void)wait;
	actions++;
	return 0;
}

static int fake_fallback(void *ctx, enum shutdown_action a, bool force)
{
	(void)ctx;
	(void)a;
	(void)force;
	actions++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct hv_shutdown_msg msg, reply;
	int r;

	if (!ready) {
		log_init("fuzz", LOG_TARGET_NONE);
		shutdown_config_defaults(&daemon_state.cfg);
		daemon_state.cfg.hook_dir[0] = '\0';
		daemon_state.ops.logind = fake_logind;
		daemon_state.ops.fallback = fake_fallback;
		shutdown_daemon_init(&daemon_state);
		ready = true;
	}
	memset(&msg, 0, sizeof(msg));
	memcpy(&msg, data, size < sizeof(msg) ? size : sizeof(msg));
	/* Usually keep the magic so the fuzzer gets past the first check. */
	if (size && !(data[0] & 0x80))
		msg.magic = htole32(HV_SHUTDOWN_MAGIC);
	daemon_state.registered = size > 1 && (data[1] & 1);
	daemon_state.version = 1;
	actions = 0;
	r = shutdown_handle_message(&daemon_state, &msg, size > 40 ? size : sizeof(msg), &reply);
	if (actions && (r != 1 || le32toh(reply.status) != HV_SHUTDOWN_S_OK))
		abort();
	if (actions) {
		uint32_t f = le32toh(msg.flags) & HV_SHUTDOWN_F_ACTIONS;

		if (le16toh(msg.op) != HV_SHUTDOWN_OP_REQUEST ||
		    (f != HV_SHUTDOWN_F_POWEROFF && f != HV_SHUTDOWN_F_REBOOT &&
		     f != HV_SHUTDOWN_F_HIBERNATE))
			abort();
	}
	return 0;
}
