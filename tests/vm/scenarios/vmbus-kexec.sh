# kernels: 6.12 debug
# timeout: 240
# power: kexec
# console: hv_echo_test [0-9a-f-]+: shutdown: ok sent=16 received=16 errors=0
# console: hv_sim: guest posted UNLOAD
# console: hv_sim: answered UNLOAD
# console: hv_vmbus: the host let go of this guest \(UNLOAD answered\)
# console: hv_sim: the guest switched its SynIC off \(after UNLOAD\)
# console: kexec_core: Starting new kernel
# console: hvg: the kexec'd kernel reached its init
# kexec into a second kernel: the host asks for a restart and /sbin/reboot
# kexecs into the loaded kernel (hvg_stand_in_power_commands). In that
# order: drivers' shutdown calls still have the bus (the echo driver's
# shutdown runs 16 round trips), then UNLOAD is posted and answered, then
# the SynIC goes off, then the new kernel starts and reaches its init
# (run.sh checks the console lines above in order). Before, the reboot
# notifier posted UNLOAD ahead of device_shutdown() without waiting for
# the answer and never switched the SynIC off.

sim=/sys/kernel/debug/hv_sim
[ -n "${HVG_KIMAGE:-}" ] && [ -n "${HVG_INITRD:-}" ] ||
	hvg_fail "no hvg.kimage= or hvg.initrd= on the kernel command line (tests/vm/run.sh)"
command -v kexec >/dev/null || hvg_fail "kexec is not installed (kexec-tools, scripts/deps.sh)"

hvg_insmod hv_vmbus
hvg_insmod hv_echo_test
hvg_insmod hv_sim devices=echo,shutdown
hvg_insmod hv_utils
name=$(hvg_wait_echo) || hvg_fail "no echo device was bound"
run=/sys/kernel/debug/hv_echo_test/$name
echo "100 0 8" >"$run/run" || hvg_fail "echo: $(cat "$run/result")"
hvg_check "echo works before the kexec" grep -q "^ok sent=100 received=100 errors=0" "$run/result"
hvg_check "shutdown negotiated" hvg_wait_for 20 hvg_ic_negotiated shutdown
hvg_check "no protocol violation before the kexec" test "$(cat $sim/violations)" = 0

# Under TCG the new kernel can stall for tens of seconds early on (seen:
# 26 s in clear_page, in one boot of three), most likely QEMU dropping
# code it had translated from the old kernel's pages as they are
# overwritten: its lockup and stall detectors are off, as they would
# report QEMU, not this code.
hvg_check "the second kernel is loaded" \
	kexec -l "$HVG_KIMAGE" --initrd="$HVG_INITRD" \
	--command-line="console=ttyS0 panic=-1 hvg.kexec=1 nowatchdog nosoftlockup rcupdate.rcu_cpu_stall_suppress=1"
hvg_check "the kernel says so" test "$(cat /sys/kernel/kexec_loaded)" = 1
hvg_host_power_request reboot
