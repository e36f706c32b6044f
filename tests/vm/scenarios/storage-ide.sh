# kernels: 6.1 6.12 debug
# timeout: 200
# A Generation 1 VM's disks on a Windows Server 2012 R2 host: hv_sim
# offers two IDE-class devices (one disk each, as Hyper-V offers the
# disks of its emulated IDE controllers to the synthetic driver) and
# speaks VSTOR up to 6.0, so the guest's 6.2 is refused and 6.0 agreed;
# hv_storvsc binds the IDE class, adds each
# disk at the target its instance GUID names (bytes 4 and 5, as upstream)
# without scanning, asks for no sub-channel, and the disks take a
# filesystem.

sim=/sys/kernel/debug/hv_sim
st=$sim/storage
for m in scsi_mod scsi_transport_fc sd_mod; do
	modprobe -q "$m" 2>/dev/null
done
hvg_insmod hv_vmbus
hvg_insmod hv_sim gen=1 host=2012r2 devices=ide,ide
hvg_check "two IDE devices offered" \
	hvg_wait_for 10 sh -c "[ \$(grep -lx ide $sim/channels/*/type | wc -l) = 2 ]"
ctl() { echo "$*" >$st/ctl || hvg_fail "storage ctl: $*"; }
ctl disk boot 48
ctl disk data 24
set -- $(grep -lx ide $sim/channels/*/type | sed 's#.*/channels/\([0-9]*\)/type#\1#' | sort -n)
ctl attach relid:$1 0 0 boot
ctl attach relid:$2 0 0 data
hvg_insmod hv_storvsc
hvg_check "both IDE disks appear" hvg_wait_for 30 hvg_disks_ready 2
lsblk -o NAME,HCTL,SIZE,VENDOR,MODEL
cat $st/state
for b in /sys/block/sd*; do
	hctl=$(basename "$(readlink -f "$b/device")")
	echo "$(basename "$b") at $hctl"
	case "$hctl" in
	*:0:[0-3]:0) ;;
	*) hvg_fail "$(basename "$b") at $hctl: an IDE disk is channel 0, target 0-3, LUN 0" ;;
	esac
done
hvg_check "the two disks are at different targets" \
	test "$(for b in /sys/block/sd*; do basename "$(readlink -f "$b/device")" | cut -d: -f3; done | sort -u | wc -l)" = 2
hvg_check "VSTOR 6.0 agreed with a 2012 R2 host" \
	test "$(grep -h '^protocol_version:' /sys/kernel/debug/hv_storvsc/*/info | sort -u)" = "protocol_version: 6.0"
hvg_check "no sub-channel on IDE" test "$(grep -lx ide $sim/channels/*/type | wc -l)" = 2
d=$(for b in /sys/block/sd*; do [ "$(cat "$b/size")" = $((48 * 2048)) ] && basename "$b"; done)
[ -n "$d" ] || hvg_fail "the 48 MiB disk"
mkdir -p /mnt/ide
hvg_check "mkfs.ext4 on $d" mkfs.ext4 -q -F /dev/$d
hvg_check "mount $d" mount /dev/$d /mnt/ide
echo hello >/mnt/ide/f || hvg_fail "write"
hvg_check "umount" umount /mnt/ide
hvg_check "fsck clean" fsck.ext4 -fn /dev/$d
hvg_check "the host saw no protocol violation" test "$(cat $sim/violations)" = 0
hvg_rmmod hv_storvsc
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
hvg_pass
