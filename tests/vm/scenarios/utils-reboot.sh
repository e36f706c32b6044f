# kernels: 6.12 debug
# power: reboot
# console: hv_sim: guest posted UNLOAD
# With no shutdown daemon, the host's reboot request restarts the guest
# through the kernel (orderly_reboot): nothing is lost for want of a
# daemon. run.sh checks that the VM restarted before the scenario ended.

hvg_stand_in_power_commands
hvg_insmod hv_vmbus
hvg_insmod hv_sim
hvg_insmod hv_utils
hvg_check "shutdown negotiated" hvg_wait_for 20 hvg_ic_negotiated shutdown
hvg_host_power_request reboot
