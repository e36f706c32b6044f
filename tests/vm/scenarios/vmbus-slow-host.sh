# kernels: 6.12 debug
# timeout: 300
# A slow host. It answers UNLOAD late (Azure has been seen to take
# ~50 s): the guest waits for the answer before it frees the monitor and
# interrupt pages the host may still write; a host that does not answer
# within hv_vmbus's unload_timeout gets the pages leaked, not freed. It
# answers GPADL_TEARDOWN after the guest's 10 s: the guest leaks the ring
# memory rather than free it under the host. hv_sim checks at each late
# answer that the pages are still allocated (a violation otherwise).
# It answers OPENCHANNEL after the guest's 10 s: the guest closes what the
# host opened late before it takes the rings back. And a busy host, which
# refuses posts with INSUFFICIENT_BUFFERS in bursts.

sim=/sys/kernel/debug/hv_sim
freed='guest protocol violation: guest freed a shared page'

# 12 s: longer than the 10 s this guest once waited.
hvg_insmod hv_vmbus
hvg_insmod hv_sim devices=heartbeat
hvg_check "connected" hvg_wait_for 20 sh -c "test \"\$(cat $sim/version)\" != 0"
echo 12000 >$sim/unload_delay_ms
start=$(date +%s)
hvg_rmmod hv_sim
took=$(($(date +%s) - start))
echo "rmmod hv_sim took ${took}s with UNLOAD answered after 12 s"
hvg_check "the guest waited for the late answer" test "$took" -ge 12
hvg_dmesg_has 'did not answer UNLOAD' && hvg_fail "the guest gave up on a host that answered in 12 s"
hvg_dmesg_has "$freed" && hvg_fail "the guest freed pages the host still held"
echo "ok: no page freed under the host"

# A host slower than unload_timeout: the pages are leaked.
echo 2 >/sys/module/hv_vmbus/parameters/unload_timeout
hvg_insmod hv_sim devices=heartbeat
hvg_check "connected again" hvg_wait_for 20 sh -c "test \"\$(cat $sim/version)\" != 0"
echo 5000 >$sim/unload_delay_ms
hvg_rmmod hv_sim
hvg_check "the guest gave up after its timeout and said so" \
	hvg_dmesg_has 'did not answer UNLOAD .*leaking the monitor and interrupt pages'
hvg_dmesg_has "$freed" && hvg_fail "the guest freed pages the host still held"
echo "ok: pages leaked, not freed"

# GPADL_TEARDOWN answered after the guest stopped waiting (10 s).
echo 100 >/sys/module/hv_vmbus/parameters/unload_timeout
hvg_insmod hv_echo_test
hvg_insmod hv_sim devices=echo
hvg_check "the echo device is bound" \
	hvg_wait_for 20 sh -c 'ls -d /sys/kernel/debug/hv_echo_test/*/ >/dev/null 2>&1'
run=$(ls -d /sys/kernel/debug/hv_echo_test/*/ | head -1)
echo "100 64 8" >"$run/run" || hvg_fail "echo: $(cat "$run/result")"
echo 12000 >$sim/teardown_delay_ms
out0=$(cat $sim/messages_out)
hvg_rmmod hv_echo_test
hvg_check "the guest kept the ring memory the host did not release" \
	hvg_dmesg_has 'leaking [0-9]+ KiB of ring memory the host did not release'
# hv_sim answers 2 s after the guest stopped waiting, and checks the
# pages just before: its GPADL_TORNDOWN going out means the check is done.
hvg_check "hv_sim sent its late GPADL_TORNDOWN" \
	hvg_wait_for 20 sh -c "test \$(cat $sim/messages_out) -gt $out0"
hvg_check "no page freed under the host" test "$(cat $sim/violations)" = 0
echo 0 >$sim/teardown_delay_ms
hvg_rmmod hv_sim

# OPENCHANNEL answered after the guest stopped waiting (10 s). The host
# opens the channel late: the guest, having given up, must close it
# (CLOSECHANNEL, which the host takes in order) before it asks for the
# GPADL back. Before, its GPADL_TEARDOWN found the channel open on the
# host's side (a violation: the host would write into freed rings).
hvg_insmod hv_sim devices=echo
hvg_check "connected for the late open" hvg_wait_for 20 sh -c "test \"\$(cat $sim/version)\" != 0"
echo 12000 >$sim/open_delay_ms
out0=$(cat $sim/messages_out)
hvg_insmod hv_echo_test
hvg_check "the guest gave up on OPENCHANNEL and closed the channel" \
	hvg_wait_for 20 hvg_dmesg_has 'no answer to OPENCHANNEL in 10 s: closing it'
# The late OPENCHANNEL_RESULT, then GPADL_TORNDOWN: two messages.
hvg_check "hv_sim opened late, then answered the teardown" \
	hvg_wait_for 20 sh -c "test \$(cat $sim/messages_out) -ge $((out0 + 2))"
hvg_check "no protocol violation after a late open" test "$(cat $sim/violations)" = 0
echo 0 >$sim/open_delay_ms
hvg_rmmod hv_echo_test
hvg_insmod hv_echo_test
hvg_check "the echo device opens at the next try" \
	hvg_wait_for 20 sh -c 'ls -d /sys/kernel/debug/hv_echo_test/*/ >/dev/null 2>&1'
run=$(ls -d /sys/kernel/debug/hv_echo_test/*/ | head -1)
echo "100 64 8" >"$run/run" || hvg_fail "echo after a late open: $(cat "$run/result")"
hvg_rmmod hv_echo_test
hvg_rmmod hv_sim

# A busy host: after every 3 posts it takes, it refuses 2 with
# HV_STATUS_INSUFFICIENT_BUFFERS. The guest backs off and posts again
# (vmbus_post_msg()); nothing is lost through offers, opens, GPADLs,
# sub-channels, rescinds, closes and UNLOAD. Before, a refusal was
# retried in place for at most 10 ms and then failed.
hvg_insmod hv_echo_test
hvg_insmod hv_sim devices=echo,heartbeat
echo 3 >$sim/busy_every
echo 2 >$sim/busy_burst
for round in 1 2 3; do
	hvg_check "round $round: an echo device is bound" \
		hvg_wait_for 20 sh -c 'ls -d /sys/kernel/debug/hv_echo_test/*/ >/dev/null 2>&1'
	run=$(ls -d /sys/kernel/debug/hv_echo_test/*/ | head -1)
	echo "3 20" >"$run/subchannels" || hvg_fail "round $round: sub-channels: $(cat "$run/result")"
	hvg_check "round $round: 3 sub-channels carried traffic" \
		test "$(grep -c 'ok sent=20 received=20 errors=0' "$run/result")" = 3
	dev=/sys/bus/vmbus/devices/$(basename "$run")
	echo "$(cat "$dev/id")" >$sim/rescind || hvg_fail "rescind"
	hvg_check "round $round: the device went with its rescind" hvg_wait_for 20 test ! -e "$dev"
	echo echo >$sim/offer || hvg_fail "offer echo"
done
hvg_check "the host refused posts" test "$(cat $sim/busy_refusals)" -gt 0
echo "$(cat $sim/busy_refusals) posts refused as busy, all posted again"
hvg_check "no protocol violation on a busy host" test "$(cat $sim/violations)" = 0
hvg_rmmod hv_echo_test
unloads=$(hvg_dmesg | grep -c 'hv_sim: answered UNLOAD$')
hvg_rmmod hv_sim
hvg_check "no message given up" sh -c "! dmesg | grep -q 'message buffers stayed full'"
hvg_check "UNLOAD went through on a busy host" \
	test "$(hvg_dmesg | grep -c 'hv_sim: answered UNLOAD$')" = $((unloads + 1))
hvg_rmmod hv_vmbus
hvg_pass
