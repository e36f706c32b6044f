// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the VSS side: the message handler (with a freeze that only
 * records) and the mount-table parser that decides what gets frozen.
 */
#include "fuzz_common.h"

#include "common/log.h"
#include "vss/vss_daemon.h"

static struct vss_daemon daemon_state;
static char *scratch;
static int frozen_count;

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vss_plan *plan;
	char *text;
	unsigned int i;

	if (!scratch) {
		log_init("fuzz", LOG_TARGET_NONE);
		scratch = fuzz_scratch_dir();
		vss_config_defaults(&daemon_state.cfg);
		snprintf(daemon_state.cfg.mounts, PATH_MAX, "%s/mounts", scratch);
		write_text_file(daemon_state.cfg.mounts, "/dev/sda1 / ext4 rw 0 0\n/dev/sdb1 /data xfs rw 0 0\n");
		daemon_state.cfg.hook_dir[0] = '\0';
		daemon_state.ops.freeze = fake_freeze;
		daemon_state.ops.thaw = fake_thaw;
		vss_daemon_init(&daemon_state);
	}
	if (size && (data[0] & 1)) {
		/* Mount table text. */
		plan = malloc(sizeof(*plan));
		text = malloc(size);
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		if (vss_plan_from_mounts(text, NULL, plan) == 0) {
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
