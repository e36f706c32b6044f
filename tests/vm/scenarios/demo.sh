# kernels: 6.12
# What `make demo` shows: boot a VM, load hv_vmbus and the simulated host,
# and show what they do. Run by `make check` too, so the demo cannot rot.
# Later work extends it until it shows every capability.

say() { printf '\n=== %s\n' "$*"; }

say "kernel $(uname -r), hypervisor seen by the guest: $(cat /sys/hypervisor/type 2>/dev/null || sed -n 's/^flags.* hypervisor .*/(some hypervisor, not Hyper-V)/p' /proc/cpuinfo | head -1)"

say "loading hv_vmbus"
hvg_insmod hv_vmbus
dmesg | grep 'hv_vmbus:' | tail -2
echo "bus registered: $(ls -d /sys/bus/vmbus)"
echo "max_version parameter: $(cat /sys/module/hv_vmbus/parameters/max_version) (0: newest)"

say "loading hv_sim, the simulated Hyper-V host"
hvg_insmod hv_sim
dmesg | grep -E 'hv_(vmbus|sim):' | tail -2
hvg_dmesg_has 'platform sim registered' || hvg_fail "hv_sim did not register"

say "unloading"
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
dmesg | grep -E 'hv_(vmbus|sim):' | tail -1
hvg_pass
