/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared set-up for the libFuzzer targets: a scratch directory in RAM. */
#ifndef HVG_FUZZ_COMMON_H
#define HVG_FUZZ_COMMON_H

#include "fake_device.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fuzz_scratch_path;

static inline void fuzz_scratch_remove(void)
{
	remove_tree(fuzz_scratch_path);
}

/*
 * A scratch directory, in /dev/shm when available (fsync there is cheap),
 * removed when the fuzzer exits normally (a crash leaves it for debugging).
 */
static inline char *fuzz_scratch_dir(void)
{
	char tmpl[] = "/dev/shm/hvg-fuzz-XXXXXX";
	char *dir = mkdtemp(tmpl);

	fuzz_scratch_path = dir ? strdup(dir) : make_temp_dir();
	atexit(fuzz_scratch_remove);
	return fuzz_scratch_path;
}

static inline void fuzz_mkdir_p(const char *path)
{
	char buf[4096], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	}
	mkdir(buf, 0755);
}

#endif
