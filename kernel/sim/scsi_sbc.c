// SPDX-License-Identifier: GPL-2.0
/*
 * hv_sim's SCSI target: the RAM store and the block commands of SBC-3
 * (READ, WRITE, WRITE SAME, UNMAP, SYNCHRONIZE CACHE, READ CAPACITY).
 * A disk with a store of its own (disk->store, a file) has its data there
 * instead; the commands are the same.
 *
 * The store is a two-level table of 4 KiB chunks: a directory, sized by
 * the capacity, of leaves of 512 chunk pointers (2 MiB of disk each).
 * Leaves and chunks are allocated on the first write; a chunk never
 * written reads as zeros; UNMAP frees the chunks it covers whole and
 * zeroes the parts of the others. Leaves stay until the disk goes.
 *
 * Allocations on the I/O path use GFP_NOIO: the guest whose disk this is
 * runs in this very kernel, and its reclaim may be waiting for this I/O.
 * They may fail rather than call the OOM killer; a write that finds no
 * memory fails with SPACE ALLOCATION FAILED WRITE PROTECT on a thin disk,
 * with HARDWARE ERROR, INSUFFICIENT RESOURCES on a fully provisioned one.
 */
#include <linux/kernel.h>
#include <linux/bitops.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "scsi_target_int.h"

#define SIM_SCSI_LEAF_SHIFT	9
#define SIM_SCSI_LEAF		BIT(SIM_SCSI_LEAF_SHIFT)
#define SIM_SCSI_GFP		(GFP_NOIO | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/* A write could not get memory: thin disks say so as SBC-3 4.7.3.6 does. */
static void sim_scsi_no_space(const struct sim_scsi_disk *disk,
			      struct sim_scsi_result *res)
{
	if (disk->thin)
		sim_scsi_check(res, SIM_KEY_DATA_PROTECT,
			       SIM_ASC_SPACE_ALLOC_FAILED);
	else
		sim_scsi_check(res, SIM_KEY_HARDWARE_ERROR,
			       SIM_ASC_INSUFFICIENT_RESOURCES);
}

u64 sim_ram_ndir(u64 sectors, u8 block_shift)
{
	u64 chunks = ((sectors << block_shift) + SIM_SCSI_PAGE - 1) >>
		     SIM_SCSI_PAGE_SHIFT;

	return (chunks + SIM_SCSI_LEAF - 1) >> SIM_SCSI_LEAF_SHIFT;
}

/* The chunk @ci, or NULL if never written; data_lock held. */
static u8 *sim_ram_chunk(struct sim_scsi_disk *disk, u64 ci)
{
	void **leaf = READ_ONCE(disk->dir[ci >> SIM_SCSI_LEAF_SHIFT]);

	return leaf ? READ_ONCE(leaf[ci & (SIM_SCSI_LEAF - 1)]) : NULL;
}

/*
 * The chunk @ci, allocated (zeroed) if need be; data_lock held for
 * reading, so two writers may race to install a leaf or a chunk: the
 * first one's stays.
 */
static u8 *sim_ram_chunk_alloc(struct sim_scsi_disk *disk, u64 ci)
{
	void ***slot = &disk->dir[ci >> SIM_SCSI_LEAF_SHIFT];
	void **leaf = READ_ONCE(*slot), **other_leaf;
	void *chunk, *other;

	if (!leaf) {
		leaf = kcalloc(SIM_SCSI_LEAF, sizeof(*leaf), SIM_SCSI_GFP);
		if (!leaf)
			goto fail;
		other_leaf = cmpxchg(slot, NULL, leaf);
		if (other_leaf) {
			kfree(leaf);
			leaf = other_leaf;
		}
	}
	chunk = READ_ONCE(leaf[ci & (SIM_SCSI_LEAF - 1)]);
	if (chunk)
		return chunk;
	chunk = (void *)get_zeroed_page(SIM_SCSI_GFP);
	if (!chunk)
		goto fail;
	other = cmpxchg(&leaf[ci & (SIM_SCSI_LEAF - 1)], NULL, chunk);
	if (other) {
		free_page((unsigned long)chunk);
		return other;
	}
	atomic64_inc(&disk->chunks);
	return chunk;

fail:
	atomic64_inc(&disk->alloc_failures);
	return NULL;
}

/*
 * Deallocate bytes @start..@end of the disk: free the chunks wholly inside,
 * zero the rest of the range. data_lock held for writing.
 */
void sim_ram_discard(struct sim_scsi_disk *disk, u64 start, u64 end)
{
	while (start < end) {
		u64 ci = start >> SIM_SCSI_PAGE_SHIFT;
		u32 in = start & (SIM_SCSI_PAGE - 1);
		u32 n = min_t(u64, end - start, SIM_SCSI_PAGE - in);
		void **leaf = disk->dir[ci >> SIM_SCSI_LEAF_SHIFT];
		void **slot;

		if (!leaf) {
			/* nothing in this leaf: on to the next one */
			ci = (ci | (SIM_SCSI_LEAF - 1)) + 1;
			start = ci << SIM_SCSI_PAGE_SHIFT;
			continue;
		}
		slot = &leaf[ci & (SIM_SCSI_LEAF - 1)];
		if (*slot && n == SIM_SCSI_PAGE) {
			free_page((unsigned long)*slot);
			*slot = NULL;
			atomic64_dec(&disk->chunks);
		} else if (*slot) {
			memset((u8 *)*slot + in, 0, n);
		}
		start += n;
		if (!(ci & 255))
			cond_resched();
	}
}

/* Free leaves @from.. of the directory, with their chunks. */
void sim_ram_free(struct sim_scsi_disk *disk, u64 from)
{
	void ***dir = disk->dir;
	u64 i;
	u32 j;

	for (i = from; i < disk->ndir; i++) {
		if (!dir[i])
			continue;
		for (j = 0; j < SIM_SCSI_LEAF; j++) {
			if (dir[i][j]) {
				free_page((unsigned long)dir[i][j]);
				atomic64_dec(&disk->chunks);
			}
		}
		kfree(dir[i]);
		dir[i] = NULL;
	}
}

/* READ or WRITE @len bytes at byte @pos of the disk; data_lock held. */
static int sim_ram_rw(struct sim_scsi_disk *disk,
		      const struct sim_scsi_buf *buf, u64 pos, u32 len,
		      bool write)
{
	u32 boff = 0;
	int ret;

	while (boff < len) {
		u64 ci = pos >> SIM_SCSI_PAGE_SHIFT;
		u32 in = pos & (SIM_SCSI_PAGE - 1);
		u32 n = min(len - boff, SIM_SCSI_PAGE - in);
		u8 *chunk;

		if (write) {
			chunk = sim_ram_chunk_alloc(disk, ci);
			if (!chunk)
				return -ENOMEM;
			ret = sim_scsi_copy(buf, boff, NULL, chunk + in, n);
		} else {
			chunk = sim_ram_chunk(disk, ci);
			ret = sim_scsi_copy(buf, boff,
					    chunk ? chunk + in : NULL, NULL, n);
		}
		if (ret)
			return ret;
		pos += n;
		boff += n;
	}
	return 0;
}

/*
 * Write @block to @n logical blocks from @lba (WRITE SAME); data_lock
 * held for reading. Zeros need no chunk where there is none.
 */
static int sim_ram_fill(struct sim_scsi_disk *disk, u64 lba, u32 n,
			const u8 *block, bool zero)
{
	u32 bs = disk->block_size;
	u64 pos = lba << disk->block_shift;
	u64 end = pos + ((u64)n << disk->block_shift);

	while (pos < end) {
		u64 ci = pos >> SIM_SCSI_PAGE_SHIFT;
		u32 in = pos & (SIM_SCSI_PAGE - 1);
		u32 len = min_t(u64, end - pos, SIM_SCSI_PAGE - in);
		u8 *chunk;
		u32 off;

		if (zero) {
			chunk = sim_ram_chunk(disk, ci);
			if (chunk)
				memset(chunk + in, 0, len);
		} else {
			/* a block never straddles a chunk: bs divides 4 KiB */
			chunk = sim_ram_chunk_alloc(disk, ci);
			if (!chunk)
				return -ENOMEM;
			for (off = 0; off < len; off += bs)
				memcpy(chunk + in + off, block, bs);
		}
		pos += len;
		cond_resched();
	}
	return 0;
}

/* ---- the commands ---- */

/*
 * Deallocate @n blocks from @lba (data_lock held for writing); false with
 * MEDIUM ERROR in @res if the store failed.
 */
static bool sim_discard(struct sim_scsi_disk *disk,
			struct sim_scsi_result *res, u64 lba, u64 n)
{
	u64 start = lba << disk->block_shift;
	u64 end = (lba + n) << disk->block_shift;

	if (!disk->store) {
		sim_ram_discard(disk, start, end);
		return true;
	}
	if (!disk->store->discard(disk, start, end))
		return true;
	sim_scsi_check_info(res, SIM_KEY_MEDIUM_ERROR, SIM_ASC_WRITE_ERROR,
			    lba);
	return false;
}

/*
 * SBC-3 4.5: blocks @lba..@lba+@n-1 must exist, else LOGICAL BLOCK ADDRESS
 * OUT OF RANGE with the first LBA beyond the capacity in INFORMATION
 * (SBC-4 4.18.1). Computed without overflow for any 64-bit @lba.
 */
static bool sim_lba_ok(const struct sim_scsi_disk *disk,
		       struct sim_scsi_result *res, u64 lba, u64 n)
{
	u64 cap = READ_ONCE(disk->sectors);

	if (lba <= cap && n <= cap - lba)
		return true;
	sim_scsi_check_info(res, SIM_KEY_ILLEGAL_REQUEST,
			    SIM_ASC_LBA_OUT_OF_RANGE, max(lba, cap));
	return false;
}

static bool sim_writable(const struct sim_scsi_disk *disk,
			 struct sim_scsi_result *res)
{
	if (!disk->read_only)
		return true;
	sim_scsi_check(res, SIM_KEY_DATA_PROTECT, SIM_ASC_WRITE_PROTECTED);
	return false;
}

/* A READ or WRITE's data phase: @bytes in the right direction. */
static bool sim_data_ok(const struct sim_scsi_buf *buf,
			struct sim_scsi_result *res, u64 bytes, bool out)
{
	if (!bytes || (buf->len >= bytes && buf->to_device == out))
		return true;
	sim_scsi_phase_error(res);
	return false;
}

/*
 * READ and WRITE (6), (10), (16): SBC-3 5.10 to 5.12, 5.32 to 5.34. DPO
 * is accepted; FUA matters only to a store with a cache (a file's).
 */
static int sim_sbc_rw(struct sim_scsi_disk *disk, const u8 *cdb,
		      const struct sim_scsi_buf *buf,
		      struct sim_scsi_result *res)
{
	u8 op = cdb[0];
	bool write = op == 0x0a || op == 0x2a || op == 0x8a, ok;
	u64 lba, bytes;
	u32 n, n_byte;
	int ret = 0;
	bool fua;

	if (op == 0x08 || op == 0x0a) {
		/* a 21-bit LBA; TRANSFER LENGTH zero means 256 blocks */
		lba = sim_get_be24(cdb + 1) & 0x1fffff;
		n = cdb[4] ? cdb[4] : 256;
		n_byte = 4;
	} else if (op == 0x28 || op == 0x2a) {
		lba = sim_get_be32(cdb + 2);
		n = sim_get_be16(cdb + 7);
		n_byte = 7;
	} else {
		lba = sim_get_be64(cdb + 2);
		n = sim_get_be32(cdb + 10);
		n_byte = 10;
	}
	/* RDPROTECT/WRPROTECT: no protection information (PROTECT is 0) */
	if (n_byte != 4 && (cdb[1] & 0xe0)) {
		sim_scsi_bad_field(res, true, 1, 7);
		return 0;
	}
	/* beyond the Block Limits page's MAXIMUM TRANSFER LENGTH */
	if (n > SIM_SCSI_MAX_XFER >> disk->block_shift) {
		sim_scsi_bad_field(res, true, n_byte, 7);
		return 0;
	}
	if (!sim_lba_ok(disk, res, lba, n) ||
	    (write && !sim_writable(disk, res)))
		return 0;
	bytes = (u64)n << disk->block_shift;
	if (!sim_data_ok(buf, res, bytes, write))
		return 0;
	if (!n) {
		res->status = SIM_SAM_GOOD;
		return 0;
	}

	/* FUA (10) and (16): the data is durable before GOOD */
	fua = n_byte != 4 && (cdb[1] & 0x08);

	down_read(&disk->data_lock);
	ok = sim_lba_ok(disk, res, lba, n);	/* a resize came in between? */
	if (ok && disk->store)
		ret = disk->store->rw(disk, buf, lba << disk->block_shift,
				      bytes, write);
	else if (ok)
		ret = sim_ram_rw(disk, buf, lba << disk->block_shift, bytes,
				 write);
	/* no write cache, or FUA: nothing is left in the store's cache */
	if (ok && !ret && write && disk->store &&
	    (fua || !READ_ONCE(disk->wce)))
		ret = disk->store->sync(disk, lba << disk->block_shift,
					(lba << disk->block_shift) + bytes);
	up_read(&disk->data_lock);
	if (!ok)
		return 0;
	if (ret == -ENOMEM) {
		sim_scsi_no_space(disk, res);
		return 0;
	}
	if (ret == -EIO) {
		sim_scsi_check_info(res, SIM_KEY_MEDIUM_ERROR,
				    write ? SIM_ASC_WRITE_ERROR :
					    SIM_ASC_UNRECOVERED_READ, lba);
		return 0;
	}
	if (ret < 0) {
		sim_scsi_phase_error(res);
		return ret;
	}
	res->status = SIM_SAM_GOOD;
	res->transferred = bytes;
	if (write) {
		atomic64_inc(&disk->writes);
		atomic64_add(bytes, &disk->bytes_written);
	} else {
		atomic64_inc(&disk->reads);
		atomic64_add(bytes, &disk->bytes_read);
	}
	return 0;
}

/*
 * WRITE SAME (10) and (16), SBC-3 5.42, 5.43. With the UNMAP bit on a
 * thin disk, a block of zeros (what an unmapped block reads as, LBPRZ)
 * deallocates the range; any other data is written, as without UNMAP.
 */
static int sim_sbc_write_same(struct sim_scsi_disk *disk, const u8 *cdb,
			      const struct sim_scsi_buf *buf,
			      struct sim_scsi_result *res)
{
	bool ws16 = cdb[0] == 0x93;
	u64 lba = ws16 ? sim_get_be64(cdb + 2) : sim_get_be32(cdb + 2);
	u32 n = ws16 ? sim_get_be32(cdb + 10) : sim_get_be16(cdb + 7);
	u32 bs = disk->block_size;
	bool zeros;
	u8 *block;
	int ret;

	/*
	 * Byte 1: WRPROTECT (no protection information), ANCHOR (ANC_SUP
	 * is 0), PBDATA and LBDATA (not supported), and in (16) NDOB
	 * (SBC-4, not supported).
	 */
	if (cdb[1] & (0xf6 | (ws16 ? 0x01 : 0))) {
		sim_scsi_bad_field(res, true, 1, fls(cdb[1] & 0xf7) - 1);
		return 0;
	}
	/* WSNZ is set: no "to the last LBA"; MAXIMUM WRITE SAME LENGTH */
	if (!n || n > SIM_SCSI_MAX_UNMAP >> disk->block_shift) {
		sim_scsi_bad_field(res, true, ws16 ? 10 : 7, 7);
		return 0;
	}
	if (!sim_lba_ok(disk, res, lba, n) || !sim_writable(disk, res) ||
	    !sim_data_ok(buf, res, bs, true))
		return 0;

	block = sim_scsi_fetch(buf, res, 0, bs, &ret);
	if (!block)
		return ret;
	res->transferred = bs;
	zeros = !memchr_inv(block, 0, bs);
	if (zeros && (cdb[1] & 0x08) && disk->thin) {
		down_write(&disk->data_lock);
		if (sim_lba_ok(disk, res, lba, n) &&
		    sim_discard(disk, res, lba, n)) {
			res->status = SIM_SAM_GOOD;
			atomic64_inc(&disk->unmaps);
			atomic64_add(n, &disk->blocks_unmapped);
		}
		up_write(&disk->data_lock);
		goto out;
	}
	down_read(&disk->data_lock);
	if (sim_lba_ok(disk, res, lba, n)) {
		int err = disk->store ?
			  disk->store->fill(disk, lba << disk->block_shift,
					    (lba + n) << disk->block_shift,
					    block) :
			  sim_ram_fill(disk, lba, n, block, zeros);

		if (err == -EIO) {
			sim_scsi_check_info(res, SIM_KEY_MEDIUM_ERROR,
					    SIM_ASC_WRITE_ERROR, lba);
		} else if (err) {
			sim_scsi_no_space(disk, res);
		} else {
			res->status = SIM_SAM_GOOD;
			atomic64_inc(&disk->writes);
			atomic64_add((u64)n * bs, &disk->bytes_written);
		}
	}
	up_read(&disk->data_lock);
out:
	kfree(block);
	return ret;
}

/* UNMAP, SBC-3 5.28: validate every block descriptor, then unmap them. */
static int sim_sbc_unmap(struct sim_scsi_disk *disk, const u8 *cdb,
			 const struct sim_scsi_buf *buf,
			 struct sim_scsi_result *res)
{
	u32 plen = sim_get_be16(cdb + 7), n, i;
	u64 total = 0;
	u8 hdr[8], *desc;
	int ret;

	/* ANCHOR: ANC_SUP is 0 in the Logical Block Provisioning page */
	if (cdb[1] & 0x01) {
		sim_scsi_bad_field(res, true, 1, 0);
		return 0;
	}
	if (!sim_writable(disk, res))
		return 0;
	if (!plen) {
		res->status = SIM_SAM_GOOD;
		return 0;
	}
	/* a parameter list length of 1 to 7 cannot hold the header */
	if (plen < sizeof(hdr)) {
		sim_scsi_check(res, SIM_KEY_ILLEGAL_REQUEST,
			       SIM_ASC_PARAM_LIST_LENGTH);
		return 0;
	}
	if (!sim_scsi_plist_ok(buf, res, plen))
		return 0;
	ret = sim_scsi_get(buf, res, 0, hdr, sizeof(hdr));
	if (ret)
		return ret;
	/*
	 * Only whole descriptors count: an incomplete last one, or ones the
	 * parameter list length cuts, are ignored.
	 */
	n = min_t(u32, sim_get_be16(hdr + 2), plen - sizeof(hdr)) / 16;
	if (n > SIM_SCSI_MAX_UNMAP_DESC) {
		sim_scsi_bad_field(res, false, 2, 7);
		return 0;
	}
	if (!n) {
		res->status = SIM_SAM_GOOD;
		return 0;
	}
	desc = sim_scsi_fetch(buf, res, sizeof(hdr), n * 16, &ret);
	if (!desc)
		return ret;
	for (i = 0; i < n; i++) {
		u64 lba = sim_get_be64(desc + i * 16);
		u32 count = sim_get_be32(desc + i * 16 + 8);

		if (!sim_lba_ok(disk, res, lba, count))
			goto out;
		total += count;
		/* the Block Limits page's MAXIMUM UNMAP LBA COUNT */
		if (total > SIM_SCSI_MAX_UNMAP >> disk->block_shift) {
			sim_scsi_bad_field(res, false, sizeof(hdr) + i * 16 + 8,
					   7);
			goto out;
		}
	}
	down_write(&disk->data_lock);
	for (i = 0; i < n; i++) {
		u64 lba = sim_get_be64(desc + i * 16);
		u32 count = sim_get_be32(desc + i * 16 + 8);

		if (!sim_lba_ok(disk, res, lba, count) ||
		    !sim_discard(disk, res, lba, count))
			break;
	}
	up_write(&disk->data_lock);
	if (i == n) {
		res->status = SIM_SAM_GOOD;
		atomic64_inc(&disk->unmaps);
		atomic64_add(total, &disk->blocks_unmapped);
	}
out:
	kfree(desc);
	return ret;
}

/*
 * SYNCHRONIZE CACHE (10), (16), SBC-3 5.22, 5.23: the range is checked
 * (NUMBER OF LOGICAL BLOCKS zero: to the last LBA) and a store with a
 * cache (a file's) writes it out; RAM has nothing cached.
 */
static void sim_sbc_sync(struct sim_scsi_disk *disk, const u8 *cdb,
			 struct sim_scsi_result *res)
{
	bool sc16 = cdb[0] == 0x91;
	u64 lba = sc16 ? sim_get_be64(cdb + 2) : sim_get_be32(cdb + 2);
	u32 n = sc16 ? sim_get_be32(cdb + 10) : sim_get_be16(cdb + 7);
	u64 end;

	if (!sim_lba_ok(disk, res, lba, n))
		return;
	if (disk->store) {
		down_read(&disk->data_lock);
		end = n ? lba + n : READ_ONCE(disk->sectors);
		if (disk->store->sync(disk, lba << disk->block_shift,
				      end << disk->block_shift)) {
			up_read(&disk->data_lock);
			sim_scsi_check_info(res, SIM_KEY_MEDIUM_ERROR,
					    SIM_ASC_WRITE_ERROR, lba);
			return;
		}
		up_read(&disk->data_lock);
	}
	res->status = SIM_SAM_GOOD;
}

/*
 * READ CAPACITY (10) and (16), SBC-3 5.15, 5.16. With PMI zero the LBA
 * field must be zero; with PMI one the answer is the same, the medium
 * having no delay ahead anywhere.
 */
static int sim_sbc_capacity(struct sim_scsi_disk *disk, const u8 *cdb,
			    const struct sim_scsi_buf *buf,
			    struct sim_scsi_result *res)
{
	u64 last = READ_ONCE(disk->sectors) - 1;
	u8 d[32] = {};

	if (cdb[0] == 0x25) {
		if (!(cdb[8] & 0x01) && sim_get_be32(cdb + 2)) {
			sim_scsi_bad_field(res, true, 2, 7);
			return 0;
		}
		/* too large for 32 bits: FFFFFFFFh sends sd to (16) */
		sim_put_be32(d, min_t(u64, last, U32_MAX));
		sim_put_be32(d + 4, disk->block_size);
		return sim_scsi_reply(buf, res, d, 8, 8);
	}
	/* SERVICE ACTION IN (16): READ CAPACITY (16) is service action 10h */
	if ((cdb[1] & 0x1f) != 0x10) {
		sim_scsi_bad_field(res, true, 1, 4);
		return 0;
	}
	if (!(cdb[14] & 0x01) && sim_get_be64(cdb + 2)) {
		sim_scsi_bad_field(res, true, 2, 7);
		return 0;
	}
	sim_put_be64(d, last);
	sim_put_be32(d + 8, disk->block_size);
	d[13] = disk->phys_exp;	/* LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT */
	if (disk->thin)
		d[14] = 0xc0;	/* LBPME, LBPRZ; LOWEST ALIGNED LBA 0 */
	return sim_scsi_reply(buf, res, d, sizeof(d), sim_get_be32(cdb + 10));
}

/* The block commands, all checked by sim_scsi_cdb_ok() before. */
int sim_sbc_exec(struct sim_scsi_disk *disk, const u8 *cdb,
		 const struct sim_scsi_buf *buf, struct sim_scsi_result *res)
{
	switch (cdb[0]) {
	case 0x25:
	case 0x9e:
		return sim_sbc_capacity(disk, cdb, buf, res);
	case 0x35:
	case 0x91:
		sim_sbc_sync(disk, cdb, res);
		return 0;
	case 0x41:
	case 0x93:
		return sim_sbc_write_same(disk, cdb, buf, res);
	case 0x42:
		if (disk->thin)
			return sim_sbc_unmap(disk, cdb, buf, res);
		/* a fully provisioned disk has no UNMAP */
		sim_scsi_check(res, SIM_KEY_ILLEGAL_REQUEST,
			       SIM_ASC_INVALID_OPCODE);
		return 0;
	default:
		return sim_sbc_rw(disk, cdb, buf, res);
	}
}
