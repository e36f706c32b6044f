// SPDX-License-Identifier: GPL-2.0
/*
 * hv_sim's SCSI target: RAM disks that answer as a direct access block
 * device of SBC-3 whose device server follows SPC-3/SPC-4, for the guest's
 * sd driver and sg3_utils. This file holds the disk and its lifetime, the
 * command dispatch (UNIT ATTENTION, reservation conflicts, fault
 * injection) and the helpers for sense data and the guest's buffer;
 * scsi_sbc.c has the store and the block
 * commands, scsi_spc.c INQUIRY, the mode pages, REQUEST SENSE and REPORT
 * LUNS, scsi_pr.c persistent reservations.
 *
 * Limits: disks of up to SIM_SCSI_MAX_BYTES; initiators 0 to
 * SIM_SCSI_MAX_INITIATORS - 1 registered and owed UNIT ATTENTIONs (see
 * scsi_target.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/bitops.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "sim.h"
#include "scsi_target_int.h"

static const struct sim_scsi_buf sim_scsi_no_data;

/* ---- results ---- */

/**
 * sim_scsi_check_info() - CHECK CONDITION with fixed format sense data
 * @res: the result to fill
 * @key: the sense key
 * @asc: additional sense code and qualifier, ASC << 8 | ASCQ
 * @info: the INFORMATION field; above U32_MAX, none (VALID zero)
 *
 * SPC-4 4.5.3: response code 70h (current error), ADDITIONAL SENSE
 * LENGTH 10 for the 18 bytes. res->transferred is left alone: what a
 * command moved before it failed stays counted.
 */
void sim_scsi_check_info(struct sim_scsi_result *res, u8 key, u16 asc,
			 u64 info)
{
	u8 *s = res->sense;

	res->status = SIM_SAM_CHECK_CONDITION;
	res->sense_len = SIM_SCSI_SENSE_LEN;
	memset(s, 0, SIM_SCSI_SENSE_LEN);
	s[0] = 0x70;
	if (info <= U32_MAX) {
		s[0] |= 0x80;
		sim_put_be32(s + 3, info);
	}
	s[2] = key & 0x0f;
	s[7] = SIM_SCSI_SENSE_LEN - 8;
	s[12] = asc >> 8;
	s[13] = asc & 0xff;
}

void sim_scsi_check(struct sim_scsi_result *res, u8 key, u16 asc)
{
	sim_scsi_check_info(res, key, asc, U64_MAX);
}

/**
 * sim_scsi_bad_field() - INVALID FIELD IN CDB or IN PARAMETER LIST
 * @res: the result to fill
 * @in_cdb: the field is in the CDB (else in the parameter list)
 * @byte: the byte the field starts in
 * @bit: its most significant bit, or -1 for none
 *
 * SPC-4 4.5.2.4.2: the field pointer sense key specific data (SKSV, C/D,
 * BPV, BIT POINTER, FIELD POINTER) in bytes 15 to 17.
 */
void sim_scsi_bad_field(struct sim_scsi_result *res, bool in_cdb, u16 byte,
			int bit)
{
	sim_scsi_check(res, SIM_KEY_ILLEGAL_REQUEST,
		       in_cdb ? SIM_ASC_INVALID_FIELD_CDB :
				SIM_ASC_INVALID_FIELD_PARAM);
	res->sense[15] = 0x80 | (in_cdb ? 0x40 : 0) |
			 (bit >= 0 ? 0x08 | (bit & 7) : 0);
	sim_put_be16(res->sense + 16, byte);
}

/* ---- the guest's buffer ---- */

static u8 *sim_buf_page(const struct sim_scsi_buf *buf, u32 i)
{
	u64 pfn = buf->pfns[i];

	if (pfn >> (64 - SIM_SCSI_PAGE_SHIFT))
		return NULL;
	return sim_guest_page(pfn << SIM_SCSI_PAGE_SHIFT);
}

/*
 * Before anything else: the byte range lies within the page list, and
 * each page of it is guest RAM.
 */
bool sim_scsi_buf_valid(const struct sim_scsi_buf *buf)
{
	u64 end;
	u32 i;

	if (!buf->len)
		return true;
	end = (u64)buf->offset + buf->len;
	if (!buf->pfns || buf->offset >= SIM_SCSI_PAGE ||
	    end > (u64)buf->npfns << SIM_SCSI_PAGE_SHIFT)
		return false;
	for (i = 0; i <= (end - 1) >> SIM_SCSI_PAGE_SHIFT; i++)
		if (!sim_buf_page(buf, i))
			return false;
	return true;
}

/*
 * Move @len bytes at byte @boff of the guest's buffer: into @dst if it is
 * not NULL, else from @src, or zeros when @src is NULL too.
 */
int sim_scsi_copy(const struct sim_scsi_buf *buf, u32 boff, const u8 *src,
		  u8 *dst, u32 len)
{
	u64 pos = (u64)buf->offset + boff;

	if ((u64)boff + len > buf->len)
		return -EFAULT;
	while (len) {
		u32 in = pos & (SIM_SCSI_PAGE - 1);
		u32 n = min(len, SIM_SCSI_PAGE - in);
		u8 *page = sim_buf_page(buf, pos >> SIM_SCSI_PAGE_SHIFT);

		if (!page)
			return -EFAULT;
		if (dst) {
			memcpy(dst, page + in, n);
			dst += n;
		} else if (src) {
			memcpy(page + in, src, n);
			src += n;
		} else {
			memset(page + in, 0, n);
		}
		pos += n;
		len -= n;
	}
	return 0;
}

/* SAM-5: a data phase the command does not call for, or too short. */
void sim_scsi_phase_error(struct sim_scsi_result *res)
{
	sim_scsi_check(res, SIM_KEY_ABORTED_COMMAND, SIM_ASC_DATA_PHASE_ERROR);
}

/**
 * sim_scsi_reply() - return data-in parameter data
 * @buf: the guest's buffer
 * @res: the result: GOOD, or CHECK CONDITION
 * @data: the parameter data
 * @len: its whole length
 * @alloc: the command's ALLOCATION LENGTH
 *
 * SPC-4 4.2.5.6: the data is truncated to the allocation length (and to
 * the buffer), and the length fields in it are not changed for that.
 *
 * Return: 0, or -EFAULT if the buffer turned out not to be guest RAM.
 */
int sim_scsi_reply(const struct sim_scsi_buf *buf, struct sim_scsi_result *res,
		   const void *data, u32 len, u32 alloc)
{
	u32 n = min3(len, alloc, buf->len);

	if (n && buf->to_device) {
		sim_scsi_phase_error(res);
		return 0;
	}
	if (sim_scsi_copy(buf, 0, data, NULL, n)) {
		sim_scsi_phase_error(res);
		return -EFAULT;
	}
	res->status = SIM_SAM_GOOD;
	res->transferred = n;
	return 0;
}

/**
 * sim_scsi_plist_ok() - is a data-out parameter list all there?
 * @buf: the guest's buffer
 * @res: the result, CHECK CONDITION if not
 * @plen: the CDB's PARAMETER LIST LENGTH
 *
 * Return: true if the buffer brings the @plen bytes; else the command
 * ends with PARAMETER LIST LENGTH ERROR (SPC-4 4.5.2.4) or, for a buffer
 * going the wrong way, a data phase error.
 */
bool sim_scsi_plist_ok(const struct sim_scsi_buf *buf,
		       struct sim_scsi_result *res, u32 plen)
{
	if (!plen)
		return true;
	if (buf->len < plen) {
		sim_scsi_check(res, SIM_KEY_ILLEGAL_REQUEST,
			       SIM_ASC_PARAM_LIST_LENGTH);
		return false;
	}
	if (!buf->to_device) {
		sim_scsi_phase_error(res);
		return false;
	}
	res->transferred = plen;
	return true;
}

/* Bytes @off..@off+@len of a parameter list sim_scsi_plist_ok() passed. */
int sim_scsi_get(const struct sim_scsi_buf *buf, struct sim_scsi_result *res,
		 u32 off, void *dst, u32 len)
{
	if (!sim_scsi_copy(buf, off, NULL, dst, len))
		return 0;
	sim_scsi_phase_error(res);
	return -EFAULT;
}

/*
 * A copy of bytes @off..@off+@len of the guest's buffer, in memory of its
 * own (kfree() it). On failure the result is set and the error is what
 * the command returns: 0 when there was no memory, -EFAULT when the
 * buffer cannot be read (see sim_scsi_get()).
 */
void *sim_scsi_fetch(const struct sim_scsi_buf *buf,
		     struct sim_scsi_result *res, u32 off, u32 len, int *err)
{
	void *p = kmalloc(len, GFP_NOIO);

	*err = 0;
	if (!p) {
		sim_scsi_check(res, SIM_KEY_HARDWARE_ERROR,
			       SIM_ASC_INSUFFICIENT_RESOURCES);
		return NULL;
	}
	*err = sim_scsi_get(buf, res, off, p, len);
	if (*err) {
		kfree(p);
		return NULL;
	}
	return p;
}

/*
 * SPC-4 4.3.4.1: the CDB length its group code gives the opcode; 0 for
 * the groups of variable length and vendor specific commands.
 */
static u32 sim_cdb_len(u8 op)
{
	switch (op >> 5) {
	case 0:
		return 6;
	case 1:
	case 2:
		return 10;
	case 4:
		return 16;
	case 5:
		return 12;
	default:
		return 0;
	}
}

/**
 * sim_scsi_cdb_ok() - the checks every CDB gets
 * @cdb: the CDB
 * @cdb_len: the bytes of it the caller has
 * @res: the result, CHECK CONDITION if not
 *
 * The CDB must be as long as its group code says. SAM-5 5.2: the CONTROL
 * byte's NACA bit needs NormACA, which INQUIRY says is not supported, and
 * its LINK bit (obsolete) linked commands: both invalid here.
 */
bool sim_scsi_cdb_ok(const u8 *cdb, u32 cdb_len, struct sim_scsi_result *res)
{
	u32 len = sim_cdb_len(cdb[0]);

	if (!len) {
		sim_scsi_check(res, SIM_KEY_ILLEGAL_REQUEST,
			       SIM_ASC_INVALID_OPCODE);
		return false;
	}
	if (cdb_len < len) {
		sim_scsi_bad_field(res, true, cdb_len, -1);
		return false;
	}
	if (cdb[len - 1] & 0x05) {
		sim_scsi_bad_field(res, true, len - 1,
				   cdb[len - 1] & 0x04 ? 2 : 0);
		return false;
	}
	return true;
}

/* ---- UNIT ATTENTION (SPC-4 5.14), under disk->lock ---- */

void sim_scsi_owe_ua(struct sim_scsi_disk *disk, u32 initiator, u16 asc)
{
	struct sim_scsi_ua *ua;
	u8 i;

	if (initiator >= SIM_SCSI_MAX_INITIATORS)
		return;
	ua = &disk->ua[initiator];
	for (i = 0; i < ua->n; i++)
		if (ua->asc[i] == asc)
			return;
	/* A full queue: the newest condition takes the last place. */
	if (ua->n == SIM_SCSI_UA_QUEUE)
		ua->n--;
	ua->asc[ua->n++] = asc;
}

/* To every initiator seen so far except @initiator (U32_MAX: to all). */
void sim_scsi_owe_ua_others(struct sim_scsi_disk *disk, u32 initiator,
			    u16 asc)
{
	u32 i;

	for (i = 0; i < SIM_SCSI_MAX_INITIATORS; i++)
		if ((disk->seen & BIT_ULL(i)) && i != initiator)
			sim_scsi_owe_ua(disk, i, asc);
}

/* The oldest condition owed to @initiator, which is then cleared. */
bool sim_scsi_take_ua(struct sim_scsi_disk *disk, u32 initiator, u16 *asc)
{
	struct sim_scsi_ua *ua;

	if (initiator >= SIM_SCSI_MAX_INITIATORS)
		return false;
	ua = &disk->ua[initiator];
	if (!ua->n)
		return false;
	*asc = ua->asc[0];
	ua->n--;
	memmove(ua->asc, ua->asc + 1, ua->n * sizeof(ua->asc[0]));
	return true;
}

/* ---- dispatch ---- */

/*
 * The commands this target implements, and what a persistent reservation
 * held by another I_T nexus does to each (SPC-4 table 65, SBC-3 table 13;
 * MODE SENSE passes Write Exclusive, as ALLOW COMMANDS 011b reports).
 */
static bool sim_scsi_known(u8 op, enum sim_pr_class *cls)
{
	switch (op) {
	case 0x00:	/* TEST UNIT READY */
	case 0x03:	/* REQUEST SENSE */
	case 0x12:	/* INQUIRY */
	case 0x25:	/* READ CAPACITY (10) */
	case 0x5e:	/* PERSISTENT RESERVE IN */
	case 0x5f:	/* PERSISTENT RESERVE OUT: checks its own */
	case 0x9e:	/* SERVICE ACTION IN (16) */
		*cls = SIM_PR_ALLOWED;
		return true;
	case 0x08:	/* READ (6) */
	case 0x1a:	/* MODE SENSE (6) */
	case 0x28:	/* READ (10) */
	case 0x5a:	/* MODE SENSE (10) */
	case 0x88:	/* READ (16) */
		*cls = SIM_PR_READS;
		return true;
	case 0x0a:	/* WRITE (6) */
	case 0x15:	/* MODE SELECT (6) */
	case 0x2a:	/* WRITE (10) */
	case 0x35:	/* SYNCHRONIZE CACHE (10) */
	case 0x41:	/* WRITE SAME (10) */
	case 0x42:	/* UNMAP */
	case 0x55:	/* MODE SELECT (10) */
	case 0x8a:	/* WRITE (16) */
	case 0x91:	/* SYNCHRONIZE CACHE (16) */
	case 0x93:	/* WRITE SAME (16) */
		*cls = SIM_PR_WRITES;
		return true;
	default:
		*cls = SIM_PR_ALLOWED;
		return false;
	}
}

/* The LBA a medium access command starts at, for a MEDIUM ERROR. */
static u64 sim_cdb_lba(const u8 *cdb, u32 cdb_len)
{
	switch (cdb[0]) {
	case 0x08:
	case 0x0a:
		return cdb_len >= 6 ? sim_get_be24(cdb + 1) & 0x1fffff : U64_MAX;
	case 0x28:
	case 0x2a:
	case 0x35:
	case 0x41:
		return cdb_len >= 10 ? sim_get_be32(cdb + 2) : U64_MAX;
	case 0x88:
	case 0x8a:
	case 0x91:
	case 0x93:
		return cdb_len >= 16 ? sim_get_be64(cdb + 2) : U64_MAX;
	default:
		return U64_MAX;
	}
}

/* Fault injection: does this command fail? Under disk->lock. */
static bool sim_scsi_fail_now(struct sim_scsi_disk *disk, u8 op)
{
	if (!disk->fail_count)
		return false;
	if (disk->fail_opcode == 0xff ? op == 0x12 || op == 0xa0 :
					op != disk->fail_opcode)
		return false;
	disk->fail_count--;
	return true;
}

static int sim_scsi_dispatch(struct sim_scsi_disk *disk, u32 initiator,
			     const u8 *cdb, const struct sim_scsi_buf *buf,
			     struct sim_scsi_result *res)
{
	switch (cdb[0]) {
	case 0x00:
		res->status = SIM_SAM_GOOD;
		return 0;
	case 0x03:
		return sim_spc_request_sense(disk, initiator, cdb, buf, res);
	case 0x12:
		return sim_spc_inquiry(disk, cdb, buf, res);
	case 0x15:
	case 0x55:
		return sim_spc_mode_select(disk, initiator, cdb, buf, res);
	case 0x1a:
	case 0x5a:
		return sim_spc_mode_sense(disk, cdb, buf, res);
	case 0x5e:
		return sim_pr_in(disk, cdb, buf, res);
	case 0x5f:
		return sim_pr_out(disk, initiator, cdb, buf, res);
	default:
		return sim_sbc_exec(disk, cdb, buf, res);
	}
}

int sim_scsi_exec(struct sim_scsi_disk *disk, u32 initiator,
		  const u8 *cdb, u32 cdb_len, const struct sim_scsi_buf *buf,
		  struct sim_scsi_result *res)
{
	enum sim_pr_class cls;
	bool known;
	int ret = 0;
	u16 asc;
	u8 op;

	memset(res, 0, sizeof(*res));
	if (!buf)
		buf = &sim_scsi_no_data;
	atomic64_inc(&disk->cmds);
	if (!sim_scsi_buf_valid(buf)) {
		sim_scsi_phase_error(res);
		ret = -EFAULT;
		goto out;
	}
	if (!cdb || !cdb_len) {
		sim_scsi_check(res, SIM_KEY_ILLEGAL_REQUEST,
			       SIM_ASC_INVALID_OPCODE);
		goto out;
	}
	op = cdb[0];
	known = sim_scsi_known(op, &cls);

	mutex_lock(&disk->lock);
	if (initiator < SIM_SCSI_MAX_INITIATORS)
		disk->seen |= BIT_ULL(initiator);
	if (op != 0x12 && op != 0x03 && op != 0xa0 &&
	    sim_scsi_take_ua(disk, initiator, &asc)) {
		sim_scsi_check(res, SIM_KEY_UNIT_ATTENTION, asc);
	} else if (sim_pr_conflict(disk, initiator, cls)) {
		res->status = SIM_SAM_RESERVATION_CONFLICT;
	} else if (sim_scsi_fail_now(disk, op)) {
		sim_scsi_check_info(res, disk->fail_key, disk->fail_asc,
				    disk->fail_key == SIM_KEY_MEDIUM_ERROR ?
				    sim_cdb_lba(cdb, cdb_len) : U64_MAX);
		atomic64_inc(&disk->injected);
	}
	mutex_unlock(&disk->lock);
	if (res->status)
		goto out;

	if (!known) {
		/* REPORT LUNS too: the controller answers it */
		sim_scsi_check(res, SIM_KEY_ILLEGAL_REQUEST,
			       SIM_ASC_INVALID_OPCODE);
		goto out;
	}
	if (sim_scsi_cdb_ok(cdb, cdb_len, res))
		ret = sim_scsi_dispatch(disk, initiator, cdb, buf, res);
out:
	if (res->status == SIM_SAM_CHECK_CONDITION)
		atomic64_inc(&disk->failures);
	else if (res->status == SIM_SAM_RESERVATION_CONFLICT)
		atomic64_inc(&disk->conflicts);
	return ret;
}

/* ---- the disk ---- */

/*
 * The disk of @cfg without its data: every field but the store checked
 * and set (cfg->sectors too). ERR_PTR(-errno) as sim_scsi_disk_create_ram().
 */
struct sim_scsi_disk *sim_scsi_disk_alloc(const struct sim_scsi_disk_config *cfg)
{
	u32 bs = cfg->block_size;
	u32 pbs = cfg->phys_block_size ? cfg->phys_block_size : bs;
	struct sim_scsi_disk *disk;
	unsigned int noio;
	size_t i, n;
	u8 shift;

	if (!cfg->name || !*cfg->name || (bs != 512 && bs != 4096) ||
	    pbs < bs || !is_power_of_2(pbs) || ilog2(pbs / bs) > 15)
		return ERR_PTR(-EINVAL);
	shift = ilog2(bs);
	if (!cfg->sectors || cfg->sectors > SIM_SCSI_MAX_BYTES >> shift)
		return ERR_PTR(-EINVAL);
	/* VPD 0x83 presents it as NAA 6, IEEE Registered Extended */
	if ((cfg->naa_id[0] >> 4) != 6)
		return ERR_PTR(-EINVAL);

	/* callers hold locks the guest's I/O may need: no reclaim I/O */
	noio = memalloc_noio_save();
	disk = kzalloc(sizeof(*disk), GFP_KERNEL);
	if (disk)
		disk->name = kstrdup(cfg->name, GFP_KERNEL);
	memalloc_noio_restore(noio);
	if (!disk || !disk->name) {
		kfree(disk);
		return ERR_PTR(-ENOMEM);
	}

	kref_init(&disk->kref);
	/* VPD 0x80: the name's first 32 characters, each printable ASCII */
	n = min(strlen(cfg->name), sizeof(disk->serial) - 1);
	for (i = 0; i < n; i++)
		disk->serial[i] = cfg->name[i] > 0x20 && cfg->name[i] < 0x7f ?
				  cfg->name[i] : '_';
	disk->block_size = bs;
	disk->block_shift = shift;
	disk->phys_exp = ilog2(pbs / bs);
	disk->read_only = cfg->read_only;
	disk->thin = cfg->thin;
	disk->wce_default = cfg->write_cache;
	disk->wce = cfg->write_cache;
	memcpy(disk->naa_id, cfg->naa_id, sizeof(disk->naa_id));
	mutex_init(&disk->lock);
	init_rwsem(&disk->data_lock);
	disk->sectors = cfg->sectors;
	return disk;
}

struct sim_scsi_disk *sim_scsi_disk_create_ram(const struct sim_scsi_disk_config *cfg)
{
	struct sim_scsi_disk *disk = sim_scsi_disk_alloc(cfg);
	unsigned int noio;

	if (IS_ERR(disk))
		return disk;
	disk->ndir = sim_ram_ndir(cfg->sectors, disk->block_shift);
	noio = memalloc_noio_save();
	disk->dir = kvcalloc(disk->ndir, sizeof(*disk->dir), GFP_KERNEL);
	memalloc_noio_restore(noio);
	if (!disk->dir) {
		sim_scsi_disk_put(disk);
		return ERR_PTR(-ENOMEM);
	}
	return disk;
}

void sim_scsi_disk_get(struct sim_scsi_disk *disk)
{
	kref_get(&disk->kref);
}

static void sim_scsi_disk_release(struct kref *kref)
{
	struct sim_scsi_disk *disk =
		container_of(kref, struct sim_scsi_disk, kref);

	if (disk->store)
		disk->store->release(disk);
	else if (disk->dir)
		sim_ram_free(disk, 0);
	kvfree(disk->dir);
	mutex_destroy(&disk->lock);
	kfree(disk->name);
	kfree(disk);
}

void sim_scsi_disk_put(struct sim_scsi_disk *disk)
{
	if (disk)
		kref_put(&disk->kref, sim_scsi_disk_release);
}

void sim_scsi_disk_unit_attention(struct sim_scsi_disk *disk, u32 initiator,
				  u8 asc, u8 ascq)
{
	mutex_lock(&disk->lock);
	if (initiator == U32_MAX)
		sim_scsi_owe_ua_others(disk, U32_MAX, asc << 8 | ascq);
	else
		sim_scsi_owe_ua(disk, initiator, asc << 8 | ascq);
	mutex_unlock(&disk->lock);
}

/*
 * A new capacity in logical blocks. What a shrink cuts off is freed (and
 * zeroed in a chunk it cuts through), so growing again shows zeros there.
 * Every initiator seen is owed CAPACITY DATA HAS CHANGED.
 */
int sim_scsi_disk_resize(struct sim_scsi_disk *disk, u64 sectors)
{
	void ***dir, ***old_dir;
	u64 ndir, old, keep;
	unsigned int noio;

	if (!sectors || sectors > SIM_SCSI_MAX_BYTES >> disk->block_shift)
		return -EINVAL;
	/* a file's size is the file's business */
	if (disk->store)
		return -EOPNOTSUPP;
	ndir = sim_ram_ndir(sectors, disk->block_shift);
	noio = memalloc_noio_save();
	dir = kvcalloc(ndir, sizeof(*dir), GFP_KERNEL);
	memalloc_noio_restore(noio);
	if (!dir)
		return -ENOMEM;

	down_write(&disk->data_lock);
	old = disk->sectors;
	if (sectors < old)
		sim_ram_discard(disk, sectors << disk->block_shift,
				old << disk->block_shift);
	keep = min(ndir, disk->ndir);
	memcpy(dir, disk->dir, keep * sizeof(*dir));
	sim_ram_free(disk, keep);
	old_dir = disk->dir;
	disk->dir = dir;
	disk->ndir = ndir;
	WRITE_ONCE(disk->sectors, sectors);
	up_write(&disk->data_lock);
	kvfree(old_dir);

	if (sectors != old)
		sim_scsi_disk_unit_attention(disk, U32_MAX, 0x2a, 0x09);
	return 0;
}

void sim_scsi_disk_fail_next(struct sim_scsi_disk *disk, u8 opcode,
			     u32 count, u8 key, u8 asc, u8 ascq)
{
	mutex_lock(&disk->lock);
	disk->fail_opcode = opcode;
	disk->fail_count = count;
	disk->fail_key = key & 0x0f;
	disk->fail_asc = asc << 8 | ascq;
	mutex_unlock(&disk->lock);
}

/* atomic64_read() is long on some kernels, s64 on others */
static u64 sim_ctr(const atomic64_t *v)
{
	return atomic64_read(v);
}

int sim_scsi_disk_show(struct sim_scsi_disk *disk, char *buf, size_t size)
{
	const struct sim_scsi_pr *pr = &disk->pr;
	unsigned int ua = 0, i;
	int n;

	mutex_lock(&disk->lock);
	for (i = 0; i < SIM_SCSI_MAX_INITIATORS; i++)
		ua += disk->ua[i].n;
	n = scnprintf(buf, size,
		      "blocks %llu bs %u pbs %u%s%s%s wce %d ram_kib %llu cmds %llu reads %llu read_bytes %llu writes %llu written_bytes %llu unmaps %llu unmapped_blocks %llu conflicts %llu failures %llu injected %llu alloc_failures %llu",
		      READ_ONCE(disk->sectors), disk->block_size,
		      disk->block_size << disk->phys_exp,
		      disk->read_only ? " ro" : "", disk->thin ? " thin" : "",
		      disk->store ? " file" : "", disk->wce, sim_ctr(&disk->chunks) * 4,
		      sim_ctr(&disk->cmds), sim_ctr(&disk->reads),
		      sim_ctr(&disk->bytes_read), sim_ctr(&disk->writes),
		      sim_ctr(&disk->bytes_written), sim_ctr(&disk->unmaps),
		      sim_ctr(&disk->blocks_unmapped),
		      sim_ctr(&disk->conflicts), sim_ctr(&disk->failures),
		      sim_ctr(&disk->injected),
		      sim_ctr(&disk->alloc_failures));
	n += scnprintf(buf + n, size - n,
		       " initiators %#llx ua_pending %u prgen %u registered %#llx",
		       disk->seen, ua, pr->generation, pr->registered);
	if (pr->reserved)
		n += scnprintf(buf + n, size - n,
			       " reservation type %u holder %u key %#llx",
			       pr->type, pr->holder, pr->key[pr->holder]);
	if (disk->fail_count)
		n += scnprintf(buf + n, size - n, " fail %#x x%u",
			       disk->fail_opcode, disk->fail_count);
	mutex_unlock(&disk->lock);
	n += scnprintf(buf + n, size - n, "\n");
	return n;
}
