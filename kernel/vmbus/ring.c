// SPDX-License-Identifier: GPL-2.0
/*
 * VMBus ring buffer arithmetic and signalling: the guest's end. (hv_sim's
 * host end is its own code, sim/ring.c.)
 *
 * The rules, from drivers/hv/ring_buffer.c and the comments in
 * include/linux/hyperv.h:
 *  - read_index == write_index means empty, so a writer never fills the
 *    ring completely: it needs strictly more free bytes than it writes;
 *  - a writer signals the reader only when the ring was empty before its
 *    write (the reader is then idle) and the reader has not set
 *    interrupt_mask (it is polling anyway). A signal per packet is the
 *    performance bug this avoids;
 *  - a writer that lacks space may set pending_send_sz; the reader then
 *    signals it once, when a read makes at least that much space free.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/string.h>
#include <hvg/ring.h>
#include "vmbus.h"

#define HVG_TRAILER_SIZE sizeof(u64)

int hvg_ring_map(struct hvg_ring *ring, struct page **pages, u32 npages)
{
	struct page **map;
	u32 ndata, i;

	if (npages < 2)
		return -EINVAL;
	ndata = npages - 1;
	map = kcalloc(1 + 2 * ndata, sizeof(*map), GFP_KERNEL);
	if (!map)
		return -ENOMEM;
	map[0] = pages[0];
	for (i = 0; i < ndata; i++) {
		map[1 + i] = pages[1 + i];
		map[1 + ndata + i] = pages[1 + i];
	}
	ring->mapping = vmap(map, 1 + 2 * ndata, VM_MAP, PAGE_KERNEL);
	kfree(map);
	if (!ring->mapping)
		return -ENOMEM;
	ring->hdr = ring->mapping;
	ring->data = (u8 *)ring->mapping + PAGE_SIZE;
	ring->size = ndata * PAGE_SIZE;
	ring->packets = 0;
	ring->full_events = 0;
	return 0;
}
EXPORT_SYMBOL_GPL(hvg_ring_map);

void hvg_ring_unmap(struct hvg_ring *ring)
{
	if (ring->mapping)
		vunmap(ring->mapping);
	ring->mapping = NULL;
	ring->hdr = NULL;
	ring->data = NULL;
}
EXPORT_SYMBOL_GPL(hvg_ring_unmap);

void hvg_ring_init_header(struct hvg_ring *ring)
{
	memset(ring->hdr, 0, sizeof(*ring->hdr));
	/* We honour pending_send_sz as a reader (include/linux/hyperv.h). */
	ring->hdr->feature_bits = HV_RING_FEAT_PENDING_SEND_SZ;
}
EXPORT_SYMBOL_GPL(hvg_ring_init_header);

u32 hvg_ring_avail_read(u32 write, u32 read, u32 size)
{
	return write >= read ? write - read : size - read + write;
}
EXPORT_SYMBOL_GPL(hvg_ring_avail_read);

u32 hvg_ring_avail_write(u32 write, u32 read, u32 size)
{
	return size - hvg_ring_avail_read(write, read, size);
}
EXPORT_SYMBOL_GPL(hvg_ring_avail_write);

/* An index from shared memory is usable only if in range and aligned. */
static bool hvg_index_ok(const struct hvg_ring *ring, u32 index)
{
	return index < ring->size && IS_ALIGNED(index, 8);
}

int hvg_ring_write(struct hvg_ring *ring, const struct kvec *kv,
		   unsigned int nkv, bool pending, bool *signal)
{
	struct hv_ring_header *hdr = ring->hdr;
	u32 write, read, total = 0, pos, old_write;
	u64 trailer;
	unsigned int i;

	*signal = false;
	for (i = 0; i < nkv; i++)
		total += kv[i].iov_len;
	if (!IS_ALIGNED(total, 8))
		return -EINVAL;
	if (total + HVG_TRAILER_SIZE >= ring->size)
		return -EMSGSIZE;

	/* We own write_index, but it lives in shared memory: check it too. */
	write = READ_ONCE(hdr->write_index);
	read = READ_ONCE(hdr->read_index);
	if (!hvg_index_ok(ring, write) || !hvg_index_ok(ring, read))
		return -EIO;

	if (hvg_ring_avail_write(write, read, ring->size) <=
	    total + HVG_TRAILER_SIZE) {
		ring->full_events++;
		if (!pending)
			return -EAGAIN;
		WRITE_ONCE(hdr->pending_send_sz, total + HVG_TRAILER_SIZE);
		/* The reader may have freed space before it saw our request. */
		virt_mb();
		read = READ_ONCE(hdr->read_index);
		if (!hvg_index_ok(ring, read))
			return -EIO;
		if (hvg_ring_avail_write(write, read, ring->size) <=
		    total + HVG_TRAILER_SIZE)
			return -EAGAIN;
	}
	if (pending)
		WRITE_ONCE(hdr->pending_send_sz, 0);

	old_write = write;
	pos = write;
	for (i = 0; i < nkv; i++) {
		/* The double mapping makes a wrapping copy contiguous. */
		memcpy(ring->data + pos, kv[i].iov_base, kv[i].iov_len);
		pos += kv[i].iov_len;
	}
	trailer = (u64)old_write << 32;
	memcpy(ring->data + pos, &trailer, sizeof(trailer));
	pos = (pos + HVG_TRAILER_SIZE) % ring->size;

	/* The packet must be visible before the index that publishes it. */
	virt_mb();
	WRITE_ONCE(hdr->write_index, pos);
	ring->packets++;

	/*
	 * Signal only an idle, unmasked reader: empty before this write.
	 * The barrier orders our index store before reading its mask.
	 */
	virt_mb();
	if (READ_ONCE(hdr->interrupt_mask))
		return 0;
	virt_rmb(); /* mask before read_index, as the reader writes them */
	*signal = READ_ONCE(hdr->read_index) == old_write;
	return 0;
}
EXPORT_SYMBOL_GPL(hvg_ring_write);

int hvg_ring_check_desc(const struct hv_pkt_desc *desc, u32 avail)
{
	u32 len = (u32)desc->len8 * 8, off = (u32)desc->offset8 * 8;

	if (off < sizeof(*desc) || off > len)
		return -EIO;
	if ((u64)len + HVG_TRAILER_SIZE > avail)
		return -EIO;
	return 0;
}
EXPORT_SYMBOL_GPL(hvg_ring_check_desc);

int hvg_ring_read(struct hvg_ring *ring, void *buf, u32 buflen,
		  u32 *needed, bool *signal)
{
	struct hv_ring_header *hdr = ring->hdr;
	struct hv_pkt_desc desc;
	u32 write, read, old_read, avail, len, pending, free_before, free_after;

	*signal = false;
	write = READ_ONCE(hdr->write_index);
	read = READ_ONCE(hdr->read_index);
	if (!hvg_index_ok(ring, write) || !hvg_index_ok(ring, read))
		return -EIO;
	avail = hvg_ring_avail_read(write, read, ring->size);
	if (!avail)
		return -EAGAIN;
	if (avail < sizeof(desc) + HVG_TRAILER_SIZE)
		return -EIO;

	/* Read the writer's data only after seeing its index. */
	virt_rmb();
	memcpy(&desc, ring->data + read, sizeof(desc));
	if (hvg_ring_check_desc(&desc, avail))
		return -EIO;
	len = (u32)desc.len8 * 8;
	if (len > buflen) {
		if (needed)
			*needed = len;
		return -ENOBUFS;
	}
	memcpy(buf, ring->data + read, len);
	/* The writer could have changed it since: keep the checked copy. */
	memcpy(buf, &desc, sizeof(desc));

	old_read = read;
	read = (read + len + HVG_TRAILER_SIZE) % ring->size;
	/* Finish reading the packet before giving its space back. */
	virt_mb();
	WRITE_ONCE(hdr->read_index, read);
	ring->packets++;

	virt_mb(); /* our read_index store before the writer's request */
	pending = READ_ONCE(hdr->pending_send_sz);
	if (pending) {
		/*
		 * Signal once: on the read that makes enough room. Both sides
		 * of the comparison use the write index as it is now: the
		 * writer may have written since this read began, and the
		 * free space from before it would then be overstated and the
		 * signal lost (upstream's hv_pkt_iter_close() computes it
		 * the same way).
		 */
		write = READ_ONCE(hdr->write_index);
		if (!hvg_index_ok(ring, write))
			return len;
		free_before = hvg_ring_avail_write(write, old_read, ring->size);
		free_after = hvg_ring_avail_write(write, read, ring->size);
		*signal = free_before <= pending && free_after > pending;
	}
	return len;
}
EXPORT_SYMBOL_GPL(hvg_ring_read);

void hvg_ring_mask(struct hvg_ring *ring)
{
	WRITE_ONCE(ring->hdr->interrupt_mask, 1);
	virt_mb(); /* the mask is visible before we read the ring */
}
EXPORT_SYMBOL_GPL(hvg_ring_mask);

u32 hvg_ring_bytes_to_read(struct hvg_ring *ring)
{
	u32 write = READ_ONCE(ring->hdr->write_index);
	u32 read = READ_ONCE(ring->hdr->read_index);

	if (!hvg_index_ok(ring, write) || !hvg_index_ok(ring, read))
		return 0;
	return hvg_ring_avail_read(write, read, ring->size);
}
EXPORT_SYMBOL_GPL(hvg_ring_bytes_to_read);

u32 hvg_ring_unmask(struct hvg_ring *ring)
{
	WRITE_ONCE(ring->hdr->interrupt_mask, 0);
	/* Unmask before looking: a write after this point will signal. */
	virt_mb();
	return hvg_ring_bytes_to_read(ring);
}
EXPORT_SYMBOL_GPL(hvg_ring_unmask);
