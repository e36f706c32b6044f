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
 * The channel's ring size is the ring_kb module parameter.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/slab.h>
#include <linux/ktime.h>
#include <linux/wait.h>
#include <linux/uaccess.h>
#include <hv/classes.h>
#include <hvg/vmbus.h>
#include "../vmbus/vmbus.h"

static unsigned int ring_kb = 64;
module_param(ring_kb, uint, 0444);
MODULE_PARM_DESC(ring_kb, "Size of each ring in KiB (multiple of 4, >= 8)");

#define ECHO_MAX_PAYLOAD	16384	/* fixed-size runs, for the benchmark */
#define ECHO_VARIED_MAX		4000	/* size 0: varied sizes up to this */
#define ECHO_RXBUF		(ECHO_MAX_PAYLOAD + PAGE_SIZE)

struct echo_dev {
	struct hvg_device *hdev;
	struct hvg_channel *ch;
	struct dentry *dir;
	struct mutex run_lock;		/* one run at a time; vs. remove */
	wait_queue_head_t wait;
	u8 *rxbuf;
	/* the current run */
	atomic64_t received;
	atomic64_t errors;
	u64 count;
	u32 size;
	char result[256];
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

static bool echo_check(struct echo_dev *ed, const u8 *pkt, int len)
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
	struct echo_dev *ed = ctx;
	int len;

	while ((len = hvg_channel_recv(ed->ch, ed->rxbuf, ECHO_RXBUF,
				       NULL)) > 0) {
		if (!echo_check(ed, ed->rxbuf, len))
			atomic64_inc(&ed->errors);
		atomic64_inc(&ed->received);
	}
	if (len == -EIO)
		atomic64_inc(&ed->errors);
	wake_up(&ed->wait);
}

static int echo_run(struct echo_dev *ed, u64 count, u32 size, u32 window)
{
	struct hvg_channel *ch = ed->ch;
	u64 sent = 0, signals0 = ch->events, intr0 = ch->interrupts;
	u64 full0 = ch->out.full_events;
	u8 *buf;
	ktime_t start;
	s64 ns;
	int ret = 0;

	if (size > ECHO_MAX_PAYLOAD || (size && size < 8) || !window || !count)
		return -EINVAL;
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
	snprintf(ed->result, sizeof(ed->result),
		 "%s sent=%llu received=%lld errors=%lld ns=%lld signals=%llu interrupts=%llu full=%llu err=%d\n",
		 !ret && !atomic64_read(&ed->errors) &&
		 atomic64_read(&ed->received) == count ? "ok" : "fail",
		 sent, atomic64_read(&ed->received), atomic64_read(&ed->errors),
		 ns, ch->events - signals0, ch->interrupts - intr0,
		 ch->out.full_events - full0, ret);
	kfree(buf);
	return ret;
}

static ssize_t echo_run_write(struct file *f, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	struct echo_dev *ed = file_inode(f)->i_private;
	char cmd[64];
	unsigned long long count;
	unsigned int size, window;
	int ret;

	if (len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = 0;
	if (sscanf(cmd, "%llu %u %u", &count, &size, &window) != 3)
		return -EINVAL;
	mutex_lock(&ed->run_lock);
	ret = echo_run(ed, count, size, window);
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

static int echo_probe(struct hvg_device *hdev,
		      const struct hv_vmbus_device_id *id)
{
	struct echo_dev *ed;
	u32 ring = ring_kb * 1024;
	int ret;

	ed = kzalloc(sizeof(*ed), GFP_KERNEL);
	if (!ed)
		return -ENOMEM;
	ed->rxbuf = kmalloc(ECHO_RXBUF, GFP_KERNEL);
	if (!ed->rxbuf) {
		kfree(ed);
		return -ENOMEM;
	}
	ed->hdev = hdev;
	ed->ch = hdev->channel;
	mutex_init(&ed->run_lock);
	init_waitqueue_head(&ed->wait);
	ret = hvg_channel_open(ed->ch, ring, ring, NULL, 0, echo_callback, ed);
	if (ret) {
		dev_err(&hdev->dev, "cannot open the echo channel: %d\n", ret);
		kfree(ed->rxbuf);
		kfree(ed);
		return ret;
	}
	dev_set_drvdata(&hdev->dev, ed);
	ed->dir = debugfs_create_dir(dev_name(&hdev->dev), echo_root);
	debugfs_create_file("run", 0200, ed->dir, ed, &echo_run_fops);
	debugfs_create_file("result", 0444, ed->dir, ed, &echo_result_fops);
	dev_info(&hdev->dev, "echo channel %u open, rings of %u KiB\n",
		 hvg_channel_relid(ed->ch), ring_kb);
	return 0;
}

static void echo_remove(struct hvg_device *hdev)
{
	struct echo_dev *ed = dev_get_drvdata(&hdev->dev);

	/* Wake a run blocked on a rescinded channel before waiting for it. */
	wake_up(&ed->wait);
	debugfs_remove_recursive(ed->dir);
	mutex_lock(&ed->run_lock);
	hvg_channel_close(ed->ch);
	mutex_unlock(&ed->run_lock);
	kfree(ed->rxbuf);
	kfree(ed);
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
