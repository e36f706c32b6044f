// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_SYSRQ_MASK: sysrq_mask() tells which SysRq functions kernel.sysrq
 * allows (upstream 5.8).
 */
#include <linux/sysrq.h>

int probe_sysrq(void);
int probe_sysrq(void)
{
	return sysrq_mask();
}
