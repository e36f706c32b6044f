/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's end of a VMBus ring buffer.
 *
 * This is hv_sim's own code, not the guest's (kernel/vmbus/ring.c): the
 * host and the guest must not share a misunderstanding of the ring, or no
 * test could see it. It keeps to the rules a host keeps, taken from the
 * wire layout (include/linux/hyperv.h: struct hv_ring_buffer, struct
 * vmpacket_descriptor) and from what upstream's guest expects of the
 * other end (drivers/hv/ring_buffer.c: hv_ringbuffer_write(),
 * hv_pkt_iter_first(), hv_pkt_iter_close(), hv_need_to_signal()):
 *
 *  - each end owns one index of each ring: the host the read index of the
 *    ring the guest writes and the write index of the ring it writes. The
 *    host keeps its own copy and never takes it back from shared memory;
 *    a guest that changes it has broken the ring;
 *  - empty is read == write, so a writer leaves at least one byte free;
 *  - a packet is a descriptor (16 bytes, its own length in offset8), the
 *    payload to len8 * 8 bytes, and a u64 trailer whose high half is the
 *    index at which the packet starts;
 *  - a writer signals the reader only when the ring was empty before the
 *    write and the reader has not masked interrupts;
 *  - a writer short of space may ask, in pending_send_sz, to be signalled
 *    once when that much is free; the reader signals on the read that
 *    makes the free space pass it. The host asks only if the guest says
 *    in feature_bits that it honours the request.
 *
 * The data area is mapped once (not twice, as the guest maps it): a packet
 * that wraps is copied in two pieces.
 *
 * A ring the guest broke stays broken until the channel is opened again:
 * every call then fails with -EPROTO and @why says what was wrong, for the
 * caller to count as a violation.
 */
#ifndef HVG_SIM_RING_H
#define HVG_SIM_RING_H

#include <linux/types.h>
#include <linux/uio.h>
#include <hv/ring.h>

struct sim_ring {
	struct hv_ring_header *hdr;
	u8 *data;
	u32 size;		/* bytes in the data area */
	u32 own;		/* the host's index: read or write, by role */
	bool host_writes;	/* host-to-guest ring */
	bool broken;
	char why[96];		/* what broke it */
};

/*
 * Map the ring whose pages are @pfns[0..@n) (header first). The guest
 * hands a host fresh rings: both indices 0. Returns 0, -EINVAL for fewer
 * than two pages, -ENOMEM, or -EPROTO (see @why).
 */
int sim_ring_attach(struct sim_ring *r, const u64 *pfns, u32 n,
		    bool host_writes);
void sim_ring_detach(struct sim_ring *r);

/*
 * Take the next packet of the guest-to-host ring into @buf (descriptor
 * first). Returns its length (without the trailer); -EAGAIN when empty;
 * -EMSGSIZE when it is longer than @buflen (it stays in the ring);
 * -EPROTO when the guest broke the ring. *@signal says that the guest
 * waits for the space this read freed.
 */
int sim_ring_get(struct sim_ring *r, void *buf, u32 buflen, bool *signal);

/*
 * Put one packet (the @nkv pieces, descriptor first, 8-byte multiple) in
 * the host-to-guest ring. -EAGAIN when it does not fit: with @ask_space
 * the guest is asked to signal when it does. -EPROTO when the guest broke
 * the ring. *@signal says the guest must be interrupted.
 */
int sim_ring_put(struct sim_ring *r, const struct kvec *kv, unsigned int nkv,
		 bool ask_space, bool *signal);

/* Bytes the guest has published and the host not read (reader ring). */
u32 sim_ring_unread(struct sim_ring *r);
/* The host polls: the guest need not signal. */
void sim_ring_mask(struct sim_ring *r);
/* The host stops polling; returns sim_ring_unread() after unmasking. */
u32 sim_ring_unmask(struct sim_ring *r);

#endif /* HVG_SIM_RING_H */
