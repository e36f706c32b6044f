// SPDX-License-Identifier: GPL-2.0
/*
 * The host's end of a VMBus ring buffer (the rules are in ring.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <asm/barrier.h>
#include "ring.h"

#define SIM_TRAILER	sizeof(u64)

static __printf(2, 3) int sim_ring_break(struct sim_ring *r,
					 const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, args);
	va_end(args);
	r->broken = true;
	return -EPROTO;
}

static bool sim_ring_index_ok(const struct sim_ring *r, u32 index)
{
	return index < r->size && !(index & 7);
}

/* Bytes from @from up to @to, going round the ring. */
static u32 sim_ring_dist(const struct sim_ring *r, u32 from, u32 to)
{
	return to >= from ? to - from : r->size - from + to;
}

static void sim_ring_copy_from(const struct sim_ring *r, u32 at, void *dst,
			       u32 len)
{
	u32 first = min(len, r->size - at);

	memcpy(dst, r->data + at, first);
	memcpy((u8 *)dst + first, r->data, len - first);
}

/* Copies @len bytes to @at and returns the index after them. */
static u32 sim_ring_copy_to(struct sim_ring *r, u32 at, const void *src,
			    u32 len)
{
	u32 first = min(len, r->size - at);

	memcpy(r->data + at, src, first);
	memcpy(r->data, (const u8 *)src + first, len - first);
	return (at + len) % r->size;
}

int sim_ring_attach(struct sim_ring *r, const u64 *pfns, u32 n,
		    bool host_writes)
{
	struct page **pages;
	struct page *hdr_page;
	u32 i;

	memset(r, 0, sizeof(*r));
	if (n < 2)
		return -EINVAL;
	pages = kcalloc(n - 1, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (i = 1; i < n; i++)
		pages[i - 1] = pfn_to_page(pfns[i]);
	hdr_page = pfn_to_page(pfns[0]);
	r->hdr = vmap(&hdr_page, 1, VM_MAP, PAGE_KERNEL);
	r->data = vmap(pages, n - 1, VM_MAP, PAGE_KERNEL);
	kfree(pages);
	if (!r->hdr || !r->data) {
		sim_ring_detach(r);
		return -ENOMEM;
	}
	r->size = (n - 1) * PAGE_SIZE;
	r->host_writes = host_writes;
	if (READ_ONCE(r->hdr->read_index) || READ_ONCE(r->hdr->write_index))
		return sim_ring_break(r, "opened with indices %u/%u, not 0/0",
				      READ_ONCE(r->hdr->read_index),
				      READ_ONCE(r->hdr->write_index));
	r->own = 0;
	return 0;
}
EXPORT_SYMBOL_GPL(sim_ring_attach);

void sim_ring_detach(struct sim_ring *r)
{
	if (r->hdr)
		vunmap(r->hdr);
	if (r->data)
		vunmap(r->data);
	r->hdr = NULL;
	r->data = NULL;
	r->size = 0;
}
EXPORT_SYMBOL_GPL(sim_ring_detach);

/* Packet types a guest sends (the host-only ones are refused). */
static bool sim_ring_guest_type(u16 type)
{
	switch (type) {
	case HV_PKT_DATA_INBAND:
	case HV_PKT_DATA_USING_GPADL:
	case HV_PKT_DATA_USING_GPA_DIRECT:
	case HV_PKT_CANCEL_REQUEST:
	case HV_PKT_COMP:
		return true;
	default:
		return false;
	}
}

int sim_ring_get(struct sim_ring *r, void *buf, u32 buflen, bool *signal)
{
	struct hv_ring_header *hdr = r->hdr;
	struct hv_pkt_desc d;
	u32 write, shared, avail, len, off, start, want, before, after;
	u64 trailer;

	*signal = false;
	if (r->broken)
		return -EPROTO;
	shared = READ_ONCE(hdr->read_index);
	if (shared != r->own)
		return sim_ring_break(r, "the guest moved the host's read index from %u to %u",
				      r->own, shared);
	write = READ_ONCE(hdr->write_index);
	if (!sim_ring_index_ok(r, write))
		return sim_ring_break(r, "write index %u in a %u-byte ring",
				      write, r->size);
	avail = sim_ring_dist(r, r->own, write);
	if (!avail)
		return -EAGAIN;
	/* The guest's data is read only after the index that published it. */
	virt_rmb();
	if (avail < sizeof(d) + SIM_TRAILER)
		return sim_ring_break(r, "%u bytes published: less than a packet",
				      avail);
	sim_ring_copy_from(r, r->own, &d, sizeof(d));
	len = d.len8 * 8;
	off = d.offset8 * 8;
	if (off < sizeof(d) || off > len)
		return sim_ring_break(r, "descriptor of %u bytes in a packet of %u",
				      off, len);
	if (len + SIM_TRAILER > avail)
		return sim_ring_break(r, "packet of %u bytes where %u are published",
				      len, avail);
	if (!sim_ring_guest_type(d.type))
		return sim_ring_break(r, "packet type %u from the guest", d.type);
	if (d.flags & ~HV_PKT_FLAG_COMPLETION_REQUESTED)
		return sim_ring_break(r, "packet flags %#x", d.flags);
	sim_ring_copy_from(r, (r->own + len) % r->size, &trailer,
			   sizeof(trailer));
	if (trailer != (u64)r->own << 32)
		return sim_ring_break(r, "trailer %#llx after a packet at %u",
				      trailer, r->own);
	if (len > buflen)
		return -EMSGSIZE;
	sim_ring_copy_from(r, r->own, buf, len);
	/* What we checked, not what the guest may have written since. */
	memcpy(buf, &d, sizeof(d));

	start = r->own;
	r->own = (r->own + len + SIM_TRAILER) % r->size;
	/* Done with the packet before its space goes back to the guest. */
	virt_mb();
	WRITE_ONCE(hdr->read_index, r->own);

	/* Our index is visible before we look at the writer's request. */
	virt_mb();
	want = READ_ONCE(hdr->pending_send_sz);
	if (want) {
		write = READ_ONCE(hdr->write_index);
		if (!sim_ring_index_ok(r, write))
			return len;	/* the next call reports it */
		before = r->size - sim_ring_dist(r, start, write);
		after = r->size - sim_ring_dist(r, r->own, write);
		*signal = before <= want && after > want;
	}
	return len;
}
EXPORT_SYMBOL_GPL(sim_ring_get);

int sim_ring_put(struct sim_ring *r, const struct kvec *kv, unsigned int nkv,
		 bool ask_space, bool *signal)
{
	struct hv_ring_header *hdr = r->hdr;
	u32 total = 0, need, read, shared, start, pos;
	bool asked = false;
	unsigned int i;
	u64 trailer;

	*signal = false;
	for (i = 0; i < nkv; i++)
		total += kv[i].iov_len;
	if (total & 7 || total < sizeof(struct hv_pkt_desc))
		return -EINVAL;
	need = total + SIM_TRAILER;
	if (need >= r->size)
		return -EMSGSIZE;
	if (r->broken)
		return -EPROTO;
	shared = READ_ONCE(hdr->write_index);
	if (shared != r->own)
		return sim_ring_break(r, "the guest moved the host's write index from %u to %u",
				      r->own, shared);
	for (;;) {
		read = READ_ONCE(hdr->read_index);
		if (!sim_ring_index_ok(r, read))
			return sim_ring_break(r, "read index %u in a %u-byte ring",
					      read, r->size);
		/* Free space, less the byte that tells full from empty. */
		if (r->size - sim_ring_dist(r, read, r->own) > need)
			break;
		if (asked || !ask_space ||
		    !(READ_ONCE(hdr->feature_bits) & HV_RING_FEAT_PENDING_SEND_SZ))
			return -EAGAIN;
		WRITE_ONCE(hdr->pending_send_sz, need);
		/* The request is visible before we look at the space again. */
		virt_mb();
		asked = true;
	}
	if (READ_ONCE(hdr->pending_send_sz) && ask_space)
		WRITE_ONCE(hdr->pending_send_sz, 0);

	start = r->own;
	pos = start;
	for (i = 0; i < nkv; i++)
		pos = sim_ring_copy_to(r, pos, kv[i].iov_base, kv[i].iov_len);
	trailer = (u64)start << 32;
	pos = sim_ring_copy_to(r, pos, &trailer, sizeof(trailer));
	/* The packet is in place before the index that publishes it. */
	virt_wmb();
	r->own = pos;
	WRITE_ONCE(hdr->write_index, pos);

	/* Our index is visible before we look at the reader's state. */
	virt_mb();
	if (READ_ONCE(hdr->interrupt_mask))
		return 0;
	/* The mask before the read index: the guest writes them that way. */
	virt_rmb();
	*signal = READ_ONCE(hdr->read_index) == start;
	return 0;
}
EXPORT_SYMBOL_GPL(sim_ring_put);

u32 sim_ring_unread(struct sim_ring *r)
{
	u32 write = READ_ONCE(r->hdr->write_index);

	/* A bad index is for sim_ring_get() to report: say there is work. */
	if (!sim_ring_index_ok(r, write))
		return r->size;
	return sim_ring_dist(r, r->own, write);
}
EXPORT_SYMBOL_GPL(sim_ring_unread);

void sim_ring_mask(struct sim_ring *r)
{
	WRITE_ONCE(r->hdr->interrupt_mask, 1);
	/* Masked before we read: the guest sees it or we see its packet. */
	virt_mb();
}
EXPORT_SYMBOL_GPL(sim_ring_mask);

u32 sim_ring_unmask(struct sim_ring *r)
{
	WRITE_ONCE(r->hdr->interrupt_mask, 0);
	/* Unmasked before we look: a packet after this will be signalled. */
	virt_mb();
	return sim_ring_unread(r);
}
EXPORT_SYMBOL_GPL(sim_ring_unmask);
