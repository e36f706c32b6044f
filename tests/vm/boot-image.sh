#!/bin/bash
# Build (once) and locate the Debian root file system the boot test puts
# on a synthetic disk.
#
#   boot-image.sh build   debootstrap it unless the cache already holds it
#   boot-image.sh dir     print the cached tree (fails if absent)
#
# A minimal Debian 12 (bookworm) with systemd, udev and initramfs-tools,
# from deb.debian.org, cached outside the work tree under $HVG_CACHE
# (default /var/cache/hyperv-guest) as the debug kernel is, keyed by the
# suite, the package list and recipe_version below (bump it when a change
# here changes what gets built). Kernels, modules and initramfs are not in
# it: tests/vm/boot-test.sh adds them to a copy, for the kernel under test.
set -euo pipefail

cache=${HVG_CACHE:-/var/cache/hyperv-guest}
suite=bookworm
mirror=${HVG_DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=systemd-sysv,udev,kmod,initramfs-tools,e2fsprogs,util-linux,procps
recipe_version=1
key=$(echo "$suite $packages recipe $recipe_version" | sha256sum | cut -c1-12)
tree=$cache/boot-image/$suite-$key
stamp=$tree/.hvg-built

die() { echo "boot-image: $*" >&2; exit 1; }

case "${1:-}" in
dir)
	[ -e "$stamp" ] || die "not built yet: run '$0 build'"
	echo "$tree/root"
	exit 0
	;;
build) ;;
*) die "usage: $0 build|dir" ;;
esac

if [ -e "$stamp" ]; then
	echo "boot image cached: $tree/root"
	exit 0
fi
command -v debootstrap >/dev/null || die "debootstrap missing (apt-get install debootstrap)"
[ "$(id -u)" = 0 ] || die "debootstrap needs root"

rm -rf "$tree"
mkdir -p "$tree"
echo "boot image: debootstrap $suite ($packages) into $tree/root"
if ! debootstrap --variant=minbase --include="$packages" "$suite" "$tree/root" \
	"$mirror" >"$tree/debootstrap.log" 2>&1; then
	tail -20 "$tree/debootstrap.log" >&2
	die "debootstrap failed (log: $tree/debootstrap.log)"
fi
root=$tree/root
echo hvg-boot >"$root/etc/hostname"
# Root may log in on the serial console without a password: it is a test
# image that never leaves this machine's VMs.
chroot "$root" passwd -d root >/dev/null
# No package cache in the image: it is copied for every boot test.
chroot "$root" apt-get clean
rm -rf "$root/var/lib/apt/lists"/*
touch "$stamp"
echo "boot image built: $root ($(du -sh "$root" | cut -f1))"
