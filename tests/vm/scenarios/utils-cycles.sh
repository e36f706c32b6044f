# kernels: debug
# timeout: 900
# loops: cycles=10/50
# Load/unload cycles of hv_utils, each with a daemon attached: the
# stock hv_kvp_daemon (Debian's hyperv-daemons) registers, which releases
# the host's KVP negotiation; rmmod is refused while it holds
# /dev/vmbus/hv_kvp; once it is gone hv_utils unloads cleanly.

ic=/sys/kernel/debug/hv_sim/ic
daemon=/usr/sbin/hv_kvp_daemon
[ -x $daemon ] || hvg_fail "$daemon missing (package hyperv-daemons)"
hvg_insmod hv_vmbus
hvg_insmod hv_sim
mkdir -p /var/lib/hyperv
for i in $(seq "$cycles"); do
	hvg_insmod hv_utils
	hvg_wait_for 10 test -c /dev/vmbus/hv_kvp || hvg_fail "cycle $i: no /dev/vmbus/hv_kvp"
	$daemon -n >/dev/null 2>&1 &
	pid=$!
	hvg_wait_for 20 hvg_ic_negotiated kvp || hvg_fail "cycle $i: KVP not negotiated with the daemon attached"
	hvg_wait_for 10 hvg_ic_negotiated heartbeat || hvg_fail "cycle $i: heartbeat not negotiated"
	if [ $((i % 10)) = 1 ]; then
		rmmod hv_utils 2>/dev/null && hvg_fail "cycle $i: hv_utils unloaded under its daemon"
		echo "cycle $i: rmmod refused while the daemon holds the device"
	fi
	kill $pid
	wait $pid 2>/dev/null
	hvg_rmmod hv_utils
	hvg_ic_negotiated kvp && hvg_fail "cycle $i: hv_sim still sees KVP open"
done
echo "$cycles cycles done"
hvg_check "no protocol violation seen by hv_sim" \
	test "$(cat /sys/kernel/debug/hv_sim/violations)" = 0
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
hvg_pass
