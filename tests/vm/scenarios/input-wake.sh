# kernels: 6.12
# timeout: 120
# power: off
# console: hvg-wake: suspending
# console: PM: suspend entry \(s2idle\)
# console: hv_sim: keyboard: delayed keys sent: 0
# console: PM: suspend exit
# console: hvg-wake: woke by the key
# A key press on the synthetic keyboard wakes the VM from suspend-to-idle.
# The host is told to press a key 4 s later (from a kernel worker, which
# runs while the guest's processes are frozen); the guest then suspends
# with "freeze". Nothing else here wakes it: without the keyboard's
# wake-up event it would sleep until the timeout. It passes when the
# suspend ends after the key (not before: an aborted suspend returns at
# once) and the keyboard's wake-up source fired, which the scenario
# prints to the console, then powers the VM off.
#
# Why the console: the guest's root is QEMU's 9p, and virtio-9p has no
# suspend support (the resume resets the virtio device without setting
# its queues up again), so after the resume nothing on the root can be
# read or run. From the suspend on, the scenario uses only shell builtins
# and /proc, /sys and /dev/kmsg, and run.sh reads the verdict from the
# console ("# console:" above) after the power-off.

sim=/sys/kernel/debug/hv_sim
kb=$sim/input/keyboard
inst=d34b2567-b9b6-42b9-8778-0a4ec0b955bf

grep -qw freeze /sys/power/state ||
	hvg_fail "no suspend-to-idle here: /sys/power/state is '$(cat /sys/power/state)'"
hvg_insmod hv_vmbus
hvg_insmod hv_sim devices=keyboard
hvg_insmod hyperv_keyboard
hvg_check "the host agreed keyboard protocol 1.0" \
	hvg_wait_for 10 grep -q "agreed 1" $kb/state
w=/sys/bus/vmbus/devices/$inst/power
hvg_check "the keyboard may wake the VM" test "$(cat $w/wakeup)" = enabled
read -r a <$w/wakeup_active_count
echo 4000 >$kb/keys_delay_ms
echo 39 >$kb/keys || hvg_fail "hv_sim refused the delayed key"

# From here: builtins, /proc, /sys and /dev/kmsg only.
hvg_pass_before_power
read -r t0 _ </proc/uptime
echo "hvg-wake: suspending at $t0 s" >/dev/kmsg
echo freeze >/sys/power/state
read -r t1 _ </proc/uptime
read -r c <$w/wakeup_active_count
# /proc/uptime has two decimals: compare hundredths.
slept=$((${t1/./} - ${t0/./}))
echo "hvg-wake: resumed at $t1 s after $slept/100 s; wake-up events $a -> $c" >/dev/kmsg
if [ "$slept" -ge 350 ] && [ "$c" -gt "$a" ]; then
	echo "hvg-wake: woke by the key" >/dev/kmsg
else
	echo "hvg-wake: not woken by the key" >/dev/kmsg
fi
echo o >/proc/sysrq-trigger
while :; do
	read -r -t 1 _ </dev/kmsg
done
