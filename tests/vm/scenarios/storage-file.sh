# kernels: 6.12 debug
# kernels-long: 6.1
# timeout: 400
# hv_sim's storage host with disks over files, as a Hyper-V host puts a
# VHDX or a pass-through disk behind the synthetic controller: the boot's
# blank QEMU disk (virtio, /dev/vda) given with hv_sim's boot_disk=
# parameter, and an image file. ext4 made through hv_storvsc lands on the
# QEMU disk (read back from /dev/vda without hv_sim), fstrim reaches the
# file as UNMAP, fio's verify passes on a 4 KiB-sector image, a file whose
# file system fills up gives the writer a MEDIUM ERROR and the disk goes
# on reading, the disk comes back with its data after hv_sim is loaded
# again, a disk can start at an offset into its file, and what is not a
# file or a block device is refused.

sim=/sys/kernel/debug/hv_sim
st=$sim/storage
for m in scsi_mod scsi_transport_fc sd_mod sg virtio_blk; do
	modprobe -q "$m" 2>/dev/null
done
hvg_wait_for 10 test -b /dev/vda || hvg_fail "no QEMU disk at /dev/vda"
vda_sectors=$(cat /sys/block/vda/size)

hvg_insmod hv_vmbus
hvg_check "boot_disk= naming no file: hv_sim refuses to load" \
	sh -c "! insmod $HVG_MODDIR/hv_sim.ko devices=scsi boot_disk=/nonexistent"
hvg_check "and says why" hvg_dmesg_has "boot_disk=/nonexistent: cannot present it"
hvg_insmod hv_sim devices=scsi boot_disk=/dev/vda
relid=$(hvg_sim_controller scsi) || hvg_fail "no SCSI controller"
ctl() { echo "$*" >$st/ctl || hvg_fail "storage ctl: $*"; }

img=/tmp/disk.img
truncate -s 64M $img
ctl file img $img bs=4096 thin
hvg_check "a character device is refused as a disk" sh -c "! echo 'file bad /dev/null' >$st/ctl"
hvg_check "a missing file is refused" sh -c "! echo 'file bad /nonexistent' >$st/ctl"
hvg_check "an offset that is not a whole number of blocks is refused" \
	sh -c "! echo 'file bad $img offset=1000' >$st/ctl"
# The same image from 1 MiB on, read-only: a disk behind a header.
ctl file imgoff $img offset=1048576 bs=4096 ro
hvg_check "a file disk cannot be resized from the host's side" \
	sh -c "! echo 'resize img 128' >$st/ctl"
mkdir -p /mnt/small /mnt/a
mount -t tmpfs -o size=2M tmpfs /mnt/small || hvg_fail "tmpfs"
truncate -s 16M /mnt/small/img
ctl file small /mnt/small/img
ctl attach relid:$relid 0 1 img
ctl attach relid:$relid 0 2 small
ctl attach relid:$relid 0 3 imgoff
cat $st/state

hvg_insmod hv_storvsc
hvg_check "four disks appear" hvg_wait_for 30 hvg_disks_ready 4
lsblk -o NAME,HCTL,SIZE,LOG-SEC,DISC-MAX,VENDOR,MODEL
# lun_disk N: the sd name of LUN N of target 0.
lun_disk() {
	local b
	for b in /sys/block/sd*; do
		case "$(basename "$(readlink -f "$b/device")")" in
		*:0:0:$1) basename "$b" ;;
		esac
	done
}
boot=$(lun_disk 0) disk=$(lun_disk 1) small=$(lun_disk 2) off=$(lun_disk 3)
[ -n "$boot" ] && [ -n "$disk" ] && [ -n "$small" ] && [ -n "$off" ] ||
	hvg_fail "disks by LUN: boot='$boot' img='$disk' small='$small' imgoff='$off'"
hvg_check "the boot disk (LUN 0) is as large as the QEMU disk" \
	test "$(cat /sys/block/$boot/size)" = "$vda_sectors"
hvg_check "the image disk has 64 MiB in 4 KiB blocks" \
	test "$(cat /sys/block/$disk/size):$(cat /sys/block/$disk/queue/logical_block_size)" = "131072:4096"

# ext4 through hv_storvsc onto the QEMU disk.
hvg_check "mkfs.ext4 on $boot" mkfs.ext4 -q -F /dev/$boot
hvg_check "mount $boot" mount /dev/$boot /mnt/a
dd if=/dev/urandom of=/mnt/a/data bs=1M count=8 status=none
sum=$(sha256sum </mnt/a/data)
dd if=/dev/urandom of=/mnt/a/junk bs=1M count=16 status=none
rm /mnt/a/junk
hvg_check "umount $boot" umount /mnt/a
hvg_check "fsck.ext4 finds $boot clean" fsck.ext4 -fn /dev/$boot

# The image disk: fio's crc32c verify; then bytes written through the
# guest's disk are the file's bytes at the same offset.
hvg_check "fio randwrite with crc32c verify on $disk (an image file)" \
	fio --name=verify --filename=/dev/$disk --allow_file_create=0 --rw=randwrite --bs=4k \
		--size=16M --ioengine=libaio --iodepth=16 --direct=1 --verify=crc32c \
		--verify_fatal=1 --output=/tmp/fio.out
tail -3 /tmp/fio.out
dd if=/dev/urandom of=/tmp/pattern bs=64k count=4 status=none
dd if=/tmp/pattern of=/dev/$disk bs=64k seek=32 oflag=direct status=none ||
	hvg_fail "write to $disk"
hvg_check "the image file holds what was written to $disk, at its offset" \
	sh -c "dd if=$img bs=64k skip=32 count=4 status=none | cmp - /tmp/pattern"
hvg_check "the disk over the image from 1 MiB on is 63 MiB" \
	test "$(cat /sys/block/$off/size)" = $((63 << 11))
hvg_check "and reads the same bytes 1 MiB earlier" \
	sh -c "dd if=/dev/$off bs=64k skip=16 count=4 iflag=direct status=none | cmp - /tmp/pattern"
hvg_check "it was presented read-only (MODE SENSE: write protected)" \
	test "$(cat /sys/block/$off/ro)" = 1
hvg_check "and a write to it fails" \
	sh -c "! dd if=/dev/zero of=/dev/$off bs=4k count=1 oflag=direct status=none 2>/dev/null"

# A file on a full file system: MEDIUM ERROR to the writer, reads go on.
hvg_check "a write that finds the file's file system full fails" \
	sh -c "! dd if=/dev/urandom of=/dev/$small bs=1M count=4 oflag=direct status=none"
medium_error_seen() {
	hvg_dmesg | grep -q 'Sense Key : Medium Error' &&
		hvg_dmesg | grep -q 'Add. Sense: Write error'
}
hvg_check "the guest was told MEDIUM ERROR, WRITE ERROR" medium_error_seen
hvg_check "and $small still reads" \
	dd if=/dev/$small of=/dev/null bs=4k count=16 iflag=direct status=none

# fstrim on the QEMU disk's ext4 reaches the host as UNMAP, then the data
# is read from /dev/vda itself, with hv_storvsc gone.
unmaps() { sed -n 's/^disk boot:.* unmaps \([0-9]*\) .*/\1/p' $st/state; }
mount /dev/$boot /mnt/a || hvg_fail "remount $boot"
before=$(unmaps)
hvg_check "fstrim on $boot" fstrim /mnt/a
umount /mnt/a
hvg_check "the host punched the trimmed ranges out of the QEMU disk ($before UNMAPs before)" \
	test "$(unmaps)" -gt "${before:-0}"
hvg_check "the host saw no protocol violation" test "$(cat $sim/violations)" = 0
hvg_rmmod hv_storvsc
hvg_check "the file written through hv_storvsc is on the QEMU disk" \
	sh -c "debugfs -R 'cat /data' /dev/vda 2>/dev/null | sha256sum | grep -qx '$sum'"

# hv_sim loaded again over the same QEMU disk: the file system is there.
hvg_rmmod hv_sim
hvg_check "hv_sim let go of the image on tmpfs (it unmounts)" umount /mnt/small
hvg_insmod hv_sim devices=scsi boot_disk=/dev/vda
hvg_insmod hv_storvsc
hvg_check "the boot disk comes back" hvg_wait_for 30 hvg_disks_ready 1
boot=$(lun_disk 0)
mount -o ro /dev/$boot /mnt/a || hvg_fail "mount $boot again"
hvg_check "with the data" test "$(sha256sum </mnt/a/data)" = "$sum"
umount /mnt/a
hvg_rmmod hv_storvsc
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
rm -f $img /tmp/pattern
hvg_pass
