/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parsing of device paths whose meaning depends on the hypervisor: kernel
 * names (sd, hd, xvd, vd, nvme, mmcblk, cciss, ida) and the by-id/by-path
 * links derived from the controller. Everything is pure string work so it
 * can be unit tested without devices.
 */
#ifndef HVM_DEVNAME_H
#define HVM_DEVNAME_H

#include <stdbool.h>
#include <stddef.h>

#define HVM_NAME_MAX 256

enum hvm_devref_kind {
	HVM_REF_KERNEL,		/* /dev/sda1, /dev/nvme0n1p2, /dev/cciss/c0d0p1 */
	HVM_REF_BY_ID,		/* /dev/disk/by-id/...[-partN] */
	HVM_REF_BY_PATH,	/* /dev/disk/by-path/...[-partN] */
};

struct hvm_devref {
	enum hvm_devref_kind kind;
	/* Disk part without /dev/: "sda", "nvme0n1", "cciss/c0d0",
	 * "disk/by-id/scsi-0QEMU_disk". */
	char disk[HVM_NAME_MAX];
	/* Kernel name family: "sd", "xvd", "nvme", "cciss"... ("" for links). */
	char prefix[8];
	int part;		/* partition number, 0 for a whole disk */
	bool glob;		/* followed by a glob or regex: a pattern */
	size_t len;		/* bytes of the input covered, from "/dev/" on */
};

/*
 * Parse a device reference at the start of s (which must begin with
 * "/dev/"). Returns true and fills ref if s names a hypervisor-dependent
 * device. The name ends at the first byte that cannot continue it, so
 * "/dev/sda1" inside "/dev/sda10" is never found: the parser always takes
 * the longest name.
 */
bool hvm_devref_parse(const char *s, size_t avail, struct hvm_devref *ref);

/* Find the next reference in buf[0..len) at or after *pos; returns its offset
 * or -1. References must start at a token boundary. */
long hvm_devref_find(const char *buf, size_t len, size_t from,
		     struct hvm_devref *ref);

/* Kernel name of partition n of disk ("sda",1 -> "sda1"; "nvme0n1",1 ->
 * "nvme0n1p1"; "mmcblk0",2 -> "mmcblk0p2"; "cciss/c0d0",1 -> "cciss/c0d0p1").
 * The kernel inserts 'p' when the disk name ends in a digit
 * (block/partitions/core.c, disk_name()). */
int hvm_partname(const char *disk, int part, char *out, size_t outsz);

/* Disk index of the letters of sd/hd/xvd/vd names: a=0 .. z=25, aa=26 ..
 * (sd_format_disk_name() in drivers/scsi/sd.c). -1 if not letters. */
long hvm_letters_to_index(const char *letters);
int hvm_index_to_letters(long index, char *out, size_t outsz);

/* Name maps given with --map FROM=TO: whole prefixes ("xvd=sd") or whole
 * disks ("xvdb=sdc", "nvme0n1=sda"). */
struct hvm_namemap {
	size_t n;
	struct {
		char from[HVM_NAME_MAX];
		char to[HVM_NAME_MAX];
	} e[32];
};

int hvm_namemap_add(struct hvm_namemap *m, const char *spec);
/* Map a kernel reference; writes the new "/dev/..." text (without glob
 * tail). Returns true if a mapping applied. */
bool hvm_namemap_apply(const struct hvm_namemap *m, const struct hvm_devref *ref,
		       char *out, size_t outsz);

#endif
