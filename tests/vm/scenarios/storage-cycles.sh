# kernels: 6.12 debug
# timeout: 400
# timeout-long: 1500
# loops: cycles=5/50
# hv_storvsc loaded and unloaded with its disks in use between (a read of
# every disk each time), then the controller rescinded by the host in the
# middle of fio: fio ends with I/O errors instead of hanging, the disks
# and the device go, the guest releases the channels, and a controller
# offered again works.
#
# The rescind waits until fio's I/O reaches the disk. It once came first
# on the debug kernel (fio starts slowly there): fio found no /dev/sda,
# created a regular file in its place on devtmpfs (which refuses O_DIRECT
# before 6.6: "destination does not support O_DIRECT"), and the file then
# kept the re-offered disk's node from being made. fio may not create a
# file where the disk's node should be (allow_file_create=0).

sim=/sys/kernel/debug/hv_sim
st=$sim/storage
for m in scsi_mod scsi_transport_fc sd_mod; do
	modprobe -q "$m" 2>/dev/null
done
hvg_insmod hv_vmbus
hvg_insmod hv_sim devices=scsi
relid=$(hvg_sim_controller scsi) || hvg_fail "no SCSI controller"
ctl() { echo "$*" >$st/ctl || hvg_fail "storage ctl: $*"; }
ctl disk c0 16
ctl disk c1 16 bs=4096
ctl attach relid:$relid 0 0 c0
ctl attach relid:$relid 0 1 c1

for i in $(seq "$cycles"); do
	hvg_insmod hv_storvsc
	hvg_wait_for 30 hvg_disks_ready 2 ||
		hvg_fail "cycle $i: the disks did not appear"
	for b in /sys/block/sd*; do
		dd if=/dev/$(basename "$b") of=/dev/null bs=64k count=16 iflag=direct status=none ||
			hvg_fail "cycle $i: read of $(basename "$b")"
	done
	hvg_rmmod hv_storvsc
	[ -z "$(ls -d /sys/block/sd* 2>/dev/null)" ] || hvg_fail "cycle $i: disks left after unload"
done
hvg_check "$cycles load/unload cycles with I/O: the driver connected each time" \
	test "$(hvg_dmesg | grep -c 'hv_storvsc .*: VSTOR 6.2, ')" = "$cycles"

# Rescind under fio.
hvg_insmod hv_storvsc
hvg_wait_for 30 hvg_disks_ready 2 || hvg_fail "disks"
d=$(basename "$(ls -d /sys/block/sd* | head -1)")
fio --name=r --filename=/dev/$d --allow_file_create=0 --rw=randrw --bs=4k --size=16M --time_based \
	--runtime=60 --ioengine=libaio --iodepth=16 --direct=1 --output=/tmp/fio.out &
fio_pid=$!
# The disk's completed reads and writes (fields 1 and 5 of its stat).
disk_ios() { awk '{print $1 + $5}' "/sys/block/$d/stat"; }
ios0=$(disk_ios)
fio_busy() { [ "$(disk_ios)" -gt $((ios0 + 200)) ]; }
hvg_wait_for 60 fio_busy || hvg_fail "fio's I/O did not reach $d"
echo "$relid" >$sim/rescind || hvg_fail "rescind"
hvg_check "fio ends after the rescind (no hang)" hvg_wait_for 60 sh -c "! kill -0 $fio_pid 2>/dev/null"
wait $fio_pid
echo "fio exit status $?"
tail -3 /tmp/fio.out
hvg_check "the disks are gone" hvg_wait_for 30 sh -c "! ls -d /sys/block/sd* >/dev/null 2>&1"
hvg_check "the host got the channels back" \
	hvg_wait_for 30 sh -c "! grep -qx scsi $sim/channels/*/type 2>/dev/null"
# A new controller (a new instance) with a disk: it works.
echo scsi >$sim/offer || hvg_fail "offer"
relid=$(hvg_sim_controller scsi) || hvg_fail "no new SCSI controller"
ctl attach relid:$relid 0 0 c0
hvg_check "a controller offered again brings its disk" \
	hvg_wait_for 30 hvg_disks_ready 1
d=$(basename "$(ls -d /sys/block/sd* | head -1)")
hvg_check "and it reads" dd if=/dev/$d of=/dev/null bs=64k count=16 iflag=direct status=none
hvg_check "the host saw no protocol violation" test "$(cat $sim/violations)" = 0
hvg_rmmod hv_storvsc
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
hvg_pass
