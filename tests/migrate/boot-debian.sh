#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Boot test: a debootstrapped Debian whose fstab and GRUB config name
# /dev/sda1 (as installed on VMware SCSI) does not boot with its disk on
# virtio, and boots after "hv-migrate fix --root". Prints "ok - ..." and
# "not ok - ..." lines for suite 41; needs root, debootstrap, network to the
# Debian mirror (once: the tree is cached in $BUILDDIR), qemu-system-x86_64
# and an installed Debian kernel with virtio_blk.
#
# The guest kernel is the host's Debian kernel, booted directly by QEMU with
# an initramfs-tools image for it built with our hook; the command line is
# the one in the guest's grub.cfg, so what GRUB would pass is what is tested.
# The part of the issue that boots the same image behind hv_storvsc waits
# for that driver.
set -u
SRCDIR=${SRCDIR:?} BUILDDIR=${BUILDDIR:?}
HVM=$BUILDDIR/hv-migrate/hv-migrate
. "$SRCDIR/tests/migrate/lib.sh"
work=$(mktemp -d "${HVM_WORKDIR:-/tmp}/hvm-boot.XXXXXX")
trap 'fx_cleanup; rm -rf "$work"' EXIT
cache=$BUILDDIR/hv-migrate/cache
mkdir -p "$cache"

say() { echo "$1 - boot: $2"; }

for t in debootstrap qemu-system-x86_64 mkinitramfs; do
	command -v "$t" >/dev/null || { say "not ok" "$t is not installed"; exit 0; }
done
KVER=
for d in /lib/modules/*; do
	k=${d##*/}
	if [ -r "/boot/vmlinuz-$k" ] && ls "$d"/kernel/drivers/block/virtio_blk.ko* >/dev/null 2>&1; then
		KVER=$k
		break
	fi
done
[ -n "$KVER" ] || { say "not ok" "no installed kernel with virtio_blk (apt-get install linux-image-amd64)"; exit 0; }

tree=$cache/debian-bookworm-minbase.tar
if [ ! -s "$tree" ]; then
	if debootstrap --variant=minbase bookworm "$work/dbs" http://deb.debian.org/debian >&2 &&
		tar -C "$work/dbs" -cf "$tree.tmp" . && mv "$tree.tmp" "$tree"; then
		rm -rf "$work/dbs"
	else
		rm -f "$tree.tmp"
		say "not ok" "debootstrap of Debian bookworm failed"
		exit 0
	fi
fi
say ok "Debian bookworm (debootstrap minbase) available"

# a small initramfs-tools image: virtio and ext4, plus our hook (the Hyper-V
# drivers and the compat rule), which must not get in the way of booting
initrd=$work/initrd-$KVER
make -s -C "$SRCDIR/initrd-hooks" install DESTDIR="$work/hooks" >&2 ||
	{ say "not ok" "initrd-hooks install failed"; exit 0; }
mkdir -p "$work/itc/hooks" "$work/itc/scripts" "$work/itc/conf.d"
printf 'MODULES=list\nCOMPRESS=gzip\n' >"$work/itc/initramfs.conf"
printf 'virtio_pci\nvirtio_blk\next4\n' >"$work/itc/modules"
cp "$work/hooks/usr/share/initramfs-tools/hooks/hyperv" "$work/itc/hooks/"
HYPERV_GUEST_PREFIX=$work/hooks mkinitramfs -d "$work/itc" -o "$initrd" "$KVER" >&2 2>&1 ||
	{ say "not ok" "mkinitramfs for $KVER failed"; exit 0; }
if [ "$(lsinitramfs "$initrd" | grep -cE '/(hv_vmbus|hv_storvsc|hv_netvsc)\.ko|61-hyperv-compat-names.rules')" = 4 ]; then
	say ok "the guest's initramfs, built with our hook, holds the Hyper-V drivers and the compat rule"
else
	say "not ok" "the initramfs built with our hook lacks the Hyper-V drivers or the rule"
fi

img=$work/vmware-sda.img
fx_disk "$img" 640 'label: dos\n,560M,L,*\n,,S\n'
fx_mkfs_var rootdev "$img" 1 ext4
fx_mkfs_var swapdev "$img" 2 swap
mnt=$work/mnt
fx_mount "$rootdev" "$mnt"
tar -C "$mnt" -xf "$tree" || { say "not ok" "unpacking the tree failed"; exit 0; }
cat >"$mnt/etc/fstab" <<'E'
# /etc/fstab written by the installer on VMware
/dev/sda1	/	ext4	errors=remount-ro	0	1
/dev/sda2	none	swap	sw	0	0
E
mkdir -p "$mnt/boot/grub"
cat >"$mnt/boot/grub/grub.cfg" <<E
# written by grub-mkconfig with GRUB_DISABLE_LINUX_UUID=true
menuentry 'Debian GNU/Linux' {
	linux	/boot/vmlinuz-$KVER root=/dev/sda1 ro
	initrd	/boot/initrd.img-$KVER
}
E
# the guest's init for this test: use fstab as boot would, then report
cat >"$mnt/hvm-init" <<'E'
#!/bin/sh
mount -t proc proc /proc
mount -o remount,rw / && mount -a && swapon -a &&
	[ -n "$(swapon --show=NAME --noheadings)" ] &&
	echo "HVM-RESULT: booted, fstab mounted, swap on"
sync
echo o >/proc/sysrq-trigger
E
chmod 0755 "$mnt/hvm-init"
umount "$mnt"

cmdline() { # the linux line of the guest's grub.cfg, as GRUB would pass it
	sed -n 's/^[[:space:]]*linux[[:space:]]\+[^[:space:]]\+[[:space:]]\+//p' "$1" | head -1
}
boot() { # LOG CMDLINE
	timeout 600 qemu-system-x86_64 -m 512 -nographic -no-reboot -monitor none \
		-kernel "/boot/vmlinuz-$KVER" -initrd "$initrd" -net none \
		-append "$2 console=ttyS0 panic=-1 rootdelay=15 init=/hvm-init" \
		-drive "file=$img,if=virtio,format=raw" >"$1" 2>&1 </dev/null
}

fx_mount "$rootdev" "$mnt"
before=$(cmdline "$mnt/boot/grub/grub.cfg")
umount "$mnt"
boot "$work/boot1.log" "$before"
cat "$work/boot1.log" >&2
if ! grep -q 'HVM-RESULT: booted' "$work/boot1.log" &&
	grep -qE 'Gave up waiting for root|/dev/sda1 does not exist' "$work/boot1.log"; then
	say ok "unfixed guest does not boot on virtio: no /dev/sda1"
else
	say "not ok" "unfixed guest: expected a failure to find /dev/sda1"
fi

fx_mount "$rootdev" "$mnt"
"$HVM" --root "$mnt" fix >&2 2>&1
rc=$?
after=$(cmdline "$mnt/boot/grub/grub.cfg")
uuid=$(fx_uuid "$rootdev")
umount "$mnt"
if [ "$rc" = 0 ] && [ "$after" = "root=UUID=$uuid ro" ]; then
	say ok "hv-migrate fix --root rewrote grub.cfg to root=UUID=$uuid"
else
	say "not ok" "hv-migrate fix exit $rc, grub.cfg command line '$after'"
fi
boot "$work/boot2.log" "$after"
cat "$work/boot2.log" >&2
if grep -q 'HVM-RESULT: booted, fstab mounted, swap on' "$work/boot2.log"; then
	say ok "fixed guest boots on virtio, mounts its fstab and enables its swap"
else
	say "not ok" "fixed guest did not boot (see log)"
fi
