# kernels: 6.1 6.12 debug
# timeout: 300
# loops: seconds=10/45
# hv_utils with no KVP daemon holds the host's KVP negotiation (up to
# 55 s) by leaving its packet unread. That must cost no CPU: the channel
# is read in direct mode, one callback per host interrupt, not polled in
# softirq while the packet waits. Softirq time is measured from
# /proc/stat over the window (at most 45 s: it must end inside the 55 s
# hold); the packet must still be waiting at its end.

ic=/sys/kernel/debug/hv_sim/ic
hvg_insmod hv_vmbus
hvg_insmod hv_sim devices=kvp,heartbeat
hvg_insmod hv_utils
hvg_check "heartbeat negotiated" hvg_wait_for 20 hvg_ic_negotiated heartbeat
hvg_check "the KVP device exists" hvg_wait_for 10 test -c /dev/vmbus/hv_kvp
sleep 1
# cpu  user nice system idle iowait irq softirq steal ...
read -r _ u1 n1 s1 i1 w1 q1 sq1 st1 _ </proc/stat
sleep "$seconds"
read -r _ u2 n2 s2 i2 w2 q2 sq2 st2 _ </proc/stat
total=$(( (u2 + n2 + s2 + i2 + w2 + q2 + sq2 + st2) - (u1 + n1 + s1 + i1 + w1 + q1 + sq1 + st1) ))
soft=$((sq2 - sq1))
echo "softirq: $soft of $total ticks over ${seconds} s ($((soft * 1000 / total)) per mille)"
hvg_check "the host's KVP negotiation is still held for a daemon" \
	test "$(cat $ic/kvp/version)" = none
hvg_check "softirq time under 1% while it waits" test $((soft * 100)) -lt "$total"
hvg_rmmod hv_utils
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
hvg_pass
