// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: every file rewriter, against a table resolver. Each test
 * states the exact expected output, so a rewriter that does nothing or too
 * much fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "devname.h"
#include "hvm.h"
#include "text.h"

/* Known devices of the fake guest, by kernel or link name. */
static const struct {
	const char *name;
	struct hvm_ids ids;
} devices[] = {
	{ "xvda1", { .uuid = "1111-boot", .type = "ext4" } },
	{ "xvda2", { .uuid = "2222-root", .type = "ext4" } },
	{ "xvda3", { .uuid = "3333-swap", .partuuid = "pu-xvda3", .type = "swap" } },
	{ "sda1", { .uuid = "aaaa-sda1" } },
	{ "sda10", { .uuid = "aaaa-sda10" } },
	{ "nvme0n1p3", { .uuid = "luks-uuid", .type = "crypto_LUKS" } },
	{ "vdb1", { .label = "data", .partuuid = "pu-vdb1" } },
	{ "vdc1", { .label = "has space", .partuuid = "pu-vdc1" } },
	{ "vdd1", { .type = "unknown" } },
	{ "disk/by-id/ata-X-part2", { .uuid = "byid-2" } },
};

static int table_resolve(void *priv, const struct hvm_devref *ref,
			 struct hvm_ids *ids, char *why, size_t whysz)
{
	char full[300];

	(void)priv;
	hvm_partname(ref->disk, ref->part, full, sizeof(full));
	for (size_t i = 0; i < sizeof(devices) / sizeof(*devices); i++) {
		if (!strcmp(devices[i].name, full)) {
			*ids = devices[i].ids;
			return 0;
		}
	}
	snprintf(why, whysz, "not in the table");
	return -1;
}

static struct hvm_ctx new_ctx(void)
{
	struct hvm_ctx c = { 0 };

	c.res.resolve = table_resolve;
	c.report = NULL;	/* counts only */
	c.itools_needs_modules = true;
	return c;
}

/* Rewrite in as type ft; return the rendered result (static buffer). */
static char *run(struct hvm_ctx *c, enum hvm_filetype ft, const char *in, int *ret)
{
	static char *last;
	struct hvm_text t;
	size_t len;

	free(last);
	last = NULL;
	assert_int_equal(hvm_text_from_buf(in, strlen(in), &t), 0);
	*ret = hvm_rewrite(c, ft, &t);
	assert_int_equal(hvm_text_render(&t, &last, &len), 0);
	hvm_text_free(&t);
	return last;
}

static void expect(enum hvm_filetype ft, const char *in, const char *want,
		   unsigned changes, unsigned unresolved)
{
	struct hvm_ctx c = new_ctx();
	int r;
	char *got = run(&c, ft, in, &r);

	assert_int_equal(r, 0);
	assert_string_equal(got, want);
	assert_int_equal(c.changes, changes);
	assert_int_equal(c.unresolved, unresolved);
	/* idempotence: the output rewritten again is unchanged */
	c = new_ctx();
	{
		char *copy = strdup(want);

		got = run(&c, ft, copy, &r);
		assert_string_equal(got, want);
		assert_int_equal(c.changes, 0);
		free(copy);
	}
}

static void test_fstab(void **state)
{
	(void)state;
	expect(HVM_FT_FSTAB,
	       "# /dev/xvda2 was root\n"
	       "/dev/xvda2  /  ext4  defaults 1 1\n"
	       "\t/dev/xvda1\t/boot ext4 defaults 1 2\n"
	       "/dev/xvda3 none swap sw 0 0\n"
	       "/dev/vdb1 /data xfs x-systemd.requires=/dev/xvda9 0 0\n"
	       "/dev/vdc1 /spaces xfs defaults 0 0\n"
	       "/dev/sr0 /cdrom auto noauto 0 0\n"
	       "UUID=keep / ext4 defaults 0 0",
	       "# /dev/xvda2 was root\n"
	       "UUID=2222-root  /  ext4  defaults 1 1\n"
	       "\tUUID=1111-boot\t/boot ext4 defaults 1 2\n"
	       "UUID=3333-swap none swap sw 0 0\n"
	       "LABEL=data /data xfs x-systemd.requires=/dev/xvda9 0 0\n"
	       "PARTUUID=pu-vdc1 /spaces xfs defaults 0 0\n"
	       "/dev/sr0 /cdrom auto noauto 0 0\n"
	       "UUID=keep / ext4 defaults 0 0",
	       5, 1);	/* xvda9 in the options: only a name fits there */
}

static void test_sda1_not_sda10(void **state)
{
	(void)state;
	expect(HVM_FT_FSTAB,
	       "/dev/sda10 /a ext4 defaults 0 0\n/dev/sda1 /b ext4 defaults 0 0\n",
	       "UUID=aaaa-sda10 /a ext4 defaults 0 0\nUUID=aaaa-sda1 /b ext4 defaults 0 0\n",
	       2, 0);
}

static void test_unresolved_never_guessed(void **state)
{
	(void)state;
	/* vdd1 has no identifier at all, xvdq1 is unknown */
	expect(HVM_FT_FSTAB,
	       "/dev/vdd1 /x ext4 defaults 0 0\n/dev/xvdq1 /y ext4 defaults 0 0\n",
	       "/dev/vdd1 /x ext4 defaults 0 0\n/dev/xvdq1 /y ext4 defaults 0 0\n",
	       0, 2);
}

static void test_map_fallback(void **state)
{
	struct hvm_ctx c = new_ctx();
	int r;
	char *got;

	(void)state;
	assert_int_equal(hvm_namemap_add(&c.map, "xvd=sd"), 0);
	/* resolvable: UUID wins over the map; unknown where an identifier
	 * fits: reported, not renamed (the map is for names-only places) */
	got = run(&c, HVM_FT_FSTAB,
		  "/dev/xvda2 / ext4 d 0 0\n/dev/xvdq1 /y ext4 d 0 0\n", &r);
	assert_string_equal(got, "UUID=2222-root / ext4 d 0 0\n/dev/xvdq1 /y ext4 d 0 0\n");
	assert_int_equal(c.changes, 1);
	assert_int_equal(c.unresolved, 1);
}

static void test_crypttab(void **state)
{
	(void)state;
	expect(HVM_FT_CRYPTTAB,
	       "# <target> <source> <key> <options>\n"
	       "root_crypt /dev/nvme0n1p3 none luks,discard\n"
	       "swap_crypt /dev/xvda3 /dev/urandom swap\n",
	       "# <target> <source> <key> <options>\n"
	       "root_crypt UUID=luks-uuid none luks,discard\n"
	       "swap_crypt PARTUUID=pu-xvda3 /dev/urandom swap\n",
	       2, 0);
	/* random-key entries never take the (stale) filesystem UUID */
	expect(HVM_FT_CRYPTTAB,
	       "tmp_crypt /dev/xvda2 /etc/key tmp=ext4\n"
	       "sw /dev/xvda1 /dev/random cipher=aes-xts-plain64\n"
	       "data /dev/xvda1 /etc/key luks,swapfoo\n",
	       "tmp_crypt /dev/xvda2 /etc/key tmp=ext4\n"
	       "sw /dev/xvda1 /dev/random cipher=aes-xts-plain64\n"
	       "data UUID=1111-boot /etc/key luks,swapfoo\n",
	       1, 2);
}

static void test_cmdline(void **state)
{
	(void)state;
	/* root= and resume= only; other keys that hold names are reported */
	expect(HVM_FT_CMDLINE,
	       "title x\n"
	       "\tkernel /vmlinuz ro root=/dev/xvda2 resume=/dev/xvda3 myroot=/dev/xvda2\n"
	       "options root=/dev/xvda2\n",
	       "title x\n"
	       "\tkernel /vmlinuz ro root=UUID=2222-root resume=UUID=3333-swap myroot=/dev/xvda2\n"
	       "options root=UUID=2222-root\n",
	       3, 1);
}

static void test_default_grub(void **state)
{
	(void)state;
	expect(HVM_FT_DEFAULT_GRUB,
	       "GRUB_CMDLINE_LINUX=\"resume=/dev/xvda3 rhgb\"\n"
	       "GRUB_CMDLINE_LINUX_DEFAULT='root=/dev/xvda2'\n"
	       "GRUB_DISABLE_LINUX_UUID=\"true\"\n"
	       "#GRUB_DISABLE_LINUX_UUID=true\n",
	       "GRUB_CMDLINE_LINUX=\"resume=UUID=3333-swap rhgb\"\n"
	       "GRUB_CMDLINE_LINUX_DEFAULT='root=UUID=2222-root'\n"
	       "GRUB_DISABLE_LINUX_UUID=\"false\"\n"
	       "#GRUB_DISABLE_LINUX_UUID=true\n",
	       3, 0);
}

static void test_grubenv(void **state)
{
	char in[1025], want[1025];
	const char *head = "# GRUB Environment Block\nkernelopts=root=/dev/xvda2 ro \n";
	const char *whead = "# GRUB Environment Block\nkernelopts=root=UUID=2222-root ro \n";

	(void)state;
	memset(in, '#', 1024);
	memcpy(in, head, strlen(head));
	in[1024] = '\0';
	memset(want, '#', 1024);
	memcpy(want, whead, strlen(whead));
	want[1024] = '\0';
	expect(HVM_FT_GRUBENV, in, want, 1, 0);
}

static void test_grubenv_no_room(void **state)
{
	struct hvm_ctx c = new_ctx();
	char in[1025];
	const char *head = "# GRUB Environment Block\nkernelopts=root=/dev/xvda2 ro ";
	struct hvm_text t;

	(void)state;
	/* fill the block so that the longer UUID form cannot fit */
	memset(in, 'x', 1024);
	memcpy(in, head, strlen(head));
	in[1022] = '\n';
	in[1023] = '#';
	in[1024] = '\0';
	assert_int_equal(hvm_text_from_buf(in, 1024, &t), 0);
	assert_int_equal(hvm_rewrite(&c, HVM_FT_GRUBENV, &t), -1);
	assert_int_equal(c.errors, 1);
	hvm_text_free(&t);
}

/* A block that is not 1024 bytes is only touched if there is an edit, and
 * then refused rather than reshaped. */
static void test_grubenv_odd_size(void **state)
{
	struct hvm_ctx c = new_ctx();
	struct hvm_text t;
	const char *plain = "# GRUB Environment Block\nsaved_entry=0\n####";
	const char *edit = "# GRUB Environment Block\nkernelopts=root=/dev/xvda2\n####";

	(void)state;
	assert_int_equal(hvm_text_from_buf(plain, strlen(plain), &t), 0);
	assert_int_equal(hvm_rewrite(&c, HVM_FT_GRUBENV, &t), 0);
	assert_false(hvm_text_changed(&t));
	hvm_text_free(&t);
	assert_int_equal(hvm_text_from_buf(edit, strlen(edit), &t), 0);
	assert_int_equal(hvm_rewrite(&c, HVM_FT_GRUBENV, &t), -1);
	assert_int_equal(c.errors, 1);
	hvm_text_free(&t);
}

static void test_lilo(void **state)
{
	(void)state;
	expect(HVM_FT_LILO,
	       "boot=/dev/xvda\n"
	       "  root = /dev/xvda2\n"
	       "root=/dev/xvda2\n"
	       "image=/boot/vmlinuz\n"
	       "\tappend=\"resume=/dev/xvda3 quiet\"\n",
	       "boot=/dev/xvda\n"
	       "  root = \"UUID=2222-root\"\n"
	       "root=\"UUID=2222-root\"\n"
	       "image=/boot/vmlinuz\n"
	       "\tappend=\"resume=UUID=3333-swap quiet\"\n",
	       3, 1);	/* boot= needs a name: unresolved without --map */
}

static void test_extlinux(void **state)
{
	(void)state;
	expect(HVM_FT_CMDLINE,
	       "LABEL linux\n  KERNEL /vmlinuz\n  APPEND root=/dev/xvda2 ro\n",
	       "LABEL linux\n  KERNEL /vmlinuz\n  APPEND root=UUID=2222-root ro\n", 1, 0);
}

static void test_resume_conf(void **state)
{
	(void)state;
	expect(HVM_FT_RESUME, "RESUME=/dev/xvda3\n", "RESUME=UUID=3333-swap\n", 1, 0);
	expect(HVM_FT_RESUME, "RESUME=none\n", "RESUME=none\n", 0, 0);
}

static void test_names_only(void **state)
{
	struct hvm_ctx c = new_ctx();
	int r;
	char *got;

	(void)state;
	/* device.map: sd kept with a note, xvd unresolved */
	expect(HVM_FT_NAMES, "(hd0) /dev/sda\n(hd1) /dev/xvdb\n",
	       "(hd0) /dev/sda\n(hd1) /dev/xvdb\n", 0, 1);
	/* lvm filter patterns with --map: the name part changes, the
	 * regex around it stays */
	assert_int_equal(hvm_namemap_add(&c.map, "xvd=sd"), 0);
	got = run(&c, HVM_FT_NAMES,
		  "filter = [ \"a|/dev/xvda|\", \"a|/dev/xvd[bc]1|\", \"r|.*|\" ]\n", &r);
	assert_string_equal(got,
		  "filter = [ \"a|/dev/sda|\", \"a|/dev/sd[bc]1|\", \"r|.*|\" ]\n");
	assert_int_equal(c.changes, 2);
}

static void test_mdadm(void **state)
{
	(void)state;
	expect(HVM_FT_MDADM,
	       "# DEVICE /dev/sda1\n"
	       "DEVICE /dev/sd[ab]1 /dev/xvdc1\n"
	       "ARRAY /dev/md0 UUID=1:2:3:4 devices=/dev/sda1,/dev/sdb1 level=raid1\n"
	       "ARRAY /dev/md1 level=raid1\n"
	       "   UUID=5:6:7:8\n"
	       "   devices=/dev/sdc1,/dev/sdd1\n"
	       "ARRAY /dev/md2 devices=/dev/sde1,/dev/sdf1\n"
	       "MAILADDR root\n",
	       "# DEVICE /dev/sda1\n"
	       "DEVICE partitions containers\n"
	       "ARRAY /dev/md0 UUID=1:2:3:4 level=raid1\n"
	       "ARRAY /dev/md1 level=raid1\n"
	       "   UUID=5:6:7:8\n"
	       "  \n"
	       "ARRAY /dev/md2 devices=/dev/sde1,/dev/sdf1\n"
	       "MAILADDR root\n",
	       3, 1);
}

static void test_sysconfig_kernel(void **state)
{
	(void)state;
	expect(HVM_FT_SYSCONFIG_KERNEL,
	       "## comment\nINITRD_MODULES=\"xenblk ext3\"\nDOMU_INITRD_MODULES=\"xenblk\"\n",
	       "## comment\nINITRD_MODULES=\"xenblk ext3 hv_vmbus hv_storvsc hv_netvsc\"\nDOMU_INITRD_MODULES=\"xenblk\"\n",
	       1, 0);
	expect(HVM_FT_SYSCONFIG_KERNEL, "INITRD_MODULES=\"hv-vmbus hv_storvsc\"\n",
	       "INITRD_MODULES=\"hv-vmbus hv_storvsc hv_netvsc\"\n", 1, 0);
	expect(HVM_FT_SYSCONFIG_KERNEL, "INITRD_MODULES=\n",
	       "INITRD_MODULES=\"hv_vmbus hv_storvsc hv_netvsc\"\n", 1, 0);
	/* an unterminated quote is not edited */
	expect(HVM_FT_SYSCONFIG_KERNEL, "INITRD_MODULES=\"a\nb\"\n",
	       "INITRD_MODULES=\"a\nb\"\n", 0, 1);
}

static void test_modprobe(void **state)
{
	(void)state;
	expect(HVM_FT_MODPROBE,
	       "alias eth0 xennet\nalias scsi_hostadapter xenblk\nalias scsi_hostadapter3 mptspi\noptions x y\n",
	       "alias eth0 xennet\nalias scsi_hostadapter xenblk\nalias scsi_hostadapter3 mptspi\n"
	       "alias scsi_hostadapter4 hv_vmbus\nalias scsi_hostadapter5 hv_storvsc\noptions x y\n",
	       2, 0);
	/* no scsi_hostadapter alias at all: nothing to add */
	expect(HVM_FT_MODPROBE, "alias eth0 e1000\n", "alias eth0 e1000\n", 0, 0);
	expect(HVM_FT_MODPROBE_D, "blacklist hv_vmbus\ninstall hv-storvsc /bin/true\nblacklist floppy\n",
	       "# disabled by hv-migrate, Hyper-V needs this driver: blacklist hv_vmbus\n"
	       "# disabled by hv-migrate, Hyper-V needs this driver: install hv-storvsc /bin/true\n"
	       "blacklist floppy\n", 2, 0);
}

static void test_itools_modules(void **state)
{
	(void)state;
	expect(HVM_FT_ITOOLS_MODULES, "# list\nnvme\nhv_vmbus", "# list\nnvme\nhv_vmbus\nhv_storvsc\nhv_netvsc\n",
	       2, 0);
}

/* A line of a megabyte with references in it, at both ends. */
static void test_debconf(void **state)
{
	struct hvm_ctx c = new_ctx();
	int r;
	char *got;
	const char *in =
		"Name: grub-pc/install_devices\n"
		"Template: grub-pc/install_devices\n"
		"Value: /dev/disk/by-id/ata-X, /dev/xvdb\n"
		"Owners: grub-pc\n"
		"\n"
		"Name: other/question\n"
		"Value: /dev/xvda1\n"
		"\n";

	(void)state;
	/* without --map: reported, nothing changed, other stanzas ignored */
	expect(HVM_FT_DEBCONF, in, in, 0, 2);
	assert_int_equal(hvm_namemap_add(&c.map, "disk/by-id/ata-X=sda"), 0);
	assert_int_equal(hvm_namemap_add(&c.map, "xvd=sd"), 0);
	got = run(&c, HVM_FT_DEBCONF, in, &r);
	assert_string_equal(got,
		"Name: grub-pc/install_devices\n"
		"Template: grub-pc/install_devices\n"
		"Value: /dev/sda, /dev/sdb\n"
		"Owners: grub-pc\n"
		"\n"
		"Name: other/question\n"
		"Value: /dev/xvda1\n"
		"\n");
	assert_int_equal(c.changes, 2);
}

static void test_huge_line(void **state)
{
	size_t n = 1u << 20;
	char *in = malloc(n + 64), *want = malloc(n + 128);
	struct hvm_ctx c = new_ctx();
	int r;
	char *got;

	(void)state;
	strcpy(in, "root=/dev/xvda2 ");
	memset(in + 16, 'x', n);
	strcpy(in + 16 + n, " resume=/dev/xvda3");
	strcpy(want, "root=UUID=2222-root ");
	memset(want + 20, 'x', n);
	strcpy(want + 20 + n, " resume=UUID=3333-swap");
	got = run(&c, HVM_FT_CMDLINE, in, &r);
	assert_int_equal(r, 0);
	assert_string_equal(got, want);
	free(in);
	free(want);
}

/* Random bytes (no NUL) never crash a rewriter, and with a resolver that
 * knows nothing and no --map, nothing changes. */
static int resolve_nothing(void *p, const struct hvm_devref *r, struct hvm_ids *i,
			   char *why, size_t whysz)
{
	(void)p; (void)r; (void)i;
	snprintf(why, whysz, "none");
	return -1;
}

static void test_junk(void **state)
{
	static const char alphabet[] = "/dev/sdaxvnme0123456789 \t\n=\"'|,[]*?#p-:UIDroteum";
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		size_t len = (size_t)(seed % 300);
		char *buf = malloc(len + 1), *out;
		struct hvm_text t;
		struct hvm_ctx c = { 0 };
		size_t olen;

		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (seed >> 16) % 4 ? alphabet[(seed >> 8) % (sizeof(alphabet) - 1)]
						: (char)(1 + (seed >> 8) % 255);
		}
		buf[len] = '\0';
		c.res.resolve = resolve_nothing;
		for (int ft = HVM_FT_FSTAB; ft <= HVM_FT_LILO; ft++) {
			if (ft == HVM_FT_GRUBENV || ft == HVM_FT_DEFAULT_GRUB)
				continue;	/* these may legitimately edit */
			assert_int_equal(hvm_text_from_buf(buf, len, &t), 0);
			assert_int_equal(hvm_rewrite(&c, (enum hvm_filetype)ft, &t), 0);
			assert_int_equal(hvm_text_render(&t, &out, &olen), 0);
			assert_int_equal(olen, len);
			assert_memory_equal(out, buf, len);
			free(out);
			hvm_text_free(&t);
		}
		free(buf);
		seed = seed * 1103515245u + 12345u;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fstab),
		cmocka_unit_test(test_sda1_not_sda10),
		cmocka_unit_test(test_unresolved_never_guessed),
		cmocka_unit_test(test_map_fallback),
		cmocka_unit_test(test_crypttab),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_default_grub),
		cmocka_unit_test(test_grubenv),
		cmocka_unit_test(test_grubenv_no_room),
		cmocka_unit_test(test_grubenv_odd_size),
		cmocka_unit_test(test_lilo),
		cmocka_unit_test(test_extlinux),
		cmocka_unit_test(test_resume_conf),
		cmocka_unit_test(test_names_only),
		cmocka_unit_test(test_mdadm),
		cmocka_unit_test(test_sysconfig_kernel),
		cmocka_unit_test(test_modprobe),
		cmocka_unit_test(test_itools_modules),
		cmocka_unit_test(test_debconf),
		cmocka_unit_test(test_huge_line),
		cmocka_unit_test(test_junk),
	};

	return cmocka_run_group_tests_name("rewrite", tests, NULL, NULL);
}
