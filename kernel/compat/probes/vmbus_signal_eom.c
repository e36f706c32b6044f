// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_VMBUS_SIGNAL_EOM: <asm/mshyperv.h> brings vmbus_signal_eom()
 * (asm-generic/mshyperv.h; upstream moved it into drivers/hv's private
 * header in 7.x).
 */
#include <asm/mshyperv.h>

void probe_eom(struct hv_message *msg);
void probe_eom(struct hv_message *msg)
{
	vmbus_signal_eom(msg, HVMSG_NONE);
}
