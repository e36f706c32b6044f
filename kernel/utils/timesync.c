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
 * "hyperv" fed by the samples, extrapolated on the reference counter and
 * stale after 600 s; the timesync_implicit parameter, 5 s, default off).
 */
#include <linux/moduleparam.h>
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

/*
 * How long the clock may run on from the host's last sample before it is
 * reported stale (-ESTALE from the PTP clock): upstream's
 * HOST_TIMESYNC_DELAY_THRESH, 600 s.
 */
#define TS_STALE_100NS	(600ULL * 10 * 1000 * 1000)
/* SAMPLE as SYNC when the guest is this far behind (hv_implicit_sync()). */
#define TS_IMPLICIT_NS	(5ULL * NSEC_PER_SEC)

static bool timesync_implicit;
module_param(timesync_implicit, bool, 0644);
MODULE_PARM_DESC(timesync_implicit,
		 "Treat a time sample as a sync when the guest's clock is 5 s or more behind the host's (hosts that send no sync after resume)");

/*
 * The host's clock between samples is extrapolated with a clock the guest
 * cannot steer: the partition reference counter (100 ns ticks), as
 * upstream does, or where the platform has none, the raw monotonic clock,
 * which adjtimex() and NTP leave alone. Never the guest's own disciplined
 * clocks: a PTP clock that moves with the guest's time tells chrony
 * nothing between samples.
 */
struct hvu_ts {
	struct hvu_dev *ud;
	bool use_ref;		/* the platform has a reference counter */
	spinlock_t lock;	/* the sample */
	bool have;
	u64 host_100ns;		/* host time, 100 ns since 1601 ... */
	u64 tick;		/* ... at this ts_tick() */
	struct ptp_clock_info info;
	struct ptp_clock *ptp;
};

/* Now, in 100 ns ticks of the clock samples are extrapolated with. */
static u64 ts_tick(struct hvu_ts *st)
{
	u64 ref;

	if (st->use_ref && hvg_ref_counter(&ref))
		return ref;
	return div_u64(ktime_get_raw_ns(), 100);
}

/*
 * The host's time now (ns since 1970) from the latest sample. -EAGAIN
 * before the first sample, -ESTALE when the last one is older than
 * TS_STALE_100NS (*ns is still filled in).
 */
static int ts_host_now(struct hvu_ts *st, u64 *ns)
{
	unsigned long flags;
	u64 since, host;
	int ret = 0;

	spin_lock_irqsave(&st->lock, flags);
	if (!st->have) {
		spin_unlock_irqrestore(&st->lock, flags);
		return -EAGAIN;
	}
	since = ts_tick(st) - st->tick;
	host = st->host_100ns + since;
	spin_unlock_irqrestore(&st->lock, flags);
	if (since > TS_STALE_100NS) {
		dev_warn_ratelimited(&st->ud->hdev->dev, "time sync: no sample from the host for %llu s: stale\n",
				     div_u64(since, 10 * 1000 * 1000));
		ret = -ESTALE;
	}
	*ns = (host - HV_WLTIMEDELTA) * 100;
	return ret;
}

static int ts_ptp_gettime(struct ptp_clock_info *info, struct timespec64 *ts)
{
	struct hvu_ts *st = container_of(info, struct hvu_ts, info);
	u64 ns;
	int ret;

	ret = ts_host_now(st, &ns);
	if (ret)
		return ret;
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

	if (ts_host_now(st, &ns))
		return;
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

/* Is the guest's clock TS_IMPLICIT_NS or more behind @host_ns? */
static bool ts_guest_behind(u64 host_ns)
{
	return host_ns >= ktime_get_real_ns() + TS_IMPLICIT_NS;
}

static int ts_handle(struct hvu_dev *ud, struct hvu_msg *m, u32 *status)
{
	struct hvu_ts *st = ud->priv;
	u64 parent, now, stamp = 0;
	bool stamped = false;
	unsigned long flags;
	u8 tflags;

	*status = HV_IC_E_FAIL;
	if (ud->srv_version >= HV_IC_VERSION(4, 0)) {
		struct hv_ic_timesync_ref *t = m->body;

		if (m->body_len < sizeof(*t))
			return 0;
		parent = t->parenttime;
		stamp = t->vmreferencetime;
		stamped = st->use_ref;
		tflags = t->flags;
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

	spin_lock_irqsave(&st->lock, flags);
	now = ts_tick(st);
	/*
	 * A version 4 sample says when (on the reference counter) the host
	 * took it: it is valid at that tick, however long it took to arrive
	 * (upstream adds the age unconditionally). A stamp from the future
	 * cannot be aged: the sample is dropped rather than trusted.
	 */
	if (stamped && stamp > now) {
		spin_unlock_irqrestore(&st->lock, flags);
		dev_warn_ratelimited(&ud->hdev->dev, "time sync: sample stamped %llu ticks ahead of the reference counter: dropped\n",
				     stamp - now);
		return 0;
	}
	st->host_100ns = parent;
	st->tick = stamped ? stamp : now;
	st->have = true;
	spin_unlock_irqrestore(&st->lock, flags);

	if (tflags & HV_TIMESYNC_SYNC) {
		ts_sync(st);
	} else if (READ_ONCE(timesync_implicit) &&
		   !ts_host_now(st, &now) && ts_guest_behind(now)) {
		dev_info(&ud->hdev->dev, "time sync: the guest is behind the host's sample: syncing (timesync_implicit)\n");
		ts_sync(st);
	}
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
	st->use_ref = hvg_ref_counter(&ref);
	if (!st->use_ref)
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
