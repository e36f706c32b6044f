# kernels: 6.12 debug
# A rescinded sub-channel gives its relid back (RELID_RELEASED) as soon as
# it is not open, as upstream: one the driver has open stays until the
# driver closes it; one nobody has open goes at once. The host frees its
# side only on RELID_RELEASED (hv_sim's channels/<relid> then goes), and
# counts a violation for any message about a released relid. A primary
# rescinded before its sub-channels leaves them waiting for their own
# rescinds.

sim=/sys/kernel/debug/hv_sim
drv=/sys/bus/vmbus/drivers/hv_echo_test

# sub_relids DEV: the relids of DEV's sub-channels.
sub_relids() {
	local c
	for c in "$1"/channels/*; do
		[ "$(cat "$c/subchannel_id")" -ge 1 ] && basename "$c"
	done
}
hvg_insmod hv_vmbus
hvg_insmod hv_echo_test
hvg_insmod hv_sim devices=echo
hvg_check "the echo device is bound" hvg_wait_for 20 sh -c "ls $drv | grep -q -- -"
name=$(ls "$drv" | grep -- - | head -1)
dev=/sys/bus/vmbus/devices/$name
run=/sys/kernel/debug/hv_echo_test/$name
echo "2 50" >"$run/subchannels" || hvg_fail "sub-channels: $(cat "$run/result")"
cat "$run/result"
hvg_check "2 sub-channels carried traffic" \
	test "$(grep -c 'ok sent=50 received=50 errors=0' "$run/result")" = 2
subs=$(sub_relids "$dev")
set -- $subs
[ $# = 2 ] || hvg_fail "expected 2 sub-channels in sysfs, found '$subs'"
open_sub=$1 idle_sub=$2

# Rescinded while the driver has it open: it stays until closed.
echo "$open_sub" >$sim/rescind
hvg_check "the guest saw the rescind of $open_sub" \
	hvg_wait_for 10 hvg_dmesg_has "relid $open_sub rescinded"
sleep 1
hvg_check "an open rescinded sub-channel is not released" \
	test -d "$sim/channels/$open_sub"
hvg_check "its relid is still in channel_vp_mapping" \
	grep -q "^$open_sub:" "$dev/channel_vp_mapping"

# The driver lets go of its device: it closes every channel it opened.
echo "$name" >"$drv/unbind" || hvg_fail "unbind"
hvg_check "closed: $open_sub released to the host" \
	hvg_wait_for 10 test ! -d "$sim/channels/$open_sub"
hvg_check "and gone from the guest's sysfs" test ! -d "$dev/channels/$open_sub"
hvg_check "and from channel_vp_mapping" \
	sh -c "! grep -q '^$open_sub:' '$dev/channel_vp_mapping'"
hvg_check "the other sub-channel, not rescinded, stays" test -d "$sim/channels/$idle_sub"

# Rescinded while nobody has it open: released at once.
echo "$idle_sub" >$sim/rescind
hvg_check "a closed rescinded sub-channel is released at once" \
	hvg_wait_for 10 test ! -d "$sim/channels/$idle_sub"
hvg_check "and gone from the guest's sysfs" test ! -d "$dev/channels/$idle_sub"
hvg_check "the guest logged both releases" \
	test "$(hvg_dmesg | grep -c 'rescinded sub-channel released')" = 2

# The device works on: bound again, new sub-channels, traffic.
echo "$name" >"$drv/bind" || hvg_fail "bind"
hvg_check "rebound" hvg_wait_for 10 test -e "$run/subchannels"
echo "2 50" >"$run/subchannels" || hvg_fail "sub-channels after rebind: $(cat "$run/result")"
hvg_check "2 new sub-channels carried traffic" \
	test "$(grep -c 'ok sent=50 received=50 errors=0' "$run/result")" = 2
hvg_check "no protocol violation seen by the host" test "$(cat $sim/violations)" = 0

# The primary goes with its new sub-channels.
relid=$(cat "$dev/id")
echo "$relid" >$sim/rescind
hvg_check "the device is gone after its rescind" hvg_wait_for 10 test ! -e "$dev"
hvg_check "the host freed every channel" hvg_wait_for 10 sh -c "[ -z \"\$(ls $sim/channels)\" ]"
hvg_check "no protocol violation seen by the host" test "$(cat $sim/violations)" = 0

# The primary rescinded before its sub-channels (rescind_alone): the
# sub-channels' relids stay the host's until their own rescinds come; then
# each is released. Before, the guest released them with the primary (a
# violation: RELID_RELEASED for a relid not rescinded) and dropped their
# rescinds as unknown.
echo echo >$sim/offer || hvg_fail "offer a second echo device"
hvg_check "a new echo device is bound" hvg_wait_for 20 sh -c "ls $drv | grep -q -- -"
name=$(ls "$drv" | grep -- - | head -1)
dev=/sys/bus/vmbus/devices/$name
run=/sys/kernel/debug/hv_echo_test/$name
echo "2 20" >"$run/subchannels" || hvg_fail "sub-channels: $(cat "$run/result")"
hvg_check "2 sub-channels carried traffic" \
	test "$(grep -c 'ok sent=20 received=20 errors=0' "$run/result")" = 2
subs=$(sub_relids "$dev")
relid=$(cat "$dev/id")
echo "$relid" >$sim/rescind_alone || hvg_fail "rescind_alone $relid"
hvg_check "the device is gone after its rescind" hvg_wait_for 10 test ! -e "$dev"
for sc in $subs; do
	hvg_check "sub-channel $sc waits for its own rescind" \
		hvg_wait_for 10 hvg_dmesg_has "relid $sc: sub-channel waits for its own rescind"
	hvg_check "the host still has sub-channel $sc" test -d "$sim/channels/$sc"
done
hvg_check "no protocol violation after the primary's rescind" test "$(cat $sim/violations)" = 0
for sc in $subs; do
	echo "$sc" >$sim/rescind_alone || hvg_fail "rescind_alone $sc"
	hvg_check "sub-channel $sc released on its own rescind" \
		hvg_wait_for 10 test ! -d "$sim/channels/$sc"
done
hvg_check "no rescind was dropped as unknown" \
	sh -c "! dmesg | sed -n '/hvg: scenario $HVG_SCENARIO start\$/,\$p' | grep 'rescind of unknown relid'"
hvg_check "the host freed every channel" hvg_wait_for 10 sh -c "[ -z \"\$(ls $sim/channels)\" ]"
hvg_check "no protocol violation seen by the host" test "$(cat $sim/violations)" = 0
hvg_rmmod hv_echo_test
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
hvg_pass
