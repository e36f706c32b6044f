// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which files of a guest hold device references, and of what kind. Globs are
 * relative to the guest root. Sources for each are in the research notes
 * (shared/reference/migration.md, sections 1.1 and 5.1).
 */
#include "filelist.h"

const struct hvm_filespec hvm_files[] = {
	{ "etc/fstab", HVM_FT_FSTAB },
	{ "etc/crypttab", HVM_FT_CRYPTTAB },
	/* GRUB legacy: kernel lines carry root= and resume= */
	{ "boot/grub/menu.lst", HVM_FT_CMDLINE },
	{ "boot/grub/grub.conf", HVM_FT_CMDLINE },
	{ "etc/grub.conf", HVM_FT_CMDLINE },
	{ "boot/grub/device.map", HVM_FT_NAMES },
	{ "boot/grub2/device.map", HVM_FT_NAMES },
	/* GRUB 2 sources and generated configs */
	{ "etc/default/grub", HVM_FT_DEFAULT_GRUB },
	{ "etc/sysconfig/grub", HVM_FT_DEFAULT_GRUB },
	{ "boot/grub/grub.cfg", HVM_FT_CMDLINE },
	{ "boot/grub2/grub.cfg", HVM_FT_CMDLINE },
	{ "boot/efi/EFI/*/grub.cfg", HVM_FT_CMDLINE },
	/* BLS (RHEL 8+, Fedora) and the RHEL 8 kernelopts variable */
	{ "boot/loader/entries/*.conf", HVM_FT_CMDLINE },
	{ "boot/grub2/grubenv", HVM_FT_GRUBENV },
	{ "boot/efi/EFI/*/grubenv", HVM_FT_GRUBENV },
	/* SUSE */
	{ "etc/sysconfig/bootloader", HVM_FT_CMDLINE },
	{ "etc/default/grub_installdevice", HVM_FT_NAMES },
	{ "etc/sysconfig/kernel", HVM_FT_SYSCONFIG_KERNEL },
	/* other boot loaders */
	{ "boot/extlinux/extlinux.conf", HVM_FT_CMDLINE },
	{ "boot/extlinux.conf", HVM_FT_CMDLINE },
	{ "boot/syslinux/syslinux.cfg", HVM_FT_CMDLINE },
	{ "boot/syslinux.cfg", HVM_FT_CMDLINE },
	{ "etc/lilo.conf", HVM_FT_LILO },
	/* initramfs, RAID, LVM, modules */
	{ "etc/initramfs-tools/conf.d/resume", HVM_FT_RESUME },
	{ "etc/initramfs-tools/modules", HVM_FT_ITOOLS_MODULES },
	{ "etc/mdadm.conf", HVM_FT_MDADM },
	{ "etc/mdadm/mdadm.conf", HVM_FT_MDADM },
	{ "etc/lvm/lvm.conf", HVM_FT_NAMES },
	{ "etc/modprobe.conf", HVM_FT_MODPROBE },
	{ "etc/modules.conf", HVM_FT_MODPROBE },
	{ "etc/modprobe.d/*.conf", HVM_FT_MODPROBE_D },
	/* grub-pc's postinst runs grub-install on these (failure mode in the
	 * research notes: "... does not exist, so cannot grub-install") */
	{ "var/cache/debconf/config.dat", HVM_FT_DEBCONF },
	{ 0 },
};
