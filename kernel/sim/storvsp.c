// SPDX-License-Identifier: GPL-2.0
/*
 * The host end of the synthetic storage protocol (VSTOR, include/hv/vstor.h):
 * SCSI controllers of Generation 2 VMs and the IDE disks of Generation 1
 * VMs, over the disks of scsi_target.c.
 *
 * This is the host's side, written from the protocol's description (the
 * sequence in vstor.h, which follows upstream's storvsc_drv.c) and not
 * from the guest's code. What the real host does and the protocol leaves
 * open is the simulator's assumption, marked "Assumed:" below.
 *
 * The host is strict: the initialisation steps must come in order
 * (BEGIN_INITIALIZATION, QUERY_PROTOCOL_VERSION until one is accepted,
 * QUERY_PROPERTIES, END_INITIALIZATION), a SCSI request before that, a
 * sub-channel request twice or for more channels than offered, a buffer
 * whose page list does not cover its byte range, a data length larger
 * than the buffer: each is refused and counted as a guest protocol
 * violation.
 *
 * Control (storvsp_ctl.c: debugfs hv_sim/storage/ctl; storage/state shows
 * all):
 *   disk NAME MIB [bs=512|4096] [pbs=N] [ro] [thin] [wce]
 *                          a RAM disk (pages allocated as written)
 *   file NAME PATH [offset=BYTES] [bs=512|4096] [pbs=N] [ro] [thin] [wce]
 *                          a disk over a regular file or a block device
 *                          from OFFSET on (its size in whole blocks),
 *                          storvsp_file.c; without wce every WRITE is
 *                          written out first. Module parameters
 *                          boot_disk=PATH (and boot_disk_offset=) make one
 *                          named "boot" at 0:0 of the first SCSI controller.
 *   resize NAME MIB        new capacity; every initiator gets UNIT ATTENTION
 *   attach CTRL TARGET LUN NAME
 *                          present a disk; CTRL is a controller's number
 *                          or "relid:N" for the channel of that relid. The
 *                          same disk on two controllers is a shared disk
 *                          (each controller is its own initiator).
 *   detach CTRL TARGET LUN take it away
 *   rescan CTRL            tell the guest to rescan (ENUMERATE_BUS);
 *                          attach and detach do it themselves
 *   fail NAME OPCODE COUNT KEY ASC ASCQ
 *                          the next COUNT commands OPCODE (255: any)
 *                          fail with that sense
 *   fcswitch CTRL          a Fibre Channel controller's other set of names
 *                          becomes active; the guest gets FCHBA_DATA
 *   fault CTRL [delay=MS] [reorder=N] [drop=N] [dup=N] [badlen=N] [bogus=N]
 *                          completions MS late (with reorder=N only
 *                          every Nth, so later ones overtake it); the next
 *                          N never answered until a reset, answered twice,
 *                          answered with lengths past the request's, or
 *                          preceded by a completion with an id never used
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <hv/classes.h>
#include <hv/version.h>
#include <hv/vstor.h>
#include "sim.h"
#include "scsi_target.h"
#include "storvsp.h"

static unsigned int max_transfer_kib = 2048;
module_param(max_transfer_kib, uint, 0444);
MODULE_PARM_DESC(max_transfer_kib,
		 "Largest SCSI transfer the storage host takes, KiB (default 2048)");

static unsigned int storage_channels;
module_param(storage_channels, uint, 0444);
MODULE_PARM_DESC(storage_channels,
		 "Sub-channels a SCSI controller offers at most (default: one per vCPU)");

static unsigned int vstor_version;
module_param(vstor_version, uint, 0444);
MODULE_PARM_DESC(vstor_version,
		 "Newest VSTOR protocol version, 0x501, 0x600 or 0x602 (default: the host generation's)");

/*
 * Assumed: the status a host returns for a protocol version it does not
 * speak. The guest only tests for non-zero (storvsc_channel_init()); this
 * is NT's STATUS_REVISION_MISMATCH.
 */
#define SVSP_STATUS_REVISION_MISMATCH	0xc0000059
/* NT's STATUS_INVALID_DEVICE_REQUEST, for a request out of sequence. */
#define SVSP_STATUS_INVALID_REQUEST	0xc0000010

#define SVSP_SUB_MAX		64
#define SVSP_PAGE		4096U
/* A completion on its way to the guest. */
struct svsp_cmpl {
	struct list_head node;
	unsigned long due;	/* held: jiffies */
	u64 trans_id;
	u32 len;		/* of the request's data buffer */
	struct hv_vstor_packet pkt;
};

/* The host's state of one open channel (sim_channel.priv). */
struct svsp_chan {
	struct sim_channel *ch;
	struct svsp_ctrl *ctrl;
	struct list_head node;	/* in ctrl->chans */
	spinlock_t lock;	/* the inbound ring, the lists, stopping */
	bool stopping;
	struct list_head backlog;	/* did not fit in the ring yet */
	struct list_head held;		/* delayed on purpose */
	struct list_head dropped;	/* never answered until a reset */
	struct delayed_work held_work;
	u64 *pfns;		/* copy of a request's page list */
};

struct svsp_host svsp = {
	.lock = __RWSEM_INITIALIZER(svsp.lock),
	.disks = LIST_HEAD_INIT(svsp.disks),
	.ctrls = LIST_HEAD_INIT(svsp.ctrls),
};

/* The newest VSTOR version of the host generation played. */
static u16 svsp_host_vstor(void)
{
	u32 vmbus = sim_host_max_version();
	u16 v;

	/*
	 * Windows Server 2012 is WIN8 (VSTOR 5.1), 2012 R2 is WIN8.1
	 * (6.0), 2016 and later WIN10 (6.2): storvsc_drv.c's version
	 * history, and each host's VMBus version (include/hv/version.h).
	 */
	if (vmbus >= HV_VMBUS_VERSION_WIN10)
		v = HV_VSTOR_WIN10;
	else if (vmbus >= HV_VMBUS_VERSION_WIN8_1)
		v = HV_VSTOR_WIN8_1;
	else
		v = HV_VSTOR_WIN8;
	if (vstor_version && vstor_version < v)
		v = vstor_version;
	return v;
}

static bool svsp_version_known(u16 v)
{
	return v == HV_VSTOR_WIN8 || v == HV_VSTOR_WIN8_1 ||
	       v == HV_VSTOR_WIN10;
}

/* ---- controllers ---- */

static struct svsp_ctrl *svsp_ctrl_find(const guid_t *instance)
{
	struct svsp_ctrl *c;

	list_for_each_entry(c, &svsp.ctrls, node)
		if (guid_equal(&c->instance, instance))
			return c;
	return NULL;
}

/*
 * The controller of @instance (a channel of @type), made on first use;
 * svsp.lock written.
 */
struct svsp_ctrl *svsp_ctrl_get(const guid_t *instance,
				const struct sim_device_type *type)
{
	bool ide = type == &sim_storvsp_ide_type;

	struct svsp_ctrl *c = svsp_ctrl_find(instance);

	if (c)
		return c;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return NULL;
	c->instance = *instance;
	c->number = svsp.next_ctrl++;
	c->ide = ide;
	c->fc = type == &sim_storvsp_fc_type;
	/* What the guest takes as the IDE disk's target (storvsc_probe()). */
	c->ide_target = instance->b[4];
	INIT_LIST_HEAD(&c->luns);
	INIT_LIST_HEAD(&c->chans);
	spin_lock_init(&c->chan_lock);
	list_add_tail(&c->node, &svsp.ctrls);
	if (type == &sim_storvsp_scsi_type && svsp.boot && !svsp.boot_given) {
		struct svsp_lun *l = kzalloc(sizeof(*l), GFP_KERNEL);

		/* target 0, LUN 0: in place before the guest's first scan */
		if (l) {
			l->disk = svsp.boot->disk;
			sim_scsi_disk_get(l->disk);
			list_add_tail(&l->node, &c->luns);
			svsp.boot_given = true;
		}
	}
	return c;
}

struct svsp_lun *svsp_lun_find(struct svsp_ctrl *c, u8 target, u8 lun)
{
	struct svsp_lun *l;

	list_for_each_entry(l, &c->luns, node)
		if (l->target == target && l->lun == lun)
			return l;
	return NULL;
}

/* ---- the inbound ring ---- */

/* Put one packet; false if the ring is full (the guest was asked to signal). */
static bool svsp_put(struct svsp_chan *sc, u16 type, u64 trans_id,
		     const struct hv_vstor_packet *pkt)
{
	struct sim_channel *ch = sc->ch;
	struct hv_pkt_desc desc = {
		.type = type,
		.offset8 = sizeof(desc) / 8,
		.len8 = (sizeof(desc) + sizeof(*pkt)) / 8,
		.trans_id = trans_id,
	};
	struct kvec kv[2] = {
		{ .iov_base = &desc, .iov_len = sizeof(desc) },
		{ .iov_base = (void *)pkt, .iov_len = sizeof(*pkt) },
	};
	bool signal;
	int ret;

	lockdep_assert_held(&sc->lock);
	ret = sim_ring_put(&ch->in, kv, 2, true, &signal);
	if (ret == -EAGAIN)
		return false;
	if (ret) {
		sim_ring_violation(ch, &ch->in, ret);
		return true;	/* nothing more will fit: drop it */
	}
	ch->bytes_out += sizeof(desc) + sizeof(*pkt);
	ch->packets_out++;
	if (signal)
		sim_interrupt_guest(ch);
	return true;
}

/* Send what waited for ring space, in order; false if some still waits. */
static bool svsp_flush_backlog(struct svsp_chan *sc)
{
	struct svsp_cmpl *cp, *t;

	lockdep_assert_held(&sc->lock);
	list_for_each_entry_safe(cp, t, &sc->backlog, node) {
		if (!svsp_put(sc, HV_PKT_COMP, cp->trans_id, &cp->pkt))
			return false;
		list_del(&cp->node);
		kfree(cp);
	}
	return true;
}

/* Send a completion now, or behind those that wait for space. */
static void svsp_send_now(struct svsp_chan *sc, struct svsp_cmpl *cp)
{
	lockdep_assert_held(&sc->lock);
	if (list_empty(&sc->backlog) &&
	    svsp_put(sc, HV_PKT_COMP, cp->trans_id, &cp->pkt)) {
		kfree(cp);
		return;
	}
	list_add_tail(&cp->node, &sc->backlog);
}

static void svsp_held_work(struct work_struct *work)
{
	struct svsp_chan *sc = container_of(to_delayed_work(work),
					    struct svsp_chan, held_work);
	unsigned long next = 0;
	struct svsp_cmpl *cp, *t;

	spin_lock_bh(&sc->lock);
	if (sc->stopping) {
		spin_unlock_bh(&sc->lock);
		return;
	}
	list_for_each_entry_safe(cp, t, &sc->held, node) {
		if (time_before(jiffies, cp->due)) {
			if (!next || time_before(cp->due, next))
				next = cp->due;
			continue;
		}
		list_del(&cp->node);
		svsp_send_now(sc, cp);
	}
	if (next)
		mod_delayed_work(sim.chan_wq, &sc->held_work,
				 max_t(long, next - jiffies, 1));
	spin_unlock_bh(&sc->lock);
}

/*
 * Apply the controller's faults, then send or hold @cp: a duplicate goes
 * right after the real completion, a completion with an id never handed
 * out right before it.
 */
static void svsp_complete(struct svsp_chan *sc, struct svsp_cmpl *cp,
			  bool srb)
{
	struct svsp_ctrl *c = sc->ctrl;
	struct svsp_cmpl *dup = NULL, *bogus = NULL;
	u32 delay = READ_ONCE(c->delay_ms);
	u32 reorder = READ_ONCE(c->reorder);
	bool hold;

	if (srb && atomic_add_unless(&c->drop, -1, 0)) {
		spin_lock_bh(&sc->lock);
		list_add_tail(&cp->node, &sc->dropped);
		spin_unlock_bh(&sc->lock);
		return;
	}
	if (srb && atomic_add_unless(&c->badlen, -1, 0)) {
		cp->pkt.srb.data_transfer_length = cp->len + SVSP_PAGE;
		cp->pkt.srb.sense_info_length = 0xff;
	}
	if (atomic_add_unless(&c->dup, -1, 0))
		dup = kmemdup(cp, sizeof(*cp), GFP_KERNEL);
	if (srb && atomic_add_unless(&c->bogus, -1, 0)) {
		bogus = kmemdup(cp, sizeof(*cp), GFP_KERNEL);
		if (bogus)
			bogus->trans_id ^= 1ULL << 47;
	}
	hold = srb && delay &&
	       (!reorder || atomic_inc_return(&c->sent) % reorder == 0);

	spin_lock_bh(&sc->lock);
	if (bogus)
		svsp_send_now(sc, bogus);
	if (hold) {
		cp->due = jiffies + msecs_to_jiffies(delay);
		list_add_tail(&cp->node, &sc->held);
		if (dup) {
			dup->due = cp->due;
			list_add_tail(&dup->node, &sc->held);
		}
		if (!sc->stopping)
			mod_delayed_work(sim.chan_wq, &sc->held_work,
					 msecs_to_jiffies(delay));
	} else {
		svsp_send_now(sc, cp);
		if (dup)
			svsp_send_now(sc, dup);
	}
	spin_unlock_bh(&sc->lock);
}

/* Answer a non-SRB request: the packet back as COMPLETE_IO with @status. */
static void svsp_reply(struct svsp_chan *sc, u64 trans_id,
		       const struct hv_vstor_packet *req, u32 status)
{
	struct svsp_cmpl *cp = kzalloc(sizeof(*cp), GFP_KERNEL);

	if (!cp)
		return;		/* the guest times out, as on a host short of memory */
	cp->trans_id = trans_id;
	cp->pkt = *req;
	cp->pkt.operation = HV_VSTOR_OP_COMPLETE_IO;
	cp->pkt.flags = 0;
	cp->pkt.status = status;
	svsp_complete(sc, cp, false);
}

/*
 * The adapter's world-wide names: two sets, as Hyper-V gives a virtual FC
 * adapter (the host moves between them in a live migration). Assumed:
 * names under Hyper-V's default WWN prefix C003FF, from the controller's
 * number; the port and node names of a set differ in their last byte.
 */
static void svsp_fc_wwn(const struct svsp_ctrl *c, struct hv_vstor_fc_wwn *w)
{
	static const u8 prefix[5] = { 0xc0, 0x03, 0xff, 0x00, 0x00 };
	int set;

	memset(w, 0, sizeof(*w));
	w->primary_active = !READ_ONCE(c->fc_secondary);
	for (set = 0; set < 2; set++) {
		u8 *port = set ? w->secondary_port_wwn : w->primary_port_wwn;
		u8 *node = set ? w->secondary_node_wwn : w->primary_node_wwn;

		memcpy(port, prefix, sizeof(prefix));
		port[5] = c->number >> 8;
		port[6] = c->number & 0xff;
		port[7] = set * 2;
		memcpy(node, port, 8);
		node[7] = set * 2 + 1;
	}
}

/* ---- unsolicited messages ---- */

static void svsp_notify_pkt(struct svsp_ctrl *c,
			    const struct hv_vstor_packet *pkt)
{
	struct svsp_chan *sc;

	spin_lock_bh(&c->chan_lock);
	sc = list_first_entry_or_null(&c->chans, struct svsp_chan, node);
	if (sc && !sc->ch->sub_index && c->state == SVSP_READY) {
		spin_lock(&sc->lock);
		/*
		 * Assumed: a notice that finds the ring full is dropped; the
		 * guest rescans on the next one.
		 */
		if (!sc->stopping && svsp_put(sc, HV_PKT_DATA_INBAND, 0, pkt))
			atomic64_inc(&c->unsolicited);
		spin_unlock(&sc->lock);
	}
	spin_unlock_bh(&c->chan_lock);
}

void svsp_notify(struct svsp_ctrl *c, u32 op)
{
	struct hv_vstor_packet pkt = { .operation = op };

	svsp_notify_pkt(c, &pkt);
}

/*
 * The other set of names becomes the active one, and the guest is told
 * with an FCHBA_DATA of the host's own (storvsc_on_receive() takes it).
 */
void svsp_fc_switch(struct svsp_ctrl *c)
{
	struct hv_vstor_packet pkt = { .operation = HV_VSTOR_OP_FCHBA_DATA };

	WRITE_ONCE(c->fc_secondary, !c->fc_secondary);
	svsp_fc_wwn(c, &pkt.wwn);
	svsp_notify_pkt(c, &pkt);
}

/* Channels of @c open now. */
int svsp_ctrl_channels(struct svsp_ctrl *c)
{
	struct svsp_chan *sc;
	int n = 0;

	spin_lock_bh(&c->chan_lock);
	list_for_each_entry(sc, &c->chans, node)
		n++;
	spin_unlock_bh(&c->chan_lock);
	return n;
}

/* ---- requests ---- */

struct svsp_req {
	u64 trans_id;
	struct hv_vstor_packet pkt;
	struct sim_scsi_buf buf;
	bool has_buf;
};

/*
 * Parse the packet in ch->buf (@len bytes): in-band, or GPA direct with
 * one multi-page range. The page list is copied to sc->pfns.
 */
static int svsp_parse(struct svsp_chan *sc, u32 len, struct svsp_req *r)
{
	struct sim_channel *ch = sc->ch;
	const struct hv_pkt_desc *desc = (void *)ch->buf;
	u32 off = desc->offset8 * 8, body;

	r->trans_id = desc->trans_id;
	r->has_buf = false;
	if (off < sizeof(*desc) || off > len) {
		sim_violation("storage relid %u: descriptor of %u bytes in a %u-byte packet",
			      ch->relid, off, len);
		return -EPROTO;
	}
	body = len - off;
	if (body < sizeof(r->pkt)) {
		sim_violation("storage relid %u: a %u-byte request (a vstor packet is %zu)",
			      ch->relid, body, sizeof(r->pkt));
		return -EPROTO;
	}
	memcpy(&r->pkt, ch->buf + off, sizeof(r->pkt));
	if (!(desc->flags & HV_PKT_FLAG_COMPLETION_REQUESTED))
		sim_violation("storage relid %u: request without completion requested",
			      ch->relid);

	if (desc->type == HV_PKT_DATA_INBAND)
		return 0;
	if (desc->type == HV_PKT_DATA_USING_GPA_DIRECT) {
		const struct hv_pkt_mpb *mpb = (void *)ch->buf;
		u32 npfns, need;

		if (off < sizeof(*mpb) || mpb->rangecount != 1) {
			sim_violation("storage relid %u: GPA direct packet with %u ranges",
				      ch->relid, off < sizeof(*mpb) ? 0 : mpb->rangecount);
			return -EPROTO;
		}
		npfns = (off - sizeof(*mpb)) / sizeof(u64);
		if (mpb->range.offset >= SVSP_PAGE || !mpb->range.len ||
		    (u64)mpb->range.offset + mpb->range.len >
		    (u64)npfns * SVSP_PAGE) {
			sim_violation("storage relid %u: range of %u bytes at %u over %u pages",
				      ch->relid, mpb->range.len,
				      mpb->range.offset, npfns);
			return -EPROTO;
		}
		need = DIV_ROUND_UP(mpb->range.offset + mpb->range.len,
				    SVSP_PAGE);
		if (need != npfns)
			sim_violation("storage relid %u: %u pages for %u bytes at %u",
				      ch->relid, npfns, mpb->range.len,
				      mpb->range.offset);
		memcpy(sc->pfns, mpb->range.pfn_array,
		       min(need, npfns) * sizeof(u64));
		r->buf.pfns = sc->pfns;
		r->buf.npfns = min(need, npfns);
		r->buf.offset = mpb->range.offset;
		r->buf.len = mpb->range.len;
		r->has_buf = true;
		return 0;
	}
	sim_violation("storage relid %u: packet type %u", ch->relid, desc->type);
	return -EPROTO;
}

static void svsp_srb_status(struct hv_vstor_srb *srb,
			    const struct sim_scsi_result *res)
{
	srb->scsi_status = res->status;
	srb->data_transfer_length = res->transferred;
	if (!res->status) {
		srb->srb_status = HV_SRB_STATUS_SUCCESS;
		srb->sense_info_length = 0;
		return;
	}
	/*
	 * Assumed: a SCSI status other than GOOD is SRB_STATUS_ERROR, with
	 * AUTOSENSE_VALID and the sense data in place of the CDB when there
	 * is sense (storvsc_on_io_completion() reads it there).
	 */
	srb->srb_status = HV_SRB_STATUS_ERROR;
	memset(srb->sense_data, 0, sizeof(srb->sense_data));
	if (res->sense_len) {
		u8 n = min_t(u8, res->sense_len, sizeof(srb->sense_data));

		memcpy(srb->sense_data, res->sense, n);
		srb->sense_info_length = n;
		srb->srb_status |= HV_SRB_STATUS_AUTOSENSE_VALID;
	} else {
		srb->sense_info_length = 0;
	}
}

/* Find what @srb addresses and run it; fills the SRB's answer. */
static void svsp_run_srb(struct svsp_chan *sc, struct svsp_req *r)
{
	struct svsp_ctrl *c = sc->ctrl;
	struct hv_vstor_srb *srb = &r->pkt.srb;
	struct sim_scsi_result res = {};
	struct sim_scsi_buf buf = {};
	struct sim_scsi_disk *disk = NULL;
	u16 luns[HV_VSTOR_SCSI_MAX_LUNS];
	u8 cdb[HV_VSTOR_CDB_MAX];
	u32 nluns = 0, cdb_len;
	struct svsp_lun *l;
	u8 target;

	atomic64_inc(&c->srbs);
	cdb_len = srb->cdb_length;
	if (srb->length != sizeof(*srb) || !cdb_len ||
	    cdb_len > HV_VSTOR_CDB_MAX || srb->data_in > HV_VSTOR_NO_DATA) {
		sim_violation("storage ctrl %u: SRB length %u, CDB %u bytes, direction %u",
			      c->number, srb->length, cdb_len, srb->data_in);
		goto invalid;
	}
	memcpy(cdb, srb->cdb, cdb_len);
	if (r->has_buf) {
		buf = r->buf;
		if (srb->data_transfer_length > buf.len) {
			sim_violation("storage ctrl %u: SRB asks %u bytes of a %u-byte buffer",
				      c->number, srb->data_transfer_length,
				      buf.len);
			goto invalid;
		}
		buf.len = srb->data_transfer_length;
		if (srb->data_in == HV_VSTOR_NO_DATA) {
			sim_violation("storage ctrl %u: a buffer with no data direction",
				      c->number);
			goto invalid;
		}
		buf.to_device = srb->data_in == HV_VSTOR_WRITE;
	} else if (srb->data_transfer_length) {
		sim_violation("storage ctrl %u: SRB asks %u bytes without a buffer",
			      c->number, srb->data_transfer_length);
		goto invalid;
	}

	target = srb->target_id;
	down_read(&svsp.lock);
	if (c->ide) {
		/* One disk, at the target the instance names, LUN 0. */
		l = list_first_entry_or_null(&c->luns, struct svsp_lun, node);
		if (l && srb->path_id == 0 && target == c->ide_target) {
			if (srb->lun == 0)
				disk = l->disk;
			luns[nluns++] = 0;
		}
	} else if (srb->path_id == 0) {
		list_for_each_entry(l, &c->luns, node) {
			if (l->target != target)
				continue;
			luns[nluns++] = l->lun;
			if (l->lun == srb->lun)
				disk = l->disk;
		}
	}
	if (disk)
		sim_scsi_disk_get(disk);
	up_read(&svsp.lock);

	/* Assumed: every address answers REPORT LUNS, with no LUN if none. */
	if (cdb[0] == 0xa0) {	/* REPORT LUNS */
		sim_scsi_report_luns(luns, nluns, cdb, cdb_len, &buf, &res);
	} else if (disk) {
		if (sim_scsi_exec(disk, c->number, cdb, cdb_len, &buf, &res))
			sim_violation("storage ctrl %u: a buffer page that is not guest RAM",
				      c->number);
	} else if (cdb[0] == 0x12) {	/* INQUIRY */
		/*
		 * Assumed: INQUIRY of any address without a disk is answered
		 * as SPC says (peripheral qualifier 011b: no unit there). A
		 * guest driver that takes every INQUIRY for a success, as
		 * upstream's storvsc_on_io_completion() does, would otherwise
		 * find a disk at every channel, target and LUN it scans.
		 */
		sim_scsi_no_lun(cdb, cdb_len, &buf, &res);
	} else {
		/*
		 * Assumed: any other command for an address without a disk
		 * gets SRB_STATUS_INVALID_LUN (upstream removes the device on
		 * it).
		 */
		srb->srb_status = HV_SRB_STATUS_INVALID_LUN;
		srb->scsi_status = 0;
		srb->sense_info_length = 0;
		srb->data_transfer_length = 0;
		return;
	}
	if (disk)
		sim_scsi_disk_put(disk);
	svsp_srb_status(srb, &res);
	return;

invalid:
	atomic64_inc(&c->refused);
	srb->srb_status = HV_SRB_STATUS_INVALID_REQUEST;
	srb->scsi_status = 0;
	srb->sense_info_length = 0;
	srb->data_transfer_length = 0;
}

static void svsp_srb(struct svsp_chan *sc, struct svsp_req *r)
{
	struct svsp_cmpl *cp;
	u32 len = r->has_buf ? r->buf.len : 0;

	svsp_run_srb(sc, r);
	cp = kzalloc(sizeof(*cp), GFP_KERNEL);
	if (!cp)
		return;
	cp->trans_id = r->trans_id;
	cp->len = len;
	cp->pkt = r->pkt;
	cp->pkt.operation = HV_VSTOR_OP_COMPLETE_IO;
	cp->pkt.flags = 0;
	cp->pkt.status = 0;
	svsp_complete(sc, cp, true);
}

/* Answer every command held back or dropped, as a reset does. */
static void svsp_reset(struct svsp_ctrl *c)
{
	struct svsp_chan *sc;
	struct svsp_cmpl *cp, *t;

	atomic64_inc(&c->resets);
	spin_lock_bh(&c->chan_lock);
	list_for_each_entry(sc, &c->chans, node) {
		spin_lock(&sc->lock);
		list_splice_tail_init(&sc->held, &sc->dropped);
		list_for_each_entry_safe(cp, t, &sc->dropped, node) {
			list_del(&cp->node);
			/*
			 * Assumed: the host ends what it held with
			 * SRB_STATUS_BUS_RESET and nothing moved.
			 */
			cp->pkt.srb.srb_status = HV_SRB_STATUS_BUS_RESET;
			cp->pkt.srb.scsi_status = 0;
			cp->pkt.srb.sense_info_length = 0;
			cp->pkt.srb.data_transfer_length = 0;
			svsp_send_now(sc, cp);
		}
		spin_unlock(&sc->lock);
	}
	spin_unlock_bh(&c->chan_lock);
}

struct svsp_sub_work {
	struct work_struct work;
	const struct sim_device_type *type;	/* the primary's */
	guid_t instance;
	u32 count;
};

static void svsp_offer_subs(struct work_struct *work)
{
	struct svsp_sub_work *sw = container_of(work, struct svsp_sub_work,
						work);
	u32 i;

	for (i = 1; i <= sw->count; i++)
		if (sim_offer(sw->type, i, &sw->instance) < 0)
			break;
	kfree(sw);
}

static u16 svsp_max_subs(void)
{
	u32 n = storage_channels ?: num_online_cpus();

	return min_t(u32, n, SVSP_SUB_MAX);
}

/* An initialisation or control request on the primary channel. */
static void svsp_control(struct svsp_chan *sc, struct svsp_req *r)
{
	struct svsp_ctrl *c = sc->ctrl;
	struct hv_vstor_packet *p = &r->pkt;
	enum svsp_state state;
	u32 status = 0;

	spin_lock_bh(&c->chan_lock);
	state = c->state;
	spin_unlock_bh(&c->chan_lock);

	switch (p->operation) {
	case HV_VSTOR_OP_BEGIN_INIT:
		state = SVSP_BEGUN;
		c->subs_requested = false;
		break;
	case HV_VSTOR_OP_QUERY_VERSION:
		if (state != SVSP_BEGUN && state != SVSP_VERSIONED) {
			sim_violation("storage ctrl %u: QUERY_PROTOCOL_VERSION before BEGIN_INIT",
				      c->number);
			status = SVSP_STATUS_INVALID_REQUEST;
			break;
		}
		if (!svsp_version_known(p->version.major_minor) ||
		    p->version.major_minor > svsp_host_vstor()) {
			status = SVSP_STATUS_REVISION_MISMATCH;
			break;
		}
		c->version = p->version.major_minor;
		state = SVSP_VERSIONED;
		break;
	case HV_VSTOR_OP_QUERY_PROPERTIES:
		if (state != SVSP_VERSIONED) {
			sim_violation("storage ctrl %u: QUERY_PROPERTIES before a version",
				      c->number);
			status = SVSP_STATUS_INVALID_REQUEST;
			break;
		}
		memset(&p->props, 0, sizeof(p->props));
		/* IDE has one channel; SCSI offers sub-channels. */
		if (!c->ide) {
			p->props.max_channel_cnt = svsp_max_subs();
			p->props.flags = HV_VSTOR_PROP_MULTI_CHANNEL;
		}
		p->props.max_transfer_bytes = max_transfer_kib * 1024;
		break;
	case HV_VSTOR_OP_END_INIT:
		if (state != SVSP_VERSIONED) {
			sim_violation("storage ctrl %u: END_INITIALIZATION before a version",
				      c->number);
			status = SVSP_STATUS_INVALID_REQUEST;
			break;
		}
		state = SVSP_READY;
		break;
	case HV_VSTOR_OP_FCHBA_DATA:
		/* after the properties (storvsc_channel_init()), FC only */
		if (!c->fc || (state != SVSP_VERSIONED && state != SVSP_READY)) {
			sim_violation("storage ctrl %u: FCHBA_DATA %s",
				      c->number, c->fc ? "before a version" :
				      "on a controller that is not Fibre Channel");
			status = SVSP_STATUS_INVALID_REQUEST;
			break;
		}
		svsp_fc_wwn(c, &p->wwn);
		break;
	case HV_VSTOR_OP_CREATE_SUB_CHANNELS: {
		struct svsp_sub_work *sw;
		u16 n = p->sub_channel_count;

		if (state != SVSP_READY || c->ide || c->subs_requested ||
		    !n || n > svsp_max_subs()) {
			sim_violation("storage ctrl %u: %u sub-channels (state %d, %u offered%s)",
				      c->number, n, state, svsp_max_subs(),
				      c->subs_requested ? ", asked before" : "");
			status = SVSP_STATUS_INVALID_REQUEST;
			break;
		}
		sw = kzalloc(sizeof(*sw), GFP_KERNEL);
		if (!sw) {
			status = SVSP_STATUS_INVALID_REQUEST;
			break;
		}
		c->subs_requested = true;
		sw->type = c->fc ? &sim_storvsp_fc_type : &sim_storvsp_scsi_type;
		sw->instance = c->instance;
		sw->count = n;
		INIT_WORK(&sw->work, svsp_offer_subs);
		/* Offers come after the completion (the message loop's order). */
		svsp_reply(sc, r->trans_id, p, 0);
		queue_work(sim.msg_wq, &sw->work);
		return;
	}
	case HV_VSTOR_OP_RESET_BUS:
	case HV_VSTOR_OP_RESET_ADAPTER:
	case HV_VSTOR_OP_RESET_LUN:
		svsp_reset(c);
		break;
	default:
		sim_violation("storage ctrl %u: operation %u", c->number,
			      p->operation);
		status = SVSP_STATUS_INVALID_REQUEST;
		break;
	}
	spin_lock_bh(&c->chan_lock);
	c->state = state;
	spin_unlock_bh(&c->chan_lock);
	svsp_reply(sc, r->trans_id, p, status);
}

static bool svsp_take(struct sim_channel *ch, u32 len)
{
	struct svsp_chan *sc = ch->priv;
	struct svsp_ctrl *c = sc->ctrl;
	struct svsp_req r;
	bool ready, stopping, more;

	/*
	 * Both under chan_lock, where svsp_closed() changes both: a channel
	 * being closed (a rescind) stops taking packets at once, or the
	 * primary's requests taken after its state was reset would look
	 * like the guest's "SCSI request before END_INIT".
	 */
	spin_lock_bh(&c->chan_lock);
	stopping = READ_ONCE(sc->stopping);
	ready = c->state == SVSP_READY;
	spin_unlock_bh(&c->chan_lock);
	if (stopping)
		return false;	/* its packets go with its rings */
	if (svsp_parse(sc, len, &r)) {
		atomic64_inc(&c->refused);
		return true;
	}

	if (r.pkt.operation == HV_VSTOR_OP_EXECUTE_SRB) {
		if (!ready) {
			sim_violation("storage ctrl %u relid %u: SCSI request before END_INIT",
				      c->number, ch->relid);
			atomic64_inc(&c->refused);
			svsp_reply(sc, r.trans_id, &r.pkt,
				   SVSP_STATUS_INVALID_REQUEST);
		} else {
			svsp_srb(sc, &r);
		}
	} else if (ch->sub_index) {
		sim_violation("storage ctrl %u: operation %u on sub-channel %u",
			      c->number, r.pkt.operation, ch->sub_index);
		atomic64_inc(&c->refused);
		svsp_reply(sc, r.trans_id, &r.pkt, SVSP_STATUS_INVALID_REQUEST);
	} else {
		svsp_control(sc, &r);
	}
	/* Stop taking requests while answers wait for ring space. */
	spin_lock_bh(&sc->lock);
	more = list_empty(&sc->backlog);
	spin_unlock_bh(&sc->lock);
	return more;
}

static void svsp_process(struct sim_channel *ch)
{
	/* Pairs with svsp_opened()'s release: its state is set up. */
	struct svsp_chan *sc = smp_load_acquire(&ch->priv);
	bool flushed;

	if (!sc)
		return;
	spin_lock_bh(&sc->lock);
	flushed = sc->stopping ? false : svsp_flush_backlog(sc);
	spin_unlock_bh(&sc->lock);
	if (!flushed)
		return;		/* the guest signals when it has read */
	for (;;) {
		if (sim_ring_drain(ch, svsp_take))
			return;
		if (!sim_ring_unmask(&ch->out))
			return;
	}
}

static void svsp_free_list(struct list_head *list)
{
	struct svsp_cmpl *cp, *t;

	list_for_each_entry_safe(cp, t, list, node) {
		list_del(&cp->node);
		kfree(cp);
	}
}

static void svsp_opened(struct sim_channel *ch)
{
	struct svsp_chan *sc = ch->priv;
	struct svsp_ctrl *c;

	if (!sc) {
		sc = kzalloc(sizeof(*sc), GFP_KERNEL);
		if (sc)
			sc->pfns = kcalloc(SIM_PKT_MAX / sizeof(u64),
					   sizeof(u64), GFP_KERNEL);
		if (!sc || !sc->pfns) {
			kfree(sc);
			pr_err("storage relid %u: no memory for the channel\n",
			       ch->relid);
			return;
		}
		sc->ch = ch;
		spin_lock_init(&sc->lock);
		INIT_LIST_HEAD(&sc->backlog);
		INIT_LIST_HEAD(&sc->held);
		INIT_LIST_HEAD(&sc->dropped);
		INIT_DELAYED_WORK(&sc->held_work, svsp_held_work);
	}
	down_write(&svsp.lock);
	c = svsp_ctrl_get(&ch->instance, ch->type);
	up_write(&svsp.lock);
	if (!c) {
		if (!ch->priv) {
			kfree(sc->pfns);
			kfree(sc);
		}
		return;
	}
	sc->ctrl = c;
	spin_lock_bh(&c->chan_lock);
	if (!ch->sub_index) {
		/* A new open of the primary starts the protocol over. */
		c->state = SVSP_NEW;
		list_add(&sc->node, &c->chans);
	} else {
		list_add_tail(&sc->node, &c->chans);
	}
	spin_unlock_bh(&c->chan_lock);
	/*
	 * Only now may the worker take packets of a channel opened again:
	 * the guest starts as soon as it has the open's answer, and an INIT
	 * sequence taken before the reset above would be undone by it (its
	 * SCSI requests then came "before END_INIT").
	 */
	spin_lock_bh(&sc->lock);
	sc->stopping = false;
	spin_unlock_bh(&sc->lock);
	/* Published set up, for svsp_process()'s acquire. */
	smp_store_release(&ch->priv, sc);
	/* The guest may have written (and signalled) before we got here. */
	queue_work(sim.chan_wq, &ch->work);
}

static void svsp_closed(struct sim_channel *ch)
{
	struct svsp_chan *sc = ch->priv;
	struct svsp_ctrl *c;

	if (!sc)
		return;
	c = sc->ctrl;
	spin_lock_bh(&c->chan_lock);
	list_del(&sc->node);
	if (!ch->sub_index)
		c->state = SVSP_NEW;
	spin_lock(&sc->lock);
	sc->stopping = true;
	spin_unlock(&sc->lock);
	spin_unlock_bh(&c->chan_lock);
	cancel_delayed_work_sync(&sc->held_work);
	/* The guest closed: what it was owed is gone with the rings. */
	spin_lock_bh(&sc->lock);
	svsp_free_list(&sc->backlog);
	svsp_free_list(&sc->held);
	svsp_free_list(&sc->dropped);
	spin_unlock_bh(&sc->lock);
}

static void svsp_release(struct sim_channel *ch)
{
	struct svsp_chan *sc = ch->priv;

	if (!sc)
		return;
	ch->priv = NULL;
	kfree(sc->pfns);
	kfree(sc);
}

/*
 * Generation 1 IDE disks: the guest takes the target from bytes 4 and 5
 * of the instance GUID (storvsc_probe()). Assumed: the host numbers its
 * IDE locations 0..3 there (controller * 2 + device); the rest of the
 * GUID is random.
 */
static void svsp_ide_instance(guid_t *instance)
{
	guid_gen(instance);
	instance->b[4] = atomic_inc_return(&svsp.ide_slots) - 1;
	instance->b[4] &= 3;
	instance->b[5] = 0;
}

const struct sim_device_type sim_storvsp_scsi_type = {
	.name = "scsi",
	.class_id = HV_CLASS_SCSI,
	.process = svsp_process,
	.opened = svsp_opened,
	.closed = svsp_closed,
	.release = svsp_release,
	.monitored = true,
};

/* A Generation 2 VM's virtual Fibre Channel adapter: SCSI, and names. */
const struct sim_device_type sim_storvsp_fc_type = {
	.name = "fc",
	.class_id = HV_CLASS_FC,
	.process = svsp_process,
	.opened = svsp_opened,
	.closed = svsp_closed,
	.release = svsp_release,
	.monitored = true,
};

const struct sim_device_type sim_storvsp_ide_type = {
	.name = "ide",
	.class_id = HV_CLASS_IDE,
	.process = svsp_process,
	.opened = svsp_opened,
	.closed = svsp_closed,
	.release = svsp_release,
	.make_instance = svsp_ide_instance,
	.monitored = true,
};
