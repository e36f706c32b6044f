# kernels: 6.12
# kernels-long: 6.1
# timeout: 300
# hv_storvsc on a virtual Fibre Channel adapter (the FC device class):
# the host's world-wide names, asked for with FCHBA_DATA during
# initialisation, appear as the fc_host's port and node names, with a
# remote port; a disk on it takes I/O; when the host makes the adapter's
# other set of names active (as a live migration does) and says so with
# an FCHBA_DATA of its own, the fc_host shows them. (The debug kernel has
# no FC transport class: stock kernels only.)

sim=/sys/kernel/debug/hv_sim
st=$sim/storage
for m in scsi_mod scsi_transport_fc sd_mod sg; do
	modprobe -q "$m" 2>/dev/null
done
[ -d /sys/class/fc_host ] || hvg_fail "no FC transport class (scsi_transport_fc) in this kernel"
hvg_insmod hv_vmbus
hvg_insmod hv_sim devices=fc
relid=$(hvg_sim_controller fc) || hvg_fail "no FC adapter offered"
echo "disk d0 32" >$st/ctl || hvg_fail "disk"
echo "attach relid:$relid 0 0 d0" >$st/ctl || hvg_fail "attach"
hvg_insmod hv_storvsc
hvg_check "the disk on the FC adapter appears" hvg_wait_for 30 hvg_disks_ready 1
d=$(basename "$(ls -d /sys/block/sd* | head -1)")
fch=$(ls -d /sys/class/fc_host/host* 2>/dev/null | head -1)
[ -n "$fch" ] || hvg_fail "no fc_host"
grep . "$fch"/port_name "$fch"/node_name "$fch"/port_state 2>/dev/null
grep "^ctrl" $st/state
hvg_check "port name: the host's active set (C003FF...)" \
	test "$(cat "$fch/port_name")" = 0xc003ff0000000000
hvg_check "node name" test "$(cat "$fch/node_name")" = 0xc003ff0000000001
hvg_check "a remote port" sh -c "ls -d /sys/class/fc_remote_ports/rport-* >/dev/null 2>&1"
hvg_check "the disk takes writes and reads" \
	sh -c "dd if=/dev/urandom of=/tmp/x bs=64k count=16 status=none &&
		dd if=/tmp/x of=/dev/$d bs=64k oflag=direct status=none &&
		dd if=/dev/$d bs=64k count=16 iflag=direct status=none | cmp - /tmp/x"
echo "fcswitch relid:$relid" >$st/ctl || hvg_fail "fcswitch"
hvg_check "the host's other set of names shows after its FCHBA_DATA" \
	hvg_wait_for 10 sh -c "[ \$(cat $fch/port_name) = 0xc003ff0000000002 ] &&
		[ \$(cat $fch/node_name) = 0xc003ff0000000003 ]"
hvg_check "fcswitch of a controller that is not FC is refused" \
	sh -c "! echo 'fcswitch 99' >$st/ctl"
hvg_check "the host saw no protocol violation" test "$(cat $sim/violations)" = 0
hvg_rmmod hv_storvsc
hvg_check "the fc_host is gone" sh -c "! ls -d $fch >/dev/null 2>&1"
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
hvg_pass
