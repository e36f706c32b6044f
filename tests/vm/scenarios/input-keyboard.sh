# kernels: 6.1 6.12 debug
# timeout: 300
# The synthetic keyboard. hv_sim plays Hyper-V's keyboard host (the
# instance GUID Hyper-V uses); hyperv_keyboard agrees protocol 1.0 and
# atkbd binds its serio port as "AT Translated Set 2 keyboard".
# - Text the host types (Unicode strokes) arrives on the VT as a line.
# - Scan codes arrive as the right key codes on /dev/input/eventN: plain
#   (A), E0-prefixed (Up, Right Ctrl, against keypad 8 without it), held
#   Shift, the E1 Pause sequence; a Unicode "A" as Shift+A. A press is a
#   wake-up event, a release is not.
# - LEDs a program sets reach the host as the protocol's LED flags.
# - Malformed host packets (truncated, unknown type, a break bit in a make
#   code, a host-to-guest LED message, an oversized packet, an unmappable
#   character) are dropped with a message and the keyboard goes on.
# - A host that refuses the protocol fails the probe with a message; the
#   device binds once it accepts. Rescind and re-offer, unload and reload.

sim=/sys/kernel/debug/hv_sim
kb=$sim/input/keyboard
inst=d34b2567-b9b6-42b9-8778-0a4ec0b955bf
. "$HVG_SRC/tests/vm/lib-input.sh"
ev=$hvg_ev

modprobe -q evdev 2>/dev/null
[ -d /sys/class/input ] || hvg_fail "no input subsystem"
hvg_insmod hv_vmbus
hvg_insmod hv_sim devices=keyboard
hvg_insmod hyperv_keyboard
hvg_check "the host agreed keyboard protocol 1.0" \
	hvg_wait_for 10 grep -q "agreed 1" $kb/state
hvg_check "atkbd made an input device on our port" \
	hvg_wait_for 10 $ev find "sysfs=/$inst/"
dev=$($ev find "sysfs=/$inst/")
# Its phys is the instance GUID, cut to atkbd's 32 bytes (as upstream's).
grep -B2 -A8 "Sysfs=.*/$inst/" /proc/bus/input/devices
hvg_check "it is an AT translated set 2 keyboard" sh -c \
	"grep -B3 'Sysfs=.*/$inst/' /proc/bus/input/devices | grep -q 'Name=\"AT Translated Set 2 keyboard\"'"
hvg_check "the VMBus device is the serio port's parent" \
	test -d /sys/bus/vmbus/devices/$inst/serio*

# --- text typed by the host reaches the console as a line ---
line=$(hvg_tty_line "printf 'Hello, Hyper-V: 1+1=2 ~ok~\\n' >$kb/type")
echo "tty1 read: $line"
hvg_check "the typed line arrived on tty1" test "$line" = "Hello, Hyper-V: 1+1=2 ~ok~"

# expect KEYS WANT...: the host sends KEYS (hv_sim's keys syntax); the
# events on our input device must be WANT, one argument per event.
expect() {
	local keys=$1
	shift
	hvg_input_expect "$dev" "echo '$keys' >$kb/keys" "$@"
}

expect "1e" "KEY 30 1" "KEY 30 0"
expect "e0:48" "KEY 103 1" "KEY 103 0"
expect "48" "KEY 72 1" "KEY 72 0"
expect "e0:1d" "KEY 97 1" "KEY 97 0"
expect "+2a 1e -2a" "KEY 42 1" "KEY 30 1" "KEY 30 0" "KEY 42 0"
expect "+e1:1d +45 -e1:1d -45" "KEY 119 1" "KEY 119 0"
expect "u+41" "KEY 42 1" "KEY 30 1" "KEY 30 0" "KEY 42 0"
expect "u+0A" "KEY 28 1" "KEY 28 0"

# --- wake-up: a key press is a wake-up event (it ends suspend-to-idle),
# a release is not (the Enter that started a suspend must not end it) ---
w=/sys/bus/vmbus/devices/$inst/power
hvg_check "the keyboard may wake the VM" test "$(cat $w/wakeup)" = enabled
a=$(cat $w/wakeup_active_count)
expect "+1e" "KEY 30 1"
hvg_check "a press is a wake-up event" test "$(cat $w/wakeup_active_count)" = $((a + 1))
expect "-1e" "KEY 30 0"
hvg_check "a release is none" test "$(cat $w/wakeup_active_count)" = $((a + 1))

# --- LEDs: what a program sets, the host learns ---
leds_are() { grep -q "^flags $1 " $kb/leds; }
$ev setled "$dev" 1 1 # LED_CAPSL
hvg_check "Caps Lock on reaches the host (0x4)" hvg_wait_for 5 leds_are 0x4
$ev setled "$dev" 0 1 # LED_NUML
hvg_check "Num Lock too (0x6)" hvg_wait_for 5 leds_are 0x6
$ev setled "$dev" 1 0
$ev setled "$dev" 0 0
$ev setled "$dev" 2 1 # LED_SCROLLL
hvg_check "Scroll Lock alone (0x1)" hvg_wait_for 5 leds_are 0x1
$ev setled "$dev" 2 0
hvg_check "all off (0x0)" hvg_wait_for 5 leds_are 0x0
cat $kb/leds

# --- malformed host packets: dropped with a message, the keyboard goes on ---
raw() { hvg_input_raw $kb/raw "$1"; }
raw "03000000 1e00"
hvg_check "a truncated key stroke is dropped" \
	hvg_wait_for 5 hvg_dmesg_has "dropped: key stroke of 8 bytes"
raw "09000000 00000000"
hvg_check "an unknown message type is dropped" \
	hvg_wait_for 5 hvg_dmesg_has "dropped: message type 9"
raw "03000000 9e000000 00000000"
hvg_check "a make code with the break bit is dropped" \
	hvg_wait_for 5 hvg_dmesg_has "dropped: make code 0x9e"
raw "02000000 01000000"
hvg_check "a protocol response never asked for is dropped" \
	hvg_wait_for 5 hvg_dmesg_has "dropped: protocol response 0x1 never asked for"
raw "04000000 01000000"
hvg_check "an LED message from the host is dropped" \
	hvg_wait_for 5 hvg_dmesg_has "dropped: message type 4"
raw "03000000$(printf '00%.0s' $(seq 300))"
hvg_check "an oversized packet is dropped" \
	hvg_wait_for 5 hvg_dmesg_has "dropped: packet of [0-9]+ bytes"
echo "u+20AC" >$kb/keys
hvg_check "a character without a key is dropped" \
	hvg_wait_for 5 hvg_dmesg_has "Unicode character U\+20AC has no key"
expect "1f" "KEY 31 1" "KEY 31 0"

# --- a host that refuses the protocol ---
hvg_rmmod hyperv_keyboard
echo 0 >$kb/accept
hvg_insmod hyperv_keyboard
hvg_check "the refusal is reported" \
	hvg_wait_for 10 hvg_dmesg_has "refused keyboard protocol 1.0"
hvg_check "and the device is left unbound" \
	test ! -e /sys/bus/vmbus/devices/$inst/driver
echo 1 >$kb/accept
echo $inst >/sys/bus/vmbus/drivers/hyperv_keyboard/bind ||
	hvg_fail "binding again failed"
hvg_check "it binds once the host accepts" hvg_wait_for 10 $ev find "sysfs=/$inst/"
dev=$($ev find "sysfs=/$inst/")
expect "20" "KEY 32 1" "KEY 32 0"

# --- rescind and re-offer ---
relid=$(hvg_sim_controller keyboard) || hvg_fail "no keyboard channel"
echo "$relid" >$sim/rescind || hvg_fail "rescind failed"
hvg_check "the input device goes with the channel" \
	hvg_wait_for 10 sh -c "! $ev find sysfs=/$inst/"
echo keyboard >$sim/offer || hvg_fail "offer failed"
hvg_check "and comes back with the new offer" hvg_wait_for 10 $ev find "sysfs=/$inst/"
dev=$($ev find "sysfs=/$inst/")
hvg_check "the host agreed again" hvg_wait_for 10 grep -q "agreed 1" $kb/state
expect "21" "KEY 33 1" "KEY 33 0"

cat $kb/state
hvg_check "the host saw no protocol violation" test "$(cat $sim/violations)" = 0
hvg_rmmod hyperv_keyboard
hvg_check "unloaded: our input device is gone" sh -c "! $ev find sysfs=/$inst/"
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
hvg_pass
