// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace tests of hv_sim's SCSI target (kernel/sim/scsi_*.c), built
 * against the stand-in kernel headers in inc/ under ASan/UBSan and TSan
 * by tests/suites/12-sim-scsi. One TAP line per group of checks.
 */
#include "inc/shim.h"
#include "scsi_target_int.h"

int shim_fail_allocs;
#define NPAGES 8192
static u8 *ram;
void *sim_guest_page(u64 gpa)
{
	u64 pfn = gpa >> 12;

	if (!gpa || (gpa & 4095) || pfn > NPAGES)
		return NULL;
	return ram + (pfn - 1) * 4096;
}

static int fails, checks;
#define CHECK(c) do { checks++; if (!(c)) { fails++; printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); } } while (0)

struct gbuf {
	u64 pfns[NPAGES];
	struct sim_scsi_buf b;
};
static u32 next_page = 1;
/* every test buffer, freed at exit (the groups keep theirs to the end) */
static struct gbuf *all_bufs[4096];
static int nbufs;
static pthread_mutex_t bufs_lock = PTHREAD_MUTEX_INITIALIZER;
/* a buffer over scattered pages: page i of it is far from page i+1 */
static struct gbuf *gb(u32 offset, u32 len, bool out)
{
	struct gbuf *g = calloc(1, sizeof(*g));
	u32 n = (offset + len + 4095) / 4096, i;

	for (i = 0; i < n; i++) {
		g->pfns[i] = 1 + (__atomic_fetch_add(&next_page, 1, __ATOMIC_RELAXED) * 2897) % NPAGES;

	}
	g->b.pfns = g->pfns;
	g->b.npfns = n;
	g->b.offset = offset;
	g->b.len = len;
	g->b.to_device = out;
	pthread_mutex_lock(&bufs_lock);
	if (nbufs < (int)(sizeof(all_bufs) / sizeof(all_bufs[0])))
		all_bufs[nbufs++] = g;
	pthread_mutex_unlock(&bufs_lock);
	return g;
}
/* A buffer a group is done with: out of the list freed at exit. */
static void gfree(void *g)
{
	int i;

	pthread_mutex_lock(&bufs_lock);
	for (i = 0; i < nbufs; i++) {
		if (all_bufs[i] == g) {
			all_bufs[i] = all_bufs[--nbufs];
			break;
		}
	}
	pthread_mutex_unlock(&bufs_lock);
	free(g);
}

static u8 *gptr(struct gbuf *g, u32 boff)
{
	u64 pos = g->b.offset + (u64)boff;

	return (u8 *)sim_guest_page(g->pfns[pos >> 12] << 12) + (pos & 4095);
}
static void gput(struct gbuf *g, u32 boff, const void *src, u32 n)
{
	const u8 *s = src;
	u32 i;

	for (i = 0; i < n; i++)
		*gptr(g, boff + i) = s[i];
}
static void gget(struct gbuf *g, u32 boff, void *dst, u32 n)
{
	u8 *d = dst;
	u32 i;

	for (i = 0; i < n; i++)
		d[i] = *gptr(g, boff + i);
}
static void gfill(struct gbuf *g, u8 v)
{
	u32 i;

	for (i = 0; i < g->b.len; i++)
		*gptr(g, i) = v;
}

static __thread struct sim_scsi_result res;
static __thread int rc;
static void run(struct sim_scsi_disk *d, u32 init, struct gbuf *g, int n, ...)
{
	u8 cdb[16] = {};
	va_list a;
	int i;

	va_start(a, n);
	for (i = 0; i < n; i++)
		cdb[i] = va_arg(a, int);
	va_end(a);
	rc = sim_scsi_exec(d, init, cdb, n, g ? &g->b : NULL, &res);
}
static void run_cdb(struct sim_scsi_disk *d, u32 init, struct gbuf *g, const u8 *cdb, u32 n)
{
	rc = sim_scsi_exec(d, init, cdb, n, g ? &g->b : NULL, &res);
}
#define GOOD() CHECK(res.status == 0 && res.sense_len == 0)
#define SENSE(k, a, q) CHECK(res.status == 2 && res.sense_len == 18 && res.sense[0] >= 0x70 && (res.sense[2] & 15) == (k) && res.sense[12] == (a) && res.sense[13] == (q) && res.sense[7] == 10)
#define CONFLICT() CHECK(res.status == 0x18 && res.sense_len == 0)
static u32 be32(const u8 *p) { return (u32)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static u64 be64(const u8 *p) { return (u64)be32(p) << 32 | be32(p + 4); }
static u16 be16(const u8 *p) { return p[0] << 8 | p[1]; }
static void pbe64(u8 *p, u64 v) { int i; for (i = 0; i < 8; i++) p[i] = v >> (56 - 8 * i); }
static void pbe32(u8 *p, u32 v) { int i; for (i = 0; i < 4; i++) p[i] = v >> (24 - 8 * i); }

static struct sim_scsi_disk *mk(u64 sectors, u32 bs, u32 pbs, bool ro, bool thin, bool wce)
{
	struct sim_scsi_disk_config c = {
		.name = "disk-one", .sectors = sectors, .block_size = bs,
		.phys_block_size = pbs, .read_only = ro, .thin = thin,
		.write_cache = wce,
		.naa_id = { 0x60, 0x02, 0x24, 0x80, 'd', 'i', 's', 'k' },
	};
	struct sim_scsi_disk *d = sim_scsi_disk_create_ram(&c);

	CHECK(!IS_ERR(d));
	return d;
}

static void rw16(struct sim_scsi_disk *d, u32 init, struct gbuf *g, u8 op, u64 lba, u32 n)
{
	u8 cdb[16] = { op };

	pbe64(cdb + 2, lba);
	pbe32(cdb + 10, n);
	run_cdb(d, init, g, cdb, 16);
}

static void test_create(void)
{
	struct sim_scsi_disk_config c = { .name = "x", .sectors = 8, .block_size = 512,
		.naa_id = { 0x60 } };
	struct sim_scsi_disk *d;

	d = sim_scsi_disk_create_ram(&c); CHECK(!IS_ERR(d)); sim_scsi_disk_put(d);
	c.block_size = 1024; CHECK(IS_ERR(sim_scsi_disk_create_ram(&c)));
	c.block_size = 4096; c.phys_block_size = 512; CHECK(IS_ERR(sim_scsi_disk_create_ram(&c)));
	c.phys_block_size = 12288; CHECK(IS_ERR(sim_scsi_disk_create_ram(&c)));
	c.phys_block_size = 0; c.sectors = 0; CHECK(IS_ERR(sim_scsi_disk_create_ram(&c)));
	c.sectors = (1ULL << 40) / 4096; d = sim_scsi_disk_create_ram(&c); CHECK(!IS_ERR(d)); sim_scsi_disk_put(d);
	c.sectors++; CHECK(IS_ERR(sim_scsi_disk_create_ram(&c)));
	c.sectors = 8; c.naa_id[0] = 0x50; CHECK(IS_ERR(sim_scsi_disk_create_ram(&c)));
	c.naa_id[0] = 0x60; c.name = ""; CHECK(IS_ERR(sim_scsi_disk_create_ram(&c)));
	c.name = "x"; shim_fail_allocs = 1; CHECK(PTR_ERR(sim_scsi_disk_create_ram(&c)) == -ENOMEM);
	shim_fail_allocs = 3; CHECK(PTR_ERR(sim_scsi_disk_create_ram(&c)) == -ENOMEM);
	shim_fail_allocs = 0;
}

static void test_inquiry(void)
{
	struct sim_scsi_disk *d = mk(2048, 512, 4096, false, true, true);
	struct gbuf *g = gb(4000, 300, false);
	u8 b[300];

	run(d, 0, g, 6, 0x12, 0, 0, 0, 36, 0); GOOD(); CHECK(res.transferred == 36);
	gget(g, 0, b, 36);
	CHECK(b[0] == 0 && b[2] == 5 && (b[3] & 15) == 2 && b[4] == 91 && b[7] == 2);
	CHECK(!memcmp(b + 8, "Msft    Virtual Disk    1.0 ", 28));
	run(d, 0, g, 6, 0x12, 0, 0, 1, 0, 0); GOOD(); CHECK(res.transferred == 96);
	run(d, 0, g, 6, 0x12, 0, 0, 0, 0, 0); GOOD(); CHECK(res.transferred == 0);
	run(d, 0, g, 6, 0x12, 0, 1, 0, 255, 0); SENSE(5, 0x24, 0); CHECK(res.sense[15] == 0xcf && res.sense[17] == 2);
	run(d, 0, g, 6, 0x12, 2, 0, 0, 255, 0); SENSE(5, 0x24, 0);
	run(d, 0, g, 6, 0x12, 0, 0, 0, 255, 4); SENSE(5, 0x24, 0); CHECK(res.sense[17] == 5 && res.sense[15] == 0xca);
	run(d, 0, g, 5, 0x12, 0, 0, 0, 255); SENSE(5, 0x24, 0);
	/* VPD 00 */
	run(d, 0, g, 6, 0x12, 1, 0, 0, 255, 0); GOOD(); gget(g, 0, b, 10);
	CHECK(res.transferred == 10 && b[1] == 0 && be16(b + 2) == 6 && b[4] == 0 && b[5] == 0x80 && b[9] == 0xb2);
	/* 80 */
	run(d, 0, g, 6, 0x12, 1, 0x80, 0, 255, 0); GOOD(); gget(g, 0, b, res.transferred);
	CHECK(res.transferred == 12 && b[3] == 8 && !memcmp(b + 4, "disk-one", 8));
	/* 83 */
	run(d, 0, g, 6, 0x12, 1, 0x83, 0, 255, 0); GOOD(); gget(g, 0, b, res.transferred);
	CHECK(res.transferred == 4 + 20 + 4 + 16 && be16(b + 2) == 40);
	CHECK(b[4] == 1 && b[5] == 3 && b[7] == 16 && b[8] == 0x60 && b[24] == 2 && b[25] == 1 && b[27] == 16 && !memcmp(b + 28, "Msft    disk-one", 16));
	/* 83 truncated by the allocation length: page length unchanged */
	run(d, 0, g, 6, 0x12, 1, 0x83, 0, 6, 0); GOOD(); CHECK(res.transferred == 6);
	/* b0 */
	run(d, 0, g, 6, 0x12, 1, 0xb0, 0, 255, 0); GOOD(); gget(g, 0, b, 64);
	CHECK(res.transferred == 64 && be16(b + 2) == 0x3c && b[4] == 1 && be16(b + 6) == 8 && be32(b + 8) == 16384 && be32(b + 12) == 0);
	CHECK(be32(b + 20) == 2097152 && be32(b + 24) == 64 && be32(b + 28) == 8 && be32(b + 32) == 0x80000000 && be64(b + 36) == 2097152);
	/* b1, b2 */
	run(d, 0, g, 6, 0x12, 1, 0xb1, 0, 255, 0); GOOD(); gget(g, 0, b, 64);
	CHECK(res.transferred == 64 && be16(b + 4) == 1);
	run(d, 0, g, 6, 0x12, 1, 0xb2, 0, 255, 0); GOOD(); gget(g, 0, b, 8);
	CHECK(res.transferred == 8 && be16(b + 2) == 4 && b[5] == 0xe4 && b[6] == 2);
	run(d, 0, g, 6, 0x12, 1, 0x89, 0, 255, 0); SENSE(5, 0x24, 0);
	/* wrong direction */
	g->b.to_device = true;
	run(d, 0, g, 6, 0x12, 0, 0, 0, 36, 0); SENSE(0xb, 0x4b, 0);
	g->b.to_device = false;
	/* buffer shorter than the allocation length */
	g->b.len = 20;
	run(d, 0, g, 6, 0x12, 0, 0, 0, 36, 0); GOOD(); CHECK(res.transferred == 20);
	sim_scsi_disk_put(d);
	gfree(g);
}

static void test_buffers(void)
{
	struct sim_scsi_disk *d = mk(2048, 512, 512, false, false, false);
	struct gbuf *g = gb(0, 8192, false);
	u64 keep;

	g->b.offset = 4096; run(d, 0, g, 6, 0x12, 0, 0, 0, 36, 0); CHECK(rc == -EFAULT && res.status == 2);
	g->b.offset = 1; run(d, 0, g, 6, 0x12, 0, 0, 0, 36, 0); CHECK(rc == -EFAULT);
	g->b.offset = 0; g->b.npfns = 1; run(d, 0, g, 6, 0x12, 0, 0, 0, 36, 0); CHECK(rc == -EFAULT);
	g->b.npfns = 2; keep = g->pfns[1]; g->pfns[1] = NPAGES + 5;
	run(d, 0, g, 6, 0x12, 0, 0, 0, 36, 0); CHECK(rc == -EFAULT);
	g->pfns[1] = ~0ULL; run(d, 0, g, 6, 0x12, 0, 0, 0, 36, 0); CHECK(rc == -EFAULT);
	g->pfns[1] = keep; run(d, 0, g, 6, 0x12, 0, 0, 0, 36, 0); CHECK(rc == 0); GOOD();
	/* no buffer, zero length: fine */
	run(d, 0, NULL, 6, 0, 0, 0, 0, 0, 0); GOOD();
	g->b.len = 0; g->b.pfns = NULL; run(d, 0, g, 6, 0, 0, 0, 0, 0, 0); GOOD();
	/* empty CDB */
	rc = sim_scsi_exec(d, 0, NULL, 0, NULL, &res); SENSE(5, 0x20, 0);
	sim_scsi_disk_put(d);
	gfree(g);
}

static void test_rw(u32 bs)
{
	u64 cap = (3ULL << 20) / bs + 3;	/* not a whole number of chunks */
	struct sim_scsi_disk *d = mk(cap, bs, bs == 512 ? 4096 : 4096, false, false, false);
	struct gbuf *w = gb(100, 64 * bs, true), *r = gb(3000, 300 * bs, false);
	u8 *b = malloc(300 * bs), *e = malloc(300 * bs);
	u32 i;

	for (i = 0; i < 64 * bs; i++)
		*gptr(w, i) = i * 7 + 3;
	/* READ CAPACITY (10) and (16) */
	run(d, 0, r, 10, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0); GOOD(); gget(r, 0, b, 8);
	CHECK(res.transferred == 8 && be32(b) == cap - 1 && be32(b + 4) == bs);
	run(d, 0, r, 10, 0x25, 0, 0, 0, 0, 1, 0, 0, 0, 0); SENSE(5, 0x24, 0);
	run(d, 0, r, 10, 0x25, 0, 0, 0, 0, 1, 0, 0, 1, 0); GOOD();
	run(d, 0, r, 16, 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0); GOOD(); gget(r, 0, b, 32);
	CHECK(res.transferred == 32 && be64(b) == cap - 1 && be32(b + 8) == bs && b[13] == (bs == 512 ? 3 : 0) && b[14] == 0);
	run(d, 0, r, 16, 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12, 0, 0); GOOD(); CHECK(res.transferred == 12);
	run(d, 0, r, 16, 0x9e, 0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0); SENSE(5, 0x24, 0);
	/* unwritten reads zeros */
	gfill(r, 0xee);
	rw16(d, 0, r, 0x88, 0, 300); GOOD(); CHECK(res.transferred == 300 * bs);
	gget(r, 0, b, 300 * bs); memset(e, 0, 300 * bs); CHECK(!memcmp(b, e, 300 * bs));
	/* WRITE (10) of 64 blocks at 5, read back with READ (16) */
	run(d, 0, w, 10, 0x2a, 0x08, 0, 0, 0, 5, 0, 0, 64, 0); GOOD(); CHECK(res.transferred == 64 * bs);
	rw16(d, 0, r, 0x88, 0, 100); GOOD();
	gget(r, 0, b, 100 * bs); gget(w, 0, e + 5 * bs, 64 * bs); memset(e, 0, 5 * bs); memset(e + 69 * bs, 0, 31 * bs);
	CHECK(!memcmp(b, e, 100 * bs));
	/* READ (6) with TRANSFER LENGTH 0: 256 blocks */
	run(d, 0, r, 6, 0x08, 0, 0, 0, 0, 0); GOOD(); CHECK(res.transferred == 256 * bs);
	/* READ (6): 21-bit LBA; top bits of byte 1 are not LBA */
	run(d, 0, r, 6, 0x08, 0xe0, 0, 5, 1, 0); GOOD(); CHECK(res.transferred == bs);
	gget(r, 0, b, bs); gget(w, 0, e, bs); CHECK(!memcmp(b, e, bs));
	/* the last block, and past it */
	rw16(d, 0, w, 0x8a, cap - 1, 1); GOOD();
	rw16(d, 0, w, 0x8a, cap - 1, 2); SENSE(5, 0x21, 0); CHECK(res.sense[0] == 0xf0 && be32(res.sense + 3) == cap);
	rw16(d, 0, w, 0x8a, cap, 0); GOOD();
	rw16(d, 0, w, 0x8a, cap + 1, 0); SENSE(5, 0x21, 0); CHECK(be32(res.sense + 3) == cap + 1);
	rw16(d, 0, r, 0x88, ~0ULL, 2); SENSE(5, 0x21, 0); CHECK(res.sense[0] == 0x70);
	rw16(d, 0, r, 0x88, ~0ULL - 1, 2); SENSE(5, 0x21, 0);
	rw16(d, 0, r, 0x88, 2, 0xffffffff); SENSE(5, 0x24, 0); CHECK(res.sense[17] == 10);
	run(d, 0, r, 10, 0x28, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 1, 0); SENSE(5, 0x21, 0);
	/* max transfer: 8 MiB */
	rw16(d, 0, r, 0x88, 0, (8 << 20) / bs + 1); SENSE(5, 0x24, 0);
	/* RDPROTECT */
	run(d, 0, r, 10, 0x28, 0x20, 0, 0, 0, 0, 0, 0, 1, 0); SENSE(5, 0x24, 0); CHECK(res.sense[15] == 0xcf && res.sense[17] == 1);
	/* short buffer, wrong direction */
	rw16(d, 0, w, 0x88, 0, 65); SENSE(0xb, 0x4b, 0);
	rw16(d, 0, r, 0x8a, 0, 1); SENSE(0xb, 0x4b, 0);
	/* zero transfer length needs no buffer */
	rw16(d, 0, NULL, 0x8a, 0, 0); GOOD();
	/* WRITE (6) at 300 with 1 block; READ (10) */
	run(d, 0, w, 6, 0x0a, 0, 1, 44, 1, 0); GOOD();
	run(d, 0, r, 10, 0x28, 0, 0, 0, 1, 44, 0, 0, 1, 0); GOOD(); gget(r, 0, b, bs); gget(w, 0, e, bs); CHECK(!memcmp(b, e, bs));
	/* SYNCHRONIZE CACHE */
	run(d, 0, NULL, 10, 0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0); GOOD();
	run(d, 0, NULL, 10, 0x35, 2, 0, 0, 0, 1, 0, 0xff, 0xff, 0); SENSE(5, 0x21, 0);
	{
		u8 cdb[16] = { 0x91 };

		pbe64(cdb + 2, cap - 1); pbe32(cdb + 10, 1); run_cdb(d, 0, NULL, cdb, 16); GOOD();
		pbe32(cdb + 10, 2); run_cdb(d, 0, NULL, cdb, 16); SENSE(5, 0x21, 0);
	}
	/* WRITE SAME (16) replicating, read back */
	{
		struct gbuf *one = gb(2000, bs, true);
		u8 cdb[16] = { 0x93 };

		for (i = 0; i < bs; i++) *gptr(one, i) = 0xa5 ^ i;
		pbe64(cdb + 2, 10); pbe32(cdb + 10, 20); run_cdb(d, 0, one, cdb, 16); GOOD();
		CHECK(res.transferred == bs);
		rw16(d, 0, r, 0x88, 9, 22); GOOD(); gget(r, 0, b, 22 * bs);
		gget(one, 0, e, bs); CHECK(!memcmp(b + bs, e, bs) && !memcmp(b + 20 * bs, e, bs));
		gget(w, 4 * bs, e, bs); CHECK(!memcmp(b, e, bs));	/* block 9 = w's block 4 */
		gget(w, 35 * bs, e, bs); CHECK(!memcmp(b + 21 * bs, e, bs));
		/* NUMBER 0 (WSNZ), too many, PBDATA, LBDATA, ANCHOR, NDOB */
		pbe32(cdb + 10, 0); run_cdb(d, 0, one, cdb, 16); SENSE(5, 0x24, 0);
		pbe32(cdb + 10, (1 << 30) / bs + 1); run_cdb(d, 0, one, cdb, 16); SENSE(5, 0x24, 0);
		pbe32(cdb + 10, 1);
		cdb[1] = 0x04; run_cdb(d, 0, one, cdb, 16); SENSE(5, 0x24, 0); CHECK(res.sense[15] == 0xca);
		cdb[1] = 0x02; run_cdb(d, 0, one, cdb, 16); SENSE(5, 0x24, 0); CHECK(res.sense[15] == 0xc9);
		cdb[1] = 0x10; run_cdb(d, 0, one, cdb, 16); SENSE(5, 0x24, 0);
		cdb[1] = 0x01; run_cdb(d, 0, one, cdb, 16); SENSE(5, 0x24, 0);
		cdb[1] = 0; pbe64(cdb + 2, cap); run_cdb(d, 0, one, cdb, 16); SENSE(5, 0x21, 0);
		/* WRITE SAME (10) with zeros and UNMAP on a thick disk: written as zeros */
		memset(gptr(one, 0), 0, 1); for (i = 0; i < bs; i++) *gptr(one, i) = 0;
		run(d, 0, one, 10, 0x41, 0x08, 0, 0, 0, 12, 0, 0, 2, 0); GOOD();
		rw16(d, 0, r, 0x88, 12, 2); gget(r, 0, b, 2 * bs); memset(e, 0, 2 * bs); CHECK(!memcmp(b, e, 2 * bs));
		/* WS(10): bit 0 is obsolete, ignored */
		run(d, 0, one, 10, 0x41, 0x01, 0, 0, 0, 12, 0, 0, 2, 0); GOOD();
		one->b.len = bs - 1; run(d, 0, one, 10, 0x41, 0, 0, 0, 0, 12, 0, 0, 2, 0); SENSE(0xb, 0x4b, 0);
		gfree(one);
	}
	/* UNMAP on a thick disk: not there */
	run(d, 0, w, 10, 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0); SENSE(5, 0x20, 0);
	/* unknown opcodes, NACA */
	run(d, 0, NULL, 6, 0x1b, 0, 0, 0, 1, 0); SENSE(5, 0x20, 0);
	run(d, 0, NULL, 10, 0x2f, 0, 0, 0, 0, 0, 0, 0, 0, 0); SENSE(5, 0x20, 0);
	run(d, 0, NULL, 12, 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0); SENSE(5, 0x20, 0);
	run(d, 0, NULL, 6, 0x00, 0, 0, 0, 0, 4); SENSE(5, 0x24, 0);
	run(d, 0, NULL, 6, 0x00, 0, 0, 0, 0, 1); SENSE(5, 0x24, 0);
	run(d, 0, NULL, 6, 0x00, 0, 0, 0, 0, 0x40); GOOD();
	run(d, 0, r, 9, 0x28, 0, 0, 0, 0, 0, 0, 0, 1); SENSE(5, 0x24, 0);
	/* allocation failure on a thick disk */
	shim_fail_allocs = 1;
	rw16(d, 0, w, 0x8a, cap - 8, 1); SENSE(4, 0x55, 3);
	shim_fail_allocs = 0;
	gfree(b); gfree(e); gfree(w); gfree(r);
	sim_scsi_disk_put(d);
}

static void put_unmap(struct gbuf *g, u32 n, const u64 *lba, const u32 *cnt)
{
	u8 p[8 + 16 * 80] = {};
	u32 i;

	p[0] = (6 + 16 * n) >> 8; p[1] = 6 + 16 * n;
	p[2] = (16 * n) >> 8; p[3] = 16 * n;
	for (i = 0; i < n; i++) {
		pbe64(p + 8 + 16 * i, lba[i]);
		pbe32(p + 16 + 16 * i, cnt[i]);
	}
	gput(g, 0, p, 8 + 16 * n);
}

static void test_thin(u32 bs)
{
	u64 cap = (1ULL << 24) / bs;	/* 16 MiB */
	struct sim_scsi_disk *d = mk(cap, bs, 4096, false, true, false);
	struct gbuf *w = gb(0, 256 * 1024, true), *r = gb(0, 256 * 1024, false), *u = gb(10, 8 + 16 * 80, true);
	u64 lba[80]; u32 cnt[80], i, per = 4096 / bs;
	u8 *b = malloc(256 * 1024), *e = malloc(256 * 1024);
	char show[2048];

	gfill(w, 0x5a);
	rw16(d, 0, w, 0x8a, 0, 256 * 1024 / bs); GOOD();
	CHECK(atomic64_read(&d->chunks) == 64);
	run(d, 0, r, 16, 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0); GOOD(); gget(r, 0, b, 32);
	CHECK(b[14] == 0xc0);
	/* UNMAP: block 1 and blocks per..2*per-1 (a whole chunk when bs 512) */
	lba[0] = 1; cnt[0] = 1; lba[1] = per; cnt[1] = per; lba[2] = 5 * per; cnt[2] = 0;
	put_unmap(u, 3, lba, cnt);
	run(d, 0, u, 10, 0x42, 0, 0, 0, 0, 0, 0, 0, 56, 0); GOOD();
	CHECK(atomic64_read(&d->chunks) == 63);
	rw16(d, 0, r, 0x88, 0, 3 * per); GOOD(); gget(r, 0, b, 3 * per * bs);
	memset(e, 0x5a, 3 * per * bs); memset(e + bs, 0, bs); memset(e + per * bs, 0, per * bs);
	CHECK(!memcmp(b, e, 3 * per * bs));
	/* parameter list: 0 fine; 1..7 too short; buffer shorter than it */
	run(d, 0, u, 10, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0); GOOD();
	run(d, 0, u, 10, 0x42, 0, 0, 0, 0, 0, 0, 0, 7, 0); SENSE(5, 0x1a, 0);
	u->b.len = 40; run(d, 0, u, 10, 0x42, 0, 0, 0, 0, 0, 0, 0, 56, 0); SENSE(5, 0x1a, 0);
	u->b.len = 8 + 16 * 80;
	/* a descriptor cut by the parameter list length is ignored */
	lba[0] = 100; cnt[0] = 1; lba[1] = cap; cnt[1] = 1; put_unmap(u, 2, lba, cnt);
	run(d, 0, u, 10, 0x42, 0, 0, 0, 0, 0, 0, 0, 39, 0); GOOD();
	run(d, 0, u, 10, 0x42, 0, 0, 0, 0, 0, 0, 0, 40, 0); SENSE(5, 0x21, 0);
	/* block descriptor data length not a multiple of 16 */
	{ u8 x = 31; gput(u, 3, &x, 1); }
	run(d, 0, u, 10, 0x42, 0, 0, 0, 0, 0, 0, 0, 40, 0); GOOD();
	/* 65 descriptors: too many; 64 fine */
	for (i = 0; i < 80; i++) { lba[i] = 1000 + i; cnt[i] = 1; }
	put_unmap(u, 65, lba, cnt); run(d, 0, u, 10, 0x42, 0, 0, 0, 0, 0, 0, 4, 24, 0); SENSE(5, 0x26, 0);
	CHECK(res.sense[15] == 0x8f && res.sense[17] == 2);
	put_unmap(u, 64, lba, cnt); run(d, 0, u, 10, 0x42, 0, 0, 0, 0, 0, 0, 4, 8, 0); GOOD();
	/* MAXIMUM UNMAP LBA COUNT: 64 x 16 MiB is 1 GiB, fine; one more block is not */
	for (i = 0; i < 64; i++) { lba[i] = 0; cnt[i] = cap; }
	put_unmap(u, 64, lba, cnt); run(d, 0, u, 10, 0x42, 0, 0, 0, 0, 0, 0, 4, 8, 0); GOOD();
	cnt[63] = cap - 1; lba[63] = 1; put_unmap(u, 64, lba, cnt);
	run(d, 0, u, 10, 0x42, 0, 0, 0, 0, 0, 0, 4, 8, 0); GOOD();
	lba[63] = 0; cnt[63] = cap; cnt[62] = cap; lba[62] = 0;
	{
		u64 l2[64];
		u32 c2[64];

		for (i = 0; i < 64; i++) {
			l2[i] = 0;
			c2[i] = cap;
		}
		c2[0] = 1;
		put_unmap(u, 64, l2, c2);
	}
	run(d, 0, u, 10, 0x42, 0, 0, 0, 0, 0, 0, 4, 8, 0); GOOD();
	if (bs == 512) {
		/* 16 MiB x 64 + 1: needs a larger disk */
		struct sim_scsi_disk *big = mk((64ULL << 20) / bs, bs, bs, false, true, false);

		for (i = 0; i < 17; i++) { lba[i] = 0; cnt[i] = (64 << 20) / bs; }
		put_unmap(u, 17, lba, cnt);
		run(big, 0, u, 10, 0x42, 0, 0, 0, 0, 0, 0, 1, 24, 0); SENSE(5, 0x26, 0);
		CHECK(res.sense[15] == 0x8f && be16(res.sense + 16) == 8 + 16 * 16 + 8);
		sim_scsi_disk_put(big);
	}
	gfill(w, 0x5a);
	rw16(d, 0, w, 0x8a, 0, 256 * 1024 / bs); GOOD();
	CHECK(atomic64_read(&d->chunks) == 64);
	run(d, 0, u, 10, 0x42, 1, 0, 0, 0, 0, 0, 0, 40, 0); SENSE(5, 0x24, 0);
	/* WRITE SAME (16) UNMAP with zeros deallocates the chunks */
	{
		struct gbuf *one = gb(0, bs, true);
		u8 cdb[16] = { 0x93, 0x08 };
		long long before = atomic64_read(&d->chunks);

		pbe64(cdb + 2, 16 * per); pbe32(cdb + 10, 16 * per);
		run_cdb(d, 0, one, cdb, 16); GOOD();
		CHECK(atomic64_read(&d->chunks) == before - 16);
		/* non-zero data with UNMAP is written */
		*gptr(one, 0) = 1;
		pbe32(cdb + 10, 1); run_cdb(d, 0, one, cdb, 16); GOOD();
		CHECK(atomic64_read(&d->chunks) == before - 15);
		gfree(one);
	}
	/* allocation failure on a thin disk: SPACE ALLOCATION FAILED */
	shim_fail_allocs = 1;
	rw16(d, 0, w, 0x8a, cap - per, per); SENSE(7, 0x27, 7);
	shim_fail_allocs = 0;
	sim_scsi_disk_show(d, show, sizeof(show));
	CHECK(strstr(show, "alloc_failures 1") && strstr(show, " thin"));
	/* resize: shrink cuts, grow shows zeros, UNIT ATTENTION 2a/09 */
	run(d, 3, NULL, 6, 0, 0, 0, 0, 0, 0); GOOD();
	/* a clean start: 4 chunks of 0x5a, the rest freed */
	lba[0] = 0; cnt[0] = cap; put_unmap(u, 1, lba, cnt);
	run(d, 0, u, 10, 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0); GOOD();
	CHECK(atomic64_read(&d->chunks) == 0);
	rw16(d, 0, w, 0x8a, 0, 4 * per); GOOD();
	CHECK(atomic64_read(&d->chunks) == 4);
	CHECK(sim_scsi_disk_resize(d, 2 * per + 1) == 0);
	run(d, 3, NULL, 6, 0, 0, 0, 0, 0, 0); SENSE(6, 0x2a, 9);
	run(d, 3, NULL, 6, 0, 0, 0, 0, 0, 0); GOOD();
	run(d, 0, NULL, 6, 0, 0, 0, 0, 0, 0); SENSE(6, 0x2a, 9);
	run(d, 5, NULL, 6, 0, 0, 0, 0, 0, 0); GOOD();	/* never seen before: owed nothing */
	rw16(d, 0, r, 0x88, 0, 2 * per + 2); SENSE(5, 0x21, 0);
	CHECK(sim_scsi_disk_resize(d, cap) == 0);
	run(d, 0, NULL, 6, 0, 0, 0, 0, 0, 0); SENSE(6, 0x2a, 9);
	rw16(d, 0, r, 0x88, 0, 4 * per); GOOD(); gget(r, 0, b, 4 * per * bs);
	memset(e, 0x5a, 4 * per * bs);
	memset(e + (2 * per + 1) * bs, 0, (2 * per - 1) * bs);
	CHECK(!memcmp(b, e, 4 * per * bs));
	CHECK(atomic64_read(&d->chunks) == 3);
	CHECK(sim_scsi_disk_resize(d, 0) == -EINVAL);
	gfree(b); gfree(e); gfree(w); gfree(r); gfree(u);
	sim_scsi_disk_put(d);
}

static void test_mode(void)
{
	struct sim_scsi_disk *d = mk(0x7654321ULL, 512, 512, true, false, true);
	struct gbuf *g = gb(4090, 512, false), *o = gb(4095, 64, true);
	u8 b[256];

	run(d, 0, g, 6, 0x1a, 0, 0x3f, 0, 255, 0); GOOD(); gget(g, 0, b, res.transferred);
	CHECK(res.transferred == 4 + 8 + 20 + 12 && b[0] == 43 && b[2] == 0x90 && b[3] == 8);
	CHECK(be32(b + 4) == 0x7654321 && (be32(b + 8) & 0xffffff) == 512);
	CHECK(b[12] == 8 && b[13] == 0x12 && b[14] == 4 && b[32] == 0x0a && b[33] == 10);
	run(d, 0, g, 6, 0x1a, 8, 0x08, 0, 255, 0); GOOD(); gget(g, 0, b, res.transferred);
	CHECK(res.transferred == 24 && b[0] == 23 && b[3] == 0 && b[4] == 8);
	run(d, 0, g, 6, 0x1a, 8, 0x48, 0, 255, 0); GOOD(); gget(g, 0, b, res.transferred);
	CHECK(b[6] == 4);
	run(d, 0, g, 6, 0x1a, 8, 0x88, 0, 255, 0); GOOD(); gget(g, 0, b, res.transferred);
	CHECK(b[6] == 4);
	run(d, 0, g, 6, 0x1a, 8, 0xc8, 0, 255, 0); SENSE(5, 0x39, 0);
	run(d, 0, g, 6, 0x1a, 8, 0x1c, 0, 255, 0); SENSE(5, 0x24, 0);
	run(d, 0, g, 6, 0x1a, 8, 0x0a, 1, 255, 0); SENSE(5, 0x24, 0);
	run(d, 0, g, 6, 0x1a, 8, 0x0a, 0xff, 255, 0); GOOD(); CHECK(res.transferred == 16);
	run(d, 0, g, 6, 0x1a, 0, 0x3f, 0, 4, 0); GOOD(); CHECK(res.transferred == 4);
	run(d, 0, g, 10, 0x5a, 0x10, 0x08, 0, 0, 0, 0, 0, 255, 0); GOOD(); gget(g, 0, b, res.transferred);
	CHECK(res.transferred == 8 + 16 + 20 && be16(b) == 42 && b[3] == 0x90 && b[4] == 1 && be16(b + 6) == 16 && be64(b + 8) == 0x7654321ULL && be32(b + 20) == 512);
	run(d, 0, g, 10, 0x5a, 0, 0x0a, 0, 0, 0, 0, 0, 255, 0); GOOD(); gget(g, 0, b, res.transferred);
	CHECK(res.transferred == 8 + 8 + 12 && b[4] == 0 && be16(b + 6) == 8);
	/* MODE SELECT (6): WCE off from initiator 1; initiator 0 owed 2a/01 */
	{
		u8 p[4 + 8 + 20] = { 0, 0, 0, 8 };

		pbe32(p + 4, 0); p[9] = 0; p[10] = 2; p[11] = 0;
		p[12] = 0x08; p[13] = 0x12;
		gput(o, 0, p, sizeof(p));
		run(d, 1, o, 6, 0x15, 0x10, 0, 0, sizeof(p), 0); GOOD();
		run(d, 0, g, 6, 0x1a, 8, 0x08, 0, 255, 0); SENSE(6, 0x2a, 1);
		run(d, 0, g, 6, 0x1a, 8, 0x08, 0, 255, 0); GOOD(); gget(g, 0, b, 24); CHECK(b[6] == 0);
		run(d, 1, g, 6, 0x1a, 8, 0x08, 0, 255, 0); GOOD();
		/* a default-value read still says WCE */
		run(d, 1, g, 6, 0x1a, 8, 0x88, 0, 255, 0); GOOD(); gget(g, 0, b, 24); CHECK(b[6] == 4);
		/* wrong block length */
		p[11] = 1; gput(o, 0, p, sizeof(p));
		run(d, 1, o, 6, 0x15, 0x10, 0, 0, sizeof(p), 0); SENSE(5, 0x26, 0); CHECK(res.sense[17] == 9);
		p[11] = 0; p[14] = 0x01;	/* RCD: not changeable */
		gput(o, 0, p, sizeof(p));
		run(d, 1, o, 6, 0x15, 0x10, 0, 0, sizeof(p), 0); SENSE(5, 0x26, 0); CHECK(res.sense[17] == 14);
		p[14] = 0x04; gput(o, 0, p, sizeof(p));
		run(d, 1, o, 6, 0x15, 0x11, 0, 0, sizeof(p), 0); SENSE(5, 0x24, 0);	/* SP */
		run(d, 1, o, 6, 0x15, 0x00, 0, 0, sizeof(p), 0); SENSE(5, 0x24, 0);	/* PF 0 */
		run(d, 1, o, 6, 0x15, 0x10, 0, 0, sizeof(p) - 1, 0); SENSE(5, 0x1a, 0);	/* cut page */
		run(d, 1, o, 6, 0x15, 0x10, 0, 0, 3, 0); SENSE(5, 0x1a, 0);
		run(d, 1, o, 6, 0x15, 0x10, 0, 0, 0, 0); GOOD();
		o->b.len = 20; run(d, 1, o, 6, 0x15, 0x10, 0, 0, sizeof(p), 0); SENSE(5, 0x1a, 0);
		o->b.len = 64;
		run(d, 1, o, 6, 0x15, 0x10, 0, 0, sizeof(p), 0); GOOD();
		run(d, 0, g, 6, 0x1a, 8, 0x08, 0, 255, 0); SENSE(6, 0x2a, 1);
		/* page 0x0a sent back unchanged: fine; changed: not */
		run(d, 0, g, 6, 0x1a, 8, 0x0a, 0, 255, 0); GOOD(); gget(g, 0, b, 16);
		b[0] = 0; b[2] = 0; gput(o, 0, b, 16);
		run(d, 1, o, 6, 0x15, 0x10, 0, 0, 16, 0); GOOD();
		b[6] = 0x06; gput(o, 0, b, 16);
		run(d, 1, o, 6, 0x15, 0x10, 0, 0, 16, 0); SENSE(5, 0x26, 0);
		b[4] |= 0x80; gput(o, 0, b, 16);	/* PS */
		run(d, 1, o, 6, 0x15, 0x10, 0, 0, 16, 0); SENSE(5, 0x26, 0);
	}
	/* read-only: writes are DATA PROTECT */
	rw16(d, 0, o, 0x8a, 0, 0); SENSE(7, 0x27, 0);
	run(d, 0, o, 10, 0x41, 0, 0, 0, 0, 0, 0, 0, 1, 0); SENSE(7, 0x27, 0);
	/* REQUEST SENSE */
	run(d, 0, g, 6, 0x03, 0, 0, 0, 252, 0); GOOD(); gget(g, 0, b, 18);
	CHECK(res.transferred == 18 && b[0] == 0x70 && b[2] == 0 && b[7] == 10 && b[12] == 0);
	run(d, 0, g, 6, 0x03, 1, 0, 0, 252, 0); SENSE(5, 0x24, 0);
	sim_scsi_disk_unit_attention(d, 0, 0x29, 0);
	sim_scsi_disk_unit_attention(d, 0, 0x29, 0);
	sim_scsi_disk_unit_attention(d, 0, 0x3f, 0x0e);
	run(d, 0, g, 6, 0x12, 0, 0, 0, 36, 0); GOOD();
	run(d, 0, g, 6, 0x03, 0, 0, 0, 8, 0); GOOD(); gget(g, 0, b, 8); CHECK(res.transferred == 8 && b[2] == 6);
	run(d, 0, g, 6, 0x03, 0, 0, 0, 18, 0); GOOD(); gget(g, 0, b, 18); CHECK(b[2] == 6 && b[12] == 0x3f && b[13] == 0x0e);
	run(d, 0, g, 6, 0x03, 0, 0, 0, 18, 0); GOOD(); gget(g, 0, b, 18); CHECK(b[2] == 0);
	/* a UA queue of 4; a fifth replaces the last */
	sim_scsi_disk_unit_attention(d, 2, 0x29, 1);
	sim_scsi_disk_unit_attention(d, 2, 0x29, 2);
	sim_scsi_disk_unit_attention(d, 2, 0x29, 3);
	sim_scsi_disk_unit_attention(d, 2, 0x29, 4);
	sim_scsi_disk_unit_attention(d, 2, 0x29, 5);
	run(d, 2, NULL, 6, 0, 0, 0, 0, 0, 0); SENSE(6, 0x29, 1);
	run(d, 2, NULL, 6, 0, 0, 0, 0, 0, 0); SENSE(6, 0x29, 2);
	run(d, 2, NULL, 6, 0, 0, 0, 0, 0, 0); SENSE(6, 0x29, 3);
	run(d, 2, NULL, 6, 0, 0, 0, 0, 0, 0); SENSE(6, 0x29, 5);
	run(d, 2, NULL, 6, 0, 0, 0, 0, 0, 0); GOOD();
	/* initiators past the bound: served, owed nothing */
	sim_scsi_disk_unit_attention(d, 64, 0x29, 0);
	run(d, 64, NULL, 6, 0, 0, 0, 0, 0, 0); GOOD();
	run(d, 1000, g, 6, 0x12, 0, 0, 0, 36, 0); GOOD();
	/* fault injection */
	sim_scsi_disk_fail_next(d, 0x28, 2, 3, 0x11, 0);
	run(d, 0, g, 10, 0x28, 0, 0, 0, 0x12, 0x34, 0, 0, 1, 0); SENSE(3, 0x11, 0); CHECK(res.sense[0] == 0xf0 && be32(res.sense + 3) == 0x1234);
	run(d, 0, g, 6, 0x08, 0, 0, 0, 1, 0); GOOD();
	run(d, 0, g, 10, 0x28, 0, 0, 0, 0, 7, 0, 0, 1, 0); SENSE(3, 0x11, 0);
	run(d, 0, g, 10, 0x28, 0, 0, 0, 0, 7, 0, 0, 1, 0); GOOD();
	sim_scsi_disk_fail_next(d, 0xff, 1, 4, 0x44, 0);
	run(d, 0, g, 6, 0x12, 0, 0, 0, 36, 0); GOOD();
	run(d, 0, NULL, 6, 0, 0, 0, 0, 0, 0); SENSE(4, 0x44, 0); CHECK(res.sense[0] == 0x70);
	run(d, 0, NULL, 6, 0, 0, 0, 0, 0, 0); GOOD();
	gfree(g); gfree(o);
	sim_scsi_disk_put(d);
}

/* PERSISTENT RESERVE OUT from @init */
static void pro(struct sim_scsi_disk *d, u32 init, u8 sa, u8 type, u64 rk, u64 sark, u8 flags)
{
	static __thread struct gbuf *g;
	u8 p[24] = {};

	if (!g)
		g = gb(4080, 24, true);
	pbe64(p, rk); pbe64(p + 8, sark); p[20] = flags;
	gput(g, 0, p, 24);
	run(d, init, g, 10, 0x5f, sa, type, 0, 0, 0, 0, 0, 24, 0);
}
static __thread struct gbuf *pin_buf;
static __thread u8 pin[600];
static void pri(struct sim_scsi_disk *d, u32 init, u8 sa)
{
	if (!pin_buf)
		pin_buf = gb(100, 600, false);
	run(d, init, pin_buf, 10, 0x5e, sa, 0, 0, 0, 0, 0, 2, 0x58, 0);
	gget(pin_buf, 0, pin, res.transferred);
}
static void rd(struct sim_scsi_disk *d, u32 init) { static __thread struct gbuf *g; if (!g) g = gb(0, 512, false); rw16(d, init, g, 0x88, 0, 1); }
static void wr(struct sim_scsi_disk *d, u32 init) { static __thread struct gbuf *g; if (!g) g = gb(0, 512, true); rw16(d, init, g, 0x8a, 0, 1); }

static void test_pr(void)
{
	struct sim_scsi_disk *d = mk(4096, 512, 512, false, true, false);
	u32 i;

	pri(d, 0, 2); GOOD(); CHECK(res.transferred == 8 && be16(pin) == 8 && pin[2] == 0 && pin[3] == 0xb0 && pin[4] == 0x6a && pin[5] == 0);
	pri(d, 0, 3); SENSE(5, 0x24, 0);
	pri(d, 0, 0); GOOD(); CHECK(res.transferred == 8 && be32(pin) == 0 && be32(pin + 4) == 0);
	/* register: rk must be 0 when unregistered */
	pro(d, 0, 0, 0, 5, 0xa, 0); CONFLICT();
	pro(d, 0, 0, 0, 0, 0, 0); GOOD();	/* nothing, but GOOD */
	pro(d, 0, 0, 0, 0, 0xa, 0); GOOD();
	pro(d, 1, 6, 0, 0x999, 0xb, 0); GOOD();	/* ignore existing key */
	pro(d, 2, 0, 0, 0, 0xc, 0); GOOD();
	pri(d, 0, 0); GOOD(); CHECK(be32(pin) == 4 && be32(pin + 4) == 24 && be64(pin + 8) == 0xa && be64(pin + 16) == 0xb && be64(pin + 24) == 0xc);
	/* truncated: length fields stay */
	run(d, 0, pin_buf, 10, 0x5e, 0, 0, 0, 0, 0, 0, 0, 12, 0); GOOD(); CHECK(res.transferred == 12);
	/* parameter list checks */
	run(d, 0, pin_buf, 10, 0x5f, 0, 0, 0, 0, 0, 0, 0, 23, 0); SENSE(5, 0x1a, 0);
	pro(d, 0, 0, 0, 0xa, 0xa, 0x01); SENSE(5, 0x26, 0); CHECK(res.sense[15] == 0x88 && res.sense[17] == 20);
	pro(d, 0, 0, 0, 0xa, 0xa, 0x04); SENSE(5, 0x26, 0);
	pro(d, 0, 0, 0, 0xa, 0xa, 0x08); SENSE(5, 0x26, 0);
	pro(d, 0, 7, 0, 0xa, 0xa, 0); SENSE(5, 0x24, 0);
	/* wrong key */
	pro(d, 0, 0, 0, 0xb, 0xd, 0); CONFLICT();
	pro(d, 3, 1, 1, 0, 0, 0); CONFLICT();	/* unregistered RESERVE */
	/* RESERVE with bad scope/type */
	pro(d, 0, 1, 0x11, 0xa, 0, 0); SENSE(5, 0x24, 0);
	pro(d, 0, 1, 0x07, 0xa, 0, 0); SENSE(5, 0x24, 0);
	pro(d, 0, 1, 0x02, 0xa, 0, 0); SENSE(5, 0x24, 0);
	pri(d, 0, 0); CHECK(be32(pin) == 4);	/* failed ones did not count */
	/* Write Exclusive by 0 */
	pro(d, 0, 1, 1, 0xa, 0, 0); GOOD();
	pro(d, 0, 1, 1, 0xa, 0, 0); GOOD();	/* again, same: fine */
	pro(d, 0, 1, 3, 0xa, 0, 0); CONFLICT();	/* another type */
	pro(d, 1, 1, 1, 0xb, 0, 0); CONFLICT();
	pri(d, 1, 1); GOOD(); CHECK(res.transferred == 24 && be32(pin) == 4 && be32(pin + 4) == 16 && be64(pin + 8) == 0xa && pin[21] == 1);
	wr(d, 0); GOOD(); rd(d, 0); GOOD();
	wr(d, 1); CONFLICT(); rd(d, 1); GOOD();
	wr(d, 3); CONFLICT(); rd(d, 3); GOOD();
	run(d, 3, NULL, 10, 0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0); CONFLICT();
	run(d, 3, NULL, 6, 0, 0, 0, 0, 0, 0); GOOD();
	run(d, 3, pin_buf, 10, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0); GOOD();
	run(d, 3, pin_buf, 6, 0x1a, 0, 0x3f, 0, 255, 0); GOOD();
	run(d, 3, pin_buf, 6, 0x15, 0x10, 0, 0, 0, 0); CONFLICT();
	/* RELEASE: non-holder does nothing; holder with wrong type: 26/04 */
	pro(d, 1, 2, 1, 0xb, 0, 0); GOOD();
	pri(d, 1, 1); CHECK(be32(pin + 4) == 16);
	pro(d, 0, 2, 3, 0xa, 0, 0); SENSE(5, 0x26, 4);
	pro(d, 0, 2, 7, 0xa, 0, 0); SENSE(5, 0x26, 4);
	pro(d, 0, 2, 2, 0xa, 0, 0); SENSE(5, 0x24, 0);
	pro(d, 0, 2, 1, 0xa, 0, 0); GOOD();
	pri(d, 1, 1); CHECK(be32(pin + 4) == 0 && res.transferred == 8);
	for (i = 0; i < 4; i++) { run(d, i, NULL, 6, 0, 0, 0, 0, 0, 0); GOOD(); }	/* type 1: no UA */
	/* Exclusive Access by 0: reads conflict too, even from registrants */
	pro(d, 0, 1, 3, 0xa, 0, 0); GOOD();
	rd(d, 1); CONFLICT(); rd(d, 3); CONFLICT();
	run(d, 1, pin_buf, 6, 0x1a, 0, 0x3f, 0, 255, 0); CONFLICT();
	run(d, 1, NULL, 6, 0, 0, 0, 0, 0, 0); GOOD();
	/* PREEMPT: 1 takes it from 0 as WE-RO; 0 loses its registration */
	pro(d, 1, 4, 5, 0xb, 0, 0); SENSE(5, 0x26, 0);	/* sark 0 */
	pro(d, 1, 4, 5, 0xb, 0x77, 0); CONFLICT();	/* no such key */
	pro(d, 3, 4, 5, 0, 0xa, 0); CONFLICT();		/* unregistered */
	pro(d, 1, 4, 2, 0xb, 0xa, 0); SENSE(5, 0x24, 0);
	pro(d, 1, 4, 5, 0xb, 0xa, 0); GOOD();
	pri(d, 1, 1); CHECK(be32(pin) == 5 && be64(pin + 8) == 0xb && pin[21] == 5);
	pri(d, 1, 0); CHECK(be32(pin + 4) == 16 && be64(pin + 8) == 0xb && be64(pin + 16) == 0xc);
	run(d, 0, NULL, 6, 0, 0, 0, 0, 0, 0); SENSE(6, 0x2a, 5);	/* REGISTRATIONS PREEMPTED */
	run(d, 2, NULL, 6, 0, 0, 0, 0, 0, 0); SENSE(6, 0x2a, 4);	/* type changed: RELEASED */
	run(d, 1, NULL, 6, 0, 0, 0, 0, 0, 0); GOOD();
	/* WE-RO: registrant 2 writes, unregistered 0 reads only */
	wr(d, 2); GOOD(); wr(d, 0); CONFLICT(); rd(d, 0); GOOD();
	/* holder 1 unregisters: WE-RO released, 2 told */
	pro(d, 1, 0, 0, 0xb, 0, 0); GOOD();
	pri(d, 2, 1); SENSE(6, 0x2a, 4);	/* PR IN is no exception */
	pri(d, 2, 1); GOOD(); CHECK(be32(pin + 4) == 0);
	wr(d, 0); GOOD();
	/* EA-RO by 2; 0 and 1 register; 1 (registrant) reads and writes */
	pro(d, 2, 1, 6, 0xc, 0, 0); GOOD();
	rd(d, 0); CONFLICT();
	pro(d, 0, 0, 0, 0, 0xa, 0); GOOD();
	pro(d, 1, 0, 0, 0, 0xa, 0); GOOD();	/* same key as 0 */
	rd(d, 0); GOOD(); wr(d, 1); GOOD();
	/* removing registrations of key 0xa (not the holder's): 0 and 1 */
	pro(d, 2, 4, 6, 0xc, 0xa, 0); GOOD();
	run(d, 0, NULL, 6, 0, 0, 0, 0, 0, 0); SENSE(6, 0x2a, 5);
	run(d, 1, NULL, 6, 0, 0, 0, 0, 0, 0); SENSE(6, 0x2a, 5);
	pri(d, 2, 0); CHECK(be32(pin + 4) == 8);
	pri(d, 2, 1); CHECK(pin[21] == 6);
	/* self-preempt, same type: no UA; keeps registration */
	pro(d, 0, 0, 0, 0, 0xd, 0); GOOD();
	pro(d, 2, 4, 6, 0xc, 0xc, 0); GOOD();
	run(d, 0, NULL, 6, 0, 0, 0, 0, 0, 0); GOOD();
	pri(d, 2, 0); CHECK(be32(pin + 4) == 16);
	/* removing own registration by PREEMPT with own key (no reservation by it) */
	pro(d, 0, 4, 0, 0xd, 0xd, 0); GOOD();
	run(d, 0, NULL, 6, 0, 0, 0, 0, 0, 0); GOOD();
	pri(d, 2, 0); CHECK(be32(pin + 4) == 8);
	/* CLEAR by 2: others registered told RESERVATIONS PREEMPTED */
	pro(d, 1, 0, 0, 0, 0xe, 0); GOOD();
	pro(d, 2, 3, 0, 0xc, 0, 0); GOOD();
	run(d, 1, NULL, 6, 0, 0, 0, 0, 0, 0); SENSE(6, 0x2a, 3);
	run(d, 2, NULL, 6, 0, 0, 0, 0, 0, 0); GOOD();
	pri(d, 2, 0); CHECK(be32(pin + 4) == 0); pri(d, 2, 1); CHECK(be32(pin + 4) == 0);
	/* registration resources: initiator 64 cannot register */
	pro(d, 64, 0, 0, 0, 0xf, 0); SENSE(5, 0x55, 4);
	pro(d, 64, 0, 0, 0, 0, 0); GOOD();
	/* 64 registrants, READ KEYS with all of them */
	for (i = 0; i < 64; i++) { pro(d, i, 6, 0, 0, 0x100 + i, 0); GOOD(); }
	pri(d, 5, 0); CHECK(res.transferred == 520 && be32(pin + 4) == 512 && be64(pin + 8 + 63 * 8) == 0x100 + 63);
	{
		char show[2048];

		sim_scsi_disk_show(d, show, sizeof(show));
		CHECK(strstr(show, "conflicts ") != NULL);
	}
	sim_scsi_disk_put(d);
}

static void test_luns(void)
{
	u16 luns[] = { 0, 1, 255, 300, 16383, 16384 };
	struct gbuf *g = gb(4000, 200, false);
	u8 cdb[12] = { 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 200, 0, 0 };
	u8 b[200];

	rc = sim_scsi_report_luns(luns, 6, cdb, 12, &g->b, &res); GOOD();
	gget(g, 0, b, res.transferred);
	CHECK(res.transferred == 48 && be32(b) == 40 && b[8] == 0 && b[9] == 0 && b[17] == 1 && b[25] == 255 && b[32] == 0x41 && b[33] == 0x2c && b[40] == 0x7f && b[41] == 0xff);
	cdb[9] = 15; rc = sim_scsi_report_luns(luns, 6, cdb, 12, &g->b, &res); SENSE(5, 0x24, 0);
	cdb[9] = 16; rc = sim_scsi_report_luns(luns, 6, cdb, 12, &g->b, &res); GOOD(); CHECK(res.transferred == 16);
	cdb[2] = 1; rc = sim_scsi_report_luns(luns, 6, cdb, 12, &g->b, &res); GOOD(); gget(g, 0, b, 8); CHECK(be32(b) == 0 && res.transferred == 8);
	cdb[2] = 3; rc = sim_scsi_report_luns(luns, 6, cdb, 12, &g->b, &res); SENSE(5, 0x24, 0);
	cdb[2] = 2; rc = sim_scsi_report_luns(luns, 0, cdb, 12, &g->b, &res); GOOD(); CHECK(res.transferred == 8);
	rc = sim_scsi_report_luns(luns, 6, cdb, 11, &g->b, &res); SENSE(5, 0x24, 0);
	cdb[11] = 4; rc = sim_scsi_report_luns(luns, 6, cdb, 12, &g->b, &res); SENSE(5, 0x24, 0);
	cdb[11] = 0;
	g->b.to_device = true; rc = sim_scsi_report_luns(luns, 6, cdb, 12, &g->b, &res); SENSE(0xb, 0x4b, 0);
	g->b.to_device = false;
	g->b.offset = 4096; rc = sim_scsi_report_luns(luns, 6, cdb, 12, &g->b, &res); CHECK(rc == -EFAULT && res.status == 2);
	g->b.offset = 4000;
	/* absent LUN */
	{
		u8 inq[6] = { 0x12, 0, 0, 0, 96, 0 }, rs[6] = { 3, 0, 0, 0, 18, 0 }, tur[6] = {};
		u8 vpd[6] = { 0x12, 1, 0, 0, 96, 0 };

		sim_scsi_no_lun(inq, 6, &g->b, &res); GOOD(); gget(g, 0, b, 96);
		CHECK(res.transferred == 96 && b[0] == 0x7f && b[2] == 5);
		sim_scsi_no_lun(vpd, 6, &g->b, &res); SENSE(5, 0x25, 0);
		sim_scsi_no_lun(rs, 6, &g->b, &res); GOOD(); gget(g, 0, b, 18);
		CHECK(b[2] == 5 && b[12] == 0x25 && res.transferred == 18);
		sim_scsi_no_lun(tur, 6, NULL, &res); SENSE(5, 0x25, 0);
		sim_scsi_no_lun(inq, 5, &g->b, &res); SENSE(5, 0x24, 0);
	}
	gfree(g);
}

/* concurrent readers, writers, unmaps, resizes: for the sanitizers */
static struct sim_scsi_disk *cd;
static void *worker(void *arg)
{
	long id = (long)arg;
	struct gbuf *w = gb(7, 64 * 512, true), *r = gb(9, 64 * 512, false), *u = gb(0, 24, true);
	u64 lba[1]; u32 cnt[1];
	int i;

	for (i = 0; i < 3000; i++) {
		u64 l = (i * 2654435761u + id) % 4000;

		switch ((i + id) % 4) {
		case 0: rw16(cd, id, w, 0x8a, l, 1 + l % 64); break;
		case 1: rw16(cd, id, r, 0x88, l, 1 + l % 64); break;
		case 2: lba[0] = l; cnt[0] = 1 + l % 100; put_unmap(u, 1, lba, cnt);
			run(cd, id, u, 10, 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0); break;
		default:
			if (id == 0 && i % 100 == 3)
				sim_scsi_disk_resize(cd, 3000 + i % 2000);
			else
				pri(cd, id, 0);
		}
	}
	gfree(w); gfree(r); gfree(u);
	return NULL;
}

static int tap_n, tap_failed;

static void group(const char *name, void (*fn)(void))
{
	int before = fails, checks_before = checks;

	fn();
	tap_n++;
	if (fails == before) {
		printf("ok %d - %s (%d checks)\n", tap_n, name, checks - checks_before);
	} else {
		tap_failed++;
		printf("not ok %d - %s: %d of %d checks failed\n", tap_n, name,
		       fails - before, checks - checks_before);
	}
}

static void rw512(void) { test_rw(512); }
static void rw4096(void) { test_rw(4096); }
static void thin512(void) { test_thin(512); }
static void thin4096(void) { test_thin(4096); }

static void concurrent(void)
{
	pthread_t t[4];
	long i;

	cd = mk(4096, 512, 4096, false, true, false);
	pin_buf = NULL;
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	sim_scsi_disk_put(cd);
}

int main(void)
{
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ram = calloc(NPAGES, 4096);
	group("disk creation and limits", test_create);
	group("INQUIRY and VPD pages", test_inquiry);
	group("guest buffers", test_buffers);
	group("READ/WRITE 6/10/16, 512-byte blocks", rw512);
	group("READ/WRITE 6/10/16, 4 KiB blocks", rw4096);
	group("thin provisioning, 512-byte blocks", thin512);
	group("thin provisioning, 4 KiB blocks", thin4096);
	group("MODE SENSE/SELECT", test_mode);
	group("persistent reservations", test_pr);
	group("REPORT LUNS and absent LUNs", test_luns);
	group("4 threads: reads, writes, UNMAP, resize, PR IN", concurrent);
	printf("# %d checks, %d failures\n", checks, fails);
	for (i = 0; i < nbufs; i++)
		free(all_bufs[i]);
	free(ram);
	return tap_failed != 0;
}
