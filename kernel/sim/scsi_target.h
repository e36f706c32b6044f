/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv_sim's SCSI target: the disks behind the simulated storage host
 * (storvsp.c). It knows nothing of VMBus: storvsp.c hands it a CDB, the
 * guest's data buffer as a byte range over guest page frames, and the
 * identity of the controller the command came through (the I_T nexus, for
 * SCSI-3 persistent reservations); it answers with a SAM status, sense
 * data and the number of bytes moved.
 *
 * A disk (struct sim_scsi_disk) is the backing store and the state that
 * belongs to the medium (persistent reservations, UNIT ATTENTIONs owed per
 * nexus). The same disk can be presented by several controllers (a shared
 * VHDX behind two VMs' controllers, as a failover cluster uses it); each
 * controller is a different initiator.
 *
 * Written from the SCSI standards' documented behaviour (SPC-4, SBC-3):
 * command formats, sense keys and additional sense codes, VPD page
 * layouts, persistent reservation rules.
 */
#ifndef HVG_SIM_SCSI_TARGET_H
#define HVG_SIM_SCSI_TARGET_H

#include <linux/types.h>

struct sim_scsi_disk;

/* Sense data this target returns: fixed format, 18 bytes. */
#define SIM_SCSI_SENSE_LEN	18

/*
 * Initiators 0..63 are tracked: only they can register a persistent
 * reservation key and be owed a UNIT ATTENTION. A command from a higher
 * number is still served, as from an I_T nexus that never registers.
 */
#define SIM_SCSI_MAX_INITIATORS	64

/* The largest RAM disk, in bytes (1 TiB). */
#define SIM_SCSI_MAX_BYTES	0x10000000000ULL

/* The guest's data buffer: @len bytes from byte @offset of @pfns[0]. */
struct sim_scsi_buf {
	const u64 *pfns;	/* guest page frame numbers (4 KiB pages) */
	u32 npfns;
	u32 offset;		/* into the first page, < 4096 */
	u32 len;		/* 0: no data phase */
	bool to_device;		/* WRITE-type: the guest's data comes in */
};

struct sim_scsi_result {
	u8 status;		/* SAM status: 0 GOOD, 2 CHECK CONDITION, ... */
	u8 sense_len;		/* 0, or SIM_SCSI_SENSE_LEN */
	u8 sense[SIM_SCSI_SENSE_LEN];
	u32 transferred;	/* bytes moved to or from the buffer */
};

struct sim_scsi_disk_config {
	const char *name;	/* in messages and in the serial number */
	u64 sectors;		/* capacity in logical blocks */
	u32 block_size;		/* 512 or 4096 */
	u32 phys_block_size;	/* >= block_size, a power of two multiple */
	bool read_only;		/* MODE SENSE WP, writes: DATA PROTECT */
	bool write_cache;	/* the caching mode page's WCE */
	bool thin;		/* UNMAP / WRITE SAME UNMAP, LBPME */
	u8 naa_id[16];		/* VPD 0x83 NAA designator (IEEE registered extended) */
};

/*
 * A RAM-backed disk: pages are allocated when first written (so a large
 * sparse disk costs what was written) and freed by UNMAP. Returns
 * ERR_PTR(-errno): -EINVAL for a block size other than 512 or 4096, a
 * physical block size that is not block_size times a power of two (0
 * means block_size), no name, no sectors or more than SIM_SCSI_MAX_BYTES,
 * or an naa_id whose NAA field (top nibble) is not 6.
 */
struct sim_scsi_disk *sim_scsi_disk_create_ram(const struct sim_scsi_disk_config *cfg);
/*
 * A disk whose data is a regular file or a block device at @path, from
 * byte @offset on (storvsp_file.c); the capacity is its size from there
 * in whole blocks, not cfg->sectors. Not in the userspace build of the
 * target.
 */
struct sim_scsi_disk *sim_scsi_disk_create_file(const struct sim_scsi_disk_config *cfg,
						const char *path, u64 offset);
/* Disks are reference counted: each controller presenting one holds one. */
void sim_scsi_disk_get(struct sim_scsi_disk *disk);
void sim_scsi_disk_put(struct sim_scsi_disk *disk);

/*
 * Execute one command from @initiator (the controller's number; each one
 * is its own I_T nexus) on @disk. @buf describes the guest's buffer;
 * guest pages are reached with sim_guest_page(). Every field of the CDB
 * and every length is checked: a command the target does not know, or a
 * malformed one, gets CHECK CONDITION with ILLEGAL REQUEST and the right
 * additional sense code, never a crash. Sleeps (process context only).
 * The return value is 0, or -EFAULT when the buffer names a page that is
 * not guest RAM, or its byte range does not fit its page list (the caller
 * reports that as a protocol violation; the result then says CHECK
 * CONDITION too, ABORTED COMMAND, DATA PHASE ERROR). Nothing is touched
 * then: the whole buffer is checked first.
 */
int sim_scsi_exec(struct sim_scsi_disk *disk, u32 initiator,
		  const u8 *cdb, u32 cdb_len, const struct sim_scsi_buf *buf,
		  struct sim_scsi_result *res);

/*
 * Owe @initiator (or every initiator, for U32_MAX) a UNIT ATTENTION with
 * @asc/@ascq, reported on its next command other than INQUIRY, REPORT
 * LUNS and REQUEST SENSE (e.g. 0x2a/0x09 capacity data has changed after
 * sim_scsi_disk_resize()).
 */
void sim_scsi_disk_unit_attention(struct sim_scsi_disk *disk, u32 initiator,
				  u8 asc, u8 ascq);
/*
 * A new capacity, in logical blocks of the disk's block_size (as
 * cfg->sectors); every initiator seen so far is owed 0x2a/0x09. -EINVAL
 * for 0 or more than SIM_SCSI_MAX_BYTES.
 */
int sim_scsi_disk_resize(struct sim_scsi_disk *disk, u64 sectors);

/*
 * Fault injection: the next @count commands with opcode @opcode (0xff:
 * any opcode except INQUIRY and REPORT LUNS) fail with CHECK CONDITION
 * @key/@asc/@ascq (MEDIUM ERROR 3/0x11/0x00, say) without touching the
 * medium.
 */
void sim_scsi_disk_fail_next(struct sim_scsi_disk *disk, u8 opcode,
			     u32 count, u8 key, u8 asc, u8 ascq);

/* Counters and state for debugfs: a text summary into @buf. */
int sim_scsi_disk_show(struct sim_scsi_disk *disk, char *buf, size_t size);

/*
 * REPORT LUNS is answered by the controller, not the disk (it knows which
 * LUNs it presents); this fills the reply for @luns[0..@n) into @buf.
 */
int sim_scsi_report_luns(const u16 *luns, u32 n, const u8 *cdb, u32 cdb_len,
			 const struct sim_scsi_buf *buf,
			 struct sim_scsi_result *res);
/* The reply to any command addressed to a LUN that is not there. */
void sim_scsi_no_lun(const u8 *cdb, u32 cdb_len,
		     const struct sim_scsi_buf *buf,
		     struct sim_scsi_result *res);

#endif /* HVG_SIM_SCSI_TARGET_H */
