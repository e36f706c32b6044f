// SPDX-License-Identifier: GPL-2.0
/*
 * hv_sim's storage host: disks whose data is a file or a block device of
 * this kernel (an image file, or a QEMU disk such as /dev/vda), the way a
 * Hyper-V host puts a VHDX or a pass-through disk behind the synthetic
 * controller. The SCSI target (scsi_target.c, scsi_sbc.c) runs the
 * commands; this is only the store.
 *
 * The file is read and written through the page cache of this kernel,
 * into a bounce buffer, with the guest's pages copied to or from it by
 * the target's own helper. Everything runs in a NOIO scope: the guest
 * whose disk this is lives in this very kernel, and reclaim that waits
 * for its I/O must never be entered from here. The disk's write cache
 * (WCE) decides whether a WRITE is written out before GOOD; SYNCHRONIZE
 * CACHE and FUA always are. UNMAP punches a hole (zeros after, as LBPRZ
 * promises), and writes zeros where the file cannot punch one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/falloc.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include "scsi_target_int.h"

/* The largest piece read or written at once. */
#define SIM_FILE_BOUNCE		(256U << 10)

struct sim_file {
	struct file *f;
	loff_t offset;		/* of the disk's first byte in the file */
};

static struct sim_file *sim_file(struct sim_scsi_disk *disk)
{
	return disk->store_priv;
}

/*
 * All of @len at the disk's byte @pos, or -EIO: a short transfer is a
 * failed medium.
 */
static int sim_file_io(struct sim_file *sf, u8 *data, u32 len, loff_t pos,
		       bool write)
{
	struct file *f = sf->f;
	ssize_t n;

	pos += sf->offset;

	while (len) {
		n = write ? kernel_write(f, data, len, &pos) :
			    kernel_read(f, data, len, &pos);
		if (n <= 0)
			return -EIO;
		data += n;
		len -= n;
	}
	return 0;
}

static int sim_file_rw(struct sim_scsi_disk *disk,
		       const struct sim_scsi_buf *buf, u64 pos, u32 len,
		       bool write)
{
	u32 size = min(len, SIM_FILE_BOUNCE), boff = 0, n;
	unsigned int noio = memalloc_noio_save();
	void *bounce = kvmalloc(size, GFP_KERNEL);
	int ret = 0;

	if (!bounce) {
		memalloc_noio_restore(noio);
		return -ENOMEM;
	}
	while (!ret && boff < len) {
		n = min(len - boff, size);
		if (write) {
			ret = sim_scsi_copy(buf, boff, NULL, bounce, n);
			if (!ret)
				ret = sim_file_io(sim_file(disk), bounce, n,
						  pos + boff, true);
		} else {
			ret = sim_file_io(sim_file(disk), bounce, n,
					  pos + boff, false);
			if (!ret)
				ret = sim_scsi_copy(buf, boff, bounce, NULL, n);
		}
		boff += n;
	}
	kvfree(bounce);
	memalloc_noio_restore(noio);
	return ret;
}

static int sim_file_fill(struct sim_scsi_disk *disk, u64 pos, u64 end,
			 const u8 *block)
{
	u32 bs = disk->block_size, size, off, n;
	unsigned int noio = memalloc_noio_save();
	int ret = 0;
	u8 *data;

	size = min_t(u64, end - pos, SIM_FILE_BOUNCE);
	data = kvmalloc(size, GFP_KERNEL);
	if (!data) {
		memalloc_noio_restore(noio);
		return -ENOMEM;
	}
	/* whole blocks: @size is a multiple of bs, as @pos and @end are */
	for (off = 0; off < size; off += bs)
		memcpy(data + off, block, bs);
	while (!ret && pos < end) {
		n = min_t(u64, end - pos, size);
		ret = sim_file_io(sim_file(disk), data, n, pos, true);
		pos += n;
		cond_resched();
	}
	kvfree(data);
	memalloc_noio_restore(noio);
	return ret;
}

static int sim_file_sync(struct sim_scsi_disk *disk, u64 start, u64 end)
{
	unsigned int noio = memalloc_noio_save();
	struct sim_file *sf = sim_file(disk);
	int ret = vfs_fsync_range(sf->f, sf->offset + start,
				  sf->offset + end - 1, 1);

	memalloc_noio_restore(noio);
	return ret ? -EIO : 0;
}

static int sim_file_discard(struct sim_scsi_disk *disk, u64 start, u64 end)
{
	unsigned int noio = memalloc_noio_save();
	struct sim_file *sf = sim_file(disk);
	int ret = vfs_fallocate(sf->f,
				FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				sf->offset + start, end - start);
	u8 *zeros;

	memalloc_noio_restore(noio);
	if (!ret)
		return 0;
	if (ret != -EOPNOTSUPP && ret != -EINVAL && ret != -ENODEV)
		return -EIO;
	/* no holes here: zeros are what an unmapped block reads as */
	zeros = kzalloc(disk->block_size, GFP_NOIO);
	if (!zeros)
		return -ENOMEM;
	ret = sim_file_fill(disk, start, end, zeros);
	kfree(zeros);
	return ret;
}

static void sim_file_release(struct sim_scsi_disk *disk)
{
	filp_close(sim_file(disk)->f, NULL);
	kfree(disk->store_priv);
}

static const struct sim_scsi_store sim_file_store = {
	.rw = sim_file_rw,
	.fill = sim_file_fill,
	.discard = sim_file_discard,
	.sync = sim_file_sync,
	.release = sim_file_release,
};

/**
 * sim_scsi_disk_create_file() - a disk whose data is a file or block device
 * @cfg: as for a RAM disk; its sectors are ignored (the file's size from
 *	@offset, in whole blocks, is the capacity)
 * @path: a regular file or a block device, opened read-write unless
 *	@cfg->read_only
 * @offset: where the disk starts in it, a multiple of the block size (a
 *	disk image behind a header the guest is not to see)
 *
 * Return: the disk, or ERR_PTR(-errno): the open's error, -EINVAL for
 * anything but a regular file or a block device, an unaligned offset, or
 * less than a block from the offset on.
 */
struct sim_scsi_disk *sim_scsi_disk_create_file(const struct sim_scsi_disk_config *cfg,
						const char *path, u64 offset)
{
	struct sim_scsi_disk_config c = *cfg;
	struct sim_scsi_disk *disk;
	struct sim_file *sf;
	struct file *f;
	umode_t mode;
	loff_t size;

	if (c.block_size != 512 && c.block_size != 4096)
		return ERR_PTR(-EINVAL);
	if (offset & (c.block_size - 1) || offset > LLONG_MAX)
		return ERR_PTR(-EINVAL);
	sf = kzalloc(sizeof(*sf), GFP_KERNEL);
	if (!sf)
		return ERR_PTR(-ENOMEM);
	f = filp_open(path, (cfg->read_only ? O_RDONLY : O_RDWR) | O_LARGEFILE,
		      0);
	if (IS_ERR(f)) {
		kfree(sf);
		return ERR_CAST(f);
	}
	mode = file_inode(f)->i_mode;
	/* a block device's size is its inode's in the bdev file system */
	size = i_size_read(f->f_mapping->host);
	if ((!S_ISREG(mode) && !S_ISBLK(mode)) || size < offset) {
		disk = ERR_PTR(-EINVAL);
		goto fail;
	}
	c.sectors = (u64)(size - offset) >> ilog2(c.block_size);
	disk = sim_scsi_disk_alloc(&c);
	if (IS_ERR(disk))
		goto fail;
	sf->f = f;
	sf->offset = offset;
	disk->store_priv = sf;
	disk->store = &sim_file_store;
	return disk;

fail:
	filp_close(f, NULL);
	kfree(sf);
	return disk;
}
