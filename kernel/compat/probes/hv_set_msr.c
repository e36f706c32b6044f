// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_HV_SET_MSR: hv_set_msr()/hv_get_msr() and HV_MSR_* names for the
 * SynIC registers (6.9 and later; before, hv_set_register() with
 * HV_REGISTER_*).
 */
#include <asm/mshyperv.h>

void probe_msr(void);
void probe_msr(void)
{
	hv_set_msr(HV_MSR_EOM, hv_get_msr(HV_MSR_SIMP));
}
