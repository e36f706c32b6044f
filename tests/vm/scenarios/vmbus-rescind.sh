# kernels: 6.1 6.12 debug
# timeout: 600
# loops: cycles=20/100
# Offer/rescind cycles of a bound, open device; a rescind in the
# middle of echo traffic; relids are released back to the host each time
# (and no GPADL_TEARDOWN follows a rescind: hv_sim counts it). A duplicate
# primary offer is refused; a closed channel cannot be retargeted.

sim=/sys/kernel/debug/hv_sim
echo_class='{9a8b67c3-1d5f-4e2a-b0c7-6f3e2d1c0b9a}'

echo_count() {
	grep -l "$echo_class" /sys/bus/vmbus/devices/*/class_id 2>/dev/null | wc -l
}

wait_bound() {
	local i d
	for i in $(seq 200); do
		d=$(grep -l "$echo_class" /sys/bus/vmbus/devices/*/class_id 2>/dev/null | head -1)
		if [ -n "$d" ] && [ -e "$(dirname "$d")/driver" ] &&
			[ -e "/sys/kernel/debug/hv_echo_test/$(basename "$(dirname "$d")")/run" ]; then
			echo_dev=$(dirname "$d")
			return 0
		fi
		sleep 0.05
	done
	hvg_fail "$1: the echo device did not appear and bind"
}

wait_gone() {
	local i
	for i in $(seq 200); do
		[ "$(echo_count)" = 0 ] && return 0
		sleep 0.05
	done
	hvg_fail "$1: the echo device did not go away"
}

hvg_insmod hv_vmbus
hvg_insmod hv_echo_test
hvg_insmod hv_sim devices=heartbeat
sleep 1
base=$(ls $sim/channels | wc -l)
for i in $(seq "$cycles"); do
	echo echo >$sim/offer || hvg_fail "cycle $i: offer"
	wait_bound "cycle $i"
	relid=$(cat "$echo_dev/id")
	[ "$(cat "$echo_dev/state")" = 3 ] || hvg_fail "cycle $i: channel not open"
	echo "$relid" >$sim/rescind || hvg_fail "cycle $i: rescind $relid"
	wait_gone "cycle $i"
done
echo "ok: $cycles offer/rescind cycles"
for i in $(seq 50); do
	[ "$(ls $sim/channels | wc -l)" = "$base" ] && break
	sleep 0.1
done
hvg_check "every rescinded relid was released to the host" \
	test "$(ls $sim/channels | wc -l)" = "$base"

# Rescind while a long echo run is in flight.
echo echo >$sim/offer
wait_bound "mid-I/O"
relid=$(cat "$echo_dev/id")
run=/sys/kernel/debug/hv_echo_test/$(basename "$echo_dev")/run
( echo "100000000 512 64" >"$run" ) 2>/tmp/run.err &
job=$!
sleep 2
hvg_check "traffic is flowing before the rescind" \
	test "$(cat $sim/channels/$relid/packets_in)" -gt 100
echo "$relid" >$sim/rescind
wait_gone "mid-I/O"
wait $job && hvg_fail "the echo run succeeded although its channel was rescinded"
echo "ok: the interrupted run failed: $(cat /tmp/run.err)"
hvg_check "no protocol violation" test "$(cat $sim/violations)" = 0

# Rescind a primary whose sub-channels are open and busy.
echo echo >$sim/offer
wait_bound "with sub-channels"
run=/sys/kernel/debug/hv_echo_test/$(basename "$echo_dev")
echo "3 50" >"$run/subchannels" || hvg_fail "sub-channels: $(cat "$run/result")"
hvg_check "3 sub-channels open" test "$(ls "$echo_dev/channels" | wc -l)" = 4
nchan=$(ls $sim/channels | wc -l)
echo "$(cat "$echo_dev/id")" >$sim/rescind
wait_gone "primary with sub-channels"
for i in $(seq 50); do
	[ "$(ls $sim/channels | wc -l)" = "$((nchan - 4))" ] && break
	sleep 0.1
done
hvg_check "primary and sub-channel relids all released" \
	test "$(ls $sim/channels | wc -l)" = "$((nchan - 4))"

# The bus still works afterwards.
echo echo >$sim/offer
wait_bound "after mid-I/O rescind"
run=/sys/kernel/debug/hv_echo_test/$(basename "$echo_dev")
echo "500 0 16" >"$run/run" || hvg_fail "echo after rescinds: $(cat "$run/result")"
hvg_check "echo works after all that" grep -q '^ok sent=500 received=500 errors=0' "$run/result"

# A host that offers a device twice: the guest refuses the second offer.
hb=$(dirname "$(grep -l '{57164f39-9115-4e78-ab55-382f3bd5422d}' /sys/bus/vmbus/devices/*/class_id | head -1)")
ndev=$(ls /sys/bus/vmbus/devices | wc -l)
dup=$(cat "$hb/id")
echo "$dup" >$sim/offer_duplicate || hvg_fail "offer_duplicate $dup"
hvg_check "the duplicate offer of relid $dup is refused" \
	hvg_wait_for 10 hvg_dmesg_has "refused relid [0-9]+: a second offer of device .* \\(relid $dup\\)"
hvg_check "no device was added for it" test "$(ls /sys/bus/vmbus/devices | wc -l)" = "$ndev"

# MODIFYCHANNEL for a channel that is not open (the heartbeat has no
# driver here): Hyper-V would ignore it, so the guest must not send it.
start=$(date +%s)
if echo 1 >"$hb/channels/$dup/cpu" 2>/dev/null; then
	hvg_fail "retargeting a closed channel was accepted"
fi
hvg_check "refused at once, not after a timeout" test $(($(date +%s) - start)) -lt 5
hvg_check "no protocol violation at the end" test "$(cat $sim/violations)" = 0

hvg_rmmod hv_sim
hvg_rmmod hv_echo_test
hvg_rmmod hv_vmbus
hvg_pass
