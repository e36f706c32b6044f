# kernels: 6.12 debug
# timeout: 240
# boot: crashkernel=192M crash_kexec_post_notifiers
# power: kdump
# console: hv_sim: guest posted UNLOAD
# console: hvg: the kexec'd kernel reached its init
# kdump: with memory reserved for a capture kernel and one loaded
# (kexec -p), a panic reaches it. The panic notifiers run first, as on
# Hyper-V, whose arch code sets crash_kexec_post_notifiers: hv_vmbus's
# posts UNLOAD so the host lets go of this kernel's rings before the
# capture kernel connects. hv_sim dies with the panicking kernel, so its
# answer cannot be waited for here (on Hyper-V hv_vmbus polls for it).

[ -n "${HVG_KIMAGE:-}" ] && [ -n "${HVG_INITRD:-}" ] ||
	hvg_fail "no hvg.kimage= or hvg.initrd= on the kernel command line (tests/vm/run.sh)"
command -v kexec >/dev/null || hvg_fail "kexec is not installed (kexec-tools, scripts/deps.sh)"
grep -q crashkernel= /proc/cmdline || hvg_fail "booted without crashkernel= (# boot:)"

hvg_insmod hv_vmbus
hvg_insmod hv_echo_test
hvg_insmod hv_sim devices=echo
name=$(hvg_wait_echo) || hvg_fail "no echo device was bound"
run=/sys/kernel/debug/hv_echo_test/$name
echo "100 0 8" >"$run/run" || hvg_fail "echo: $(cat "$run/result")"
hvg_check "echo works before the crash" grep -q "^ok sent=100 received=100 errors=0" "$run/result"

# The capture kernel: one CPU, as kdump tools start it; its lockup and
# stall detectors off, as in vmbus-kexec (QEMU's TCG can stall it).
hvg_check "the capture kernel is loaded" \
	kexec -p "$HVG_KIMAGE" --initrd="$HVG_INITRD" \
	--command-line="console=ttyS0 panic=-1 hvg.kexec=1 nr_cpus=1 reset_devices nowatchdog nosoftlockup rcupdate.rcu_cpu_stall_suppress=1"
hvg_check "the kernel says so" test "$(cat /sys/kernel/kexec_crash_loaded)" = 1
hvg_panic
