// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests that join the guest's ring code (vmbus/ring.c) to the
 * simulated host's own (sim/ring.c) over the same pages. The two were
 * written separately from the protocol's rules; where they disagree
 * (indices, wrapping, trailers, signalling, pending_send_sz) a test here
 * fails, which a test of either end alone cannot show. The host's
 * refusals of rings a guest broke are checked here too.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <hvg/ring.h>
#include "../sim/ring.h"

#define PAIR_PAGES 3	/* header + 2 data pages: 8 KiB of data */

struct pair_fixture {
	struct page *pages[PAIR_PAGES];
	u64 pfns[PAIR_PAGES];
	struct hvg_ring guest;
	struct sim_ring host;
	u8 payload[8192];
	u8 buf[8192];
};

static int pair_init(struct kunit *test)
{
	struct pair_fixture *f;
	int i;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	for (i = 0; i < PAIR_PAGES; i++) {
		f->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!f->pages[i])
			return -ENOMEM;
		f->pfns[i] = page_to_pfn(f->pages[i]);
	}
	if (hvg_ring_map(&f->guest, f->pages, PAIR_PAGES))
		return -ENOMEM;
	hvg_ring_init_header(&f->guest);
	test->priv = f;
	return 0;
}

static void pair_exit(struct kunit *test)
{
	struct pair_fixture *f = test->priv;
	int i;

	if (!f)
		return;
	sim_ring_detach(&f->host);
	hvg_ring_unmap(&f->guest);
	for (i = 0; i < PAIR_PAGES; i++)
		if (f->pages[i])
			__free_page(f->pages[i]);
}

/* The host attaches as it does on OPENCHANNEL. */
static void pair_attach(struct kunit *test, bool host_writes)
{
	struct pair_fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, sim_ring_attach(&f->host, f->pfns, PAIR_PAGES,
					      host_writes), 0);
	KUNIT_ASSERT_EQ(test, f->host.size, f->guest.size);
}

/* Build one packet: descriptor then @len bytes counting up from @seed. */
static struct kvec *pair_packet(struct pair_fixture *f, struct kvec kv[2],
				struct hv_pkt_desc *d, u16 type, u32 len,
				u32 seed)
{
	u32 i;

	memset(d, 0, sizeof(*d));
	d->type = type;
	d->offset8 = sizeof(*d) / 8;
	d->len8 = (sizeof(*d) + len) / 8;
	d->trans_id = seed;
	for (i = 0; i < len; i++)
		f->payload[i] = (u8)(seed + i);
	kv[0].iov_base = d;
	kv[0].iov_len = sizeof(*d);
	kv[1].iov_base = f->payload;
	kv[1].iov_len = len;
	return kv;
}

static void pair_check_packet(struct kunit *test, const u8 *pkt, int got,
			      u32 len, u32 seed)
{
	const struct hv_pkt_desc *d = (const void *)pkt;
	u32 i;

	KUNIT_ASSERT_EQ(test, got, (int)(sizeof(*d) + len));
	KUNIT_EXPECT_EQ(test, d->trans_id, (u64)seed);
	for (i = 0; i < len; i++)
		if (pkt[sizeof(*d) + i] != (u8)(seed + i)) {
			KUNIT_FAIL(test, "packet %u: byte %u is %u, not %u",
				   seed, i, pkt[sizeof(*d) + i], (u8)(seed + i));
			return;
		}
}

/* Sizes that make packets start and end everywhere in the ring. */
static u32 pair_len(u32 n)
{
	return 8 * ((n * 37) % 200);
}

static void pair_guest_to_host(struct kunit *test)
{
	struct pair_fixture *f = test->priv;
	u64 moved = 0;
	struct hv_pkt_desc d;
	struct kvec kv[2];
	bool sig;
	u32 n;
	int got;

	pair_attach(test, false);
	for (n = 0; n < 300; n++) {
		pair_packet(f, kv, &d, HV_PKT_DATA_INBAND, pair_len(n), n);
		KUNIT_ASSERT_EQ(test, hvg_ring_write(&f->guest, kv, 2, false,
						     &sig), 0);
		got = sim_ring_get(&f->host, f->buf, sizeof(f->buf), &sig);
		KUNIT_ASSERT_EQ_MSG(test, got, (int)(16 + pair_len(n)),
				    "packet %u: %s", n, f->host.why);
		pair_check_packet(test, f->buf, got, pair_len(n), n);
		moved += got + 8;
	}
	KUNIT_EXPECT_GT(test, moved, 4ULL * f->host.size);
	KUNIT_EXPECT_EQ(test, sim_ring_get(&f->host, f->buf, sizeof(f->buf),
					   &sig), -EAGAIN);
	KUNIT_EXPECT_FALSE(test, f->host.broken);
}

static void pair_host_to_guest(struct kunit *test)
{
	struct pair_fixture *f = test->priv;
	struct hv_pkt_desc d;
	struct kvec kv[2];
	bool sig;
	u32 n;
	int got;

	pair_attach(test, true);
	for (n = 0; n < 300; n++) {
		pair_packet(f, kv, &d, HV_PKT_DATA_INBAND, pair_len(n), n);
		KUNIT_ASSERT_EQ_MSG(test, sim_ring_put(&f->host, kv, 2, false,
						       &sig), 0,
				    "packet %u: %s", n, f->host.why);
		got = hvg_ring_read(&f->guest, f->buf, sizeof(f->buf), NULL,
				    &sig);
		pair_check_packet(test, f->buf, got, pair_len(n), n);
	}
	KUNIT_EXPECT_EQ(test, hvg_ring_bytes_to_read(&f->guest), 0U);
	KUNIT_EXPECT_FALSE(test, f->host.broken);
}

/* Several packets in flight at once, so a wrap happens mid-batch. */
static void pair_batches(struct kunit *test)
{
	struct pair_fixture *f = test->priv;
	struct hv_pkt_desc d;
	struct kvec kv[2];
	u32 n = 0, m = 0, round;
	bool sig;
	int got;

	pair_attach(test, true);
	for (round = 0; round < 40; round++) {
		/* Fill what fits, then read everything back in order. */
		for (;;) {
			pair_packet(f, kv, &d, HV_PKT_DATA_INBAND,
				    pair_len(n), n);
			got = sim_ring_put(&f->host, kv, 2, false, &sig);
			if (got == -EAGAIN)
				break;
			KUNIT_ASSERT_EQ(test, got, 0);
			n++;
		}
		KUNIT_ASSERT_LT(test, m, n);
		while (m < n) {
			got = hvg_ring_read(&f->guest, f->buf, sizeof(f->buf),
					    NULL, &sig);
			pair_check_packet(test, f->buf, got, pair_len(m), m);
			m++;
		}
	}
}

static void pair_signals(struct kunit *test)
{
	struct pair_fixture *f = test->priv;
	struct hv_pkt_desc d;
	struct kvec kv[2];
	bool sig;

	/* Host writes: signal an idle, unmasked guest, once. */
	pair_attach(test, true);
	pair_packet(f, kv, &d, HV_PKT_DATA_INBAND, 8, 1);
	KUNIT_ASSERT_EQ(test, sim_ring_put(&f->host, kv, 2, false, &sig), 0);
	KUNIT_EXPECT_TRUE(test, sig);
	KUNIT_ASSERT_EQ(test, sim_ring_put(&f->host, kv, 2, false, &sig), 0);
	KUNIT_EXPECT_FALSE(test, sig);	/* not empty before: guest busy */
	while (hvg_ring_read(&f->guest, f->buf, sizeof(f->buf), NULL,
			     &sig) > 0)
		;
	hvg_ring_mask(&f->guest);
	KUNIT_ASSERT_EQ(test, sim_ring_put(&f->host, kv, 2, false, &sig), 0);
	KUNIT_EXPECT_FALSE(test, sig);	/* the guest polls */
	/* The guest unmasks and sees what came meanwhile. */
	KUNIT_EXPECT_EQ(test, hvg_ring_unmask(&f->guest), 16U + 8U + 8U);
	sim_ring_detach(&f->host);

	/* Guest writes: the host's mask is honoured, and its unmask. */
	memset(f->guest.hdr, 0, 64);
	hvg_ring_init_header(&f->guest);
	pair_attach(test, false);
	KUNIT_ASSERT_EQ(test, hvg_ring_write(&f->guest, kv, 2, false, &sig),
			0);
	KUNIT_EXPECT_TRUE(test, sig);
	sim_ring_mask(&f->host);
	KUNIT_EXPECT_EQ(test, sim_ring_get(&f->host, f->buf, sizeof(f->buf),
					   &sig), 24);
	KUNIT_ASSERT_EQ(test, hvg_ring_write(&f->guest, kv, 2, false, &sig),
			0);
	KUNIT_EXPECT_FALSE(test, sig);
	KUNIT_EXPECT_EQ(test, sim_ring_unmask(&f->host), 32U);
}

/* A writer short of space is signalled once, when it has enough. */
static void pair_pending_send(struct kunit *test)
{
	struct pair_fixture *f = test->priv;
	struct hv_pkt_desc d;
	struct kvec kv[2];
	u32 signals = 0, reads = 0;
	bool sig;
	int ret;

	/* The host fills the guest's inbound ring and asks for space. */
	pair_attach(test, true);
	pair_packet(f, kv, &d, HV_PKT_DATA_INBAND, 1000, 7);
	while ((ret = sim_ring_put(&f->host, kv, 2, true, &sig)) == 0)
		;
	KUNIT_ASSERT_EQ(test, ret, -EAGAIN);
	KUNIT_EXPECT_EQ(test, f->guest.hdr->pending_send_sz, 1016U + 8U);
	while (hvg_ring_read(&f->guest, f->buf, sizeof(f->buf), NULL,
			     &sig) > 0) {
		reads++;
		if (sig) {
			signals++;
			/* Signalled: the host's packet now fits. */
			KUNIT_EXPECT_EQ(test, sim_ring_put(&f->host, kv, 2,
							   true, &sig), 0);
			KUNIT_EXPECT_EQ(test, f->guest.hdr->pending_send_sz,
					0U);
		}
	}
	KUNIT_EXPECT_EQ(test, signals, 1U);
	KUNIT_EXPECT_GT(test, reads, 2U);
	sim_ring_detach(&f->host);

	/* The guest fills the host's ring and asks for space. */
	memset(f->guest.hdr, 0, 64);
	hvg_ring_init_header(&f->guest);
	pair_attach(test, false);
	signals = 0;
	while ((ret = hvg_ring_write(&f->guest, kv, 2, true, &sig)) == 0)
		;
	KUNIT_ASSERT_EQ(test, ret, -EAGAIN);
	while (sim_ring_get(&f->host, f->buf, sizeof(f->buf), &sig) > 0)
		if (sig)
			signals++;
	KUNIT_EXPECT_EQ(test, signals, 1U);
	KUNIT_EXPECT_FALSE(test, f->host.broken);
}

/* What the host refuses: each breaks the ring, with a reason. */
static void pair_host_refuses(struct kunit *test)
{
	struct pair_fixture *f = test->priv;
	struct hv_ring_header *h = f->guest.hdr;
	struct hv_pkt_desc d;
	struct kvec kv[2];
	u64 bad = 0x1234;
	bool sig;

	/* A ring handed over with stale indices. */
	h->write_index = 64;
	KUNIT_EXPECT_EQ(test, sim_ring_attach(&f->host, f->pfns, PAIR_PAGES,
					      false), -EPROTO);
	KUNIT_EXPECT_NOT_NULL(test, strstr(f->host.why, "not 0/0"));
	sim_ring_detach(&f->host);
	h->write_index = 0;

	/* A trailer that does not name the packet's start. */
	pair_attach(test, false);
	pair_packet(f, kv, &d, HV_PKT_DATA_INBAND, 8, 1);
	KUNIT_ASSERT_EQ(test, hvg_ring_write(&f->guest, kv, 2, false, &sig),
			0);
	memcpy(f->guest.data + 24, &bad, sizeof(bad));
	KUNIT_EXPECT_EQ(test, sim_ring_get(&f->host, f->buf, sizeof(f->buf),
					   &sig), -EPROTO);
	KUNIT_EXPECT_NOT_NULL(test, strstr(f->host.why, "trailer"));
	/* Broken stays broken. */
	KUNIT_EXPECT_EQ(test, sim_ring_get(&f->host, f->buf, sizeof(f->buf),
					   &sig), -EPROTO);
	sim_ring_detach(&f->host);

	/* The guest writes the index the host owns. */
	memset(h, 0, 64);
	hvg_ring_init_header(&f->guest);
	pair_attach(test, false);
	KUNIT_ASSERT_EQ(test, hvg_ring_write(&f->guest, kv, 2, false, &sig),
			0);
	WRITE_ONCE(h->read_index, 8);
	KUNIT_EXPECT_EQ(test, sim_ring_get(&f->host, f->buf, sizeof(f->buf),
					   &sig), -EPROTO);
	KUNIT_EXPECT_NOT_NULL(test, strstr(f->host.why, "read index"));
	sim_ring_detach(&f->host);

	/* A packet type only the host sends. */
	memset(h, 0, 64);
	hvg_ring_init_header(&f->guest);
	pair_attach(test, false);
	pair_packet(f, kv, &d, HV_PKT_DATA_USING_XFER_PAGES, 8, 1);
	KUNIT_ASSERT_EQ(test, hvg_ring_write(&f->guest, kv, 2, false, &sig),
			0);
	KUNIT_EXPECT_EQ(test, sim_ring_get(&f->host, f->buf, sizeof(f->buf),
					   &sig), -EPROTO);
	KUNIT_EXPECT_NOT_NULL(test, strstr(f->host.why, "type 7"));
	sim_ring_detach(&f->host);

	/* An unaligned write index. */
	memset(h, 0, 64);
	hvg_ring_init_header(&f->guest);
	pair_attach(test, false);
	WRITE_ONCE(h->write_index, 12);
	KUNIT_EXPECT_EQ(test, sim_ring_get(&f->host, f->buf, sizeof(f->buf),
					   &sig), -EPROTO);
	sim_ring_detach(&f->host);

	/* The guest moves the host's write index of the inbound ring. */
	memset(h, 0, 64);
	hvg_ring_init_header(&f->guest);
	pair_attach(test, true);
	WRITE_ONCE(h->write_index, 16);
	KUNIT_EXPECT_EQ(test, sim_ring_put(&f->host, kv, 2, false, &sig),
			-EPROTO);
	KUNIT_EXPECT_NOT_NULL(test, strstr(f->host.why, "write index"));
}

/* A packet longer than the host's buffer stays in the ring. */
static void pair_host_small_buffer(struct kunit *test)
{
	struct pair_fixture *f = test->priv;
	struct hv_pkt_desc d;
	struct kvec kv[2];
	bool sig;

	pair_attach(test, false);
	pair_packet(f, kv, &d, HV_PKT_DATA_INBAND, 256, 3);
	KUNIT_ASSERT_EQ(test, hvg_ring_write(&f->guest, kv, 2, false, &sig),
			0);
	KUNIT_EXPECT_EQ(test, sim_ring_get(&f->host, f->buf, 64, &sig),
			-EMSGSIZE);
	KUNIT_EXPECT_EQ(test, sim_ring_get(&f->host, f->buf, sizeof(f->buf),
					   &sig), 16 + 256);
}

static struct kunit_case pair_cases[] = {
	KUNIT_CASE(pair_guest_to_host),
	KUNIT_CASE(pair_host_to_guest),
	KUNIT_CASE(pair_batches),
	KUNIT_CASE(pair_signals),
	KUNIT_CASE(pair_pending_send),
	KUNIT_CASE(pair_host_refuses),
	KUNIT_CASE(pair_host_small_buffer),
	{}
};

static struct kunit_suite pair_suite = {
	.name = "hvg_ring_pair",
	.init = pair_init,
	.exit = pair_exit,
	.test_cases = pair_cases,
};

kunit_test_suite(pair_suite);

MODULE_DESCRIPTION("KUnit tests of the guest's ring against hv_sim's host ring");
MODULE_LICENSE("GPL");
