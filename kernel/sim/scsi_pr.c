// SPDX-License-Identifier: GPL-2.0
/*
 * hv_sim's SCSI target: SCSI-3 persistent reservations (SPC-4 5.13, 6.15,
 * 6.16), as a failover cluster uses them on a disk two controllers share.
 * Each initiator number is one I_T nexus.
 *
 * Supported: PERSISTENT RESERVE IN with READ KEYS, READ RESERVATION and
 * REPORT CAPABILITIES; PERSISTENT RESERVE OUT with REGISTER, REGISTER AND
 * IGNORE EXISTING KEY, RESERVE, RELEASE, CLEAR, PREEMPT and PREEMPT AND
 * ABORT (which aborts nothing more than PREEMPT: commands are not queued
 * here); types Write Exclusive, Exclusive Access and their Registrants
 * Only forms, logical unit scope. Not supported, and so reported by
 * REPORT CAPABILITIES: the All Registrants types, READ FULL STATUS,
 * REGISTER AND MOVE, REPLACE LOST RESERVATION, SPEC_I_PT, ALL_TG_PT,
 * APTPL (nothing persists through a power loss), SPC-2 RESERVE/RELEASE.
 *
 * Everything runs under disk->lock, so each service action is the
 * "uninterrupted series of actions" SPC-4 asks for.
 */
#include <linux/kernel.h>
#include <linux/bitops.h>
#include <linux/slab.h>
#include "scsi_target_int.h"

/* PERSISTENT RESERVE OUT service actions, SPC-4 6.16.2 */
enum {
	SIM_PRO_REGISTER = 0,
	SIM_PRO_RESERVE = 1,
	SIM_PRO_RELEASE = 2,
	SIM_PRO_CLEAR = 3,
	SIM_PRO_PREEMPT = 4,
	SIM_PRO_PREEMPT_ABORT = 5,
	SIM_PRO_REGISTER_IGNORE = 6,
};

/* A PERSISTENT RESERVE OUT command, its CDB and parameter list parsed. */
struct sim_pr_req {
	u32 me;		/* the initiator */
	u8 sa;
	u8 scope;
	u8 type;
	u64 rk;		/* RESERVATION KEY */
	u64 sark;	/* SERVICE ACTION RESERVATION KEY */
};

static bool sim_pr_registered(const struct sim_scsi_pr *pr, u32 i)
{
	return i < SIM_SCSI_MAX_INITIATORS && (pr->registered & BIT_ULL(i));
}

static bool sim_pr_type_ro(u8 type)
{
	return type == SIM_PR_WE_RO || type == SIM_PR_EA_RO;
}

static bool sim_pr_type_ok(u8 type)
{
	return type == SIM_PR_WE || type == SIM_PR_EA || sim_pr_type_ro(type);
}

/**
 * sim_pr_conflict() - does a reservation keep @initiator from a command?
 * @disk: the disk, its lock held
 * @initiator: the I_T nexus the command came through
 * @cls: the command's class (SPC-4 table 65, SBC-3 table 13)
 *
 * The holder may do anything; under a Registrants Only type so may every
 * registered I_T nexus. Others get reads through Write Exclusive types
 * only, and nothing through Exclusive Access ones.
 */
bool sim_pr_conflict(const struct sim_scsi_disk *disk, u32 initiator,
		     enum sim_pr_class cls)
{
	const struct sim_scsi_pr *pr = &disk->pr;

	if (!pr->reserved || cls == SIM_PR_ALLOWED || initiator == pr->holder)
		return false;
	if (sim_pr_type_ro(pr->type) && sim_pr_registered(pr, initiator))
		return false;
	if (cls == SIM_PR_READS &&
	    (pr->type == SIM_PR_WE || pr->type == SIM_PR_WE_RO))
		return false;
	return true;
}

static void sim_pr_ua_registered(struct sim_scsi_disk *disk, u32 except,
				 u16 asc)
{
	u32 i;

	for (i = 0; i < SIM_SCSI_MAX_INITIATORS; i++)
		if (sim_pr_registered(&disk->pr, i) && i != except)
			sim_scsi_owe_ua(disk, i, asc);
}

static void sim_pr_drop(struct sim_scsi_pr *pr, u32 i)
{
	pr->registered &= ~BIT_ULL(i);
	pr->key[i] = 0;
}

/*
 * PERSISTENT RESERVE IN, SPC-4 6.15: READ KEYS (6.15.2), READ RESERVATION
 * (6.15.3), REPORT CAPABILITIES (6.15.4). The length fields give the whole
 * length whatever the allocation length cuts.
 */
int sim_pr_in(struct sim_scsi_disk *disk, const u8 *cdb,
	      const struct sim_scsi_buf *buf, struct sim_scsi_result *res)
{
	const struct sim_scsi_pr *pr = &disk->pr;
	u16 alloc = sim_get_be16(cdb + 7);
	u8 sa = cdb[1] & 0x1f;
	u32 len = 8, i;
	int ret;
	u8 *d;

	/* READ FULL STATUS (3) would need TransportIDs: not supported */
	if (sa > 2) {
		sim_scsi_bad_field(res, true, 1, 4);
		return 0;
	}
	d = kzalloc(8 + 8 * SIM_SCSI_MAX_INITIATORS, GFP_NOIO);
	if (!d) {
		sim_scsi_check(res, SIM_KEY_HARDWARE_ERROR,
			       SIM_ASC_INSUFFICIENT_RESOURCES);
		return 0;
	}
	mutex_lock(&disk->lock);
	if (sa == 0) {
		sim_put_be32(d, pr->generation);
		for (i = 0; i < SIM_SCSI_MAX_INITIATORS; i++) {
			if (sim_pr_registered(pr, i)) {
				sim_put_be64(d + len, pr->key[i]);
				len += 8;
			}
		}
		sim_put_be32(d + 4, len - 8);
	} else if (sa == 1) {
		sim_put_be32(d, pr->generation);
		if (pr->reserved) {
			sim_put_be32(d + 4, 16);
			sim_put_be64(d + 8, pr->key[pr->holder]);
			d[21] = pr->type;	/* SCOPE 0h: logical unit */
			len = 24;
		}
	} else {
		sim_put_be16(d, 8);
		/* RLR_C, CRH, SIP_C, ATP_C, PTPL_C: all zero */
		d[3] = 0x80 | 0x30;	/* TMV; ALLOW COMMANDS 011b */
		/* type mask: EX_AC_RO, WR_EX_RO, EX_AC, WR_EX */
		d[4] = 0x40 | 0x20 | 0x08 | 0x02;
	}
	mutex_unlock(&disk->lock);
	ret = sim_scsi_reply(buf, res, d, len, alloc);
	kfree(d);
	return ret;
}

/* SPC-4 5.13.11.2.3: unregistering the holder releases its reservation. */
static void sim_pr_unregister(struct sim_scsi_disk *disk, u32 i)
{
	struct sim_scsi_pr *pr = &disk->pr;

	sim_pr_drop(pr, i);
	if (pr->reserved && pr->holder == i) {
		pr->reserved = false;
		if (sim_pr_type_ro(pr->type))
			sim_pr_ua_registered(disk, i,
					     SIM_ASC_RESERVATIONS_RELEASED);
	}
}

/*
 * REGISTER and REGISTER AND IGNORE EXISTING KEY, SPC-4 5.13.7 and table
 * 212. Returns the status: GOOD or RESERVATION CONFLICT; CHECK CONDITION
 * with @res filled.
 */
static u8 sim_pr_register(struct sim_scsi_disk *disk,
			  const struct sim_pr_req *r,
			  struct sim_scsi_result *res)
{
	struct sim_scsi_pr *pr = &disk->pr;
	bool check_key = r->sa == SIM_PRO_REGISTER;

	if (!sim_pr_registered(pr, r->me)) {
		/* an unregistered I_T nexus names no key of its own */
		if (check_key && r->rk)
			return SIM_SAM_RESERVATION_CONFLICT;
		if (!r->sark)
			return SIM_SAM_GOOD;
		if (r->me >= SIM_SCSI_MAX_INITIATORS) {
			sim_scsi_check(res, SIM_KEY_ILLEGAL_REQUEST,
				       SIM_ASC_NO_REG_RESOURCES);
			return SIM_SAM_CHECK_CONDITION;
		}
		pr->registered |= BIT_ULL(r->me);
		pr->key[r->me] = r->sark;
		return SIM_SAM_GOOD;
	}
	if (check_key && r->rk != pr->key[r->me])
		return SIM_SAM_RESERVATION_CONFLICT;
	if (r->sark)
		pr->key[r->me] = r->sark;
	else
		sim_pr_unregister(disk, r->me);
	return SIM_SAM_GOOD;
}

/* SCOPE must be LU_SCOPE (0h); TYPE one of the supported ones. */
static bool sim_pr_scope_type_ok(const struct sim_pr_req *r,
				 struct sim_scsi_result *res)
{
	if (r->scope) {
		sim_scsi_bad_field(res, true, 2, 7);
		return false;
	}
	if (!sim_pr_type_ok(r->type)) {
		sim_scsi_bad_field(res, true, 2, 3);
		return false;
	}
	return true;
}

/* RESERVE, SPC-4 5.13.9: only the holder may ask again, for the same. */
static u8 sim_pr_reserve(struct sim_scsi_disk *disk,
			 const struct sim_pr_req *r,
			 struct sim_scsi_result *res)
{
	struct sim_scsi_pr *pr = &disk->pr;

	if (!sim_pr_scope_type_ok(r, res))
		return SIM_SAM_CHECK_CONDITION;
	if (pr->reserved)
		return pr->holder == r->me && pr->type == r->type ?
		       SIM_SAM_GOOD : SIM_SAM_RESERVATION_CONFLICT;
	pr->reserved = true;
	pr->holder = r->me;
	pr->type = r->type;
	return SIM_SAM_GOOD;
}

/*
 * RELEASE, SPC-4 5.13.11.2.2: by the holder, with the reservation's type;
 * from anyone else it does nothing. A Registrants Only reservation
 * released owes the other registrants RESERVATIONS RELEASED.
 */
static u8 sim_pr_release(struct sim_scsi_disk *disk,
			 const struct sim_pr_req *r,
			 struct sim_scsi_result *res)
{
	struct sim_scsi_pr *pr = &disk->pr;

	/* types 7h and 8h exist, though not here: a mismatch, not invalid */
	if (r->scope || (!sim_pr_type_ok(r->type) && r->type != 7 &&
			 r->type != 8)) {
		sim_pr_scope_type_ok(r, res);
		return SIM_SAM_CHECK_CONDITION;
	}
	if (!pr->reserved || pr->holder != r->me)
		return SIM_SAM_GOOD;
	if (r->type != pr->type) {
		sim_scsi_check(res, SIM_KEY_ILLEGAL_REQUEST,
			       SIM_ASC_INVALID_RELEASE);
		return SIM_SAM_CHECK_CONDITION;
	}
	pr->reserved = false;
	if (sim_pr_type_ro(pr->type))
		sim_pr_ua_registered(disk, r->me, SIM_ASC_RESERVATIONS_RELEASED);
	return SIM_SAM_GOOD;
}

/* CLEAR, SPC-4 5.13.11.2.7: no reservation, no registration left. */
static u8 sim_pr_clear(struct sim_scsi_disk *disk, const struct sim_pr_req *r)
{
	struct sim_scsi_pr *pr = &disk->pr;

	sim_pr_ua_registered(disk, r->me, SIM_ASC_RESERVATIONS_PREEMPTED);
	pr->registered = 0;
	memset(pr->key, 0, sizeof(pr->key));
	pr->reserved = false;
	return SIM_SAM_GOOD;
}

/*
 * PREEMPT (and PREEMPT AND ABORT), SPC-4 5.13.11.2.4, 5.13.11.2.5, table
 * 72. A SERVICE ACTION RESERVATION KEY naming the holder replaces the
 * reservation with the command's own and removes the registrations with
 * that key but the requester's; any other key only removes registrations
 * (the requester's own too, if it names it).
 */
static u8 sim_pr_preempt(struct sim_scsi_disk *disk,
			 const struct sim_pr_req *r,
			 struct sim_scsi_result *res)
{
	struct sim_scsi_pr *pr = &disk->pr;
	bool found = false, changed;
	u32 i;

	/* zero is meaningful only for the All Registrants types */
	if (!r->sark) {
		sim_scsi_bad_field(res, false, 8, 7);
		return SIM_SAM_CHECK_CONDITION;
	}
	if (pr->reserved && pr->key[pr->holder] == r->sark) {
		if (!sim_pr_scope_type_ok(r, res))
			return SIM_SAM_CHECK_CONDITION;
		changed = pr->type != r->type;
		for (i = 0; i < SIM_SCSI_MAX_INITIATORS; i++) {
			if (i == r->me || !sim_pr_registered(pr, i) ||
			    pr->key[i] != r->sark)
				continue;
			sim_pr_drop(pr, i);
			sim_scsi_owe_ua(disk, i,
					SIM_ASC_REGISTRATIONS_PREEMPTED);
		}
		pr->holder = r->me;
		pr->type = r->type;
		if (changed)
			sim_pr_ua_registered(disk, r->me,
					     SIM_ASC_RESERVATIONS_RELEASED);
		return SIM_SAM_GOOD;
	}
	for (i = 0; i < SIM_SCSI_MAX_INITIATORS; i++) {
		if (!sim_pr_registered(pr, i) || pr->key[i] != r->sark)
			continue;
		found = true;
		sim_pr_drop(pr, i);
		if (i != r->me)
			sim_scsi_owe_ua(disk, i,
					SIM_ASC_REGISTRATIONS_PREEMPTED);
	}
	return found ? SIM_SAM_GOOD : SIM_SAM_RESERVATION_CONFLICT;
}

/**
 * sim_pr_out() - PERSISTENT RESERVE OUT, SPC-4 6.16
 * @disk: the disk
 * @initiator: the I_T nexus
 * @cdb: the CDB
 * @buf: the guest's buffer, bringing the parameter list
 * @res: the result
 *
 * Only REGISTER and REGISTER AND IGNORE EXISTING KEY may come from an
 * unregistered I_T nexus; every other service action needs a registered
 * one naming its own key, else RESERVATION CONFLICT (SPC-4 table 66).
 * PRgeneration counts the REGISTER, REGISTER AND IGNORE EXISTING KEY,
 * CLEAR, PREEMPT and PREEMPT AND ABORT that complete with GOOD.
 *
 * Return: 0, or -EFAULT if the buffer is not guest RAM.
 */
int sim_pr_out(struct sim_scsi_disk *disk, u32 initiator, const u8 *cdb,
	       const struct sim_scsi_buf *buf, struct sim_scsi_result *res)
{
	struct sim_scsi_pr *pr = &disk->pr;
	struct sim_pr_req r = {
		.me = initiator,
		.sa = cdb[1] & 0x1f,
		.scope = cdb[2] >> 4,
		.type = cdb[2] & 0x0f,
	};
	u8 p[24], status;
	int ret;

	/* REGISTER AND MOVE (7h), REPLACE LOST RESERVATION (8h): no */
	if (r.sa > SIM_PRO_REGISTER_IGNORE) {
		sim_scsi_bad_field(res, true, 1, 4);
		return 0;
	}
	/* without SPEC_I_PT the parameter list is exactly 24 bytes */
	if (sim_get_be32(cdb + 5) != sizeof(p)) {
		sim_scsi_check(res, SIM_KEY_ILLEGAL_REQUEST,
			       SIM_ASC_PARAM_LIST_LENGTH);
		return 0;
	}
	if (!sim_scsi_plist_ok(buf, res, sizeof(p)))
		return 0;
	ret = sim_scsi_get(buf, res, 0, p, sizeof(p));
	if (ret)
		return ret;
	r.rk = sim_get_be64(p);
	r.sark = sim_get_be64(p + 8);
	/* SIP_C, ATP_C and PTPL_C are zero: SPEC_I_PT, ALL_TG_PT, APTPL */
	if (p[20] & 0x0d) {
		sim_scsi_bad_field(res, false, 20, fls(p[20] & 0x0d) - 1);
		return 0;
	}

	mutex_lock(&disk->lock);
	if (r.sa != SIM_PRO_REGISTER && r.sa != SIM_PRO_REGISTER_IGNORE &&
	    (!sim_pr_registered(pr, r.me) || pr->key[r.me] != r.rk)) {
		status = SIM_SAM_RESERVATION_CONFLICT;
	} else {
		switch (r.sa) {
		case SIM_PRO_RESERVE:
			status = sim_pr_reserve(disk, &r, res);
			break;
		case SIM_PRO_RELEASE:
			status = sim_pr_release(disk, &r, res);
			break;
		case SIM_PRO_CLEAR:
			status = sim_pr_clear(disk, &r);
			break;
		case SIM_PRO_PREEMPT:
		case SIM_PRO_PREEMPT_ABORT:
			status = sim_pr_preempt(disk, &r, res);
			break;
		default:
			status = sim_pr_register(disk, &r, res);
			break;
		}
		if (status == SIM_SAM_GOOD && r.sa != SIM_PRO_RESERVE &&
		    r.sa != SIM_PRO_RELEASE)
			pr->generation++;
	}
	mutex_unlock(&disk->lock);
	if (status != SIM_SAM_CHECK_CONDITION)
		res->status = status;
	return 0;
}
