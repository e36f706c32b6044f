// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: text loading and diffs, atomic writes and backups, paths
 * inside a guest root, and the initramfs (cpio) reader. Files live in a
 * temporary directory; no root privilege needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <cmocka.h>

#include "files.h"
#include "initramfs.h"
#include "text.h"

static char dir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/hvm-unit.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void put(const char *rel, const char *content, size_t len)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, len, f), len);
	fclose(f);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(1 << 16);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void test_load_status(void **state)
{
	char p[512];
	struct hvm_text t;

	(void)state;
	snprintf(p, sizeof(p), "%s/none", dir);
	assert_int_equal(hvm_text_load(p, &t), HVM_LOAD_MISSING);
	put("bin", "abc\0def\n", 8);
	snprintf(p, sizeof(p), "%s/bin", dir);
	assert_int_equal(hvm_text_load(p, &t), HVM_LOAD_BINARY);
	snprintf(p, sizeof(p), "%s", dir);
	assert_int_equal(hvm_text_load(p, &t), HVM_LOAD_ERROR);	/* a directory */
	put("empty", "", 0);
	snprintf(p, sizeof(p), "%s/empty", dir);
	assert_int_equal(hvm_text_load(p, &t), HVM_LOAD_OK);
	assert_int_equal(t.n, 0);
	hvm_text_free(&t);
	/* bigger than any configuration file: refused, not read */
	snprintf(p, sizeof(p), "%s/huge", dir);
	{
		int fd = open(p, O_WRONLY | O_CREAT, 0644);

		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, (off_t)HVM_TEXT_MAX + 1), 0);
		close(fd);
	}
	assert_int_equal(hvm_text_load(p, &t), HVM_LOAD_TOOBIG);
	put("nonl", "a\nb", 3);
	snprintf(p, sizeof(p), "%s/nonl", dir);
	assert_int_equal(hvm_text_load(p, &t), HVM_LOAD_OK);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.l[1].len, 1);
	hvm_text_free(&t);
}

static void test_diff(void **state)
{
	const char *in = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20";
	struct hvm_text t;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	assert_int_equal(hvm_text_from_buf(in, strlen(in), &t), 0);
	assert_int_equal(hvm_text_set(&t, 1, "two\n", 4), 0);
	assert_int_equal(hvm_text_set(&t, 3, "four\nfour.5\n", 12), 0);
	assert_int_equal(hvm_text_set(&t, 19, "twenty", 6), 0);
	/* setting the original back is no change */
	assert_int_equal(hvm_text_set(&t, 10, "11\n", 3), 0);
	assert_null(t.l[10].repl);
	hvm_text_diff(&t, "etc/x", f);
	fclose(f);
	assert_string_equal(out,
		"--- a/etc/x\n+++ b/etc/x\n"
		"@@ -1,7 +1,8 @@\n 1\n-2\n+two\n 3\n-4\n+four\n+four.5\n 5\n 6\n 7\n"
		"@@ -17,4 +18,4 @@\n 17\n 18\n 19\n-20\n\\ No newline at end of file\n"
		"+twenty\n\\ No newline at end of file\n");
	free(out);
	hvm_text_free(&t);
}

static void test_write_atomic(void **state)
{
	char p[512], backup[600], err[256], got[600];
	struct stat st;
	size_t len;
	char *c;

	(void)state;
	put("fstab", "old\n", 4);
	snprintf(p, sizeof(p), "%s/fstab", dir);
	assert_int_equal(chmod(p, 0604), 0);
	/* user.* attributes stand in for security.selinux without root */
	if (setxattr(p, "user.hvm", "label", 5, 0) != 0)
		print_message("# note: user xattrs unsupported in %s, not checked\n", dir);
	assert_int_equal(hvm_write_atomic(p, "new\n", 4, backup, sizeof(backup), err, sizeof(err)), 0);
	c = slurp(p, &len);
	assert_string_equal(c, "new\n");
	free(c);
	snprintf(got, sizeof(got), "%s.hv-migrate.bak", p);
	assert_string_equal(backup, got);
	c = slurp(backup, &len);
	assert_string_equal(c, "old\n");
	free(c);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0604);
	{
		char v[16];
		ssize_t n = getxattr(p, "user.hvm", v, sizeof(v));

		if (getxattr(backup, "user.hvm", v, sizeof(v)) == 5)
			assert_int_equal(n, 5);
	}
	/* a second write keeps the first backup and adds .bak.1 */
	assert_int_equal(hvm_write_atomic(p, "newer\n", 6, backup, sizeof(backup), err, sizeof(err)), 0);
	snprintf(got, sizeof(got), "%s.hv-migrate.bak.1", p);
	assert_string_equal(backup, got);
	c = slurp(got, &len);
	assert_string_equal(c, "new\n");
	free(c);
	/* a missing file is an error and creates nothing */
	snprintf(p, sizeof(p), "%s/nodir/fstab", dir);
	assert_int_equal(hvm_write_atomic(p, "x", 1, backup, sizeof(backup), err, sizeof(err)), -1);
	assert_true(strlen(err) > 0);
	/* write_new refuses to replace */
	snprintf(p, sizeof(p), "%s/fstab", dir);
	assert_int_equal(hvm_write_new(p, "x", 1, 0644, err, sizeof(err)), -1);
	c = slurp(p, &len);
	assert_string_equal(c, "newer\n");
	free(c);
}

static void test_path_in_root(void **state)
{
	char p[512], out[512];

	(void)state;
	snprintf(p, sizeof(p), "%s/etc/sysconfig", dir);
	mkdir(dir, 0755);
	snprintf(p, sizeof(p), "%s/etc", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc/default", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc/sysconfig", dir);
	mkdir(p, 0755);
	put("etc/default/grub", "x\n", 2);
	snprintf(p, sizeof(p), "%s/etc/sysconfig/grub", dir);
	assert_int_equal(symlink("../default/grub", p), 0);
	assert_int_equal(hvm_path_in_root(dir, "etc/sysconfig/grub", out, sizeof(out)), 0);
	assert_string_equal(out, "etc/default/grub");
	/* an absolute link is taken inside the root, not on the host */
	snprintf(p, sizeof(p), "%s/etc/grub.conf", dir);
	assert_int_equal(symlink("/etc/default/grub", p), 0);
	assert_int_equal(hvm_path_in_root(dir, "etc/grub.conf", out, sizeof(out)), 0);
	assert_string_equal(out, "etc/default/grub");
	/* ".." cannot climb out of the root */
	snprintf(p, sizeof(p), "%s/etc/escape", dir);
	assert_int_equal(symlink("../../../../../../etc/passwd", p), 0);
	assert_int_equal(hvm_path_in_root(dir, "etc/escape", out, sizeof(out)), 0);
	assert_string_equal(out, "etc/passwd");
	/* a loop of links is an error, not a hang */
	snprintf(p, sizeof(p), "%s/etc/loop", dir);
	assert_int_equal(symlink("loop", p), 0);
	assert_int_equal(hvm_path_in_root(dir, "etc/loop", out, sizeof(out)), -1);
	/* a missing file resolves to where it would be */
	assert_int_equal(hvm_path_in_root(dir, "etc/nothing/here", out, sizeof(out)), 0);
	assert_string_equal(out, "etc/nothing/here");
}

/* --- cpio --- */

static size_t cpio_entry(char *buf, const char *name, const char *data)
{
	size_t nl = strlen(name) + 1, dl = strlen(data), at;

	at = (size_t)sprintf(buf, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
			     1u, 0100644u, 0u, 0u, 1u, 0u, dl, 0u, 0u, 0u, 0u, nl, 0u);
	memcpy(buf + at, name, nl);
	at += nl;
	while (at % 4)
		buf[at++] = '\0';
	memcpy(buf + at, data, dl);
	at += dl;
	while (at % 4)
		buf[at++] = '\0';
	return at;
}

static void test_cpio(void **state)
{
	char buf[4096], why[128];
	bool found[3] = { false, false, false };
	size_t n = 0;
	FILE *f;

	(void)state;
	n += cpio_entry(buf + n, "usr/lib/modules/6.1/kernel/drivers/hv/hv_vmbus.ko.xz", "x");
	n += cpio_entry(buf + n, "lib/modules/hv_storvsc.ko", "yy");
	n += cpio_entry(buf + n, "lib/modules/not_hv_netvsc.ko", "z");	/* a different module */
	n += cpio_entry(buf + n, "TRAILER!!!", "");
	f = fmemopen(buf, n, "r");
	assert_int_equal(hvm_cpio_scan(f, found, why, sizeof(why)), (long)n);
	fclose(f);
	assert_true(found[0]);
	assert_true(found[1]);
	assert_false(found[2]);

	/* truncated in the middle of the data */
	f = fmemopen(buf, n - 130, "r");
	assert_int_equal(hvm_cpio_scan(f, found, why, sizeof(why)), -1);
	fclose(f);
	/* a corrupt size field */
	memcpy(buf + 54, "ZZZZZZZZ", 8);
	f = fmemopen(buf, n, "r");
	assert_int_equal(hvm_cpio_scan(f, found, why, sizeof(why)), -1);
	assert_string_equal(why, "corrupt cpio header");
	fclose(f);
	/* a name size beyond any path */
	memcpy(buf + 54, "00000001", 8);
	memcpy(buf + 94, "7FFFFFFF", 8);
	f = fmemopen(buf, n, "r");
	assert_int_equal(hvm_cpio_scan(f, found, why, sizeof(why)), -1);
	fclose(f);
	/* not cpio at all */
	f = fmemopen("hello world, this is not an archive at all, no no no no no no no no no no no no no no no no no no no no no", 110, "r");
	assert_int_equal(hvm_cpio_scan(f, found, why, sizeof(why)), -1);
	fclose(f);
}

static void test_initramfs_file(void **state)
{
	char buf[4096], p[512], why[128];
	bool found[3] = { false, false, false };
	size_t n = 0;

	(void)state;
	/* early archive, zero padding, second archive: the kernel's layout */
	n += cpio_entry(buf + n, "kernel/x86/microcode/GenuineIntel.bin", "mc");
	n += cpio_entry(buf + n, "TRAILER!!!", "");
	memset(buf + n, 0, 512);
	n += 512;
	n += cpio_entry(buf + n, "lib/modules/hv_netvsc.ko.zst", "n");
	n += cpio_entry(buf + n, "TRAILER!!!", "");
	put("initrd", buf, n);
	snprintf(p, sizeof(p), "%s/initrd", dir);
	assert_int_equal(hvm_initramfs_scan(p, found, why, sizeof(why)), 0);
	assert_false(found[0]);
	assert_true(found[2]);
	/* garbage after a valid archive is reported */
	memcpy(buf + n, "JUNKJUNK", 8);
	put("initrd2", buf, n + 8);
	snprintf(p, sizeof(p), "%s/initrd2", dir);
	assert_int_equal(hvm_initramfs_scan(p, found, why, sizeof(why)), -1);
	/* an empty file and a missing one */
	put("initrd3", "", 0);
	snprintf(p, sizeof(p), "%s/initrd3", dir);
	assert_int_equal(hvm_initramfs_scan(p, found, why, sizeof(why)), -1);
	snprintf(p, sizeof(p), "%s/initrd-none", dir);
	assert_int_equal(hvm_initramfs_scan(p, found, why, sizeof(why)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_status),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_write_atomic),
		cmocka_unit_test(test_path_in_root),
		cmocka_unit_test(test_cpio),
		cmocka_unit_test(test_initramfs_file),
	};

	return cmocka_run_group_tests_name("io", tests, setup, teardown);
}
