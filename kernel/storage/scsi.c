// SPDX-License-Identifier: GPL-2.0
/*
 * hv_storvsc's SCSI host: turning commands into SRBs, the host's answers
 * into results, error handling, and the rescan and LUN removal the host
 * asks for.
 *
 * Host behaviour relied on, from drivers/scsi/storvsc_drv.c:
 *  - a command is an EXECUTE_SRB vstor packet; with data, a GPA-direct
 *    packet with one multi-page range (storvsc_queuecommand(),
 *    storvsc_do_io()); the answer is COMPLETE_IO with the SRB's status,
 *    SCSI status, sense and bytes moved (storvsc_on_io_completion());
 *  - the host answers every command, late maybe, never not
 *    (storvsc_eh_timed_out());
 *  - LUNs come and go with ENUMERATE_BUS or REMOVE_DEVICE from the host
 *    and INVALID_LUN answers (storvsc_host_scan(), storvsc_handle_error()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <scsi/scsi.h>
#include <scsi/scsi_dbg.h>
#include <scsi/scsi_devinfo.h>
#include <scsi/scsi_eh.h>
#include <scsi/scsi_tcq.h>
#include "storvsc.h"

/* A slot's generation: 31 bits, never 0 (the id's high half). */
#define HVS_GEN_MAX		0x7fffffffU
#define HVS_AT_HOST		1U

/* ---- work the driver queues for itself ---- */

/* Queue @work unless remove has begun; false if not queued. */
bool hvs_queue_work(struct hvs_dev *stor, struct work_struct *work)
{
	unsigned long flags;
	bool queued = false;

	spin_lock_irqsave(&stor->work_lock, flags);
	if (!stor->removing && stor->wq)
		queued = queue_work(stor->wq, work);
	spin_unlock_irqrestore(&stor->work_lock, flags);
	return queued;
}

struct hvs_lun_work {
	struct work_struct work;
	struct hvs_dev *stor;
	unsigned int channel;
	unsigned int id;
	u64 lun;
};

/* The device's capacity or operating parameters changed: look again. */
static void hvs_rescan_lun(struct work_struct *work)
{
	struct hvs_lun_work *w = container_of(work, struct hvs_lun_work, work);
	struct scsi_device *sdev;

	sdev = scsi_device_lookup(w->stor->shost, w->channel, w->id, w->lun);
	if (sdev) {
		scsi_rescan_device(sdev);
		scsi_device_put(sdev);
	}
	kfree(w);
}

/* The host said the LUN is not there (INVALID_LUN): remove it. */
static void hvs_remove_lun(struct work_struct *work)
{
	struct hvs_lun_work *w = container_of(work, struct hvs_lun_work, work);
	struct scsi_device *sdev;

	sdev = scsi_device_lookup(w->stor->shost, w->channel, w->id, w->lun);
	if (sdev) {
		scsi_remove_device(sdev);
		scsi_device_put(sdev);
	}
	kfree(w);
}

/* Softirq: queue @fn for @scmd's LUN; false if that cannot be done. */
static bool hvs_queue_lun_work(struct hvs_dev *stor, struct scsi_cmnd *scmd,
			       work_func_t fn)
{
	struct hvs_lun_work *w = kmalloc(sizeof(*w), GFP_ATOMIC);

	if (!w)
		return false;
	w->stor = stor;
	w->channel = scmd->device->channel;
	w->id = scmd->device->id;
	w->lun = scmd->device->lun;
	INIT_WORK(&w->work, fn);
	if (!hvs_queue_work(stor, &w->work))
		kfree(w);
	return true;
}

/*
 * ENUMERATE_BUS or REMOVE_DEVICE from the host. It does not say which
 * LUN went away: as storvsc_host_scan() does, send every known device a
 * TEST UNIT READY (a removed one answers INVALID_LUN and is removed),
 * then scan for new ones. An IDE controller shows one target, its own.
 */
void hvs_host_scan_work(struct work_struct *work)
{
	struct hvs_dev *stor = container_of(work, struct hvs_dev, scan_work);
	struct Scsi_Host *shost = stor->shost;
	struct scsi_device *sdev;

	mutex_lock(&shost->scan_mutex);
	shost_for_each_device(sdev, shost)
		scsi_test_unit_ready(sdev, 10 * HZ, 1, NULL);
	mutex_unlock(&shost->scan_mutex);

	if (stor->cls != HVS_CLASS_IDE) {
		scsi_scan_host(shost);
		return;
	}
	sdev = scsi_device_lookup(shost, 0, stor->ide_target, 0);
	if (sdev)
		scsi_device_put(sdev);
	else
		scsi_add_device(shost, 0, stor->ide_target, 0);
}

/* ---- commands at the host ---- */

static atomic_t *hvs_slot(struct hvs_dev *stor, u32 unique_tag)
{
	u32 hwq = blk_mq_unique_tag_to_hwq(unique_tag);
	u32 tag = blk_mq_unique_tag_to_tag(unique_tag);
	atomic_t *slots;

	/* Pairs with hvs_alloc_slots(): the sizes are set before. */
	slots = smp_load_acquire(&stor->slots);
	if (!slots || hwq >= stor->slot_hwqs || tag >= stor->slot_depth)
		return NULL;
	return &slots[hwq * stor->slot_depth + tag];
}

/* Clear the at-host bit of exactly this generation; true if we did. */
static bool hvs_disarm(atomic_t *slot, u32 gen)
{
	u32 armed = gen << 1 | HVS_AT_HOST;

	return atomic_cmpxchg(slot, (int)armed, (int)(gen << 1)) == (int)armed;
}

/* The command is ours again: its mapping goes, the count drops. */
static void hvs_cmd_back(struct hvs_dev *stor, struct scsi_cmnd *scmd)
{
	scsi_dma_unmap(scmd);
	if (atomic_dec_and_test(&stor->outstanding))
		wake_up(&stor->drain_wq);
}

static void hvs_fail(struct scsi_cmnd *scmd, int host_byte)
{
	scmd->result = 0;
	set_host_byte(scmd, host_byte);
	scsi_set_resid(scmd, scsi_bufflen(scmd));
	scsi_done(scmd);
}

/*
 * Take back every command at the host and end it with @host_byte: the
 * host will not answer them (it is gone, or did not after a reset). A
 * command the error handler owns ignores the scsi_done().
 */
void hvs_take_back_all(struct hvs_dev *stor, int host_byte)
{
	struct scsi_cmnd *scmd;
	u32 hwq, tag, v;
	atomic_t *slots;

	/* Pairs with hvs_alloc_slots(). */
	slots = smp_load_acquire(&stor->slots);
	if (!slots)
		return;
	for (hwq = 0; hwq < stor->slot_hwqs; hwq++) {
		for (tag = 0; tag < stor->slot_depth; tag++) {
			v = atomic_read(&slots[hwq * stor->slot_depth + tag]);
			if (!(v & HVS_AT_HOST) ||
			    !hvs_disarm(&slots[hwq * stor->slot_depth + tag],
					v >> 1))
				continue;
			scmd = scsi_host_find_tag(stor->shost,
						  hwq << BLK_MQ_UNIQUE_TAG_BITS |
						  tag);
			if (!scmd) {
				if (atomic_dec_and_test(&stor->outstanding))
					wake_up(&stor->drain_wq);
				continue;
			}
			hvs_cmd_back(stor, scmd);
			hvs_fail(scmd, host_byte);
		}
		cond_resched();
	}
}

/* The host will answer nothing more: fail all it has, and all to come. */
void hvs_mark_dead(struct hvs_dev *stor)
{
	WRITE_ONCE(stor->dead, true);
	/* Against queuecommand's check after arming its slot. */
	smp_mb();
	hvs_take_back_all(stor, DID_NO_CONNECT);
}

/*
 * Remove has begun and commands are at the host. As long as the host
 * answers some, wait; once it has answered none for HVS_DRAIN_TIMEOUT,
 * take them back, so that removing a device from a host that stopped
 * answering ends.
 */
void hvs_reaper_work(struct work_struct *work)
{
	struct hvs_dev *stor = container_of(to_delayed_work(work),
					    struct hvs_dev, reaper);
	s64 done = atomic64_read(&stor->completed);
	int left = atomic_read(&stor->outstanding);

	if (!left || done != stor->reaper_seen) {
		stor->reaper_seen = done;
		schedule_delayed_work(&stor->reaper, HVS_DRAIN_TIMEOUT);
		return;
	}
	dev_warn(&stor->hdev->dev,
		 "%d command(s) unanswered for %u s during removal: failing them\n",
		 left, HVS_DRAIN_TIMEOUT / HZ);
	hvs_mark_dead(stor);
}

/* ---- the host's answers ---- */

/*
 * An SRB error (storvsc_drv.c, storvsc_handle_error()): with sense, the
 * midlayer decides, except for two conditions that mean "look at the
 * device again" and a retry; without sense, the host has already tried
 * all it could, so the command fails; a LUN that is gone is removed.
 */
static void hvs_srb_error(struct hvs_dev *stor, struct scsi_cmnd *scmd,
			  u8 srb_status, u8 scsi_status,
			  const struct scsi_sense_hdr *sshdr)
{
	switch (HV_SRB_STATUS(srb_status)) {
	case HV_SRB_STATUS_ERROR:
	case HV_SRB_STATUS_ABORTED:
	case HV_SRB_STATUS_INVALID_REQUEST:
	case HV_SRB_STATUS_INTERNAL_ERROR:
	case HV_SRB_STATUS_TIMEOUT:
	case HV_SRB_STATUS_SELECTION_TIMEOUT:
	case HV_SRB_STATUS_BUS_RESET:
	case HV_SRB_STATUS_DATA_OVERRUN:
		if (srb_status & HV_SRB_STATUS_AUTOSENSE_VALID) {
			if (!sshdr)
				return;
			/*
			 * Capacity data has changed (2a/09), or operating
			 * parameters have changed (3f/xx, which Hyper-V reports
			 * when a differencing disk changes the VHDX block size
			 * and so discard_granularity; not 3f/03 or 3f/0e, which
			 * mean other things): rescan, then retry.
			 */
			if ((sshdr->asc == 0x2a && sshdr->ascq == 0x09) ||
			    (sshdr->asc == 0x3f && sshdr->ascq != 0x03 &&
			     sshdr->ascq != 0x0e)) {
				if (hvs_queue_lun_work(stor, scmd,
						       hvs_rescan_lun))
					set_host_byte(scmd, DID_REQUEUE);
				else
					set_host_byte(scmd, DID_BAD_TARGET);
			}
			return;
		}
		/*
		 * Better than upstream: a status the target gave without
		 * sense (RESERVATION CONFLICT, BUSY, TASK SET FULL) is the
		 * target's answer, not a failed transport; the midlayer acts
		 * on it (a fenced cluster node sees the conflict, not an
		 * I/O error after retries).
		 */
		if (scsi_status != SAM_STAT_GOOD &&
		    scsi_status != SAM_STAT_CHECK_CONDITION)
			return;
		switch (scmd->cmnd[0]) {
		case ATA_12:
		case ATA_16:
			set_host_byte(scmd, DID_PASSTHROUGH);
			break;
		case TEST_UNIT_READY:
			/* Some hosts fail it so; the status decides. */
			break;
		default:
			set_host_byte(scmd, DID_ERROR);
			break;
		}
		return;
	case HV_SRB_STATUS_INVALID_LUN:
		if (hvs_queue_lun_work(stor, scmd, hvs_remove_lun))
			set_host_byte(scmd, DID_NO_CONNECT);
		else
			set_host_byte(scmd, DID_BAD_TARGET);
		return;
	default:
		return;
	}
}

static void hvs_complete_scsi(struct hvs_dev *stor, struct scsi_cmnd *scmd,
			      struct hvs_cmd *cmd,
			      const struct hv_vstor_srb *srb)
{
	u8 op = cmd->pkt.srb.cdb[0], sense_len = srb->sense_info_length;
	u8 scsi_status = srb->scsi_status, srb_status = srb->srb_status;
	u32 asked = cmd->pkt.srb.data_transfer_length;
	u32 moved = srb->data_transfer_length;
	struct scsi_sense_hdr sshdr;
	bool have_sense = false;

	/*
	 * storvsc_drv.c, storvsc_on_io_completion(): the host mishandles
	 * INQUIRY of VPD page 0x80, MODE SENSE of page 0x1c and, for Fibre
	 * Channel, MAINTENANCE IN; their failures are not to be fatal, so
	 * they are taken as successes (with the bytes the host moved).
	 */
	if (op == INQUIRY || op == MODE_SENSE || op == MODE_SENSE_10 ||
	    (op == MAINTENANCE_IN && stor->cls == HVS_CLASS_FC)) {
		scsi_status = SAM_STAT_GOOD;
		srb_status = HV_SRB_STATUS_SUCCESS;
	}

	if (sense_len > HV_VSTOR_SENSE_MAX) {
		dev_warn_ratelimited(&stor->hdev->dev,
				     "sense length %u from the host, more than %u: clamped\n",
				     sense_len, HV_VSTOR_SENSE_MAX);
		atomic64_inc(&stor->bad_packets);
		sense_len = HV_VSTOR_SENSE_MAX;
	}

	if ((scsi_status || HV_SRB_STATUS(srb_status) != HV_SRB_STATUS_SUCCESS) &&
	    hvs_log(op == TEST_UNIT_READY ? HVS_LOG_WARN : HVS_LOG_ERROR))
		dev_warn_ratelimited(&stor->hdev->dev,
				     "tag#%d cmd 0x%x status: scsi 0x%x srb 0x%x\n",
				     scsi_cmd_to_rq(scmd)->tag, op,
				     scsi_status, srb_status);

	if (scsi_status == SAM_STAT_CHECK_CONDITION &&
	    (srb_status & HV_SRB_STATUS_AUTOSENSE_VALID) && sense_len) {
		memcpy(scmd->sense_buffer, srb->sense_data, sense_len);
		have_sense = scsi_normalize_sense(scmd->sense_buffer, sense_len,
						  &sshdr);
		if (have_sense && hvs_log(HVS_LOG_WARN))
			scsi_print_sense_hdr(scmd->device, "hv_storvsc",
					     &sshdr);
	}

	scmd->result = scsi_status;
	/*
	 * The flag bits aside: upstream compares the whole byte, which
	 * takes SUCCESS with AUTOSENSE_VALID for an error.
	 */
	if (HV_SRB_STATUS(srb_status) != HV_SRB_STATUS_SUCCESS) {
		hvs_srb_error(stor, scmd, srb_status, scsi_status,
			      have_sense ? &sshdr : NULL);
		/*
		 * The host's count means something only for DATA_OVERRUN
		 * (storvsc_command_completion(): Windows sets it only then).
		 */
		if (HV_SRB_STATUS(srb_status) != HV_SRB_STATUS_DATA_OVERRUN)
			moved = 0;
	}
	if (moved > asked) {
		dev_warn_ratelimited(&stor->hdev->dev,
				     "host moved %u bytes of a %u-byte command: clamped\n",
				     moved, asked);
		atomic64_inc(&stor->bad_packets);
		moved = asked;
	}
	scsi_set_resid(scmd, asked - moved);
	scsi_done(scmd);
}

/*
 * The callback (softirq): the host's answer to command @trans_id. Only a
 * command that is at the host under that generation is completed.
 */
void hvs_on_completion(struct hvs_dev *stor, u64 trans_id,
		       const struct hv_vstor_packet *pkt, u32 len)
{
	u32 low = lower_32_bits(trans_id), gen = upper_32_bits(trans_id);
	struct scsi_cmnd *scmd;
	atomic_t *slot = NULL;

	if (low && gen && gen <= HVS_GEN_MAX)
		slot = hvs_slot(stor, low - 1);
	if (!slot || !hvs_disarm(slot, gen)) {
		dev_warn_ratelimited(&stor->hdev->dev,
				     "answer for transaction %#llx, no such command at the host (stale, duplicate or unknown): dropped\n",
				     trans_id);
		atomic64_inc(&stor->bad_packets);
		return;
	}
	atomic64_inc(&stor->completed);
	scmd = scsi_host_find_tag(stor->shost, low - 1);
	if (WARN_ON_ONCE(!scmd)) {
		if (atomic_dec_and_test(&stor->outstanding))
			wake_up(&stor->drain_wq);
		return;
	}
	hvs_cmd_back(stor, scmd);
	if (len < sizeof(*pkt) || pkt->operation != HV_VSTOR_OP_COMPLETE_IO) {
		/* Not an answer we can read: the midlayer retries it. */
		dev_warn_ratelimited(&stor->hdev->dev,
				     "answer for transaction %#llx: %u bytes (%zu expected), operation %u: command failed\n",
				     trans_id, len, sizeof(*pkt),
				     len >= HV_VSTOR_UNSOLICITED_MIN ?
				     pkt->operation : 0);
		atomic64_inc(&stor->bad_packets);
		hvs_fail(scmd, DID_ERROR);
		return;
	}
	hvs_complete_scsi(stor, scmd, scsi_cmd_priv(scmd), &pkt->srb);
}

/* The callback: a packet the host sent of its own (transaction id 0). */
void hvs_on_unsolicited(struct hvs_dev *stor,
			const struct hv_vstor_packet *pkt, u32 len)
{
	if (len < HV_VSTOR_UNSOLICITED_MIN) {
		dev_warn_ratelimited(&stor->hdev->dev,
				     "host packet of %u bytes, too short for an operation: dropped\n",
				     len);
		atomic64_inc(&stor->bad_packets);
		return;
	}
	switch (pkt->operation) {
	case HV_VSTOR_OP_ENUMERATE_BUS:
	case HV_VSTOR_OP_REMOVE_DEVICE:
		hvs_queue_work(stor, &stor->scan_work);
		break;
	case HV_VSTOR_OP_FCHBA_DATA:
		if (len < offsetofend(struct hv_vstor_packet, wwn)) {
			dev_warn_ratelimited(&stor->hdev->dev,
					     "FCHBA_DATA of %u bytes, too short: dropped\n",
					     len);
			atomic64_inc(&stor->bad_packets);
			break;
		}
		if (stor->cls != HVS_CLASS_FC)
			break;
		hvs_cache_wwn(stor, &pkt->wwn);
		hvs_fc_update_names(stor);
		break;
	default:
		/* Upstream ignores the rest; a completion needs an id. */
		dev_warn_ratelimited(&stor->hdev->dev,
				     "host packet with operation %u and no transaction id: dropped\n",
				     pkt->operation);
		atomic64_inc(&stor->bad_packets);
		break;
	}
}

/* ---- submission ---- */

/*
 * Hosts of protocol 5.1 (Windows 8 / Server 2012) mishandle WRITE SAME
 * and SET WINDOW (smartd's); storvsc_scsi_cmd_ok() keeps them from it.
 */
static bool hvs_cmd_allowed(struct hvs_dev *stor, struct scsi_cmnd *scmd)
{
	if (stor->proto > HV_VSTOR_WIN8)
		return true;
	return scmd->cmnd[0] != WRITE_SAME && scmd->cmnd[0] != SET_WINDOW;
}

/*
 * Map the data and describe it as one range: its length, the offset of
 * its first byte in the first 4 KiB frame, and every frame the length
 * covers from there, in order. With the host template's virt boundary,
 * only the first segment may start and only the last may end inside a
 * frame; a list that breaks this, is shorter than the length, or needs
 * more frames than we keep room for is refused, never sent
 * half-described. Returns the number of frames, or <0.
 */
static int hvs_map_data(struct hvs_dev *stor, struct scsi_cmnd *scmd,
			struct hvs_cmd *cmd)
{
	struct hv_mpb_range *range = hvs_cmd_range(cmd);
	u32 len = scsi_bufflen(scmd), n = 0, need;
	struct scatterlist *sg;
	u64 frame, last;
	int nseg, i;

	nseg = scsi_dma_map(scmd);
	if (nseg < 0)
		return -ENOMEM;
	if (!nseg)
		goto bad;
	range->offset = sg_dma_address(scsi_sglist(scmd)) & (HVS_FRAME_SIZE - 1);
	range->len = len;
	need = DIV_ROUND_UP(range->offset + len, HVS_FRAME_SIZE);
	if (need > HVS_MAX_FRAMES)
		goto bad;
	for_each_sg(scsi_sglist(scmd), sg, nseg, i) {
		dma_addr_t addr = sg_dma_address(sg);
		u32 seg = sg_dma_len(sg);

		if (n == need)
			break;
		if (!seg)
			goto bad;
		if (i && (addr & (HVS_FRAME_SIZE - 1)))
			goto bad;
		frame = addr >> HVS_FRAME_SHIFT;
		last = (addr + seg - 1) >> HVS_FRAME_SHIFT;
		/* A gap after this segment, unless the length ends in it. */
		if (((addr + seg) & (HVS_FRAME_SIZE - 1)) &&
		    n + (last - frame + 1) < need)
			goto bad;
		while (frame <= last && n < need)
			range->pfn_array[n++] = frame++;
	}
	if (n < need)
		goto bad;
	return n;

bad:
	scsi_dma_unmap(scmd);
	dev_err_ratelimited(&stor->hdev->dev,
			    "cmd 0x%x: a scatterlist of %d segments for %u bytes the host cannot be given\n",
			    scmd->cmnd[0], nseg, len);
	return -EINVAL;
}

static void hvs_build_srb(struct Scsi_Host *shost, struct scsi_cmnd *scmd,
			  struct hvs_cmd *cmd)
{
	struct hv_vstor_srb *srb = &cmd->pkt.srb;
	struct scsi_device *sdev = scmd->device;

	memset(&cmd->pkt, 0, sizeof(cmd->pkt));
	cmd->timeouts = 0;
	cmd->pkt.operation = HV_VSTOR_OP_EXECUTE_SRB;
	cmd->pkt.flags = HV_VSTOR_FLAG_REQUEST_COMPLETION;
	srb->length = sizeof(*srb);
	srb->port_number = shost->host_no;
	srb->path_id = sdev->channel;
	srb->target_id = sdev->id;
	srb->lun = sdev->lun;
	srb->cdb_length = scmd->cmd_len;
	memcpy(srb->cdb, scmd->cmnd, scmd->cmd_len);
	srb->sense_info_length = HV_VSTOR_SENSE_MAX;
	srb->data_transfer_length = scsi_bufflen(scmd);
	srb->time_out_value = HVS_SRB_TIMEOUT;
	/* storvsc_queuecommand()'s flags and tag fields. */
	srb->srb_flags = HV_SRB_FLAGS_DISABLE_SYNCH_TRANSFER;
	if (sdev->tagged_supported) {
		srb->srb_flags |= HV_SRB_FLAGS_QUEUE_ACTION_ENABLE |
				  HV_SRB_FLAGS_NO_QUEUE_FREEZE;
		srb->queue_tag = HV_SRB_UNTAGGED;
		srb->queue_action = HV_SRB_SIMPLE_TAG;
	}
	switch (scmd->sc_data_direction) {
	case DMA_TO_DEVICE:
		srb->data_in = HV_VSTOR_WRITE;
		srb->srb_flags |= HV_SRB_FLAGS_DATA_OUT;
		break;
	case DMA_FROM_DEVICE:
		srb->data_in = HV_VSTOR_READ;
		srb->srb_flags |= HV_SRB_FLAGS_DATA_IN;
		break;
	default:
		srb->data_in = HV_VSTOR_NO_DATA;
		srb->srb_flags |= HV_SRB_FLAGS_NO_DATA_TRANSFER;
		break;
	}
}

static hvg_qc_status hvs_queuecommand(struct Scsi_Host *shost,
				      struct scsi_cmnd *scmd)
{
	struct hvs_dev *stor = shost_priv(shost);
	struct hvs_cmd *cmd = scsi_cmd_priv(scmd);
	u32 unique = blk_mq_unique_tag(scsi_cmd_to_rq(scmd));
	struct hvs_chan *chan;
	int nframes = 0, ret;
	u32 gen, prev;
	atomic_t *slot;
	u64 id;

	if (READ_ONCE(stor->dead)) {
		hvs_fail(scmd, DID_NO_CONNECT);
		return 0;
	}
	if (!hvs_cmd_allowed(stor, scmd) ||
	    scmd->sc_data_direction == DMA_BIDIRECTIONAL ||
	    scmd->cmd_len > HV_VSTOR_CDB_MAX) {
		hvs_fail(scmd, DID_ERROR);
		return 0;
	}
	slot = hvs_slot(stor, unique);
	if (WARN_ON_ONCE(!slot)) {
		hvs_fail(scmd, DID_ERROR);
		return 0;
	}

	hvs_build_srb(shost, scmd, cmd);
	if (scsi_bufflen(scmd)) {
		nframes = hvs_map_data(stor, scmd, cmd);
		if (nframes == -ENOMEM)
			return SCSI_MLQUEUE_HOST_BUSY;
		if (nframes < 0) {
			hvs_fail(scmd, DID_ERROR);
			return 0;
		}
	}

	/* A new generation for this tag; at the host from now on. */
	prev = atomic_read(slot);
	gen = (prev >> 1) + 1;
	if (gen > HVS_GEN_MAX)
		gen = 1;
	atomic_inc(&stor->outstanding);
	atomic_set(slot, (int)(gen << 1 | HVS_AT_HOST));
	if (WARN_ON_ONCE(prev & HVS_AT_HOST))
		atomic_dec(&stor->outstanding);
	/* Against hvs_mark_dead(): it sees this slot, or we see dead. */
	smp_mb__after_atomic();
	if (READ_ONCE(stor->dead)) {
		if (hvs_disarm(slot, gen)) {
			hvs_cmd_back(stor, scmd);
			hvs_fail(scmd, DID_NO_CONNECT);
		}
		return 0;
	}

	id = (u64)gen << 32 | ((u64)unique + 1);
	chan = hvs_pick_chan(stor);
	ret = hvs_send_cmd(chan, cmd, nframes, id);
	/* A sub-channel the host took back: the primary stays to the end. */
	if (ret == -ENODEV && chan != stor->chans[0])
		ret = hvs_send_cmd(stor->chans[0], cmd, nframes, id);
	if (!ret) {
		atomic64_inc(&stor->commands);
		return 0;
	}

	/* Not sent. If someone took it back meanwhile, it has ended. */
	if (!hvs_disarm(slot, gen))
		return 0;
	hvs_cmd_back(stor, scmd);
	switch (ret) {
	case -EAGAIN:
		/* Ring full: the midlayer retries when a command ends. */
		atomic64_inc(&stor->busy);
		return SCSI_MLQUEUE_HOST_BUSY;
	case -ENODEV:
	case -EINVAL:
		/* Rescinded, or closed under us: the device is going. */
		WRITE_ONCE(stor->dead, true);
		hvs_fail(scmd, DID_NO_CONNECT);
		return 0;
	default:
		dev_err_ratelimited(&stor->hdev->dev,
				    "cannot send cmd 0x%x: %d\n",
				    scmd->cmnd[0], ret);
		hvs_fail(scmd, DID_ERROR);
		return 0;
	}
}

/* ---- error handling ---- */

/*
 * storvsc_eh_timed_out() gives a late command more time, for ever: the
 * host answers every command, however late (Azure's latencies are
 * unbounded). A host that lost one would then hang its I/O for good, so
 * here a command gets its timer again HVS_TIMER_RESETS times, then the
 * error handler resets the bus (the host then answers everything it
 * held) and the midlayer retries it. A host that is gone answers
 * nothing: once the device is rescinded or given up on, what it had
 * fails.
 */
static enum scsi_timeout_action hvs_eh_timed_out(struct scsi_cmnd *scmd)
{
	struct hvs_dev *stor = shost_priv(scmd->device->host);
	struct hvs_cmd *cmd = scsi_cmd_priv(scmd);

	if (READ_ONCE(stor->dead) ||
	    hvg_channel_rescinded(stor->hdev->channel)) {
		hvs_mark_dead(stor);
		return SCSI_EH_DONE;
	}
	if (++cmd->timeouts <= HVS_TIMER_RESETS)
		return SCSI_EH_RESET_TIMER;
	dev_warn_ratelimited(&stor->hdev->dev,
			     "tag#%d cmd 0x%x unanswered after %u timeouts: resetting the bus\n",
			     scsi_cmd_to_rq(scmd)->tag, scmd->cmnd[0],
			     cmd->timeouts);
	return SCSI_EH_NOT_HANDLED;
}

/*
 * storvsc_host_reset_handler(): RESET_BUS, after which the host answers
 * every command it had; wait for those answers. A host that keeps some
 * for HVS_DRAIN_TIMEOUT after saying it reset gets them taken back
 * (upstream would wait for ever).
 */
static int hvs_host_reset(struct scsi_cmnd *scmd)
{
	struct hvs_dev *stor = shost_priv(scmd->device->host);
	int ret;

	if (READ_ONCE(stor->dead))
		return FAILED;
	ret = hvs_vstor_reset_bus(stor);
	if (ret) {
		dev_err(&stor->hdev->dev, "RESET_BUS failed: %d\n", ret);
		return FAILED;
	}
	if (!wait_event_timeout(stor->drain_wq,
				!atomic_read(&stor->outstanding),
				HVS_DRAIN_TIMEOUT)) {
		dev_warn(&stor->hdev->dev,
			 "%d command(s) unanswered %u s after a bus reset: taken back\n",
			 atomic_read(&stor->outstanding),
			 HVS_DRAIN_TIMEOUT / HZ);
		hvs_take_back_all(stor, DID_RESET);
	}
	return SUCCESS;
}

/* ---- devices ---- */

static int hvs_sdev_alloc(struct scsi_device *sdev)
{
	/*
	 * storvsc_device_alloc(): Microsoft's targets claim SPC-2 but have
	 * the VPD pages sd needs (for UNMAP and WRITE SAME); and the host's
	 * DVD drive reports an unknown type yet answers REPORT LUNS.
	 */
	sdev->sdev_bflags = BLIST_REPORTLUN2 | BLIST_TRY_VPD_PAGES;
	return 0;
}

static int hvs_sdev_config(struct scsi_device *sdev)
{
	struct hvs_dev *stor = shost_priv(sdev->host);

	blk_queue_rq_timeout(sdev->request_queue, HVS_RQ_TIMEOUT);
#ifndef HAVE_SCSI_VIRT_BOUNDARY_MASK
	/* No gaps inside a command's frames (the template says so since 5.2). */
	blk_queue_virt_boundary(sdev->request_queue, HVS_FRAME_SIZE - 1);
#endif
	/*
	 * storvsc_device_configure(): no MAINTENANCE IN (REPORT SUPPORTED
	 * OPERATION CODES); WRITE SAME only for Microsoft's virtual disks
	 * on protocol 6.2 (Windows 10 / Server 2016) or later; on 5.1 and
	 * 6.0 those disks conform to SPC-3 though they say SPC-2.
	 */
	sdev->no_report_opcodes = 1;
	sdev->no_write_same = 1;
	if (!strncmp(sdev->vendor, "Msft", 4)) {
		if (stor->proto == HV_VSTOR_WIN8 ||
		    stor->proto == HV_VSTOR_WIN8_1)
			sdev->scsi_level = SCSI_SPC_3;
		if (stor->proto >= HV_VSTOR_WIN10)
			sdev->no_write_same = 0;
	}
	return 0;
}

#ifdef HAVE_SCSI_SDEV_INIT
static int hvs_sdev_configure(struct scsi_device *sdev,
			      struct queue_limits *lim)
{
	return hvs_sdev_config(sdev);
}
#endif

static int hvs_change_queue_depth(struct scsi_device *sdev, int depth)
{
	return scsi_change_queue_depth(sdev, min(depth, sdev->host->can_queue));
}

/* storvsc_get_chs(): made up, 255 heads of 63 sectors. */
static int hvs_bios_param(struct scsi_device *sdev, hvg_bios_disk *disk,
			  sector_t capacity, int geom[])
{
	sector_t cylinders = capacity;

	sector_div(cylinders, 255 * 63);
	geom[0] = 255;
	geom[1] = 63;
	geom[2] = (int)min_t(sector_t, cylinders, 65535);
	return 0;
}

#ifdef HAVE_SCSI_INIT_CMD_PRIV
/*
 * Nothing to set up; having it tells the midlayer not to clear our
 * private data (the frame list's room, 4 KiB) before each command.
 */
static int hvs_init_cmd_priv(struct Scsi_Host *shost, struct scsi_cmnd *scmd)
{
	return 0;
}
#endif

/*
 * name and proc_name are upstream's: they are in sysfs
 * (scsi_host/hostN/proc_name), where tools look for them. can_queue,
 * sg_tablesize and max_sectors are set per host, from what the host
 * said (main.c).
 */
hvg_sht_const struct scsi_host_template hvs_template = {
	.module = THIS_MODULE,
	.name = "storvsc_host_t",
	.proc_name = "storvsc_host",
	.cmd_size = HVS_CMD_SIZE,
	.queuecommand = hvs_queuecommand,
	.eh_host_reset_handler = hvs_host_reset,
	.eh_timed_out = hvs_eh_timed_out,
	.bios_param = hvs_bios_param,
#ifdef HAVE_SCSI_SDEV_INIT
	.sdev_init = hvs_sdev_alloc,
	.sdev_configure = hvs_sdev_configure,
#else
	.slave_alloc = hvs_sdev_alloc,
	.slave_configure = hvs_sdev_config,
#endif
#ifdef HAVE_SCSI_INIT_CMD_PRIV
	.init_cmd_priv = hvs_init_cmd_priv,
#endif
	.change_queue_depth = hvs_change_queue_depth,
	.cmd_per_lun = HVS_CMD_PER_LUN,
	.this_id = -1,
#ifdef HAVE_SCSI_VIRT_BOUNDARY_MASK
	/* Every frame but the first starts at 0, every one but the last is full. */
	.virt_boundary_mask = HVS_FRAME_SIZE - 1,
#endif
	.no_write_same = 1,
	.track_queue_depth = 1,
	/*
	 * One tag space for all hardware queues: can_queue is what the
	 * rings of all channels hold together, not what each queue may
	 * have, and each tag costs a command's frame list.
	 */
	.host_tagset = 1,
};
