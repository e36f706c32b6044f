# kernels: 6.1 6.12 debug
# timeout: 300
# The synthetic mouse. hv_sim plays Hyper-V's synthetic HID host: protocol
# 2.0, then the device description with Hyper-V's report descriptor
# (including its mis-encoded Usage Maximum). hid_hyperv hands it to the
# HID core, binds its own HID driver (not hid-generic) and the device
# shows up as "Microsoft Vmbus HID-compliant Mouse" with an absolute
# pointer (0..32767), buttons and a wheel, and a hidraw node whose
# descriptor has the Usage Maximum mended.
# - Pointer moves, clicks and the wheel arrive as the right events; the
#   raw report arrives on hidraw.
# - Malformed packets (sizes past the message, an empty report, an
#   unknown message type, a pipe message that is not data, an oversized
#   packet) are dropped with a message, the mouse goes on.
# - Broken device descriptions (a report descriptor running past the
#   message, longer than HID allows, a short HID descriptor, an empty
#   one) and a refused protocol fail the probe with a message.
# - Rescind and re-offer, unload and reload.

sim=/sys/kernel/debug/hv_sim
ms=$sim/input/mouse
inst=58f75a6d-d949-4320-99e1-a2a2576d581c
name="Microsoft Vmbus HID-compliant Mouse"
. "$HVG_SRC/tests/vm/lib-input.sh"
ev=$hvg_ev

modprobe -q evdev 2>/dev/null
modprobe -q hid 2>/dev/null
hvg_insmod hv_vmbus
hvg_insmod hv_sim devices=mouse
hvg_insmod hid_hyperv
hvg_check "the host described the device and the guest acknowledged it" \
	hvg_wait_for 10 grep -q "described 1 acked 1" $ms/state
hvg_check "an input device with Hyper-V's name" \
	hvg_wait_for 10 $ev find "name=$name"
dev=$($ev find "name=$name")
grep -B1 -A8 "Name=\"$name\"" /proc/bus/input/devices
hid=$(ls -d /sys/bus/vmbus/devices/$inst/0006:045E:0621.* 2>/dev/null | head -1)
[ -n "$hid" ] || hvg_fail "no HID device 0006:045E:0621 under the VMBus device"
hvg_check "our HID driver bound it" \
	test "$(basename "$(readlink -f "$hid/driver")")" = hid_hyperv
hvg_check "X is absolute, 0..32767" test "$($ev absinfo "$dev" 0)" = "0 32767"
hvg_check "Y is absolute, 0..32767" test "$($ev absinfo "$dev" 1)" = "0 32767"
hr=/dev/$(ls "$hid/hidraw" 2>/dev/null | head -1)
[ -c "$hr" ] || hvg_fail "no hidraw node for the mouse"
rd=$($ev rdesc "$hr")
echo "report descriptor: $rd"
hvg_check "the descriptor's Usage Maximum is mended (byte 14: 0x29)" \
	test "$(echo "$rd" | cut -c29-30)" = 29

raw() { hvg_input_raw $ms/raw "$1"; }

# expect REPORT WANT...: the host sends REPORT ("X Y [BUTTONS [WHEEL]]");
# the events must be WANT, one argument per event (ANY_ORDER=1: in any
# order).
expect() {
	local rep=$1
	shift
	hvg_input_expect "$dev" "echo '$rep' >$ms/report" "$@"
}

w=/sys/bus/vmbus/devices/$inst/power
hvg_check "the mouse may wake the VM" test "$(cat $w/wakeup)" = enabled
a=$(cat $w/wakeup_active_count)
expect "16384 8192" "ABS 0 16384" "ABS 1 8192"
hvg_check "a report is a wake-up event" test "$(cat $w/wakeup_active_count)" = $((a + 1))
expect "32767 0" "ABS 0 32767" "ABS 1 0"
expect "32767 0 1" "KEY 272 1"
expect "32767 0 0" "KEY 272 0"
expect "32767 0 2" "KEY 273 1"
expect "32767 0 4" "KEY 273 0" "KEY 274 1"
expect "32767 0 0" "KEY 274 0"
# The wheel: hid-input reports the classic value and the high-resolution
# one (120 a notch); their order differs between kernels.
ANY_ORDER=1 expect "32767 0 0 -1" "REL 11 -120" "REL 8 -1"

# hidraw: the report as the host sent it.
$ev hidraw "$hr" 1 10 >/tmp/raw.out &
pid=$!
hvg_wait_for 5 grep -q ready /tmp/raw.out || hvg_fail "hidraw reader did not start"
echo "16384 8192 1 0" >$ms/report || hvg_fail "hv_sim refused the report"
wait $pid || hvg_fail "no report on hidraw"
hvg_check "hidraw has the raw report" test "$(tail -n 1 /tmp/raw.out)" = 01004000200000
echo "16384 8192 0 0" >$ms/report || hvg_fail "hv_sim refused the report"

# --- malformed packets ---
raw "01000000 ff000000 04000000 07000000"
hvg_check "a pipe size past the message is dropped" \
	hvg_wait_for 5 hvg_dmesg_has "dropped: sizes 255/7 in a 16-byte message"
raw "01000000 08000000 04000000 00000000"
hvg_check "an empty input report is dropped" \
	hvg_wait_for 5 hvg_dmesg_has "dropped: input report of 0 bytes"
raw "01000000 08000000 09000000 00000000"
hvg_check "an unknown message type is dropped" \
	hvg_wait_for 5 hvg_dmesg_has "dropped: message type 9"
raw "02000000 08000000 04000000 00000000"
hvg_check "a pipe message that is not data is dropped" \
	hvg_wait_for 5 hvg_dmesg_has "dropped: pipe message type 2"
raw "01000000$(printf '00%.0s' $(seq 5000))"
hvg_check "an oversized packet is dropped" \
	hvg_wait_for 5 hvg_dmesg_has "dropped: packet of [0-9]+ bytes"
raw "01000000 0c000000 02000000 04000000 00000000"
hvg_check "a second device description is dropped" \
	hvg_wait_for 5 hvg_dmesg_has "dropped: a second device description"
# A report shorter than the descriptor's 7 bytes reaches the HID core
# (from a buffer of HID_MAX_BUFFER_SIZE, which KASAN watches on the debug
# kernel), which drops it: the next events are the next report's.
raw "01000000 0b000000 04000000 03000000 01 0010"
expect "100 200" "ABS 0 100" "ABS 1 200"

# --- broken device descriptions and a refused protocol fail the probe ---
failures() {
	dmesg | grep -cE "$inst: (the host's device description is unusable|the host refused synthetic HID)"
}
more_failures() { [ "$(failures)" -gt "$before" ]; }
for fault in oversize huge short zero refuse; do
	hvg_rmmod hid_hyperv
	if [ $fault = refuse ]; then
		echo 0 >$ms/accept
	else
		echo $fault >$ms/desc_fault
	fi
	before=$(failures)
	hvg_insmod hid_hyperv
	hvg_check "$fault: the probe fails with a message" \
		hvg_wait_for 10 more_failures
	dmesg | grep "$inst" | tail -n 2
	hvg_check "$fault: no input device" sh -c "! $ev find 'name=$name'"
	hvg_check "$fault: the device is left unbound" \
		test ! -e /sys/bus/vmbus/devices/$inst/driver
	echo none >$ms/desc_fault
	echo 1 >$ms/accept
done
echo $inst >/sys/bus/vmbus/drivers/hid_hyperv/bind || hvg_fail "binding again failed"
hvg_check "with a sound description it binds" \
	hvg_wait_for 10 $ev find "name=$name"
dev=$($ev find "name=$name")
expect "300 400" "ABS 0 300" "ABS 1 400"

# --- rescind and re-offer ---
relid=$(hvg_sim_controller mouse) || hvg_fail "no mouse channel"
echo "$relid" >$sim/rescind || hvg_fail "rescind failed"
hvg_check "the input device goes with the channel" \
	hvg_wait_for 10 sh -c "! $ev find 'name=$name'"
echo mouse >$sim/offer || hvg_fail "offer failed"
hvg_check "and comes back with the new offer" \
	hvg_wait_for 10 $ev find "name=$name"
dev=$($ev find "name=$name")
hvg_check "acknowledged again" hvg_wait_for 10 grep -q "acked 1" $ms/state
expect "500 600" "ABS 0 500" "ABS 1 600"

cat $ms/state
hvg_check "the host saw no protocol violation" test "$(cat $sim/violations)" = 0
hvg_rmmod hid_hyperv
hvg_check "unloaded: the input device is gone" sh -c "! $ev find 'name=$name'"
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
hvg_pass
