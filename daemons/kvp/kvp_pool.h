/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVP pool files, byte-compatible with upstream's tools/hv/hv_kvp_daemon.c:
 * /var/lib/hyperv/.kvp_pool_N (N = 0..4) is a flat array of 2560-byte
 * records, each a NUL-padded key[512] followed by a NUL-padded value[2048],
 * with no header. Other programs (cloud-init writes pool 1) use the same
 * files, so every operation re-reads the file under a whole-file lock.
 *
 * Locks: upstream takes an fcntl F_WRLCK over the whole file; cloud-init's
 * HyperVKvpReportingHandler takes flock(LOCK_EX). The two lock kinds do not
 * interact on Linux, so we take both.
 *
 * Crash safety without replacing the file: renaming a new file over the pool
 * would strand writers that already hold the old inode open (their appends
 * would vanish), so the file is updated in place through a redo journal
 * (.kvp_pool_N.journal): the change (offset, bytes, new size, checksum) is
 * written and fsync'ed there first, then applied to the pool, then the
 * journal is removed. A valid journal found on load is applied again; a
 * torn one is discarded (the pool was not touched yet).
 *
 * Repair: a trailing partial record (size not a multiple of 2560) and
 * records whose key is empty or not NUL-terminated are dropped, everything
 * else is kept, and the repaired contents are written back.
 */
#ifndef HVG_KVP_POOL_H
#define HVG_KVP_POOL_H

#include <limits.h>
#include <linux/hyperv.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define KVP_POOL_COUNT 5
#define KVP_KEY_SIZE HV_KVP_EXCHANGE_MAX_KEY_SIZE
#define KVP_VALUE_SIZE HV_KVP_EXCHANGE_MAX_VALUE_SIZE

struct kvp_record {
	char key[KVP_KEY_SIZE];
	char value[KVP_VALUE_SIZE];
};
_Static_assert(sizeof(struct kvp_record) == 2560, "pool record is 2560 bytes");

struct kvp_pool {
	int fd;
	int dir_fd;
	unsigned int index;
	char path[PATH_MAX];
	char journal_path[PATH_MAX];
	struct kvp_record *records;
	size_t count;
	size_t capacity;
	size_t max_records;  /* SET of a new key fails past this */
	bool locked;
	unsigned int repairs; /* records dropped by repair since open; tests */
	unsigned int reads;   /* times the file was actually read; tests */
	/*
	 * Identity of the file contents held in records[]: reused without
	 * reading while inode, size and ctime are unchanged and the ctime was
	 * at least a second older than the moment we read (ctime cannot be set
	 * by other programs, and any later change moves it past our read).
	 */
	bool cache_valid;
	ino_t cache_ino;
	off_t cache_size;
	struct timespec cache_ctime;
};

/* Result codes of the pool operations (mapped to HV_* by the handler). */
enum kvp_pool_result {
	KVP_POOL_OK = 0,
	KVP_POOL_NOT_FOUND,
	KVP_POOL_FULL,      /* max_records reached or ENOSPC */
	KVP_POOL_IO_ERROR,
};

/* Create dir (0755) and pool file (0644) if missing; no lock held after. */
int kvp_pool_open(struct kvp_pool *pool, const char *dir, unsigned int index,
		  size_t max_records);
void kvp_pool_close(struct kvp_pool *pool);

/*
 * Lock the file (waiting for other writers), replay a pending journal,
 * re-read every record and repair damage. Must be paired with
 * kvp_pool_unlock(). Returns KVP_POOL_OK or KVP_POOL_IO_ERROR.
 */
enum kvp_pool_result kvp_pool_lock_and_load(struct kvp_pool *pool);
void kvp_pool_unlock(struct kvp_pool *pool);

/* The following require the lock (kvp_pool_lock_and_load). */
long kvp_pool_find(const struct kvp_pool *pool, const char *key);
/* key and value must be NUL-terminated and fit their fields. */
enum kvp_pool_result kvp_pool_set(struct kvp_pool *pool, const char *key,
				  const char *value);
enum kvp_pool_result kvp_pool_delete(struct kvp_pool *pool, const char *key);

/*
 * Decode a pool image (as read from disk) into records, dropping damaged
 * ones. Exposed for the fuzzer and tests. *dropped counts dropped records
 * (a partial tail counts as one). Returns the record array (malloc'ed,
 * possibly NULL when count is 0) or sets *error.
 */
struct kvp_record *kvp_pool_decode(const unsigned char *image, size_t size,
				   size_t *count, unsigned int *dropped,
				   bool *error);

/*
 * Test hook: if set and it returns true for a stage ("journal-written"),
 * the commit stops there as if the machine had crashed, leaving the journal.
 */
extern bool (*kvp_pool_crash_hook)(const char *stage);

#endif
