# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers to build guest roots on real filesystem images. Sourced by the
# fixture scripts and the suites; needs root (losetup, mount).
#
# Disks are image files with a real partition table (sfdisk). Each partition
# is attached as its own loop device at the partition's offset, which is how
# an offline image is mounted where loop partition nodes are unavailable;
# hv-migrate finds the disk again from the loop device's backing file and
# offset. Everything attached or mounted is recorded and undone by fx_cleanup,
# which the caller runs from a trap.

FX_LOOPS=()
FX_MOUNTS=()

fx_die() {
	echo "fixture: $*" >&2
	exit 1
}

fx_need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || fx_die "missing tool: $t"
	done
}

fx_cleanup() {
	local i
	for ((i = ${#FX_MOUNTS[@]} - 1; i >= 0; i--)); do
		umount "${FX_MOUNTS[i]}" 2>/dev/null || umount -l "${FX_MOUNTS[i]}" 2>/dev/null
	done
	for ((i = ${#FX_LOOPS[@]} - 1; i >= 0; i--)); do
		losetup -d "${FX_LOOPS[i]}" 2>/dev/null
	done
	FX_MOUNTS=()
	FX_LOOPS=()
}

# fx_disk FILE SIZE_MB SFDISK_SCRIPT: an image with a partition table
fx_disk() {
	rm -f "$1"
	truncate -s "$2M" "$1" || fx_die "truncate $1"
	printf '%b' "$3" | sfdisk -q --no-reread --no-tell-kernel "$1" >/dev/null ||
		fx_die "sfdisk $1"
}

# fx_attach FILE [PARTNO]: attach a partition (or the whole file) as a loop
# device; prints the device. Callers use fx_attach_var to keep FX_LOOPS.
fx_attach_var() {
	local _av_var=$1 _av_file=$2 _av_part=${3:-0} _av_start _av_sectors _av_dev
	if [ "$_av_part" -gt 0 ]; then
		read -r _av_start _av_sectors < <(partx -g -o START,SECTORS -n "$_av_part" "$_av_file") ||
			fx_die "partx $_av_file $_av_part"
		_av_dev=$(losetup -f --show -o $((_av_start * 512)) --sizelimit $((_av_sectors * 512)) "$_av_file") ||
			fx_die "losetup $_av_file part $_av_part"
	else
		_av_dev=$(losetup -f --show "$_av_file") || fx_die "losetup $_av_file"
	fi
	FX_LOOPS+=("$_av_dev")
	printf -v "$_av_var" '%s' "$_av_dev"
}

# fx_mkfs_var VAR FILE PARTNO TYPE [mkfs options...]: make a filesystem on a
# partition; VAR receives the loop device, which stays attached.
fx_mkfs_var() {
	local _mk_v=$1 _mk_f=$2 _mk_p=$3 _mk_t=$4 _mk_dev
	shift 4
	fx_attach_var _mk_dev "$_mk_f" "$_mk_p"
	[ -n "$_mk_dev" ] || fx_die "attach $_mk_f $_mk_p"
	case $_mk_t in
	ext2 | ext3 | ext4) mkfs."$_mk_t" -q -F "$@" "$_mk_dev" >/dev/null 2>&1 ;;
	xfs) mkfs.xfs -q -f "$@" "$_mk_dev" >/dev/null 2>&1 ;;
	btrfs) mkfs.btrfs -q -f "$@" "$_mk_dev" >/dev/null 2>&1 ;;
	swap) mkswap "$@" "$_mk_dev" >/dev/null 2>&1 ;;
	vfat) mkfs.vfat "$@" "$_mk_dev" >/dev/null 2>&1 ;;
	luks) echo -n fixture-passphrase | cryptsetup luksFormat -q --type luks2 \
		--pbkdf pbkdf2 --pbkdf-force-iterations 1000 "$@" "$_mk_dev" - >/dev/null 2>&1 ;;
	lvmpv) pvcreate -q -ff -y --devices "$_mk_dev" "$_mk_dev" >/dev/null 2>&1 ||
		pvcreate -q -ff -y "$_mk_dev" >/dev/null 2>&1 ;;
	*) fx_die "unknown filesystem type $_mk_t" ;;
	esac || fx_die "mkfs $_mk_t on $_mk_dev"
	printf -v "$_mk_v" '%s' "$_mk_dev"
}

fx_mount() {
	mkdir -p "$2"
	mount ${3:+-o "$3"} "$1" "$2" || fx_die "mount $1 $2"
	FX_MOUNTS+=("$2")
}

# The filesystem's identifiers as the blkid command sees them (a second
# opinion, independent of the code under test).
fx_uuid() { blkid -p -s UUID -o value "$1"; }
fx_partuuid() { blkid -p -s PART_ENTRY_UUID -o value "$1"; }

# fx_write ROOT PATH: write stdin to ROOT/PATH, creating directories
fx_write() {
	mkdir -p "$(dirname "$1/$2")"
	cat >"$1/$2"
}

# fx_kernel ROOT KVER HAS_HV: an installed kernel whose modules.dep does or
# does not list the Hyper-V drivers
fx_kernel() {
	local root=$1 kver=$2 hv=$3 d=$1/lib/modules/$2
	mkdir -p "$d/kernel/drivers/scsi" "$root/boot"
	echo "fake kernel $kver" >"$root/boot/vmlinuz-$kver"
	{
		echo "kernel/drivers/scsi/sd_mod.ko:"
		if [ "$hv" = yes ]; then
			echo "kernel/drivers/hv/hv_vmbus.ko.xz:"
			echo "kernel/drivers/scsi/hv_storvsc.ko.xz: kernel/drivers/hv/hv_vmbus.ko.xz"
			echo "kernel/drivers/net/hyperv/hv_netvsc.ko.xz: kernel/drivers/hv/hv_vmbus.ko.xz"
		fi
	} >"$d/modules.dep"
	: >"$d/modules.builtin"
}

# fx_initrd ROOT IMAGE COMPRESSOR MODULE...: a real newc cpio initramfs
# holding the named modules (and an early microcode archive in front, as
# dracut makes them)
fx_initrd() {
	local root=$1 image=$2 comp=$3 tmp m
	shift 3
	tmp=$(mktemp -d)
	mkdir -p "$tmp/early/kernel/x86/microcode" "$tmp/main/usr/lib/modules" "$tmp/main/bin"
	echo microcode >"$tmp/early/kernel/x86/microcode/GenuineIntel.bin"
	echo init >"$tmp/main/init"
	for m in "$@"; do
		mkdir -p "$tmp/main/usr/lib/modules/k/kernel/drivers"
		echo "module $m" >"$tmp/main/usr/lib/modules/k/kernel/drivers/$m.ko.xz"
	done
	mkdir -p "$(dirname "$root/$image")"
	(cd "$tmp/early" && find . | cpio -o -H newc --quiet) >"$root/$image"
	(cd "$tmp/main" && find . | cpio -o -H newc --quiet | $comp) >>"$root/$image"
	rm -rf "$tmp"
}

# fx_fake_tool ROOT PATH: install a stand-in initramfs builder inside the
# guest: a static busybox runs it in the chroot. It records its arguments
# and writes a real cpio holding the modules it was asked for (dracut's
# --add-drivers, mkinitrd's --preload/--with, SUSE's INITRD_MODULES,
# initramfs-tools' modules file), so the test sees what the guest's tool was
# told, not what hv-migrate claims.
fx_fake_tool() {
	local root=$1 path=$2
	mkdir -p "$root/bin" "$root/tmp" "$root/var/log" "$root/dev" "$root/proc" "$root/sys"
	[ -e "$root/bin/busybox" ] || cp "$(command -v busybox)" "$root/bin/busybox"
	ln -sf busybox "$root/bin/sh"
	mkdir -p "$(dirname "$root/$path")"
	cat >"$root/$path" <<'EOF'
#!/bin/sh
# stand-in for an initramfs builder, see tests/migrate/lib.sh
export PATH=/bin
bb=/bin/busybox
echo "$0 $*" >>/var/log/initramfs-tool.args
mods=""
image=""
kver=""
case "$0" in
*dracut)
	while [ $# -gt 0 ]; do
		case "$1" in
		--add-drivers) mods="$mods $2"; shift ;;
		-*) ;;
		*) if [ -z "$image" ]; then image=$1; else kver=$1; fi ;;
		esac
		shift
	done ;;
*update-initramfs)
	while [ $# -gt 0 ]; do
		case "$1" in -k) kver=$2; shift ;; esac
		shift
	done
	image=/boot/initrd.img-$kver
	mods=$($bb sed -e 's/#.*//' /etc/initramfs-tools/modules) ;;
*mkinitrd)
	if [ -f /etc/sysconfig/kernel ]; then
		while [ $# -gt 0 ]; do
			case "$1" in -i) image=$2; shift ;; -k) kver=$2; shift ;; esac
			shift
		done
		. /etc/sysconfig/kernel
		mods=$INITRD_MODULES
	else
		while [ $# -gt 0 ]; do
			case "$1" in
			--preload=*|--with=*) mods="$mods ${1#*=}" ;;
			-*) ;;
			*) if [ -z "$image" ]; then image=$1; else kver=$1; fi ;;
			esac
			shift
		done
	fi ;;
esac
[ -n "$image" ] || exit 2
t=/tmp/fake-initramfs.$$
$bb rm -rf $t
$bb mkdir -p $t/lib/modules
for m in $mods; do echo "$m" >$t/lib/modules/$m.ko; done
(cd $t && $bb find . | $bb cpio -o -H newc) | $bb gzip >"$image" || exit 3
$bb rm -rf $t
EOF
	chmod 0755 "$root/$path"
}
