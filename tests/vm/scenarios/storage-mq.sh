# kernels: 6.12
# kernels-long: debug
# smp: 4
# timeout: 400
# hv_storvsc with 4 vCPUs: one sub-channel per vCPU beyond the first
# (three), as upstream asks for them; fio random writes with crc32c verify
# from a job on each CPU, and every channel carries requests; the host saw
# no protocol violation.

sim=/sys/kernel/debug/hv_sim
st=$sim/storage
for m in scsi_mod scsi_transport_fc sd_mod sg; do
	modprobe -q "$m" 2>/dev/null
done
hvg_check "the VM has 4 vCPUs" test "$(nproc)" = 4
hvg_insmod hv_vmbus
hvg_insmod hv_sim devices=scsi
relid=$(hvg_sim_controller scsi) || hvg_fail "no SCSI controller"
echo "disk d0 128 thin" >$st/ctl || hvg_fail "disk"
echo "attach relid:$relid 0 0 d0" >$st/ctl || hvg_fail "attach"
hvg_insmod hv_storvsc
hvg_check "the disk appears" hvg_wait_for 30 hvg_disks_ready 1
d=$(basename "$(ls -d /sys/block/sd* | head -1)")
dev=$(dirname "$(grep -lx "$relid" /sys/bus/vmbus/devices/*/id)")
hvg_check "the controller has 4 channels (3 sub-channels)" \
	hvg_wait_for 10 sh -c "[ \$(ls $dev/channels | wc -l) = 4 ]"
cat /sys/kernel/debug/hv_storvsc/*/info
declare -A before
for c in "$dev"/channels/*; do
	r=$(basename "$c")
	before[$r]=$(cat $sim/channels/$r/packets_in)
done
hvg_check "fio randwrite with crc32c verify, a job on each of the 4 CPUs" \
	fio --name=mq --filename=/dev/$d --allow_file_create=0 --rw=randwrite --bs=4k --size=16M \
		--ioengine=libaio --iodepth=8 --numjobs=4 --offset_increment=32M --direct=1 \
		--verify=crc32c --verify_fatal=1 --cpus_allowed_policy=split --cpus_allowed=0-3 \
		--output=/tmp/fio.out
tail -4 /tmp/fio.out
for c in "$dev"/channels/*; do
	r=$(basename "$c")
	n=$(($(cat $sim/channels/$r/packets_in) - before[$r]))
	echo "channel $r: cpu $(cat "$c/cpu"), $n packets during fio"
	hvg_check "channel $r carried requests" test "$n" -gt 100
done
hvg_check "the host saw no protocol violation" test "$(cat $sim/violations)" = 0
hvg_rmmod hv_storvsc
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
hvg_pass
