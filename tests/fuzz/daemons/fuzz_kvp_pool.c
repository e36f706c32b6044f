// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the pool-file reader: the input is a pool file as another program
 * (or a crash) may have left it. Loading must keep every valid record,
 * drop the rest, leave a file of whole records and never crash.
 */
#include "fuzz_common.h"

#include "common/log.h"
#include "kvp/kvp_pool.h"

static char *scratch;
static char pool_path[4096];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvp_record *records;
	struct kvp_pool pool;
	unsigned int dropped;
	size_t count, i;
	bool error;
	FILE *f;

	if (!scratch) {
		log_init("fuzz", LOG_TARGET_NONE);
		scratch = fuzz_scratch_dir();
		snprintf(pool_path, sizeof(pool_path), "%s/.kvp_pool_1", scratch);
	}
	records = kvp_pool_decode(data, size, &count, &dropped, &error);
	if (error)
		abort();
	for (i = 0; i < count; i++)
		if (!records[i].key[0] || !memchr(records[i].key, 0, sizeof(records[i].key)) ||
		    !memchr(records[i].value, 0, sizeof(records[i].value)))
			abort();
	if (count + dropped < size / sizeof(struct kvp_record))
		abort();
	free(records);

	/* The same bytes through the real load-and-repair path. */
	f = fopen(pool_path, "wb");
	if (!f)
		abort();
	if (size)
		fwrite(data, 1, size, f);
	fclose(f);
	if (kvp_pool_open(&pool, scratch, 1, 1000))
		abort();
	if (kvp_pool_lock_and_load(&pool) != KVP_POOL_OK)
		abort();
	if (pool.count != count)
		abort();
	kvp_pool_unlock(&pool);
	if (file_size(pool_path) != (long)(count * sizeof(struct kvp_record)))
		abort();
	kvp_pool_close(&pool);
	return 0;
}
