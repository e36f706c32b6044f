// SPDX-License-Identifier: GPL-2.0
/*
 * Host end of the VSS (backup) service, in hv_sim/ic/vss/:
 *   request  write an operation: freeze, thaw, hot_backup, get_dm_info,
 *            create, delete, bu_complete. The write blocks until the guest
 *            answers (16 min for freeze, 60 s for the others) and returns
 *            the error of sim_ic_transact(), or the length written.
 *   reply    the last answer: "op=<op> status=0x%08x flags=0x%08x", or
 *            "op=<op> error=<errno>" when there was none.
 *
 * Message layout: struct hv_vss_msg of include/uapi/linux/hyperv.h (the
 * operation in the first byte; vss_cf.flags / dm_info.flags after the
 * 8-byte header); operation numbers from enum hv_vss_op there. The comment
 * above struct hv_vss_msg says a FREEZE from Hyper-V carries LUN data and
 * may be 6,260 bytes long; assumption: counted from the pipe header, so
 * ours are that long with the LUN data zeroed. What that data holds is not
 * documented and the guest does not use it. The guest's 15-minute freeze
 * timeout is drivers/hv/hv_snapshot.c's VSS_FREEZE_TIMEOUT; ours is
 * longer so that the guest's own timeout is what a test sees.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": vss: " fmt

#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <uapi/linux/hyperv.h>
#include <hv/ic.h>
#include "sim.h"

#define SIM_VSS_FREEZE_BYTES	(6260 - HV_IC_HDRS)
#define SIM_VSS_FREEZE_MS	(16 * 60 * 1000)
#define SIM_VSS_MS		(60 * 1000)

static_assert(SIM_VSS_FREEZE_BYTES <= HVU_SIM_IC_BODY_MAX);

static const struct {
	const char *name;
	u8 op;
} sim_vss_ops[] = {
	{ "create", VSS_OP_CREATE },
	{ "delete", VSS_OP_DELETE },
	{ "hot_backup", VSS_OP_HOT_BACKUP },
	{ "get_dm_info", VSS_OP_GET_DM_INFO },
	{ "bu_complete", VSS_OP_BU_COMPLETE },
	{ "freeze", VSS_OP_FREEZE },
	{ "thaw", VSS_OP_THAW },
};

static struct sim_ic_text sim_vss_last;

static void sim_vss_record(const char *name, int ret, u32 status, u32 flags)
{
	if (ret)
		sim_ic_text_set(&sim_vss_last, "op=%s error=%d\n", name, ret);
	else
		sim_ic_text_set(&sim_vss_last,
				"op=%s status=0x%08x flags=0x%08x\n", name,
				status, flags);
}

static int sim_vss_request(unsigned int idx)
{
	u8 op = sim_vss_ops[idx].op;
	u32 len = op == VSS_OP_FREEZE ? SIM_VSS_FREEZE_BYTES :
		  sizeof(struct hv_vss_msg);
	struct sim_ic_reply *reply;
	struct hv_vss_msg *msg;
	u32 flags = 0;
	int ret;

	msg = kzalloc(len, GFP_KERNEL);
	reply = kmalloc(sizeof(*reply), GFP_KERNEL);
	if (!msg || !reply) {
		ret = -ENOMEM;
		goto out;
	}
	msg->vss_hdr.operation = op;
	ret = sim_ic_transact("vss", HV_ICMSG_VSS, msg, len, reply,
			      op == VSS_OP_FREEZE ? SIM_VSS_FREEZE_MS :
			      SIM_VSS_MS);
	if (!ret && reply->len < sizeof(struct hv_vss_msg)) {
		/* The guest answers in place: the message must come back. */
		sim_violation("vss: answer of %u bytes to a %u-byte request",
			      reply->len, len);
		ret = -EPROTO;
	}
	if (!ret)
		flags = ((struct hv_vss_msg *)reply->body)->vss_cf.flags;
	sim_vss_record(sim_vss_ops[idx].name, ret,
		       ret ? 0 : reply->status, flags);
out:
	kfree(reply);
	kfree(msg);
	return ret;
}

static ssize_t sim_vss_request_write(struct file *f, const char __user *ubuf,
				     size_t len, loff_t *ppos)
{
	char buf[32];
	char *name;
	unsigned int i;
	int ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	name = strim(buf);
	for (i = 0; i < ARRAY_SIZE(sim_vss_ops); i++) {
		if (!strcmp(name, sim_vss_ops[i].name)) {
			ret = sim_vss_request(i);
			return ret ? ret : len;
		}
	}
	return -EINVAL;
}

static const struct file_operations sim_vss_request_fops = {
	.owner = THIS_MODULE,
	.write = sim_vss_request_write,
};

int sim_ic_vss_init(struct dentry *dir)
{
	int ret = sim_ic_text_init(&sim_vss_last, 96);

	if (ret)
		return ret;
	debugfs_create_file("request", 0200, dir, NULL, &sim_vss_request_fops);
	sim_ic_text_file("reply", dir, &sim_vss_last);
	return 0;
}

void sim_ic_vss_exit(void)
{
	/* The files go with hv_sim/ic/, which ic.c removes first. */
	sim_ic_text_free(&sim_vss_last);
}
