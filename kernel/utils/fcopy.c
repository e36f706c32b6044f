// SPDX-License-Identifier: GPL-2.0
/*
 * fcopy (guest services): the host copies a file into the guest
 * (Copy-VMFile). A daemon (hv_fcopy_daemon) writes the file, reached
 * through /dev/vmbus/hv_fcopy.
 *
 * Protocol facts, from Linux 6.1 drivers/hv/hv_fcopy.c and
 * tools/hv/hv_fcopy_daemon.c unless said otherwise:
 *  - framework version 3.0 (UTIL_FW_VERSION), service version 1.1
 *    (WIN8_SRV_VERSION);
 *  - host messages (include/uapi/linux/hyperv.h): START_FILE_COPY carries
 *    struct hv_start_fcopy with UTF-16LE file_name and path_name of
 *    W_MAX_PATH units each; the daemon gets the same struct with both
 *    converted to NUL-terminated UTF-8 in the same arrays (at most
 *    W_MAX_PATH - 1 bytes); WRITE_TO_FILE carries struct hv_do_fcopy
 *    (at most DATA_FRAGMENT bytes of data); COMPLETE_FCOPY and
 *    CANCEL_FCOPY are a bare struct hv_fcopy_hdr;
 *  - the daemon reads with pread() into a union of those structs and
 *    answers every message with pwrite() of one int, the status for the
 *    host;
 *  - handshake: the daemon writes an int, FCOPY_CURRENT_VERSION (1), and
 *    reads back a u32 (upstream sends FCOPY_CURRENT_VERSION);
 *    FCOPY_VERSION_0 gets no answer; any other value is refused;
 *  - a request the daemon does not answer in HV_UTIL_TIMEOUT (30 s), or
 *    that arrives with no daemon registered, or that is pending when the
 *    daemon closes the device, is answered HV_E_FAIL.
 *
 * Deliberate differences from hv_fcopy.c:
 *  - the host's negotiation is held until a daemon registers, for at most
 *    HVU_NEGO_TIMEOUT_S (hv_kvp.c's rule; 6.1's hv_fcopy.c negotiates at
 *    once and fails copies until the daemon comes);
 *  - a name whose UTF-8 form does not fit in W_MAX_PATH - 1 bytes is
 *    refused (HV_E_FAIL) rather than silently truncated into another name;
 *  - WRITE_TO_FILE is checked against the packet (size <= DATA_FRAGMENT and
 *    present in full), and the daemon gets exactly the data the host sent,
 *    zero-padded; COMPLETE and CANCEL pass just the header;
 *  - an unknown operation is refused here instead of by the daemon.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": fcopy: " fmt

#include <linux/nls.h>
#include <linux/slab.h>
#include <uapi/linux/hyperv.h>
#include <hv/classes.h>
#include "hvu.h"

/* include/uapi/linux/hyperv.h: the daemon ABI and the wire format agree. */
static_assert(sizeof(struct hv_fcopy_hdr) == 36);
static_assert(sizeof(struct hv_start_fcopy) == 1088);
static_assert(sizeof(struct hv_do_fcopy) == 6196);

static const u32 fcopy_fw[] = { HV_IC_FW_3_0 };
static const u32 fcopy_srv[] = { HV_IC_VERSION(1, 1) };

/* The largest message to the daemon. */
union fcopy_out {
	struct hv_fcopy_hdr hdr;
	struct hv_start_fcopy start;
	struct hv_do_fcopy data;
};

/* A UTF-16 name as UTF-8: each unit takes at most 3 bytes. */
#define FCOPY_UTF8_MAX	(3 * W_MAX_PATH)

struct fcopy_priv {
	struct hvu_dev *ud;
	struct hvu_transport *transport;
	struct delayed_work timeout;
	struct delayed_work nego;	/* ends the hold without a daemon */
	struct mutex lock;		/* everything below */
	bool registered;	/* the daemon holding the device registered */
	bool pending;		/* a host message is with the daemon */
	bool holding;		/* negotiation held for a daemon */
	/* late answers to come for requests that timed out with the daemon */
	unsigned int owed;
	union fcopy_out out;
	u8 name[FCOPY_UTF8_MAX + 1];
};

/* Exactly one of answer, close, timeout or removal answers a request. */
static bool fcopy_take_pending(struct fcopy_priv *fp)
{
	bool pending;

	mutex_lock(&fp->lock);
	pending = fp->pending;
	fp->pending = false;
	mutex_unlock(&fp->lock);
	return pending;
}

static void fcopy_timeout(struct work_struct *work)
{
	struct fcopy_priv *fp = container_of(to_delayed_work(work),
					     struct fcopy_priv, timeout);
	bool pending;

	mutex_lock(&fp->lock);
	pending = fp->pending;
	fp->pending = false;
	/* Read by the daemon (not withdrawn): its answer will come late. */
	if (pending && !hvu_transport_withdraw(fp->transport))
		fp->owed++;
	mutex_unlock(&fp->lock);
	if (!pending)
		return;
	pr_warn("the daemon did not answer in time\n");
	hvu_reply(fp->ud, HV_E_FAIL);
}

static bool fcopy_take_hold(struct fcopy_priv *fp)
{
	bool holding;

	mutex_lock(&fp->lock);
	holding = fp->holding;
	fp->holding = false;
	mutex_unlock(&fp->lock);
	return holding;
}

static void fcopy_nego_timeout(struct work_struct *work)
{
	struct fcopy_priv *fp = container_of(to_delayed_work(work),
					     struct fcopy_priv, nego);

	if (fcopy_take_hold(fp)) {
		pr_info("no daemon after %d s; negotiating without one\n",
			HVU_NEGO_TIMEOUT_S);
		hvu_hold(fp->ud, false);
	}
}

/* Called with fp->lock held. */
static int fcopy_register(struct fcopy_priv *fp, int version)
{
	u32 answer = FCOPY_CURRENT_VERSION;
	int ret;

	switch (version) {
	case FCOPY_VERSION_0:
		break;
	case FCOPY_VERSION_1:
		ret = hvu_transport_send(fp->transport, &answer,
					 sizeof(answer));
		if (ret)
			return ret;
		break;
	default:
		return -EINVAL;
	}
	fp->registered = true;
	pr_info("daemon registered (version %d)\n", version);
	return 0;
}

static int fcopy_on_write(void *ctx, const void *buf, size_t len)
{
	struct fcopy_priv *fp = ctx;
	bool unhold;
	int val;
	int ret;

	if (len != sizeof(val))
		return -EINVAL;
	memcpy(&val, buf, sizeof(val));

	mutex_lock(&fp->lock);
	if (!fp->registered) {
		ret = fcopy_register(fp, val);
		unhold = !ret && fp->holding;
		if (unhold)
			fp->holding = false;
		mutex_unlock(&fp->lock);
		if (unhold) {
			cancel_delayed_work(&fp->nego);
			hvu_hold(fp->ud, false);
		}
		return ret;
	}
	/* The daemon answers in order: a late answer comes first. */
	if (fp->owed) {
		fp->owed--;
		mutex_unlock(&fp->lock);
		pr_info_ratelimited("dropped the daemon's late answer to a request that timed out\n");
		return 0;
	}
	if (!fp->pending) {
		/* Unsolicited: the daemon resets. */
		mutex_unlock(&fp->lock);
		return -EINVAL;
	}
	fp->pending = false;
	mutex_unlock(&fp->lock);

	/* No new request can start before hvu_reply(): no stale timeout. */
	cancel_delayed_work_sync(&fp->timeout);
	hvu_reply(fp->ud, (u32)val);
	return 0;
}

static void fcopy_on_release(void *ctx)
{
	struct fcopy_priv *fp = ctx;
	bool pending;

	mutex_lock(&fp->lock);
	fp->registered = false;
	fp->owed = 0;
	pending = fp->pending;
	fp->pending = false;
	mutex_unlock(&fp->lock);

	if (!pending)
		return;
	pr_warn("the daemon closed the device with a request pending\n");
	cancel_delayed_work_sync(&fp->timeout);
	hvu_reply(fp->ud, HV_E_FAIL);
}

static const struct hvu_transport_ops fcopy_transport_ops = {
	.on_write = fcopy_on_write,
	.on_release = fcopy_on_release,
};

/*
 * Convert a host name (UTF-16LE, at most W_MAX_PATH units, NUL-terminated
 * unless it fills them all) to NUL-terminated UTF-8 in @out, which has
 * room for W_MAX_PATH - 1 bytes and the NUL. False if it does not fit.
 */
static bool fcopy_name(struct fcopy_priv *fp, const __u16 *in, __u16 *out)
{
	int len;

	len = utf16s_to_utf8s((const wchar_t *)in, W_MAX_PATH,
			      UTF16_LITTLE_ENDIAN, fp->name, FCOPY_UTF8_MAX);
	if (len < 0 || len > W_MAX_PATH - 1)
		return false;
	memcpy(out, fp->name, len);
	((u8 *)out)[len] = '\0';
	return true;
}

/*
 * Build the daemon's message for @m in fp->out. Returns its length, or 0
 * if the host's message is malformed or cannot be passed on.
 */
static size_t fcopy_build(struct fcopy_priv *fp, struct hvu_msg *m)
{
	const struct hv_fcopy_hdr *hdr = m->body;
	const struct hv_start_fcopy *start = m->body;
	const struct hv_do_fcopy *data = m->body;
	union fcopy_out *out = &fp->out;

	switch (hdr->operation) {
	case START_FILE_COPY:
		if (m->body_len < sizeof(*start))
			return 0;
		memset(&out->start, 0, sizeof(out->start));
		out->start.hdr.operation = START_FILE_COPY;
		if (!fcopy_name(fp, start->file_name, out->start.file_name) ||
		    !fcopy_name(fp, start->path_name, out->start.path_name)) {
			pr_warn_ratelimited("a name is too long as UTF-8\n");
			return 0;
		}
		out->start.copy_flags = start->copy_flags;
		out->start.file_size = start->file_size;
		return sizeof(out->start);
	case WRITE_TO_FILE:
		if (m->body_len < offsetof(struct hv_do_fcopy, data) ||
		    data->size > DATA_FRAGMENT ||
		    m->body_len - offsetof(struct hv_do_fcopy, data) <
		    data->size)
			return 0;
		memcpy(&out->data, data,
		       offsetof(struct hv_do_fcopy, data) + data->size);
		memset(out->data.data + data->size, 0,
		       DATA_FRAGMENT - data->size);
		return sizeof(out->data);
	case COMPLETE_FCOPY:
	case CANCEL_FCOPY:
		out->hdr = *hdr;
		return sizeof(out->hdr);
	default:
		return 0;
	}
}

static int fcopy_handle(struct hvu_dev *ud, struct hvu_msg *m, u32 *status)
{
	struct fcopy_priv *fp = ud->priv;
	const struct hv_fcopy_hdr *hdr = m->body;
	size_t len;
	int ret;

	*status = HV_E_FAIL;
	if (m->body_len < sizeof(*hdr)) {
		pr_warn_ratelimited("host message of %u bytes is too short\n",
				    m->body_len);
		return 0;
	}

	mutex_lock(&fp->lock);
	if (!fp->registered) {
		mutex_unlock(&fp->lock);
		pr_warn_ratelimited("no daemon for operation %u\n",
				    hdr->operation);
		return 0;
	}
	len = fcopy_build(fp, m);
	if (!len) {
		mutex_unlock(&fp->lock);
		pr_warn_ratelimited("refused operation %u (%u bytes)\n",
				    hdr->operation, m->body_len);
		return 0;
	}
	ret = hvu_transport_send(fp->transport, &fp->out, len);
	if (ret) {
		mutex_unlock(&fp->lock);
		pr_warn_ratelimited("cannot pass operation %u to the daemon: %d\n",
				    hdr->operation, ret);
		return 0;
	}
	fp->pending = true;
	schedule_delayed_work(&fp->timeout, HVU_TIMEOUT_S * HZ);
	mutex_unlock(&fp->lock);
	return HVU_DEFER;
}

static int fcopy_probe(struct hvu_dev *ud)
{
	struct fcopy_priv *fp;

	fp = kzalloc(sizeof(*fp), GFP_KERNEL);
	if (!fp)
		return -ENOMEM;
	fp->ud = ud;
	mutex_init(&fp->lock);
	INIT_DELAYED_WORK(&fp->timeout, fcopy_timeout);
	INIT_DELAYED_WORK(&fp->nego, fcopy_nego_timeout);
	ud->priv = fp;

	fp->holding = true;
	hvu_hold(ud, true);
	return 0;
}

/* The channel is open: now a daemon may come. */
static int fcopy_start(struct hvu_dev *ud)
{
	struct fcopy_priv *fp = ud->priv;
	struct hvu_transport *t;

	t = hvu_transport_create(&ud->hdev->dev, "hv_fcopy",
				 &fcopy_transport_ops, fp);
	if (IS_ERR(t))
		return PTR_ERR(t);
	fp->transport = t;
	schedule_delayed_work(&fp->nego, HVU_NEGO_TIMEOUT_S * HZ);
	return 0;
}

static void fcopy_remove(struct hvu_dev *ud)
{
	struct fcopy_priv *fp = ud->priv;

	/* No on_write/on_release after this, so no new timeout either. */
	hvu_transport_destroy(fp->transport);
	cancel_delayed_work_sync(&fp->nego);
	cancel_delayed_work_sync(&fp->timeout);
	if (fcopy_take_pending(fp))
		hvu_reply(ud, HV_E_FAIL);
	mutex_destroy(&fp->lock);
	kfree(fp);
	ud->priv = NULL;
}

static bool fcopy_busy(struct hvu_dev *ud)
{
	struct fcopy_priv *fp = ud->priv;

	return fp->transport && hvu_transport_opened(fp->transport);
}

const struct hvu_service hvu_fcopy = {
	.name = "fcopy",
	.class_id = HV_CLASS_FCOPY,
	.msgtype = HV_ICMSG_FCOPY,
	.fw_versions = fcopy_fw,
	.fw_count = ARRAY_SIZE(fcopy_fw),
	.srv_versions = fcopy_srv,
	.srv_count = ARRAY_SIZE(fcopy_srv),
	.probe = fcopy_probe,
	.start = fcopy_start,
	.remove = fcopy_remove,
	.busy = fcopy_busy,
	.handle = fcopy_handle,
};
