#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dracut module: the Hyper-V drivers (storage, network, keyboard and mouse)
# in every initramfs, also in host-only mode, plus the compatibility names
# of 61-hyperv-compat-names.rules.
#
# Host-only mode keeps only drivers for hardware the build host has, so an
# image built on VMware or KVM lacks hv_storvsc and the moved guest cannot
# find its root (dracut.modules(7); MicrosoftDocs create-upload-generic.md).
# Plain instmods is filtered the same way; "hostonly=''" lifts the filter
# for these calls, as dracut itself does for add_drivers.

check() {
	# always: the point is to boot on a host other than the build host
	return 0
}

depends() {
	echo udev-rules
	return 0
}

installkernel() {
	hostonly='' instmods hv_vmbus hv_storvsc hv_netvsc
	# The synthetic keyboard and mouse: a Generation 2 VM has no emulated
	# keyboard, so without them nobody can type at the emergency shell. A
	# kernel may lack them (hyperv-guest has no input drivers yet):
	# instmods without -c takes its modules as optional (dracut-init.sh)
	# and does not fail on a missing one.
	hostonly='' instmods hyperv_keyboard hid_hyperv
}

# The rule and its helper are installed beside this file as well, so the
# module is complete on its own ($moddir, dracut.modules(7)).
install() {
	inst_rules "$moddir/61-hyperv-compat-names.rules"
	inst_simple "$moddir/hv-compat-name" /usr/lib/hyperv-guest/hv-compat-name
}
