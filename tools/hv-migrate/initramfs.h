/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Installed kernels, what their initramfs holds, and rebuilding it with the
 * guest's own tool so that hv_vmbus, hv_storvsc and hv_netvsc are inside.
 */
#ifndef HVM_INITRAMFS_H
#define HVM_INITRAMFS_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

struct hvm_kernel {
	char kver[256];
	char image[PATH_MAX];	/* initramfs, relative to root; "" if none */
	bool in_kernel[3];	/* the kernel has the driver (module or built in) */
	bool builtin[3];	/* built into the kernel image */
	bool in_image[3];	/* the module is in the initramfs */
};

/* Scan lib/modules and boot under root. *out is malloc'ed. */
int hvm_kernels_scan(const char *root, struct hvm_kernel **out, size_t *n);

/*
 * Look for hv_*.ko[.gz|.xz|.zst] in an initramfs: concatenated newc cpio
 * archives, each plain or compressed (the early-microcode layout of
 * Documentation/driver-api/early-userspace/buffer-format.rst). found[i] is
 * set for hvm_hv_drivers[i]. Returns 0, or -1 with why.
 */
int hvm_initramfs_scan(const char *path, bool found[3], char *why, size_t whysz);

/* Scan an uncompressed cpio stream (exposed for unit tests). Returns bytes
 * consumed up to and including the trailer's padding, or -1. */
long hvm_cpio_scan(FILE *in, bool found[3], char *why, size_t whysz);

/* True when the kernel needs nothing: every driver built in or in the image. */
bool hvm_kernel_ok(const struct hvm_kernel *k);

/*
 * Rebuild the initramfs of k with the tool the guest has (dracut,
 * update-initramfs, SUSE mkinitrd, RHEL 5 mkinitrd), keeping the previous
 * image as <image>.pre-hv-migrate. For an offline root the tool runs chrooted
 * in a private mount namespace with /dev, /proc and /sys bound. With
 * itools_modules (initramfs-tools set to MODULES=dep or list), the drivers
 * are listed in /etc/initramfs-tools/modules first. Returns 0 after checking
 * that the new image has the drivers.
 */
int hvm_initramfs_rebuild(const char *root, bool live, struct hvm_kernel *k,
			  bool itools_modules, FILE *log);

/*
 * Run tool (a path relative to root) with argv as the guest would: directly
 * on the live system, else chrooted into root in a private mount namespace
 * with /dev, /sys and a fresh /proc, all of which vanish with the child.
 * Its standard output goes to our standard error. 0 if it exited 0.
 */
int hvm_run_in_root(const char *root, bool live, const char *tool,
		    char *const argv[], FILE *log);

#endif
