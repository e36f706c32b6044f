/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of hv_sim's SCSI target, shared by scsi_target.c (the disk,
 * command dispatch), scsi_sbc.c (the RAM store, the block commands of
 * SBC-3), scsi_spc.c (INQUIRY, VPD pages, mode pages, REQUEST SENSE,
 * REPORT LUNS) and scsi_pr.c (SCSI-3 persistent reservations).
 */
#ifndef HVG_SIM_SCSI_TARGET_INT_H
#define HVG_SIM_SCSI_TARGET_INT_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include "scsi_target.h"

/* SAM-5 status codes. */
#define SIM_SAM_GOOD			0x00
#define SIM_SAM_CHECK_CONDITION		0x02
#define SIM_SAM_RESERVATION_CONFLICT	0x18

/* SPC-4 4.5.6: sense keys. */
#define SIM_KEY_NO_SENSE		0x0
#define SIM_KEY_MEDIUM_ERROR		0x3
#define SIM_KEY_HARDWARE_ERROR		0x4
#define SIM_KEY_ILLEGAL_REQUEST		0x5
#define SIM_KEY_UNIT_ATTENTION		0x6
#define SIM_KEY_DATA_PROTECT		0x7
#define SIM_KEY_ABORTED_COMMAND		0xb

/* SPC-4 table D.1: additional sense code and qualifier, ASC << 8 | ASCQ. */
#define SIM_ASC_NONE			0x0000
#define SIM_ASC_WRITE_ERROR		0x0c00
#define SIM_ASC_UNRECOVERED_READ	0x1100
#define SIM_ASC_PARAM_LIST_LENGTH	0x1a00
#define SIM_ASC_INVALID_OPCODE		0x2000
#define SIM_ASC_LBA_OUT_OF_RANGE	0x2100
#define SIM_ASC_INVALID_FIELD_CDB	0x2400
#define SIM_ASC_LUN_NOT_SUPPORTED	0x2500
#define SIM_ASC_INVALID_FIELD_PARAM	0x2600
#define SIM_ASC_INVALID_RELEASE		0x2604
#define SIM_ASC_WRITE_PROTECTED		0x2700
#define SIM_ASC_SPACE_ALLOC_FAILED	0x2707
#define SIM_ASC_MODE_PARAMS_CHANGED	0x2a01
#define SIM_ASC_RESERVATIONS_PREEMPTED	0x2a03
#define SIM_ASC_RESERVATIONS_RELEASED	0x2a04
#define SIM_ASC_REGISTRATIONS_PREEMPTED	0x2a05
#define SIM_ASC_SAVING_NOT_SUPPORTED	0x3900
#define SIM_ASC_DATA_PHASE_ERROR	0x4b00
#define SIM_ASC_INSUFFICIENT_RESOURCES	0x5503
#define SIM_ASC_NO_REG_RESOURCES	0x5504

/* The guest's pages, and the RAM store's chunks: both 4 KiB. */
#define SIM_SCSI_PAGE_SHIFT	12
#define SIM_SCSI_PAGE		4096U	/* 1 << SIM_SCSI_PAGE_SHIFT */

/* The limits the Block Limits VPD page reports, in bytes. */
#define SIM_SCSI_MAX_XFER	(8U << 20)	/* a READ or WRITE */
#define SIM_SCSI_MAX_UNMAP	0x40000000U	/* an UNMAP, a WRITE SAME: 1 GiB */
#define SIM_SCSI_MAX_UNMAP_DESC	64		/* UNMAP block descriptors */

/* Persistent reservation types (SPC-4 6.15.3.4) this target supports. */
#define SIM_PR_WE		1	/* Write Exclusive */
#define SIM_PR_EA		3	/* Exclusive Access */
#define SIM_PR_WE_RO		5	/* Write Exclusive - Registrants Only */
#define SIM_PR_EA_RO		6	/* Exclusive Access - Registrants Only */

/* UNIT ATTENTION conditions queued per initiator, reported oldest first. */
#define SIM_SCSI_UA_QUEUE	4

struct sim_scsi_ua {
	u8 n;
	u16 asc[SIM_SCSI_UA_QUEUE];
};

/* SPC-4 5.13: the registrations and the reservation, one per disk. */
struct sim_scsi_pr {
	u64 registered;			/* a bit per initiator */
	u64 key[SIM_SCSI_MAX_INITIATORS];
	u32 generation;			/* PRgeneration */
	bool reserved;
	u8 type;			/* SIM_PR_*, scope is always LU */
	u32 holder;			/* the initiator holding it */
};

/*
 * How a command fares under a persistent reservation held by another
 * I_T nexus (SPC-4 table 65, SBC-3 table 13).
 */
enum sim_pr_class {
	SIM_PR_ALLOWED,		/* under every type */
	SIM_PR_READS,		/* allowed through Write Exclusive types only */
	SIM_PR_WRITES,		/* conflicts with every type */
};

/*
 * Where a disk's data lives when it is not RAM: a file or a block device
 * (storvsp_file.c). Byte ranges are whole logical blocks; data_lock is
 * held as for the RAM store (for reading by rw and fill, for writing by
 * discard). Each returns 0, -EFAULT for the guest's buffer (not checked
 * again here), or -EIO when the medium failed.
 */
struct sim_scsi_store {
	int (*rw)(struct sim_scsi_disk *disk, const struct sim_scsi_buf *buf,
		  u64 pos, u32 len, bool write);
	/* write @block (a logical block) over bytes @pos..@end */
	int (*fill)(struct sim_scsi_disk *disk, u64 pos, u64 end,
		    const u8 *block);
	/* deallocate bytes @start..@end: they read as zeros after */
	int (*discard)(struct sim_scsi_disk *disk, u64 start, u64 end);
	/* make bytes @start..@end durable */
	int (*sync)(struct sim_scsi_disk *disk, u64 start, u64 end);
	void (*release)(struct sim_scsi_disk *disk);
};

struct sim_scsi_disk {
	struct kref kref;
	char *name;
	char serial[33];		/* VPD 0x80: printable, from the name */
	u32 block_size;
	u8 block_shift;			/* log2(block_size) */
	u8 phys_exp;			/* log2(logical blocks per physical) */
	bool read_only;
	bool thin;
	bool wce_default;
	u8 naa_id[16];

	/*
	 * Serialises the state of the medium other than its data: write
	 * cache setting, initiators seen, UNIT ATTENTIONs owed, persistent
	 * reservations, fault injection. Never held while taking data_lock.
	 */
	struct mutex lock;
	bool wce;
	u64 seen;			/* initiators that sent a command */
	struct sim_scsi_ua ua[SIM_SCSI_MAX_INITIATORS];
	struct sim_scsi_pr pr;
	u8 fail_opcode;
	u32 fail_count;
	u8 fail_key;
	u16 fail_asc;

	/*
	 * The data. Reads and writes hold data_lock for reading (a write
	 * installs a missing chunk with cmpxchg()), so they run in parallel;
	 * what frees chunks or changes the capacity (UNMAP, WRITE SAME with
	 * UNMAP, resize) holds it for writing.
	 */
	struct rw_semaphore data_lock;
	u64 sectors;			/* also read with READ_ONCE() */
	const struct sim_scsi_store *store;	/* NULL: the RAM store */
	void *store_priv;
	void ***dir;			/* leaves of SIM_SCSI_LEAF chunk pointers */
	u64 ndir;
	atomic64_t chunks;		/* chunks allocated */

	/* counters, in sim_scsi_disk_show() */
	atomic64_t cmds;
	atomic64_t reads;
	atomic64_t writes;
	atomic64_t bytes_read;
	atomic64_t bytes_written;
	atomic64_t unmaps;
	atomic64_t blocks_unmapped;
	atomic64_t conflicts;
	atomic64_t failures;		/* CHECK CONDITION, any cause */
	atomic64_t injected;
	atomic64_t alloc_failures;
};

/* Big-endian fields of CDBs and parameter data, at any alignment. */
static inline u16 sim_get_be16(const u8 *p)
{
	return (u16)p[0] << 8 | p[1];
}

static inline u32 sim_get_be24(const u8 *p)
{
	return (u32)p[0] << 16 | (u32)p[1] << 8 | p[2];
}

static inline u32 sim_get_be32(const u8 *p)
{
	return (u32)sim_get_be16(p) << 16 | sim_get_be16(p + 2);
}

static inline u64 sim_get_be64(const u8 *p)
{
	return (u64)sim_get_be32(p) << 32 | sim_get_be32(p + 4);
}

static inline void sim_put_be16(u8 *p, u16 v)
{
	p[0] = (v >> 8) & 0xff;
	p[1] = v & 0xff;
}

static inline void sim_put_be24(u8 *p, u32 v)
{
	p[0] = (v >> 16) & 0xff;
	sim_put_be16(p + 1, v & 0xffff);
}

static inline void sim_put_be32(u8 *p, u32 v)
{
	sim_put_be16(p, (v >> 16) & 0xffff);
	sim_put_be16(p + 2, v & 0xffff);
}

static inline void sim_put_be64(u8 *p, u64 v)
{
	sim_put_be32(p, (v >> 32) & 0xffffffff);
	sim_put_be32(p + 4, v & 0xffffffff);
}

/* scsi_target.c: a disk with no store yet (the caller adds one) */
struct sim_scsi_disk *sim_scsi_disk_alloc(const struct sim_scsi_disk_config *cfg);

/* scsi_target.c: results, CDBs and the guest's buffer */
void sim_scsi_check(struct sim_scsi_result *res, u8 key, u16 asc);
void sim_scsi_check_info(struct sim_scsi_result *res, u8 key, u16 asc,
			 u64 info);
void sim_scsi_bad_field(struct sim_scsi_result *res, bool in_cdb, u16 byte,
			int bit);
void sim_scsi_phase_error(struct sim_scsi_result *res);
bool sim_scsi_cdb_ok(const u8 *cdb, u32 cdb_len, struct sim_scsi_result *res);
bool sim_scsi_buf_valid(const struct sim_scsi_buf *buf);
int sim_scsi_copy(const struct sim_scsi_buf *buf, u32 boff, const u8 *src,
		  u8 *dst, u32 len);
int sim_scsi_reply(const struct sim_scsi_buf *buf, struct sim_scsi_result *res,
		   const void *data, u32 len, u32 alloc);
bool sim_scsi_plist_ok(const struct sim_scsi_buf *buf,
		       struct sim_scsi_result *res, u32 plen);
int sim_scsi_get(const struct sim_scsi_buf *buf, struct sim_scsi_result *res,
		 u32 off, void *dst, u32 len);
void *sim_scsi_fetch(const struct sim_scsi_buf *buf,
		     struct sim_scsi_result *res, u32 off, u32 len, int *err);

/* scsi_target.c: UNIT ATTENTION conditions, under disk->lock */
void sim_scsi_owe_ua(struct sim_scsi_disk *disk, u32 initiator, u16 asc);
void sim_scsi_owe_ua_others(struct sim_scsi_disk *disk, u32 initiator,
			    u16 asc);
bool sim_scsi_take_ua(struct sim_scsi_disk *disk, u32 initiator, u16 *asc);

/* scsi_sbc.c: the store (data_lock held) and the block commands */
u64 sim_ram_ndir(u64 sectors, u8 block_shift);
void sim_ram_discard(struct sim_scsi_disk *disk, u64 start, u64 end);
void sim_ram_free(struct sim_scsi_disk *disk, u64 from);
int sim_sbc_exec(struct sim_scsi_disk *disk, const u8 *cdb,
		 const struct sim_scsi_buf *buf, struct sim_scsi_result *res);

/* scsi_spc.c */
int sim_spc_inquiry(const struct sim_scsi_disk *disk, const u8 *cdb,
		    const struct sim_scsi_buf *buf,
		    struct sim_scsi_result *res);
int sim_spc_request_sense(struct sim_scsi_disk *disk, u32 initiator,
			  const u8 *cdb, const struct sim_scsi_buf *buf,
			  struct sim_scsi_result *res);
int sim_spc_mode_sense(struct sim_scsi_disk *disk, const u8 *cdb,
		       const struct sim_scsi_buf *buf,
		       struct sim_scsi_result *res);
int sim_spc_mode_select(struct sim_scsi_disk *disk, u32 initiator,
			const u8 *cdb, const struct sim_scsi_buf *buf,
			struct sim_scsi_result *res);

/* scsi_pr.c; sim_pr_conflict() with disk->lock held */
bool sim_pr_conflict(const struct sim_scsi_disk *disk, u32 initiator,
		     enum sim_pr_class cls);
int sim_pr_in(struct sim_scsi_disk *disk, const u8 *cdb,
	      const struct sim_scsi_buf *buf, struct sim_scsi_result *res);
int sim_pr_out(struct sim_scsi_disk *disk, u32 initiator, const u8 *cdb,
	       const struct sim_scsi_buf *buf, struct sim_scsi_result *res);

#endif /* HVG_SIM_SCSI_TARGET_INT_H */
