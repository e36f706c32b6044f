# kernels: 6.12 debug
# timeout: 300
# A slow host answers UNLOAD late (Azure has been seen to take ~50 s):
# the guest waits for the answer before it frees the monitor and
# interrupt pages the host may still write. A host that does not answer
# within hv_vmbus's unload_timeout gets the pages leaked, not freed.
# hv_sim checks at its late answer that the pages are still allocated
# (a violation is logged otherwise: its counter goes with the module).

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
hvg_rmmod hv_vmbus
hvg_pass
