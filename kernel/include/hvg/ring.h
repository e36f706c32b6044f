/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One VMBus ring buffer, as the guest sees it.
 *
 * The guest writes one ring of a channel and reads the other; the
 * signalling rules are symmetric. The data area is mapped twice back to
 * back, so a packet that wraps is still contiguous in virtual memory and
 * is copied in one go. The simulated host has its own implementation
 * (sim/ring.c), so that the two ends cannot share a mistake;
 * tests/ring_pair_test.c joins them.
 *
 * Every index read from the shared header is untrusted: the other end can
 * change it at any moment. It is read once, checked against the ring size
 * and alignment, and only the checked copy is used. Packets are copied out
 * of the ring before their contents are looked at.
 */
#ifndef HVG_RING_H
#define HVG_RING_H

#include <linux/types.h>
#include <linux/uio.h>
#include <hv/ring.h>

struct page;

struct hvg_ring {
	struct hv_ring_header *hdr;
	u8 *data;		/* size bytes, then the same bytes again */
	u32 size;		/* bytes in the data area */
	void *mapping;		/* what vunmap() takes */
	/* statistics (KUnit and the echo test read them) */
	u64 packets;		/* packets through this end */
	u64 full_events;	/* writes refused for lack of space */
};

/* Map @npages pages (header page first) as a ring. */
int hvg_ring_map(struct hvg_ring *ring, struct page **pages, u32 npages);
void hvg_ring_unmap(struct hvg_ring *ring);
/* Reset a freshly allocated ring the guest owns (zeroed indices). */
void hvg_ring_init_header(struct hvg_ring *ring);

u32 hvg_ring_avail_read(u32 write, u32 read, u32 size);
u32 hvg_ring_avail_write(u32 write, u32 read, u32 size);

/*
 * Write one packet made of @kv (its lengths must add up to a multiple of
 * 8) and the trailer. Returns 0, -EAGAIN if it does not fit now (with
 * @pending set, pending_send_sz asks the reader to signal when it does),
 * -EMSGSIZE if it can never fit, or -EIO if the shared indices are
 * corrupt. *@signal says whether the reader must be signalled.
 */
int hvg_ring_write(struct hvg_ring *ring, const struct kvec *kv,
		   unsigned int nkv, bool pending, bool *signal);

/*
 * Copy the next packet (descriptor and payload, without the trailer) into
 * @buf after validating it, and consume it. Returns the packet's length,
 * -EAGAIN if the ring is empty, -ENOBUFS if @buflen is too small (the
 * packet stays, *@needed says how much is needed), or -EIO for a corrupt
 * ring. *@signal says whether the writer must be signalled (it asked
 * for space that is now free).
 */
int hvg_ring_read(struct hvg_ring *ring, void *buf, u32 buflen,
		  u32 *needed, bool *signal);

/* Validate a descriptor found with @avail bytes readable; 0 or -EIO. */
int hvg_ring_check_desc(const struct hv_pkt_desc *desc, u32 avail);

/*
 * Reader-side batching: while masked, the writer does not signal us.
 * hvg_ring_unmask() returns the bytes that arrived meanwhile, which the
 * caller must still process (the writer saw the mask and did not signal).
 */
void hvg_ring_mask(struct hvg_ring *ring);
u32 hvg_ring_unmask(struct hvg_ring *ring);
u32 hvg_ring_bytes_to_read(struct hvg_ring *ring);

#endif /* HVG_RING_H */
