/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv_utils internals: the IC framework shared by every service, and the
 * character-device transport that carries KVP, VSS, fcopy and shutdown
 * requests to their daemons.
 *
 * Framework model. Each bound IC device has one worker that reads its
 * channel. A packet is copied out of the ring, its headers validated, and
 * then:
 *  - NEGOTIATE is answered here from the service's version tables;
 *  - a message of the service's type goes to the service's handle(),
 *    which fills in the reply body in place and returns a status, or
 *    returns HVU_DEFER and later calls hvu_reply() exactly once (KVP, VSS
 *    and fcopy wait for their daemon);
 *  - anything else is answered with HV_IC_E_FAIL.
 * While a message is deferred, or while the service holds the device
 * (hvu_hold()), the worker reads nothing more: the host has at most one
 * transaction outstanding per service, and the ring is back-pressure.
 */
#ifndef HVU_H
#define HVU_H

#include <linux/device.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <hv/ic.h>
#include <hvg/vmbus.h>

/* Largest IC packet we accept (upstream reads into 4 pages too). */
#define HVU_PKT_MAX		(4 * 4096)
/*
 * Each ring: its header page and 12 KiB of data, as upstream's
 * VMBUS_RING_SIZE(3 * HV_HYP_PAGE_SIZE) (drivers/hv/hv_util.c); the largest
 * KVP message (SET_IP_INFO, ~7.4 KiB with its headers) fits with room.
 */
#define HVU_RING_BYTES		(4 * 4096)

/* A request the daemon did not answer in time (drivers/hv: HV_UTIL_TIMEOUT). */
#define HVU_TIMEOUT_S		30
/* How long KVP/fcopy hold the host's negotiation for a daemon (HV_UTIL_NEGO_TIMEOUT). */
#define HVU_NEGO_TIMEOUT_S	55

struct hvu_dev;

/* The message being handled; valid until it is answered. */
struct hvu_msg {
	struct hv_ic_hdr *hdr;
	void *body;		/* the service's message, after the headers */
	u32 body_len;		/* bytes of body the packet holds, >= hdr->msgsize */
	u64 trans_id;
};

#define HVU_DEFER		1

struct hvu_service {
	const char *name;
	guid_t class_id;
	u16 msgtype;			/* HV_ICMSG_* */
	const u32 *fw_versions;		/* newest first, HV_IC_VERSION() */
	unsigned int fw_count;
	const u32 *srv_versions;	/* newest first */
	unsigned int srv_count;
	/* Optional: refuse the device (e.g. host too old); set up state. */
	int (*probe)(struct hvu_dev *ud);
	/*
	 * Optional: the channel is open; create what userspace sees (the
	 * device node a daemon opens), which must not exist before (as
	 * upstream creates its transport after vmbus_open()). Nothing is
	 * read from the channel until it returns. On failure, remove() is
	 * called as after a failed open.
	 */
	int (*start)(struct hvu_dev *ud);
	void (*remove)(struct hvu_dev *ud);
	/* Optional: a daemon uses the device now (it must not be taken). */
	bool (*busy)(struct hvu_dev *ud);
	/* Optional: versions agreed (ud->fw_version, ud->srv_version). */
	void (*negotiated)(struct hvu_dev *ud);
	/*
	 * Process context, the device's worker, one message at a time.
	 * Returns HVU_DEFER, or 0 with *status set (HV_IC_S_OK or an HRESULT)
	 * to answer now with the body as handle() left it.
	 */
	int (*handle)(struct hvu_dev *ud, struct hvu_msg *m, u32 *status);
};

struct hvu_dev {
	struct hvg_device *hdev;
	const struct hvu_service *svc;
	struct work_struct work;
	struct mutex lock;	/* pkt, deferred, hold, starting, stopping */
	u8 *pkt;		/* the packet being handled, descriptor first */
	u32 pkt_len;
	struct hvu_msg msg;
	bool deferred;
	bool hold;
	bool starting;		/* probe: the channel is not open and started yet */
	bool stopping;
	u32 fw_version;		/* 0 until negotiated */
	u32 srv_version;
	u32 srv_cap;		/* set by probe: offer no service version above */
	u64 received;		/* messages, for the sysfs/debug log */
	u64 malformed;
	void *priv;		/* the service's state */
};

/* Answer the deferred message with @status; resumes reading. */
void hvu_reply(struct hvu_dev *ud, u32 status);
/* Stop (true) or resume (false) reading the channel. */
void hvu_hold(struct hvu_dev *ud, bool hold);
/* Is a message deferred right now? */
bool hvu_deferred(struct hvu_dev *ud);

/*
 * Character-device transport: /dev/vmbus/<name>, a misc device with the
 * semantics of drivers/hv/hv_utils_transport.c that the stock daemons
 * expect: one opener (a second open gets EBUSY), one message per read()
 * (a buffer too small gets EINVAL) and per write(), poll(), pread/pwrite
 * accepted (the stock fcopy daemon uses them). Messages to the daemon wait
 * in a one-slot mailbox.
 */
struct hvu_transport;

struct hvu_transport_ops {
	/*
	 * A message written by the daemon, process context, no transport lock
	 * held (hvu_transport_send() may be called). Return 0 or a -errno
	 * for write() to return.
	 */
	int (*on_write)(void *ctx, const void *buf, size_t len);
	/* The daemon closed the device (the last reference to its file). */
	void (*on_release)(void *ctx);
};

struct hvu_transport *hvu_transport_create(struct device *parent,
					   const char *name,
					   const struct hvu_transport_ops *ops,
					   void *ctx);
/*
 * Remove the device; call it without holding any lock that the callbacks
 * take. A daemon that still has it open gets ENODEV from
 * read/write/poll (EPOLLERR); callbacks are never made after this returns.
 */
void hvu_transport_destroy(struct hvu_transport *t);
/*
 * Queue @msg for the daemon. -ENODEV: no daemon has the device open;
 * -EBUSY: the previous message has not been read yet.
 */
int hvu_transport_send(struct hvu_transport *t, const void *msg, size_t len);
bool hvu_transport_opened(struct hvu_transport *t);
/*
 * A request timed out: take it back if the daemon has not read it yet
 * (true), so it never acts on a request the host has given up on. False:
 * the daemon has it, and its answer will come late; the service then
 * owes it one drop (upstream matches nothing and takes that late answer
 * as the answer to the next request).
 */
bool hvu_transport_withdraw(struct hvu_transport *t);

/* The services. */
extern const struct hvu_service hvu_heartbeat;
extern const struct hvu_service hvu_shutdown;
extern const struct hvu_service hvu_timesync;
extern const struct hvu_service hvu_kvp;
extern const struct hvu_service hvu_vss;
extern const struct hvu_service hvu_fcopy;

#endif /* HVU_H */
