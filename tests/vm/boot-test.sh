#!/bin/bash
# Boot a Debian system whose root file system is on a synthetic SCSI disk:
# a QEMU disk behind hv_sim's storage host, reached through hv_vmbus and
# hv_storvsc from an initramfs that the system's own initramfs-tools made.
#
#   tests/vm/boot-test.sh [-k KERNEL] [-m]      (KERNEL 6.1 or 6.12; default 6.12)
#
# The root file system is tests/vm/boot-image.sh's cached debootstrap,
# copied, with the kernel's modules and ours (in updates/, where depmod
# prefers them) added. mke2fs writes it into partition 1 of a disk image;
# QEMU gives the VM that image as a virtio disk behind a 1 MiB header of
# zeros, and hv_sim presents what follows the header as the synthetic
# disk (boot_disk=/dev/vda boot_disk_offset=1M): the guest sees the
# host's storage only as a blank virtio disk, as on Hyper-V it sees none,
# so no second copy of the file system is there to be found by name or
# UUID. hv_sim stands in for the hypervisor: the initramfs loads it
# (/etc/initramfs-tools/modules); hv_storvsc is left to the hook and udev.
# The kernel command line is the "linux" line of the image's
# /boot/grub/grub.cfg (no boot loader runs: QEMU loads the kernel).
#
# Default: a system installed for Hyper-V (our hook installed, fstab and
# GRUB naming /dev/sda1) must boot. -m: a system moved from KVM (fstab and
# GRUB naming /dev/vda1, an initramfs made there without our hook) must
# fail to boot; then `hv-migrate fix --root` is run on it (with the hooks
# to install and the disk named), and it must boot. A boot passes when the console shows a login prompt, a unit in
# the image reports / mounted from /dev/sda1, a Msft Virtual Disk on
# hv_storvsc, and the kernel printed no splat. Prints "PASS boot on
# KERNEL" (or "PASS migrate on KERNEL") or "FAIL ...: why". Artifacts in
# $BUILDDIR/boot/KERNEL[-migrate]/.
set -uo pipefail

HVG_SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILDDIR=${BUILDDIR:-$HVG_SRC/build}
export HVG_SRC BUILDDIR
# shellcheck source=tests/vm/kernels.sh
. "$HVG_SRC/tests/vm/kernels.sh"

kernel=6.12
migrate=0
while getopts "k:m" opt; do
	case "$opt" in
	k) kernel=$OPTARG ;;
	m) migrate=1 ;;
	*) echo "usage: $0 [-k 6.1|6.12] [-m]" >&2; exit 2 ;;
	esac
done
what=boot
[ "$migrate" = 1 ] && what=migrate
fail() { echo "FAIL $what on $kernel: $*"; exit 1; }
case "$kernel" in
6.1 | 6.12) ;;
*) fail "the boot test runs stock kernels (6.1, 6.12), not '$kernel'" ;;
esac
hvg_kernel "$kernel" 2>"$BUILDDIR/.boot-kernel-err" || fail "$(cat "$BUILDDIR/.boot-kernel-err")"

out=$BUILDDIR/boot/$kernel$([ "$migrate" = 1 ] && echo -migrate)
# Nothing is ever mounted under it (the chroot's mounts live in a
# namespace of their own), but never remove through a mount point.
if findmnt -rno TARGET | grep -q "^$out/"; then
	fail "something is mounted under $out"
fi
rm -rf "$out"
mkdir -p "$out"
log=$out/prepare.log

"$HVG_SRC/tests/vm/boot-image.sh" build >>"$log" 2>&1 ||
	fail "no base image: $(tail -3 "$log")"
base=$("$HVG_SRC/tests/vm/boot-image.sh" dir) || fail "no base image"
make -s -C "$HVG_SRC/kernel" KDIR="$KDIR" OUT="$BUILDDIR/$KREL/kernel" >>"$log" 2>&1 ||
	fail "module build for $KREL failed (see $log)"

# ---- the root file system ----
root=$out/root
cp -a "$base" "$root" || fail "copying the base image"
mkdir -p "$root/lib/modules"
cp -a "$KMODS" "$root/lib/modules/" || fail "copying $KMODS"
rm -f "$root/lib/modules/$KREL/build" "$root/lib/modules/$KREL/source"
# The kernel as a distribution installs it (hv-migrate looks for it), and
# its config, which mkinitramfs reads for the compressions it takes.
cp "$KIMAGE" "$root/boot/vmlinuz-$KREL" || fail "copying $KIMAGE"
cp "/boot/config-$KREL" "$root/boot/" || fail "no /boot/config-$KREL"
mkdir -p "$root/lib/modules/$KREL/updates/hyperv-guest"
for m in hv_vmbus hv_storvsc hv_sim; do
	cp "$BUILDDIR/$KREL/kernel/$m.ko" "$root/lib/modules/$KREL/updates/hyperv-guest/" ||
		fail "$m.ko was not built"
done
depmod -b "$root" "$KREL" || fail "depmod"

# The stand-in hypervisor (see above).
cat >"$root/etc/modprobe.d/hv_sim.conf" <<'EOF'
options hv_sim devices=scsi boot_disk=/dev/vda boot_disk_offset=1048576
EOF
printf 'virtio_pci\nvirtio_blk\nhv_sim\n' >>"$root/etc/initramfs-tools/modules"

# Installed for Hyper-V, or as it was on KVM.
if [ "$migrate" = 1 ]; then
	dev=/dev/vda1
else
	dev=/dev/sda1
	make -s -C "$HVG_SRC/initrd-hooks" install DESTDIR="$root" PREFIX=/usr >>"$log" 2>&1 ||
		fail "installing the initrd hooks"
fi
echo "$dev / ext4 errors=remount-ro 0 1" >"$root/etc/fstab"
mkdir -p "$root/boot/grub"
cat >"$root/boot/grub/grub.cfg" <<EOF
menuentry 'Debian GNU/Linux' {
	linux /boot/vmlinuz-$KREL root=$dev ro console=ttyS0
	initrd /boot/initrd.img-$KREL
}
EOF

# What the harness reads once the system is up.
mkdir -p "$root/usr/local/sbin" "$root/etc/systemd/system/multi-user.target.wants"
cat >"$root/usr/local/sbin/hvg-boot-check" <<'EOF'
#!/bin/sh
# Report where / came from: device, its vendor and model, its driver, and
# the Hyper-V modules loaded.
d=$(findmnt -no SOURCE /)
b=$(basename "$d")
b=${b%%[0-9]*}
dev=/sys/block/$b/device
vendor=$(tr -d ' ' <"$dev/vendor")
model=$(tr -d ' ' <"$dev/model")
# sdX's device is the SCSI device; three levels up is the VMBus device
driver=$(basename "$(readlink -f "$dev/../../../driver")")
mods=$(lsmod | awk '/^hv_/ {print $1}' | sort | tr '\n' ,)
echo "hvg-boot: root $d on $vendor $model driver $driver modules $mods" >/dev/kmsg
EOF
chmod 755 "$root/usr/local/sbin/hvg-boot-check"
cat >"$root/etc/systemd/system/hvg-boot-check.service" <<'EOF'
[Unit]
Description=hyperv-guest boot test report
After=local-fs.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/hvg-boot-check

[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/hvg-boot-check.service \
	"$root/etc/systemd/system/multi-user.target.wants/hvg-boot-check.service"

# The initramfs, made by the image's own initramfs-tools, in a mount
# namespace of its own: /proc and /sys bound into the copy never show
# outside it, and go with it whatever happens.
unshare -m --propagation private sh -c '
	mount --bind /proc "$1/proc" && mount --bind /sys "$1/sys" &&
	chroot "$1" mkinitramfs -o "/boot/initrd.img-$2" "$2"' sh "$root" "$KREL" \
	>>"$log" 2>&1 || fail "mkinitramfs failed (see $log)"

# ---- the disk, and a boot ----

# make_disk: write the tree into partition 1 (from 1 MiB) of the inner
# disk, behind the 1 MiB header; the file system's UUID stays the same
# across calls (hv-migrate reads it from the first one).
uuid=$(cat /proc/sys/kernel/random/uuid)
img=$out/disk.img
make_disk() {
	rm -f "$img" "$out/mbr.img"
	truncate -s 2049M "$img"
	truncate -s 2048M "$out/mbr.img"
	echo 'start=2048, type=83' | sfdisk -q "$out/mbr.img" >>"$log" 2>&1 || fail "sfdisk"
	dd if="$out/mbr.img" of="$img" bs=512 count=1 seek=2048 conv=notrunc status=none ||
		fail "writing the partition table"
	rm -f "$out/mbr.img"
	mke2fs -q -t ext4 -U "$uuid" -d "$root" -E offset=$((2 << 20)) -F "$img" 2047M \
		>>"$log" 2>&1 || fail "mke2fs -d (see $log)"
}

# boot NAME: boot the disk with the initramfs and command line of the
# tree; NAME.console. Sets secs and report; status 0 if it reached a
# login prompt and the report, 1 if not.
boot() {
	local console=$out/$1.console args qemu start
	args=$(sed -n 's/^[[:space:]]*linux[[:space:]]\+[^[:space:]]\+[[:space:]]*//p' \
		"$root/boot/grub/grub.cfg" | head -1)
	[ -n "$args" ] || fail "no linux line in the image's grub.cfg"
	cp "$root/boot/initrd.img-$KREL" "$out/$1.initrd"
	: >"$console"
	# panic=-1 stops a failed boot at once; rootdelay=20 makes
	# initramfs-tools give up on a missing root device in 20 s, not 180.
	qemu-system-x86_64 -machine q35 -accel tcg -cpu max -smp 2 -m 1024 \
		-nodefaults -display none -monitor none -no-reboot \
		-serial "file:$console" -kernel "$KIMAGE" -initrd "$out/$1.initrd" \
		-append "$args panic=-1 rootdelay=20" \
		-drive "file=$img,if=virtio,format=raw,discard=unmap" \
		</dev/null >"$out/$1.qemu.log" 2>&1 &
	qemu=$!
	start=$(date +%s)
	while kill -0 $qemu 2>/dev/null && [ $(($(date +%s) - start)) -lt 300 ]; do
		grep -q 'login:' "$console" && grep -q 'hvg-boot: root' "$console" && break
		# a root that is not there: initramfs-tools says so and stops
		grep -q 'ALERT!' "$console" && { sleep 2; break; }
		sleep 1
	done
	secs=$(($(date +%s) - start))
	kill $qemu 2>/dev/null
	wait $qemu 2>/dev/null
	sed -i 's/\r$//' "$console"
	report=$(sed -n 's/.*hvg-boot: //p' "$console" | head -1)
	grep -q 'login:' "$console" && [ -n "$report" ]
}

# judge NAME: a boot that must have worked.
judge() {
	local console=$out/$1.console splat
	splat=$(grep -E -m1 "$(cat "$HVG_SRC/tests/vm/splat-regex")" "$console")
	[ -z "$splat" ] || fail "$1: kernel reported: $splat (see $console)"
	case "$report" in
	"root /dev/sda1 on Msft VirtualDisk driver hv_storvsc modules "*hv_sim,*hv_storvsc,*hv_vmbus,*) ;;
	*) fail "$1: the system came up, but reports: '${report:-nothing}' (see $console)" ;;
	esac
}

# initrd_has NAME MODULE...: the tree's initramfs holds our modules
initrd_has() {
	local list=$out/$1.initramfs.list m
	lsinitramfs "$root/boot/initrd.img-$KREL" >"$list" || fail "lsinitramfs"
	for m in "${@:2}"; do
		grep -q "/updates/hyperv-guest/$m.ko" "$list" || return 1
	done
}

if [ "$migrate" = 0 ]; then
	initrd_has boot hv_vmbus hv_storvsc hv_sim ||
		fail "the initramfs lacks our modules (see $out/boot.initramfs.list)"
	make_disk
	boot boot || fail "no login prompt after ${secs}s (see $out/boot.console): $(grep -E 'ALERT|Gave up|not exist|emergency' "$out/boot.console" | head -2 | tr '\n' ' ')"
	judge boot
	echo "login prompt after ${secs}s; $report" >"$out/result"
else
	# Debian's MODULES=most takes hv_storvsc by name already: what keeps
	# this system from booting is the name of its root device.
	had="without"
	initrd_has before hv_vmbus hv_storvsc && had="with"
	make_disk
	if boot before; then
		fail "the moved system booted before hv-migrate fix (see $out/before.console)"
	fi
	grep -q 'ALERT!  */dev/vda1 does not exist' "$out/before.console" ||
		fail "before hv-migrate fix: no 'ALERT! /dev/vda1 does not exist' (see $out/before.console)"
	# What an administrator does: install the hooks and run the fix with
	# the disk named (hv-migrate reads the file system's UUID from it).
	stage=$out/stage
	make -s -C "$HVG_SRC/initrd-hooks" install DESTDIR="$stage" PREFIX=/usr >>"$log" 2>&1 ||
		fail "staging the initrd hooks"
	make -s -C "$HVG_SRC/tools/hv-migrate" BUILDDIR="$BUILDDIR" >>"$log" 2>&1 ||
		fail "building hv-migrate"
	part=$out/part.img
	dd if="$img" of="$part" bs=1M skip=2 status=none conv=sparse || fail "cutting out the partition"
	"$BUILDDIR/hv-migrate/hv-migrate" --root "$root" --disk "vda1=$part" \
		--install-hooks="$stage" fix >"$out/hv-migrate.log" 2>&1
	status=$?
	rm -f "$part"
	[ $status = 0 ] || fail "hv-migrate fix exited $status (see $out/hv-migrate.log)"
	grep -q "^UUID=$uuid / " "$root/etc/fstab" ||
		fail "fstab after hv-migrate fix: $(cat "$root/etc/fstab")"
	grep -q "root=UUID=$uuid " "$root/boot/grub/grub.cfg" ||
		fail "grub.cfg after hv-migrate fix: $(grep linux "$root/boot/grub/grub.cfg")"
	initrd_has after hv_vmbus hv_storvsc ||
		fail "the initramfs after hv-migrate fix lacks our modules (see $out/after.initramfs.list)"
	make_disk
	boot after || fail "no login prompt after hv-migrate fix, ${secs}s (see $out/after.console): $(grep -E 'ALERT|Gave up|not exist|emergency' "$out/after.console" | head -2 | tr '\n' ' ')"
	judge after
	echo "before hv-migrate fix (initramfs $had hv_storvsc): ALERT! /dev/vda1 does not exist; after: login prompt after ${secs}s; $report" >"$out/result"
fi
rm -rf "$root" "$img"
echo "PASS $what on $kernel"
