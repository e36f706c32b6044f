// SPDX-License-Identifier: GPL-2.0
/*
 * hv_sim's control panel, /sys/kernel/debug/hv_sim/:
 *   offer        write a device type name ("echo", "nic", ...): offer one
 *   rescind      write a relid: rescind that channel (a primary's
 *                sub-channels first, as Hyper-V does)
 *   rescind_alone  write a relid: rescind that channel only, a primary
 *                before its sub-channels (their rescinds come when
 *                written here): the order the guest must also survive
 *   offer_duplicate  write a relid: offer its device again on a new relid
 *                (a host bug the guest must refuse)
 *   violations   guest protocol errors seen (tests expect 0)
 *   version      the protocol version agreed (major << 16 | minor)
 *   messages_in, messages_out   channel messages each way
 *   monitor_scans  monitor page scans so far (monitor.c)
 *   unload_delay_ms  answer UNLOAD this many ms late (0: at once)
 *   teardown_delay_ms  answer GPADL_TEARDOWN this many ms late
 *   open_delay_ms  take OPENCHANNEL (and what follows it) this many ms late
 *   busy_every, busy_burst  a busy host: after every busy_every posts
 *                it takes, it refuses the next busy_burst with
 *                HV_STATUS_INSUFFICIENT_BUFFERS (0: never)
 *   busy_refusals  posts refused so
 *   unknown_conn_posts  posts refused with HV_STATUS_INVALID_CONNECTION_ID
 *                (a guest probing an old host for 5.x makes one)
 *   channels/<relid>/  type, signals (guest to host by hypercall),
 *                monitor_signals (guest to host by monitor bit, as counted
 *                by the scans), monitor_id (-1 if none), interrupts (host
 *                to guest), bytes_in, bytes_out, packets_in, packets_out,
 *                cpu
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/uaccess.h>
#include "sim.h"

static struct dentry *sim_chan_dir;

static ssize_t sim_offer_write(struct file *f, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	const struct sim_device_type *type;
	char name[32];
	int ret;

	if (len >= sizeof(name))
		return -EINVAL;
	if (copy_from_user(name, ubuf, len))
		return -EFAULT;
	name[len] = 0;
	strim(name);
	type = sim_type_by_name(strim(name));
	if (!type)
		return -EINVAL;
	ret = sim_offer(type, 0, NULL);
	return ret < 0 ? ret : len;
}

static const struct file_operations sim_offer_fops = {
	.owner = THIS_MODULE,
	.write = sim_offer_write,
};

/* A control file that takes a relid: rescind, rescind_alone, offer_duplicate. */
struct sim_relid_cmd {
	int (*fn)(u32 relid);
};

static const struct sim_relid_cmd sim_rescind_cmd = { sim_rescind };
static const struct sim_relid_cmd sim_rescind_alone_cmd = { sim_rescind_alone };
static const struct sim_relid_cmd sim_offer_duplicate_cmd = { sim_offer_duplicate };

static ssize_t sim_relid_cmd_write(struct file *f, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	const struct sim_relid_cmd *cmd = f->private_data;
	u32 relid;
	int ret;

	ret = kstrtou32_from_user(ubuf, len, 0, &relid);
	if (ret)
		return ret;
	ret = cmd->fn(relid);
	return ret < 0 ? ret : len;
}

static const struct file_operations sim_relid_cmd_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = sim_relid_cmd_write,
};

static int sim_type_show(struct seq_file *s, void *unused)
{
	struct sim_channel *ch = s->private;

	seq_printf(s, "%s\n", ch->type->name);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sim_type);

static int sim_u64_atomic_get(void *data, u64 *val)
{
	*val = atomic64_read(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(sim_atomic_fops, sim_u64_atomic_get, NULL, "%llu\n");

static int sim_s32_get(void *data, u64 *val)
{
	*val = (s64)*(s32 *)data;
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(sim_s32_fops, sim_s32_get, NULL, "%lld\n");

void sim_debugfs_channel(struct sim_channel *ch)
{
	char name[16];

	snprintf(name, sizeof(name), "%u", ch->relid);
	ch->dir = debugfs_create_dir(name, sim_chan_dir);
	debugfs_create_file("type", 0444, ch->dir, ch, &sim_type_fops);
	debugfs_create_file("signals", 0444, ch->dir, &ch->signals,
			    &sim_atomic_fops);
	debugfs_create_file("monitor_signals", 0444, ch->dir,
			    &ch->monitor_signals, &sim_atomic_fops);
	debugfs_create_file("monitor_id", 0444, ch->dir, &ch->monitor_id,
			    &sim_s32_fops);
	debugfs_create_file("interrupts", 0444, ch->dir, &ch->interrupts,
			    &sim_atomic_fops);
	debugfs_create_u64("bytes_in", 0444, ch->dir, &ch->bytes_in);
	debugfs_create_u64("bytes_out", 0444, ch->dir, &ch->bytes_out);
	debugfs_create_u64("packets_in", 0444, ch->dir, &ch->packets_in);
	debugfs_create_u64("packets_out", 0444, ch->dir, &ch->packets_out);
	debugfs_create_u32("cpu", 0444, ch->dir, &ch->target_cpu);
}

void sim_debugfs_init(void)
{
	sim.debugfs = debugfs_create_dir("hv_sim", NULL);
	sim_chan_dir = debugfs_create_dir("channels", sim.debugfs);
	debugfs_create_file("offer", 0200, sim.debugfs, NULL, &sim_offer_fops);
	debugfs_create_file("offer_duplicate", 0200, sim.debugfs,
			    (void *)&sim_offer_duplicate_cmd, &sim_relid_cmd_fops);
	debugfs_create_file("rescind", 0200, sim.debugfs,
			    (void *)&sim_rescind_cmd, &sim_relid_cmd_fops);
	debugfs_create_file("rescind_alone", 0200, sim.debugfs,
			    (void *)&sim_rescind_alone_cmd, &sim_relid_cmd_fops);
	debugfs_create_u64("violations", 0444, sim.debugfs, &sim.violations);
	debugfs_create_u32("version", 0444, sim.debugfs, &sim.version);
	debugfs_create_file("messages_in", 0444, sim.debugfs, &sim.msgs_in,
			    &sim_atomic_fops);
	debugfs_create_file("messages_out", 0444, sim.debugfs, &sim.msgs_out,
			    &sim_atomic_fops);
	debugfs_create_file("monitor_scans", 0444, sim.debugfs,
			    &sim.monitor_scans, &sim_atomic_fops);
	debugfs_create_file("unknown_conn_posts", 0444, sim.debugfs,
			    &sim.unknown_conn_posts, &sim_atomic_fops);
	debugfs_create_u32("busy_every", 0644, sim.debugfs, &sim.busy_every);
	debugfs_create_u32("busy_burst", 0644, sim.debugfs, &sim.busy_burst);
	debugfs_create_file("busy_refusals", 0444, sim.debugfs,
			    &sim.busy_refusals, &sim_atomic_fops);
	debugfs_create_u32("unload_delay_ms", 0644, sim.debugfs,
			   &sim.unload_delay_ms);
	debugfs_create_u32("teardown_delay_ms", 0644, sim.debugfs,
			   &sim.teardown_delay_ms);
	debugfs_create_u32("open_delay_ms", 0644, sim.debugfs,
			   &sim.open_delay_ms);
}

void sim_debugfs_exit(void)
{
	debugfs_remove_recursive(sim.debugfs);
}
