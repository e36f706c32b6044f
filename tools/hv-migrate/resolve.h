/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Turning a guest's device name into the identifiers of the filesystem it
 * names, with libblkid. On a running system the name is looked up in /dev;
 * for an offline image the names are bound to disks (or image files) either
 * explicitly (--disk) or by inference from the filesystem mounted at --root.
 */
#ifndef HVM_RESOLVE_H
#define HVM_RESOLVE_H

#include "hvm.h"

struct hvm_diskmap {
	size_t n;
	struct {
		char name[HVM_NAME_MAX];	/* "sda", "xvda1", "disk/by-id/x" */
		char path[4096];		/* block device or image file */
	} e[64];
	bool live;	/* names may also be looked up in the host's /dev */
};

int hvm_diskmap_add(struct hvm_diskmap *dm, const char *spec, char *err,
		    size_t errsz);

/* The resolver callback for struct hvm_resolver; priv is a hvm_diskmap. */
int hvm_blkid_resolve(void *priv, const struct hvm_devref *ref,
		      struct hvm_ids *ids, char *why, size_t whysz);

/* Probe partition part (0: the whole thing) of path. */
int hvm_probe(const char *path, int part, struct hvm_ids *ids, char *why,
	      size_t whysz);

/*
 * Infer the disk of the guest's root from what is mounted at root: find the
 * device with libmount, find its disk and partition number (sysfs, or the
 * backing file and offset of a loop device), and bind the disk named by the
 * guest fstab's entry for / to it. Messages go to log. Returns 0 if a binding
 * was added, 1 if nothing could be inferred, -1 on error.
 */
int hvm_infer_root_disk(struct hvm_diskmap *dm, const char *root, FILE *log);

#endif
