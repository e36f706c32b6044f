// SPDX-License-Identifier: GPL-2.0
/*
 * Heartbeat: the host sends a sequence number and the guest answers with
 * the next one, which tells Hyper-V Manager the guest is alive.
 * Source: drivers/hv/hv_util.c (heartbeat_onchannelcallback: seq_num + 1;
 * only the header and the sequence number are required; framework
 * 3.0/1.0, service 3.0/1.0).
 */
#include <hv/classes.h>
#include "hvu.h"

static const u32 hb_fw[] = { HV_IC_FW_3_0, HV_IC_FW_1_0 };
static const u32 hb_srv[] = { HV_IC_VERSION(3, 0), HV_IC_VERSION(1, 0) };

static int hb_handle(struct hvu_dev *ud, struct hvu_msg *m, u32 *status)
{
	struct hv_ic_heartbeat *hb = m->body;

	/*
	 * Only the sequence number must be there: a host need not fill the
	 * reserved area (upstream's heartbeat_onchannelcallback() says so).
	 * The answer has the request's length.
	 */
	if (m->body_len < sizeof(hb->seq_num)) {
		dev_warn_ratelimited(&ud->hdev->dev, "heartbeat: %u bytes, no sequence number\n",
				     m->body_len);
		*status = HV_IC_E_FAIL;
		return 0;
	}
	hb->seq_num++;
	*status = HV_IC_S_OK;
	return 0;
}

const struct hvu_service hvu_heartbeat = {
	.name = "heartbeat",
	.class_id = HV_CLASS_HEARTBEAT,
	.msgtype = HV_ICMSG_HEARTBEAT,
	.fw_versions = hb_fw,
	.fw_count = ARRAY_SIZE(hb_fw),
	.srv_versions = hb_srv,
	.srv_count = ARRAY_SIZE(hb_srv),
	.handle = hb_handle,
};
