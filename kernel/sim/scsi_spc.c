// SPDX-License-Identifier: GPL-2.0
/*
 * hv_sim's SCSI target, the primary commands (SPC-3/SPC-4) other than
 * persistent reservations: INQUIRY with its VPD pages, REQUEST SENSE, MODE
 * SENSE and MODE SELECT, and the controller's REPORT LUNS and answer for
 * an absent logical unit.
 *
 * MODE SELECT changes one thing, the caching page's WCE bit (reported
 * changeable by MODE SENSE); every other field must be sent back as MODE
 * SENSE shows it, else INVALID FIELD IN PARAMETER LIST. Nothing can be
 * saved: SP set, or PC 11b, is refused.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "scsi_target_int.h"

#define SIM_VENDOR	"Msft    "
#define SIM_PRODUCT	"Virtual Disk    "
#define SIM_REVISION	"1.0 "

/*
 * Standard INQUIRY data with version descriptors, 96 bytes; the largest VPD
 * page (0x83 with a 32-character serial) is 68.
 */
#define SIM_INQUIRY_LEN	96
#define SIM_VPD_MAX	96

static const struct sim_scsi_buf sim_spc_no_data;

/*
 * SPC-3 6.4.2: standard INQUIRY data. An absent logical unit has
 * PERIPHERAL QUALIFIER 011b and PERIPHERAL DEVICE TYPE 1Fh.
 */
static void sim_spc_std_inquiry(u8 *d, bool present)
{
	memset(d, 0, SIM_INQUIRY_LEN);
	d[0] = present ? 0x00 : 0x7f;
	d[2] = 0x05;			/* VERSION: SPC-3 */
	d[3] = 0x02;			/* RESPONSE DATA FORMAT 2 */
	d[4] = SIM_INQUIRY_LEN - 5;	/* ADDITIONAL LENGTH */
	d[7] = 0x02;			/* CMDQUE */
	memcpy(d + 8, SIM_VENDOR, 8);
	memcpy(d + 16, SIM_PRODUCT, 16);
	memcpy(d + 32, SIM_REVISION, 4);
	/* VERSION DESCRIPTORs: SAM-4, SPC-3, SBC-3 (no version claimed) */
	sim_put_be16(d + 58, 0x0080);
	sim_put_be16(d + 60, 0x0300);
	sim_put_be16(d + 62, 0x04c0);
}

/*
 * SBC-3 6.5.3: Block Limits. WSNZ is set (WRITE SAME of zero blocks is
 * refused). OPTIMAL TRANSFER LENGTH is not reported: Linux makes it the
 * queue's optimal I/O size, which mkfs.ext4 and mkfs.xfs take for a RAID
 * stripe width. The unmap fields are for thin disks only.
 */
static void sim_spc_block_limits(const struct sim_scsi_disk *disk, u8 *d)
{
	u8 shift = disk->block_shift;

	d[4] = 0x01;					/* WSNZ */
	sim_put_be16(d + 6, 1U << disk->phys_exp);	/* OPT. XFER GRANULARITY */
	sim_put_be32(d + 8, SIM_SCSI_MAX_XFER >> shift);
	if (disk->thin) {
		sim_put_be32(d + 20, SIM_SCSI_MAX_UNMAP >> shift);
		sim_put_be32(d + 24, SIM_SCSI_MAX_UNMAP_DESC);
		/* OPTIMAL UNMAP GRANULARITY: a chunk of the store */
		sim_put_be32(d + 28, SIM_SCSI_PAGE >> shift);
		sim_put_be32(d + 32, 0x80000000);	/* UGAVALID, alignment 0 */
	}
	sim_put_be64(d + 36, SIM_SCSI_MAX_UNMAP >> shift); /* MAX WRITE SAME */
}

/* VPD page @page into @d (SIM_VPD_MAX bytes); its length, 0 if none. */
static u32 sim_spc_vpd(const struct sim_scsi_disk *disk, u8 page, u8 *d)
{
	static const u8 pages[] = { 0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2 };
	u32 len, n = strlen(disk->serial);

	memset(d, 0, SIM_VPD_MAX);
	d[1] = page;
	switch (page) {
	case 0x00:	/* SPC-4 7.8.14: Supported VPD Pages */
		memcpy(d + 4, pages, sizeof(pages));
		len = sizeof(pages);
		break;
	case 0x80:	/* SPC-4 7.8.15: Unit Serial Number */
		memcpy(d + 4, disk->serial, n);
		len = n;
		break;
	case 0x83:	/* SPC-4 7.8.6: Device Identification */
		/* binary, logical unit, NAA (6: IEEE Registered Extended) */
		d[4] = 0x01;
		d[5] = 0x03;
		d[7] = sizeof(disk->naa_id);
		memcpy(d + 8, disk->naa_id, sizeof(disk->naa_id));
		/* ASCII, logical unit, T10 vendor ID: vendor, then serial */
		d[24] = 0x02;
		d[25] = 0x01;
		d[27] = 8 + n;
		memcpy(d + 28, SIM_VENDOR, 8);
		memcpy(d + 36, disk->serial, n);
		len = 32 + n;
		break;
	case 0xb0:
		sim_spc_block_limits(disk, d);
		len = 0x3c;
		break;
	case 0xb1:	/* SBC-3 6.5.2: Block Device Characteristics */
		d[5] = 0x01;	/* MEDIUM ROTATION RATE 1: non-rotating */
		len = 0x3c;
		break;
	case 0xb2:	/* SBC-3 6.5.4: Logical Block Provisioning */
		if (disk->thin) {
			/* LBPU, LBPWS, LBPWS10, LBPRZ; thin provisioned */
			d[5] = 0x80 | 0x40 | 0x20 | 0x04;
			d[6] = 0x02;
		}
		len = 4;
		break;
	default:
		return 0;
	}
	sim_put_be16(d + 2, len);
	return len + 4;
}

/**
 * sim_spc_inquiry() - INQUIRY, SPC-4 6.6
 * @disk: the logical unit, or NULL when there is none at this LUN
 * @cdb: the CDB (checked by sim_scsi_cdb_ok())
 * @buf: the guest's buffer
 * @res: the result
 *
 * Return: 0, or -EFAULT if the buffer is not guest RAM.
 */
int sim_spc_inquiry(const struct sim_scsi_disk *disk, const u8 *cdb,
		    const struct sim_scsi_buf *buf,
		    struct sim_scsi_result *res)
{
	u8 d[SIM_VPD_MAX];
	u16 alloc = sim_get_be16(cdb + 3);
	u32 len;

	/* CMDDT is obsolete (SPC-3): zero */
	if (cdb[1] & 0x02) {
		sim_scsi_bad_field(res, true, 1, 1);
		return 0;
	}
	if (!(cdb[1] & 0x01)) {
		/* without EVPD, the PAGE CODE must be zero */
		if (cdb[2]) {
			sim_scsi_bad_field(res, true, 2, 7);
			return 0;
		}
		sim_spc_std_inquiry(d, disk);
		return sim_scsi_reply(buf, res, d, SIM_INQUIRY_LEN, alloc);
	}
	if (!disk) {
		sim_scsi_check(res, SIM_KEY_ILLEGAL_REQUEST,
			       SIM_ASC_LUN_NOT_SUPPORTED);
		return 0;
	}
	len = sim_spc_vpd(disk, cdb[2], d);
	if (!len) {
		sim_scsi_bad_field(res, true, 2, 7);
		return 0;
	}
	return sim_scsi_reply(buf, res, d, len, alloc);
}

/* SPC-4 4.5.3: fixed format sense data as REQUEST SENSE returns it. */
static void sim_spc_sense_data(u8 *d, u8 key, u16 asc)
{
	memset(d, 0, SIM_SCSI_SENSE_LEN);
	d[0] = 0x70;
	d[2] = key;
	d[7] = SIM_SCSI_SENSE_LEN - 8;
	d[12] = asc >> 8;
	d[13] = asc & 0xff;
}

/*
 * REQUEST SENSE, SPC-4 6.29. Sense data goes with CHECK CONDITION here,
 * so there is none left to ask for; but a pending UNIT ATTENTION is
 * reported, and cleared (SPC-4 5.14 allows this or keeping it). With no
 * logical unit (@disk NULL): LOGICAL UNIT NOT SUPPORTED, and GOOD status.
 */
int sim_spc_request_sense(struct sim_scsi_disk *disk, u32 initiator,
			  const u8 *cdb, const struct sim_scsi_buf *buf,
			  struct sim_scsi_result *res)
{
	u8 d[SIM_SCSI_SENSE_LEN], key = SIM_KEY_NO_SENSE;
	u16 asc = SIM_ASC_NONE;

	/* DESC: descriptor format sense data is not supported */
	if (cdb[1] & 0x01) {
		sim_scsi_bad_field(res, true, 1, 0);
		return 0;
	}
	if (!disk) {
		key = SIM_KEY_ILLEGAL_REQUEST;
		asc = SIM_ASC_LUN_NOT_SUPPORTED;
	} else {
		mutex_lock(&disk->lock);
		if (sim_scsi_take_ua(disk, initiator, &asc))
			key = SIM_KEY_UNIT_ATTENTION;
		mutex_unlock(&disk->lock);
	}
	sim_spc_sense_data(d, key, asc);
	return sim_scsi_reply(buf, res, d, sizeof(d), cdb[4]);
}

/*
 * Mode page @code into @p with the values of @pc: 0 current, 1 the mask of
 * changeable bits, 2 default. Its length, 0 for a page not supported.
 * Under disk->lock.
 */
static u32 sim_spc_mode_page(const struct sim_scsi_disk *disk, u8 code, u8 pc,
			     u8 *p)
{
	bool wce = pc == 0 ? disk->wce : disk->wce_default;

	switch (code) {
	case 0x08:	/* SBC-3 6.4.5: Caching; WCE is byte 2 bit 2 */
		memset(p, 0, 20);
		p[0] = 0x08;
		p[1] = 0x12;
		if (pc == 1 || wce)
			p[2] = 0x04;
		return 20;
	case 0x0a:	/* SPC-4 7.5.8: Control; D_SENSE 0: fixed format */
		memset(p, 0, 12);
		p[0] = 0x0a;
		p[1] = 0x0a;
		if (pc != 1) {
			p[2] = 0x02;	/* GLTSD: no implicit log saving */
			p[3] = 0x10;	/* QUEUE ALGORITHM MODIFIER 1 */
		}
		return 12;
	default:
		return 0;
	}
}

/*
 * MODE SENSE (6) and (10), SPC-4 6.11, 6.12; the header's DEVICE-SPECIFIC
 * PARAMETER (SBC-3 6.4.1) has WP for a read-only disk and DPOFUA. The
 * block descriptor is SBC-3's short LBA one (6.4.2; 32-bit count, FFFFFFFFh
 * if larger) or, with LLBAA, the long LBA one.
 */
int sim_spc_mode_sense(struct sim_scsi_disk *disk, const u8 *cdb,
		       const struct sim_scsi_buf *buf,
		       struct sim_scsi_result *res)
{
	bool ten = cdb[0] == 0x5a;
	bool llbaa = ten && (cdb[1] & 0x10);
	u8 pc = cdb[2] >> 6, page = cdb[2] & 0x3f, sub = cdb[3];
	u32 alloc = ten ? sim_get_be16(cdb + 7) : cdb[4];
	u32 hdr = ten ? 8 : 4, bdl = 0, len;
	u64 cap = READ_ONCE(disk->sectors);
	u8 d[8 + 16 + 20 + 12], dsp;

	if (pc == 3) {
		sim_scsi_check(res, SIM_KEY_ILLEGAL_REQUEST,
			       SIM_ASC_SAVING_NOT_SUPPORTED);
		return 0;
	}
	if (page != 0x08 && page != 0x0a && page != 0x3f) {
		sim_scsi_bad_field(res, true, 2, 5);
		return 0;
	}
	/* no subpages: 00h, or FFh for all of them (there is only 00h) */
	if (sub && sub != 0xff) {
		sim_scsi_bad_field(res, true, 3, 7);
		return 0;
	}
	memset(d, 0, sizeof(d));
	if (!(cdb[1] & 0x08)) {		/* DBD */
		u8 *bd = d + hdr;

		if (llbaa) {
			sim_put_be64(bd, cap);
			sim_put_be32(bd + 12, disk->block_size);
			bdl = 16;
		} else {
			sim_put_be32(bd, min_t(u64, cap, U32_MAX));
			sim_put_be24(bd + 5, disk->block_size);
			bdl = 8;
		}
	}
	len = hdr + bdl;
	mutex_lock(&disk->lock);
	if (page == 0x08 || page == 0x3f)
		len += sim_spc_mode_page(disk, 0x08, pc, d + len);
	if (page == 0x0a || page == 0x3f)
		len += sim_spc_mode_page(disk, 0x0a, pc, d + len);
	mutex_unlock(&disk->lock);

	dsp = 0x10 | (disk->read_only ? 0x80 : 0);
	if (ten) {
		sim_put_be16(d, len - 2);
		d[3] = dsp;
		d[4] = bdl == 16 ? 0x01 : 0;	/* LONGLBA */
		sim_put_be16(d + 6, bdl);
	} else {
		d[0] = len - 1;
		d[2] = dsp;
		d[3] = bdl;
	}
	return sim_scsi_reply(buf, res, d, len, alloc);
}

/*
 * MODE SELECT's parameter list @p (@plen bytes, header @hdr bytes long):
 * its block descriptor and pages. Returns false with @res set on an error;
 * else *@wce is the WCE bit asked for.
 */
static bool sim_spc_mode_parse(struct sim_scsi_disk *disk, const u8 *p,
			       u32 plen, u32 hdr, bool *wce,
			       struct sim_scsi_result *res)
{
	bool ten = hdr == 8;
	u32 bdl = ten ? sim_get_be16(p + 6) : p[3];
	u32 off = hdr + bdl, len, i;
	u8 cur[20], mask[20];

	/* MEDIUM TYPE 0; the DEVICE-SPECIFIC PARAMETER is ignored */
	if (p[ten ? 2 : 1]) {
		sim_scsi_bad_field(res, false, ten ? 2 : 1, 7);
		return false;
	}
	if (bdl != 0 && bdl != (ten && (p[4] & 0x01) ? 16 : 8)) {
		sim_scsi_bad_field(res, false, ten ? 6 : 3, 7);
		return false;
	}
	if (off > plen)
		goto short_list;
	if (bdl) {
		const u8 *bd = p + hdr;
		u64 cap = READ_ONCE(disk->sectors);
		u64 n = bdl == 16 ? sim_get_be64(bd) : sim_get_be32(bd);
		u32 bs = bdl == 16 ? sim_get_be32(bd + 12) :
				     sim_get_be24(bd + 5);

		/* no FORMAT: the same block length; the count 0 or as is */
		if (bs != disk->block_size) {
			sim_scsi_bad_field(res, false,
					   hdr + (bdl == 16 ? 12 : 5), 7);
			return false;
		}
		if (n && n != (bdl == 16 ? cap : min_t(u64, cap, U32_MAX))) {
			sim_scsi_bad_field(res, false, hdr, 7);
			return false;
		}
	}
	*wce = disk->wce;
	while (off < plen) {
		if (plen - off < 2)
			goto short_list;
		/* PS is reserved in MODE SELECT; SPF: there are no subpages */
		if (p[off] & 0xc0) {
			sim_scsi_bad_field(res, false, off, p[off] & 0x80 ? 7 : 6);
			return false;
		}
		len = sim_spc_mode_page(disk, p[off] & 0x3f, 0, cur);
		if (!len) {
			sim_scsi_bad_field(res, false, off, 5);
			return false;
		}
		if (p[off + 1] != len - 2) {
			sim_scsi_bad_field(res, false, off + 1, 7);
			return false;
		}
		if (plen - off < len)
			goto short_list;
		sim_spc_mode_page(disk, p[off] & 0x3f, 1, mask);
		for (i = 2; i < len; i++) {
			if ((p[off + i] ^ cur[i]) & ~mask[i]) {
				sim_scsi_bad_field(res, false, off + i, -1);
				return false;
			}
		}
		if ((p[off] & 0x3f) == 0x08)
			*wce = p[off + 2] & 0x04;
		off += len;
	}
	return true;

short_list:
	/* SPC-4 6.9: a truncated header, descriptor or page */
	sim_scsi_check(res, SIM_KEY_ILLEGAL_REQUEST, SIM_ASC_PARAM_LIST_LENGTH);
	return false;
}

/*
 * MODE SELECT (6) and (10), SPC-4 6.9, 6.10. A WCE that changes owes the
 * other initiators MODE PARAMETERS CHANGED (SPC-4 5.14, the parameters
 * being shared by all I_T nexuses).
 */
int sim_spc_mode_select(struct sim_scsi_disk *disk, u32 initiator,
			const u8 *cdb, const struct sim_scsi_buf *buf,
			struct sim_scsi_result *res)
{
	bool ten = cdb[0] == 0x55, wce;
	u32 plen = ten ? sim_get_be16(cdb + 7) : cdb[4];
	u32 hdr = ten ? 8 : 4;
	int ret;
	u8 *p;

	/* SP: nothing can be saved */
	if (cdb[1] & 0x01) {
		sim_scsi_bad_field(res, true, 1, 0);
		return 0;
	}
	if (!plen) {
		res->status = SIM_SAM_GOOD;
		return 0;
	}
	/* PF: only the standard page format */
	if (!(cdb[1] & 0x10)) {
		sim_scsi_bad_field(res, true, 1, 4);
		return 0;
	}
	if (plen < hdr) {
		sim_scsi_check(res, SIM_KEY_ILLEGAL_REQUEST,
			       SIM_ASC_PARAM_LIST_LENGTH);
		return 0;
	}
	if (!sim_scsi_plist_ok(buf, res, plen))
		return 0;
	p = sim_scsi_fetch(buf, res, 0, plen, &ret);
	if (!p)
		return ret;
	mutex_lock(&disk->lock);
	if (sim_spc_mode_parse(disk, p, plen, hdr, &wce, res)) {
		if (wce != disk->wce) {
			disk->wce = wce;
			sim_scsi_owe_ua_others(disk, initiator,
					       SIM_ASC_MODE_PARAMS_CHANGED);
		}
		res->status = SIM_SAM_GOOD;
	}
	mutex_unlock(&disk->lock);
	kfree(p);
	return 0;
}

/*
 * REPORT LUNS, SPC-4 6.33: single level LUNs, peripheral device
 * addressing below 256, flat space addressing below 16384 (SAM-5 4.7.7);
 * a larger number cannot be said in one level and is left out.
 */
int sim_scsi_report_luns(const u16 *luns, u32 n, const u8 *cdb, u32 cdb_len,
			 const struct sim_scsi_buf *buf,
			 struct sim_scsi_result *res)
{
	u32 alloc, count = 0, i;
	u8 *d;
	int ret;

	memset(res, 0, sizeof(*res));
	if (!buf)
		buf = &sim_spc_no_data;
	if (!sim_scsi_buf_valid(buf)) {
		sim_scsi_phase_error(res);
		return -EFAULT;
	}
	if (!cdb || !cdb_len || cdb[0] != 0xa0) {
		sim_scsi_check(res, SIM_KEY_ILLEGAL_REQUEST,
			       SIM_ASC_INVALID_OPCODE);
		return 0;
	}
	if (!sim_scsi_cdb_ok(cdb, cdb_len, res))
		return 0;
	/* SELECT REPORT: 00h and 02h all LUs, 01h well known LUs (none) */
	if (cdb[2] > 0x02) {
		sim_scsi_bad_field(res, true, 2, 7);
		return 0;
	}
	/* SPC-3 6.21: an ALLOCATION LENGTH under 16 is invalid */
	alloc = sim_get_be32(cdb + 6);
	if (alloc < 16) {
		sim_scsi_bad_field(res, true, 6, 7);
		return 0;
	}
	d = kcalloc((size_t)n + 1, 8, GFP_NOIO);
	if (!d) {
		sim_scsi_check(res, SIM_KEY_HARDWARE_ERROR,
			       SIM_ASC_INSUFFICIENT_RESOURCES);
		return 0;
	}
	for (i = 0; cdb[2] != 0x01 && i < n; i++) {
		u8 *lun = d + 8 + count * 8;

		if (luns[i] >= 16384)
			continue;
		if (luns[i] >= 256)
			lun[0] = 0x40 | luns[i] >> 8;
		lun[1] = luns[i] & 0xff;
		count++;
	}
	sim_put_be32(d, count * 8);
	ret = sim_scsi_reply(buf, res, d, 8 + count * 8, alloc);
	kfree(d);
	return ret;
}

void sim_scsi_no_lun(const u8 *cdb, u32 cdb_len,
		     const struct sim_scsi_buf *buf,
		     struct sim_scsi_result *res)
{
	memset(res, 0, sizeof(*res));
	if (!buf)
		buf = &sim_spc_no_data;
	if (!sim_scsi_buf_valid(buf)) {
		sim_scsi_phase_error(res);
		return;
	}
	if (!cdb || !cdb_len) {
		sim_scsi_check(res, SIM_KEY_ILLEGAL_REQUEST,
			       SIM_ASC_INVALID_OPCODE);
		return;
	}
	/* SPC-4 6.6.2, 6.29: INQUIRY and REQUEST SENSE still answer */
	if ((cdb[0] == 0x12 || cdb[0] == 0x03) &&
	    sim_scsi_cdb_ok(cdb, cdb_len, res)) {
		if (cdb[0] == 0x12)
			sim_spc_inquiry(NULL, cdb, buf, res);
		else
			sim_spc_request_sense(NULL, 0, cdb, buf, res);
	} else if (!res->status) {
		sim_scsi_check(res, SIM_KEY_ILLEGAL_REQUEST,
			       SIM_ASC_LUN_NOT_SUPPORTED);
	}
}
