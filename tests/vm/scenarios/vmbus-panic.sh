# kernels: 6.12 debug
# power: panic
# console: hv_sim: guest posted UNLOAD
# A guest that panics tells the host its channels are dead (UNLOAD from
# the panic notifier), so a kdump kernel could connect again: with an
# echo channel open and traffic done, crash the kernel and look for the
# host's record of the UNLOAD after the crash. The reboot (kexec) path is
# utils-reboot's, which names the same console line.

hvg_insmod hv_vmbus
hvg_insmod hv_sim devices=echo,heartbeat
hvg_insmod hv_echo_test
hvg_check "the echo device is bound" hvg_wait_for 20 sh -c 'ls -d /sys/kernel/debug/hv_echo_test/*/ >/dev/null 2>&1'
run=$(ls -d /sys/kernel/debug/hv_echo_test/*/ | head -1)
echo "100 64 8" >"$run/run" || hvg_fail "echo: $(cat "$run/result")"
hvg_check "echo traffic before the crash" grep -q '^ok sent=100' "$run/result"
hvg_dmesg_has "hv_sim: guest posted UNLOAD" && hvg_fail "UNLOAD posted before the crash"
echo "ok: no UNLOAD before the crash"
hvg_panic
