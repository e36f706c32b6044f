// SPDX-License-Identifier: GPL-2.0
/*
 * hv_storvsc: Hyper-V synthetic storage (SCSI, IDE and Fibre Channel
 * controllers) on hyperv-guest's VMBus. This file: module parameters,
 * probe and remove, and the per-host debugfs file.
 *
 * /sys/kernel/debug/hv_storvsc/<host_no>/info shows, one "key: value" a
 * line, the protocol version agreed, the channels asked for and opened,
 * the host's and our transfer limits, the queue sizes and counters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <hv/classes.h>
#include <hvg_version.h>
#include "storvsc.h"

/* Parameters under storvsc_drv.c's names, with its defaults. */
int hvs_ringbuffer_size = 128 * 1024;
module_param_named(storvsc_ringbuffer_size, hvs_ringbuffer_size, int, 0444);
MODULE_PARM_DESC(storvsc_ringbuffer_size,
		 "Ring buffer size (bytes) of each channel, each direction (16 KiB to 1 MiB)");

int hvs_vcpus_per_sub_channel = 4;
module_param_named(storvsc_vcpus_per_sub_channel, hvs_vcpus_per_sub_channel,
		   int, 0444);
MODULE_PARM_DESC(storvsc_vcpus_per_sub_channel,
		 "Online CPUs per channel's worth of queue depth (1 or more; sub-channels are one per CPU)");

unsigned int hvs_max_hw_queues;
module_param_named(storvsc_max_hw_queues, hvs_max_hw_queues, uint, 0644);
MODULE_PARM_DESC(storvsc_max_hw_queues,
		 "Hardware queues of a SCSI or FC controller, at most the present CPUs (0: one per present CPU)");

int hvs_ring_lowater = 10;
module_param_named(ring_avail_percent_lowater, hvs_ring_lowater, int, 0444);
MODULE_PARM_DESC(ring_avail_percent_lowater,
		 "A channel with no more than this percent of its ring free is passed over for another (0 to 99)");

int hvs_logging_level = HVS_LOG_ERROR;
module_param_named(logging_level, hvs_logging_level, int, 0644);
MODULE_PARM_DESC(logging_level,
		 "Failed commands logged: 0 none, 1 errors (default), 2 also warnings and sense");

#define HVS_RING_MIN	(16 * 1024)
#define HVS_RING_MAX	(1024 * 1024)

static struct dentry *hvs_debugfs_root;

static int hvs_info_show(struct seq_file *s, void *unused)
{
	static const char *const classes[] = { "scsi", "ide", "fc" };
	struct hvs_dev *stor = s->private;
	struct Scsi_Host *shost = stor->shost;

	seq_printf(s, "class: %s\n", classes[stor->cls]);
	seq_printf(s, "protocol_version: %u.%u\n", stor->proto >> 8,
		   stor->proto & 0xff);
	seq_printf(s, "multi_channel: %u\n", stor->multi_channel);
	seq_printf(s, "host_max_sub_channels: %u\n", stor->host_max_subs);
	seq_printf(s, "sub_channels_requested: %u\n", stor->subs_wanted);
	seq_printf(s, "sub_channels_opened: %d\n",
		   atomic_read(&stor->subs_opened));
	/* Pairs with the store that adds a channel (vstor.c). */
	seq_printf(s, "channels: %u\n", smp_load_acquire(&stor->nchans));
	seq_printf(s, "host_max_transfer_bytes: %u\n", stor->host_max_xfer);
	seq_printf(s, "max_transfer_bytes: %u\n", stor->max_xfer);
	seq_printf(s, "max_sectors: %u\n", shost->max_sectors);
	seq_printf(s, "sg_tablesize: %u\n", shost->sg_tablesize);
	seq_printf(s, "can_queue: %d\n", shost->can_queue);
	seq_printf(s, "cmd_per_lun: %d\n", shost->cmd_per_lun);
	seq_printf(s, "nr_hw_queues: %u\n", shost->nr_hw_queues);
	seq_printf(s, "ring_bytes: %u\n", stor->ring_bytes);
	if (stor->cls == HVS_CLASS_IDE)
		seq_printf(s, "ide_target: %u\n", stor->ide_target);
	if (stor->cls == HVS_CLASS_FC) {
		seq_printf(s, "node_name: 0x%016llx\n",
			   READ_ONCE(stor->node_name));
		seq_printf(s, "port_name: 0x%016llx\n",
			   READ_ONCE(stor->port_name));
	}
	seq_printf(s, "outstanding: %d\n", atomic_read(&stor->outstanding));
	seq_printf(s, "commands: %lld\n",
		   (long long)atomic64_read(&stor->commands));
	seq_printf(s, "completed: %lld\n",
		   (long long)atomic64_read(&stor->completed));
	seq_printf(s, "busy: %lld\n", (long long)atomic64_read(&stor->busy));
	seq_printf(s, "bad_packets: %lld\n",
		   (long long)atomic64_read(&stor->bad_packets));
	seq_printf(s, "dead: %d\n", READ_ONCE(stor->dead));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hvs_info);

/*
 * With bounce buffers (confidential VMs), each byte must keep its offset
 * in its 4 KiB frame, which the frame list relies on (storvsc_probe()
 * sets the same min align mask; the bus gives every device dma_parms).
 */
static void hvs_dma_setup(struct hvs_dev *stor)
{
	dma_set_min_align_mask(&stor->hdev->dev, HVS_FRAME_SIZE - 1);
}

/* The host's limits and ours, before scsi_add_host(). */
static int hvs_set_limits(struct hvs_dev *stor)
{
	struct Scsi_Host *shost = stor->shost;
	unsigned int cpus;
	u32 xfer, depth;
	u64 cmds;

	/*
	 * storvsc_probe(): max_transfer_bytes rounded down to whole frames
	 * ("any reasonable configuration" has it aligned), at most 512 KiB
	 * for Fibre Channel; and at most what our commands keep room for.
	 */
	xfer = round_down(stor->host_max_xfer, HVS_FRAME_SIZE);
	if (stor->cls == HVS_CLASS_FC)
		xfer = min_t(u32, xfer, HV_VSTOR_FC_MAX_XFER);
	xfer = min_t(u32, xfer, HVS_MAX_XFER);
	if (!xfer) {
		dev_err(&stor->hdev->dev,
			"the host allows transfers of %u bytes, less than a 4 KiB frame\n",
			stor->host_max_xfer);
		return -EINVAL;
	}
	stor->max_xfer = xfer;
	shost->max_sectors = xfer >> 9;
	/* Every frame of the largest transfer, plus one if it is unaligned. */
	shost->sg_tablesize = xfer / HVS_FRAME_SIZE + 1;
	shost->max_cmd_len = HV_VSTOR_CDB_MAX;

	/* storvsc_probe()'s limits per class (FC: SCSI's LUNs and channels). */
	switch (stor->cls) {
	case HVS_CLASS_IDE:
		shost->max_lun = HV_VSTOR_IDE_MAX_LUNS;
		shost->max_id = HV_VSTOR_IDE_MAX_TARGETS;
		shost->max_channel = HV_VSTOR_IDE_MAX_CHANNELS - 1;
		break;
	case HVS_CLASS_FC:
		shost->max_lun = HV_VSTOR_SCSI_MAX_LUNS;
		shost->max_id = HV_VSTOR_FC_MAX_TARGETS;
		shost->max_channel = HV_VSTOR_SCSI_MAX_CHANNELS - 1;
		break;
	default:
		shost->max_lun = HV_VSTOR_SCSI_MAX_LUNS;
		shost->max_id = HV_VSTOR_SCSI_MAX_TARGETS;
		shost->max_channel = HV_VSTOR_SCSI_MAX_CHANNELS - 1;
		break;
	}

	/*
	 * As many commands as the rings of one channel per
	 * storvsc_vcpus_per_sub_channel online CPUs hold, less
	 * ring_avail_percent_lowater (storvsc_probe()'s can_queue).
	 */
	cmds = (u64)hvs_cmds_per_channel(stor->ring_bytes) *
	       (1 + min_t(u32, stor->subs_wanted,
			  (num_online_cpus() - 1) / hvs_vcpus_per_sub_channel));
	cmds = div_u64(cmds * (100 - hvs_ring_lowater), 100);
	depth = clamp_t(u64, cmds, 1, HVS_MAX_CAN_QUEUE);
	shost->can_queue = depth;
	shost->cmd_per_lun = min_t(u32, HVS_CMD_PER_LUN, depth);

	/* One queue per present CPU, for the controllers with sub-channels. */
	if (stor->cls == HVS_CLASS_IDE) {
		shost->nr_hw_queues = 1;
		return 0;
	}
	cpus = num_present_cpus();
	if (hvs_max_hw_queues > cpus) {
		dev_warn(&stor->hdev->dev,
			 "storvsc_max_hw_queues=%u is more than the %u present CPUs: ignored\n",
			 hvs_max_hw_queues, cpus);
		shost->nr_hw_queues = cpus;
	} else {
		shost->nr_hw_queues = hvs_max_hw_queues ? hvs_max_hw_queues : cpus;
	}
	return 0;
}

/* The tag slots, once the midlayer has made the tag set (storvsc.h). */
static int hvs_alloc_slots(struct hvs_dev *stor)
{
	struct Scsi_Host *shost = stor->shost;
	atomic_t *slots;

	stor->slot_hwqs = shost->tag_set.nr_hw_queues;
	stor->slot_depth = shost->tag_set.queue_depth;
	slots = kvcalloc((size_t)stor->slot_hwqs * stor->slot_depth,
			 sizeof(*slots), GFP_KERNEL);
	if (!slots)
		return -ENOMEM;
	/* Their sizes before them, for the callback (hvs_slot()). */
	smp_store_release(&stor->slots, slots);
	return 0;
}

static void hvs_debugfs_add(struct hvs_dev *stor)
{
	char name[16];

	snprintf(name, sizeof(name), "%u", stor->shost->host_no);
	stor->debugfs = debugfs_create_dir(name, hvs_debugfs_root);
	debugfs_create_file("info", 0444, stor->debugfs, stor, &hvs_info_fops);
}

/*
 * Remove (or a probe failing after the host was added). New work stops;
 * commands still at the host get HVS_DRAIN_TIMEOUT without an answer
 * before they are failed (the reaper), so a host that stopped answering
 * cannot hold up scsi_remove_host() for ever; a rescinded device's are
 * failed at once. Then the channels close.
 */
static void hvs_teardown(struct hvs_dev *stor, bool host_added)
{
	struct Scsi_Host *shost = stor->shost;
	unsigned long flags;

	debugfs_remove_recursive(stor->debugfs);
	stor->debugfs = NULL;
	spin_lock_irqsave(&stor->work_lock, flags);
	stor->removing = true;
	spin_unlock_irqrestore(&stor->work_lock, flags);
	if (hvg_channel_rescinded(stor->hdev->channel))
		hvs_mark_dead(stor);
	stor->reaper_seen = atomic64_read(&stor->completed);
	schedule_delayed_work(&stor->reaper, HVS_DRAIN_TIMEOUT);
	/* Rescans and LUN removals queued earlier finish first. */
	destroy_workqueue(stor->wq);
	if (host_added) {
		hvs_fc_remove(stor);
		scsi_remove_host(shost);
	}
	cancel_delayed_work_sync(&stor->reaper);
	/* Nothing should be left at the host; if it is, it fails now. */
	hvs_mark_dead(stor);
	hvs_vstor_disconnect(stor);
	kvfree(stor->slots);
	stor->slots = NULL;
	dev_set_drvdata(&stor->hdev->dev, NULL);
	scsi_host_put(shost);
}

static int hvs_probe(struct hvg_device *hdev,
		     const struct hv_vmbus_device_id *id)
{
	struct Scsi_Host *shost;
	struct hvs_dev *stor;
	int ret;

	if (id->driver_data > HVS_CLASS_FC)
		return -ENODEV;
	shost = scsi_host_alloc(&hvs_template, sizeof(*stor));
	if (!shost)
		return -ENOMEM;
	stor = shost_priv(shost);
	stor->hdev = hdev;
	stor->shost = shost;
	stor->cls = id->driver_data;
	INIT_LIST_HEAD(&stor->node);
	spin_lock_init(&stor->chan_lock);
	spin_lock_init(&stor->work_lock);
	init_completion(&stor->init_ctl.done);
	init_completion(&stor->reset_ctl.done);
	init_waitqueue_head(&stor->drain_wq);
	INIT_WORK(&stor->scan_work, hvs_host_scan_work);
	INIT_DELAYED_WORK(&stor->reaper, hvs_reaper_work);
	/*
	 * storvsc_probe(): an IDE controller's disk is the target that
	 * bytes 4 and 5 of the device's instance GUID name.
	 */
	if (stor->cls == HVS_CLASS_IDE)
		stor->ide_target = hdev->instance_id.b[5] << 8 |
				   hdev->instance_id.b[4];
	stor->wq = alloc_ordered_workqueue("hv_storvsc_%u", WQ_MEM_RECLAIM,
					   shost->host_no);
	if (!stor->wq) {
		ret = -ENOMEM;
		goto err_put;
	}
	dev_set_drvdata(&hdev->dev, stor);
	hvs_dma_setup(stor);

	ret = hvs_vstor_connect(stor);
	if (ret)
		goto err_wq;
	ret = hvs_set_limits(stor);
	if (ret)
		goto err_disconnect;
	hvs_fc_attach(stor);
	ret = scsi_add_host(shost, &hdev->dev);
	if (ret)
		goto err_disconnect;

	ret = hvs_alloc_slots(stor);
	if (!ret)
		ret = hvs_fc_add(stor);
	if (ret)
		goto err_teardown;
	hvs_debugfs_add(stor);
	dev_info(&hdev->dev,
		 "host%u: VSTOR %u.%u, %u sub-channel(s) asked for, %u KiB per command, %d commands\n",
		 shost->host_no, stor->proto >> 8, stor->proto & 0xff,
		 stor->subs_wanted, stor->max_xfer / 1024, shost->can_queue);

	if (stor->cls != HVS_CLASS_IDE) {
		scsi_scan_host(shost);
		return 0;
	}
	ret = scsi_add_device(shost, 0, stor->ide_target, 0);
	if (ret)
		goto err_teardown;
	return 0;

err_teardown:
	hvs_teardown(stor, true);
	return ret;
err_disconnect:
	hvs_vstor_disconnect(stor);
err_wq:
	dev_set_drvdata(&hdev->dev, NULL);
	destroy_workqueue(stor->wq);
err_put:
	scsi_host_put(shost);
	return ret;
}

static void hvs_remove(struct hvg_device *hdev)
{
	hvs_teardown(dev_get_drvdata(&hdev->dev), true);
}

static const struct hv_vmbus_device_id hvs_ids[] = {
	{ .guid = HV_CLASS_SCSI, .driver_data = HVS_CLASS_SCSI },
	{ .guid = HV_CLASS_IDE, .driver_data = HVS_CLASS_IDE },
	{ .guid = HV_CLASS_FC, .driver_data = HVS_CLASS_FC },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, hvs_ids);

static struct hvg_driver hvs_driver = {
	.name = "hv_storvsc",
	.id_table = hvs_ids,
	.probe = hvs_probe,
	.remove = hvs_remove,
	/* As upstream's: a controller's scan does not hold up the others. */
	.driver = {
		.probe_type = PROBE_PREFER_ASYNCHRONOUS,
	},
};

static int __init hvs_init(void)
{
	int ret;

	if (hvs_ringbuffer_size < HVS_RING_MIN ||
	    hvs_ringbuffer_size > HVS_RING_MAX) {
		pr_err("storvsc_ringbuffer_size=%d: must be %d to %d\n",
		       hvs_ringbuffer_size, HVS_RING_MIN, HVS_RING_MAX);
		return -EINVAL;
	}
	if (hvs_vcpus_per_sub_channel < 1) {
		pr_err("storvsc_vcpus_per_sub_channel=%d: must be 1 or more\n",
		       hvs_vcpus_per_sub_channel);
		return -EINVAL;
	}
	if (hvs_ring_lowater < 0 || hvs_ring_lowater > 99) {
		pr_err("ring_avail_percent_lowater=%d: must be 0 to 99\n",
		       hvs_ring_lowater);
		return -EINVAL;
	}
	ret = hvs_fc_init();
	if (ret)
		return ret;
	hvs_debugfs_root = debugfs_create_dir("hv_storvsc", NULL);
	ret = hvg_driver_register(&hvs_driver);
	if (ret) {
		debugfs_remove_recursive(hvs_debugfs_root);
		hvs_fc_exit();
	}
	return ret;
}

static void __exit hvs_exit(void)
{
	hvg_driver_unregister(&hvs_driver);
	debugfs_remove_recursive(hvs_debugfs_root);
	hvs_fc_exit();
}

module_init(hvs_init);
module_exit(hvs_exit);

MODULE_DESCRIPTION("Hyper-V synthetic storage (SCSI, IDE, Fibre Channel) for hyperv-guest's VMBus");
MODULE_LICENSE("GPL");
/* The tree's version (../VERSION, written by kernel/Makefile): modinfo. */
MODULE_VERSION(HVG_VERSION);
