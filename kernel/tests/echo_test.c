// SPDX-License-Identifier: GPL-2.0
/*
 * hv_echo_test: drives hv_sim's echo device to test the ring machinery
 * without netvsc or storvsc (test only, never packaged).
 *
 * For each echo device it binds to, /sys/kernel/debug/hv_echo_test/<dev>/
 * has:
 *   run     write "COUNT SIZE WINDOW": send COUNT packets of SIZE payload
 *           bytes (8..16384; 0: sizes varying from 8 to 4000) keeping up to WINDOW
 *           in flight, check every reply's content, block until done
 *   result  the last run: "ok|fail sent=.. received=.. errors=..
 *           ns=.. signals=.. interrupts=.. full=.. err=<errno>"
 *   subchannels  write "N COUNT": ask the host for N sub-channels (a
 *           control request completed by transaction id), open them as
 *           they are offered, and run COUNT round trips over each
 *   close_race  write "N": N times, close and reopen the channel while
 *           another thread sends on it without pause (the sender must get
 *           errors once it is closed, never touch the unmapped rings);
 *           result: "ok rounds=.. sent=.. refused=.."
 * The channel's ring size is the ring_kb module parameter.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/slab.h>
#include <linux/ktime.h>
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/wait.h>
#include <linux/uaccess.h>
#include <hv/classes.h>
#include <hvg/vmbus.h>
#include "../vmbus/vmbus.h"

static unsigned int ring_kb = 64;
module_param(ring_kb, uint, 0444);
MODULE_PARM_DESC(ring_kb, "Size of each ring in KiB (multiple of 4, >= 8)");

static bool low_latency;
module_param(low_latency, bool, 0644);
MODULE_PARM_DESC(low_latency,
		 "Signal the host directly even on a monitored channel (read at each run)");

#define ECHO_MAX_PAYLOAD	16384	/* fixed-size runs, for the benchmark */
#define ECHO_VARIED_MAX		4000	/* size 0: varied sizes up to this */
#define ECHO_RXBUF		(ECHO_MAX_PAYLOAD + PAGE_SIZE)

/* Control request understood by hv_sim's echo host (sim/echo.c). */
#define ECHO_CTRL_SUBCHANNELS	0x43425553	/* "SUBC" */
#define ECHO_MAX_SUBCHANNELS	8

struct echo_ctrl {
	u32 magic;
	u32 count;
};

/* One channel's state: the primary's or a sub-channel's. */
struct echo_chan {
	struct hvg_channel *ch;
	wait_queue_head_t wait;
	u8 *rxbuf;
	/* the current run */
	atomic64_t received;
	atomic64_t errors;
	u64 count;
	u32 size;
};

struct echo_dev {
	struct hvg_device *hdev;
	struct echo_chan primary;
	struct echo_chan subs[ECHO_MAX_SUBCHANNELS];
	atomic_t nsubs;			/* sub-channels opened */
	wait_queue_head_t sub_wait;
	struct dentry *dir;
	struct mutex run_lock;		/* one run at a time; vs. remove */
	char result[1024];	/* a line per channel */
};

static struct dentry *echo_root;

static u32 echo_size(u32 size, u64 seq)
{
	return size ? size : 8 + (u32)((seq * 2654435761ULL) % (ECHO_VARIED_MAX - 7));
}

static void echo_fill(u8 *buf, u32 len, u64 seq)
{
	u32 i;

	memcpy(buf, &seq, sizeof(seq));
	for (i = sizeof(seq); i < len; i++)
		buf[i] = (u8)(seq * 31 + i);
}

static bool echo_check(struct echo_chan *ed, const u8 *pkt, int len)
{
	const struct hv_pkt_desc *desc = (const void *)pkt;
	u32 off = desc->offset8 * 8, plen;
	const u8 *payload = pkt + off;
	u64 seq;
	u32 i;

	if (len < (int)(off + sizeof(seq)))
		return false;
	memcpy(&seq, payload, sizeof(seq));
	if (seq != desc->trans_id || seq >= ed->count)
		return false;
	plen = echo_size(ed->size, seq);
	/* The payload is padded to 8 bytes in the ring. */
	if (len - off != ALIGN(plen, 8))
		return false;
	for (i = sizeof(seq); i < plen; i++)
		if (payload[i] != (u8)(seq * 31 + i))
			return false;
	return true;
}

static void echo_callback(void *ctx)
{
	struct echo_chan *ed = ctx;
	const struct hv_pkt_desc *desc = (const void *)ed->rxbuf;
	struct completion *done;
	int len;

	while ((len = hvg_channel_recv(ed->ch, ed->rxbuf, ECHO_RXBUF,
				       NULL)) > 0) {
		if (desc->type == HV_PKT_COMP) {
			/* A control request's answer, matched by its id. */
			done = hvg_channel_complete(ed->ch, desc->trans_id);
			if (done)
				complete(done);
			else
				atomic64_inc(&ed->errors);
			continue;
		}
		if (!echo_check(ed, ed->rxbuf, len))
			atomic64_inc(&ed->errors);
		atomic64_inc(&ed->received);
	}
	if (len == -EIO)
		atomic64_inc(&ed->errors);
	wake_up(&ed->wait);
}

static int echo_run(struct echo_chan *ed, u64 count, u32 size, u32 window,
		    char *result, size_t result_len)
{
	struct hvg_channel *ch = ed->ch;
	u64 sent = 0, signals0 = atomic64_read(&ch->events);
	u64 intr0 = atomic64_read(&ch->interrupts);
	u64 full0 = ch->out.full_events;
	u8 *buf;
	ktime_t start;
	s64 ns;
	int ret = 0;

	if (size > ECHO_MAX_PAYLOAD || (size && size < 8) || !window || !count)
		return -EINVAL;
	hvg_channel_set_low_latency(ch, READ_ONCE(low_latency));
	buf = kmalloc(ECHO_MAX_PAYLOAD, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ed->count = count;
	ed->size = size;
	atomic64_set(&ed->received, 0);
	atomic64_set(&ed->errors, 0);
	start = ktime_get();
	while (sent < count && !ret) {
		u32 len = echo_size(size, sent);

		/* Keep at most @window packets in flight. */
		if (!wait_event_timeout(ed->wait,
					sent - atomic64_read(&ed->received) < window ||
					hvg_channel_rescinded(ch), 10 * HZ)) {
			ret = -ETIMEDOUT;
			break;
		}
		if (hvg_channel_rescinded(ch)) {
			ret = -ENODEV;
			break;
		}
		echo_fill(buf, len, sent);
		ret = hvg_channel_send(ch, buf, len, sent, HV_PKT_DATA_INBAND, 0);
		if (ret == -EAGAIN) {
			/* Ring full: wait for replies to drain it. */
			ret = 0;
			wait_event_timeout(ed->wait,
					   atomic64_read(&ed->received) > sent - window ||
					   hvg_channel_rescinded(ch), HZ / 100);
			continue;
		}
		if (!ret)
			sent++;
	}
	if (!ret && !wait_event_timeout(ed->wait,
					atomic64_read(&ed->received) >= sent ||
					hvg_channel_rescinded(ch), 30 * HZ))
		ret = -ETIMEDOUT;
	if (!ret && hvg_channel_rescinded(ch))
		ret = -ENODEV;
	ns = ktime_to_ns(ktime_sub(ktime_get(), start));
	snprintf(result, result_len,
		 "%s sent=%llu received=%lld errors=%lld ns=%lld signals=%llu interrupts=%llu full=%llu err=%d\n",
		 !ret && !atomic64_read(&ed->errors) &&
		 atomic64_read(&ed->received) == count ? "ok" : "fail",
		 sent, atomic64_read(&ed->received), atomic64_read(&ed->errors),
		 ns, atomic64_read(&ch->events) - signals0,
		 atomic64_read(&ch->interrupts) - intr0,
		 ch->out.full_events - full0, ret);
	kfree(buf);
	return ret;
}

/* Copy a short command written to a debugfs file, NUL-terminated. */
static int echo_read_cmd(const char __user *ubuf, size_t len, char *cmd,
			 size_t size)
{
	if (len >= size)
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = 0;
	return 0;
}

static ssize_t echo_run_write(struct file *f, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	struct echo_dev *ed = file_inode(f)->i_private;
	char cmd[64];
	unsigned long long count;
	unsigned int size, window;
	int ret;

	ret = echo_read_cmd(ubuf, len, cmd, sizeof(cmd));
	if (ret)
		return ret;
	if (sscanf(cmd, "%llu %u %u", &count, &size, &window) != 3)
		return -EINVAL;
	mutex_lock(&ed->run_lock);
	ret = echo_run(&ed->primary, count, size, window, ed->result,
		       sizeof(ed->result));
	mutex_unlock(&ed->run_lock);
	return ret ? ret : len;
}

static const struct file_operations echo_run_fops = {
	.owner = THIS_MODULE,
	.write = echo_run_write,
};

static int echo_result_show(struct seq_file *s, void *unused)
{
	struct echo_dev *ed = s->private;

	mutex_lock(&ed->run_lock);
	seq_puts(s, ed->result[0] ? ed->result : "none\n");
	mutex_unlock(&ed->run_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(echo_result);

static int echo_chan_open(struct echo_chan *ec, struct hvg_channel *ch);
static void echo_chan_close(struct echo_chan *ec);

struct echo_race {
	struct hvg_channel *ch;
	u64 sent;
	u64 refused;
};

/* Sends without pause until stopped, open channel or not. */
static int echo_race_sender(void *data)
{
	struct echo_race *r = data;
	u8 pkt[64];

	memset(pkt, 0x5a, sizeof(pkt));
	while (!kthread_should_stop()) {
		if (hvg_channel_send(r->ch, pkt, sizeof(pkt), 0,
				     HV_PKT_DATA_INBAND, 0))
			r->refused++;
		else
			r->sent++;
		cond_resched();
	}
	return 0;
}

static int echo_close_race(struct echo_dev *ed, unsigned int rounds)
{
	struct echo_race r = { .ch = ed->primary.ch };
	struct task_struct *t;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < rounds && !ret; i++) {
		t = kthread_run(echo_race_sender, &r, "echo_race");
		if (IS_ERR(t))
			return PTR_ERR(t);
		/* Let it send a little, then close under it. */
		usleep_range(1000, 3000);
		echo_chan_close(&ed->primary);
		usleep_range(1000, 3000);
		kthread_stop(t);
		ret = echo_chan_open(&ed->primary, r.ch);
	}
	scnprintf(ed->result, sizeof(ed->result),
		  "%s rounds=%u sent=%llu refused=%llu err=%d\n",
		  ret ? "fail" : "ok", i, r.sent, r.refused, ret);
	return ret;
}

static ssize_t echo_race_write(struct file *f, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	struct echo_dev *ed = file_inode(f)->i_private;
	unsigned int rounds;
	char cmd[32];
	int ret;

	ret = echo_read_cmd(ubuf, len, cmd, sizeof(cmd));
	if (ret)
		return ret;
	if (kstrtouint(strim(cmd), 10, &rounds) || !rounds)
		return -EINVAL;
	mutex_lock(&ed->run_lock);
	ret = echo_close_race(ed, rounds);
	mutex_unlock(&ed->run_lock);
	return ret ? ret : len;
}

static const struct file_operations echo_race_fops = {
	.owner = THIS_MODULE,
	.write = echo_race_write,
};

static int echo_chan_open(struct echo_chan *ec, struct hvg_channel *ch)
{
	u32 ring = ring_kb * 1024;
	int ret;

	ec->ch = ch;
	init_waitqueue_head(&ec->wait);
	ec->rxbuf = kmalloc(ECHO_RXBUF, GFP_KERNEL);
	if (!ec->rxbuf)
		return -ENOMEM;
	ret = hvg_channel_open(ch, ring, ring, NULL, 0, echo_callback, ec);
	if (ret) {
		kfree(ec->rxbuf);
		ec->rxbuf = NULL;
	}
	return ret;
}

static void echo_chan_close(struct echo_chan *ec)
{
	hvg_channel_close(ec->ch);
	kfree(ec->rxbuf);
	ec->rxbuf = NULL;
}

/* hv_vmbus tells us of a sub-channel the host offered: open it. */
static void echo_subchannel(struct hvg_channel *primary, struct hvg_channel *sc)
{
	struct echo_dev *ed = dev_get_drvdata(&primary->device->dev);
	int n;

	if (!ed)
		return;
	n = atomic_read(&ed->nsubs);
	if (n >= ECHO_MAX_SUBCHANNELS || echo_chan_open(&ed->subs[n], sc)) {
		pr_err("cannot open sub-channel %u\n", hvg_channel_relid(sc));
		return;
	}
	atomic_inc(&ed->nsubs);
	wake_up(&ed->sub_wait);
}

/*
 * Ask the host for @want sub-channels, wait until they are open, and run
 * @count round trips over each. The result line lists every channel.
 */
static int echo_subchannels(struct echo_dev *ed, u32 want, u64 count)
{
	struct echo_ctrl ctrl = { ECHO_CTRL_SUBCHANNELS, want };
	DECLARE_COMPLETION_ONSTACK(done);
	char line[160];
	int i, ret, n = 0;

	if (!want || want > ECHO_MAX_SUBCHANNELS || atomic_read(&ed->nsubs))
		return -EINVAL;
	ret = hvg_channel_send_request(ed->primary.ch, &ctrl, sizeof(ctrl),
				       &done);
	if (ret)
		return ret;
	if (!wait_for_completion_timeout(&done, 10 * HZ))
		return -ETIMEDOUT;
	if (!wait_event_timeout(ed->sub_wait, atomic_read(&ed->nsubs) >= want,
				10 * HZ))
		return -ETIMEDOUT;
	ed->result[0] = 0;
	for (i = 0; i < want; i++) {
		ret = echo_run(&ed->subs[i], count, 0, 8, line, sizeof(line));
		n += scnprintf(ed->result + n, sizeof(ed->result) - n,
			       "sub %u relid %u: %s",
			       hvg_channel_sub_index(ed->subs[i].ch),
			       hvg_channel_relid(ed->subs[i].ch), line);
		if (ret)
			return ret;
	}
	return 0;
}

static ssize_t echo_sub_write(struct file *f, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	struct echo_dev *ed = file_inode(f)->i_private;
	unsigned int want, count;
	char cmd[32];
	int ret;

	ret = echo_read_cmd(ubuf, len, cmd, sizeof(cmd));
	if (ret)
		return ret;
	if (sscanf(cmd, "%u %u", &want, &count) != 2)
		return -EINVAL;
	mutex_lock(&ed->run_lock);
	ret = echo_subchannels(ed, want, count);
	mutex_unlock(&ed->run_lock);
	return ret ? ret : len;
}

static const struct file_operations echo_sub_fops = {
	.owner = THIS_MODULE,
	.write = echo_sub_write,
};

static int echo_probe(struct hvg_device *hdev,
		      const struct hv_vmbus_device_id *id)
{
	struct echo_dev *ed;
		int ret;

	ed = kzalloc(sizeof(*ed), GFP_KERNEL);
	if (!ed)
		return -ENOMEM;
	ed->hdev = hdev;
	mutex_init(&ed->run_lock);
	init_waitqueue_head(&ed->sub_wait);
	ret = echo_chan_open(&ed->primary, hdev->channel);
	if (ret) {
		dev_err(&hdev->dev, "cannot open the echo channel: %d\n", ret);
		kfree(ed);
		return ret;
	}
	dev_set_drvdata(&hdev->dev, ed);
	hvg_channel_set_subchannel_cb(hdev->channel, echo_subchannel);
	ed->dir = debugfs_create_dir(dev_name(&hdev->dev), echo_root);
	debugfs_create_file("run", 0200, ed->dir, ed, &echo_run_fops);
	debugfs_create_file("subchannels", 0200, ed->dir, ed,
			    &echo_sub_fops);
	debugfs_create_file("result", 0444, ed->dir, ed, &echo_result_fops);
	debugfs_create_file("close_race", 0200, ed->dir, ed, &echo_race_fops);
	dev_info(&hdev->dev, "echo channel %u open, rings of %u KiB\n",
		 hvg_channel_relid(hdev->channel), ring_kb);
	return 0;
}

static void echo_remove(struct hvg_device *hdev)
{
	struct echo_dev *ed = dev_get_drvdata(&hdev->dev);

	int i;

	/* Wake a run blocked on a rescinded channel before waiting for it. */
	wake_up(&ed->primary.wait);
	for (i = 0; i < atomic_read(&ed->nsubs); i++)
		wake_up(&ed->subs[i].wait);
	wake_up(&ed->sub_wait);
	debugfs_remove_recursive(ed->dir);
	/* No new sub-channel calls after this returns. */
	hvg_channel_set_subchannel_cb(hdev->channel, NULL);
	mutex_lock(&ed->run_lock);
	for (i = 0; i < atomic_read(&ed->nsubs); i++)
		echo_chan_close(&ed->subs[i]);
	echo_chan_close(&ed->primary);
	mutex_unlock(&ed->run_lock);
	kfree(ed);
}

/*
 * The machine is going down (reboot, kexec): the bus must still carry
 * traffic here, as a disk's cache flush needs it. One short run, logged
 * for vmbus-kexec to find.
 */
static void echo_shutdown(struct hvg_device *hdev)
{
	struct echo_dev *ed = dev_get_drvdata(&hdev->dev);
	char result[192];

	mutex_lock(&ed->run_lock);
	echo_run(&ed->primary, 16, 64, 4, result, sizeof(result));
	mutex_unlock(&ed->run_lock);
	dev_info(&hdev->dev, "shutdown: %s", result);
}

static const struct hv_vmbus_device_id echo_ids[] = {
	{ .guid = HV_CLASS_ECHO },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, echo_ids);

static struct hvg_driver echo_driver = {
	.name = "hv_echo_test",
	.id_table = echo_ids,
	.probe = echo_probe,
	.remove = echo_remove,
	.shutdown = echo_shutdown,
};

static int __init echo_init(void)
{
	int ret;

	if (ring_kb < 8 || ring_kb % 4)
		return -EINVAL;
	echo_root = debugfs_create_dir("hv_echo_test", NULL);
	ret = hvg_driver_register(&echo_driver);
	if (ret)
		debugfs_remove_recursive(echo_root);
	return ret;
}

static void __exit echo_exit(void)
{
	hvg_driver_unregister(&echo_driver);
	debugfs_remove_recursive(echo_root);
}

module_init(echo_init);
module_exit(echo_exit);

MODULE_DESCRIPTION("Echo-device test driver for hyperv-guest's VMBus");
MODULE_LICENSE("GPL");
