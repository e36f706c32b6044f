// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_RDMSRQ: rdmsrq() reads a 64-bit MSR (upstream 6.16 renamed
 * rdmsrl() so).
 */
#include <asm/msr.h>

u64 probe_rdmsrq(void);
u64 probe_rdmsrq(void)
{
	u64 v;

	rdmsrq(0x40000020, v);
	return v;
}
