// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_INIT_CSD: INIT_CSD() initialises a call_single_data (upstream
 * 5.10; before, its func, info and flags were set by hand).
 */
#include <linux/smp.h>

static void probe_fn(void *info)
{
}

void probe_csd(call_single_data_t *csd);
void probe_csd(call_single_data_t *csd)
{
	INIT_CSD(csd, probe_fn, NULL);
}
