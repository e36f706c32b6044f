// SPDX-License-Identifier: GPL-2.0
/*
 * Host ends of the shutdown, time sync and heartbeat services.
 *
 * hv_sim/ic/shutdown/request   write "poweroff|reboot|hibernate [force]
 *                              [TIMEOUT_S]" or raw flags "N [TIMEOUT_S]";
 *                              returns when the guest has answered
 * hv_sim/ic/shutdown/reply     "status=0x..." of the last answer
 * hv_sim/ic/timesync/request   write "sync [OFFSET_S [AGE_S]]" or
 *                              "sample [OFFSET_S [AGE_S]]": the host's time
 *                              (plus the offset) with that flag, taken
 *                              AGE_S seconds ago (version 4 says when, on
 *                              the reference counter)
 * hv_sim/ic/timesync/host_time the host's clock, ns since 1970
 * hv_sim/ic/timesync/reply     "status=0x..."
 * hv_sim/ic/timesync/ref_warp_s  write N: the reference counter jumps N s
 *                              ahead (the host's clock does not)
 * hv_sim/ic/heartbeat/period_ms  how often the host sends a heartbeat (0:
 *                              never; default 1000)
 * hv_sim/ic/heartbeat/short    1: send the short heartbeat (header and
 *                              sequence number only, which upstream's
 *                              comment says hosts may send); 0: all 40
 *                              bytes
 * hv_sim/ic/heartbeat/seq      the last sequence number the guest returned
 * hv_sim/ic/heartbeat/beats, missed   answered and unanswered heartbeats
 *
 * The host's clock is the wall clock when hv_sim loaded, advanced by the
 * raw monotonic clock: neither setting the guest's clock nor adjusting its
 * frequency moves it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <hv/ic.h>
#include "sim.h"

#define SIM_SD_TIMEOUT_MS	(100 * 1000)
#define SIM_TS_TIMEOUT_MS	(10 * 1000)
#define SIM_HB_TIMEOUT_MS	(5 * 1000)

static DEFINE_MUTEX(sim_util_lock);	/* the reply strings */
static u32 sim_sd_status;
static u32 sim_ts_status;
static u64 sim_real_at_load, sim_raw_at_load;
static u32 hb_period_ms = 1000;
static u64 hb_seq, hb_beats, hb_missed;
static bool hb_short;
static struct delayed_work hb_work;

static u64 sim_host_time_ns(void)
{
	return sim_real_at_load + (ktime_get_raw_ns() - sim_raw_at_load);
}

/* Read one line of at most @size - 1 bytes from userspace. */
static int sim_read_line(char *buf, size_t size, const char __user *ubuf,
			 size_t len)
{
	if (!len || len >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	strim(buf);
	return 0;
}

static ssize_t sim_sd_request_write(struct file *f, const char __user *ubuf,
				    size_t len, loff_t *ppos)
{
	struct hv_ic_shutdown *req;
	struct sim_ic_reply *r;
	char line[64], *cur, *tok;
	u32 flags = 0, timeout = 60, n;
	bool have_flags = false;
	int ret;

	ret = sim_read_line(line, sizeof(line), ubuf, len);
	if (ret)
		return ret;
	cur = line;
	while ((tok = strsep(&cur, " \t")) != NULL) {
		if (!*tok)
			continue;
		if (!strcmp(tok, "poweroff")) {
			have_flags = true;
		} else if (!strcmp(tok, "reboot")) {
			flags |= HV_SHUTDOWN_FLAG_REBOOT;
			have_flags = true;
		} else if (!strcmp(tok, "hibernate")) {
			flags |= HV_SHUTDOWN_FLAG_HIBERNATE;
			have_flags = true;
		} else if (!strcmp(tok, "force")) {
			flags |= HV_SHUTDOWN_FLAG_FORCE;
		} else if (!kstrtou32(tok, 0, &n)) {
			if (have_flags) {
				timeout = n;
			} else {
				flags = n;
				have_flags = true;
			}
		} else {
			return -EINVAL;
		}
	}
	if (!have_flags)
		return -EINVAL;
	req = kzalloc(sizeof(*req), GFP_KERNEL);
	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!req || !r) {
		ret = -ENOMEM;
		goto out;
	}
	req->flags = flags;
	req->timeout_seconds = timeout;
	strscpy(req->display_message, "hv_sim: host-initiated",
		sizeof(req->display_message));
	ret = sim_ic_transact("shutdown", HV_ICMSG_SHUTDOWN, req, sizeof(*req),
			      r, SIM_SD_TIMEOUT_MS);
	if (!ret) {
		mutex_lock(&sim_util_lock);
		sim_sd_status = r->status;
		mutex_unlock(&sim_util_lock);
		ret = len;
	}
out:
	kfree(req);
	kfree(r);
	return ret;
}

static const struct file_operations sim_sd_request_fops = {
	.owner = THIS_MODULE,
	.write = sim_sd_request_write,
};

static int sim_status_show(struct seq_file *s, void *unused)
{
	u32 *status = s->private;

	mutex_lock(&sim_util_lock);
	seq_printf(s, "status=0x%08x\n", *status);
	mutex_unlock(&sim_util_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sim_status);

static ssize_t sim_ts_request_write(struct file *f, const char __user *ubuf,
				    size_t len, loff_t *ppos)
{
	struct sim_ic_reply *r;
	char line[64], *cur, *tok;
	u8 flag;
	s64 offset = 0;
	u32 age = 0;
	u64 parent;
	int ret;
	union {
		struct hv_ic_timesync v3;
		struct hv_ic_timesync_ref v4;
	} msg = {};
	u32 msglen;

	ret = sim_read_line(line, sizeof(line), ubuf, len);
	if (ret)
		return ret;
	cur = line;
	tok = strsep(&cur, " \t");
	if (!strcmp(tok, "sync"))
		flag = HV_TIMESYNC_SYNC;
	else if (!strcmp(tok, "sample"))
		flag = HV_TIMESYNC_SAMPLE;
	else
		return -EINVAL;
	tok = strsep(&cur, " \t");
	if (tok && *tok && kstrtos64(tok, 0, &offset))
		return -EINVAL;
	if (cur && *cur && kstrtou32(strim(cur), 0, &age))
		return -EINVAL;
	if (age > 3600)
		return -ERANGE;
	if (offset < -(s64)(100LL * 365 * 86400) ||
	    offset > 100LL * 365 * 86400)
		return -ERANGE;
	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	/* Taken @age seconds ago: the host's time and counter then. */
	parent = div_u64(sim_host_time_ns() + offset * NSEC_PER_SEC -
			 (u64)age * NSEC_PER_SEC, 100) + HV_WLTIMEDELTA;
	if (sim_ic_version("timesync") >= HV_IC_VERSION(4, 0)) {
		msg.v4.parenttime = parent;
		msg.v4.vmreferencetime = sim_ref_counter() -
					 (u64)age * 10 * 1000 * 1000;
		msg.v4.flags = flag;
		msg.v4.stratum = 2;
		msglen = sizeof(msg.v4);
	} else {
		msg.v3.parenttime = parent;
		msg.v3.flags = flag;
		msglen = sizeof(msg.v3);
	}
	ret = sim_ic_transact("timesync", HV_ICMSG_TIMESYNC, &msg, msglen, r,
			      SIM_TS_TIMEOUT_MS);
	if (!ret) {
		mutex_lock(&sim_util_lock);
		sim_ts_status = r->status;
		mutex_unlock(&sim_util_lock);
		ret = len;
	}
	kfree(r);
	return ret;
}

static const struct file_operations sim_ts_request_fops = {
	.owner = THIS_MODULE,
	.write = sim_ts_request_write,
};

static int sim_host_time_get(void *data, u64 *val)
{
	*val = sim_host_time_ns();
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(sim_host_time_fops, sim_host_time_get, NULL, "%llu\n");

static int sim_ref_warp_set(void *data, u64 val)
{
	if (val > 100ULL * 365 * 86400)
		return -ERANGE;
	atomic64_add(val * 10 * 1000 * 1000, &sim_ref_warp);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(sim_ref_warp_fops, NULL, sim_ref_warp_set, "%llu\n");

static void sim_hb_work(struct work_struct *work)
{
	u32 period = READ_ONCE(hb_period_ms);
	struct hv_ic_heartbeat hb = {};
	struct sim_ic_reply *r;
	u32 len;
	u64 seq;
	int ret;

	if (!period) {
		queue_delayed_work(system_long_wq, &hb_work, HZ);
		return;
	}
	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (r && sim_ic_version("heartbeat")) {
		seq = READ_ONCE(hb_seq) + 1;
		hb.seq_num = seq;
		len = READ_ONCE(hb_short) ? sizeof(hb.seq_num) : sizeof(hb);
		ret = sim_ic_transact("heartbeat", HV_ICMSG_HEARTBEAT, &hb,
				      len, r, SIM_HB_TIMEOUT_MS);
		if (!ret && r->status == HV_IC_S_OK &&
		    r->len >= sizeof(hb.seq_num)) {
			memcpy(&hb.seq_num, r->body, sizeof(hb.seq_num));
			if (hb.seq_num != seq + 1)
				sim_violation("heartbeat: sent %llu, answer %llu",
					      seq, hb.seq_num);
			WRITE_ONCE(hb_seq, hb.seq_num);
			hb_beats++;
		} else {
			hb_missed++;
		}
	}
	kfree(r);
	queue_delayed_work(system_long_wq, &hb_work,
			   msecs_to_jiffies(max(period, 10U)));
}

int sim_ic_util_init(struct dentry *shutdown, struct dentry *timesync,
		     struct dentry *heartbeat)
{
	sim_real_at_load = ktime_get_real_ns();
	sim_raw_at_load = ktime_get_raw_ns();
	debugfs_create_file("request", 0200, shutdown, NULL,
			    &sim_sd_request_fops);
	debugfs_create_file("reply", 0444, shutdown, &sim_sd_status,
			    &sim_status_fops);
	debugfs_create_file("request", 0200, timesync, NULL,
			    &sim_ts_request_fops);
	debugfs_create_file("reply", 0444, timesync, &sim_ts_status,
			    &sim_status_fops);
	debugfs_create_file("host_time", 0444, timesync, NULL,
			    &sim_host_time_fops);
	debugfs_create_file("ref_warp_s", 0200, timesync, NULL,
			    &sim_ref_warp_fops);
	debugfs_create_u32("period_ms", 0644, heartbeat, &hb_period_ms);
	debugfs_create_bool("short", 0644, heartbeat, &hb_short);
	debugfs_create_u64("seq", 0444, heartbeat, &hb_seq);
	debugfs_create_u64("beats", 0444, heartbeat, &hb_beats);
	debugfs_create_u64("missed", 0444, heartbeat, &hb_missed);
	INIT_DELAYED_WORK(&hb_work, sim_hb_work);
	queue_delayed_work(system_long_wq, &hb_work, HZ);
	return 0;
}

void sim_ic_util_exit(void)
{
	cancel_delayed_work_sync(&hb_work);
}
