/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fcopy daemon for the /dev/vmbus/hv_fcopy device of kernels up to 6.9
 * (drivers/hv/hv_fcopy.c; from 6.10 fcopy moved to uio_hv_generic, see
 * daemons.md 1.4, which this daemon does not speak).
 *
 * Protocol (tools/hv/hv_fcopy_daemon.c, include/uapi/linux/hyperv.h): the
 * daemon writes an int FCOPY_CURRENT_VERSION; the kernel answers with a
 * __u32. Then each read is one of: struct hv_start_fcopy (START_FILE_COPY,
 * names already converted from UTF-16 to UTF-8 by the kernel, at most
 * W_MAX_PATH - 1 bytes each: fcopy_send_data() in drivers/hv/hv_fcopy.c), struct
 * hv_do_fcopy (WRITE_TO_FILE), or a bare struct hv_fcopy_hdr
 * (COMPLETE_FCOPY, CANCEL_FCOPY). Each is answered with an int status.
 *
 * Differences from upstream, all on purpose:
 * - Files land only under the configured destinations; ".." components and
 *   symbolic links on the way are refused (every directory is opened with
 *   O_NOFOLLOW from the allowed root down).
 * - Data goes to a hidden temporary file in the target directory, renamed
 *   into place on COMPLETE; CANCEL, a new START or the device vanishing
 *   remove it, so no partial file is ever visible under the final name.
 * - Writes beyond the announced file size are refused.
 * - Files are created 0644 (upstream: 0744; host data is not made executable).
 */
#ifndef HVG_FCOPY_DAEMON_H
#define HVG_FCOPY_DAEMON_H

#include <limits.h>
#include <linux/hyperv.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../common/strutil.h"

_Static_assert(sizeof(struct hv_fcopy_hdr) == 36, "hv_fcopy_hdr layout");
_Static_assert(sizeof(struct hv_start_fcopy) == 1088, "hv_start_fcopy layout");
_Static_assert(sizeof(struct hv_do_fcopy) == 6196, "hv_do_fcopy layout");

/* HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED), the Windows "Access is denied". */
#define HVG_E_ACCESSDENIED 0x80070005u

#define FCOPY_DEFAULT_CONFIG "/etc/hyperv-guest/fcopy.conf"
#define FCOPY_DEST_MAX 16

struct fcopy_config {
	char device[PATH_MAX];
	char destinations[PATTERN_TEXT_MAX]; /* space-separated absolute dirs */
	unsigned long long max_file_size;    /* 0: no limit */
};

void fcopy_config_defaults(struct fcopy_config *cfg);
int fcopy_config_set(void *cfg, const char *key, const char *value);

struct fcopy_daemon {
	struct fcopy_config cfg;
	bool registered;
	/* The copy in progress. */
	int dir_fd;
	int tmp_fd;
	char tmp_name[NAME_MAX + 1];
	char final_name[NAME_MAX + 1];
	bool overwrite;
	unsigned long long file_size;
};

void fcopy_daemon_init(struct fcopy_daemon *d);
/* Remove the temporary file of an unfinished copy. */
void fcopy_abort(struct fcopy_daemon *d);

int fcopy_send_register(struct fcopy_daemon *d, int fd);

/*
 * Handle one message of len bytes. Returns 1 with *status set if a reply is
 * due, 0 for the handshake, -1 if the message is malformed (reopen).
 */
int fcopy_handle_message(struct fcopy_daemon *d, const void *buf, size_t len,
			 __u32 *status);

int fcopy_serve_one(struct fcopy_daemon *d, int fd);

#endif
