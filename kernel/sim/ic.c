// SPDX-License-Identifier: GPL-2.0
/*
 * The host end of the integration components. When the guest opens an IC
 * channel the host negotiates the framework and service versions, as
 * Hyper-V does (drivers/hv/channel_mgmt.c, vmbus_prep_negotiate_resp, is
 * the guest's half of that exchange), then the services send requests
 * with sim_ic_transact() and wait for the answer carrying the same
 * transaction id. The host has one transaction outstanding per service.
 *
 * debugfs: hv_sim/ic/<service>/version ("fw 3.0 srv 4.0" or "none"),
 * answers (count), plus each service's triggers (ic_util.c, ic_kvp.c ...).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <hv/classes.h>
#include <hv/ic.h>
#include "sim.h"

/* A negotiation may wait for a daemon (hv_utils holds KVP up to 55 s). */
#define SIM_IC_NEGO_TIMEOUT_MS	(120 * 1000)

struct sim_ic {
	struct sim_device_type type;
	u16 msgtype;
	const u32 *srv;		/* the host's service versions, 0-terminated */
	unsigned int nsrv;	/* counted at init */
	struct mutex xact;	/* one transaction at a time */
	spinlock_t lock;	/* everything below */
	struct sim_channel *ch;	/* the open channel, if any */
	u32 fw_version;		/* agreed; 0 before */
	u32 srv_version;
	u8 ic_tid;
	u64 next_id;		/* packet transaction ids */
	bool waiting;
	u64 wait_id;
	struct sim_ic_reply *reply;
	int result;
	struct completion done;
	wait_queue_head_t nego_wq;
	struct work_struct nego;
	struct dentry *dir;
	u64 answers;
};

/* The versions a current Hyper-V host offers, newest first, 0-terminated. */
static const u32 sim_fw[] = { HV_IC_FW_3_0, HV_IC_FW_1_0 };

static const u32 sim_srv_shutdown[] = {
	HV_IC_VERSION(3, 2), HV_IC_VERSION(3, 0), HV_IC_VERSION(1, 0), 0
};

static const u32 sim_srv_timesync[] = {
	HV_IC_VERSION(4, 0), HV_IC_VERSION(3, 0), HV_IC_VERSION(1, 0), 0
};

static const u32 sim_srv_heartbeat[] = {
	HV_IC_VERSION(3, 0), HV_IC_VERSION(1, 0), 0
};

static const u32 sim_srv_kvp[] = {
	HV_IC_VERSION(4, 0), HV_IC_VERSION(3, 0), HV_IC_VERSION(1, 0), 0
};

static const u32 sim_srv_vss[] = { HV_IC_VERSION(5, 0), 0 };
static const u32 sim_srv_fcopy[] = { HV_IC_VERSION(1, 1), 0 };

static void sim_ic_process(struct sim_channel *ch);
static void sim_ic_opened(struct sim_channel *ch);
static void sim_ic_closed(struct sim_channel *ch);

/*
 * Hyper-V offers the Guest Services (fcopy) device with this instance,
 * which tools/hv/hv_fcopy_uio_daemon.c looks for by name
 * (/sys/bus/vmbus/devices/eb765408-105f-49b6-b4aa-c123b64d17d4).
 */
static const guid_t sim_fcopy_instance =
	GUID_INIT(0xeb765408, 0x105f, 0x49b6,
		  0xb4, 0xaa, 0xc1, 0x23, 0xb6, 0x4d, 0x17, 0xd4);

#define SIM_IC_AT(n, cls, mt, versions, inst) {				\
	.type = { .name = n, .class_id = cls, .process = sim_ic_process, \
		  .opened = sim_ic_opened, .closed = sim_ic_closed,	\
		  .instance = inst },					\
	.msgtype = mt, .srv = versions,					\
}

#define SIM_IC(n, cls, mt, versions) SIM_IC_AT(n, cls, mt, versions, NULL)

static struct sim_ic sim_ics[] = {
	SIM_IC("shutdown", HV_CLASS_SHUTDOWN, HV_ICMSG_SHUTDOWN, sim_srv_shutdown),
	SIM_IC("timesync", HV_CLASS_TIMESYNC, HV_ICMSG_TIMESYNC, sim_srv_timesync),
	SIM_IC("heartbeat", HV_CLASS_HEARTBEAT, HV_ICMSG_HEARTBEAT, sim_srv_heartbeat),
	SIM_IC("kvp", HV_CLASS_KVP, HV_ICMSG_KVP, sim_srv_kvp),
	SIM_IC("vss", HV_CLASS_VSS, HV_ICMSG_VSS, sim_srv_vss),
	SIM_IC_AT("fcopy", HV_CLASS_FCOPY, HV_ICMSG_FCOPY, sim_srv_fcopy,
		  &sim_fcopy_instance),
};

static struct dentry *sim_ic_root;

const struct sim_device_type *sim_ic_type_by_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sim_ics); i++)
		if (!strcmp(sim_ics[i].type.name, name))
			return &sim_ics[i].type;
	return NULL;
}

static struct sim_ic *sim_ic_by_name(const char *name)
{
	const struct sim_device_type *t = sim_ic_type_by_name(name);

	return t ? container_of(t, struct sim_ic, type) : NULL;
}

static struct sim_ic *sim_ic_of(struct sim_channel *ch)
{
	return container_of(ch->type, struct sim_ic, type);
}

/* Write one request into the guest's ring; with ic->lock held. */
static int sim_ic_send(struct sim_ic *ic, u16 msgtype, const void *body,
		       u32 len, u64 id)
{
	struct {
		struct hv_pkt_desc desc;
		struct hv_ic_pipe_hdr pipe;
		struct hv_ic_hdr hdr;
	} __packed h = {};
	static const u8 zeros[8];
	u32 total = sizeof(h) + len, padded = ALIGN(total, 8);
	struct kvec kv[3] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)body, .iov_len = len },
		{ .iov_base = (void *)zeros, .iov_len = padded - total },
	};
	u32 fw = ic->fw_version ? ic->fw_version : HV_IC_FW_3_0;
	u32 srv = ic->srv_version ? ic->srv_version : ic->srv[0];
	bool signal;
	int ret;

	h.desc.type = HV_PKT_DATA_INBAND;
	h.desc.offset8 = sizeof(h.desc) / 8;
	h.desc.len8 = padded / 8;
	h.desc.flags = HV_PKT_FLAG_COMPLETION_REQUESTED;
	h.desc.trans_id = id;
	h.pipe.msgsize = sizeof(h.hdr) + len;
	h.hdr.fw.major = fw >> 16;
	h.hdr.fw.minor = fw & 0xffff;
	h.hdr.msgtype = msgtype;
	h.hdr.msgver.major = srv >> 16;
	h.hdr.msgver.minor = srv & 0xffff;
	h.hdr.msgsize = len;
	h.hdr.trans_id = ic->ic_tid++;
	h.hdr.flags = HV_ICFLAG_TRANSACTION | HV_ICFLAG_REQUEST;
	ret = sim_ring_put(&ic->ch->in, kv, 3, false, &signal);
	if (ret == -EPROTO)
		sim_ring_violation(ic->ch, &ic->ch->in, ret);
	if (ret)
		return ret == -EAGAIN ? -EBUSY : ret;
	ic->ch->bytes_out += padded;
	ic->ch->packets_out++;
	if (signal)
		sim_interrupt_guest(ic->ch);
	return 0;
}

int sim_ic_transact(const char *type_name, u16 msgtype, const void *body,
		    u32 body_len, struct sim_ic_reply *reply,
		    unsigned int timeout_ms)
{
	struct sim_ic *ic = sim_ic_by_name(type_name);
	long left;
	int ret;

	if (!ic || body_len > HVU_SIM_IC_BODY_MAX)
		return -EINVAL;
	/*
	 * Killable, not interruptible: the writer is a test's shell, and a
	 * SIGCHLD (a child it stopped) must not cut the host's wait short.
	 */
	if (mutex_lock_killable(&ic->xact))
		return -EINTR;
	if (msgtype != HV_ICMSG_NEGOTIATE) {
		left = wait_event_killable_timeout(ic->nego_wq,
						   READ_ONCE(ic->srv_version),
						   msecs_to_jiffies(timeout_ms));
		if (left < 0) {
			ret = -EINTR;
			goto out;
		}
	}
	spin_lock(&ic->lock);
	if (!ic->ch || (msgtype != HV_ICMSG_NEGOTIATE && !ic->srv_version)) {
		spin_unlock(&ic->lock);
		ret = -ENODEV;
		goto out;
	}
	reinit_completion(&ic->done);
	ic->wait_id = ++ic->next_id;
	ic->reply = reply;
	ic->result = -EPROTO;
	ret = sim_ic_send(ic, msgtype, body, body_len, ic->wait_id);
	ic->waiting = !ret;
	spin_unlock(&ic->lock);
	if (ret)
		goto out;

	left = wait_for_completion_killable_timeout(&ic->done,
						    msecs_to_jiffies(timeout_ms));
	spin_lock(&ic->lock);
	if (ic->waiting) {
		ic->waiting = false;
		ret = left < 0 ? -EINTR : -ETIMEDOUT;
	} else {
		ret = ic->result;
	}
	ic->reply = NULL;
	spin_unlock(&ic->lock);
out:
	mutex_unlock(&ic->xact);
	return ret;
}

u32 sim_ic_version(const char *type_name)
{
	struct sim_ic *ic = sim_ic_by_name(type_name);

	return ic ? READ_ONCE(ic->srv_version) : 0;
}

/* One answer from the guest, in ch->buf; with ic->lock held. */
static void sim_ic_answer(struct sim_ic *ic, const u8 *pkt, u32 len)
{
	const struct hv_pkt_desc *desc = (const void *)pkt;
	u32 off = desc->offset8 * 8, blen;
	const struct hv_ic_hdr *hdr;

	if (desc->type != HV_PKT_DATA_INBAND || off > len ||
	    len - off < HV_IC_HDRS) {
		sim_violation("%s: answer without IC headers", ic->type.name);
		return;
	}
	hdr = (const void *)(pkt + off + sizeof(struct hv_ic_pipe_hdr));
	blen = len - off - HV_IC_HDRS;
	if (!(hdr->flags & HV_ICFLAG_RESPONSE) || hdr->msgsize > blen) {
		sim_violation("%s: malformed answer (flags %#x, size %u of %u)",
			      ic->type.name, hdr->flags, hdr->msgsize, blen);
		return;
	}
	/*
	 * An IC answer carries the request's transaction id, except from
	 * tools/hv's uio daemons, which send all ones (vmbus_bufring.c,
	 * VMBUS_RQST_ERROR) and work on Hyper-V: there is one request at a
	 * time, so the host takes such an answer for the one waiting.
	 */
	if (!ic->waiting ||
	    (desc->trans_id != ic->wait_id && desc->trans_id != U64_MAX)) {
		if (desc->trans_id && desc->trans_id <= ic->next_id)
			pr_info("%s: late answer to request %llu\n",
				ic->type.name, desc->trans_id);
		else
			sim_violation("%s: answer to request %llu never sent",
				      ic->type.name, desc->trans_id);
		return;
	}
	ic->answers++;
	ic->waiting = false;
	ic->reply->status = hdr->status;
	ic->reply->srv_version = ic->srv_version;
	ic->reply->len = min_t(u32, blen, HVU_SIM_IC_BODY_MAX);
	ic->reply->msgsize = hdr->msgsize;
	memcpy(ic->reply->body, pkt + off + HV_IC_HDRS, ic->reply->len);
	ic->result = 0;
	complete(&ic->done);
}

static bool sim_ic_take(struct sim_channel *ch, u32 len)
{
	struct sim_ic *ic = sim_ic_of(ch);

	spin_lock(&ic->lock);
	if (ic->ch == ch)
		sim_ic_answer(ic, ch->buf, len);
	spin_unlock(&ic->lock);
	return true;
}

static void sim_ic_process(struct sim_channel *ch)
{
	do {
		if (sim_ring_drain(ch, sim_ic_take))
			return;
	} while (sim_ring_unmask(&ch->out));
}

static void sim_ic_negotiate(struct work_struct *work)
{
	struct sim_ic *ic = container_of(work, struct sim_ic, nego);
	struct sim_ic_reply *r = kmalloc(sizeof(*r), GFP_KERNEL);
	struct hv_ic_negotiate *neg, *ans;
	u32 n = ARRAY_SIZE(sim_fw) + ic->nsrv, i, fw, srv;
	int ret;

	neg = kzalloc(struct_size(neg, versions, n), GFP_KERNEL);
	if (!r || !neg)
		goto out;
	neg->fw_count = ARRAY_SIZE(sim_fw);
	neg->msg_count = ic->nsrv;
	for (i = 0; i < n; i++) {
		u32 v = i < ARRAY_SIZE(sim_fw) ? sim_fw[i] :
			ic->srv[i - ARRAY_SIZE(sim_fw)];

		neg->versions[i].major = v >> 16;
		neg->versions[i].minor = v & 0xffff;
	}
	ret = sim_ic_transact(ic->type.name, HV_ICMSG_NEGOTIATE, neg,
			      struct_size(neg, versions, n), r,
			      SIM_IC_NEGO_TIMEOUT_MS);
	if (ret) {
		pr_info("%s: negotiation not answered: %d\n", ic->type.name, ret);
		goto out;
	}
	ans = (void *)r->body;
	/* The answer's size is fixed (vmbus_prep_negotiate_resp()). */
	if (r->msgsize != HV_IC_NEGOTIATE_ANSWER_SIZE)
		sim_violation("%s: negotiate answer of %u bytes, not %zu",
			      ic->type.name, r->msgsize,
			      HV_IC_NEGOTIATE_ANSWER_SIZE);
	if (r->len < sizeof(*ans) + 2 * sizeof(ans->versions[0]) ||
	    ans->fw_count != 1 || ans->msg_count != 1) {
		pr_info("%s: the guest found no common version\n", ic->type.name);
		goto out;
	}
	fw = HV_IC_VERSION(ans->versions[0].major, ans->versions[0].minor);
	srv = HV_IC_VERSION(ans->versions[1].major, ans->versions[1].minor);
	for (i = 0; i < ic->nsrv && ic->srv[i] != srv; i++)
		;
	if ((fw != HV_IC_FW_3_0 && fw != HV_IC_FW_1_0) || i == ic->nsrv) {
		sim_violation("%s: guest chose versions %#x/%#x never offered",
			      ic->type.name, fw, srv);
		goto out;
	}
	spin_lock(&ic->lock);
	if (ic->ch) {
		ic->fw_version = fw;
		ic->srv_version = srv;
	}
	spin_unlock(&ic->lock);
	wake_up_all(&ic->nego_wq);
out:
	kfree(neg);
	kfree(r);
}

static void sim_ic_opened(struct sim_channel *ch)
{
	struct sim_ic *ic = sim_ic_of(ch);

	spin_lock(&ic->lock);
	if (ic->ch) {
		spin_unlock(&ic->lock);
		pr_info("%s: a second channel (relid %u) is not served\n",
			ic->type.name, ch->relid);
		return;
	}
	ic->ch = ch;
	ic->fw_version = 0;
	ic->srv_version = 0;
	spin_unlock(&ic->lock);
	queue_work(system_long_wq, &ic->nego);
}

static void sim_ic_closed(struct sim_channel *ch)
{
	struct sim_ic *ic = sim_ic_of(ch);

	spin_lock(&ic->lock);
	if (ic->ch == ch) {
		ic->ch = NULL;
		ic->fw_version = 0;
		ic->srv_version = 0;
		if (ic->waiting) {
			ic->waiting = false;
			ic->result = -ENODEV;
			complete(&ic->done);
		}
	}
	spin_unlock(&ic->lock);
}

static int sim_ic_version_show(struct seq_file *s, void *unused)
{
	struct sim_ic *ic = s->private;
	u32 fw, srv;

	spin_lock(&ic->lock);
	fw = ic->fw_version;
	srv = ic->srv_version;
	spin_unlock(&ic->lock);
	if (!srv)
		seq_puts(s, "none\n");
	else
		seq_printf(s, "fw %u.%u srv %u.%u\n", fw >> 16, fw & 0xffff,
			   srv >> 16, srv & 0xffff);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sim_ic_version);

/* ---- texts for debugfs ---- */

int sim_ic_text_init(struct sim_ic_text *t, size_t size)
{
	mutex_init(&t->lock);
	t->buf = kzalloc(size, GFP_KERNEL);
	t->size = size;
	t->len = 0;
	return t->buf ? 0 : -ENOMEM;
}

void sim_ic_text_free(struct sim_ic_text *t)
{
	kfree(t->buf);
	t->buf = NULL;
	mutex_destroy(&t->lock);
}

/* The caller holds t->lock. */
void sim_ic_text_reset(struct sim_ic_text *t)
{
	lockdep_assert_held(&t->lock);
	t->len = 0;
	t->buf[0] = '\0';
}

/* The caller holds t->lock. */
void sim_ic_text_vadd(struct sim_ic_text *t, const char *fmt, va_list args)
{
	lockdep_assert_held(&t->lock);
	t->len += vscnprintf(t->buf + t->len, t->size - t->len, fmt, args);
}

/* The caller holds t->lock. */
void sim_ic_text_add(struct sim_ic_text *t, const char *fmt, ...)
{
	va_list args;

	lockdep_assert_held(&t->lock);
	va_start(args, fmt);
	sim_ic_text_vadd(t, fmt, args);
	va_end(args);
}

void sim_ic_text_set(struct sim_ic_text *t, const char *fmt, ...)
{
	va_list args;

	mutex_lock(&t->lock);
	sim_ic_text_reset(t);
	va_start(args, fmt);
	sim_ic_text_vadd(t, fmt, args);
	va_end(args);
	mutex_unlock(&t->lock);
}

static ssize_t sim_ic_text_read(struct file *f, char __user *ubuf,
				size_t len, loff_t *ppos)
{
	struct sim_ic_text *t = file_inode(f)->i_private;
	ssize_t ret;

	if (mutex_lock_killable(&t->lock))
		return -EINTR;
	ret = simple_read_from_buffer(ubuf, len, ppos, t->buf, t->len);
	mutex_unlock(&t->lock);
	return ret;
}

static const struct file_operations sim_ic_text_fops = {
	.owner = THIS_MODULE,
	.read = sim_ic_text_read,
	.llseek = default_llseek,
};

void sim_ic_text_file(const char *name, struct dentry *dir,
		      struct sim_ic_text *t)
{
	debugfs_create_file(name, 0444, dir, t, &sim_ic_text_fops);
}

int sim_ic_init(void)
{
	unsigned int i;
	int ret;

	sim_ic_root = debugfs_create_dir("ic", sim.debugfs);
	for (i = 0; i < ARRAY_SIZE(sim_ics); i++) {
		struct sim_ic *ic = &sim_ics[i];

		mutex_init(&ic->xact);
		spin_lock_init(&ic->lock);
		init_completion(&ic->done);
		init_waitqueue_head(&ic->nego_wq);
		INIT_WORK(&ic->nego, sim_ic_negotiate);
		for (ic->nsrv = 0; ic->srv[ic->nsrv]; ic->nsrv++)
			;
		ic->ch = NULL;
		ic->fw_version = 0;
		ic->srv_version = 0;
		ic->waiting = false;
		ic->answers = 0;
		ic->dir = debugfs_create_dir(ic->type.name, sim_ic_root);
		debugfs_create_file("version", 0444, ic->dir, ic,
				    &sim_ic_version_fops);
		debugfs_create_u64("answers", 0444, ic->dir, &ic->answers);
	}
	ret = sim_ic_util_init(sim_ic_by_name("shutdown")->dir,
			       sim_ic_by_name("timesync")->dir,
			       sim_ic_by_name("heartbeat")->dir);
	if (!ret)
		ret = sim_ic_kvp_init(sim_ic_by_name("kvp")->dir);
	if (!ret)
		ret = sim_ic_vss_init(sim_ic_by_name("vss")->dir);
	if (!ret)
		ret = sim_ic_fcopy_init(sim_ic_by_name("fcopy")->dir);
	if (ret)
		sim_ic_exit();
	return ret;
}

/* After every channel is gone (no transaction can start or be waiting). */
void sim_ic_exit(void)
{
	unsigned int i;

	sim_ic_util_exit();
	sim_ic_kvp_exit();
	sim_ic_vss_exit();
	sim_ic_fcopy_exit();
	for (i = 0; i < ARRAY_SIZE(sim_ics); i++)
		cancel_work_sync(&sim_ics[i].nego);
}
