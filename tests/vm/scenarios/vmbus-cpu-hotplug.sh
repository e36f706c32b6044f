# kernels: 6.12 debug
# timeout: 240
# CPU hotplug. The host interrupts each channel on its CPU and sends every
# message to the CPU named at INITIATE_CONTACT (CPU 0): taking a CPU away
# under them is refused (EBUSY, as upstream's hv_synic_cleanup()), and
# goes through once its channels are moved (channels/<relid>/cpu). The
# integration services stay on CPU 0; storage, network and the echo
# device are spread. Traffic carries on throughout; no channel is moved
# to, or offered on, an offline CPU. hv_sim numbers VPs in reverse of the
# CPUs, so a CPU number sent for a VP index shows.

sim=/sys/kernel/debug/hv_sim
drv=/sys/bus/vmbus/drivers/hv_echo_test
cpu1=/sys/devices/system/cpu/cpu1/online
[ -w "$cpu1" ] || hvg_fail "no CPU 1 that can go offline (the test VM has 2 CPUs)"

# channel_cpu DEV RELID: the CPU the guest has the channel on.
channel_cpu() { cat "$1/channels/$2/cpu"; }
# host_cpu RELID: the CPU the host interrupts for it.
host_cpu() { cat "$sim/channels/$1/cpu"; }
echo_ok() {
	echo "$2 0 8" >"/sys/kernel/debug/hv_echo_test/$1/run" &&
		grep -q "^ok sent=$2 received=$2 errors=0" "/sys/kernel/debug/hv_echo_test/$1/result"
}

hvg_insmod hv_vmbus
hvg_insmod hv_echo_test
hvg_insmod hv_sim devices=echo,heartbeat,kvp,shutdown
hvg_insmod hv_utils
hvg_check "the echo device is bound" hvg_wait_for 20 sh -c "ls $drv | grep -q -- -"
name=$(ls "$drv" | grep -- - | head -1)
dev=/sys/bus/vmbus/devices/$name
echo "3 20" >"/sys/kernel/debug/hv_echo_test/$name/subchannels" ||
	hvg_fail "sub-channels: $(cat "/sys/kernel/debug/hv_echo_test/$name/result")"
hvg_check "3 sub-channels carried traffic" \
	test "$(grep -c 'ok sent=20 received=20 errors=0' "/sys/kernel/debug/hv_echo_test/$name/result")" = 3

for class in 57164f39-9115-4e78-ab55-382f3bd5422d a9a0f4e7-5a45-4d96-b827-8a841e8c03e6 \
	0e0b6031-5213-4934-818b-38d90ced39db; do
	d=$(dirname "$(grep -l "{$class}" /sys/bus/vmbus/devices/*/class_id)")
	r=$(cat "$d/id")
	hvg_check "integration service $r is on CPU 0" test "$(channel_cpu "$d" "$r")" = 0
	hvg_check "and the host interrupts CPU 0 for it" test "$(host_cpu "$r")" = 0
done

on1=
for c in "$dev"/channels/*; do
	r=$(basename "$c")
	hvg_check "channel $r: the host and the guest agree on its CPU" \
		test "$(host_cpu "$r")" = "$(channel_cpu "$dev" "$r")"
	[ "$(channel_cpu "$dev" "$r")" = 1 ] && on1="$on1 $r"
done
[ -n "$on1" ] || hvg_fail "no echo channel on CPU 1 to test with"
echo "on CPU 1:$on1"

if echo 0 2>/tmp/offline-err >"$cpu1"; then
	hvg_fail "CPU 1 went offline under channels$on1"
fi
hvg_check "refused as busy" grep -q "busy" /tmp/offline-err
hvg_check "the kernel log names the channel to move" \
	hvg_dmesg_has "CPU 1 takes the interrupts of channel [0-9]+: move it"
hvg_check "CPU 1 is still online" test "$(cat "$cpu1")" = 1
hvg_check "traffic after the refused offline" echo_ok "$name" 200

for r in $on1; do
	echo 0 >"$dev/channels/$r/cpu" || hvg_fail "move channel $r to CPU 0"
	hvg_check "channel $r: the host interrupts CPU 0 now" test "$(host_cpu "$r")" = 0
done
hvg_check "CPU 1 goes offline once no channel is on it" sh -c "echo 0 >$cpu1"
hvg_check "traffic with CPU 1 offline" echo_ok "$name" 200
r=$(cat "$dev/id")
if echo 1 2>/dev/null >"$dev/channels/$r/cpu"; then
	hvg_fail "channel $r was moved to offline CPU 1"
fi
echo "ok: no channel moves to an offline CPU"
echo echo >$sim/offer || hvg_fail "offer a second echo device"
hvg_check "a second echo device is bound" \
	hvg_wait_for 20 sh -c "test \$(ls $drv | grep -c -- -) = 2"
name2=$(ls "$drv" | grep -- - | grep -v "$name" | head -1)
dev2=/sys/bus/vmbus/devices/$name2
r2=$(cat "$dev2/id")
hvg_check "a channel offered meanwhile is on an online CPU" \
	test "$(channel_cpu "$dev2" "$r2")" = 0
hvg_check "and works" echo_ok "$name2" 100

hvg_check "CPU 1 comes back" sh -c "echo 1 >$cpu1"
echo 1 >"$dev/channels/$r/cpu" || hvg_fail "move channel $r back to CPU 1"
hvg_check "the host interrupts CPU 1 for it again" test "$(host_cpu "$r")" = 1
hvg_check "traffic on CPU 1 again" echo_ok "$name" 200
hvg_check "no protocol violation" test "$(cat $sim/violations)" = 0

hvg_rmmod hv_utils
hvg_rmmod hv_echo_test
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
hvg_check "with no host, CPU 1 may go offline" sh -c "echo 0 >$cpu1"
hvg_check "and come back" sh -c "echo 1 >$cpu1"
hvg_pass
