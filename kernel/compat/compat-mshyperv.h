/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shims for the x86 Hyper-V arch interfaces used by vmbus/hyperv.c, the
 * only file that includes <asm/mshyperv.h>. See compat.h for the rules.
 */
#ifndef HVG_COMPAT_MSHYPERV_H
#define HVG_COMPAT_MSHYPERV_H

#include <asm/mshyperv.h>
#include "compat.h"

/* SynIC registers: hv_{get,set}_msr() and HV_MSR_* since 6.9. */
#ifndef HAVE_HV_SET_MSR
#define hv_set_msr(reg, val)	hv_set_register(reg, val)
#define hv_get_msr(reg)		hv_get_register(reg)
#define HV_MSR_SCONTROL		HV_REGISTER_SCONTROL
#define HV_MSR_SIMP		HV_REGISTER_SIMP
#define HV_MSR_SIEFP		HV_REGISTER_SIEFP
#define HV_MSR_SINT0		HV_REGISTER_SINT0
#define HV_MSR_EOM		HV_REGISTER_EOM
#endif

/*
 * Hyper-V TLFS: partition privilege bit 1 (AccessPartitionReferenceCounter)
 * says the reference counter MSR is there; hyperv-tlfs.h names it so.
 */
#ifndef HV_MSR_TIME_REF_COUNT_AVAILABLE
#define HV_MSR_TIME_REF_COUNT_AVAILABLE	BIT(1)
#endif

/* rdmsrq(): rdmsrl() until upstream renamed it in 6.16. */
#ifndef HAVE_RDMSRQ
#define rdmsrq(msr, val)	rdmsrl(msr, val)
#endif

/*
 * vmbus_signal_eom(): free a SynIC message slot, and if the hypervisor
 * has another message waiting for it (message_flags.msg_pending), say
 * end-of-message so that it delivers it (TLFS: the EOM register). Until
 * 7.x asm-generic/mshyperv.h has it; then drivers/hv keeps it private.
 */
#ifndef HAVE_VMBUS_SIGNAL_EOM
static inline void vmbus_signal_eom(struct hv_message *msg, u32 old_type)
{
	/* Only the type we handled: a new message may already be there. */
	if (cmpxchg(&msg->header.message_type, old_type, HVMSG_NONE) !=
	    old_type)
		return;
	/* cmpxchg() is a full barrier: the slot is free before we look. */
	if (msg->header.message_flags.msg_pending)
		hv_set_msr(HV_MSR_EOM, 0);
}
#endif

#endif /* HVG_COMPAT_MSHYPERV_H */
