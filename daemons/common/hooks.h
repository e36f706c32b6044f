/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Run the executables of a hook directory (like open-vm-tools'
 * backupScripts.d and qemu-guest-agent's fsfreeze-hook.d): in name order,
 * or reverse order, each with one argument, a timeout each, no shell.
 *
 * Only regular files that are executable, owned by root or by us, and not
 * writable by group or others are run; names starting with '.' or ending
 * in '~', ".dpkg-*" or ".rpm*" are skipped (editor and package leftovers).
 */
#ifndef HVG_HOOKS_H
#define HVG_HOOKS_H

#include <stdbool.h>

struct hook_result {
	unsigned int run;     /* hooks started */
	unsigned int failed;  /* non-zero exit, signal, timeout or exec failure */
	unsigned int skipped; /* present but not eligible */
};

/*
 * Run every eligible hook in dir as "hook <argument>", waiting at most
 * timeout_ms for each (then SIGKILL). stop_on_failure ends the run at the
 * first failure. A missing directory runs nothing and is not an error.
 */
void hooks_run(const char *dir, const char *argument, unsigned int timeout_ms,
	       bool reverse, bool stop_on_failure, struct hook_result *result);

#endif
