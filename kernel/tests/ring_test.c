// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the VMBus ring buffer (vmbus/ring.c): index arithmetic,
 * empty/full, wrapping packets, an exactly fitting packet, the signalling
 * rules, and hostile indices and descriptors written by "the other end".
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <hvg/ring.h>
#include "../vmbus/vmbus.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define RING_PAGES 3	/* header + 2 data pages: 8 KiB of data */

struct ring_fixture {
	struct page *pages[RING_PAGES];
	struct hvg_ring ring;
	u8 buf[8192];
};

static int ring_test_init(struct kunit *test)
{
	struct ring_fixture *f;
	int i;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	for (i = 0; i < RING_PAGES; i++) {
		f->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, f->pages[i]);
	}
	KUNIT_ASSERT_EQ(test, hvg_ring_map(&f->ring, f->pages, RING_PAGES), 0);
	hvg_ring_init_header(&f->ring);
	test->priv = f;
	return 0;
}

static void ring_test_exit(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	int i;

	hvg_ring_unmap(&f->ring);
	for (i = 0; i < RING_PAGES; i++)
		__free_page(f->pages[i]);
}

/* Write one in-band packet with @len payload bytes of value @fill. */
static int put(struct hvg_ring *r, u32 len, u8 fill, u64 id, bool *signal)
{
	struct hv_pkt_desc d = {
		.type = HV_PKT_DATA_INBAND,
		.offset8 = 2,
		.len8 = (sizeof(d) + len) / 8,
		.trans_id = id,
	};
	static u8 payload[8192];
	struct kvec kv[2] = {
		{ .iov_base = &d, .iov_len = sizeof(d) },
		{ .iov_base = payload, .iov_len = len },
	};

	memset(payload, fill, len);
	return hvg_ring_write(r, kv, 2, false, signal);
}

static void ring_avail_arithmetic(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hvg_ring_avail_read(0, 0, 4096), 0U);
	KUNIT_EXPECT_EQ(test, hvg_ring_avail_write(0, 0, 4096), 4096U);
	KUNIT_EXPECT_EQ(test, hvg_ring_avail_read(100, 40, 4096), 60U);
	/* wrapped: the writer is behind the reader in index terms */
	KUNIT_EXPECT_EQ(test, hvg_ring_avail_read(8, 4088, 4096), 16U);
	KUNIT_EXPECT_EQ(test, hvg_ring_avail_write(8, 4088, 4096), 4080U);
}

static void ring_empty_read(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	bool sig;

	KUNIT_EXPECT_EQ(test, hvg_ring_read(&f->ring, f->buf, sizeof(f->buf),
					    NULL, &sig), -EAGAIN);
	KUNIT_EXPECT_EQ(test, hvg_ring_bytes_to_read(&f->ring), 0U);
}

/* First packet into an empty, unmasked ring signals; the second does not. */
static void ring_signal_rules(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	bool sig;

	KUNIT_ASSERT_EQ(test, put(&f->ring, 32, 1, 1, &sig), 0);
	KUNIT_EXPECT_TRUE(test, sig);
	KUNIT_ASSERT_EQ(test, put(&f->ring, 32, 2, 2, &sig), 0);
	KUNIT_EXPECT_FALSE(test, sig);
	/* Drain; then a masked reader is not signalled even when empty. */
	while (hvg_ring_read(&f->ring, f->buf, sizeof(f->buf), NULL, &sig) > 0)
		;
	f->ring.hdr->interrupt_mask = 1;
	KUNIT_ASSERT_EQ(test, put(&f->ring, 32, 3, 3, &sig), 0);
	KUNIT_EXPECT_FALSE(test, sig);
	/* Unmasking reports what arrived meanwhile. */
	KUNIT_EXPECT_EQ(test, hvg_ring_unmask(&f->ring), 16U + 32U + 8U);
}

/* Packets cross the end of the data area intact, many times over. */
static void ring_wrap_content(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	u32 i, j, len;
	bool sig;
	int got;

	for (i = 0; i < 1000; i++) {
		len = 8 * (1 + (i * 37) % 200);
		KUNIT_ASSERT_EQ(test, put(&f->ring, len, (u8)i, i, &sig), 0);
		got = hvg_ring_read(&f->ring, f->buf, sizeof(f->buf), NULL, &sig);
		KUNIT_ASSERT_EQ(test, got, (int)(16 + len));
		KUNIT_EXPECT_EQ(test, ((struct hv_pkt_desc *)f->buf)->trans_id,
				(u64)i);
		for (j = 16; j < 16 + len; j++)
			if (f->buf[j] != (u8)i)
				break;
		KUNIT_EXPECT_EQ(test, j, 16 + len);
	}
	KUNIT_EXPECT_EQ(test, f->ring.packets, 2000ULL);
}

/*
 * The ring never fills completely: a packet that would leave zero bytes
 * free is refused, one that leaves 8 is accepted.
 */
static void ring_exact_fit(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	u32 size = f->ring.size;
	bool sig;

	/* 16 descriptor + payload + 8 trailer == size: refused */
	KUNIT_EXPECT_EQ(test, put(&f->ring, size - 24, 0, 1, &sig), -EMSGSIZE);
	/* leaves 8 bytes: accepted, and then nothing more fits */
	KUNIT_EXPECT_EQ(test, put(&f->ring, size - 32, 7, 1, &sig), 0);
	KUNIT_EXPECT_EQ(test, put(&f->ring, 8, 0, 2, &sig), -EAGAIN);
	KUNIT_EXPECT_EQ(test, f->ring.full_events, 1ULL);
	KUNIT_EXPECT_EQ(test, hvg_ring_read(&f->ring, f->buf, sizeof(f->buf),
					    NULL, &sig), (int)(size - 16));
	KUNIT_EXPECT_EQ(test, put(&f->ring, 8, 0, 2, &sig), 0);
}

/* A small buffer is told how much is needed; the packet stays. */
static void ring_small_buffer(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	u32 needed = 0;
	bool sig;

	KUNIT_ASSERT_EQ(test, put(&f->ring, 200, 5, 9, &sig), 0);
	KUNIT_EXPECT_EQ(test, hvg_ring_read(&f->ring, f->buf, 64, &needed, &sig),
			-ENOBUFS);
	KUNIT_EXPECT_EQ(test, needed, 216U);
	KUNIT_EXPECT_EQ(test, hvg_ring_read(&f->ring, f->buf, sizeof(f->buf),
					    NULL, &sig), 216);
}

/* A blocked writer's pending_send_sz makes the freeing read signal once. */
static void ring_pending_send_sz(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct hv_pkt_desc d = { .type = HV_PKT_DATA_INBAND, .offset8 = 2 };
	static u8 big[4096];
	struct kvec kv[2] = {
		{ .iov_base = &d, .iov_len = sizeof(d) },
		{ .iov_base = big, .iov_len = sizeof(big) },
	};
	int reads = 0, signals = 0;
	bool sig;

	d.len8 = (sizeof(d) + sizeof(big)) / 8;
	/* Fill with 1 KiB packets until nothing fits. */
	while (put(&f->ring, 1024 - 16, 1, 0, &sig) == 0)
		;
	KUNIT_ASSERT_EQ(test, hvg_ring_write(&f->ring, kv, 2, true, &sig),
			-EAGAIN);
	KUNIT_EXPECT_EQ(test, f->ring.hdr->pending_send_sz, 4096U + 16 + 8);
	while (hvg_ring_read(&f->ring, f->buf, sizeof(f->buf), NULL, &sig) > 0) {
		reads++;
		signals += sig;
	}
	KUNIT_EXPECT_GT(test, reads, 4);
	KUNIT_EXPECT_EQ(test, signals, 1);
	KUNIT_EXPECT_EQ(test, hvg_ring_write(&f->ring, kv, 2, true, &sig), 0);
	KUNIT_EXPECT_EQ(test, f->ring.hdr->pending_send_sz, 0U);
}

/* Indices out of range or misaligned: the ring reports corruption. */
static void ring_hostile_indices(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	bool sig;

	f->ring.hdr->write_index = f->ring.size;
	KUNIT_EXPECT_EQ(test, hvg_ring_read(&f->ring, f->buf, sizeof(f->buf),
					    NULL, &sig), -EIO);
	f->ring.hdr->write_index = 12;
	KUNIT_EXPECT_EQ(test, hvg_ring_read(&f->ring, f->buf, sizeof(f->buf),
					    NULL, &sig), -EIO);
	f->ring.hdr->write_index = 0;
	f->ring.hdr->read_index = 0xfffffff8;
	KUNIT_EXPECT_EQ(test, put(&f->ring, 8, 0, 0, &sig), -EIO);
	KUNIT_EXPECT_EQ(test, hvg_ring_bytes_to_read(&f->ring), 0U);
}

/* Descriptors that lie about their lengths are refused, not followed. */
static void ring_hostile_descriptors(struct kunit *test)
{
	struct hv_pkt_desc d = {};

	d.offset8 = 2;
	d.len8 = 4;
	KUNIT_EXPECT_EQ(test, hvg_ring_check_desc(&d, 40), 0);
	/* packet + trailer longer than what is readable */
	KUNIT_EXPECT_EQ(test, hvg_ring_check_desc(&d, 39), -EIO);
	/* descriptor shorter than a descriptor */
	d.offset8 = 1;
	KUNIT_EXPECT_EQ(test, hvg_ring_check_desc(&d, 4096), -EIO);
	/* descriptor longer than the packet */
	d.offset8 = 5;
	KUNIT_EXPECT_EQ(test, hvg_ring_check_desc(&d, 4096), -EIO);
	/* maximal lengths do not overflow */
	d.offset8 = 2;
	d.len8 = 0xffff;
	KUNIT_EXPECT_EQ(test, hvg_ring_check_desc(&d, 0xffffffff), 0);
	KUNIT_EXPECT_EQ(test, hvg_ring_check_desc(&d, 8 * 0xffff + 7), -EIO);
	d.len8 = 0;
	KUNIT_EXPECT_EQ(test, hvg_ring_check_desc(&d, 4096), -EIO);
}

/* A corrupt descriptor in the ring: refused, nothing consumed. */
static void ring_hostile_packet_in_ring(struct kunit *test)
{
	struct ring_fixture *f = test->priv;
	struct hv_pkt_desc *d = (void *)f->ring.data;
	bool sig;

	d->offset8 = 2;
	d->len8 = 1000;		/* claims 8000 bytes; only 24 written */
	f->ring.hdr->write_index = 24;
	KUNIT_EXPECT_EQ(test, hvg_ring_read(&f->ring, f->buf, sizeof(f->buf),
					    NULL, &sig), -EIO);
	KUNIT_EXPECT_EQ(test, f->ring.hdr->read_index, 0U);
}

static struct kunit_case hvg_ring_cases[] = {
	KUNIT_CASE(ring_avail_arithmetic),
	KUNIT_CASE(ring_empty_read),
	KUNIT_CASE(ring_signal_rules),
	KUNIT_CASE(ring_wrap_content),
	KUNIT_CASE(ring_exact_fit),
	KUNIT_CASE(ring_small_buffer),
	KUNIT_CASE(ring_pending_send_sz),
	KUNIT_CASE(ring_hostile_indices),
	KUNIT_CASE(ring_hostile_descriptors),
	KUNIT_CASE(ring_hostile_packet_in_ring),
	{}
};

static struct kunit_suite hvg_ring_suite = {
	.name = "hvg_ring",
	.init = ring_test_init,
	.exit = ring_test_exit,
	.test_cases = hvg_ring_cases,
};

kunit_test_suite(hvg_ring_suite);

MODULE_DESCRIPTION("KUnit tests for the hyperv-guest VMBus ring buffer");
MODULE_LICENSE("GPL");
