# kernels: 6.1 6.12 debug
# timeout: 500
# hv_storvsc against hv_sim's storage host: two SCSI controllers with RAM
# disks (512-byte and 4 KiB sectors, thin and thick, one disk shared by
# both controllers). The disks appear as Msft Virtual Disks; ext4 and XFS
# are made, written, checked clean and read back; fstrim reaches the
# host as UNMAP; fio's crc32c verify passes with I/O spread over the
# primary channel and a sub-channel; SCSI-3 reservations from one
# controller make the other's writes fail with RESERVATION CONFLICT
# until released; a LUN added and removed on the host appears and goes
# in the guest; a disk the host grows shows its new size; a MEDIUM ERROR reaches the reader as an I/O error and the
# disk goes on working; the host counted no protocol violation; unload.

sim=/sys/kernel/debug/hv_sim
st=$sim/storage
# Stock kernels have the SCSI midlayer as modules (insmod loads no
# dependencies); the debug kernel has it built in.
for m in scsi_mod scsi_transport_fc sd_mod sg; do
	modprobe -q "$m" 2>/dev/null
done
[ -d /sys/bus/scsi ] || hvg_fail "no SCSI midlayer in this kernel"

hvg_insmod hv_vmbus
hvg_insmod hv_sim devices=scsi,scsi
hvg_check "two SCSI controllers offered" \
	hvg_wait_for 10 sh -c "[ \$(grep -lx scsi $sim/channels/*/type | wc -l) = 2 ]"
set -- $(grep -lx scsi $sim/channels/*/type | sed 's#.*/channels/\([0-9]*\)/type#\1#' | sort -n)
ra=$1 rb=$2

ctl() { echo "$*" >$st/ctl || hvg_fail "storage ctl: $*"; }
ctl disk d0 64 thin wce
ctl disk d1 400 bs=4096 thin
ctl disk shared 16
ctl attach relid:$ra 0 0 d0
ctl attach relid:$ra 0 1 d1
ctl attach relid:$ra 0 2 shared
ctl attach relid:$rb 0 0 shared
cat $st/state

# One sub-channel per vCPU beyond the first (2 vCPUs: one), as upstream.
hvg_insmod hv_storvsc
hvg_check "four disks appear" hvg_wait_for 30 hvg_disks_ready 4
lsblk -o NAME,HCTL,SIZE,LOG-SEC,DISC-MAX,VENDOR,MODEL
cat $st/state

# disk_of SIZE_BYTES HOSTNUM_OR_ANY: the sd name of the disk of that size.
disk_of() {
	local b
	for b in /sys/block/sd*; do
		[ "$(($(cat "$b/size") * 512))" = "$1" ] || continue
		if [ -n "${2:-}" ]; then
			case "$(readlink -f "$b/device")" in
			*/target$2:*) ;;
			*) continue ;;
			esac
		fi
		basename "$b"
	done | head -1
}
d0=$(disk_of $((64 << 20)))
d1=$(disk_of $((400 << 20)))
[ -n "$d0" ] && [ -n "$d1" ] || hvg_fail "disks by size: d0='$d0' d1='$d1'"
hvg_check "$d0 is a Msft Virtual Disk" \
	test "$(cat /sys/block/$d0/device/vendor | tr -d ' ') $(cat /sys/block/$d0/device/model | tr -d ' ')" = "Msft VirtualDisk"
hvg_check "$d1 has 4 KiB logical blocks" test "$(cat /sys/block/$d1/queue/logical_block_size)" = 4096
hvg_check "$d0 discards (thin: UNMAP found through the VPD pages)" \
	test "$(cat /sys/block/$d0/queue/discard_max_bytes)" -gt 0

# ext4 on the 512-byte disk: make, write, check clean, read back.
mkdir -p /mnt/a /mnt/b
hvg_check "mkfs.ext4 on $d0" mkfs.ext4 -q -F /dev/$d0
hvg_check "mount $d0" mount /dev/$d0 /mnt/a
dd if=/dev/urandom of=/mnt/a/data bs=1M count=8 status=none
sum=$(sha256sum </mnt/a/data)
hvg_check "fstrim on $d0" fstrim -v /mnt/a
hvg_check "umount $d0" umount /mnt/a
hvg_check "fsck.ext4 finds $d0 clean" fsck.ext4 -fn /dev/$d0
mount -o ro /dev/$d0 /mnt/a || hvg_fail "remount $d0"
hvg_check "the data read back from $d0 is what was written" \
	test "$(sha256sum </mnt/a/data)" = "$sum"
umount /mnt/a
hvg_check "the host saw UNMAP from fstrim" \
	sh -c "grep '^disk d0:' $st/state | grep -Eq 'unmaps[ =:]*[1-9]'"

# XFS on the 4 KiB-sector disk, where the kernel has XFS (the debug
# kernel does not: ext4 there, so the 4 KiB path is still exercised).
if grep -qw xfs /proc/filesystems || modprobe -q xfs 2>/dev/null; then
	fs=xfs
	hvg_check "mkfs.xfs on $d1" mkfs.xfs -q -f /dev/$d1
else
	fs=ext4
	echo "no XFS in this kernel: ext4 on the 4 KiB-sector disk instead"
	hvg_check "mkfs.ext4 on $d1 (4 KiB sectors)" mkfs.ext4 -q -F /dev/$d1
fi
hvg_check "mount $d1" mount /dev/$d1 /mnt/b
cp /bin/busybox /mnt/b/bb || hvg_fail "write to $d1"
hvg_check "umount $d1" umount /mnt/b
if [ $fs = xfs ]; then
	hvg_check "xfs_repair -n finds $d1 clean" xfs_repair -n /dev/$d1
else
	hvg_check "fsck.ext4 finds $d1 clean" fsck.ext4 -fn /dev/$d1
fi
mount -o ro /dev/$d1 /mnt/b || hvg_fail "remount $d1"
hvg_check "the file read back from $d1 is what was written" cmp /bin/busybox /mnt/b/bb
umount /mnt/b

# fio: random writes, verified with crc32c, over both channels.
# Controller A's sub-channel: its device's channels other than the primary.
dev_a=$(dirname "$(grep -lx "$ra" /sys/bus/vmbus/devices/*/id)")
sub=$(ls "$dev_a/channels" | grep -vx "$ra" | head -1)
[ -n "$sub" ] || hvg_fail "no storage sub-channel was offered"
before=$(cat $sim/channels/$sub/packets_in)
hvg_check "fio randwrite with crc32c verify on $d0" \
	fio --name=verify --filename=/dev/$d0 --allow_file_create=0 --rw=randwrite --bs=4k --size=16M \
		--ioengine=psync --numjobs=2 --offset_increment=16M --direct=1 --verify=crc32c \
		--verify_fatal=1 --cpus_allowed_policy=split --cpus_allowed=0-1 \
		--output=/tmp/fio.out
tail -5 /tmp/fio.out
cat /sys/kernel/debug/hv_storvsc/*/info
for c in "$dev_a"/channels/*; do
	echo "channel $(basename "$c"): cpu $(cat "$c/cpu"), host took $(cat $sim/channels/$(basename "$c")/packets_in) packets"
done
echo "sub-channel $sub: $before packets before fio"
hvg_check "the sub-channel (relid $sub) carried requests" \
	test "$(cat $sim/channels/$sub/packets_in)" -gt "$((before + 100))"

# SCSI-3 persistent reservations on the shared disk: controller A holds a
# write-exclusive reservation; B may read but not write.
sa=$(disk_of $((16 << 20)))
sb=$(for b in /sys/block/sd*; do
	[ "$(($(cat "$b/size") * 512))" = $((16 << 20)) ] && basename "$b"
done | grep -vx "$sa" | head -1)
[ -n "$sa" ] && [ -n "$sb" ] || hvg_fail "the shared disk on both controllers: '$sa' '$sb'"
hvg_check "A registers key 0xa1" sg_persist -n --out --register --param-sark=0xa1 /dev/$sa
hvg_check "B registers key 0xb2" sg_persist -n --out --register --param-sark=0xb2 /dev/$sb
hvg_check "A reserves (write exclusive)" \
	sg_persist -n --out --reserve --param-rk=0xa1 --prout-type=1 /dev/$sa
sg_persist -n --in --read-keys /dev/$sb >/tmp/keys 2>&1
cat /tmp/keys
hvg_check "B reads both keys" sh -c "grep -q 0xa1 /tmp/keys && grep -q 0xb2 /tmp/keys"
sg_persist -n --in --read-reservation /dev/$sb >/tmp/resv 2>&1
cat /tmp/resv
hvg_check "B sees A's reservation" grep -qi "write exclusive" /tmp/resv
hvg_check "B can read the reserved disk" \
	dd if=/dev/$sb of=/dev/null bs=4k count=4 iflag=direct status=none
sg_raw -v -s 512 -i /dev/zero /dev/$sb 2a 00 00 00 00 10 00 00 01 00 >/tmp/raw 2>&1
cat /tmp/raw
hvg_check "B's WRITE gets RESERVATION CONFLICT" grep -qi "reservation conflict" /tmp/raw
hvg_check "A's WRITE goes through" \
	sg_raw -s 512 -i /dev/zero /dev/$sa 2a 00 00 00 00 10 00 00 01 00
hvg_check "A releases" \
	sg_persist -n --out --release --param-rk=0xa1 --prout-type=1 /dev/$sa
hvg_check "then B's WRITE goes through" \
	sg_raw -s 512 -i /dev/zero /dev/$sb 2a 00 00 00 00 10 00 00 01 00
hvg_check "A clears every registration" \
	sg_persist -n --out --clear --param-rk=0xa1 /dev/$sa

# A LUN added on the host appears; removed, it goes; meanwhile fio's
# verify on another LUN of the same controller stays clean.
fio --name=during --filename=/dev/$d0 --allow_file_create=0 --rw=randwrite --bs=4k --size=8M \
	--ioengine=libaio --iodepth=8 --direct=1 --verify=crc32c --verify_fatal=1 \
	--time_based --runtime=20 --verify_backlog=64 --output=/tmp/fio3.out &
fio_pid=$!
ctl disk hot 8
ctl attach relid:$ra 1 0 hot
hvg_check "the hot-added LUN appears (under fio on $d0)" \
	hvg_wait_for 30 sh -c "[ -n \"\$(lsblk -dno HCTL | grep ':0:1:0\$')\" ]"
ctl detach relid:$ra 1 0
hvg_check "the removed LUN goes (under fio on $d0)" \
	hvg_wait_for 30 sh -c "[ -z \"\$(lsblk -dno HCTL | grep ':0:1:0\$')\" ]"
hvg_check "fio's verify on $d0 stayed clean through the hot add and remove" wait $fio_pid
tail -3 /tmp/fio3.out

# The host grows a disk: the guest's next command gets UNIT ATTENTION
# CAPACITY DATA HAS CHANGED, the driver rescans the LUN, and the new size
# shows without anything done in the guest.
ctl resize d1 480
dd if=/dev/$d1 of=/dev/null bs=4k count=1 iflag=direct status=none
hvg_check "$d1 grows to 480 MiB after the host's UNIT ATTENTION" \
	hvg_wait_for 15 sh -c "[ \$(cat /sys/block/$d1/size) = $((480 << 11)) ]"
hvg_check "the guest logged the capacity change" \
	hvg_dmesg_has "\\[$d1\\].*/480 MiB|$d1: detected capacity change"

# A MEDIUM ERROR on one READ reaches the reader; the disk goes on.
ctl fail d0 0x28 1 3 0x11 0
if dd if=/dev/$d0 of=/dev/null bs=4k count=1 skip=1000 iflag=direct status=none 2>/tmp/dd.err; then
	hvg_fail "a READ the host failed with MEDIUM ERROR succeeded"
fi
cat /tmp/dd.err
hvg_check "the guest logged the medium error" hvg_dmesg_has "Medium Error"
hvg_check "the next READ succeeds" \
	dd if=/dev/$d0 of=/dev/null bs=4k count=1 skip=1000 iflag=direct status=none

# A completion that never comes: after its timer ran out three times
# (2 s here) the guest resets the bus, the host answers what it held,
# and the midlayer's retry succeeds.
echo 2 >/sys/block/$d0/device/timeout
ctl fault relid:$ra drop=1
hvg_check "a READ the host never answered is retried after a bus reset" \
	dd if=/dev/$d0 of=/dev/null bs=4k count=1 skip=2000 iflag=direct status=none
hvg_check "the guest reset the bus" hvg_dmesg_has "resetting the bus"
hvg_check "the host saw the reset" \
	sh -c "grep '^ctrl 0 ' $st/state | grep -Eq 'resets [1-9]'"
echo 180 >/sys/block/$d0/device/timeout

# Completions late and out of order, duplicated, with an id never used,
# or with lengths past the request's: fio's verify stays clean and the
# guest says what it dropped.
ctl fault relid:$ra delay=20 reorder=3 dup=2 bogus=2 badlen=2
hvg_check "fio verify through late, reordered and bad completions" \
	fio --name=faults --filename=/dev/$d0 --allow_file_create=0 --rw=randwrite --bs=4k --size=4M \
		--ioengine=psync --iodepth=1 --numjobs=2 --offset_increment=4M \
		--direct=1 --verify=crc32c --verify_fatal=1 --output=/tmp/fio2.out
ctl fault relid:$ra delay=0 reorder=0
tail -3 /tmp/fio2.out
hvg_dmesg | grep hv_storvsc | grep -v tainting | tail -8
hvg_check "the guest refused the duplicate and invented ids" \
	hvg_dmesg_has "no such command at the host"
hvg_check "the guest clamped the lengths past the request" hvg_dmesg_has "clamped"

cat $st/state
hvg_check "the host saw no protocol violation" test "$(cat $sim/violations)" = 0
hvg_rmmod hv_storvsc
hvg_check "the disks are gone" sh -c "! ls -d /sys/block/sd* 2>/dev/null"
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
hvg_pass
