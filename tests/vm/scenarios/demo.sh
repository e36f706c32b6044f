# kernels: 6.12
# What `make demo` shows: boot a VM, load hv_vmbus and the simulated host,
# list the devices a Generation 2 VM has with lsvmbus, push traffic
# through the echo channel, and unload. Run by `make check` too, so the
# demo cannot rot. Later work extends it until it shows every capability.

say() { printf '\n=== %s\n' "$*"; }
sim=/sys/kernel/debug/hv_sim

say "kernel $(uname -r); the guest is not on Hyper-V: $(grep -q hypervisor /proc/cpuinfo && echo 'QEMU/TCG')"

say "loading hv_vmbus and hv_sim (the simulated Hyper-V host)"
hvg_insmod hv_vmbus
hvg_insmod hv_echo_test
hvg_insmod hv_sim devices=nic,scsi,keyboard,mouse,shutdown,timesync,heartbeat,kvp,vss,fcopy,echo
for i in $(seq 50); do
	[ "$(ls /sys/bus/vmbus/devices | wc -l)" -ge 11 ] && break
	sleep 0.1
done
dmesg | grep -E 'hv_(vmbus|sim):' | grep -v taint | tail -4

say "lsvmbus -vv (tools/lsvmbus)"
"$HVG_BUILD/lsvmbus/lsvmbus" -vv | head -40

say "sysfs of the synthetic NIC (upstream's ABI)"
nic=$(dirname "$(grep -l '{f8615163-df3e-46c5-913f-f2d2f965ed0e}' /sys/bus/vmbus/devices/*/class_id)")
for a in id class_id device_id modalias vendor channel_vp_mapping; do
	printf '%-20s %s\n' "$a" "$(cat "$nic/$a")"
done

say "echo channel: 10,000 packets of varied size, content checked"
run=$(ls -d /sys/kernel/debug/hv_echo_test/*/ | head -1)
echo "10000 0 64" >"$run/run" || hvg_fail "echo run failed: $(cat "$run/result")"
cat "$run/result"
echo "(signals = guest-to-host signals, interrupts = host-to-guest)"

say "rescind the echo device from the host"
relid=$(cat "$(dirname "$(grep -l '{9a8b67c3' /sys/bus/vmbus/devices/*/class_id)")/id")
echo "$relid" >$sim/rescind
sleep 1
dmesg | grep -E "relid $relid rescinded" | tail -1
echo "devices now: $(ls /sys/bus/vmbus/devices | wc -l)"
echo "protocol violations seen by the host: $(cat $sim/violations)"

say "unloading"
hvg_rmmod hv_sim
hvg_rmmod hv_echo_test
hvg_rmmod hv_vmbus
dmesg | grep -E 'hv_(vmbus|sim):' | tail -1
hvg_pass
