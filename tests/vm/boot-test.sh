#!/bin/bash
# Boot a Debian system whose root file system is on a synthetic SCSI disk:
# a QEMU disk behind hv_sim's storage host (boot_disk=/dev/vda), reached
# through hv_vmbus and hv_storvsc from an initramfs that initramfs-tools
# built with our hook (initrd-hooks/initramfs-tools/hooks/hyperv).
#
#   tests/vm/boot-test.sh [-k KERNEL]      (6.1 or 6.12, default 6.12)
#
# The root file system is tests/vm/boot-image.sh's cached debootstrap,
# copied, with the kernel's modules, ours (in updates/), the hook and an
# fstab naming /dev/sda1 added; initramfs-tools makes the initramfs in a
# chroot; mke2fs writes the file system into partition 1 of a raw disk
# image. The kernel is booted with root=/dev/sda1. Passes when the console
# shows a login prompt and the check unit in the image reports / mounted
# from /dev/sda1, a Msft Virtual Disk on hv_storvsc, and no kernel
# complaint; prints "PASS boot on KERNEL" or "FAIL boot on KERNEL: why".
# Artifacts in $BUILDDIR/boot/KERNEL/.
set -uo pipefail

HVG_SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILDDIR=${BUILDDIR:-$HVG_SRC/build}
export HVG_SRC BUILDDIR
# shellcheck source=tests/vm/kernels.sh
. "$HVG_SRC/tests/vm/kernels.sh"

kernel=6.12
while getopts "k:" opt; do
	case "$opt" in
	k) kernel=$OPTARG ;;
	*) echo "usage: $0 [-k 6.1|6.12]" >&2; exit 2 ;;
	esac
done
fail() { echo "FAIL boot on $kernel: $*"; exit 1; }
case "$kernel" in
6.1 | 6.12) ;;
*) fail "the boot test runs stock kernels (6.1, 6.12), not '$kernel'" ;;
esac
hvg_kernel "$kernel" 2>"$BUILDDIR/.boot-kernel-err" || fail "$(cat "$BUILDDIR/.boot-kernel-err")"

out=$BUILDDIR/boot/$kernel
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

root=$out/root
cp -a "$base" "$root" || fail "copying the base image"
# The kernel's modules, and ours where depmod prefers them (updates/).
mkdir -p "$root/lib/modules"
cp -a "$KMODS" "$root/lib/modules/" || fail "copying $KMODS"
rm -f "$root/lib/modules/$KREL/build" "$root/lib/modules/$KREL/source"
# mkinitramfs reads the kernel's config for the compressions it takes.
cp "/boot/config-$KREL" "$root/boot/" || fail "no /boot/config-$KREL"
mkdir -p "$root/lib/modules/$KREL/updates/hyperv-guest"
for m in hv_vmbus hv_storvsc hv_sim; do
	cp "$BUILDDIR/$KREL/kernel/$m.ko" "$root/lib/modules/$KREL/updates/hyperv-guest/" ||
		fail "$m.ko was not built"
done
depmod -b "$root" "$KREL" || fail "depmod"
make -s -C "$HVG_SRC/initrd-hooks" install DESTDIR="$root" PREFIX=/usr >>"$log" 2>&1 ||
	fail "installing the initrd hooks"

# The simulated host: hv_sim is the hypervisor here, so the initramfs loads
# it (with the QEMU disk as the synthetic disk) as firmware would exist;
# hv_storvsc is left to the hook and udev, as on Hyper-V.
cat >"$root/etc/modprobe.d/hv_sim.conf" <<'EOF'
options hv_sim devices=scsi boot_disk=/dev/vda
EOF
printf 'virtio_pci\nvirtio_blk\nhv_sim\n' >>"$root/etc/initramfs-tools/modules"
cat >"$root/etc/fstab" <<'EOF'
/dev/sda1 / ext4 errors=remount-ro 0 1
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
initrd=$root/boot/initrd.img-$KREL
lsinitramfs "$initrd" >"$out/initramfs.list" || fail "lsinitramfs"
for m in hv_vmbus hv_storvsc hv_sim; do
	grep -q "/updates/hyperv-guest/$m.ko" "$out/initramfs.list" ||
		fail "the initramfs lacks our $m (see $out/initramfs.list)"
done
cp "$initrd" "$out/initrd.img"

# The disk: an MBR with one Linux partition from 1 MiB, the file system
# written into it by mke2fs from the tree.
img=$out/disk.img
truncate -s 2G "$img"
echo 'start=2048, type=83' | sfdisk -q "$img" >>"$log" 2>&1 || fail "sfdisk"
mke2fs -q -t ext4 -d "$root" -E offset=$((2048 * 512)) -F "$img" $(((2048 - 1) * 1024))k \
	>>"$log" 2>&1 || fail "mke2fs -d (see $log)"
rm -rf "$root"

console=$out/console.log
: >"$console"
timeout=300
qemu-system-x86_64 -machine q35 -accel tcg -cpu max -smp 2 -m 1024 \
	-nodefaults -display none -monitor none -no-reboot \
	-serial "file:$console" -kernel "$KIMAGE" -initrd "$out/initrd.img" \
	-append "console=ttyS0 root=/dev/sda1 ro panic=-1" \
	-drive "file=$img,if=virtio,format=raw,discard=unmap" \
	</dev/null >"$out/qemu.log" 2>&1 &
qemu=$!
start=$(date +%s)
while kill -0 $qemu 2>/dev/null && [ $(($(date +%s) - start)) -lt $timeout ]; do
	grep -q 'login:' "$console" && grep -q 'hvg-boot: root' "$console" && break
	sleep 1
done
secs=$(($(date +%s) - start))
kill $qemu 2>/dev/null
wait $qemu 2>/dev/null
sed -i 's/\r$//' "$console"
rm -f "$img"

splat=$(grep -E -m1 "$(cat "$HVG_SRC/tests/vm/splat-regex")" "$console")
[ -z "$splat" ] || fail "kernel reported: $splat (see $console)"
report=$(sed -n 's/.*hvg-boot: //p' "$console" | head -1)
grep -q 'login:' "$console" ||
	fail "no login prompt after ${secs}s (see $console): $(grep -E 'ALERT|Gave up|not exist|emergency' "$console" | head -2 | tr '\n' ' ')"
case "$report" in
"root /dev/sda1 on Msft VirtualDisk driver hv_storvsc modules "*hv_sim,*hv_storvsc,*hv_vmbus,*) ;;
*) fail "the system came up, but reports: '${report:-nothing}' (see $console)" ;;
esac
echo "boot on $kernel: login prompt after ${secs}s; $report" >"$out/result"
echo "PASS boot on $kernel"
