// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hv-migrate: find and fix what stops a Linux guest from booting after a
 * move to Hyper-V: device names that change (sd/hd/xvd/vd/nvme and by-id or
 * by-path links of the old controller) and an initramfs without hv_vmbus and
 * hv_storvsc.
 */
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "filelist.h"
#include "hvm.h"
#include "initramfs.h"
#include "resolve.h"

#define EXIT_CLEAN 0
#define EXIT_NEEDS 1
#define EXIT_FAIL 2

struct opts {
	const char *root;
	bool fix, dry_run, no_initramfs, no_exec, quiet;
	const char *hooks_from;	/* --install-hooks: prefix of installed hooks */
};

static void usage(FILE *f)
{
	fputs("usage: hv-migrate [options] check|fix\n"
	      "  --root DIR          the guest's root filesystem (default /)\n"
	      "  --disk NAME=DEVICE  the guest's disk or partition NAME is DEVICE\n"
	      "                      (a block device or image file); repeatable\n"
	      "  --map FROM=TO       rename where only a name fits: xvd=sd, xvdb=sdc;\n"
	      "                      repeatable\n"
	      "  --dry-run           fix: print a unified diff, change nothing\n"
	      "  --no-initramfs      fix: leave the initramfs images alone\n"
	      "  --no-exec           fix: run none of the guest's programs (implies\n"
	      "                      --no-initramfs; grub.cfg is only edited)\n"
	      "  --install-hooks[=DIR]  fix: copy the installed initramfs hooks and the\n"
	      "                      compat udev rule (from DIR, default /) into the guest\n"
	      "  --quiet             do not print notes\n"
	      "  --version           print hv-migrate's version and exit\n"
	      "Exit status: 0 nothing to fix (check) or all fixed (fix), 1 something\n"
	      "needs fixing or could not be fixed, 2 error. See hv-migrate(8).\n", f);
}

/* Already handled? Symlinks such as /etc/grub.conf -> ../boot/grub/grub.conf
 * and /etc/sysconfig/grub -> ../default/grub would otherwise be done twice. */
static bool seen(char (*done)[PATH_MAX], size_t n, const char *rel)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(done[i], rel))
			return true;
	return false;
}

static void do_files(struct hvm_ctx *ctx, const struct opts *o, bool *wrote_grub_src)
{
	static char done[2048][PATH_MAX];
	size_t ndone = 0;

	for (const struct hvm_filespec *fs = hvm_files; fs->glob; fs++) {
		char pattern[PATH_MAX * 2];
		glob_t g;

		snprintf(pattern, sizeof(pattern), "%s/%s", o->root, fs->glob);
		if (glob(pattern, 0, NULL, &g))
			continue;
		for (size_t gi = 0; gi < g.gl_pathc; gi++) {
			const char *rel0 = g.gl_pathv[gi] + strlen(o->root) + 1;
			char rel[PATH_MAX], abs[PATH_MAX * 2], err[512], backup[PATH_MAX * 2 + 32];
			struct hvm_text t;
			char *buf;
			size_t len;

			if (hvm_path_in_root(o->root, rel0, rel, sizeof(rel))) {
				ctx->file = rel0;
				hvm_report(ctx, HVM_ERROR, 0, "cannot resolve the path inside the root");
				continue;
			}
			if (seen(done, ndone, rel))
				continue;
			if (ndone >= sizeof(done) / sizeof(*done)) {
				ctx->file = rel;
				hvm_report(ctx, HVM_ERROR, 0, "more than %zu files to examine; not examined",
					   sizeof(done) / sizeof(*done));
				continue;
			}
			strcpy(done[ndone++], rel);
			snprintf(abs, sizeof(abs), "%s/%s", o->root, rel);
			ctx->file = rel;
			switch (hvm_text_load(abs, &t)) {
			case HVM_LOAD_OK:
				break;
			case HVM_LOAD_MISSING:
				continue;
			case HVM_LOAD_BINARY:
				hvm_report(ctx, HVM_ERROR, 0, "contains NUL bytes: not a text file, left alone");
				continue;
			case HVM_LOAD_TOOBIG:
				hvm_report(ctx, HVM_ERROR, 0, "larger than %u bytes, left alone", HVM_TEXT_MAX);
				continue;
			case HVM_LOAD_ERROR:
				hvm_report(ctx, HVM_ERROR, 0, "%s", strerror(errno));
				continue;
			}
			if (hvm_rewrite(ctx, fs->type, &t) || !hvm_text_changed(&t)) {
				hvm_text_free(&t);
				continue;
			}
			if (fs->type == HVM_FT_DEFAULT_GRUB)
				*wrote_grub_src = true;
			if (o->dry_run) {
				hvm_text_diff(&t, rel, stdout);
			} else if (o->fix) {
				if (hvm_text_render(&t, &buf, &len)) {
					hvm_report(ctx, HVM_ERROR, 0, "out of memory");
				} else {
					if (hvm_write_atomic(abs, buf, len, backup, sizeof(backup),
							     err, sizeof(err)))
						hvm_report(ctx, HVM_ERROR, 0, "%s", err);
					else
						fprintf(ctx->report, "%s: written, previous kept as %s\n",
							rel, backup + strlen(o->root) + 1);
					free(buf);
				}
			}
			hvm_text_free(&t);
		}
		globfree(&g);
	}
}

/*
 * Device lists and caches written on the old hypervisor that name its disks
 * and make the new ones invisible: LVM's devices file (lvmdevices(8), by
 * wwid or name) and its old cache, and blkid's cache. virt-v2v deletes the
 * same files (RHBZ#1164853, RHBZ#2112801); here they are moved aside under
 * the backup name, so nothing is lost.
 */
static void do_stale_files(struct hvm_ctx *ctx, const struct opts *o)
{
	static const char *const stale[] = {
		"etc/lvm/devices/system.devices",
		"etc/lvm/cache/.cache",
		"etc/blkid/blkid.tab",
		"etc/blkid.tab",
	};

	for (size_t i = 0; i < sizeof(stale) / sizeof(*stale); i++) {
		char rel[PATH_MAX], abs[PATH_MAX * 2], bak[PATH_MAX * 2 + 32];
		struct stat st;

		if (hvm_path_in_root(o->root, stale[i], rel, sizeof(rel)))
			continue;
		snprintf(abs, sizeof(abs), "%s/%s", o->root, rel);
		if (lstat(abs, &st) || !S_ISREG(st.st_mode))
			continue;
		ctx->file = rel;
		if (!o->fix || o->dry_run) {
			hvm_report(ctx, HVM_CHANGE, 0,
				   "names the old disks; it would be moved aside");
			continue;
		}
		for (int n = 0; n < 100; n++) {
			if (n == 0)
				snprintf(bak, sizeof(bak), "%s.hv-migrate.bak", abs);
			else
				snprintf(bak, sizeof(bak), "%s.hv-migrate.bak.%d", abs, n);
			/* link then unlink: never replaces an existing backup */
			if (link(abs, bak) == 0) {
				if (unlink(abs))
					hvm_report(ctx, HVM_ERROR, 0, "%s", strerror(errno));
				else
					hvm_report(ctx, HVM_CHANGE, 0, "moved aside to %s",
						   bak + strlen(o->root) + 1);
				break;
			}
			if (errno != EEXIST) {
				hvm_report(ctx, HVM_ERROR, 0, "cannot move aside: %s",
					   strerror(errno));
				break;
			}
		}
	}
}

/* Does any dracut configuration already name driver in add_drivers or
 * force_drivers? (dracut.conf(5): later files add to these lists.) */
static bool dracut_conf_names(const char *root, const char *driver)
{
	static const char *const globs[] = {
		"etc/dracut.conf", "etc/dracut.conf.d/*.conf",
		"usr/lib/dracut/dracut.conf.d/*.conf",
	};
	bool found = false;

	for (size_t i = 0; i < sizeof(globs) / sizeof(*globs) && !found; i++) {
		char pat[PATH_MAX * 2];
		glob_t g;

		snprintf(pat, sizeof(pat), "%s/%s", root, globs[i]);
		if (glob(pat, 0, NULL, &g))
			continue;
		for (size_t k = 0; k < g.gl_pathc && !found; k++) {
			char rel[PATH_MAX], abs[PATH_MAX * 2];
			struct hvm_text t;

			if (hvm_path_in_root(root, g.gl_pathv[k] + strlen(root) + 1, rel, sizeof(rel)))
				continue;
			snprintf(abs, sizeof(abs), "%s/%s", root, rel);
			if (hvm_text_load(abs, &t) != HVM_LOAD_OK)
				continue;
			for (size_t l = 0; l < t.n && !found; l++) {
				const char *s = t.l[l].text + strspn(t.l[l].text, " \t");
				const char *hit = strstr(s, driver);
				size_t dl = strlen(driver);

				if (*s == '#' || !hit || (strncmp(s, "add_drivers", 11) &&
							  strncmp(s, "force_drivers", 13)))
					continue;
				/* a whole word: hv_vmbus, not hv_vmbus_foo */
				found = (hit == s || strchr(" \t\"'=", hit[-1])) &&
					(!hit[dl] || strchr(" \t\"'\n", hit[dl]));
			}
			hvm_text_free(&t);
		}
		globfree(&g);
	}
	return found;
}

/*
 * On a dracut guest, make future images carry the drivers too: a kernel
 * update before the move would otherwise bring back a host-only image
 * without them (MicrosoftDocs redhat-create-upload-vhd.md recommends this
 * add_drivers line).
 */
static void do_dracut_conf(struct hvm_ctx *ctx, const struct opts *o)
{
	static const char rel[] = "etc/dracut.conf.d/90-hyperv-guest.conf";
	static const char body[] =
		"# Added by hv-migrate: the Hyper-V drivers in every initramfs, also in\n"
		"# host-only mode, so that this system boots on Hyper-V.\n"
		"add_drivers+=\" hv_vmbus hv_storvsc hv_netvsc \"\n";
	static const char *const dracut[] = { "usr/bin/dracut", "usr/sbin/dracut",
					      "sbin/dracut" };
	char p[PATH_MAX * 2], real[PATH_MAX], err[512];
	bool has_dracut = false, all = true;

	for (size_t i = 0; i < 3; i++) {
		if (hvm_path_in_root(o->root, dracut[i], real, sizeof(real)))
			continue;
		snprintf(p, sizeof(p), "%s/%s", o->root, real);
		if (access(p, F_OK) == 0)
			has_dracut = true;
	}
	if (!has_dracut)
		return;
	for (size_t d = 0; d < 3; d++)
		if (!dracut_conf_names(o->root, hvm_hv_drivers[d]))
			all = false;
	if (all)
		return;
	ctx->file = rel;
	if (hvm_path_in_root(o->root, rel, real, sizeof(real)) || strcmp(real, rel)) {
		hvm_report(ctx, HVM_ERROR, 0, "is a link; not written");
		return;
	}
	snprintf(p, sizeof(p), "%s/%s", o->root, rel);
	if (access(p, F_OK) == 0) {
		hvm_report(ctx, HVM_UNRESOLVED, 0,
			   "exists but does not add the Hyper-V drivers; left alone");
		return;
	}
	hvm_report(ctx, HVM_CHANGE, 1, "new file: add_drivers+=\" hv_vmbus hv_storvsc hv_netvsc \"");
	if (o->dry_run) {
		/* a unified diff that creates the file, as diff -N writes it */
		printf("--- /dev/null\n+++ b/%s\n@@ -0,0 +1,3 @@\n", rel);
		for (const char *s = body; *s;) {
			const char *nl = strchr(s, '\n');

			printf("+%.*s\n", (int)(nl - s), s);
			s = nl + 1;
		}
		return;
	}
	if (!o->fix)
		return;
	snprintf(p, sizeof(p), "%s/etc/dracut.conf.d", o->root);
	if (mkdir(p, 0755) && errno != EEXIST) {
		hvm_report(ctx, HVM_ERROR, 0, "mkdir: %s", strerror(errno));
		return;
	}
	snprintf(p, sizeof(p), "%s/%s", o->root, rel);
	if (hvm_write_new(p, body, sizeof(body) - 1, 0644, err, sizeof(err)))
		hvm_report(ctx, HVM_ERROR, 0, "%s", err);
	else
		fprintf(ctx->report, "%s: written\n", rel);
}

/*
 * --install-hooks: copy what initrd-hooks installs (the compat udev rule and
 * its helper, the dracut module, the initramfs-tools hook) from a prefix on
 * this host into the guest, before its initramfs is rebuilt, so the images
 * and the root carry the old-name links. Each hook only goes where its tool
 * is. Files already there and equal are left; different ones are replaced
 * with a backup.
 */
static void do_install_hooks(struct hvm_ctx *ctx, const struct opts *o)
{
	static const struct { const char *path, *needs; mode_t mode; } f[] = {
		{ "usr/lib/udev/rules.d/61-hyperv-compat-names.rules", NULL, 0644 },
		{ "usr/lib/hyperv-guest/hv-compat-name", NULL, 0755 },
		{ "usr/lib/dracut/modules.d/96hyperv/module-setup.sh", "usr/lib/dracut/modules.d", 0755 },
		{ "usr/lib/dracut/modules.d/96hyperv/61-hyperv-compat-names.rules", "usr/lib/dracut/modules.d", 0644 },
		{ "usr/lib/dracut/modules.d/96hyperv/hv-compat-name", "usr/lib/dracut/modules.d", 0755 },
		{ "usr/share/initramfs-tools/hooks/hyperv", "usr/share/initramfs-tools/hooks", 0755 },
	};

	if (!o->hooks_from || !o->fix || o->dry_run)
		return;
	for (size_t i = 0; i < sizeof(f) / sizeof(*f); i++) {
		char src[PATH_MAX * 2], rel[PATH_MAX], dst[PATH_MAX * 2], err[512];
		char bak[PATH_MAX * 2 + 32];
		struct hvm_text want, have;
		char *buf;
		size_t len;
		enum hvm_load_status st;

		ctx->file = f[i].path;
		snprintf(src, sizeof(src), "%s/%s", o->hooks_from, f[i].path);
		if (hvm_text_load(src, &want) != HVM_LOAD_OK) {
			hvm_report(ctx, HVM_ERROR, 0, "cannot read %s (is initrd-hooks installed there?)", src);
			continue;
		}
		if (hvm_text_render(&want, &buf, &len)) {
			hvm_text_free(&want);
			continue;
		}
		hvm_text_free(&want);
		if (f[i].needs) {
			if (hvm_path_in_root(o->root, f[i].needs, rel, sizeof(rel)))
				goto next;
			snprintf(dst, sizeof(dst), "%s/%s", o->root, rel);
			if (access(dst, F_OK))
				goto next;	/* the guest lacks that tool */
		}
		if (hvm_path_in_root(o->root, f[i].path, rel, sizeof(rel)))
			goto next;
		snprintf(dst, sizeof(dst), "%s/%s", o->root, rel);
		st = hvm_text_load(dst, &have);
		if (st == HVM_LOAD_OK) {
			char *hb = NULL;
			size_t hl;
			bool same = !hvm_text_render(&have, &hb, &hl) && hl == len &&
				    !memcmp(hb, buf, len);

			free(hb);
			hvm_text_free(&have);
			if (same)
				goto next;
			if (hvm_write_atomic(dst, buf, len, bak, sizeof(bak), err, sizeof(err)))
				hvm_report(ctx, HVM_ERROR, 0, "%s", err);
			else
				hvm_report(ctx, HVM_CHANGE, 0, "replaced from %s", src);
		} else if (st == HVM_LOAD_MISSING) {
			/* create the directories, as install -D would */
			for (char *s = strchr(dst + strlen(o->root) + 1, '/'); s; s = strchr(s + 1, '/')) {
				*s = '\0';
				if (mkdir(dst, 0755) && errno != EEXIST)
					hvm_report(ctx, HVM_ERROR, 0, "mkdir %s: %s", dst, strerror(errno));
				*s = '/';
			}
			if (hvm_write_new(dst, buf, len, f[i].mode, err, sizeof(err)))
				hvm_report(ctx, HVM_ERROR, 0, "%s", err);
			else
				hvm_report(ctx, HVM_CHANGE, 0, "installed from %s", src);
		} else {
			hvm_report(ctx, HVM_ERROR, 0, "exists and is not a text file; left alone");
		}
next:
		free(buf);
	}
}

/* Returns the number of kernels that still cannot boot on Hyper-V. */
static unsigned do_kernels(struct hvm_ctx *ctx, const struct opts *o, bool live)
{
	struct hvm_kernel *ks;
	size_t n;
	unsigned bad = 0;

	ctx->file = "initramfs";
	if (hvm_kernels_scan(o->root, &ks, &n)) {
		hvm_report(ctx, HVM_ERROR, 0, "cannot list the installed kernels");
		return 1;
	}
	if (n == 0)
		hvm_report(ctx, HVM_NOTE, 0, "no installed kernel found under %s", o->root);
	for (size_t i = 0; i < n; i++) {
		struct hvm_kernel *k = &ks[i];

		if (!k->in_kernel[0] || !k->in_kernel[1]) {
			hvm_report(ctx, HVM_UNRESOLVED, 0,
				   "kernel %s has no %s driver at all: install a kernel with Hyper-V support",
				   k->kver, !k->in_kernel[0] ? "hv_vmbus" : "hv_storvsc");
			bad++;
			continue;
		}
		if (hvm_kernel_ok(k)) {
			fprintf(ctx->report, "initramfs: kernel %s: ok (%s)\n", k->kver,
				k->builtin[1] ? "drivers built in" : k->image);
			continue;
		}
		if (o->fix && !o->dry_run && o->no_initramfs) {
			/*
			 * Asked for no initramfs work: not a change (none is
			 * made) and not a failure; said whatever --quiet says,
			 * for the image still cannot boot on Hyper-V.
			 */
			fprintf(ctx->report, "initramfs: kernel %s: %s%s lacks%s%s; left alone (%s)\n",
				k->kver, k->image[0] ? "/" : "",
				k->image[0] ? k->image : "no initramfs; it would",
				k->in_image[0] || k->builtin[0] ? "" : " hv_vmbus",
				k->in_image[1] || k->builtin[1] ? "" : " hv_storvsc",
				o->no_exec ? "--no-exec" : "--no-initramfs");
			continue;
		}
		if (!o->fix || o->dry_run) {
			hvm_report(ctx, HVM_CHANGE, 0, "kernel %s: %s%s lacks%s%s", k->kver,
				   k->image[0] ? "/" : "", k->image[0] ? k->image : "no initramfs; it would",
				   k->in_image[0] || k->builtin[0] ? "" : " hv_vmbus",
				   k->in_image[1] || k->builtin[1] ? "" : " hv_storvsc");
			continue;
		}
		if (hvm_initramfs_rebuild(o->root, live, k, ctx->itools_needs_modules, stderr)) {
			hvm_report(ctx, HVM_UNRESOLVED, 0, "kernel %s: initramfs not rebuilt", k->kver);
			bad++;
		} else {
			hvm_report(ctx, HVM_CHANGE, 0, "kernel %s: /%s rebuilt with the Hyper-V drivers",
				   k->kver, k->image);
		}
	}
	free(ks);
	return bad;
}

/*
 * grub.cfg is generated from /etc/default/grub: once that changed, regenerate
 * it with the guest's own grub-mkconfig (in the guest root, see
 * hvm_run_in_root). grub-mkconfig picks linux16/linuxefi from the firmware
 * it runs under, so a BIOS host must not regenerate a UEFI guest's config or
 * the reverse (virt-v2v PR #160); then the in-place edit stands.
 */
static void regen_grub(struct hvm_ctx *ctx, const struct opts *o, bool live)
{
	static const struct { const char *tool, *cfg; } t[] = {
		{ "usr/sbin/grub2-mkconfig", "boot/grub2/grub.cfg" },
		{ "usr/sbin/grub-mkconfig", "boot/grub/grub.cfg" },
	};
	char p[PATH_MAX * 2], cfgarg[64];
	bool host_efi, guest_efi;
	glob_t g;

	if (!o->fix || o->dry_run || o->no_exec)
		return;
	host_efi = access("/sys/firmware/efi", F_OK) == 0;
	snprintf(p, sizeof(p), "%s/boot/efi/EFI/*/grub*.efi", o->root);
	guest_efi = glob(p, 0, NULL, &g) == 0;
	if (guest_efi)
		globfree(&g);
	for (size_t i = 0; i < 2; i++) {
		char *argv[4];

		snprintf(p, sizeof(p), "%s/%s", o->root, t[i].tool);
		if (access(p, X_OK))
			continue;
		snprintf(p, sizeof(p), "%s/%s", o->root, t[i].cfg);
		if (access(p, F_OK))
			continue;
		ctx->file = t[i].cfg;
		if (!live && host_efi != guest_efi) {
			hvm_report(ctx, HVM_NOTE, 0,
				   "not regenerated from a %s host for a %s guest; run %s in the guest",
				   host_efi ? "UEFI" : "BIOS", guest_efi ? "UEFI" : "BIOS",
				   t[i].tool + 9);
			return;
		}
		snprintf(cfgarg, sizeof(cfgarg), "/%s", t[i].cfg);
		argv[0] = (char *)(t[i].tool + 9);
		argv[1] = "-o";
		argv[2] = cfgarg;
		argv[3] = NULL;
		if (hvm_run_in_root(o->root, live, t[i].tool, argv, stderr))
			hvm_report(ctx, HVM_ERROR, 0, "%s failed", t[i].tool);
		else
			fprintf(ctx->report, "%s: regenerated with /%s\n", t[i].cfg, t[i].tool);
		return;
	}
}

/*
 * MODULES= of initramfs-tools (initramfs.conf(5)): "most", the default,
 * includes every SCSI driver, hv_storvsc among them; "dep" and "list" only
 * what the build host uses or the modules file names. conf.d files are read
 * after initramfs.conf, so the last assignment wins.
 */
static bool itools_needs_modules(const char *root)
{
	char p[PATH_MAX * 2], line[512], val[64] = "most";
	glob_t g;
	size_t n = 0;
	char **files;

	snprintf(p, sizeof(p), "%s/etc/initramfs-tools/conf.d/*", root);
	if (glob(p, 0, NULL, &g) == 0)
		n = g.gl_pathc;
	files = calloc(n + 1, sizeof(*files));
	if (!files) {
		if (n)
			globfree(&g);
		return true;
	}
	snprintf(p, sizeof(p), "%s/etc/initramfs-tools/initramfs.conf", root);
	files[0] = p;
	for (size_t i = 0; i < n; i++)
		files[i + 1] = g.gl_pathv[i];
	for (size_t i = 0; i <= n; i++) {
		FILE *f = fopen(files[i], "re");

		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			char *s = line + strspn(line, " \t");

			if (strncmp(s, "MODULES=", 8))
				continue;
			s += 8;
			s += strspn(s, "\"'");
			snprintf(val, sizeof(val), "%.*s", (int)strcspn(s, "\"' \t\n#"), s);
		}
		fclose(f);
	}
	free(files);
	if (n)
		globfree(&g);
	return strcmp(val, "most") != 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "disk", required_argument, NULL, 'd' },
		{ "map", required_argument, NULL, 'm' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "no-initramfs", no_argument, NULL, 'I' },
		{ "no-exec", no_argument, NULL, 'X' },
		{ "install-hooks", optional_argument, NULL, 'H' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	static struct hvm_diskmap dm;
	struct opts o = { .root = "/" };
	struct hvm_ctx ctx = { 0 };
	char rootreal[PATH_MAX], err[256];
	bool live, wrote_grub_src = false;
	unsigned bad_kernels;
	int c;

	while ((c = getopt_long(argc, argv, "r:d:m:nIXqh", lopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o.root = optarg;
			break;
		case 'd':
			if (hvm_diskmap_add(&dm, optarg, err, sizeof(err))) {
				fprintf(stderr, "hv-migrate: %s\n", err);
				return EXIT_FAIL;
			}
			break;
		case 'm':
			if (hvm_namemap_add(&ctx.map, optarg)) {
				fprintf(stderr, "hv-migrate: --map '%s': want FROM=TO with two name families (xvd=sd) or two whole disks (xvdb=sdc)\n",
					optarg);
				return EXIT_FAIL;
			}
			break;
		case 'n':
			o.dry_run = true;
			break;
		case 'I':
			o.no_initramfs = true;
			break;
		case 'X':
			o.no_exec = o.no_initramfs = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'H':
			o.hooks_from = optarg ? optarg : "/";
			break;
		case 'h':
			usage(stdout);
			return EXIT_CLEAN;
		case 'V':
			printf("hv-migrate %s\n", HVM_VERSION);
			return EXIT_CLEAN;
		default:
			usage(stderr);
			return EXIT_FAIL;
		}
	}
	if (optind != argc - 1 || (strcmp(argv[optind], "check") && strcmp(argv[optind], "fix"))) {
		usage(stderr);
		return EXIT_FAIL;
	}
	o.fix = !strcmp(argv[optind], "fix");
	if (o.dry_run && !o.fix) {
		fprintf(stderr, "hv-migrate: --dry-run goes with fix\n");
		return EXIT_FAIL;
	}
	if (!realpath(o.root, rootreal)) {
		fprintf(stderr, "hv-migrate: %s: %s\n", o.root, strerror(errno));
		return EXIT_FAIL;
	}
	o.root = rootreal;
	live = !strcmp(rootreal, "/");
	if (live)
		o.root = "";	/* paths are built as root + "/" + rel */
	dm.live = live;
	if (!live && hvm_infer_root_disk(&dm, rootreal, stderr) < 0)
		return EXIT_FAIL;

	/* reports and the tools' messages on stderr stay in order */
	setvbuf(stdout, NULL, _IOLBF, 0);
	ctx.res.resolve = hvm_blkid_resolve;
	ctx.res.priv = &dm;
	/* with --dry-run, stdout carries only the diff */
	ctx.report = o.dry_run ? stderr : stdout;
	ctx.quiet_notes = o.quiet;
	ctx.itools_needs_modules = itools_needs_modules(o.root);

	do_files(&ctx, &o, &wrote_grub_src);
	do_stale_files(&ctx, &o);
	do_dracut_conf(&ctx, &o);
	do_install_hooks(&ctx, &o);
	if (wrote_grub_src)
		regen_grub(&ctx, &o, live);
	bad_kernels = do_kernels(&ctx, &o, live);

	fprintf(ctx.report, "hv-migrate: %u %s, %u unresolved, %u notes, %u errors\n",
		ctx.changes, o.fix && !o.dry_run ? "changed" : "to change",
		ctx.unresolved, ctx.notes, ctx.errors);
	if (ctx.errors)
		return EXIT_FAIL;
	if (!o.fix || o.dry_run)
		return (ctx.changes || ctx.unresolved) ? EXIT_NEEDS : EXIT_CLEAN;
	return (ctx.unresolved || bad_kernels) ? EXIT_NEEDS : EXIT_CLEAN;
}
