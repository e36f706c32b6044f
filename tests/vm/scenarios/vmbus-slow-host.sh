# kernels: 6.12 debug
# timeout: 300
# A slow host. It answers UNLOAD late (Azure has been seen to take
# ~50 s): the guest waits for the answer before it frees the monitor and
# interrupt pages the host may still write; a host that does not answer
# within hv_vmbus's unload_timeout gets the pages leaked, not freed. It
# answers GPADL_TEARDOWN after the guest's 10 s: the guest leaks the ring
# memory rather than free it under the host. hv_sim checks at each late
# answer that the pages are still allocated (a violation otherwise).

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
hvg_rmmod hv_vmbus
hvg_pass
