// SPDX-License-Identifier: GPL-2.0
/*
 * Time sync: the host sends its wall-clock time. With the SYNC flag (at
 * start and after resume or restore) the guest sets its clock to it;
 * otherwise (SAMPLE) the guest keeps the sample. The latest sample feeds a
 * read-only PTP clock named "hyperv", which chrony can follow with
 * "refclock PHC /dev/ptp_hyperv" (or the /dev/ptpN it names).
 *
 * Source: drivers/hv/hv_util.c (timesync_onchannelcallback: framework
 * 3.0/1.0, service 4.0/3.0/1.0; times in 100 ns units since 1601; version
 * 4 adds the reference counter value at which the host took the sample,
 * so the guest can add the time the message spent in flight; PTP clock
 * "hyperv" fed by the samples).
 */
#include <linux/ptp_clock_kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <hvg/platform.h>
#include <hv/classes.h>
#include "hvu.h"

static const u32 ts_fw[] = { HV_IC_FW_3_0, HV_IC_FW_1_0 };
static const u32 ts_srv[] = {
	HV_IC_VERSION(4, 0), HV_IC_VERSION(3, 0), HV_IC_VERSION(1, 0),
};

/* A sample older than this when it arrives is bogus; don't trust its age. */
#define TS_MAX_AGE_NS	(10ULL * NSEC_PER_SEC)

struct hvu_ts {
	struct hvu_dev *ud;
	spinlock_t lock;	/* the sample */
	bool have;
	u64 host_ns;		/* host wall clock, ns since 1970 ... */
	u64 boot_ns;		/* ... at this boot-clock time */
	struct ptp_clock_info info;
	struct ptp_clock *ptp;
};

/* The host's time now, from the latest sample; false if none yet. */
static bool ts_host_now(struct hvu_ts *st, u64 *ns)
{
	unsigned long flags;
	bool have;

	spin_lock_irqsave(&st->lock, flags);
	have = st->have;
	*ns = st->host_ns + (ktime_get_boottime_ns() - st->boot_ns);
	spin_unlock_irqrestore(&st->lock, flags);
	return have;
}

static int ts_ptp_gettime(struct ptp_clock_info *info, struct timespec64 *ts)
{
	struct hvu_ts *st = container_of(info, struct hvu_ts, info);
	u64 ns;

	if (!ts_host_now(st, &ns))
		return -EAGAIN;
	*ts = ns_to_timespec64(ns);
	return 0;
}

/* The clock follows the host; it cannot be steered from the guest. */
static int ts_ptp_settime(struct ptp_clock_info *info,
			  const struct timespec64 *ts)
{
	return -EOPNOTSUPP;
}

static int ts_ptp_adjtime(struct ptp_clock_info *info, s64 delta)
{
	return -EOPNOTSUPP;
}

static int ts_ptp_adjfine(struct ptp_clock_info *info, long scaled_ppm)
{
	return -EOPNOTSUPP;
}

static int ts_ptp_enable(struct ptp_clock_info *info,
			 struct ptp_clock_request *req, int on)
{
	return -EOPNOTSUPP;
}

static const struct ptp_clock_info ts_ptp_info = {
	.owner = THIS_MODULE,
	.name = "hyperv",
	.gettime64 = ts_ptp_gettime,
	.settime64 = ts_ptp_settime,
	.adjtime = ts_ptp_adjtime,
	.adjfine = ts_ptp_adjfine,
	.enable = ts_ptp_enable,
};

static void ts_sync(struct hvu_ts *st)
{
	struct timespec64 now, target;
	u64 ns;
	s64 step;

	ts_host_now(st, &ns);
	target = ns_to_timespec64(ns);
	ktime_get_real_ts64(&now);
	step = timespec64_to_ns(&target) - timespec64_to_ns(&now);
	if (do_settimeofday64(&target)) {
		dev_warn(&st->ud->hdev->dev, "time sync: host time refused\n");
		return;
	}
	if (abs(step) >= NSEC_PER_SEC)
		dev_info(&st->ud->hdev->dev, "time sync: clock stepped by %lld ms to the host's time\n",
			 div_s64(step, NSEC_PER_MSEC));
}

static int ts_handle(struct hvu_dev *ud, struct hvu_msg *m, u32 *status)
{
	struct hvu_ts *st = ud->priv;
	u64 parent, ref, now_ref, age = 0, host_ns, boot_ns;
	unsigned long flags;
	u8 tflags;

	*status = HV_IC_E_FAIL;
	if (ud->srv_version >= HV_IC_VERSION(4, 0)) {
		struct hv_ic_timesync_ref *t = m->body;

		if (m->body_len < sizeof(*t))
			return 0;
		parent = t->parenttime;
		ref = t->vmreferencetime;
		tflags = t->flags;
		if (hvg_ref_counter(&now_ref) && now_ref >= ref)
			age = (now_ref - ref) * 100;
	} else {
		struct hv_ic_timesync *t = m->body;

		if (m->body_len < sizeof(*t))
			return 0;
		parent = t->parenttime;
		tflags = t->flags;
	}
	/* Between 1970 and the last time a u64 of ns can hold. */
	if (parent < HV_WLTIMEDELTA ||
	    parent - HV_WLTIMEDELTA > div_u64(KTIME_MAX, 100)) {
		dev_warn_ratelimited(&ud->hdev->dev, "time sync: bogus host time %llu\n",
				     parent);
		return 0;
	}
	if (age > TS_MAX_AGE_NS)
		age = 0;
	host_ns = (parent - HV_WLTIMEDELTA) * 100;
	boot_ns = ktime_get_boottime_ns() - age;

	spin_lock_irqsave(&st->lock, flags);
	st->host_ns = host_ns;
	st->boot_ns = boot_ns;
	st->have = true;
	spin_unlock_irqrestore(&st->lock, flags);

	if (tflags & HV_TIMESYNC_SYNC)
		ts_sync(st);
	*status = HV_IC_S_OK;
	return 0;
}

static int ts_probe(struct hvu_dev *ud)
{
	struct hvu_ts *st = kzalloc(sizeof(*st), GFP_KERNEL);
	u64 ref;

	if (!st)
		return -ENOMEM;
	st->ud = ud;
	spin_lock_init(&st->lock);
	st->info = ts_ptp_info;
	ud->priv = st;
	/* Version 4 needs the reference counter the host stamps with. */
	if (!hvg_ref_counter(&ref))
		ud->srv_cap = HV_IC_VERSION(3, 0);
	st->ptp = ptp_clock_register(&st->info, &ud->hdev->dev);
	if (IS_ERR(st->ptp)) {
		/* Time sync still works without the PTP clock. */
		dev_warn(&ud->hdev->dev, "no PTP clock: %ld\n",
			 PTR_ERR(st->ptp));
		st->ptp = NULL;
	}
	return 0;
}

static void ts_remove(struct hvu_dev *ud)
{
	struct hvu_ts *st = ud->priv;

	if (st->ptp)
		ptp_clock_unregister(st->ptp);
	kfree(st);
}

const struct hvu_service hvu_timesync = {
	.name = "timesync",
	.class_id = HV_CLASS_TIMESYNC,
	.msgtype = HV_ICMSG_TIMESYNC,
	.fw_versions = ts_fw,
	.fw_count = ARRAY_SIZE(ts_fw),
	.srv_versions = ts_srv,
	.srv_count = ARRAY_SIZE(ts_srv),
	.probe = ts_probe,
	.remove = ts_remove,
	.handle = ts_handle,
};
