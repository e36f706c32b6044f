/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared state of one hv-migrate run: how names are resolved, what the user
 * asked for, and the tally that decides the exit status.
 */
#ifndef HVM_HVM_H
#define HVM_HVM_H

#include <stdbool.h>
#include <stdio.h>

#include "devname.h"
#include "text.h"

/* What libblkid says about the device a name stands for. */
struct hvm_ids {
	char uuid[80];
	char label[256];
	char partuuid[80];
	char type[32];
};

/* Returns 0 and fills ids, or -1 with a reason in why. Tests plug in a
 * table; the program plugs in libblkid (resolve.c). */
struct hvm_resolver {
	int (*resolve)(void *priv, const struct hvm_devref *ref,
		       struct hvm_ids *ids, char *why, size_t whysz);
	void *priv;
};

enum hvm_level {
	HVM_CHANGE,	/* a reference that is (or would be) rewritten */
	HVM_UNRESOLVED,	/* a reference that breaks and that we cannot fix */
	HVM_NOTE,	/* order-dependent but kept: informative */
	HVM_ERROR,	/* a file we could not read or write */
};

struct hvm_ctx {
	struct hvm_resolver res;
	struct hvm_namemap map;
	FILE *report;		/* where findings go (stdout) */
	bool quiet_notes;
	/* initramfs-tools builds with MODULES=dep/list: name the drivers in
	 * /etc/initramfs-tools/modules (with "most" they are in anyway) */
	bool itools_needs_modules;
	const char *file;	/* file being processed, for messages */
	unsigned changes, unresolved, notes, errors;
};

void hvm_report(struct hvm_ctx *ctx, enum hvm_level lvl, size_t lineno,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The kinds of file hv-migrate knows; each has a rewriter in rewrite.c. */
enum hvm_filetype {
	HVM_FT_FSTAB,
	HVM_FT_CRYPTTAB,
	HVM_FT_CMDLINE,		/* files holding kernel command lines */
	HVM_FT_DEFAULT_GRUB,	/* /etc/default/grub, /etc/sysconfig/grub */
	HVM_FT_GRUBENV,		/* 1024-byte GRUB environment block */
	HVM_FT_LILO,
	HVM_FT_NAMES,		/* names only: device.map, lvm.conf, ... */
	HVM_FT_RESUME,		/* initramfs-tools conf.d/resume */
	HVM_FT_MDADM,
	HVM_FT_SYSCONFIG_KERNEL,	/* SLES 11 INITRD_MODULES */
	HVM_FT_MODPROBE,	/* modprobe.conf: scsi_hostadapter aliases */
	HVM_FT_MODPROBE_D,	/* modprobe.d: blacklists of hv_* only */
	HVM_FT_ITOOLS_MODULES,	/* /etc/initramfs-tools/modules */
	HVM_FT_DEBCONF,		/* debconf config.dat: grub-pc/install_devices */
};

/* Compute the edits of one file. Returns 0, or -1 when the file cannot be
 * edited safely (the reason is reported; nothing is written). */
int hvm_rewrite(struct hvm_ctx *ctx, enum hvm_filetype ft, struct hvm_text *t);

/* The drivers a Hyper-V guest needs to find its disks and network
 * (MicrosoftDocs create-upload-generic.md: at least hv_vmbus and
 * hv_storvsc in the initrd). */
extern const char *const hvm_hv_drivers[3];

#endif
