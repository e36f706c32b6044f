/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared set-up for the libFuzzer targets: a scratch directory in RAM. */
#ifndef HVG_FUZZ_COMMON_H
#define HVG_FUZZ_COMMON_H

#include "fake_device.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A scratch directory, in /dev/shm when available (fsync there is cheap). */
static inline char *fuzz_scratch_dir(void)
{
	char tmpl[] = "/dev/shm/hvg-fuzz-XXXXXX";
	char *dir = mkdtemp(tmpl);

	if (!dir)
		return make_temp_dir();
	return strdup(dir);
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
