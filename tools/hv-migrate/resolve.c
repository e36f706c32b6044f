// SPDX-License-Identifier: GPL-2.0-or-later
#include "resolve.h"

#include "files.h"

#include <blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libmount.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int hvm_diskmap_add(struct hvm_diskmap *dm, const char *spec, char *err,
		    size_t errsz)
{
	const char *eq = strchr(spec, '=');
	struct hvm_devref ref;
	char buf[HVM_NAME_MAX + 8];
	size_t nl;

	if (!eq || eq == spec || !eq[1]) {
		snprintf(err, errsz, "--disk wants NAME=DEVICE, got '%s'", spec);
		return -1;
	}
	nl = (size_t)(eq - spec);
	if (!strncmp(spec, "/dev/", 5)) {
		spec += 5;
		nl -= 5;
	}
	if (nl >= HVM_NAME_MAX || strlen(eq + 1) >= sizeof(dm->e[0].path) ||
	    dm->n >= sizeof(dm->e) / sizeof(dm->e[0])) {
		snprintf(err, errsz, "--disk '%s': too long or too many", spec);
		return -1;
	}
	snprintf(buf, sizeof(buf), "/dev/%.*s", (int)nl, spec);
	if (!hvm_devref_parse(buf, strlen(buf), &ref) || ref.len != strlen(buf) ||
	    ref.glob) {
		snprintf(err, errsz, "--disk: '%.*s' is not a disk or partition name",
			 (int)nl, spec);
		return -1;
	}
	memcpy(dm->e[dm->n].name, spec, nl);
	dm->e[dm->n].name[nl] = '\0';
	strcpy(dm->e[dm->n].path, eq + 1);
	dm->n++;
	return 0;
}

static void copy_value(blkid_probe pr, const char *name, char *out, size_t outsz)
{
	const char *v = NULL;
	size_t len = 0;

	out[0] = '\0';
	if (blkid_probe_lookup_value(pr, name, &v, &len) == 0 && v)
		snprintf(out, outsz, "%s", v);
}

int hvm_probe(const char *path, int part, struct hvm_ids *ids, char *why,
	      size_t whysz)
{
	blkid_probe pr = NULL;
	blkid_loff_t start = 0, size = 0;
	int fd, r, ret = -1;

	memset(ids, 0, sizeof(*ids));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whysz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (part > 0) {
		blkid_partlist ls;
		blkid_partition par;
		const char *pu;

		pr = blkid_new_probe();
		if (!pr || blkid_probe_set_device(pr, fd, 0, 0)) {
			snprintf(why, whysz, "%s: cannot probe", path);
			goto out;
		}
		blkid_probe_enable_superblocks(pr, 0);
		blkid_probe_enable_partitions(pr, 1);
		ls = blkid_probe_get_partitions(pr);
		par = ls ? blkid_partlist_get_partition_by_partno(ls, part) : NULL;
		if (!par) {
			snprintf(why, whysz, "%s has no partition %d", path, part);
			goto out;
		}
		/* libblkid counts in 512-byte sectors whatever the disk's
		 * sector size (blkid_partition_get_start(3)) */
		start = blkid_partition_get_start(par) * 512;
		size = blkid_partition_get_size(par) * 512;
		pu = blkid_partition_get_uuid(par);
		if (pu)
			snprintf(ids->partuuid, sizeof(ids->partuuid), "%s", pu);
		blkid_free_probe(pr);
	}
	pr = blkid_new_probe();
	if (!pr || blkid_probe_set_device(pr, fd, start, size)) {
		snprintf(why, whysz, "%s: cannot probe", path);
		goto out;
	}
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_UUID | BLKID_SUBLKS_LABEL |
					  BLKID_SUBLKS_TYPE);
	/* for a partition opened by its own node, its PARTUUID */
	blkid_probe_enable_partitions(pr, part == 0);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	r = blkid_do_safeprobe(pr);
	if (r == -2) {
		snprintf(why, whysz, "%s%s: more than one signature, ambiguous", path,
			 part ? " (partition)" : "");
		goto out;
	}
	if (r < 0) {
		snprintf(why, whysz, "%s: probing failed", path);
		goto out;
	}
	copy_value(pr, "UUID", ids->uuid, sizeof(ids->uuid));
	copy_value(pr, "LABEL", ids->label, sizeof(ids->label));
	copy_value(pr, "TYPE", ids->type, sizeof(ids->type));
	if (!part)
		copy_value(pr, "PART_ENTRY_UUID", ids->partuuid, sizeof(ids->partuuid));
	if (!ids->uuid[0] && !ids->label[0] && !ids->partuuid[0]) {
		snprintf(why, whysz, "%s%s: no filesystem or identifier found", path,
			 part ? " (partition)" : "");
		goto out;
	}
	ret = 0;
out:
	if (pr)
		blkid_free_probe(pr);
	close(fd);
	return ret;
}

int hvm_blkid_resolve(void *priv, const struct hvm_devref *ref,
		      struct hvm_ids *ids, char *why, size_t whysz)
{
	struct hvm_diskmap *dm = priv;
	char full[HVM_NAME_MAX + 16], path[HVM_NAME_MAX + 32];

	if (hvm_partname(ref->disk, ref->part, full, sizeof(full))) {
		snprintf(why, whysz, "name too long");
		return -1;
	}
	for (size_t i = 0; i < dm->n; i++)
		if (!strcmp(dm->e[i].name, full))
			return hvm_probe(dm->e[i].path, 0, ids, why, whysz);
	for (size_t i = 0; i < dm->n; i++)
		if (!strcmp(dm->e[i].name, ref->disk))
			return hvm_probe(dm->e[i].path, ref->part, ids, why, whysz);
	if (dm->live) {
		snprintf(path, sizeof(path), "/dev/%s", full);
		if (access(path, F_OK) == 0)
			return hvm_probe(path, 0, ids, why, whysz);
		snprintf(why, whysz, "%s does not exist on this system", path);
		return -1;
	}
	snprintf(why, whysz, "no disk is known for %s (give --disk %s=DEVICE)",
		 ref->disk, ref->disk);
	return -1;
}

static int read_sysfs_long(const char *dir, const char *file, long long *v)
{
	char p[PATH_MAX + 64], buf[64];
	FILE *f;
	int ok;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	f = fopen(p, "re");
	if (!f)
		return -1;
	ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	*v = strtoll(buf, NULL, 10);
	return 0;
}

/* Which partition of path starts at byte offset? 0 if none. */
static int partno_at_offset(const char *path, long long offset)
{
	blkid_probe pr = blkid_new_probe_from_filename(path);
	blkid_partlist ls;
	int found = 0;

	if (!pr)
		return 0;
	blkid_probe_enable_superblocks(pr, 0);
	blkid_probe_enable_partitions(pr, 1);
	ls = blkid_probe_get_partitions(pr);
	for (int i = 0; ls && i < blkid_partlist_numof_partitions(ls); i++) {
		blkid_partition par = blkid_partlist_get_partition(ls, i);

		if (blkid_partition_get_start(par) * 512 == offset) {
			found = blkid_partition_get_partno(par);
			break;
		}
	}
	blkid_free_probe(pr);
	return found;
}

/*
 * The disk holding the device src and the partition number of src on it.
 * Loop devices attached with an offset (losetup -o, mount -o loop,offset=)
 * are partitions of their backing file; that is how an image is usually
 * mounted where loop partition nodes are not available.
 */
static int find_disk_of(const char *src, char *disk, size_t disksz, int *partno,
			FILE *log)
{
	char sys[PATH_MAX], real[PATH_MAX], loopdir[PATH_MAX + 8];
	struct stat st;
	long long v, offset = 0;

	if (stat(src, &st) < 0 || !S_ISBLK(st.st_mode)) {
		fprintf(log, "hv-migrate: root is mounted from %s, not a block device\n", src);
		return -1;
	}
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(st.st_rdev),
		 minor(st.st_rdev));
	if (!realpath(sys, real)) {
		fprintf(log, "hv-migrate: %s: %s\n", sys, strerror(errno));
		return -1;
	}
	if (read_sysfs_long(real, "partition", &v) == 0) {
		char *slash = strrchr(real, '/');

		*slash = '\0';
		slash = strrchr(real, '/');
		snprintf(disk, disksz, "/dev/%s", slash + 1);
		*partno = (int)v;
		return 0;
	}
	snprintf(loopdir, sizeof(loopdir), "%s/loop", real);
	if (read_sysfs_long(loopdir, "offset", &offset) == 0 && offset > 0) {
		char p[PATH_MAX + 32];
		FILE *f;

		snprintf(p, sizeof(p), "%s/backing_file", loopdir);
		f = fopen(p, "re");
		if (!f || !fgets(disk, (int)disksz, f)) {
			if (f)
				fclose(f);
			return -1;
		}
		fclose(f);
		disk[strcspn(disk, "\n")] = '\0';
		*partno = partno_at_offset(disk, offset);
		if (!*partno) {
			fprintf(log, "hv-migrate: %s starts at byte %lld of %s, which is no partition there\n",
				src, offset, disk);
			return -1;
		}
		return 0;
	}
	snprintf(disk, disksz, "%s", src);
	*partno = 0;
	return 0;
}

/*
 * The first root=/dev/<name> in the guest's boot configuration whose
 * partition number is partno. Only a hint: the caller verifies it against
 * the mounted filesystem before using it.
 */
static int root_from_cmdlines(const char *root, int partno, struct hvm_devref *out)
{
	static const char *const files[] = {
		"boot/grub2/grub.cfg", "boot/grub/grub.cfg", "boot/grub/menu.lst",
		"boot/grub/grub.conf", "boot/grub2/grubenv", "etc/default/grub",
		"boot/extlinux/extlinux.conf", "boot/loader/entries/*.conf",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		char pat[PATH_MAX * 2];
		glob_t g;

		snprintf(pat, sizeof(pat), "%s/%s", root, files[i]);
		if (glob(pat, 0, NULL, &g))
			continue;
		for (size_t k = 0; k < g.gl_pathc; k++) {
			char rel[PATH_MAX], abs[PATH_MAX * 2];
			struct hvm_text t;

			if (hvm_path_in_root(root, g.gl_pathv[k] + strlen(root) + 1, rel, sizeof(rel)))
				continue;
			snprintf(abs, sizeof(abs), "%s/%s", root, rel);
			if (hvm_text_load(abs, &t) != HVM_LOAD_OK)
				continue;
			for (size_t l = 0; l < t.n; l++) {
				const char *line = t.l[l].text;
				size_t pos = 0;
				long off;

				while ((off = hvm_devref_find(line, t.l[l].len, pos, out)) >= 0) {
					pos = (size_t)off + out->len;
					if (off >= 5 && !memcmp(line + off - 5, "root=", 5) &&
					    (off == 5 || strchr(" \t\"'=", line[off - 6])) &&
					    !out->glob && out->part == partno) {
						hvm_text_free(&t);
						globfree(&g);
						return 0;
					}
				}
			}
			hvm_text_free(&t);
		}
		globfree(&g);
	}
	return -1;
}

int hvm_infer_root_disk(struct hvm_diskmap *dm, const char *root, FILE *log)
{
	struct libmnt_table *mounts = NULL, *fstab = NULL;
	struct libmnt_fs *fs;
	char rootreal[PATH_MAX], fstab_path[PATH_MAX + 16], disk[PATH_MAX];
	char buf[HVM_NAME_MAX + 8], why[256];
	const char *src, *spec;
	struct hvm_devref ref;
	struct hvm_ids want, got;
	int partno, ret = 1;

	if (!realpath(root, rootreal)) {
		fprintf(log, "hv-migrate: %s: %s\n", root, strerror(errno));
		return -1;
	}
	mounts = mnt_new_table_from_file("/proc/self/mountinfo");
	if (!mounts) {
		fprintf(log, "hv-migrate: cannot read /proc/self/mountinfo\n");
		return -1;
	}
	fs = mnt_table_find_target(mounts, rootreal, MNT_ITER_BACKWARD);
	if (!fs || strcmp(mnt_fs_get_target(fs), rootreal)) {
		fprintf(log, "hv-migrate: %s is not a mount point; bind guest disks with --disk\n",
			rootreal);
		goto out;
	}
	src = mnt_fs_get_srcpath(fs);
	if (!src || find_disk_of(src, disk, sizeof(disk), &partno, log))
		goto out;

	snprintf(fstab_path, sizeof(fstab_path), "%s/etc/fstab", rootreal);
	fstab = mnt_new_table();
	if (!fstab || mnt_table_parse_fstab(fstab, fstab_path)) {
		fprintf(log, "hv-migrate: cannot parse %s\n", fstab_path);
		goto out;
	}
	fs = mnt_table_find_target(fstab, "/", MNT_ITER_FORWARD);
	spec = fs ? mnt_fs_get_source(fs) : NULL;
	if (!spec) {
		fprintf(log, "hv-migrate: the guest fstab has no entry for /\n");
		goto out;
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	if (!hvm_devref_parse(buf, strlen(buf), &ref) || ref.len != strlen(buf)) {
		/* fstab says UUID= or LABEL=: a kernel command line may still
		 * name the root's device */
		if (root_from_cmdlines(rootreal, partno, &ref)) {
			fprintf(log, "hv-migrate: the guest fstab names / as %s and no boot entry names it: no disk name to learn from\n",
				spec);
			goto out;
		}
		spec = "a root= of the boot configuration";
	}
	if (partno > 0 && ref.part != partno) {
		fprintf(log, "hv-migrate: the guest fstab says / is %s, but %s is partition %d of %s; not guessing\n",
			spec, src, partno, disk);
		goto out;
	}
	/* the binding must reproduce the mounted filesystem, or it is wrong */
	if (hvm_probe(src, 0, &want, why, sizeof(why)) ||
	    hvm_probe(disk, partno, &got, why, sizeof(why)) ||
	    strcmp(want.uuid, got.uuid)) {
		fprintf(log, "hv-migrate: cannot confirm that %s is the guest's %s%s%s\n",
			disk, ref.disk, why[0] ? ": " : "", why);
		goto out;
	}
	for (size_t i = 0; i < dm->n; i++) {
		if (!strcmp(dm->e[i].name, ref.disk)) {
			ret = 0;	/* --disk given for it: the user wins */
			goto out;
		}
	}
	if (dm->n >= sizeof(dm->e) / sizeof(dm->e[0]))
		goto out;
	if (partno == 0 && ref.part > 0)
		/* a filesystem without a partition table named like a
		 * partition (Xen PV guests get xvda1 as a device of its own) */
		hvm_partname(ref.disk, ref.part, dm->e[dm->n].name, sizeof(dm->e[0].name));
	else
		snprintf(dm->e[dm->n].name, sizeof(dm->e[0].name), "%s", ref.disk);
	snprintf(dm->e[dm->n].path, sizeof(dm->e[0].path), "%s",
		 partno == 0 ? src : disk);
	fprintf(log, "hv-migrate: guest %s is %s (from the filesystem mounted at %s)\n",
		dm->e[dm->n].name, dm->e[dm->n].path, rootreal);
	dm->n++;
	ret = 0;
out:
	mnt_unref_table(fstab);
	mnt_unref_table(mounts);
	return ret;
}
