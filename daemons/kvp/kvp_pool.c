// SPDX-License-Identifier: GPL-2.0-only
#include "kvp_pool.h"
#include "../common/log.h"
#include "../common/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define KVP_RECORD_SIZE sizeof(struct kvp_record)
#define KVP_JOURNAL_MAGIC "HVGKVPJ1"

bool (*kvp_pool_crash_hook)(const char *stage);

/* Journal header; native byte order: the journal never leaves this machine. */
struct kvp_journal_header {
	char magic[8];
	uint64_t offset;   /* where the bytes go in the pool file */
	uint64_t length;   /* how many bytes follow the header */
	uint64_t new_size; /* pool file size after the change */
	uint64_t checksum; /* FNV-1a over offset, length, new_size and the bytes */
};

static uint64_t fnv1a(uint64_t hash, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		hash ^= p[i];
		hash *= 0x100000001b3ULL;
	}
	return hash;
}

static uint64_t journal_checksum(const struct kvp_journal_header *h,
				 const void *data)
{
	uint64_t hash = 0xcbf29ce484222325ULL;

	hash = fnv1a(hash, &h->offset, sizeof(h->offset));
	hash = fnv1a(hash, &h->length, sizeof(h->length));
	hash = fnv1a(hash, &h->new_size, sizeof(h->new_size));
	return fnv1a(hash, data, h->length);
}

static int write_all(int fd, const void *buf, size_t len, off_t offset)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, offset);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		offset += n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len, off_t offset)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, offset);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO; /* shrank under us despite the lock */
			return -1;
		}
		p += n;
		len -= (size_t)n;
		offset += n;
	}
	return 0;
}

int kvp_pool_open(struct kvp_pool *pool, const char *dir, unsigned int index,
		  size_t max_records)
{
	memset(pool, 0, sizeof(*pool));
	pool->fd = -1;
	pool->dir_fd = -1;
	pool->index = index;
	pool->max_records = max_records;

	if (index >= KVP_POOL_COUNT)
		return -1;
	if (str_format(pool->path, sizeof(pool->path), "%s/.kvp_pool_%u", dir, index) ||
	    str_format(pool->journal_path, sizeof(pool->journal_path),
		       "%s/.kvp_pool_%u.journal", dir, index)) {
		log_msg(LOG_ERR, "pool directory path too long: %s", dir);
		return -1;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		log_msg(LOG_ERR, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	pool->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pool->dir_fd < 0) {
		log_msg(LOG_ERR, "cannot open %s: %s", dir, strerror(errno));
		return -1;
	}
	pool->fd = open(pool->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (pool->fd < 0) {
		log_msg(LOG_ERR, "cannot open %s: %s", pool->path, strerror(errno));
		close(pool->dir_fd);
		pool->dir_fd = -1;
		return -1;
	}
	return 0;
}

void kvp_pool_close(struct kvp_pool *pool)
{
	if (pool->locked)
		kvp_pool_unlock(pool);
	if (pool->fd >= 0)
		close(pool->fd);
	if (pool->dir_fd >= 0)
		close(pool->dir_fd);
	free(pool->records);
	pool->records = NULL;
	pool->fd = -1;
	pool->dir_fd = -1;
}

static int lock_file(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	while (fcntl(fd, F_SETLKW, &fl) < 0)
		if (errno != EINTR)
			return -1;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static void unlock_file(int fd)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET };

	flock(fd, LOCK_UN);
	fcntl(fd, F_SETLK, &fl);
}

/*
 * If the path now names another file (an administrator or a tool replaced
 * it), switch to the new one so we lock what others lock.
 */
static int follow_replaced_file(struct kvp_pool *pool)
{
	struct stat held, now;

	if (fstat(pool->fd, &held) < 0)
		return -1;
	if (stat(pool->path, &now) == 0 && now.st_ino == held.st_ino &&
	    now.st_dev == held.st_dev)
		return 0;
	unlock_file(pool->fd);
	close(pool->fd);
	pool->fd = open(pool->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (pool->fd < 0)
		return -1;
	return lock_file(pool->fd) ? -1 : 1;
}

/* Apply a journal: returns 0 applied, 1 no valid journal, -1 I/O error. */
static int journal_replay(struct kvp_pool *pool)
{
	struct kvp_journal_header h;
	unsigned char *data = NULL;
	struct stat st;
	int fd, ret = 1;

	fd = open(pool->journal_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 1 : -1;
	if (fstat(fd, &st) < 0 || (size_t)st.st_size < sizeof(h) ||
	    read_all(fd, &h, sizeof(h), 0) < 0 ||
	    memcmp(h.magic, KVP_JOURNAL_MAGIC, sizeof(h.magic)) ||
	    h.length != (uint64_t)st.st_size - sizeof(h) ||
	    h.length > (uint64_t)64 << 20 || h.offset > h.new_size ||
	    h.length > h.new_size - h.offset ||
	    h.new_size % KVP_RECORD_SIZE || h.offset % KVP_RECORD_SIZE)
		goto discard;
	data = malloc(h.length ? h.length : 1);
	if (!data || read_all(fd, data, h.length, sizeof(h)) < 0 ||
	    journal_checksum(&h, data) != h.checksum)
		goto discard;
	if (write_all(pool->fd, data, h.length, (off_t)h.offset) < 0 ||
	    ftruncate(pool->fd, (off_t)h.new_size) < 0 || fsync(pool->fd) < 0) {
		ret = -1;
		goto out;
	}
	ret = 0;
discard:
	if (ret == 1)
		log_msg(LOG_WARNING, "%s: discarding incomplete journal", pool->path);
	unlink(pool->journal_path);
	fsync(pool->dir_fd);
out:
	free(data);
	close(fd);
	return ret;
}

/* Write the journal for a change and make it durable. */
static int journal_write(struct kvp_pool *pool, const void *data, size_t length,
			 off_t offset, off_t new_size)
{
	char tmp_path[PATH_MAX + 8];
	struct kvp_journal_header h;
	int fd;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, KVP_JOURNAL_MAGIC, sizeof(h.magic));
	h.offset = (uint64_t)offset;
	h.length = length;
	h.new_size = (uint64_t)new_size;
	h.checksum = journal_checksum(&h, data);

	if (str_format(tmp_path, sizeof(tmp_path), "%s.tmp", pool->journal_path))
		return -1;
	fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write_all(fd, &h, sizeof(h), 0) < 0 ||
	    write_all(fd, data, length, sizeof(h)) < 0 || fsync(fd) < 0) {
		int saved = errno;

		close(fd);
		unlink(tmp_path);
		errno = saved;
		return -1;
	}
	close(fd);
	if (rename(tmp_path, pool->journal_path) < 0) {
		int saved = errno;

		unlink(tmp_path);
		errno = saved;
		return -1;
	}
	fsync(pool->dir_fd);
	return 0;
}

/*
 * Change the pool file: bytes at offset, then size new_size. Durable and
 * atomic through the journal; on failure the file is unchanged (or will be
 * completed by the next replay).
 */
static enum kvp_pool_result pool_commit(struct kvp_pool *pool, const void *data,
					size_t length, off_t offset,
					off_t new_size)
{
	pool->cache_valid = false; /* the file changes (or may have) */
	if (journal_write(pool, data, length, offset, new_size) < 0)
		goto fail;
	if (kvp_pool_crash_hook && kvp_pool_crash_hook("journal-written")) {
		errno = EIO;
		goto fail;
	}
	if (write_all(pool->fd, data, length, offset) < 0 ||
	    ftruncate(pool->fd, new_size) < 0 || fsync(pool->fd) < 0) {
		/*
		 * The journal stays and the next load finishes the change, so
		 * the host hears "failed" for a change that lands later. That
		 * is the requested outcome either way, and a retried SET or
		 * DELETE is harmless; the alternative, a half-written pool, is not.
		 */
		goto fail;
	}
	unlink(pool->journal_path);
	fsync(pool->dir_fd);
	return KVP_POOL_OK;
fail:
	log_msg(LOG_ERR, "%s: write failed: %s", pool->path, strerror(errno));
	return (errno == ENOSPC || errno == EDQUOT || errno == EFBIG) ? KVP_POOL_FULL
								       : KVP_POOL_IO_ERROR;
}

static bool record_valid(const struct kvp_record *r)
{
	long key_len = str_bounded_len(r->key, sizeof(r->key));

	return key_len > 0;
}

/* Drop damaged records in place, keeping order; returns how many remain. */
static size_t compact_records(struct kvp_record *records, size_t count, unsigned int *dropped)
{
	size_t i, kept = 0;

	for (i = 0; i < count; i++) {
		if (!record_valid(&records[i])) {
			(*dropped)++;
			continue;
		}
		if (kept != i)
			memcpy(&records[kept], &records[i], KVP_RECORD_SIZE);
		/*
		 * A value filling all 2048 bytes has no terminator; keep the
		 * record and cut the value by one byte, as the kernel only
		 * forwards MAX - 1 bytes anyway.
		 */
		records[kept].value[KVP_VALUE_SIZE - 1] = '\0';
		kept++;
	}
	return kept;
}

struct kvp_record *kvp_pool_decode(const unsigned char *image, size_t size,
				   size_t *count, unsigned int *dropped,
				   bool *error)
{
	size_t whole = size / KVP_RECORD_SIZE;
	struct kvp_record *records = NULL;

	*error = false;
	*dropped = (size % KVP_RECORD_SIZE) ? 1 : 0;
	*count = 0;
	if (!whole)
		return NULL;
	records = malloc(whole * KVP_RECORD_SIZE);
	if (!records) {
		*error = true;
		return NULL;
	}
	memcpy(records, image, whole * KVP_RECORD_SIZE);
	*count = compact_records(records, whole, dropped);
	return records;
}

static enum kvp_pool_result pool_repair_write(struct kvp_pool *pool)
{
	return pool_commit(pool, pool->records, pool->count * KVP_RECORD_SIZE, 0,
			   (off_t)(pool->count * KVP_RECORD_SIZE));
}

enum kvp_pool_result kvp_pool_lock_and_load(struct kvp_pool *pool)
{
	struct timespec read_time;
	unsigned int dropped;
	struct stat st;
	size_t whole;

	if (lock_file(pool->fd) < 0) {
		log_msg(LOG_ERR, "%s: cannot lock: %s", pool->path, strerror(errno));
		return KVP_POOL_IO_ERROR;
	}
	switch (follow_replaced_file(pool)) {
	case 0:
		break;
	case 1:
		pool->cache_valid = false;
		break;
	default:
		log_msg(LOG_ERR, "%s: cannot lock: %s", pool->path, strerror(errno));
		if (pool->fd >= 0)
			unlock_file(pool->fd);
		return KVP_POOL_IO_ERROR;
	}
	pool->locked = true;
	if (journal_replay(pool) < 0)
		goto io_error;
	if (fstat(pool->fd, &st) < 0)
		goto io_error;
	if (pool->cache_valid && st.st_ino == pool->cache_ino &&
	    st.st_size == pool->cache_size &&
	    st.st_ctim.tv_sec == pool->cache_ctime.tv_sec &&
	    st.st_ctim.tv_nsec == pool->cache_ctime.tv_nsec)
		return KVP_POOL_OK;
	pool->cache_valid = false;
	clock_gettime(CLOCK_REALTIME, &read_time);
	pool->reads++;
	/* Read straight into the record array: a large pool is held once, not twice. */
	whole = (size_t)st.st_size / KVP_RECORD_SIZE;
	dropped = ((size_t)st.st_size % KVP_RECORD_SIZE) ? 1 : 0;
	free(pool->records);
	pool->records = NULL;
	pool->count = pool->capacity = 0;
	if (whole) {
		pool->records = malloc(whole * KVP_RECORD_SIZE);
		if (!pool->records ||
		    read_all(pool->fd, pool->records, whole * KVP_RECORD_SIZE, 0) < 0)
			goto io_error;
		pool->capacity = whole;
		pool->count = compact_records(pool->records, whole, &dropped);
	}
	pool->cache_ino = st.st_ino;
	pool->cache_size = st.st_size;
	pool->cache_ctime = st.st_ctim;
	pool->cache_valid = st.st_ctim.tv_sec + 1 < read_time.tv_sec;
	if (dropped) {
		pool->cache_valid = false;
		pool->repairs += dropped;
		log_msg(LOG_WARNING, "%s: dropped %u damaged record(s), kept %zu",
			pool->path, dropped, pool->count);
		if (pool_repair_write(pool) != KVP_POOL_OK)
			goto io_error;
	}
	return KVP_POOL_OK;
io_error:
	log_msg(LOG_ERR, "%s: cannot load: %s", pool->path, strerror(errno));
	free(pool->records);
	pool->records = NULL;
	pool->count = pool->capacity = 0;
	pool->cache_valid = false;
	kvp_pool_unlock(pool);
	return KVP_POOL_IO_ERROR;
}

void kvp_pool_unlock(struct kvp_pool *pool)
{
	if (pool->locked)
		unlock_file(pool->fd);
	pool->locked = false;
}

long kvp_pool_find(const struct kvp_pool *pool, const char *key)
{
	size_t i;

	for (i = 0; i < pool->count; i++)
		if (!strcmp(pool->records[i].key, key))
			return (long)i;
	return -1;
}

enum kvp_pool_result kvp_pool_set(struct kvp_pool *pool, const char *key,
				  const char *value)
{
	struct kvp_record record;
	enum kvp_pool_result res;
	long found = kvp_pool_find(pool, key);
	size_t slot;

	if (strlen(key) >= KVP_KEY_SIZE || strlen(value) >= KVP_VALUE_SIZE ||
	    key[0] == '\0')
		return KVP_POOL_IO_ERROR;
	memset(&record, 0, sizeof(record));
	strcpy(record.key, key);
	strcpy(record.value, value);

	if (found >= 0) {
		slot = (size_t)found;
		res = pool_commit(pool, &record, sizeof(record),
				  (off_t)(slot * KVP_RECORD_SIZE),
				  (off_t)(pool->count * KVP_RECORD_SIZE));
		if (res == KVP_POOL_OK)
			pool->records[slot] = record;
		return res;
	}
	if (pool->count >= pool->max_records)
		return KVP_POOL_FULL;
	if (pool->count == pool->capacity) {
		size_t cap = pool->capacity ? pool->capacity * 2 : 16;
		struct kvp_record *grown = realloc(pool->records, cap * sizeof(record));

		if (!grown)
			return KVP_POOL_IO_ERROR;
		pool->records = grown;
		pool->capacity = cap;
	}
	slot = pool->count;
	res = pool_commit(pool, &record, sizeof(record),
			  (off_t)(slot * KVP_RECORD_SIZE),
			  (off_t)((slot + 1) * KVP_RECORD_SIZE));
	if (res == KVP_POOL_OK) {
		pool->records[slot] = record;
		pool->count++;
	}
	return res;
}

enum kvp_pool_result kvp_pool_delete(struct kvp_pool *pool, const char *key)
{
	long found = kvp_pool_find(pool, key);
	size_t slot, tail;
	enum kvp_pool_result res;

	if (found < 0)
		return KVP_POOL_NOT_FOUND;
	slot = (size_t)found;
	tail = pool->count - slot - 1;
	/* Later records move down one slot, keeping their order (as upstream). */
	res = pool_commit(pool, pool->records + slot + 1, tail * KVP_RECORD_SIZE,
			  (off_t)(slot * KVP_RECORD_SIZE),
			  (off_t)((pool->count - 1) * KVP_RECORD_SIZE));
	if (res == KVP_POOL_OK) {
		memmove(pool->records + slot, pool->records + slot + 1,
			tail * KVP_RECORD_SIZE);
		pool->count--;
	}
	return res;
}
