# kernels: 6.1 6.12 debug
# timeout: 400
# The VMBus core against the simulated host: connect, offers of a default
# Generation 2 VM plus the echo device, sysfs per upstream's ABI, 10,000
# echo round trips with content checked across many ring wraps, a small
# ring to force the full-ring path, and a clean unload with no protocol
# violation seen by the host.

sim=/sys/kernel/debug/hv_sim
hvg_insmod hv_vmbus
hvg_insmod hv_sim devices=nic,scsi,keyboard,mouse,shutdown,timesync,heartbeat,kvp,vss,fcopy,echo
for i in $(seq 50); do
	[ "$(ls /sys/bus/vmbus/devices | wc -l)" -ge 11 ] && break
	sleep 0.2
done
hvg_check "connected at protocol 5.3" hvg_dmesg_has 'hv_vmbus: connected to the sim host, protocol 5.3'
hvg_check "11 devices on the bus" test "$(ls /sys/bus/vmbus/devices | wc -l)" = 11
for d in /sys/bus/vmbus/devices/*; do
	name=$(basename "$d")
	hvg_check "$name: device_id matches its name" \
		test "$(cat "$d/device_id")" = "{$name}"
	for a in id state class_id modalias numa_node vendor device channel_vp_mapping driver_override; do
		[ -r "$d/$a" ] || hvg_fail "$name lacks sysfs attribute $a"
	done
	relid=$(cat "$d/id")
	# Monitored notification: the host gives network, storage (and echo)
	# channels a monitor id; their monitor attributes show what it
	# published, and the others have none (as upstream).
	case "$(cat "$d/class_id")" in
	"{f8615163-df3e-46c5-913f-f2d2f965ed0e}" | "{ba6163d9-04a1-4d29-b605-72e2ffb1dc7f}" | "{9a8b67c3-1d5f-4e2a-b0c7-6f3e2d1c0b9a}")
		for a in monitor_id server_monitor_pending client_monitor_pending server_monitor_latency client_monitor_latency server_monitor_conn_id client_monitor_conn_id channels/$relid/monitor_id channels/$relid/latency channels/$relid/pending; do
			[ -r "$d/$a" ] || hvg_fail "$name (monitored) lacks sysfs attribute $a"
		done
		hvg_check "$name: monitor id as the host gave it" \
			test "$(cat "$d/monitor_id")" = "$(cat $sim/channels/$relid/monitor_id)"
		hvg_check "$name: the host's monitor latency (100 us) in both pages" \
			test "$(cat "$d/server_monitor_latency") $(cat "$d/client_monitor_latency") $(cat "$d/channels/$relid/latency")" = "1000 1000 1000"
		# hv_sim numbers channel connection ids 0x100 + relid.
		hvg_check "$name: monitor connection id is the channel's" \
			test "$(cat "$d/client_monitor_conn_id")" = $((256 + relid))
		monitored=$((${monitored:-0} + 1))
		;;
	*)
		for a in monitor_id client_monitor_latency channels/$relid/latency; do
			[ -e "$d/$a" ] && hvg_fail "$name (not monitored) has sysfs attribute $a"
		done
		;;
	esac
	hvg_check "$name: channels/$relid exists" test -d "$d/channels/$relid"
	mod=$(cat "$d/modalias")
	case "$mod" in vmbus:[0-9a-f]*) ;; *) hvg_fail "$name: modalias '$mod'" ;; esac
	[ "${#mod}" = 38 ] || hvg_fail "$name: modalias '$mod' is not vmbus: + 32 hex digits"
done
nic=$(grep -l '{f8615163-df3e-46c5-913f-f2d2f965ed0e}' /sys/bus/vmbus/devices/*/class_id | head -1)
hvg_check "the NIC's modalias is upstream's" \
	test "$(cat "$(dirname "$nic")/modalias")" = "vmbus:635161f83edfc546913ff2d2f965ed0e"

hvg_insmod hv_echo_test ring_kb=16
echo_dev=$(dirname "$(grep -l '{9a8b67c3-1d5f-4e2a-b0c7-6f3e2d1c0b9a}' /sys/bus/vmbus/devices/*/class_id)")
name=$(basename "$echo_dev")
hvg_check "the echo device is bound" test -e "$echo_dev/driver"
hvg_check "the echo channel is open (state 3)" test "$(cat "$echo_dev/state")" = 3
run=/sys/kernel/debug/hv_echo_test/$name
echo "10000 0 32" >"$run/run" || hvg_fail "10000 varied echo round trips: $(cat "$run/result")"
cat "$run/result"
hvg_check "10000 round trips checked" grep -q '^ok sent=10000 received=10000 errors=0' "$run/result"
echo "2000 4000 64" >"$run/run" || hvg_fail "full-ring run: $(cat "$run/result")"
cat "$run/result"
hvg_check "2000 round trips of 4000 bytes through a 16 KiB ring" \
	grep -q '^ok sent=2000 received=2000 errors=0' "$run/result"

# close() while another thread sends without pause (the fidelity issue's
# defect 8: the rings were unmapped before the channel said closed, so a
# sender could write into unmapped memory).
echo 30 >"$run/close_race" || hvg_fail "close race: $(cat "$run/result")"
cat "$run/result"
hvg_check "30 closes under a running sender, each reopened" \
	grep -q '^ok rounds=30 ' "$run/result"
hvg_check "the sender was refused, not let in, while closed" \
	sh -c "grep -q ' refused=[1-9]' '$run/result'"
echo "500 0 16" >"$run/run" || hvg_fail "run after the close race: $(cat "$run/result")"
hvg_check "the reopened channel echoes" grep -q '^ok sent=500 received=500 errors=0' "$run/result"
relid=$(cat "$echo_dev/id")

# Sub-channels: requested through the device's protocol, offered by the
# host with the primary's instance, opened by the driver as they come.
echo "4 300" >"$run/subchannels" || hvg_fail "sub-channels: $(cat "$run/result")"
cat "$run/result"
hvg_check "4 sub-channels carried 300 round trips each" \
	test "$(grep -c 'ok sent=300 received=300 errors=0' "$run/result")" = 4
hvg_check "channel_vp_mapping lists 5 channels" \
	test "$(wc -l <"$echo_dev/channel_vp_mapping")" = 5
hvg_check "sysfs has channels/ for all 5" \
	test "$(ls "$echo_dev/channels" | wc -l)" = 5
for c in "$echo_dev"/channels/*; do
	[ "$(basename "$c")" = "$relid" ] && continue
	idx=$(cat "$c/subchannel_id")
	[ "$idx" -ge 1 ] && [ "$idx" -le 4 ] || hvg_fail "sub-channel $(basename "$c") has index $idx"
done
echo "ok: sub-channel indices 1-4"

hvg_check "3 monitored devices (nic, scsi, echo)" test "${monitored:-0}" = 3
# The echo channel is monitored: the guest's signals are monitor bits the
# host's scans collected, not hypercalls.
hvg_check "the host's monitor scans saw our signals" \
	test "$(cat $sim/channels/$relid/monitor_signals)" -gt 0
hvg_check "no hypercall signal on a monitored channel" \
	test "$(cat $sim/channels/$relid/signals)" = 0
# Unless the driver asks for low latency.
echo 1 >/sys/module/hv_echo_test/parameters/low_latency
echo "200 64 8" >"$run/run" || hvg_fail "low-latency run: $(cat "$run/result")"
cat "$run/result"
hvg_check "low latency: the host counted hypercall signals" \
	test "$(cat $sim/channels/$relid/signals)" -gt 0
echo 0 >/sys/module/hv_echo_test/parameters/low_latency
hvg_check "the host interrupted us" test "$(cat $sim/channels/$relid/interrupts)" -gt 0
hvg_check "no protocol violation seen by the host" test "$(cat $sim/violations)" = 0

hvg_rmmod hv_echo_test
hvg_rmmod hv_sim
hvg_check "disconnected cleanly" hvg_dmesg_has 'hv_vmbus: platform sim unregistered'
hvg_check "no devices left" test "$(ls /sys/bus/vmbus/devices | wc -l)" = 0
hvg_rmmod hv_vmbus
hvg_pass
