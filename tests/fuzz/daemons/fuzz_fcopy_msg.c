// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the fcopy handler. Sequences of messages come from one input (each
 * prefixed by a length selector), so START/WRITE/COMPLETE/CANCEL interleave.
 * Invariant: nothing is ever created outside the allowed destination.
 */
#include "fuzz_common.h"

#include <dirent.h>

#include "common/log.h"
#include "fcopy/fcopy_daemon.h"

static struct fcopy_daemon daemon_state;
static char *scratch, *dest, *outside;
static unsigned long iterations;

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = { sizeof(struct hv_fcopy_hdr), sizeof(struct hv_start_fcopy),
					sizeof(struct hv_do_fcopy), 4, 100 };
	static union {
		struct hv_do_fcopy write;
		unsigned char raw[sizeof(struct hv_do_fcopy)];
	} msg;
	size_t pos = 0;
	__u32 status;

	if (!scratch) {
		log_init("fuzz", LOG_TARGET_NONE);
		scratch = fuzz_scratch_dir();
		dest = path_join(scratch, "dest");
		outside = path_join(scratch, "outside");
		mkdir(dest, 0755);
		mkdir(outside, 0755);
		fcopy_config_defaults(&daemon_state.cfg);
		snprintf(daemon_state.cfg.destinations, sizeof(daemon_state.cfg.destinations),
			 "%s", dest);
		daemon_state.cfg.max_file_size = 1 << 20;
		fcopy_daemon_init(&daemon_state);
	}
	daemon_state.registered = true;
	while (pos + 2 <= size) {
		size_t len = sizes[data[pos] % 5], avail;
		uint32_t op = data[pos + 1] % 5;

		pos += 2;
		avail = size - pos < len ? size - pos : len;
		memset(&msg, 0, sizeof(msg));
		memcpy(msg.raw, data + pos, avail);
		memcpy(msg.raw, &op, sizeof(op));
		pos += avail;
		if (fcopy_handle_message(&daemon_state, &msg, len, &status) < 0)
			daemon_state.registered = true;
	}
	fcopy_abort(&daemon_state);
	if (count_entries(outside) != 0)
		abort();
	if (++iterations % 500 == 0) {
		remove_tree(dest);
		mkdir(dest, 0755);
	}
	return 0;
}
