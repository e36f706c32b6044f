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
#endif

/*
 * Hyper-V TLFS: partition privilege bit 1 (AccessPartitionReferenceCounter)
 * says the reference counter MSR is there; hyperv-tlfs.h names it so.
 */
#ifndef HV_MSR_TIME_REF_COUNT_AVAILABLE
#define HV_MSR_TIME_REF_COUNT_AVAILABLE	BIT(1)
#endif

#endif /* HVG_COMPAT_MSHYPERV_H */
