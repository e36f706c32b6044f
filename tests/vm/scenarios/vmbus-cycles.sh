# kernels: 6.1 6.12 debug
# timeout: 900
# loops: cycles=10/50
# Load/unload cycles of hv_vmbus with the simulated host's full device
# set and a bound, open echo channel carrying traffic each time.

sim=/sys/kernel/debug/hv_sim
for i in $(seq "$cycles"); do
	insmod "$HVG_MODDIR/hv_vmbus.ko" || hvg_fail "cycle $i: insmod hv_vmbus"
	insmod "$HVG_MODDIR/hv_echo_test.ko" || hvg_fail "cycle $i: insmod hv_echo_test"
	insmod "$HVG_MODDIR/hv_sim.ko" devices=nic,scsi,keyboard,mouse,shutdown,timesync,heartbeat,kvp,vss,fcopy,echo ||
		hvg_fail "cycle $i: insmod hv_sim"
	run=
	for j in $(seq 100); do
		run=$(ls -d /sys/kernel/debug/hv_echo_test/*/ 2>/dev/null | head -1)
		[ -n "$run" ] && break
		sleep 0.05
	done
	[ -n "$run" ] || hvg_fail "cycle $i: echo device not bound"
	echo "100 0 8" >"$run/run" || hvg_fail "cycle $i: echo: $(cat "$run/result")"
	[ "$(cat $sim/violations)" = 0 ] || hvg_fail "cycle $i: protocol violations"
	rmmod hv_sim || hvg_fail "cycle $i: rmmod hv_sim"
	rmmod hv_echo_test || hvg_fail "cycle $i: rmmod hv_echo_test"
	rmmod hv_vmbus || hvg_fail "cycle $i: rmmod hv_vmbus"
done
echo "ok: $cycles cycles"
hvg_pass
