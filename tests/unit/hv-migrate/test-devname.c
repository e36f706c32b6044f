// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: parsing and matching of device names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "devname.h"

static struct hvm_devref parse_ok(const char *s)
{
	struct hvm_devref r;

	assert_true(hvm_devref_parse(s, strlen(s), &r));
	return r;
}

static void parse_fails(const char *s)
{
	struct hvm_devref r;

	assert_false(hvm_devref_parse(s, strlen(s), &r));
}

static void test_scsi_family(void **state)
{
	struct hvm_devref r;

	(void)state;
	r = parse_ok("/dev/sda1");
	assert_string_equal(r.disk, "sda");
	assert_string_equal(r.prefix, "sd");
	assert_int_equal(r.part, 1);
	assert_int_equal(r.len, 9);
	r = parse_ok("/dev/sda10");
	assert_string_equal(r.disk, "sda");
	assert_int_equal(r.part, 10);
	assert_int_equal(r.len, 10);
	r = parse_ok("/dev/sdaa3");		/* the 27th disk */
	assert_string_equal(r.disk, "sdaa");
	assert_int_equal(r.part, 3);
	r = parse_ok("/dev/xvdb");
	assert_string_equal(r.disk, "xvdb");
	assert_string_equal(r.prefix, "xvd");
	assert_int_equal(r.part, 0);
	r = parse_ok("/dev/vda3");
	assert_string_equal(r.prefix, "vd");
	r = parse_ok("/dev/hdc");
	assert_string_equal(r.prefix, "hd");
}

static void test_numbered_families(void **state)
{
	struct hvm_devref r;

	(void)state;
	r = parse_ok("/dev/nvme0n1p1");
	assert_string_equal(r.disk, "nvme0n1");
	assert_int_equal(r.part, 1);
	r = parse_ok("/dev/nvme12n3");
	assert_string_equal(r.disk, "nvme12n3");
	assert_int_equal(r.part, 0);
	r = parse_ok("/dev/mmcblk0p2");
	assert_string_equal(r.disk, "mmcblk0");
	assert_int_equal(r.part, 2);
	r = parse_ok("/dev/cciss/c0d0p1");
	assert_string_equal(r.disk, "cciss/c0d0");
	assert_string_equal(r.prefix, "cciss");
	assert_int_equal(r.part, 1);
	r = parse_ok("/dev/ida/c1d2");
	assert_string_equal(r.disk, "ida/c1d2");
	assert_int_equal(r.part, 0);
	parse_fails("/dev/nvme0");		/* a controller, not a disk */
	parse_fails("/dev/nvme0n1p");
	parse_fails("/dev/cciss/c0");
	parse_fails("/dev/mmcblk0boot0");	/* boot areas are not partitions */
}

static void test_not_names(void **state)
{
	(void)state;
	parse_fails("/dev/sda1x");
	parse_fails("/dev/sd");
	parse_fails("/dev/sdabcd");		/* more letters than any disk */
	parse_fails("/dev/sda0");		/* partitions count from 1 */
	parse_fails("/dev/md0");
	parse_fails("/dev/mapper/vg-root");
	parse_fails("/dev/sr0");
	parse_fails("/dev/disk/by-uuid/1234");
	parse_fails("/dev/disk/by-id/lvm-pv-uuid-abc");
	parse_fails("/dev/disk/by-id/dm-name-vg-root");
	parse_fails("/dev/disk/by-id/md-uuid-1:2:3:4");
	parse_fails("/dev/sda-1");
	parse_fails("/dev/VolGroup00/LogVol00");
	parse_fails("/dev/sda1234567");		/* absurd partition number */
}

static void test_links(void **state)
{
	struct hvm_devref r;

	(void)state;
	r = parse_ok("/dev/disk/by-id/ata-VBOX_HARDDISK_VB1-part2");
	assert_int_equal(r.kind, HVM_REF_BY_ID);
	assert_string_equal(r.disk, "disk/by-id/ata-VBOX_HARDDISK_VB1");
	assert_int_equal(r.part, 2);
	r = parse_ok("/dev/disk/by-path/pci-0000:00:10.0-scsi-0:0:0:0-part12 rest");
	assert_int_equal(r.kind, HVM_REF_BY_PATH);
	assert_string_equal(r.disk, "disk/by-path/pci-0000:00:10.0-scsi-0:0:0:0");
	assert_int_equal(r.part, 12);
	assert_int_equal(r.len, strlen("/dev/disk/by-path/pci-0000:00:10.0-scsi-0:0:0:0-part12"));
	r = parse_ok("/dev/disk/by-id/xen-vbd-51712\"");
	assert_string_equal(r.disk, "disk/by-id/xen-vbd-51712");
	assert_int_equal(r.part, 0);
	/* "-part" in the middle of a name is not a partition suffix */
	r = parse_ok("/dev/disk/by-id/scsi-part7x");
	assert_string_equal(r.disk, "disk/by-id/scsi-part7x");
	assert_int_equal(r.part, 0);
}

static void test_globs(void **state)
{
	struct hvm_devref r;

	(void)state;
	r = parse_ok("/dev/sd[ab]1");
	assert_true(r.glob);
	assert_string_equal(r.disk, "sd");
	assert_int_equal(r.len, 7);
	r = parse_ok("/dev/sda*");
	assert_true(r.glob);
	assert_string_equal(r.disk, "sda");
	r = parse_ok("/dev/xvd?1");
	assert_true(r.glob);
	assert_string_equal(r.prefix, "xvd");
}

/* sda1 must never be found inside sda10, nor inside another path */
static void test_find_boundaries(void **state)
{
	const char *line = "kernel /vmlinuz root=/dev/sda10 resume=/dev/sda1 x=/mnt/dev/sdb2";
	struct hvm_devref r;
	long off;

	(void)state;
	off = hvm_devref_find(line, strlen(line), 0, &r);
	assert_int_equal(off, strstr(line, "/dev/sda10") - line);
	assert_int_equal(r.part, 10);
	off = hvm_devref_find(line, strlen(line), (size_t)off + r.len, &r);
	assert_int_equal(off, strstr(line, "/dev/sda1 ") - line);
	assert_int_equal(r.part, 1);
	off = hvm_devref_find(line, strlen(line), (size_t)off + r.len, &r);
	assert_int_equal(off, -1);	/* /mnt/dev/sdb2 is a path */
	/* a reference cut by the end of the buffer is still found whole */
	/* the buffer length is respected: "/dev/sda" of "/dev/sda10" */
	off = hvm_devref_find("a /dev/sda10", 10, 0, &r);
	assert_int_equal(off, 2);
	assert_int_equal(r.part, 0);
	assert_int_equal(hvm_devref_find("a /dev/sda10", 9, 0, &r), -1);
}

static void test_letters(void **state)
{
	char buf[16];
	static const struct { const char *l; long i; } tab[] = {
		{ "a", 0 }, { "z", 25 }, { "aa", 26 }, { "az", 51 }, { "ba", 52 },
		{ "zz", 701 }, { "aaa", 702 },
	};

	(void)state;
	for (size_t k = 0; k < sizeof(tab) / sizeof(*tab); k++) {
		assert_int_equal(hvm_letters_to_index(tab[k].l), tab[k].i);
		assert_int_equal(hvm_index_to_letters(tab[k].i, buf, sizeof(buf)), 0);
		assert_string_equal(buf, tab[k].l);
	}
	for (long i = 0; i < 20000; i++) {
		assert_int_equal(hvm_index_to_letters(i, buf, sizeof(buf)), 0);
		assert_int_equal(hvm_letters_to_index(buf), i);
	}
	assert_int_equal(hvm_letters_to_index(""), -1);
	assert_int_equal(hvm_letters_to_index("A"), -1);
	assert_int_equal(hvm_index_to_letters(-1, buf, sizeof(buf)), -1);
	assert_int_equal(hvm_index_to_letters(702, buf, 3), -1);	/* "aaa" needs 4 */
}

static void test_partname(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(hvm_partname("sda", 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "sda1");
	assert_int_equal(hvm_partname("sdaa", 12, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "sdaa12");
	assert_int_equal(hvm_partname("nvme0n1", 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "nvme0n1p1");
	assert_int_equal(hvm_partname("mmcblk0", 2, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "mmcblk0p2");
	assert_int_equal(hvm_partname("cciss/c0d0", 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "cciss/c0d0p1");
	assert_int_equal(hvm_partname("disk/by-id/x", 3, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "disk/by-id/x-part3");
	assert_int_equal(hvm_partname("xvda", 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "xvda");
	assert_int_equal(hvm_partname("sda", 1, buf, 4), -1);
}

static void test_namemap(void **state)
{
	struct hvm_namemap m = { 0 };
	struct hvm_devref r;
	char out[128];

	(void)state;
	assert_int_equal(hvm_namemap_add(&m, "xvd=sd"), 0);
	assert_int_equal(hvm_namemap_add(&m, "xvdb=sdc"), 0);
	assert_int_equal(hvm_namemap_add(&m, "nvme0n1=sda"), 0);
	assert_int_equal(hvm_namemap_add(&m, "/dev/disk/by-id/ata-X=sdb"), 0);
	/* invalid: no '=', empty sides, a partition, mixed kinds, a link as target */
	assert_int_equal(hvm_namemap_add(&m, "xvd"), -1);
	assert_int_equal(hvm_namemap_add(&m, "=sd"), -1);
	assert_int_equal(hvm_namemap_add(&m, "xvd="), -1);
	assert_int_equal(hvm_namemap_add(&m, "xvda1=sda1"), -1);
	assert_int_equal(hvm_namemap_add(&m, "xvd=sda"), -1);
	assert_int_equal(hvm_namemap_add(&m, "nvme=sd"), -1);
	assert_int_equal(hvm_namemap_add(&m, "sda=disk/by-id/x"), -1);

	r = parse_ok("/dev/xvda2");
	assert_true(hvm_namemap_apply(&m, &r, out, sizeof(out)));
	assert_string_equal(out, "/dev/sda2");
	r = parse_ok("/dev/xvdb1");		/* the whole-disk entry wins */
	assert_true(hvm_namemap_apply(&m, &r, out, sizeof(out)));
	assert_string_equal(out, "/dev/sdc1");
	r = parse_ok("/dev/xvdaa10");
	assert_true(hvm_namemap_apply(&m, &r, out, sizeof(out)));
	assert_string_equal(out, "/dev/sdaa10");
	r = parse_ok("/dev/nvme0n1p3");
	assert_true(hvm_namemap_apply(&m, &r, out, sizeof(out)));
	assert_string_equal(out, "/dev/sda3");
	r = parse_ok("/dev/disk/by-id/ata-X-part2");
	assert_true(hvm_namemap_apply(&m, &r, out, sizeof(out)));
	assert_string_equal(out, "/dev/sdb2");
	r = parse_ok("/dev/nvme1n1p1");
	assert_false(hvm_namemap_apply(&m, &r, out, sizeof(out)));
	r = parse_ok("/dev/vda1");
	assert_false(hvm_namemap_apply(&m, &r, out, sizeof(out)));
	r = parse_ok("/dev/xvd*");		/* a pattern maps its family */
	assert_true(hvm_namemap_apply(&m, &r, out, sizeof(out)));
	assert_string_equal(out, "/dev/sd");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scsi_family),
		cmocka_unit_test(test_numbered_families),
		cmocka_unit_test(test_not_names),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_globs),
		cmocka_unit_test(test_find_boundaries),
		cmocka_unit_test(test_letters),
		cmocka_unit_test(test_partname),
		cmocka_unit_test(test_namemap),
	};

	return cmocka_run_group_tests_name("devname", tests, NULL, NULL);
}
