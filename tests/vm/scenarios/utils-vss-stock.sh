# kernels: 6.12
# kernels-long: debug
# timeout: 600
# VSS (backup) with Debian's stock hv_vss_daemon (hyperv-daemons) over our
# hv_utils and hv_sim's host end: freeze really freezes an ext4 file system
# (a write to it blocks until thaw), hot_backup answers flags 5, the kernel
# answers get_dm_info and the other operations itself, and a missing,
# stopped or killed daemon, or a rescinded device, fails the host's request
# instead of hanging it. Then the device's daemon ABI byte by byte.
# The checks are in tests/vm/lib-vss.sh, shared with daemon-vss (ours).

# shellcheck source=tests/vm/lib-vss.sh
. "$HVG_SRC/tests/vm/lib-vss.sh"

vss_setup
vss_checks stock
vss_check_killed stock
vss_stop
vss_abi_checks
vss_teardown
hvg_pass
